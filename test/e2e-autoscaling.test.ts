// Issue 13's autoscaling and health check, end to end on the sandbox: provision makes the scalable
// targets and their target tracking policies, the target groups check as the config says and the
// services wait the grace period it sets; a second run changes nothing; a desired count the
// autoscaler set is kept (one outside the range is brought back in); a run cut short converges; a
// lost state is adopted; a removed target's policy and a removed autoscaling go; destroy leaves nothing.
import { rmSync } from 'node:fs';
import type { ConfigInput } from '../src/config';
import { requiredPolicy } from '../src/permissions';
import { Sandbox } from '../src/sandbox/sandbox';
import { BASE_CONFIG, harness, shape, type Harness } from './helpers/harness';
import { expectedInventory, stateOf } from './helpers/promises';

const CONFIG: ConfigInput = {
  ...BASE_CONFIG,
  services: { healthCheck: { path: '/health', intervalSeconds: 15 } },
  environments: [
    { name: 'dev', path: '/dev', autoscaling: { min: 1, max: 4, cpuPercent: 60, requestsPerTarget: 100 } },
    {
      name: 'prod',
      approval: true,
      desiredCount: 1,
      healthCheck: { matcher: '200', healthyThreshold: 3, gracePeriodSeconds: 90 },
      autoscaling: { min: 2, max: 6, memoryPercent: 70, scaleInCooldownSeconds: 120 },
    },
  ],
};

const SCALING = [
  'appautoscaling/scalable-target/service/demo/demo-dev',
  'appautoscaling/scalable-target/service/demo/demo-prod',
  'appautoscaling/scaling-policy/service/demo/demo-dev/demo-dev-cpu',
  'appautoscaling/scaling-policy/service/demo/demo-dev/demo-dev-requests',
  'appautoscaling/scaling-policy/service/demo/demo-prod/demo-prod-memory',
];
const INVENTORY = [...expectedInventory(CONFIG), ...SCALING].sort();
const PROD = 'service/demo/demo-prod';

const mutationsSince = (h: Harness, before: number) => h.sandbox.calls.slice(before).filter((c) => c.mutating);
const service = (h: Harness, env: string) => h.sandbox.ecs.describeServices({ cluster: 'demo', services: [`demo-${env}`] }).services![0]!;
const targetGroup = (h: Harness, env: string) => h.sandbox.elbv2.describeTargetGroups({ Names: [`demo-${env}-tg`] }).TargetGroups![0]!;

