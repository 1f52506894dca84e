// The load balancer: an internet-facing ALB in the public subnets with its security group, one
// target group per environment, an HTTP listener whose default action serves the default
// environment (or, with a certificate, redirects to an HTTPS listener that does), and a rule per
// other environment (`/dev` and `/dev/*` → dev, or a host header, or both).
//
// With `deploy.strategy: "blue-green"`, each environment also gets a second ("green") target group
// and a test listener on a port of its own (`testPort`, default 8080 + its position), open to the
// same sources as the production listener. CodeDeploy moves an environment's production route
// (and test listener) between the two groups of its pair at each deployment, so for those routes
// either group of the pair is right: provision never moves traffic back. A route found forwarding
// elsewhere is pointed at the group its sibling route serves (the test listener serves the live
// group outside a deployment), else the first group.
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DeleteListenerCommand,
  DeleteLoadBalancerCommand,
  DeleteRuleCommand,
  DeleteTargetGroupCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTargetGroupAttributesCommand,
  ModifyListenerCommand,
  ModifyRuleCommand,
  ModifyTargetGroupAttributesCommand,
  ModifyTargetGroupCommand,
  SetRulePrioritiesCommand,
  SetSecurityGroupsCommand,
  SetSubnetsCommand,
  waitUntilLoadBalancerAvailable,
  waitUntilLoadBalancersDeleted,
  type Action,
  type Listener,
  type LoadBalancer,
  type Rule,
  type RuleCondition,
  type TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { unlessNotFound } from '../src/aws/errors';
import { retryWhile, untilSdk } from '../src/aws/wait';
import { ensure, ignoringGone, remove, type Ensured } from '../src/reconcile';
import { testPort, type Config, type EnvironmentConfig } from '../src/config';
import { isKnown, type Step, type StepContext } from '../src/step';
import {
  actionsKey,
  findLoadBalancerByName,
  findTargetGroupsByArn,
  findTargetGroupsByName,
  forwardTo,
  GONE,
  isGone,
  isOurs,
  notOurs,
  RESOURCE_IN_USE,
  tagsByArn,
  foreignLoadBalancerArn,
  foreignOnLoadBalancer,
  foreignTargetGroupArn,
} from './lib/elbv2';
import { foreignByParent } from './lib/owned';
import { deleteSecurityGroup, ensureSecurityGroup } from './lib/security-group';
import { KEYS as NETWORK, subnetIds } from './network';

type ListenerKind = 'http' | 'https';

export const KEYS = {
  securityGroup: 'alb.securityGroup',
  loadBalancer: 'alb.loadBalancer',
  targetGroup: (env: string) => `alb.targetGroup.${env}`,
  /** Blue/green: the second target group of the environment's pair. */
  greenTargetGroup: (env: string) => `alb.greenTargetGroup.${env}`,
  listener: (kind: ListenerKind) => `alb.listener.${kind}`,
  /** Blue/green: the environment's test listener. */
  testListener: (env: string) => `alb.testListener.${env}`,
  rule: (env: string) => `alb.rule.${env}`,
};

const TARGET_GROUP_PREFIX = 'alb.targetGroup.';
const GREEN_TARGET_GROUP_PREFIX = 'alb.greenTargetGroup.';
const TEST_LISTENER_PREFIX = 'alb.testListener.';
const RULE_PREFIX = 'alb.rule.';

export const SSL_POLICY = 'ELBSecurityPolicy-TLS13-1-2-2021-06';
/** Any answer but a server error means the container is up: apps need not serve 200 on `/`. */
const HEALTH_CHECK = { path: '/', intervalSeconds: 15, httpCode: '200-499' };
const DEREGISTRATION_DELAY = 'deregistration_delay.timeout_seconds';
/** Fargate tasks stop fast; AWS's default 300 s would slow every deployment down. */
const DEREGISTRATION_DELAY_SECONDS = '30';
const REDIRECT_TO_HTTPS: Action[] = [{ Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } }];

export const targetGroupName = (stack: string, env: string) => `${stack}-${env}-tg`;
export const greenTargetGroupName = (stack: string, env: string) => `${stack}-${env}-tg-g`;

/** The listener CodeDeploy moves production traffic on: HTTPS with a certificate, else HTTP. */
export const productionListenerKey = (config: Pick<Config, 'alb'>) => KEYS.listener(config.alb.certificateArn ? 'https' : 'http');

