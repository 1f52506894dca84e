// The simulated CodePipeline, driven through the real SDK clients: a Source → Build → Deploy (dev)
// → Acceptance (approval, then prod) pipeline runs against sandbox resources made through their own
// APIs: IAM roles, the artifact bucket, a connection, an ECR repository, a CodeBuild project and an
// ECS cluster with two services.
import { CodeBuildClient, CreateProjectCommand, BatchGetBuildsCommand } from '@aws-sdk/client-codebuild';
import {
  ActionNotFoundException,
  ApprovalAlreadyCompletedException,
  CodePipelineClient,
  CreatePipelineCommand,
  DeletePipelineCommand,
  GetPipelineCommand,
  GetPipelineExecutionCommand,
  GetPipelineStateCommand,
  InvalidActionDeclarationException,
  InvalidApprovalTokenException,
  InvalidArnException,
  InvalidNextTokenException,
  InvalidStructureException,
  ListPipelineExecutionsCommand,
  ListPipelinesCommand,
  ListTagsForResourceCommand,
  paginateListPipelineExecutions,
  paginateListPipelines,
  PipelineExecutionNotFoundException,
  PipelineNameInUseException,
  PipelineNotFoundException,
  PipelineVersionNotFoundException,
  PutApprovalResultCommand,
  ResourceNotFoundException,
  StageNotFoundException,
  StartPipelineExecutionCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdatePipelineCommand,
  ValidationException,
  type ActionCategory,
  type ActionDeclaration,
  type ActionState,
  type PipelineDeclaration,
  type StageState,
} from '@aws-sdk/client-codepipeline';
import { CodeStarConnectionsClient, CreateConnectionCommand } from '@aws-sdk/client-codestar-connections';
import { CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateRepositoryCommand, DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  waitUntilServicesStable,
} from '@aws-sdk/client-ecs';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { Sandbox } from '../src/sandbox/sandbox';
import { ACCOUNT, REGION, useSandbox } from './helpers/sandbox-fixture';
import { actionsOfWork, allowServiceWork, executionRole } from './helpers/service-roles';
import { TestClock } from './helpers/test-clock';

