// The EC2 sandbox's own tests: what it promises in src/sandbox/README.md, mostly through the real
// EC2Client (aws-sdk-client-mock routing every command to the sandbox), a few through the SDK
// client plugin and through `dispatch` directly.
import {
  AllocateAddressCommand,
  AssociateRouteTableCommand,
  AttachInternetGatewayCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateInternetGatewayCommand,
  CreateNatGatewayCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateTagsCommand,
  CreateVpcCommand,
  CreateVpnGatewayCommand,
  DeleteInternetGatewayCommand,
  DeleteNatGatewayCommand,
  DeleteNetworkInterfaceCommand,
  DeleteRouteCommand,
  DeleteRouteTableCommand,
  DeleteSecurityGroupCommand,
  DeleteSubnetCommand,
  DeleteTagsCommand,
  DeleteVpcCommand,
  DescribeAddressesCommand,
  DescribeAvailabilityZonesCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeInternetGatewaysCommand,
  DescribeNatGatewaysCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcAttributeCommand,
  DescribeVpcsCommand,
  DetachInternetGatewayCommand,
  DisassociateRouteTableCommand,
  EC2Client,
  ModifyInstanceAttributeCommand,
  ModifySubnetAttributeCommand,
  ModifyVpcAttributeCommand,
  ReleaseAddressCommand,
  ReplaceRouteCommand,
  RevokeSecurityGroupIngressCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  waitUntilInstanceRunning,
  waitUntilInstanceTerminated,
  waitUntilNatGatewayAvailable,
  waitUntilNatGatewayDeleted,
  paginateDescribeSecurityGroups,
  paginateDescribeSubnets,
  type Instance,
  type ResourceType,
  type RunInstancesCommandInput,
  type TagSpecification,
} from '@aws-sdk/client-ec2';
import { AwsClients } from '../src/aws/clients';
import { isAwsError } from '../src/aws/errors';
import { sandboxClientOptions } from '../src/sandbox/client-plugin';
import { Sandbox, type SandboxSnapshot } from '../src/sandbox/sandbox';
import { SandboxNotModelled } from '../src/sandbox/kernel/errors';
import { REAL_LATENCIES } from '../src/sandbox/kernel/world';
import { REGION, useSandbox } from './helpers/sandbox-fixture';
import { TestClock } from './helpers/test-clock';

const FCK_NAT_OWNER = '568608671756';
const WAITER = { minDelay: 0.01, maxDelay: 0.05, maxWaitTime: 5 };

const env = useSandbox();
let ec2: EC2Client;

beforeEach(() => {
  ec2 = new EC2Client({ region: REGION });
});

function must<T>(value: T | undefined | null, what = 'value'): T {
  if (value === undefined || value === null) throw new Error(`expected ${what}`);
  return value;
}

function tagged(type: ResourceType, tags: Record<string, string>): TagSpecification[] {
  return [{ ResourceType: type, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }];
}

async function createVpc(cidr = '10.0.0.0/16', name = 'demo-vpc'): Promise<string> {
  const out = await ec2.send(new CreateVpcCommand({ CidrBlock: cidr, TagSpecifications: tagged('vpc', { Name: name, 'shipline:stack': 'demo' }) }));
  return must(out.Vpc?.VpcId, 'VpcId');
}

async function createSubnet(vpcId: string, cidr: string, name: string, zone = 'eu-west-3a'): Promise<string> {
  const out = await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: cidr, AvailabilityZone: zone, TagSpecifications: tagged('subnet', { Name: name }) }));
  return must(out.Subnet?.SubnetId, 'SubnetId');
}

async function createGroup(vpcId: string, name: string): Promise<string> {
  const out = await ec2.send(new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: name, Description: `${name} group`, TagSpecifications: tagged('security-group', { Name: name }) }));
  return must(out.GroupId, 'GroupId');
}

/** VPC, a public subnet (internet gateway route) and a private one. */
async function network(): Promise<{ vpcId: string; publicSubnetId: string; privateSubnetId: string; igwId: string }> {
  const vpcId = await createVpc();
  const publicSubnetId = await createSubnet(vpcId, '10.0.0.0/24', 'demo-public-a');
  const privateSubnetId = await createSubnet(vpcId, '10.0.10.0/24', 'demo-private-a');
  const igw = await ec2.send(new CreateInternetGatewayCommand({ TagSpecifications: tagged('internet-gateway', { Name: 'demo-igw' }) }));
  const igwId = must(igw.InternetGateway?.InternetGatewayId);
  await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: igwId, VpcId: vpcId }));
  return { vpcId, publicSubnetId, privateSubnetId, igwId };
}

async function fckNatImage(architecture: 'arm64' | 'x86_64'): Promise<string> {
  const out = await ec2.send(
    new DescribeImagesCommand({
      Owners: [FCK_NAT_OWNER],
      Filters: [
        { Name: 'name', Values: ['fck-nat-al2023-hvm-*'] },
        { Name: 'architecture', Values: [architecture] },
      ],
    }),
  );
  const newest = [...(out.Images ?? [])].sort((a, b) => (b.CreationDate ?? '').localeCompare(a.CreationDate ?? ''))[0];
  return must(newest?.ImageId, 'ImageId');
}

async function runNat(subnetId: string, groupId: string, extra: Partial<RunInstancesCommandInput> = {}): Promise<Instance> {
  const out = await ec2.send(
    new RunInstancesCommand({
      ImageId: await fckNatImage('arm64'),
      InstanceType: 't4g.nano',
      MinCount: 1,
      MaxCount: 1,
      NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: subnetId, Groups: [groupId], AssociatePublicIpAddress: true }],
      MetadataOptions: { HttpTokens: 'required' },
      TagSpecifications: tagged('instance', { Name: 'demo-nat' }),
      ...extra,
    }),
  );
  return must(out.Instances?.[0], 'instance');
}

async function describeInstance(instanceId: string): Promise<Instance> {
  const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
  return must(out.Reservations?.[0]?.Instances?.[0], 'instance');
}

async function enisIn(subnetId: string): Promise<string[]> {
  const out = await ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'subnet-id', Values: [subnetId] }] }));
  return (out.NetworkInterfaces ?? []).map((e) => must(e.NetworkInterfaceId));
}


