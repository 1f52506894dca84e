// The NAT: private subnets reach the internet through a fck-nat EC2 instance (cheap), or through a
// managed NAT gateway (`nat.mode: "nat-gateway"`, paid). Either way the private route table's
// default route points at it; switching modes moves the route first, then removes the old NAT.
// `nat.mode: "none"` (an imported VPC) makes and deletes nothing: the route tables are the user's.
import {
  AllocateAddressCommand,
  CreateNatGatewayCommand,
  DeleteNatGatewayCommand,
  DescribeAddressesCommand,
  DescribeInstancesCommand,
  DescribeNatGatewaysCommand,
  ModifyInstanceAttributeCommand,
  ModifyInstanceMetadataOptionsCommand,
  ReleaseAddressCommand,
  RunInstancesCommand,
  StartInstancesCommand,
  TerminateInstancesCommand,
  paginateDescribeImages,
  paginateDescribeInstances,
  paginateDescribeNatGateways,
  waitUntilInstanceRunning,
  waitUntilInstanceStopped,
  waitUntilInstanceTerminated,
  waitUntilNatGatewayAvailable,
  waitUntilNatGatewayDeleted,
  type Address,
  type Filter,
  type Instance,
  type NatGateway,
} from '@aws-sdk/client-ec2';
import { EC2_NOT_FOUND, retryWhileNotFound } from '../src/aws/consistency';
import { GONE, isGone } from '../src/aws/gone';
import { isAwsError, unlessNotFound } from '../src/aws/errors';
import { allItems, EC2_PAGE, firstItem } from '../src/aws/pages';
import { retryWhile, untilSdk } from '../src/aws/wait';
import { ConfigError } from '../src/errors';
import { ensure, ignoringGone, remove } from '../src/reconcile';
import { isKnown, type Outcome, type Step, type StepContext } from '../src/step';
import { deleteSecurityGroup, ensureSecurityGroup } from './lib/security-group';
import { deleteRoute, ensureRoute, routeTableSnapshot, type RouteTarget } from './lib/route';
import { foreignByTags } from './lib/owned';

/**
 * EC2 refuses a recorded client token when its instance is terminated (IdempotentInstanceTerminated)
 * or when the request differs from the token's first one (IdempotentParameterMismatch: the subnet
 * or group it named was replaced since): either way only a fresh token makes the resource.
 * https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-idempotency.html
 */
const tokenRefused = (e: unknown): boolean => isAwsError(e, 'IdempotentInstanceTerminated', 'IdempotentParameterMismatch');
import { KEYS as NETWORK, subnetIds } from './network';
import { ownNetwork } from '../src/network-config';

/** fck-nat's publisher; its AMIs are looked up, never pinned (old public AMIs get deprecated). */
export const FCK_NAT_OWNER = '568608671756';
export const FCK_NAT_NAME = 'fck-nat-al2023-hvm-*';

export const KEYS = {
  securityGroup: 'nat.securityGroup',
  instance: 'nat.instance',
  address: 'nat.address',
  gateway: 'nat.gateway',
  route: 'nat.route.private',
};

const LIVE_STATES = ['pending', 'running', 'stopping', 'stopped'];

