// The load balancer: an internet-facing ALB in the public subnets with its security group, one
// target group per environment, an HTTP listener whose default action serves the default
// environment (or, with a certificate, redirects to an HTTPS listener that does), and a path
// rule per other environment (`/dev` and `/dev/*` → dev).
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
} from './lib/elbv2';
import { deleteSecurityGroup, ensureSecurityGroup } from './lib/security-group';
import { KEYS as NETWORK, subnetIds } from './network';

type ListenerKind = 'http' | 'https';

export const KEYS = {
  securityGroup: 'alb.securityGroup',
  loadBalancer: 'alb.loadBalancer',
  targetGroup: (env: string) => `alb.targetGroup.${env}`,
  listener: (kind: ListenerKind) => `alb.listener.${kind}`,
  rule: (env: string) => `alb.rule.${env}`,
};

const TARGET_GROUP_PREFIX = 'alb.targetGroup.';
const RULE_PREFIX = 'alb.rule.';

export const SSL_POLICY = 'ELBSecurityPolicy-TLS13-1-2-2021-06';
/** Any answer but a server error means the container is up: apps need not serve 200 on `/`. */
const HEALTH_CHECK = { path: '/', intervalSeconds: 15, httpCode: '200-499' };
const DEREGISTRATION_DELAY = 'deregistration_delay.timeout_seconds';
/** Fargate tasks stop fast; AWS's default 300 s would slow every deployment down. */
const DEREGISTRATION_DELAY_SECONDS = '30';
const REDIRECT_TO_HTTPS: Action[] = [{ Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } }];

export const alb: Step = {
  name: 'alb',
  after: ['network'],

  async reconcile(ctx) {
    const sg = await ensureAlbSecurityGroup(ctx);
    const lb = await ensureLoadBalancer(ctx, sg.id);
    const groups = await ensureTargetGroups(ctx);
    const forwarding = await ensureListeners(ctx, lb, groups);
    for (const env of recorded(ctx, RULE_PREFIX).filter((env) => !routedByPath(ctx, env))) await deleteRule(ctx, env);
    await ensureRules(ctx, forwarding, groups);
    if (!ctx.config.alb.certificateArn) await deleteListener(ctx, 'https');
    for (const env of recorded(ctx, TARGET_GROUP_PREFIX).filter((env) => !inConfig(ctx, env))) await deleteTargetGroup(ctx, env);
    await waitUntilActive(ctx, lb);
  },

  outputs(state, config) {
    const dns = state.get(KEYS.loadBalancer)?.dnsName;
    if (!dns) return [];
    const scheme = config.alb.certificateArn ? 'https' : 'http';
    return [
      ...config.environments.map((env) => ({ key: `url.${env.name}`, label: `${env.name} URL`, value: `${scheme}://${dns}${env.path ?? ''}/` })),
      { key: 'albDns', label: 'load balancer DNS name', value: dns },
    ];
  },

  async destroy(ctx) {
    for (const env of recorded(ctx, RULE_PREFIX)) await deleteRule(ctx, env);
    await deleteListener(ctx, 'https');
    await deleteListener(ctx, 'http');
    await deleteLoadBalancer(ctx);
    await deleteTargetGroups(ctx);
    await deleteSecurityGroup(ctx, KEYS.securityGroup, 'alb', await vpcId(ctx));
  },
};

/** The environments with a record under `prefix` (`alb.rule.`, `alb.targetGroup.`). */
function recorded(ctx: StepContext, prefix: string): string[] {
  return ctx.state.keys(prefix).map((key) => key.slice(prefix.length));
}

const inConfig = (ctx: StepContext, env: string) => ctx.config.environments.some((e) => e.name === env);
const routedByPath = (ctx: StepContext, env: string) => ctx.config.environments.some((e) => e.name === env && e.path !== undefined);

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
    find: async (arn) =>
      (await unlessNotFound(elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [arn] })), ...GONE.loadBalancer))?.LoadBalancers?.[0],
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

/** Last: listeners, rules and target groups can be set up while AWS provisions the load balancer. */
async function waitUntilActive(ctx: StepContext, lb: Ensured<LoadBalancer>): Promise<void> {
  if (ctx.dryRun || !isKnown(lb.id) || lb.resource?.State?.Code === 'active') return;
  await untilSdk(ctx, `load balancer ${ctx.tags.name('alb')} to be active`, 600, waitUntilLoadBalancerAvailable, ctx.aws.elbv2, {
    LoadBalancerArns: [lb.id],
  });
}

