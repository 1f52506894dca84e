// The alb step's state keys, its derived AWS names, and which environments the config routes: shared by
// every file of the step (and read by the services, codedeploy and status code).
import type { Config } from '../../src/config';
import { servesHttps } from '../../src/domain-config';
import type { StepContext } from '../../src/step';
import { foreignOnLoadBalancer } from '../lib/elbv2';
import { recordedEnvironments } from '../lib/recorded';

export type ListenerKind = 'http' | 'https';

export const KEYS = {
  securityGroup: 'alb.securityGroup',
  loadBalancer: 'alb.loadBalancer',
  targetGroup: (env: string) => `alb.targetGroup.${env}`,
  /** Blue/green: the second target group of the environment's pair. */
  greenTargetGroup: (env: string) => `alb.greenTargetGroup.${env}`,
  listener: (kind: ListenerKind) => `alb.listener.${kind}`,
  /** Blue/green: the environment's test listener. */
  testListener: (env: string) => `alb.testListener.${env}`,
  rule: (env: string) => `alb.rule.${env}`,
};

export const TARGET_GROUP_PREFIX = 'alb.targetGroup.';
export const GREEN_TARGET_GROUP_PREFIX = 'alb.greenTargetGroup.';
export const TEST_LISTENER_PREFIX = 'alb.testListener.';
export const RULE_PREFIX = 'alb.rule.';

export const targetGroupName = (stack: string, env: string) => `${stack}-${env}-tg`;
export const greenTargetGroupName = (stack: string, env: string) => `${stack}-${env}-tg-g`;

/** The listener CodeDeploy moves production traffic on: HTTPS with a certificate, else HTTP. */
export const productionListenerKey = (config: Pick<Config, 'alb' | 'domain'>) => KEYS.listener(servesHttps(config) ? 'https' : 'http');

/** The environments with a record under `prefix` (`alb.rule.`, `alb.targetGroup.` …). */
export const recorded = (ctx: StepContext, prefix: string): string[] => recordedEnvironments(ctx, prefix);

export const inConfig = (ctx: StepContext, env: string) => ctx.config.environments.some((e) => e.name === env);
export const routed = (ctx: StepContext, env: string) => ctx.config.environments.some((e) => e.name === env && (e.path !== undefined || e.host !== undefined));
export const isBlueGreen = (ctx: StepContext) => ctx.config.deploy.strategy === 'blue-green';
export const blueGreen = (ctx: StepContext, env: string) => isBlueGreen(ctx) && inConfig(ctx, env);


/** In a destroy, a same-named resource that is not ours is left alone, and said so. */
export function ours<T>(ctx: StepContext, found: { resource: T; owned: boolean } | undefined, what: string): T | undefined {
  if (found && !found.owned) ctx.log.warn({ resource: what }, `${what} does not carry the stack's tag; leaving it alone`);
  return found?.owned ? found.resource : undefined;
}

/** A listener or rule is the stack's when its ARN puts it on the stack's load balancer (no read). */
export function onStackLoadBalancer(ctx: StepContext, type: 'listener' | 'listener-rule'): { foreignId(arn: string): string | undefined } {
  return { foreignId: (arn) => foreignOnLoadBalancer(arn, type, ctx.tags.name('alb')) };
}
