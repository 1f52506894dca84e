// The public and private subnets, one per AZ and tier; deleted once the interfaces in them are gone.
import {
  CreateSubnetCommand,
  DeleteSubnetCommand,
  DescribeAvailabilityZonesCommand,
  DescribeSubnetsCommand,
  ModifySubnetAttributeCommand,
  paginateDescribeSubnets,
  type Subnet,
} from '@aws-sdk/client-ec2';
import { EC2_NOT_FOUND, retryWhileNotFound } from '../../src/aws/consistency';
import { GONE, isGone } from '../../src/aws/gone';
import { unlessNotFound } from '../../src/aws/errors';
import { allItems, EC2_PAGE, firstItem } from '../../src/aws/pages';
import { retryWhile } from '../../src/aws/wait';
import { subnetPlan } from '../../src/config';
import { ownNetwork } from '../../src/network-config';
import { ConfigError } from '../../src/errors';
import { ensure, ignoringGone, remove } from '../../src/reconcile';
import { isKnown, type StepContext } from '../../src/step';
import { KEYS, subnetPart, TIERS, type Tier } from './keys';
import { foreignInVpc, type OwnedReads } from './owned';
import { allSettled } from '../lib/all-settled';

export async function ensureSubnets(ctx: StepContext, vpcId: string, fresh: boolean): Promise<Record<Tier, string[]>> {
  const ec2 = ctx.aws.ec2;
  const network = ownNetwork(ctx.config);
  const plan = subnetPlan(network);
  // One read for every subnet of the VPC; each spec below looks in it.
  const inVpc =
    isKnown(vpcId) && !fresh
      ? await allItems(paginateDescribeSubnets({ client: ec2, ...EC2_PAGE }, { Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }), (page) => page.Subnets)
      : [];
  let zones: Promise<string[]> | undefined;
  const zone = async (i: number) => {
    const names = await (zones ??= availabilityZones(ctx));
    const name = names[i];
    if (!name) throw new ConfigError(`network.azs is ${network.azs}, but ${ctx.config.region} has only ${names.length} availability zones`);
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
        (await unlessNotFound(ec2.send(new DescribeSubnetsCommand({ SubnetIds: [id] })), ...GONE.ec2.subnet))?.Subnets?.[0],
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
        await retryWhileNotFound(ctx, `ModifySubnetAttribute on subnet ${s.SubnetId}`, [EC2_NOT_FOUND.subnet], () =>
          ec2.send(new ModifySubnetAttributeCommand({ SubnetId: s.SubnetId, MapPublicIpOnLaunch: { Value: true } })),
        );
      },
    });
    return id;
  };
  // Every subnet at once; the result lists each tier's in AZ order.
  const count = network.azs;
  const ids = await allSettled(TIERS.flatMap((tier) => Array.from({ length: count }, (_, i) => ensureSubnet(tier, i))));
  return { public: ids.slice(0, count), private: ids.slice(count) };
}

async function availabilityZones(ctx: StepContext): Promise<string[]> {
  const { AvailabilityZones } = await ctx.aws.ec2.send(
    new DescribeAvailabilityZonesCommand({ Filters: [{ Name: 'state', Values: ['available'] }, { Name: 'zone-type', Values: ['availability-zone'] }] }),
  );
  return (AvailabilityZones ?? []).map((z) => z.ZoneName!).sort();
}

export async function deleteSubnet(ctx: StepContext, tier: Tier, i: number, vpcId: string | undefined, owned: OwnedReads): Promise<void> {
  const part = subnetPart(tier, i);
  await remove(ctx, {
    key: KEYS.subnet(tier, i),
    kind: `subnet ${part}`,
    confirm: { find: (id) => owned.subnet(id), foreign: (s) => foreignInVpc(ctx, s.Tags, s.VpcId, vpcId) },
    findByTags: async () =>
      vpcId === undefined
        ? undefined
        : await firstItem(
            paginateDescribeSubnets({ client: ctx.aws.ec2, ...EC2_PAGE }, { Filters: [...ctx.tags.filters(part), { Name: 'vpc-id', Values: [vpcId] }] }),
            (page) => page.Subnets,
          ),
    id: (s) => s.SubnetId!,
    delete: (id) =>
      retryWhile(ctx, `subnet ${part} (${id}) to be free of network interfaces`, 300, ['DependencyViolation'], () =>
        ignoringGone(() => ctx.aws.ec2.send(new DeleteSubnetCommand({ SubnetId: id })), isGone(GONE.ec2.subnet)),
      ),
  });
}
