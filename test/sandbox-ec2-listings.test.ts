// What `hideNewEc2(calls, { listings: true })` leaves out of a describe that lists (the rest of
// that mode is proven through the sandbox in proof-consistency): the new resources themselves,
// never what only points to one.
import { withoutHiddenListed } from '../src/sandbox/models/ec2/consistency';

const hidden = (...ids: string[]) => (id: string) => ids.includes(id);

describe('withoutHiddenListed', () => {
  it('leaves out a hidden instance, and the reservation it leaves empty, but not its neighbour in another reservation', () => {
    const output = {
      Reservations: [
        { ReservationId: 'r-1', Instances: [{ InstanceId: 'i-old' }] },
        { ReservationId: 'r-2', Instances: [{ InstanceId: 'i-new', NetworkInterfaces: [{ NetworkInterfaceId: 'eni-new' }] }] },
      ],
    };
    const listed = withoutHiddenListed('DescribeInstances', output, hidden('i-new', 'eni-new'));
    expect(listed.output).toEqual({ Reservations: [{ ReservationId: 'r-1', Instances: [{ InstanceId: 'i-old' }] }] });
    expect(listed.leftOut).toEqual(['i-new']);
  });

  it('keeps a reservation that still has an instance to show, without the hidden one', () => {
    const output = { Reservations: [{ ReservationId: 'r-1', Instances: [{ InstanceId: 'i-a' }, { InstanceId: 'i-b' }] }] };
    expect(withoutHiddenListed('DescribeInstances', output, hidden('i-b')).output).toEqual({ Reservations: [{ ReservationId: 'r-1', Instances: [{ InstanceId: 'i-a' }] }] });
  });

  it('keeps a route table whose route goes to a hidden interface, and a subnet of a hidden VPC', () => {
    const tables = { RouteTables: [{ RouteTableId: 'rtb-1', Routes: [{ DestinationCidrBlock: '0.0.0.0/0', NetworkInterfaceId: 'eni-new' }] }] };
    expect(withoutHiddenListed('DescribeRouteTables', tables, hidden('eni-new'))).toEqual({ output: tables, leftOut: [] });
    const subnets = { Subnets: [{ SubnetId: 'subnet-1', VpcId: 'vpc-new' }] };
    expect(withoutHiddenListed('DescribeSubnets', subnets, hidden('vpc-new'))).toEqual({ output: subnets, leftOut: [] });
  });

  it.each([
    ['DescribeVpcs', 'Vpcs', 'VpcId', 'vpc-new'],
    ['DescribeSubnets', 'Subnets', 'SubnetId', 'subnet-new'],
    ['DescribeInternetGateways', 'InternetGateways', 'InternetGatewayId', 'igw-new'],
    ['DescribeRouteTables', 'RouteTables', 'RouteTableId', 'rtb-new'],
    ['DescribeSecurityGroups', 'SecurityGroups', 'GroupId', 'sg-new'],
    ['DescribeNetworkInterfaces', 'NetworkInterfaces', 'NetworkInterfaceId', 'eni-new'],
  ])('%s: leaves out the hidden %s, keeps the others', (operation, list, field, id) => {
    const output = { [list]: [{ [field]: id }, { [field]: 'x-old' }], NextToken: 'next' };
    expect(withoutHiddenListed(operation, output, hidden(id))).toEqual({ output: { [list]: [{ [field]: 'x-old' }], NextToken: 'next' }, leftOut: [id] });
  });

  it('leaves the output of any other call as it is', () => {
    const output = { NatGateways: [{ NatGatewayId: 'nat-new' }] };
    expect(withoutHiddenListed('DescribeNatGateways', output, hidden('nat-new'))).toEqual({ output, leftOut: [] });
  });
});