describe('tags and filters', () => {
  it('finds resources by tag, tag-key, wildcards; filters AND, values OR', async () => {
    const demo = await createVpc('10.0.0.0/16', 'demo-vpc');
    const other = await createVpc('10.1.0.0/16', 'other-vpc');
    const ids = async (filters: Array<{ Name: string; Values: string[] }>) =>
      ((await ec2.send(new DescribeVpcsCommand({ Filters: filters }))).Vpcs ?? []).map((v) => v.VpcId);

    expect(await ids([{ Name: 'tag:Name', Values: ['demo-*'] }])).toEqual([demo]);
    expect(await ids([{ Name: 'tag:Name', Values: ['demo-vp?'] }])).toEqual([demo]);
    expect(await ids([{ Name: 'tag:Name', Values: ['demo-v?'] }])).toEqual([]);
    expect(await ids([{ Name: 'tag:Name', Values: ['demo-vpc', 'other-vpc'] }])).toEqual([demo, other]);
    expect(await ids([{ Name: 'tag-key', Values: ['shipline:*'] }])).toEqual([demo, other]);
    expect(await ids([{ Name: 'tag:Name', Values: ['*-vpc'] }, { Name: 'cidr', Values: ['10.1.0.0/16'] }])).toEqual([other]);
    expect(await ids([{ Name: 'tag:Name', Values: ['demo-vpc'] }, { Name: 'cidr', Values: ['10.1.0.0/16'] }])).toEqual([]);
    await expect(ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'nmae', Values: ['x'] }] }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });

    await ec2.send(new CreateTagsCommand({ Resources: [demo, other], Tags: [{ Key: 'env', Value: 'dev' }] }));
    await ec2.send(new DeleteTagsCommand({ Resources: [other], Tags: [{ Key: 'env', Value: 'prod' }] }));
    expect(await ids([{ Name: 'tag:env', Values: ['dev'] }])).toEqual([demo, other]);
    await ec2.send(new DeleteTagsCommand({ Resources: [other], Tags: [{ Key: 'env' }] }));
    expect(await ids([{ Name: 'tag:env', Values: ['dev'] }])).toEqual([demo]);
    await expect(ec2.send(new CreateTagsCommand({ Resources: ['vpc-0000000000000dead'], Tags: [{ Key: 'a', Value: 'b' }] }))).rejects.toMatchObject({
      name: 'InvalidVpcID.NotFound',
    });

    const subnetA = await createSubnet(demo, '10.0.0.0/24', 'demo-public-a', 'eu-west-3a');
    const subnetB = await createSubnet(demo, '10.0.1.0/24', 'demo-public-b', 'eu-west-3b');
    await createSubnet(other, '10.1.0.0/24', 'other-a');
    const subnets = await ec2.send(
      new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [demo] }, { Name: 'availability-zone', Values: ['eu-west-3a', 'eu-west-3b'] }] }),
    );
    expect(subnets.Subnets?.map((s) => s.SubnetId)).toEqual([subnetA, subnetB]);
    expect(subnets.Subnets?.[0]).toMatchObject({ CidrBlock: '10.0.0.0/24', AvailableIpAddressCount: 251, MapPublicIpOnLaunch: false, Tags: [{ Key: 'Name', Value: 'demo-public-a' }] });
  });

  it('refuses a TagSpecification for a resource type the call cannot tag', async () => {
    await expect(ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16', TagSpecifications: tagged('subnet', { Name: 'x' }) }))).rejects.toMatchObject({
      name: 'InvalidParameterValue',
    });
  });
});

describe('explicit IDs', () => {
  it('answers NotFound for unknown IDs and an empty list for filters that match nothing', async () => {
    const cases: Array<[Promise<unknown>, string]> = [
      [ec2.send(new DescribeVpcsCommand({ VpcIds: ['vpc-00000000000000404'] })), 'InvalidVpcID.NotFound'],
      [ec2.send(new DescribeSubnetsCommand({ SubnetIds: ['subnet-00000000000000404'] })), 'InvalidSubnetID.NotFound'],
      [ec2.send(new DescribeInternetGatewaysCommand({ InternetGatewayIds: ['igw-00000000000000404'] })), 'InvalidInternetGatewayID.NotFound'],
      [ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: ['rtb-00000000000000404'] })), 'InvalidRouteTableID.NotFound'],
      [ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: ['sg-00000000000000404'] })), 'InvalidGroup.NotFound'],
      [ec2.send(new DescribeInstancesCommand({ InstanceIds: ['i-00000000000000404'] })), 'InvalidInstanceID.NotFound'],
      [ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: ['eni-00000000000000404'] })), 'InvalidNetworkInterfaceID.NotFound'],
      [ec2.send(new DescribeAddressesCommand({ AllocationIds: ['eipalloc-00000000000000404'] })), 'InvalidAllocationID.NotFound'],
      [ec2.send(new DescribeNatGatewaysCommand({ NatGatewayIds: ['nat-00000000000000404'] })), 'NatGatewayNotFound'],
      [ec2.send(new DescribeImagesCommand({ ImageIds: ['ami-00000000000000404'] })), 'InvalidAMIID.NotFound'],
    ];
    for (const [promise, code] of cases) await expect(promise).rejects.toMatchObject({ name: code });

    const vpcId = await createVpc();
    await expect(ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId, 'vpc-00000000000000404'] }))).rejects.toMatchObject({ name: 'InvalidVpcID.NotFound' });
    const none = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'vpc-id', Values: ['vpc-00000000000000404'] }] }));
    expect(none.Vpcs).toEqual([]);
    const instances = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:Name', Values: ['nothing'] }] }));
    expect(instances.Reservations).toEqual([]);
  });
});

describe('VPCs', () => {
  it('come with a main route table (local route), a default security group, and DNS attributes', async () => {
    const vpcId = await createVpc();
    const tables = await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }, { Name: 'association.main', Values: ['true'] }] }));
    expect(tables.RouteTables).toHaveLength(1);
    expect(tables.RouteTables?.[0]?.Routes).toEqual([{ DestinationCidrBlock: '10.0.0.0/16', GatewayId: 'local', Origin: 'CreateRouteTable', State: 'active' }]);
    const groups = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }, { Name: 'group-name', Values: ['default'] }] }));
    expect(groups.SecurityGroups).toHaveLength(1);

    const attribute = async (Attribute: 'enableDnsSupport' | 'enableDnsHostnames') => ec2.send(new DescribeVpcAttributeCommand({ VpcId: vpcId, Attribute }));
    expect((await attribute('enableDnsHostnames')).EnableDnsHostnames?.Value).toBe(false);
    await ec2.send(new ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsHostnames: { Value: true } }));
    expect((await attribute('enableDnsHostnames')).EnableDnsHostnames?.Value).toBe(true);
    expect((await attribute('enableDnsSupport')).EnableDnsSupport?.Value).toBe(true);
    await expect(
      ec2.send(new ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsSupport: { Value: true }, EnableDnsHostnames: { Value: true } })),
    ).rejects.toMatchObject({ name: 'InvalidParameterCombination' });

    await expect(createVpc('10.0.0.0/8')).rejects.toMatchObject({ name: 'InvalidVpc.Range' });
    await expect(createVpc('10.0.0.1/16')).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });

  it('lists three availability zones', async () => {
    const zones = await ec2.send(new DescribeAvailabilityZonesCommand({}));
    expect(zones.AvailabilityZones?.map((z) => [z.ZoneName, z.ZoneId, z.State])).toEqual([
      ['eu-west-3a', 'euw3-az1', 'available'],
      ['eu-west-3b', 'euw3-az2', 'available'],
      ['eu-west-3c', 'euw3-az3', 'available'],
    ]);
  });

  it('refuses to delete a VPC with subnets or an attached internet gateway, then takes its main table and default group along', async () => {
    const { vpcId, publicSubnetId, privateSubnetId, igwId } = await network();
    await expect(ec2.send(new DeleteVpcCommand({ VpcId: vpcId }))).rejects.toMatchObject({ name: 'DependencyViolation' });
    await ec2.send(new DeleteSubnetCommand({ SubnetId: publicSubnetId }));
    await ec2.send(new DeleteSubnetCommand({ SubnetId: privateSubnetId }));
    await expect(ec2.send(new DeleteVpcCommand({ VpcId: vpcId }))).rejects.toMatchObject({ name: 'DependencyViolation' });
    await expect(ec2.send(new DeleteInternetGatewayCommand({ InternetGatewayId: igwId }))).rejects.toMatchObject({ name: 'DependencyViolation' });
    await ec2.send(new DetachInternetGatewayCommand({ InternetGatewayId: igwId, VpcId: vpcId }));
    await ec2.send(new DeleteInternetGatewayCommand({ InternetGatewayId: igwId }));

    const groupId = await createGroup(vpcId, 'extra');
    await expect(ec2.send(new DeleteVpcCommand({ VpcId: vpcId }))).rejects.toMatchObject({ name: 'DependencyViolation' });
    await ec2.send(new DeleteSecurityGroupCommand({ GroupId: groupId }));
    const table = await ec2.send(new CreateRouteTableCommand({ VpcId: vpcId }));
    await expect(ec2.send(new DeleteVpcCommand({ VpcId: vpcId }))).rejects.toMatchObject({ name: 'DependencyViolation' });
    await ec2.send(new DeleteRouteTableCommand({ RouteTableId: table.RouteTable?.RouteTableId }));

    await ec2.send(new DeleteVpcCommand({ VpcId: vpcId }));
    expect((await ec2.send(new DescribeRouteTablesCommand({}))).RouteTables).toEqual([]);
    expect((await ec2.send(new DescribeSecurityGroupsCommand({}))).SecurityGroups).toEqual([]);
    expect(env.sandbox.inventory()).toEqual([]);
    await expect(ec2.send(new DeleteVpcCommand({ VpcId: vpcId }))).rejects.toMatchObject({ name: 'InvalidVpcID.NotFound' });
  });
});

