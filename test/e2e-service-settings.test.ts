// Issue 13's task settings end to end, on one config that uses them all: variables and secrets in
// the web container, the execution role's reads of exactly those secrets, a shared task role and
// one of prod's own, ECS Exec. One provision is shared by the read-only assertions; the runs that
// change things (a missing grant, a missing reference, a lost state, a crash, destroy) follow in order.
import { readFileSync, rmSync } from 'node:fs';
import { EXIT } from '../src/errors';
import { SERVICE_SETTINGS } from './helpers/configs';
import { harness, shape, type Harness } from './helpers/harness';

const SEED_SECRET = 'arn:aws:secretsmanager:eu-west-3:123456789012:secret:demo/api-AbCdEf';
const ROLE = (name: string) => `arn:aws:iam::123456789012:role/shipline/${name}`;

const CONFIG = SERVICE_SETTINGS;

interface Container {
  name: string;
  environment: Array<{ name: string; value: string }>;
  secrets?: Array<{ name: string; valueFrom: string }>;
}
interface Service {
  serviceName: string;
  taskDefinition: string;
  runningCount: number;
  desiredCount: number;
  enableExecuteCommand: boolean;
  events: Array<{ message: string }>;
}

const mutations = (x: Harness, from: number) => x.sandbox.mutatingCalls().slice(from).map((c) => `${c.service}:${c.operation}`);

async function service(x: Harness, env: string): Promise<Service> {
  const out = (await x.sandbox.dispatch('ecs', 'DescribeServices', { cluster: 'demo', services: [`demo-${env}`] })) as { services: Service[] };
  return out.services[0]!;
}

async function runningTaskDefinition(x: Harness, env: string) {
  const { taskDefinition } = (await x.sandbox.dispatch('ecs', 'DescribeTaskDefinition', { taskDefinition: (await service(x, env)).taskDefinition })) as {
    taskDefinition: { taskDefinitionArn: string; taskRoleArn?: string; containerDefinitions: Container[] };
  };
  return taskDefinition;
}

async function role(x: Harness, name: string) {
  const { Role } = (await x.sandbox.dispatch('iam', 'GetRole', { RoleName: name })) as { Role: { Arn: string; Path: string; AssumeRolePolicyDocument: string } };
  const { AttachedPolicies } = (await x.sandbox.dispatch('iam', 'ListAttachedRolePolicies', { RoleName: name })) as { AttachedPolicies: Array<{ PolicyArn: string }> };
  const { PolicyNames } = (await x.sandbox.dispatch('iam', 'ListRolePolicies', { RoleName: name })) as { PolicyNames: string[] };
  const inline: Record<string, unknown> = {};
  for (const PolicyName of PolicyNames) {
    const { PolicyDocument } = (await x.sandbox.dispatch('iam', 'GetRolePolicy', { RoleName: name, PolicyName })) as { PolicyDocument: string };
    inline[PolicyName] = JSON.parse(decodeURIComponent(PolicyDocument));
  }
  return { arn: Role.Arn, path: Role.Path, trust: JSON.parse(decodeURIComponent(Role.AssumeRolePolicyDocument)), managed: AttachedPolicies.map((p) => p.PolicyArn), inline };
}

