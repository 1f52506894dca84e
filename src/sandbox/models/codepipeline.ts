// CodePipeline (simulated): pipelines (with every version of their declaration) and tags, and
// executions that really run their actions against the other models.
//
// Behaviour, as AWS documents it:
// - CreatePipeline ({ pipeline, tags }): names (pipeline, stages, actions) `[A-Za-z0-9.@\-_]{1,100}`
//   → ValidationException; a name in use → PipelineNameInUseException. The declaration is checked
//   as AWS does: roleArn must be an IAM role that exists (InvalidStructureException "CodePipeline is
//   not authorized to perform AssumeRole on role <arn>", also AWS's answer while a new role has not
//   propagated); artifactStore S3 whose bucket exists in this account and region
//   (InvalidStructureException "An error occurred while validating the artifact bucket '<name>'");
//   at least 2 stages; the first stage holds only source actions and only it does; stage names
//   unique, action names unique within their stage, output artifact names unique, every input
//   artifact an output of an action in an earlier stage or an earlier runOrder
//   (InvalidStructureException); a stage without actions → InvalidStageDeclarationException; an
//   action type (owner AWS, version 1) that AWS does not have → InvalidStructureException "ActionType
//   (…) in action 'X' is not available in region 'EU_WEST_3'"; a missing required or an unknown
//   configuration key, or a number of input/output artifacts the type does not allow →
//   InvalidActionDeclarationException; runOrder 1–999 (default 1). Action types that run:
//   Source/CodeStarSourceConnection (ConnectionArn, FullRepositoryId, BranchName; OutputArtifactFormat,
//   DetectChanges), Build/CodeBuild (ProjectName; PrimarySource, EnvironmentVariables, BatchEnabled,
//   CombineArtifacts), Deploy/ECS (ClusterName, ServiceName; FileName, DeploymentTimeout),
//   Approval/Manual (CustomData, NotificationArn, ExternalEntityLink), Deploy/CodeDeployToECS
//   (ApplicationName, DeploymentGroupName, TaskDefinitionTemplateArtifact, AppSpecTemplateArtifact,
//   which must be inputs of the action; TaskDefinitionTemplatePath, AppSpecTemplatePath,
//   Image<n>ArtifactName, Image<n>ContainerName). pipelineType V1 (default) or V2; executionMode
//   SUPERSEDED (default) or QUEUED (V2 only). Tags `[{ key, value }]`, at most 50
//   (TooManyTagsException), keys 1–128 characters, not `aws:` (InvalidTagsException). ARN
//   `arn:aws:codepipeline:<region>:<account>:<name>`. Creating a pipeline starts an execution.
// - GetPipeline (version → that version, PipelineVersionNotFoundException when unknown; metadata
//   pipelineArn, created, updated), UpdatePipeline (same checks; version + 1; starts nothing;
//   running executions go on with the version they started with), DeletePipeline (idempotent, as
//   AWS), ListPipelines (by name). TagResource / UntagResource / ListTagsForResource by pipeline
//   ARN (malformed → InvalidArnException, unknown → ResourceNotFoundException). Unknown pipeline →
//   PipelineNotFoundException everywhere else.
// - Executions: StartPipelineExecution (clientRequestToken: the same token answers the same
//   execution), GetPipelineExecution (PipelineExecutionNotFoundException), ListPipelineExecutions
//   (newest first, maxResults), GetPipelineState, PutApprovalResult. Every call on a pipeline
//   first runs its executions up to `world.now()`, event by event in simulated time: an action
//   started at t ends at t + `codepipeline.stage` (a build: when its CodeBuild build ends), and
//   what follows starts at that moment, however late the read that notices it. In instant mode a
//   read runs everything up to the next manual approval.
//   - An execution fetches, for each source action, the head commit of the branch when it starts
//     (an "Initial commit" for a branch never pushed to). The source action fails when the
//     connection is not AVAILABLE ("Connection <arn> is not available: its status is PENDING …");
//     else it succeeds with the commit (externalExecutionId, currentRevision, summary = message).
//   - A CodeBuild action starts a build of the input's commit (startPipelineBuild in codebuild.ts:
//     the build pushes the image to the project's ECR_REPOSITORY_URL, tagged with the short
//     commit); it succeeds when the build does and hands the image URI, and the project's
//     CONTAINER_NAME variable, to its output artifacts. A failed build fails it ("Build terminated
//     with state: FAILED …"); a missing project fails it at once ("Error calling startBuild: …").
//   - An ECS action deploys its input artifact's image with ecs.simulatePipelineDeploy (a new task
//     definition revision, UpdateService) when it starts; an input without an image, or a deploy
//     ECS refuses, fails it. A CodeDeployToECS action starts a CodeDeploy deployment of the image
//     (the artifact named by Image1ArtifactName, else the first input with an image) through
//     codedeploy.startPipelineDeployment: a new revision of the group's service's task definition
//     with that image, deployed blue/green; the task definition and AppSpec templates are not read.
//     It ends when the deployment does (a ready wait holds it until ContinueDeployment) and succeeds
//     or fails with it; a call CodeDeploy refuses (no such group, an active deployment) fails it.
//   - A manual approval stays InProgress with a token until PutApprovalResult: an unknown stage →
//     StageNotFoundException, an action that is not an approval of that stage →
//     ActionNotFoundException, a status other than Approved/Rejected → ValidationException, a token
//     that is no approval's → InvalidApprovalTokenException, an approval already answered →
//     ApprovalAlreadyCompletedException. Approved → Succeeded and the next runOrder starts;
//     Rejected → Failed with the given summary.
//   - The actions of one runOrder run together; when they are all done, a failure fails the stage
//     and the execution (statusSummary = the action's summary), else the next runOrder starts,
//     else the execution moves to the next stage or Succeeded.
//   - A stage holds one execution at a time; the others wait at its entrance (StageState
//     inboundExecution(s)). SUPERSEDED: a newer execution arriving there replaces an older one
//     waiting there, which ends Superseded. QUEUED: they enter in turn.
//   - GetPipelineState lists the current version's stages: latestExecution is the last execution
//     that entered the stage; each action's latestExecution is its latest run in any execution
//     (actionExecutionId, status, summary, lastStatusChange, token while an approval waits,
//     lastUpdatedBy, externalExecutionId/Url).
// - Non-AWS helpers: settleAll() (run every pipeline up to now; inventory() calls it),
//   simulateCommit({ repository, branch, message? }) (a push: the branch gets a new head, and each
//   pipeline whose source action watches it, DetectChanges not "false", starts an execution with
//   trigger WebhookV2).
// - inventory(): one `pipeline` per pipeline, keyed by its name.
// - Not modelled: PARALLEL mode, pipeline variables and triggers, cross-region artifactStores and
//   actions, stage conditions (beforeEntry/onSuccess/onFailure) and blockers, action commands,
//   outputVariables and timeouts, other action types (S3/CodeCommit/ECR sources, CloudFormation,
//   Lambda …), Stop/Retry/Rollback, disabled transitions, ListActionExecutions, approval expiry
//   (7 days on AWS), webhooks, pagination.
import {
  ActionNotFoundException,
  ApprovalAlreadyCompletedException,
  InvalidActionDeclarationException,
  InvalidApprovalTokenException,
  InvalidArnException,
  InvalidStageDeclarationException,
  InvalidStructureException,
  InvalidTagsException,
  PipelineExecutionNotFoundException,
  PipelineNameInUseException,
  PipelineNotFoundException,
  PipelineVersionNotFoundException,
  ResourceNotFoundException,
  StageNotFoundException,
  TooManyTagsException,
  ValidationException,
  type ActionCategory,
  type ActionDeclaration,
  type ActionExecutionStatus,
  type ActionState,
  type ArtifactRevision,
  type CreatePipelineCommandInput,
  type CreatePipelineCommandOutput,
  type DeletePipelineCommandInput,
  type DeletePipelineCommandOutput,
  type ExecutionMode,
  type GetPipelineCommandInput,
  type GetPipelineCommandOutput,
  type GetPipelineExecutionCommandInput,
  type GetPipelineExecutionCommandOutput,
  type GetPipelineStateCommandInput,
  type GetPipelineStateCommandOutput,
  type ListPipelineExecutionsCommandInput,
  type ListPipelineExecutionsCommandOutput,
  type ListPipelinesCommandInput,
  type ListPipelinesCommandOutput,
  type ListTagsForResourceCommandInput,
  type ListTagsForResourceCommandOutput,
  type PipelineDeclaration,
  type PipelineExecution,
  type PipelineExecutionStatus,
  type PipelineExecutionSummary,
  type PipelineType,
  type PutApprovalResultCommandInput,
  type PutApprovalResultCommandOutput,
  type SourceRevision,
  type StageDeclaration,
  type StageExecutionStatus,
  type StageState,
  type StartPipelineExecutionCommandInput,
  type StartPipelineExecutionCommandOutput,
  type Tag,
  type TagResourceCommandInput,
  type TagResourceCommandOutput,
  type TriggerType,
  type UntagResourceCommandInput,
  type UntagResourceCommandOutput,
  type UpdatePipelineCommandInput,
  type UpdatePipelineCommandOutput,
} from '@aws-sdk/client-codepipeline';
import { createHash } from 'node:crypto';
import { SandboxNotModelled } from '../kernel/errors';
import { type InventoryItem, type Out, SandboxService } from '../kernel/service';
import type { Tags } from '../kernel/tags';
import type { LatencyKey, SandboxWorld } from '../kernel/world';
import type { CodeBuildSandbox } from './codebuild';
import type { CodeDeploySandbox } from './codedeploy';
import type { ConnectionsSandbox } from './connections';
import type { IamSandbox } from './iam';
import type { EcsSandbox } from './ecs';
import type { S3Sandbox } from './s3';
import { checkServiceWork, type WorkDenial } from './service-work';