export const alb: Step = {
  name: 'alb',
  after: ['network'],

  async reconcile(ctx) {
    const sg = await ensureAlbSecurityGroup(ctx);
    const lb = await ensureLoadBalancer(ctx, sg.id);
    const groups = await ensureTargetGroups(ctx);
    const existing = await listenersOf(ctx, lb);
    const routes = new Routes(ctx, groups, existing);
    const forwarding = await ensureListeners(ctx, lb, existing, routes);
    for (const env of recorded(ctx, RULE_PREFIX).filter((env) => !routed(ctx, env))) await deleteRule(ctx, env);
    await ensureRules(ctx, forwarding, routes);
    await ensureTestListeners(ctx, lb, existing, routes);
    if (!ctx.config.alb.certificateArn) await deleteListener(ctx, 'https');
    for (const env of recorded(ctx, TEST_LISTENER_PREFIX).filter((env) => !blueGreen(ctx, env))) await deleteTestListener(ctx, env);
    for (const env of recorded(ctx, TARGET_GROUP_PREFIX).filter((env) => !inConfig(ctx, env))) await deleteTargetGroup(ctx, blue(ctx, env));
    for (const env of recorded(ctx, GREEN_TARGET_GROUP_PREFIX).filter((env) => !blueGreen(ctx, env))) await deleteTargetGroup(ctx, green(ctx, env));
  },

  outputs(state, config) {
    const dns = state.get(KEYS.loadBalancer)?.dnsName;
    if (!dns) return [];
    const scheme = config.alb.certificateArn ? 'https' : 'http';
    const tests = config.deploy.strategy === 'blue-green'
      ? config.environments.map((env) => ({
          key: `testUrl.${env.name}`,
          label: `${env.name} test URL`,
          value: `http://${env.host ?? dns}:${testPort(config, env.name)}${env.path ?? ''}/`,
        }))
      : [];
    return [
      ...config.environments.map((env) => ({ key: `url.${env.name}`, label: `${env.name} URL`, value: `${scheme}://${env.host ?? dns}${env.path ?? ''}/` })),
      ...tests,
      { key: 'albDns', label: 'load balancer DNS name', value: dns },
    ];
  },

  async destroy(ctx) {
    for (const env of recorded(ctx, RULE_PREFIX)) await deleteRule(ctx, env);
    for (const env of recorded(ctx, TEST_LISTENER_PREFIX)) await deleteTestListener(ctx, env);
    await deleteListener(ctx, 'https');
    await deleteListener(ctx, 'http');
    await deleteLoadBalancer(ctx);
    await deleteTargetGroups(ctx);
    await deleteSecurityGroup(ctx, KEYS.securityGroup, 'alb', await vpcId(ctx));
  },
};

/** The environments with a record under `prefix` (`alb.rule.`, `alb.targetGroup.` …). */
function recorded(ctx: StepContext, prefix: string): string[] {
  return ctx.state.keys(prefix).map((key) => key.slice(prefix.length));
}

const inConfig = (ctx: StepContext, env: string) => ctx.config.environments.some((e) => e.name === env);
const routed = (ctx: StepContext, env: string) => ctx.config.environments.some((e) => e.name === env && (e.path !== undefined || e.host !== undefined));
const isBlueGreen = (ctx: StepContext) => ctx.config.deploy.strategy === 'blue-green';
const blueGreen = (ctx: StepContext, env: string) => isBlueGreen(ctx) && inConfig(ctx, env);

// ---- security group ------------------------------------------------------------------------------

