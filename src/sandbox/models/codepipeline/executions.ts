// CodePipeline executions: started, advanced stage by stage in simulated time (one execution per
// stage, later ones waiting or superseded), approved or rejected, and read back.
import {
  ActionNotFoundException,
  type ActionState,
  ApprovalAlreadyCompletedException,
  type ArtifactRevision,
  type GetPipelineExecutionCommandInput,
  type GetPipelineExecutionCommandOutput,
  type GetPipelineStateCommandInput,
  type GetPipelineStateCommandOutput,
  InvalidApprovalTokenException,
  type ListPipelineExecutionsCommandInput,
  type ListPipelineExecutionsCommandOutput,
  type PipelineExecution,
  PipelineExecutionNotFoundException,
  type PipelineExecutionStatus,
  type PipelineExecutionSummary,
  type PutApprovalResultCommandInput,
  type PutApprovalResultCommandOutput,
  type SourceRevision,
  StageNotFoundException,
  type StageState,
  type StartPipelineExecutionCommandInput,
  type StartPipelineExecutionCommandOutput,
  ValidationException,
} from '@aws-sdk/client-codepipeline';
import { SandboxNotModelled } from '../../kernel/errors';
import { pageOf } from '../../kernel/pages';
import type { Out } from '../../kernel/service';
import { CodePipelineActions } from './actions';
import { listLimits } from './declaration';
import type {
  ActionRecord,
  ActionRunRecord,
  CommitRecord,
  ExecutionRecord,
  Outcome,
  PipelineRecord,
  StageRecord,
  StageRunRecord,
} from './records';
import { commitUrl, dateAt, revisionSummary } from './shapes';

export abstract class CodePipelineExecutions extends CodePipelineActions {
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
    const newestFirst = [...pipeline.executions].reverse();
    const limits = listLimits('ListPipelineExecutions', 100, 100);
    const page = pageOf(this.world, newestFirst, { max: input.maxResults, token: input.nextToken, scope: pipeline.name }, limits);
    return {
      pipelineExecutionSummaries: page.items.map((e) => this.executionSummaryOut(pipeline, e)),
      ...(page.next ? { nextToken: page.next } : {}),
    };
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

  // ---- Running executions ----------------------------------------------------------------------
  //
  // Everything happens at simulated times: an action that started at t ends at t + its latency,
  // and the next one starts at that moment, however late the read that notices it comes.

  protected startExecution(pipeline: PipelineRecord, trigger: ExecutionRecord['trigger']): ExecutionRecord {
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
  protected settle(pipeline: PipelineRecord): void {
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

  private endExecution(execution: ExecutionRecord, status: PipelineExecutionStatus, at: number, summary?: string): void {
    execution.status = status;
    execution.updatedAt = at;
    execution.waiting = false;
    delete execution.waitingSince;
    if (summary !== undefined) execution.statusSummary = summary;
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
              // A failed job's reason, as the console shows it under the action (not a rejection's comment).
              ...(latest.status === 'Failed' && latest.summary !== undefined && action.category !== 'Approval'
                ? { errorDetails: { code: 'JobFailed', message: latest.summary } }
                : {}),
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
