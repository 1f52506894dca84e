// EC2's eventual consistency, as a fault mode (Faults.hideNewEc2): "if you run a command to modify
// or describe the resource that you just created, its ID might not have propagated throughout the
// system, and you will get an error responding that the resource does not exist" (EC2 developer
// guide, "Eventual consistency in the Amazon EC2 API"). What counts as such a call, which IDs a
// create makes, and which NotFound code a call answers, are decided here; faults.ts keeps the counts.

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
  const known = param === 'GatewayId' ? { code: 'InvalidGatewayID.NotFound', what: 'gateway ID' } : PREFIXES[id.slice(0, id.indexOf('-'))];
  return known && { code: known.code, message: `The ${known.what} '${id}' does not exist` };
}

/** As the EC2 model words them (src/sandbox/ec2.ts NOT_FOUND). */
const PREFIXES: Record<string, { code: string; what: string }> = {
  vpc: { code: 'InvalidVpcID.NotFound', what: 'vpc ID' },
  subnet: { code: 'InvalidSubnetID.NotFound', what: 'subnet ID' },
  igw: { code: 'InvalidInternetGatewayID.NotFound', what: 'internetGateway ID' },
  rtb: { code: 'InvalidRouteTableID.NotFound', what: 'routeTable ID' },
  sg: { code: 'InvalidGroup.NotFound', what: 'security group' },
  i: { code: 'InvalidInstanceID.NotFound', what: 'instance ID' },
  eni: { code: 'InvalidNetworkInterfaceID.NotFound', what: 'networkInterface ID' },
};

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