async function ensureAlbSecurityGroup(ctx: StepContext) {
  const port = ctx.config.services.containerPort;
  return ensureSecurityGroup(ctx, {
    key: KEYS.securityGroup,
    part: 'alb',
    vpcId: ctx.state.get(NETWORK.vpc)?.id,
    description: `shipline ${ctx.tags.stack}: load balancer, HTTP(S) from anywhere`,
    ingress: [
      { protocol: 'tcp', fromPort: 80, toPort: 80, cidr: '0.0.0.0/0', description: 'HTTP from anywhere' },
      ...(ctx.config.alb.certificateArn
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
    egress: [{ protocol: 'tcp', fromPort: port, toPort: port, cidr: ctx.config.network.cidr, description: 'to the tasks' }],
  });
}

// ---- load balancer -------------------------------------------------------------------------------

async function ensureLoadBalancer(ctx: StepContext, securityGroupId: string): Promise<Ensured<LoadBalancer>> {
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

/**
 * The load balancer becoming active (2-3 minutes) is its own step that nothing depends on:
 * services register their tasks with target groups of a load balancer that is still
 * provisioning, so that wait overlaps theirs instead of coming before it. The run ends only
 * once the load balancer is active.
 */
export const albActive: Step = {
  name: 'alb-active',
  after: ['alb'],

  async reconcile(ctx) {
    const arn = ctx.state.get(KEYS.loadBalancer)?.id;
    if (ctx.dryRun || !isKnown(arn)) return;
    // `active` is final: the alb step's read, when it made one, can only confirm it.
    if ((await describeLoadBalancer(ctx, arn))?.State?.Code === 'active') return;
    await untilSdk(ctx, `load balancer ${ctx.tags.name('alb')} to be active`, 600, waitUntilLoadBalancerAvailable, ctx.aws.elbv2, {
      LoadBalancerArns: [arn],
    });
  },

  // Nothing of its own: the alb step deletes the load balancer.
  async destroy() {},
};

async function deleteLoadBalancer(ctx: StepContext): Promise<void> {
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

// ---- target groups -------------------------------------------------------------------------------

interface TargetGroupWithAttributes extends TargetGroup {
  /** deregistration_delay.timeout_seconds, read with DescribeTargetGroupAttributes. */
  deregistrationDelay?: string;
}

/** One target group shipline makes: an environment's, or (blue/green) the second of its pair. */
interface GroupSpec {
  env: string;
  key: string;
  name: string;
  /** Tag part: `<env>-tg`, `<env>-tg-g`. */
  part: string;
}

const blue = (ctx: StepContext, env: string): GroupSpec => ({
  env,
  key: KEYS.targetGroup(env),
  name: targetGroupName(ctx.tags.stack, env),
  part: `${env}-tg`,
});
const green = (ctx: StepContext, env: string): GroupSpec => ({
  env,
  key: KEYS.greenTargetGroup(env),
  name: greenTargetGroupName(ctx.tags.stack, env),
  part: `${env}-tg-g`,
});

/** An environment's target groups (ARNs, or KNOWN_AFTER_APPLY in a plan): the second one with blue/green only. */
interface Pair {
  blue: string;
  green: string | undefined;
}

async function withAttributes(ctx: StepContext, tg: TargetGroup | undefined): Promise<TargetGroupWithAttributes | undefined> {
  if (!tg) return undefined;
  const out = await unlessNotFound(
    ctx.aws.elbv2.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: tg.TargetGroupArn })),
    ...GONE.targetGroup,
  );
  if (!out) return undefined;
  return { ...tg, deregistrationDelay: out.Attributes?.find((a) => a.Key === DEREGISTRATION_DELAY)?.Value };
}

/** One target group per environment (two with blue/green); returns them by environment name. */
async function ensureTargetGroups(ctx: StepContext): Promise<Map<string, Pair>> {
  const envs = ctx.config.environments.map((e) => e.name);
  const specs = envs.flatMap((env) => (isBlueGreen(ctx) ? [blue(ctx, env), green(ctx, env)] : [blue(ctx, env)]));
  // One read for all the recorded ones; one more (by name) only for those not found that way.
  const byArn = await findTargetGroupsByArn(ctx, specs.map((g) => ctx.state.get(g.key)?.id).filter(isKnown));
  let byName: ReturnType<typeof findTargetGroupsByName> | undefined;
  const unrecorded = () =>
    (byName ??= findTargetGroupsByName(
      ctx,
      specs.filter((g) => !byArn.has(ctx.state.get(g.key)?.id ?? '')).map((g) => g.name),
    ));

  const ids = new Map<string, string>();
  for (const spec of specs) ids.set(spec.key, await ensureTargetGroup(ctx, spec, byArn, unrecorded));
  return new Map(envs.map((env) => [env, { blue: ids.get(KEYS.targetGroup(env))!, green: ids.get(KEYS.greenTargetGroup(env)) }]));
}

async function ensureTargetGroup(
  ctx: StepContext,
  spec: GroupSpec,
  byArn: Map<string, TargetGroup>,
  unrecorded: () => ReturnType<typeof findTargetGroupsByName>,
): Promise<string> {
  const elb = ctx.aws.elbv2;
  const vpc = ctx.state.get(NETWORK.vpc)?.id;
  const port = ctx.config.services.containerPort;
  const name = spec.name;
  const { id } = await ensure<TargetGroupWithAttributes>(ctx, {
    key: spec.key,
    kind: `target group ${name}`,
    needs: [vpc],
    foreignId: (arn) => foreignTargetGroupArn(arn, name),
    foreign: (tg) => (isKnown(vpc) ? foreignByParent('VPC', tg.VpcId, vpc) : undefined),
    find: (arn) => withAttributes(ctx, byArn.get(arn)),
    findByTags: async () => {
      const found = (await unrecorded()).get(name);
      if (found && !found.owned) throw notOurs(ctx, `a target group named ${name}`);
      return withAttributes(ctx, found?.resource);
    },
    create: async () => {
      const { TargetGroups } = await elb.send(
        new CreateTargetGroupCommand({
          Name: name,
          Protocol: 'HTTP',
          Port: port,
          VpcId: vpc,
          TargetType: 'ip',
          HealthCheckPath: HEALTH_CHECK.path,
          HealthCheckIntervalSeconds: HEALTH_CHECK.intervalSeconds,
          Matcher: { HttpCode: HEALTH_CHECK.httpCode },
          Tags: ctx.tags.list('alb', spec.part),
        }),
      );
      // The deregistration delay is an attribute CreateTargetGroup does not take: it comes as drift.
      return TargetGroups![0]!;
    },
    id: (tg) => tg.TargetGroupArn!,
    attributes: (tg) => ({ name: tg.TargetGroupName }),
    drift: (tg) => {
      if (tg.Port !== port || tg.VpcId !== vpc || tg.TargetType !== 'ip') {
        ctx.log.warn(
          { id: tg.TargetGroupArn, port: tg.Port, vpc: tg.VpcId, targetType: tg.TargetType },
          `target group ${name} does not match the config (port ${port}, VPC ${vpc}, target type ip) and AWS cannot change that; delete it to have it replaced`,
        );
      }
      const healthCheck =
        tg.HealthCheckEnabled === false ||
        tg.HealthCheckPath !== HEALTH_CHECK.path ||
        tg.HealthCheckIntervalSeconds !== HEALTH_CHECK.intervalSeconds ||
        tg.Matcher?.HttpCode !== HEALTH_CHECK.httpCode;
      return [...(healthCheck ? ['healthCheck'] : []), ...(tg.deregistrationDelay !== DEREGISTRATION_DELAY_SECONDS ? ['deregistrationDelay'] : [])];
    },
    update: async (tg, changes) => {
      const TargetGroupArn = tg.TargetGroupArn;
      if (changes.includes('healthCheck')) {
        await elb.send(
          new ModifyTargetGroupCommand({
            TargetGroupArn,
            HealthCheckEnabled: true,
            HealthCheckPath: HEALTH_CHECK.path,
            HealthCheckIntervalSeconds: HEALTH_CHECK.intervalSeconds,
            Matcher: { HttpCode: HEALTH_CHECK.httpCode },
          }),
        );
      }
      if (changes.includes('deregistrationDelay')) {
        await elb.send(
          new ModifyTargetGroupAttributesCommand({ TargetGroupArn, Attributes: [{ Key: DEREGISTRATION_DELAY, Value: DEREGISTRATION_DELAY_SECONDS }] }),
        );
      }
    },
  });
  return id;
}

async function deleteTargetGroup(ctx: StepContext, spec: GroupSpec, lookup?: () => Promise<TargetGroup | undefined>): Promise<void> {
  const name = spec.name;
  await remove<TargetGroup>(ctx, {
    key: spec.key,
    kind: `target group ${name}`,
    ...(lookup ? { findByTags: lookup } : {}),
    id: (tg) => tg.TargetGroupArn!,
    confirm: { foreignId: (arn) => foreignTargetGroupArn(arn, name) },
    // A target group is released a moment after the listener or rule forwarding to it is deleted.
    delete: (arn) =>
      retryWhile(ctx, `target group ${name} to be released by its listener`, 120, RESOURCE_IN_USE, () =>
        ignoringGone(() => ctx.aws.elbv2.send(new DeleteTargetGroupCommand({ TargetGroupArn: arn })), isGone('targetGroup')),
      ),
  });
}

/** Every recorded target group, and (a lost state) the config's ones found by name and tag. */
async function deleteTargetGroups(ctx: StepContext): Promise<void> {
  const names = ctx.config.environments.map((e) => e.name);
  const union = (prefix: string, more: string[]) => [...new Set([...recorded(ctx, prefix), ...more])];
  const specs = [
    ...union(TARGET_GROUP_PREFIX, names).map((env) => blue(ctx, env)),
    ...union(GREEN_TARGET_GROUP_PREFIX, isBlueGreen(ctx) ? names : []).map((env) => green(ctx, env)),
  ];
  let byName: ReturnType<typeof findTargetGroupsByName> | undefined;
  const unrecorded = () =>
    (byName ??= findTargetGroupsByName(
      ctx,
      specs.filter((g) => !isKnown(ctx.state.get(g.key)?.id)).map((g) => g.name),
    ));
  for (const spec of specs) {
    await deleteTargetGroup(ctx, spec, async () => ours(ctx, (await unrecorded()).get(spec.name), `target group ${spec.name}`));
  }
}

// ---- where the routes forward ----------------------------------------------------------------------

/** The one target group a list of actions forwards to, if it forwards to exactly one. */
function forwardTarget(actions: readonly Action[] | undefined): string | undefined {
  const forwards = (actions ?? []).filter((a) => a.Type === 'forward');
  const groups = forwards.flatMap((a) => (a.ForwardConfig?.TargetGroups?.length ? a.ForwardConfig.TargetGroups.map((g) => g.TargetGroupArn) : [a.TargetGroupArn]));
  return forwards.length === 1 && groups.length === 1 ? groups[0] : undefined;
}

/**
 * What each environment's routes forward to. Rolling: its target group. Blue/green: whichever
 * group of its pair the route forwards to now (CodeDeploy moved it there); a route forwarding
 * elsewhere, or a new one, goes where its sibling route goes (the test listener for the production
 * route and back), else to the first group.
 */
class Routes {
  /** Where each environment's production route forwards, as found or set by this run. */
  private readonly live = new Map<string, string>();
  /** Where each environment's test listener forwarded when this run began. */
  private readonly testing = new Map<string, string>();

  constructor(
    private readonly ctx: StepContext,
    readonly pairs: Map<string, Pair>,
    existing: readonly Listener[],
  ) {
    if (!isBlueGreen(ctx)) return;
    for (const env of ctx.config.environments) {
      const listener = findTestListener(ctx, existing, env.name);
      const target = forwardTarget(listener?.DefaultActions);
      if (target) this.testing.set(env.name, target);
    }
  }

  /** The actions of `env`'s production route (default action or rule), given its current ones. */
  production(env: string, current: readonly Action[] | undefined): Action[] {
    const target = this.pick(env, forwardTarget(current), this.testing.get(env));
    if (isKnown(target)) this.live.set(env, target);
    return isKnown(target) ? forwardTo(target) : [];
  }

  /** The actions of `env`'s test listener, given its current ones. */
  test(env: string, current: readonly Action[] | undefined): Action[] {
    const target = this.pick(env, forwardTarget(current), this.live.get(env));
    return isKnown(target) ? forwardTo(target) : [];
  }

  private pick(env: string, current: string | undefined, sibling: string | undefined): string {
    const pair = this.pairs.get(env)!;
    if (!isBlueGreen(this.ctx)) return pair.blue;
    const members = [pair.blue, pair.green].filter(isKnown);
    if (current !== undefined && members.includes(current)) return current;
    if (sibling !== undefined && members.includes(sibling)) return sibling;
    return pair.blue;
  }
}

// ---- listeners -----------------------------------------------------------------------------------

interface ListenerSpec {
  key: string;
  /** Human name for logs. */
  kind: string;
  /** Tag part: `alb-http`, `alb-https`, `<env>-test`. */
  part: string;
  https: boolean;
  port: number;
  /** Its default actions, given the ones it has now (undefined: a new listener). */
  actions(current: readonly Action[] | undefined): Action[];
  /** The IDs it is built from: in a plan, an unknown one means "would create". */
  needs: Array<string | undefined>;
}

/** The load balancer's listeners; one just created has none: no need to ask. */
async function listenersOf(ctx: StepContext, lb: Ensured<LoadBalancer>): Promise<Listener[]> {
  if (!isKnown(lb.id) || lb.outcome === 'created') return [];
  return ((await unlessNotFound(ctx.aws.elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: lb.id })), ...GONE.loadBalancer))?.Listeners ?? []);
}

