// Unit tests of the NAT step against a stubbed EC2 client: the fck-nat instance (AMI lookup,
// write-ahead client token, replacement, crash re-run), the NAT gateway mode, the switch between
// them, and destroy. The network's records are in state, as the network step leaves them. Every
// call the test does not stub fails loudly (the catch-all is registered first).
import {
  AllocateAddressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateNatGatewayCommand,
  CreateRouteCommand,
  CreateSecurityGroupCommand,
  DeleteRouteCommand,
  DeleteSecurityGroupCommand,
  DescribeNetworkInterfacesCommand,
  DescribeAddressesCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeNatGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  ModifyInstanceAttributeCommand,
  ReplaceRouteCommand,
  RunInstancesCommand,
  StartInstancesCommand,
  TerminateInstancesCommand,
  type Image,
  type Instance,
  type NatGateway,
  type Route,
  type RouteTable,
  type RunInstancesCommandInput,
  type SecurityGroup,
  type Tag,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { isMutating } from '../src/aws/operations';
import { ConfigError, WaitTimeoutError } from '../src/errors';
import { readRouteTablesOnce } from '../steps/lib/route';
import { architectureOf, nat } from '../steps/nat';
import type { ResourceRecord } from '../state';
import { testContext, type TestContext } from './helpers/context';

const ec2 = mockClient(EC2Client);

// ---- what the network step left, and the NAT as AWS would report it ---------------------------

const VPC_CIDR = '10.0.0.0/16';
const NETWORK_STATE: Record<string, ResourceRecord> = {
  'network.vpc': { id: 'vpc-0a1', cidr: VPC_CIDR },
  'network.subnet.public-a': { id: 'subnet-public-a' },
  'network.subnet.public-b': { id: 'subnet-public-b' },
  'network.subnet.private-a': { id: 'subnet-private-a' },
  'network.subnet.private-b': { id: 'subnet-private-b' },
  'network.routeTable.public': { id: 'rtb-public' },
  'network.routeTable.private': { id: 'rtb-private' },
};
const ROUTE_ID = 'rtb-private:0.0.0.0/0';

/** A complete NAT instance setup, as the step records it. */
const INSTANCE_STATE: Record<string, ResourceRecord> = {
  ...NETWORK_STATE,
  'nat.securityGroup': { id: 'sg-nat' },
  'nat.instance': { id: 'i-nat1', token: 'token-first-launch', eni: 'eni-nat1' },
  'nat.route.private': { id: ROUTE_ID },
};

/** The tags shipline puts on the NAT's resources, written out. */
const natTags = (part: string): Tag[] => [
  { Key: 'shipline:stack', Value: 'demo' },
  { Key: 'shipline:step', Value: 'nat' },
  { Key: 'Name', Value: `demo-${part}` },
];

const awsError = (code: string) => Object.assign(new Error(`${code} (test)`), { name: code, $metadata: {} });

const instance = (overrides: Partial<Instance> = {}): Instance => ({
  InstanceId: 'i-nat1',
  InstanceType: 't4g.nano',
  State: { Name: 'running' },
  SourceDestCheck: false,
  MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled' },
  NetworkInterfaces: [{ NetworkInterfaceId: 'eni-nat1', SubnetId: 'subnet-public-a' }],
  Tags: natTags('nat'),
  ...overrides,
});
/** What RunInstances answers: pending, source/dest check still on. */
const launched = (overrides: Partial<Instance> = {}) => instance({ State: { Name: 'pending' }, SourceDestCheck: true, ...overrides });
const reservations = (...instances: Instance[]) => ({ Reservations: instances.length > 0 ? [{ Instances: instances }] : [] });

const fckNatImage = (ImageId: string, CreationDate: string): Image => ({
  ImageId,
  CreationDate,
  Name: `fck-nat-al2023-hvm-1.3.0-${CreationDate.slice(0, 10)}-arm64-ebs`,
  Architecture: 'arm64',
  State: 'available',
});
const NEWEST_AMI = 'ami-0000000000000c3';
/** Out of date order on purpose: the step must sort by CreationDate. */
const IMAGES = [
  fckNatImage('ami-0000000000000a1', '2024-03-01T10:00:00.000Z'),
  fckNatImage(NEWEST_AMI, '2025-06-20T08:30:00.000Z'),
  fckNatImage('ami-0000000000000b2', '2025-01-15T12:00:00.000Z'),
];

const natSecurityGroup = (): SecurityGroup => ({
  GroupId: 'sg-nat',
  GroupName: 'demo-nat',
  VpcId: 'vpc-0a1',
  IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: VPC_CIDR, Description: 'everything from inside the VPC' }] }],
  IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
  Tags: natTags('nat'),
});

const LOCAL_ROUTE: Route = { DestinationCidrBlock: VPC_CIDR, GatewayId: 'local', State: 'active' };
const defaultRoute = (target: Partial<Route>, State: Route['State'] = 'active'): Route => ({ DestinationCidrBlock: '0.0.0.0/0', State, ...target });
const privateTable = (...routes: Route[]): { RouteTables: RouteTable[] } => ({
  RouteTables: [{ RouteTableId: 'rtb-private', VpcId: 'vpc-0a1', Routes: [LOCAL_ROUTE, ...routes], Tags: [{ Key: 'shipline:stack', Value: 'demo' }] }],
});

