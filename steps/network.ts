// The network: a VPC with DNS, public and private subnets across AZs, an internet gateway, a
// public route table (0.0.0.0/0 → internet gateway) and a private one (its default route is the
// NAT step's, since its target depends on the NAT mode).
import {
  AssociateRouteTableCommand,
  AttachInternetGatewayCommand,
  CreateInternetGatewayCommand,
  CreateRouteTableCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DeleteInternetGatewayCommand,
  DeleteRouteTableCommand,
  DeleteSubnetCommand,
  DeleteVpcCommand,
  DescribeAvailabilityZonesCommand,
  DescribeInternetGatewaysCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcAttributeCommand,
  DescribeVpcsCommand,
  DetachInternetGatewayCommand,
  DisassociateRouteTableCommand,
  ModifySubnetAttributeCommand,
  ModifyVpcAttributeCommand,
  type DescribeInternetGatewaysCommandInput,
  type DescribeRouteTablesCommandInput,
  type InternetGateway,
  type RouteTable,
  type Subnet,
  type Vpc,
} from '@aws-sdk/client-ec2';
import { isAwsError, unlessNotFound } from '../src/aws/errors';
import { retryWhile, until } from '../src/aws/wait';
import { subnetPlan } from '../src/config';
import { ConfigError, ForeignResourceError } from '../src/errors';
import { ensure, ignoringGone, remove } from '../src/reconcile';
import { isKnown, type Outcome, type Step, type StepContext } from '../src/step';
import { firstForeign, foreignByParent, foreignByTags } from './lib/owned';
import { deleteRoute, ensureRoute, readRouteTablesOnce } from './lib/route';

type Tier = 'public' | 'private';
const TIERS: readonly Tier[] = ['public', 'private'];
const LETTERS = 'abcdef';

export const KEYS = {
  vpc: 'network.vpc',
  internetGateway: 'network.internetGateway',
  routeTable: (tier: Tier) => `network.routeTable.${tier}`,
  publicRoute: 'network.route.public',
  subnet: (tier: Tier, i: number) => `network.subnet.${subnetPart(tier, i)}`,
  association: (tier: Tier, i: number) => `network.association.${subnetPart(tier, i)}`,
};

export const subnetPart = (tier: Tier, i: number) => `${tier}-${LETTERS[i]}`;

/** The subnet IDs of a tier, as recorded by this step (in AZ order). */
export function subnetIds(ctx: Pick<StepContext, 'state' | 'config'>, tier: Tier): Array<string | undefined> {
  return Array.from({ length: ctx.config.network.azs }, (_, i) => ctx.state.get(KEYS.subnet(tier, i))?.id);
}