const NAME = /^[A-Za-z0-9.@\-_]{1,100}$/;
const ARTIFACT_NAME = /^[a-zA-Z0-9_-]{1,100}$/;
const MAX_TAGS = 50;
const DEFAULT_IMAGE_DEFINITIONS = 'imagedefinitions.json';

// ---- Action types ------------------------------------------------------------------------------

interface ActionTypeSpec {
  category: ActionCategory;
  provider: string;
  required: readonly string[];
  optional: readonly string[];
  /** Allowed numbers of input and output artifacts, [min, max]. */
  inputs: readonly [number, number];
  outputs: readonly [number, number];
}

/** The AWS action types the sandbox runs (owner AWS, version 1). */
const ACTION_TYPES: readonly ActionTypeSpec[] = [
  {
    category: 'Source',
    provider: 'CodeStarSourceConnection',
    required: ['ConnectionArn', 'FullRepositoryId', 'BranchName'],
    optional: ['OutputArtifactFormat', 'DetectChanges'],
    inputs: [0, 0],
    outputs: [1, 1],
  },
  {
    category: 'Build',
    provider: 'CodeBuild',
    required: ['ProjectName'],
    optional: ['PrimarySource', 'EnvironmentVariables', 'BatchEnabled', 'CombineArtifacts'],
    inputs: [1, 5],
    outputs: [0, 5],
  },
  { category: 'Deploy', provider: 'ECS', required: ['ClusterName', 'ServiceName'], optional: ['FileName', 'DeploymentTimeout'], inputs: [1, 1], outputs: [0, 0] },
  { category: 'Approval', provider: 'Manual', required: [], optional: ['CustomData', 'NotificationArn', 'ExternalEntityLink'], inputs: [0, 0], outputs: [0, 0] },
  {
    category: 'Deploy',
    provider: 'CodeDeployToECS',
    required: ['ApplicationName', 'DeploymentGroupName', 'TaskDefinitionTemplateArtifact', 'AppSpecTemplateArtifact'],
    optional: [
      'TaskDefinitionTemplatePath', 'AppSpecTemplatePath',
      ...[1, 2, 3, 4].flatMap((i) => [`Image${i}ArtifactName`, `Image${i}ContainerName`]),
    ],
    inputs: [1, 5],
    outputs: [0, 0],
  },
];

/** Action types AWS has and the sandbox does not run: they fail loudly instead of "not available". */
const UNMODELLED_ACTION_TYPES: readonly string[] = [
  'Source/S3', 'Source/CodeCommit', 'Source/ECR', 'Build/ECRBuildAndPublish', 'Build/Commands', 'Test/CodeBuild', 'Test/DeviceFarm',
  'Deploy/CloudFormation', 'Deploy/CloudFormationStackSet', 'Deploy/CodeDeploy', 'Deploy/S3', 'Deploy/ElasticBeanstalk', 'Deploy/EKS',
  'Deploy/EC2', 'Invoke/Lambda', 'Invoke/StepFunctions', 'Invoke/Snyk', 'Invoke/InspectorScan',
];

// ---- Stored records ----------------------------------------------------------------------------

interface ActionRecord {
  name: string;
  category: ActionCategory;
  provider: string;
  runOrder: number;
  configuration: Record<string, string>;
  inputArtifacts: string[];
  outputArtifacts: string[];
  roleArn?: string;
  namespace?: string;
}

interface StageRecord {
  name: string;
  actions: ActionRecord[];
}

/** One version of a pipeline's declaration. */
interface DeclarationRecord {
  roleArn: string;
  artifactStore: { location: string; encryptionKey?: { id: string; type: 'KMS' } };
  stages: StageRecord[];
  pipelineType: PipelineType;
  executionMode: ExecutionMode;
}

/** A commit on the simulated Git host behind the connections. */
interface CommitRecord {
  id: string;
  message: string;
  repository: string;
  branch: string;
  /** Simulated seconds. */
  at: number;
}

interface ActionRunRecord {
  id: string;
  status: ActionExecutionStatus;
  /** Simulated seconds. */
  startedAt: number;
  changedAt: number;
  /** When it finishes by itself; undefined while it waits for someone (a manual approval). */
  endsAt?: number;
  /** Decided when it started (the deploy call failed, no build could start …). */
  failure?: string;
  summary?: string;
  token?: string;
  externalExecutionId?: string;
  externalExecutionUrl?: string;
  lastUpdatedBy?: string;
  /** The commit a source action fetched. */
  revision?: CommitRecord;
}

interface StageRunRecord {
  status: StageExecutionStatus;
  enteredAt: number;
  /** The runOrder whose actions run now (or ran last). */
  runOrder: number;
  /** By action name, as they started. */
  actions: Record<string, ActionRunRecord>;
}

/** What an output artifact carries from one action to the next. */
interface ArtifactRecord {
  commitId?: string;
  imageUri?: string;
  containerName?: string;
}

interface ExecutionRecord {
  id: string;
  /** The pipeline version it runs, whatever updates come later. */
  version: number;
  status: PipelineExecutionStatus;
  statusSummary?: string;
  startedAt: number;
  updatedAt: number;
  trigger: { type: TriggerType; detail: string };
  /** HEAD of each source action's branch when the execution started, by action name. */
  commits: Record<string, CommitRecord>;
  /** The stage it is in, or waits to enter (`waiting`); where it ended once it has. */
  stage: string;
  waiting: boolean;
  waitingSince?: number;
  /** By stage name, for the stages it entered. */
  stageRuns: Record<string, StageRunRecord>;
  /** By artifact name. */
  artifacts: Record<string, ArtifactRecord>;
}

interface PipelineRecord {
  name: string;
  arn: string;
  createdAt: number;
  updatedAt: number;
  tags: Tags;
  version: number;
  /** Every version's declaration, by version number. */
  versions: Record<string, DeclarationRecord>;
  /** In start order. */
  executions: ExecutionRecord[];
  /** StartPipelineExecution clientRequestToken → execution id. */
  clientTokens: Record<string, string>;
}

export interface CodePipelineData {
  /** By pipeline name. */
  pipelines: Record<string, PipelineRecord>;
  /** The simulated Git host: the head commit of each `<owner>/<repo>#<branch>`. */
  heads: Record<string, CommitRecord>;
}

type Outcome = { status: 'Succeeded' | 'Failed'; summary?: string };

/** The services this one calls, as AWS's own services call each other (given at construction). */
export type CodePipelinePeers = { codebuild: CodeBuildSandbox; codedeploy: CodeDeploySandbox; connections: ConnectionsSandbox; iam: IamSandbox; ecs: EcsSandbox; s3: S3Sandbox };

