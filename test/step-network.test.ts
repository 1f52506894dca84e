// Unit tests of the network step against a stubbed EC2 client: the exact commands and inputs for
// create, no-op, drift, adoption, destroy and "already gone". Every call the test does not stub
// fails loudly (the catch-all is registered first; later registrations take precedence).
import {
  AssociateRouteTableCommand,
  AttachInternetGatewayCommand,
  CreateInternetGatewayCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DeleteInternetGatewayCommand,
  DeleteRouteCommand,
  DeleteRouteTableCommand,
  DeleteSubnetCommand,
  DeleteVpcCommand,
  DescribeAvailabilityZonesCommand,
  DescribeInternetGatewaysCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  DescribeSubnetsCommand,
  DescribeVpcAttributeCommand,
  DescribeVpcsCommand,
  DetachInternetGatewayCommand,
  DisassociateRouteTableCommand,
  EC2Client,
  ModifySubnetAttributeCommand,
  ModifyVpcAttributeCommand,
  ReplaceRouteCommand,
  type AssociateRouteTableCommandInput,
  type CreateRouteTableCommandInput,
  type CreateSubnetCommandInput,
  type InternetGateway,
  type Route,
  type RouteTable,
  type Subnet,
  type Tag,
  type Vpc,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { isMutating } from '../src/aws/operations';
import { ConfigError } from '../src/errors';
import { KNOWN_AFTER_APPLY } from '../src/step';
import { routeTableSnapshot } from '../steps/lib/route';
import { network } from '../steps/network';
import { testContext, type TestContext } from './helpers/context';

const ec2 = mockClient(EC2Client);

// ---- the network as AWS would report it ------------------------------------------------------

type Tier = 'public' | 'private';
const TIERS: Tier[] = ['public', 'private'];
const VPC_CIDR = '10.0.0.0/16';
const VPC_ID = 'vpc-0a1';
const IGW_ID = 'igw-0a1';
/** The default plan for 10.0.0.0/16 and 2 AZs: /20 blocks, public from the start, private from the middle. */
const PLAN: Record<Tier, string[]> = { public: ['10.0.0.0/20', '10.0.16.0/20'], private: ['10.0.128.0/20', '10.0.144.0/20'] };
const AZS = ['eu-west-3a', 'eu-west-3b'];
const PARTS = TIERS.flatMap((tier) => [0, 1].map((i) => ({ tier, i, part: `${tier}-${'ab'[i]}` })));

const subnetId = (part: string) => `subnet-${part}`;
const tableId = (tier: Tier) => `rtb-${tier}`;
const associationId = (part: string) => `rtbassoc-${part}`;

/** The tags shipline puts on every resource, written out (not computed by the code under test). */
const stackTags = (part: string): Tag[] => [
  { Key: 'shipline:stack', Value: 'demo' },
  { Key: 'shipline:step', Value: 'network' },
  { Key: 'Name', Value: `demo-${part}` },
];
/** The filters that find a resource by those tags. */
const stackFilters = (part: string) => [
  { Name: 'tag:shipline:stack', Values: ['demo'] },
  { Name: 'tag:Name', Values: [`demo-${part}`] },
];
const nameOf = (tags: Tag[] | undefined) => tags?.find((t) => t.Key === 'Name')?.Value?.replace(/^demo-/, '');

const awsError = (code: string) => Object.assign(new Error(`${code} (test)`), { name: code, $metadata: {} });

const vpc = (overrides: Partial<Vpc> = {}): Vpc => ({ VpcId: VPC_ID, CidrBlock: VPC_CIDR, State: 'available', Tags: stackTags('vpc'), ...overrides });

const subnet = (tier: Tier, i: number, overrides: Partial<Subnet> = {}): Subnet => {
  const part = `${tier}-${'ab'[i]}`;
  return {
    SubnetId: subnetId(part),
    VpcId: VPC_ID,
    CidrBlock: PLAN[tier][i],
    AvailabilityZone: AZS[i],
    MapPublicIpOnLaunch: tier === 'public',
    Tags: [...stackTags(part), { Key: 'shipline:tier', Value: tier }],
    ...overrides,
  };
};
const allSubnets = () => PARTS.map(({ tier, i }) => subnet(tier, i));

const gateway = (attached = true): InternetGateway => ({
  InternetGatewayId: IGW_ID,
  Attachments: attached ? [{ VpcId: VPC_ID, State: 'attached' }] : [],
  Tags: stackTags('igw'),
});

const LOCAL_ROUTE: Route = { DestinationCidrBlock: VPC_CIDR, GatewayId: 'local', State: 'active' };
const publicDefaultRoute = (overrides: Partial<Route> = {}): Route => ({ DestinationCidrBlock: '0.0.0.0/0', GatewayId: IGW_ID, State: 'active', ...overrides });

const routeTable = (tier: Tier, options: { routes?: Route[]; associated?: boolean } = {}): RouteTable => ({
  RouteTableId: tableId(tier),
  VpcId: VPC_ID,
  Routes: options.routes ?? [LOCAL_ROUTE],
  Associations: options.associated
    ? PARTS.filter((p) => p.tier === tier).map(({ part }) => ({ RouteTableAssociationId: associationId(part), RouteTableId: tableId(tier), SubnetId: subnetId(part) }))
    : [],
  Tags: stackTags(`${tier}-rt`),
});

/** The tables recorded in state, read together. */
const BOTH_TABLES = [tableId('public'), tableId('private')];

/** What the state holds after a complete provision. */
const FULL_STATE = {
  'network.vpc': { id: VPC_ID, cidr: VPC_CIDR },
  ...Object.fromEntries(PARTS.map(({ tier, i, part }) => [`network.subnet.${part}`, { id: subnetId(part), cidr: PLAN[tier][i]!, az: AZS[i]! }])),
  'network.internetGateway': { id: IGW_ID },
  'network.routeTable.public': { id: tableId('public') },
  'network.routeTable.private': { id: tableId('private') },
  'network.route.public': { id: `${tableId('public')}:0.0.0.0/0` },
  ...Object.fromEntries(PARTS.map(({ part }) => [`network.association.${part}`, { id: associationId(part) }])),
};

// ---- stubbed AWS worlds ----------------------------------------------------------------------

/** Nothing exists: every lookup comes back empty, every create answers like AWS. */
function awsHasNothing(): void {
  ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [] });
  ec2.on(CreateVpcCommand).resolves({ Vpc: vpc({ State: 'pending' }) });
  ec2.on(ModifyVpcAttributeCommand).resolves({});
  ec2.on(DescribeSubnetsCommand).resolves({ Subnets: [] });
  // Unsorted, with a third zone: the step takes the first two in name order.
  ec2.on(DescribeAvailabilityZonesCommand).resolves({ AvailabilityZones: ['eu-west-3c', 'eu-west-3b', 'eu-west-3a'].map((ZoneName) => ({ ZoneName })) });
  ec2.on(CreateSubnetCommand).callsFake((input: CreateSubnetCommandInput) => {
    const part = nameOf(input.TagSpecifications?.[0]?.Tags)!;
    return { Subnet: { SubnetId: subnetId(part), VpcId: input.VpcId, CidrBlock: input.CidrBlock, AvailabilityZone: input.AvailabilityZone, MapPublicIpOnLaunch: false } };
  });
  ec2.on(ModifySubnetAttributeCommand).resolves({});
  ec2.on(DescribeInternetGatewaysCommand).resolves({ InternetGateways: [] });
  ec2.on(CreateInternetGatewayCommand).resolves({ InternetGateway: gateway(false) });
  ec2.on(AttachInternetGatewayCommand).resolves({});
  ec2.on(DescribeRouteTablesCommand).resolves({ RouteTables: [] });
  for (const tier of TIERS) ec2.on(DescribeRouteTablesCommand, { RouteTableIds: [tableId(tier)] }).resolves({ RouteTables: [routeTable(tier)] });
  ec2.on(CreateRouteTableCommand).callsFake((input: CreateRouteTableCommandInput) => {
    const tier = nameOf(input.TagSpecifications?.[0]?.Tags)!.replace(/-rt$/, '') as Tier;
    return { RouteTable: { ...routeTable(tier), Tags: input.TagSpecifications?.[0]?.Tags } };
  });
  ec2.on(CreateRouteCommand).resolves({ Return: true });
  ec2.on(AssociateRouteTableCommand).callsFake((input: AssociateRouteTableCommandInput) => ({
    AssociationId: associationId(input.SubnetId!.replace(/^subnet-/, '')),
  }));
}

