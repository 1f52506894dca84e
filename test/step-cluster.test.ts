// Unit tests of the cluster step against stubbed ECS, IAM and CloudWatch Logs clients: the ECS
// cluster, the task execution role (trust policy, managed policy) and a log group per environment.
// Every call the test does not stub fails loudly (the catch-all is registered first).
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  DeleteLogGroupCommand,
  DescribeLogGroupsCommand,
  ListTagsForResourceCommand,
  PutRetentionPolicyCommand,
  type LogGroup,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  ClusterContainsServicesException,
  CreateClusterCommand,
  DeleteClusterCommand,
  DescribeClustersCommand,
  UpdateClusterSettingsCommand,
  ECSClient,
  type Cluster,
} from '@aws-sdk/client-ecs';
import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  ListRolesCommand,
  NoSuchEntityException,
  UpdateAssumeRolePolicyCommand,
  type CreateRoleCommandInput,
  type Role,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { KNOWN_AFTER_APPLY } from '../src/step';
import { cluster } from '../steps/cluster';
import { ForeignResourceError } from '../src/errors';
import { trustPolicy } from '../src/policies';
import { listedRoles } from './helpers/roles';
import { strictMocks } from './helpers/strict-mocks';
import { testContext, type TestContext } from './helpers/context';

const ecs = mockClient(ECSClient);
const iam = mockClient(IAMClient);
const logs = mockClient(CloudWatchLogsClient);

// ---- what AWS would report ---------------------------------------------------------------------

