// Where each environment's routes forward: the production route (the listener's default action or
// the environment's rule) and, with blue/green, its test listener.
import type { Action, Listener } from '@aws-sdk/client-elastic-load-balancing-v2';
import { isKnown, type StepContext } from '../../src/step';
import { forwardTo } from '../lib/elbv2';
import { findTestListener } from './listeners';
import { isBlueGreen } from './names';
import type { Pair } from './target-groups';

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
export class Routes {
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
