// Issue 13's "done when", with every field of a production web service in one config: variables,
// secrets (SSM and Secrets Manager, from the sandbox's seed data), task roles (shared and an
// environment's own), the health check, ECS Exec, autoscaling and Container Insights. Provision,
// a second run that changes nothing, a desired count the autoscaler set kept by a re-provision,
// `logs` of an environment, and a destroy that leaves nothing.
import type { ConfigInput } from '../src/config';
import { BASE_CONFIG, harness, type Harness } from './helpers/harness';

/** The sandbox's seed data: what a new world holds, as the README's example config names it. */
const SSM_SEED_NAME = '/demo/db-password';
const SECRET_SEED_ARN = 'arn:aws:secretsmanager:eu-west-3:123456789012:secret:demo/api-AbCdEf';

const CONFIG: ConfigInput = {
  ...BASE_CONFIG,
  services: {
    containerInsights: true,
    exec: true,
    variables: { LOG_LEVEL: 'info', APP_NAME: 'demo' },
    secrets: { DB_PASSWORD: SSM_SEED_NAME, API_KEY: `${SECRET_SEED_ARN}:key::` },
    taskRole: { managedPolicyArns: [], statements: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::demo-uploads/*' }] },
    healthCheck: { path: '/', matcher: '200-399', intervalSeconds: 10, healthyThreshold: 2, gracePeriodSeconds: 45 },
  },
  environments: [
    { name: 'dev', path: '/dev', variables: { LOG_LEVEL: 'debug' } },
    {
      name: 'prod',
      approval: true,
      exec: false,
      taskRole: { managedPolicyArns: [], statements: [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: 'arn:aws:sqs:eu-west-3:123456789012:jobs' }] },
      healthCheck: { healthyThreshold: 3 },
      autoscaling: { min: 2, max: 6, cpuPercent: 60, memoryPercent: null, requestsPerTarget: 200, scaleInCooldownSeconds: 300, scaleOutCooldownSeconds: 60 },
    },
  ],
};

const PROD = 'service/demo/demo-prod';
const mutationsSince = (h: Harness, before: number) => h.sandbox.calls.slice(before).filter((c) => c.mutating).map((c) => `${c.service}:${c.operation}`);
const service = (h: Harness, env: string) => h.sandbox.ecs.describeServices({ cluster: 'demo', services: [`demo-${env}`] }).services![0]!;

describe('a production web service with every setting, end to end', () => {
  let h: Harness;
  afterAll(() => h?.restore());

  it('provisions it, changes nothing the second time, keeps the autoscaler\'s count, shows its logs, and destroys it all', async () => {
    h = harness({ config: CONFIG });
    await h.ok('provision');

    // What the tasks get: the merged variables, the secrets by ARN, the role of their environment.
    const dev = h.sandbox.ecs.describeTaskDefinition({ taskDefinition: service(h, 'dev').taskDefinition! }).taskDefinition!;
    const web = dev.containerDefinitions![0]!;
    expect(web.environment).toEqual([{ name: 'APP_NAME', value: 'demo' }, { name: 'LOG_LEVEL', value: 'debug' }]);
    expect(web.secrets?.map((s) => s.name).sort()).toEqual(['API_KEY', 'DB_PASSWORD']);
    expect(web.secrets?.find((s) => s.name === 'DB_PASSWORD')?.valueFrom).toBe(`arn:aws:ssm:eu-west-3:123456789012:parameter${SSM_SEED_NAME}`);
    const prod = h.sandbox.ecs.describeTaskDefinition({ taskDefinition: service(h, 'prod').taskDefinition! }).taskDefinition!;
    expect(dev.taskRoleArn).toMatch(/:role\/shipline\/demo-task$/);
    expect(prod.taskRoleArn).toMatch(/:role\/shipline\/demo-prod-task$/);
    expect(service(h, 'dev').enableExecuteCommand).toBe(true);
    expect(service(h, 'prod').enableExecuteCommand).toBe(false);
    // The health check and grace period, Container Insights, the autoscaling range.
    const tg = h.sandbox.elbv2.describeTargetGroups({ Names: ['demo-prod-tg'] }).TargetGroups![0]!;
    expect(tg).toMatchObject({ HealthCheckPath: '/', HealthyThresholdCount: 3, Matcher: { HttpCode: '200-399' } });
    expect(service(h, 'prod')).toMatchObject({ healthCheckGracePeriodSeconds: 45, desiredCount: 2 });
    const cluster = h.sandbox.ecs.describeClusters({ clusters: ['demo'], include: ['SETTINGS'] }).clusters![0]!;
    expect(cluster.settings).toEqual([{ name: 'containerInsights', value: 'enabled' }]);
    // The tasks started: the execution role could read both secrets.
    expect(service(h, 'prod').runningCount).toBe(2);

    // A second run: nothing to change.
    let before = h.sandbox.calls.length;
    await h.ok('provision');
    expect(mutationsSince(h, before)).toEqual([]);

    // The autoscaler moves prod to 4: a re-provision keeps it and changes nothing.
    h.sandbox.appautoscaling.scaleTo(PROD, 4);
    before = h.sandbox.calls.length;
    await h.ok('provision');
    expect(mutationsSince(h, before)).toEqual([]);
    expect(service(h, 'prod').desiredCount).toBe(4);

    // logs: the environment's lines, each prefixed with its task.
    const logs = await h.ok('logs', 'prod');
    const lines = logs.stdout.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((l) => /^[0-9a-f]{8} /.test(l))).toBe(true);

    await h.ok('destroy', '--yes');
    expect(h.sandbox.inventory()).toEqual([]);
  });
});