export class CodePipelineSandbox extends SandboxService<CodePipelineData> {
  readonly service = 'codepipeline' as const;

  constructor(world: SandboxWorld, data: CodePipelineData, private readonly peers: CodePipelinePeers) {
    super(world, data);
  }

  static empty(): CodePipelineData {
    return { pipelines: {}, heads: {} };
  }

  // ---- Pipelines -------------------------------------------------------------------------------

  createPipeline(input: CreatePipelineCommandInput): Out<CreatePipelineCommandOutput> {
    const name = checkName(input.pipeline?.name, 'pipeline.name');
    if (this.data.pipelines[name]) {
      throw new PipelineNameInUseException({ message: `A pipeline with the name '${name}' already exists in account '${this.world.account}'`, $metadata: {} });
    }
    const declaration = this.checkDeclaration(input.pipeline);
    const tags = checkTags({}, input.tags);
    const now = this.world.now();
    const pipeline: PipelineRecord = {
      name,
      arn: this.pipelineArn(name),
      createdAt: now,
      updatedAt: now,
      tags,
      version: 1,
      versions: { 1: declaration },
      executions: [],
      clientTokens: {},
    };
    this.data.pipelines[name] = pipeline;
    this.startExecution(pipeline, { type: 'CreatePipeline', detail: this.callerArn() });
    return { pipeline: this.declarationOut(name, declaration, 1), tags: tagsOut(tags) };
  }

  getPipeline(input: GetPipelineCommandInput): Out<GetPipelineCommandOutput> {
    const pipeline = this.getPipelineRecord(input.name);
    const version = input.version ?? pipeline.version;
    const declaration = pipeline.versions[version];
    if (!declaration) {
      throw new PipelineVersionNotFoundException({ message: `Version ${version} of pipeline ${pipeline.name} was not found`, $metadata: {} });
    }
    return {
      pipeline: this.declarationOut(pipeline.name, declaration, version),
      metadata: { pipelineArn: pipeline.arn, created: dateAt(pipeline.createdAt), updated: dateAt(pipeline.updatedAt) },
    };
  }

  updatePipeline(input: UpdatePipelineCommandInput): Out<UpdatePipelineCommandOutput> {
    const pipeline = this.getPipelineRecord(checkName(input.pipeline?.name, 'pipeline.name'));
    this.settle(pipeline);
    const declaration = this.checkDeclaration(input.pipeline);
    pipeline.version += 1;
    pipeline.versions[pipeline.version] = declaration;
    pipeline.updatedAt = this.world.now();
    return { pipeline: this.declarationOut(pipeline.name, declaration, pipeline.version) };
  }

  deletePipeline(input: DeletePipelineCommandInput): Out<DeletePipelineCommandOutput> {
    delete this.data.pipelines[input.name ?? ''];
    return {};
  }

  listPipelines(_input: ListPipelinesCommandInput): Out<ListPipelinesCommandOutput> {
    const pipelines = Object.values(this.data.pipelines).sort((a, b) => a.name.localeCompare(b.name));
    return {
      pipelines: pipelines.map((p) => {
        const current = this.current(p);
        return {
          name: p.name,
          version: p.version,
          pipelineType: current.pipelineType,
          executionMode: current.executionMode,
          created: dateAt(p.createdAt),
          updated: dateAt(p.updatedAt),
        };
      }),
    };
  }

  // ---- Tags ------------------------------------------------------------------------------------

  tagResource(input: TagResourceCommandInput): Out<TagResourceCommandOutput> {
    const pipeline = this.pipelineByArn(input.resourceArn);
    pipeline.tags = checkTags(pipeline.tags, input.tags);
    return {};
  }

  untagResource(input: UntagResourceCommandInput): Out<UntagResourceCommandOutput> {
    const pipeline = this.pipelineByArn(input.resourceArn);
    for (const key of input.tagKeys ?? []) delete pipeline.tags[key];
    return {};
  }

  listTagsForResource(input: ListTagsForResourceCommandInput): Out<ListTagsForResourceCommandOutput> {
    return { tags: tagsOut(this.pipelineByArn(input.resourceArn).tags) };
  }

  // ---- Executions ------------------------------------------------------------------------------

  startPipelineExecution(input: StartPipelineExecutionCommandInput): Out<StartPipelineExecutionCommandOutput> {
    if (input.variables?.length || input.sourceRevisions?.length) {
      throw new SandboxNotModelled('the sandbox does not model variables or sourceRevisions in codepipeline:StartPipelineExecution');
    }
    const pipeline = this.getPipelineRecord(input.name);
    this.settle(pipeline);
    const token = input.clientRequestToken;
    const known = token === undefined ? undefined : pipeline.clientTokens[token];
    if (known) return { pipelineExecutionId: known };
    const execution = this.startExecution(pipeline, { type: 'StartPipelineExecution', detail: this.callerArn() });
    if (token !== undefined) pipeline.clientTokens[token] = execution.id;
    return { pipelineExecutionId: execution.id };
  }

  getPipelineState(input: GetPipelineStateCommandInput): Out<GetPipelineStateCommandOutput> {
    const pipeline = this.getPipelineRecord(input.name);
    this.settle(pipeline);
    const current = this.current(pipeline);
    return {
      pipelineName: pipeline.name,
      pipelineVersion: pipeline.version,
      stageStates: current.stages.map((stage) => this.stageStateOut(pipeline, stage)),
      created: dateAt(pipeline.createdAt),
      updated: dateAt(pipeline.updatedAt),
    };
  }

  getPipelineExecution(input: GetPipelineExecutionCommandInput): Out<GetPipelineExecutionCommandOutput> {
    const pipeline = this.getPipelineRecord(input.pipelineName);
    this.settle(pipeline);
    const execution = pipeline.executions.find((e) => e.id === input.pipelineExecutionId);
    if (!execution) {
      throw new PipelineExecutionNotFoundException({
        message: `Pipeline Execution ID ${input.pipelineExecutionId ?? ''} does not exist for pipeline ${pipeline.name} in account ${this.world.account}`,
        $metadata: {},
      });
    }
    return { pipelineExecution: this.executionOut(pipeline, execution) };
  }

  listPipelineExecutions(input: ListPipelineExecutionsCommandInput): Out<ListPipelineExecutionsCommandOutput> {
    if (input.filter) throw new SandboxNotModelled('the sandbox does not model filter in codepipeline:ListPipelineExecutions');
    const pipeline = this.getPipelineRecord(input.pipelineName);
    this.settle(pipeline);
    const newestFirst = [...pipeline.executions].reverse().slice(0, input.maxResults ?? 100);
    return { pipelineExecutionSummaries: newestFirst.map((e) => this.executionSummaryOut(pipeline, e)) };
  }

  putApprovalResult(input: PutApprovalResultCommandInput): Out<PutApprovalResultCommandOutput> {
    const pipeline = this.getPipelineRecord(input.pipelineName);
    this.settle(pipeline);
    const stage = this.current(pipeline).stages.find((s) => s.name === input.stageName);
    if (!stage) {
      throw new StageNotFoundException({ message: `Stage ${input.stageName ?? ''} was not found in pipeline ${pipeline.name}`, $metadata: {} });
    }
    const action = stage.actions.find((a) => a.name === input.actionName);
    if (!action || action.category !== 'Approval') {
      throw new ActionNotFoundException({
        message: `Approval action ${input.actionName ?? ''} was not found in stage ${stage.name} of pipeline ${pipeline.name}`,
        $metadata: {},
      });
    }
    const status = input.result?.status;
    if (status !== 'Approved' && status !== 'Rejected') {
      throw new ValidationException({
        message: `1 validation error detected: Value '${String(status)}' at 'result.status' failed to satisfy constraint: Member must satisfy enum value set: [Approved, Rejected]`,
        $metadata: {},
      });
    }
    const token = input.token;
    const execution = token === undefined ? undefined : pipeline.executions.find((e) => e.stageRuns[stage.name]?.actions[action.name]?.token === token);
    const run = execution?.stageRuns[stage.name]?.actions[action.name];
    if (!execution || !run) {
      throw new InvalidApprovalTokenException({ message: 'The token for the approval request is not valid', $metadata: {} });
    }
    if (run.status !== 'InProgress') {
      throw new ApprovalAlreadyCompletedException({ message: `The approval request for action ${action.name} has already been completed`, $metadata: {} });
    }
    const now = this.world.now();
    run.lastUpdatedBy = this.callerArn();
    const summary = input.result?.summary;
    this.completeAction(pipeline, execution, run, { status: status === 'Approved' ? 'Succeeded' : 'Failed', ...(summary ? { summary } : {}) }, now);
    return { approvedAt: dateAt(now) };
  }

