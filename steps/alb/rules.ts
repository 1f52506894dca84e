// A rule per environment with a path or host, on the listener that forwards, in the config's order.
import {
  CreateRuleCommand,
  DeleteRuleCommand,
  ModifyRuleCommand,
  SetRulePrioritiesCommand,
  type Action,
  type Listener,
  type Rule,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { EnvironmentConfig } from '../../src/config';
import { ensure, ignoringGone, remove, type Ensured } from '../../src/reconcile';
import { isKnown, type StepContext } from '../../src/step';
import { describeRulesOf, foreignOnLoadBalancer, isGone, notOurs, tagsByArn } from '../lib/elbv2';
import { KEYS, onStackLoadBalancer } from './names';
import type { Routes } from './routes';
import { createRuleInput, modifyRuleInput, priorityMoves, routedEnvironments, routesTo, ruleDrift, type RoutedEnvironment } from './rule-settings';

/** `…:listener-rule/app/<lb>/<id>/<listener id>/<rule id>` belongs to `…:listener/app/<lb>/<id>/<listener id>`. */
function listenerOfRule(ruleArn: string): string {
  const arn = ruleArn.replace(':listener-rule/', ':listener/');
  return arn.slice(0, arn.lastIndexOf('/'));
}

/** One rule per environment with a path or host, on the forwarding listener, in the config's order. */
export async function ensureRules(ctx: StepContext, listener: Ensured<Listener>, routes: Routes): Promise<void> {
  const elb = ctx.aws.elbv2;
  const listenerArn = listener.id;
  const routed = routedEnvironments(ctx.config);

  // A rule recorded on another listener (a certificate added or removed, a load balancer replaced) goes first.
  for (const { env } of routed) {
    const arn = ctx.state.get(KEYS.rule(env.name))?.id;
    if (isKnown(arn) && isKnown(listenerArn) && listenerOfRule(arn) !== listenerArn) await deleteRule(ctx, env.name);
  }

  // A listener just created has only its default rule: no need to ask.
  const rules = isKnown(listenerArn) && listener.outcome !== 'created'
    ? ((await describeRulesOf(ctx, listenerArn)) ?? []).filter((r) => !r.IsDefault)
    : [];
  const recordedRule = (env: string) => rules.find((r) => r.RuleArn === ctx.state.get(KEYS.rule(env))?.id);
  const byRoute = (env: EnvironmentConfig) => rules.find((r) => routesTo(r, env));
  const located = (route: RoutedEnvironment) => recordedRule(route.env.name) ?? byRoute(route.env);
  // Adoption reads the tags of every rule it could adopt in one call.
  let tags: ReturnType<typeof tagsByArn> | undefined;
  const owned = async (arn: string) =>
    ctx.tags.owns((await (tags ??= tagsByArn(ctx, routed.flatMap((r) => byRoute(r.env)?.RuleArn ?? [])))).get(arn));

  // Priorities move together in one call, and before any new rule takes a freed one: moving them
  // one by one could clash when two rules swap places.
  const moves = priorityMoves(routed, located);
  let moved = moves.length === 0;
  const applyMoves = async () => {
    if (moved) return;
    moved = true;
    await elb.send(new SetRulePrioritiesCommand({ RulePriorities: moves }));
  };

  for (const route of routed) await routes.prepare(route.env.name, located(route)?.Actions);

  for (const route of routed) {
    const name = route.env.name;
    const actions = (current: readonly Action[] | undefined) => routes.production(name, current);
    await ensure<Rule>(ctx, {
      key: KEYS.rule(name),
      kind: `rule ${route.label} → ${name}`,
      needs: [listenerArn, routes.pairs.get(name)!.blue],
      foreignId: (arn) => foreignOnLoadBalancer(arn, 'listener-rule', ctx.tags.name('alb')),
      foreign: () => undefined,
      find: async () => recordedRule(name),
      // Rules have no name: found by what they route, and adopted only when tagged as ours.
      findByTags: async () => {
        const found = byRoute(route.env);
        if (found && !(await owned(found.RuleArn!))) {
          throw notOurs(ctx, `a rule for ${route.label} on the ${ctx.tags.name('alb')} listener`, 'delete that rule; shipline then creates its own');
        }
        return found;
      },
      create: async () => {
        await applyMoves();
        const { Rules } = await elb.send(new CreateRuleCommand(createRuleInput(listenerArn, route, actions(undefined), ctx.tags.list('alb', `${name}-rule`))));
        return Rules![0]!;
      },
      id: (r) => r.RuleArn!,
      drift: (r) => ruleDrift(r, route, actions(r.Actions)),
      update: async (r, changes) => {
        if (changes.includes('priority')) await applyMoves();
        const input = modifyRuleInput(r, route, changes, actions(r.Actions));
        if (input) await elb.send(new ModifyRuleCommand(input));
      },
    });
  }
}

export async function deleteRule(ctx: StepContext, env: string): Promise<void> {
  await remove(ctx, {
    key: KEYS.rule(env),
    kind: `rule → ${env}`,
    confirm: onStackLoadBalancer(ctx, 'listener-rule'),
    delete: (arn) => ignoringGone(() => ctx.aws.elbv2.send(new DeleteRuleCommand({ RuleArn: arn })), isGone('rule')),
  });
}