async function deleteLoadBalancer(ctx: StepContext): Promise<void> {
  const elb = ctx.aws.elbv2;
  const name = ctx.tags.name('alb');
  await remove<LoadBalancer>(ctx, {
    key: KEYS.loadBalancer,
    kind: `load balancer ${name}`,
    findByTags: async () => ours(ctx, await findLoadBalancerByName(ctx, name), `load balancer ${name}`),
    id: (lb) => lb.LoadBalancerArn!,
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

const targetGroupName = (ctx: StepContext, env: string) => ctx.tags.name(`${env}-tg`);

async function withAttributes(ctx: StepContext, tg: TargetGroup | undefined): Promise<TargetGroupWithAttributes | undefined> {
  if (!tg) return undefined;
  const out = await unlessNotFound(
    ctx.aws.elbv2.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: tg.TargetGroupArn })),
    ...GONE.targetGroup,
  );
  if (!out) return undefined;
  return { ...tg, deregistrationDelay: out.Attributes?.find((a) => a.Key === DEREGISTRATION_DELAY)?.Value };
}

/** One target group per environment; returns their ARNs by environment name. */
async function ensureTargetGroups(ctx: StepContext): Promise<Map<string, string>> {
  const elb = ctx.aws.elbv2;
  const vpc = ctx.state.get(NETWORK.vpc)?.id;
  const port = ctx.config.services.containerPort;
  const envs = ctx.config.environments;
  // One read for all the recorded ones; one more (by name) only for those not found that way.
  const byArn = await findTargetGroupsByArn(ctx, envs.map((e) => ctx.state.get(KEYS.targetGroup(e.name))?.id).filter(isKnown));
  let byName: ReturnType<typeof findTargetGroupsByName> | undefined;
  const unrecorded = () =>
    (byName ??= findTargetGroupsByName(
      ctx,
      envs.filter((e) => !byArn.has(ctx.state.get(KEYS.targetGroup(e.name))?.id ?? '')).map((e) => targetGroupName(ctx, e.name)),
    ));

  const arns = new Map<string, string>();
  for (const env of envs) {
    const name = targetGroupName(ctx, env.name);
    const { id } = await ensure<TargetGroupWithAttributes>(ctx, {
      key: KEYS.targetGroup(env.name),
      kind: `target group ${name}`,
      needs: [vpc],
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
            Tags: ctx.tags.list('alb', `${env.name}-tg`),
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
    arns.set(env.name, id);
  }
  return arns;
}

async function deleteTargetGroup(ctx: StepContext, env: string, lookup?: () => Promise<TargetGroup | undefined>): Promise<void> {
  const name = targetGroupName(ctx, env);
  await remove<TargetGroup>(ctx, {
    key: KEYS.targetGroup(env),
    kind: `target group ${name}`,
    ...(lookup ? { findByTags: lookup } : {}),
    id: (tg) => tg.TargetGroupArn!,
    // A target group is released a moment after the listener or rule forwarding to it is deleted.
    delete: (arn) =>
      retryWhile(ctx, `target group ${name} to be released by its listener`, 120, RESOURCE_IN_USE, () =>
        ignoringGone(() => ctx.aws.elbv2.send(new DeleteTargetGroupCommand({ TargetGroupArn: arn })), isGone('targetGroup')),
      ),
  });
}

/** Every recorded target group, and (a lost state) the config's ones found by name and tag. */
async function deleteTargetGroups(ctx: StepContext): Promise<void> {
  const envs = [...new Set([...recorded(ctx, TARGET_GROUP_PREFIX), ...ctx.config.environments.map((e) => e.name)])];
  let byName: ReturnType<typeof findTargetGroupsByName> | undefined;
  const unrecorded = () =>
    (byName ??= findTargetGroupsByName(
      ctx,
      envs.filter((env) => !isKnown(ctx.state.get(KEYS.targetGroup(env))?.id)).map((env) => targetGroupName(ctx, env)),
    ));
  for (const env of envs) {
    const name = targetGroupName(ctx, env);
    await deleteTargetGroup(ctx, env, async () => ours(ctx, (await unrecorded()).get(name), `target group ${name}`));
  }
}

// ---- listeners -----------------------------------------------------------------------------------

interface ListenerSpec {
  kind: ListenerKind;
  port: number;
  actions: Action[];
  /** The IDs it is built from: in a plan, an unknown one means "would create". */
  needs: Array<string | undefined>;
}

/**
 * The HTTP listener, and the HTTPS one when a certificate is set; returns the one that forwards
 * (and carries the path rules).
 */
async function ensureListeners(ctx: StepContext, lb: Ensured<LoadBalancer>, groups: Map<string, string>): Promise<Ensured<Listener>> {
  const defaultEnv = ctx.config.environments.find((e) => e.path === undefined)!;
  const defaultGroup = groups.get(defaultEnv.name)!;
  // A load balancer just created has no listeners: no need to ask.
  const existing =
    isKnown(lb.id) && lb.outcome !== 'created'
      ? ((await unlessNotFound(ctx.aws.elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: lb.id })), ...GONE.loadBalancer))?.Listeners ?? [])
      : [];
  const forward = { actions: isKnown(defaultGroup) ? forwardTo(defaultGroup) : [], needs: [lb.id, defaultGroup] };
  if (!ctx.config.alb.certificateArn) return ensureListener(ctx, lb.id, existing, { kind: 'http', port: 80, ...forward });
  // HTTPS first, so that port 80 redirects only once 443 answers.
  const https = await ensureListener(ctx, lb.id, existing, { kind: 'https', port: 443, ...forward });
  await ensureListener(ctx, lb.id, existing, { kind: 'http', port: 80, actions: REDIRECT_TO_HTTPS, needs: [lb.id] });
  return https;
}

