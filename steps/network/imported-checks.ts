// What an imported VPC must offer before shipline puts anything in it, decided from what AWS says
// about it (imported-reads.ts): every subnet in the VPC, each list across two availability zones,
// the public subnets routed to an internet gateway, the private ones with a way out (a default
// route, or the VPC endpoints the tasks need). Pure: each finding names the subnet and the piece.
//
// A subnet with no route table of its own uses the VPC's main table
// (https://docs.aws.amazon.com/vpc/latest/userguide/subnet-route-tables.html). The endpoints a
// Fargate task needs without a NAT: ECR's api and dkr, S3 (a gateway endpoint: the image layers),
// CloudWatch Logs, and Secrets Manager / SSM for secrets
// (https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html,
// https://repost.aws/knowledge-center/ecs-fargate-docker-timeout-error); ECS Exec needs
// ssmmessages (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html).
import type { RouteTable, Subnet, Vpc, VpcEndpoint } from '@aws-sdk/client-ec2';
import type { ImportedNetwork } from '../../src/network-config';

export interface ImportedReads {
  vpc: Vpc | undefined;
  /** The subnets the config names that exist (in whichever VPC). */
  subnets: Subnet[];
  /** Every route table of the VPC. */
  routeTables: RouteTable[];
  /** Every endpoint of the VPC. */
  endpoints: VpcEndpoint[];
}

/** What the tasks reach beyond pulling from ECR and logging, which decides the endpoints they need. */
export interface TaskNeeds {
  region: string;
  /** Some secret is an SSM parameter / a Secrets Manager secret. */
  ssm: boolean;
  secretsManager: boolean;
  exec: boolean;
  /** The image the services run before the first build, when it is not in the account's ECR (it comes from the internet). */
  outsideImage: string | undefined;
}

type Tier = 'public' | 'private';
const FIELD: Record<Tier, 'publicSubnetIds' | 'privateSubnetIds'> = { public: 'publicSubnetIds', private: 'privateSubnetIds' };

/** Every reason the stack cannot go into this network; empty when it can. */
export function importedNetworkFindings(network: ImportedNetwork, reads: ImportedReads, needs: TaskNeeds): string[] {
  if (!reads.vpc) return [`network.vpcId: VPC ${network.vpcId} does not exist in ${needs.region} (or these credentials cannot see it)`];
  const findings: string[] = [];
  const mainTable = reads.routeTables.find((t) => t.Associations?.some((a) => a.Main));
  for (const tier of ['public', 'private'] as const) {
    const field = FIELD[tier];
    const zones = new Map<string, string[]>();
    network[field].forEach((id, i) => {
      const where = `${tier} subnet ${id} (network.${field}[${i}])`;
      const subnet = reads.subnets.find((s) => s.SubnetId === id);
      if (!subnet) return void findings.push(`${where}: does not exist in ${needs.region}`);
      if (subnet.VpcId !== network.vpcId) return void findings.push(`${where}: belongs to ${subnet.VpcId}, not to network.vpcId ${network.vpcId}`);
      const zone = subnet.AvailabilityZone ?? '?';
      zones.set(zone, [...(zones.get(zone) ?? []), id]);
      const own = reads.routeTables.find((t) => t.Associations?.some((a) => a.SubnetId === id));
      const table = own ?? mainTable;
      const which = table ? `its route table ${table.RouteTableId}${own ? '' : " (the VPC's main table: the subnet has no table of its own)"}` : 'it has no route table';
      const finding = tier === 'public' ? publicFinding(table, which) : privateFinding(table, which, reads.endpoints, needs);
      if (finding) findings.push(`${where}: ${finding}`);
    });
    const existing = [...zones.values()].flat();
    if (zones.size === 1 && existing.length === network[field].length) {
      findings.push(`network.${field}: ${existing.join(', ')} are all in ${[...zones.keys()][0]}; a load balancer and the services need subnets in at least two availability zones`);
    }
  }
  return findings;
}

function defaultRoute(table: RouteTable | undefined) {
  return table?.Routes?.find((r) => r.DestinationCidrBlock === '0.0.0.0/0');
}

const isInternetGateway = (id: string | undefined) => id?.startsWith('igw-') === true;