/**
 * The HTTP listener, and the HTTPS one when a certificate is set; returns the one that forwards
 * (and carries the rules).
 */
async function ensureListeners(ctx: StepContext, lb: Ensured<LoadBalancer>, existing: Listener[], routes: Routes): Promise<Ensured<Listener>> {
  const defaultEnv = ctx.config.environments.find((e) => e.path === undefined && e.host === undefined)!;
  const forward = {
    actions: (current: readonly Action[] | undefined) => routes.production(defaultEnv.name, current),
    needs: [lb.id, routes.pairs.get(defaultEnv.name)!.blue],
  };
  const http = { key: KEYS.listener('http'), kind: 'HTTP listener (port 80)', part: 'alb-http', https: false, port: 80 };
  if (!ctx.config.alb.certificateArn) return ensureListener(ctx, lb.id, existing, { ...http, ...forward });
  // HTTPS first, so that port 80 redirects only once 443 answers.
  const https = await ensureListener(ctx, lb.id, existing, {
    key: KEYS.listener('https'),
    kind: 'HTTPS listener (port 443)',
    part: 'alb-https',
    https: true,
    port: 443,
    ...forward,
  });
  await ensureListener(ctx, lb.id, existing, { ...http, actions: () => REDIRECT_TO_HTTPS, needs: [lb.id] });
  return https;
}