export const network: Step = {
  name: 'network',
  after: [],

  async reconcile(ctx) {
    const vpc = await ensureVpc(ctx);
    // What lives in the VPC can't exist yet in one just made: no lookups for it.
    const fresh = vpc.outcome === 'created';
    const tables = routeTableReader(ctx);
    // Independent of each other once the VPC exists: made at once.
    const [subnets, igw, publicTable, privateTable] = await allSettled([
      ensureSubnets(ctx, vpc.id, fresh),
      ensureInternetGateway(ctx, vpc.id),
      ensureRouteTable(ctx, vpc.id, 'public', tables, fresh),
      ensureRouteTable(ctx, vpc.id, 'private', tables, fresh),
    ] as const);
    await allSettled([
      ensureRoute(ctx, {
        key: KEYS.publicRoute,
        kind: 'route 0.0.0.0/0 → internet gateway (public)',
        routeTableId: publicTable,
        destination: '0.0.0.0/0',
        target: isKnown(igw) ? { GatewayId: igw } : undefined,
        table: () => tables.read(publicTable),
      }),
      ensureAssociations(ctx, { public: publicTable, private: privateTable }, subnets, tables),
    ] as const);
  },

  outputs(state, config) {
    const ids = (tier: Tier) => Array.from({ length: config.network.azs }, (_, i) => state.get(KEYS.subnet(tier, i))?.id).filter(isKnown);
    const vpc = state.get(KEYS.vpc)?.id;
    return vpc
      ? [
          { key: 'vpcId', label: 'VPC', value: `${vpc} (${config.network.cidr})` },
          { key: 'publicSubnets', label: 'public subnets', value: ids('public').join(', ') },
          { key: 'privateSubnets', label: 'private subnets', value: ids('private').join(', ') },
        ]
      : [];
  },

  async destroy(ctx) {
    const owned = ownedReads(ctx);
    const recordedVpc = ctx.state.get(KEYS.vpc)?.id;
    // A recorded VPC that is not the stack's is neither waited on nor used to find anything.
    const vpcId = isKnown(recordedVpc) ? (await owned.vpcIsOurs()) ? recordedVpc : undefined : (await findVpcByTags(ctx))?.VpcId;
    const subnets = TIERS.flatMap((tier) => Array.from({ length: ctx.config.network.azs }, (_, i) => ({ tier, i })));
    // Three chains at once: associations then route tables; the public route then the gateway it
    // points to; the interfaces other services leave in the subnets. Then the subnets, the VPC.
    const publicRouteGone = deleteRoute(ctx, KEYS.publicRoute, 'route 0.0.0.0/0 (public)', ctx.state.get(KEYS.routeTable('public'))?.id, '0.0.0.0/0');
    await allSettled([
      (async () => {
        await allSettled(subnets.map(({ tier, i }) => deleteAssociation(ctx, tier, i, owned)));
        await publicRouteGone;
        await allSettled(TIERS.map((tier) => deleteRouteTable(ctx, tier, vpcId, owned)));
      })(),
      (async () => {
        await publicRouteGone;
        await deleteInternetGateway(ctx, vpcId);
      })(),
      waitForNetworkInterfaces(ctx, vpcId),
    ]);
    await allSettled(subnets.map(({ tier, i }) => deleteSubnet(ctx, tier, i, vpcId, owned)));
    await deleteVpc(ctx, owned);
  },
};

/**
 * Destroy's ownership reads: the recorded VPC, subnets and route tables (with their associations),
 * each kind in one call. They filter by ID rather than name IDs, so a missing one is simply absent
 * instead of failing the call; tags and parents come with them.
 */
interface OwnedReads {
  vpc(): Promise<Vpc | undefined>;
  vpcIsOurs(): Promise<boolean>;
  subnet(id: string): Promise<Subnet | undefined>;
  routeTable(id: string): Promise<RouteTable | undefined>;
  /** The table holding this association (the stack's or not). */
  tableOfAssociation(id: string): Promise<RouteTable | undefined>;
}

function ownedReads(ctx: StepContext): OwnedReads {
  const ec2 = ctx.aws.ec2;
  const recorded = (keys: string[]) => keys.map((k) => ctx.state.get(k)?.id).filter(isKnown);
  const subnetKeys = TIERS.flatMap((tier) => Array.from({ length: ctx.config.network.azs }, (_, i) => KEYS.subnet(tier, i)));
  const associationKeys = TIERS.flatMap((tier) => Array.from({ length: ctx.config.network.azs }, (_, i) => KEYS.association(tier, i)));
  const once = <T>(read: () => Promise<T>) => {
    let result: Promise<T> | undefined;
    return () => (result ??= read());
  };
  const vpcs = once(async () => (await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'vpc-id', Values: recorded([KEYS.vpc]) }] }))).Vpcs ?? []);
  const subnets = once(async () => (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'subnet-id', Values: recorded(subnetKeys) }] }))).Subnets ?? []);
  const tables = once(async () => {
    const ids = recorded(TIERS.map(KEYS.routeTable));
    const associations = recorded(associationKeys);
    const byId = async (Filters: Array<{ Name: string; Values: string[] }>) => (await ec2.send(new DescribeRouteTablesCommand({ Filters }))).RouteTables ?? [];
    const [own, holding] = await Promise.all([
      ids.length ? byId([{ Name: 'route-table-id', Values: ids }]) : [],
      associations.length ? byId([{ Name: 'association.route-table-association-id', Values: associations }]) : [],
    ]);
    return [...own, ...holding.filter((t) => !own.some((o) => o.RouteTableId === t.RouteTableId))];
  });
  const vpc = async () => (await vpcs())[0];
  return {
    vpc,
    vpcIsOurs: async () => {
      const found = await vpc();
      return found !== undefined && ctx.tags.owns(found.Tags);
    },
    subnet: async (id) => (await subnets()).find((n) => n.SubnetId === id),
    routeTable: async (id) => (await tables()).find((t) => t.RouteTableId === id),
    tableOfAssociation: async (id) => (await tables()).find((t) => t.Associations?.some((a) => a.RouteTableAssociationId === id)),
  };
}