const natGateway = (State: NatGateway['State']): NatGateway => ({ NatGatewayId: 'nat-0a1', State, SubnetId: 'subnet-public-a', Tags: natTags('nat-gateway') });

// ---- stubbed AWS worlds ----------------------------------------------------------------------

/** The lookups of the mode not in use come back empty (nothing to clean up). */
function awsHasNoNatGateway(): void {
  ec2.on(DescribeNatGatewaysCommand).resolves({ NatGateways: [] });
  ec2.on(DescribeAddressesCommand).resolves({ Addresses: [] });
}

/** No NAT yet: the security group, the instance (pending, then running) and the route get made. */
function awsLaunchesNatInstance(): void {
  ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
  ec2.on(CreateSecurityGroupCommand).resolves({ GroupId: 'sg-nat' });
  ec2.on(AuthorizeSecurityGroupIngressCommand).resolves({ Return: true });
  ec2.on(DescribeInstancesCommand).resolves(reservations());
  ec2.on(DescribeInstancesCommand, { InstanceIds: ['i-nat1'] })
    .resolvesOnce(reservations(launched()))
    .resolves(reservations(instance()));
  ec2.on(DescribeImagesCommand).resolves({ Images: IMAGES });
  ec2.on(RunInstancesCommand).resolves({ Instances: [launched()] });
  ec2.on(ModifyInstanceAttributeCommand).resolves({});
  ec2.on(DescribeRouteTablesCommand).resolves(privateTable());
  ec2.on(CreateRouteCommand).resolves({ Return: true });
  awsHasNoNatGateway();
}

/** The NAT instance setup exists and matches, its route going to `route`. */
function awsHasNatInstance(route: Route = defaultRoute({ NetworkInterfaceId: 'eni-nat1' })): void {
  ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [natSecurityGroup()] });
  ec2.on(DescribeInstancesCommand).resolves(reservations(instance()));
  ec2.on(DescribeRouteTablesCommand).resolves(privateTable(route));
  awsHasNoNatGateway();
}

/** Only the security group is left of a NAT instance; no instance is found by its tags. */
function awsHasOnlyTheSecurityGroup(): void {
  ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [natSecurityGroup()] });
  ec2.on(DescribeInstancesCommand).resolves(reservations());
  ec2.on(DescribeImagesCommand).resolves({ Images: IMAGES });
  ec2.on(ModifyInstanceAttributeCommand).resolves({});
  ec2.on(DescribeRouteTablesCommand).resolves(privateTable());
  ec2.on(CreateRouteCommand).resolves({ Return: true });
  awsHasNoNatGateway();
}

/** No NAT gateway yet: the Elastic IP and the gateway (pending, then available) get made. */
function awsCreatesNatGateway(): void {
  ec2.on(DescribeAddressesCommand).resolves({ Addresses: [] });
  ec2.on(AllocateAddressCommand).resolves({ AllocationId: 'eipalloc-nat', PublicIp: '203.0.113.7' });
  ec2.on(DescribeNatGatewaysCommand).resolves({ NatGateways: [] });
  ec2.on(DescribeNatGatewaysCommand, { NatGatewayIds: ['nat-0a1'] })
    .resolvesOnce({ NatGateways: [natGateway('pending')] })
    .resolves({ NatGateways: [natGateway('available')] });
  ec2.on(CreateNatGatewayCommand).resolves({ NatGateway: natGateway('pending') });
}

// ---- reading what happened ---------------------------------------------------------------------

const commandNames = () => ec2.calls().map((call) => call.args[0].constructor.name);
const mutatingCommands = () => commandNames().filter(isMutating);
const inputsOf = <T>(command: { name: string }) =>
  ec2.calls().filter((call) => call.args[0].constructor.name === command.name).map((call) => call.args[0].input as T);
const outcomeOf = (ctx: TestContext, resource: string) => ctx.outcomes.find((o) => o.resource === resource);
const natRecords = (ctx: TestContext) => [...ctx.records.keys()].filter((key) => key.startsWith('nat.')).sort();

beforeEach(() => {
  ec2.reset();
  ec2.onAnyCommand().rejects(new Error('unexpected call'));
});

afterAll(() => ec2.restore());

