// Unit tests of the services step against stubbed ECS and EC2 clients: per environment a security
// group, a task definition and a Fargate service. Above all the image rule: once the pipeline has
// deployed, provision never rolls a service back to the placeholder or an older image.
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DeleteSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  RevokeSecurityGroupIngressCommand,
  type CreateSecurityGroupCommandInput,
  type DescribeSecurityGroupsCommandInput,
  type SecurityGroup,
} from '@aws-sdk/client-ec2';
import {
  ClientException,
  CreateServiceCommand,
  DeleteServiceCommand,
  DeregisterTaskDefinitionCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  ServiceNotFoundException,
  UpdateServiceCommand,
  type CreateServiceCommandInput,
  type DescribeServicesCommandInput,
  type RegisterTaskDefinitionCommandInput,
  type Service,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { isAwsError } from '../src/aws/errors';
import { KNOWN_AFTER_APPLY } from '../src/step';
import { ConfigError, ForeignResourceError } from '../src/errors';
import { dependencies, dependents } from '../src/engine';
import { STEPS } from '../steps';
import { stackTags } from '../src/tags';
import { services, taskDefinitionFingerprint } from '../steps/services';
import { createServiceInput, serviceSettings } from '../steps/services/service-settings';
import { firstRevision, ownedSettings } from '../steps/services/task-definition-settings';
import { strictMocks } from './helpers/strict-mocks';
import { testContext, type TestContext } from './helpers/context';

const ecs = mockClient(ECSClient);
const ec2 = mockClient(EC2Client);

// ---- the world as AWS would report it ----------------------------------------------------------

const ACCOUNT = '123456789012';
const ENVS = ['dev', 'prod'] as const;
type Env = string;
const SIZES: Record<string, { cpu: string; memory: string }> = { dev: { cpu: '256', memory: '512' }, prod: { cpu: '512', memory: '1024' } };
const sizes = (env: Env) => SIZES[env] ?? { cpu: '256', memory: '512' };
const VPC = 'vpc-0a1';
const PRIVATE_SUBNETS = ['subnet-private-a', 'subnet-private-b'];
const ALB_SG = 'sg-alb';
const EXECUTION_ROLE = `arn:aws:iam::${ACCOUNT}:role/shipline/demo-task-execution`;
const PLACEHOLDER = 'public.ecr.aws/nginx/nginx:stable';
const PIPELINE_IMAGE = `${ACCOUNT}.dkr.ecr.eu-west-3.amazonaws.com/demo:3f9a2c1`;

const targetGroup = (env: string) => `arn:aws:elasticloadbalancing:eu-west-3:${ACCOUNT}:targetgroup/demo-${env}/0123456789abcdef`;
const sgId = (env: string) => `sg-${env}-svc`;
const tdArn = (env: string, revision: number) => `arn:aws:ecs:eu-west-3:${ACCOUNT}:task-definition/demo-${env}:${revision}`;
const serviceArn = (env: string) => `arn:aws:ecs:eu-west-3:${ACCOUNT}:service/demo/demo-${env}`;
const envOf = (ref: string): Env => ref.replace(/^.*demo-/, '');

const tags = (name: string) => [
  { key: 'shipline:stack', value: 'demo' },
  { key: 'shipline:step', value: 'services' },
  { key: 'Name', value: name },
];

const logConfiguration = (env: string) => ({
  logDriver: 'awslogs' as const,
  options: { 'awslogs-group': `/shipline/demo/${env}`, 'awslogs-region': 'eu-west-3', 'awslogs-stream-prefix': 'web' },
});

/** A task definition as DescribeTaskDefinition returns it (AWS fills in container defaults). */
const taskDefinition = (env: Env, revision: number, overrides: Partial<TaskDefinition> = {}, image = PLACEHOLDER): TaskDefinition => ({
  taskDefinitionArn: tdArn(env, revision),
  family: `demo-${env}`,
  revision,
  status: 'ACTIVE',
  requiresCompatibilities: ['FARGATE'],
  compatibilities: ['EC2', 'FARGATE'],
  networkMode: 'awsvpc',
  ...sizes(env),
  runtimePlatform: { cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' },
  executionRoleArn: EXECUTION_ROLE,
  containerDefinitions: [
    {
      name: 'web',
      image,
      cpu: 0,
      essential: true,
      portMappings: [{ containerPort: 80, hostPort: 80, protocol: 'tcp' }],
      logConfiguration: logConfiguration(env),
      environment: [],
      mountPoints: [],
      volumesFrom: [],
    },
  ],
  volumes: [],
  placementConstraints: [],
  ...overrides,
});

/** A service as DescribeServices returns it: steady (one deployment, all tasks running). */
const service = (env: Env, overrides: Partial<Service> = {}): Service => ({
  serviceArn: serviceArn(env),
  serviceName: `demo-${env}`,
  clusterArn: `arn:aws:ecs:eu-west-3:${ACCOUNT}:cluster/demo`,
  status: 'ACTIVE',
  taskDefinition: tdArn(env, 1),
  desiredCount: 1,
  runningCount: 1,
  pendingCount: 0,
  launchType: 'FARGATE',
  deployments: [{ id: 'ecs-svc/1', status: 'PRIMARY', taskDefinition: tdArn(env, 1), desiredCount: 1, runningCount: 1, rolloutState: 'COMPLETED' }],
  networkConfiguration: { awsvpcConfiguration: { subnets: [...PRIVATE_SUBNETS].reverse(), securityGroups: [sgId(env)], assignPublicIp: 'DISABLED' } },
  loadBalancers: [{ targetGroupArn: targetGroup(env), containerName: 'web', containerPort: 80 }],
  deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true }, minimumHealthyPercent: 100, maximumPercent: 200 },
  healthCheckGracePeriodSeconds: 30,
  propagateTags: 'SERVICE',
  enableECSManagedTags: true,
  tags: tags(`demo-${env}`),
  ...overrides,
});

const securityGroup = (env: string): SecurityGroup => ({
  GroupId: sgId(env),
  GroupName: `demo-${env}-svc`,
  VpcId: VPC,
  Tags: [{ Key: 'shipline:stack', Value: 'demo' }],
  IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, UserIdGroupPairs: [{ GroupId: ALB_SG, Description: 'from the load balancer' }] }],
  IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
});