  // ---- Non-AWS helpers -------------------------------------------------------------------------

  /** Run every pipeline's executions up to the simulated clock (reads do this for their pipeline). */
  settleAll(): void {
    for (const pipeline of Object.values(this.data.pipelines)) this.settle(pipeline);
  }

  /**
   * A push to `<owner>/<repo>` on `branch`, as the connection's provider reports it: the branch
   * gets a new head commit, and every pipeline whose source action watches that branch (with
   * DetectChanges not "false") starts an execution. Returns the commit id.
   */
  simulateCommit(input: { repository: string; branch: string; message?: string }): string {
    const commit = this.newCommit(input.repository, input.branch, input.message ?? `Update ${input.branch}`);
    for (const pipeline of Object.values(this.data.pipelines)) {
      const watching = this.current(pipeline).stages[0]?.actions.find(
        (a) =>
          a.provider === 'CodeStarSourceConnection' &&
          a.configuration.FullRepositoryId === input.repository &&
          a.configuration.BranchName === input.branch &&
          a.configuration.DetectChanges !== 'false',
      );
      if (!watching) continue;
      this.settle(pipeline);
      this.startExecution(pipeline, { type: 'WebhookV2', detail: watching.configuration.ConnectionArn ?? '' });
    }
    return commit.id;
  }

  // ---- Inventory -------------------------------------------------------------------------------

  inventory(): InventoryItem[] {
    this.settleAll();
    return Object.values(this.data.pipelines).map((p) => ({
      service: 'codepipeline',
      type: 'pipeline',
      id: p.name,
      tags: { ...p.tags },
      key: p.name,
    }));
  }

  // ---- Running executions ----------------------------------------------------------------------
  //
  // Everything happens at simulated times: an action that started at t ends at t + its latency,
  // and the next one starts at that moment, however late the read that notices it comes.

  private startExecution(pipeline: PipelineRecord, trigger: ExecutionRecord['trigger']): ExecutionRecord {
    const now = this.world.now();
    const declaration = this.current(pipeline);
    const commits: Record<string, CommitRecord> = {};
    for (const action of declaration.stages[0]?.actions ?? []) {
      const { FullRepositoryId: repository = '', BranchName: branch = '' } = action.configuration;
      commits[action.name] = this.headOf(repository, branch);
    }
    const execution: ExecutionRecord = {
      id: this.newUuid(),
      version: pipeline.version,
      status: 'InProgress',
      startedAt: now,
      updatedAt: now,
      trigger,
      commits,
      stage: declaration.stages[0]?.name ?? '',
      waiting: true,
      stageRuns: {},
      artifacts: {},
    };
    pipeline.executions.push(execution);
    this.tryEnter(pipeline, execution, execution.stage, now);
    return execution;
  }

  /** Finish, in time order, every action whose time has come. */
  private settle(pipeline: PipelineRecord): void {
    for (;;) {
      let due: { execution: ExecutionRecord; run: ActionRunRecord; action: ActionRecord; endsAt: number } | undefined;
      for (const execution of pipeline.executions) {
        if (execution.status !== 'InProgress' || execution.waiting) continue;
        const stage = this.stageOf(pipeline, execution);
        for (const action of stage.actions) {
          const run = execution.stageRuns[stage.name]?.actions[action.name];
          if (run?.status === 'InProgress' && action.provider === 'CodeDeployToECS') this.followDeployment(run);
          if (run?.status !== 'InProgress' || run.endsAt === undefined || !this.world.isPast(run.endsAt)) continue;
          if (!due || run.endsAt < due.endsAt) due = { execution, run, action, endsAt: run.endsAt };
        }
      }
      if (!due) return;
      this.completeAction(pipeline, due.execution, due.run, this.outcomeOf(pipeline, due.execution, due.action, due.run), due.endsAt);
    }
  }

  /** How an action that ran its time ended. */
  private outcomeOf(pipeline: PipelineRecord, execution: ExecutionRecord, action: ActionRecord, run: ActionRunRecord): Outcome {
    if (run.failure !== undefined) return { status: 'Failed', summary: run.failure };
    if (action.provider === 'CodeStarSourceConnection') return this.fetchSource(pipeline, execution, action, run);
    if (action.provider === 'CodeBuild') {
      const result = this.peers.codebuild.pipelineBuildResult(run.externalExecutionId ?? '');
      if (result.status !== 'SUCCEEDED') return { status: 'Failed', summary: result.message ?? `Build terminated with state: ${result.status}` };
      const commitId = this.inputOf(execution, action)?.commitId;
      for (const output of action.outputArtifacts) {
        execution.artifacts[output] = {
          ...(commitId ? { commitId } : {}),
          ...(result.imageUri ? { imageUri: result.imageUri } : {}),
          ...(result.containerName ? { containerName: result.containerName } : {}),
        };
      }
      return { status: 'Succeeded' };
    }
    if (action.provider === 'CodeDeployToECS') {
      const result = this.peers.codedeploy.pipelineDeploymentResult(run.externalExecutionId ?? '');
      if (result.status === 'Succeeded') return { status: 'Succeeded' };
      return { status: 'Failed', summary: result.message ?? `Deployment ${run.externalExecutionId ?? ''} ended with status ${result.status}` };
    }
    return { status: 'Succeeded' };
  }

  /** A deployment ends when CodeDeploy says: a ready wait or a ContinueDeployment moves its end. */
  private followDeployment(run: ActionRunRecord): void {
    if (run.failure !== undefined || run.externalExecutionId === undefined) return;
    const { endsAt } = this.peers.codedeploy.pipelineDeploymentResult(run.externalExecutionId);
    if (endsAt === undefined) delete run.endsAt;
    else run.endsAt = endsAt;
  }

  /** The source action fetches the commit the execution started with, through the connection. */
  private fetchSource(pipeline: PipelineRecord, execution: ExecutionRecord, action: ActionRecord, run: ActionRunRecord): Outcome {
    const arn = action.configuration.ConnectionArn ?? '';
    let status: string | undefined;
    try {
      status = this.peers.connections.getConnection({ ConnectionArn: arn }).Connection?.ConnectionStatus;
    } catch (error) {
      return { status: 'Failed', summary: `Connection ${arn} is not available: ${error instanceof Error ? error.message : String(error)}` };
    }
    if (status !== 'AVAILABLE') {
      return {
        status: 'Failed',
        summary: `Connection ${arn} is not available: its status is ${status ?? 'unknown'}. Complete the connection in the console, then retry.`,
      };
    }
    const declaration = this.declarationOf(pipeline, execution);
    const denial = checkServiceWork(this.peers.iam, { account: this.world.account, region: this.world.region, partition: this.world.partition }, action.roleArn ?? declaration.roleArn, 'pipelineSource', {
      connectionArn: arn,
      bucket: declaration.artifactStore.location,
      pipeline: pipeline.name,
    });
    if (denial) return { status: 'Failed', summary: denial.message };
    const commit = execution.commits[action.name];
    if (!commit) return { status: 'Failed', summary: `No commit found for branch ${action.configuration.BranchName ?? ''}` };
    run.revision = commit;
    run.externalExecutionId = commit.id;
    run.externalExecutionUrl = commitUrl(commit);
    for (const output of action.outputArtifacts) execution.artifacts[output] = { commitId: commit.id };
    return { status: 'Succeeded', summary: commit.message };
  }

  private completeAction(pipeline: PipelineRecord, execution: ExecutionRecord, run: ActionRunRecord, outcome: Outcome, at: number): void {
    run.status = outcome.status;
    if (outcome.summary !== undefined) run.summary = outcome.summary;
    else delete run.summary;
    run.changedAt = at;
    execution.updatedAt = at;
    this.proceed(pipeline, execution, at);
  }