describe('nat step, instance mode: create', () => {
  it('looks up the fck-nat AMI by owner, name and the architecture of the instance type, and launches the newest', async () => {
    awsLaunchesNatInstance();
    await nat.reconcile(testContext('nat', { state: NETWORK_STATE }));
    expect(ec2).toHaveReceivedCommandWith(DescribeImagesCommand, {
      Owners: ['568608671756'],
      Filters: expect.arrayContaining([
        { Name: 'name', Values: ['fck-nat-al2023-hvm-*'] },
        { Name: 'architecture', Values: ['arm64'] },
      ]),
    });
    expect(ec2).toHaveReceivedCommandWith(RunInstancesCommand, { ImageId: NEWEST_AMI });
  });

  it('launches one instance in public-a with the NAT security group, IMDSv2 required and the stack tags', async () => {
    awsLaunchesNatInstance();
    await nat.reconcile(testContext('nat', { state: NETWORK_STATE }));
    expect(ec2).toHaveReceivedCommandTimes(RunInstancesCommand, 1);
    expect(ec2).toHaveReceivedCommandWith(RunInstancesCommand, {
      ClientToken: expect.any(String),
      InstanceType: 't4g.nano',
      MinCount: 1,
      MaxCount: 1,
      NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: 'subnet-public-a', Groups: ['sg-nat'], AssociatePublicIpAddress: true }],
      MetadataOptions: expect.objectContaining({ HttpTokens: 'required' }),
      TagSpecifications: expect.arrayContaining([{ ResourceType: 'instance', Tags: natTags('nat') }]),
    });
  });

  it('writes the client token to state before RunInstances, and sends that token', async () => {
    awsLaunchesNatInstance();
    const ctx = testContext('nat', { state: NETWORK_STATE });
    let recordWhenLaunched: ResourceRecord | undefined;
    ec2.on(RunInstancesCommand).callsFake(() => {
      recordWhenLaunched = ctx.records.get('nat.instance');
      return { Instances: [launched()] };
    });
    await nat.reconcile(ctx);
    const [sent] = inputsOf<RunInstancesCommandInput>(RunInstancesCommand);
    expect(recordWhenLaunched?.token).toEqual(expect.any(String));
    expect(sent?.ClientToken).toBe(recordWhenLaunched?.token);
    expect(ctx.records.get('nat.instance')).toEqual({ id: 'i-nat1', token: sent?.ClientToken, eni: 'eni-nat1' });
  });

  it('turns off the source/dest check so the instance can forward traffic', async () => {
    awsLaunchesNatInstance();
    await nat.reconcile(testContext('nat', { state: NETWORK_STATE }));
    expect(ec2).toHaveReceivedCommandWith(ModifyInstanceAttributeCommand, { InstanceId: 'i-nat1', SourceDestCheck: { Value: false } });
  });

  it('waits until the instance is running before routing to it', async () => {
    awsLaunchesNatInstance();
    await nat.reconcile(testContext('nat', { state: NETWORK_STATE }));
    const names = commandNames();
    const polls = ec2.calls().flatMap((call, at) => (call.args[0] instanceof DescribeInstancesCommand && call.args[0].input.InstanceIds ? [at] : []));
    expect(polls).toHaveLength(2); // pending, then running
    expect(Math.max(...polls)).toBeLessThan(names.indexOf('CreateRouteCommand'));
  });

  it('creates the NAT security group in the VPC, allowing all traffic from the VPC CIDR', async () => {
    awsLaunchesNatInstance();
    await nat.reconcile(testContext('nat', { state: NETWORK_STATE }));
    expect(ec2).toHaveReceivedCommandWith(CreateSecurityGroupCommand, {
      GroupName: 'demo-nat',
      VpcId: 'vpc-0a1',
      TagSpecifications: [{ ResourceType: 'security-group', Tags: natTags('nat') }],
    });
    expect(ec2).toHaveReceivedCommandTimes(AuthorizeSecurityGroupIngressCommand, 1);
    expect(ec2).toHaveReceivedCommandWith(AuthorizeSecurityGroupIngressCommand, {
      GroupId: 'sg-nat',
      IpPermissions: [{ IpProtocol: '-1', IpRanges: [expect.objectContaining({ CidrIp: VPC_CIDR })] }],
    });
  });

  it("routes 0.0.0.0/0 from the private route table to the instance's network interface", async () => {
    awsLaunchesNatInstance();
    await nat.reconcile(testContext('nat', { state: NETWORK_STATE }));
    expect(ec2).toHaveReceivedCommandTimes(CreateRouteCommand, 1);
    expect(ec2).toHaveReceivedCommandWith(CreateRouteCommand, { RouteTableId: 'rtb-private', DestinationCidrBlock: '0.0.0.0/0', NetworkInterfaceId: 'eni-nat1' });
  });

  it('records the security group, the instance and the route, and reports them created', async () => {
    awsLaunchesNatInstance();
    const ctx = testContext('nat', { state: NETWORK_STATE });
    await nat.reconcile(ctx);
    expect(natRecords(ctx)).toEqual(['nat.instance', 'nat.route.private', 'nat.securityGroup']);
    expect(ctx.records.get('nat.securityGroup')).toEqual({ id: 'sg-nat' });
    expect(ctx.records.get('nat.route.private')).toEqual({ id: ROUTE_ID });
    expect(ctx.outcomes.map((o) => [o.resource, o.outcome])).toEqual([
      ['nat.securityGroup', 'created'],
      ['nat.instance', 'created'],
      ['nat.route.private', 'created'],
    ]);
  });

  it('gives up on an instance that never runs with a WaitTimeoutError that says a re-run carries on', async () => {
    awsLaunchesNatInstance();
    ec2.on(DescribeInstancesCommand, { InstanceIds: ['i-nat1'] }).resolves(reservations(launched()));
    const error = await nat.reconcile(testContext('nat', { state: NETWORK_STATE })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect((error as WaitTimeoutError).message).toContain('NAT instance i-nat1 to be running');
    expect(ec2).not.toHaveReceivedCommand(CreateRouteCommand);
  });

  it('launches the AMI pinned in nat.imageId without looking one up', async () => {
    awsLaunchesNatInstance();
    await nat.reconcile(testContext('nat', { config: { nat: { imageId: 'ami-0123456789abcdef0' } }, state: NETWORK_STATE }));
    expect(ec2).not.toHaveReceivedCommand(DescribeImagesCommand);
    expect(ec2).toHaveReceivedCommandWith(RunInstancesCommand, { ImageId: 'ami-0123456789abcdef0' });
  });

  it('fails with a ConfigError naming the region and the filter when no fck-nat AMI is found, launching nothing', async () => {
    awsLaunchesNatInstance();
    ec2.on(DescribeImagesCommand).resolves({ Images: [] });
    const error = await nat.reconcile(testContext('nat', { state: NETWORK_STATE })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain('eu-west-3');
    expect((error as ConfigError).message).toContain('fck-nat-al2023-hvm-*');
    expect(ec2).not.toHaveReceivedCommand(RunInstancesCommand);
  });
});