/** What the steps before this one (network, alb, cluster) recorded. */
const DEPS_STATE = {
  'network.vpc': { id: VPC, cidr: '10.0.0.0/16' },
  'network.subnet.private-a': { id: PRIVATE_SUBNETS[0]! },
  'network.subnet.private-b': { id: PRIVATE_SUBNETS[1]! },
  'alb.securityGroup': { id: ALB_SG },
  'alb.targetGroup.dev': { id: targetGroup('dev') },
  'alb.targetGroup.prod': { id: targetGroup('prod') },
  'cluster.cluster': { id: 'demo', arn: `arn:aws:ecs:eu-west-3:${ACCOUNT}:cluster/demo` },
  'cluster.executionRole': { id: 'demo-task-execution', arn: EXECUTION_ROLE },
  'cluster.logGroup.dev': { id: '/shipline/demo/dev' },
  'cluster.logGroup.prod': { id: '/shipline/demo/prod' },
};

/** What provision records with a revision checked against the default config (see taskDefinitionFingerprint). */
function fingerprintOf(env: Env, config?: Record<string, unknown>): string {
  const ctx = testContext('services', { state: DEPS_STATE, ...(config ? { config } : {}) });
  return taskDefinitionFingerprint(ctx, ctx.config.environments.find((e) => e.name === env)!);
}

const envState = (env: Env, revision = 1, image = PLACEHOLDER) => ({
  [`services.securityGroup.${env}`]: { id: sgId(env) },
  [`services.taskDefinition.${env}`]: { id: tdArn(env, revision), family: `demo-${env}`, revision: String(revision), image, fingerprint: fingerprintOf(env) },
  [`services.service.${env}`]: { id: serviceArn(env), name: `demo-${env}`, controller: 'ECS' },
});

/** A state file from before the fingerprint: the task definitions' records without it. */
const withoutFingerprints = (state: Record<string, Record<string, string>>) =>
  Object.fromEntries(Object.entries(state).map(([key, { fingerprint: _, ...rec }]) => [key, rec]));

const FULL_STATE = { ...DEPS_STATE, ...envState('dev'), ...envState('prod') };

// ---- stubbed AWS worlds ------------------------------------------------------------------------

const sgFilters = (env: string) => [
  { Name: 'tag:shipline:stack', Values: ['demo'] },
  { Name: 'tag:Name', Values: [`demo-${env}-svc`] },
  { Name: 'vpc-id', Values: [VPC] },
];

const groupNotFound = (id: string) => Object.assign(new Error(`The security group '${id}' does not exist`), { name: 'InvalidGroup.NotFound', $metadata: {} });

/**
 * The services' security groups (but the `gone` ones): by ID, where the whole call fails when one
 * of the IDs is gone, as on AWS; and by their tags when `adoptable`.
 */
function awsHasSecurityGroups(adoptable = false, gone: readonly Env[] = []): void {
  const present = ENVS.filter((env) => !gone.includes(env));
  ec2.on(DescribeSecurityGroupsCommand).callsFake((input: DescribeSecurityGroupsCommandInput) => {
    if (input.GroupIds) {
      const missing = input.GroupIds.find((id) => !present.some((env) => sgId(env) === id));
      if (missing) throw groupNotFound(missing);
      return { SecurityGroups: input.GroupIds.map((id) => securityGroup(present.find((env) => sgId(env) === id)!)) };
    }
    const env = present.find((e) => JSON.stringify(input.Filters) === JSON.stringify(sgFilters(e)));
    return { SecurityGroups: adoptable && env ? [securityGroup(env)] : [] };
  });
}

/** The step's read of its services (with tags); the stable waiter's reads (without) find them steady. */
function awsHasServices(running: Partial<Record<Env, Service>>, waiterSees: (name: string) => Service = (name) => service(envOf(name))): void {
  ecs.on(DescribeServicesCommand).callsFake((input: DescribeServicesCommandInput) => ({ services: (input.services ?? []).map(waiterSees), failures: [] }));
  ecs.on(DescribeServicesCommand, { include: ['TAGS'] }).callsFake((input: DescribeServicesCommandInput) => {
    const names = input.services ?? [];
    const found = names.map((n) => running[envOf(n)]).filter((s): s is Service => s !== undefined);
    const missing = names.filter((n) => running[envOf(n)] === undefined).map((n) => ({ arn: serviceArn(envOf(n)), reason: 'MISSING' }));
    return { services: found, failures: missing };
  });
}

function awsHasTaskDefinitions(list: TaskDefinition[]): void {
  for (const td of list) ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: td.taskDefinitionArn }).resolves({ taskDefinition: td });
}

/** RegisterTaskDefinition answers like AWS, at the given revision. */
function awsRegisters(revision: number): void {
  ecs.on(RegisterTaskDefinitionCommand).callsFake((input: RegisterTaskDefinitionCommandInput) => {
    const env = envOf(input.family!);
    return { taskDefinition: { ...taskDefinition(env, revision), cpu: input.cpu, memory: input.memory, containerDefinitions: input.containerDefinitions } };
  });
}

function awsHasNothing(): void {
  ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
  ec2.on(CreateSecurityGroupCommand).callsFake((input: CreateSecurityGroupCommandInput) => ({ GroupId: `sg-${input.GroupName!.replace(/^demo-/, '')}` }));
  ec2.on(AuthorizeSecurityGroupIngressCommand).resolves({ Return: true });
  awsHasServices({});
  ecs.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: [] });
  awsRegisters(1);
  ecs.on(CreateServiceCommand).callsFake((input: CreateServiceCommandInput) => ({
    service: service(envOf(input.serviceName!), { taskDefinition: input.taskDefinition, runningCount: 0, tags: undefined }),
  }));
}

/** Every environment runs revision 1 (the placeholder) and matches the config. */
function awsHasEverything(running: Partial<Record<Env, Service>> = { dev: service('dev'), prod: service('prod') }): void {
  awsHasSecurityGroups();
  awsHasServices(running);
  awsHasTaskDefinitions(ENVS.map((env) => taskDefinition(env, 1)));
}

/** Deleting an environment: the service drains to INACTIVE, two revisions of its family are ACTIVE. */
function awsDeletes(envs: readonly Env[]): void {
  ecs.on(UpdateServiceCommand).callsFake((input) => ({ service: service(envOf(input.service!), { desiredCount: 0 }) }));
  ecs.on(DeleteServiceCommand).callsFake((input) => ({ service: service(envOf(input.service!), { status: 'DRAINING' }) }));
  for (const env of envs) {
    ecs.on(DescribeServicesCommand, { services: [serviceArn(env)] }).resolves({ services: [service(env, { status: 'INACTIVE' })], failures: [] });
    ecs.on(ListTaskDefinitionsCommand, { familyPrefix: `demo-${env}` }).resolves({ taskDefinitionArns: [tdArn(env, 1), tdArn(env, 3)] });
  }
  ecs.on(DeregisterTaskDefinitionCommand).resolves({});
  ec2.on(DeleteSecurityGroupCommand).resolves({});
}

