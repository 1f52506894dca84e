// Where a route forwards, decided from what AWS reports and nothing else: pure functions, no calls.
//
// With blue/green, CodeDeploy owns the routes of an environment's pair (its production route and
// its test listener): each deployment rewrites them as a weighted forward naming both groups, the
// new one at weight 100 and the old one at 0, and leaves them so (see src/sandbox/README.md,
// "CodeDeploy"). Such a route is CodeDeploy's whatever its weights, and provision never changes
// its actions; the group with the highest weight is the one serving.
import type { Action } from '@aws-sdk/client-elastic-load-balancing-v2';
import { isKnown } from '../../src/step';
import { forwardTo } from '../lib/elbv2';

export interface WeightedGroup {
  arn: string;
  weight: number;
}

/**
 * The target groups of a route that is exactly one forward action, with their weights (a
 * single-target forward weighs 1, as AWS reports it); undefined for anything else.
 */
export function forwardedGroups(actions: readonly Action[] | undefined): WeightedGroup[] | undefined {
  const [action, ...more] = actions ?? [];
  if (!action || more.length > 0 || action.Type !== 'forward') return undefined;
  const tuples = action.ForwardConfig?.TargetGroups;
  if (tuples?.length) return tuples.map((t) => ({ arn: t.TargetGroupArn ?? '', weight: t.Weight ?? 1 }));
  return action.TargetGroupArn ? [{ arn: action.TargetGroupArn, weight: 1 }] : undefined;
}

/** The group a route sends its traffic to: the one with the highest weight; undefined for no forward, or a tie. */
export function liveGroup(actions: readonly Action[] | undefined): string | undefined {
  const ranked = [...(forwardedGroups(actions) ?? [])].sort((a, b) => b.weight - a.weight);
  const [first, second] = ranked;
  return first && first.weight > 0 && (second === undefined || second.weight < first.weight) ? first.arn : undefined;
}

/** CodeDeploy's route: one forward naming only groups of the pair, with any weights. */
export function isCodeDeploys(actions: readonly Action[] | undefined, pair: readonly string[]): boolean {
  const groups = forwardedGroups(actions);
  return groups !== undefined && groups.length > 0 && groups.every((g) => pair.includes(g.arn));
}

/** What to do with one route: leave its actions as they are, or forward to one group. */
export type RouteDecision = { keep: true; live: string | undefined } | { keep: false; target: string };

/**
 * A blue/green route, given its actions now (undefined: a new route). CodeDeploy's is kept; so is
 * any other while a deployment runs (CodeDeploy is moving traffic; the next provision repairs it).
 * Otherwise it forwards where its sibling route sends traffic (the test listener for the
 * production route and back) when that is a group of the pair, else to the first group.
 */
export function blueGreenRoute(
  current: readonly Action[] | undefined,
  pair: { blue: string; green: string | undefined },
  sibling: string | undefined,
  deploying: boolean,
): RouteDecision {
  const members = [pair.blue, pair.green].filter(isKnown);
  if (current !== undefined && (deploying || isCodeDeploys(current, members))) return { keep: true, live: liveGroup(current) };
  return { keep: false, target: sibling !== undefined && members.includes(sibling) ? sibling : pair.blue };
}

/**
 * The actions of one route of an environment, given its actions now (undefined: a new route):
 * rolling, a forward to the environment's group; blue/green, `current` itself when it stays as it
 * is (see blueGreenRoute), else a forward to the group decided. No forward while the group is unknown (a plan).
 */
export function routeActions(
  blueGreen: boolean,
  pair: { blue: string; green: string | undefined },
  current: readonly Action[] | undefined,
  sibling: string | undefined,
  deploying: boolean,
): readonly Action[] {
  if (!blueGreen) return isKnown(pair.blue) ? forwardTo(pair.blue) : [];
  const decision = blueGreenRoute(current, pair, sibling, deploying);
  if (decision.keep) return current!;
  return isKnown(decision.target) ? forwardTo(decision.target) : [];
}
