// The simulated CodeDeploy, driven through the real SDK clients: an ECS service with a CODE_DEPLOY
// deployment controller behind a blue and a green target group, a production and a test listener,
// all made through their own sandbox APIs, and the CodeDeploy application and deployment group
// that swap it blue/green, directly and from a CodePipeline CodeDeployToECS action.
import { CodeBuildClient, CreateProjectCommand } from '@aws-sdk/client-codebuild';
import {
  ApplicationAlreadyExistsException,
  ApplicationDoesNotExistException,
  BatchGetApplicationsCommand,
  BatchGetDeploymentGroupsCommand,
  CodeDeployClient,
  ContinueDeploymentCommand,
  CreateApplicationCommand,
  CreateDeploymentCommand,
  CreateDeploymentGroupCommand,
  DeleteApplicationCommand,
  DeleteDeploymentGroupCommand,
  DeploymentGroupDoesNotExistException,
  GetApplicationCommand,
  GetDeploymentCommand,
  GetDeploymentGroupCommand,
  InvalidNextTokenException,
  ListApplicationsCommand,
  ListDeploymentGroupsCommand,
  ListDeploymentsCommand,
  ListTagsForResourceCommand,
  StopDeploymentCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateDeploymentGroupCommand,
  BatchLimitExceededException,
  paginateListApplications,
  paginateListDeployments,
  waitUntilDeploymentSuccessful,
  type CreateDeploymentGroupCommandInput,
  type DeploymentInfo,
} from '@aws-sdk/client-codedeploy';
import { CodePipelineClient, CreatePipelineCommand, GetPipelineExecutionCommand, GetPipelineStateCommand, StartPipelineExecutionCommand } from '@aws-sdk/client-codepipeline';
import { CodeStarConnectionsClient, CreateConnectionCommand } from '@aws-sdk/client-codestar-connections';
import { CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  waitUntilServicesStable,
} from '@aws-sdk/client-ecs';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DescribeListenersCommand,
  DescribeRulesCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  type Rule,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { ACCOUNT, REGION, useSandbox } from './helpers/sandbox-fixture';
import { actionsOfWork, allowServiceWork, executionRole } from './helpers/service-roles';
import { TestClock } from './helpers/test-clock';

const WAIT = { minDelay: 0.01, maxDelay: 0.05, maxWaitTime: 10 };
const ROLE = `arn:aws:iam::${ACCOUNT}:role/demo-codedeploy`;
const PLACEHOLDER_IMAGE = 'public.ecr.aws/nginx/nginx:latest';
const APP_ARN = `arn:aws:codedeploy:${REGION}:${ACCOUNT}:application:demo`;
const GROUP_ARN = `arn:aws:codedeploy:${REGION}:${ACCOUNT}:deploymentgroup:demo/demo-prod`;

const env = useSandbox();
let codedeploy: CodeDeployClient;
let ecs: ECSClient;
let elbv2: ElasticLoadBalancingV2Client;

beforeEach(() => {
  codedeploy = new CodeDeployClient({ region: REGION });
  ecs = new ECSClient({ region: REGION });
  elbv2 = new ElasticLoadBalancingV2Client({ region: REGION });
});

// ---- The world a deployment runs in ------------------------------------------------------------

interface World {
  blue: string;
  green: string;
  dev: string;
  prodListener: string;
  testListener: string;
  devRule: string;
  taskDefinition: string;
}

/**
 * The CodeDeploy service role; a VPC, an ALB with target groups demo-prod-blue, demo-prod-green
 * and demo-dev; a production listener (80: default → blue, /dev → dev) and a test listener
 * (8080 → blue); cluster `demo` with service `demo-prod` (CODE_DEPLOY, behind blue, 1 task).
 */
async function world(): Promise<World> {
  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'codedeploy.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
  await new IAMClient({ region: REGION }).send(new CreateRoleCommand({ RoleName: 'demo-codedeploy', AssumeRolePolicyDocument: trust }));
  allowServiceWork(env.sandbox, 'demo-codedeploy', 'codedeploy', ['codeDeployEcsBlueGreen']);

  const ec2 = new EC2Client({ region: REGION });
  const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc?.VpcId;
  const subnets: string[] = [];
  for (const [i, az] of ['eu-west-3a', 'eu-west-3b'].entries()) {
    subnets.push((await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: `10.0.${i + 1}.0/24`, AvailabilityZone: az }))).Subnet?.SubnetId ?? '');
  }
  const group = (await ec2.send(new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: 'svc', Description: 'service' }))).GroupId ?? '';
  const lb = (await elbv2.send(new CreateLoadBalancerCommand({ Name: 'demo', Subnets: subnets, Type: 'application' }))).LoadBalancers?.[0]?.LoadBalancerArn;
  const targetGroup = async (name: string): Promise<string> =>
    (await elbv2.send(new CreateTargetGroupCommand({ Name: name, Protocol: 'HTTP', Port: 80, VpcId: vpcId, TargetType: 'ip' }))).TargetGroups?.[0]?.TargetGroupArn ?? '';
  const blue = await targetGroup('demo-prod-blue');
  const green = await targetGroup('demo-prod-green');
  const dev = await targetGroup('demo-dev');
  const listener = async (port: number, targetGroupArn: string): Promise<string> =>
    (await elbv2.send(new CreateListenerCommand({ LoadBalancerArn: lb, Protocol: 'HTTP', Port: port, DefaultActions: [{ Type: 'forward', TargetGroupArn: targetGroupArn }] })))
      .Listeners?.[0]?.ListenerArn ?? '';
  const prodListener = await listener(80, blue);
  const testListener = await listener(8080, blue);
  const devRule = (await elbv2.send(
    new CreateRuleCommand({
      ListenerArn: prodListener,
      Priority: 10,
      Conditions: [{ Field: 'path-pattern', Values: ['/dev', '/dev/*'] }],
      Actions: [{ Type: 'forward', TargetGroupArn: dev }],
    }),
  )).Rules?.[0]?.RuleArn ?? '';

  await ecs.send(new CreateClusterCommand({ clusterName: 'demo' }));
  const taskDefinition = await registerTaskDefinition(PLACEHOLDER_IMAGE);
  await ecs.send(
    new CreateServiceCommand({
      cluster: 'demo',
      serviceName: 'demo-prod',
      taskDefinition,
      desiredCount: 1,
      launchType: 'FARGATE',
      deploymentController: { type: 'CODE_DEPLOY' },
      networkConfiguration: { awsvpcConfiguration: { subnets, securityGroups: [group], assignPublicIp: 'DISABLED' } },
      loadBalancers: [{ targetGroupArn: blue, containerName: 'web', containerPort: 80 }],
    }),
  );
  await waitUntilServicesStable({ client: ecs, ...WAIT }, { cluster: 'demo', services: ['demo-prod'] });
  return { blue, green, dev, prodListener, testListener, devRule, taskDefinition };
}

async function registerTaskDefinition(image: string): Promise<string> {
  const out = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'demo-prod',
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: '256',
      memory: '512',
      // ARM, as shipline's: the pipeline's build below runs on ARM_CONTAINER (an x86 task could not run its image).
      runtimePlatform: { cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' },
      // Pulling the built image from ECR takes the execution role.
      executionRoleArn: executionRole(env.sandbox),
      containerDefinitions: [{ name: 'web', image, portMappings: [{ containerPort: 80 }] }],
    }),
  );
  return out.taskDefinition?.taskDefinitionArn ?? '';
}