// ---- reading what happened -----------------------------------------------------------------------

const mocks = strictMocks(ecs, ec2);
const calls = mocks.commands;
const names = mocks.calls;
const { mutatingCommands } = mocks;
const outcomes = (ctx: TestContext) => Object.fromEntries(ctx.outcomes.map((o) => [o.resource, o.outcome]));
const inputsOf = <C extends abstract new (...args: never[]) => { input: unknown }>(command: C) =>
  calls().filter((c) => c instanceof command).map((c) => c.input as InstanceType<C>['input']);
/** The stable waiter's reads: DescribeServices without tags. */
const waiterReads = () => inputsOf(DescribeServicesCommand).filter((i) => i.include === undefined);

describe('services step: its place in the run', () => {
  it('is made after the NAT, but a destroy lets the NAT go while the services drain', () => {
    expect(dependencies(STEPS).get('services')).toEqual(new Set(['alb', 'cluster', 'nat']));
    expect(dependents(STEPS).get('nat')).not.toContain('services');
    expect(dependents(STEPS).get('alb')).toContain('services');
  });
});

describe('services step: create from nothing', () => {
  let ctx: TestContext;

  beforeEach(async () => {
    awsHasNothing();
    ctx = testContext('services', { state: DEPS_STATE });
    await services.reconcile(ctx);
  });

  it('reads all the services in one DescribeServices call, with their tags', () => {
    expect(inputsOf(DescribeServicesCommand).filter((i) => i.include !== undefined)).toEqual([
      { cluster: 'demo', services: ['demo-dev', 'demo-prod'], include: ['TAGS'] },
    ]);
  });

  it('creates a security group per environment, open on the container port to the ALB security group only', () => {
    for (const env of ENVS) {
      expect(ec2).toHaveReceivedCommandWith(CreateSecurityGroupCommand, {
        GroupName: `demo-${env}-svc`,
        VpcId: VPC,
        TagSpecifications: [
          {
            ResourceType: 'security-group',
            Tags: [
              { Key: 'shipline:stack', Value: 'demo' },
              { Key: 'shipline:step', Value: 'services' },
              { Key: 'Name', Value: `demo-${env}-svc` },
            ],
          },
        ],
      });
      expect(ec2).toHaveReceivedCommandWith(AuthorizeSecurityGroupIngressCommand, {
        GroupId: sgId(env),
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, UserIdGroupPairs: [{ GroupId: ALB_SG, Description: 'from the load balancer' }] }],
      });
    }
    // Default egress stays: the tasks pull their image through the NAT.
    expect(names()).not.toContain('AuthorizeSecurityGroupEgressCommand');
    expect(names()).not.toContain('RevokeSecurityGroupEgressCommand');
  });

  // What the inputs hold is pinned per config shape in test/golden/ (test/settings-golden.test.ts):
  // here, that the step sends what the pure functions decide from the IDs in its state.
  it('registers, per environment, the first revision decided from the execution role and log group in state', () => {
    const envConfig = (env: Env) => ctx.config.environments.find((e) => e.name === env)!;
    expect(inputsOf(RegisterTaskDefinitionCommand)).toEqual(
      ENVS.map((env) =>
        firstRevision(
          ctx.config,
          `demo-${env}`,
          ownedSettings(ctx.config, envConfig(env), {
            executionRoleArn: EXECUTION_ROLE,
            logGroup: `/shipline/demo/${env}`,
            taskRoleArn: undefined,
            place: { partition: ctx.partition, region: ctx.config.region, account: ctx.accountId },
          }),
          stackTags('demo').list('services', env),
        ),
      ),
    );
    expect(inputsOf(RegisterTaskDefinitionCommand).map((i) => i.containerDefinitions?.[0]?.image)).toEqual([PLACEHOLDER, PLACEHOLDER]);
  });

  it('creates each service in the private subnets behind its target group, on the revision just registered, with a client token', () => {
    const inputs = inputsOf(CreateServiceCommand);
    expect(inputs).toEqual(
      ENVS.map((env) => {
        const want = serviceSettings(ctx.config, ctx.config.environments.find((e) => e.name === env)!, {
          subnets: PRIVATE_SUBNETS,
          securityGroup: sgId(env),
          targetGroupArn: targetGroup(env),
          taskDefinition: tdArn(env, 1),
        });
        const ids = { cluster: 'demo', serviceName: `demo-${env}`, startOn: targetGroup(env), tags: stackTags('demo').list('services', env), clientToken: 'token' };
        return { ...createServiceInput(ctx.config, want, ids), clientToken: expect.any(String) };
      }),
    );
    // The token written ahead is the one sent, and stays in state.
    for (const [i, env] of ENVS.entries()) expect(ctx.records.get(`services.service.${env}`)?.token).toBe(inputs[i]!.clientToken);
  });

  it('waits for all the services to be stable in one waiter call', () => {
    expect(waiterReads()).toEqual([{ cluster: 'demo', services: ['demo-dev', 'demo-prod'] }]);
    expect(ctx.activities).toContain('waiting for ECS services demo-dev, demo-prod to become stable');
  });

  it('records everything and reports it created', () => {
    const expected: Record<string, Record<string, unknown>> = { ...DEPS_STATE, ...envState('dev'), ...envState('prod') };
    for (const env of ENVS) expected[`services.service.${env}`] = { ...expected[`services.service.${env}`], token: expect.any(String) };
    expect(Object.fromEntries(ctx.records)).toEqual(expected);
    expect(new Set(ctx.outcomes.map((o) => o.outcome))).toEqual(new Set(['created']));
    expect(ctx.outcomes).toHaveLength(6);
  });
});

describe('services step: environments side by side', () => {
  const sentFor = (env: Env) =>
    calls()
      .map((c, i) => ({ i, name: c.constructor.name, input: JSON.stringify(c.input) }))
      .filter((c) => c.input.includes(`demo-${env}`) || c.input.includes(sgId(env)));

  it('reconciles the environments at once rather than one after the other', async () => {
    awsHasNothing();
    await services.reconcile(testContext('services', { state: DEPS_STATE }));
    const devService = sentFor('dev').find((c) => c.name === 'CreateServiceCommand')!;
    const prodGroup = sentFor('prod').find((c) => c.name === 'CreateSecurityGroupCommand')!;
    expect(prodGroup.i).toBeLessThan(devService.i);
  });

  it('a failure in one environment lets the others finish, and is the step\'s error', async () => {
    awsHasNothing();
    const refused = Object.assign(new Error('The target group does not have an associated load balancer.'), { name: 'InvalidParameterException', $metadata: {} });
    ecs.on(CreateServiceCommand, { serviceName: 'demo-dev' }).rejects(refused);
    const ctx = testContext('services', { state: DEPS_STATE });
    await expect(services.reconcile(ctx)).rejects.toThrow('does not have an associated load balancer');
    expect(ctx.records.get('services.service.prod')?.id).toBe(serviceArn('prod'));
    expect(outcomes(ctx)['services.service.prod']).toBe('created');
  });
});

