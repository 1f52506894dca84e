// How CodeDeploy (ECS blue/green) reads and rewrites listener actions. It finds the original
// target group as the one of the pair that production traffic goes to, and moves traffic by
// rewriting each forward as a weighted one naming both groups of the pair: the replacement group
// at weight 100 and the original at weight 0. It never leaves a single-target forward behind
// (https://github.com/traveloka/terraform-aws-alb-single-listener/pull/47 quotes AWS Support:
// "the listener rules will change from (TG1: 1) to (TG2: 100, TG1: 0)").
import type { Action } from '@aws-sdk/client-elastic-load-balancing-v2';

/** What CodeDeploy writes: the whole production (or test) traffic on `to`, `from` kept at weight 0. */
const SHIFTED_WEIGHT = 100;

/** The target groups of a forward action with their weights (a single-target forward weighs 1). */
export function forwardWeights(action: Action): Array<{ arn: string; weight: number }> {
  if (action.Type !== 'forward') return [];
  const tuples = action.ForwardConfig?.TargetGroups;
  if (tuples?.length) return tuples.flatMap((t) => (t.TargetGroupArn ? [{ arn: t.TargetGroupArn, weight: t.Weight ?? 1 }] : []));
  return action.TargetGroupArn ? [{ arn: action.TargetGroupArn, weight: 1 }] : [];
}

/**
 * The group of the pair that production traffic runs on, across these rules (a listener's, its
 * default rule included): the one with the highest weight on a forward naming it. Undefined when
 * no forward names either, or both weigh the same.
 */
export function liveOfPair(rules: ReadonlyArray<{ Actions?: Action[] }>, pair: readonly string[]): string | undefined {
  const weights = new Map<string, number>();
  for (const action of rules.flatMap((r) => r.Actions ?? [])) {
    for (const { arn, weight } of forwardWeights(action)) {
      if (pair.includes(arn)) weights.set(arn, Math.max(weights.get(arn) ?? 0, weight));
    }
  }
  const ranked = [...weights.entries()].sort((a, b) => b[1] - a[1]);
  const [first, second] = ranked;
  if (!first || first[1] === 0 || (second && second[1] === first[1])) return undefined;
  return first[0];
}

/**
 * The actions with every forward that sends traffic to `from` rewritten as CodeDeploy leaves it:
 * `to` at weight 100, `from` at weight 0. Undefined when no forward sends traffic to `from`.
 */
export function shiftedTo(actions: readonly Action[], from: string, to: string): Action[] | undefined {
  let changed = false;
  const result = actions.map((action): Action => {
    if (!forwardWeights(action).some((g) => g.arn === from && g.weight > 0)) return action;
    changed = true;
    const { TargetGroupArn: _single, ...rest } = action;
    return {
      ...rest,
      ForwardConfig: {
        ...action.ForwardConfig,
        TargetGroups: [
          { TargetGroupArn: to, Weight: SHIFTED_WEIGHT },
          { TargetGroupArn: from, Weight: 0 },
        ],
      },
    };
  });
  return changed ? result : undefined;
}
