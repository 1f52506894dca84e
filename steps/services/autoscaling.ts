// An environment's autoscaling (issue 13's `autoscaling`): an Application Auto Scaling scalable
// target on its service's desired count (min, max), and one target tracking policy per target the
// config sets (CPU, memory, ALB requests per target), made after the service and removed before it.
//
// Ownership: the scalable target is known by its resource ID, `service/<cluster>/<service>`, which
// names the stack's cluster and the environment's service: the services step has confirmed both are
// the stack's (their tags) before this runs, and a service has one scalable target on its desired
// count, so the target found on it is the stack's to adopt. (It carries the stack's tags too, set
// by RegisterScalableTarget, but DescribeScalableTargets does not report tags: checking them would
// cost a ListTagsForResource per run.) Policies take no tags: they are known by their derived name
// (`<stack>-<env>-cpu` …) on that resource. Both calls that make them are idempotent (registering
// again updates the target, putting a policy of the same name updates it), so a crash between a
// call and its record is only drift for the next run.
//
// The desired count itself is the autoscaler's: see wantedDesiredCount in service-settings.ts.
import {
  DeleteScalingPolicyCommand,
  DeregisterScalableTargetCommand,
  paginateDescribeScalableTargets,
  paginateDescribeScalingPolicies,
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
  type ScalableTarget,
  type ScalingPolicy,
} from '@aws-sdk/client-application-auto-scaling';
import { GONE, isGone } from '../../src/aws/gone';
import { allItems } from '../../src/aws/pages';
import type { EnvironmentConfig } from '../../src/config';
import { ensure, ignoringGone, remove } from '../../src/reconcile';
import { settingsOf } from '../../src/service-config';
import { isKnown, type StepContext } from '../../src/step';
import { KEYS as ALB } from '../alb';
import { clusterName } from '../cluster';
import { clusterRef } from './live';
import { KEYS, serviceName } from './names';
import { POLICY_KINDS, resourceLabel, targetTrackingPolicies, type PolicyKind, type TargetTracking } from './autoscaling-settings';

const NAMESPACE = 'ecs';
const DIMENSION = 'ecs:service:DesiredCount';

export const scalingResourceId = (cluster: string, service: string) => `service/${cluster}/${service}`;
export const scalingPolicyName = (stack: string, env: string, kind: PolicyKind) => `${stack}-${env}-${kind}`;
const policyKey = (kind: PolicyKind) => ({ cpu: KEYS.cpuPolicy, memory: KEYS.memoryPolicy, requests: KEYS.requestsPolicy })[kind];
const SCALING_KEYS = (env: string) => [KEYS.scalableTarget(env), ...POLICY_KINDS.map((kind) => policyKey(kind)(env))];

/** What Application Auto Scaling has on the environment's service, read once (two calls) when first needed. */
interface LiveScaling {
  target: ScalableTarget | undefined;
  policies: ScalingPolicy[];
}

function lazyScaling(ctx: StepContext, resourceId: string): () => Promise<LiveScaling> {
  let read: Promise<LiveScaling> | undefined;
  const client = { client: ctx.aws.appautoscaling };
  return () =>
    (read ??= (async () => {
      const [targets, policies] = await Promise.all([
        allItems(paginateDescribeScalableTargets(client, { ServiceNamespace: NAMESPACE, ResourceIds: [resourceId], ScalableDimension: DIMENSION }), (p) => p.ScalableTargets),
        allItems(paginateDescribeScalingPolicies(client, { ServiceNamespace: NAMESPACE, ResourceId: resourceId, ScalableDimension: DIMENSION }), (p) => p.ScalingPolicies),
      ]);
      return { target: targets.find((t) => t.ResourceId === resourceId), policies };
    })());
}

interface Scope {
  env: string;
  resourceId: string;
  live: () => Promise<LiveScaling>;
}

function scopeOf(ctx: StepContext, env: string): Scope {
  const resourceId = scalingResourceId(clusterRef(ctx) ?? clusterName(ctx.tags.stack), serviceName(ctx.tags.stack, env));
  return { env, resourceId, live: lazyScaling(ctx, resourceId) };
}