describe('services step: re-run', () => {
  it('makes no mutating call, reads each thing once and waits for nothing when AWS matches', async () => {
    awsHasEverything();
    const ctx = testContext('services', { state: FULL_STATE });
    await services.reconcile(ctx);
    expect(mutatingCommands()).toEqual([]);
    // The services in one call, the security groups of every environment in one call; the
    // revisions the services run are the recorded ones, checked against these very settings: unread.
    expect(names()).toEqual(['DescribeServicesCommand', 'DescribeSecurityGroupsCommand']);
    expect(inputsOf(DescribeSecurityGroupsCommand)).toEqual([{ GroupIds: [sgId('dev'), sgId('prod')] }]);
    expect(new Set(ctx.outcomes.map((o) => o.outcome))).toEqual(new Set(['unchanged']));
    expect(Object.fromEntries(ctx.records)).toEqual(FULL_STATE);
  });

  it('a state file from before the fingerprint: reads the revisions once, records their fingerprint, and the next run reads none', async () => {
    awsHasEverything();
    const first = testContext('services', { state: withoutFingerprints(FULL_STATE) });
    await services.reconcile(first);
    expect(mutatingCommands()).toEqual([]);
    expect(inputsOf(DescribeTaskDefinitionCommand)).toEqual([{ taskDefinition: tdArn('dev', 1) }, { taskDefinition: tdArn('prod', 1) }]);
    expect(new Set(first.outcomes.map((o) => o.outcome))).toEqual(new Set(['unchanged']));
    for (const env of ENVS) expect(first.records.get(`services.taskDefinition.${env}`)?.fingerprint).toMatch(/^[0-9a-f]{32}$/);

    ecs.resetHistory();
    const next = testContext('services', { state: Object.fromEntries(first.records) });
    await services.reconcile(next);
    expect(ecs).not.toHaveReceivedCommand(DescribeTaskDefinitionCommand);
    expect(Object.fromEntries(next.records)).toEqual(Object.fromEntries(first.records));
  });

  it('a setting provision owns changed in the config: the fingerprint differs, the revision is read and the next one registered', async () => {
    awsHasEverything();
    awsRegisters(2);
    ecs.on(UpdateServiceCommand).resolves({});
    const config = { environments: [{ name: 'dev', path: '/dev', memory: 1024 }, { name: 'prod', cpu: 512, memory: 1024 }] };
    const ctx = testContext('services', { state: FULL_STATE, config });
    await services.reconcile(ctx);
    expect(inputsOf(DescribeTaskDefinitionCommand)).toEqual([{ taskDefinition: tdArn('dev', 1) }]);
    expect(mutatingCommands()).toEqual(['RegisterTaskDefinitionCommand', 'UpdateServiceCommand']);
    expect(ctx.records.get('services.taskDefinition.dev')).toMatchObject({ id: tdArn('dev', 2), fingerprint: fingerprintOf('dev', config) });
    expect(fingerprintOf('dev', config)).not.toBe(fingerprintOf('dev'));
  });

  it('reads the security groups one by one when one of them is gone (AWS fails the whole call), and recreates only that one', async () => {
    awsHasEverything();
    awsHasSecurityGroups(false, ['dev']);
    ec2.on(CreateSecurityGroupCommand).resolves({ GroupId: 'sg-dev-new' });
    ec2.on(AuthorizeSecurityGroupIngressCommand).resolves({});
    ecs.on(UpdateServiceCommand).resolves({});
    const ctx = testContext('services', { state: FULL_STATE });
    await services.reconcile(ctx);
    expect(inputsOf(DescribeSecurityGroupsCommand)).toEqual([
      { GroupIds: [sgId('dev'), sgId('prod')] },
      { GroupIds: [sgId('dev')] },
      { GroupIds: [sgId('prod')] },
      // The search by tags pages at AWS's largest page; reads by ID do not.
      { Filters: sgFilters('dev'), MaxResults: 1000 },
    ]);
    expect(inputsOf(CreateSecurityGroupCommand)).toEqual([expect.objectContaining({ GroupName: 'demo-dev-svc' })]);
    expect(outcomes(ctx)).toMatchObject({ 'services.securityGroup.dev': 'created', 'services.securityGroup.prod': 'unchanged' });
    expect(ctx.records.get('services.securityGroup.dev')?.id).toBe('sg-dev-new');
  });

  it('scales a service whose desired count drifted, with nothing else in the update, and waits', async () => {
    awsHasEverything({ dev: service('dev', { desiredCount: 3, runningCount: 3 }), prod: service('prod') });
    ecs.on(UpdateServiceCommand).resolves({});
    const ctx = testContext('services', { state: FULL_STATE });
    await services.reconcile(ctx);
    expect(mutatingCommands()).toEqual(['UpdateServiceCommand']);
    expect(inputsOf(UpdateServiceCommand)).toEqual([{ cluster: 'demo', service: 'demo-dev', desiredCount: 1 }]);
    expect(ctx.outcomes.find((o) => o.resource === 'services.service.dev')).toMatchObject({ outcome: 'updated', changes: ['desiredCount'] });
    expect(waiterReads()).toHaveLength(1);
  });

  it('puts back the circuit breaker and the load balancer', async () => {
    const drifted = service('prod', {
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: false, rollback: false }, minimumHealthyPercent: 50, maximumPercent: 200 },
      loadBalancers: [{ targetGroupArn: targetGroup('prod'), containerName: 'web', containerPort: 8080 }],
    });
    awsHasEverything({ dev: service('dev'), prod: drifted });
    ecs.on(UpdateServiceCommand).resolves({});
    const ctx = testContext('services', { state: FULL_STATE });
    await services.reconcile(ctx);
    expect(inputsOf(UpdateServiceCommand)).toEqual([
      {
        cluster: 'demo',
        service: 'demo-prod',
        loadBalancers: [{ targetGroupArn: targetGroup('prod'), containerName: 'web', containerPort: 80 }],
        deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true }, minimumHealthyPercent: 100, maximumPercent: 200 },
      },
    ]);
  });

  it('waits when nothing changed but a service is still rolling out', async () => {
    const rolling = service('dev', { runningCount: 0, deployments: [{ status: 'PRIMARY' }, { status: 'ACTIVE' }] });
    awsHasEverything({ dev: rolling, prod: service('prod') });
    const ctx = testContext('services', { state: FULL_STATE });
    await services.reconcile(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(waiterReads()).toEqual([{ cluster: 'demo', services: ['demo-dev', 'demo-prod'] }]);
  });

  it('does not wait with --no-wait', async () => {
    awsHasEverything({ dev: service('dev', { desiredCount: 3, runningCount: 3 }), prod: service('prod') });
    ecs.on(UpdateServiceCommand).resolves({});
    const ctx = { ...testContext('services', { state: FULL_STATE }), wait: false };
    await services.reconcile(ctx);
    expect(waiterReads()).toEqual([]);
  });

  it('adopts the security groups, task definitions and services it finds by their tags', async () => {
    awsHasSecurityGroups(true);
    awsHasServices({ dev: service('dev'), prod: service('prod') });
    awsHasTaskDefinitions(ENVS.map((env) => taskDefinition(env, 1)));
    const ctx = testContext('services', { state: DEPS_STATE });
    await services.reconcile(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(new Set(ctx.outcomes.map((o) => o.outcome))).toEqual(new Set(['adopted']));
    expect(Object.fromEntries(ctx.records)).toEqual(FULL_STATE);
  });

  it('refuses a same-named service without the stack tag, before registering or creating anything', async () => {
    awsHasSecurityGroups(true);
    awsHasServices({ dev: service('dev', { tags: [{ key: 'team', value: 'payments' }] }) });
    awsHasTaskDefinitions([taskDefinition('dev', 1)]);
    const ctx = testContext('services', { state: DEPS_STATE });
    const error = await services.reconcile(ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ForeignResourceError);
    expect((error as Error).message).toContain('ECS service demo-dev');
    expect(mutatingCommands()).toEqual([]);
  });
});