interface Existing {
  dnsHostnames: boolean;
  gatewayAttached: boolean;
  publicRoute: Route;
}

/** The whole network exists and matches the config, except what `drift` says. */
function awsHasNetwork(drift: Partial<Existing> = {}): void {
  const world: Existing = { dnsHostnames: true, gatewayAttached: true, publicRoute: publicDefaultRoute(), ...drift };
  ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [vpc()] });
  ec2.on(DescribeVpcAttributeCommand, { Attribute: 'enableDnsSupport' }).resolves({ VpcId: VPC_ID, EnableDnsSupport: { Value: true } });
  ec2.on(DescribeVpcAttributeCommand, { Attribute: 'enableDnsHostnames' }).resolves({ VpcId: VPC_ID, EnableDnsHostnames: { Value: world.dnsHostnames } });
  ec2.on(DescribeSubnetsCommand).resolves({ Subnets: allSubnets() });
  ec2.on(DescribeInternetGatewaysCommand).resolves({ InternetGateways: [gateway(world.gatewayAttached)] });
  const tables = { public: routeTable('public', { routes: [LOCAL_ROUTE, world.publicRoute], associated: true }), private: routeTable('private', { associated: true }) };
  ec2.on(DescribeRouteTablesCommand, { RouteTableIds: BOTH_TABLES }).resolves({ RouteTables: [tables.public, tables.private] });
  for (const tier of TIERS) {
    ec2.on(DescribeRouteTablesCommand, { RouteTableIds: [tableId(tier)] }).resolves({ RouteTables: [tables[tier]] });
    const byTags = [...stackFilters(`${tier}-rt`), { Name: 'vpc-id', Values: [VPC_ID] }];
    ec2.on(DescribeRouteTablesCommand, { Filters: byTags }).resolves({ RouteTables: [tables[tier]] });
  }
}