describe('a config with variables, secrets, task roles and ECS Exec', () => {
  let h: Harness;
  beforeAll(async () => {
    h = harness({ config: CONFIG });
    await h.ok('provision');
  });
  afterAll(() => h.restore());

  it('puts the variables (sorted, merged per environment) and the secrets (as ARNs) in the web container', async () => {
    const dev = (await runningTaskDefinition(h, 'dev')).containerDefinitions.find((c) => c.name === 'web')!;
    expect(dev.environment).toEqual([{ name: 'APP_NAME', value: 'demo' }, { name: 'LOG_LEVEL', value: 'debug' }]);
    expect(dev.secrets).toEqual([
      { name: 'API_KEY', valueFrom: `${SEED_SECRET}:key::` },
      { name: 'DB_PASSWORD', valueFrom: 'arn:aws:ssm:eu-west-3:123456789012:parameter/demo/db-password' },
    ]);
    const prod = (await runningTaskDefinition(h, 'prod')).containerDefinitions.find((c) => c.name === 'web')!;
    expect(prod.environment).toEqual([{ name: 'APP_NAME', value: 'demo' }, { name: 'LOG_LEVEL', value: 'info' }]);
  });

  it('runs dev as the shared task role and prod as its own', async () => {
    expect((await runningTaskDefinition(h, 'dev')).taskRoleArn).toBe(ROLE('demo-task'));
    expect((await runningTaskDefinition(h, 'prod')).taskRoleArn).toBe(ROLE('demo-prod-task'));
  });

  it("gives the execution role exactly the secrets' reads, never *", async () => {
    const execution = await role(h, 'demo-task-execution');
    expect(execution.inline).toEqual({
      secrets: {
        Version: '2012-10-17',
        Statement: [
          { Sid: 'ReadSsmParameters', Effect: 'Allow', Action: ['ssm:GetParameters'], Resource: ['arn:aws:ssm:eu-west-3:123456789012:parameter/demo/db-password'] },
          { Sid: 'ReadSecrets', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: [SEED_SECRET] },
        ],
      },
    });
  });

  it('makes the task roles under /shipline/, trusted by ECS tasks of this account, with their statements, policies and Exec channels', async () => {
    const shared = await role(h, 'demo-task');
    expect(shared.path).toBe('/shipline/');
    expect(shared.trust.Statement).toEqual([
      { Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } } },
    ]);
    expect(shared.managed).toEqual(['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess']);
    expect(Object.keys(shared.inline).sort()).toEqual(['app', 'ecs-exec']);
    const own = await role(h, 'demo-prod-task');
    // prod turns exec off and has its own statements only.
    expect(own.managed).toEqual([]);
    expect(Object.keys(own.inline)).toEqual(['app']);
  });

  it('turns ECS Exec on where the environment has it', async () => {
    expect((await service(h, 'dev')).enableExecuteCommand).toBe(true);
    expect((await service(h, 'prod')).enableExecuteCommand).toBe(false);
  });

  it('starts the tasks: the execution role reads the secrets', async () => {
    for (const env of ['dev', 'prod']) {
      const s = await service(h, env);
      expect({ env, running: s.runningCount }).toEqual({ env, running: s.desiredCount });
    }
  });

  it('makes zero mutating calls on a second run', async () => {
    const before = h.sandbox.mutatingCalls().length;
    await h.ok('provision');
    expect(mutations(h, before)).toEqual([]);
  });

  it("shows the task roles in outputs", async () => {
    const { stdout } = await h.ok('outputs', '--json');
    expect(JSON.parse(stdout)).toMatchObject({ taskRole: { dev: ROLE('demo-task'), prod: ROLE('demo-prod-task') } });
  });

});