describe('services step: the image rule', () => {
  /** The pipeline deployed revision 3 of dev (its image, a working directory of its own); the state still says 1. */
  const deployed = taskDefinition('dev', 3, {}, PIPELINE_IMAGE);
  // What the pipeline's revision carries beyond what provision owns (variables are the config's now: issue 13).
  deployed.containerDefinitions![0]!.workingDirectory = '/srv/app';

  function awsRunsThePipelinesImage(): void {
    awsHasSecurityGroups();
    awsHasServices({ dev: service('dev', { taskDefinition: tdArn('dev', 3) }), prod: service('prod') });
    awsHasTaskDefinitions([deployed, taskDefinition('prod', 1)]);
  }

  it('with nothing provision owns changed, registers nothing and records the running revision', async () => {
    awsRunsThePipelinesImage();
    const ctx = testContext('services', { state: FULL_STATE });
    await services.reconcile(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(ecs).not.toHaveReceivedCommand(RegisterTaskDefinitionCommand);
    expect(ecs).not.toHaveReceivedCommand(UpdateServiceCommand);
    // Read: the running revision, not the recorded one.
    expect(ecs).toHaveReceivedCommandWith(DescribeTaskDefinitionCommand, { taskDefinition: tdArn('dev', 3) });
    expect(ecs).not.toHaveReceivedCommandWith(DescribeTaskDefinitionCommand, { taskDefinition: tdArn('dev', 1) });
    expect(ctx.records.get('services.taskDefinition.dev')).toEqual({ id: tdArn('dev', 3), family: 'demo-dev', revision: '3', image: PIPELINE_IMAGE, fingerprint: fingerprintOf('dev') });
    expect(outcomes(ctx)['services.taskDefinition.dev']).toBe('unchanged');
  });

  it('with the CPU changed, registers a revision of the RUNNING one (same image) and points the service at it', async () => {
    awsRunsThePipelinesImage();
    awsRegisters(4);
    ecs.on(UpdateServiceCommand).resolves({});
    const ctx = testContext('services', {
      state: FULL_STATE,
      config: { environments: [{ name: 'dev', path: '/dev', cpu: 512, memory: 1024 }, { name: 'prod', cpu: 512, memory: 1024 }] },
    });
    await services.reconcile(ctx);

    expect(mutatingCommands()).toEqual(['RegisterTaskDefinitionCommand', 'UpdateServiceCommand']);
    const registered = inputsOf(RegisterTaskDefinitionCommand)[0]!;
    expect(registered).toMatchObject({ family: 'demo-dev', cpu: '512', memory: '1024', executionRoleArn: EXECUTION_ROLE, requiresCompatibilities: ['FARGATE'], networkMode: 'awsvpc' });
    expect(registered.containerDefinitions).toHaveLength(1);
    expect(registered.containerDefinitions![0]).toMatchObject({
      name: 'web',
      image: PIPELINE_IMAGE,
      workingDirectory: '/srv/app',
      portMappings: [{ containerPort: 80, protocol: 'tcp' }],
      logConfiguration: logConfiguration('dev'),
    });
    expect(inputsOf(UpdateServiceCommand)).toEqual([{ cluster: 'demo', service: 'demo-dev', taskDefinition: tdArn('dev', 4) }]);
    expect(ctx.records.get('services.taskDefinition.dev')).toMatchObject({ id: tdArn('dev', 4), image: PIPELINE_IMAGE });
    expect(ctx.outcomes.find((o) => o.resource === 'services.taskDefinition.dev')).toMatchObject({ outcome: 'updated', changes: ['cpu', 'memory'] });
    expect(waiterReads()).toHaveLength(1);
  });

  it('on a port change, each new revision keeps the image its service runs: never back to the placeholder', async () => {
    awsRunsThePipelinesImage();
    awsRegisters(4);
    ecs.on(UpdateServiceCommand).resolves({});
    ec2.on(AuthorizeSecurityGroupIngressCommand).resolves({});
    ec2.on(RevokeSecurityGroupIngressCommand).resolves({});
    const ctx = testContext('services', { state: FULL_STATE, config: { services: { containerPort: 8080 } } });
    await services.reconcile(ctx);
    const registered = inputsOf(RegisterTaskDefinitionCommand);
    // dev runs the pipeline's image; prod has not been deployed yet and runs its first revision.
    // (The environments are reconciled side by side: in no particular order.)
    expect(Object.fromEntries(registered.map((i) => [i.family, i.containerDefinitions![0]!.image]))).toEqual({
      'demo-dev': PIPELINE_IMAGE,
      'demo-prod': PLACEHOLDER,
    });
    for (const i of registered) expect(i.containerDefinitions![0]!.portMappings).toEqual([{ containerPort: 8080, protocol: 'tcp' }]);
    expect(ecs).toHaveReceivedCommandWith(UpdateServiceCommand, {
      service: 'demo-dev',
      taskDefinition: tdArn('dev', 4),
      loadBalancers: [{ targetGroupArn: targetGroup('dev'), containerName: 'web', containerPort: 8080 }],
    });
  });

  it('stops rather than fall back to the placeholder when the running revision cannot be read', async () => {
    awsHasSecurityGroups();
    awsHasServices({ dev: service('dev', { taskDefinition: tdArn('dev', 3) }), prod: service('prod') });
    ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: tdArn('dev', 3) }).rejects(new ClientException({ message: 'Unable to describe task definition.', $metadata: {} }));
    const error = await services.reconcile(testContext('services', { state: FULL_STATE })).catch((e: unknown) => e);
    expect(isAwsError(error, 'ClientException')).toBe(true);
    expect(mutatingCommands()).toEqual([]);
  });

  it('in a plan, reports the task definition and the service as updated without registering', async () => {
    awsRunsThePipelinesImage();
    const ctx = testContext('services', {
      state: FULL_STATE,
      dryRun: true,
      config: { environments: [{ name: 'dev', path: '/dev', cpu: 512, memory: 1024 }, { name: 'prod', cpu: 512, memory: 1024 }] },
    });
    await services.reconcile(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(outcomes(ctx)).toMatchObject({ 'services.taskDefinition.dev': 'updated', 'services.service.dev': 'updated', 'services.service.prod': 'unchanged' });
  });
});

