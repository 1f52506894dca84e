// Blue/green end to end on the sandbox: the pipeline deploys through CodeDeploy and provision never
// moves traffic or images back; what provision owns in a task definition goes through a CodeDeploy
// deployment; switching strategies on an existing stack is refused before anything changes; status
// shows each environment's latest deployment; environments come and go; destroy goes in order.
import { readFileSync } from 'node:fs';
import type { Action, Listener, Rule } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { PipelineDeclaration } from '@aws-sdk/client-codepipeline';
import { KEYS as ALB } from '../steps/alb';
import { KEYS as CODEDEPLOY } from '../steps/codedeploy';
import { KEYS as SERVICES } from '../steps/services';
import { BLUE_GREEN } from './helpers/configs';
import { BASE_CONFIG, harness, shape, type Harness } from './helpers/harness';
import { expectedInventory, stateOf } from './helpers/promises';

let h: Harness;
afterEach(() => h?.restore());

const mutations = (x: Harness, from: number) => x.sandbox.mutatingCalls().slice(from).map((c) => c.operation);
const id = (x: Harness, key: string) => stateOf(x).resources[key]!.id!;

async function running(x: Harness, env: string) {
  const { services } = (await x.sandbox.dispatch('ecs', 'DescribeServices', { cluster: 'demo', services: [`demo-${env}`] })) as {
    services: Array<{ taskDefinition: string; deploymentController?: { type: string } }>;
  };
  const { taskDefinition } = (await x.sandbox.dispatch('ecs', 'DescribeTaskDefinition', { taskDefinition: services[0]!.taskDefinition })) as {
    taskDefinition: { taskDefinitionArn: string; cpu: string; containerDefinitions: Array<{ name: string; image: string }> };
  };
  return { arn: taskDefinition.taskDefinitionArn, cpu: taskDefinition.cpu, image: taskDefinition.containerDefinitions[0]!.image, controller: services[0]!.deploymentController?.type };
}

/** Where a list of actions sends traffic: the forward's group of highest weight. */
const forwardsTo = (actions: Action[] | undefined) => {
  const forward = actions?.find((a) => a.Type === 'forward');
  const groups = forward?.ForwardConfig?.TargetGroups ?? (forward?.TargetGroupArn ? [{ TargetGroupArn: forward.TargetGroupArn, Weight: 1 }] : []);
  return [...groups].sort((a, b) => (b.Weight ?? 1) - (a.Weight ?? 1))[0]?.TargetGroupArn;
};

async function listener(x: Harness, key: string): Promise<Listener> {
  const { Listeners } = (await x.sandbox.dispatch('elbv2', 'DescribeListeners', { ListenerArns: [id(x, key)] })) as { Listeners: Listener[] };
  return Listeners[0]!;
}

async function rule(x: Harness, env: string): Promise<Rule> {
  const { Rules } = (await x.sandbox.dispatch('elbv2', 'DescribeRules', { RuleArns: [id(x, ALB.rule(env))] })) as { Rules: Rule[] };
  return Rules[0]!;
}

/** Provision, approve the GitHub connection, start the pipeline: dev is deployed, prod waits for its approval. */
async function releaseToDev(x: Harness): Promise<void> {
  await x.ok('provision');
  await x.ok('status'); // the run started with the pipeline fails at Source: the connection is pending
  x.sandbox.connections.approveConnection(id(x, 'connection.github'));
  await x.ok('release');
  await x.ok('status'); // a read of the pipeline runs it up to the approval
}

interface Status {
  environments: Array<{ name: string; image: string; deployment: null | { id: string; status: string; creator: string; error?: string; rolledBackBy?: string } }>;
}
const statusOf = async (x: Harness) => JSON.parse((await x.ok('status', '--json')).stdout) as Status;

