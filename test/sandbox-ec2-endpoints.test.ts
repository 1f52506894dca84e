// The EC2 sandbox's VPC endpoints and the reads an imported VPC is checked with (src/sandbox/README.md,
// "VPC endpoints"): through the real EC2Client and its paginator, on a test sandbox paging by five.
import {
  CreateVpcEndpointCommand,
  DeleteVpcCommand,
  DescribeRouteTablesCommand,
  DescribeVpcEndpointsCommand,
  EC2Client,
  paginateDescribeVpcEndpoints,
  type VpcEndpoint,
} from '@aws-sdk/client-ec2';
import { seedCompanyVpc } from './helpers/company-vpc';
import { useSandbox } from './helpers/sandbox-fixture';

const fixture = useSandbox();
const ec2 = () => new EC2Client({ region: 'eu-west-3' });
const service = (s: string) => `com.amazonaws.eu-west-3.${s}`;

describe('VPC endpoints', () => {
  it('lists a VPC\'s endpoints page by page through the SDK\'s paginator, with their type, state, tables and subnets', async () => {
    const vpc = await seedCompanyVpc(fixture.sandbox, 'endpoints');
    for (const s of ['ssm', 'secretsmanager', 'ssmmessages']) {
      await ec2().send(new CreateVpcEndpointCommand({ VpcId: vpc.vpcId, ServiceName: service(s), VpcEndpointType: 'Interface', SubnetIds: vpc.privateSubnetIds }));
    }
    // As EC2's other describes: whole without MaxResults; with it, pages; above 1000 it gives 1000, no refusal.
    const whole = await ec2().send(new DescribeVpcEndpointsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpc.vpcId] }] }));
    expect(whole.VpcEndpoints).toHaveLength(7);
    const first = await ec2().send(new DescribeVpcEndpointsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpc.vpcId] }], MaxResults: 5000 }));
    expect(first.VpcEndpoints).toHaveLength(5);
    expect(first.NextToken).toBeDefined();
    const all: VpcEndpoint[] = [];
    for await (const page of paginateDescribeVpcEndpoints({ client: ec2(), pageSize: 1000 }, { Filters: [{ Name: 'vpc-id', Values: [vpc.vpcId] }] })) all.push(...(page.VpcEndpoints ?? []));
    expect(all.map((e) => e.ServiceName).sort()).toEqual(['ecr.api', 'ecr.dkr', 'logs', 's3', 'secretsmanager', 'ssm', 'ssmmessages'].map(service).sort());
    const s3 = all.find((e) => e.ServiceName === service('s3'))!;
    expect(s3).toMatchObject({ VpcEndpointType: 'Gateway', State: 'available', RouteTableIds: [vpc.mainTableId], SubnetIds: [] });
    expect(all.find((e) => e.ServiceName === service('logs'))).toMatchObject({ VpcEndpointType: 'Interface', PrivateDnsEnabled: true, SubnetIds: vpc.privateSubnetIds });
    const gateways = await ec2().send(new DescribeVpcEndpointsCommand({ Filters: [{ Name: 'vpc-endpoint-type', Values: ['Gateway'] }] }));
    expect(gateways.VpcEndpoints?.map((e) => e.VpcEndpointId)).toEqual([s3.VpcEndpointId]);
  });

  it('refuses what AWS refuses: an unknown service, two subnets in one zone, an unknown filter or ID; a VPC with endpoints is not deleted', async () => {
    const vpc = await seedCompanyVpc(fixture.sandbox, 'endpoints');
    await expect(ec2().send(new CreateVpcEndpointCommand({ VpcId: vpc.vpcId, ServiceName: service('nope'), VpcEndpointType: 'Interface', SubnetIds: [vpc.privateSubnetIds[0]!] }))).rejects.toMatchObject({ name: 'InvalidServiceName' });
    await expect(ec2().send(new CreateVpcEndpointCommand({ VpcId: vpc.vpcId, ServiceName: service('ecr.api'), VpcEndpointType: 'Interface', SubnetIds: [vpc.privateSubnetIds[0]!, vpc.publicSubnetIds[0]!] }))).rejects.toMatchObject({ name: 'DuplicateSubnetsInSameZone' });
    await expect(ec2().send(new DescribeVpcEndpointsCommand({ Filters: [{ Name: 'vpc', Values: [vpc.vpcId] }] }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(ec2().send(new DescribeVpcEndpointsCommand({ VpcEndpointIds: ['vpce-0123456789abcdef0'] }))).rejects.toMatchObject({ name: 'InvalidVpcEndpointId.NotFound' });
    await expect(ec2().send(new DeleteVpcCommand({ VpcId: vpc.vpcId }))).rejects.toMatchObject({ name: 'DependencyViolation' });
  });

  it('a VPC\'s main table carries the main association (no subnet), found by association.main; subnets without a table of their own have no association', async () => {
    const vpc = await seedCompanyVpc(fixture.sandbox, 'nat-gateway');
    const main = await ec2().send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [vpc.vpcId] }, { Name: 'association.main', Values: ['true'] }] }));
    expect(main.RouteTables?.map((t) => t.RouteTableId)).toEqual([vpc.mainTableId]);
    expect(main.RouteTables?.[0]?.Associations).toEqual([expect.objectContaining({ Main: true, SubnetId: undefined })]);
    expect(main.RouteTables?.[0]?.Routes?.find((r) => r.DestinationCidrBlock === '0.0.0.0/0')).toMatchObject({ NatGatewayId: expect.stringMatching(/^nat-/), State: 'active' });
    const explicit = await ec2().send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'association.subnet-id', Values: vpc.privateSubnetIds }] }));
    expect(explicit.RouteTables).toEqual([]);
  });
});