/** The stack's tag, and in the stack's VPC (when it is known and the stack's). */
function foreignInVpc(ctx: StepContext, tags: Vpc['Tags'], actualVpc: string | undefined, vpcId: string | undefined): string | undefined {
  return firstForeign(foreignByTags(ctx, tags), isKnown(vpcId) ? foreignByParent('VPC', actualVpc, vpcId) : undefined);
}

/**
 * Run independent pieces at once, and wait for every one of them before going on: a failure
 * stops the step only once the others have recorded what they made (the first failure is thrown).
 */
async function allSettled<T extends readonly unknown[]>(pieces: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const results = await Promise.allSettled(pieces);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

// ---- VPC ---------------------------------------------------------------------------------------

interface VpcWithDns extends Vpc {
  dnsSupport?: boolean;
  dnsHostnames?: boolean;
}

async function findVpcByTags(ctx: StepContext): Promise<Vpc | undefined> {
  return (await ctx.aws.ec2.send(new DescribeVpcsCommand({ Filters: ctx.tags.filters('vpc') }))).Vpcs?.[0];
}

async function withDns(ctx: StepContext, vpc: Vpc | undefined): Promise<VpcWithDns | undefined> {
  if (!vpc) return undefined;
  const dns = await readDns(ctx, vpc.VpcId!);
  return dns && { ...vpc, ...dns };
}

/** AWS takes one attribute per call; undefined when the VPC is gone. */
async function readDns(ctx: StepContext, VpcId: string): Promise<Pick<VpcWithDns, 'dnsSupport' | 'dnsHostnames'> | undefined> {
  const attr = (Attribute: 'enableDnsSupport' | 'enableDnsHostnames') =>
    unlessNotFound(ctx.aws.ec2.send(new DescribeVpcAttributeCommand({ VpcId, Attribute })), 'InvalidVpcID.NotFound');
  const [support, hostnames] = await Promise.all([attr('enableDnsSupport'), attr('enableDnsHostnames')]);
  if (!support || !hostnames) return undefined;
  return { dnsSupport: support.EnableDnsSupport?.Value, dnsHostnames: hostnames.EnableDnsHostnames?.Value };
}

async function ensureVpc(ctx: StepContext): Promise<{ id: string; outcome: Outcome }> {
  const ec2 = ctx.aws.ec2;
  const cidr = ctx.config.network.cidr;
  const { id, outcome } = await ensure<VpcWithDns>(ctx, {
    key: KEYS.vpc,
    kind: 'VPC',
    // A VPC's CIDR can't change: the one recorded when it was made or adopted stands, and its
    // attributes are all there is to read (they also say whether it still exists).
    // The VPC (its tags say whose it is) and its DNS attributes, read together.
    find: async (id) => {
      const [described, dns] = await Promise.all([
        unlessNotFound(ec2.send(new DescribeVpcsCommand({ VpcIds: [id] })), 'InvalidVpcID.NotFound'),
        readDns(ctx, id),
      ]);
      const vpc = described?.Vpcs?.[0];
      return vpc && dns && { ...vpc, CidrBlock: ctx.state.get(KEYS.vpc)?.cidr ?? vpc.CidrBlock, ...dns };
    },
    foreign: (vpc) => foreignByTags(ctx, vpc.Tags),
    findByTags: async () => withDns(ctx, await findVpcByTags(ctx)),
    create: async () => {
      const { Vpc } = await ec2.send(
        new CreateVpcCommand({ CidrBlock: cidr, TagSpecifications: [{ ResourceType: 'vpc', Tags: ctx.tags.list('network', 'vpc') }] }),
      );
      return { ...Vpc, dnsSupport: true, dnsHostnames: false }; // AWS's defaults for a new VPC
    },
    id: (vpc) => vpc.VpcId!,
    attributes: (vpc) => ({ cidr: vpc.CidrBlock }),
    drift: (vpc) => {
      if (vpc.CidrBlock !== cidr) {
        throw new ConfigError(`network.cidr is ${cidr}, but the stack's VPC ${vpc.VpcId} has ${vpc.CidrBlock}; a VPC's CIDR cannot change`, {
          hint: `set network.cidr back to ${vpc.CidrBlock}, or destroy the stack and provision it again`,
        });
      }
      return [...(vpc.dnsSupport === false ? ['enableDnsSupport'] : []), ...(vpc.dnsHostnames !== true ? ['enableDnsHostnames'] : [])];
    },
    // AWS takes one attribute per call.
    update: async (vpc, changes) => {
      for (const attribute of changes) {
        await ec2.send(new ModifyVpcAttributeCommand({ VpcId: vpc.VpcId, [attribute === 'enableDnsSupport' ? 'EnableDnsSupport' : 'EnableDnsHostnames']: { Value: true } }));
      }
    },
  });
  return { id, outcome };
}

async function deleteVpc(ctx: StepContext, owned: OwnedReads): Promise<void> {
  await remove(ctx, {
    key: KEYS.vpc,
    kind: 'VPC',
    findByTags: () => findVpcByTags(ctx),
    id: (vpc) => vpc.VpcId!,
    confirm: { find: () => owned.vpc(), foreign: (vpc) => foreignByTags(ctx, vpc.Tags) },
    delete: (id) =>
      retryWhile(ctx, `VPC ${id} to be empty`, 600, ['DependencyViolation'], async () => {
        try {
          await ignoringGone(() => ctx.aws.ec2.send(new DeleteVpcCommand({ VpcId: id })), (e) => isAwsError(e, 'InvalidVpcID.NotFound'));
        } catch (error) {
          // AWS's "has dependencies" names nothing. What is still in the VPC at this point is not
          // shipline's (its own pieces are gone): name it and stop rather than wait for it.
          if (isAwsError(error, 'DependencyViolation')) {
            const left = await vpcLeftovers(ctx, id);
            if (left.length > 0) {
              throw new ForeignResourceError(`VPC ${id} cannot be deleted: it still holds what shipline did not create: ${left.join(', ')}`, {
                hint: 'shipline leaves these alone; delete or move them yourself, then run destroy again',
              });
            }
          }
          throw error;
        }
      }),
  });
}

/** Everything left in a VPC that keeps it from being deleted (its default group and main table aside). */
async function vpcLeftovers(ctx: StepContext, vpcId: string): Promise<string[]> {
  const ec2 = ctx.aws.ec2;
  const inVpc = [{ Name: 'vpc-id', Values: [vpcId] }];
  const [groups, subnets, tables, gateways, interfaces] = await Promise.all([
    ec2.send(new DescribeSecurityGroupsCommand({ Filters: inVpc })),
    ec2.send(new DescribeSubnetsCommand({ Filters: inVpc })),
    ec2.send(new DescribeRouteTablesCommand({ Filters: inVpc })),
    ec2.send(new DescribeInternetGatewaysCommand({ Filters: [{ Name: 'attachment.vpc-id', Values: [vpcId] }] })),
    ec2.send(new DescribeNetworkInterfacesCommand({ Filters: inVpc })),
  ]);
  return [
    ...(groups.SecurityGroups ?? []).filter((g) => g.GroupName !== 'default').map((g) => `security group ${g.GroupId} (${g.GroupName})`),
    ...(subnets.Subnets ?? []).map((n) => `subnet ${n.SubnetId} (${n.CidrBlock})`),
    ...(tables.RouteTables ?? []).filter((t) => !t.Associations?.some((a) => a.Main)).map((t) => `route table ${t.RouteTableId}`),
    ...(gateways.InternetGateways ?? []).map((g) => `internet gateway ${g.InternetGatewayId}`),
    ...(interfaces.NetworkInterfaces ?? []).map((n) => `network interface ${n.NetworkInterfaceId} (${n.Description || n.InterfaceType || 'no description'})`),
  ];
}

// ---- subnets -----------------------------------------------------------------------------------

async function ensureSubnets(ctx: StepContext, vpcId: string, fresh: boolean): Promise<Record<Tier, string[]>> {
  const ec2 = ctx.aws.ec2;
  const plan = subnetPlan(ctx.config.network);
  // One read for every subnet of the VPC; each spec below looks in it.
  const inVpc =
    isKnown(vpcId) && !fresh ? ((await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }))).Subnets ?? []) : [];
  let zones: Promise<string[]> | undefined;
  const zone = async (i: number) => {
    const names = await (zones ??= availabilityZones(ctx));
    const name = names[i];
    if (!name) throw new ConfigError(`network.azs is ${ctx.config.network.azs}, but ${ctx.config.region} has only ${names.length} availability zones`);
    return name;
  };
  const ensureSubnet = async (tier: Tier, i: number): Promise<string> => {
    const part = subnetPart(tier, i);
    const cidr = plan[tier][i]!;
    const { id } = await ensure<Subnet>(ctx, {
      key: KEYS.subnet(tier, i),
      kind: `subnet ${part}`,
      needs: [vpcId],
      // Not in the VPC: gone, or elsewhere (someone else's: refused), which only a read by ID tells.
      find: async (id) =>
        inVpc.find((s) => s.SubnetId === id) ??
        (await unlessNotFound(ec2.send(new DescribeSubnetsCommand({ SubnetIds: [id] })), 'InvalidSubnetID.NotFound'))?.Subnets?.[0],
      foreign: (s) => foreignInVpc(ctx, s.Tags, s.VpcId, vpcId),
      findByTags: async () => inVpc.find((s) => ctx.tags.owns(s.Tags) && s.Tags?.some((t) => t.Key === 'Name' && t.Value === ctx.tags.name(part))),
      create: async () => {
        const { Subnet } = await ec2.send(
          new CreateSubnetCommand({
            VpcId: vpcId,
            CidrBlock: cidr,
            AvailabilityZone: await zone(i),
            TagSpecifications: [{ ResourceType: 'subnet', Tags: [...ctx.tags.list('network', part), { Key: 'shipline:tier', Value: tier }] }],
          }),
        );
        return Subnet!;
      },
      id: (s) => s.SubnetId!,
      attributes: (s) => ({ cidr: s.CidrBlock, az: s.AvailabilityZone }),
      drift: (s) => {
        if (s.CidrBlock !== cidr) {
          throw new ConfigError(`subnet ${part} (${s.SubnetId}) has CIDR ${s.CidrBlock}, but the config asks for ${cidr}; a subnet's CIDR cannot change`, {
            hint: 'set network.cidr / network.*Subnets back, or destroy the stack and provision it again',
          });
        }
        return tier === 'public' && s.MapPublicIpOnLaunch !== true ? ['mapPublicIpOnLaunch'] : [];
      },
      update: async (s) => {
        await ec2.send(new ModifySubnetAttributeCommand({ SubnetId: s.SubnetId, MapPublicIpOnLaunch: { Value: true } }));
      },
    });
    return id;
  };
  // Every subnet at once; the result lists each tier's in AZ order.
  const count = ctx.config.network.azs;
  const ids = await allSettled(TIERS.flatMap((tier) => Array.from({ length: count }, (_, i) => ensureSubnet(tier, i))));
  return { public: ids.slice(0, count), private: ids.slice(count) };
}