describe('the pipeline deploys through CodeDeploy', () => {
  it('declares a CodeDeployToECS action per environment, on its deployment group', async () => {
    h = harness({ config: BLUE_GREEN });
    await h.ok('provision');
    const { pipeline } = (await h.sandbox.dispatch('codepipeline', 'GetPipeline', { name: 'demo-pipeline' })) as { pipeline: PipelineDeclaration };
    const deploys = pipeline.stages!.flatMap((s) => s.actions!.filter((a) => a.actionTypeId?.category === 'Deploy'));
    expect(deploys.map((a) => [a.name, a.actionTypeId?.provider, a.configuration?.DeploymentGroupName, a.configuration?.TaskDefinitionTemplatePath])).toEqual([
      ['Deploy-dev', 'CodeDeployToECS', 'demo-dev', 'taskdef-dev.json'],
      ['Deploy-prod', 'CodeDeployToECS', 'demo-prod', 'taskdef-prod.json'],
    ]);
  });

  it('dev, then prod after the approval: traffic moves to the other target group, and provision leaves it there', async () => {
    h = harness({ config: BLUE_GREEN });
    await releaseToDev(h);
    const devRule = await rule(h, 'dev');
    expect(forwardsTo(devRule.Actions)).toBe(id(h, ALB.greenTargetGroup('dev')));
    const dev = await running(h, 'dev');
    expect(dev.image).toMatch(/^123456789012\.dkr\.ecr\.eu-west-3\.amazonaws\.com\/demo:\w+$/);
    expect(dev.controller).toBe('CODE_DEPLOY');
    expect((await running(h, 'prod')).image).toBe('public.ecr.aws/nginx/nginx:stable');

    const waiting = await statusOf(h);
    expect(waiting.environments.find((e) => e.name === 'dev')?.deployment).toMatchObject({ status: 'Succeeded', creator: 'user' });
    expect(waiting.environments.find((e) => e.name === 'prod')?.deployment).toBeNull();
    const text = (await h.ok('status')).stdout;
    expect(text).toMatch(/CodeDeploy: latest deployment d-\w+ Succeeded/);
    expect(text).toContain('CodeDeploy: no deployment yet');

    await h.ok('approve');
    expect((await running(h, 'prod')).image).toBe(dev.image);
    expect(forwardsTo((await listener(h, ALB.listener('http'))).DefaultActions)).toBe(id(h, ALB.greenTargetGroup('prod')));
    expect(forwardsTo((await listener(h, ALB.testListener('prod'))).DefaultActions)).toBe(id(h, ALB.greenTargetGroup('prod')));

    // Provision owns neither the image nor which group of the pair serves.
    const before = h.sandbox.mutatingCalls().length;
    await h.ok('provision');
    expect(mutations(h, before)).toEqual([]);
    expect(shape(h.sandbox).filter((row) => !row.startsWith('ecs/task-definition/'))).toEqual(
      expectedInventory(BLUE_GREEN).filter((row) => !row.startsWith('ecs/task-definition/')),
    );
  });

  it('a CODE_DEPLOY service made anew after a deployment starts on the group its production route serves', async () => {
    h = harness({ config: BLUE_GREEN });
    await releaseToDev(h);
    const green = id(h, ALB.greenTargetGroup('dev'));
    expect(forwardsTo((await rule(h, 'dev')).Actions)).toBe(green);
    // Someone deletes the dev service; provision makes it again, behind the live group (green).
    await h.sandbox.dispatch('ecs', 'DeleteService', { cluster: 'demo', service: 'demo-dev', force: true });
    const before = h.sandbox.mutatingCalls().length;
    await h.ok('provision');
    const created = h.sandbox.mutatingCalls().slice(before).find((c) => c.operation === 'CreateService');
    expect((created?.input as { loadBalancers: Array<{ targetGroupArn: string }> }).loadBalancers[0]?.targetGroupArn).toBe(green);
    expect(mutations(h, before)).not.toContain('ModifyRule');
    expect(mutations(h, before)).not.toContain('ModifyListener');
  });

  it('a deployment that fails is rolled back, and status says so', async () => {
    h = harness({ config: BLUE_GREEN });
    await h.ok('provision');
    h.sandbox.codedeploy.simulateDeploymentFailure('demo-dev', 'demo');
    await h.ok('status');
    h.sandbox.connections.approveConnection(id(h, 'connection.github'));
    await h.ok('release');
    const dev = (await statusOf(h)).environments.find((e) => e.name === 'dev')!;
    expect(dev.image).toBe('public.ecr.aws/nginx/nginx:stable');
    expect(dev.deployment).toMatchObject({ creator: 'codeDeployRollback' });
    const text = (await h.ok('status')).stdout;
    expect(text).toMatch(/CodeDeploy: latest deployment d-\w+ \w+ \(a rollback\)/);
  });
});

