// One target group per environment (two with blue/green: the pair CodeDeploy moves traffic
// between): HTTP on the container port, target type ip, the health check and deregistration delay
// shipline sets.
import {
  CreateTargetGroupCommand,
  DeleteTargetGroupCommand,
  DescribeTargetGroupAttributesCommand,
  ModifyTargetGroupAttributesCommand,
  ModifyTargetGroupCommand,
  type TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { unlessNotFound } from '../../src/aws/errors';
import { retryWhile } from '../../src/aws/wait';
import { ensure, ignoringGone, remove } from '../../src/reconcile';
import { isKnown, type StepContext } from '../../src/step';
import { findTargetGroupsByArn, findTargetGroupsByName, foreignTargetGroupArn, GONE, isGone, notOurs, RESOURCE_IN_USE } from '../lib/elbv2';
import { foreignByParent } from '../lib/owned';
import { vpcIdOf } from '../network';
import { settingsOf } from '../../src/service-config';
import { healthCheckDrifted, targetGroupHealthCheck } from './health-check';
import { GREEN_TARGET_GROUP_PREFIX, greenTargetGroupName, isBlueGreen, KEYS, ours, recorded, TARGET_GROUP_PREFIX, targetGroupName } from './names';

const DEREGISTRATION_DELAY = 'deregistration_delay.timeout_seconds';
/** Fargate tasks stop fast; AWS's default 300 s would slow every deployment down. */
export const DEREGISTRATION_DELAY_SECONDS = '30';

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

export const blue = (ctx: StepContext, env: string): GroupSpec => ({
  env,
  key: KEYS.targetGroup(env),
  name: targetGroupName(ctx.tags.stack, env),
  part: `${env}-tg`,
});
export const green = (ctx: StepContext, env: string): GroupSpec => ({
  env,
  key: KEYS.greenTargetGroup(env),
  name: greenTargetGroupName(ctx.tags.stack, env),
  part: `${env}-tg-g`,
});

/** An environment's target groups (ARNs, or KNOWN_AFTER_APPLY in a plan): the second one with blue/green only. */
export interface Pair {
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
export async function ensureTargetGroups(ctx: StepContext): Promise<Map<string, Pair>> {
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
  const vpc = vpcIdOf(ctx);
  const port = ctx.config.services.containerPort;
  const name = spec.name;
  const env = ctx.config.environments.find((e) => e.name === spec.env)!;
  // Both groups of a blue/green pair check alike: either may serve the environment.
  const healthCheck = targetGroupHealthCheck(settingsOf(ctx.config, env).healthCheck);
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
          ...healthCheck,
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
      return [...(healthCheckDrifted(tg, healthCheck) ? ['healthCheck'] : []), ...(tg.deregistrationDelay !== DEREGISTRATION_DELAY_SECONDS ? ['deregistrationDelay'] : [])];
    },
    update: async (tg, changes) => {
      const TargetGroupArn = tg.TargetGroupArn;
      if (changes.includes('healthCheck')) {
        await elb.send(new ModifyTargetGroupCommand({ TargetGroupArn, ...healthCheck }));
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

export async function deleteTargetGroup(ctx: StepContext, spec: GroupSpec, lookup?: () => Promise<TargetGroup | undefined>): Promise<void> {
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
export async function deleteTargetGroups(ctx: StepContext): Promise<void> {
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