  /** After an action ended: start the next runOrder, or leave the stage, or end the execution. */
  private proceed(pipeline: PipelineRecord, execution: ExecutionRecord, at: number): void {
    const declaration = this.declarationOf(pipeline, execution);
    const stage = this.stageOf(pipeline, execution);
    const stageRun = execution.stageRuns[stage.name];
    if (!stageRun) return;
    const group = stage.actions.filter((a) => a.runOrder === stageRun.runOrder);
    if (group.some((a) => stageRun.actions[a.name]?.status === 'InProgress')) return;
    const failed = group.map((a) => stageRun.actions[a.name]).find((run) => run?.status === 'Failed');
    if (failed) {
      stageRun.status = 'Failed';
      this.endExecution(execution, 'Failed', at, failed.summary);
      this.admitWaiting(pipeline, stage.name, at);
      return;
    }
    const nextOrder = Math.min(...stage.actions.map((a) => a.runOrder).filter((order) => order > stageRun.runOrder));
    if (Number.isFinite(nextOrder)) {
      stageRun.runOrder = nextOrder;
      this.startGroup(pipeline, execution, stage, at);
      return;
    }
    stageRun.status = 'Succeeded';
    const next = declaration.stages[declaration.stages.indexOf(stage) + 1];
    if (next) {
      execution.stage = next.name;
      execution.waiting = true;
    } else {
      this.endExecution(execution, 'Succeeded', at);
    }
    this.admitWaiting(pipeline, stage.name, at);
    if (next) this.tryEnter(pipeline, execution, next.name, at);
  }

  /** Enter a stage if no other execution holds it; else wait at its entrance. */
  private tryEnter(pipeline: PipelineRecord, execution: ExecutionRecord, stageName: string, at: number): void {
    execution.stage = stageName;
    const held = pipeline.executions.some((e) => e !== execution && e.status === 'InProgress' && !e.waiting && e.stage === stageName);
    if (!held) {
      this.enter(pipeline, execution, stageName, at);
      return;
    }
    execution.waiting = true;
    execution.waitingSince = at;
    if (this.current(pipeline).executionMode !== 'SUPERSEDED') return;
    // Only the newest execution waiting at a stage's entrance goes on.
    const waiting = this.waitingAt(pipeline, stageName);
    const newest = waiting[waiting.length - 1];
    for (const older of waiting.slice(0, -1)) this.endExecution(older, 'Superseded', at, `Superseded by execution ${newest?.id ?? ''}`);
  }

  /** A stage was left: let the next execution waiting at its entrance in. */
  private admitWaiting(pipeline: PipelineRecord, stageName: string, at: number): void {
    const waiting = this.waitingAt(pipeline, stageName);
    // SUPERSEDED keeps one waiting execution; QUEUED lets the first in line go.
    const next = this.current(pipeline).executionMode === 'SUPERSEDED' ? waiting[waiting.length - 1] : waiting[0];
    if (next) this.enter(pipeline, next, stageName, at);
  }

  private waitingAt(pipeline: PipelineRecord, stageName: string): ExecutionRecord[] {
    return pipeline.executions.filter((e) => e.status === 'InProgress' && e.waiting && e.stage === stageName);
  }

  private enter(pipeline: PipelineRecord, execution: ExecutionRecord, stageName: string, at: number): void {
    execution.stage = stageName;
    execution.waiting = false;
    delete execution.waitingSince;
    execution.updatedAt = at;
    const stage = this.stageOf(pipeline, execution);
    execution.stageRuns[stageName] = {
      status: 'InProgress',
      enteredAt: at,
      runOrder: Math.min(...stage.actions.map((a) => a.runOrder)),
      actions: {},
    };
    this.startGroup(pipeline, execution, stage, at);
  }

  private startGroup(pipeline: PipelineRecord, execution: ExecutionRecord, stage: StageRecord, at: number): void {
    const stageRun = execution.stageRuns[stage.name];
    if (!stageRun) return;
    for (const action of stage.actions.filter((a) => a.runOrder === stageRun.runOrder)) {
      stageRun.actions[action.name] = this.startAction(this.declarationOf(pipeline, execution), execution, action, at);
    }
  }

  /** Start one action at simulated time `at`: its side effects happen now, its end is scheduled. */
  private startAction(declaration: DeclarationRecord, execution: ExecutionRecord, action: ActionRecord, at: number): ActionRunRecord {
    const run: ActionRunRecord = { id: this.newUuid(), status: 'InProgress', startedAt: at, changedAt: at };
    const failAtOnce = (message: string): ActionRunRecord => ({ ...run, endsAt: at, failure: message });
    // The action runs as the pipeline's role (or its own): what the role may not do fails it at once.
    const roleArn = action.roleArn ?? declaration.roleArn;
    const denied = this.deniedWork(roleArn, action);
    if (denied) return failAtOnce(denied);
    switch (action.provider) {
      case 'CodeBuild': {
        const projectName = action.configuration.ProjectName ?? '';
        const input = this.inputOf(execution, action);
        const sourceVersion = input?.commitId;
        const variables = actionVariables(action.configuration.EnvironmentVariables);
        if (typeof variables === 'string') return failAtOnce(variables);
        try {
          const build = this.peers.codebuild.startPipelineBuild({
            projectName,
            startedAt: at,
            artifactBucket: declaration.artifactStore.location,
            ...(sourceVersion ? { sourceVersion } : {}),
            ...(variables.length > 0 ? { variables } : {}),
            ...(input?.imageUri ? { inputImageUri: input.imageUri } : {}),
          });
          const url = `https://console.aws.amazon.com/codesuite/codebuild/${this.world.account}/projects/${projectName}/build/${encodeURIComponent(build.id)}`;
          return { ...run, endsAt: build.endsAt, externalExecutionId: build.id, externalExecutionUrl: url };
        } catch (error) {
          return failAtOnce(`Error calling startBuild: ${errorText(error)}`);
        }
      }
      case 'ECS': {
        const input = this.inputOf(execution, action);
        const file = action.configuration.FileName ?? DEFAULT_IMAGE_DEFINITIONS;
        if (!input?.imageUri) {
          return failAtOnce(`Exception while trying to read the image definitions file ${file} from the input artifact ${action.inputArtifacts[0] ?? ''}`);
        }
        try {
          const taskDefinition = this.peers.ecs.simulatePipelineDeploy({
            cluster: action.configuration.ClusterName ?? '',
            service: action.configuration.ServiceName ?? '',
            image: input.imageUri,
            ...(input.containerName ? { container: input.containerName } : {}),
          });
          return { ...run, endsAt: this.after('codepipeline.stage', at), externalExecutionId: taskDefinition };
        } catch (error) {
          return failAtOnce(errorText(error));
        }
      }
      case 'CodeDeployToECS': {
        const named = action.configuration.Image1ArtifactName;
        const image = named !== undefined
          ? execution.artifacts[named]
          : action.inputArtifacts.map((name) => execution.artifacts[name]).find((artifact) => artifact?.imageUri);
        if (!image?.imageUri) {
          return failAtOnce(`Exception while trying to read the image artifact file from the artifact ${named ?? action.inputArtifacts[0] ?? ''}`);
        }
        try {
          const deployment = this.peers.codedeploy.startPipelineDeployment({
            applicationName: action.configuration.ApplicationName ?? '',
            deploymentGroupName: action.configuration.DeploymentGroupName ?? '',
            image: image.imageUri,
            ...(image.containerName ? { container: image.containerName } : {}),
            startedAt: at,
          });
          const url = `https://console.aws.amazon.com/codesuite/codedeploy/deployments/${deployment.id}?region=${this.world.region}`;
          return { ...run, externalExecutionId: deployment.id, externalExecutionUrl: url, ...(deployment.endsAt !== undefined ? { endsAt: deployment.endsAt } : {}) };
        } catch (error) {
          return failAtOnce(errorText(error));
        }
      }
      case 'Manual':
        return { ...run, token: this.newUuid() };
      default:
        // Source (checked when it ends).
        return { ...run, endsAt: this.after('codepipeline.stage', at) };
    }
  }

