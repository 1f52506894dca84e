// The fields of a Copilot environment manifest (copilot/environments/<env>/manifest.yml). shipline
// makes one VPC and one load balancer for all environments, where Copilot made one of each per
// environment: a certificate carries when every environment names the same one; an imported VPC
// (`network.vpc.id` with its subnets) carries into `network.vpcId`, `publicSubnetIds`,
// `privateSubnetIds` with `nat.mode: "none"` when the environments agree on it (mapping.ts).
//
// Copilot's words: https://aws.github.io/copilot-cli/docs/manifest/environment/ (network.vpc.id with
// subnets.public/private[].id, network.vpc.cidr, http.public.certificates, observability);
// shapes: aws/copilot-cli internal/pkg/manifest/env.go (environmentVPCConfig, PublicHTTPConfig).
import { REASON, refuse, type NotCarried } from './report';
import { asRecord, asString, shown } from './values';

export interface EnvironmentFields {
  /** `http.public.certificates`, as listed. */
  certificates: string[];
  /** `network.vpc.id` and its subnets' IDs, when the environment imports a VPC. */
  vpc?: ImportedVpc;
  notes: NotCarried[];
}

export interface ImportedVpc {
  id: string;
  publicSubnetIds: string[];
  privateSubnetIds: string[];
}

/** Every field of one environment manifest: the certificates to weigh across environments, and refusals. */
export function environmentFields(manifest: Record<string, unknown>, file: string): EnvironmentFields {
  const notes: NotCarried[] = [];
  let certificates: string[] = [];
  let vpc: ImportedVpc | undefined;
  for (const [key, value] of Object.entries(manifest)) {
    if (key === 'name' || key === 'type') continue;
    if (key === 'network') {
      const network = vpcFrom(value, file);
      notes.push(...network.notes);
      vpc = network.vpc;
    } else if (key === 'http') {
      const http = httpFrom(value, file);
      certificates = http.certificates;
      notes.push(...http.notes);
    } else if (key === 'observability') notes.push(...observabilityFrom(value, file));
    else if (key === 'cdn') notes.push(refuse(file, 'cdn', `${shown(value)}: shipline puts no CloudFront distribution in front of its load balancer`));
    else notes.push(refuse(file, key, REASON.unknown));
  }
  return { certificates, ...(vpc ? { vpc } : {}), notes };
}

/** `network.vpc`: an imported VPC (issue 14), or the CIDRs of the one Copilot made. */
function vpcFrom(value: unknown, file: string): { notes: NotCarried[]; vpc?: ImportedVpc } {
  const network = asRecord(value);
  const notes: NotCarried[] = Object.keys(network)
    .filter((key) => key !== 'vpc')
    .map((key) => refuse(file, `network.${key}`, REASON.unknown));
  const vpc = asRecord(network.vpc);
  const imported = vpc.id !== undefined ? importedVpcFrom(vpc, file) : undefined;
  if (imported && 'reason' in imported) notes.push(imported);
  for (const [key, v] of Object.entries(vpc)) {
    if (key === 'id' || (key === 'subnets' && vpc.id !== undefined)) continue;
    if (key === 'cidr' || key === 'subnets') notes.push(refuse(file, `network.vpc.${key}`, `${shown(v)}: Copilot made one VPC per environment; shipline makes one for all of them (set network.cidr, publicSubnets and privateSubnets by hand if the defaults collide with your networks)`));
    else if (key === 'security_group') notes.push(refuse(file, 'network.vpc.security_group', 'shipline manages its own security groups and their rules'));
    else if (key === 'flow_logs') notes.push(refuse(file, 'network.vpc.flow_logs', 'shipline turns on no VPC flow logs'));
    else notes.push(refuse(file, `network.vpc.${key}`, REASON.unknown));
  }
  return { notes, ...(imported && !('reason' in imported) ? { vpc: imported } : {}) };
}

/** `network.vpc.id` and its subnets' IDs; refused when they are not plain IDs (a variable Copilot filled in at deploy time). */
export function importedVpcFrom(vpc: Record<string, unknown>, file: string): ImportedVpc | NotCarried {
  const subnets = asRecord(vpc.subnets);
  const ids = (side: unknown) => (Array.isArray(side) ? side.map((s) => asString(asRecord(s).id) ?? shown(s)) : []);
  const id = asString(vpc.id);
  const publicSubnetIds = ids(subnets.public);
  const privateSubnetIds = ids(subnets.private);
  const plain = (value: string, prefix: string) => new RegExp(`^${prefix}-[0-9a-f]+$`).test(value);
  if (id !== undefined && plain(id, 'vpc') && [...publicSubnetIds, ...privateSubnetIds].every((s) => plain(s, 'subnet')) && publicSubnetIds.length > 0 && privateSubnetIds.length > 0) {
    return { id, publicSubnetIds, privateSubnetIds };
  }
  const detail = [publicSubnetIds.length > 0 ? `public ${publicSubnetIds.join(', ')}` : '', privateSubnetIds.length > 0 ? `private ${privateSubnetIds.join(', ')}` : ''].filter(Boolean).join('; ');
  return refuse(file, 'network.vpc.id', `imported VPC ${shown(vpc.id)}${detail ? ` (${detail})` : ''}: shipline takes an imported VPC with plain IDs for the VPC and for both its public and private subnets; set network.vpcId, publicSubnetIds and privateSubnetIds by hand`);
}

function httpFrom(value: unknown, file: string): EnvironmentFields {
  const http = asRecord(value);
  const notes: NotCarried[] = [];
  let certificates: string[] = [];
  for (const key of Object.keys(http)) {
    if (key === 'private') notes.push(refuse(file, 'http.private', 'shipline makes no internal load balancer'));
    else if (key !== 'public') notes.push(refuse(file, `http.${key}`, REASON.unknown));
  }
  for (const [key, v] of Object.entries(asRecord(http.public))) {
    if (key === 'certificates') certificates = Array.isArray(v) ? v.map((c) => String(c)) : [String(v)];
    else notes.push(refuse(file, `http.public.${key}`, PUBLIC_HTTP_REFUSALS[key] ?? REASON.unknown));
  }
  return { certificates, notes };
}

const PUBLIC_HTTP_REFUSALS: Record<string, string> = {
  access_logs: "shipline turns on no load balancer access logs",
  ingress: 'shipline opens its load balancer to every address',
  security_groups: 'shipline opens its load balancer to every address',
  ssl_policy: "shipline keeps the HTTPS listener's default security policy",
};

/** Copilot sets it per environment; shipline's one cluster serves every environment. */
const CONTAINER_INSIGHTS = 'shipline has one cluster for every environment; set services.containerInsights to true to turn it on for all (it costs money)';

function observabilityFrom(value: unknown, file: string): NotCarried[] {
  return Object.entries(asRecord(value)).map(([key, v]) =>
    refuse(file, `observability.${key}`, key === 'container_insights' ? `${shown(v)}: ${CONTAINER_INSIGHTS}` : REASON.unknown),
  );
}