const ACCOUNT = '123456789012';
const CLUSTER_ARN = `arn:aws:ecs:eu-west-3:${ACCOUNT}:cluster/demo`;
const ROLE_NAME = 'demo-task-execution';
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/shipline/${ROLE_NAME}`;
const EXECUTION_POLICY = 'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy';
const TRUST = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }],
};
const ENVS = ['dev', 'prod'];
const groupName = (env: string) => `/shipline/demo/${env}`;
const groupArn = (env: string) => `arn:aws:logs:eu-west-3:${ACCOUNT}:log-group:${groupName(env)}`;

const tagList = (name: string) => [
  { Key: 'shipline:stack', Value: 'demo' },
  { Key: 'shipline:step', Value: 'cluster' },
  { Key: 'Name', Value: name },
];
const ecsTags = (name: string) => tagList(name).map((t) => ({ key: t.Key, value: t.Value }));
const tagRecord = (name: string) => Object.fromEntries(tagList(name).map((t) => [t.Key, t.Value]));

const noSuchRole = () => new NoSuchEntityException({ message: `The role with name ${ROLE_NAME} cannot be found.`, $metadata: {} });

const activeCluster = (overrides: Partial<Cluster> = {}): Cluster => ({
  clusterArn: CLUSTER_ARN,
  clusterName: 'demo',
  status: 'ACTIVE',
  tags: ecsTags('demo'),
  ...overrides,
});

const role = (overrides: Partial<Role> = {}): Role => ({
  RoleName: ROLE_NAME,
  RoleId: 'AROAEXAMPLE',
  Arn: ROLE_ARN,
  Path: '/shipline/',
  CreateDate: new Date(0),
  // IAM hands policy documents back URL-encoded.
  AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(TRUST)),
  Tags: tagList(ROLE_NAME),
  ...overrides,
});

const logGroup = (env: string, overrides: Partial<LogGroup> = {}): LogGroup => ({
  logGroupName: groupName(env),
  arn: `${groupArn(env)}:*`,
  logGroupArn: groupArn(env),
  retentionInDays: 14,
  ...overrides,
});

const FULL_STATE = {
  'cluster.cluster': { id: 'demo', arn: CLUSTER_ARN },
  'cluster.executionRole': { id: ROLE_NAME, arn: ROLE_ARN },
  'cluster.logGroup.dev': { id: groupName('dev'), arn: groupArn('dev') },
  'cluster.logGroup.prod': { id: groupName('prod'), arn: groupArn('prod') },
};

// ---- stubbed AWS worlds ------------------------------------------------------------------------

function awsHasNothing(): void {
  ecs.on(DescribeClustersCommand).resolves({ clusters: [], failures: [{ arn: CLUSTER_ARN, reason: 'MISSING' }] });
  ecs.on(CreateClusterCommand).resolves({ cluster: activeCluster() });
  iam.on(ListRolesCommand).resolves(listedRoles());
  iam.on(GetRoleCommand).rejects(noSuchRole());
  iam.on(CreateRoleCommand).callsFake((input: CreateRoleCommandInput) => ({
    Role: role({ AssumeRolePolicyDocument: encodeURIComponent(input.AssumeRolePolicyDocument!), Tags: input.Tags }),
  }));
  iam.on(AttachRolePolicyCommand).resolves({});
  logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [] });
  logs.on(CreateLogGroupCommand).resolves({});
  logs.on(PutRetentionPolicyCommand).resolves({});
}

interface World {
  cluster: Cluster;
  role: Role;
  managed: string[];
  inline: Record<string, unknown>;
  groups: LogGroup[];
}

function awsHasCluster(drift: Partial<World> = {}): void {
  const world: World = { cluster: activeCluster(), role: role(), managed: [EXECUTION_POLICY], inline: {}, groups: ENVS.map((e) => logGroup(e)), ...drift };
  ecs.on(DescribeClustersCommand).resolves({ clusters: [world.cluster], failures: [] });
  iam.on(ListRolesCommand).resolves(listedRoles(world.role));
  iam.on(GetRoleCommand).resolves({ Role: world.role });
  iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: world.managed.map((PolicyArn) => ({ PolicyArn, PolicyName: PolicyArn.split('/').pop() })) });
  iam.on(ListRolePoliciesCommand).resolves({ PolicyNames: Object.keys(world.inline) });
  for (const [PolicyName, doc] of Object.entries(world.inline)) {
    iam.on(GetRolePolicyCommand, { PolicyName }).resolves({ RoleName: ROLE_NAME, PolicyName, PolicyDocument: encodeURIComponent(JSON.stringify(doc)) });
  }
  logs.on(DescribeLogGroupsCommand).resolves({ logGroups: world.groups });
  for (const env of ENVS) logs.on(ListTagsForResourceCommand, { resourceArn: groupArn(env) }).resolves({ tags: tagRecord(groupName(env)) });
}

function awsDeletesEverything(): void {
  logs.on(DeleteLogGroupCommand).resolves({});
  iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [{ PolicyArn: EXECUTION_POLICY }] });
  iam.on(DetachRolePolicyCommand).resolves({});
  iam.on(ListRolePoliciesCommand).resolves({ PolicyNames: [] });
  iam.on(DeleteRoleCommand).resolves({});
  ecs.on(DeleteClusterCommand).resolves({ cluster: activeCluster({ status: 'INACTIVE' }) });
}

// ---- reading what happened -----------------------------------------------------------------------

const { calls, mutatingCommands } = strictMocks(ecs, iam, logs);
const outcomes = (ctx: TestContext) => Object.fromEntries(ctx.outcomes.map((o) => [o.resource, o.outcome]));

describe('cluster step: create from nothing', () => {
  let ctx: TestContext;

  beforeEach(async () => {
    awsHasNothing();
    ctx = testContext('cluster');
    await cluster.reconcile(ctx);
  });

  it('creates the cluster named after the stack, tagged', () => {
    expect(ecs).toHaveReceivedCommandTimes(CreateClusterCommand, 1);
    // Container Insights given even when off: the account's default might turn it on.
    expect(ecs).toHaveReceivedCommandWith(CreateClusterCommand, { clusterName: 'demo', settings: [{ name: 'containerInsights', value: 'disabled' }], tags: ecsTags('demo') });
  });

  it('creates the task execution role under /shipline/, trusted by ECS tasks only, tagged', () => {
    expect(iam).toHaveReceivedCommandTimes(CreateRoleCommand, 1);
    expect(iam).toHaveReceivedCommandWith(CreateRoleCommand, { RoleName: ROLE_NAME, Path: '/shipline/', Tags: tagList(ROLE_NAME) });
    const input = iam.commandCalls(CreateRoleCommand)[0]!.args[0].input;
    expect(JSON.parse(input.AssumeRolePolicyDocument!)).toEqual(TRUST);
  });

  it('attaches AmazonECSTaskExecutionRolePolicy and nothing else; no trust policy rewrite', () => {
    expect(iam).toHaveReceivedCommandTimes(AttachRolePolicyCommand, 1);
    expect(iam).toHaveReceivedCommandWith(AttachRolePolicyCommand, { RoleName: ROLE_NAME, PolicyArn: EXECUTION_POLICY });
    expect(iam).not.toHaveReceivedCommand(UpdateAssumeRolePolicyCommand);
  });

  it('creates one tagged log group per environment, with the configured retention, from one listing', () => {
    expect(logs).toHaveReceivedCommandTimes(DescribeLogGroupsCommand, 1);
    expect(logs).toHaveReceivedCommandWith(DescribeLogGroupsCommand, { logGroupNamePrefix: '/shipline/demo/' });
    for (const env of ENVS) {
      expect(logs).toHaveReceivedCommandWith(CreateLogGroupCommand, { logGroupName: groupName(env), tags: tagRecord(groupName(env)) });
      expect(logs).toHaveReceivedCommandWith(PutRetentionPolicyCommand, { logGroupName: groupName(env), retentionInDays: 14 });
    }
    expect(logs).toHaveReceivedCommandTimes(CreateLogGroupCommand, 2);
  });

  it('records every resource with its ARN and reports it created', () => {
    expect(Object.fromEntries(ctx.records)).toEqual(FULL_STATE);
    expect(outcomes(ctx)).toEqual(Object.fromEntries(Object.keys(FULL_STATE).map((k) => [k, 'created'])));
  });
});

describe('trust policies', () => {
  it('name one service principal as a string, several as a list', () => {
    expect(trustPolicy('ecs-tasks.amazonaws.com')).toEqual(TRUST);
    expect(trustPolicy(['codebuild.amazonaws.com', 'codepipeline.amazonaws.com']).Statement).toEqual([
      { Effect: 'Allow', Principal: { Service: ['codebuild.amazonaws.com', 'codepipeline.amazonaws.com'] }, Action: 'sts:AssumeRole' },
    ]);
  });
});

describe('cluster step: re-run', () => {
  it('makes no mutating call and reports everything unchanged when AWS matches', async () => {
    awsHasCluster();
    const ctx = testContext('cluster', { state: FULL_STATE });
    await cluster.reconcile(ctx);
    expect(mutatingCommands()).toEqual([]);
    // The role and the log groups come from the run's listings; the role's policies are read directly.
    expect(calls()).toEqual([
      'DescribeClustersCommand',
      'ListRolesCommand',
      'ListAttachedRolePoliciesCommand',
      'ListRolePoliciesCommand',
      'DescribeLogGroupsCommand',
    ]);
    expect(iam).toHaveReceivedCommandWith(ListRolesCommand, { PathPrefix: '/shipline/', MaxItems: 1000 });
    expect(logs).toHaveReceivedCommandWith(DescribeLogGroupsCommand, { logGroupNamePrefix: '/shipline/demo/' });
    expect(new Set(ctx.outcomes.map((o) => o.outcome))).toEqual(new Set(['unchanged']));
    expect(Object.fromEntries(ctx.records)).toEqual(FULL_STATE);
  });

  it('puts the retention back when it drifted, and reports that log group updated', async () => {
    awsHasCluster({ groups: [logGroup('dev', { retentionInDays: 7 }), logGroup('prod')] });
    logs.on(PutRetentionPolicyCommand).resolves({});
    const ctx = testContext('cluster', { state: FULL_STATE });
    await cluster.reconcile(ctx);
    // The run's listing shows the drift; the step reads the groups again before it changes one.
    expect(calls().filter((c) => c.startsWith('DescribeLogGroups') || c.startsWith('PutRetention'))).toEqual([
      'DescribeLogGroupsCommand',
      'DescribeLogGroupsCommand',
      'PutRetentionPolicyCommand',
    ]);
    expect(mutatingCommands()).toEqual(['PutRetentionPolicyCommand']);
    expect(logs).toHaveReceivedCommandWith(PutRetentionPolicyCommand, { logGroupName: groupName('dev'), retentionInDays: 14 });
    expect(ctx.outcomes.find((o) => o.resource === 'cluster.logGroup.dev')).toMatchObject({ outcome: 'updated', changes: ['retention'] });
  });

  it('follows services.logRetentionDays', async () => {
    awsHasCluster();
    logs.on(PutRetentionPolicyCommand).resolves({});
    const ctx = testContext('cluster', { state: FULL_STATE, config: { services: { logRetentionDays: 30 } } });
    await cluster.reconcile(ctx);
    expect(logs).toHaveReceivedCommandTimes(PutRetentionPolicyCommand, 2);
    expect(logs).toHaveReceivedCommandWith(PutRetentionPolicyCommand, { logGroupName: groupName('prod'), retentionInDays: 30 });
  });

  it('repairs the role: trust policy, a detached managed policy, an extra one and a stray inline policy', async () => {
    const other = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
    awsHasCluster({
      role: role({ AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(other)) }),
      managed: ['arn:aws:iam::aws:policy/AdministratorAccess'],
      inline: { extra: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] } },
    });
    iam.on(UpdateAssumeRolePolicyCommand).resolves({});
    iam.on(AttachRolePolicyCommand).resolves({});
    iam.on(DetachRolePolicyCommand).resolves({});
    iam.on(DeleteRolePolicyCommand).resolves({});
    const ctx = testContext('cluster', { state: FULL_STATE });
    await cluster.reconcile(ctx);
    // The listing shows another trust policy: GetRole confirms it before the update.
    const roleCalls = ['ListRolesCommand', 'GetRoleCommand', 'UpdateAssumeRolePolicyCommand'];
    expect(calls().filter((c) => roleCalls.includes(c))).toEqual(roleCalls);
    const input = iam.commandCalls(UpdateAssumeRolePolicyCommand)[0]!.args[0].input;
    expect(input.RoleName).toBe(ROLE_NAME);
    expect(JSON.parse(input.PolicyDocument!)).toEqual(TRUST);
    expect(iam).toHaveReceivedCommandWith(AttachRolePolicyCommand, { RoleName: ROLE_NAME, PolicyArn: EXECUTION_POLICY });
    expect(iam).toHaveReceivedCommandWith(DetachRolePolicyCommand, { RoleName: ROLE_NAME, PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' });
    expect(iam).toHaveReceivedCommandWith(DeleteRolePolicyCommand, { RoleName: ROLE_NAME, PolicyName: 'extra' });
    expect(ctx.outcomes.find((o) => o.resource === 'cluster.executionRole')).toMatchObject({
      outcome: 'updated',
      changes: ['trust policy', 'managed policies', 'inline policy extra'],
    });
  });

  it('reads a trust policy that says the same thing differently (key order, a one-element list) as unchanged', async () => {
    const same = { Statement: [{ Action: ['sts:AssumeRole'], Principal: { Service: ['ecs-tasks.amazonaws.com'] }, Effect: 'Allow' }], Version: '2012-10-17' };
    awsHasCluster({ role: role({ AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(same)) }) });
    const ctx = testContext('cluster', { state: FULL_STATE });
    await cluster.reconcile(ctx);
    expect(mutatingCommands()).toEqual([]);
  });

  it('turns Container Insights on (or back off) with UpdateClusterSettings when the cluster differs from services.containerInsights', async () => {
    awsHasCluster({ cluster: activeCluster({ settings: [{ name: 'containerInsights', value: 'disabled' }] }) });
    ecs.on(UpdateClusterSettingsCommand).resolves({});
    const ctx = testContext('cluster', { state: FULL_STATE, config: { services: { containerInsights: true } } });
    await cluster.reconcile(ctx);
    expect(mutatingCommands()).toEqual(['UpdateClusterSettingsCommand']);
    expect(ecs).toHaveReceivedCommandWith(UpdateClusterSettingsCommand, { cluster: 'demo', settings: [{ name: 'containerInsights', value: 'enabled' }] });

    // `enhanced` (set by hand) is more than `true` asks for, and costs more: back to the config's.
    ecs.reset();
    ecs.onAnyCommand().rejects(new Error('unexpected call'));
    awsHasCluster({ cluster: activeCluster({ settings: [{ name: 'containerInsights', value: 'enhanced' }] }) });
    ecs.on(UpdateClusterSettingsCommand).resolves({});
    await cluster.reconcile(testContext('cluster', { state: FULL_STATE }));
    expect(ecs).toHaveReceivedCommandWith(UpdateClusterSettingsCommand, { cluster: 'demo', settings: [{ name: 'containerInsights', value: 'disabled' }] });
  });

  it('adopts what it finds by name when it carries the stack tag, with no create', async () => {
    awsHasCluster();
    const ctx = testContext('cluster');
    await cluster.reconcile(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(ecs).toHaveReceivedCommandWith(DescribeClustersCommand, { clusters: ['demo'], include: ['TAGS', 'SETTINGS'] });
    expect(iam).toHaveReceivedCommandWith(GetRoleCommand, { RoleName: ROLE_NAME });
    expect(logs).toHaveReceivedCommandWith(ListTagsForResourceCommand, { resourceArn: groupArn('dev') });
    expect(new Set(ctx.outcomes.map((o) => o.outcome))).toEqual(new Set(['adopted']));
    expect(Object.fromEntries(ctx.records)).toEqual(FULL_STATE);
  });

  it('treats an INACTIVE cluster as gone and creates a new one', async () => {
    awsHasCluster({ cluster: activeCluster({ status: 'INACTIVE' }) });
    ecs.on(CreateClusterCommand).resolves({ cluster: activeCluster() });
    const ctx = testContext('cluster', { state: FULL_STATE });
    await cluster.reconcile(ctx);
    expect(mutatingCommands()).toEqual(['CreateClusterCommand']);
    expect(outcomes(ctx)['cluster.cluster']).toBe('created');
  });

  it('refuses a same-named cluster without the stack tag, and creates nothing', async () => {
    awsHasCluster({ cluster: activeCluster({ tags: [{ key: 'team', value: 'someone-else' }] }) });
    const error = await cluster.reconcile(testContext('cluster')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ForeignResourceError);
    expect((error as Error).message).toContain('ECS cluster demo');
    expect((error as Error).message).toContain('will not touch it');
    expect(mutatingCommands()).toEqual([]);
  });

  it('refuses a same-named role without the stack tag', async () => {
    awsHasCluster({ role: role({ Tags: [] }) });
    const error = await cluster.reconcile(testContext('cluster', { state: { 'cluster.cluster': FULL_STATE['cluster.cluster'] } })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ForeignResourceError);
    expect((error as Error).message).toContain(ROLE_NAME);
    expect(mutatingCommands()).toEqual([]);
  });

  it("refuses a same-named log group without the stack tag", async () => {
    awsHasCluster();
    logs.on(ListTagsForResourceCommand, { resourceArn: groupArn('dev') }).resolves({ tags: {} });
    const state = { ...FULL_STATE } as Record<string, { id: string; arn: string }>;
    delete state['cluster.logGroup.dev'];
    const error = await cluster.reconcile(testContext('cluster', { state })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ForeignResourceError);
    expect((error as Error).message).toContain(groupName('dev'));
    expect(mutatingCommands()).toEqual([]);
  });
});

describe('cluster step: reads shared by the run', () => {
  const OTHER_TRUST = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
  const drifted = () => role({ AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(OTHER_TRUST)) });

  it('reads a role the listing lacks with GetRole, and finds it unchanged', async () => {
    awsHasCluster();
    iam.on(ListRolesCommand).resolves(listedRoles());
    const ctx = testContext('cluster', { state: FULL_STATE });
    await cluster.reconcile(ctx);
    expect(iam).toHaveReceivedCommandWith(GetRoleCommand, { RoleName: ROLE_NAME });
    expect(mutatingCommands()).toEqual([]);
    expect(outcomes(ctx)['cluster.executionRole']).toBe('unchanged');
  });

  it('recreates a role gone from the listing and from GetRole', async () => {
    awsHasCluster();
    iam.on(ListRolesCommand).resolves(listedRoles());
    iam.on(GetRoleCommand).rejects(noSuchRole());
    iam.on(CreateRoleCommand).resolves({ Role: role() });
    iam.on(AttachRolePolicyCommand).resolves({});
    const ctx = testContext('cluster', { state: FULL_STATE });
    await cluster.reconcile(ctx);
    expect(mutatingCommands()).toEqual(['CreateRoleCommand', 'AttachRolePolicyCommand']);
    expect(outcomes(ctx)['cluster.executionRole']).toBe('created');
  });

  it('decides on GetRole, not on the listing: a trust policy the listing shows drifted but GetRole shows right is left alone', async () => {
    awsHasCluster();
    iam.on(ListRolesCommand).resolves(listedRoles(drifted()));
    const ctx = testContext('cluster', { state: FULL_STATE });
    await cluster.reconcile(ctx);
    expect(iam).toHaveReceivedCommandTimes(GetRoleCommand, 1);
    expect(mutatingCommands()).toEqual([]);
    expect(outcomes(ctx)['cluster.executionRole']).toBe('unchanged');
  });

  it('still finds a policy attached by hand to a role the listing confirms', async () => {
    awsHasCluster({ managed: [EXECUTION_POLICY, 'arn:aws:iam::aws:policy/AdministratorAccess'] });
    iam.on(DetachRolePolicyCommand).resolves({});
    const ctx = testContext('cluster', { state: FULL_STATE });
    await cluster.reconcile(ctx);
    expect(iam).not.toHaveReceivedCommand(GetRoleCommand);
    expect(mutatingCommands()).toEqual(['DetachRolePolicyCommand']);
    expect(iam).toHaveReceivedCommandWith(DetachRolePolicyCommand, { RoleName: ROLE_NAME, PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' });
  });

  it('follows the listing over its pages', async () => {
    awsHasCluster();
    const other = role({ RoleName: 'other-stack-codebuild', Arn: `arn:aws:iam::${ACCOUNT}:role/shipline/other-stack-codebuild` });
    // The inputs as sent (the SDK's paginator reuses one input object from page to page).
    const sent: unknown[] = [];
    iam.on(ListRolesCommand).callsFake((input: { Marker?: string }) => {
      sent.push({ ...input });
      return input.Marker === 'page-2' ? listedRoles(role()) : { ...listedRoles(other), IsTruncated: true, Marker: 'page-2' };
    });
    const ctx = testContext('cluster', { state: FULL_STATE });
    await cluster.reconcile(ctx);
    expect(iam).toHaveReceivedCommandTimes(ListRolesCommand, 2);
    expect(sent).toEqual([
      { PathPrefix: '/shipline/', MaxItems: 1000 },
      { PathPrefix: '/shipline/', MaxItems: 1000, Marker: 'page-2' },
    ]);
    expect(iam).not.toHaveReceivedCommand(GetRoleCommand);
  });

  it('reads a log group the listing lacks directly, and finds it unchanged', async () => {
    awsHasCluster();
    logs.on(DescribeLogGroupsCommand).resolvesOnce({ logGroups: [logGroup('prod')] }).resolves({ logGroups: ENVS.map((e) => logGroup(e)) });
    const ctx = testContext('cluster', { state: FULL_STATE });
    await cluster.reconcile(ctx);
    expect(logs).toHaveReceivedCommandTimes(DescribeLogGroupsCommand, 2);
    expect(mutatingCommands()).toEqual([]);
    expect(outcomes(ctx)['cluster.logGroup.dev']).toBe('unchanged');
  });

  it('decides on the direct read, not on the listing: a retention the listing shows drifted but AWS has right is left alone', async () => {
    awsHasCluster();
    logs
      .on(DescribeLogGroupsCommand)
      .resolvesOnce({ logGroups: [logGroup('dev', { retentionInDays: 7 }), logGroup('prod')] })
      .resolves({ logGroups: ENVS.map((e) => logGroup(e)) });
    const ctx = testContext('cluster', { state: FULL_STATE });
    await cluster.reconcile(ctx);
    expect(logs).toHaveReceivedCommandTimes(DescribeLogGroupsCommand, 2);
    expect(mutatingCommands()).toEqual([]);
  });

  it('lists roles and log groups once per run: a later step of the run reuses them', async () => {
    awsHasCluster();
    const first = testContext('cluster', { state: FULL_STATE });
    await cluster.reconcile(first);
    const second: TestContext = { ...testContext('cluster', { state: FULL_STATE }), shared: first.shared };
    await cluster.reconcile(second);
    expect(iam).toHaveReceivedCommandTimes(ListRolesCommand, 1);
    expect(logs).toHaveReceivedCommandTimes(DescribeLogGroupsCommand, 1);
    expect(iam).not.toHaveReceivedCommand(GetRoleCommand);
  });
});

describe('cluster step: environments', () => {
  it('deletes the log group of an environment gone from the config, and nothing else', async () => {
    awsHasCluster({ groups: [...ENVS.map((e) => logGroup(e)), logGroup('staging')] });
    logs.on(ListTagsForResourceCommand, { resourceArn: groupArn('staging') }).resolves({ tags: tagRecord(groupName('staging')) });
    logs.on(DeleteLogGroupCommand).resolves({});
    const state = { ...FULL_STATE, 'cluster.logGroup.staging': { id: groupName('staging'), arn: groupArn('staging') } };
    const ctx = testContext('cluster', { state });
    await cluster.reconcile(ctx);
    expect(mutatingCommands()).toEqual(['DeleteLogGroupCommand']);
    expect(logs).toHaveReceivedCommandWith(DeleteLogGroupCommand, { logGroupName: groupName('staging') });
    expect(Object.fromEntries(ctx.records)).toEqual(FULL_STATE);
    expect(outcomes(ctx)['cluster.logGroup.staging']).toBe('deleted');
  });

  it('creates the log group of a new environment', async () => {
    awsHasCluster();
    logs.on(CreateLogGroupCommand).resolves({});
    logs.on(PutRetentionPolicyCommand).resolves({});
    const ctx = testContext('cluster', {
      state: FULL_STATE,
      config: { environments: [{ name: 'dev', path: '/dev' }, { name: 'qa', path: '/qa' }, { name: 'prod' }] },
    });
    await cluster.reconcile(ctx);
    expect(mutatingCommands()).toEqual(['CreateLogGroupCommand', 'PutRetentionPolicyCommand']);
    expect(logs).toHaveReceivedCommandWith(CreateLogGroupCommand, { logGroupName: groupName('qa') });
    expect(ctx.records.get('cluster.logGroup.qa')).toEqual({ id: groupName('qa'), arn: groupArn('qa') });
  });
});

describe('cluster step: dry run', () => {
  it('on an empty account makes no mutating call and plans everything as created', async () => {
    awsHasNothing();
    const ctx = testContext('cluster', { dryRun: true });
    await cluster.reconcile(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(ctx.outcomes.map((o) => o.resource).sort()).toEqual(Object.keys(FULL_STATE).sort());
    for (const o of ctx.outcomes) expect(o).toMatchObject({ outcome: 'created', id: KNOWN_AFTER_APPLY });
    expect(ctx.records.size).toBe(0);
  });

  it('with drift reports the update without making it', async () => {
    awsHasCluster({ groups: [logGroup('dev', { retentionInDays: 7 }), logGroup('prod')], managed: [] });
    const ctx = testContext('cluster', { state: FULL_STATE, dryRun: true });
    await cluster.reconcile(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(outcomes(ctx)).toMatchObject({ 'cluster.logGroup.dev': 'updated', 'cluster.executionRole': 'updated', 'cluster.cluster': 'unchanged' });
  });
});

describe('cluster step: destroy', () => {
  it('deletes the log groups, then the role (policies first), then the cluster; forgets each', async () => {
    awsHasCluster();
    awsDeletesEverything();
    const ctx = testContext('cluster', { state: FULL_STATE });
    await cluster.destroy(ctx);
    // Each delete comes after a read of its tags (the groups: one listing, then each one's tags).
    expect(calls()).toEqual([
      'DescribeLogGroupsCommand',
      'ListTagsForResourceCommand',
      'DeleteLogGroupCommand',
      'ListTagsForResourceCommand',
      'DeleteLogGroupCommand',
      'GetRoleCommand',
      'ListAttachedRolePoliciesCommand',
      'DetachRolePolicyCommand',
      'ListRolePoliciesCommand',
      'DeleteRoleCommand',
      'DescribeClustersCommand',
      'DeleteClusterCommand',
    ]);
    for (const env of ENVS) expect(logs).toHaveReceivedCommandWith(DeleteLogGroupCommand, { logGroupName: groupName(env) });
    expect(iam).toHaveReceivedCommandWith(DetachRolePolicyCommand, { RoleName: ROLE_NAME, PolicyArn: EXECUTION_POLICY });
    expect(iam).toHaveReceivedCommandWith(DeleteRoleCommand, { RoleName: ROLE_NAME });
    expect(ecs).toHaveReceivedCommandWith(DeleteClusterCommand, { cluster: 'demo' });
    expect(ctx.records.size).toBe(0);
    expect(new Set(ctx.outcomes.map((o) => o.outcome))).toEqual(new Set(['deleted']));
  });

  it('retries the cluster delete while a deleted service still drains', async () => {
    awsHasCluster();
    awsDeletesEverything();
    ecs
      .on(DeleteClusterCommand)
      .rejectsOnce(new ClusterContainsServicesException({ message: 'The Cluster cannot be deleted while Services are active.', $metadata: {} }))
      .resolves({});
    const ctx = testContext('cluster', { state: FULL_STATE });
    await cluster.destroy(ctx);
    expect(ecs).toHaveReceivedCommandTimes(DeleteClusterCommand, 2);
    expect(ctx.records.size).toBe(0);
  });

  it('takes what is already gone as done', async () => {
    logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [] });
    iam.on(GetRoleCommand).rejects(noSuchRole());
    ecs.on(DescribeClustersCommand).resolves({ clusters: [], failures: [{ arn: CLUSTER_ARN, reason: 'MISSING' }] });
    const ctx = testContext('cluster', { state: FULL_STATE });
    await cluster.destroy(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(ctx.records.size).toBe(0);
  });

  it('with a lost state deletes only what carries the stack tag', async () => {
    awsHasCluster({ cluster: activeCluster({ tags: [] }) });
    awsDeletesEverything();
    logs.on(ListTagsForResourceCommand, { resourceArn: groupArn('prod') }).resolves({ tags: { owner: 'someone-else' } });
    const ctx = testContext('cluster');
    await cluster.destroy(ctx);
    expect(logs).toHaveReceivedCommandTimes(DeleteLogGroupCommand, 1);
    expect(logs).toHaveReceivedCommandWith(DeleteLogGroupCommand, { logGroupName: groupName('dev') });
    expect(iam).toHaveReceivedCommandWith(DeleteRoleCommand, { RoleName: ROLE_NAME });
    expect(ecs).not.toHaveReceivedCommand(DeleteClusterCommand);
  });

  it('with nothing in state or in AWS calls no delete', async () => {
    awsHasNothing();
    const ctx = testContext('cluster');
    await cluster.destroy(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(ctx.outcomes).toEqual([]);
  });
});
