// Unit tests of the codedeploy step against stubbed IAM, CodeDeploy and ECS clients: the service
// role, the ECS application, a blue/green deployment group per environment; a revision the services
// step registered deployed through CodeDeploy (never an older image); removal with `rolling` and on
// destroy. Every call the test does not stub fails loudly (the catch-all is registered first).
import {
  ApplicationDoesNotExistException,
  BatchGetDeploymentGroupsCommand,
  CodeDeployClient,
  CreateApplicationCommand,
  CreateDeploymentCommand,
  CreateDeploymentGroupCommand,
  DeleteApplicationCommand,
  DeleteDeploymentGroupCommand,
  DeploymentGroupDoesNotExistException,
  GetApplicationCommand,
  GetDeploymentCommand,
  GetDeploymentGroupCommand,
  ListDeploymentsCommand,
  ListTagsForResourceCommand,
  UpdateDeploymentGroupCommand,
  type BatchGetDeploymentGroupsCommandInput,
  type CreateDeploymentGroupCommandInput,
  type DeploymentGroupInfo,
  type DeploymentInfo,
} from '@aws-sdk/client-codedeploy';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient, type Service } from '@aws-sdk/client-ecs';
import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  DeleteRoleCommand,
  DetachRolePolicyCommand,
  GetRoleCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  ListRolesCommand,
  NoSuchEntityException,
  type CreateRoleCommandInput,
  type Role,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { createHash } from 'node:crypto';
import type { ResourceRecord } from '../state';
import { AwsCallError, ForeignResourceError } from '../src/errors';
import { KNOWN_AFTER_APPLY } from '../src/step';
import { appSpecContent, codedeploy, KEYS } from '../steps/codedeploy';
import { servicesReadKey } from '../steps/services';
import { listedRoles } from './helpers/roles';
import { strictMocks } from './helpers/strict-mocks';
import { testContext, type TestContext } from './helpers/context';

const iam = mockClient(IAMClient);
const cd = mockClient(CodeDeployClient);
const ecs = mockClient(ECSClient);

// ---- what AWS would report ---------------------------------------------------------------------