async function ensureListener(ctx: StepContext, loadBalancerArn: string, existing: Listener[], spec: ListenerSpec): Promise<Ensured<Listener>> {
  const elb = ctx.aws.elbv2;
  const certificateArn = ctx.config.alb.certificateArn;
  const https = spec.kind === 'https';
  const protocol = https ? 'HTTPS' : 'HTTP';
  const tls = () => (https ? { Certificates: [{ CertificateArn: certificateArn! }], SslPolicy: SSL_POLICY } : {});
  const kind = `${protocol} listener (port ${spec.port})`;
  return ensure<Listener>(ctx, {
    key: KEYS.listener(spec.kind),
    kind,
    needs: spec.needs,
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
          DefaultActions: spec.actions,
          Tags: ctx.tags.list('alb', `alb-${spec.kind}`),
        }),
      );
      return Listeners![0]!;
    },
    id: (l) => l.ListenerArn!,
    drift: (l) => [
      ...(l.Protocol !== protocol ? ['protocol'] : []),
      ...(actionsKey(l.DefaultActions) !== actionsKey(spec.actions) ? ['defaultActions'] : []),
      ...(https && l.Certificates?.[0]?.CertificateArn !== certificateArn ? ['certificate'] : []),
      ...(https && l.SslPolicy !== SSL_POLICY ? ['sslPolicy'] : []),
    ],
    update: async (l, changes) => {
      const tlsChanged = changes.some((c) => c === 'protocol' || c === 'certificate' || c === 'sslPolicy');
      await elb.send(
        new ModifyListenerCommand({
          ListenerArn: l.ListenerArn,
          ...(changes.includes('protocol') ? { Protocol: protocol } : {}),
          ...(tlsChanged ? tls() : {}),
          ...(changes.includes('defaultActions') ? { DefaultActions: spec.actions } : {}),
        }),
      );
    },
  });
}

async function deleteListener(ctx: StepContext, kind: ListenerKind): Promise<void> {
  await remove(ctx, {
    key: KEYS.listener(kind),
    kind: `${kind.toUpperCase()} listener`,
    delete: (arn) => ignoringGone(() => ctx.aws.elbv2.send(new DeleteListenerCommand({ ListenerArn: arn })), isGone('listener')),
  });
}

// ---- path rules ----------------------------------------------------------------------------------

const pathValues = (path: string) => [path, `${path}/*`];
const pathCondition = (path: string): RuleCondition[] => [{ Field: 'path-pattern', PathPatternConfig: { Values: pathValues(path) } }];

function routesPath(rule: Rule, path: string): boolean {
  const conditions = rule.Conditions ?? [];
  const only = conditions[0];
  return conditions.length === 1 && only?.Field === 'path-pattern' && sameSet(only.PathPatternConfig?.Values ?? only.Values, pathValues(path));
}