/** Blue/green: a test listener per environment, on its own port, forwarding to a group of its pair. */
async function ensureTestListeners(ctx: StepContext, lb: Ensured<LoadBalancer>, existing: Listener[], routes: Routes): Promise<void> {
  if (!isBlueGreen(ctx)) return;
  for (const env of ctx.config.environments) {
    const port = testPort(ctx.config, env.name);
    await ensureListener(ctx, lb.id, existing, {
      key: KEYS.testListener(env.name),
      kind: `test listener ${env.name} (port ${port})`,
      part: `${env.name}-test`,
      https: false,
      port,
      actions: (current) => routes.test(env.name, current),
      needs: [lb.id, routes.pairs.get(env.name)!.blue],
    });
  }
}

function findTestListener(ctx: StepContext, existing: readonly Listener[], env: string): Listener | undefined {
  const arn = ctx.state.get(KEYS.testListener(env))?.id;
  return existing.find((l) => l.ListenerArn === arn) ?? existing.find((l) => l.Port === testPort(ctx.config, env));
}

async function ensureListener(ctx: StepContext, loadBalancerArn: string, existing: Listener[], spec: ListenerSpec): Promise<Ensured<Listener>> {
  const elb = ctx.aws.elbv2;
  const certificateArn = ctx.config.alb.certificateArn;
  const https = spec.https;
  const protocol = https ? 'HTTPS' : 'HTTP';
  const tls = () => (https ? { Certificates: [{ CertificateArn: certificateArn! }], SslPolicy: SSL_POLICY } : {});
  return ensure<Listener>(ctx, {
    key: spec.key,
    kind: spec.kind,
    needs: spec.needs,
    foreignId: (arn) => foreignOnLoadBalancer(arn, 'listener', ctx.tags.name('alb')),
    foreign: () => undefined,
    find: async (arn) => existing.find((l) => l.ListenerArn === arn),
    findByTags: async () => {
      const found = existing.find((l) => l.Port === spec.port);
      if (found && !(await isOurs(ctx, found.ListenerArn!))) {
        throw notOurs(ctx, `a listener on port ${spec.port} of load balancer ${ctx.tags.name('alb')}`, 'delete that listener; shipline then creates its own');
      }
      return found;
    },
    create: async () => {
      const { Listeners } = await elb.send(
        new CreateListenerCommand({
          LoadBalancerArn: loadBalancerArn,
          Port: spec.port,
          Protocol: protocol,
          ...tls(),
          DefaultActions: spec.actions(undefined),
          Tags: ctx.tags.list('alb', spec.part),
        }),
      );
      return Listeners![0]!;
    },
    id: (l) => l.ListenerArn!,
    drift: (l) => [
      ...(l.Port !== spec.port ? ['port'] : []),
      ...(l.Protocol !== protocol ? ['protocol'] : []),
      ...(actionsKey(l.DefaultActions) !== actionsKey(spec.actions(l.DefaultActions)) ? ['defaultActions'] : []),
      ...(https && l.Certificates?.[0]?.CertificateArn !== certificateArn ? ['certificate'] : []),
      ...(https && l.SslPolicy !== SSL_POLICY ? ['sslPolicy'] : []),
    ],
    update: async (l, changes) => {
      const tlsChanged = changes.some((c) => c === 'protocol' || c === 'certificate' || c === 'sslPolicy');
      await elb.send(
        new ModifyListenerCommand({
          ListenerArn: l.ListenerArn,
          ...(changes.includes('port') ? { Port: spec.port } : {}),
          ...(changes.includes('protocol') ? { Protocol: protocol } : {}),
          ...(tlsChanged ? tls() : {}),
          ...(changes.includes('defaultActions') ? { DefaultActions: spec.actions(l.DefaultActions) } : {}),
        }),
      );
    },
  });
}