async function availabilityZones(ctx: StepContext): Promise<string[]> {
  const { AvailabilityZones } = await ctx.aws.ec2.send(
    new DescribeAvailabilityZonesCommand({ Filters: [{ Name: 'state', Values: ['available'] }, { Name: 'zone-type', Values: ['availability-zone'] }] }),
  );
  return (AvailabilityZones ?? []).map((z) => z.ZoneName!).sort();
}

async function deleteSubnet(ctx: StepContext, tier: Tier, i: number, vpcId: string | undefined, owned: OwnedReads): Promise<void> {
  const part = subnetPart(tier, i);
  await remove(ctx, {
    key: KEYS.subnet(tier, i),
    kind: `subnet ${part}`,
    confirm: { find: (id) => owned.subnet(id), foreign: (s) => foreignInVpc(ctx, s.Tags, s.VpcId, vpcId) },
    findByTags: async () =>
      vpcId === undefined
        ? undefined
        : (await ctx.aws.ec2.send(new DescribeSubnetsCommand({ Filters: [...ctx.tags.filters(part), { Name: 'vpc-id', Values: [vpcId] }] }))).Subnets?.[0],
    id: (s) => s.SubnetId!,
    delete: (id) =>
      retryWhile(ctx, `subnet ${part} (${id}) to be free of network interfaces`, 300, ['DependencyViolation'], () =>
        ignoringGone(() => ctx.aws.ec2.send(new DeleteSubnetCommand({ SubnetId: id })), (e) => isAwsError(e, 'InvalidSubnetID.NotFound')),
      ),
  });
}

