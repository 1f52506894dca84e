// The `network` part of the config: the VPC shipline makes (a CIDR cut into subnets across AZs), or
// one the user already has (issue 14: `vpcId` with its public and private subnets), which shipline
// only reads. `cidr` and `azs` have defaults for the first; beside `vpcId` they are the VPC's own,
// so a value the user wrote there is refused: the defaults apply only without `vpcId`.
import { z } from 'zod';
import { parseCidr } from './net/cidr';

const DEFAULT_CIDR = '10.0.0.0/16';
const DEFAULT_AZS = 2;

/** EC2 IDs: the prefix, then 8 (older resources) or 17 hexadecimal digits. */
const ec2Id = (prefix: string, example: string) =>
  z.string().regex(new RegExp(`^${prefix}-([0-9a-f]{8}|[0-9a-f]{17})$`), { error: `expected a ${prefix} ID like ${example}` });
const vpcId = ec2Id('vpc', 'vpc-0123456789abcdef0');
const subnetId = ec2Id('subnet', 'subnet-0123456789abcdef0');
const subnetIds = z.array(subnetId).min(2, { error: 'expected at least 2 subnets, in two availability zones (a load balancer needs two)' });

const cidr = z.string().refine((value) => parseCidr(value) !== undefined, {
  error: 'expected an IPv4 CIDR like 10.0.0.0/16',
});

/** The VPC shipline makes and owns. */
export interface OwnNetwork {
  cidr: string;
  azs: number;
  /** Explicit subnet CIDRs; by default the VPC is cut into 16 equal blocks, public first, private from the middle. */
  publicSubnets?: string[];
  privateSubnets?: string[];
  vpcId?: undefined;
}

/** A VPC the user has: shipline puts its pieces in it and changes nothing of it. */
export interface ImportedNetwork {
  vpcId: string;
  publicSubnetIds: string[];
  privateSubnetIds: string[];
  cidr?: undefined;
  azs?: undefined;
}

export type NetworkConfig = OwnNetwork | ImportedNetwork;

type NetworkInput = {
  cidr?: string;
  azs?: number;
  publicSubnets?: string[];
  privateSubnets?: string[];
  vpcId?: string;
  publicSubnetIds?: string[];
  privateSubnetIds?: string[];
};

/** What only the VPC shipline makes takes, and what only an imported one does. */
const OWN_FIELDS = ['cidr', 'azs', 'publicSubnets', 'privateSubnets'] as const;
const IMPORT_FIELDS = ['publicSubnetIds', 'privateSubnetIds'] as const;

export const networkSchema = z
  .strictObject({
    cidr: cidr.optional(),
    azs: z.number().int().min(2, { error: 'expected at least 2 availability zones (an ALB needs two)' }).max(6).optional(),
    publicSubnets: z.array(cidr).optional(),
    privateSubnets: z.array(cidr).optional(),
    /** A VPC of the user's own: shipline makes none, and changes nothing of it. */
    vpcId: vpcId.optional(),
    publicSubnetIds: subnetIds.optional(),
    privateSubnetIds: subnetIds.optional(),
  })
  .superRefine((network, ctx) => checkImport(network, (path, message) => ctx.addIssue({ code: 'custom', path, message })))
  .transform((network): NetworkConfig => toNetwork(network))
  .prefault({});

type Issue = (path: PropertyKey[], message: string) => void;

/** The fields that go with `vpcId` and those that don't, each named with why. */
function checkImport(network: NetworkInput, issue: Issue): void {
  if (network.vpcId === undefined) {
    for (const field of IMPORT_FIELDS) {
      if (network[field] !== undefined) issue([field], 'needs network.vpcId: subnet IDs name subnets of a VPC you already have (without vpcId, shipline makes its own VPC and subnets)');
    }
    return;
  }
  for (const field of OWN_FIELDS) {
    if (network[field] !== undefined) {
      issue([field], `cannot stand beside network.vpcId: ${field === 'azs' ? 'the availability zones are those of your subnets' : field === 'cidr' ? 'the CIDR is that of your VPC' : 'the subnets are the ones you list in publicSubnetIds and privateSubnetIds'}; leave it out`);
    }
  }
  for (const field of IMPORT_FIELDS) {
    if (network[field] === undefined) issue([field], `is required with network.vpcId: the ${field.startsWith('public') ? 'public subnets (routed to an internet gateway) the load balancer goes in' : 'private subnets (with a way out) the services run in'}`);
  }
  const seen = new Map<string, string>();
  for (const field of IMPORT_FIELDS) {
    (network[field] ?? []).forEach((id, i) => {
      const other = seen.get(id);
      if (other !== undefined) issue([field, i], `${id} is listed twice (also ${other}); each subnet is either public or private, once`);
      seen.set(id, `network.${field}[${i}]`);
    });
  }
}

function toNetwork(network: NetworkInput): NetworkConfig {
  if (network.vpcId !== undefined) {
    return { vpcId: network.vpcId, publicSubnetIds: network.publicSubnetIds ?? [], privateSubnetIds: network.privateSubnetIds ?? [] };
  }
  return {
    cidr: network.cidr ?? DEFAULT_CIDR,
    azs: network.azs ?? DEFAULT_AZS,
    ...(network.publicSubnets !== undefined ? { publicSubnets: network.publicSubnets } : {}),
    ...(network.privateSubnets !== undefined ? { privateSubnets: network.privateSubnets } : {}),
  };
}

/** The imported VPC of a config, or undefined when shipline makes its own. */
export function importedNetwork(config: { network: NetworkConfig }): ImportedNetwork | undefined {
  return config.network.vpcId !== undefined ? config.network : undefined;
}

/** The VPC shipline makes; only code for that case asks (an imported VPC here is a bug). */
export function ownNetwork(config: { network: NetworkConfig }): OwnNetwork {
  const network = config.network;
  if (network.vpcId !== undefined) throw new Error(`internal: the network of an imported VPC (${network.vpcId}) read as one shipline makes`);
  return network;
}

/** `nat.mode: "none"` and `network.vpcId` go together: a NAT of shipline's would need routes in the user's route tables. */
export function checkNatMode(config: { network: NetworkConfig; nat: { mode: string } }, issue: Issue): void {
  const imported = config.network.vpcId !== undefined;
  if (config.nat.mode === 'none' && !imported) {
    issue(['nat', 'mode'], '"none" needs network.vpcId: the VPC shipline makes gets its way out through the NAT it makes ("instance" or "nat-gateway")');
  }
  if (imported && config.nat.mode !== 'none') {
    issue(['nat', 'mode'], `must be "none" with network.vpcId (it is "${config.nat.mode}"${config.nat.mode === 'instance' ? ', also the default when left out' : ''}): a NAT of shipline's would need a route in your route tables, which shipline never changes; your private subnets bring their own way out (a NAT, or VPC endpoints)`);
  }
}