async function deleteListener(ctx: StepContext, kind: ListenerKind): Promise<void> {
  await remove(ctx, {
    key: KEYS.listener(kind),
    kind: `${kind.toUpperCase()} listener`,
    confirm: onStackLoadBalancer(ctx, 'listener'),
    delete: (arn) => ignoringGone(() => ctx.aws.elbv2.send(new DeleteListenerCommand({ ListenerArn: arn })), isGone('listener')),
  });
}

async function deleteTestListener(ctx: StepContext, env: string): Promise<void> {
  await remove(ctx, {
    key: KEYS.testListener(env),
    kind: `test listener ${env}`,
    confirm: onStackLoadBalancer(ctx, 'listener'),
    delete: (arn) => ignoringGone(() => ctx.aws.elbv2.send(new DeleteListenerCommand({ ListenerArn: arn })), isGone('listener')),
  });
}

// ---- rules ---------------------------------------------------------------------------------------

const pathValues = (path: string) => [path, `${path}/*`];

/** An environment's rule conditions: its host header and/or its path (`/dev` and `/dev/*`). */
function routeConditions(env: EnvironmentConfig): RuleCondition[] {
  return [
    ...(env.host !== undefined ? [{ Field: 'host-header', HostHeaderConfig: { Values: [env.host] } }] : []),
    ...(env.path !== undefined ? [{ Field: 'path-pattern', PathPatternConfig: { Values: pathValues(env.path) } }] : []),
  ];
}