export const nat: Step = {
  name: 'nat',
  after: ['network'],

  async reconcile(ctx) {
    if (ctx.config.nat.mode === 'none') return ctx.log.debug('nat.mode is "none": the imported VPC brings its own way out');
    const nat = ctx.config.nat.mode === 'instance' ? await ensureNatInstance(ctx) : await ensureNatGateway(ctx);
    const routeTableId = ctx.state.get(NETWORK.routeTable('private'))?.id;
    await ensureRoute(ctx, {
      key: KEYS.route,
      kind: `route 0.0.0.0/0 → NAT ${ctx.config.nat.mode} (private)`,
      routeTableId,
      destination: '0.0.0.0/0',
      target: nat.target,
      // The network step's read of the table in this run, when it made one: it can only confirm.
      snapshot: () => routeTableSnapshot(ctx, routeTableId),
    });
    // The route has moved: what the other mode left behind can go. When the NAT in use was found
    // by the ID in state, the state is intact and holds whatever the other mode made (a create cut
    // short leaves its token): only what it records is looked at. A NAT adopted or made anew may
    // mean a lost state: then the other mode's resources are looked up by their tags too.
    const lookUp = nat.outcome !== 'unchanged' && nat.outcome !== 'updated';
    if (ctx.config.nat.mode === 'instance') await deleteNatGateway(ctx, lookUp);
    else await deleteNatInstance(ctx, lookUp);
  },

  outputs(state) {
    const instance = state.get(KEYS.instance)?.id;
    const gateway = state.get(KEYS.gateway)?.id;
    if (instance) return [{ key: 'nat', label: 'NAT', value: `fck-nat instance ${instance}`, json: { instanceId: instance } }];
    if (gateway) {
      const ip = state.get(KEYS.address)?.publicIp;
      return [{ key: 'nat', label: 'NAT', value: `NAT gateway ${gateway} (${ip ?? 'no IP'})`, json: { gatewayId: gateway, ...(ip ? { publicIp: ip } : {}) } }];
    }
    return [];
  },

  async destroy(ctx) {
    // No NAT in an imported VPC, and its route tables are not the stack's to touch.
    if (ctx.config.nat.mode === 'none') return;
    // The route, the instance and the gateway at once (the route is sent first): the lookups for
    // the mode not in use, and the route's delete, overlap the NAT's own wait.
    const results = await Promise.allSettled([
      deleteRoute(ctx, KEYS.route, 'route 0.0.0.0/0 (private)', ctx.state.get(NETWORK.routeTable('private'))?.id, '0.0.0.0/0'),
      deleteNatInstance(ctx, true),
      deleteNatGateway(ctx, true),
    ]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  },
};

// ---- fck-nat instance ----------------------------------------------------------------------

/** The NAT in use: where the private route goes, and how it was found. */
interface EnsuredNat {
  target: RouteTarget | undefined;
  outcome: Outcome;
}

async function ensureNatInstance(ctx: StepContext): Promise<EnsuredNat> {
  const ec2 = ctx.aws.ec2;
  const vpcId = ctx.state.get(NETWORK.vpc)?.id;
  const subnetId = subnetIds(ctx, 'public')[0];
  const sg = await ensureSecurityGroup(ctx, {
    key: KEYS.securityGroup,
    part: 'nat',
    vpcId,
    description: `shipline ${ctx.tags.stack}: NAT instance, all traffic from the VPC`,
    ingress: [{ protocol: '-1', cidr: ownNetwork(ctx.config).cidr, description: 'everything from inside the VPC' }],
  });
  const describe = async (input: { InstanceIds?: string[]; Filters?: Filter[] }) =>
    (await unlessNotFound(ec2.send(new DescribeInstancesCommand(input)), ...GONE.ec2.instance))?.Reservations?.flatMap((r) => r.Instances ?? []) ?? [];
  const { id, resource, outcome } = await ensure<Instance>(ctx, {
    key: KEYS.instance,
    kind: 'NAT instance (fck-nat)',
    needs: [subnetId, sg.id],
    clientToken: true,
    find: async (id) => (await describe({ InstanceIds: [id] })).find((i) => LIVE_STATES.includes(i.State?.Name ?? '')),
    foreign: (i) => foreignByTags(ctx, i.Tags),
    findByTags: () => findNatInstanceByTags(ctx),
    create: async (ClientToken) => {
      const { Instances } = await ec2.send(
        new RunInstancesCommand({
          ClientToken,
          ImageId: await natImage(ctx),
          InstanceType: ctx.config.nat.instanceType as never,
          MinCount: 1,
          MaxCount: 1,
          NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: subnetId, Groups: [sg.id], AssociatePublicIpAddress: true }],
          MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled' },
          TagSpecifications: [
            { ResourceType: 'instance', Tags: ctx.tags.list('nat', 'nat') },
            { ResourceType: 'volume', Tags: ctx.tags.list('nat', 'nat') },
          ],
        }),
      );
      return Instances![0]!;
    },
    isGone: (i) => !LIVE_STATES.includes(i.State?.Name ?? ''),
    tokenRefused: tokenRefused,
    id: (i) => i.InstanceId!,
    attributes: (i) => ({ eni: i.NetworkInterfaces?.[0]?.NetworkInterfaceId }),
    drift: (i) => {
      if (i.InstanceType && i.InstanceType !== ctx.config.nat.instanceType) {
        ctx.log.warn({ id: i.InstanceId }, `nat.instanceType is ${ctx.config.nat.instanceType} but the NAT instance is ${i.InstanceType}; terminate it to have it replaced`);
      }
      return [
        // Stopped out of band: the private subnets have no way out until it runs again.
        ...(i.State?.Name === 'stopped' || i.State?.Name === 'stopping' ? ['running'] : []),
        ...(i.SourceDestCheck !== false ? ['sourceDestCheck'] : []),
        ...(i.MetadataOptions?.HttpTokens !== 'required' ? ['imdsv2'] : []),
      ];
    },
    update: async (i, changes) => {
      if (changes.includes('running')) {
        if (i.State?.Name === 'stopping') {
          await untilSdk(ctx, `NAT instance ${i.InstanceId} to finish stopping`, 600, waitUntilInstanceStopped, ec2, { InstanceIds: [i.InstanceId!] });
        }
        await ec2.send(new StartInstancesCommand({ InstanceIds: [i.InstanceId!] }));
      }
      // A NAT forwards packets that are neither from nor to itself.
      if (changes.includes('sourceDestCheck')) {
        await retryWhileNotFound(ctx, `ModifyInstanceAttribute on NAT instance ${i.InstanceId}`, [EC2_NOT_FOUND.instance], () =>
          ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: i.InstanceId, SourceDestCheck: { Value: false } })),
        );
      }
      if (changes.includes('imdsv2')) {
        await ec2.send(new ModifyInstanceMetadataOptionsCommand({ InstanceId: i.InstanceId, HttpTokens: 'required', HttpEndpoint: 'enabled' }));
      }
    },
  });
  if (!isKnown(id)) return { target: undefined, outcome };
  if (resource?.State?.Name !== 'running' && !ctx.dryRun) {
    await untilSdk(ctx, `NAT instance ${id} to be running`, 300, waitUntilInstanceRunning, ec2, { InstanceIds: [id] });
  }
  const eni = resource?.NetworkInterfaces?.[0]?.NetworkInterfaceId ?? ctx.state.get(KEYS.instance)?.eni;
  return { target: eni ? { NetworkInterfaceId: eni } : undefined, outcome };
}