describe('subnets', () => {
  it('must lie inside the VPC and not overlap another subnet', async () => {
    const vpcId = await createVpc();
    await createSubnet(vpcId, '10.0.0.0/24', 'a');
    await expect(createSubnet(vpcId, '10.0.0.128/25', 'b')).rejects.toMatchObject({ name: 'InvalidSubnet.Conflict' });
    await expect(createSubnet(vpcId, '10.0.0.0/16', 'c')).rejects.toMatchObject({ name: 'InvalidSubnet.Conflict' });
    await expect(createSubnet(vpcId, '10.1.0.0/24', 'd')).rejects.toMatchObject({ name: 'InvalidSubnet.Range' });
    await expect(createSubnet(vpcId, '10.0.1.0/24', 'e', 'eu-west-3z')).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(createSubnet('vpc-00000000000000404', '10.0.1.0/24', 'f')).rejects.toMatchObject({ name: 'InvalidVpcID.NotFound' });
  });

  it('cannot be deleted while a network interface is in it', async () => {
    const { vpcId, privateSubnetId } = await network();
    const groupId = await createGroup(vpcId, 'svc');
    const eniId = env.sandbox.ec2.attachServiceEni({ subnetId: privateSubnetId, groupIds: [groupId], description: 'ELB app/demo/123', requesterId: 'amazon-elb' });
    await expect(ec2.send(new DeleteSubnetCommand({ SubnetId: privateSubnetId }))).rejects.toMatchObject({ name: 'DependencyViolation' });
    await expect(ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: eniId }))).rejects.toMatchObject({ name: 'InvalidNetworkInterface.InUse' });
    env.sandbox.ec2.releaseServiceEni(eniId, 'ec2.eni.elb.released');
    await ec2.send(new DeleteSubnetCommand({ SubnetId: privateSubnetId }));
  });

  it('MapPublicIpOnLaunch gives instances a public address', async () => {
    const { vpcId, publicSubnetId } = await network();
    await ec2.send(new ModifySubnetAttributeCommand({ SubnetId: publicSubnetId, MapPublicIpOnLaunch: { Value: true } }));
    const image = await fckNatImage('arm64');
    const out = await ec2.send(new RunInstancesCommand({ ImageId: image, InstanceType: 't4g.nano', MinCount: 1, MaxCount: 1, SubnetId: publicSubnetId }));
    const instance = must(out.Instances?.[0]);
    expect(instance.PublicIpAddress).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const defaults = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }, { Name: 'group-name', Values: ['default'] }] }));
    expect(instance.SecurityGroups).toEqual([{ GroupId: defaults.SecurityGroups?.[0]?.GroupId, GroupName: 'default' }]);
  });
});

describe('internet gateways', () => {
  it('attach once, detach only where attached, report attachments as available', async () => {
    const { vpcId, igwId } = await network();
    const described = await ec2.send(new DescribeInternetGatewaysCommand({ Filters: [{ Name: 'attachment.vpc-id', Values: [vpcId] }] }));
    expect(described.InternetGateways?.[0]).toMatchObject({ InternetGatewayId: igwId, Attachments: [{ VpcId: vpcId, State: 'available' }] });
    await expect(ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: igwId, VpcId: vpcId }))).rejects.toMatchObject({ name: 'Resource.AlreadyAssociated' });
    const otherVpc = await createVpc('10.9.0.0/16', 'other');
    await expect(ec2.send(new DetachInternetGatewayCommand({ InternetGatewayId: igwId, VpcId: otherVpc }))).rejects.toMatchObject({ name: 'Gateway.NotAttached' });
    await expect(ec2.send(new DeleteInternetGatewayCommand({ InternetGatewayId: 'igw-00000000000000404' }))).rejects.toMatchObject({
      name: 'InvalidInternetGatewayID.NotFound',
    });
  });

  it('cannot be detached while an instance in the VPC has a public address', async () => {
    const { vpcId, publicSubnetId, igwId } = await network();
    const groupId = await createGroup(vpcId, 'nat');
    const nat = await runNat(publicSubnetId, groupId);
    await expect(ec2.send(new DetachInternetGatewayCommand({ InternetGatewayId: igwId, VpcId: vpcId }))).rejects.toMatchObject({ name: 'DependencyViolation' });
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [must(nat.InstanceId)] }));
    await waitUntilInstanceTerminated({ client: ec2, ...WAITER }, { InstanceIds: [must(nat.InstanceId)] });
    await ec2.send(new DetachInternetGatewayCommand({ InternetGatewayId: igwId, VpcId: vpcId }));
  });
});

