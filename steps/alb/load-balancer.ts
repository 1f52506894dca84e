// The load balancer and its security group: internet-facing, in the public subnets, HTTP(S) from
// anywhere, and (blue/green) the test listeners' ports.
import {
  CreateLoadBalancerCommand,
  DeleteLoadBalancerCommand,
  DescribeLoadBalancersCommand,
  SetSecurityGroupsCommand,
  SetSubnetsCommand,
  waitUntilLoadBalancersDeleted,
  type LoadBalancer,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { unlessNotFound } from '../../src/aws/errors';
import { untilSdk } from '../../src/aws/wait';
import { testPort } from '../../src/config';
import { servesHttps } from '../../src/domain-config';
import { ensure, ignoringGone, remove, type Ensured } from '../../src/reconcile';
import { isKnown, type StepContext } from '../../src/step';
import { findLoadBalancerByName, foreignLoadBalancerArn, GONE, isGone, notOurs } from '../lib/elbv2';
import { ensureSecurityGroup } from '../lib/security-group';
import { findVpcByTags, importedVpcCidrs, KEYS as NETWORK, subnetIds, vpcIdOf } from '../network';
import { importedNetwork, ownNetwork } from '../../src/network-config';
import { sameSet } from '../lib/compare';
import { isBlueGreen, KEYS, ours } from './names';

export async function ensureAlbSecurityGroup(ctx: StepContext) {
  const port = ctx.config.services.containerPort;
  // The VPC's CIDR: the one shipline made, or every block of an imported VPC (the preflight's read).
  const imported = importedNetwork(ctx.config);
  const vpcCidrs = imported ? await importedVpcCidrs(ctx, imported) : [ownNetwork(ctx.config).cidr];
  return ensureSecurityGroup(ctx, {
    key: KEYS.securityGroup,
    part: 'alb',
    vpcId: vpcIdOf(ctx),
    description: `shipline ${ctx.tags.stack}: load balancer, HTTP(S) from anywhere`,
    ingress: [
      { protocol: 'tcp', fromPort: 80, toPort: 80, cidr: '0.0.0.0/0', description: 'HTTP from anywhere' },
      ...(servesHttps(ctx.config)
        ? [{ protocol: 'tcp' as const, fromPort: 443, toPort: 443, cidr: '0.0.0.0/0', description: 'HTTPS from anywhere' }]
        : []),
      // Blue/green: the test listeners, open to the same sources as the production listener.
      ...(isBlueGreen(ctx)
        ? ctx.config.environments.map((env) => {
            const p = testPort(ctx.config, env.name);
            return { protocol: 'tcp' as const, fromPort: p, toPort: p, cidr: '0.0.0.0/0', description: `blue/green test listener (${env.name})` };
          })
        : []),
    ],
    // The load balancer only talks to the tasks, inside the VPC.
    egress: vpcCidrs.map((cidr) => ({ protocol: 'tcp' as const, fromPort: port, toPort: port, cidr, description: 'to the tasks' })),
  });
}

export async function ensureLoadBalancer(ctx: StepContext, securityGroupId: string): Promise<Ensured<LoadBalancer>> {
  const elb = ctx.aws.elbv2;
  const name = ctx.tags.name('alb');
  const subnets = subnetIds(ctx, 'public');
  return ensure<LoadBalancer>(ctx, {
    key: KEYS.loadBalancer,
    kind: `load balancer ${name}`,
    needs: [...subnets, securityGroupId],
    foreignId: (arn) => foreignLoadBalancerArn(arn, name),
    foreign: () => undefined,
    find: (arn) => describeLoadBalancer(ctx, arn),
    findByTags: async () => {
      const found = await findLoadBalancerByName(ctx, name);
      if (found && !found.owned) throw notOurs(ctx, `a load balancer named ${name}`);
      return found?.resource;
    },
    create: async () => {
      const { LoadBalancers } = await elb.send(
        new CreateLoadBalancerCommand({
          Name: name,
          Type: 'application',
          Scheme: 'internet-facing',
          IpAddressType: 'ipv4',
          Subnets: subnets as string[],
          SecurityGroups: [securityGroupId],
          Tags: ctx.tags.list('alb', 'alb'),
        }),
      );
      return LoadBalancers![0]!;
    },
    id: (lb) => lb.LoadBalancerArn!,
    attributes: (lb) => ({ arn: lb.LoadBalancerArn, dnsName: lb.DNSName }),
    drift: (lb) => [
      ...(sameSet(lb.SecurityGroups, [securityGroupId]) ? [] : ['securityGroups']),
      ...(sameSet(lb.AvailabilityZones?.map((z) => z.SubnetId), subnets) ? [] : ['subnets']),
    ],
    update: async (lb, changes) => {
      const LoadBalancerArn = lb.LoadBalancerArn;
      if (changes.includes('securityGroups')) await elb.send(new SetSecurityGroupsCommand({ LoadBalancerArn, SecurityGroups: [securityGroupId] }));
      if (changes.includes('subnets')) await elb.send(new SetSubnetsCommand({ LoadBalancerArn, Subnets: subnets as string[] }));
    },
  });
}

/**
 * The load balancer as AWS describes it, or undefined once it is gone. Shared by the run: the
 * `alb-active` step finds in the alb step's answer whether it still has to wait.
 */
export function describeLoadBalancer(ctx: StepContext, arn: string): Promise<LoadBalancer | undefined> {
  return ctx.shared.once(`elbv2:load-balancer:${arn}`, async () =>
    (await unlessNotFound(ctx.aws.elbv2.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [arn] })), ...GONE.loadBalancer))?.LoadBalancers?.[0],
  );
}

export async function deleteLoadBalancer(ctx: StepContext): Promise<void> {
  const elb = ctx.aws.elbv2;
  const name = ctx.tags.name('alb');
  await remove<LoadBalancer>(ctx, {
    key: KEYS.loadBalancer,
    kind: `load balancer ${name}`,
    findByTags: async () => ours(ctx, await findLoadBalancerByName(ctx, name), `load balancer ${name}`),
    id: (lb) => lb.LoadBalancerArn!,
    confirm: { foreignId: (arn) => foreignLoadBalancerArn(arn, name) },
    delete: async (arn) => {
      // AWS answers success for a load balancer already gone; the waiter's NotFound is the goal.
      await ignoringGone(() => elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: arn })), isGone('loadBalancer'));
      await untilSdk(ctx, `load balancer ${name} to be deleted`, 600, waitUntilLoadBalancersDeleted, elb, { LoadBalancerArns: [arn] });
    },
  });
}

/** The VPC the security group lives in: the network's record, or (a lost state) found by its tags. */
export async function vpcId(ctx: StepContext): Promise<string | undefined> {
  const imported = importedNetwork(ctx.config);
  if (imported) return imported.vpcId; // never looked up by tags: the user's VPC is not the stack's
  const fromState = ctx.state.get(NETWORK.vpc)?.id;
  // The VPC is only needed to find the group by its tags.
  if (isKnown(fromState) || ctx.state.get(KEYS.securityGroup)) return fromState;
  return (await findVpcByTags(ctx))?.VpcId;
}