/** The newest fck-nat AMI for the instance type's architecture, unless `nat.imageId` pins one. */
async function natImage(ctx: StepContext): Promise<string> {
  if (ctx.config.nat.imageId) return ctx.config.nat.imageId;
  const architecture = architectureOf(ctx.config.nat.instanceType);
  // fck-nat publishes a release after another: the list may run past one page.
  const Images = await allItems(
    paginateDescribeImages(
      { client: ctx.aws.ec2, ...EC2_PAGE },
      {
        Owners: [FCK_NAT_OWNER],
        Filters: [
          { Name: 'name', Values: [FCK_NAT_NAME] },
          { Name: 'architecture', Values: [architecture] },
          { Name: 'state', Values: ['available'] },
        ],
      },
    ),
    (page) => page.Images,
  );
  const newest = Images.filter((i) => i.ImageId).sort((a, b) => (b.CreationDate ?? '').localeCompare(a.CreationDate ?? ''))[0];
  if (!newest) {
    throw new ConfigError(
      `no fck-nat AMI found in ${ctx.config.region} (owner ${FCK_NAT_OWNER}, name ${FCK_NAT_NAME}, architecture ${architecture})`,
      { hint: 'set nat.imageId to an AMI of your choice, or nat.mode to "nat-gateway"' },
    );
  }
  ctx.log.debug({ imageId: newest.ImageId, name: newest.Name }, 'fck-nat AMI');
  return newest.ImageId!;
}

