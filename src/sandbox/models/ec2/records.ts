// What the EC2 sandbox stores: one plain record type per resource family (JSON only: no Maps, no
// Dates; times are ISO strings or simulated seconds), and the public images it starts with.
import type { Tags } from '../../kernel/tags';

export interface VpcRecord {
  id: string;
  cidrBlock: string;
  cidrAssociationId: string;
  enableDnsSupport: boolean;
  enableDnsHostnames: boolean;
  tags: Tags;
}

export interface SubnetRecord {
  id: string;
  vpcId: string;
  cidrBlock: string;
  availabilityZone: string;
  mapPublicIpOnLaunch: boolean;
  tags: Tags;
}

export interface InternetGatewayRecord {
  id: string;
  /** The VPC it is attached to (one at most). */
  vpcId?: string;
  tags: Tags;
}

/** One route. Exactly one target is set; `local` routes have `gatewayId: 'local'`. */
export interface RouteRecord {
  destinationCidrBlock: string;
  gatewayId?: string;
  natGatewayId?: string;
  networkInterfaceId?: string;
  /** Set when the target network interface belonged to an instance when the route was made. */
  instanceId?: string;
  origin: 'CreateRouteTable' | 'CreateRoute';
}

export interface RouteTableAssociationRecord {
  id: string;
  /** The VPC's main association has no subnet. */
  main: boolean;
  subnetId?: string;
}

export interface RouteTableRecord {
  id: string;
  vpcId: string;
  routes: RouteRecord[];
  associations: RouteTableAssociationRecord[];
  tags: Tags;
}

/** One security group rule: one protocol/port range and exactly one peer. */
export interface SecurityGroupRuleRecord {
  id: string;
  /** Normalised: `tcp`, `udp`, `icmp`, `-1` (all) or a protocol number. */
  protocol: string;
  /** Absent for `-1`. */
  fromPort?: number;
  toPort?: number;
  cidrIpv4?: string;
  cidrIpv6?: string;
  referencedGroupId?: string;
  prefixListId?: string;
  description?: string;
}

export interface SecurityGroupRecord {
  id: string;
  name: string;
  description: string;
  vpcId: string;
  ingress: SecurityGroupRuleRecord[];
  egress: SecurityGroupRuleRecord[];
  tags: Tags;
}

export type Architecture = 'arm64' | 'x86_64';

export interface ImageRecord {
  id: string;
  name: string;
  description: string;
  ownerId: string;
  /** `amazon` for Amazon's own images. */
  ownerAlias?: string;
  architecture: Architecture;
  creationDate: string;
  /** `v2.0`: instances launched from it require IMDSv2 unless told otherwise. */
  imdsSupport?: 'v2.0';
  tags: Tags;
}

export type InstanceState = 'pending' | 'running' | 'stopping' | 'stopped' | 'shutting-down' | 'terminated';

export interface InstanceRecord {
  id: string;
  reservationId: string;
  imageId: string;
  instanceType: string;
  architecture: Architecture;
  /** ISO time. */
  launchTime: string;
  state: InstanceState;
  /** Simulated second at which the current state (pending, shutting-down) moves on. */
  readyAt: number;
  subnetId: string;
  vpcId: string;
  availabilityZone: string;
  /** The primary network interface (deleted with the instance). */
  networkInterfaceId: string;
  metadataOptions: { httpTokens: 'optional' | 'required'; httpEndpoint: 'enabled' | 'disabled'; httpPutResponseHopLimit: number };
  keyName?: string;
  /** ARN of the instance profile it was launched with (not checked against IAM). */
  iamInstanceProfileArn?: string;
  clientToken?: string;
  amiLaunchIndex: number;
  tags: Tags;
}

export interface AddressRecord {
  allocationId: string;
  publicIp: string;
  tags: Tags;
  association?: { id: string; networkInterfaceId: string; privateIp: string };
}

export type NatGatewayState = 'pending' | 'available' | 'failed' | 'deleting' | 'deleted';

export interface NatGatewayRecord {
  id: string;
  subnetId: string;
  vpcId: string;
  allocationId: string;
  /** Its network interface (deleted once the gateway is deleted or failed) and addresses. */
  networkInterfaceId: string;
  privateIp: string;
  publicIp: string;
  state: NatGatewayState;
  /** Simulated second at which pending or deleting moves on. */
  readyAt: number;
  createTime: string;
  deleteTime?: string;
  /** Decided at creation (the Elastic IP is taken, no internet gateway): the gateway ends failed. */
  failure?: { code: string; message: string };
  clientToken?: string;
  tags: Tags;
}

