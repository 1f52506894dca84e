// What each environment's routes forward to in this run. Rolling: its target group. Blue/green:
// the decisions of routing.ts, with the one fact they need from AWS besides the routes: whether a
// CodeDeploy deployment of the environment is running. That is asked only about an environment
// with a route to repair, so a re-provision after a deployment reads nothing more.
import type { Action, Listener } from '@aws-sdk/client-elastic-load-balancing-v2';
import { isKnown, type StepContext } from '../../src/step';
import { activeDeployments } from '../lib/deployments';
import { findTestListener } from './listeners';
import { isBlueGreen } from './names';
import { isCodeDeploys, liveGroup, routeActions } from './routing';
import type { Pair } from './target-groups';

export class Routes {
  /** Where each environment's production route sends traffic, as found or set by this run. */
  private readonly live = new Map<string, string>();
  /** Where each environment's test listener sent traffic when this run began. */
  private readonly testing = new Map<string, string>();
  /** The environments with a CodeDeploy deployment running: their routes are left alone. */
  private readonly deploying = new Set<string>();
  private readonly asked = new Set<string>();

  constructor(
    private readonly ctx: StepContext,
    readonly pairs: Map<string, Pair>,
    existing: readonly Listener[],
  ) {
    if (!isBlueGreen(ctx)) return;
    for (const env of ctx.config.environments) {
      const target = liveGroup(findTestListener(ctx, existing, env.name)?.DefaultActions);
      if (target) this.testing.set(env.name, target);
    }
  }

  /**
   * Before deciding a route of `env` from its actions now: when it is not CodeDeploy's (it would be
   * repaired), ask once whether a deployment of `env` is running.
   */
  async prepare(env: string, current: readonly Action[] | undefined): Promise<void> {
    if (!isBlueGreen(this.ctx) || current === undefined || this.asked.has(env)) return;
    if (isCodeDeploys(current, this.members(env))) return;
    this.asked.add(env);
    const running = await activeDeployments(this.ctx, env);
    if (running.length === 0) return;
    this.deploying.add(env);
    this.ctx.log.warn(
      { env, deployments: running },
      `a route of ${env} does not forward to its target group pair, but CodeDeploy deployment ${running.join(', ')} is moving its traffic: left alone; provision again once it ends`,
    );
  }

  /** The actions of `env`'s production route (default action or rule), given its current ones. */
  production(env: string, current: readonly Action[] | undefined): Action[] {
    const actions = this.decide(env, current, this.testing.get(env));
    const live = liveGroup(actions);
    if (live !== undefined) this.live.set(env, live);
    return [...actions];
  }

  /** The actions of `env`'s test listener, given its current ones. */
  test(env: string, current: readonly Action[] | undefined): Action[] {
    return [...this.decide(env, current, this.live.get(env))];
  }

  /** The group `env`'s production traffic runs on, once its production route was decided this run. */
  liveGroup(env: string): string | undefined {
    return this.live.get(env);
  }

  private members(env: string): string[] {
    const pair = this.pairs.get(env)!;
    return [pair.blue, pair.green].filter(isKnown);
  }

  /** `current` when it stays as it is; else the actions to set. */
  private decide(env: string, current: readonly Action[] | undefined, sibling: string | undefined): readonly Action[] {
    return routeActions(isBlueGreen(this.ctx), this.pairs.get(env)!, current, sibling, this.deploying.has(env));
  }
}
