// EC2's eventual consistency, as a fault mode (Faults.hideNewEc2): "if you run a command to modify
// or describe the resource that you just created, its ID might not have propagated throughout the
// system, and you will get an error responding that the resource does not exist" (EC2 developer
// guide, "Eventual consistency in the Amazon EC2 API"). What counts as such a call, which IDs a
// create makes, and which NotFound code a call answers, are decided here; faults.ts keeps the counts.
import { NOT_FOUND, TAGGABLE_PREFIXES } from './ids';

/** The IDs a create call made, from its output (the NAT instance's interface with the instance). */
export function createdEc2Ids(operation: string, output: Record<string, unknown>): string[] {
  switch (operation) {
    case 'CreateVpc':
      return ids((output.Vpc as { VpcId?: string } | undefined)?.VpcId);
    case 'CreateSubnet':
      return ids((output.Subnet as { SubnetId?: string } | undefined)?.SubnetId);
    case 'CreateInternetGateway':
      return ids((output.InternetGateway as { InternetGatewayId?: string } | undefined)?.InternetGatewayId);
    case 'CreateRouteTable':
      return ids((output.RouteTable as { RouteTableId?: string } | undefined)?.RouteTableId);
    case 'CreateSecurityGroup':
      return ids(output.GroupId as string | undefined);
    case 'RunInstances': {
      const instances = (output.Instances as Array<{ InstanceId?: string; NetworkInterfaces?: Array<{ NetworkInterfaceId?: string }> }> | undefined) ?? [];
      return instances.flatMap((i) => ids(i.InstanceId, ...(i.NetworkInterfaces ?? []).map((n) => n.NetworkInterfaceId)));
    }
    default:
      return [];
  }
}

/**
 * The calls that "modify or describe" a resource by its ID. A create that only names a parent
 * (CreateSubnet's VpcId, RunInstances' SubnetId) is not one; neither is a delete (a delete answered
 * NotFound would pass for "already gone"), nor a listing by `Filters`.
 */
export function namesExisting(operation: string): boolean {
  return /^(Describe|Modify|Attach|Associate|Authorize|Revoke|Replace)/.test(operation) || ['CreateRoute', 'CreateTags', 'DeleteTags'].includes(operation);
}

/** AWS's refusal when `id`, named as `param`, does not exist (yet): its code and message. */
export function notFoundError(param: string, id: string): { code: string; message: string } | undefined {
  // CreateRoute/ReplaceRoute take an internet gateway as GatewayId and answer InvalidGatewayID.NotFound.
  if (param === 'GatewayId') return { code: 'InvalidGatewayID.NotFound', message: `The gateway ID '${id}' does not exist` };
  const kind = TAGGABLE_PREFIXES[id.slice(0, id.indexOf('-'))]?.kind;
  return kind && { code: NOT_FOUND[kind].code, message: `The ${NOT_FOUND[kind].what} '${id}' does not exist` };
}

/** Every (parameter, ID) pair the input names, `Filters` left out: the IDs the call acts on. */
export function namedIds(input: unknown, param = ''): Array<{ param: string; id: string }> {
  if (typeof input === 'string') return [{ param, id: input }];
  if (Array.isArray(input)) return input.flatMap((v) => namedIds(v, param));
  if (input !== null && typeof input === 'object') {
    return Object.entries(input).flatMap(([key, value]) => (key === 'Filters' || key === 'Filter' ? [] : namedIds(value, key)));
  }
  return [];
}

function ids(...values: Array<string | undefined>): string[] {
  return values.filter((v): v is string => typeof v === 'string' && v.length > 0);
}

/** Where each describe lists its resources (a path of lists), and the field holding each one's own ID. */
const LISTINGS: Record<string, { path: readonly string[]; id: string }> = {
  DescribeVpcs: { path: ['Vpcs'], id: 'VpcId' },
  DescribeSubnets: { path: ['Subnets'], id: 'SubnetId' },
  DescribeInternetGateways: { path: ['InternetGateways'], id: 'InternetGatewayId' },
  DescribeRouteTables: { path: ['RouteTables'], id: 'RouteTableId' },
  DescribeSecurityGroups: { path: ['SecurityGroups'], id: 'GroupId' },
  DescribeNetworkInterfaces: { path: ['NetworkInterfaces'], id: 'NetworkInterfaceId' },
  DescribeInstances: { path: ['Reservations', 'Instances'], id: 'InstanceId' },
};

/**
 * A describe's output without the resources it lists that are `hidden` (only the resources
 * themselves: a route table is not left out for a route to a hidden interface), and the IDs left
 * out. A reservation left with no instance is left out too, as AWS lists none.
 */
export function withoutHiddenListed(
  operation: string,
  output: Record<string, unknown>,
  hidden: (id: string) => boolean,
): { output: Record<string, unknown>; leftOut: string[] } {
  const listing = LISTINGS[operation];
  if (!listing) return { output, leftOut: [] };
  const leftOut: string[] = [];
  const filter = (items: unknown, depth: number): unknown => {
    if (!Array.isArray(items)) return items;
    const key = listing.path[depth + 1];
    if (key === undefined) {
      return items.filter((item: Record<string, unknown>) => {
        const id = item[listing.id];
        if (typeof id !== 'string' || !hidden(id)) return true;
        leftOut.push(id);
        return false;
      });
    }
    return items.flatMap((item: Record<string, unknown>) => {
      const kept = filter(item[key], depth + 1);
      const emptied = Array.isArray(kept) && kept.length === 0 && Array.isArray(item[key]) && item[key].length > 0;
      return emptied ? [] : [{ ...item, [key]: kept }];
    });
  };
  const top = listing.path[0]!;
  return { output: { ...output, [top]: filter(output[top], 0) }, leftOut };
}