/**
 * Graviton families carry a `g` after the generation (t4g, c7gn, m8g); Graviton 1 is the `a1`
 * family, with none. Everything else is x86.
 */
export function architectureOf(instanceType: string): 'arm64' | 'x86_64' {
  const family = instanceType.split('.')[0] ?? '';
  return /^(a1|[a-z]+\d+g[a-z]*)$/.test(family) ? 'arm64' : 'x86_64';
}

/** The stack's live NAT instance by its tags, read page after page. */
function findNatInstanceByTags(ctx: StepContext): Promise<Instance | undefined> {
  const Filters = [...ctx.tags.filters('nat'), { Name: 'instance-state-name', Values: LIVE_STATES }];
  return firstItem(paginateDescribeInstances({ client: ctx.aws.ec2, ...EC2_PAGE }, { Filters }), (page) => page.Reservations?.flatMap((r) => r.Instances ?? []));
}

/** `lookUp`: also look for the instance and its security group by their tags when the state has no record of them. */
async function deleteNatInstance(ctx: StepContext, lookUp: boolean): Promise<void> {
  const ec2 = ctx.aws.ec2;
  await remove(ctx, {
    key: KEYS.instance,
    kind: 'NAT instance (fck-nat)',
    findByTags: async () => {
      if (!lookUp && ctx.state.get(KEYS.instance) === undefined) return undefined;
      return findNatInstanceByTags(ctx);
    },
    id: (i) => i.InstanceId!,
    // Filtered by ID, a gone instance is an empty answer rather than an error; its tags come with it.
    confirm: {
      find: async (id) =>
        (await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'instance-id', Values: [id] }] }))).Reservations?.flatMap((r) => r.Instances ?? [])[0],
      foreign: (i) => foreignByTags(ctx, i.Tags),
    },
    delete: async (id) => {
      // Gone long enough for AWS to forget it: nothing to wait for (the SDK's waiter would retry NotFound).
      const terminating = await unlessNotFound(ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] })), ...GONE.ec2.instance);
      if (terminating) await untilSdk(ctx, `NAT instance ${id} to terminate`, 600, waitUntilInstanceTerminated, ec2, { InstanceIds: [id] });
    },
  });
  await deleteSecurityGroup(ctx, KEYS.securityGroup, 'nat', ctx.state.get(NETWORK.vpc)?.id, { lookUp });
}

// ---- NAT gateway ---------------------------------------------------------------------------

async function ensureNatGateway(ctx: StepContext): Promise<EnsuredNat> {
  const ec2 = ctx.aws.ec2;
  const subnetId = subnetIds(ctx, 'public')[0];
  const findAddress = async (input: { AllocationIds?: string[]; Filters?: Filter[] }) =>
    (await unlessNotFound(ec2.send(new DescribeAddressesCommand(input)), ...GONE.ec2.address))?.Addresses?.[0];
  const address = await ensure<Address>(ctx, {
    key: KEYS.address,
    kind: 'Elastic IP for the NAT gateway',
    find: (id) => findAddress({ AllocationIds: [id] }),
    foreign: (a) => foreignByTags(ctx, a.Tags),
    findByTags: () => findAddress({ Filters: ctx.tags.filters('nat-eip') }),
    create: async () => {
      const out = await ec2.send(
        new AllocateAddressCommand({ Domain: 'vpc', TagSpecifications: [{ ResourceType: 'elastic-ip', Tags: ctx.tags.list('nat', 'nat-eip') }] }),
      );
      return { AllocationId: out.AllocationId, PublicIp: out.PublicIp };
    },
    id: (a) => a.AllocationId!,
    attributes: (a) => ({ publicIp: a.PublicIp }),
  });
  const live = (g: NatGateway) => g.State !== 'deleted' && g.State !== 'deleting' && g.State !== 'failed';
  const findGateway = async (NatGatewayIds: string[]) =>
    (await unlessNotFound(ec2.send(new DescribeNatGatewaysCommand({ NatGatewayIds })), ...GONE.ec2.natGateway))?.NatGateways?.find(live);
  const { id, resource, outcome } = await ensure<NatGateway>(ctx, {
    key: KEYS.gateway,
    kind: 'NAT gateway',
    needs: [subnetId, address.id],
    clientToken: true,
    find: (id) => findGateway([id]),
    foreign: (g) => foreignByTags(ctx, g.Tags),
    findByTags: () => findNatGatewayByTags(ctx, live),
    create: async (ClientToken) => {
      const { NatGateway } = await ec2.send(
        new CreateNatGatewayCommand({
          ClientToken,
          SubnetId: subnetId,
          AllocationId: address.id,
          TagSpecifications: [{ ResourceType: 'natgateway', Tags: ctx.tags.list('nat', 'nat-gateway') }],
        }),
      );
      return NatGateway!;
    },
    isGone: (g) => g.State === 'deleted' || g.State === 'deleting' || g.State === 'failed',
    tokenRefused,
    id: (g) => g.NatGatewayId!,
  });
  if (!isKnown(id)) return { target: undefined, outcome };
  if (resource?.State !== 'available' && !ctx.dryRun) {
    await untilSdk(ctx, `NAT gateway ${id} to be available`, 600, waitUntilNatGatewayAvailable, ec2, { NatGatewayIds: [id] });
  }
  return { target: { NatGatewayId: id }, outcome };
}