/** `…:listener-rule/app/<lb>/<id>/<listener id>/<rule id>` belongs to `…:listener/app/<lb>/<id>/<listener id>`. */
function listenerOfRule(ruleArn: string): string {
  const arn = ruleArn.replace(':listener-rule/', ':listener/');
  return arn.slice(0, arn.lastIndexOf('/'));
}

/** One rule per environment with a path, on the forwarding listener, in the config's order. */
async function ensureRules(ctx: StepContext, listener: Ensured<Listener>, groups: Map<string, string>): Promise<void> {
  const elb = ctx.aws.elbv2;
  const listenerArn = listener.id;
  const routed = ctx.config.environments.flatMap((env, i) => (env.path === undefined ? [] : [{ env: env.name, path: env.path, priority: 10 * (i + 1) }]));

  // A rule recorded on another listener (a certificate added or removed, a load balancer replaced) goes first.
  for (const { env } of routed) {
    const arn = ctx.state.get(KEYS.rule(env))?.id;
    if (isKnown(arn) && isKnown(listenerArn) && listenerOfRule(arn) !== listenerArn) await deleteRule(ctx, env);
  }

  // A listener just created has only its default rule: no need to ask.
  const rules = isKnown(listenerArn) && listener.outcome !== 'created'
    ? ((await unlessNotFound(elb.send(new DescribeRulesCommand({ ListenerArn: listenerArn })), ...GONE.listener))?.Rules ?? []).filter((r) => !r.IsDefault)
    : [];
  const recordedRule = (env: string) => rules.find((r) => r.RuleArn === ctx.state.get(KEYS.rule(env))?.id);
  const byPath = (path: string) => rules.find((r) => routesPath(r, path));
  const located = (route: (typeof routed)[number]) => recordedRule(route.env) ?? byPath(route.path);
  // Adoption reads the tags of every rule it could adopt in one call.
  let tags: ReturnType<typeof tagsByArn> | undefined;
  const owned = async (arn: string) =>
    ctx.tags.owns((await (tags ??= tagsByArn(ctx, routed.flatMap((r) => byPath(r.path)?.RuleArn ?? [])))).get(arn));

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
    const group = groups.get(route.env)!;
    const actions = isKnown(group) ? forwardTo(group) : [];
    await ensure<Rule>(ctx, {
      key: KEYS.rule(route.env),
      kind: `rule ${route.path} → ${route.env}`,
      needs: [listenerArn, group],
      find: async () => recordedRule(route.env),
      // Rules have no name: found by the path they route, and adopted only when tagged as ours.
      findByTags: async () => {
        const found = byPath(route.path);
        if (found && !(await owned(found.RuleArn!))) {
          throw notOurs(ctx, `a rule for ${route.path} on the ${ctx.tags.name('alb')} listener`, 'delete that rule; shipline then creates its own');
        }
        return found;
      },
      create: async () => {
        await applyMoves();
        const { Rules } = await elb.send(
          new CreateRuleCommand({
            ListenerArn: listenerArn,
            Priority: route.priority,
            Conditions: pathCondition(route.path),
            Actions: actions,
            Tags: ctx.tags.list('alb', `${route.env}-rule`),
          }),
        );
        return Rules![0]!;
      },
      id: (r) => r.RuleArn!,
      drift: (r) => [
        ...(routesPath(r, route.path) ? [] : ['conditions']),
        ...(actionsKey(r.Actions) !== actionsKey(actions) ? ['actions'] : []),
        ...(Number(r.Priority) !== route.priority ? ['priority'] : []),
      ],
      update: async (r, changes) => {
        if (changes.includes('priority')) await applyMoves();
        if (changes.includes('conditions') || changes.includes('actions')) {
          await elb.send(new ModifyRuleCommand({ RuleArn: r.RuleArn, Conditions: pathCondition(route.path), Actions: actions }));
        }
      },
    });
  }
}

async function deleteRule(ctx: StepContext, env: string): Promise<void> {
  await remove(ctx, {
    key: KEYS.rule(env),
    kind: `rule → ${env}`,
    delete: (arn) => ignoringGone(() => ctx.aws.elbv2.send(new DeleteRuleCommand({ RuleArn: arn })), isGone('rule')),
  });
}

// ---- helpers -------------------------------------------------------------------------------------

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