/** The environment's autoscaling as the config sets it: made and corrected, or removed when the config has none. */
export async function ensureAutoscaling(ctx: StepContext, env: EnvironmentConfig): Promise<void> {
  const scaling = settingsOf(ctx.config, env).autoscaling;
  if (!scaling) {
    await deleteAutoscaling(ctx, env.name, { onlyRecorded: true });
    return;
  }
  const scope = scopeOf(ctx, env.name);
  const serviceArn = ctx.state.get(KEYS.service(env.name))?.id;
  const target = await ensureScalableTarget(ctx, scope, { min: scaling.min, max: scaling.max }, serviceArn);
  const label = resourceLabel(ctx.state.get(ALB.loadBalancer)?.id, ctx.state.get(ALB.targetGroup(env.name))?.id);
  const policies = targetTrackingPolicies(scaling, label);
  for (const kind of POLICY_KINDS) {
    const wanted = policies[kind];
    if (wanted) await ensurePolicy(ctx, scope, kind, wanted, target);
    // A target still to be made (a plan) has no policy to remove.
    else if (isKnown(target)) await removePolicy(ctx, scope, kind);
  }
}

/**
 * The environment's policies, then its scalable target (before its service goes). `onlyRecorded`:
 * nothing is read unless the state records some of it (a provision of an environment without
 * autoscaling costs no call); otherwise (destroy) a lost state is looked up too.
 */
export async function deleteAutoscaling(ctx: StepContext, env: string, opts: { onlyRecorded: boolean }): Promise<void> {
  const recorded = SCALING_KEYS(env).some((key) => ctx.state.get(key) !== undefined);
  if (opts.onlyRecorded && !recorded) return;
  const configured = ctx.config.environments.find((e) => e.name === env)?.autoscaling !== undefined;
  if (!recorded && !configured) return;
  const scope = scopeOf(ctx, env);
  for (const kind of POLICY_KINDS) await removePolicy(ctx, scope, kind);
  await remove<ScalableTarget>(ctx, {
    key: KEYS.scalableTarget(env),
    kind: `scalable target ${scope.resourceId}`,
    findByTags: async () => (await scope.live()).target,
    id: (t) => t.ResourceId!,
    confirm: { foreignId: (id) => foreignResourceId(id, scope) },
    // Deregistering deletes what policies are left with it.
    delete: (id) =>
      ignoringGone(
        () => ctx.aws.appautoscaling.send(new DeregisterScalableTargetCommand({ ServiceNamespace: NAMESPACE, ScalableDimension: DIMENSION, ResourceId: id })),
        isGone(GONE.appautoscaling.scalableTarget),
      ),
  });
}

async function ensureScalableTarget(ctx: StepContext, scope: Scope, range: { min: number; max: number }, serviceArn: string | undefined): Promise<string> {
  const register = (withTags: boolean) =>
    ctx.aws.appautoscaling.send(
      new RegisterScalableTargetCommand({
        ServiceNamespace: NAMESPACE,
        ScalableDimension: DIMENSION,
        ResourceId: scope.resourceId,
        MinCapacity: range.min,
        MaxCapacity: range.max,
        ...(withTags ? { Tags: ctx.tags.record(ctx.step, `${scope.env}-scaling`) } : {}),
      }),
    );
  const { id } = await ensure<ScalableTarget>(ctx, {
    key: KEYS.scalableTarget(scope.env),
    kind: `scalable target ${scope.resourceId}`,
    needs: [serviceArn],
    foreignId: (id) => foreignResourceId(id, scope),
    foreign: () => undefined,
    find: async (id) => {
      const { target } = await scope.live();
      return target?.ResourceId === id ? target : undefined;
    },
    findByTags: async () => (await scope.live()).target,
    create: async () => {
      const { ScalableTargetARN } = await register(true);
      return { ServiceNamespace: NAMESPACE, ScalableDimension: DIMENSION, ResourceId: scope.resourceId, MinCapacity: range.min, MaxCapacity: range.max, ScalableTargetARN } as ScalableTarget;
    },
    id: (t) => t.ResourceId!,
    attributes: (t) => ({ arn: t.ScalableTargetARN }),
    drift: (t) => [...(t.MinCapacity !== range.min ? ['min'] : []), ...(t.MaxCapacity !== range.max ? ['max'] : [])],
    // Registering again updates the range (AWS moves a desired count outside it to the nearest bound).
    update: async () => {
      await register(false);
    },
  });
  return id;
}