const WAIT = { minDelay: 0.01, maxDelay: 0.05, maxWaitTime: 10 };
const PIPELINE_ROLE = `arn:aws:iam::${ACCOUNT}:role/demo-pipeline`;
const BUILD_ROLE = `arn:aws:iam::${ACCOUNT}:role/demo-build`;
const BUCKET = 'demo-artifacts-123456789012';
const REPOSITORY_URL = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/demo`;
const PLACEHOLDER_IMAGE = 'public.ecr.aws/nginx/nginx:latest';

const env = useSandbox();
let pipelines: CodePipelineClient;
let ecs: ECSClient;

beforeEach(() => {
  pipelines = new CodePipelineClient({ region: REGION });
  ecs = new ECSClient({ region: REGION });
});

// ---- The world a pipeline runs in ------------------------------------------------------------

interface Setup {
  connectionArn: string;
}

/**
 * Everything the reference pipeline needs, made through the services' own APIs: the two roles, the
 * artifact bucket, the GitHub connection (approved unless told otherwise), the ECR repository, the
 * build project, and cluster `demo` with services `demo-dev` and `demo-prod` running the placeholder.
 */
async function setup(options: { approveConnection?: boolean; buildVariables?: Array<{ name: string; value: string }> } = {}): Promise<Setup> {
  const iam = new IAMClient({ region: REGION });
  const trust = (service: string): string =>
    JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }] });
  await iam.send(new CreateRoleCommand({ RoleName: 'demo-pipeline', AssumeRolePolicyDocument: trust('codepipeline.amazonaws.com') }));
  await iam.send(new CreateRoleCommand({ RoleName: 'demo-build', AssumeRolePolicyDocument: trust('codebuild.amazonaws.com') }));
  allowServiceWork(env.sandbox, 'demo-pipeline', 'pipeline', ['pipelineSource', 'pipelineBuild', 'pipelineEcsDeploy']);
  allowServiceWork(env.sandbox, 'demo-build', 'build', ['codeBuildBuild']);

  await new S3Client({ region: REGION }).send(new CreateBucketCommand({ Bucket: BUCKET, CreateBucketConfiguration: { LocationConstraint: REGION } }));
  const connection = await new CodeStarConnectionsClient({ region: REGION }).send(
    new CreateConnectionCommand({ ProviderType: 'GitHub', ConnectionName: 'demo-github' }),
  );
  const connectionArn = connection.ConnectionArn ?? '';
  if (options.approveConnection ?? true) env.sandbox.connections.approveConnection(connectionArn);

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
        environmentVariables: (options.buildVariables ?? [{ name: 'ECR_REPOSITORY_URL', value: REPOSITORY_URL }, { name: 'CONTAINER_NAME', value: 'web' }]).map(
          (v) => ({ ...v, type: 'PLAINTEXT' as const }),
        ),
      },
      serviceRole: BUILD_ROLE,
    }),
  );

  const ec2 = new EC2Client({ region: REGION });
  const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc?.VpcId;
  const subnet = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.0.1.0/24', AvailabilityZone: `${REGION}a` }))).Subnet?.SubnetId ?? '';
  const group = (await ec2.send(new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: 'svc', Description: 'service' }))).GroupId ?? '';
  await ecs.send(new CreateClusterCommand({ clusterName: 'demo' }));
  const executionRoleArn = executionRole(env.sandbox);
  for (const env of ['dev', 'prod']) {
    const taskDefinition = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: `demo-${env}`,
        requiresCompatibilities: ['FARGATE'],
        networkMode: 'awsvpc',
        cpu: '256',
        memory: '512',
        // ARM, as shipline's: the build runs on ARM_CONTAINER (an x86 task could not run its image).
        runtimePlatform: { cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' },
        // Pulling the built image from ECR takes the execution role.
        executionRoleArn,
        containerDefinitions: [{ name: 'web', image: PLACEHOLDER_IMAGE, portMappings: [{ containerPort: 80 }] }],
      }),
    );
    await ecs.send(
      new CreateServiceCommand({
        cluster: 'demo',
        serviceName: `demo-${env}`,
        taskDefinition: taskDefinition.taskDefinition?.taskDefinitionArn,
        desiredCount: 1,
        launchType: 'FARGATE',
        networkConfiguration: { awsvpcConfiguration: { subnets: [subnet], securityGroups: [group], assignPublicIp: 'DISABLED' } },
      }),
    );
  }
  return { connectionArn };
}

function action(name: string, category: ActionCategory, provider: string, configuration: Record<string, string>, more: Partial<ActionDeclaration> = {}): ActionDeclaration {
  return { name, actionTypeId: { category, owner: 'AWS', provider, version: '1' }, configuration, runOrder: 1, ...more };
}

/** The reference pipeline: Source → Build → Deploy (dev) → Acceptance (approval, then prod). */
function declaration(s: Setup, overrides: Partial<PipelineDeclaration> = {}): PipelineDeclaration {
  return {
    name: 'demo',
    roleArn: PIPELINE_ROLE,
    artifactStore: { type: 'S3', location: BUCKET },
    pipelineType: 'V2',
    executionMode: 'SUPERSEDED',
    stages: [
      {
        name: 'Source',
        actions: [
          action('Source', 'Source', 'CodeStarSourceConnection', { ConnectionArn: s.connectionArn, FullRepositoryId: 'my-org/demo-app', BranchName: 'main' }, {
            outputArtifacts: [{ name: 'SourceOutput' }],
          }),
        ],
      },
      {
        name: 'Build',
        actions: [action('Build', 'Build', 'CodeBuild', { ProjectName: 'demo-build' }, { inputArtifacts: [{ name: 'SourceOutput' }], outputArtifacts: [{ name: 'BuildOutput' }] })],
      },
      {
        name: 'Deploy-dev',
        actions: [
          action('Deploy', 'Deploy', 'ECS', { ClusterName: 'demo', ServiceName: 'demo-dev', FileName: 'imagespec.json' }, { inputArtifacts: [{ name: 'BuildOutput' }] }),
        ],
      },
      {
        name: 'Acceptance',
        actions: [
          action('Approve', 'Approval', 'Manual', { CustomData: 'Promote to prod?' }),
          action('Deploy-prod', 'Deploy', 'ECS', { ClusterName: 'demo', ServiceName: 'demo-prod', FileName: 'imagespec.json' }, {
            runOrder: 2,
            inputArtifacts: [{ name: 'BuildOutput' }],
          }),
        ],
      },
    ],
    ...overrides,
  };
}

async function createPipeline(s: Setup, overrides: Partial<PipelineDeclaration> = {}): Promise<void> {
  await pipelines.send(new CreatePipelineCommand({ pipeline: declaration(s, overrides), tags: [{ key: 'shipline:stack', value: 'demo' }] }));
}

async function state(name = 'demo'): Promise<Record<string, StageState>> {
  const out = await pipelines.send(new GetPipelineStateCommand({ name }));
  return Object.fromEntries((out.stageStates ?? []).map((s) => [s.stageName ?? '', s]));
}

function actionState(stage: StageState | undefined, name: string): ActionState | undefined {
  return stage?.actionStates?.find((a) => a.actionName === name);
}

async function approvalToken(): Promise<string> {
  const token = actionState((await state()).Acceptance, 'Approve')?.latestExecution?.token;
  if (!token) throw new Error('no approval in progress');
  return token;
}

async function serviceImage(service: string): Promise<string> {
  const described = await ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: [service] }));
  const taskDefinition = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: described.services?.[0]?.taskDefinition }));
  return taskDefinition.taskDefinition?.containerDefinitions?.[0]?.image ?? '';
}

async function executions(): Promise<Array<[string, string]>> {
  const out = await pipelines.send(new ListPipelineExecutionsCommand({ pipelineName: 'demo' }));
  return (out.pipelineExecutionSummaries ?? []).map((e) => [e.pipelineExecutionId ?? '', e.status ?? '']);
}

// ---- Tests -------------------------------------------------------------------------------------

describe('a pipeline execution', () => {
  it('runs Source → Build → dev, waits for approval, then deploys the same image to prod', async () => {
    const s = await setup();
    const created = await pipelines.send(new CreatePipelineCommand({ pipeline: declaration(s), tags: [{ key: 'shipline:stack', value: 'demo' }] }));
    expect(created.pipeline).toMatchObject({ name: 'demo', version: 1, pipelineType: 'V2', executionMode: 'SUPERSEDED' });
    expect(created.tags).toEqual([{ key: 'shipline:stack', value: 'demo' }]);

    // Creating the pipeline started an execution; it runs up to the approval.
    const [[executionId, status]] = (await executions()) as [[string, string]];
    expect(status).toBe('InProgress');
    const stages = await state();
    expect(Object.keys(stages)).toEqual(['Source', 'Build', 'Deploy-dev', 'Acceptance']);
    for (const name of ['Source', 'Build', 'Deploy-dev']) {
      expect(stages[name]?.latestExecution).toMatchObject({ pipelineExecutionId: executionId, status: 'Succeeded' });
    }
    const source = actionState(stages.Source, 'Source');
    const commit = source?.currentRevision?.revisionId ?? '';
    expect(commit).toMatch(/^[0-9a-f]{40}$/);
    expect(source?.latestExecution).toMatchObject({ status: 'Succeeded', externalExecutionId: commit, summary: 'Initial commit' });
    const buildId = actionState(stages.Build, 'Build')?.latestExecution?.externalExecutionId ?? '';
    expect(buildId).toMatch(/^demo-build:/);
    const builds = await new CodeBuildClient({ region: REGION }).send(new BatchGetBuildsCommand({ ids: [buildId] }));
    expect(builds.builds?.[0]).toMatchObject({ buildStatus: 'SUCCEEDED', sourceVersion: commit });

    expect(stages.Acceptance?.latestExecution).toMatchObject({ pipelineExecutionId: executionId, status: 'InProgress' });
    const approval = actionState(stages.Acceptance, 'Approve')?.latestExecution;
    expect(approval?.status).toBe('InProgress');
    expect(approval?.token).toMatch(/^[0-9a-f-]{36}$/);
    expect(actionState(stages.Acceptance, 'Deploy-prod')?.latestExecution).toBeUndefined();

    // dev runs the image the build pushed, tagged with the short commit; prod still the placeholder.
    const image = `${REPOSITORY_URL}:${commit.slice(0, 7)}`;
    const pushed = await new ECRClient({ region: REGION }).send(new DescribeImagesCommand({ repositoryName: 'demo' }));
    expect(pushed.imageDetails?.map((i) => i.imageTags)).toEqual([[commit.slice(0, 7)]]);
    expect(await serviceImage('demo-dev')).toBe(image);
    expect(await serviceImage('demo-prod')).toBe(PLACEHOLDER_IMAGE);

    const approved = await pipelines.send(
      new PutApprovalResultCommand({
        pipelineName: 'demo',
        stageName: 'Acceptance',
        actionName: 'Approve',
        result: { summary: 'looks good', status: 'Approved' },
        token: approval?.token,
      }),
    );
    expect(approved.approvedAt?.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    const after = await state();
    expect(actionState(after.Acceptance, 'Approve')?.latestExecution).toMatchObject({
      status: 'Succeeded',
      summary: 'looks good',
      lastUpdatedBy: `arn:aws:iam::${ACCOUNT}:user/sandbox`,
    });
    expect(actionState(after.Acceptance, 'Approve')?.latestExecution?.token).toBeUndefined();
    expect(actionState(after.Acceptance, 'Deploy-prod')?.latestExecution?.status).toBe('Succeeded');
    expect(after.Acceptance?.latestExecution?.status).toBe('Succeeded');

    await waitUntilServicesStable({ client: ecs, ...WAIT }, { cluster: 'demo', services: ['demo-prod'] });
    expect(await serviceImage('demo-prod')).toBe(image);

    const execution = (await pipelines.send(new GetPipelineExecutionCommand({ pipelineName: 'demo', pipelineExecutionId: executionId }))).pipelineExecution;
    expect(execution).toMatchObject({
      pipelineName: 'demo',
      pipelineVersion: 1,
      status: 'Succeeded',
      trigger: { triggerType: 'CreatePipeline' },
      executionMode: 'SUPERSEDED',
      artifactRevisions: [{ name: 'SourceOutput', revisionId: commit, revisionUrl: `https://github.com/my-org/demo-app/commit/${commit}` }],
    });
    const summaries = (await pipelines.send(new ListPipelineExecutionsCommand({ pipelineName: 'demo' }))).pipelineExecutionSummaries;
    expect(summaries?.[0]).toMatchObject({ status: 'Succeeded', sourceRevisions: [{ actionName: 'Source', revisionId: commit }] });
  });

  it('shows each action in progress on a running clock', async () => {
    const clock = new TestClock();
    env.restart({ msPerSimSecond: 1, latencies: { 'codepipeline.stage': 20, 'codebuild.build': 60, 'ecs.service.stable': 5 }, clock: clock.now });
    const s = await setup();
    await createPipeline(s);
    const early = await state();
    expect(actionState(early.Source, 'Source')?.latestExecution?.status).toBe('InProgress');
    expect(early.Build?.latestExecution).toBeUndefined();
    // One read per simulated second, in order: each stage is seen in progress before the next.
    const seen: string[] = [];
    for (let elapsed = 0; elapsed < 1000; elapsed += 1) {
      const now = await state();
      for (const [name, stage] of Object.entries(now)) {
        if (stage.latestExecution?.status === 'InProgress' && !seen.includes(name)) seen.push(name);
      }
      if (actionState(now.Acceptance, 'Approve')?.latestExecution?.status === 'InProgress') break;
      clock.advance(1);
    }
    expect(seen).toEqual(['Source', 'Build', 'Deploy-dev', 'Acceptance']);
  });

  it('fails the stage and the execution when the approval is rejected; prod keeps its image', async () => {
    const s = await setup();
    await createPipeline(s);
    const token = await approvalToken();
    await pipelines.send(
      new PutApprovalResultCommand({ pipelineName: 'demo', stageName: 'Acceptance', actionName: 'Approve', result: { summary: 'not today', status: 'Rejected' }, token }),
    );
    const stages = await state();
    expect(actionState(stages.Acceptance, 'Approve')?.latestExecution).toMatchObject({ status: 'Failed', summary: 'not today' });
    expect(actionState(stages.Acceptance, 'Deploy-prod')?.latestExecution).toBeUndefined();
    expect(stages.Acceptance?.latestExecution?.status).toBe('Failed');
    expect((await executions()).map(([, status]) => status)).toEqual(['Failed']);
    expect(await serviceImage('demo-prod')).toBe(PLACEHOLDER_IMAGE);
  });

  it('refuses a wrong token, an answered approval, an unknown stage or action', async () => {
    const s = await setup();
    await createPipeline(s);
    const token = await approvalToken();
    const answer = (overrides: Partial<ConstructorParameters<typeof PutApprovalResultCommand>[0]> = {}) =>
      pipelines.send(
        new PutApprovalResultCommand({
          pipelineName: 'demo',
          stageName: 'Acceptance',
          actionName: 'Approve',
          result: { summary: 'ok', status: 'Approved' },
          token,
          ...overrides,
        }),
      );
    await expect(answer({ token: '00000000-0000-4000-8000-000000000000' })).rejects.toThrow(InvalidApprovalTokenException);
    await expect(answer({ stageName: 'Nope' })).rejects.toThrow(StageNotFoundException);
    await expect(answer({ actionName: 'Deploy-prod' })).rejects.toThrow(ActionNotFoundException);
    await expect(answer({ pipelineName: 'nope' })).rejects.toThrow(PipelineNotFoundException);
    await expect(answer({ result: { summary: 'ok', status: 'Maybe' as 'Approved' } })).rejects.toThrow(ValidationException);
    // None of these touched the approval.
    expect(actionState((await state()).Acceptance, 'Approve')?.latestExecution?.status).toBe('InProgress');
    await answer();
    await expect(answer()).rejects.toThrow(ApprovalAlreadyCompletedException);
  });

  it('fails at the source while the connection is pending, and runs once it is approved', async () => {
    const s = await setup({ approveConnection: false });
    await createPipeline(s);
    const stages = await state();
    const source = actionState(stages.Source, 'Source')?.latestExecution;
    expect(source?.status).toBe('Failed');
    expect(source?.summary).toContain(`Connection ${s.connectionArn} is not available`);
    expect(source?.summary).toContain('PENDING');
    expect(stages.Source?.latestExecution?.status).toBe('Failed');
    expect(stages.Build?.latestExecution).toBeUndefined();
    const [[failedId, status]] = (await executions()) as [[string, string]];
    expect(status).toBe('Failed');
    const failed = await pipelines.send(new GetPipelineExecutionCommand({ pipelineName: 'demo', pipelineExecutionId: failedId }));
    expect(failed.pipelineExecution?.artifactRevisions).toEqual([]);

    env.sandbox.connections.approveConnection(s.connectionArn);
    const restarted = await pipelines.send(new StartPipelineExecutionCommand({ name: 'demo' }));
    await approvalToken();
    expect(await executions()).toEqual([
      [restarted.pipelineExecutionId, 'InProgress'],
      [failedId, 'Failed'],
    ]);
  });

  it('fails the build action when the build fails, and the deploy when the build pushed no image', async () => {
    const s = await setup();
    env.sandbox.codebuild.simulateBuildFailure('demo-build');
    await createPipeline(s);
    const stages = await state();
    expect(actionState(stages.Build, 'Build')?.latestExecution).toMatchObject({ status: 'Failed', summary: expect.stringMatching(/^Build terminated with state: FAILED/) });
    expect(stages['Deploy-dev']?.latestExecution).toBeUndefined();
    expect(await serviceImage('demo-dev')).toBe(PLACEHOLDER_IMAGE);

    env.restart();
    const t = await setup({ buildVariables: [] });
    await createPipeline(t);
    const deploy = actionState((await state())['Deploy-dev'], 'Deploy')?.latestExecution;
    expect(deploy?.status).toBe('Failed');
    expect(deploy?.summary).toMatch(/image definitions file imagespec\.json/);
  });

  it("fails an action with the action its role's policies do not allow, as AWS words it (service-work.ts)", async () => {
    const s = await setup();
    // The pipeline role lacks ecs:DescribeTasks, which the ECS deploy action needs to follow its tasks.
    const actions = actionsOfWork(['pipelineSource', 'pipelineBuild', 'pipelineEcsDeploy']).filter((a) => a !== 'ecs:DescribeTasks');
    env.sandbox.iam.putRolePolicy({
      RoleName: 'demo-pipeline',
      PolicyName: 'test-pipelineSource-pipelineBuild-pipelineEcsDeploy',
      PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }] }),
    });
    await createPipeline(s);
    const deploy = actionState((await state())['Deploy-dev'], 'Deploy')?.latestExecution;
    expect(deploy?.status).toBe('Failed');
    expect(deploy?.summary).toMatch(/^User: arn:aws:sts::123456789012:assumed-role\/demo-pipeline\/CodePipeline is not authorized to perform: ecs:DescribeTasks on resource: arn:aws:ecs:eu-west-3:123456789012:task\/demo\/\S+ because no identity-based policy allows the ecs:DescribeTasks action$/);
    expect(await serviceImage('demo-dev')).toBe(PLACEHOLDER_IMAGE);

    // The build role may not push: the build fails in POST_BUILD, naming ecr:PutImage.
    env.restart();
    const t = await setup();
    env.sandbox.iam.putRolePolicy({
      RoleName: 'demo-build',
      PolicyName: 'test-codeBuildBuild',
      PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actionsOfWork(['codeBuildBuild']).filter((a) => a !== 'ecr:PutImage'), Resource: '*' }] }),
    });
    await createPipeline(t);
    const build = actionState((await state()).Build, 'Build')?.latestExecution;
    expect(build?.status).toBe('Failed');
    expect(build?.summary).toMatch(/Phase: POST_BUILD, AccessDenied: .* is not authorized to perform: ecr:PutImage on resource: arn:aws:ecr:eu-west-3:123456789012:repository\/demo /);

    // The source action pulls through the connection only with UseConnection.
    env.restart();
    const u = await setup();
    env.sandbox.iam.putRolePolicy({
      RoleName: 'demo-pipeline',
      PolicyName: 'test-pipelineSource-pipelineBuild-pipelineEcsDeploy',
      PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions.filter((a) => !a.endsWith(':UseConnection')), Resource: '*' }] }),
    });
    await createPipeline(u);
    expect(actionState((await state()).Source, 'Source')?.latestExecution?.summary).toMatch(/not authorized to perform: codestar-connections:UseConnection/);
  });

  it('does not start a task whose execution role may not pull the image from ECR', async () => {
    const s = await setup();
    env.sandbox.iam.detachRolePolicy({ RoleName: 'demo-exec', PolicyArn: 'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy' });
    await createPipeline(s);
    expect(actionState((await state())['Deploy-dev'], 'Deploy')?.latestExecution?.status).toBe('Succeeded');
    const service = (await ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['demo-dev'] }))).services?.[0];
    expect(service?.events?.map((e) => e.message).join('\n')).toMatch(
      /failed to launch a task with \(error ResourceInitializationError: unable to pull secrets or registry auth: .*not authorized to perform: ecr:GetAuthorizationToken on resource: \*/,
    );
  });

  it('supersedes an execution waiting to enter a stage another one holds (SUPERSEDED)', async () => {
    const s = await setup();
    await createPipeline(s);
    const [[first]] = (await executions()) as [[string, string]];
    const firstToken = await approvalToken();
    const second = (await pipelines.send(new StartPipelineExecutionCommand({ name: 'demo' }))).pipelineExecutionId ?? '';
    const waiting = await state();
    expect(waiting.Acceptance?.inboundExecution).toMatchObject({ pipelineExecutionId: second, status: 'InProgress' });
    const third = (await pipelines.send(new StartPipelineExecutionCommand({ name: 'demo' }))).pipelineExecutionId ?? '';
    const stages = await state();
    expect(stages.Acceptance?.latestExecution).toMatchObject({ pipelineExecutionId: first, status: 'InProgress' });
    expect(stages.Acceptance?.inboundExecution?.pipelineExecutionId).toBe(third);
    expect(await executions()).toEqual([
      [third, 'InProgress'],
      [second, 'Superseded'],
      [first, 'InProgress'],
    ]);

    // Approving the first lets it finish; the third then enters Acceptance with a new approval.
    await pipelines.send(
      new PutApprovalResultCommand({ pipelineName: 'demo', stageName: 'Acceptance', actionName: 'Approve', result: { summary: 'ok', status: 'Approved' }, token: firstToken }),
    );
    const after = await state();
    expect(after.Acceptance?.latestExecution).toMatchObject({ pipelineExecutionId: third, status: 'InProgress' });
    expect(after.Acceptance?.inboundExecution).toBeUndefined();
    const nextToken = actionState(after.Acceptance, 'Approve')?.latestExecution?.token;
    expect(nextToken).toBeDefined();
    expect(nextToken).not.toBe(firstToken);
    // Deploy-prod still shows the first execution's run: the third has not reached it.
    expect(actionState(after.Acceptance, 'Deploy-prod')?.latestExecution?.status).toBe('Succeeded');
    expect(await executions()).toEqual([
      [third, 'InProgress'],
      [second, 'Superseded'],
      [first, 'Succeeded'],
    ]);
  });

  it('queues executions instead in QUEUED mode', async () => {
    const s = await setup();
    await createPipeline(s, { executionMode: 'QUEUED' });
    await pipelines.send(new StartPipelineExecutionCommand({ name: 'demo' }));
    await pipelines.send(new StartPipelineExecutionCommand({ name: 'demo' }));
    const stages = await state();
    expect(stages.Acceptance?.inboundExecutions).toHaveLength(2);
    expect((await executions()).map(([, status]) => status)).toEqual(['InProgress', 'InProgress', 'InProgress']);
  });

  it('starts an execution for a commit pushed to the watched branch, with that commit', async () => {
    const s = await setup();
    await createPipeline(s);
    const commit = env.sandbox.codepipeline.simulateCommit({ repository: 'my-org/demo-app', branch: 'main', message: 'Add feature' });
    env.sandbox.codepipeline.simulateCommit({ repository: 'my-org/demo-app', branch: 'other' });
    const summaries = (await pipelines.send(new ListPipelineExecutionsCommand({ pipelineName: 'demo' }))).pipelineExecutionSummaries ?? [];
    expect(summaries).toHaveLength(2);
    expect(summaries[0]).toMatchObject({ trigger: { triggerType: 'WebhookV2', triggerDetail: s.connectionArn }, sourceRevisions: [{ revisionId: commit }] });
    expect(JSON.parse(summaries[0]?.sourceRevisions?.[0]?.revisionSummary ?? '{}')).toEqual({ ProviderType: 'GitHub', CommitMessage: 'Add feature' });
  });

  it('carries an execution waiting for approval across a snapshot', async () => {
    const s = await setup();
    await createPipeline(s);
    const token = await approvalToken();
    const snapshot = JSON.parse(JSON.stringify(env.sandbox.snapshot())) as ReturnType<Sandbox['snapshot']>;
    env.restoreFrom(snapshot);
    await pipelines.send(
      new PutApprovalResultCommand({ pipelineName: 'demo', stageName: 'Acceptance', actionName: 'Approve', result: { summary: 'ok', status: 'Approved' }, token }),
    );
    expect((await executions()).map(([, status]) => status)).toEqual(['Succeeded']);
    expect(await serviceImage('demo-prod')).toBe(await serviceImage('demo-dev'));
  });
});