function groupInput(w: World, overrides: Partial<CreateDeploymentGroupCommandInput> = {}): CreateDeploymentGroupCommandInput {
  return {
    applicationName: 'demo',
    deploymentGroupName: 'demo-prod',
    serviceRoleArn: ROLE,
    deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
    blueGreenDeploymentConfiguration: {
      terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 5 },
      deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT', waitTimeInMinutes: 0 },
    },
    autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE'] },
    ecsServices: [{ clusterName: 'demo', serviceName: 'demo-prod' }],
    loadBalancerInfo: {
      targetGroupPairInfoList: [
        {
          targetGroups: [{ name: 'demo-prod-blue' }, { name: 'demo-prod-green' }],
          prodTrafficRoute: { listenerArns: [w.prodListener] },
          testTrafficRoute: { listenerArns: [w.testListener] },
        },
      ],
    },
    tags: [{ Key: 'shipline:stack', Value: 'demo' }],
    ...overrides,
  };
}

/** World, application `demo` (ECS) and deployment group `demo-prod`. */
async function deploymentGroup(overrides: Partial<CreateDeploymentGroupCommandInput> = {}): Promise<World> {
  const w = await world();
  await codedeploy.send(new CreateApplicationCommand({ applicationName: 'demo', computePlatform: 'ECS', tags: [{ Key: 'shipline:stack', Value: 'demo' }] }));
  await codedeploy.send(new CreateDeploymentGroupCommand(groupInput(w, overrides)));
  return w;
}

/** The AppSpec as an app's build writes it (YAML), naming the task definition. */
function appSpecYaml(taskDefinition: string): string {
  return [
    '# written by the build',
    'version: 0.0',
    'Resources:',
    '  - TargetService:',
    '      Type: AWS::ECS::Service',
    '      Properties:',
    `        TaskDefinition: "${taskDefinition}"`,
    '        LoadBalancerInfo:',
    "          ContainerName: 'web'  # the load balancer's container",
    '          ContainerPort: 80',
    '',
  ].join('\n');
}

async function deploy(content: string, applicationName = 'demo'): Promise<string> {
  const out = await codedeploy.send(
    new CreateDeploymentCommand({
      applicationName,
      deploymentGroupName: 'demo-prod',
      revision: { revisionType: 'AppSpecContent', appSpecContent: { content } },
      description: 'release',
    }),
  );
  return out.deploymentId ?? '';
}

async function deployment(id: string): Promise<DeploymentInfo> {
  return (await codedeploy.send(new GetDeploymentCommand({ deploymentId: id }))).deploymentInfo ?? {};
}

async function serviceTaskDefinition(): Promise<string> {
  const out = await ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['demo-prod'] }));
  return out.services?.[0]?.taskDefinition ?? '';
}

async function serviceImage(): Promise<string> {
  const out = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: await serviceTaskDefinition() }));
  return out.taskDefinition?.containerDefinitions?.[0]?.image ?? '';
}

/** Where each of a listener's rules sends traffic (its groups of non-zero weight): `{ default: tg, '10': tg }`. */
async function forwards(listenerArn: string): Promise<Record<string, string>> {
  const rules = (await elbv2.send(new DescribeRulesCommand({ ListenerArn: listenerArn }))).Rules ?? [];
  const live = (r: Rule) => r.Actions?.[0]?.ForwardConfig?.TargetGroups?.filter((t) => t.Weight !== 0).map((t) => t.TargetGroupArn);
  return Object.fromEntries(rules.map((r) => [r.Priority ?? '', live(r)?.join(',') ?? '']));
}

async function targetStates(targetGroupArn: string): Promise<string[]> {
  const out = await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }));
  return (out.TargetHealthDescriptions ?? []).map((d) => d.TargetHealth?.State ?? '');
}

// ---- Applications ------------------------------------------------------------------------------