describe('services step: environments', () => {
  it('removes a dropped environment: service (scaled to 0, deleted, drained), its revisions, its security group; the others untouched', async () => {
    awsHasSecurityGroups();
    // dev's service is still there (its read before the delete says it is the stack's).
    awsHasServices({ prod: service('prod'), dev: service('dev') });
    awsHasTaskDefinitions([taskDefinition('prod', 1)]);
    awsDeletes(['dev']);
    const ctx = testContext('services', { state: FULL_STATE, config: { environments: [{ name: 'prod', cpu: 512, memory: 1024 }] } });
    await services.reconcile(ctx);

    expect(mutatingCommands()).toEqual([
      'UpdateServiceCommand',
      'DeleteServiceCommand',
      'DeregisterTaskDefinitionCommand',
      'DeregisterTaskDefinitionCommand',
      'DeleteSecurityGroupCommand',
    ]);
    expect(inputsOf(UpdateServiceCommand)).toEqual([{ cluster: 'demo', service: serviceArn('dev'), desiredCount: 0 }]);
    expect(inputsOf(DeleteServiceCommand)).toEqual([{ cluster: 'demo', service: serviceArn('dev'), force: true }]);
    expect(waiterReads()).toEqual([{ cluster: 'demo', services: [serviceArn('dev')] }]);
    expect(inputsOf(ListTaskDefinitionsCommand)).toEqual([{ familyPrefix: 'demo-dev', status: 'ACTIVE' }]);
    expect(inputsOf(DeregisterTaskDefinitionCommand)).toEqual([{ taskDefinition: tdArn('dev', 1) }, { taskDefinition: tdArn('dev', 3) }]);
    expect(ec2).toHaveReceivedCommandWith(DeleteSecurityGroupCommand, { GroupId: sgId('dev') });
    expect(ec2).not.toHaveReceivedCommandWith(DeleteSecurityGroupCommand, { GroupId: sgId('prod') });

    expect(Object.fromEntries(ctx.records)).toEqual({ ...DEPS_STATE, ...envState('prod') });
    expect(outcomes(ctx)).toMatchObject({
      'services.service.dev': 'deleted',
      'services.taskDefinition.dev': 'deleted',
      'services.securityGroup.dev': 'deleted',
      'services.service.prod': 'unchanged',
    });
  });

  it('creates the service of a new environment and leaves the others alone', async () => {
    awsHasEverything();
    ec2.on(DescribeSecurityGroupsCommand, { Filters: sgFilters('qa') }).resolves({ SecurityGroups: [] });
    ec2.on(CreateSecurityGroupCommand).resolves({ GroupId: sgId('qa') });
    ec2.on(AuthorizeSecurityGroupIngressCommand).resolves({});
    ecs.on(ListTaskDefinitionsCommand, { familyPrefix: 'demo-qa' }).resolves({ taskDefinitionArns: [] });
    ecs.on(RegisterTaskDefinitionCommand).resolves({ taskDefinition: taskDefinition('qa', 1) });
    ecs.on(CreateServiceCommand).resolves({ service: service('qa', { runningCount: 0 }) });
    const ctx = testContext('services', {
      state: { ...FULL_STATE, 'alb.targetGroup.qa': { id: targetGroup('qa') } },
      config: { environments: [{ name: 'dev', path: '/dev' }, { name: 'qa', path: '/qa' }, { name: 'prod', cpu: 512, memory: 1024 }] },
    });
    await services.reconcile(ctx);
    expect(mutatingCommands()).toEqual(['CreateSecurityGroupCommand', 'AuthorizeSecurityGroupIngressCommand', 'RegisterTaskDefinitionCommand', 'CreateServiceCommand']);
    expect(ecs).toHaveReceivedCommandWith(CreateServiceCommand, { serviceName: 'demo-qa', loadBalancers: [{ targetGroupArn: targetGroup('qa'), containerName: 'web', containerPort: 80 }] });
  });
});

