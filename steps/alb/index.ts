// The load balancer: an internet-facing ALB in the public subnets with its security group, one
// target group per environment, an HTTP listener whose default action serves the default
// environment (or, with a certificate, redirects to an HTTPS listener that does), and a rule per
// other environment (`/dev` and `/dev/*` → dev, or a host header, or both).
//
// With `deploy.strategy: "blue-green"`, each environment also gets a second ("green") target group
// and a test listener on a port of its own (`testPort`, default 8080 + its position), open to the
// same sources as the production listener. CodeDeploy moves an environment's production route
// (and test listener) between the two groups of its pair at each deployment, leaving a weighted
// forward naming both: a route that forwards only to groups of the pair, with any weights, is
// CodeDeploy's, and provision never changes its actions. A route found forwarding elsewhere is
// pointed at the group its sibling route serves (the test listener serves the live group outside
// a deployment), else the first group; while a deployment of its environment runs, it is left alone.
//
// The step is split by lifecycle: names.ts (keys and names), load-balancer.ts (its security group
// and the load balancer), target-groups.ts, routing.ts (where a route forwards: pure decisions),
// routes.ts (those decisions for this run's routes), listeners.ts and rules.ts.
import { waitUntilLoadBalancerAvailable } from '@aws-sdk/client-elastic-load-balancing-v2';
import { untilSdk } from '../../src/aws/wait';
import { testPort } from '../../src/config';
import { publicHost, servesHttps } from '../../src/domain-config';
import { httpsCertificateArn, retireReplacedCertificate } from '../domain';
import { isKnown, type Step, type StepContext } from '../../src/step';
import { deleteSecurityGroup } from '../lib/security-group';
import { deleteListener, deleteTestListener, ensureListeners, ensureTestListeners, listenersOf } from './listeners';
import { deleteLoadBalancer, describeLoadBalancer, ensureAlbSecurityGroup, ensureLoadBalancer, vpcId } from './load-balancer';
import { blueGreen, GREEN_TARGET_GROUP_PREFIX, inConfig, KEYS, recorded, routed, RULE_PREFIX, TARGET_GROUP_PREFIX, TEST_LISTENER_PREFIX } from './names';
import { Routes } from './routes';
import { deleteRule, ensureRules } from './rules';
import { blue, deleteTargetGroup, deleteTargetGroups, ensureTargetGroups, green } from './target-groups';

export { describeLoadBalancer } from './load-balancer';
export { greenTargetGroupName, KEYS, productionListenerKey, targetGroupName } from './names';
export { SSL_POLICY } from './listeners';

export const alb: Step = {
  name: 'alb',
  // The certificate step only requests the certificate; its validation runs while this step makes
  // the load balancer, and the HTTPS listener waits for it to be issued.
  after: ['network', 'certificate'],

  async reconcile(ctx) {
    const sg = await ensureAlbSecurityGroup(ctx);
    const lb = await ensureLoadBalancer(ctx, sg.id);
    if (lb.resource) ctx.shared.offer('alb:load-balancer', lb.resource);
    const groups = await ensureTargetGroups(ctx);
    const certificateArn = await httpsCertificateArn(ctx);
    const existing = await listenersOf(ctx, lb);
    const routes = new Routes(ctx, groups, existing);
    const forwarding = await ensureListeners(ctx, lb, existing, routes, certificateArn);
    for (const env of recorded(ctx, RULE_PREFIX).filter((env) => !routed(ctx, env))) await deleteRule(ctx, env);
    await ensureRules(ctx, forwarding, routes);
    await ensureTestListeners(ctx, lb, existing, routes);
    for (const env of ctx.config.environments) ctx.shared.offer(liveGroupKey(env.name), routes.liveGroup(env.name));
    if (!servesHttps(ctx.config)) await deleteListener(ctx, 'https');
    await retireReplacedCertificate(ctx);
    for (const env of recorded(ctx, TEST_LISTENER_PREFIX).filter((env) => !blueGreen(ctx, env))) await deleteTestListener(ctx, env);
    for (const env of recorded(ctx, TARGET_GROUP_PREFIX).filter((env) => !inConfig(ctx, env))) await deleteTargetGroup(ctx, blue(ctx, env));
    for (const env of recorded(ctx, GREEN_TARGET_GROUP_PREFIX).filter((env) => !blueGreen(ctx, env))) await deleteTargetGroup(ctx, green(ctx, env));
  },

  outputs(state, config) {
    const dns = state.get(KEYS.loadBalancer)?.dnsName;
    if (!dns) return [];
    const scheme = servesHttps(config) ? 'https' : 'http';
    const tests = config.deploy.strategy === 'blue-green'
      ? config.environments.map((env) => ({
          key: `testUrl.${env.name}`,
          label: `${env.name} test URL`,
          value: `http://${env.host ?? dns}:${testPort(config, env.name)}${env.path ?? ''}/`,
        }))
      : [];
    return [
      ...config.environments.map((env) => ({ key: `url.${env.name}`, label: `${env.name} URL`, value: `${scheme}://${publicHost(config, env) ?? dns}${env.path ?? ''}/` })),
      ...tests,
      { key: 'albDns', label: 'load balancer DNS name', value: dns },
    ];
  },

  async destroy(ctx) {
    for (const env of recorded(ctx, RULE_PREFIX)) await deleteRule(ctx, env);
    for (const env of recorded(ctx, TEST_LISTENER_PREFIX)) await deleteTestListener(ctx, env);
    await deleteListener(ctx, 'https');
    await deleteListener(ctx, 'http');
    await deleteLoadBalancer(ctx);
    await deleteTargetGroups(ctx);
    await deleteSecurityGroup(ctx, KEYS.securityGroup, 'alb', await vpcId(ctx));
  },
};

/**
 * The load balancer becoming active (2-3 minutes) is its own step that nothing depends on:
 * services register their tasks with target groups of a load balancer that is still
 * provisioning, so that wait overlaps theirs instead of coming before it. The run ends only
 * once the load balancer is active.
 */
export const albActive: Step = {
  name: 'alb-active',
  after: ['alb'],

  async reconcile(ctx) {
    const arn = ctx.state.get(KEYS.loadBalancer)?.id;
    if (ctx.dryRun || !isKnown(arn)) return;
    // `active` is final: the alb step's read, when it made one, can only confirm it.
    if ((await describeLoadBalancer(ctx, arn))?.State?.Code === 'active') return;
    await untilSdk(ctx, `load balancer ${ctx.tags.name('alb')} to be active`, 600, waitUntilLoadBalancerAvailable, ctx.aws.elbv2, {
      LoadBalancerArns: [arn],
    });
  },

  // Nothing of its own: the alb step deletes the load balancer.
  async destroy() {},
};

const liveGroupKey = (env: string) => `alb:live-target-group:${env}`;

/**
 * The target group `env`'s production traffic runs on: with blue/green, whichever group of its
 * pair the alb step found serving in this run (CodeDeploy moves it at each deployment); else, or
 * before the alb step ran, the environment's first group.
 */
export async function liveTargetGroup(ctx: StepContext, env: string): Promise<string | undefined> {
  return (await ctx.shared.peek<string>(liveGroupKey(env))) ?? ctx.state.get(KEYS.targetGroup(env))?.id;
}