describe('applications', () => {
  it('creates, gets, lists, tags and deletes an application, refusing duplicates and unknown names', async () => {
    const created = await codedeploy.send(new CreateApplicationCommand({ applicationName: 'demo', computePlatform: 'ECS', tags: [{ Key: 'a', Value: '1' }] }));
    expect(created.applicationId).toMatch(/^[0-9a-f-]{36}$/);
    await codedeploy.send(new CreateApplicationCommand({ applicationName: 'other' }));

    const got = (await codedeploy.send(new GetApplicationCommand({ applicationName: 'demo' }))).application;
    expect(got).toMatchObject({ applicationId: created.applicationId, applicationName: 'demo', computePlatform: 'ECS', linkedToGitHub: false });
    expect(got?.createTime?.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    const batch = await codedeploy.send(new BatchGetApplicationsCommand({ applicationNames: ['demo', 'other'] }));
    expect(batch.applicationsInfo?.map((a) => [a.applicationName, a.computePlatform])).toEqual([['demo', 'ECS'], ['other', 'Server']]);
    expect((await codedeploy.send(new ListApplicationsCommand({}))).applications).toEqual(['demo', 'other']);

    await expect(codedeploy.send(new CreateApplicationCommand({ applicationName: 'demo', computePlatform: 'ECS' }))).rejects.toThrow(ApplicationAlreadyExistsException);
    await expect(codedeploy.send(new GetApplicationCommand({ applicationName: 'nope' }))).rejects.toMatchObject({
      name: 'ApplicationDoesNotExistException',
      message: 'No application found for name: nope',
    });
    await expect(codedeploy.send(new BatchGetApplicationsCommand({ applicationNames: ['demo', 'nope'] }))).rejects.toThrow(ApplicationDoesNotExistException);
    await expect(codedeploy.send(new CreateApplicationCommand({ applicationName: '' }))).rejects.toMatchObject({ name: 'ApplicationNameRequiredException' });
    await expect(codedeploy.send(new CreateApplicationCommand({ applicationName: 'bad name!' }))).rejects.toMatchObject({ name: 'InvalidApplicationNameException' });

    await codedeploy.send(new TagResourceCommand({ ResourceArn: APP_ARN, Tags: [{ Key: 'b', Value: '2' }, { Key: 'a', Value: '3' }] }));
    await codedeploy.send(new UntagResourceCommand({ ResourceArn: APP_ARN, TagKeys: ['b'] }));
    expect((await codedeploy.send(new ListTagsForResourceCommand({ ResourceArn: APP_ARN }))).Tags).toEqual([{ Key: 'a', Value: '3' }]);
    await expect(codedeploy.send(new ListTagsForResourceCommand({ ResourceArn: 'arn:aws:s3:::bucket' }))).rejects.toMatchObject({ name: 'InvalidArnException' });
    await expect(
      codedeploy.send(new ListTagsForResourceCommand({ ResourceArn: `arn:aws:codedeploy:${REGION}:${ACCOUNT}:application:nope` })),
    ).rejects.toMatchObject({ name: 'ApplicationDoesNotExistException' });

    await codedeploy.send(new DeleteApplicationCommand({ applicationName: 'other' }));
    await codedeploy.send(new DeleteApplicationCommand({ applicationName: 'other' })); // gone already: no error, as on AWS
    expect((await codedeploy.send(new ListApplicationsCommand({}))).applications).toEqual(['demo']);
    expect(env.sandbox.inventory().filter((i) => i.service === 'codedeploy')).toEqual([
      { service: 'codedeploy', type: 'application', id: APP_ARN, key: 'demo', tags: { a: '3' } },
    ]);
  });
});

// ---- Deployment groups -------------------------------------------------------------------------

describe('deployment groups', () => {
  it('creates a blue/green ECS group and describes it as AWS does, then updates and renames it', async () => {
    const w = await world();
    await codedeploy.send(new CreateApplicationCommand({ applicationName: 'demo', computePlatform: 'ECS' }));
    const created = await codedeploy.send(
      new CreateDeploymentGroupCommand(groupInput(w, { blueGreenDeploymentConfiguration: undefined, autoRollbackConfiguration: undefined })),
    );
    expect(created.deploymentGroupId).toMatch(/^[0-9a-f-]{36}$/);

    const info = (await codedeploy.send(new GetDeploymentGroupCommand({ applicationName: 'demo', deploymentGroupName: 'demo-prod' }))).deploymentGroupInfo;
    expect(info).toEqual({
      applicationName: 'demo',
      deploymentGroupId: created.deploymentGroupId,
      deploymentGroupName: 'demo-prod',
      deploymentConfigName: 'CodeDeployDefault.ECSAllAtOnce',
      ec2TagFilters: [],
      onPremisesInstanceTagFilters: [],
      autoScalingGroups: [],
      serviceRoleArn: ROLE,
      triggerConfigurations: [],
      alarmConfiguration: { enabled: false, ignorePollAlarmFailure: false, alarms: [] },
      autoRollbackConfiguration: { enabled: false, events: [] },
      deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      outdatedInstancesStrategy: 'UPDATE',
      blueGreenDeploymentConfiguration: {
        terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 0 },
        deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT', waitTimeInMinutes: 0 },
      },
      loadBalancerInfo: {
        targetGroupPairInfoList: [
          {
            targetGroups: [{ name: 'demo-prod-blue' }, { name: 'demo-prod-green' }],
            prodTrafficRoute: { listenerArns: [w.prodListener] },
            testTrafficRoute: { listenerArns: [w.testListener] },
          },
        ],
      },
      computePlatform: 'ECS',
      ecsServices: [{ serviceName: 'demo-prod', clusterName: 'demo' }],
      terminationHookEnabled: false,
    });
    expect((await codedeploy.send(new ListTagsForResourceCommand({ ResourceArn: GROUP_ARN }))).Tags).toEqual([{ Key: 'shipline:stack', Value: 'demo' }]);
    expect((await codedeploy.send(new ListDeploymentGroupsCommand({ applicationName: 'demo' }))).deploymentGroups).toEqual(['demo-prod']);

    await codedeploy.send(
      new UpdateDeploymentGroupCommand({
        applicationName: 'demo',
        currentDeploymentGroupName: 'demo-prod',
        newDeploymentGroupName: 'demo-live',
        deploymentConfigName: 'CodeDeployDefault.ECSCanary10Percent5Minutes',
        autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST'] },
      }),
    );
    await expect(
      codedeploy.send(new GetDeploymentGroupCommand({ applicationName: 'demo', deploymentGroupName: 'demo-prod' })),
    ).rejects.toMatchObject({ name: 'DeploymentGroupDoesNotExistException', message: 'No Deployment Group found for name: demo-prod' });
    const updated = (await codedeploy.send(new GetDeploymentGroupCommand({ applicationName: 'demo', deploymentGroupName: 'demo-live' }))).deploymentGroupInfo;
    expect(updated).toMatchObject({
      deploymentGroupId: created.deploymentGroupId,
      deploymentConfigName: 'CodeDeployDefault.ECSCanary10Percent5Minutes',
      autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST'] },
      serviceRoleArn: ROLE,
      ecsServices: [{ serviceName: 'demo-prod', clusterName: 'demo' }],
    });
    const live = `arn:aws:codedeploy:${REGION}:${ACCOUNT}:deploymentgroup:demo/demo-live`;
    expect((await codedeploy.send(new ListTagsForResourceCommand({ ResourceArn: live }))).Tags).toEqual([{ Key: 'shipline:stack', Value: 'demo' }]);
    await expect(codedeploy.send(new ListTagsForResourceCommand({ ResourceArn: GROUP_ARN }))).rejects.toThrow(DeploymentGroupDoesNotExistException);
  });

  it('reads many groups in one BatchGetDeploymentGroups: the missing ones left out and named, no error', async () => {
    const w = await world();
    await codedeploy.send(new CreateApplicationCommand({ applicationName: 'demo', computePlatform: 'ECS' }));
    await codedeploy.send(new CreateDeploymentGroupCommand(groupInput(w)));
    const one = (await codedeploy.send(new GetDeploymentGroupCommand({ applicationName: 'demo', deploymentGroupName: 'demo-prod' }))).deploymentGroupInfo;

    const both = await codedeploy.send(new BatchGetDeploymentGroupsCommand({ applicationName: 'demo', deploymentGroupNames: ['demo-gone', 'demo-prod'] }));
    expect(both.deploymentGroupsInfo).toEqual([one]);
    expect(both.errorMessage).toContain('demo-gone');
    const found = await codedeploy.send(new BatchGetDeploymentGroupsCommand({ applicationName: 'demo', deploymentGroupNames: ['demo-prod'] }));
    expect(found).toMatchObject({ deploymentGroupsInfo: [one] });
    expect(found.errorMessage).toBeUndefined();

    const refused = (input: { applicationName: string; deploymentGroupNames: string[] }) =>
      codedeploy.send(new BatchGetDeploymentGroupsCommand(input)).catch((e: { name: string }) => e.name);
    expect(await refused({ applicationName: 'nope', deploymentGroupNames: ['demo-prod'] })).toBe('ApplicationDoesNotExistException');
    expect(await refused({ applicationName: 'demo', deploymentGroupNames: [] })).toBe('DeploymentGroupNameRequiredException');
    expect(await refused({ applicationName: 'demo', deploymentGroupNames: Array.from({ length: 101 }, (_, i) => `g${i}`) })).toBe('BatchLimitExceededException');
    expect(await refused({ applicationName: 'demo', deploymentGroupNames: ['not valid!'] })).toBe('InvalidDeploymentGroupNameException');
  });

  it('refuses every invalid group with AWS error names, creating nothing', async () => {
    const w = await world();
    await codedeploy.send(new CreateApplicationCommand({ applicationName: 'demo', computePlatform: 'ECS' }));
    await codedeploy.send(new CreateApplicationCommand({ applicationName: 'servers', computePlatform: 'Server' }));
    // A second service, deployed by ECS itself, and a second CODE_DEPLOY one.
    await ecs.send(
      new CreateServiceCommand({ cluster: 'demo', serviceName: 'rolling', taskDefinition: w.taskDefinition, launchType: 'FARGATE', desiredCount: 0,
        networkConfiguration: (await ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['demo-prod'] }))).services?.[0]?.networkConfiguration }),
    );
    const pair = (targetGroups: Array<{ name: string }>, prod = [w.prodListener], test: string[] = []) => ({
      loadBalancerInfo: { targetGroupPairInfoList: [{ targetGroups, prodTrafficRoute: { listenerArns: prod }, ...(test.length ? { testTrafficRoute: { listenerArns: test } } : {}) }] },
    });
    const twoGroups = [{ name: 'demo-prod-blue' }, { name: 'demo-prod-green' }];
    const cases: Array<[string, Partial<CreateDeploymentGroupCommandInput>]> = [
      ['ApplicationNameRequiredException', { applicationName: undefined }],
      ['ApplicationDoesNotExistException', { applicationName: 'nope' }],
      ['DeploymentGroupNameRequiredException', { deploymentGroupName: undefined }],
      ['RoleRequiredException', { serviceRoleArn: undefined }],
      ['InvalidRoleException', { serviceRoleArn: `arn:aws:iam::${ACCOUNT}:role/nope` }],
      ['InvalidRoleException', { serviceRoleArn: 'not-an-arn' }],
      ['DeploymentConfigDoesNotExistException', { deploymentConfigName: 'my-config' }],
      ['InvalidDeploymentConfigNameException', { deploymentConfigName: 'CodeDeployDefault.OneAtATime' }],
      ['InvalidDeploymentStyleException', { deploymentStyle: undefined }],
      ['InvalidDeploymentStyleException', { deploymentStyle: { deploymentType: 'IN_PLACE', deploymentOption: 'WITHOUT_TRAFFIC_CONTROL' } }],
      ['InvalidBlueGreenDeploymentConfigurationException', { blueGreenDeploymentConfiguration: { terminateBlueInstancesOnDeploymentSuccess: { action: 'KEEP_ALIVE' } } }],
      ['InvalidBlueGreenDeploymentConfigurationException', { blueGreenDeploymentConfiguration: { terminateBlueInstancesOnDeploymentSuccess: { terminationWaitTimeInMinutes: 3000 } } }],
      ['InvalidBlueGreenDeploymentConfigurationException', { blueGreenDeploymentConfiguration: { greenFleetProvisioningOption: { action: 'COPY_AUTO_SCALING_GROUP' } } }],
      ['InvalidECSServiceException', { ecsServices: [] }],
      ['InvalidECSServiceException', { ecsServices: [{ clusterName: 'demo', serviceName: 'nope' }] }],
      ['InvalidECSServiceException', { ecsServices: [{ clusterName: 'nope', serviceName: 'demo-prod' }] }],
      ['InvalidECSServiceException', { ecsServices: [{ clusterName: 'demo', serviceName: 'rolling' }] }],
      ['ECSServiceMappingLimitExceededException', { ecsServices: [{ clusterName: 'demo', serviceName: 'demo-prod' }, { clusterName: 'demo', serviceName: 'rolling' }] }],
      ['InvalidLoadBalancerInfoException', { loadBalancerInfo: undefined }],
      ['InvalidLoadBalancerInfoException', { loadBalancerInfo: { targetGroupInfoList: [{ name: 'demo-prod-blue' }] } }],
      ['InvalidTargetGroupPairException', pair([{ name: 'demo-prod-blue' }])],
      ['InvalidTargetGroupPairException', pair([{ name: 'demo-prod-blue' }, { name: 'demo-prod-blue' }])],
      ['InvalidTargetGroupPairException', pair([{ name: 'demo-prod-blue' }, { name: 'nope' }])],
      ['InvalidTargetGroupPairException', pair(twoGroups, [])],
      ['InvalidTargetGroupPairException', pair(twoGroups, [w.prodListener.replace(/\/[0-9a-f]+$/, '/0123456789abcdef')])],
      ['InvalidTargetGroupPairException', pair(twoGroups, [w.prodListener], [w.testListener, w.prodListener])],
    ];
    for (const [name, overrides] of cases) {
      await expect(codedeploy.send(new CreateDeploymentGroupCommand(groupInput(w, overrides)))).rejects.toMatchObject({ name });
    }
    await expect(codedeploy.send(new CreateDeploymentGroupCommand(groupInput(w, { applicationName: 'servers' })))).rejects.toMatchObject({
      name: 'SandboxNotModelled',
    });
    expect((await codedeploy.send(new ListDeploymentGroupsCommand({ applicationName: 'demo' }))).deploymentGroups).toEqual([]);

    await codedeploy.send(new CreateDeploymentGroupCommand(groupInput(w)));
    await expect(codedeploy.send(new CreateDeploymentGroupCommand(groupInput(w)))).rejects.toMatchObject({ name: 'DeploymentGroupAlreadyExistsException' });
    // One group per service.
    await expect(codedeploy.send(new CreateDeploymentGroupCommand(groupInput(w, { deploymentGroupName: 'again' })))).rejects.toMatchObject({
      name: 'InvalidECSServiceException',
    });
    await expect(
      codedeploy.send(new UpdateDeploymentGroupCommand({ applicationName: 'demo', currentDeploymentGroupName: 'demo-prod', serviceRoleArn: `arn:aws:iam::${ACCOUNT}:role/nope` })),
    ).rejects.toMatchObject({ name: 'InvalidRoleException' });
    await expect(
      codedeploy.send(new UpdateDeploymentGroupCommand({ applicationName: 'demo', currentDeploymentGroupName: 'nope', deploymentConfigName: 'CodeDeployDefault.ECSAllAtOnce' })),
    ).rejects.toMatchObject({ name: 'DeploymentGroupDoesNotExistException' });
  });

  it('deletes groups (idempotently) and, with the application, its groups and deployments', async () => {
    const w = await deploymentGroup();
    const id = await deploy(appSpecYaml(await registerTaskDefinition('demo:v2')));
    expect(env.sandbox.inventory().filter((i) => i.service === 'codedeploy').map((i) => [i.type, i.key, i.tags])).toEqual([
      ['application', 'demo', { 'shipline:stack': 'demo' }],
      ['deployment-group', 'demo/demo-prod', { 'shipline:stack': 'demo' }],
    ]);

    await codedeploy.send(new DeleteDeploymentGroupCommand({ applicationName: 'demo', deploymentGroupName: 'demo-prod' }));
    await codedeploy.send(new DeleteDeploymentGroupCommand({ applicationName: 'demo', deploymentGroupName: 'demo-prod' }));
    await expect(codedeploy.send(new GetDeploymentGroupCommand({ applicationName: 'demo', deploymentGroupName: 'demo-prod' }))).rejects.toThrow(
      DeploymentGroupDoesNotExistException,
    );
    await expect(codedeploy.send(new DeleteDeploymentGroupCommand({ applicationName: 'nope', deploymentGroupName: 'demo-prod' }))).rejects.toThrow(
      ApplicationDoesNotExistException,
    );
    // The service is free for a new group again.
    await codedeploy.send(new CreateDeploymentGroupCommand(groupInput(w, { deploymentGroupName: 'again' })));
    expect((await deployment(id)).status).toBe('Succeeded');

    await codedeploy.send(new DeleteApplicationCommand({ applicationName: 'demo' }));
    await expect(codedeploy.send(new GetDeploymentCommand({ deploymentId: id }))).rejects.toMatchObject({ name: 'DeploymentDoesNotExistException' });
    expect(env.sandbox.inventory().filter((i) => i.service === 'codedeploy')).toEqual([]);
  });
});

