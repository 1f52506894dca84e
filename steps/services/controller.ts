// The deployment controller a strategy needs, and the refusal of a switch ECS cannot make in place.
import type { DeploymentControllerType } from '@aws-sdk/client-ecs';
import { ConfigError } from '../../src/errors';
import { isKnown, type StepContext } from '../../src/step';
import { clusterName } from '../cluster';
import { fromEcsTags } from '../lib/owned';
import { controllerFor, controllerOf, KEYS, serviceName } from './names';
import { clusterRef, describeServices } from './live';

export const STRATEGY_OF: Record<DeploymentControllerType, string> = { ECS: 'rolling', CODE_DEPLOY: 'blue-green', EXTERNAL: 'external' };

/**
 * The services of the config's environments whose deployment controller is not the one the
 * strategy needs. The state records each service's controller; AWS is asked only for what the
 * state does not say (a lost state, an older state file).
 */
export async function checkDeploymentControllers(ctx: StepContext): Promise<void> {
  const wanted = controllerFor(ctx.config);
  const envs = ctx.config.environments.map((e) => e.name);
  const known = new Map<string, DeploymentControllerType>();
  const unknown: string[] = [];
  for (const env of envs) {
    const rec = ctx.state.get(KEYS.service(env));
    const controller = rec?.controller as DeploymentControllerType | undefined;
    if (isKnown(rec?.id) && controller !== undefined) known.set(env, controller);
    else unknown.push(env);
  }
  if (unknown.length > 0) {
    const live = await describeServices(ctx, clusterRef(ctx) ?? clusterName(ctx.tags.stack), unknown);
    for (const env of unknown) {
      const found = live.get(serviceName(ctx.tags.stack, env));
      const ours = found?.status === 'ACTIVE' && (ctx.state.get(KEYS.service(env))?.id === found.serviceArn || ctx.tags.owns(fromEcsTags(found.tags)));
      if (ours) known.set(env, controllerOf(found));
    }
  }
  const mismatched = envs.filter((env) => known.has(env) && known.get(env) !== wanted);
  if (mismatched.length > 0) throw strategySwitchRefused(ctx, mismatched.map((env) => [env, known.get(env)!] as const));
}

/** The refusal of a strategy switch: what is in the way, and the two ways out. */
export function strategySwitchRefused(ctx: Pick<StepContext, 'config' | 'tags'>, mismatched: ReadonlyArray<readonly [string, DeploymentControllerType]>): ConfigError {
  const strategy = ctx.config.deploy.strategy;
  const names = mismatched.map(([env]) => serviceName(ctx.tags.stack, env)).join(', ');
  const [, have] = mismatched[0]!;
  const previous = STRATEGY_OF[have];
  return new ConfigError(
    `deploy.strategy is "${strategy}", but the ECS service${mismatched.length > 1 ? 's' : ''} ${names} ` +
      `(environment${mismatched.length > 1 ? 's' : ''} ${mismatched.map(([env]) => env).join(', ')}) ${mismatched.length > 1 ? 'run' : 'runs'} ` +
      `with the ${have} deployment controller ("${previous}"), and ECS cannot change a service's deployment controller in place. ` +
      'Nothing was changed.',
    {
      hint:
        `either set deploy.strategy back to "${previous}", or rebuild the stack with "${strategy}": ` +
        '`npm run destroy -- --keep-connection`, then `npm run provision` (the services start again from the placeholder image; ' +
        'run the pipeline, `npm run release`, to deploy your app again)',
    },
  );
}
