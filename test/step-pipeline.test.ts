// Unit tests of the pipeline step: the structure it declares for any list of environments, and the
// role and pipeline it makes against stubbed IAM and CodePipeline clients. Every call the test does
// not stub fails loudly (the catch-all is registered first).
import {
  CodePipelineClient,
  CreatePipelineCommand,
  DeletePipelineCommand,
  GetPipelineCommand,
  InvalidStructureException,
  ListTagsForResourceCommand,
  PipelineNotFoundException,
  ResourceNotFoundException,
  UpdatePipelineCommand,
  type ActionDeclaration,
  type CreatePipelineCommandInput,
  type PipelineDeclaration,
} from '@aws-sdk/client-codepipeline';
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
import { parseConfig, type ConfigInput } from '../src/config';
import { ForeignResourceError } from '../src/errors';
import { codePipelinePolicy } from '../src/policies';
import { KNOWN_AFTER_APPLY } from '../src/step';
import { APPSPEC_FILE, appSpecYaml, buildspec, IMAGE_DETAIL_FILE, taskDefinitionFile } from '../src/app-templates';
import { arns } from '../src/policies';
import { pipeline, pipelineDrift, pipelineStructure, type PipelineIds } from '../steps/pipeline';
import { CONTAINER_NAME } from '../steps/services';
import { listedRoles } from './helpers/roles';
import { strictMocks } from './helpers/strict-mocks';
import { memoryState, testContext, type TestContext } from './helpers/context';
import { BASE_CONFIG } from './helpers/harness';

const iam = mockClient(IAMClient);
const codepipeline = mockClient(CodePipelineClient);

// ---- what AWS would report ---------------------------------------------------------------------

const ACCOUNT = '123456789012';
const ROLE_NAME = 'demo-codepipeline';
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/shipline/${ROLE_NAME}`;
const NAME = 'demo-pipeline';
const PIPELINE_ARN = `arn:aws:codepipeline:eu-west-3:${ACCOUNT}:${NAME}`;
const BUCKET = `demo-artifacts-${ACCOUNT}-eu-west-3`;
const CONNECTION_ARN = `arn:aws:codestar-connections:eu-west-3:${ACCOUNT}:connection/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0`;
const PROJECT_ARN = `arn:aws:codebuild:eu-west-3:${ACCOUNT}:project/demo-build`;
const EXECUTION_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/shipline/demo-task-execution`;
const MARK_PROJECT_ARN = `arn:aws:codebuild:eu-west-3:${ACCOUNT}:project/demo-mark`;
const serviceArn = (env: string) => `arn:aws:ecs:eu-west-3:${ACCOUNT}:service/demo/demo-${env}`;
const TRUST = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'codepipeline.amazonaws.com' }, Action: 'sts:AssumeRole' }],
};
const POLICY = codePipelinePolicy({
  bucketArn: `arn:aws:s3:::${BUCKET}`,
  connectionArn: CONNECTION_ARN,
  projectArn: PROJECT_ARN,
  markProjectArn: MARK_PROJECT_ARN,
  serviceArns: [serviceArn('dev'), serviceArn('prod')],
  taskDefinitionArns: ['dev', 'prod'].map((env) => `arn:aws:ecs:eu-west-3:${ACCOUNT}:task-definition/demo-${env}:*`),
  executionRoleArn: EXECUTION_ROLE_ARN,
});

const tagList = (name: string) => [
  { Key: 'shipline:stack', Value: 'demo' },
  { Key: 'shipline:step', Value: 'pipeline' },
  { Key: 'Name', Value: name },
];
const pipelineTags = () => tagList(NAME).map((t) => ({ key: t.Key, value: t.Value }));

const DEPENDENCIES = {
  'artifacts.bucket': { id: BUCKET, arn: `arn:aws:s3:::${BUCKET}` },
  'connection.github': { id: CONNECTION_ARN, status: 'AVAILABLE' },
  'build.project': { id: 'demo-build', arn: PROJECT_ARN },
  'build.markProject': { id: 'demo-mark', arn: MARK_PROJECT_ARN },
  'cluster.cluster': { id: 'demo', arn: `arn:aws:ecs:eu-west-3:${ACCOUNT}:cluster/demo` },
  'cluster.executionRole': { id: 'demo-task-execution', arn: EXECUTION_ROLE_ARN },
  'services.service.dev': { id: serviceArn('dev'), name: 'demo-dev' },
  'services.service.prod': { id: serviceArn('prod'), name: 'demo-prod' },
};
const OWN_STATE = {
  'pipeline.role': { id: ROLE_NAME, arn: ROLE_ARN },
  'pipeline.pipeline': { id: NAME, arn: PIPELINE_ARN },
};
const FULL_STATE = { ...DEPENDENCIES, ...OWN_STATE };