// ---- Deployments -------------------------------------------------------------------------------

describe('a deployment', () => {
  it('swaps the service to the new task definition and the production listener to the other target group', async () => {
    const w = await deploymentGroup();
    const v2 = await registerTaskDefinition('demo:v2');
    const id = await deploy(appSpecYaml(v2));
    expect(id).toMatch(/^d-[A-Z0-9]{9}$/);
    await waitUntilDeploymentSuccessful({ client: codedeploy, ...WAIT }, { deploymentId: id });

    const info = await deployment(id);
    expect(info).toMatchObject({
      applicationName: 'demo',
      deploymentGroupName: 'demo-prod',
      deploymentConfigName: 'CodeDeployDefault.ECSAllAtOnce',
      deploymentId: id,
      status: 'Succeeded',
      creator: 'user',
      description: 'release',
      computePlatform: 'ECS',
      deploymentOverview: { Pending: 0, InProgress: 0, Succeeded: 1, Failed: 0, Skipped: 0, Ready: 0 },
      deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      revision: { revisionType: 'AppSpecContent', appSpecContent: { content: appSpecYaml(v2) } },
      instanceTerminationWaitTimeStarted: true,
    });
    expect(info.errorInformation).toBeUndefined();
    expect(info.completeTime?.toISOString()).toBe('2026-01-01T00:00:00.000Z');

    // The service runs v2 in green; prod and test traffic go there; /dev is untouched.
    expect(await serviceTaskDefinition()).toBe(v2);
    await waitUntilServicesStable({ client: ecs, ...WAIT }, { cluster: 'demo', services: ['demo-prod'] });
    expect(await serviceImage()).toBe('demo:v2');
    expect(await forwards(w.prodListener)).toEqual({ 10: w.dev, default: w.green });
    expect(await forwards(w.testListener)).toEqual({ default: w.green });
    expect(await targetStates(w.green)).toHaveLength(1);
    expect(await targetStates(w.blue)).not.toContain('healthy');
    // CodeDeploy leaves a weighted forward naming both groups, not a single-target one.
    const listener = (await elbv2.send(new DescribeListenersCommand({ ListenerArns: [w.prodListener] }))).Listeners?.[0];
    expect(listener?.DefaultActions?.[0]?.TargetGroupArn).toBeUndefined();
    expect(listener?.DefaultActions?.[0]?.ForwardConfig?.TargetGroups).toEqual([
      { TargetGroupArn: w.green, Weight: 100 },
      { TargetGroupArn: w.blue, Weight: 0 },
    ]);

    // The next one (JSON AppSpec) goes back to blue.
    const v3 = await registerTaskDefinition('demo:v3');
    const json = JSON.stringify({
      version: 0.0,
      Resources: [{ TargetService: { Type: 'AWS::ECS::Service', Properties: { TaskDefinition: v3, LoadBalancerInfo: { ContainerName: 'web', ContainerPort: 80 } } } }],
    });
    const second = await deploy(json);
    expect(await deployment(second)).toMatchObject({ status: 'Succeeded', previousRevision: { appSpecContent: { content: appSpecYaml(v2) } } });
    expect(await serviceTaskDefinition()).toBe(v3);
    expect(await forwards(w.prodListener)).toEqual({ 10: w.dev, default: w.blue });

    const group = (await codedeploy.send(new GetDeploymentGroupCommand({ applicationName: 'demo', deploymentGroupName: 'demo-prod' }))).deploymentGroupInfo;
    expect(group?.lastSuccessfulDeployment).toMatchObject({ deploymentId: second, status: 'Succeeded' });
    expect(group?.lastAttemptedDeployment).toMatchObject({ deploymentId: second, status: 'Succeeded' });
    expect(group?.targetRevision?.appSpecContent?.content).toBe(json);
    const listed = await codedeploy.send(new ListDeploymentsCommand({ applicationName: 'demo', deploymentGroupName: 'demo-prod' }));
    expect(listed.deployments?.sort()).toEqual([id, second].sort());
    expect((await codedeploy.send(new ListDeploymentsCommand({ includeOnlyStatuses: ['Failed'] }))).deployments).toEqual([]);
  });

  it("fails a deployment its service role's policies do not allow, naming the action (IAM_ROLE_PERMISSIONS)", async () => {
    const w = await deploymentGroup();
    const v2 = await registerTaskDefinition('demo:v2');
    const actions = actionsOfWork(['codeDeployEcsBlueGreen']).filter((a) => a !== 'elasticloadbalancing:ModifyListener');
    env.sandbox.iam.putRolePolicy({
      RoleName: 'demo-codedeploy',
      PolicyName: 'test-codeDeployEcsBlueGreen',
      PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }] }),
    });
    const id = await deploy(appSpecYaml(v2));
    await expect(waitUntilDeploymentSuccessful({ client: codedeploy, ...WAIT }, { deploymentId: id })).rejects.toThrow();
    const failed = await deployment(id);
    expect(failed.status).toBe('Failed');
    expect(failed.errorInformation?.code).toBe('IAM_ROLE_PERMISSIONS');
    expect(failed.errorInformation?.message).toMatch(/not authorized to perform: elasticloadbalancing:ModifyListener on resource: arn:aws:elasticloadbalancing:/);
    expect(await serviceTaskDefinition()).toBe(w.taskDefinition);
    expect(await forwards(w.prodListener)).toEqual({ 10: w.dev, default: w.blue });

    // With AWSCodeDeployRoleForECSLimited attached, as shipline does, the same deployment goes through.
    env.sandbox.iam.deleteRolePolicy({ RoleName: 'demo-codedeploy', PolicyName: 'test-codeDeployEcsBlueGreen' });
    env.sandbox.iam.attachRolePolicy({ RoleName: 'demo-codedeploy', PolicyArn: 'arn:aws:iam::aws:policy/AWSCodeDeployRoleForECSLimited' });
    const second = await deploy(appSpecYaml(v2));
    await waitUntilDeploymentSuccessful({ client: codedeploy, ...WAIT }, { deploymentId: second });
    expect(await serviceTaskDefinition()).toBe(v2);
  });

  it('fails with a rolled-back deployment when told to, leaving the service and listeners as they were', async () => {
    const w = await deploymentGroup();
    const v2 = await registerTaskDefinition('demo:v2');
    env.sandbox.codedeploy.simulateDeploymentFailure('demo-prod');
    const id = await deploy(appSpecYaml(v2));
    await expect(waitUntilDeploymentSuccessful({ client: codedeploy, ...WAIT }, { deploymentId: id })).rejects.toThrow();

    const failed = await deployment(id);
    expect(failed).toMatchObject({
      status: 'Failed',
      errorInformation: { code: 'ECS_UPDATE_ERROR' },
      deploymentOverview: { Failed: 1, Succeeded: 0 },
    });
    const rollbackId = failed.rollbackInfo?.rollbackDeploymentId ?? '';
    expect(rollbackId).toMatch(/^d-[A-Z0-9]{9}$/);
    const rollback = await deployment(rollbackId);
    expect(rollback).toMatchObject({ status: 'Succeeded', creator: 'codeDeployRollback', rollbackInfo: { rollbackTriggeringDeploymentId: id } });
    expect(rollback.revision?.appSpecContent?.content).toContain(w.taskDefinition);

    expect(await serviceTaskDefinition()).toBe(w.taskDefinition);
    expect(await serviceImage()).toBe(PLACEHOLDER_IMAGE);
    expect(await forwards(w.prodListener)).toEqual({ 10: w.dev, default: w.blue });
    expect(await forwards(w.testListener)).toEqual({ default: w.blue });
    const listed = await codedeploy.send(new ListDeploymentsCommand({ applicationName: 'demo', deploymentGroupName: 'demo-prod', includeOnlyStatuses: ['Failed'] }));
    expect(listed.deployments).toEqual([id]);

    // Only the next deployment failed.
    const retry = await deploy(appSpecYaml(v2));
    expect((await deployment(retry)).status).toBe('Succeeded');
    expect(await serviceTaskDefinition()).toBe(v2);
  });

  it('fails without rollback, and fails deployments whose AppSpec or task definition is wrong', async () => {
    const w = await deploymentGroup({ autoRollbackConfiguration: { enabled: false } });
    env.sandbox.codedeploy.simulateDeploymentFailure('demo-prod', 'demo');
    const v2 = await registerTaskDefinition('demo:v2');
    const failed = await deployment(await deploy(appSpecYaml(v2)));
    expect(failed.status).toBe('Failed');
    expect(failed.rollbackInfo).toBeUndefined();
    expect(await serviceTaskDefinition()).toBe(w.taskDefinition);

    const broken = await deployment(await deploy('version: 0.0\nResources:\n  - TargetService:\n      Type: AWS::ECS::Service\n'));
    expect(broken).toMatchObject({ status: 'Failed', errorInformation: { code: 'INVALID_REVISION' } });
    expect(broken.errorInformation?.message).toContain('Properties');
    const garbled = await deployment(await deploy('Resources:\n  - TargetService:\n    Type: x\n   Bad: indent\n'));
    expect(garbled).toMatchObject({ status: 'Failed', errorInformation: { code: 'INVALID_REVISION' } });
    const missing = await deployment(await deploy(appSpecYaml(`arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/demo-prod:99`)));
    expect(missing).toMatchObject({ status: 'Failed', errorInformation: { code: 'ECS_UPDATE_ERROR' } });
    const wrongPort = await deployment(await deploy(appSpecYaml(v2).replace('ContainerPort: 80', 'ContainerPort: 8080')));
    expect(wrongPort).toMatchObject({ status: 'Failed', errorInformation: { code: 'ECS_UPDATE_ERROR' } });
    expect(await serviceTaskDefinition()).toBe(w.taskDefinition);
  });

  it('refuses deployments AWS refuses', async () => {
    await deploymentGroup({ blueGreenDeploymentConfiguration: { deploymentReadyOption: { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 30 } } });
    const v2 = await registerTaskDefinition('demo:v2');
    const content = appSpecYaml(v2);
    const send = (input: Partial<ConstructorParameters<typeof CreateDeploymentCommand>[0]>) =>
      codedeploy.send(
        new CreateDeploymentCommand({
          applicationName: 'demo',
          deploymentGroupName: 'demo-prod',
          revision: { revisionType: 'AppSpecContent', appSpecContent: { content } },
          ...input,
        }),
      );
    await expect(send({ applicationName: 'nope' })).rejects.toMatchObject({ name: 'ApplicationDoesNotExistException' });
    await expect(send({ deploymentGroupName: undefined })).rejects.toMatchObject({ name: 'DeploymentGroupNameRequiredException' });
    await expect(send({ deploymentGroupName: 'nope' })).rejects.toMatchObject({ name: 'DeploymentGroupDoesNotExistException' });
    await expect(send({ revision: undefined })).rejects.toMatchObject({ name: 'RevisionRequiredException' });
    await expect(send({ revision: { revisionType: 'String', string: { content } } })).rejects.toMatchObject({ name: 'InvalidRevisionException' });
    await expect(send({ revision: { revisionType: 'AppSpecContent', appSpecContent: { content, sha256: '00' } } })).rejects.toMatchObject({
      name: 'InvalidRevisionException',
    });
    await expect(send({ deploymentConfigName: 'CodeDeployDefault.AllAtOnce' })).rejects.toMatchObject({ name: 'InvalidDeploymentConfigNameException' });
    await expect(send({ revision: { revisionType: 'AppSpecContent', appSpecContent: { content: `${content}Hooks:\n  - BeforeInstall: fn\n` } } })).rejects.toMatchObject({
      name: 'SandboxNotModelled',
    });
    expect((await codedeploy.send(new ListDeploymentsCommand({}))).deployments).toEqual([]);

    const sha256 = createHash('sha256').update(content).digest('hex');
    const waiting = (await send({ revision: { revisionType: 'AppSpecContent', appSpecContent: { content, sha256 } } })).deploymentId ?? '';
    expect((await deployment(waiting)).status).toBe('Ready');
    await expect(send({})).rejects.toMatchObject({
      name: 'DeploymentLimitExceededException',
      message: `The Deployment Group 'demo-prod' already has an active Deployment '${waiting}'`,
    });
    await expect(codedeploy.send(new GetDeploymentCommand({ deploymentId: 'd-NOPE12345' }))).rejects.toMatchObject({ name: 'DeploymentDoesNotExistException' });
    await expect(codedeploy.send(new GetDeploymentCommand({ deploymentId: 'nope' }))).rejects.toMatchObject({ name: 'InvalidDeploymentIdException' });
    await expect(codedeploy.send(new ListDeploymentsCommand({ applicationName: 'demo' }))).rejects.toMatchObject({ name: 'DeploymentGroupNameRequiredException' });
  });

  it('waits in Ready with test traffic on the replacement until ContinueDeployment (STOP_DEPLOYMENT)', async () => {
    const w = await deploymentGroup({ blueGreenDeploymentConfiguration: { deploymentReadyOption: { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 60 } } });
    const v2 = await registerTaskDefinition('demo:v2');
    const id = await deploy(appSpecYaml(v2));
    expect(await deployment(id)).toMatchObject({ status: 'Ready', deploymentOverview: { Ready: 1 } });
    expect(await forwards(w.testListener)).toEqual({ default: w.green });
    expect(await forwards(w.prodListener)).toEqual({ 10: w.dev, default: w.blue });
    expect(await serviceTaskDefinition()).toBe(w.taskDefinition);
    await expect(codedeploy.send(new ContinueDeploymentCommand({ deploymentId: id, deploymentWaitType: 'TERMINATION_WAIT' }))).rejects.toMatchObject({
      name: 'DeploymentIsNotInReadyStateException',
    });

    await codedeploy.send(new ContinueDeploymentCommand({ deploymentId: id }));
    expect((await deployment(id)).status).toBe('Succeeded');
    expect(await serviceTaskDefinition()).toBe(v2);
    expect(await forwards(w.prodListener)).toEqual({ 10: w.dev, default: w.green });
    await expect(codedeploy.send(new ContinueDeploymentCommand({ deploymentId: id }))).rejects.toMatchObject({ name: 'DeploymentAlreadyCompletedException' });
    await expect(codedeploy.send(new StopDeploymentCommand({ deploymentId: id }))).rejects.toMatchObject({ name: 'DeploymentAlreadyCompletedException' });

    // Stopped while Ready: test traffic comes back to the task set that serves production.
    const next = await deploy(appSpecYaml(await registerTaskDefinition('demo:v3')));
    expect(await forwards(w.testListener)).toEqual({ default: w.blue });
    await codedeploy.send(new StopDeploymentCommand({ deploymentId: next }));
    expect(await deployment(next)).toMatchObject({ status: 'Stopped', errorInformation: { code: 'MANUAL_STOP' } });
    expect(await forwards(w.testListener)).toEqual({ default: w.green });
    expect(await forwards(w.prodListener)).toEqual({ 10: w.dev, default: w.green });
    expect(await serviceTaskDefinition()).toBe(v2);
  });

  it('stops a deployment, rolling back when asked: before the reroute, and after it', async () => {
    const clock = new TestClock();
    env.restart({ msPerSimSecond: 1, latencies: { 'codedeploy.deployment': 800, 'ecs.service.stable': 1, 'elbv2.loadBalancer.active': 1 }, clock: clock.now });
    clock.run();
    // A 30-minute termination wait is 1800 simulated seconds: 1.8 s on this clock.
    const w = await deploymentGroup({
      blueGreenDeploymentConfiguration: {
        terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 30 },
        deploymentReadyOption: { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 60 },
      },
    });
    const v2 = await registerTaskDefinition('demo:v2');

    // Stopped while in progress, before the replacement is even up: nothing moved.
    clock.hold();
    const early = await deploy(appSpecYaml(v2));
    expect(['Created', 'InProgress']).toContain((await deployment(early)).status);
    await expect(codedeploy.send(new ContinueDeploymentCommand({ deploymentId: early }))).rejects.toMatchObject({ name: 'DeploymentIsNotInReadyStateException' });
    expect(await codedeploy.send(new StopDeploymentCommand({ deploymentId: early }))).toMatchObject({ status: 'Pending', statusMessage: 'Stopping Active deployment' });
    expect(await deployment(early)).toMatchObject({ status: 'Stopped', errorInformation: { code: 'MANUAL_STOP' } });
    expect((await deployment(early)).rollbackInfo).toBeUndefined();

    // Ready, continued, stopped with rollback during the termination wait: traffic moves back.
    const late = await deploy(appSpecYaml(v2));
    await clock.advanceUntil(async () => (await deployment(late)).status === 'Ready');
    expect(await forwards(w.testListener)).toEqual({ default: w.green });
    await codedeploy.send(new ContinueDeploymentCommand({ deploymentId: late }));
    await clock.advanceUntil(async () => (await deployment(late)).instanceTerminationWaitTimeStarted === true);
    expect((await deployment(late)).status).toBe('InProgress');
    expect(await serviceTaskDefinition()).toBe(v2);
    expect(await forwards(w.prodListener)).toEqual({ 10: w.dev, default: w.green });
    await codedeploy.send(new StopDeploymentCommand({ deploymentId: late, autoRollbackEnabled: true }));
    const stopped = await deployment(late);
    expect(stopped.status).toBe('Stopped');
    expect((await deployment(stopped.rollbackInfo?.rollbackDeploymentId ?? '')).status).toBe('Succeeded');
    expect(await serviceTaskDefinition()).toBe(w.taskDefinition);
    expect(await forwards(w.prodListener)).toEqual({ 10: w.dev, default: w.blue });
    expect(await forwards(w.testListener)).toEqual({ default: w.blue });

    // TERMINATION_WAIT skips the wait.
    const third = await deploy(appSpecYaml(v2));
    await clock.advanceUntil(async () => (await deployment(third)).status === 'Ready');
    await codedeploy.send(new ContinueDeploymentCommand({ deploymentId: third }));
    await clock.advanceUntil(async () => (await deployment(third)).instanceTerminationWaitTimeStarted === true);
    await codedeploy.send(new ContinueDeploymentCommand({ deploymentId: third, deploymentWaitType: 'TERMINATION_WAIT' }));
    expect((await deployment(third)).status).toBe('Succeeded');
    expect(await serviceTaskDefinition()).toBe(v2);
  });

  it('ends Stopped when nobody continues it before the ready wait runs out', async () => {
    env.restart({ msPerSimSecond: 1, latencies: { 'codedeploy.deployment': 40, 'ecs.service.stable': 1, 'elbv2.loadBalancer.active': 1 } });
    const w = await deploymentGroup({ blueGreenDeploymentConfiguration: { deploymentReadyOption: { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 1 } } });
    const id = await deploy(appSpecYaml(await registerTaskDefinition('demo:v2')));
    await until(async () => (await deployment(id)).status === 'Stopped');
    const info = await deployment(id);
    expect(info.errorInformation?.code).toBe('TIMEOUT');
    const waited = (info.completeTime?.getTime() ?? 0) - (info.createTime?.getTime() ?? 0);
    expect(Math.abs(waited - 80_000)).toBeLessThanOrEqual(5); // 20 s to the replacement task set, then the 60 s wait
    expect(await forwards(w.testListener)).toEqual({ default: w.blue });
    expect(await serviceTaskDefinition()).toBe(w.taskDefinition);
  });

  it('goes Created → InProgress → Succeeded on a running clock', async () => {
    const clock = new TestClock();
    env.restart({ msPerSimSecond: 1, latencies: { 'codedeploy.deployment': 60, 'ecs.service.stable': 1, 'elbv2.loadBalancer.active': 1 }, clock: clock.now });
    clock.run();
    const w = await deploymentGroup({ blueGreenDeploymentConfiguration: undefined });
    clock.hold();
    const id = await deploy(appSpecYaml(await registerTaskDefinition('demo:v2')));
    const seen = new Set<string>();
    await clock.advanceUntil(async () => {
      const info = await deployment(id);
      seen.add(info.status ?? '');
      return info.status === 'Succeeded';
    });
    expect(seen).toContain('InProgress');
    const info = await deployment(id);
    const took = (info.completeTime?.getTime() ?? 0) - (info.createTime?.getTime() ?? 0);
    expect(Math.abs(took - 60_000)).toBeLessThanOrEqual(5);
    expect(await forwards(w.prodListener)).toEqual({ 10: w.dev, default: w.green });
  });
});