/** Every delete succeeds; the route tables have lost their associations; the gateway is still attached; no network interface is left. */
function awsDeletesEverything(): void {
  awsConfirmsOwnership();
  ec2.on(DisassociateRouteTableCommand).resolves({});
  ec2.on(DeleteRouteCommand).resolves({});
  for (const tier of TIERS) ec2.on(DescribeRouteTablesCommand, { RouteTableIds: [tableId(tier)] }).resolves({ RouteTables: [routeTable(tier)] });
  ec2.on(DeleteRouteTableCommand).resolves({});
  ec2.on(DescribeInternetGatewaysCommand).resolves({ InternetGateways: [gateway(true)] });
  ec2.on(DetachInternetGatewayCommand).resolves({});
  ec2.on(DeleteInternetGatewayCommand).resolves({});
  ec2.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [] });
  ec2.on(DeleteSubnetCommand).resolves({});
  ec2.on(DeleteVpcCommand).resolves({});
}

/**
 * Destroy's ownership reads, by ID filters (a gone ID is simply absent): the VPC, the subnets, the
 * route tables with their associations; each carries the stack's tag.
 */
function awsConfirmsOwnership(present = true): void {
  const filtered = <T>(name: string, answer: T) => (input: { Filters?: Array<{ Name?: string }> }) => {
    if (input.Filters?.[0]?.Name === name) return answer;
    throw awsError('InvalidParameterValue'); // no other read of this kind is expected here
  };
  ec2.on(DescribeVpcsCommand).callsFake(filtered('vpc-id', { Vpcs: present ? [vpc()] : [] }));
  ec2.on(DescribeSubnetsCommand).callsFake(filtered('subnet-id', { Subnets: present ? allSubnets() : [] }));
  const tables = { RouteTables: present ? TIERS.map((tier) => routeTable(tier, { associated: true })) : [] };
  ec2.on(DescribeRouteTablesCommand).callsFake((input: { Filters?: Array<{ Name?: string }> }) => {
    if (input.Filters?.[0]?.Name === 'route-table-id' || input.Filters?.[0]?.Name === 'association.route-table-association-id') return tables;
    throw awsError('InvalidRouteTableID.NotFound');
  });
}

// ---- reading what happened ---------------------------------------------------------------------

