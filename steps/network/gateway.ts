// The internet gateway, attached to the VPC; detached and deleted on destroy.
import {
  AttachInternetGatewayCommand,
  CreateInternetGatewayCommand,
  DeleteInternetGatewayCommand,
  DescribeInternetGatewaysCommand,
  DetachInternetGatewayCommand,
  paginateDescribeInternetGateways,
  type DescribeInternetGatewaysCommandInput,
  type InternetGateway,
} from '@aws-sdk/client-ec2';
import { EC2_NOT_FOUND, retryWhileNotFound } from '../../src/aws/consistency';
import { GONE, isGone } from '../../src/aws/gone';
import { unlessNotFound } from '../../src/aws/errors';
import { EC2_PAGE, firstItem } from '../../src/aws/pages';
import { retryWhile } from '../../src/aws/wait';
import { ensure, ignoringGone, remove } from '../../src/reconcile';
import { type StepContext } from '../../src/step';
import { foreignByTags } from '../lib/owned';
import { KEYS } from './keys';

async function findGateway(ctx: StepContext, filters: DescribeInternetGatewaysCommandInput): Promise<InternetGateway | undefined> {
  return (await unlessNotFound(ctx.aws.ec2.send(new DescribeInternetGatewaysCommand(filters)), ...GONE.ec2.internetGateway))?.InternetGateways?.[0];
}

/** A search by tags reads page after page (a lookup by ID above is answered whole). */
function findGatewayByTags(ctx: StepContext): Promise<InternetGateway | undefined> {
  return firstItem(paginateDescribeInternetGateways({ client: ctx.aws.ec2, ...EC2_PAGE }, { Filters: ctx.tags.filters('igw') }), (page) => page.InternetGateways);
}

export async function ensureInternetGateway(ctx: StepContext, vpcId: string): Promise<string> {
  const ec2 = ctx.aws.ec2;
  const attached = (igw: InternetGateway) => igw.Attachments?.some((a) => a.VpcId === vpcId && a.State !== 'detaching' && a.State !== 'detached');
  const { id } = await ensure<InternetGateway>(ctx, {
    key: KEYS.internetGateway,
    kind: 'internet gateway',
    needs: [vpcId],
    find: (id) => findGateway(ctx, { InternetGatewayIds: [id] }),
    foreign: (igw) => foreignByTags(ctx, igw.Tags),
    findByTags: () => findGatewayByTags(ctx),
    create: async () => {
      const { InternetGateway } = await ec2.send(
        new CreateInternetGatewayCommand({ TagSpecifications: [{ ResourceType: 'internet-gateway', Tags: ctx.tags.list('network', 'igw') }] }),
      );
      return InternetGateway!;
    },
    id: (igw) => igw.InternetGatewayId!,
    drift: (igw) => (attached(igw) ? [] : ['attachment']),
    update: async (igw) => {
      await retryWhileNotFound(ctx, `AttachInternetGateway ${igw.InternetGatewayId} to ${vpcId}`, [EC2_NOT_FOUND.internetGateway, EC2_NOT_FOUND.vpc], () =>
        ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: igw.InternetGatewayId, VpcId: vpcId })),
      );
    },
  });
  return id;
}

export async function deleteInternetGateway(ctx: StepContext, vpcId: string | undefined): Promise<void> {
  const ec2 = ctx.aws.ec2;
  let gateway: Promise<InternetGateway | undefined> | undefined;
  await remove(ctx, {
    key: KEYS.internetGateway,
    kind: 'internet gateway',
    findByTags: () => findGatewayByTags(ctx),
    id: (igw) => igw.InternetGatewayId!,
    // The gateway as this read finds it is also what the delete detaches.
    confirm: { find: (id) => (gateway ??= findGateway(ctx, { Filters: [{ Name: 'internet-gateway-id', Values: [id] }] })), foreign: (igw) => foreignByTags(ctx, igw.Tags) },
    delete: async (id) => {
      const igw = await (gateway ??= findGateway(ctx, { InternetGatewayIds: [id] }));
      for (const a of igw?.Attachments ?? []) {
        // The NAT's public IP keeps the gateway attached until the NAT is gone; AWS says DependencyViolation.
        await retryWhile(ctx, `internet gateway ${id} to detach from ${a.VpcId}`, 300, ['DependencyViolation'], () =>
          ignoringGone(() => ec2.send(new DetachInternetGatewayCommand({ InternetGatewayId: id, VpcId: a.VpcId ?? vpcId })), isGone(GONE.ec2.internetGatewayAttachment)),
        );
      }
      await ignoringGone(() => ec2.send(new DeleteInternetGatewayCommand({ InternetGatewayId: id })), isGone(GONE.ec2.internetGateway));
    },
  });
}