/**
 * Load balancer nodes, NAT gateways and Fargate tasks leave network interfaces behind that AWS
 * releases minutes after their owner is deleted. Wait for them before deleting subnets; an
 * interface that does not go (something shipline did not create) is named in the error.
 */
async function waitForNetworkInterfaces(ctx: StepContext, vpcId: string | undefined): Promise<void> {
  if (!isKnown(vpcId) || ctx.dryRun) return;
  await until(ctx, `network interfaces in VPC ${vpcId} to be released`, 900, async () => {
    const { NetworkInterfaces = [] } = await ctx.aws.ec2.send(
      new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }),
    );
    if (NetworkInterfaces.length === 0) return { done: true, value: undefined };
    // AWS releases the interfaces of load balancers, NAT gateways and tasks late (requester-managed);
    // an interface of an instance is not released at all: the NAT instance is gone by now, so that
    // instance is someone else's. Name it rather than wait out the bound.
    const instances = NetworkInterfaces.filter((n) => !n.RequesterManaged && n.Attachment?.InstanceId);
    if (instances.length > 0) {
      const named = instances.map((n) => `instance ${n.Attachment!.InstanceId} (network interface ${n.NetworkInterfaceId} in subnet ${n.SubnetId})`);
      throw new ForeignResourceError(`VPC ${vpcId} cannot be emptied: it holds what shipline did not create: ${named.join(', ')}`, {
        hint: 'shipline leaves it alone; terminate it or move it out of the VPC yourself, then run destroy again',
      });
    }
    const names = NetworkInterfaces.map((n) => `${n.NetworkInterfaceId} (${n.Description || n.InterfaceType || 'no description'}, ${n.Status})`);
    return { done: false, status: `${NetworkInterfaces.length} left: ${names.slice(0, 5).join(', ')}` };
  });
}

