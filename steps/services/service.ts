// An environment's ECS service: created, updated where the config's settings drifted, waited for
// until stable, and deleted (drained) on destroy.
import {
  CreateServiceCommand,
  DeleteServiceCommand,
  DescribeServicesCommand,
  UpdateServiceCommand,
  waitUntilServicesInactive,
  type Service,
} from '@aws-sdk/client-ecs';
import { GONE } from '../../src/aws/gone';
import { isAwsError } from '../../src/aws/errors';
import { isRoleNotYetAssumable, retryWhile, until, untilSdk, type Poll } from '../../src/aws/wait';
import type { EnvironmentConfig } from '../../src/config';
import { WaitTimeoutError } from '../../src/errors';
import { ensure, remove } from '../../src/reconcile';
import { isKnown, type StepContext } from '../../src/step';
import { KEYS as ALB, liveTargetGroup } from '../alb';
import { clusterName } from '../cluster';
import { foreignByTags, fromEcsTags } from '../lib/owned';
import { subnetIds } from '../network';
import {
  controllerFor,
  controllerOf,
  DESCRIBE_LIMIT,
  INACTIVE_TIMEOUT_SECONDS,
  KEYS,
  ROLE_PROPAGATION_SECONDS,
  serviceName,
  type EnsuredService,
  type LiveServices,
} from './names';
import { clusterRef, ourService } from './live';
import { strategySwitchRefused } from './controller';
import type { EnsuredTaskDefinition } from './task-definition';
import {
  blueGreenServiceDrift,
  createServiceInput,
  serviceDrift,
  serviceSettings,
  updateServiceInput,
  type ServiceSettings,
} from './service-settings';

export async function ensureService(
  ctx: StepContext,
  env: EnvironmentConfig,
  deps: { securityGroup: string; taskDefinition: EnsuredTaskDefinition; live: LiveServices },
): Promise<EnsuredService> {
  const ecs = ctx.aws.ecs;
  const name = serviceName(ctx.tags.stack, env.name);
  const cluster = clusterRef(ctx);
  const subnets = subnetIds(ctx, 'private');
  const targetGroupArn = ctx.state.get(ALB.targetGroup(env.name))?.id;
  const taskDefinition = deps.taskDefinition.arn;
  const want = serviceSettings(ctx.config, env, { subnets: subnets.filter(isKnown), securityGroup: deps.securityGroup, targetGroupArn, taskDefinition });
  const controller = controllerFor(ctx.config);
  /** A service found with the other controller: the preflight check missed it (a service made meanwhile). */
  const checkController = (s: Service | undefined) => {
    if (s && controllerOf(s) !== controller) throw strategySwitchRefused(ctx, [[env.name, controllerOf(s)]]);
    return s;
  };

  const { outcome, resource } = await ensure<Service>(ctx, {
    key: KEYS.service(env.name),
    kind: `ECS service ${name}`,
    needs: [cluster, deps.securityGroup, targetGroupArn, ...subnets, ...(deps.taskDefinition.outcome === 'created' ? [taskDefinition] : [])],
    clientToken: true,
    foreignId: (arn) => foreignServiceArn(ctx, arn, env.name),
    foreign: () => undefined,
    find: async (id) => {
      const found = ourService(ctx, env.name, deps.live);
      return checkController(found?.serviceArn === id ? found : undefined);
    },
    findByTags: async () => checkController(ourService(ctx, env.name, deps.live)),
    create: async (clientToken) => {
      if (deps.live.get(name)?.status === 'DRAINING') {
        // AWS refuses a new service while the deleted one of that name drains.
        await untilSdk(ctx, `the deleted ECS service ${name} to drain`, INACTIVE_TIMEOUT_SECONDS, waitUntilServicesInactive, ecs, { cluster, services: [name] });
      }
      // A CODE_DEPLOY service starts on the group of its pair that the production route serves
      // (after a deployment, maybe the second one); only a deployment moves it later.
      const startOn = controller === 'CODE_DEPLOY' ? await liveTargetGroup(ctx, env.name) : targetGroupArn;
      const input = createServiceInput(ctx.config, want, { cluster, serviceName: name, startOn, tags: ctx.tags.list(ctx.step, env.name), clientToken });
      // A role created seconds ago (ECS's service-linked role on a new account) is refused until IAM
      // has propagated it; the same client token makes the retries one service.
      const { service } = await retryWhile(ctx, `ECS to be able to assume its role for service ${name}`, ROLE_PROPAGATION_SECONDS, isRoleNotYetAssumable, () =>
        ecs.send(new CreateServiceCommand(input)),
      );
      return service!;
    },
    // A reused token answers with the service it made, even once deleted.
    isGone: (s) => s.status !== 'ACTIVE',
    id: (s) => s.serviceArn!,
    attributes: (s) => ({ name: s.serviceName, controller: controllerOf(s) }),
    drift: (s) => (controller === 'CODE_DEPLOY' ? blueGreenChanges(ctx, s, want, env.name) : serviceDrift(s, want)),
    update: async (s, changes) => {
      if (changes.includes('enableExecuteCommand')) {
        ctx.log.info({ service: name }, `ECS Exec ${want.enableExecuteCommand ? 'on' : 'off'} for ${name}: a new deployment replaces the running tasks, which keep the setting they started with`);
      }
      await ecs.send(new UpdateServiceCommand(updateServiceInput(ctx.config, want, { cluster, service: s.serviceName }, changes, s)));
    },
  });
  // A state file from before the record named its controller: name it now, so the preflight check needs no AWS call.
  const rec = ctx.state.get(KEYS.service(env.name));
  if (!ctx.dryRun && resource !== undefined && rec !== undefined && rec.id === resource.serviceArn && rec.controller === undefined) {
    await ctx.state.update(KEYS.service(env.name), { controller: controllerOf(resource) });
  }
  return {
    name,
    controller,
    changed: outcome === 'created' || outcome === 'updated' || deps.taskDefinition.outcome === 'updated' || deps.taskDefinition.outcome === 'created',
    steady: resource !== undefined && resource.runningCount === resource.desiredCount && (resource.deployments?.length ?? 0) <= 1,
  };
}