describe('autoscaling and the health check, end to end', () => {
  let h: Harness | undefined;
  afterEach(() => h?.restore());

  it('provisions them as the config says, keeps what the autoscaler set, and changes nothing the second time', async () => {
    h = harness({ config: CONFIG });
    // The plan of a new stack names the scalable targets and their policies, and reads nothing of them.
    const plan = JSON.parse((await h.ok('plan', '--json')).stdout) as { changes: Array<{ resource: string; action: string }> };
    const planned = plan.changes.filter((c) => /^services\.(scalableTarget|cpuPolicy|memoryPolicy|requestsPolicy)\./.test(c.resource));
    expect(planned.map((c) => [c.resource, c.action]).sort()).toEqual([
      ['services.cpuPolicy.dev', 'create'],
      ['services.memoryPolicy.prod', 'create'],
      ['services.requestsPolicy.dev', 'create'],
      ['services.scalableTarget.dev', 'create'],
      ['services.scalableTarget.prod', 'create'],
    ]);
    expect(h.sandbox.calls.filter((c) => c.service === 'appautoscaling')).toEqual([]);

    await h.ok('provision');
    expect(shape(h.sandbox)).toEqual(INVENTORY);
    expect((await h.ok('outputs')).stdout).toMatch(/Autoscaling \(prod\)\s+2–6 tasks \(memory 70%\)/);
    expect((await h.ok('diagram', '--format', 'mermaid')).stdout).toContain('autoscaling 1–4 tasks');

    const targets = h.sandbox.appautoscaling.describeScalableTargets({ ServiceNamespace: 'ecs' }).ScalableTargets!;
    expect(targets.map((t) => [t.ResourceId, t.MinCapacity, t.MaxCapacity])).toEqual([
      ['service/demo/demo-dev', 1, 4],
      [PROD, 2, 6],
    ]);
    const arn = targets.find((t) => t.ResourceId === PROD)!.ScalableTargetARN!;
    expect(h.sandbox.appautoscaling.listTagsForResource({ ResourceARN: arn }).Tags).toMatchObject({ 'shipline:stack': 'demo' });
    const policies = h.sandbox.appautoscaling.describeScalingPolicies({ ServiceNamespace: 'ecs', ResourceId: 'service/demo/demo-dev' }).ScalingPolicies!;
    const requests = policies.find((p) => p.PolicyName === 'demo-dev-requests')!.TargetTrackingScalingPolicyConfiguration!;
    const lb = h.sandbox.elbv2.describeLoadBalancers({ Names: ['demo-alb'] }).LoadBalancers![0]!.LoadBalancerArn!;
    const label = `${lb.split(':loadbalancer/')[1]}/${targetGroup(h, 'dev').TargetGroupArn!.split(':')[5]}`;
    expect(requests).toEqual({
      TargetValue: 100,
      PredefinedMetricSpecification: { PredefinedMetricType: 'ALBRequestCountPerTarget', ResourceLabel: label },
      ScaleInCooldown: 300,
      ScaleOutCooldown: 60,
    });

    // The health check of each environment, and the grace period of its service.
    expect(targetGroup(h, 'dev')).toMatchObject({ HealthCheckPath: '/health', HealthCheckIntervalSeconds: 15, HealthCheckTimeoutSeconds: 6, HealthyThresholdCount: 2, Matcher: { HttpCode: '200-499' } });
    expect(targetGroup(h, 'prod')).toMatchObject({ HealthCheckPath: '/health', HealthyThresholdCount: 3, Matcher: { HttpCode: '200' } });
    expect(service(h, 'prod')).toMatchObject({ desiredCount: 2, healthCheckGracePeriodSeconds: 90 });
    expect(service(h, 'dev')).toMatchObject({ desiredCount: 1, healthCheckGracePeriodSeconds: 30 });

    // A second run: nothing to change.
    let before = h.sandbox.calls.length;
    await h.ok('provision');
    expect(mutationsSince(h, before).map((c) => c.operation)).toEqual([]);

    // The autoscaler moves prod to 5: a re-provision keeps it, and sends no UpdateService of the count.
    expect(h.sandbox.appautoscaling.scaleTo(PROD, 5)).toBe(5);
    before = h.sandbox.calls.length;
    await h.ok('provision');
    expect(mutationsSince(h, before).map((c) => c.operation)).toEqual([]);
    expect(service(h, 'prod').desiredCount).toBe(5);
    expect((await h.ok('status')).stdout).toMatch(/prod\s+\d+\/5 running \(autoscaling 2–6\)/);

    // A count outside [min, max] (set by hand) is brought back to the nearest bound.
    h.sandbox.ecs.updateService({ cluster: 'demo', service: 'demo-prod', desiredCount: 9 });
    before = h.sandbox.calls.length;
    await h.ok('provision');
    expect(mutationsSince(h, before).map((c) => [c.operation, (c.input as { desiredCount?: number }).desiredCount])).toEqual([['UpdateService', 6]]);
    expect(service(h, 'prod').desiredCount).toBe(6);

    // Drift of the range and of a policy, made by hand, is corrected.
    h.sandbox.appautoscaling.registerScalableTarget({ ServiceNamespace: 'ecs', ScalableDimension: 'ecs:service:DesiredCount', ResourceId: PROD, MaxCapacity: 10 });
    h.sandbox.appautoscaling.putScalingPolicy({
      ServiceNamespace: 'ecs', ScalableDimension: 'ecs:service:DesiredCount', ResourceId: PROD, PolicyName: 'demo-prod-memory',
      TargetTrackingScalingPolicyConfiguration: { TargetValue: 90, PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageMemoryUtilization' } },
    });
    before = h.sandbox.calls.length;
    await h.ok('provision');
    expect(mutationsSince(h, before).map((c) => c.operation).sort()).toEqual(['PutScalingPolicy', 'RegisterScalableTarget']);
    expect(h.sandbox.appautoscaling.describeScalableTargets({ ServiceNamespace: 'ecs', ResourceIds: [PROD] }).ScalableTargets![0]!.MaxCapacity).toBe(6);
  });

  it('adopts them after a lost state, converges after a crash at each of their calls, and removes what the config drops', async () => {
    h = harness({ config: CONFIG });
    await h.ok('provision');
    const recorded = Object.keys(stateOf(h).resources).sort();
    expect(recorded).toEqual(expect.arrayContaining(['services.scalableTarget.dev', 'services.cpuPolicy.dev', 'services.requestsPolicy.dev', 'services.memoryPolicy.prod']));
    rmSync(h.statePath);
    rmSync(`${h.statePath}.bak`, { force: true });
    const before = h.sandbox.calls.length;
    await h.ok('provision');
    expect(mutationsSince(h, before).map((c) => c.operation)).toEqual([]);
    expect(Object.keys(stateOf(h).resources).sort()).toEqual(recorded);

    // A crash right after each autoscaling call reached AWS, then a re-run: the same inventory.
    const clean = h;
    const scalingCalls = clean.sandbox.mutatingCalls().flatMap((c, i) => (c.service === 'appautoscaling' ? [i + 1] : []));
    clean.restore();
    h = undefined;
    expect(scalingCalls.length).toBe(5);
    for (const n of scalingCalls) {
      h = harness({ config: CONFIG });
      h.sandbox.faults.crashAfterMutation(n);
      expect({ n, code: (await h.run('provision')).code }).toEqual({ n, code: 1 });
      await h.ok('provision');
      expect({ n, inventory: shape(h.sandbox) }).toEqual({ n, inventory: INVENTORY });
      if (n !== scalingCalls[scalingCalls.length - 1]) {
        h.restore();
        h = undefined;
      }
    }

    // The request target dropped: its policy goes. Autoscaling dropped from prod: its target goes.
    const x = h!;
    const [dev, prod] = CONFIG.environments!;
    x.writeConfig({ ...CONFIG, environments: [{ ...dev, autoscaling: { min: 1, max: 4, cpuPercent: 60 } }, { ...prod, autoscaling: undefined }] });
    const start = x.sandbox.calls.length;
    await x.ok('provision');
    expect(mutationsSince(x, start).map((c) => c.operation).sort()).toEqual(['DeleteScalingPolicy', 'DeleteScalingPolicy', 'DeregisterScalableTarget', 'UpdateService']);
    expect(shape(x.sandbox).filter((r) => r.startsWith('appautoscaling/'))).toEqual(['appautoscaling/scalable-target/service/demo/demo-dev', 'appautoscaling/scaling-policy/service/demo/demo-dev/demo-dev-cpu']);
    // Without autoscaling the config's count is back.
    expect(service(x, 'prod').desiredCount).toBe(1);
  });

  it('converges after a crash when the new target and policies are not listed yet (eventual consistency)', async () => {
    const clean = harness({ config: CONFIG });
    await clean.ok('provision');
    const first = clean.sandbox.mutatingCalls().findIndex((c) => c.service === 'appautoscaling') + 1;
    clean.restore();
    h = harness({ config: CONFIG });
    // Hidden once, when made: registering or putting again updates what AWS already shows.
    const made = new Set<string>();
    const newOnly = (id: unknown) => (made.has(String(id)) ? [] : [String(made.add(String(id)) && id)]);
    h.sandbox.faults
      .hideNewFor({ create: 'RegisterScalableTarget', ids: (o) => newOnly(o.ScalableTargetARN), describe: 'DescribeScalableTargets', reads: 1 })
      .hideNewFor({ create: 'PutScalingPolicy', ids: (o) => newOnly(o.PolicyARN), describe: 'DescribeScalingPolicies', reads: 1 })
      .crashAfterMutation(first + 1);
    expect((await h.run('provision')).code).toBe(1);
    await h.ok('provision');
    expect(shape(h.sandbox)).toEqual(INVENTORY);
    // A policy the re-run made is not listed to the run right after it: put again, the same one.
    await h.ok('provision');
    expect(shape(h.sandbox)).toEqual(INVENTORY);
    const before = h.sandbox.calls.length;
    await h.ok('provision');
    expect(mutationsSince(h, before).map((c) => c.operation)).toEqual([]);
  });

  it('needs no permission `shipline permissions` leaves out (the sandbox evaluates the policy before every call)', async () => {
    const policy = requiredPolicy([{ strategy: 'rolling', natMode: 'instance', stateBackend: 'local' }]);
    h = harness({ config: CONFIG, sandbox: new Sandbox({ region: 'eu-west-3', callerPolicy: policy }) });
    await h.ok('provision');
    await h.ok('destroy', '--yes');
    const denied = h.sandbox.calls.filter((c) => c.service === 'appautoscaling' && /AccessDenied/.test(c.error ?? ''));
    expect(denied.map((c) => c.operation)).toEqual([]);
    expect(h.sandbox.calls.filter((c) => c.service === 'appautoscaling' && c.mutating).length).toBeGreaterThanOrEqual(7);
    expect(h.sandbox.inventory()).toEqual([]);
  });

  it('scales a blue/green (CODE_DEPLOY) service on CPU alike, and a second run changes nothing', async () => {
    const blueGreen: ConfigInput = {
      ...BASE_CONFIG,
      deploy: { strategy: 'blue-green' },
      environments: [{ name: 'dev', path: '/dev' }, { name: 'prod', autoscaling: { min: 1, max: 3, cpuPercent: 50 } }],
    };
    h = harness({ config: blueGreen });
    await h.ok('provision');
    expect(shape(h.sandbox).filter((r) => r.startsWith('appautoscaling/'))).toEqual([
      'appautoscaling/scalable-target/service/demo/demo-prod',
      'appautoscaling/scaling-policy/service/demo/demo-prod/demo-prod-cpu',
    ]);
    h.sandbox.appautoscaling.scaleTo(PROD, 3);
    const before = h.sandbox.calls.length;
    await h.ok('provision');
    expect(mutationsSince(h, before).map((c) => c.operation)).toEqual([]);
    expect(service(h, 'prod').desiredCount).toBe(3);
  });

  it('destroys them before the services, leaving nothing (also with a lost state)', async () => {
    h = harness({ config: CONFIG });
    await h.ok('provision');
    rmSync(h.statePath);
    await h.ok('destroy', '--yes');
    expect(h.sandbox.inventory()).toEqual([]);
    const ops = h.sandbox.mutatingCalls().map((c) => c.operation);
    expect(ops.indexOf('DeregisterScalableTarget')).toBeLessThan(ops.indexOf('DeleteService'));
  });
});