async function ensurePolicy(ctx: StepContext, scope: Scope, kind: PolicyKind, wanted: TargetTracking, targetId: string): Promise<void> {
  const name = scalingPolicyName(ctx.tags.stack, scope.env, kind);
  const put = () =>
    ctx.aws.appautoscaling.send(
      new PutScalingPolicyCommand({
        ServiceNamespace: NAMESPACE,
        ScalableDimension: DIMENSION,
        ResourceId: scope.resourceId,
        PolicyName: name,
        PolicyType: 'TargetTrackingScaling',
        TargetTrackingScalingPolicyConfiguration: wanted,
      }),
    );
  await ensure<ScalingPolicy>(ctx, {
    key: policyKey(kind)(scope.env),
    kind: `scaling policy ${name}`,
    // The request policy's label names the load balancer and target group: known once the alb step made them.
    needs: [targetId, ...(kind === 'requests' ? [wanted.PredefinedMetricSpecification.ResourceLabel] : [])],
    foreignId: (arn) => foreignPolicyArn(arn, scope, name),
    foreign: () => undefined,
    find: async (arn) => (await scope.live()).policies.find((p) => p.PolicyARN === arn),
    findByTags: async () => (await scope.live()).policies.find((p) => p.PolicyName === name),
    create: async () => {
      const { PolicyARN } = await put();
      return { PolicyARN, PolicyName: name, ResourceId: scope.resourceId, PolicyType: 'TargetTrackingScaling', TargetTrackingScalingPolicyConfiguration: wanted } as ScalingPolicy;
    },
    id: (p) => p.PolicyARN!,
    drift: (p) => (sameTracking(p.TargetTrackingScalingPolicyConfiguration, wanted) ? [] : ['targetTracking']),
    // Putting a policy of the same name again updates it in place.
    update: async () => {
      await put();
    },
  });
}

async function removePolicy(ctx: StepContext, scope: Scope, kind: PolicyKind): Promise<void> {
  const name = scalingPolicyName(ctx.tags.stack, scope.env, kind);
  await remove<ScalingPolicy>(ctx, {
    key: policyKey(kind)(scope.env),
    kind: `scaling policy ${name}`,
    findByTags: async () => (await scope.live()).policies.find((p) => p.PolicyName === name),
    id: (p) => p.PolicyARN!,
    confirm: { foreignId: (arn) => foreignPolicyArn(arn, scope, name) },
    delete: () =>
      ignoringGone(
        () =>
          ctx.aws.appautoscaling.send(
            new DeleteScalingPolicyCommand({ ServiceNamespace: NAMESPACE, ScalableDimension: DIMENSION, ResourceId: scope.resourceId, PolicyName: name }),
          ),
        isGone(GONE.appautoscaling.scalingPolicy),
      ),
  });
}

function foreignResourceId(id: string, scope: Scope): string | undefined {
  return id === scope.resourceId ? undefined : `is not ${scope.resourceId}, the stack's ECS service`;
}

/** `…:scalingPolicy:<uuid>:resource/ecs/<resource id>:policyName/<name>`. */
function foreignPolicyArn(arn: string, scope: Scope, name: string): string | undefined {
  return arn.endsWith(`:resource/ecs/${scope.resourceId}:policyName/${name}`) ? undefined : `is not scaling policy ${name} of ${scope.resourceId}`;
}

function sameTracking(have: ScalingPolicy['TargetTrackingScalingPolicyConfiguration'], want: TargetTracking): boolean {
  const metric = have?.PredefinedMetricSpecification;
  return (
    have?.TargetValue === want.TargetValue &&
    have.ScaleInCooldown === want.ScaleInCooldown &&
    have.ScaleOutCooldown === want.ScaleOutCooldown &&
    (have.DisableScaleIn ?? false) === false &&
    have.CustomizedMetricSpecification === undefined &&
    metric?.PredefinedMetricType === want.PredefinedMetricSpecification.PredefinedMetricType &&
    metric.ResourceLabel === want.PredefinedMetricSpecification.ResourceLabel
  );
}