const IDS: PipelineIds = { roleArn: ROLE_ARN, bucket: BUCKET, connectionArn: CONNECTION_ARN, projectName: 'demo-build', markProjectName: 'demo-mark', clusterName: 'demo' };
const config = (input: Partial<ConfigInput> = {}) => parseConfig({ ...BASE_CONFIG, ...input }, 'test config');

// The actions as CodePipeline expects them.
const SOURCE_ACTION: ActionDeclaration = {
  name: 'Source',
  actionTypeId: { category: 'Source', owner: 'AWS', provider: 'CodeStarSourceConnection', version: '1' },
  runOrder: 1,
  configuration: {
    ConnectionArn: CONNECTION_ARN,
    FullRepositoryId: 'my-org/demo-app',
    BranchName: 'main',
    OutputArtifactFormat: 'CODE_ZIP',
    DetectChanges: 'true',
  },
  inputArtifacts: [],
  outputArtifacts: [{ name: 'SourceOutput' }],
};
const BUILD_ACTION: ActionDeclaration = {
  name: 'Build',
  actionTypeId: { category: 'Build', owner: 'AWS', provider: 'CodeBuild', version: '1' },
  runOrder: 1,
  configuration: { ProjectName: 'demo-build' },
  inputArtifacts: [{ name: 'SourceOutput' }],
  outputArtifacts: [{ name: 'BuildOutput' }],
};
const deployAction = (env: string, runOrder: number): ActionDeclaration => ({
  name: `Deploy-${env}`,
  actionTypeId: { category: 'Deploy', owner: 'AWS', provider: 'ECS', version: '1' },
  runOrder,
  configuration: { ClusterName: 'demo', ServiceName: `demo-${env}`, FileName: 'imagespec.json' },
  inputArtifacts: [{ name: 'BuildOutput' }],
  outputArtifacts: [],
});
const approvalAction = (env: string): ActionDeclaration => ({
  name: `Approve-${env}`,
  actionTypeId: { category: 'Approval', owner: 'AWS', provider: 'Manual', version: '1' },
  runOrder: 1,
  configuration: { CustomData: `Approve to deploy to ${env}` },
  inputArtifacts: [],
  outputArtifacts: [],
});

/** A mark action: the mark project moves `tag` onto the image of the build output (steps/lib/live-tags.ts). */
const markAction = (tag: string, runOrder: number): ActionDeclaration => ({
  name: `Tag-${tag}`,
  actionTypeId: { category: 'Build', owner: 'AWS', provider: 'CodeBuild', version: '1' },
  runOrder,
  configuration: { ProjectName: 'demo-mark', EnvironmentVariables: JSON.stringify([{ name: 'MARK_TAG', value: tag, type: 'PLAINTEXT' }]) },
  inputArtifacts: [{ name: 'BuildOutput' }],
  outputArtifacts: [],
});

/** The reference setup, spelled out. */
const REFERENCE: PipelineDeclaration = {
  name: NAME,
  roleArn: ROLE_ARN,
  artifactStore: { type: 'S3', location: BUCKET },
  pipelineType: 'V2',
  executionMode: 'SUPERSEDED',
  stages: [
    { name: 'Source', actions: [SOURCE_ACTION] },
    { name: 'Build', actions: [BUILD_ACTION] },
    { name: 'Deploy', actions: [deployAction('dev', 1), markAction('live-dev', 2)] },
    { name: 'Acceptance', actions: [approvalAction('prod'), markAction('next-prod', 1), deployAction('prod', 2), markAction('live-prod', 3)] },
  ],
};

/** The declaration as GetPipeline reports it: a version, and empty artifact lists left out. */
const asReported = (declared: PipelineDeclaration, version = 3): PipelineDeclaration => {
  const d = structuredClone(declared);
  return {
    ...d,
    version,
    stages: d.stages!.map((s) => ({
      ...s,
      actions: s.actions!.map(({ inputArtifacts, outputArtifacts, ...a }) => ({
        ...a,
        ...(inputArtifacts?.length ? { inputArtifacts } : {}),
        ...(outputArtifacts?.length ? { outputArtifacts } : {}),
      })),
    })),
  };
};

const noSuchRole = () => new NoSuchEntityException({ message: `The role with name ${ROLE_NAME} cannot be found.`, $metadata: {} });
const noSuchPipeline = () => new PipelineNotFoundException({ message: `Account '${ACCOUNT}' does not have a pipeline with name '${NAME}'`, $metadata: {} });
const notAssumable = () => new InvalidStructureException({ message: `CodePipeline is not authorized to perform AssumeRole on role ${ROLE_ARN}`, $metadata: {} });

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