// Runs that change the stack, in order (jest shuffles the tests of a describe, so they are one test).
describe('the same config changed, broken and destroyed', () => {
  it('corrects a lost grant, stops on a missing reference, adopts after a lost state, applies changes, destroys it all', async () => {
    const h = harness({ config: CONFIG });
    try {
      await h.ok('provision');
      const provisioned = shape(h.sandbox);
      // without the grant, a new task fails to start as on AWS; the next provision puts the grant back
      {
        await h.sandbox.dispatch('iam', 'DeleteRolePolicy', { RoleName: 'demo-task-execution', PolicyName: 'secrets' });
        await h.sandbox.dispatch('ecs', 'UpdateService', { cluster: 'demo', service: 'demo-dev', forceNewDeployment: true });
        const events = (await service(h, 'dev')).events.map((e) => e.message);
        expect(events.find((m) => m.includes('ResourceInitializationError'))).toMatch(
          /failed to launch a task with \(error ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secrets from ssm: service call has been retried 1 time\(s\): AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role\/demo-task-execution\/.* is not authorized to perform: ssm:GetParameters on resource: arn:aws:ssm:eu-west-3:123456789012:parameter\/demo\/db-password/,
        );
        const before = h.sandbox.mutatingCalls().length;
        await h.ok('provision');
        expect(mutations(h, before)).toEqual(['iam:PutRolePolicy']);
        const dev = await service(h, 'dev');
        expect(dev.runningCount).toBe(dev.desiredCount);
      }
      // stops before any change on a reference that does not exist, naming it; plan only warns
      {
        h.writeConfig({ ...CONFIG, environments: [CONFIG.environments![0], { ...CONFIG.environments![1], secrets: { STRIPE_KEY: '/demo/stripe' } }] });
        const before = h.sandbox.mutatingCalls().length;
        const failed = await h.run('provision');
        expect(failed.code).toBe(EXIT.usage);
        expect(failed.stderr).toContain('environment prod: secrets.STRIPE_KEY = "/demo/stripe" (SSM parameter arn:aws:ssm:eu-west-3:123456789012:parameter/demo/stripe) does not exist');
        expect(failed.stderr).not.toMatch(/\n\s+at /);
        expect(mutations(h, before)).toEqual([]);
        const plan = await h.run('plan');
        expect(plan.code).toBe(EXIT.ok);
        expect(plan.logs.some((l) => l.level === 40 && String(l.msg).includes('secrets.STRIPE_KEY'))).toBe(true);
        h.writeConfig(CONFIG);
      }
      // after a lost state, adopts the roles by their tags (no new role, no duplicate)
      {
        rmSync(h.statePath);
        const before = h.sandbox.mutatingCalls().length;
        await h.ok('provision');
        expect(mutations(h, before).filter((m) => m.startsWith('iam:'))).toEqual([]);
        expect(shape(h.sandbox)).toEqual(provisioned);
      }
      // turning exec off and changing a variable: a new revision and a new deployment, nothing else
      {
        h.writeConfig({ ...CONFIG, services: { ...CONFIG.services, exec: false, variables: { LOG_LEVEL: 'warn', APP_NAME: 'demo' } } });
        const before = h.sandbox.mutatingCalls().length;
        const run = await h.ok('provision');
        // prod's LOG_LEVEL changes (dev overrides it): a revision for prod; dev's service loses ECS Exec; the shared role its channels.
        expect(mutations(h, before).sort()).toEqual(['ecs:RegisterTaskDefinition', 'ecs:UpdateService', 'ecs:UpdateService', 'iam:DeleteRolePolicy']);
        expect(run.stderr).toContain('ECS Exec off for demo-dev: a new deployment replaces the running tasks');
        expect((await service(h, 'dev')).enableExecuteCommand).toBe(false);
        expect((await runningTaskDefinition(h, 'prod')).containerDefinitions[0]!.environment).toContainEqual({ name: 'LOG_LEVEL', value: 'warn' });
        expect(Object.keys((await role(h, 'demo-task')).inline)).toEqual(['app']);
      }
      // destroy leaves nothing: roles detached and deleted
      {
        await h.ok('destroy', '--yes');
        expect(shape(h.sandbox)).toEqual([]);
      }
    } finally {
      h.restore();
    }
  });
});

describe('a provision interrupted while it makes the task roles', () => {
  it('converges on a re-run, with no duplicate and the same inventory', async () => {
    const clean = harness({ config: CONFIG });
    await clean.ok('provision');
    const calls = clean.sandbox.mutatingCalls();
    clean.restore();
    // Right after the shared task role is created, and right after its managed policy is attached.
    const points = [calls.findIndex((c) => c.operation === 'CreateRole' && JSON.stringify(c).includes('demo-task"')), calls.findIndex((c) => c.operation === 'AttachRolePolicy' && JSON.stringify(c).includes('AmazonS3ReadOnlyAccess'))];
    expect(points.every((p) => p >= 0)).toBe(true);
    for (const point of points) {
      const h = harness({ config: CONFIG });
      try {
        h.sandbox.faults.crashAfterMutation(point + 1);
        expect((await h.run('provision')).code).not.toBe(EXIT.ok);
        await h.ok('provision');
        expect(shape(h.sandbox)).toEqual(shape(clean.sandbox));
        const before = h.sandbox.mutatingCalls().length;
        await h.ok('provision');
        expect(mutations(h, before)).toEqual([]);
      } finally {
        h.restore();
      }
    }
  });
});

describe("the pipeline's deploys keep the variables, secrets and task role", () => {
  const stateId = (x: Harness, key: string) => (JSON.parse(readFileSync(x.statePath, 'utf8')) as { resources: Record<string, { id: string }> }).resources[key]!.id;

  it.each([['rolling'], ['blue-green']])('%s: the released revision runs the built image with them, and its tasks start', async (strategy) => {
    const h = harness({ config: { ...CONFIG, deploy: { strategy } } });
    try {
      await h.ok('provision');
      await h.ok('status'); // the run started with the pipeline fails at Source: the connection is pending
      h.sandbox.connections.approveConnection(stateId(h, 'connection.github'));
      await h.ok('release');
      await h.ok('status'); // a read of the pipeline runs it up to the approval
      const dev = await runningTaskDefinition(h, 'dev');
      const web = dev.containerDefinitions.find((c) => c.name === 'web')!;
      expect((web as Container & { image: string }).image).toMatch(/^123456789012\.dkr\.ecr\.eu-west-3\.amazonaws\.com\/demo:\w+$/);
      expect(web.environment).toEqual([{ name: 'APP_NAME', value: 'demo' }, { name: 'LOG_LEVEL', value: 'debug' }]);
      expect(web.secrets?.map((s) => s.name)).toEqual(['API_KEY', 'DB_PASSWORD']);
      expect(dev.taskRoleArn).toBe(ROLE('demo-task'));
      const s = await service(h, 'dev');
      expect(s.runningCount).toBe(s.desiredCount);
      expect(s.events.map((e) => e.message).filter((m) => m.includes('ResourceInitializationError'))).toEqual([]);
      // The next provision finds the pipeline's revision as it wants it: nothing to register.
      const before = h.sandbox.mutatingCalls().length;
      await h.ok('provision');
      expect(mutations(h, before)).toEqual([]);
    } finally {
      h.restore();
    }
  });
});