describe("nat step: the private default route, confirmed from the network step's read of this run", () => {
  const TO_THE_INSTANCE = defaultRoute({ NetworkInterfaceId: 'eni-nat1' });
  const GATEWAY_STATE: Record<string, ResourceRecord> = {
    ...NETWORK_STATE,
    'nat.address': { id: 'eipalloc-nat', publicIp: '203.0.113.7' },
    'nat.gateway': { id: 'nat-0a1', token: 'token-gateway' },
    'nat.route.private': { id: ROUTE_ID },
  };

  /** The network step's read of both route tables (shared with the run), the private one holding `routes`. */
  async function networkReadTables(ctx: TestContext, ...routes: Route[]): Promise<void> {
    const publicTable: RouteTable = { RouteTableId: 'rtb-public', VpcId: 'vpc-0a1', Routes: [LOCAL_ROUTE] };
    ec2.on(DescribeRouteTablesCommand, { RouteTableIds: ['rtb-public', 'rtb-private'] }).resolves({ RouteTables: [publicTable, ...privateTable(...routes).RouteTables] });
    await readRouteTablesOnce(ctx, ['rtb-public', 'rtb-private']);
    ec2.resetHistory();
  }

  it('makes no route read when the snapshot shows the route to the instance, active', async () => {
    awsHasNatInstance();
    const ctx = testContext('nat', { state: INSTANCE_STATE });
    await networkReadTables(ctx, TO_THE_INSTANCE);
    await nat.reconcile(ctx);
    expect(commandNames()).toEqual(['DescribeSecurityGroupsCommand', 'DescribeInstancesCommand']);
    expect(outcomeOf(ctx, 'nat.route.private')).toMatchObject({ outcome: 'unchanged', id: ROUTE_ID });
  });

  it('makes no route read in nat-gateway mode when the snapshot shows the route to the gateway, active', async () => {
    ec2.on(DescribeAddressesCommand, { AllocationIds: ['eipalloc-nat'] }).resolves({
      Addresses: [{ AllocationId: 'eipalloc-nat', PublicIp: '203.0.113.7', Tags: natTags('nat-eip') }],
    });
    ec2.on(DescribeNatGatewaysCommand, { NatGatewayIds: ['nat-0a1'] }).resolves({ NatGateways: [natGateway('available')] });
    const ctx = testContext('nat', { config: { nat: { mode: 'nat-gateway' } }, state: GATEWAY_STATE });
    await networkReadTables(ctx, defaultRoute({ NatGatewayId: 'nat-0a1' }));
    await nat.reconcile(ctx);
    expect(commandNames()).toEqual(['DescribeAddressesCommand', 'DescribeNatGatewaysCommand']);
    expect(outcomeOf(ctx, 'nat.route.private')).toMatchObject({ outcome: 'unchanged' });
  });

  it('reads the table itself, then replaces the route, when the snapshot shows it going elsewhere', async () => {
    awsHasNatInstance(defaultRoute({ NetworkInterfaceId: 'eni-someone-else' }));
    ec2.on(ReplaceRouteCommand).resolves({});
    const ctx = testContext('nat', { state: INSTANCE_STATE });
    await networkReadTables(ctx, defaultRoute({ NetworkInterfaceId: 'eni-someone-else' }));
    await nat.reconcile(ctx);
    expect(commandNames()).toEqual(['DescribeSecurityGroupsCommand', 'DescribeInstancesCommand', 'DescribeRouteTablesCommand', 'ReplaceRouteCommand']);
    expect(ec2).toHaveReceivedCommandWith(DescribeRouteTablesCommand, { RouteTableIds: ['rtb-private'] });
    expect(ec2).toHaveReceivedCommandWith(ReplaceRouteCommand, { RouteTableId: 'rtb-private', DestinationCidrBlock: '0.0.0.0/0', NetworkInterfaceId: 'eni-nat1' });
  });

  it('decides on its own read, not the snapshot: a route put back since the snapshot is left alone', async () => {
    awsHasNatInstance(TO_THE_INSTANCE);
    const ctx = testContext('nat', { state: INSTANCE_STATE });
    await networkReadTables(ctx, defaultRoute({ NetworkInterfaceId: 'eni-someone-else' }));
    await nat.reconcile(ctx);
    expect(commandNames()).toEqual(['DescribeSecurityGroupsCommand', 'DescribeInstancesCommand', 'DescribeRouteTablesCommand']);
    expect(outcomeOf(ctx, 'nat.route.private')).toMatchObject({ outcome: 'unchanged' });
  });

  it('reads the table itself when the snapshot shows the route to the instance as a blackhole', async () => {
    awsHasNatInstance(TO_THE_INSTANCE);
    const ctx = testContext('nat', { state: INSTANCE_STATE });
    await networkReadTables(ctx, defaultRoute({ NetworkInterfaceId: 'eni-nat1' }, 'blackhole'));
    await nat.reconcile(ctx);
    expect(commandNames()).toEqual(['DescribeSecurityGroupsCommand', 'DescribeInstancesCommand', 'DescribeRouteTablesCommand']);
  });

  it('reads the table itself, then creates the route, when the snapshot has no default route', async () => {
    awsHasNatInstance();
    ec2.on(DescribeRouteTablesCommand, { RouteTableIds: ['rtb-private'] }).resolves(privateTable());
    ec2.on(CreateRouteCommand).resolves({ Return: true });
    const ctx = testContext('nat', { state: INSTANCE_STATE });
    await networkReadTables(ctx);
    await nat.reconcile(ctx);
    expect(commandNames()).toEqual(['DescribeSecurityGroupsCommand', 'DescribeInstancesCommand', 'DescribeRouteTablesCommand', 'CreateRouteCommand']);
    expect(ec2).toHaveReceivedCommandWith(CreateRouteCommand, { RouteTableId: 'rtb-private', DestinationCidrBlock: '0.0.0.0/0', NetworkInterfaceId: 'eni-nat1' });
  });

  it('reads the table itself when the snapshot lacks the private table (the network made a new one)', async () => {
    awsHasNatInstance();
    ec2.on(DescribeRouteTablesCommand, { RouteTableIds: ['rtb-private-new'] }).resolves({ RouteTables: [{ RouteTableId: 'rtb-private-new', Routes: [LOCAL_ROUTE] }] });
    ec2.on(CreateRouteCommand).resolves({ Return: true });
    const ctx = testContext('nat', { state: { ...INSTANCE_STATE, 'network.routeTable.private': { id: 'rtb-private-new' } } });
    await networkReadTables(ctx, TO_THE_INSTANCE);
    await nat.reconcile(ctx);
    expect(commandNames()).toEqual(['DescribeSecurityGroupsCommand', 'DescribeInstancesCommand', 'DescribeRouteTablesCommand', 'CreateRouteCommand']);
    expect(ec2).toHaveReceivedCommandWith(CreateRouteCommand, { RouteTableId: 'rtb-private-new', DestinationCidrBlock: '0.0.0.0/0', NetworkInterfaceId: 'eni-nat1' });
  });
});