// ---- stubbed AWS worlds ------------------------------------------------------------------------

function awsHasNothing(): void {
  iam.on(ListRolesCommand).resolves(listedRoles());
  iam.on(GetRoleCommand).rejects(noSuchRole());
  iam.on(CreateRoleCommand).callsFake((input: CreateRoleCommandInput) => ({
    Role: role({ AssumeRolePolicyDocument: encodeURIComponent(input.AssumeRolePolicyDocument!), Tags: input.Tags }),
  }));
  iam.on(PutRolePolicyCommand).resolves({});
  codepipeline.on(GetPipelineCommand).rejects(noSuchPipeline());
  codepipeline.on(CreatePipelineCommand).callsFake((input: CreatePipelineCommandInput) => ({ pipeline: { ...input.pipeline, version: 1 }, tags: input.tags }));
}

interface World {
  declaration: PipelineDeclaration;
  tags: Array<{ key: string; value: string }>;
  inline: Record<string, unknown>;
}

function awsHasPipeline(drift: Partial<World> = {}): void {
  const world: World = { declaration: asReported(REFERENCE), tags: pipelineTags(), inline: { pipeline: POLICY }, ...drift };
  iam.on(ListRolesCommand).resolves(listedRoles(role()));
  iam.on(GetRoleCommand).resolves({ Role: role() });
  iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [] });
  iam.on(ListRolePoliciesCommand).resolves({ PolicyNames: Object.keys(world.inline) });
  for (const [PolicyName, doc] of Object.entries(world.inline)) {
    iam.on(GetRolePolicyCommand, { PolicyName }).resolves({ RoleName: ROLE_NAME, PolicyName, PolicyDocument: encodeURIComponent(JSON.stringify(doc)) });
  }
  codepipeline.on(GetPipelineCommand, { name: NAME }).resolves({
    pipeline: world.declaration,
    metadata: { pipelineArn: PIPELINE_ARN, created: new Date(0), updated: new Date(0) },
  });
  codepipeline.on(ListTagsForResourceCommand, { resourceArn: PIPELINE_ARN }).resolves({ tags: world.tags });
}

// ---- reading what happened -----------------------------------------------------------------------

const { calls, mutatingCommands } = strictMocks(iam, codepipeline);
const outcomes = (ctx: TestContext) => Object.fromEntries(ctx.outcomes.map((o) => [o.resource, o.outcome]));
const stageLayout = (d: PipelineDeclaration) => d.stages!.map((s) => [s.name, s.actions!.map((a) => `${a.name}@${a.runOrder}`)]);