describe('pipeline declarations', () => {
  it('refuses declarations AWS refuses, creating nothing', async () => {
    const s = await setup();
    const base = declaration(s);
    const stages = base.stages ?? [];
    const [sourceStage, buildStage, devStage] = stages as [NonNullable<PipelineDeclaration['stages']>[number], NonNullable<PipelineDeclaration['stages']>[number], NonNullable<PipelineDeclaration['stages']>[number]];
    const sourceAction = sourceStage.actions?.[0] as ActionDeclaration;
    const buildAction = buildStage.actions?.[0] as ActionDeclaration;
    const refusals: Array<[Partial<PipelineDeclaration>, new (...args: never[]) => Error, string | RegExp]> = [
      [{ roleArn: `arn:aws:iam::${ACCOUNT}:role/missing` }, InvalidStructureException, `CodePipeline is not authorized to perform AssumeRole on role arn:aws:iam::${ACCOUNT}:role/missing`],
      [{ artifactStore: { type: 'S3', location: 'no-such-bucket' } }, InvalidStructureException, "An error occurred while validating the artifact bucket 'no-such-bucket'"],
      [{ stages: [sourceStage] }, InvalidStructureException, /minimum of 2 stages/],
      [{ stages: [buildStage, devStage] }, InvalidStructureException, /must contain only source actions/],
      [{ stages: [sourceStage, { name: 'Again', actions: [{ ...sourceAction, name: 'Source2', outputArtifacts: [{ name: 'Other' }] }] }] }, InvalidStructureException, /only the first stage/],
      [{ stages: [sourceStage, { ...buildStage, name: 'Source' }] }, InvalidStructureException, /more than one stage with the name 'Source'/],
      [{ stages: [sourceStage, { name: 'Build', actions: [buildAction, { ...buildAction, outputArtifacts: [] }] }] }, InvalidStructureException, /more than one action with the name 'Build'/],
      [
        { stages: [sourceStage, { name: 'Build', actions: [{ ...buildAction, actionTypeId: { category: 'Build', owner: 'AWS', provider: 'Nope', version: '1' } }] }] },
        InvalidStructureException,
        /Provider: 'Nope'.*is not available in region 'EU_WEST_3'/,
      ],
      [{ stages: [sourceStage, { name: 'Build', actions: [{ ...buildAction, configuration: {} }] }] }, InvalidActionDeclarationException, "Action configuration for action 'Build' is missing required configuration 'ProjectName'"],
      [
        { stages: [sourceStage, { name: 'Build', actions: [{ ...buildAction, configuration: { ProjectName: 'demo-build', Nope: 'x' } }] }] },
        InvalidActionDeclarationException,
        "Action configuration for action 'Build' contains unknown configuration 'Nope'",
      ],
      [{ stages: [sourceStage, { name: 'Build', actions: [{ ...buildAction, inputArtifacts: [{ name: 'Missing' }] }] }] }, InvalidStructureException, /Missing isn't an output artifact/],
      [{ stages: [sourceStage, devStage] }, InvalidStructureException, /BuildOutput isn't an output artifact/],
      [{ stages: [sourceStage, { name: 'Build', actions: [{ ...buildAction, inputArtifacts: [] }] }] }, InvalidActionDeclarationException, /0 input artifacts/],
      [{ name: 'bad name' }, ValidationException, /regular expression pattern/],
    ];
    for (const [overrides, error, message] of refusals) {
      const attempt = pipelines.send(new CreatePipelineCommand({ pipeline: { ...base, ...overrides } }));
      await expect(attempt).rejects.toThrow(error);
      await expect(attempt).rejects.toThrow(message);
    }
    expect((await pipelines.send(new ListPipelinesCommand({}))).pipelines).toEqual([]);
    expect(env.sandbox.inventory().filter((i) => i.service === 'codepipeline')).toEqual([]);

    await pipelines.send(new CreatePipelineCommand({ pipeline: base }));
    await expect(pipelines.send(new CreatePipelineCommand({ pipeline: base }))).rejects.toThrow(PipelineNameInUseException);
  });

  it('gets, updates (version + 1, older versions kept), tags, lists and deletes', async () => {
    const s = await setup();
    await createPipeline(s);
    const got = await pipelines.send(new GetPipelineCommand({ name: 'demo' }));
    const arn = `arn:aws:codepipeline:${REGION}:${ACCOUNT}:demo`;
    expect(got.metadata?.pipelineArn).toBe(arn);
    expect(got.pipeline?.stages?.[3]?.actions?.[1]).toEqual({
      name: 'Deploy-prod',
      actionTypeId: { category: 'Deploy', owner: 'AWS', provider: 'ECS', version: '1' },
      runOrder: 2,
      configuration: { ClusterName: 'demo', ServiceName: 'demo-prod', FileName: 'imagespec.json' },
      inputArtifacts: [{ name: 'BuildOutput' }],
      outputArtifacts: [],
    });

    const changed = declaration(s);
    changed.stages = changed.stages?.slice(0, 3);
    const updated = await pipelines.send(new UpdatePipelineCommand({ pipeline: changed }));
    expect(updated.pipeline?.version).toBe(2);
    expect((await pipelines.send(new GetPipelineCommand({ name: 'demo' }))).pipeline?.stages).toHaveLength(3);
    expect((await pipelines.send(new GetPipelineCommand({ name: 'demo', version: 1 }))).pipeline?.stages).toHaveLength(4);
    await expect(pipelines.send(new GetPipelineCommand({ name: 'demo', version: 3 }))).rejects.toThrow(PipelineVersionNotFoundException);
    await expect(pipelines.send(new UpdatePipelineCommand({ pipeline: { ...changed, roleArn: `arn:aws:iam::${ACCOUNT}:role/gone` } }))).rejects.toThrow(
      InvalidStructureException,
    );
    expect((await pipelines.send(new ListPipelinesCommand({}))).pipelines).toMatchObject([{ name: 'demo', version: 2, pipelineType: 'V2' }]);
    // The execution that started on version 1 keeps running it: its approval is still there.
    expect((await pipelines.send(new GetPipelineStateCommand({ name: 'demo' }))).stageStates).toHaveLength(3);
    expect(await executions()).toEqual([[expect.any(String), 'InProgress']]);

    await pipelines.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: 'env', value: 'ci' }] }));
    await pipelines.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['shipline:stack'] }));
    expect((await pipelines.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags).toEqual([{ key: 'env', value: 'ci' }]);
    await expect(pipelines.send(new ListTagsForResourceCommand({ resourceArn: 'not-an-arn' }))).rejects.toThrow(InvalidArnException);
    await expect(pipelines.send(new ListTagsForResourceCommand({ resourceArn: `${arn}-other` }))).rejects.toThrow(ResourceNotFoundException);
    expect(env.sandbox.inventory().filter((i) => i.service === 'codepipeline')).toEqual([
      { service: 'codepipeline', type: 'pipeline', id: 'demo', key: 'demo', tags: { env: 'ci' } },
    ]);

    await expect(
      pipelines.send(new GetPipelineExecutionCommand({ pipelineName: 'demo', pipelineExecutionId: '00000000-0000-4000-8000-000000000000' })),
    ).rejects.toThrow(PipelineExecutionNotFoundException);
    await pipelines.send(new DeletePipelineCommand({ name: 'demo' }));
    await pipelines.send(new DeletePipelineCommand({ name: 'demo' }));
    await expect(pipelines.send(new GetPipelineCommand({ name: 'demo' }))).rejects.toThrow(PipelineNotFoundException);
    await expect(pipelines.send(new StartPipelineExecutionCommand({ name: 'demo' }))).rejects.toThrow(PipelineNotFoundException);
  });

  it('answers a repeated clientRequestToken with the same execution', async () => {
    const s = await setup();
    await createPipeline(s);
    const a = await pipelines.send(new StartPipelineExecutionCommand({ name: 'demo', clientRequestToken: 'release-1' }));
    const b = await pipelines.send(new StartPipelineExecutionCommand({ name: 'demo', clientRequestToken: 'release-1' }));
    expect(b.pipelineExecutionId).toBe(a.pipelineExecutionId);
    expect(await executions()).toHaveLength(2);
  });
});