const conditionValues = (c: RuleCondition) => c.PathPatternConfig?.Values ?? c.HostHeaderConfig?.Values ?? c.Values;

/** Does the rule route exactly this environment's host and/or path? */
function routesTo(rule: Rule, env: EnvironmentConfig): boolean {
  const have = rule.Conditions ?? [];
  const want = routeConditions(env);
  return have.length === want.length && want.every((w) => have.some((c) => c.Field === w.Field && sameSet(conditionValues(c), conditionValues(w) ?? [])));
}

/** `…:listener-rule/app/<lb>/<id>/<listener id>/<rule id>` belongs to `…:listener/app/<lb>/<id>/<listener id>`. */
function listenerOfRule(ruleArn: string): string {
  const arn = ruleArn.replace(':listener-rule/', ':listener/');
  return arn.slice(0, arn.lastIndexOf('/'));
}

/** One rule per environment with a path or host, on the forwarding listener, in the config's order. */
async function ensureRules(ctx: StepContext, listener: Ensured<Listener>, routes: Routes): Promise<void> {
  const elb = ctx.aws.elbv2;
  const listenerArn = listener.id;
  const routed = ctx.config.environments.flatMap((env, i) =>
    env.path === undefined && env.host === undefined ? [] : [{ env, label: `${env.host ?? ''}${env.path ?? ''}`, priority: 10 * (i + 1) }],
  );

  // A rule recorded on another listener (a certificate added or removed, a load balancer replaced) goes first.
  for (const { env } of routed) {
    const arn = ctx.state.get(KEYS.rule(env.name))?.id;
    if (isKnown(arn) && isKnown(listenerArn) && listenerOfRule(arn) !== listenerArn) await deleteRule(ctx, env.name);
  }

  // A listener just created has only its default rule: no need to ask.
  const rules = isKnown(listenerArn) && listener.outcome !== 'created'
    ? ((await unlessNotFound(elb.send(new DescribeRulesCommand({ ListenerArn: listenerArn })), ...GONE.listener))?.Rules ?? []).filter((r) => !r.IsDefault)
    : [];
  const recordedRule = (env: string) => rules.find((r) => r.RuleArn === ctx.state.get(KEYS.rule(env))?.id);
  const byRoute = (env: EnvironmentConfig) => rules.find((r) => routesTo(r, env));
  const located = (route: (typeof routed)[number]) => recordedRule(route.env.name) ?? byRoute(route.env);
  // Adoption reads the tags of every rule it could adopt in one call.
  let tags: ReturnType<typeof tagsByArn> | undefined;
  const owned = async (arn: string) =>
    ctx.tags.owns((await (tags ??= tagsByArn(ctx, routed.flatMap((r) => byRoute(r.env)?.RuleArn ?? [])))).get(arn));

  // Priorities move together in one call, and before any new rule takes a freed one: moving them
  // one by one could clash when two rules swap places.
  const moves = routed.flatMap((route) => {
    const rule = located(route);
    return rule && Number(rule.Priority) !== route.priority ? [{ RuleArn: rule.RuleArn, Priority: route.priority }] : [];
  });
  let moved = moves.length === 0;
  const applyMoves = async () => {
    if (moved) return;
    moved = true;
    await elb.send(new SetRulePrioritiesCommand({ RulePriorities: moves }));
  };

  for (const route of routed) {
    const name = route.env.name;
    const actions = (current: readonly Action[] | undefined) => routes.production(name, current);
    await ensure<Rule>(ctx, {
      key: KEYS.rule(name),
      kind: `rule ${route.label} → ${name}`,
      needs: [listenerArn, routes.pairs.get(name)!.blue],
      foreignId: (arn) => foreignOnLoadBalancer(arn, 'listener-rule', ctx.tags.name('alb')),
      foreign: () => undefined,
      find: async () => recordedRule(name),
      // Rules have no name: found by what they route, and adopted only when tagged as ours.
      findByTags: async () => {
        const found = byRoute(route.env);
        if (found && !(await owned(found.RuleArn!))) {
          throw notOurs(ctx, `a rule for ${route.label} on the ${ctx.tags.name('alb')} listener`, 'delete that rule; shipline then creates its own');
        }
        return found;
      },
      create: async () => {
        await applyMoves();
        const { Rules } = await elb.send(
          new CreateRuleCommand({
            ListenerArn: listenerArn,
            Priority: route.priority,
            Conditions: routeConditions(route.env),
            Actions: actions(undefined),
            Tags: ctx.tags.list('alb', `${name}-rule`),
          }),
        );
        return Rules![0]!;
      },
      id: (r) => r.RuleArn!,
      drift: (r) => [
        ...(routesTo(r, route.env) ? [] : ['conditions']),
        ...(actionsKey(r.Actions) !== actionsKey(actions(r.Actions)) ? ['actions'] : []),
        ...(Number(r.Priority) !== route.priority ? ['priority'] : []),
      ],
      update: async (r, changes) => {
        if (changes.includes('priority')) await applyMoves();
        if (changes.includes('conditions') || changes.includes('actions')) {
          await elb.send(new ModifyRuleCommand({ RuleArn: r.RuleArn, Conditions: routeConditions(route.env), Actions: actions(r.Actions) }));
        }
      },
    });
  }
}