  /** What the role's policies deny of the action's work (service-work.ts), as the summary the action fails with. */
  private deniedWork(roleArn: string, action: ActionRecord): string | undefined {
    const iam = this.peers.iam;
    const place = { account: this.world.account, region: this.world.region, partition: this.world.partition };
    const config = action.configuration;
    let denial: WorkDenial | undefined;
    switch (action.provider) {
      case 'CodeBuild':
        denial = checkServiceWork(iam, place, roleArn, 'pipelineBuild', { projectName: config.ProjectName ?? '' });
        break;
      case 'ECS': {
        const executionRoleArn = this.peers.ecs.executionRoleOf(config.ClusterName ?? '', config.ServiceName ?? '');
        denial = checkServiceWork(iam, place, roleArn, 'pipelineEcsDeploy', {
          cluster: config.ClusterName ?? '',
          service: config.ServiceName ?? '',
          ...(executionRoleArn ? { executionRoleArn } : {}),
        });
        break;
      }
      case 'CodeDeployToECS': {
        const target = this.peers.codedeploy.deploymentTargetOf(config.ApplicationName ?? '', config.DeploymentGroupName ?? '');
        const executionRoleArn = target ? this.peers.ecs.executionRoleOf(target.cluster, target.service) : undefined;
        denial = checkServiceWork(iam, place, roleArn, 'pipelineCodeDeployToEcs', {
          application: config.ApplicationName ?? '',
          group: config.DeploymentGroupName ?? '',
          config: target?.deploymentConfigName ?? 'CodeDeployDefault.ECSAllAtOnce',
          ...(executionRoleArn ? { executionRoleArn } : {}),
        });
        break;
      }
      default:
        return undefined;
    }
    return denial?.message;
  }

  private endExecution(execution: ExecutionRecord, status: PipelineExecutionStatus, at: number, summary?: string): void {
    execution.status = status;
    execution.updatedAt = at;
    execution.waiting = false;
    delete execution.waitingSince;
    if (summary !== undefined) execution.statusSummary = summary;
  }

  /** The artifact an action reads first (the build's source, the deploy's image definitions). */
  private inputOf(execution: ExecutionRecord, action: ActionRecord): ArtifactRecord | undefined {
    const primary = action.configuration.PrimarySource ?? action.inputArtifacts[0];
    return primary === undefined ? undefined : execution.artifacts[primary];
  }

  /** `kind`'s latency counted from the simulated time `at` (which may lie before now). */
  private after(kind: LatencyKey, at: number): number {
    return at + (this.world.readyAt(kind) - this.world.now());
  }

  // ---- Validation ------------------------------------------------------------------------------

  private checkDeclaration(input: PipelineDeclaration | undefined): DeclarationRecord {
    if (!input) throw validation(`1 validation error detected: Value null at 'pipeline' failed to satisfy constraint: Member must not be null`);
    if (Object.keys(input.artifactStores ?? {}).length > 0) throw new SandboxNotModelled('the sandbox does not model cross-region artifactStores');
    if (input.variables?.length || input.triggers?.length) throw new SandboxNotModelled('the sandbox does not model pipeline variables or triggers');
    const pipelineType = input.pipelineType ?? 'V1';
    if (pipelineType !== 'V1' && pipelineType !== 'V2') throw validation(`Invalid pipelineType: ${String(pipelineType)}`);
    const executionMode = input.executionMode ?? 'SUPERSEDED';
    if (executionMode === 'PARALLEL') throw new SandboxNotModelled('the sandbox does not model PARALLEL pipeline executions');
    if (executionMode !== 'SUPERSEDED' && executionMode !== 'QUEUED') throw validation(`Invalid executionMode: ${String(executionMode)}`);
    if (executionMode !== 'SUPERSEDED' && pipelineType !== 'V2') {
      throw validation(`Execution mode ${executionMode} is only supported for pipelines of type V2`);
    }
    const roleArn = this.checkRole(input.roleArn);
    const store = input.artifactStore;
    if (!store?.location) throw structure('Pipeline declaration must have an artifactStore with a location');
    if (store.type !== 'S3') throw validation(`Invalid artifact store type: ${String(store.type)}`);
    // The bucket must be this account's, in the pipeline's region.
    let bucketRegion: string | undefined;
    try {
      bucketRegion = this.peers.s3.headBucket({ Bucket: store.location, ExpectedBucketOwner: this.world.account }).BucketRegion;
    } catch {
      bucketRegion = undefined;
    }
    if (bucketRegion !== this.world.region) throw structure(`An error occurred while validating the artifact bucket '${store.location}'`);
    const stages = checkStages(input.stages ?? [], this.world.region);
    return {
      roleArn,
      artifactStore: {
        location: store.location,
        ...(store.encryptionKey?.id ? { encryptionKey: { id: store.encryptionKey.id, type: 'KMS' as const } } : {}),
      },
      stages,
      pipelineType,
      executionMode,
    };
  }

  private checkRole(arn: string | undefined): string {
    const name = arn?.match(/^arn:aws[\w-]*:iam::\d{12}:role\/(?:.*\/)?([^/]+)$/)?.[1];
    let exists = false;
    if (name) {
      try {
        exists = this.peers.iam.getRole({ RoleName: name }).Role?.Arn === arn;
      } catch {
        exists = false;
      }
    }
    if (!exists) throw structure(`CodePipeline is not authorized to perform AssumeRole on role ${arn ?? ''}`);
    return arn ?? '';
  }

  // ---- Lookups ---------------------------------------------------------------------------------

  pipelineArn(name: string): string {
    return this.world.arn('codepipeline', name);
  }

  private getPipelineRecord(name: string | undefined): PipelineRecord {
    const pipeline = this.data.pipelines[name ?? ''];
    if (!pipeline) {
      throw new PipelineNotFoundException({ message: `Account '${this.world.account}' does not have a pipeline with name '${name ?? ''}'`, $metadata: {} });
    }
    return pipeline;
  }

  private pipelineByArn(arn: string | undefined): PipelineRecord {
    const prefix = this.pipelineArn('');
    if (arn === undefined || !/^arn:aws[\w-]*:codepipeline:[a-z0-9-]+:\d{12}:[A-Za-z0-9.@\-_]+$/.test(arn)) {
      throw new InvalidArnException({ message: `The ARN ${arn ?? ''} is not valid`, $metadata: {} });
    }
    const pipeline = arn.startsWith(prefix) ? this.data.pipelines[arn.slice(prefix.length)] : undefined;
    if (!pipeline) throw new ResourceNotFoundException({ message: `The resource ${arn} was not found`, $metadata: {} });
    return pipeline;
  }

  private current(pipeline: PipelineRecord): DeclarationRecord {
    const declaration = pipeline.versions[pipeline.version];
    if (!declaration) throw new Error(`sandbox: pipeline ${pipeline.name} lost version ${pipeline.version}`);
    return declaration;
  }

  private declarationOf(pipeline: PipelineRecord, execution: ExecutionRecord): DeclarationRecord {
    return pipeline.versions[execution.version] ?? this.current(pipeline);
  }

  private stageOf(pipeline: PipelineRecord, execution: ExecutionRecord): StageRecord {
    const stage = this.declarationOf(pipeline, execution).stages.find((s) => s.name === execution.stage);
    if (!stage) throw new Error(`sandbox: execution ${execution.id} is in unknown stage ${execution.stage}`);
    return stage;
  }

  /** The head of a branch on the simulated Git host; a branch never pushed to has an initial commit. */
  private headOf(repository: string, branch: string): CommitRecord {
    return this.data.heads[`${repository}#${branch}`] ?? this.newCommit(repository, branch, 'Initial commit');
  }

  private newCommit(repository: string, branch: string, message: string): CommitRecord {
    this.world.idCounter += 1;
    const id = createHash('sha1').update(`${repository}#${branch}#${this.world.idCounter}`).digest('hex');
    const commit: CommitRecord = { id, message, repository, branch, at: this.world.now() };
    this.data.heads[`${repository}#${branch}`] = commit;
    return commit;
  }

  /** A UUID-shaped ID from the sandbox's counter: deterministic, never reused. */
  private newUuid(): string {
    return `00000000-0000-4000-8000-${this.world.newId('x', 12).slice(2)}`;
  }

  private callerArn(): string {
    return this.world.arn('iam', 'user/sandbox', { region: '' });
  }

  // ---- Output shapes ---------------------------------------------------------------------------