describe('route tables', () => {
  it('associate, route, refuse what AWS refuses, and delete once disassociated', async () => {
    const { vpcId, publicSubnetId, igwId } = await network();
    const created = await ec2.send(new CreateRouteTableCommand({ VpcId: vpcId, TagSpecifications: tagged('route-table', { Name: 'demo-public' }) }));
    const tableId = must(created.RouteTable?.RouteTableId);
    expect(created.RouteTable?.Routes).toEqual([{ DestinationCidrBlock: '10.0.0.0/16', GatewayId: 'local', Origin: 'CreateRouteTable', State: 'active' }]);

    const association = await ec2.send(new AssociateRouteTableCommand({ RouteTableId: tableId, SubnetId: publicSubnetId }));
    await expect(ec2.send(new AssociateRouteTableCommand({ RouteTableId: tableId, SubnetId: publicSubnetId }))).rejects.toMatchObject({ name: 'Resource.AlreadyAssociated' });

    await ec2.send(new CreateRouteCommand({ RouteTableId: tableId, DestinationCidrBlock: '0.0.0.0/0', GatewayId: igwId }));
    await expect(ec2.send(new CreateRouteCommand({ RouteTableId: tableId, DestinationCidrBlock: '0.0.0.0/0', GatewayId: igwId }))).rejects.toMatchObject({
      name: 'RouteAlreadyExists',
    });
    await expect(ec2.send(new ReplaceRouteCommand({ RouteTableId: tableId, DestinationCidrBlock: '192.168.0.0/16', GatewayId: igwId }))).rejects.toMatchObject({
      name: 'InvalidRoute.NotFound',
    });
    await expect(ec2.send(new DeleteRouteCommand({ RouteTableId: tableId, DestinationCidrBlock: '192.168.0.0/16' }))).rejects.toMatchObject({ name: 'InvalidRoute.NotFound' });
    await expect(ec2.send(new DeleteRouteCommand({ RouteTableId: tableId, DestinationCidrBlock: '10.0.0.0/16' }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });

    const bySubnet = await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'association.subnet-id', Values: [publicSubnetId] }] }));
    expect(bySubnet.RouteTables?.[0]).toMatchObject({
      RouteTableId: tableId,
      Routes: [{ GatewayId: 'local' }, { DestinationCidrBlock: '0.0.0.0/0', GatewayId: igwId, Origin: 'CreateRoute', State: 'active' }],
      Associations: [{ Main: false, SubnetId: publicSubnetId, RouteTableAssociationId: association.AssociationId, AssociationState: { State: 'associated' } }],
    });
    expect(env.sandbox.inventory().filter((i) => i.type === 'route')).toEqual([
      { service: 'ec2', type: 'route', id: `${tableId}:0.0.0.0/0`, tags: {}, key: 'demo-public:0.0.0.0/0' },
    ]);

    await expect(ec2.send(new DeleteRouteTableCommand({ RouteTableId: tableId }))).rejects.toMatchObject({ name: 'DependencyViolation' });
    const main = await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'association.main', Values: ['true'] }] }));
    await expect(ec2.send(new DeleteRouteTableCommand({ RouteTableId: main.RouteTables?.[0]?.RouteTableId }))).rejects.toMatchObject({ name: 'DependencyViolation' });
    await ec2.send(new DisassociateRouteTableCommand({ AssociationId: association.AssociationId }));
    await ec2.send(new DeleteRouteTableCommand({ RouteTableId: tableId }));
    await expect(ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [tableId] }))).rejects.toMatchObject({ name: 'InvalidRouteTableID.NotFound' });
  });
});

describe('security groups', () => {
  it('describe rules in AWS shape and refuse duplicates and unknown revokes', async () => {
    const vpcId = await createVpc();
    const albId = await createGroup(vpcId, 'demo-alb');
    const serviceId = await createGroup(vpcId, 'demo-service');
    await expect(createGroup(vpcId, 'demo-alb')).rejects.toMatchObject({ name: 'InvalidGroup.Duplicate' });
    // The name of the VPC's own group is reserved, not merely taken.
    await expect(createGroup(vpcId, 'default')).rejects.toMatchObject({ name: 'InvalidGroup.Reserved' });

    const http = { IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'web' }] };
    const authorized = await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: albId, IpPermissions: [http] }));
    expect(authorized.SecurityGroupRules?.[0]).toMatchObject({ GroupId: albId, IsEgress: false, IpProtocol: 'tcp', FromPort: 80, CidrIpv4: '0.0.0.0/0' });
    await expect(
      ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: albId, IpPermissions: [{ ...http, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] })),
    ).rejects.toMatchObject({ name: 'InvalidPermission.Duplicate' });
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({ GroupId: serviceId, IpPermissions: [{ IpProtocol: '6', FromPort: 80, ToPort: 80, UserIdGroupPairs: [{ GroupId: albId, Description: 'from the ALB' }] }] }),
    );
    await expect(
      ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: serviceId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, UserIdGroupPairs: [{ GroupId: 'sg-00000000000000404' }] }] })),
    ).rejects.toMatchObject({ name: 'InvalidGroup.NotFound' });

    const described = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [serviceId] }));
    expect(described.SecurityGroups?.[0]).toMatchObject({
      GroupId: serviceId,
      GroupName: 'demo-service',
      VpcId: vpcId,
      IpPermissions: [
        { IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [{ GroupId: albId, UserId: '123456789012', Description: 'from the ALB' }] },
      ],
      IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }], UserIdGroupPairs: [] }],
    });
    const byPeer = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'ip-permission.group-id', Values: [albId] }] }));
    expect(byPeer.SecurityGroups?.map((g) => g.GroupId)).toEqual([serviceId]);

    await expect(
      ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: albId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] })),
    ).rejects.toMatchObject({ name: 'InvalidPermission.NotFound' });
    // One unknown rule among known ones: in a non-default VPC AWS refuses the whole call and revokes nothing.
    const port = (p: number) => ({ IpProtocol: 'tcp', FromPort: p, ToPort: p, IpRanges: [{ CidrIp: '0.0.0.0/0' }] });
    await expect(ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: albId, IpPermissions: [port(80), port(443)] }))).rejects.toMatchObject({
      name: 'InvalidPermission.NotFound',
    });
    expect((await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [albId] }))).SecurityGroups?.[0]?.IpPermissions).toHaveLength(1);
    const revoked = await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: albId, IpPermissions: [port(80)] }));
    expect(revoked.Return).toBe(true);
    expect((await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [albId] }))).SecurityGroups?.[0]?.IpPermissions).toEqual([]);
  });

  it('cannot be deleted while a network interface uses it or another group references it; the default group never', async () => {
    const { vpcId, publicSubnetId } = await network();
    const natGroup = await createGroup(vpcId, 'demo-nat');
    const referencing = await createGroup(vpcId, 'demo-referencing');
    const instance = await runNat(publicSubnetId, natGroup);
    await expect(ec2.send(new DeleteSecurityGroupCommand({ GroupId: natGroup }))).rejects.toMatchObject({
      name: 'DependencyViolation',
      message: `resource ${natGroup} has a dependent object`,
    });
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [must(instance.InstanceId)] }));
    await waitUntilInstanceTerminated({ client: ec2, ...WAITER }, { InstanceIds: [must(instance.InstanceId)] });

    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({ GroupId: referencing, IpPermissions: [{ IpProtocol: '-1', UserIdGroupPairs: [{ GroupId: natGroup }] }] }),
    );
    await expect(ec2.send(new DeleteSecurityGroupCommand({ GroupId: natGroup }))).rejects.toMatchObject({ name: 'DependencyViolation' });
    await ec2.send(new DeleteSecurityGroupCommand({ GroupId: referencing }));
    await ec2.send(new DeleteSecurityGroupCommand({ GroupId: natGroup }));
    await expect(ec2.send(new DeleteSecurityGroupCommand({ GroupId: natGroup }))).rejects.toMatchObject({ name: 'InvalidGroup.NotFound' });

    const defaults = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: ['default'] }] }));
    await expect(ec2.send(new DeleteSecurityGroupCommand({ GroupId: defaults.SecurityGroups?.[0]?.GroupId }))).rejects.toMatchObject({ name: 'CannotDelete' });
  });
});