function publicFinding(table: RouteTable | undefined, which: string): string | undefined {
  const route = defaultRoute(table);
  if (!route || !isInternetGateway(route.GatewayId)) {
    const elsewhere = route ? ` (its 0.0.0.0/0 goes to ${routeTarget(route)})` : '';
    return `${which} has no route 0.0.0.0/0 to an internet gateway${elsewhere}; the load balancer there would be unreachable from the internet`;
  }
  if (route.State !== 'active') return `${which} routes 0.0.0.0/0 to ${route.GatewayId}, but the route is ${route.State} (the gateway is detached or gone)`;
  return undefined;
}

function privateFinding(table: RouteTable | undefined, which: string, endpoints: VpcEndpoint[], needs: TaskNeeds): string | undefined {
  const route = defaultRoute(table);
  if (route && !isInternetGateway(route.GatewayId) && route.State === 'active') return undefined; // a NAT, a transit gateway …: a way out
  const missing = missingEndpoints(table, endpoints, needs);
  const routeSays = !route
    ? `${which} has no route 0.0.0.0/0`
    : isInternetGateway(route.GatewayId)
      ? `${which} routes 0.0.0.0/0 to internet gateway ${route.GatewayId}, which tasks without a public IP cannot use (a private subnet needs a NAT)`
      : `${which} routes 0.0.0.0/0 to ${routeTarget(route)}, but the route is ${route.State}`;
  if (missing.length > 0) return `no way out: ${routeSays}, and the VPC lacks the endpoints the tasks would need instead: ${missing.join(', ')}`;
  if (needs.outsideImage) {
    return `${routeSays}: only VPC endpoints lead out, and services.placeholderImage ${needs.outsideImage} is not in this account's ECR, so the first tasks could not pull it; point services.placeholderImage at an image in your ECR, or give the subnet a NAT`;
  }
  return undefined;
}

/**
 * AWS answers `available` where the SDK's enum says `Available`, and the case differs between
 * endpoint types (aws/aws-sdk-go#3555, hashicorp/terraform-provider-aws#41116): compare without case.
 */
function isAvailable(endpoint: VpcEndpoint): boolean {
  return String(endpoint.State ?? '').toLowerCase() === 'available';
}

function routeTarget(route: NonNullable<RouteTable['Routes']>[number]): string {
  return route.NatGatewayId ?? route.TransitGatewayId ?? route.NetworkInterfaceId ?? route.InstanceId ?? route.VpcPeeringConnectionId ?? route.GatewayId ?? 'an unknown target';
}

/** The endpoints the tasks need that the VPC lacks (a gateway one must route for the subnet's table; an interface one needs private DNS). */
function missingEndpoints(table: RouteTable | undefined, endpoints: VpcEndpoint[], needs: TaskNeeds): string[] {
  const name = (service: string) => `com.amazonaws.${needs.region}.${service}`;
  const wanted: Array<{ service: string; type: 'Gateway' | 'Interface' }> = [
    { service: 'ecr.api', type: 'Interface' },
    { service: 'ecr.dkr', type: 'Interface' },
    { service: 's3', type: 'Gateway' },
    { service: 'logs', type: 'Interface' },
    ...(needs.ssm ? [{ service: 'ssm', type: 'Interface' as const }] : []),
    ...(needs.secretsManager ? [{ service: 'secretsmanager', type: 'Interface' as const }] : []),
    ...(needs.exec ? [{ service: 'ssmmessages', type: 'Interface' as const }] : []),
  ];
  return wanted.flatMap(({ service, type }) => {
    const usable = endpoints.filter((e) => e.ServiceName === name(service) && e.VpcEndpointType === type && isAvailable(e));
    if (type === 'Gateway') {
      return usable.some((e) => table?.RouteTableId !== undefined && e.RouteTableIds?.includes(table.RouteTableId)) ? [] : [`${name(service)} (a gateway endpoint routing for ${table?.RouteTableId ?? 'the subnet'}: the image layers are in S3)`];
    }
    if (usable.length === 0) return [`${name(service)} (interface)`];
    return usable.some((e) => e.PrivateDnsEnabled) ? [] : [`${name(service)} (it exists, but with private DNS off the tasks would not find it)`];
  });
}