// ---- internet gateway --------------------------------------------------------------------------

async function findGateway(ctx: StepContext, filters: DescribeInternetGatewaysCommandInput): Promise<InternetGateway | undefined> {
  return (await unlessNotFound(ctx.aws.ec2.send(new DescribeInternetGatewaysCommand(filters)), 'InvalidInternetGatewayID.NotFound'))?.InternetGateways?.[0];
}

async function ensureInternetGateway(ctx: StepContext, vpcId: string): Promise<string> {
  const ec2 = ctx.aws.ec2;
  const attached = (igw: InternetGateway) => igw.Attachments?.some((a) => a.VpcId === vpcId && a.State !== 'detaching' && a.State !== 'detached');
  const { id } = await ensure<InternetGateway>(ctx, {
    key: KEYS.internetGateway,
    kind: 'internet gateway',
    needs: [vpcId],
    find: (id) => findGateway(ctx, { InternetGatewayIds: [id] }),
    foreign: (igw) => foreignByTags(ctx, igw.Tags),
    findByTags: () => findGateway(ctx, { Filters: ctx.tags.filters('igw') }),
    create: async () => {
      const { InternetGateway } = await ec2.send(
        new CreateInternetGatewayCommand({ TagSpecifications: [{ ResourceType: 'internet-gateway', Tags: ctx.tags.list('network', 'igw') }] }),
      );
      return InternetGateway!;
    },
    id: (igw) => igw.InternetGatewayId!,
    drift: (igw) => (attached(igw) ? [] : ['attachment']),
    update: async (igw) => {
      await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: igw.InternetGatewayId, VpcId: vpcId }));
    },
  });
  return id;
}