describe('images', () => {
  it('finds fck-nat by owner, name wildcard and architecture; the newest is for the caller to pick', async () => {
    const arm = await ec2.send(
      new DescribeImagesCommand({ Owners: [FCK_NAT_OWNER], Filters: [{ Name: 'name', Values: ['fck-nat-al2023-hvm-*'] }, { Name: 'architecture', Values: ['arm64'] }] }),
    );
    expect(arm.Images).toHaveLength(3);
    expect(arm.Images?.every((i) => i.Architecture === 'arm64' && i.State === 'available' && i.OwnerId === FCK_NAT_OWNER)).toBe(true);
    expect(new Set(arm.Images?.map((i) => i.CreationDate)).size).toBe(3);
    const newest = await fckNatImage('arm64');
    expect(arm.Images?.find((i) => i.ImageId === newest)?.Name).toBe('fck-nat-al2023-hvm-1.3.1-20240611-arm64-ebs');
    const x86 = await ec2.send(new DescribeImagesCommand({ Owners: [FCK_NAT_OWNER], Filters: [{ Name: 'name', Values: ['fck-nat-*-x86_64-ebs'] }] }));
    expect(x86.Images).toHaveLength(3);
    const amazon = await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'], Filters: [{ Name: 'name', Values: ['fck-nat-*'] }] }));
    expect(amazon.Images).toEqual([]);
  });
});

describe('instances', () => {
  it('go pending → running → shutting-down → terminated, and take their network interface along', async () => {
    const { vpcId, publicSubnetId } = await network();
    const groupId = await createGroup(vpcId, 'demo-nat');
    const launched = await runNat(publicSubnetId, groupId);
    const instanceId = must(launched.InstanceId);
    expect(launched.State).toEqual({ Code: 0, Name: 'pending' });
    expect(launched).toMatchObject({ SubnetId: publicSubnetId, VpcId: vpcId, Architecture: 'arm64', InstanceType: 't4g.nano', MetadataOptions: { HttpTokens: 'required' } });

    const running = await describeInstance(instanceId);
    expect(running.State).toEqual({ Code: 16, Name: 'running' });
    expect(running.SourceDestCheck).toBe(true);
    expect(running.Tags).toEqual([{ Key: 'Name', Value: 'demo-nat' }]);
    expect(running.SecurityGroups).toEqual([{ GroupId: groupId, GroupName: 'demo-nat' }]);
    const eniId = must(running.NetworkInterfaces?.[0]?.NetworkInterfaceId);
    expect(running.PrivateIpAddress).toMatch(/^10\.0\.0\.\d+$/);

    const eni = must((await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [eniId] }))).NetworkInterfaces?.[0]);
    expect(eni).toMatchObject({
      SubnetId: publicSubnetId,
      VpcId: vpcId,
      Status: 'in-use',
      RequesterManaged: false,
      SourceDestCheck: true,
      Groups: [{ GroupId: groupId, GroupName: 'demo-nat' }],
      Attachment: { InstanceId: instanceId, DeviceIndex: 0, Status: 'attached' },
      PrivateIpAddress: running.PrivateIpAddress,
    });

    await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: instanceId, SourceDestCheck: { Value: false } }));
    expect((await describeInstance(instanceId)).SourceDestCheck).toBe(false);

    const table = await ec2.send(new CreateRouteTableCommand({ VpcId: vpcId, TagSpecifications: tagged('route-table', { Name: 'demo-private' }) }));
    const tableId = must(table.RouteTable?.RouteTableId);
    await ec2.send(new CreateRouteCommand({ RouteTableId: tableId, DestinationCidrBlock: '0.0.0.0/0', InstanceId: instanceId }));
    const routeOf = async () => (await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [tableId] }))).RouteTables?.[0]?.Routes?.[1];
    expect(await routeOf()).toMatchObject({ InstanceId: instanceId, NetworkInterfaceId: eniId, State: 'active' });

    const terminating = await ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }));
    expect(terminating.TerminatingInstances?.[0]).toMatchObject({ PreviousState: { Name: 'running' }, CurrentState: { Code: 32, Name: 'shutting-down' } });
    const terminated = await describeInstance(instanceId);
    expect(terminated.State).toEqual({ Code: 48, Name: 'terminated' });
    expect(terminated.NetworkInterfaces).toEqual([]);
    await expect(ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [eniId] }))).rejects.toMatchObject({ name: 'InvalidNetworkInterfaceID.NotFound' });
    expect(await routeOf()).toMatchObject({ NetworkInterfaceId: eniId, State: 'blackhole' });
    const live = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:Name', Values: ['demo-nat'] }, { Name: 'instance-state-name', Values: ['pending', 'running'] }] }));
    expect(live.Reservations).toEqual([]);
    expect(env.sandbox.inventory().filter((i) => i.type === 'instance')).toEqual([]);
    await ec2.send(new DeleteSubnetCommand({ SubnetId: publicSubnetId }));
  });

  it('work with the SDK waiters while time passes (msPerSimSecond > 0)', async () => {
    // 1 ms per simulated second: running and terminated each take 200 ms of the test's clock.
    const clock = new TestClock();
    env.restart({ msPerSimSecond: 1, latencies: { 'ec2.instance.running': 200, 'ec2.instance.terminated': 200 }, clock: clock.now });
    const { vpcId, publicSubnetId } = await network();
    const groupId = await createGroup(vpcId, 'demo-nat');
    const instanceId = must((await runNat(publicSubnetId, groupId)).InstanceId);
    expect((await describeInstance(instanceId)).State?.Name).toBe('pending');
    clock.run();
    const result = await waitUntilInstanceRunning({ client: ec2, ...WAITER }, { InstanceIds: [instanceId] });
    expect(result.state).toBe('SUCCESS');
    expect((await describeInstance(instanceId)).State?.Name).toBe('running');

    clock.hold();
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }));
    expect((await describeInstance(instanceId)).State?.Name).toBe('shutting-down');
    await expect(ec2.send(new DeleteSubnetCommand({ SubnetId: publicSubnetId }))).rejects.toMatchObject({ name: 'DependencyViolation' });
    clock.advance(199);
    expect((await describeInstance(instanceId)).State?.Name).toBe('shutting-down');
    clock.advance(1);
    expect((await describeInstance(instanceId)).State?.Name).toBe('terminated');
    await ec2.send(new DeleteSubnetCommand({ SubnetId: publicSubnetId }));
  });

  it('refuse an AMI of another architecture, an unknown AMI, and mixing NetworkInterfaces with SubnetId', async () => {
    const { vpcId, publicSubnetId } = await network();
    const groupId = await createGroup(vpcId, 'demo-nat');
    await expect(runNat(publicSubnetId, groupId, { ImageId: await fckNatImage('x86_64') })).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(runNat(publicSubnetId, groupId, { ImageId: 'ami-00000000000000404' })).rejects.toMatchObject({ name: 'InvalidAMIID.NotFound' });
    await expect(runNat(publicSubnetId, groupId, { SubnetId: publicSubnetId })).rejects.toMatchObject({ name: 'InvalidParameterCombination' });
    await expect(ec2.send(new TerminateInstancesCommand({ InstanceIds: ['i-00000000000000404'] }))).rejects.toMatchObject({ name: 'InvalidInstanceID.NotFound' });
  });

  it('honour ClientToken: same token and parameters → the same instance, other parameters → IdempotentParameterMismatch, a terminated one → IdempotentInstanceTerminated', async () => {
    const { vpcId, publicSubnetId } = await network();
    const groupId = await createGroup(vpcId, 'demo-nat');
    const first = await runNat(publicSubnetId, groupId, { ClientToken: 'token-1' });
    const again = await runNat(publicSubnetId, groupId, { ClientToken: 'token-1' });
    expect(again.InstanceId).toBe(first.InstanceId);
    expect((await ec2.send(new DescribeInstancesCommand({}))).Reservations).toHaveLength(1);

    await expect(runNat(publicSubnetId, groupId, { ClientToken: 'token-1', InstanceType: 't4g.micro' })).rejects.toMatchObject({ name: 'IdempotentParameterMismatch' });

    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [must(first.InstanceId)] }));
    await ec2.send(new DescribeInstancesCommand({ InstanceIds: [must(first.InstanceId)] })); // let it finish terminating
    await expect(runNat(publicSubnetId, groupId, { ClientToken: 'token-1' })).rejects.toMatchObject({ name: 'IdempotentInstanceTerminated' });
    const fresh = await runNat(publicSubnetId, groupId, { ClientToken: 'token-2' });
    expect(fresh.InstanceId).not.toBe(first.InstanceId);
  });
});

