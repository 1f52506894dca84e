// The VPC: made with DNS support and hostnames, its CIDR fixed once made; deleted last, naming
// whatever else is still in it.
import {
  CreateVpcCommand,
  DeleteVpcCommand,
  DescribeVpcAttributeCommand,
  DescribeVpcsCommand,
  ModifyVpcAttributeCommand,
  paginateDescribeInternetGateways,
  paginateDescribeNetworkInterfaces,
  paginateDescribeRouteTables,
  paginateDescribeSecurityGroups,
  paginateDescribeSubnets,
  paginateDescribeVpcs,
  type Vpc,
} from '@aws-sdk/client-ec2';
import { EC2_NOT_FOUND, retryWhileNotFound } from '../../src/aws/consistency';
import { GONE, isGone } from '../../src/aws/gone';
import { isAwsError, unlessNotFound } from '../../src/aws/errors';
import { allItems, EC2_PAGE, EC2_ROUTE_TABLE_PAGE, firstItem } from '../../src/aws/pages';
import { retryWhile } from '../../src/aws/wait';
import { ConfigError, ForeignResourceError } from '../../src/errors';
import { ownNetwork } from '../../src/network-config';
import { ensure, ignoringGone, remove } from '../../src/reconcile';
import { type Outcome, type StepContext } from '../../src/step';
import { foreignByTags } from '../lib/owned';
import { KEYS } from './keys';
import type { OwnedReads } from './owned';

interface VpcWithDns extends Vpc {
  dnsSupport?: boolean;
  dnsHostnames?: boolean;
}

export async function findVpcByTags(ctx: StepContext): Promise<Vpc | undefined> {
  return firstItem(paginateDescribeVpcs({ client: ctx.aws.ec2, ...EC2_PAGE }, { Filters: ctx.tags.filters('vpc') }), (page) => page.Vpcs);
}

/** A VPC just listed: a NotFound from its attribute reads means it is too new for them, not gone. */
async function withDns(ctx: StepContext, vpc: Vpc | undefined): Promise<VpcWithDns | undefined> {
  if (!vpc) return undefined;
  const dns = await readDns(ctx, vpc.VpcId!, { listed: true });
  return dns && { ...vpc, ...dns };
}

/** AWS takes one attribute per call; undefined when the VPC is gone. */
async function readDns(ctx: StepContext, VpcId: string, { listed = false } = {}): Promise<Pick<VpcWithDns, 'dnsSupport' | 'dnsHostnames'> | undefined> {
  const attr = (Attribute: 'enableDnsSupport' | 'enableDnsHostnames') => {
    const read = () => ctx.aws.ec2.send(new DescribeVpcAttributeCommand({ VpcId, Attribute }));
    return listed ? retryWhileNotFound(ctx, `DescribeVpcAttribute ${Attribute} of VPC ${VpcId}`, [EC2_NOT_FOUND.vpc], read) : unlessNotFound(read(), ...GONE.ec2.vpc);
  };
  const [support, hostnames] = await Promise.all([attr('enableDnsSupport'), attr('enableDnsHostnames')]);
  if (!support || !hostnames) return undefined;
  return { dnsSupport: support.EnableDnsSupport?.Value, dnsHostnames: hostnames.EnableDnsHostnames?.Value };
}

export async function ensureVpc(ctx: StepContext): Promise<{ id: string; outcome: Outcome }> {
  const ec2 = ctx.aws.ec2;
  const cidr = ownNetwork(ctx.config).cidr;
  const { id, outcome } = await ensure<VpcWithDns>(ctx, {
    key: KEYS.vpc,
    kind: 'VPC',
    // A VPC's CIDR can't change: the one recorded when it was made or adopted stands. The VPC (its
    // tags say whose it is) and its DNS attributes are read together.
    find: async (id) => {
      const [described, dns] = await Promise.all([
        unlessNotFound(ec2.send(new DescribeVpcsCommand({ VpcIds: [id] })), ...GONE.ec2.vpc),
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
        const input = { VpcId: vpc.VpcId, [attribute === 'enableDnsSupport' ? 'EnableDnsSupport' : 'EnableDnsHostnames']: { Value: true } };
        await retryWhileNotFound(ctx, `ModifyVpcAttribute on VPC ${vpc.VpcId}`, [EC2_NOT_FOUND.vpc], () => ec2.send(new ModifyVpcAttributeCommand(input)));
      }
    },
  });
  return { id, outcome };
}

export async function deleteVpc(ctx: StepContext, owned: OwnedReads): Promise<void> {
  await remove(ctx, {
    key: KEYS.vpc,
    kind: 'VPC',
    findByTags: () => findVpcByTags(ctx),
    id: (vpc) => vpc.VpcId!,
    confirm: { find: () => owned.vpc(), foreign: (vpc) => foreignByTags(ctx, vpc.Tags) },
    delete: (id) =>
      retryWhile(ctx, `VPC ${id} to be empty`, 600, ['DependencyViolation'], async () => {
        try {
          await ignoringGone(() => ctx.aws.ec2.send(new DeleteVpcCommand({ VpcId: id })), isGone(GONE.ec2.vpc));
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
  const client = ctx.aws.ec2;
  const Filters = [{ Name: 'vpc-id', Values: [vpcId] }];
  const [groups, subnets, tables, gateways, interfaces] = await Promise.all([
    allItems(paginateDescribeSecurityGroups({ client, ...EC2_PAGE }, { Filters }), (page) => page.SecurityGroups),
    allItems(paginateDescribeSubnets({ client, ...EC2_PAGE }, { Filters }), (page) => page.Subnets),
    allItems(paginateDescribeRouteTables({ client, ...EC2_ROUTE_TABLE_PAGE }, { Filters }), (page) => page.RouteTables),
    allItems(paginateDescribeInternetGateways({ client, ...EC2_PAGE }, { Filters: [{ Name: 'attachment.vpc-id', Values: [vpcId] }] }), (page) => page.InternetGateways),
    allItems(paginateDescribeNetworkInterfaces({ client, ...EC2_PAGE }, { Filters }), (page) => page.NetworkInterfaces),
  ]);
  return [
    ...groups.filter((g) => g.GroupName !== 'default').map((g) => `security group ${g.GroupId} (${g.GroupName})`),
    ...subnets.map((n) => `subnet ${n.SubnetId} (${n.CidrBlock})`),
    ...tables.filter((t) => !t.Associations?.some((a) => a.Main)).map((t) => `route table ${t.RouteTableId}`),
    ...gateways.map((g) => `internet gateway ${g.InternetGatewayId}`),
    ...interfaces.map((n) => `network interface ${n.NetworkInterfaceId} (${n.Description || n.InterfaceType || 'no description'})`),
  ];
}