export interface NetworkInterfaceRecord {
  id: string;
  subnetId: string;
  vpcId: string;
  availabilityZone: string;
  description: string;
  groupIds: string[];
  privateIp: string;
  macAddress: string;
  interfaceType: 'interface' | 'natGateway';
  requesterManaged: boolean;
  requesterId?: string;
  sourceDestCheck: boolean;
  /** A public address mapped to it: an instance's auto-assigned one, or an Elastic IP. */
  publicIp?: { ip: string; allocationId?: string; associationId?: string };
  attachment?: { id: string; instanceId?: string; instanceOwnerId: string; deviceIndex: number; attachTime: string; deleteOnTermination: boolean };
  tags: Tags;
  /** Released by its owning service: deleted at this simulated second. */
  releaseAt?: number;
  /** Lingering after its service went away: describe calls that still show it. */
  lingerReads?: number;
}

/** A VPC endpoint: a gateway one routes for its route tables, an interface one sits in its subnets. */
export interface VpcEndpointRecord {
  id: string;
  vpcId: string;
  serviceName: string;
  type: 'Gateway' | 'Interface' | 'GatewayLoadBalancer';
  state: 'pendingAcceptance' | 'pending' | 'available' | 'deleting' | 'deleted' | 'rejected' | 'failed';
  routeTableIds: string[];
  subnetIds: string[];
  privateDnsEnabled: boolean;
  /** ISO time. */
  creationTimestamp: string;
  tags: Tags;
}

/** A ClientToken already used: the request it came with, and what it made. */
export interface ClientTokenRecord {
  fingerprint: string;
  ids: string[];
}

export interface Ec2Data {
  vpcs: Record<string, VpcRecord>;
  subnets: Record<string, SubnetRecord>;
  internetGateways: Record<string, InternetGatewayRecord>;
  routeTables: Record<string, RouteTableRecord>;
  securityGroups: Record<string, SecurityGroupRecord>;
  images: Record<string, ImageRecord>;
  instances: Record<string, InstanceRecord>;
  addresses: Record<string, AddressRecord>;
  natGateways: Record<string, NatGatewayRecord>;
  networkInterfaces: Record<string, NetworkInterfaceRecord>;
  vpcEndpoints: Record<string, VpcEndpointRecord>;
  /** Keyed `<Operation>:<token>`. */
  clientTokens: Record<string, ClientTokenRecord>;
  /** Counter behind the public IPv4 addresses handed out (instances, Elastic IPs). */
  publicIpCounter: number;
}

/** The account fck-nat publishes its AMIs from. */
export const FCK_NAT_OWNER = '568608671756';
const AMAZON_OWNER = '137112412989';

/** Public images every sandbox starts with: three fck-nat releases and Amazon Linux, both architectures. */
export function seedImages(): Record<string, ImageRecord> {
  const images: ImageRecord[] = [];
  // Not in date order, as DescribeImages promises no order: callers must pick the newest themselves.
  const fckNat = [
    { version: '1.3.0', date: '20240125', created: '2024-01-25T14:03:10.000Z' },
    { version: '1.3.1', date: '20240611', created: '2024-06-11T08:47:31.000Z' },
    { version: '1.2.2', date: '20231028', created: '2023-10-28T09:12:44.000Z' },
  ];
  fckNat.forEach((release, i) => {
    for (const [j, architecture] of (['arm64', 'x86_64'] as const).entries()) {
      images.push({
        id: `ami-0fc${(i * 2 + j + 1).toString(16).padStart(14, '0')}`,
        name: `fck-nat-al2023-hvm-${release.version}-${release.date}-${architecture}-ebs`,
        description: `fck-nat ${release.version} on Amazon Linux 2023 (${architecture})`,
        ownerId: FCK_NAT_OWNER,
        architecture,
        creationDate: release.created,
        imdsSupport: 'v2.0',
        tags: {},
      });
    }
  });
  for (const [j, architecture] of (['arm64', 'x86_64'] as const).entries()) {
    images.push({
      id: `ami-0a1${(j + 1).toString(16).padStart(14, '0')}`,
      name: `al2023-ami-2023.6.20241212.0-kernel-6.1-${architecture}`,
      description: 'Amazon Linux 2023 AMI 2023.6.20241212.0 arm64 HVM kernel-6.1'.replace('arm64', architecture),
      ownerId: AMAZON_OWNER,
      ownerAlias: 'amazon',
      architecture,
      creationDate: '2024-12-12T20:10:03.000Z',
      imdsSupport: 'v2.0',
      tags: {},
    });
  }
  return Object.fromEntries(images.map((image) => [image.id, image]));
}