/** blueGreenServiceDrift, and a warning for what only a new service could change. */
function blueGreenChanges(ctx: StepContext, s: Service, want: ServiceSettings, env: string): string[] {
  const pair = [ctx.state.get(ALB.targetGroup(env))?.id, ctx.state.get(ALB.greenTargetGroup(env))?.id];
  const { changes, unchangeable } = blueGreenServiceDrift(s, want, pair);
  if (unchangeable.length > 0) {
    ctx.log.warn(
      { service: s.serviceName, differs: unchangeable },
      `ECS service ${s.serviceName} differs from the config in ${unchangeable.join(' and ')}, which a CODE_DEPLOY service only takes when it is created: ` +
        'left as it is (remove the environment from the config and provision, then add it back, to have it replaced)',
    );
  }
  return changes;
}

/** One bounded waiter call for all the step's services, when something changed or one isn't steady. */
export async function waitForStable(ctx: StepContext, ensured: EnsuredService[]): Promise<void> {
  if (ctx.dryRun || ensured.length === 0) return;
  if (!ensured.some((s) => s.changed || !s.steady)) {
    ctx.log.debug('every service is steady: nothing to wait for');
    return;
  }
  if (!ctx.wait) {
    ctx.log.debug('not waiting for the services to become stable (--no-wait)');
    return;
  }
  const names = ensured.map((s) => s.name);
  for (let i = 0; i < names.length; i += DESCRIBE_LIMIT) {
    const chunk = names.slice(i, i + DESCRIBE_LIMIT);
    const what = `ECS services ${chunk.join(', ')} to become stable`;
    ctx.progress(`waiting for ${what}`);
    await until(ctx, what, ctx.config.services.stableTimeoutSeconds, () => servicesSteady(ctx, chunk));
  }
}

/**
 * The SDK's services-stable waiter, with two differences: a service ECS does not list yet (its API
 * is eventually consistent: MISSING right after CreateService) is asked for again, not a failure;
 * and a CODE_DEPLOY service, for which AWS lists no deployments but task sets, is steady when its
 * desired count runs and every task set is in steady state.
 */