describe('pipelineStructure', () => {
  it('is exactly the reference setup for the default environments', () => {
    expect(pipelineStructure(config(), IDS)).toEqual(REFERENCE);
  });

  it('gives the actions the configuration keys CodePipeline expects of their types, and nothing else', () => {
    const keys = (stage: number, action = 0) => Object.keys(pipelineStructure(config(), IDS).stages![stage]!.actions![action]!.configuration!).sort();
    expect(keys(0)).toEqual(['BranchName', 'ConnectionArn', 'DetectChanges', 'FullRepositoryId', 'OutputArtifactFormat']);
    expect(keys(1)).toEqual(['ProjectName']);
    expect(keys(2)).toEqual(['ClusterName', 'FileName', 'ServiceName']);
    expect(keys(2, 1)).toEqual(['EnvironmentVariables', 'ProjectName']);
    expect(keys(3, 0)).toEqual(['CustomData']);
    expect(keys(3, 1)).toEqual(['EnvironmentVariables', 'ProjectName']);
    expect(keys(3, 2)).toEqual(['ClusterName', 'FileName', 'ServiceName']);
  });

  it('follows the source settings, and turns change detection off as the string "false"', () => {
    const d = pipelineStructure(config({ source: { repository: 'acme/shop', branch: 'release' }, pipeline: { detectChanges: false } }), IDS);
    expect(d.stages![0]!.actions![0]!.configuration).toMatchObject({ FullRepositoryId: 'acme/shop', BranchName: 'release', DetectChanges: 'false' });
  });

  it('with one environment has a single Deploy stage', () => {
    const d = pipelineStructure(config({ environments: [{ name: 'prod' }] }), IDS);
    expect(stageLayout(d)).toEqual([
      ['Source', ['Source@1']],
      ['Build', ['Build@1']],
      ['Deploy', ['Deploy-prod@1', 'Tag-live-prod@2']],
    ]);
  });

  it('with three environments and no approval names each stage after its environment', () => {
    const d = pipelineStructure(config({ environments: [{ name: 'dev', path: '/dev' }, { name: 'qa', path: '/qa' }, { name: 'prod' }] }), IDS);
    expect(stageLayout(d)).toEqual([
      ['Source', ['Source@1']],
      ['Build', ['Build@1']],
      ['Deploy-dev', ['Deploy-dev@1', 'Tag-live-dev@2']],
      ['Deploy-qa', ['Deploy-qa@1', 'Tag-live-qa@2']],
      ['Deploy-prod', ['Deploy-prod@1', 'Tag-live-prod@2']],
    ]);
    expect(d.stages![3]!.actions![0]!.configuration).toEqual({ ClusterName: 'demo', ServiceName: 'demo-qa', FileName: 'imagespec.json' });
  });

  it('with three environments puts an approval before each deploy marked approval: true', () => {
    const d = pipelineStructure(
      config({ environments: [{ name: 'dev', path: '/dev' }, { name: 'qa', path: '/qa', approval: true }, { name: 'prod', approval: true }] }),
      IDS,
    );
    expect(stageLayout(d)).toEqual([
      ['Source', ['Source@1']],
      ['Build', ['Build@1']],
      ['Deploy-dev', ['Deploy-dev@1', 'Tag-live-dev@2']],
      ['Deploy-qa', ['Approve-qa@1', 'Tag-next-qa@1', 'Deploy-qa@2', 'Tag-live-qa@3']],
      ['Deploy-prod', ['Approve-prod@1', 'Tag-next-prod@1', 'Deploy-prod@2', 'Tag-live-prod@3']],
    ]);
    expect(d.stages![3]!.actions![0]).toEqual(approvalAction('qa'));
    expect(d.stages![4]!.actions![2]).toEqual(deployAction('prod', 2));
  });

  it('keeps the environments in config order', () => {
    const d = pipelineStructure(config({ environments: [{ name: 'prod' }, { name: 'dev', path: '/dev' }] }), IDS);
    expect(stageLayout(d).slice(2)).toEqual([
      ['Deploy', ['Deploy-prod@1', 'Tag-live-prod@2']],
      ['Acceptance', ['Deploy-dev@1', 'Tag-live-dev@2']],
    ]);
  });
});