describe('pagination (pages of 5 in tests)', () => {
  it('pages ListPipelines and ListPipelineExecutions (newest first), refusing a bad maxResults or token as AWS does', async () => {
    const s = await setup();
    const names = Array.from({ length: 6 }, (_, i) => `demo-${i}`);
    for (const name of names) await createPipeline(s, { name });
    const listed: string[][] = [];
    for await (const page of paginateListPipelines({ client: pipelines }, {})) listed.push((page.pipelines ?? []).map((p) => p.name ?? ''));
    expect(listed.map((p) => p.length)).toEqual([5, 1]);
    expect(listed.flat()).toEqual(names);

    const started: string[] = [];
    for (let i = 0; i < 6; i += 1) {
      started.push((await pipelines.send(new StartPipelineExecutionCommand({ name: 'demo-0' }))).pipelineExecutionId ?? '');
    }
    const pages: string[][] = [];
    for await (const page of paginateListPipelineExecutions({ client: pipelines }, { pipelineName: 'demo-0' })) {
      pages.push((page.pipelineExecutionSummaries ?? []).map((e) => e.pipelineExecutionId ?? ''));
    }
    expect(pages.map((p) => p.length)).toEqual([5, 2]);
    expect(pages.flat().slice(0, 6)).toEqual([...started].reverse());

    const first = await pipelines.send(new ListPipelineExecutionsCommand({ pipelineName: 'demo-0' }));
    await expect(pipelines.send(new ListPipelineExecutionsCommand({ pipelineName: 'demo-1', nextToken: first.nextToken }))).rejects.toBeInstanceOf(
      InvalidNextTokenException,
    );
    await expect(pipelines.send(new ListPipelineExecutionsCommand({ pipelineName: 'demo-0', maxResults: 101 }))).rejects.toBeInstanceOf(ValidationException);
    await expect(pipelines.send(new ListPipelinesCommand({ maxResults: 0 }))).rejects.toBeInstanceOf(ValidationException);
  });
});
