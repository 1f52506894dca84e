// What the listener rules should be, decided from the config and what AWS reported, and nothing
// else: pure functions, no calls (test/golden/ pins their output per config shape). A rule per
// environment with a path or host, in the config's order (priority 10, 20, …).
import type { Action, CreateRuleCommandInput, ModifyRuleCommandInput, Rule, RuleCondition } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Config, EnvironmentConfig } from '../../src/config';
import type { Tag } from '../../src/tags';
import { sameSet } from '../lib/compare';
import { actionsKey } from '../lib/elbv2';

/** An environment the listener routes by a rule: its host and/or path, and the rule's priority. */
export interface RoutedEnvironment {
  env: EnvironmentConfig;
  /** `host/path`, for logs. */
  label: string;
  priority: number;
}

/** The environments with a path or host, each with the priority its place in the config gives it. */
export function routedEnvironments(config: Pick<Config, 'environments'>): RoutedEnvironment[] {
  return config.environments.flatMap((env, i) =>
    env.path === undefined && env.host === undefined ? [] : [{ env, label: `${env.host ?? ''}${env.path ?? ''}`, priority: 10 * (i + 1) }],
  );
}

const pathValues = (path: string) => [path, `${path}/*`];

/** An environment's rule conditions: its host header and/or its path (`/dev` and `/dev/*`). */
export function routeConditions(env: EnvironmentConfig): RuleCondition[] {
  return [
    ...(env.host !== undefined ? [{ Field: 'host-header', HostHeaderConfig: { Values: [env.host] } }] : []),
    ...(env.path !== undefined ? [{ Field: 'path-pattern', PathPatternConfig: { Values: pathValues(env.path) } }] : []),
  ];
}

const conditionValues = (c: RuleCondition) => c.PathPatternConfig?.Values ?? c.HostHeaderConfig?.Values ?? c.Values;

/** Does the rule, as reported, route exactly this environment's host and/or path? */
export function routesTo(rule: Rule, env: EnvironmentConfig): boolean {
  const have = rule.Conditions ?? [];
  const want = routeConditions(env);
  return have.length === want.length && want.every((w) => have.some((c) => c.Field === w.Field && sameSet(conditionValues(c), conditionValues(w) ?? [])));
}

/** The priority moves that put the rules found (by environment) at their config's places: one SetRulePriorities call. */
export function priorityMoves(routed: readonly RoutedEnvironment[], located: (route: RoutedEnvironment) => Rule | undefined): Array<{ RuleArn: string | undefined; Priority: number }> {
  return routed.flatMap((route) => {
    const rule = located(route);
    return rule && Number(rule.Priority) !== route.priority ? [{ RuleArn: rule.RuleArn, Priority: route.priority }] : [];
  });
}

export function createRuleInput(listenerArn: string, route: RoutedEnvironment, actions: Action[], tags: Tag[]): CreateRuleCommandInput {
  return { ListenerArn: listenerArn, Priority: route.priority, Conditions: routeConditions(route.env), Actions: actions, Tags: tags };
}

/** What of a reported rule differs; `actions` are the ones it should have, given its own. */
export function ruleDrift(rule: Rule, route: RoutedEnvironment, actions: readonly Action[]): string[] {
  return [
    ...(routesTo(rule, route.env) ? [] : ['conditions']),
    ...(actionsKey(rule.Actions) !== actionsKey(actions) ? ['actions'] : []),
    ...(Number(rule.Priority) !== route.priority ? ['priority'] : []),
  ];
}

/**
 * ModifyRule's input, or undefined when only the priority moved (SetRulePriorities does that).
 * Only what drifted: a route's actions may be CodeDeploy's to move, even while its conditions are repaired.
 */
export function modifyRuleInput(rule: Rule, route: RoutedEnvironment, changes: readonly string[], actions: Action[]): ModifyRuleCommandInput | undefined {
  if (!changes.includes('conditions') && !changes.includes('actions')) return undefined;
  return {
    RuleArn: rule.RuleArn,
    ...(changes.includes('conditions') ? { Conditions: routeConditions(route.env) } : {}),
    ...(changes.includes('actions') ? { Actions: actions } : {}),
  };
}
