// The imported VPC's checks as a pure function (steps/network/imported-checks.ts): the cases the
// CLI suites do not build, each named by subnet and piece.
import type { RouteTable, VpcEndpoint } from '@aws-sdk/client-ec2';
import { importedNetworkFindings, type ImportedReads, type TaskNeeds } from '../steps/network/imported-checks';

const NETWORK = { vpcId: 'vpc-1', publicSubnetIds: ['subnet-p1', 'subnet-p2'], privateSubnetIds: ['subnet-q1', 'subnet-q2'] };
const NEEDS: TaskNeeds = { region: 'eu-west-3', ssm: false, secretsManager: false, exec: false, outsideImage: undefined };
const subnet = (id: string, zone: string) => ({ SubnetId: id, VpcId: 'vpc-1', AvailabilityZone: `eu-west-3${zone}` });
const table = (id: string, routes: RouteTable['Routes'], associations: RouteTable['Associations']): RouteTable => ({ RouteTableId: id, VpcId: 'vpc-1', Routes: routes, Associations: associations });
const endpoint = (service: string, type: 'Gateway' | 'Interface', extra: Partial<VpcEndpoint> = {}): VpcEndpoint => ({
  ServiceName: `com.amazonaws.eu-west-3.${service}`,
  VpcEndpointType: type,
  State: 'available' as VpcEndpoint['State'],
  PrivateDnsEnabled: type === 'Interface',
  RouteTableIds: type === 'Gateway' ? ['rtb-main'] : [],
  ...extra,
});

function reads(endpoints: VpcEndpoint[], mainRoutes: RouteTable['Routes'] = []): ImportedReads {
  return {
    vpc: { VpcId: 'vpc-1' },
    subnets: [subnet('subnet-p1', 'a'), subnet('subnet-p2', 'b'), subnet('subnet-q1', 'a'), subnet('subnet-q2', 'b')],
    routeTables: [
      table('rtb-main', [{ DestinationCidrBlock: '10.0.0.0/16', GatewayId: 'local', State: 'active' }, ...(mainRoutes ?? [])], [{ Main: true }]),
      table('rtb-pub', [{ DestinationCidrBlock: '0.0.0.0/0', GatewayId: 'igw-1', State: 'active' }], [{ SubnetId: 'subnet-p1' }, { SubnetId: 'subnet-p2' }]),
    ],
    endpoints,
  };
}

const ALL = [endpoint('ecr.api', 'Interface'), endpoint('ecr.dkr', 'Interface'), endpoint('logs', 'Interface'), endpoint('s3', 'Gateway')];

describe('importedNetworkFindings', () => {
  it('none for a public table to an internet gateway and private subnets behind a NAT, or with every endpoint', () => {
    expect(importedNetworkFindings(NETWORK, reads([], [{ DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-1', State: 'active' }]), NEEDS)).toEqual([]);
    expect(importedNetworkFindings(NETWORK, reads(ALL), NEEDS)).toEqual([]);
    expect(importedNetworkFindings(NETWORK, reads([], [{ DestinationCidrBlock: '0.0.0.0/0', TransitGatewayId: 'tgw-1', State: 'active' }]), NEEDS)).toEqual([]);
  });

  it('an interface endpoint with private DNS off, one not available, an S3 endpoint routing for another table', () => {
    const endpoints = [
      endpoint('ecr.api', 'Interface', { PrivateDnsEnabled: false }),
      endpoint('ecr.dkr', 'Interface', { State: 'pending' as VpcEndpoint['State'] }),
      endpoint('logs', 'Interface', { State: 'Available' as VpcEndpoint['State'] }), // the SDK enum's case counts too
      endpoint('s3', 'Gateway', { RouteTableIds: ['rtb-pub'] }),
    ];
    const findings = importedNetworkFindings(NETWORK, reads(endpoints), NEEDS);
    expect(findings).toHaveLength(2);
    expect(findings[0]).toContain('private subnet subnet-q1 (network.privateSubnetIds[0]): no way out');
    expect(findings[0]).toContain('com.amazonaws.eu-west-3.ecr.api (it exists, but with private DNS off the tasks would not find it)');
    expect(findings[0]).toContain('com.amazonaws.eu-west-3.ecr.dkr (interface)');
    expect(findings[0]).toContain('com.amazonaws.eu-west-3.s3 (a gateway endpoint routing for rtb-main');
    expect(findings[0]).not.toContain('logs');
  });

  it('a default route gone blackhole is no way out', () => {
    const [finding] = importedNetworkFindings(NETWORK, reads([], [{ DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-1', State: 'blackhole' }]), NEEDS);
    expect(finding).toContain('routes 0.0.0.0/0 to nat-1, but the route is blackhole');
  });
});