  private declarationOut(name: string, d: DeclarationRecord, version: number): PipelineDeclaration {
    return {
      name,
      roleArn: d.roleArn,
      artifactStore: { type: 'S3', location: d.artifactStore.location, ...(d.artifactStore.encryptionKey ? { encryptionKey: { ...d.artifactStore.encryptionKey } } : {}) },
      stages: d.stages.map((s): StageDeclaration => ({
        name: s.name,
        actions: s.actions.map((a): ActionDeclaration => ({
          name: a.name,
          actionTypeId: { category: a.category, owner: 'AWS', provider: a.provider, version: '1' },
          runOrder: a.runOrder,
          configuration: { ...a.configuration },
          outputArtifacts: a.outputArtifacts.map((n) => ({ name: n })),
          inputArtifacts: a.inputArtifacts.map((n) => ({ name: n })),
          ...(a.roleArn ? { roleArn: a.roleArn } : {}),
          ...(a.namespace ? { namespace: a.namespace } : {}),
        })),
      })),
      version,
      executionMode: d.executionMode,
      pipelineType: d.pipelineType,
    };
  }

  private stageStateOut(pipeline: PipelineRecord, stage: StageRecord): StageState {
    // "Latest" is the most recent in simulated time; executions later in the list win ties.
    let latest: { execution: ExecutionRecord; run: StageRunRecord } | undefined;
    for (const execution of pipeline.executions) {
      const run = execution.stageRuns[stage.name];
      if (run && (!latest || run.enteredAt >= latest.run.enteredAt)) latest = { execution, run };
    }
    const waiting = this.waitingAt(pipeline, stage.name);
    const inbound = waiting.map((e) => ({ pipelineExecutionId: e.id, status: 'InProgress' as const, type: 'STANDARD' as const }));
    const first = this.current(pipeline).executionMode === 'SUPERSEDED' ? inbound[inbound.length - 1] : inbound[0];
    return {
      stageName: stage.name,
      ...(first ? { inboundExecution: first, inboundExecutions: inbound } : {}),
      inboundTransitionState: { enabled: true },
      actionStates: stage.actions.map((action) => this.actionStateOut(pipeline, stage, action)),
      ...(latest ? { latestExecution: { pipelineExecutionId: latest.execution.id, status: latest.run.status, type: 'STANDARD' } } : {}),
    };
  }

  private actionStateOut(pipeline: PipelineRecord, stage: StageRecord, action: ActionRecord): ActionState {
    let latest: ActionRunRecord | undefined;
    let revision: CommitRecord | undefined;
    for (const execution of pipeline.executions) {
      const run = execution.stageRuns[stage.name]?.actions[action.name];
      if (!run) continue;
      if (!latest || run.startedAt >= latest.startedAt) latest = run;
      if (run.revision && (!revision || run.revision.at >= revision.at)) revision = run.revision;
    }
    const { ProjectName: project, FullRepositoryId: repository, BranchName: branch } = action.configuration;
    const entityUrl = action.provider === 'CodeBuild'
      ? `https://console.aws.amazon.com/codebuild/home?region=${this.world.region}#/projects/${project ?? ''}/view`
      : action.provider === 'CodeStarSourceConnection' ? `https://github.com/${repository ?? ''}/tree/${branch ?? ''}` : undefined;
    return {
      actionName: action.name,
      ...(revision ? { currentRevision: { revisionId: revision.id, revisionChangeId: revision.id, created: dateAt(revision.at) } } : {}),
      ...(latest
        ? {
            latestExecution: {
              actionExecutionId: latest.id,
              status: latest.status,
              ...(latest.summary !== undefined ? { summary: latest.summary } : {}),
              lastStatusChange: dateAt(latest.changedAt),
              ...(latest.token && latest.status === 'InProgress' ? { token: latest.token } : {}),
              ...(latest.lastUpdatedBy ? { lastUpdatedBy: latest.lastUpdatedBy } : {}),
              ...(latest.externalExecutionId ? { externalExecutionId: latest.externalExecutionId } : {}),
              ...(latest.externalExecutionUrl ? { externalExecutionUrl: latest.externalExecutionUrl } : {}),
            },
          }
        : {}),
      ...(entityUrl ? { entityUrl } : {}),
      ...(revision ? { revisionUrl: commitUrl(revision) } : {}),
    };
  }

  /** The commits the execution's source actions fetched (none before they succeeded). */
  private fetchedRevisions(pipeline: PipelineRecord, execution: ExecutionRecord): Array<{ action: ActionRecord; commit: CommitRecord }> {
    const first = this.declarationOf(pipeline, execution).stages[0];
    if (!first) return [];
    return first.actions.flatMap((action) => {
      const commit = execution.stageRuns[first.name]?.actions[action.name]?.revision;
      return commit ? [{ action, commit }] : [];
    });
  }

  private executionOut(pipeline: PipelineRecord, e: ExecutionRecord): PipelineExecution {
    const artifactRevisions: ArtifactRevision[] = this.fetchedRevisions(pipeline, e).map(({ action, commit }) => ({
      name: action.outputArtifacts[0] ?? action.name,
      revisionId: commit.id,
      revisionChangeIdentifier: commit.id,
      revisionSummary: revisionSummary(commit),
      created: dateAt(commit.at),
      revisionUrl: commitUrl(commit),
    }));
    return {
      pipelineName: pipeline.name,
      pipelineVersion: e.version,
      pipelineExecutionId: e.id,
      status: e.status,
      ...(e.statusSummary !== undefined ? { statusSummary: e.statusSummary } : {}),
      artifactRevisions,
      variables: [],
      trigger: { triggerType: e.trigger.type, triggerDetail: e.trigger.detail },
      executionMode: this.declarationOf(pipeline, e).executionMode,
      executionType: 'STANDARD',
    };
  }

  private executionSummaryOut(pipeline: PipelineRecord, e: ExecutionRecord): PipelineExecutionSummary {
    const sourceRevisions: SourceRevision[] = this.fetchedRevisions(pipeline, e).map(({ action, commit }) => ({
      actionName: action.name,
      revisionId: commit.id,
      revisionSummary: revisionSummary(commit),
      revisionUrl: commitUrl(commit),
    }));
    return {
      pipelineExecutionId: e.id,
      status: e.status,
      ...(e.statusSummary !== undefined ? { statusSummary: e.statusSummary } : {}),
      startTime: dateAt(e.startedAt),
      lastUpdateTime: dateAt(e.updatedAt),
      sourceRevisions,
      trigger: { triggerType: e.trigger.type, triggerDetail: e.trigger.detail },
      executionMode: this.declarationOf(pipeline, e).executionMode,
      executionType: 'STANDARD',
    };
  }
}

// ---- Declaration checks ------------------------------------------------------------------------

function validation(message: string): ValidationException {
  return new ValidationException({ message, $metadata: {} });
}

function structure(message: string): InvalidStructureException {
  return new InvalidStructureException({ message, $metadata: {} });
}

function actionDeclaration(message: string): InvalidActionDeclarationException {
  return new InvalidActionDeclarationException({ message, $metadata: {} });
}

function checkName(name: string | undefined, field: string): string {
  if (name === undefined || !NAME.test(name)) {
    throw validation(
      `1 validation error detected: Value '${name ?? 'null'}' at '${field}' failed to satisfy constraint: Member must satisfy regular expression pattern: [A-Za-z0-9.@\\-_]+ and have length between 1 and 100`,
    );
  }
  return name;
}