describe('nat step, instance mode: re-run', () => {
  it('makes no mutating call and reports everything unchanged when AWS matches the state', async () => {
    awsHasNatInstance();
    const ctx = testContext('nat', { state: INSTANCE_STATE });
    await nat.reconcile(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(ctx.outcomes.map((o) => [o.resource, o.outcome])).toEqual([
      ['nat.securityGroup', 'unchanged'],
      ['nat.instance', 'unchanged'],
      ['nat.route.private', 'unchanged'],
    ]);
    expect(Object.fromEntries(ctx.records)).toEqual(INSTANCE_STATE);
  });

  it('starts the instance again when it was stopped out of band', async () => {
    // A small stateful instance: stopped until someone starts it, then pending, then running.
    let state: 'stopped' | 'pending' | 'running' = 'stopped';
    awsHasNatInstance();
    ec2.on(DescribeInstancesCommand).callsFake(() => {
      const now = state;
      if (state === 'pending') state = 'running';
      return reservations(instance({ State: { Name: now } }));
    });
    ec2.on(StartInstancesCommand, { InstanceIds: ['i-nat1'] }).callsFake(() => {
      state = 'pending';
      return { StartingInstances: [{ InstanceId: 'i-nat1' }] };
    });
    const ctx = testContext('nat', { state: INSTANCE_STATE });
    await nat.reconcile(ctx);
    expect(ec2).toHaveReceivedCommandWith(StartInstancesCommand, { InstanceIds: ['i-nat1'] });
    expect(ec2).not.toHaveReceivedCommand(RunInstancesCommand);
    expect(outcomeOf(ctx, 'nat.instance')).toMatchObject({ outcome: 'updated' });
  });

  describe('after the instance was terminated out of band', () => {
    let ctx: TestContext;

    beforeEach(async () => {
      awsHasOnlyTheSecurityGroup();
      ec2.on(DescribeInstancesCommand, { InstanceIds: ['i-nat1'] }).resolves(reservations(instance({ State: { Name: 'terminated' } })));
      ec2.on(DescribeInstancesCommand, { InstanceIds: ['i-nat2'] }).resolves(reservations(instance({ InstanceId: 'i-nat2', NetworkInterfaces: [{ NetworkInterfaceId: 'eni-nat2' }] })));
      ec2.on(RunInstancesCommand).resolves({ Instances: [launched({ InstanceId: 'i-nat2', NetworkInterfaces: [{ NetworkInterfaceId: 'eni-nat2' }] })] });
      // The recorded token is tried first (the instance might only be hidden from the describe);
      // EC2 refuses a token whose instance is terminated.
      ec2
        .on(RunInstancesCommand, { ClientToken: 'token-first-launch' })
        .rejects(Object.assign(new Error('The client token you have provided is associated with a resource that is already deleted.'), { name: 'IdempotentInstanceTerminated' }));
      ec2.on(DescribeRouteTablesCommand).resolves(privateTable(defaultRoute({ NetworkInterfaceId: 'eni-nat1' }, 'blackhole')));
      ec2.on(ReplaceRouteCommand).resolves({});
      ctx = testContext('nat', { state: INSTANCE_STATE });
      await nat.reconcile(ctx);
    });

    it('launches a replacement with a fresh client token, once EC2 refused the dead instance\'s', () => {
      const [first, sent] = inputsOf<RunInstancesCommandInput>(RunInstancesCommand);
      expect(ec2).toHaveReceivedCommandTimes(RunInstancesCommand, 2);
      expect(first?.ClientToken).toBe('token-first-launch');
      expect(sent?.ClientToken).toEqual(expect.any(String));
      expect(sent?.ClientToken).not.toBe('token-first-launch');
      expect(ctx.records.get('nat.instance')).toEqual({ id: 'i-nat2', token: sent?.ClientToken, eni: 'eni-nat2' });
    });

    it("moves the blackholed route to the replacement's network interface", () => {
      expect(ec2).not.toHaveReceivedCommand(CreateRouteCommand);
      expect(ec2).toHaveReceivedCommandWith(ReplaceRouteCommand, { RouteTableId: 'rtb-private', DestinationCidrBlock: '0.0.0.0/0', NetworkInterfaceId: 'eni-nat2' });
      expect(outcomeOf(ctx, 'nat.route.private')).toMatchObject({ outcome: 'updated', changes: ['target'] });
    });
  });

  it('re-sends the token a crashed run left in state when the tag lookup finds no instance', async () => {
    awsHasOnlyTheSecurityGroup();
    ec2.on(DescribeInstancesCommand, { InstanceIds: ['i-nat1'] }).resolves(reservations(instance()));
    ec2.on(RunInstancesCommand).resolves({ Instances: [launched()] });
    const ctx = testContext('nat', { state: { ...NETWORK_STATE, 'nat.securityGroup': { id: 'sg-nat' }, 'nat.instance': { token: 'token-of-the-crashed-run' } } });
    await nat.reconcile(ctx);
    expect(ec2).toHaveReceivedCommandTimes(RunInstancesCommand, 1);
    expect(ec2).toHaveReceivedCommandWith(RunInstancesCommand, { ClientToken: 'token-of-the-crashed-run' });
    expect(ctx.records.get('nat.instance')).toEqual({ id: 'i-nat1', token: 'token-of-the-crashed-run', eni: 'eni-nat1' });
  });

  it('launches again with a fresh token when the token of the crashed run answers with a terminated instance', async () => {
    awsHasOnlyTheSecurityGroup();
    ec2.on(DescribeInstancesCommand, { InstanceIds: ['i-nat2'] }).resolves(reservations(instance({ InstanceId: 'i-nat2' })));
    ec2.on(RunInstancesCommand).resolves({ Instances: [launched({ InstanceId: 'i-nat2' })] });
    ec2.on(RunInstancesCommand, { ClientToken: 'token-of-the-crashed-run' }).resolves({ Instances: [instance({ State: { Name: 'terminated' } })] });
    const ctx = testContext('nat', { state: { ...NETWORK_STATE, 'nat.securityGroup': { id: 'sg-nat' }, 'nat.instance': { token: 'token-of-the-crashed-run' } } });
    await nat.reconcile(ctx);
    const tokens = inputsOf<RunInstancesCommandInput>(RunInstancesCommand).map((input) => input.ClientToken);
    expect(tokens).toHaveLength(2);
    expect(tokens[0]).toBe('token-of-the-crashed-run');
    expect(tokens[1]).not.toBe('token-of-the-crashed-run');
    expect(ctx.records.get('nat.instance')).toMatchObject({ id: 'i-nat2', token: tokens[1] });
  });
});

describe('nat step: a crashed run\'s token whose instance was terminated', () => {
  it('is refused by EC2 (IdempotentInstanceTerminated): launched again with a fresh token, recorded before the call', async () => {
    awsHasOnlyTheSecurityGroup();
    ec2.on(DescribeInstancesCommand, { InstanceIds: ['i-nat3'] }).resolves(reservations(instance({ InstanceId: 'i-nat3' })));
    ec2.on(RunInstancesCommand).resolves({ Instances: [launched({ InstanceId: 'i-nat3' })] });
    ec2
      .on(RunInstancesCommand, { ClientToken: 'token-of-the-crashed-run' })
      .rejects(Object.assign(new Error('The client token you have provided is associated with a resource that is already deleted.'), { name: 'IdempotentInstanceTerminated' }));
    const ctx = testContext('nat', { state: { ...NETWORK_STATE, 'nat.securityGroup': { id: 'sg-nat' }, 'nat.instance': { token: 'token-of-the-crashed-run' } } });
    await nat.reconcile(ctx);
    const tokens = inputsOf<RunInstancesCommandInput>(RunInstancesCommand).map((input) => input.ClientToken);
    expect(tokens).toEqual(['token-of-the-crashed-run', expect.any(String)]);
    expect(tokens[1]).not.toBe('token-of-the-crashed-run');
    expect(ctx.records.get('nat.instance')).toMatchObject({ id: 'i-nat3', token: tokens[1] });
  });

  it('any other refusal of the reused token is not retried', async () => {
    awsHasOnlyTheSecurityGroup();
    ec2.on(RunInstancesCommand).rejects(Object.assign(new Error('insufficient capacity'), { name: 'InsufficientInstanceCapacity' }));
    const ctx = testContext('nat', { state: { ...NETWORK_STATE, 'nat.securityGroup': { id: 'sg-nat' }, 'nat.instance': { token: 'token-of-the-crashed-run' } } });
    await expect(nat.reconcile(ctx)).rejects.toMatchObject({ name: 'InsufficientInstanceCapacity' });
    expect(ec2).toHaveReceivedCommandTimes(RunInstancesCommand, 1);
  });
});

describe('nat step, nat-gateway mode', () => {
  const config = { nat: { mode: 'nat-gateway' } };

  /** Nothing of the instance mode is left to clean up. */
  function awsHasNoNatInstance(): void {
    ec2.on(DescribeInstancesCommand).resolves(reservations());
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
  }

  it('allocates a tagged Elastic IP and creates the NAT gateway in public-a with it and a client token from state', async () => {
    awsCreatesNatGateway();
    awsHasNoNatInstance();
    ec2.on(DescribeRouteTablesCommand).resolves(privateTable());
    ec2.on(CreateRouteCommand).resolves({ Return: true });
    const ctx = testContext('nat', { config, state: NETWORK_STATE });
    await nat.reconcile(ctx);
    expect(ec2).toHaveReceivedCommandWith(AllocateAddressCommand, { Domain: 'vpc', TagSpecifications: [{ ResourceType: 'elastic-ip', Tags: natTags('nat-eip') }] });
    const token = ctx.records.get('nat.gateway')?.token;
    expect(token).toEqual(expect.any(String));
    expect(ec2).toHaveReceivedCommandWith(CreateNatGatewayCommand, {
      ClientToken: token,
      SubnetId: 'subnet-public-a',
      AllocationId: 'eipalloc-nat',
      TagSpecifications: [{ ResourceType: 'natgateway', Tags: natTags('nat-gateway') }],
    });
    expect(ctx.records.get('nat.address')).toEqual({ id: 'eipalloc-nat', publicIp: '203.0.113.7' });
    expect(ctx.records.get('nat.gateway')).toEqual({ id: 'nat-0a1', token });
  });

  it('waits until the NAT gateway is available, then routes 0.0.0.0/0 to it', async () => {
    awsCreatesNatGateway();
    awsHasNoNatInstance();
    ec2.on(DescribeRouteTablesCommand).resolves(privateTable());
    ec2.on(CreateRouteCommand).resolves({ Return: true });
    await nat.reconcile(testContext('nat', { config, state: NETWORK_STATE }));
    const polls = ec2.calls().flatMap((call, at) => (call.args[0] instanceof DescribeNatGatewaysCommand && call.args[0].input.NatGatewayIds ? [at] : []));
    expect(polls).toHaveLength(2); // pending, then available
    expect(Math.max(...polls)).toBeLessThan(commandNames().indexOf('CreateRouteCommand'));
    expect(ec2).toHaveReceivedCommandWith(CreateRouteCommand, { RouteTableId: 'rtb-private', DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-0a1' });
  });

  describe('switching from a NAT instance', () => {
    let ctx: TestContext;

    beforeEach(async () => {
      awsCreatesNatGateway();
      ec2.on(DescribeRouteTablesCommand).resolves(privateTable(defaultRoute({ NetworkInterfaceId: 'eni-nat1' })));
      ec2.on(ReplaceRouteCommand).resolves({});
      ec2.on(TerminateInstancesCommand).resolves({ TerminatingInstances: [{ InstanceId: 'i-nat1' }] });
      ec2.on(DescribeInstancesCommand, { InstanceIds: ['i-nat1'] }).resolves(reservations(instance({ State: { Name: 'terminated' } })));
      // Read before they go: the instance and its group carry the stack's tag.
      ec2.on(DescribeInstancesCommand, { Filters: [{ Name: 'instance-id', Values: ['i-nat1'] }] }).resolves(reservations(instance()));
      ec2.on(DescribeSecurityGroupsCommand, { GroupIds: ['sg-nat'] }).resolves({ SecurityGroups: [natSecurityGroup()] });
      ec2.on(DeleteSecurityGroupCommand).resolves({});
      ctx = testContext('nat', { config, state: INSTANCE_STATE });
      await nat.reconcile(ctx);
    });

    it('moves the route to the NAT gateway before terminating the instance, then deletes its security group', () => {
      expect(ec2).toHaveReceivedCommandWith(ReplaceRouteCommand, { RouteTableId: 'rtb-private', DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-0a1' });
      expect(ec2).toHaveReceivedCommandWith(TerminateInstancesCommand, { InstanceIds: ['i-nat1'] });
      expect(ec2).toHaveReceivedCommandWith(DeleteSecurityGroupCommand, { GroupId: 'sg-nat' });
      const names = commandNames();
      expect(names.indexOf('ReplaceRouteCommand')).toBeLessThan(names.indexOf('TerminateInstancesCommand'));
      expect(names.indexOf('TerminateInstancesCommand')).toBeLessThan(names.indexOf('DeleteSecurityGroupCommand'));
    });

    it("forgets the instance and its security group, and keeps the gateway's records", () => {
      expect(natRecords(ctx)).toEqual(['nat.address', 'nat.gateway', 'nat.route.private']);
      expect(outcomeOf(ctx, 'nat.instance')).toMatchObject({ outcome: 'deleted', id: 'i-nat1' });
      expect(outcomeOf(ctx, 'nat.securityGroup')).toMatchObject({ outcome: 'deleted', id: 'sg-nat' });
    });
  });
});

describe('nat step: destroy', () => {
  /** Every delete succeeds; the instance shuts down, then is terminated; the other mode has nothing. */
  function awsDeletesTheNatInstance(): void {
    ec2.on(DeleteRouteCommand).resolves({});
    ec2.on(TerminateInstancesCommand).resolves({ TerminatingInstances: [{ InstanceId: 'i-nat1' }] });
    ec2.on(DescribeInstancesCommand, { InstanceIds: ['i-nat1'] })
      .resolvesOnce(reservations(instance({ State: { Name: 'shutting-down' } })))
      .resolves(reservations(instance({ State: { Name: 'terminated' } })));
    ec2.on(DeleteSecurityGroupCommand).resolves({});
    awsHasNoNatGateway();
    // Read before they go: the route's table, the instance and the group carry the stack's tag.
    ec2.on(DescribeRouteTablesCommand, { RouteTableIds: ['rtb-private'] }).resolves(privateTable(defaultRoute({ NetworkInterfaceId: 'eni-nat1' })));
    ec2.on(DescribeInstancesCommand, { Filters: [{ Name: 'instance-id', Values: ['i-nat1'] }] }).resolves(reservations(instance()));
    ec2.on(DescribeSecurityGroupsCommand, { GroupIds: ['sg-nat'] }).resolves({ SecurityGroups: [natSecurityGroup()] });
  }

  it('deletes the private default route, terminates the instance and waits for it, then deletes the security group', async () => {
    awsDeletesTheNatInstance();
    await nat.destroy(testContext('nat', { state: INSTANCE_STATE }));
    expect(ec2).toHaveReceivedCommandWith(DeleteRouteCommand, { RouteTableId: 'rtb-private', DestinationCidrBlock: '0.0.0.0/0' });
    expect(ec2).toHaveReceivedCommandWith(TerminateInstancesCommand, { InstanceIds: ['i-nat1'] });
    expect(ec2).toHaveReceivedCommandWith(DeleteSecurityGroupCommand, { GroupId: 'sg-nat' });
    // The route and the instance go at once, each after its own ownership read; the group last.
    expect([...mutatingCommands()].sort()).toEqual(['DeleteRouteCommand', 'DeleteSecurityGroupCommand', 'TerminateInstancesCommand']);
    expect(mutatingCommands().at(-1)).toBe('DeleteSecurityGroupCommand');
    const names = commandNames();
    expect(names.lastIndexOf('DescribeInstancesCommand')).toBeLessThan(names.indexOf('DeleteSecurityGroupCommand'));
  });

  it('on DependencyViolation, waits for the interfaces using the group by reading, then deletes it', async () => {
    awsDeletesTheNatInstance();
    ec2.on(DeleteSecurityGroupCommand).rejectsOnce(awsError('DependencyViolation')).resolves({});
    const lingering = { NetworkInterfaces: [{ NetworkInterfaceId: 'eni-nat', Status: 'in-use' as const }] };
    ec2
      .on(DescribeNetworkInterfacesCommand, { Filters: [{ Name: 'group-id', Values: ['sg-nat'] }] })
      .resolvesOnce(lingering)
      .resolvesOnce(lingering)
      .resolves({ NetworkInterfaces: [] });
    const ctx = testContext('nat', { state: INSTANCE_STATE });
    await nat.destroy(ctx);
    expect(ec2).toHaveReceivedCommandTimes(DescribeNetworkInterfacesCommand, 3);
    expect(ec2).toHaveReceivedCommandTimes(DeleteSecurityGroupCommand, 2);
    expect(ctx.records.has('nat.securityGroup')).toBe(false);
  });

  it("forgets every NAT record and keeps the network's", async () => {
    awsDeletesTheNatInstance();
    const ctx = testContext('nat', { state: INSTANCE_STATE });
    await nat.destroy(ctx);
    expect(Object.fromEntries(ctx.records)).toEqual(NETWORK_STATE);
  });

  it('succeeds when the instance, its route and its security group are already gone', async () => {
    ec2.on(DeleteRouteCommand).rejects(awsError('InvalidRoute.NotFound'));
    ec2.on(TerminateInstancesCommand).rejects(awsError('InvalidInstanceID.NotFound'));
    ec2.on(DescribeInstancesCommand).rejects(awsError('InvalidInstanceID.NotFound'));
    ec2.on(DescribeInstancesCommand, { Filters: [{ Name: 'instance-id', Values: ['i-nat1'] }] }).resolves(reservations());
    ec2.on(DescribeRouteTablesCommand).resolves(privateTable());
    ec2.on(DescribeSecurityGroupsCommand).rejects(awsError('InvalidGroup.NotFound'));
    ec2.on(DeleteSecurityGroupCommand).rejects(awsError('InvalidGroup.NotFound'));
    awsHasNoNatGateway();
    const ctx = testContext('nat', { state: INSTANCE_STATE });
    await nat.destroy(ctx);
    expect(mutatingCommands()).toEqual(['DeleteRouteCommand']);
    expect(Object.fromEntries(ctx.records)).toEqual(NETWORK_STATE);
  });
});

describe('architectureOf', () => {
  it.each([
    ['t4g.nano', 'arm64'],
    ['c7gn.large', 'arm64'],
    ['m8g.xlarge', 'arm64'],
    // Graviton 1: the family is a1, with no `g` after the generation.
    ['a1.medium', 'arm64'],
    ['a1.metal', 'arm64'],
    ['is4gen.large', 'arm64'],
    ['t3.micro', 'x86_64'],
    ['t3a.nano', 'x86_64'],
    ['c5.large', 'x86_64'],
  ])('%s runs %s', (instanceType, architecture) => {
    expect(architectureOf(instanceType)).toBe(architecture);
  });
});