const commandNames = () => ec2.calls().map((call) => call.args[0].constructor.name);
const mutatingCommands = () => commandNames().filter(isMutating);
const outcomes = (ctx: TestContext) => Object.fromEntries(ctx.outcomes.map((o) => [o.resource, o.outcome]));
const outcomeOf = (ctx: TestContext, resource: string) => ctx.outcomes.find((o) => o.resource === resource);

beforeEach(() => {
  ec2.reset();
  ec2.onAnyCommand().rejects(new Error('unexpected call'));
});

afterAll(() => ec2.restore());

describe('network step: create from nothing', () => {
  let ctx: TestContext;

  beforeEach(async () => {
    awsHasNothing();
    ctx = testContext('network');
    await network.reconcile(ctx);
  });

  it('creates the VPC from the configured CIDR, tagged with the stack, the step and its name', () => {
    expect(ec2).toHaveReceivedCommandTimes(CreateVpcCommand, 1);
    expect(ec2).toHaveReceivedCommandWith(CreateVpcCommand, {
      CidrBlock: '10.0.0.0/16',
      TagSpecifications: [
        {
          ResourceType: 'vpc',
          Tags: [
            { Key: 'shipline:stack', Value: 'demo' },
            { Key: 'shipline:step', Value: 'network' },
            { Key: 'Name', Value: 'demo-vpc' },
          ],
        },
      ],
    });
  });

  it('turns on DNS hostnames, which a new VPC lacks, and leaves DNS support alone', () => {
    expect(ec2).toHaveReceivedCommandTimes(ModifyVpcAttributeCommand, 1);
    expect(ec2).toHaveReceivedCommandWith(ModifyVpcAttributeCommand, { VpcId: VPC_ID, EnableDnsHostnames: { Value: true } });
  });

  it('creates two public and two private subnets with the planned CIDRs, one per AZ in name order', () => {
    expect(ec2).toHaveReceivedCommandTimes(DescribeAvailabilityZonesCommand, 1);
    expect(ec2).toHaveReceivedCommandTimes(CreateSubnetCommand, 4);
    for (const { tier, i, part } of PARTS) {
      expect(ec2).toHaveReceivedCommandWith(CreateSubnetCommand, {
        VpcId: VPC_ID,
        CidrBlock: PLAN[tier][i],
        AvailabilityZone: AZS[i],
        TagSpecifications: [{ ResourceType: 'subnet', Tags: [...stackTags(part), { Key: 'shipline:tier', Value: tier }] }],
      });
    }
  });

  it('maps public IPs on launch in the public subnets only', () => {
    expect(ec2).toHaveReceivedCommandTimes(ModifySubnetAttributeCommand, 2);
    expect(ec2).toHaveReceivedCommandWith(ModifySubnetAttributeCommand, { SubnetId: 'subnet-public-a', MapPublicIpOnLaunch: { Value: true } });
    expect(ec2).toHaveReceivedCommandWith(ModifySubnetAttributeCommand, { SubnetId: 'subnet-public-b', MapPublicIpOnLaunch: { Value: true } });
    expect(ec2).not.toHaveReceivedCommandWith(ModifySubnetAttributeCommand, { SubnetId: 'subnet-private-a' });
    expect(ec2).not.toHaveReceivedCommandWith(ModifySubnetAttributeCommand, { SubnetId: 'subnet-private-b' });
  });

  it('creates the internet gateway tagged and attaches it to the VPC', () => {
    expect(ec2).toHaveReceivedCommandWith(CreateInternetGatewayCommand, {
      TagSpecifications: [{ ResourceType: 'internet-gateway', Tags: stackTags('igw') }],
    });
    expect(ec2).toHaveReceivedCommandTimes(AttachInternetGatewayCommand, 1);
    expect(ec2).toHaveReceivedCommandWith(AttachInternetGatewayCommand, { InternetGatewayId: IGW_ID, VpcId: VPC_ID });
  });

  it('creates a public and a private route table in the VPC', () => {
    expect(ec2).toHaveReceivedCommandTimes(CreateRouteTableCommand, 2);
    for (const tier of TIERS) {
      expect(ec2).toHaveReceivedCommandWith(CreateRouteTableCommand, {
        VpcId: VPC_ID,
        TagSpecifications: [{ ResourceType: 'route-table', Tags: stackTags(`${tier}-rt`) }],
      });
    }
  });

  it('routes 0.0.0.0/0 from the public route table to the internet gateway, and nothing from the private one', () => {
    expect(ec2).toHaveReceivedCommandTimes(CreateRouteCommand, 1);
    expect(ec2).toHaveReceivedCommandWith(CreateRouteCommand, { RouteTableId: 'rtb-public', DestinationCidrBlock: '0.0.0.0/0', GatewayId: IGW_ID });
  });

  it("associates each subnet with its tier's route table", () => {
    expect(ec2).toHaveReceivedCommandTimes(AssociateRouteTableCommand, 4);
    for (const { tier, part } of PARTS) {
      expect(ec2).toHaveReceivedCommandWith(AssociateRouteTableCommand, { RouteTableId: tableId(tier), SubnetId: subnetId(part) });
    }
  });

  it('records every resource in state at its key', () => {
    expect(Object.fromEntries(ctx.records)).toEqual(FULL_STATE);
  });

  it('reports every resource as created', () => {
    expect(ctx.outcomes).toHaveLength(Object.keys(FULL_STATE).length);
    expect(new Set(ctx.outcomes.map((o) => o.outcome))).toEqual(new Set(['created']));
    expect(outcomeOf(ctx, 'network.vpc')).toMatchObject({ id: VPC_ID, kind: 'VPC' });
  });
});