describe('Elastic IPs and NAT gateways', () => {
  async function natGateway(clientToken?: string) {
    const { vpcId, publicSubnetId, privateSubnetId, igwId } = await network();
    const eip = await ec2.send(new AllocateAddressCommand({ Domain: 'vpc', TagSpecifications: tagged('elastic-ip', { Name: 'demo-nat-eip' }) }));
    const allocationId = must(eip.AllocationId);
    const created = await ec2.send(
      new CreateNatGatewayCommand({ SubnetId: publicSubnetId, AllocationId: allocationId, ClientToken: clientToken, TagSpecifications: tagged('natgateway', { Name: 'demo-nat' }) }),
    );
    return { vpcId, publicSubnetId, privateSubnetId, igwId, allocationId, eip, natId: must(created.NatGateway?.NatGatewayId), created };
  }

  it('go pending → available → deleting → deleted, with a requester-managed interface and the Elastic IP', async () => {
    const { vpcId, publicSubnetId, allocationId, eip, natId, created } = await natGateway();
    expect(created.NatGateway?.State).toBe('pending');
    await waitUntilNatGatewayAvailable({ client: ec2, ...WAITER }, { NatGatewayIds: [natId] });
    const available = must((await ec2.send(new DescribeNatGatewaysCommand({ Filter: [{ Name: 'tag:Name', Values: ['demo-nat'] }] }))).NatGateways?.[0]);
    expect(available).toMatchObject({ NatGatewayId: natId, State: 'available', SubnetId: publicSubnetId, VpcId: vpcId });
    const address = must(available.NatGatewayAddresses?.[0]);
    expect(address).toMatchObject({ AllocationId: allocationId, PublicIp: eip.PublicIp });

    const eni = must((await ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'requester-managed', Values: ['true'] }, { Name: 'description', Values: ['Interface for NAT Gateway*'] }] }))).NetworkInterfaces?.[0]);
    expect(eni).toMatchObject({ NetworkInterfaceId: address.NetworkInterfaceId, SubnetId: publicSubnetId, RequesterManaged: true, Status: 'in-use' });
    const addresses = await ec2.send(new DescribeAddressesCommand({ AllocationIds: [allocationId] }));
    expect(addresses.Addresses?.[0]).toMatchObject({ NetworkInterfaceId: eni.NetworkInterfaceId, Domain: 'vpc', Tags: [{ Key: 'Name', Value: 'demo-nat-eip' }] });
    await expect(ec2.send(new ReleaseAddressCommand({ AllocationId: allocationId }))).rejects.toMatchObject({ name: 'InvalidIPAddress.InUse' });

    const table = await ec2.send(new CreateRouteTableCommand({ VpcId: vpcId }));
    const tableId = must(table.RouteTable?.RouteTableId);
    await ec2.send(new CreateRouteCommand({ RouteTableId: tableId, DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: natId }));

    expect((await ec2.send(new DeleteNatGatewayCommand({ NatGatewayId: natId }))).NatGatewayId).toBe(natId);
    await waitUntilNatGatewayDeleted({ client: ec2, ...WAITER }, { NatGatewayIds: [natId] });
    const deleted = must((await ec2.send(new DescribeNatGatewaysCommand({ NatGatewayIds: [natId] }))).NatGateways?.[0]);
    expect(deleted.State).toBe('deleted');
    // (The dispatcher's structuredClone makes Dates of Node's realm, not jest's: no toBeInstanceOf(Date).)
    expect(deleted.DeleteTime?.toISOString()).toEqual(expect.stringMatching(/^2026-/));
    expect(await enisIn(publicSubnetId)).toEqual([]);
    const route = (await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [tableId] }))).RouteTables?.[0]?.Routes?.[1];
    expect(route).toMatchObject({ NatGatewayId: natId, State: 'blackhole' });
    expect((await ec2.send(new DescribeAddressesCommand({ AllocationIds: [allocationId] }))).Addresses?.[0]?.AssociationId).toBeUndefined();
    await ec2.send(new ReleaseAddressCommand({ AllocationId: allocationId }));
    expect(env.sandbox.inventory().filter((i) => i.type === 'nat-gateway' || i.type === 'elastic-ip')).toEqual([]);
  });

  it('take ClientToken like RunInstances', async () => {
    const { natId, publicSubnetId, allocationId } = await natGateway('nat-token');
    const again = await ec2.send(new CreateNatGatewayCommand({ SubnetId: publicSubnetId, AllocationId: allocationId, ClientToken: 'nat-token', TagSpecifications: tagged('natgateway', { Name: 'demo-nat' }) }));
    expect(again.NatGateway?.NatGatewayId).toBe(natId);
    await expect(ec2.send(new CreateNatGatewayCommand({ SubnetId: publicSubnetId, AllocationId: allocationId, ClientToken: 'nat-token' }))).rejects.toMatchObject({
      name: 'IdempotentParameterMismatch',
    });
  });

  it('fail in a VPC without an internet gateway, as AWS lets them', async () => {
    const vpcId = await createVpc();
    const subnetId = await createSubnet(vpcId, '10.0.0.0/24', 'public');
    const eip = await ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }));
    const created = await ec2.send(new CreateNatGatewayCommand({ SubnetId: subnetId, AllocationId: eip.AllocationId }));
    const natId = must(created.NatGateway?.NatGatewayId);
    await expect(waitUntilNatGatewayAvailable({ client: ec2, ...WAITER }, { NatGatewayIds: [natId] })).rejects.toThrow();
    const failed = must((await ec2.send(new DescribeNatGatewaysCommand({ NatGatewayIds: [natId] }))).NatGateways?.[0]);
    expect(failed).toMatchObject({ State: 'failed', FailureCode: 'Gateway.NotAttached' });
  });
});