export async function servicesSteady(ctx: StepContext, names: string[]): Promise<Poll<undefined>> {
  const { services = [] } = await ctx.aws.ecs.send(new DescribeServicesCommand({ cluster: clusterRef(ctx), services: names }));
  const gone = services.filter((s) => s.status === 'DRAINING' || s.status === 'INACTIVE');
  if (gone.length > 0) {
    throw new WaitTimeoutError(`waiting for ECS services to become stable failed: ${gone.map((s) => `${s.serviceName} is ${s.status}`).join(', ')}`, {
      hint: 'something deleted the service meanwhile; run provision again to create it',
    });
  }
  const listed = new Set(services.map((s) => s.serviceName));
  const missing = names.filter((n) => !listed.has(n));
  const unsteady = services.filter((s) => {
    if (s.runningCount !== s.desiredCount) return true;
    if (controllerOf(s) === 'CODE_DEPLOY') return (s.deployments?.length ?? 0) > 1 || (s.taskSets ?? []).some((t) => t.stabilityStatus !== 'STEADY_STATE');
    return s.deployments?.length !== 1;
  });
  if (unsteady.length === 0 && missing.length === 0) return { done: true, value: undefined };
  return {
    done: false,
    status: [
      ...unsteady.map((s) => `${s.serviceName} ${s.runningCount ?? 0}/${s.desiredCount ?? 0} running`),
      ...missing.map((n) => `${n} not listed yet`),
    ].join(', '),
  };
}


export async function deleteService(ctx: StepContext, env: string, live: () => Promise<LiveServices>): Promise<void> {
  const ecs = ctx.aws.ecs;
  const name = serviceName(ctx.tags.stack, env);
  const cluster = clusterRef(ctx) ?? clusterName(ctx.tags.stack);
  await remove<Service>(ctx, {
    key: KEYS.service(env),
    kind: `ECS service ${name}`,
    findByTags: async () => {
      const found = (await live()).get(name);
      return found && found.status !== 'INACTIVE' && ctx.tags.owns(fromEcsTags(found.tags)) ? found : undefined;
    },
    id: (s) => s.serviceArn!,
    // Its ARN names the stack's cluster and service; the one read of the stack's services brings its tags.
    confirm: {
      find: async (arn) => (foreignServiceArn(ctx, arn, env) !== undefined ? { serviceArn: arn } : [...(await live()).values()].find((s) => s.serviceArn === arn)),
      foreign: (s) => foreignServiceArn(ctx, s.serviceArn!, env) ?? foreignByTags(ctx, fromEcsTags(s.tags)),
    },
    delete: async (arn) => {
      // Gone for good: nothing to wait for. Not active (draining): delete and wait all the same.
      const missing = (e: unknown) => isAwsError(e, ...GONE.ecs.service);
      const call = async (send: () => Promise<unknown>): Promise<boolean> => {
        try {
          await send();
          return true;
        } catch (error) {
          if (missing(error)) return false;
          if (isAwsError(error, 'ServiceNotActiveException')) return true;
          throw error;
        }
      };
      if (!(await call(() => ecs.send(new UpdateServiceCommand({ cluster, service: arn, desiredCount: 0 }))))) return;
      if (!(await call(() => ecs.send(new DeleteServiceCommand({ cluster, service: arn, force: true }))))) return;
      await untilSdk(ctx, `ECS service ${name} to drain`, INACTIVE_TIMEOUT_SECONDS, waitUntilServicesInactive, ecs, { cluster, services: [arn] });
    },
  });
}

/** Every ACTIVE revision of the environment's family: the first ones shipline's, later ones the pipeline's. */

export function foreignServiceArn(ctx: StepContext, arn: string, env: string): string | undefined {
  const path = arn.slice(arn.indexOf(':service/') + ':service/'.length).split('/');
  const [cluster, name] = path.length === 2 ? path : [undefined, path[0]];
  const want = serviceName(ctx.tags.stack, env);
  if (!arn.includes(':service/') || name !== want) return `is not ECS service ${want}, the name shipline gives it`;
  return cluster === undefined || cluster === clusterName(ctx.tags.stack) ? undefined : `is in ECS cluster ${cluster}, not the stack's ${clusterName(ctx.tags.stack)}`;
}

/** `…:task-definition/<family>:<revision>`: the family shipline names for the environment. */