// ---- Snapshots ---------------------------------------------------------------------------------

describe('pagination (pages of 5 in tests)', () => {
  it('pages ListApplications with a nextToken, refusing a token it did not give and batches past 100 names', async () => {
    const names = Array.from({ length: 7 }, (_, i) => `app-${i}`);
    for (const applicationName of names) await codedeploy.send(new CreateApplicationCommand({ applicationName, computePlatform: 'ECS' }));
    const pages: string[][] = [];
    for await (const page of paginateListApplications({ client: codedeploy }, {})) pages.push(page.applications ?? []);
    expect(pages.map((p) => p.length)).toEqual([5, 2]);
    expect(pages.flat()).toEqual(names);

    const first = await codedeploy.send(new ListApplicationsCommand({}));
    await expect(codedeploy.send(new ListApplicationsCommand({ nextToken: 'not-a-token' }))).rejects.toBeInstanceOf(InvalidNextTokenException);
    await expect(codedeploy.send(new ListDeploymentGroupsCommand({ applicationName: 'app-0', nextToken: first.nextToken }))).rejects.toBeInstanceOf(
      InvalidNextTokenException,
    );
    const many = Array.from({ length: 101 }, () => 'app-0');
    await expect(codedeploy.send(new BatchGetApplicationsCommand({ applicationNames: many }))).rejects.toBeInstanceOf(BatchLimitExceededException);
  });

  it("pages a group's deployments in no promised order (oldest first here), a token good only for the same group and statuses", async () => {
    await deploymentGroup();
    const ids: string[] = [];
    for (let i = 0; i < 6; i += 1) {
      const id = await deploy(appSpecYaml(await registerTaskDefinition(`demo:v${i + 2}`)));
      await waitUntilDeploymentSuccessful({ client: codedeploy, ...WAIT }, { deploymentId: id });
      ids.push(id);
    }
    const query = { applicationName: 'demo', deploymentGroupName: 'demo-prod', includeOnlyStatuses: ['Succeeded' as const] };
    const pages: string[][] = [];
    // The SDK's paginator writes its nextToken into the input it is given: hand it a copy.
    for await (const page of paginateListDeployments({ client: codedeploy }, { ...query })) pages.push(page.deployments ?? []);
    expect(pages.map((p) => p.length)).toEqual([5, 1]);
    expect(pages.flat()).toEqual(ids);

    const first = await codedeploy.send(new ListDeploymentsCommand(query));
    await expect(codedeploy.send(new ListDeploymentsCommand({ ...query, includeOnlyStatuses: ['Failed'], nextToken: first.nextToken }))).rejects.toBeInstanceOf(
      InvalidNextTokenException,
    );
  });
});