describe('network interfaces of other services', () => {
  it('a lingering interface blocks deletes for a few describe calls, then is gone', async () => {
    const { vpcId, privateSubnetId } = await network();
    const groupId = await createGroup(vpcId, 'demo-service');
    const eniId = env.sandbox.ec2.simulateLingeringEni({ subnetId: privateSubnetId, groupIds: [groupId], reads: 2 });
    const byGroup = async () =>
      ((await ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }] }))).NetworkInterfaces ?? []).map((e) => e.NetworkInterfaceId);

    expect(await byGroup()).toEqual([eniId]);
    await expect(ec2.send(new DeleteSecurityGroupCommand({ GroupId: groupId }))).rejects.toMatchObject({ name: 'DependencyViolation' });
    await expect(ec2.send(new DeleteSubnetCommand({ SubnetId: privateSubnetId }))).rejects.toMatchObject({ name: 'DependencyViolation' });
    await expect(ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: eniId }))).rejects.toMatchObject({ name: 'InvalidNetworkInterface.InUse' });
    expect(await byGroup()).toEqual([eniId]);
    expect(await byGroup()).toEqual([]);
    await ec2.send(new DeleteSecurityGroupCommand({ GroupId: groupId }));
    await ec2.send(new DeleteSubnetCommand({ SubnetId: privateSubnetId }));
  });

  it('a released service interface goes after its linger time', async () => {
    const clock = new TestClock();
    env.restart({ msPerSimSecond: 1, latencies: { 'ec2.eni.elb.released': 200 }, clock: clock.now });
    const { vpcId, privateSubnetId } = await network();
    const groupId = await createGroup(vpcId, 'demo-alb');
    const eniId = env.sandbox.ec2.attachServiceEni({ subnetId: privateSubnetId, groupIds: [groupId], description: 'ELB app/demo-alb/0123', requesterId: 'amazon-elb' });
    const eni = must((await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [eniId] }))).NetworkInterfaces?.[0]);
    expect(eni).toMatchObject({ RequesterManaged: true, RequesterId: 'amazon-elb', Status: 'in-use', Description: 'ELB app/demo-alb/0123', Groups: [{ GroupId: groupId }] });
    env.sandbox.ec2.releaseServiceEni(eniId, 'ec2.eni.elb.released');
    expect(await enisIn(privateSubnetId)).toEqual([eniId]);
    clock.advance(199);
    expect(await enisIn(privateSubnetId)).toEqual([eniId]);
    clock.advance(1);
    expect(await enisIn(privateSubnetId)).toEqual([]);
  });

  it('AWS-like linger times: a load balancer\'s and a Fargate task\'s interfaces stay for minutes', () => {
    expect(REAL_LATENCIES['ec2.eni.elb.released']).toBeGreaterThanOrEqual(180);
    expect(REAL_LATENCIES['ec2.eni.task.released']).toBeGreaterThanOrEqual(180);
  });

  it('a lingering interface with a public address keeps the internet gateway attached (DependencyViolation) until it goes', async () => {
    const clock = new TestClock();
    env.restart({ msPerSimSecond: 1, clock: clock.now });
    const { vpcId, publicSubnetId, igwId } = await network();
    const groupId = await createGroup(vpcId, 'demo-alb');
    const eniId = env.sandbox.ec2.attachServiceEni({
      subnetId: publicSubnetId,
      groupIds: [groupId],
      description: 'ELB app/demo-alb/0123',
      requesterId: 'amazon-elb',
      publicIp: true,
    });
    const eni = must((await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [eniId] }))).NetworkInterfaces?.[0]);
    expect(eni.Association?.PublicIp).toBeDefined();
    env.sandbox.ec2.releaseServiceEni(eniId, 'ec2.eni.elb.released');
    clock.advance(REAL_LATENCIES['ec2.eni.elb.released'] - 1); // 1 ms per simulated second
    await expect(ec2.send(new DetachInternetGatewayCommand({ InternetGatewayId: igwId, VpcId: vpcId }))).rejects.toMatchObject({
      name: 'DependencyViolation',
      message: `Network ${vpcId} has some mapped public address(es). Please unmap those public address(es) before detaching the gateway.`,
    });
    clock.advance(1);
    await ec2.send(new DetachInternetGatewayCommand({ InternetGatewayId: igwId, VpcId: vpcId }));
    expect(await enisIn(publicSubnetId)).toEqual([]);
  });
});