async function deleteRule(ctx: StepContext, env: string): Promise<void> {
  await remove(ctx, {
    key: KEYS.rule(env),
    kind: `rule → ${env}`,
    confirm: onStackLoadBalancer(ctx, 'listener-rule'),
    delete: (arn) => ignoringGone(() => ctx.aws.elbv2.send(new DeleteRuleCommand({ RuleArn: arn })), isGone('rule')),
  });
}

// ---- helpers -------------------------------------------------------------------------------------

/** A listener or rule is the stack's when its ARN puts it on the stack's load balancer (no read). */
function onStackLoadBalancer(ctx: StepContext, type: 'listener' | 'listener-rule'): { foreignId(arn: string): string | undefined } {
  return { foreignId: (arn) => foreignOnLoadBalancer(arn, type, ctx.tags.name('alb')) };
}

function sameSet(have: ReadonlyArray<string | undefined> | undefined, want: ReadonlyArray<string | undefined>): boolean {
  const a = new Set(have ?? []);
  const b = new Set(want);
  return a.size === b.size && [...a].every((x) => b.has(x));
}

/** In a destroy, a same-named resource that is not ours is left alone, and said so. */
function ours<T>(ctx: StepContext, found: { resource: T; owned: boolean } | undefined, what: string): T | undefined {
  if (found && !found.owned) ctx.log.warn({ resource: what }, `${what} does not carry the stack's tag; leaving it alone`);
  return found?.owned ? found.resource : undefined;
}

/** The VPC the security group lives in: the network's record, or (a lost state) found by its tags. */
async function vpcId(ctx: StepContext): Promise<string | undefined> {
  const fromState = ctx.state.get(NETWORK.vpc)?.id;
  // The VPC is only needed to find the group by its tags.
  if (isKnown(fromState) || ctx.state.get(KEYS.securityGroup)) return fromState;
  return (await ctx.aws.ec2.send(new DescribeVpcsCommand({ Filters: ctx.tags.filters('vpc') }))).Vpcs?.[0]?.VpcId;
}
