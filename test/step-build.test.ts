// Unit tests of the build step against stubbed CloudWatch Logs, IAM and CodeBuild clients: the
// build log group, the CodeBuild role with its least-privilege policy, and the project. Every call
// the test does not stub fails loudly (the catch-all is registered first).
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
  BatchGetProjectsCommand,
  CodeBuildClient,
  CreateProjectCommand,
  DeleteProjectCommand,
  InvalidInputException,
  UpdateProjectCommand,
  type CreateProjectCommandInput,
  type Project,
} from '@aws-sdk/client-codebuild';
import {
  CreateRoleCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  ListRolesCommand,
  NoSuchEntityException,
  PutRolePolicyCommand,
  type CreateRoleCommandInput,
  type Role,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { EngineError, ForeignResourceError } from '../src/errors';
import { codeBuildPolicy } from '../src/policies';
import { KNOWN_AFTER_APPLY } from '../src/step';
import { build } from '../steps/build';
import { MARK_BUILDSPEC } from '../steps/lib/live-tags';
import { CONTAINER_NAME } from '../steps/services';
import { listedRoles } from './helpers/roles';
import { strictMocks } from './helpers/strict-mocks';
import { testContext, type TestContext } from './helpers/context';

const logs = mockClient(CloudWatchLogsClient);
const iam = mockClient(IAMClient);
const codebuild = mockClient(CodeBuildClient);

// ---- what AWS would report ---------------------------------------------------------------------

const ACCOUNT = '123456789012';
const GROUP = '/shipline/demo/build';
/** Every log group of the stack, listed once per run for the steps that own one. */
const STACK_GROUPS = '/shipline/demo/';
const GROUP_ARN = `arn:aws:logs:eu-west-3:${ACCOUNT}:log-group:${GROUP}`;
const ROLE_NAME = 'demo-codebuild';
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/shipline/${ROLE_NAME}`;
const PROJECT = 'demo-build';
const arnOf = (name: string) => `arn:aws:codebuild:eu-west-3:${ACCOUNT}:project/${name}`;
const PROJECT_ARN = arnOf(PROJECT);
const MARK = 'demo-mark';
const MARK_ARN = arnOf(MARK);
const REPOSITORY_URI = `${ACCOUNT}.dkr.ecr.eu-west-3.amazonaws.com/demo`;
const REPOSITORY_ARN = `arn:aws:ecr:eu-west-3:${ACCOUNT}:repository/demo`;
const BUCKET = `demo-artifacts-${ACCOUNT}-eu-west-3`;
const BUCKET_ARN = `arn:aws:s3:::${BUCKET}`;
const TRUST = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'codebuild.amazonaws.com' }, Action: 'sts:AssumeRole' }],
};
const POLICY = codeBuildPolicy({ logGroupArn: GROUP_ARN, bucketArn: BUCKET_ARN, repositoryArn: REPOSITORY_ARN });

const tagList = (name: string) => [
  { Key: 'shipline:stack', Value: 'demo' },
  { Key: 'shipline:step', Value: 'build' },
  { Key: 'Name', Value: name },
];
const tagRecord = (name: string) => Object.fromEntries(tagList(name).map((t) => [t.Key, t.Value]));
const projectTags = () => tagList(PROJECT).map((t) => ({ key: t.Key, value: t.Value }));

/** What the earlier steps recorded. */
const DEPENDENCIES = {
  'repository.repository': { id: 'demo', uri: REPOSITORY_URI, arn: REPOSITORY_ARN },
  'artifacts.bucket': { id: BUCKET, arn: BUCKET_ARN },
};
const OWN_STATE = {
  'build.logGroup': { id: GROUP, arn: GROUP_ARN },
  'build.role': { id: ROLE_NAME, arn: ROLE_ARN },
  'build.project': { id: PROJECT, arn: PROJECT_ARN },
  'build.markProject': { id: MARK, arn: MARK_ARN },
};
const FULL_STATE = { ...DEPENDENCIES, ...OWN_STATE };

const EXPECTED_PROJECT: CreateProjectCommandInput = {
  name: PROJECT,
  source: { type: 'CODEPIPELINE' },
  artifacts: { type: 'CODEPIPELINE' },
  environment: {
    type: 'ARM_CONTAINER',
    image: 'aws/codebuild/amazonlinux-aarch64-standard:3.0',
    computeType: 'BUILD_GENERAL1_SMALL',
    privilegedMode: true,
    environmentVariables: [
      { name: 'ECR_REPOSITORY_URL', value: REPOSITORY_URI, type: 'PLAINTEXT' },
      { name: 'CONTAINER_NAME', value: 'web', type: 'PLAINTEXT' },
      { name: 'AWS_ACCOUNT_ID', value: ACCOUNT, type: 'PLAINTEXT' },
      { name: 'AWS_DEFAULT_REGION', value: 'eu-west-3', type: 'PLAINTEXT' },
    ],
  },
  serviceRole: ROLE_ARN,
  timeoutInMinutes: 30,
  cache: { type: 'LOCAL', modes: ['LOCAL_DOCKER_LAYER_CACHE'] },
  logsConfig: { cloudWatchLogs: { status: 'ENABLED', groupName: GROUP } },
  tags: projectTags(),
};

/** The mark project: shipline's own buildspec, no Docker, the tag from each action's MARK_TAG. */
const EXPECTED_MARK_PROJECT: CreateProjectCommandInput = {
  name: MARK,
  source: { type: 'CODEPIPELINE', buildspec: MARK_BUILDSPEC },
  artifacts: { type: 'CODEPIPELINE' },
  environment: {
    type: 'ARM_CONTAINER',
    image: 'aws/codebuild/amazonlinux-aarch64-standard:3.0',
    computeType: 'BUILD_GENERAL1_SMALL',
    privilegedMode: false,
    environmentVariables: [],
  },
  serviceRole: ROLE_ARN,
  timeoutInMinutes: 5,
  logsConfig: { cloudWatchLogs: { status: 'ENABLED', groupName: GROUP } },
  tags: tagList(MARK).map((t) => ({ key: t.Key, value: t.Value })),
};

const noSuchRole = () => new NoSuchEntityException({ message: `The role with name ${ROLE_NAME} cannot be found.`, $metadata: {} });
const notAssumable = () =>
  new InvalidInputException({ message: `CodeBuild is not authorized to perform: sts:AssumeRole on ${ROLE_ARN}`, $metadata: {} });

const role = (overrides: Partial<Role> = {}): Role => ({
  RoleName: ROLE_NAME,
  RoleId: 'AROAEXAMPLE',
  Arn: ROLE_ARN,
  Path: '/shipline/',
  CreateDate: new Date(0),
  AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(TRUST)),
  Tags: tagList(ROLE_NAME),
  ...overrides,
});

const logGroup = (overrides: Partial<LogGroup> = {}): LogGroup => ({
  logGroupName: GROUP,
  arn: `${GROUP_ARN}:*`,
  logGroupArn: GROUP_ARN,
  retentionInDays: 14,
  ...overrides,
});

/** The project as BatchGetProjects reports it, with the fields AWS adds. */
const project = (overrides: Partial<Project> = {}): Project => ({
  name: PROJECT,
  arn: PROJECT_ARN,
  source: { type: 'CODEPIPELINE', insecureSsl: false },
  artifacts: { type: 'CODEPIPELINE', name: PROJECT, packaging: 'NONE', encryptionDisabled: false },
  cache: { type: 'LOCAL', modes: ['LOCAL_DOCKER_LAYER_CACHE'] },
  environment: {
    ...EXPECTED_PROJECT.environment!,
    // AWS may list the variables in another order.
    environmentVariables: [...EXPECTED_PROJECT.environment!.environmentVariables!].reverse(),
    imagePullCredentialsType: 'CODEBUILD',
  },
  serviceRole: ROLE_ARN,
  timeoutInMinutes: 30,
  queuedTimeoutInMinutes: 480,
  encryptionKey: `arn:aws:kms:eu-west-3:${ACCOUNT}:alias/aws/s3`,
  tags: projectTags(),
  logsConfig: { cloudWatchLogs: { status: 'ENABLED', groupName: GROUP }, s3Logs: { status: 'DISABLED' } },
  ...overrides,
});

const markProject = (overrides: Partial<Project> = {}): Project => ({
  ...project(),
  name: MARK,
  arn: MARK_ARN,
  source: { type: 'CODEPIPELINE', buildspec: MARK_BUILDSPEC, insecureSsl: false },
  artifacts: { type: 'CODEPIPELINE', name: MARK, packaging: 'NONE', encryptionDisabled: false },
  cache: { type: 'NO_CACHE' },
  environment: { ...EXPECTED_MARK_PROJECT.environment!, imagePullCredentialsType: 'CODEBUILD' },
  timeoutInMinutes: 5,
  tags: EXPECTED_MARK_PROJECT.tags,
  ...overrides,
});

// ---- stubbed AWS worlds ------------------------------------------------------------------------

function awsHasNothing(): void {
  logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [] });
  logs.on(CreateLogGroupCommand).resolves({});
  logs.on(PutRetentionPolicyCommand).resolves({});
  iam.on(ListRolesCommand).resolves(listedRoles());
  iam.on(GetRoleCommand).rejects(noSuchRole());
  iam.on(CreateRoleCommand).callsFake((input: CreateRoleCommandInput) => ({
    Role: role({ AssumeRolePolicyDocument: encodeURIComponent(input.AssumeRolePolicyDocument!), Tags: input.Tags }),
  }));
  iam.on(PutRolePolicyCommand).resolves({});
  codebuild.on(BatchGetProjectsCommand).callsFake((input: { names: string[] }) => ({ projects: [], projectsNotFound: input.names }));
  codebuild.on(CreateProjectCommand).callsFake((input: CreateProjectCommandInput) => ({ project: project({ cache: { type: 'NO_CACHE' }, ...input, arn: arnOf(input.name!) }) }));
}

interface World {
  group: LogGroup;
  groupTags: Record<string, string>;
  role: Role;
  inline: Record<string, unknown>;
  project: Project;
  markProject: Project;
}

function awsHasBuild(drift: Partial<World> = {}): void {
  const world: World = { group: logGroup(), groupTags: tagRecord(GROUP), role: role(), inline: { build: POLICY }, project: project(), markProject: markProject(), ...drift };
  logs.on(DescribeLogGroupsCommand, { logGroupNamePrefix: STACK_GROUPS }).resolves({ logGroups: [logGroup({ logGroupName: '/shipline/demo/dev' }), world.group] });
  logs.on(DescribeLogGroupsCommand, { logGroupNamePrefix: GROUP }).resolves({ logGroups: [world.group] });
  logs.on(ListTagsForResourceCommand, { resourceArn: GROUP_ARN }).resolves({ tags: world.groupTags });
  iam.on(ListRolesCommand).resolves(listedRoles(world.role));
  iam.on(GetRoleCommand).resolves({ Role: world.role });
  iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [] });
  iam.on(ListRolePoliciesCommand).resolves({ PolicyNames: Object.keys(world.inline) });
  for (const [PolicyName, doc] of Object.entries(world.inline)) {
    iam.on(GetRolePolicyCommand, { PolicyName }).resolves({ RoleName: ROLE_NAME, PolicyName, PolicyDocument: encodeURIComponent(JSON.stringify(doc)) });
  }
  // Both projects are read in one call; destroy reads one by one.
  const projects: Record<string, Project> = { [PROJECT]: world.project, [MARK]: world.markProject };
  codebuild.on(BatchGetProjectsCommand).callsFake((input: { names: string[] }) => ({
    projects: input.names.flatMap((name) => (projects[name] ? [projects[name]] : [])),
    projectsNotFound: input.names.filter((name) => !projects[name]),
  }));
}

// ---- reading what happened -----------------------------------------------------------------------

const { calls, mutatingCommands } = strictMocks(logs, iam, codebuild);
const outcomes = (ctx: TestContext) => Object.fromEntries(ctx.outcomes.map((o) => [o.resource, o.outcome]));
const createdProject = () => codebuild.commandCalls(CreateProjectCommand)[0]!.args[0].input;

describe('build step: create from nothing', () => {
  let ctx: TestContext;

  beforeEach(async () => {
    awsHasNothing();
    ctx = testContext('build', { state: DEPENDENCIES });
    await build.reconcile(ctx);
  });

  it('creates the tagged log group, then sets its retention', () => {
    expect(logs).toHaveReceivedCommandWith(CreateLogGroupCommand, { logGroupName: GROUP, tags: tagRecord(GROUP) });
    expect(logs).toHaveReceivedCommandWith(PutRetentionPolicyCommand, { logGroupName: GROUP, retentionInDays: 14 });
  });

  it('creates the role under /shipline/, trusted by CodeBuild, with the least-privilege policy', () => {
    expect(iam).toHaveReceivedCommandWith(CreateRoleCommand, { RoleName: ROLE_NAME, Path: '/shipline/', Tags: tagList(ROLE_NAME) });
    expect(JSON.parse(iam.commandCalls(CreateRoleCommand)[0]!.args[0].input.AssumeRolePolicyDocument!)).toEqual(TRUST);
    expect(iam).toHaveReceivedCommandTimes(PutRolePolicyCommand, 1);
    const put = iam.commandCalls(PutRolePolicyCommand)[0]!.args[0].input;
    expect(put).toMatchObject({ RoleName: ROLE_NAME, PolicyName: 'build' });
    expect(JSON.parse(put.PolicyDocument!)).toEqual(POLICY);
  });

  it('creates the project and the mark project with exactly the declared settings', () => {
    expect(codebuild).toHaveReceivedCommandTimes(CreateProjectCommand, 2);
    const { description, ...input } = createdProject();
    expect(input).toEqual(EXPECTED_PROJECT);
    expect(description).toContain('buildspec.yml');
    const { description: markDescription, ...mark } = codebuild.commandCalls(CreateProjectCommand)[1]!.args[0].input;
    expect(mark).toEqual(EXPECTED_MARK_PROJECT);
    expect(markDescription).toContain('live-<env>');
  });

  it('names the container the services run in CONTAINER_NAME', () => {
    const vars = createdProject().environment!.environmentVariables!;
    expect(vars.find((v) => v.name === 'CONTAINER_NAME')?.value).toBe(CONTAINER_NAME);
  });

  it('makes the calls in order: log group, role, project', () => {
    expect(mutatingCommands()).toEqual(['CreateLogGroupCommand', 'PutRetentionPolicyCommand', 'CreateRoleCommand', 'PutRolePolicyCommand', 'CreateProjectCommand', 'CreateProjectCommand']);
  });

  it('records every resource with its ARN and reports it created', () => {
    expect(Object.fromEntries(ctx.records)).toEqual(FULL_STATE);
    expect(outcomes(ctx)).toEqual({ 'build.logGroup': 'created', 'build.role': 'created', 'build.project': 'created', 'build.markProject': 'created' });
  });
});

describe('build step: the project environment', () => {
  it('uses an x86 container for an x86 image, and the configured compute type and timeout', async () => {
    awsHasNothing();
    const ctx = testContext('build', {
      state: DEPENDENCIES,
      config: { services: { architecture: 'X86_64' }, build: { image: 'aws/codebuild/standard:7.0', computeType: 'BUILD_GENERAL1_MEDIUM', timeoutMinutes: 60 } },
    });
    await build.reconcile(ctx);
    expect(createdProject()).toMatchObject({
      environment: { type: 'LINUX_CONTAINER', image: 'aws/codebuild/standard:7.0', computeType: 'BUILD_GENERAL1_MEDIUM', privilegedMode: true },
      timeoutInMinutes: 60,
    });
  });

  it('builds on the services\' architecture: X86_64 without build.image gets the curated x86 image on LINUX_CONTAINER, the mark project too', async () => {
    awsHasNothing();
    const ctx = testContext('build', { state: DEPENDENCIES, config: { services: { architecture: 'X86_64' } } });
    await build.reconcile(ctx);
    const [project, mark] = codebuild.commandCalls(CreateProjectCommand).map((c) => c.args[0].input);
    const x86 = { type: 'LINUX_CONTAINER', image: 'aws/codebuild/amazonlinux-x86_64-standard:5.0' };
    expect(project!.environment).toMatchObject(x86);
    expect(mark!.environment).toMatchObject(x86);
  });
});

describe('build step: IAM propagation', () => {
  it('retries CreateProject while CodeBuild cannot assume the new role yet, and makes one project', async () => {
    awsHasNothing();
    codebuild
      .on(CreateProjectCommand)
      .rejectsOnce(notAssumable())
      .rejectsOnce(notAssumable())
      .callsFake((input: CreateProjectCommandInput) => ({ project: project({ cache: { type: 'NO_CACHE' }, ...input, arn: arnOf(input.name!) }) }));
    const ctx = testContext('build', { state: DEPENDENCIES });
    await build.reconcile(ctx);
    // Twice refused, then the project, then the mark project at once: the role is usable by then.
    expect(codebuild).toHaveReceivedCommandTimes(CreateProjectCommand, 4);
    expect(ctx.records.get('build.project')).toEqual({ id: PROJECT, arn: PROJECT_ARN });
    expect(outcomes(ctx)['build.project']).toBe('created');
    expect(ctx.activities.some((a) => a.includes(`IAM role ${ROLE_NAME} to be usable by CodeBuild`))).toBe(true);
  });

  it('fails at once on any other InvalidInputException', async () => {
    awsHasNothing();
    codebuild.on(CreateProjectCommand).rejects(new InvalidInputException({ message: 'Invalid compute type', $metadata: {} }));
    const ctx = testContext('build', { state: DEPENDENCIES });
    await expect(build.reconcile(ctx)).rejects.toThrow('Invalid compute type');
    expect(codebuild).toHaveReceivedCommandTimes(CreateProjectCommand, 1);
    expect(ctx.records.has('build.project')).toBe(false);
  });
});

describe('build step: re-run', () => {
  it('makes no mutating call and reports everything unchanged when AWS matches', async () => {
    awsHasBuild();
    const ctx = testContext('build', { state: FULL_STATE });
    await build.reconcile(ctx);
    expect(mutatingCommands()).toEqual([]);
    // The log group and the role come from the run's listings; the role's policies are read directly.
    expect(calls()).toEqual([
      'DescribeLogGroupsCommand',
      'ListRolesCommand',
      'ListAttachedRolePoliciesCommand',
      'ListRolePoliciesCommand',
      'GetRolePolicyCommand',
      'BatchGetProjectsCommand',
    ]);
    expect(codebuild).toHaveReceivedCommandWith(BatchGetProjectsCommand, { names: [PROJECT, MARK] });
    expect(logs).toHaveReceivedCommandWith(DescribeLogGroupsCommand, { logGroupNamePrefix: STACK_GROUPS });
    expect(iam).toHaveReceivedCommandWith(ListRolesCommand, { PathPrefix: '/shipline/', MaxItems: 1000 });
    expect(outcomes(ctx)).toEqual({ 'build.logGroup': 'unchanged', 'build.role': 'unchanged', 'build.project': 'unchanged', 'build.markProject': 'unchanged' });
    expect(Object.fromEntries(ctx.records)).toEqual(FULL_STATE);
  });

  it('puts a drifted project back with UpdateProject, keeping tags others added', async () => {
    awsHasBuild({
      project: project({
        environment: { ...project().environment!, image: 'aws/codebuild/standard:5.0', privilegedMode: false, environmentVariables: [] },
        timeoutInMinutes: 60,
        logsConfig: { cloudWatchLogs: { status: 'DISABLED' } },
        tags: [...projectTags(), { key: 'team', value: 'web' }],
      }),
    });
    codebuild.on(UpdateProjectCommand).resolves({});
    const ctx = testContext('build', { state: FULL_STATE });
    await build.reconcile(ctx);
    expect(mutatingCommands()).toEqual(['UpdateProjectCommand']);
    const { description: _description, tags, ...input } = codebuild.commandCalls(UpdateProjectCommand)[0]!.args[0].input;
    const { tags: _tags, ...expected } = EXPECTED_PROJECT;
    expect(input).toEqual(expected);
    expect(tags).toEqual([{ key: 'team', value: 'web' }, ...projectTags()]);
    expect(ctx.outcomes.find((o) => o.resource === 'build.project')).toMatchObject({
      outcome: 'updated',
      changes: ['environment', 'environment variables', 'timeout', 'logs'],
    });
  });

  it('puts the Docker layer cache back when the project has none', async () => {
    awsHasBuild({ project: project({ cache: { type: 'NO_CACHE' } }) });
    codebuild.on(UpdateProjectCommand).resolves({});
    const ctx = testContext('build', { state: FULL_STATE });
    await build.reconcile(ctx);
    expect(mutatingCommands()).toEqual(['UpdateProjectCommand']);
    expect(codebuild).toHaveReceivedCommandWith(UpdateProjectCommand, { name: PROJECT, cache: { type: 'LOCAL', modes: ['LOCAL_DOCKER_LAYER_CACHE'] } });
    expect(ctx.outcomes.find((o) => o.resource === 'build.project')).toMatchObject({ outcome: 'updated', changes: ['cache'] });
  });

  it('sees another service role, an inline buildspec and a lost tag as drift', async () => {
    awsHasBuild({
      project: project({ serviceRole: `arn:aws:iam::${ACCOUNT}:role/other`, source: { type: 'CODEPIPELINE', buildspec: 'version: 0.2' }, tags: [] }),
    });
    codebuild.on(UpdateProjectCommand).resolves({});
    const ctx = testContext('build', { state: FULL_STATE });
    await build.reconcile(ctx);
    expect(codebuild).toHaveReceivedCommandWith(UpdateProjectCommand, { name: PROJECT, serviceRole: ROLE_ARN, source: { type: 'CODEPIPELINE' }, tags: projectTags() });
    expect(ctx.outcomes.find((o) => o.resource === 'build.project')?.changes).toEqual(['source', 'service role', 'tags']);
  });

  it('retries UpdateProject too while the role is not assumable yet', async () => {
    awsHasBuild({ project: project({ timeoutInMinutes: 60 }) });
    codebuild.on(UpdateProjectCommand).rejectsOnce(notAssumable()).resolves({});
    const ctx = testContext('build', { state: FULL_STATE });
    await build.reconcile(ctx);
    expect(codebuild).toHaveReceivedCommandTimes(UpdateProjectCommand, 2);
  });

  it('rewrites a policy edited by hand, and the retention of the log group', async () => {
    const loose = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ecr:*', Resource: '*' }] };
    awsHasBuild({ inline: { build: loose }, group: logGroup({ retentionInDays: 3 }) });
    iam.on(PutRolePolicyCommand).resolves({});
    logs.on(PutRetentionPolicyCommand).resolves({});
    const ctx = testContext('build', { state: FULL_STATE });
    await build.reconcile(ctx);
    expect(mutatingCommands()).toEqual(['PutRetentionPolicyCommand', 'PutRolePolicyCommand']);
    // The run's listing shows the drift: the group is read by its name before it is changed.
    expect(logs.commandCalls(DescribeLogGroupsCommand).map((c) => c.args[0].input.logGroupNamePrefix)).toEqual([STACK_GROUPS, GROUP]);
    expect(JSON.parse(iam.commandCalls(PutRolePolicyCommand)[0]!.args[0].input.PolicyDocument!)).toEqual(POLICY);
    expect(outcomes(ctx)).toMatchObject({ 'build.logGroup': 'updated', 'build.role': 'updated', 'build.project': 'unchanged' });
  });

  it('creates the project again when it was deleted behind its back', async () => {
    awsHasBuild();
    codebuild.on(BatchGetProjectsCommand).resolves({ projects: [markProject()], projectsNotFound: [PROJECT] });
    codebuild.on(CreateProjectCommand).callsFake((input: CreateProjectCommandInput) => ({ project: project({ ...input, arn: PROJECT_ARN }) }));
    const ctx = testContext('build', { state: FULL_STATE });
    await build.reconcile(ctx);
    expect(mutatingCommands()).toEqual(['CreateProjectCommand']);
    expect(outcomes(ctx)['build.project']).toBe('created');
  });
});

describe('build step: reads shared by the run', () => {
  it('reads the log group by its name when the listing lacks it, and finds it unchanged', async () => {
    awsHasBuild();
    logs.on(DescribeLogGroupsCommand, { logGroupNamePrefix: STACK_GROUPS }).resolves({ logGroups: [] });
    const ctx = testContext('build', { state: FULL_STATE });
    await build.reconcile(ctx);
    expect(logs.commandCalls(DescribeLogGroupsCommand).map((c) => c.args[0].input.logGroupNamePrefix)).toEqual([STACK_GROUPS, GROUP]);
    expect(mutatingCommands()).toEqual([]);
    expect(outcomes(ctx)['build.logGroup']).toBe('unchanged');
  });

  it('decides on the read by name: a retention the listing shows drifted but AWS has right is left alone', async () => {
    awsHasBuild();
    logs.on(DescribeLogGroupsCommand, { logGroupNamePrefix: STACK_GROUPS }).resolves({ logGroups: [logGroup({ retentionInDays: 3 })] });
    const ctx = testContext('build', { state: FULL_STATE });
    await build.reconcile(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(outcomes(ctx)['build.logGroup']).toBe('unchanged');
  });

  it('follows the listing of log groups over its pages', async () => {
    awsHasBuild();
    // The inputs as sent (the SDK's paginator reuses one input object from page to page).
    const sent: unknown[] = [];
    logs.on(DescribeLogGroupsCommand, { logGroupNamePrefix: STACK_GROUPS }).callsFake((input: { nextToken?: string }) => {
      sent.push({ ...input });
      return input.nextToken === 'page-2' ? { logGroups: [logGroup()] } : { logGroups: [logGroup({ logGroupName: '/shipline/demo/dev' })], nextToken: 'page-2' };
    });
    const ctx = testContext('build', { state: FULL_STATE });
    await build.reconcile(ctx);
    expect(sent).toEqual([
      { logGroupNamePrefix: STACK_GROUPS },
      { logGroupNamePrefix: STACK_GROUPS, nextToken: 'page-2' },
    ]);
    expect(mutatingCommands()).toEqual([]);
  });

  it('reads a role the listing lacks with GetRole', async () => {
    awsHasBuild();
    iam.on(ListRolesCommand).resolves(listedRoles());
    const ctx = testContext('build', { state: FULL_STATE });
    await build.reconcile(ctx);
    expect(iam).toHaveReceivedCommandWith(GetRoleCommand, { RoleName: ROLE_NAME });
    expect(mutatingCommands()).toEqual([]);
    expect(outcomes(ctx)['build.role']).toBe('unchanged');
  });
});

describe('build step: adoption', () => {
  it('adopts what it finds by name when it carries the stack tag, with no create', async () => {
    awsHasBuild();
    const ctx = testContext('build', { state: DEPENDENCIES });
    await build.reconcile(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(codebuild).toHaveReceivedCommandWith(BatchGetProjectsCommand, { names: [PROJECT, MARK] });
    expect(logs).toHaveReceivedCommandWith(ListTagsForResourceCommand, { resourceArn: GROUP_ARN });
    expect(outcomes(ctx)).toEqual({ 'build.logGroup': 'adopted', 'build.role': 'adopted', 'build.project': 'adopted', 'build.markProject': 'adopted' });
    expect(Object.fromEntries(ctx.records)).toEqual(FULL_STATE);
  });

  it('refuses a same-named project without the stack tag, and changes nothing', async () => {
    awsHasBuild({ project: project({ tags: [{ key: 'team', value: 'someone-else' }] }) });
    const error = await build.reconcile(testContext('build', { state: DEPENDENCIES })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ForeignResourceError);
    expect((error as Error).message).toContain(`CodeBuild project ${PROJECT}`);
    expect((error as Error).message).toContain('will not touch it');
    expect(mutatingCommands()).toEqual([]);
  });

  it('refuses a same-named log group without the stack tag', async () => {
    awsHasBuild({ groupTags: {} });
    const error = await build.reconcile(testContext('build', { state: DEPENDENCIES })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ForeignResourceError);
    expect((error as Error).message).toContain(GROUP);
    expect(mutatingCommands()).toEqual([]);
  });
});

describe('build step: dependencies', () => {
  it('in a real run, stops with an engine error when the repository is not in state', async () => {
    awsHasNothing();
    const ctx = testContext('build', { state: { 'artifacts.bucket': DEPENDENCIES['artifacts.bucket'] } });
    const error = await build.reconcile(ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineError);
    expect((error as Error).message).toContain('repository.repository');
    expect(iam).not.toHaveReceivedCommand(PutRolePolicyCommand);
  });
});

describe('build step: dry run', () => {
  it('on an empty account, before the other steps ran, makes no mutating call and plans everything', async () => {
    awsHasNothing();
    const ctx = testContext('build', { dryRun: true });
    await build.reconcile(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(codebuild).not.toHaveReceivedCommand(BatchGetProjectsCommand);
    expect(ctx.outcomes.map((o) => [o.resource, o.outcome, o.id])).toEqual([
      ['build.logGroup', 'created', KNOWN_AFTER_APPLY],
      ['build.role', 'created', KNOWN_AFTER_APPLY],
      ['build.project', 'created', KNOWN_AFTER_APPLY],
      ['build.markProject', 'created', KNOWN_AFTER_APPLY],
    ]);
    expect(ctx.records.size).toBe(0);
  });

  it('with drift reports the update without making it', async () => {
    awsHasBuild({ project: project({ timeoutInMinutes: 60 }) });
    const ctx = testContext('build', { state: FULL_STATE, dryRun: true });
    await build.reconcile(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(outcomes(ctx)).toEqual({ 'build.logGroup': 'unchanged', 'build.role': 'unchanged', 'build.project': 'updated', 'build.markProject': 'unchanged' });
  });
});

describe('build step: destroy', () => {
  function awsDeletesEverything(): void {
    codebuild.on(DeleteProjectCommand).resolves({});
    iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [] });
    iam.on(ListRolePoliciesCommand).resolves({ PolicyNames: ['build'] });
    iam.on(DeleteRolePolicyCommand).resolves({});
    iam.on(DeleteRoleCommand).resolves({});
    logs.on(DeleteLogGroupCommand).resolves({});
  }

  it('deletes the mark project and the project, then the role (its policy first), then the log group; forgets each', async () => {
    awsHasBuild();
    awsDeletesEverything();
    const ctx = testContext('build', { state: FULL_STATE });
    await build.destroy(ctx);
    // Each delete comes after one read that says the resource is the stack's (its tags).
    expect(calls()).toEqual([
      'BatchGetProjectsCommand',
      'DeleteProjectCommand',
      'BatchGetProjectsCommand',
      'DeleteProjectCommand',
      'GetRoleCommand',
      'ListAttachedRolePoliciesCommand',
      'ListRolePoliciesCommand',
      'DeleteRolePolicyCommand',
      'DeleteRoleCommand',
      'DescribeLogGroupsCommand',
      'ListTagsForResourceCommand',
      'DeleteLogGroupCommand',
    ]);
    expect(codebuild.commandCalls(DeleteProjectCommand).map((c) => c.args[0].input.name)).toEqual([MARK, PROJECT]);
    expect(iam).toHaveReceivedCommandWith(DeleteRolePolicyCommand, { RoleName: ROLE_NAME, PolicyName: 'build' });
    expect(logs).toHaveReceivedCommandWith(DeleteLogGroupCommand, { logGroupName: GROUP });
    expect(Object.fromEntries(ctx.records)).toEqual(DEPENDENCIES);
    expect(outcomes(ctx)).toEqual({ 'build.markProject': 'deleted', 'build.project': 'deleted', 'build.role': 'deleted', 'build.logGroup': 'deleted' });
  });

  it('takes what is already gone as done', async () => {
    codebuild.on(BatchGetProjectsCommand).resolves({ projects: [], projectsNotFound: [PROJECT] });
    iam.on(GetRoleCommand).rejects(noSuchRole());
    logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [] });
    const ctx = testContext('build', { state: FULL_STATE });
    await build.destroy(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(Object.fromEntries(ctx.records)).toEqual(DEPENDENCIES);
  });

  it('with a lost state deletes only what carries the stack tag', async () => {
    awsHasBuild({ project: project({ tags: [] }), markProject: markProject({ tags: [] }) });
    awsDeletesEverything();
    const ctx = testContext('build');
    await build.destroy(ctx);
    expect(codebuild).not.toHaveReceivedCommand(DeleteProjectCommand);
    expect(iam).toHaveReceivedCommandWith(DeleteRoleCommand, { RoleName: ROLE_NAME });
    expect(logs).toHaveReceivedCommandWith(DeleteLogGroupCommand, { logGroupName: GROUP });
  });

  it('with nothing in state or in AWS calls no delete', async () => {
    awsHasNothing();
    const ctx = testContext('build');
    await build.destroy(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(ctx.outcomes).toEqual([]);
  });
});