describe('services step: dry run', () => {
  it('on an empty stack makes no mutating call and plans every resource as created', async () => {
    awsHasNothing();
    const ctx = testContext('services', { state: DEPS_STATE, dryRun: true });
    await services.reconcile(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(waiterReads()).toEqual([]);
    expect(ctx.outcomes).toHaveLength(6);
    for (const o of ctx.outcomes) expect(o).toMatchObject({ outcome: 'created', id: KNOWN_AFTER_APPLY });
    expect(Object.fromEntries(ctx.records)).toEqual(DEPS_STATE);
  });
});

describe('services step: destroy', () => {
  it('per environment: scales the service to 0, deletes it, waits for it to drain, deregisters every revision, deletes the security group', async () => {
    awsHasServices({ dev: service('dev'), prod: service('prod') });
    awsHasSecurityGroups();
    awsDeletes(ENVS);
    const ctx = testContext('services', { state: FULL_STATE });
    await services.destroy(ctx);
    for (const env of ENVS) {
      const mine = calls()
        .filter((c) => JSON.stringify(c.input).includes(`demo-${env}`) || JSON.stringify(c.input).includes(sgId(env)))
        .map((c) => c.constructor.name);
      // Before each delete, one read says the service and the group are the stack's (tags, cluster, VPC).
      expect(mine).toEqual([
        'DescribeServicesCommand',
        'UpdateServiceCommand',
        'DeleteServiceCommand',
        'DescribeServicesCommand',
        'ListTaskDefinitionsCommand',
        'DeregisterTaskDefinitionCommand',
        'DeregisterTaskDefinitionCommand',
        'DescribeSecurityGroupsCommand',
        'DeleteSecurityGroupCommand',
      ]);
      expect(inputsOf(DescribeServicesCommand).filter((i) => i.include !== undefined)).toHaveLength(1);
      expect(ecs).toHaveReceivedCommandWith(DeleteServiceCommand, { cluster: 'demo', service: serviceArn(env), force: true });
    }
    expect(Object.fromEntries(ctx.records)).toEqual(DEPS_STATE);
  });

  it('takes what is already gone as done: no delete, no wait', async () => {
    ecs.on(UpdateServiceCommand).rejects(new ServiceNotFoundException({ message: 'Service not found.', $metadata: {} }));
    ecs.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: [] });
    ec2.on(DeleteSecurityGroupCommand).rejects(Object.assign(new Error('gone'), { name: 'InvalidGroup.NotFound', $metadata: {} }));
    awsHasServices({});
    awsHasSecurityGroups(false, ENVS);
    const ctx = testContext('services', { state: FULL_STATE });
    await services.destroy(ctx);
    expect(ecs).not.toHaveReceivedCommand(UpdateServiceCommand);
    expect(ecs).not.toHaveReceivedCommand(DeleteServiceCommand);
    expect(waiterReads()).toEqual([]);
    expect(ecs).not.toHaveReceivedCommand(DeregisterTaskDefinitionCommand);
    expect(Object.fromEntries(ctx.records)).toEqual(DEPS_STATE);
  });

  it('with a lost state finds the services, revisions and security groups that carry the stack tag', async () => {
    awsHasServices({ dev: service('dev'), prod: service('prod', { tags: [] }) });
    awsHasSecurityGroups(true);
    awsDeletes(ENVS);
    for (const env of ENVS) {
      ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: tdArn(env, 3) }).resolves({ taskDefinition: taskDefinition(env, 3), tags: [] });
      ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: tdArn(env, 1) }).resolves({ taskDefinition: taskDefinition(env, 1), tags: tags(`demo-${env}`) });
    }
    const ctx = testContext('services', { state: DEPS_STATE });
    await services.destroy(ctx);
    // prod's service carries no stack tag: left alone.
    expect(inputsOf(DeleteServiceCommand)).toEqual([{ cluster: 'demo', service: serviceArn('dev'), force: true }]);
    expect(inputsOf(DescribeServicesCommand).filter((i) => i.include !== undefined)).toHaveLength(1);
    expect(ecs).toHaveReceivedCommandTimes(DeregisterTaskDefinitionCommand, 4);
    expect(ec2).toHaveReceivedCommandTimes(DeleteSecurityGroupCommand, 2);
    expect(Object.fromEntries(ctx.records)).toEqual(DEPS_STATE);
  });
});