describe('pipelineStructure, blue/green', () => {
  const blueGreen = (input: Partial<ConfigInput> = {}) => config({ deploy: { strategy: 'blue-green' }, ...input });
  const deploys = (d: PipelineDeclaration) => d.stages!.flatMap((s) => s.actions!.filter((a) => a.actionTypeId?.category === 'Deploy'));

  it('deploys each environment with CodeDeployToECS, with exactly the configuration keys CodePipeline expects', () => {
    for (const action of deploys(pipelineStructure(blueGreen(), IDS))) {
      expect(action.actionTypeId).toEqual({ category: 'Deploy', owner: 'AWS', provider: 'CodeDeployToECS', version: '1' });
      expect(Object.keys(action.configuration!).sort()).toEqual([
        'AppSpecTemplateArtifact',
        'AppSpecTemplatePath',
        'ApplicationName',
        'DeploymentGroupName',
        'Image1ArtifactName',
        'Image1ContainerName',
        'TaskDefinitionTemplateArtifact',
        'TaskDefinitionTemplatePath',
      ]);
    }
  });

  it('points each action at its own deployment group and task definition template, all read from the build output', () => {
    const d = pipelineStructure(blueGreen(), IDS);
    expect(stageLayout(d)).toEqual(stageLayout(REFERENCE));
    expect(deploys(d)).toEqual(
      ['dev', 'prod'].map((env) => ({
        name: `Deploy-${env}`,
        actionTypeId: { category: 'Deploy', owner: 'AWS', provider: 'CodeDeployToECS', version: '1' },
        runOrder: env === 'prod' ? 2 : 1,
        configuration: {
          ApplicationName: 'demo',
          DeploymentGroupName: `demo-${env}`,
          TaskDefinitionTemplateArtifact: 'BuildOutput',
          TaskDefinitionTemplatePath: `taskdef-${env}.json`,
          AppSpecTemplateArtifact: 'BuildOutput',
          AppSpecTemplatePath: 'appspec.yml',
          Image1ArtifactName: 'BuildOutput',
          Image1ContainerName: 'IMAGE1_NAME',
        },
        inputArtifacts: [{ name: 'BuildOutput' }],
        outputArtifacts: [],
      })),
    );
  });

  it('agrees with the buildspec init-app writes: every file an action reads is an artifact, the placeholder and container names match', () => {
    const cfg = blueGreen({ environments: [{ name: 'dev', path: '/dev' }, { name: 'qa', host: 'qa.example.com', approval: true }, { name: 'prod', approval: true }] });
    const spec = buildspec(cfg);
    const artifactFiles = spec.slice(spec.indexOf('artifacts:')).split('\n').filter((l) => l.startsWith('    - ')).map((l) => l.slice(6));
    const actions = deploys(pipelineStructure(cfg, IDS));
    expect(actions).toHaveLength(3);
    for (const action of actions) {
      const c = action.configuration!;
      // What the build writes is what the action reads.
      expect(artifactFiles).toEqual(expect.arrayContaining([c.TaskDefinitionTemplatePath, c.AppSpecTemplatePath, IMAGE_DETAIL_FILE]));
      expect(c.TaskDefinitionTemplatePath).toBe(taskDefinitionFile(action.name!.replace('Deploy-', '')));
      expect(c.AppSpecTemplatePath).toBe(APPSPEC_FILE);
      // The task definition templates name the image <Image1ContainerName>, in the container the AppSpec routes to.
      expect(spec).toContain(`(.containerDefinitions[] | select(.name == $c) | .image) = "<${c.Image1ContainerName}>"`);
    }
    expect(spec).toContain(`CONTAINER_NAME: ${CONTAINER_NAME}`);
    expect(spec).toContain('jq --arg c "$CONTAINER_NAME"');
    expect(appSpecYaml(cfg)).toContain(`ContainerName: ${CONTAINER_NAME}\n          ContainerPort: ${cfg.services.containerPort}`);
    expect(spec).toContain(appSpecYaml(cfg).split('\n').map((l) => `        ${l}`).join('\n'));
  });

  it('with three environments: a stage each, in order, an approval before each that asks for one', () => {
    const d = pipelineStructure(blueGreen({ environments: [{ name: 'dev', path: '/dev' }, { name: 'qa', path: '/qa', approval: true }, { name: 'prod', approval: true }] }), IDS);
    expect(stageLayout(d).slice(2)).toEqual([
      ['Deploy-dev', ['Deploy-dev@1', 'Tag-live-dev@2']],
      ['Deploy-qa', ['Approve-qa@1', 'Tag-next-qa@1', 'Deploy-qa@2', 'Tag-live-qa@3']],
      ['Deploy-prod', ['Approve-prod@1', 'Tag-next-prod@1', 'Deploy-prod@2', 'Tag-live-prod@3']],
    ]);
  });

  it('gives the role CodeDeploy on the stack\'s groups instead of updating the services', async () => {
    awsHasNothing();
    const ctx = testContext('pipeline', { state: DEPENDENCIES, config: { deploy: { strategy: 'blue-green' } } });
    await pipeline.reconcile(ctx);
    const put = JSON.parse(iam.commandCalls(PutRolePolicyCommand)[0]!.args[0].input.PolicyDocument!) as typeof POLICY;
    const place = { partition: 'aws', region: 'eu-west-3', account: ACCOUNT };
    expect(put).toEqual(
      codePipelinePolicy({
        bucketArn: `arn:aws:s3:::${BUCKET}`,
        connectionArn: CONNECTION_ARN,
        projectArn: PROJECT_ARN,
        markProjectArn: MARK_PROJECT_ARN,
        serviceArns: [],
        taskDefinitionArns: ['dev', 'prod'].map((env) => `arn:aws:ecs:eu-west-3:${ACCOUNT}:task-definition/demo-${env}:*`),
        executionRoleArn: EXECUTION_ROLE_ARN,
        codeDeploy: {
          applicationArn: arns.codeDeployApplication(place, 'demo'),
          deploymentGroupArns: ['dev', 'prod'].map((env) => arns.codeDeployGroup(place, 'demo', `demo-${env}`)),
          deploymentConfigArn: arns.codeDeployConfig(place, 'CodeDeployDefault.ECSAllAtOnce'),
        },
      }),
    );
    expect(put.Statement.map((st) => st.Sid)).not.toContain('DeployServices');
    expect(deploys(codepipeline.commandCalls(CreatePipelineCommand)[0]!.args[0].input.pipeline!).map((a) => a.actionTypeId?.provider)).toEqual([
      'CodeDeployToECS',
      'CodeDeployToECS',
    ]);
  });
});