describe('what provision owns in a CODE_DEPLOY service', () => {
  const biggerProd = { ...BLUE_GREEN, environments: [{ name: 'dev', path: '/dev' }, { name: 'prod', cpu: 1024, memory: 2048, approval: true }] };

  it('a CPU change is registered with the running image and deployed through CodeDeploy, once', async () => {
    h = harness({ config: BLUE_GREEN });
    await releaseToDev(h);
    await h.ok('approve');
    const deployed = await running(h, 'prod');
    h.writeConfig(biggerProd);
    const before = h.sandbox.mutatingCalls().length;
    await h.ok('provision');
    expect(mutations(h, before)).toEqual(['RegisterTaskDefinition', 'CreateDeployment']);
    const now = await running(h, 'prod');
    expect(now).toMatchObject({ cpu: '1024', image: deployed.image });
    expect(now.arn).not.toBe(deployed.arn);
    const deployment = h.sandbox.calls.find((c) => c.operation === 'CreateDeployment')!.input as { revision: { appSpecContent: { content: string } } };
    expect(JSON.parse(deployment.revision.appSpecContent.content)).toEqual({
      version: 0,
      Resources: [{ TargetService: { Type: 'AWS::ECS::Service', Properties: { TaskDefinition: now.arn, LoadBalancerInfo: { ContainerName: 'web', ContainerPort: 80 } } } }],
    });
    const again = h.sandbox.mutatingCalls().length;
    await h.ok('provision');
    expect(mutations(h, again)).toEqual([]);
  });

  it('a run cut short before the deployment: the re-run deploys the revision it registered, registering none again', async () => {
    h = harness({ config: BLUE_GREEN });
    await h.ok('provision');
    h.writeConfig(biggerProd);
    h.sandbox.faults.on('CreateDeployment', () => {
      throw Object.assign(new Error('connection reset'), { name: 'SandboxInjectedCrash' });
    });
    expect((await h.run('provision')).code).toBe(1);
    const pending = id(h, SERVICES.taskDefinition('prod'));
    expect((await running(h, 'prod')).arn).not.toBe(pending);
    h.sandbox.faults.clear();
    const before = h.sandbox.mutatingCalls().length;
    await h.ok('provision');
    expect(mutations(h, before)).toEqual(['CreateDeployment']);
    expect((await running(h, 'prod')).arn).toBe(pending);
  });

  it('a failed deployment fails the provision with CodeDeploy\'s reason; the service keeps what it ran', async () => {
    h = harness({ config: BLUE_GREEN });
    await h.ok('provision');
    const before = await running(h, 'prod');
    h.sandbox.codedeploy.simulateDeploymentFailure('demo-prod', 'demo');
    h.writeConfig(biggerProd);
    const failed = await h.run('provision');
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/CodeDeploy deployment d-\w+ of demo-prod: ECS_UPDATE_ERROR/);
    expect(failed.stderr).toContain('rolled back');
    expect((await running(h, 'prod')).arn).toBe(before.arn);
  });
});

describe('switching deploy.strategy on an existing stack', () => {
  it('rolling → blue-green is refused before any change, with the way out; plan refuses too', async () => {
    h = harness();
    await h.ok('provision');
    const stateBefore = readFileSync(h.statePath, 'utf8');
    const inventory = shape(h.sandbox);
    h.writeConfig(BLUE_GREEN);
    const before = h.sandbox.mutatingCalls().length;
    for (const command of ['provision', 'plan']) {
      const refused = await h.run(command);
      expect({ command, code: refused.code }).toEqual({ command, code: 2 });
      expect(refused.stderr).toContain('deploy.strategy is "blue-green", but the ECS services demo-dev, demo-prod (environments dev, prod)');
      expect(refused.stderr).toContain('ECS cannot change a service\'s deployment controller in place. Nothing was changed.');
      expect(refused.stderr).toContain('set deploy.strategy back to "rolling"');
      expect(refused.stderr).toContain('`npm run destroy -- --keep-connection`, then `npm run provision`');
    }
    expect(mutations(h, before)).toEqual([]);
    expect(shape(h.sandbox)).toEqual(inventory);
    expect(readFileSync(h.statePath, 'utf8')).toBe(stateBefore);
  });

  it('blue-green → rolling is refused the same way, also when the state file was lost', async () => {
    h = harness({ config: BLUE_GREEN });
    await h.ok('provision');
    h.writeConfig(BASE_CONFIG);
    const before = h.sandbox.mutatingCalls().length;
    const refused = await h.run('provision');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('deploy.strategy is "rolling", but the ECS services demo-dev, demo-prod');
    expect(refused.stderr).toContain('set deploy.strategy back to "blue-green"');
    const { rmSync } = await import('node:fs');
    rmSync(h.statePath);
    const lost = await h.run('provision');
    expect(lost.code).toBe(2);
    expect(lost.stderr).toContain('the CODE_DEPLOY deployment controller');
    expect(mutations(h, before)).toEqual([]);
    expect(shape(h.sandbox)).toEqual(expectedInventory(BLUE_GREEN));
  });

  it('the way out works: destroy keeping the connection, then provision blue-green', async () => {
    h = harness();
    await h.ok('provision');
    await h.ok('destroy', '--yes', '--keep-connection');
    h.writeConfig(BLUE_GREEN);
    await h.ok('provision');
    // Task definition families count on from the revisions the rolling stack had.
    const revisionless = (rows: string[]) => rows.map((row) => row.replace(/^(ecs\/task-definition\/[\w-]+):\d+$/, '$1'));
    expect(revisionless(shape(h.sandbox))).toEqual(revisionless(expectedInventory(BLUE_GREEN)));
  });
});