describe('snapshots', () => {
  it('carries applications, groups and a deployment waiting in Ready across a snapshot', async () => {
    const w = await deploymentGroup({ blueGreenDeploymentConfiguration: { deploymentReadyOption: { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 60 } } });
    env.sandbox.codedeploy.simulateDeploymentFailure('demo-prod');
    const v2 = await registerTaskDefinition('demo:v2');
    const failed = await deploy(appSpecYaml(v2));
    const waiting = await deploy(appSpecYaml(v2));
    const before = env.sandbox.inventory();

    env.restoreFrom(JSON.parse(JSON.stringify(env.sandbox.snapshot())));
    expect(env.sandbox.inventory()).toEqual(before);
    expect(await deployment(failed)).toMatchObject({ status: 'Failed' });
    expect(await deployment(waiting)).toMatchObject({ status: 'Ready' });
    await codedeploy.send(new ContinueDeploymentCommand({ deploymentId: waiting }));
    expect((await deployment(waiting)).status).toBe('Succeeded');
    expect(await serviceTaskDefinition()).toBe(v2);
    expect(await forwards(w.prodListener)).toEqual({ 10: w.dev, default: w.green });
    expect((await codedeploy.send(new ListDeploymentsCommand({}))).deployments).toHaveLength(3);
  });
});

