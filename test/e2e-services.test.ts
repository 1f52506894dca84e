// The load balancer / ECS slice end to end: the image belongs to the pipeline once it deployed,
// environments come and go without touching the others, outputs tell where things are.
import { readFileSync } from 'node:fs';
import { KEYS as SERVICES } from '../steps/services';
import { BASE_CONFIG, harness, shape, type Harness } from './helpers/harness';

let h: Harness;
afterEach(() => h?.restore());

type State = { resources: Record<string, { id?: string; image?: string }> };
const state = (x: Harness) => JSON.parse(readFileSync(x.statePath, 'utf8')) as State;
const mutations = (x: Harness, from: number) => x.sandbox.mutatingCalls().slice(from).map((c) => c.operation);

async function runningTaskDefinition(x: Harness, env: string) {
  const { services } = (await x.sandbox.dispatch('ecs', 'DescribeServices', { cluster: 'demo', services: [`demo-${env}`] })) as {
    services: Array<{ taskDefinition: string }>;
  };
  const { taskDefinition } = (await x.sandbox.dispatch('ecs', 'DescribeTaskDefinition', { taskDefinition: services[0]!.taskDefinition })) as {
    taskDefinition: { taskDefinitionArn: string; cpu: string; containerDefinitions: Array<{ name: string; image: string }> };
  };
  return taskDefinition;
}

const DEPLOYED = '123456789012.dkr.ecr.eu-west-3.amazonaws.com/demo:abc1234';

/** What the pipeline does: the build pushes the image (for the tasks' ARM64), the deploy action rolls it out. */
function deploy(x: Harness): string {
  x.sandbox.ecr.pushImage('demo', 'abc1234', 'arm64');
  return x.sandbox.ecs.simulatePipelineDeploy({ cluster: 'demo', service: 'demo-prod', image: DEPLOYED });
}

describe('the image the pipeline deployed', () => {
  it('survives a later provision untouched', async () => {
    h = harness();
    await h.ok('provision');
    const deployedArn = deploy(h);
    const before = h.sandbox.mutatingCalls().length;
    await h.ok('provision');
    expect(mutations(h, before)).toEqual([]);
    const running = await runningTaskDefinition(h, 'prod');
    expect(running.taskDefinitionArn).toBe(deployedArn);
    expect(running.containerDefinitions[0]!.image).toBe(DEPLOYED);
    expect(state(h).resources[SERVICES.taskDefinition('prod')]!.id).toBe(deployedArn);
  });

  it('is kept in the new revision when a change of CPU needs one', async () => {
    h = harness();
    await h.ok('provision');
    const deployedArn = deploy(h);
    h.writeConfig({ ...BASE_CONFIG, environments: [{ name: 'dev', path: '/dev' }, { name: 'prod', cpu: 1024, memory: 2048, approval: true }] });
    const before = h.sandbox.mutatingCalls().length;
    await h.ok('provision');
    expect(mutations(h, before)).toEqual(['RegisterTaskDefinition', 'UpdateService']);
    const running = await runningTaskDefinition(h, 'prod');
    expect(running.taskDefinitionArn).not.toBe(deployedArn);
    expect(running.cpu).toBe('1024');
    expect(running.containerDefinitions[0]!.image).toBe(DEPLOYED);
    const dev = await runningTaskDefinition(h, 'dev');
    expect(dev.containerDefinitions[0]!.image).toBe('public.ecr.aws/nginx/nginx:stable');
  });
});

describe('environments', () => {
  // dev and prod as the defaults have them, and staging.
  const defaults = [{ name: 'dev', path: '/dev', cpu: 256, memory: 512 }, { name: 'prod', cpu: 512, memory: 1024, approval: true }];
  const three = { ...BASE_CONFIG, environments: [...defaults, { name: 'staging', path: '/staging' }] };

  it('adding a third adds exactly its target group, rule, log group, security group, task definition and service', async () => {
    h = harness();
    await h.ok('provision');
    const two = shape(h.sandbox);
    h.writeConfig(three);
    const before = h.sandbox.mutatingCalls().length;
    await h.ok('provision');
    const added = shape(h.sandbox).filter((row) => !two.includes(row));
    expect(added.sort()).toEqual(
      [
        'elbv2/target-group/demo-staging-tg',
        'elbv2/rule/demo-alb:80:30',
        'logs/log-group//shipline/demo/staging',
        'ec2/security-group/demo-staging-svc',
        'ecs/task-definition/demo-staging:1',
        'ecs/service/demo/demo-staging',
      ].sort(),
    );
    expect(shape(h.sandbox).filter((row) => !added.includes(row))).toEqual(two);
    const made = mutations(h, before);
    expect(made).not.toContain('UpdateService'); // dev and prod untouched
    expect(made).not.toContain('ModifyListener');
  });

  it('removing it removes exactly those', async () => {
    h = harness({ config: three });
    await h.ok('provision');
    const withStaging = shape(h.sandbox);
    h.writeConfig(BASE_CONFIG);
    await h.ok('provision');
    const removed = withStaging.filter((row) => !shape(h.sandbox).includes(row));
    expect(removed.sort()).toEqual(
      [
        'elbv2/target-group/demo-staging-tg',
        'elbv2/rule/demo-alb:80:30',
        'logs/log-group//shipline/demo/staging',
        'ec2/security-group/demo-staging-svc',
        'ecs/task-definition/demo-staging:1',
        'ecs/service/demo/demo-staging',
      ].sort(),
    );
    expect(Object.keys(state(h).resources).filter((k) => k.includes('staging'))).toEqual([]);
  });
});

describe('outputs', () => {
  it('prints the URL of each environment and the repository URI, as JSON for scripts', async () => {
    h = harness();
    await h.ok('provision');
    const calls = h.sandbox.calls.length;
    const result = await h.ok('outputs', '--json');
    expect(h.sandbox.calls.length).toBe(calls); // from the state file alone
    const outputs = JSON.parse(result.stdout) as { url: Record<string, string>; repositoryUri: string };
    expect(outputs.url.prod).toMatch(/^http:\/\/demo-alb-\S+\.elb\.amazonaws\.com\/$/);
    expect(outputs.url.dev).toMatch(/^http:\/\/demo-alb-\S+\.elb\.amazonaws\.com\/dev\/$/);
    expect(outputs.repositoryUri).toBe('123456789012.dkr.ecr.eu-west-3.amazonaws.com/demo');
  });

  it('before any provision, says there is nothing yet', async () => {
    h = harness();
    const result = await h.run('outputs');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('has nothing provisioned');
  });
});