async function deleteInternetGateway(ctx: StepContext, vpcId: string | undefined): Promise<void> {
  const ec2 = ctx.aws.ec2;
  let gateway: Promise<InternetGateway | undefined> | undefined;
  await remove(ctx, {
    key: KEYS.internetGateway,
    kind: 'internet gateway',
    findByTags: () => findGateway(ctx, { Filters: ctx.tags.filters('igw') }),
    id: (igw) => igw.InternetGatewayId!,
    // The gateway as this read finds it is also what the delete detaches.
    confirm: { find: (id) => (gateway ??= findGateway(ctx, { Filters: [{ Name: 'internet-gateway-id', Values: [id] }] })), foreign: (igw) => foreignByTags(ctx, igw.Tags) },
    delete: async (id) => {
      const igw = await (gateway ??= findGateway(ctx, { InternetGatewayIds: [id] }));
      for (const a of igw?.Attachments ?? []) {
        // The NAT's public IP keeps the gateway attached until the NAT is gone; AWS says DependencyViolation.
        await retryWhile(ctx, `internet gateway ${id} to detach from ${a.VpcId}`, 300, ['DependencyViolation'], () =>
          ignoringGone(() => ec2.send(new DetachInternetGatewayCommand({ InternetGatewayId: id, VpcId: a.VpcId ?? vpcId })), (e) =>
            isAwsError(e, 'Gateway.NotAttached', 'InvalidInternetGatewayID.NotFound'),
          ),
        );
      }
      await ignoringGone(() => ec2.send(new DeleteInternetGatewayCommand({ InternetGatewayId: id })), (e) => isAwsError(e, 'InvalidInternetGatewayID.NotFound'));
    },
  });
}

// ---- route tables ------------------------------------------------------------------------------

async function findRouteTable(ctx: StepContext, filters: DescribeRouteTablesCommandInput): Promise<RouteTable | undefined> {
  return (await unlessNotFound(ctx.aws.ec2.send(new DescribeRouteTablesCommand(filters)), 'InvalidRouteTableID.NotFound'))?.RouteTables?.[0];
}

/**
 * The route tables this run has read or made, by ID: the table, its routes and its associations
 * come in one read, which the route and the associations below use again. The tables recorded in
 * state are read together, in the run's shared read (the nat step confirms its route from it); when
 * one of them is gone, AWS answers that read with NotFound and each table is read on its own.
 */
interface RouteTableReader {
  read(id: string): Promise<RouteTable | undefined>;
  seen(table: RouteTable): void;
}

function routeTableReader(ctx: StepContext): RouteTableReader {
  const recorded = TIERS.map((tier) => ctx.state.get(KEYS.routeTable(tier))?.id).filter(isKnown);
  const tables = new Map<string, Promise<RouteTable | undefined>>();
  const readOne = async (id: string) =>
    (recorded.includes(id) ? (await readRouteTablesOnce(ctx, recorded))?.get(id) : undefined) ??
    findRouteTable(ctx, { RouteTableIds: [id] });
  return {
    read: (id) => {
      let table = tables.get(id);
      if (!table) {
        table = readOne(id);
        tables.set(id, table);
      }
      return table;
    },
    seen: (table) => void tables.set(table.RouteTableId!, Promise.resolve(table)),
  };
}

async function ensureRouteTable(ctx: StepContext, vpcId: string, tier: Tier, tables: RouteTableReader, fresh: boolean): Promise<string> {
  const part = `${tier}-rt`;
  const { id, resource } = await ensure<RouteTable>(ctx, {
    key: KEYS.routeTable(tier),
    kind: `route table ${tier}`,
    needs: [vpcId],
    find: (id) => tables.read(id),
    foreign: (rt) => foreignInVpc(ctx, rt.Tags, rt.VpcId, vpcId),
    findByTags: async () => (fresh ? undefined : findRouteTable(ctx, { Filters: [...ctx.tags.filters(part), { Name: 'vpc-id', Values: [vpcId] }] })),
    create: async () => {
      const { RouteTable } = await ctx.aws.ec2.send(
        new CreateRouteTableCommand({ VpcId: vpcId, TagSpecifications: [{ ResourceType: 'route-table', Tags: ctx.tags.list('network', part) }] }),
      );
      return RouteTable!;
    },
    id: (rt) => rt.RouteTableId!,
  });
  // As found, adopted or made: what the route and the associations start from.
  if (resource?.RouteTableId) tables.seen(resource);
  return id;
}