// ---- Through CodePipeline ----------------------------------------------------------------------

describe('a CodeDeployToECS pipeline action', () => {
  const BUCKET = 'demo-artifacts-123456789012';
  const REPOSITORY_URL = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/demo`;

  async function pipeline(): Promise<{ w: World; pipelines: CodePipelineClient }> {
    const w = await deploymentGroup();
    const iam = new IAMClient({ region: REGION });
    const trust = (service: string): string =>
      JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }] });
    await iam.send(new CreateRoleCommand({ RoleName: 'demo-pipeline', AssumeRolePolicyDocument: trust('codepipeline.amazonaws.com') }));
    await iam.send(new CreateRoleCommand({ RoleName: 'demo-build', AssumeRolePolicyDocument: trust('codebuild.amazonaws.com') }));
    allowServiceWork(env.sandbox, 'demo-pipeline', 'pipeline', ['pipelineSource', 'pipelineBuild', 'pipelineCodeDeployToEcs']);
    allowServiceWork(env.sandbox, 'demo-build', 'build', ['codeBuildBuild']);
    await new S3Client({ region: REGION }).send(new CreateBucketCommand({ Bucket: BUCKET, CreateBucketConfiguration: { LocationConstraint: REGION } }));
    const connectionArn = (await new CodeStarConnectionsClient({ region: REGION }).send(new CreateConnectionCommand({ ProviderType: 'GitHub', ConnectionName: 'demo-github' })))
      .ConnectionArn ?? '';
    env.sandbox.connections.approveConnection(connectionArn);
    await new ECRClient({ region: REGION }).send(new CreateRepositoryCommand({ repositoryName: 'demo' }));
    await new CodeBuildClient({ region: REGION }).send(
      new CreateProjectCommand({
        name: 'demo-build',
        source: { type: 'CODEPIPELINE' },
        artifacts: { type: 'CODEPIPELINE' },
        environment: {
          type: 'ARM_CONTAINER',
          image: 'aws/codebuild/amazonlinux-aarch64-standard:3.0',
          computeType: 'BUILD_GENERAL1_SMALL',
          privilegedMode: true,
          environmentVariables: [{ name: 'ECR_REPOSITORY_URL', value: REPOSITORY_URL, type: 'PLAINTEXT' }, { name: 'CONTAINER_NAME', value: 'web', type: 'PLAINTEXT' }],
        },
        serviceRole: `arn:aws:iam::${ACCOUNT}:role/demo-build`,
      }),
    );
    const pipelines = new CodePipelineClient({ region: REGION });
    const type = (category: 'Source' | 'Build' | 'Deploy', provider: string) => ({ category, owner: 'AWS' as const, provider, version: '1' });
    await pipelines.send(
      new CreatePipelineCommand({
        pipeline: {
          name: 'demo',
          roleArn: `arn:aws:iam::${ACCOUNT}:role/demo-pipeline`,
          artifactStore: { type: 'S3', location: BUCKET },
          pipelineType: 'V2',
          stages: [
            {
              name: 'Source',
              actions: [{ name: 'Source', actionTypeId: type('Source', 'CodeStarSourceConnection'), outputArtifacts: [{ name: 'SourceOutput' }],
                configuration: { ConnectionArn: connectionArn, FullRepositoryId: 'my-org/demo-app', BranchName: 'main' } }],
            },
            {
              name: 'Build',
              actions: [{ name: 'Build', actionTypeId: type('Build', 'CodeBuild'), inputArtifacts: [{ name: 'SourceOutput' }], outputArtifacts: [{ name: 'BuildOutput' }],
                configuration: { ProjectName: 'demo-build' } }],
            },
            {
              name: 'Deploy-prod',
              actions: [
                {
                  name: 'Deploy',
                  actionTypeId: type('Deploy', 'CodeDeployToECS'),
                  inputArtifacts: [{ name: 'BuildOutput' }],
                  configuration: {
                    ApplicationName: 'demo',
                    DeploymentGroupName: 'demo-prod',
                    TaskDefinitionTemplateArtifact: 'BuildOutput',
                    AppSpecTemplateArtifact: 'BuildOutput',
                    Image1ArtifactName: 'BuildOutput',
                    Image1ContainerName: 'IMAGE1_NAME',
                  },
                },
              ],
            },
          ],
        },
      }),
    );
    return { w, pipelines };
  }

  it('deploys the built image blue/green, and fails the execution when the deployment fails', async () => {
    const { w, pipelines } = await pipeline();
    const deployState = async () =>
      (await pipelines.send(new GetPipelineStateCommand({ name: 'demo' }))).stageStates?.find((s) => s.stageName === 'Deploy-prod')?.actionStates?.[0]?.latestExecution;

    const first = await deployState();
    expect(first?.status).toBe('Succeeded');
    const id = first?.externalExecutionId ?? '';
    const info = await deployment(id);
    expect(info).toMatchObject({ status: 'Succeeded', applicationName: 'demo', deploymentGroupName: 'demo-prod' });
    const image = await serviceImage();
    expect(image).toMatch(new RegExp(`^${REPOSITORY_URL}:[0-9a-f]{7}$`));
    expect(info.revision?.appSpecContent?.content).toContain(await serviceTaskDefinition());
    expect(await forwards(w.prodListener)).toEqual({ 10: w.dev, default: w.green });

    env.sandbox.codedeploy.simulateDeploymentFailure('demo-prod');
    const before = await serviceTaskDefinition();
    env.sandbox.codepipeline.simulateCommit({ repository: 'my-org/demo-app', branch: 'main', message: 'Break it' });
    const second = await deployState();
    expect(second?.status).toBe('Failed');
    expect(second?.externalExecutionId).not.toBe(id);
    expect(second?.summary).toContain('failed');
    const executions = await pipelines.send(new StartPipelineExecutionCommand({ name: 'demo' }));
    const execution = await pipelines.send(new GetPipelineExecutionCommand({ pipelineName: 'demo', pipelineExecutionId: executions.pipelineExecutionId }));
    expect(execution.pipelineExecution?.status).toBe('Succeeded');
    expect(await serviceTaskDefinition()).not.toBe(before);
    expect(await forwards(w.prodListener)).toEqual({ 10: w.dev, default: w.blue });
  });

  it('fails at once when CodeDeploy refuses the deployment', async () => {
    const { pipelines } = await pipeline();
    await codedeploy.send(new DeleteDeploymentGroupCommand({ applicationName: 'demo', deploymentGroupName: 'demo-prod' }));
    const started = await pipelines.send(new StartPipelineExecutionCommand({ name: 'demo' }));
    const execution = await pipelines.send(new GetPipelineExecutionCommand({ pipelineName: 'demo', pipelineExecutionId: started.pipelineExecutionId }));
    expect(execution.pipelineExecution).toMatchObject({ status: 'Failed', statusSummary: 'No Deployment Group found for name: demo-prod' });
  });
});

async function until(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
