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
//   (7 days on AWS), webhooks.
// - ListPipelines and ListPipelineExecutions come in pages (kernel/pages.ts): maxResults 1-1000 and
//   1-100 (else ValidationException), a nextToken good only for the call that gave it (else
//   InvalidNextTokenException).
//
// One file per family, each class building on the one before: store → actions → executions →
// pipelines → this one (tags, helpers for tests, inventory).
import type {
  ListTagsForResourceCommandInput,
  ListTagsForResourceCommandOutput,
  TagResourceCommandInput,
  TagResourceCommandOutput,
  UntagResourceCommandInput,
  UntagResourceCommandOutput,
} from '@aws-sdk/client-codepipeline';
import type { InventoryItem, Out } from '../../kernel/service';
import { checkTags } from './declaration';
import { CodePipelinePipelines } from './pipelines';
import { tagsOut } from './shapes';

export type { CodePipelineData, CodePipelinePeers } from './records';

export class CodePipelineSandbox extends CodePipelinePipelines {
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
}