describe('pagination (pages of 5 in tests)', () => {
  it('answers a describe without MaxResults whole, as AWS does', async () => {
    const vpcId = await createVpc();
    for (let i = 0; i < 7; i += 1) await createSubnet(vpcId, `10.0.${i}.0/24`, `demo-${i}`);
    const all = await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }));
    expect(all.Subnets).toHaveLength(7);
    expect(all.NextToken).toBeUndefined();
  });

  it('pages with MaxResults, the SDK paginator reads every page, and a token is good only for its own filters', async () => {
    const vpcId = await createVpc();
    for (let i = 0; i < 7; i += 1) await createSubnet(vpcId, `10.0.${i}.0/24`, `demo-${i}`);
    const filters = [{ Name: 'vpc-id', Values: [vpcId] }];
    const first = await ec2.send(new DescribeSubnetsCommand({ Filters: filters, MaxResults: 1000 }));
    expect(first.Subnets).toHaveLength(5);
    expect(first.NextToken).toEqual(expect.any(String));
    const pages: number[] = [];
    for await (const page of paginateDescribeSubnets({ client: ec2, pageSize: 1000 }, { Filters: filters })) pages.push(page.Subnets?.length ?? 0);
    expect(pages).toEqual([5, 2]);
    await expect(ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: ['vpc-other'] }], MaxResults: 1000, NextToken: first.NextToken }))).rejects.toMatchObject({
      name: 'InvalidParameterValue',
      message: expect.stringMatching(/parameter NextToken is invalid/),
    });
    await expect(ec2.send(new DescribeVpcsCommand({ NextToken: first.NextToken, MaxResults: 1000 }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });

  it('pages before it filters: a page may hold fewer matches than asked, even none, with a token to go on', async () => {
    const vpcId = await createVpc();
    for (let i = 0; i < 6; i += 1) await createGroup(vpcId, `demo-${i}`);
    // The VPC's default group comes first, then demo-0 … demo-5: demo-5 lies on the second page.
    const filters = [{ Name: 'group-name', Values: ['demo-5'] }];
    const first = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: filters, MaxResults: 5 }));
    expect(first.SecurityGroups).toEqual([]);
    expect(first.NextToken).toEqual(expect.any(String));
    const found: string[] = [];
    for await (const page of paginateDescribeSecurityGroups({ client: ec2, pageSize: 1000 }, { Filters: filters })) found.push(...(page.SecurityGroups ?? []).map((g) => must(g.GroupName)));
    expect(found).toEqual(['demo-5']);
  });

  it("refuses a page size outside 5 to the call's maximum (100 for route tables), and MaxResults next to instance or interface IDs", async () => {
    await expect(ec2.send(new DescribeVpcsCommand({ MaxResults: 4 }))).rejects.toMatchObject({
      name: 'InvalidParameterValue',
      message: 'Value ( 4 ) for parameter maxResults is invalid. Expecting a value greater than 5.',
    });
    await expect(ec2.send(new DescribeRouteTablesCommand({ MaxResults: 101 }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await ec2.send(new DescribeRouteTablesCommand({ MaxResults: 100 }));
    const { publicSubnetId, vpcId } = await network();
    const instance = await runNat(publicSubnetId, await createGroup(vpcId, 'demo-nat'));
    await expect(ec2.send(new DescribeInstancesCommand({ InstanceIds: [must(instance.InstanceId)], MaxResults: 5 }))).rejects.toMatchObject({
      name: 'InvalidParameterCombination',
      message: 'The parameter instancesSet cannot be used with the parameter maxResults',
    });
    const eniId = must(instance.NetworkInterfaces?.[0]?.NetworkInterfaceId);
    await expect(ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [eniId], MaxResults: 5 }))).rejects.toMatchObject({ name: 'InvalidParameterCombination' });
    // Named by ID without MaxResults: answered whole.
    expect((await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [eniId] }))).NetworkInterfaces).toHaveLength(1);
  });

  it('pages DescribeInstances by instance, grouped by reservation', async () => {
    const { publicSubnetId, vpcId } = await network();
    const groupId = await createGroup(vpcId, 'demo-nat');
    await runNat(publicSubnetId, groupId, { MinCount: 7, MaxCount: 7 });
    const first = await ec2.send(new DescribeInstancesCommand({ MaxResults: 5 }));
    expect(first.Reservations?.flatMap((r) => r.Instances ?? [])).toHaveLength(5);
    const second = await ec2.send(new DescribeInstancesCommand({ MaxResults: 5, NextToken: first.NextToken }));
    expect(second.Reservations?.flatMap((r) => r.Instances ?? [])).toHaveLength(2);
    expect(second.NextToken).toBeUndefined();
    expect(second.Reservations?.[0]?.ReservationId).toBe(first.Reservations?.[0]?.ReservationId);
  });
});

describe('snapshots', () => {
  it('restore keeps every resource, pending transitions and the ID counter', async () => {
    env.restart({ msPerSimSecond: 1, latencies: { 'ec2.instance.running': 10_000 } });
    const { vpcId, publicSubnetId } = await network();
    const groupId = await createGroup(vpcId, 'demo-nat');
    const instanceId = must((await runNat(publicSubnetId, groupId, { ClientToken: 'snap' })).InstanceId);
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '10.0.0.0/16' }] }] }));
    const before = {
      inventory: env.sandbox.inventory(),
      groups: await ec2.send(new DescribeSecurityGroupsCommand({})),
      instance: await describeInstance(instanceId),
    };
    expect(before.instance.State?.Name).toBe('pending');

    const snapshot = JSON.parse(JSON.stringify(env.sandbox.snapshot())) as SandboxSnapshot;
    env.restoreFrom(snapshot);

    expect(env.sandbox.inventory()).toEqual(before.inventory);
    expect((await ec2.send(new DescribeSecurityGroupsCommand({}))).SecurityGroups).toEqual(before.groups.SecurityGroups);
    const restored = await describeInstance(instanceId);
    expect(restored.State?.Name).toBe('pending');
    expect(restored).toEqual(before.instance);
    expect((await runNat(publicSubnetId, groupId, { ClientToken: 'snap' })).InstanceId).toBe(instanceId);
    const newVpc = await createVpc('10.5.0.0/16', 'after-restore');
    expect(before.inventory.map((i) => i.id)).not.toContain(newVpc);
  });
});

describe('old snapshots', () => {
  it('load when the EC2 data predates a collection (or the whole model)', async () => {
    const snapshot = env.sandbox.snapshot();
    const restored = Sandbox.restore({ ...snapshot, services: { ...snapshot.services, ec2: {} } });
    expect(await restored.dispatch('ec2', 'DescribeVpcs', {})).toMatchObject({ Vpcs: [] });
    const images = (await restored.dispatch('ec2', 'DescribeImages', { Owners: [FCK_NAT_OWNER] })) as { Images?: unknown[] };
    expect(images.Images).toHaveLength(6);
  });
});

describe('inventory', () => {
  it('lists live resources with stable keys, leaving out what AWS makes by itself', async () => {
    const { vpcId, publicSubnetId } = await network();
    const groupId = await createGroup(vpcId, 'demo-nat');
    await runNat(publicSubnetId, groupId);
    const types = env.sandbox.inventory().map((i) => [i.type, i.key]);
    expect(types).toEqual(
      expect.arrayContaining([
        ['vpc', 'demo-vpc'],
        ['subnet', 'demo-public-a'],
        ['subnet', 'demo-private-a'],
        ['internet-gateway', 'demo-igw'],
        ['security-group', 'demo-nat'],
        ['instance', 'demo-nat'],
      ]),
    );
    expect(types).toHaveLength(6);
    expect(env.sandbox.inventory().every((i) => i.service === 'ec2')).toBe(true);
  });
});

describe('what the sandbox does not model', () => {
  it('fails loudly on an operation it does not model, through dispatch and through the SDK', async () => {
    await expect(env.sandbox.dispatch('ec2', 'CreateVpnGateway', { Type: 'ipsec.1' })).rejects.toBeInstanceOf(SandboxNotModelled);
    await expect(ec2.send(new CreateVpnGatewayCommand({ Type: 'ipsec.1' }))).rejects.toBeInstanceOf(SandboxNotModelled);
    expect(env.sandbox.calls.at(-1)).toMatchObject({ service: 'ec2', operation: 'CreateVpnGateway', error: 'SandboxNotModelled' });
  });
});

describe('through the SDK client plugin (AwsClients)', () => {
  it('creates, describes and surfaces AWS error codes', async () => {
    env.restoreMocks();
    const own = new Sandbox();
    const clients = new AwsClients({ ...sandboxClientOptions(own) });
    try {
      const vpc = await clients.ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16', TagSpecifications: tagged('vpc', { Name: 'plugin-vpc' }) }));
      const found = await clients.ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'tag:Name', Values: ['plugin-*'] }] }));
      expect(found.Vpcs?.map((v) => v.VpcId)).toEqual([vpc.Vpc?.VpcId]);
      const error = await clients.ec2.send(new DescribeVpcsCommand({ VpcIds: ['vpc-00000000000000404'] })).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isAwsError(error, 'InvalidVpcID.NotFound')).toBe(true);
      expect(own.calls.map((c) => c.operation)).toEqual(['CreateVpc', 'DescribeVpcs', 'DescribeVpcs']);
      expect(own.inventory()).toEqual([expect.objectContaining({ type: 'vpc', key: 'plugin-vpc' })]);
    } finally {
      clients.destroy();
    }
  });
});