describe('network step: re-run', () => {
  it('makes no mutating call and reports every resource unchanged when AWS matches the state', async () => {
    awsHasNetwork();
    const ctx = testContext('network', { state: FULL_STATE });
    await network.reconcile(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(ctx.outcomes).toHaveLength(Object.keys(FULL_STATE).length);
    expect(new Set(ctx.outcomes.map((o) => o.outcome))).toEqual(new Set(['unchanged']));
    expect(Object.fromEntries(ctx.records)).toEqual(FULL_STATE);
  });

  it('reads each resource once: the DNS attributes, the subnets, the gateway, and both route tables in one call', async () => {
    awsHasNetwork();
    await network.reconcile(testContext('network', { state: FULL_STATE }));
    expect(commandNames()).toEqual([
      'DescribeVpcsCommand', // its tags: is the recorded VPC the stack's?
      'DescribeVpcAttributeCommand',
      'DescribeVpcAttributeCommand',
      'DescribeSubnetsCommand',
      'DescribeInternetGatewaysCommand',
      'DescribeRouteTablesCommand',
    ]);
    expect(ec2).toHaveReceivedCommandWith(DescribeRouteTablesCommand, { RouteTableIds: BOTH_TABLES });
  });

  it("shares its read of the route tables with the run: the nat step's private table is in it", async () => {
    awsHasNetwork();
    const ctx = testContext('network', { state: FULL_STATE });
    await network.reconcile(ctx);
    ec2.resetHistory();
    expect((await routeTableSnapshot(ctx, tableId('private')))?.Associations).toHaveLength(2);
    expect(commandNames()).toEqual([]);
  });

  describe('when a recorded route table is gone', () => {
    let ctx: TestContext;

    beforeEach(async () => {
      awsHasNetwork();
      // AWS answers a read that names a missing table with NotFound, naming none of the others.
      ec2.on(DescribeRouteTablesCommand, { RouteTableIds: BOTH_TABLES }).rejects(awsError('InvalidRouteTableID.NotFound'));
      ec2.on(DescribeRouteTablesCommand, { RouteTableIds: [tableId('private')] }).rejects(awsError('InvalidRouteTableID.NotFound'));
      ec2.on(DescribeRouteTablesCommand, { Filters: [...stackFilters('private-rt'), { Name: 'vpc-id', Values: [VPC_ID] }] }).resolves({ RouteTables: [] });
      ec2.on(CreateRouteTableCommand).resolves({ RouteTable: { ...routeTable('private'), RouteTableId: 'rtb-private-new' } });
      ec2.on(AssociateRouteTableCommand).callsFake((input: AssociateRouteTableCommandInput) => ({ AssociationId: `rtbassoc-new-${input.SubnetId}` }));
      ctx = testContext('network', { state: FULL_STATE });
      await network.reconcile(ctx);
    });

    it('reads each table on its own, looks the gone one up by its tags, then makes it and associates its subnets', () => {
      const routeTableReads = ec2.calls().flatMap((call) => (call.args[0] instanceof DescribeRouteTablesCommand ? [call.args[0].input] : []));
      expect(routeTableReads).toEqual([
        { RouteTableIds: BOTH_TABLES },
        { RouteTableIds: [tableId('public')] },
        { RouteTableIds: [tableId('private')] },
        // A search by tags pages (DescribeRouteTables takes at most 100 a page); reads by ID do not.
        { Filters: [...stackFilters('private-rt'), { Name: 'vpc-id', Values: [VPC_ID] }], MaxResults: 100 },
      ]);
      expect(mutatingCommands()).toEqual(['CreateRouteTableCommand', 'AssociateRouteTableCommand', 'AssociateRouteTableCommand']);
      expect(ec2).toHaveReceivedCommandWith(AssociateRouteTableCommand, { RouteTableId: 'rtb-private-new', SubnetId: subnetId('private-a') });
      expect(ctx.records.get('network.routeTable.private')).toEqual({ id: 'rtb-private-new' });
      expect(outcomeOf(ctx, 'network.routeTable.public')).toMatchObject({ outcome: 'unchanged' });
    });

    it('leaves the run no snapshot of the tables to confirm a route from', async () => {
      ec2.resetHistory();
      expect(await routeTableSnapshot(ctx, tableId('public'))).toBeUndefined();
      expect(await routeTableSnapshot(ctx, 'rtb-private-new')).toBeUndefined();
      expect(commandNames()).toEqual([]);
    });
  });

  it('turns DNS hostnames back on when they were turned off, and reports the VPC updated', async () => {
    awsHasNetwork({ dnsHostnames: false });
    ec2.on(ModifyVpcAttributeCommand).resolves({});
    const ctx = testContext('network', { state: FULL_STATE });
    await network.reconcile(ctx);
    expect(mutatingCommands()).toEqual(['ModifyVpcAttributeCommand']);
    expect(ec2).toHaveReceivedCommandWith(ModifyVpcAttributeCommand, { VpcId: VPC_ID, EnableDnsHostnames: { Value: true } });
    expect(outcomeOf(ctx, 'network.vpc')).toMatchObject({ outcome: 'updated', changes: ['enableDnsHostnames'] });
  });

  it('points the public default route back at the internet gateway, and reports it updated', async () => {
    awsHasNetwork({ publicRoute: publicDefaultRoute({ GatewayId: 'igw-someone-else' }) });
    ec2.on(ReplaceRouteCommand).resolves({});
    const ctx = testContext('network', { state: FULL_STATE });
    await network.reconcile(ctx);
    expect(mutatingCommands()).toEqual(['ReplaceRouteCommand']);
    expect(ec2).toHaveReceivedCommandWith(ReplaceRouteCommand, { RouteTableId: 'rtb-public', DestinationCidrBlock: '0.0.0.0/0', GatewayId: IGW_ID });
    expect(outcomeOf(ctx, 'network.route.public')).toMatchObject({ outcome: 'updated', changes: ['target'] });
  });

  it('re-attaches a detached internet gateway, and reports it updated', async () => {
    awsHasNetwork({ gatewayAttached: false });
    ec2.on(AttachInternetGatewayCommand).resolves({});
    const ctx = testContext('network', { state: FULL_STATE });
    await network.reconcile(ctx);
    expect(mutatingCommands()).toEqual(['AttachInternetGatewayCommand']);
    expect(ec2).toHaveReceivedCommandWith(AttachInternetGatewayCommand, { InternetGatewayId: IGW_ID, VpcId: VPC_ID });
    expect(outcomeOf(ctx, 'network.internetGateway')).toMatchObject({ outcome: 'updated', changes: ['attachment'] });
  });

  it('adopts what it finds by the stack tags when the state is empty: no create, everything recorded', async () => {
    awsHasNetwork();
    const ctx = testContext('network');
    await network.reconcile(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(ec2).toHaveReceivedCommandWith(DescribeVpcsCommand, {
      Filters: [
        { Name: 'tag:shipline:stack', Values: ['demo'] },
        { Name: 'tag:Name', Values: ['demo-vpc'] },
      ],
    });
    expect(ctx.outcomes).toHaveLength(Object.keys(FULL_STATE).length);
    expect(new Set(ctx.outcomes.map((o) => o.outcome))).toEqual(new Set(['adopted']));
    expect(Object.fromEntries(ctx.records)).toEqual(FULL_STATE);
  });

  it('refuses a changed VPC CIDR with a ConfigError naming network.cidr, before changing anything', async () => {
    awsHasNetwork();
    const ctx = testContext('network', { config: { network: { cidr: '10.1.0.0/16' } }, state: FULL_STATE });
    const error = await network.reconcile(ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain('network.cidr');
    expect((error as ConfigError).message).toContain('10.0.0.0/16');
    expect(mutatingCommands()).toEqual([]);
    expect(Object.fromEntries(ctx.records)).toEqual(FULL_STATE);
  });
});

describe('network step: dry run', () => {
  it('on an empty state makes no mutating call and plans every resource as created, known after apply', async () => {
    ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [] });
    const ctx = testContext('network', { dryRun: true });
    await network.reconcile(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(ctx.outcomes.map((o) => o.resource).sort()).toEqual(Object.keys(FULL_STATE).sort());
    for (const o of ctx.outcomes) expect(o).toMatchObject({ outcome: 'created', id: KNOWN_AFTER_APPLY });
    expect(ctx.records.size).toBe(0);
  });
});

describe('network step: destroy', () => {
  it('deletes what depends on what first, and the independent chains at once; the VPC last', async () => {
    awsDeletesEverything();
    await network.destroy(testContext('network', { state: FULL_STATE }));
    const names = commandNames().filter((name) => isMutating(name) || name === 'DescribeNetworkInterfacesCommand');
    const first = (name: string) => names.indexOf(name);
    const last = (name: string) => names.lastIndexOf(name);
    expect(names.filter((n) => n === 'DisassociateRouteTableCommand')).toHaveLength(4);
    // Associations and the public route, then the route tables.
    expect(first('DeleteRouteTableCommand')).toBeGreaterThan(Math.max(last('DisassociateRouteTableCommand'), first('DeleteRouteCommand')));
    // The public route, then the gateway it points to.
    expect(first('DetachInternetGatewayCommand')).toBeGreaterThan(first('DeleteRouteCommand'));
    expect(first('DeleteInternetGatewayCommand')).toBeGreaterThan(first('DetachInternetGatewayCommand'));
    // Those chains and the wait for other services' interfaces overlap.
    expect(first('DescribeNetworkInterfacesCommand')).toBeLessThan(first('DeleteRouteTableCommand'));
    // The subnets once all of it is done, the VPC last.
    expect(first('DeleteSubnetCommand')).toBeGreaterThan(
      Math.max(last('DeleteRouteTableCommand'), last('DeleteInternetGatewayCommand'), last('DescribeNetworkInterfacesCommand')),
    );
    expect(names.filter((n) => n === 'DeleteSubnetCommand')).toHaveLength(4);
    expect(names.at(-1)).toBe('DeleteVpcCommand');
  });

  it('disassociates subnets the state does not know of before deleting a route table', async () => {
    awsDeletesEverything();
    ec2.on(DescribeRouteTablesCommand, { RouteTableIds: ['rtb-private'] }).resolves({ RouteTables: [routeTable('private', { associated: true })] });
    const state = Object.fromEntries(Object.entries(FULL_STATE).filter(([key]) => !key.startsWith('network.association.')));
    await network.destroy(testContext('network', { state }));
    const names = commandNames();
    expect(ec2).toHaveReceivedCommandTimes(DisassociateRouteTableCommand, 2);
    expect(ec2).toHaveReceivedCommandWith(DisassociateRouteTableCommand, { AssociationId: 'rtbassoc-private-a' });
    expect(ec2).toHaveReceivedCommandWith(DisassociateRouteTableCommand, { AssociationId: 'rtbassoc-private-b' });
    expect(names.lastIndexOf('DisassociateRouteTableCommand')).toBeLessThan(names.lastIndexOf('DeleteRouteTableCommand'));
  });

  it('deletes exactly the resources recorded in state', async () => {
    awsDeletesEverything();
    await network.destroy(testContext('network', { state: FULL_STATE }));
    for (const { part } of PARTS) {
      expect(ec2).toHaveReceivedCommandWith(DisassociateRouteTableCommand, { AssociationId: associationId(part) });
      expect(ec2).toHaveReceivedCommandWith(DeleteSubnetCommand, { SubnetId: subnetId(part) });
    }
    expect(ec2).toHaveReceivedCommandWith(DeleteRouteCommand, { RouteTableId: 'rtb-public', DestinationCidrBlock: '0.0.0.0/0' });
    expect(ec2).toHaveReceivedCommandWith(DeleteRouteTableCommand, { RouteTableId: 'rtb-public' });
    expect(ec2).toHaveReceivedCommandWith(DeleteRouteTableCommand, { RouteTableId: 'rtb-private' });
    expect(ec2).toHaveReceivedCommandWith(DetachInternetGatewayCommand, { InternetGatewayId: IGW_ID, VpcId: VPC_ID });
    expect(ec2).toHaveReceivedCommandWith(DeleteInternetGatewayCommand, { InternetGatewayId: IGW_ID });
    expect(ec2).toHaveReceivedCommandWith(DescribeNetworkInterfacesCommand, { Filters: [{ Name: 'vpc-id', Values: [VPC_ID] }] });
    expect(ec2).toHaveReceivedCommandWith(DeleteVpcCommand, { VpcId: VPC_ID });
  });

  it('leaves the state empty and reports every resource deleted', async () => {
    awsDeletesEverything();
    const ctx = testContext('network', { state: FULL_STATE });
    await network.destroy(ctx);
    expect(ctx.records.size).toBe(0);
    expect(outcomes(ctx)).toEqual(Object.fromEntries(Object.keys(FULL_STATE).map((key) => [key, 'deleted'])));
  });

  it('succeeds when everything is already gone, and leaves the state empty', async () => {
    ec2.on(DisassociateRouteTableCommand).rejects(awsError('InvalidAssociationID.NotFound'));
    ec2.on(DeleteRouteCommand).rejects(awsError('InvalidRoute.NotFound'));
    ec2.on(DescribeRouteTablesCommand).rejects(awsError('InvalidRouteTableID.NotFound'));
    ec2.on(DeleteRouteTableCommand).rejects(awsError('InvalidRouteTableID.NotFound'));
    ec2.on(DescribeInternetGatewaysCommand).rejects(awsError('InvalidInternetGatewayID.NotFound'));
    ec2.on(DeleteInternetGatewayCommand).rejects(awsError('InvalidInternetGatewayID.NotFound'));
    ec2.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [] });
    ec2.on(DeleteSubnetCommand).rejects(awsError('InvalidSubnetID.NotFound'));
    ec2.on(DeleteVpcCommand).rejects(awsError('InvalidVpcID.NotFound'));
    awsConfirmsOwnership(false);
    const ctx = testContext('network', { state: FULL_STATE });
    await network.destroy(ctx);
    expect(ctx.records.size).toBe(0);
    // What the ownership reads no longer find is forgotten, not deleted.
    expect(ec2).not.toHaveReceivedCommand(DeleteVpcCommand);
    expect(ec2).not.toHaveReceivedCommand(DeleteSubnetCommand);
  });

  it('retries a subnet delete that AWS refuses with DependencyViolation until it succeeds', async () => {
    awsDeletesEverything();
    ec2.on(DeleteSubnetCommand, { SubnetId: 'subnet-private-a' }).rejectsOnce(awsError('DependencyViolation')).resolves({});
    const ctx = testContext('network', { state: FULL_STATE });
    await network.destroy(ctx);
    expect(ec2).toHaveReceivedCommandTimes(DeleteSubnetCommand, 5);
    expect(ec2).toHaveReceivedCommandTimes(DeleteVpcCommand, 1);
    expect(ctx.records.size).toBe(0);
  });

  it('waits for the network interfaces left in the VPC to be released before deleting subnets', async () => {
    awsDeletesEverything();
    const leftover = { NetworkInterfaceId: 'eni-lb', Description: 'ELB app/demo-alb', Status: 'in-use' as const };
    ec2.on(DescribeNetworkInterfacesCommand).resolvesOnce({ NetworkInterfaces: [leftover] }).resolves({ NetworkInterfaces: [] });
    await network.destroy(testContext('network', { state: FULL_STATE }));
    const names = commandNames();
    expect(names.filter((n) => n === 'DescribeNetworkInterfacesCommand')).toHaveLength(2);
    expect(names.lastIndexOf('DescribeNetworkInterfacesCommand')).toBeLessThan(names.indexOf('DeleteSubnetCommand'));
  });
});