async function deleteRouteTable(ctx: StepContext, tier: Tier, vpcId: string | undefined, owned: OwnedReads): Promise<void> {
  const part = `${tier}-rt`;
  const ec2 = ctx.aws.ec2;
  await remove(ctx, {
    key: KEYS.routeTable(tier),
    kind: `route table ${tier}`,
    confirm: { find: (id) => owned.routeTable(id), foreign: (rt) => foreignInVpc(ctx, rt.Tags, rt.VpcId, vpcId) },
    findByTags: async () => (vpcId === undefined ? undefined : findRouteTable(ctx, { Filters: [...ctx.tags.filters(part), { Name: 'vpc-id', Values: [vpcId] }] })),
    id: (rt) => rt.RouteTableId!,
    delete: async (id) => {
      // Associations take no tags: with a lost state file they are only found through their table.
      for (const a of (await findRouteTable(ctx, { RouteTableIds: [id] }))?.Associations ?? []) {
        if (a.Main || !a.RouteTableAssociationId) continue;
        await ignoringGone(() => ec2.send(new DisassociateRouteTableCommand({ AssociationId: a.RouteTableAssociationId })), (e) =>
          isAwsError(e, 'InvalidAssociationID.NotFound'),
        );
      }
      await retryWhile(ctx, `route table ${id} to lose its subnet associations`, 120, ['DependencyViolation'], () =>
        ignoringGone(() => ec2.send(new DeleteRouteTableCommand({ RouteTableId: id })), (e) => isAwsError(e, 'InvalidRouteTableID.NotFound')),
      );
    },
  });
}

/** Each subnet's association with its tier's table: no tags, found by table and subnet. */
async function ensureAssociations(
  ctx: StepContext,
  tables: Record<Tier, string>,
  subnets: Record<Tier, string[]>,
  reader: RouteTableReader,
): Promise<void> {
  type Association = { RouteTableAssociationId: string; RouteTableId: string; SubnetId: string };
  const associations = async (tableId: string) =>
    isKnown(tableId) ? (((await reader.read(tableId))?.Associations ?? []).filter((a) => a.SubnetId) as Association[]) : [];
  const ensureAssociation = async (tier: Tier, i: number, subnetId: string): Promise<void> => {
    const tableId = tables[tier];
    const lookup = async () => (await associations(tableId)).find((a) => a.SubnetId === subnetId);
    await ensure<Association>(ctx, {
      key: KEYS.association(tier, i),
      kind: `route table association ${subnetPart(tier, i)} → ${tier}`,
      needs: [tableId, subnetId],
      // Found only in the stack's table (confirmed above) for the stack's subnet: another ID reads as gone.
      foreign: () => undefined,
      find: async (id) => ((await lookup())?.RouteTableAssociationId === id ? lookup() : undefined),
      findByTags: lookup,
      create: async () => {
        const { AssociationId } = await ctx.aws.ec2.send(new AssociateRouteTableCommand({ RouteTableId: tableId, SubnetId: subnetId }));
        return { RouteTableAssociationId: AssociationId!, RouteTableId: tableId, SubnetId: subnetId };
      },
      id: (a) => a.RouteTableAssociationId,
    });
  };
  await allSettled(TIERS.flatMap((tier) => subnets[tier].map((subnetId, i) => ensureAssociation(tier, i, subnetId))));
}

async function deleteAssociation(ctx: StepContext, tier: Tier, i: number, owned: OwnedReads): Promise<void> {
  const table = ctx.state.get(KEYS.routeTable(tier))?.id;
  await remove(ctx, {
    key: KEYS.association(tier, i),
    kind: `route table association ${subnetPart(tier, i)}`,
    // Takes no tags: the stack's when it is in the stack's table for its tier, which carries the stack's tag.
    confirm: {
      find: (id) => owned.tableOfAssociation(id),
      foreign: (rt) => firstForeign(foreignByParent('route table', rt.RouteTableId, table), foreignByTags(ctx, rt.Tags)),
    },
    delete: (id) =>
      ignoringGone(() => ctx.aws.ec2.send(new DisassociateRouteTableCommand({ AssociationId: id })), (e) =>
        isAwsError(e, 'InvalidAssociationID.NotFound'),
      ),
  });
}
