// Elastic Load Balancing v2 helpers shared by the steps that own load balancer pieces (the ALB, and
// blue/green's second target group and test listener): "already gone" codes, tags read in
// batches, lookups by derived name that tell ours from a foreign same-named resource, and a
// comparable form of listener and rule actions.
import {
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  paginateDescribeListeners,
  paginateDescribeRules,
  paginateDescribeTargetGroups,
  type Action,
  type DescribeTargetGroupsCommandInput,
  type Listener,
  type LoadBalancer,
  type Rule,
  type Tag,
  type TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { isAwsError, unlessNotFound } from '../../src/aws/errors';
import { GONE as AWS_GONE } from '../../src/aws/gone';
import { allItems } from '../../src/aws/pages';
import type { StepContext } from '../../src/step';
import { foreignResource } from './owned';

/** ELBv2's "already gone" codes (src/aws/gone.ts). */
export const GONE = AWS_GONE.elbv2;

export const RESOURCE_IN_USE = ['ResourceInUse', 'ResourceInUseException'];

export const isGone =
  (kind: keyof typeof GONE) =>
  (error: unknown): boolean =>
    isAwsError(error, ...GONE[kind]);

/** A resource found by its derived name (or position), and whether it carries the stack's tag. */
export interface Found<T> {
  resource: T;
  owned: boolean;
}

/** AWS allows 20 ARNs per DescribeTags call, and 20 target groups (by ARN or name) per DescribeTargetGroups. */
const TAGS_PER_CALL = 20;
const TARGET_GROUPS_PER_CALL = 20;

/** A load balancer's listeners, every page of them; undefined when the load balancer is gone. */
export async function describeListenersOf(ctx: StepContext, loadBalancerArn: string): Promise<Listener[] | undefined> {
  const pages = paginateDescribeListeners({ client: ctx.aws.elbv2 }, { LoadBalancerArn: loadBalancerArn });
  return unlessNotFound(allItems(pages, (p) => p.Listeners), ...GONE.loadBalancer);
}

/** A listener's rules (its default rule included), every page of them; undefined when the listener is gone. */
export async function describeRulesOf(ctx: StepContext, listenerArn: string): Promise<Rule[] | undefined> {
  const pages = paginateDescribeRules({ client: ctx.aws.elbv2 }, { ListenerArn: listenerArn });
  return unlessNotFound(allItems(pages, (p) => p.Rules), ...GONE.listener);
}

/** Tags by ARN, read in as few DescribeTags calls as AWS allows. */
export async function tagsByArn(ctx: StepContext, arns: readonly string[]): Promise<Map<string, Tag[]>> {
  const out = new Map<string, Tag[]>();
  for (let i = 0; i < arns.length; i += TAGS_PER_CALL) {
    const { TagDescriptions = [] } = await ctx.aws.elbv2.send(new DescribeTagsCommand({ ResourceArns: arns.slice(i, i + TAGS_PER_CALL) }));
    for (const d of TagDescriptions) if (d.ResourceArn) out.set(d.ResourceArn, d.Tags ?? []);
  }
  return out;
}

/** Does this one resource carry the stack's tag? */
export async function isOurs(ctx: StepContext, arn: string): Promise<boolean> {
  return ctx.tags.owns((await tagsByArn(ctx, [arn])).get(arn));
}

/** A same-named resource without the stack's tag: never adopted, changed or deleted. */
export const notOurs = (ctx: StepContext, what: string, hint?: string) => foreignResource(ctx, `${what} in ${ctx.config.region}`, hint);

export async function findLoadBalancerByName(ctx: StepContext, name: string): Promise<Found<LoadBalancer> | undefined> {
  const out = await unlessNotFound(ctx.aws.elbv2.send(new DescribeLoadBalancersCommand({ Names: [name] })), ...GONE.loadBalancer);
  const lb = out?.LoadBalancers?.[0];
  return lb?.LoadBalancerArn ? { resource: lb, owned: await isOurs(ctx, lb.LoadBalancerArn) } : undefined;
}

/**
 * Target groups by ARN. One call for all of them; AWS fails the whole call when one is missing
 * without naming it, so only then is each asked for on its own.
 */
export async function findTargetGroupsByArn(ctx: StepContext, arns: readonly string[]): Promise<Map<string, TargetGroup>> {
  const groups = await describeTargetGroups(ctx, arns, (a) => ({ TargetGroupArns: a }));
  return new Map(groups.map((g) => [g.TargetGroupArn!, g]));
}

/** Target groups by name, with whether each is ours (one DescribeTags for up to 20 of them). */
export async function findTargetGroupsByName(ctx: StepContext, names: readonly string[]): Promise<Map<string, Found<TargetGroup>>> {
  const groups = await describeTargetGroups(ctx, names, (n) => ({ Names: n }));
  const tags = groups.length > 0 ? await tagsByArn(ctx, groups.map((g) => g.TargetGroupArn!)) : new Map<string, Tag[]>();
  return new Map(groups.map((g) => [g.TargetGroupName!, { resource: g, owned: ctx.tags.owns(tags.get(g.TargetGroupArn!)) }]));
}

async function describeTargetGroups(
  ctx: StepContext,
  keys: readonly string[],
  input: (keys: string[]) => DescribeTargetGroupsCommandInput,
): Promise<TargetGroup[]> {
  if (keys.length === 0) return [];
  const describe = (some: string[]) =>
    unlessNotFound(allItems(paginateDescribeTargetGroups({ client: ctx.aws.elbv2 }, input(some)), (p) => p.TargetGroups), ...GONE.targetGroup);
  const found: TargetGroup[] = [];
  for (let i = 0; i < keys.length; i += TARGET_GROUPS_PER_CALL) {
    const chunk = keys.slice(i, i + TARGET_GROUPS_PER_CALL);
    const all = await describe(chunk);
    if (all !== undefined || chunk.length === 1) found.push(...(all ?? []));
    else for (const groups of await Promise.all(chunk.map((k) => describe([k])))) found.push(...(groups ?? []));
  }
  return found;
}

// ---- ownership by ARN ----------------------------------------------------------------------------
// An ELBv2 ARN holds the resource's name and, for a listener or rule, its load balancer's name and
// ID; names are unique per account and region and the trailing ID is AWS's own, so an ARN whose
// name is the one shipline derives (and whose load balancer is the stack's) names the stack's
// resource, without a read.

type ElbArnType = 'loadbalancer' | 'targetgroup' | 'listener' | 'listener-rule';

/** The parts after the resource type: `app/<lb>/<id>[/<listener id>[/<rule id>]]`, `<tg>/<id>`. */
function arnPath(arn: string | undefined, type: ElbArnType): string[] | undefined {
  const match = /^arn:[^:]+:elasticloadbalancing:[^:]*:[^:]*:([a-z-]+)\/(.+)$/.exec(arn ?? '');
  return match?.[1] === type ? match[2]!.split('/') : undefined;
}

/** Why a load balancer ARN from state is not the stack's `name`. */
export function foreignLoadBalancerArn(arn: string, name: string): string | undefined {
  return arnPath(arn, 'loadbalancer')?.[1] === name ? undefined : `is not load balancer ${name}, the name shipline gives it`;
}

/** Why a target group ARN from state is not the stack's `name`. */
export function foreignTargetGroupArn(arn: string, name: string): string | undefined {
  return arnPath(arn, 'targetgroup')?.[0] === name ? undefined : `is not target group ${name}, the name shipline gives it`;
}

/**
 * Why a listener or rule ARN from state is not on the stack's load balancer `name`. Only the name
 * counts: one of that name with another ID is an earlier load balancer of the stack, gone (names
 * are unique), so what was on it is gone too.
 */
export function foreignOnLoadBalancer(arn: string, type: 'listener' | 'listener-rule', name: string): string | undefined {
  const lb = arnPath(arn, type)?.[1];
  return lb === name ? undefined : `is on load balancer ${lb ?? '(not an ELB listener or rule)'}, not the stack's ${name}`;
}

export function forwardTo(targetGroupArn: string): Action[] {
  return [{ Type: 'forward', TargetGroupArn: targetGroupArn }];
}

/**
 * What a list of actions does, as a string to compare: AWS answers with more than it was given
 * (a forward's ForwardConfig, a redirect's #{host}/#{path}/#{query} defaults).
 */
export function actionsKey(actions: readonly Action[] | undefined): string {
  return [...(actions ?? [])]
    .sort((a, b) => (a.Order ?? 0) - (b.Order ?? 0))
    .map((a) => {
      if (a.Type === 'forward') {
        const groups = a.ForwardConfig?.TargetGroups?.length ? a.ForwardConfig.TargetGroups : [{ TargetGroupArn: a.TargetGroupArn, Weight: 1 }];
        return `forward:${groups.map((g) => `${g.TargetGroupArn ?? ''}@${g.Weight ?? 1}`).sort().join(',')}`;
      }
      if (a.Type === 'redirect') {
        const c = a.RedirectConfig;
        return `redirect:${c?.Protocol ?? '#{protocol}'}://${c?.Host ?? '#{host}'}:${c?.Port ?? '#{port}'}${c?.Path ?? '/#{path}'}?${c?.Query ?? '#{query}'}:${c?.StatusCode ?? ''}`;
      }
      if (a.Type === 'fixed-response') return `fixed-response:${a.FixedResponseConfig?.StatusCode ?? ''}`;
      return String(a.Type);
    })
    .join(' | ');
}