describe('pipelineDrift', () => {
  it('ignores what AWS adds or leaves out (version, empty artifact lists, default runOrder)', () => {
    const reported = asReported(REFERENCE);
    delete reported.stages![1]!.actions![0]!.runOrder;
    expect(pipelineDrift(reported, REFERENCE)).toEqual([]);
  });

  it('names the stage that differs', () => {
    const reported = asReported(REFERENCE);
    reported.stages![0]!.actions![0]!.configuration!.BranchName = 'develop';
    reported.stages![3]!.actions = reported.stages![3]!.actions!.slice(1);
    expect(pipelineDrift(reported, REFERENCE)).toEqual(['stage Source', 'stage Acceptance']);
  });

  it('sees another role, artifact store, type and execution mode', () => {
    const reported = { ...REFERENCE, roleArn: 'arn:aws:iam::123456789012:role/x', artifactStore: { type: 'S3' as const, location: 'other' }, pipelineType: 'V1' as const, executionMode: 'QUEUED' as const };
    expect(pipelineDrift(reported, REFERENCE)).toEqual(['role', 'artifact store', 'pipeline type', 'execution mode']);
  });
});

describe('pipeline step: create from nothing', () => {
  let ctx: TestContext;

  beforeEach(async () => {
    awsHasNothing();
    ctx = testContext('pipeline', { state: DEPENDENCIES });
    await pipeline.reconcile(ctx);
  });

  it('creates the role under /shipline/, trusted by CodePipeline, with the least-privilege policy', () => {
    expect(iam).toHaveReceivedCommandWith(CreateRoleCommand, { RoleName: ROLE_NAME, Path: '/shipline/', Tags: tagList(ROLE_NAME) });
    expect(JSON.parse(iam.commandCalls(CreateRoleCommand)[0]!.args[0].input.AssumeRolePolicyDocument!)).toEqual(TRUST);
    const put = iam.commandCalls(PutRolePolicyCommand)[0]!.args[0].input;
    expect(put).toMatchObject({ RoleName: ROLE_NAME, PolicyName: 'pipeline' });
    expect(JSON.parse(put.PolicyDocument!)).toEqual(POLICY);
  });

  it('creates the pipeline with the reference structure, tagged', () => {
    expect(codepipeline).toHaveReceivedCommandTimes(CreatePipelineCommand, 1);
    expect(codepipeline.commandCalls(CreatePipelineCommand)[0]!.args[0].input).toEqual({ pipeline: REFERENCE, tags: pipelineTags() });
  });

  it('makes the calls in order: role, policy, pipeline', () => {
    expect(mutatingCommands()).toEqual(['CreateRoleCommand', 'PutRolePolicyCommand', 'CreatePipelineCommand']);
  });

  it('records the role and the pipeline with their ARNs and reports them created', () => {
    expect(Object.fromEntries(ctx.records)).toEqual(FULL_STATE);
    expect(outcomes(ctx)).toEqual({ 'pipeline.role': 'created', 'pipeline.pipeline': 'created' });
  });
});

describe('pipeline step: IAM propagation', () => {
  it('retries CreatePipeline while CodePipeline cannot assume the new role yet, and makes one pipeline', async () => {
    awsHasNothing();
    codepipeline
      .on(CreatePipelineCommand)
      .rejectsOnce(notAssumable())
      .rejectsOnce(notAssumable())
      .callsFake((input: CreatePipelineCommandInput) => ({ pipeline: { ...input.pipeline, version: 1 } }));
    const ctx = testContext('pipeline', { state: DEPENDENCIES });
    await pipeline.reconcile(ctx);
    expect(codepipeline).toHaveReceivedCommandTimes(CreatePipelineCommand, 3);
    expect(ctx.records.get('pipeline.pipeline')).toEqual({ id: NAME, arn: PIPELINE_ARN });
  });

  it('fails at once on any other InvalidStructureException', async () => {
    awsHasNothing();
    codepipeline.on(CreatePipelineCommand).rejects(new InvalidStructureException({ message: 'An error occurred while validating the artifact bucket', $metadata: {} }));
    const ctx = testContext('pipeline', { state: DEPENDENCIES });
    await expect(pipeline.reconcile(ctx)).rejects.toThrow('artifact bucket');
    expect(codepipeline).toHaveReceivedCommandTimes(CreatePipelineCommand, 1);
    expect(ctx.records.has('pipeline.pipeline')).toBe(false);
  });
});