const ACCOUNT = '123456789012';
const ENVS = ['dev', 'prod'];
const ROLE_NAME = 'demo-codedeploy';
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/shipline/${ROLE_NAME}`;
const MANAGED = 'arn:aws:iam::aws:policy/AWSCodeDeployRoleForECSLimited';
const APP_ARN = `arn:aws:codedeploy:eu-west-3:${ACCOUNT}:application:demo`;
const groupArn = (env: string) => `arn:aws:codedeploy:eu-west-3:${ACCOUNT}:deploymentgroup:demo/demo-${env}`;
const ELB = `arn:aws:elasticloadbalancing:eu-west-3:${ACCOUNT}`;
const HTTP_LISTENER = `${ELB}:listener/app/demo-alb/50dc6c495c0c9188/f2f7dc8efc522ab2`;
const testListener = (env: string) => `${ELB}:listener/app/demo-alb/50dc6c495c0c9188/${env === 'dev' ? '0000000000008080' : '0000000000008081'}`;
const td = (env: string, revision: number) => `arn:aws:ecs:eu-west-3:${ACCOUNT}:task-definition/demo-${env}:${revision}`;
const PIPELINE_IMAGE = `${ACCOUNT}.dkr.ecr.eu-west-3.amazonaws.com/demo:3f9a2c1`;
const NEWER_IMAGE = `${ACCOUNT}.dkr.ecr.eu-west-3.amazonaws.com/demo:77e0b1d`;
const TRUST = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'codedeploy.amazonaws.com' }, Action: 'sts:AssumeRole' }] };

const tagList = (name: string) => [
  { Key: 'shipline:stack', Value: 'demo' },
  { Key: 'shipline:step', Value: 'codedeploy' },
  { Key: 'Name', Value: name },
];

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

/** A group exactly as shipline declares it. */
const settings = (env: string): CreateDeploymentGroupCommandInput => ({
  applicationName: 'demo',
  deploymentGroupName: `demo-${env}`,
  serviceRoleArn: ROLE_ARN,
  deploymentConfigName: 'CodeDeployDefault.ECSAllAtOnce',
  deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
  blueGreenDeploymentConfiguration: {
    deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT' },
    terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 5 },
  },
  autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE'] },
  ecsServices: [{ clusterName: 'demo', serviceName: `demo-${env}` }],
  loadBalancerInfo: {
    targetGroupPairInfoList: [
      {
        targetGroups: [{ name: `demo-${env}-tg` }, { name: `demo-${env}-tg-g` }],
        prodTrafficRoute: { listenerArns: [HTTP_LISTENER] },
        testTrafficRoute: { listenerArns: [testListener(env)] },
      },
    ],
  },
});

/** A group as GetDeploymentGroup reports it (AWS fills in more). */
const groupInfo = (env: string, overrides: Partial<DeploymentGroupInfo> = {}): DeploymentGroupInfo => {
  const { autoScalingGroups: _, ...s } = settings(env);
  return {
    ...s,
    deploymentGroupId: `0000-${env}`,
    computePlatform: 'ECS',
    blueGreenDeploymentConfiguration: {
      ...s.blueGreenDeploymentConfiguration,
      deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT', waitTimeInMinutes: 0 },
    },
    ec2TagFilters: [],
    alarmConfiguration: { enabled: false, alarms: [] },
    ...overrides,
  };
};

const service = (env: string, taskDefinition = td(env, 1)): Service => ({
  serviceName: `demo-${env}`,
  serviceArn: `arn:aws:ecs:eu-west-3:${ACCOUNT}:service/demo/demo-${env}`,
  status: 'ACTIVE',
  taskDefinition,
  deploymentController: { type: 'CODE_DEPLOY' },
});

/** What the steps before this one (alb, cluster, services) recorded. */
const DEPENDENCIES: Record<string, ResourceRecord> = {
  'cluster.cluster': { id: 'demo', arn: `arn:aws:ecs:eu-west-3:${ACCOUNT}:cluster/demo` },
  'alb.listener.http': { id: HTTP_LISTENER },
  ...Object.fromEntries(
    ENVS.flatMap((env) => [
      [`alb.testListener.${env}`, { id: testListener(env) }],
      [`services.service.${env}`, { id: service(env).serviceArn!, name: `demo-${env}`, controller: 'CODE_DEPLOY' }],
      [`services.taskDefinition.${env}`, { id: td(env, 1), family: `demo-${env}`, revision: '1', image: PIPELINE_IMAGE }],
    ]),
  ),
};
const OWN_STATE: Record<string, ResourceRecord> = {
  'codedeploy.role': { id: ROLE_NAME, arn: ROLE_ARN },
  'codedeploy.application': { id: 'demo', arn: APP_ARN },
  'codedeploy.deploymentGroup.dev': { id: 'demo-dev', arn: groupArn('dev') },
  'codedeploy.deploymentGroup.prod': { id: 'demo-prod', arn: groupArn('prod') },
};
const FULL_STATE = { ...DEPENDENCIES, ...OWN_STATE };
const BLUE_GREEN = { deploy: { strategy: 'blue-green' } };

// ---- stubbed AWS worlds ------------------------------------------------------------------------

function awsHasNothing(): void {
  iam.on(ListRolesCommand).resolves(listedRoles());
  iam.on(GetRoleCommand).rejects(new NoSuchEntityException({ message: 'no such role', $metadata: {} }));
  iam.on(CreateRoleCommand).callsFake((input: CreateRoleCommandInput) => ({
    Role: role({ AssumeRolePolicyDocument: encodeURIComponent(input.AssumeRolePolicyDocument!), Tags: input.Tags }),
  }));
  iam.on(AttachRolePolicyCommand).resolves({});
  cd.on(GetApplicationCommand).rejects(new ApplicationDoesNotExistException({ message: 'No application found for name: demo', $metadata: {} }));
  cd.on(CreateApplicationCommand).resolves({ applicationId: 'app-1' });
  cd.on(CreateDeploymentGroupCommand).resolves({ deploymentGroupId: 'group-1' });
  ecs.on(DescribeServicesCommand).resolves({ services: ENVS.map((env) => service(env)), failures: [] });
}

interface World {
  groups?: Record<string, DeploymentGroupInfo>;
  /** Environments whose group AWS no longer has. */
  gone?: string[];
  services?: Service[];
  tags?: (arn: string) => Array<{ Key: string; Value: string }>;
}

function awsHasEverything(world: World = {}): void {
  iam.on(ListRolesCommand).resolves(listedRoles(role()));
  iam.on(GetRoleCommand).resolves({ Role: role() });
  iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [{ PolicyArn: MANAGED, PolicyName: 'AWSCodeDeployRoleForECSLimited' }] });
  iam.on(ListRolePoliciesCommand).resolves({ PolicyNames: [] });
  cd.on(GetApplicationCommand).resolves({ application: { applicationName: 'demo', applicationId: 'app-1', computePlatform: 'ECS' } });
  const groupOf = (name: string) => {
    const env = ENVS.find((e) => `demo-${e}` === name);
    return env === undefined || world.gone?.includes(env) ? undefined : (world.groups?.[env] ?? groupInfo(env));
  };
  for (const env of ENVS) {
    const info = groupOf(`demo-${env}`);
    const answer = cd.on(GetDeploymentGroupCommand, { applicationName: 'demo', deploymentGroupName: `demo-${env}` });
    if (info) answer.resolves({ deploymentGroupInfo: info });
    else answer.rejects(new DeploymentGroupDoesNotExistException({ message: `No Deployment Group found for name: demo-${env}`, $metadata: {} }));
  }
  // As AWS: the groups it has; the others named in errorMessage, no error.
  cd.on(BatchGetDeploymentGroupsCommand, { applicationName: 'demo' }).callsFake((input: BatchGetDeploymentGroupsCommandInput) => {
    const names = input.deploymentGroupNames ?? [];
    const missing = names.filter((n) => !groupOf(n));
    return {
      deploymentGroupsInfo: names.map(groupOf).filter((g): g is DeploymentGroupInfo => g !== undefined),
      ...(missing.length ? { errorMessage: `not found: ${missing.join(', ')}` } : {}),
    };
  });
  cd.on(ListTagsForResourceCommand).callsFake((input: { ResourceArn: string }) => ({
    Tags: world.tags?.(input.ResourceArn) ?? tagList(input.ResourceArn.split(/[:/]/).pop()!),
  }));
  ecs.on(DescribeServicesCommand).resolves({ services: world.services ?? ENVS.map((env) => service(env)), failures: [] });
}

// ---- reading what happened -----------------------------------------------------------------------

const { calls, mutatingCommands } = strictMocks(iam, cd, ecs);
const outcomes = (ctx: TestContext) => Object.fromEntries(ctx.outcomes.map((o) => [o.resource, o.outcome]));

describe('codedeploy step: create from nothing', () => {
  let ctx: TestContext;

  beforeEach(async () => {
    awsHasNothing();
    ctx = testContext('codedeploy', { state: DEPENDENCIES, config: BLUE_GREEN });
    await codedeploy.reconcile(ctx);
  });

  it('makes the service role trusted by CodeDeploy with AWS\'s managed policy for ECS, then the application, then a group per environment', () => {
    expect(mutatingCommands()).toEqual([
      'CreateRoleCommand',
      'AttachRolePolicyCommand',
      'CreateApplicationCommand',
      'CreateDeploymentGroupCommand',
      'CreateDeploymentGroupCommand',
    ]);
    const created = iam.commandCalls(CreateRoleCommand)[0]!.args[0].input;
    expect(created).toMatchObject({ RoleName: ROLE_NAME, Path: '/shipline/', Tags: tagList(ROLE_NAME) });
    expect(JSON.parse(created.AssumeRolePolicyDocument!)).toEqual(TRUST);
    expect(iam).toHaveReceivedCommandWith(AttachRolePolicyCommand, { RoleName: ROLE_NAME, PolicyArn: MANAGED });
  });

  it('creates an ECS application named after the stack, tagged', () => {
    expect(cd).toHaveReceivedCommandWith(CreateApplicationCommand, { applicationName: 'demo', computePlatform: 'ECS', tags: tagList('demo') });
  });

  it('creates each group blue/green on its service, target group pair and listeners, rolling back on failure', () => {
    expect(cd.commandCalls(CreateDeploymentGroupCommand).map((c) => c.args[0].input)).toEqual(
      ENVS.map((env) => ({ ...settings(env), tags: tagList(`demo-${env}`) })),
    );
  });

  it('records everything and reports it created', () => {
    expect(Object.fromEntries(ctx.records)).toEqual(FULL_STATE);
    expect(outcomes(ctx)).toEqual({
      'codedeploy.role': 'created',
      'codedeploy.application': 'created',
      'codedeploy.deploymentGroup.dev': 'created',
      'codedeploy.deploymentGroup.prod': 'created',
    });
  });
});

describe('codedeploy step: re-run', () => {
  it('makes no mutating call when AWS matches, and reads each thing once', async () => {
    awsHasEverything();
    const ctx = testContext('codedeploy', { state: FULL_STATE, config: BLUE_GREEN });
    await codedeploy.reconcile(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(new Set(ctx.outcomes.map((o) => o.outcome))).toEqual(new Set(['unchanged']));
    expect(ecs).toHaveReceivedCommandTimes(DescribeServicesCommand, 1);
    // Both groups in one call.
    expect(cd.commandCalls(BatchGetDeploymentGroupsCommand).map((c) => c.args[0].input)).toEqual([
      { applicationName: 'demo', deploymentGroupNames: ['demo-dev', 'demo-prod'] },
    ]);
    expect(cd).not.toHaveReceivedCommand(GetDeploymentGroupCommand);
    expect(ecs).not.toHaveReceivedCommand(DescribeTaskDefinitionCommand);
    expect(cd).not.toHaveReceivedCommand(ListDeploymentsCommand);
    expect(Object.fromEntries(ctx.records)).toEqual(FULL_STATE);
  });

  it('recreates a recorded group AWS no longer has (left out of the batch read), after looking for it by name', async () => {
    awsHasEverything({ gone: ['prod'] });
    const ctx = testContext('codedeploy', { state: FULL_STATE, config: BLUE_GREEN });
    cd.on(CreateDeploymentGroupCommand).resolves({ deploymentGroupId: 'group-2' });
    await codedeploy.reconcile(ctx);
    expect(calls().filter((c) => c.startsWith('GetDeploymentGroup') || c.startsWith('BatchGet') || c.startsWith('CreateDeploymentGroup'))).toEqual([
      'BatchGetDeploymentGroupsCommand',
      'GetDeploymentGroupCommand',
      'CreateDeploymentGroupCommand',
    ]);
    expect(cd).toHaveReceivedCommandWith(CreateDeploymentGroupCommand, { deploymentGroupName: 'demo-prod' });
    expect(outcomes(ctx)).toMatchObject({ 'codedeploy.deploymentGroup.dev': 'unchanged', 'codedeploy.deploymentGroup.prod': 'created' });
  });

  it('takes the services step\'s read of this run where it shows each service running the recorded revision: no DescribeServices', async () => {
    awsHasEverything();
    const ctx = testContext('codedeploy', { state: FULL_STATE, config: BLUE_GREEN });
    await ctx.shared.once(servicesReadKey(ctx), async () => new Map(ENVS.map((env) => [`demo-${env}`, service(env)])));
    await codedeploy.reconcile(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(ecs).not.toHaveReceivedCommand(DescribeServicesCommand);
    expect(new Set(ctx.outcomes.map((o) => o.outcome))).toEqual(new Set(['unchanged']));
  });

  it('reads again the services the shared read does not confirm (another revision, or none): never deploys on a snapshot', async () => {
    awsHasEverything();
    const ctx = testContext('codedeploy', { state: FULL_STATE, config: BLUE_GREEN });
    // dev's service is not in it (made by this run), prod's runs another revision than the recorded one.
    await ctx.shared.once(servicesReadKey(ctx), async () => new Map([['demo-prod', service('prod', td('prod', 7))]]));
    await codedeploy.reconcile(ctx);
    expect(ecs.commandCalls(DescribeServicesCommand).map((c) => c.args[0].input)).toEqual([{ cluster: 'demo', services: ['demo-dev', 'demo-prod'], include: ['TAGS'] }]);
    // The direct read says prod runs the recorded revision after all: nothing to deploy.
    expect(ecs).not.toHaveReceivedCommand(DescribeTaskDefinitionCommand);
    expect(mutatingCommands()).toEqual([]);
  });

  it('puts drifted settings back with UpdateDeploymentGroup: every setting, named by what drifted', async () => {
    awsHasEverything({
      groups: {
        dev: groupInfo('dev', {
          autoRollbackConfiguration: { enabled: false, events: [] },
          blueGreenDeploymentConfiguration: {
            deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT' },
            terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 60 },
          },
        }),
      },
    });
    cd.on(UpdateDeploymentGroupCommand).resolves({ hooksNotCleanedUp: [] });
    const ctx = testContext('codedeploy', { state: FULL_STATE, config: BLUE_GREEN });
    await codedeploy.reconcile(ctx);
    const { applicationName, deploymentGroupName, ...rest } = settings('dev');
    expect(cd.commandCalls(UpdateDeploymentGroupCommand).map((c) => c.args[0].input)).toEqual([
      { applicationName, currentDeploymentGroupName: deploymentGroupName, ...rest },
    ]);
    expect(ctx.outcomes.find((o) => o.resource === KEYS.deploymentGroup('dev'))).toMatchObject({
      outcome: 'updated',
      changes: ['blue/green configuration', 'automatic rollback'],
    });
  });

  it('follows the config: the deployment configuration and the termination wait', async () => {
    awsHasEverything();
    cd.on(UpdateDeploymentGroupCommand).resolves({ hooksNotCleanedUp: [] });
    const config = { deploy: { strategy: 'blue-green', deploymentConfig: 'CodeDeployDefault.ECSCanary10Percent5Minutes', terminationWaitMinutes: 0 } };
    const ctx = testContext('codedeploy', { state: FULL_STATE, config });
    await codedeploy.reconcile(ctx);
    expect(cd).toHaveReceivedCommandTimes(UpdateDeploymentGroupCommand, 2);
    expect(cd).toHaveReceivedCommandWith(UpdateDeploymentGroupCommand, {
      deploymentConfigName: 'CodeDeployDefault.ECSCanary10Percent5Minutes',
      blueGreenDeploymentConfiguration: {
        deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT' },
        terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 0 },
      },
    });
  });

  it('adopts the application and groups it finds by name when they carry the stack tag', async () => {
    awsHasEverything();
    const ctx = testContext('codedeploy', { state: { ...DEPENDENCIES, 'codedeploy.role': OWN_STATE['codedeploy.role']! }, config: BLUE_GREEN });
    await codedeploy.reconcile(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(Object.fromEntries(ctx.records)).toEqual(FULL_STATE);
    expect(outcomes(ctx)).toMatchObject({ 'codedeploy.application': 'adopted', 'codedeploy.deploymentGroup.dev': 'adopted' });
  });

  it('refuses a same-named application without the stack tag', async () => {
    awsHasEverything({ tags: () => [] });
    const ctx = testContext('codedeploy', { state: { ...DEPENDENCIES, 'codedeploy.role': OWN_STATE['codedeploy.role']! }, config: BLUE_GREEN });
    await expect(codedeploy.reconcile(ctx)).rejects.toThrow(ForeignResourceError);
    expect(mutatingCommands()).toEqual([]);
  });
});

describe('codedeploy step: a revision provision registered', () => {
  /** The services step recorded revision 2 of prod (same image); the service still runs revision 1. */
  const PENDING_STATE = { ...FULL_STATE, 'services.taskDefinition.prod': { id: td('prod', 2), family: 'demo-prod', revision: '2', image: PIPELINE_IMAGE } };
  const runningImage = (image: string) =>
    ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: td('prod', 1) }).resolves({
      taskDefinition: { taskDefinitionArn: td('prod', 1), containerDefinitions: [{ name: 'web', image }] },
    });
  const deployment = (status: DeploymentInfo['status'], more: Partial<DeploymentInfo> = {}) => ({ deploymentInfo: { deploymentId: 'd-ABCDEFGHI', status, ...more } });

  it('is deployed through CodeDeploy with an AppSpec naming it, and provision waits until traffic runs on it', async () => {
    awsHasEverything();
    runningImage(PIPELINE_IMAGE);
    cd.on(ListDeploymentsCommand).resolves({ deployments: [] });
    cd.on(CreateDeploymentCommand).resolves({ deploymentId: 'd-ABCDEFGHI' });
    cd.on(GetDeploymentCommand)
      .resolvesOnce(deployment('InProgress'))
      .resolves(deployment('InProgress', { instanceTerminationWaitTimeStarted: true }));
    const ctx = testContext('codedeploy', { state: PENDING_STATE, config: BLUE_GREEN });
    await codedeploy.reconcile(ctx);

    expect(mutatingCommands()).toEqual(['CreateDeploymentCommand']);
    const content = appSpecContent(td('prod', 2), 80);
    expect(cd).toHaveReceivedCommandWith(CreateDeploymentCommand, {
      applicationName: 'demo',
      deploymentGroupName: 'demo-prod',
      revision: { revisionType: 'AppSpecContent', appSpecContent: { content, sha256: createHash('sha256').update(content).digest('hex') } },
    });
    expect(JSON.parse(content)).toEqual({
      version: 0,
      Resources: [{ TargetService: { Type: 'AWS::ECS::Service', Properties: { TaskDefinition: td('prod', 2), LoadBalancerInfo: { ContainerName: 'web', ContainerPort: 80 } } } }],
    });
    expect(cd).toHaveReceivedCommandWith(ListDeploymentsCommand, {
      applicationName: 'demo',
      deploymentGroupName: 'demo-prod',
      includeOnlyStatuses: ['Created', 'Queued', 'InProgress', 'Ready', 'Baking'],
    });
    expect(cd).toHaveReceivedCommandTimes(GetDeploymentCommand, 2);
    expect(ctx.outcomes.find((o) => o.resource === KEYS.deploymentGroup('prod'))).toMatchObject({ outcome: 'updated', changes: ['revision'] });
    expect(ctx.activities).toContain('waiting for CodeDeploy deployment d-ABCDEFGHI (prod): InProgress');
  });

  it('waits for a deployment already running, and deploys nothing when it brought the revision', async () => {
    awsHasEverything();
    runningImage(PIPELINE_IMAGE);
    cd.on(ListDeploymentsCommand).resolves({ deployments: ['d-RUNNING01'] });
    cd.on(GetDeploymentCommand).resolves(deployment('Succeeded'));
    ecs.on(DescribeServicesCommand, { services: ['demo-prod'] }).resolves({ services: [service('prod', td('prod', 2))] });
    const ctx = testContext('codedeploy', { state: PENDING_STATE, config: BLUE_GREEN });
    await codedeploy.reconcile(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(cd).toHaveReceivedCommandWith(GetDeploymentCommand, { deploymentId: 'd-RUNNING01' });
  });

  it('is never deployed once the service runs another image (the pipeline deployed since): no image goes back', async () => {
    awsHasEverything();
    runningImage(NEWER_IMAGE);
    const ctx = testContext('codedeploy', { state: PENDING_STATE, config: BLUE_GREEN });
    await codedeploy.reconcile(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(cd).not.toHaveReceivedCommand(ListDeploymentsCommand);
    expect(new Set(ctx.outcomes.map((o) => o.outcome))).toEqual(new Set(['unchanged']));
  });

  it('a deployment that fails is an error naming it, CodeDeploy\'s reason and the rollback', async () => {
    awsHasEverything();
    runningImage(PIPELINE_IMAGE);
    cd.on(ListDeploymentsCommand).resolves({ deployments: [] });
    cd.on(CreateDeploymentCommand).resolves({ deploymentId: 'd-ABCDEFGHI' });
    cd.on(GetDeploymentCommand).resolves(
      deployment('Failed', { errorInformation: { code: 'ECS_UPDATE_ERROR', message: 'tasks failed their health checks' }, rollbackInfo: { rollbackDeploymentId: 'd-ROLLBACK1' } }),
    );
    const ctx = testContext('codedeploy', { state: PENDING_STATE, config: BLUE_GREEN });
    const error = await codedeploy.reconcile(ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsCallError);
    expect((error as Error).message).toBe(
      'CodeDeploy deployment d-ABCDEFGHI of demo-prod: ECS_UPDATE_ERROR — tasks failed their health checks; CodeDeploy rolled back with d-ROLLBACK1',
    );
  });

  it('with --no-wait, starts the deployment and does not wait for it', async () => {
    awsHasEverything();
    runningImage(PIPELINE_IMAGE);
    cd.on(ListDeploymentsCommand).resolves({ deployments: [] });
    cd.on(CreateDeploymentCommand).resolves({ deploymentId: 'd-ABCDEFGHI' });
    const ctx = { ...testContext('codedeploy', { state: PENDING_STATE, config: BLUE_GREEN }), wait: false };
    await codedeploy.reconcile(ctx);
    expect(mutatingCommands()).toEqual(['CreateDeploymentCommand']);
    expect(cd).not.toHaveReceivedCommand(GetDeploymentCommand);
  });
});

describe('codedeploy step: rolling', () => {
  it('reads nothing and does nothing when it recorded nothing', async () => {
    const ctx = testContext('codedeploy', { state: DEPENDENCIES });
    await codedeploy.reconcile(ctx);
    expect(calls()).toEqual([]);
    expect(ctx.outcomes).toEqual([]);
  });

  it('removes what it recorded: the groups, the application, the role', async () => {
    awsHasEverything(); // each is read (name, tags) before its delete
    cd.on(DeleteDeploymentGroupCommand).resolves({ hooksNotCleanedUp: [] });
    cd.on(DeleteApplicationCommand).resolves({});
    iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [{ PolicyArn: MANAGED }] });
    iam.on(DetachRolePolicyCommand).resolves({});
    iam.on(ListRolePoliciesCommand).resolves({ PolicyNames: [] });
    iam.on(DeleteRoleCommand).resolves({});
    const ctx = testContext('codedeploy', { state: FULL_STATE });
    await codedeploy.reconcile(ctx);
    expect(mutatingCommands()).toEqual([
      'DeleteDeploymentGroupCommand',
      'DeleteDeploymentGroupCommand',
      'DeleteApplicationCommand',
      'DetachRolePolicyCommand',
      'DeleteRoleCommand',
    ]);
    expect(Object.fromEntries(ctx.records)).toEqual(DEPENDENCIES);
  });
});

describe('codedeploy step: dry run', () => {
  it('before anything exists plans the role, the application and the groups without a mutating call', async () => {
    iam.on(GetRoleCommand).rejects(new NoSuchEntityException({ message: 'no such role', $metadata: {} }));
    cd.on(GetApplicationCommand).rejects(new ApplicationDoesNotExistException({ message: 'No application found for name: demo', $metadata: {} }));
    const ctx = testContext('codedeploy', { state: { 'alb.listener.http': { id: KNOWN_AFTER_APPLY } }, config: BLUE_GREEN, dryRun: true });
    await codedeploy.reconcile(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(ctx.outcomes.map((o) => [o.resource, o.outcome, o.id])).toEqual([
      ['codedeploy.role', 'created', KNOWN_AFTER_APPLY],
      ['codedeploy.application', 'created', KNOWN_AFTER_APPLY],
      ['codedeploy.deploymentGroup.dev', 'created', KNOWN_AFTER_APPLY],
      ['codedeploy.deploymentGroup.prod', 'created', KNOWN_AFTER_APPLY],
    ]);
  });
});

describe('codedeploy step: destroy', () => {
  function awsDeletes(): void {
    cd.on(DeleteDeploymentGroupCommand).resolves({ hooksNotCleanedUp: [] });
    cd.on(DeleteApplicationCommand).resolves({});
    iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [{ PolicyArn: MANAGED }] });
    iam.on(DetachRolePolicyCommand).resolves({});
    iam.on(ListRolePoliciesCommand).resolves({ PolicyNames: [] });
    iam.on(DeleteRoleCommand).resolves({});
  }

  it('deletes the groups, then the application, then the role; forgets each', async () => {
    awsHasEverything(); // each is read (name, tags) before its delete
    awsDeletes();
    const ctx = testContext('codedeploy', { state: FULL_STATE, config: BLUE_GREEN });
    await codedeploy.destroy(ctx);
    expect(mutatingCommands()).toEqual([
      'DeleteDeploymentGroupCommand',
      'DeleteDeploymentGroupCommand',
      'DeleteApplicationCommand',
      'DetachRolePolicyCommand',
      'DeleteRoleCommand',
    ]);
    expect(cd).toHaveReceivedCommandWith(DeleteDeploymentGroupCommand, { applicationName: 'demo', deploymentGroupName: 'demo-dev' });
    expect(Object.fromEntries(ctx.records)).toEqual(DEPENDENCIES);
  });

  it('takes what is already gone as done', async () => {
    awsHasEverything({ gone: ENVS });
    awsDeletes();
    cd.on(GetApplicationCommand).rejects(new ApplicationDoesNotExistException({ message: 'No application found for name: demo', $metadata: {} }));
    iam.on(GetRoleCommand).rejects(new NoSuchEntityException({ message: 'no such role', $metadata: {} }));
    const ctx = testContext('codedeploy', { state: FULL_STATE, config: BLUE_GREEN });
    await codedeploy.destroy(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(Object.fromEntries(ctx.records)).toEqual(DEPENDENCIES);
  });

  it('with a lost state finds the groups and the application by name, and deletes only those carrying the stack tag', async () => {
    awsHasEverything({ tags: (arn) => (arn === groupArn('prod') ? [] : tagList('x')) });
    awsDeletes();
    const ctx = testContext('codedeploy', { state: DEPENDENCIES, config: BLUE_GREEN });
    await codedeploy.destroy(ctx);
    expect(cd.commandCalls(DeleteDeploymentGroupCommand).map((c) => c.args[0].input.deploymentGroupName)).toEqual(['demo-dev']);
    expect(cd).toHaveReceivedCommandWith(DeleteApplicationCommand, { applicationName: 'demo' });
    expect(iam).toHaveReceivedCommandWith(DeleteRoleCommand, { RoleName: ROLE_NAME });
  });

  it('with a rolling config and nothing recorded, calls nothing', async () => {
    const ctx = testContext('codedeploy', { state: DEPENDENCIES });
    await codedeploy.destroy(ctx);
    expect(calls()).toEqual([]);
  });
});