describe('services step: blue/green (CODE_DEPLOY services)', () => {
  const BLUE_GREEN = { deploy: { strategy: 'blue-green' } };
  const GREEN = (env: string) => `arn:aws:elasticloadbalancing:eu-west-3:${ACCOUNT}:targetgroup/demo-${env}-g/fedcba9876543210`;
  const BG_DEPS = { ...DEPS_STATE, 'alb.greenTargetGroup.dev': { id: GREEN('dev') }, 'alb.greenTargetGroup.prod': { id: GREEN('prod') } };
  const bgEnvState = (env: Env, revision = 1, image = PLACEHOLDER) => ({
    ...envState(env, revision, image),
    [`services.service.${env}`]: { id: serviceArn(env), name: `demo-${env}`, controller: 'CODE_DEPLOY' },
  });
  const BG_STATE = { ...BG_DEPS, ...bgEnvState('dev'), ...bgEnvState('prod') };
  /** AWS lists no deployments for a CODE_DEPLOY service, and no circuit breaker. */
  const cdService = (env: Env, overrides: Partial<Service> = {}) =>
    service(env, {
      deploymentController: { type: 'CODE_DEPLOY' },
      deployments: [],
      taskSets: [{ status: 'PRIMARY', stabilityStatus: 'STEADY_STATE' }],
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: false, rollback: false }, minimumHealthyPercent: 100, maximumPercent: 200 },
      ...overrides,
    });

  it('creates the services with the CODE_DEPLOY controller and no circuit breaker, and waits for them by their task sets', async () => {
    awsHasNothing();
    ecs.on(CreateServiceCommand).callsFake((input: CreateServiceCommandInput) => ({
      service: cdService(envOf(input.serviceName!), { taskDefinition: input.taskDefinition, runningCount: 0, tags: undefined }),
    }));
    awsHasServices({}, (name) => cdService(envOf(name)));
    const ctx = testContext('services', { state: BG_DEPS, config: BLUE_GREEN });
    await services.reconcile(ctx);
    for (const input of inputsOf(CreateServiceCommand)) {
      expect(input).toMatchObject({
        deploymentController: { type: 'CODE_DEPLOY' },
        deploymentConfiguration: { minimumHealthyPercent: 100, maximumPercent: 200 },
        loadBalancers: [{ targetGroupArn: targetGroup(envOf(input.serviceName!)), containerName: 'web', containerPort: 80 }],
      });
      expect(input.deploymentConfiguration).not.toHaveProperty('deploymentCircuitBreaker');
    }
    expect(waiterReads()).toEqual([{ cluster: 'demo', services: ['demo-dev', 'demo-prod'] }]);
    expect(ctx.records.get('services.service.dev')).toMatchObject({ controller: 'CODE_DEPLOY' });
  });

  it('makes no mutating call when AWS matches, the service in either target group of its pair', async () => {
    awsHasSecurityGroups();
    awsHasServices({ dev: cdService('dev', { loadBalancers: [{ targetGroupArn: GREEN('dev'), containerName: 'web', containerPort: 80 }] }), prod: cdService('prod') });
    awsHasTaskDefinitions(ENVS.map((env) => taskDefinition(env, 1)));
    const ctx = testContext('services', { state: BG_STATE, config: BLUE_GREEN });
    await services.reconcile(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(waiterReads()).toEqual([]);
  });

  it('a CPU change registers the next revision (same image) for CodeDeploy to deploy, and never calls UpdateService with it', async () => {
    awsHasSecurityGroups();
    awsHasServices({ dev: cdService('dev', { taskDefinition: tdArn('dev', 3) }), prod: cdService('prod') });
    awsHasTaskDefinitions([taskDefinition('dev', 1), taskDefinition('dev', 3, {}, PIPELINE_IMAGE), taskDefinition('prod', 1)]);
    awsRegisters(4);
    const config = { ...BLUE_GREEN, environments: [{ name: 'dev', path: '/dev', cpu: 512, memory: 1024 }, { name: 'prod', cpu: 512, memory: 1024 }] };
    const ctx = testContext('services', { state: BG_STATE, config });
    await services.reconcile(ctx);
    expect(mutatingCommands()).toEqual(['RegisterTaskDefinitionCommand']);
    expect(inputsOf(RegisterTaskDefinitionCommand)[0]).toMatchObject({ family: 'demo-dev', cpu: '512', memory: '1024', containerDefinitions: [{ name: 'web', image: PIPELINE_IMAGE }] });
    expect(ctx.records.get('services.taskDefinition.dev')).toMatchObject({ id: tdArn('dev', 4), image: PIPELINE_IMAGE });
    expect(outcomes(ctx)).toMatchObject({ 'services.taskDefinition.dev': 'updated', 'services.service.dev': 'unchanged' });
  });

  it('a re-run finds the registered revision waiting for its deployment, and registers none again', async () => {
    awsHasSecurityGroups();
    awsHasServices({ dev: cdService('dev', { taskDefinition: tdArn('dev', 3) }), prod: cdService('prod') });
    const pending = { ...taskDefinition('dev', 4, { cpu: '512', memory: '1024' }, PIPELINE_IMAGE) };
    awsHasTaskDefinitions([taskDefinition('dev', 3, {}, PIPELINE_IMAGE), pending, taskDefinition('prod', 1)]);
    const config = { ...BLUE_GREEN, environments: [{ name: 'dev', path: '/dev', cpu: 512, memory: 1024 }, { name: 'prod', cpu: 512, memory: 1024 }] };
    const ctx = testContext('services', { state: { ...BG_STATE, ...bgEnvState('dev', 4, PIPELINE_IMAGE) }, config });
    await services.reconcile(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(ctx.records.get('services.taskDefinition.dev')?.id).toBe(tdArn('dev', 4));
  });

  it('a recorded revision with another image than the running one is not pending: the running one is the truth', async () => {
    awsHasSecurityGroups();
    awsHasServices({ dev: cdService('dev', { taskDefinition: tdArn('dev', 3) }), prod: cdService('prod') });
    awsHasTaskDefinitions([taskDefinition('dev', 3, {}, PIPELINE_IMAGE), taskDefinition('dev', 2), taskDefinition('prod', 1)]);
    const ctx = testContext('services', { state: { ...BG_STATE, ...bgEnvState('dev', 2) }, config: BLUE_GREEN });
    await services.reconcile(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(ctx.records.get('services.taskDefinition.dev')).toMatchObject({ id: tdArn('dev', 3), image: PIPELINE_IMAGE });
  });

  it('scales with UpdateService (desired count only); network and load balancers are said, not changed', async () => {
    awsHasSecurityGroups();
    awsHasServices({
      dev: cdService('dev', { desiredCount: 2, runningCount: 2 }),
      prod: cdService('prod', { loadBalancers: [{ targetGroupArn: targetGroup('dev'), containerName: 'web', containerPort: 80 }] }),
    });
    awsHasTaskDefinitions(ENVS.map((env) => taskDefinition(env, 1)));
    ecs.on(UpdateServiceCommand).resolves({});
    const ctx = testContext('services', { state: BG_STATE, config: BLUE_GREEN });
    const warnings: string[] = [];
    ctx.log.warn = ((_: unknown, msg: string) => void warnings.push(msg)) as typeof ctx.log.warn;
    await services.reconcile(ctx);
    expect(inputsOf(UpdateServiceCommand)).toEqual([{ cluster: 'demo', service: 'demo-dev', desiredCount: 1 }]);
    expect(warnings).toEqual([expect.stringContaining('ECS service demo-prod differs from the config in loadBalancers, which a CODE_DEPLOY service only takes when it is created')]);
  });
});

describe('services step: preflight (the deployment controller)', () => {
  it('refuses blue-green on services the state records as rolling, naming them and the way out, with no AWS call', async () => {
    const ctx = testContext('services', { state: FULL_STATE, config: { deploy: { strategy: 'blue-green' } } });
    const error = await services.preflight!(ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(
      'deploy.strategy is "blue-green", but the ECS services demo-dev, demo-prod (environments dev, prod) run with the ECS deployment controller ("rolling"), ' +
        "and ECS cannot change a service's deployment controller in place. Nothing was changed.",
    );
    expect((error as ConfigError).hint).toContain('either set deploy.strategy back to "rolling", or rebuild the stack with "blue-green"');
    expect(calls()).toEqual([]);
  });

  it('asks AWS about what the state does not say (a lost or older state file), and refuses rolling on CODE_DEPLOY services', async () => {
    awsHasServices({ prod: service('prod', { deploymentController: { type: 'CODE_DEPLOY' } }) });
    const ctx = testContext('services', { state: DEPS_STATE });
    const error = await services.preflight!(ctx).catch((e: unknown) => e);
    expect((error as Error).message).toContain('deploy.strategy is "rolling", but the ECS service demo-prod (environment prod) runs with the CODE_DEPLOY deployment controller ("blue-green")');
    expect(inputsOf(DescribeServicesCommand)).toEqual([{ cluster: 'demo', services: ['demo-dev', 'demo-prod'], include: ['TAGS'] }]);
    expect(mutatingCommands()).toEqual([]);
  });

  it('an older state file: the next provision records each service\'s controller, so later checks need no AWS call', async () => {
    awsHasEverything();
    const older = { ...FULL_STATE, 'services.service.dev': { id: serviceArn('dev'), name: 'demo-dev' } };
    const ctx = testContext('services', { state: older });
    await services.reconcile(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(ctx.records.get('services.service.dev')).toEqual({ id: serviceArn('dev'), name: 'demo-dev', controller: 'ECS' });
  });

  it('lets a matching stack, a new stack and a same-named service of someone else through (reconcile refuses the latter)', async () => {
    await expect(services.preflight!(testContext('services', { state: FULL_STATE }))).resolves.toBeUndefined();
    expect(calls()).toEqual([]);
    awsHasServices({ dev: service('dev', { deploymentController: { type: 'CODE_DEPLOY' }, tags: [] }) });
    await expect(services.preflight!(testContext('services', { state: DEPS_STATE }))).resolves.toBeUndefined();
  });
});