describe('pipeline step: re-run', () => {
  it('makes no mutating call and reports everything unchanged when AWS matches', async () => {
    awsHasPipeline();
    const ctx = testContext('pipeline', { state: FULL_STATE });
    await pipeline.reconcile(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(codepipeline).not.toHaveReceivedCommand(ListTagsForResourceCommand);
    expect(outcomes(ctx)).toEqual({ 'pipeline.role': 'unchanged', 'pipeline.pipeline': 'unchanged' });
    expect(Object.fromEntries(ctx.records)).toEqual(FULL_STATE);
  });

  it('puts a drifted pipeline back with UpdatePipeline and the declared structure', async () => {
    const edited = asReported(REFERENCE);
    edited.stages![3]!.actions = edited.stages![3]!.actions!.slice(1); // someone removed the approval
    awsHasPipeline({ declaration: edited });
    codepipeline.on(UpdatePipelineCommand).resolves({});
    const ctx = testContext('pipeline', { state: FULL_STATE });
    await pipeline.reconcile(ctx);
    expect(mutatingCommands()).toEqual(['UpdatePipelineCommand']);
    expect(codepipeline.commandCalls(UpdatePipelineCommand)[0]!.args[0].input).toEqual({ pipeline: REFERENCE });
    expect(ctx.outcomes.find((o) => o.resource === 'pipeline.pipeline')).toMatchObject({ outcome: 'updated', changes: ['stage Acceptance'] });
  });

  it('adds a stage for a new environment, and widens the role to its service', async () => {
    awsHasPipeline();
    iam.on(PutRolePolicyCommand).resolves({});
    codepipeline.on(UpdatePipelineCommand).resolves({});
    const environments = [{ name: 'dev', path: '/dev' }, { name: 'qa', path: '/qa' }, { name: 'prod', approval: true }];
    const state = { ...FULL_STATE, 'services.service.qa': { id: serviceArn('qa'), name: 'demo-qa' } };
    const ctx = testContext('pipeline', { state, config: { environments } });
    await pipeline.reconcile(ctx);
    expect(mutatingCommands()).toEqual(['PutRolePolicyCommand', 'UpdatePipelineCommand']);
    const policy = JSON.parse(iam.commandCalls(PutRolePolicyCommand)[0]!.args[0].input.PolicyDocument!) as typeof POLICY;
    expect(policy.Statement.find((s) => s.Sid === 'DeployServices')!.Resource).toEqual([serviceArn('dev'), serviceArn('qa'), serviceArn('prod')]);
    const sent = codepipeline.commandCalls(UpdatePipelineCommand)[0]!.args[0].input.pipeline!;
    expect(stageLayout(sent).map(([name]) => name)).toEqual(['Source', 'Build', 'Deploy-dev', 'Deploy-qa', 'Deploy-prod']);
    expect(ctx.outcomes.find((o) => o.resource === 'pipeline.pipeline')?.changes).toEqual(['stages (Source → Build → Deploy-dev → Deploy-qa → Deploy-prod)']);
  });

  it('retries UpdatePipeline too while the role is not assumable yet', async () => {
    awsHasPipeline({ declaration: { ...asReported(REFERENCE), executionMode: 'QUEUED' } });
    codepipeline.on(UpdatePipelineCommand).rejectsOnce(notAssumable()).resolves({});
    const ctx = testContext('pipeline', { state: FULL_STATE });
    await pipeline.reconcile(ctx);
    expect(codepipeline).toHaveReceivedCommandTimes(UpdatePipelineCommand, 2);
  });
});

describe('pipeline step: adoption', () => {
  it('adopts the pipeline found by name when it carries the stack tag, with no create', async () => {
    awsHasPipeline();
    const ctx = testContext('pipeline', { state: DEPENDENCIES });
    await pipeline.reconcile(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(codepipeline).toHaveReceivedCommandWith(GetPipelineCommand, { name: NAME });
    expect(codepipeline).toHaveReceivedCommandWith(ListTagsForResourceCommand, { resourceArn: PIPELINE_ARN });
    expect(outcomes(ctx)).toEqual({ 'pipeline.role': 'adopted', 'pipeline.pipeline': 'adopted' });
    expect(Object.fromEntries(ctx.records)).toEqual(FULL_STATE);
  });

  it('refuses a same-named pipeline without the stack tag, and changes nothing', async () => {
    awsHasPipeline({ tags: [{ key: 'team', value: 'someone-else' }] });
    const error = await pipeline.reconcile(testContext('pipeline', { state: DEPENDENCIES })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ForeignResourceError);
    expect((error as Error).message).toContain(`pipeline ${NAME}`);
    expect((error as Error).message).toContain('will not touch it');
    expect(mutatingCommands()).toEqual([]);
  });
});

describe('pipeline step: dry run', () => {
  it('before anything exists makes no mutating call and plans the role and the pipeline', async () => {
    awsHasNothing();
    const ctx = testContext('pipeline', { dryRun: true });
    await pipeline.reconcile(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(codepipeline).not.toHaveReceivedCommand(GetPipelineCommand);
    expect(ctx.outcomes.map((o) => [o.resource, o.outcome, o.id])).toEqual([
      ['pipeline.role', 'created', KNOWN_AFTER_APPLY],
      ['pipeline.pipeline', 'created', KNOWN_AFTER_APPLY],
    ]);
    expect(ctx.records.size).toBe(0);
  });

  it('with drift reports the update without making it', async () => {
    awsHasPipeline({ declaration: { ...asReported(REFERENCE), pipelineType: 'V1' } });
    const ctx = testContext('pipeline', { state: FULL_STATE, dryRun: true });
    await pipeline.reconcile(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(outcomes(ctx)).toEqual({ 'pipeline.role': 'unchanged', 'pipeline.pipeline': 'updated' });
  });
});

describe('pipeline step: outputs', () => {
  it('gives the pipeline name and its console address', () => {
    const state = memoryState(new Map(Object.entries(FULL_STATE)));
    expect(pipeline.outputs!(state, config())).toEqual([
      { key: 'pipeline', label: 'pipeline', value: NAME },
      {
        key: 'pipelineUrl',
        label: 'pipeline console',
        value: `https://eu-west-3.console.aws.amazon.com/codesuite/codepipeline/pipelines/${NAME}/view?region=eu-west-3`,
      },
    ]);
  });

  it('gives nothing before the pipeline exists', () => {
    expect(pipeline.outputs!(memoryState(), config())).toEqual([]);
  });
});

describe('pipeline step: destroy', () => {
  function awsDeletesEverything(): void {
    codepipeline.on(DeletePipelineCommand).resolves({});
    iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [] });
    iam.on(ListRolePoliciesCommand).resolves({ PolicyNames: ['pipeline'] });
    iam.on(DeleteRolePolicyCommand).resolves({});
    iam.on(DeleteRoleCommand).resolves({});
  }

  it('deletes the pipeline, then the role (its policy first); forgets each', async () => {
    awsHasPipeline();
    awsDeletesEverything();
    const ctx = testContext('pipeline', { state: FULL_STATE });
    await pipeline.destroy(ctx);
    // Each delete comes after one read of its tags: the pipeline's, the role's.
    expect(calls()).toEqual([
      'ListTagsForResourceCommand',
      'DeletePipelineCommand',
      'GetRoleCommand',
      'ListAttachedRolePoliciesCommand',
      'ListRolePoliciesCommand',
      'DeleteRolePolicyCommand',
      'DeleteRoleCommand',
    ]);
    expect(codepipeline).toHaveReceivedCommandWith(DeletePipelineCommand, { name: NAME });
    expect(iam).toHaveReceivedCommandWith(DeleteRoleCommand, { RoleName: ROLE_NAME });
    expect(Object.fromEntries(ctx.records)).toEqual(DEPENDENCIES);
    expect(outcomes(ctx)).toEqual({ 'pipeline.pipeline': 'deleted', 'pipeline.role': 'deleted' });
  });

  it('takes what is already gone as done', async () => {
    codepipeline.on(ListTagsForResourceCommand).rejects(new ResourceNotFoundException({ message: 'gone', $metadata: {} }));
    iam.on(GetRoleCommand).rejects(noSuchRole());
    const ctx = testContext('pipeline', { state: FULL_STATE });
    await pipeline.destroy(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(Object.fromEntries(ctx.records)).toEqual(DEPENDENCIES);
  });

  it('with a lost state deletes the pipeline only if it carries the stack tag', async () => {
    awsHasPipeline({ tags: [] });
    awsDeletesEverything();
    const ctx = testContext('pipeline');
    await pipeline.destroy(ctx);
    expect(codepipeline).not.toHaveReceivedCommand(DeletePipelineCommand);
    expect(iam).toHaveReceivedCommandWith(DeleteRoleCommand, { RoleName: ROLE_NAME });
  });

  it('with a lost state finds its own pipeline by name and tag', async () => {
    awsHasPipeline();
    awsDeletesEverything();
    const ctx = testContext('pipeline');
    await pipeline.destroy(ctx);
    expect(codepipeline).toHaveReceivedCommandWith(DeletePipelineCommand, { name: NAME });
  });

  it('with nothing in state or in AWS calls no delete', async () => {
    awsHasNothing();
    const ctx = testContext('pipeline');
    await pipeline.destroy(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(ctx.outcomes).toEqual([]);
  });
});