describe('environments and teardown', () => {
  const withStaging = { ...BLUE_GREEN, environments: [{ name: 'dev', path: '/dev' }, { name: 'prod', cpu: 512, memory: 1024, approval: true }, { name: 'staging', host: 'staging.example.com' }] };
  const stagingRows = [
    'codedeploy/deployment-group/demo/demo-staging',
    'ec2/security-group/demo-staging-svc',
    'ecs/service/demo/demo-staging',
    'ecs/task-definition/demo-staging:1',
    'elbv2/listener/demo-alb:8082',
    'elbv2/rule/demo-alb:80:30',
    'elbv2/target-group/demo-staging-tg',
    'elbv2/target-group/demo-staging-tg-g',
    'logs/log-group//shipline/demo/staging',
  ];

  it('adding a third environment adds exactly its pieces, and the test listeners are open like port 80', async () => {
    h = harness({ config: BLUE_GREEN });
    await h.ok('provision');
    const two = shape(h.sandbox);
    h.writeConfig(withStaging);
    await h.ok('provision');
    expect(shape(h.sandbox).filter((row) => !two.includes(row)).sort()).toEqual(stagingRows);
    const { SecurityGroups } = (await h.sandbox.dispatch('ec2', 'DescribeSecurityGroups', { GroupIds: [id(h, ALB.securityGroup)] })) as {
      SecurityGroups: Array<{ IpPermissions: Array<{ FromPort: number; IpRanges: Array<{ CidrIp: string }> }> }>;
    };
    const ingress = SecurityGroups[0]!.IpPermissions.map((p) => [p.FromPort, p.IpRanges.map((r) => r.CidrIp)]);
    expect(ingress.sort()).toEqual([[80, ['0.0.0.0/0']], [8080, ['0.0.0.0/0']], [8081, ['0.0.0.0/0']], [8082, ['0.0.0.0/0']]].sort());
  });

  it('removing it removes exactly those, and its records', async () => {
    h = harness({ config: withStaging });
    await h.ok('provision');
    const three = shape(h.sandbox);
    h.writeConfig(BLUE_GREEN);
    await h.ok('provision');
    expect(three.filter((row) => !shape(h.sandbox).includes(row)).sort()).toEqual(stagingRows);
    expect(Object.keys(stateOf(h).resources).filter((k) => k.includes('staging'))).toEqual([]);
  });

  it('destroy removes the deployment groups and the application before the services, then the test listeners before the second target groups', async () => {
    h = harness({ config: BLUE_GREEN });
    await h.ok('provision');
    const before = h.sandbox.mutatingCalls().length;
    await h.ok('destroy', '--yes');
    const made = mutations(h, before);
    const first = (op: string) => made.indexOf(op);
    const last = (op: string) => made.lastIndexOf(op);
    expect(last('DeleteDeploymentGroup')).toBeLessThan(first('DeleteApplication'));
    expect(first('DeleteApplication')).toBeLessThan(first('DeleteService'));
    expect(last('DeleteService')).toBeLessThan(first('DeleteListener'));
    expect(last('DeleteListener')).toBeLessThan(first('DeleteTargetGroup'));
    expect(h.sandbox.inventory()).toEqual([]);
    expect(Object.keys(stateOf(h).resources).filter((k) => k.startsWith('codedeploy.') || k.startsWith(CODEDEPLOY.role))).toEqual([]);
  });
});