/** The stack's NAT gateway by its tags, the first in a state `wanted` accepts (deleted ones stay listed), read page after page. */
function findNatGatewayByTags(ctx: StepContext, wanted: (gateway: NatGateway) => boolean): Promise<NatGateway | undefined> {
  return firstItem(paginateDescribeNatGateways({ client: ctx.aws.ec2, ...EC2_PAGE }, { Filter: ctx.tags.filters('nat-gateway') }), (page) => page.NatGateways, wanted);
}

/** `lookUp`: also look for the gateway and its address by their tags when the state has no record of them. */
async function deleteNatGateway(ctx: StepContext, lookUp: boolean): Promise<void> {
  const ec2 = ctx.aws.ec2;
  const unrecorded = (key: string) => !lookUp && ctx.state.get(key) === undefined;
  await remove(ctx, {
    key: KEYS.gateway,
    kind: 'NAT gateway',
    findByTags: async () =>
      unrecorded(KEYS.gateway)
        ? undefined
        : findNatGatewayByTags(ctx, (g) => g.State !== 'deleted'),
    id: (g) => g.NatGatewayId!,
    confirm: {
      find: async (id) => (await ec2.send(new DescribeNatGatewaysCommand({ Filter: [{ Name: 'nat-gateway-id', Values: [id] }] }))).NatGateways?.[0],
      foreign: (g) => foreignByTags(ctx, g.Tags),
    },
    delete: async (id) => {
      const deleting = await unlessNotFound(ec2.send(new DeleteNatGatewayCommand({ NatGatewayId: id })), ...GONE.ec2.natGateway);
      if (deleting) await untilSdk(ctx, `NAT gateway ${id} to be deleted`, 600, waitUntilNatGatewayDeleted, ec2, { NatGatewayIds: [id] });
    },
  });
  await remove(ctx, {
    key: KEYS.address,
    kind: 'Elastic IP for the NAT gateway',
    findByTags: async () =>
      unrecorded(KEYS.address) ? undefined : (await ec2.send(new DescribeAddressesCommand({ Filters: ctx.tags.filters('nat-eip') }))).Addresses?.[0],
    id: (a) => a.AllocationId!,
    confirm: {
      find: async (id) => (await ec2.send(new DescribeAddressesCommand({ Filters: [{ Name: 'allocation-id', Values: [id] }] }))).Addresses?.[0],
      foreign: (a) => foreignByTags(ctx, a.Tags),
    },
    // The address stays associated for a moment after the gateway is deleted.
    delete: (id) =>
      retryWhile(ctx, `Elastic IP ${id} to be released by the NAT gateway`, 120, ['InvalidIPAddress.InUse', 'AuthFailure'], () =>
        ignoringGone(() => ec2.send(new ReleaseAddressCommand({ AllocationId: id })), isGone(GONE.ec2.address)),
      ),
  });
}
