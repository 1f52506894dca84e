// A "company VPC" in a sandbox, made as a user's own network would be, without shipline's tags: a
// VPC, public subnets routed (by a table of their own) to an internet gateway, private subnets in
// two AZs that use the VPC's main table (no association of their own), whose way out is a NAT
// gateway, or VPC endpoints only, or nothing. And the describe outputs of that network, to prove
// shipline left it exactly as it was.
import type { Sandbox } from '../../src/sandbox/sandbox';

export type WayOut = 'nat-gateway' | 'endpoints' | 'none';

export interface CompanyVpc {
  vpcId: string;
  publicSubnetIds: string[];
  privateSubnetIds: string[];
  internetGatewayId: string;
  publicTableId: string;
  mainTableId: string;
}

type Out = Record<string, unknown>;

export async function seedCompanyVpc(sandbox: Sandbox, way: WayOut = 'nat-gateway'): Promise<CompanyVpc> {
  const ec2 = (operation: string, input: unknown) => sandbox.dispatch('ec2', operation, input);
  const name = (type: string, value: string) => [{ ResourceType: type, Tags: [{ Key: 'Name', Value: value }, { Key: 'team', Value: 'platform' }] }];
  const region = sandbox.world.region;
  const vpcId = ((await ec2('CreateVpc', { CidrBlock: '10.20.0.0/16', TagSpecifications: name('vpc', 'company') })).Vpc as Out).VpcId as string;
  const subnet = async (cidr: string, zone: string, label: string) =>
    ((await ec2('CreateSubnet', { VpcId: vpcId, CidrBlock: cidr, AvailabilityZone: `${region}${zone}`, TagSpecifications: name('subnet', label) })).Subnet as Out).SubnetId as string;
  const publicSubnetIds = [await subnet('10.20.0.0/24', 'a', 'company-public-a'), await subnet('10.20.1.0/24', 'b', 'company-public-b')];
  const privateSubnetIds = [await subnet('10.20.10.0/24', 'a', 'company-private-a'), await subnet('10.20.11.0/24', 'b', 'company-private-b')];
  const internetGatewayId = ((await ec2('CreateInternetGateway', { TagSpecifications: name('internet-gateway', 'company') })).InternetGateway as Out).InternetGatewayId as string;
  await ec2('AttachInternetGateway', { InternetGatewayId: internetGatewayId, VpcId: vpcId });
  const publicTableId = ((await ec2('CreateRouteTable', { VpcId: vpcId, TagSpecifications: name('route-table', 'company-public') })).RouteTable as Out).RouteTableId as string;
  await ec2('CreateRoute', { RouteTableId: publicTableId, DestinationCidrBlock: '0.0.0.0/0', GatewayId: internetGatewayId });
  for (const id of publicSubnetIds) await ec2('AssociateRouteTable', { RouteTableId: publicTableId, SubnetId: id });
  const tables = (await ec2('DescribeRouteTables', { Filters: [{ Name: 'vpc-id', Values: [vpcId] }, { Name: 'association.main', Values: ['true'] }] })).RouteTables as Out[];
  const mainTableId = tables[0]!.RouteTableId as string;
  if (way === 'nat-gateway') {
    const { AllocationId } = await ec2('AllocateAddress', { Domain: 'vpc' });
    const nat = (await ec2('CreateNatGateway', { SubnetId: publicSubnetIds[0], AllocationId, TagSpecifications: name('natgateway', 'company') })).NatGateway as Out;
    await ec2('CreateRoute', { RouteTableId: mainTableId, DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: nat.NatGatewayId });
    await ec2('DescribeNatGateways', { NatGatewayIds: [nat.NatGatewayId] }); // pending once, then available (instant mode)
  }
  if (way === 'endpoints') {
    const service = (s: string) => `com.amazonaws.${region}.${s}`;
    await ec2('CreateVpcEndpoint', { VpcId: vpcId, ServiceName: service('s3'), VpcEndpointType: 'Gateway', RouteTableIds: [mainTableId] });
    for (const s of ['ecr.api', 'ecr.dkr', 'logs']) {
      await ec2('CreateVpcEndpoint', { VpcId: vpcId, ServiceName: service(s), VpcEndpointType: 'Interface', SubnetIds: privateSubnetIds });
    }
  }
  return { vpcId, publicSubnetIds, privateSubnetIds, internetGatewayId, publicTableId, mainTableId };
}

/** The config fields that import it. */
export function importing(vpc: CompanyVpc) {
  return {
    network: { vpcId: vpc.vpcId, publicSubnetIds: vpc.publicSubnetIds, privateSubnetIds: vpc.privateSubnetIds },
    nat: { mode: 'none' as const },
  };
}

/** Everything AWS says about the network, as text: equal before and after means untouched. */
export async function describeNetwork(sandbox: Sandbox, vpcId: string): Promise<string> {
  // Every page: test sandboxes answer five items at a time.
  const all = async (operation: string, input: Out, key: string): Promise<unknown[]> => {
    const items: unknown[] = [];
    let NextToken: string | undefined;
    do {
      const page = await sandbox.dispatch('ec2', operation, { ...input, ...(NextToken ? { NextToken } : {}) });
      items.push(...((page[key] as unknown[] | undefined) ?? []));
      NextToken = page.NextToken as string | undefined;
    } while (NextToken);
    return items;
  };
  const inVpc = { Filters: [{ Name: 'vpc-id', Values: [vpcId] }] };
  const described = {
    vpcs: await all('DescribeVpcs', inVpc, 'Vpcs'),
    subnets: await all('DescribeSubnets', inVpc, 'Subnets'),
    routeTables: await all('DescribeRouteTables', inVpc, 'RouteTables'),
    internetGateways: await all('DescribeInternetGateways', { Filters: [{ Name: 'attachment.vpc-id', Values: [vpcId] }] }, 'InternetGateways'),
    natGateways: await all('DescribeNatGateways', { Filter: [{ Name: 'vpc-id', Values: [vpcId] }] }, 'NatGateways'),
    endpoints: await all('DescribeVpcEndpoints', inVpc, 'VpcEndpoints'),
    networkInterfaces: await all('DescribeNetworkInterfaces', inVpc, 'NetworkInterfaces'),
    securityGroups: await all('DescribeSecurityGroups', inVpc, 'SecurityGroups'),
  };
  return JSON.stringify(described, null, 2);
}