function checkStages(stages: StageDeclaration[], region: string): StageRecord[] {
  if (stages.length < 2) {
    throw structure(`Pipeline has only ${stages.length} stage(s). There should be a minimum of 2 stages in a pipeline`);
  }
  const stageNames = new Set<string>();
  /** Output artifacts of the actions checked so far, with the stage and runOrder that make them. */
  const produced = new Map<string, { stage: number; runOrder: number }>();
  return stages.map((stage, index) => {
    const name = checkName(stage.name, `pipeline.stages.${index + 1}.member.name`);
    if (stageNames.has(name)) throw structure(`Pipeline has more than one stage with the name '${name}'`);
    stageNames.add(name);
    for (const key of ['blockers', 'onFailure', 'onSuccess', 'beforeEntry'] as const) {
      const value = stage[key];
      if (value !== undefined && !(Array.isArray(value) && value.length === 0)) {
        throw new SandboxNotModelled(`the sandbox does not model codepipeline stage ${key}`);
      }
    }
    const declared = stage.actions ?? [];
    if (declared.length === 0) {
      throw new InvalidStageDeclarationException({ message: `Stage '${name}' must contain at least one action`, $metadata: {} });
    }
    const actionNames = new Set<string>();
    const actions = declared.map((action) => {
      const record = checkAction(action, name, region);
      if (actionNames.has(record.name)) throw structure(`Stage '${name}' has more than one action with the name '${record.name}'`);
      actionNames.add(record.name);
      if (index === 0 && record.category !== 'Source') {
        throw structure(`Action '${record.name}' in the first stage '${name}' is not a source action: the first stage of a pipeline must contain only source actions`);
      }
      if (index > 0 && record.category === 'Source') {
        throw structure(`Source action '${record.name}' is in stage '${name}': only the first stage of a pipeline can contain source actions`);
      }
      return record;
    });
    // Inputs come from an earlier stage or an earlier runOrder of this one; outputs are unique.
    for (const action of [...actions].sort((a, b) => a.runOrder - b.runOrder)) {
      for (const input of action.inputArtifacts) {
        const maker = produced.get(input);
        if (!maker || (maker.stage === index && maker.runOrder >= action.runOrder)) {
          throw structure(`Input artifact bundle name ${input} isn't an output artifact of any action before action ${action.name} in stage ${name}`);
        }
      }
      for (const output of action.outputArtifacts) {
        if (produced.has(output)) throw structure(`Output artifact bundle name ${output} is used by more than one action`);
        produced.set(output, { stage: index, runOrder: action.runOrder });
      }
    }
    return { name, actions };
  });
}

function checkAction(action: ActionDeclaration, stageName: string, region: string): ActionRecord {
  const name = checkName(action.name, `pipeline.stages.member.actions.member.name`);
  for (const key of ['commands', 'outputVariables', 'environmentVariables', 'timeoutInMinutes'] as const) {
    const value = action[key];
    if (value !== undefined && !(Array.isArray(value) && value.length === 0)) {
      throw new SandboxNotModelled(`the sandbox does not model codepipeline action ${key}`);
    }
  }
  if (action.region !== undefined && action.region !== region) {
    throw new SandboxNotModelled('the sandbox does not model cross-region codepipeline actions');
  }
  const type = action.actionTypeId;
  const described = `ActionType (Category: '${type?.category ?? ''}', Provider: '${type?.provider ?? ''}', Owner: '${type?.owner ?? ''}', Version: '${type?.version ?? ''}')`;
  const spec = ACTION_TYPES.find((s) => s.category === type?.category && s.provider === type.provider);
  if (type?.owner === 'AWS' && type.version === '1' && !spec && UNMODELLED_ACTION_TYPES.includes(`${type.category ?? ''}/${type.provider ?? ''}`)) {
    throw new SandboxNotModelled(`the sandbox does not run ${described} actions`);
  }
  if (type?.owner === 'ThirdParty' || type?.owner === 'Custom') throw new SandboxNotModelled(`the sandbox does not run ${described} actions`);
  if (!spec || type?.owner !== 'AWS' || type.version !== '1') {
    throw structure(`${described} in action '${name}' is not available in region '${region.toUpperCase().replace(/-/g, '_')}'`);
  }
  const configuration = { ...(action.configuration ?? {}) };
  for (const key of spec.required) {
    if (!configuration[key]) throw actionDeclaration(`Action configuration for action '${name}' is missing required configuration '${key}'`);
  }
  for (const key of Object.keys(configuration)) {
    if (!spec.required.includes(key) && !spec.optional.includes(key)) {
      throw actionDeclaration(`Action configuration for action '${name}' contains unknown configuration '${key}'`);
    }
  }
  const inputArtifacts = (action.inputArtifacts ?? []).map((a) => checkArtifactName(a.name, name));
  const outputArtifacts = (action.outputArtifacts ?? []).map((a) => checkArtifactName(a.name, name));
  for (const [kind, list, [min, max]] of [['input', inputArtifacts, spec.inputs], ['output', outputArtifacts, spec.outputs]] as const) {
    if (list.length < min || list.length > max) {
      throw actionDeclaration(`Action '${name}' in stage '${stageName}' has ${list.length} ${kind} artifacts: its action type allows between ${min} and ${max}`);
    }
  }
  for (const key of ['TaskDefinitionTemplateArtifact', 'AppSpecTemplateArtifact', 'Image1ArtifactName', 'Image2ArtifactName', 'Image3ArtifactName', 'Image4ArtifactName']) {
    const artifact = spec.provider === 'CodeDeployToECS' ? configuration[key] : undefined;
    if (artifact !== undefined && !inputArtifacts.includes(artifact)) {
      throw actionDeclaration(`${key} '${artifact}' of action '${name}' is not one of the action's input artifacts`);
    }
  }
  const runOrder = action.runOrder ?? 1;
  if (!Number.isInteger(runOrder) || runOrder < 1 || runOrder > 999) {
    throw validation(`1 validation error detected: Value '${runOrder}' at 'runOrder' failed to satisfy constraint: Member must have value between 1 and 999`);
  }
  return {
    name,
    category: spec.category,
    provider: spec.provider,
    runOrder,
    configuration,
    inputArtifacts,
    outputArtifacts,
    ...(action.roleArn ? { roleArn: action.roleArn } : {}),
    ...(action.namespace ? { namespace: action.namespace } : {}),
  };
}

function checkArtifactName(name: string | undefined, action: string): string {
  if (name === undefined || !ARTIFACT_NAME.test(name)) {
    throw actionDeclaration(`Artifact name '${name ?? ''}' of action '${action}' must be 1 to 100 characters from [a-zA-Z0-9_-]`);
  }
  return name;
}

function checkTags(existing: Tags, list: Tag[] | undefined): Tags {
  const tags = { ...existing };
  for (const tag of list ?? []) {
    const key = tag.key ?? '';
    if (key.length < 1 || key.length > 128 || key.toLowerCase().startsWith('aws:') || (tag.value ?? '').length > 256) {
      throw new InvalidTagsException({ message: `The tag with key '${key}' is not valid`, $metadata: {} });
    }
    tags[key] = tag.value ?? '';
  }
  if (Object.keys(tags).length > MAX_TAGS) {
    throw new TooManyTagsException({ message: `A resource can have at most ${MAX_TAGS} tags`, $metadata: {} });
  }
  return tags;
}

// ---- Small shapes ------------------------------------------------------------------------------

function tagsOut(tags: Tags): Tag[] {
  return Object.entries(tags).map(([key, value]) => ({ key, value }));
}

function dateAt(simSeconds: number): Date {
  return new Date(Date.UTC(2026, 0, 1) + simSeconds * 1000);
}

function commitUrl(commit: CommitRecord): string {
  return `https://github.com/${commit.repository}/commit/${commit.id}`;
}

function revisionSummary(commit: CommitRecord): string {
  return JSON.stringify({ ProviderType: 'GitHub', CommitMessage: commit.message });
}

/**
 * A CodeBuild action's EnvironmentVariables: a JSON list of `{ name, value, type? }` laid over the
 * project's. A malformed one fails the action. Returns the list, or why it is refused.
 */
function actionVariables(text: string | undefined): Array<{ name: string; value: string; type?: 'PLAINTEXT' | 'PARAMETER_STORE' | 'SECRETS_MANAGER' }> | string {
  if (text === undefined || text === '') return [];
  let list: unknown;
  try {
    list = JSON.parse(text);
  } catch {
    list = undefined;
  }
  const types = ['PLAINTEXT', 'PARAMETER_STORE', 'SECRETS_MANAGER', undefined];
  const valid = Array.isArray(list) && list.every((v: unknown) => {
    const item = v as { name?: unknown; value?: unknown; type?: unknown } | null;
    return typeof item?.name === 'string' && item.name !== '' && typeof item.value === 'string' && types.includes(item.type as string | undefined);
  });
  if (!valid) return `Invalid EnvironmentVariables in the action configuration: expected a JSON list of { "name", "value", "type" }`;
  return list as Array<{ name: string; value: string; type?: 'PLAINTEXT' | 'PARAMETER_STORE' | 'SECRETS_MANAGER' }>;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
