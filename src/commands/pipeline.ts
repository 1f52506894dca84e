// status, approve, reject, release: the commands that drive the pipeline once it exists. They
// read the state file for names and IDs, ask AWS how things stand, and explain what to do when
// there is nothing to act on (no approval waiting, the GitHub connection still pending).
import { GetDeploymentCommand, GetDeploymentGroupCommand } from '@aws-sdk/client-codedeploy';
import { GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { BatchGetBuildsCommand } from '@aws-sdk/client-codebuild';
import { GetConnectionCommand } from '@aws-sdk/client-codestar-connections';
import {
  GetPipelineCommand,
  GetPipelineStateCommand,
  ListPipelineExecutionsCommand,
  PutApprovalResultCommand,
  StartPipelineExecutionCommand,
  type PipelineExecutionSummary,
  type StageState,
} from '@aws-sdk/client-codepipeline';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, type Service } from '@aws-sdk/client-ecs';
import { DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { StateStore } from '../../state';
import { STEPS } from '../../steps';
import { KEYS as ALB } from '../../steps/alb';
import { KEYS as BUILD } from '../../steps/build';
import { KEYS as CLUSTER } from '../../steps/cluster';
import { KEYS as CODEDEPLOY } from '../../steps/codedeploy';
import { connectionConsoleUrl, KEYS as CONNECTION } from '../../steps/connection';
import { KEYS as PIPELINE } from '../../steps/pipeline';
import { certificateStatus, type CertificateStatusReport } from '../../steps/domain/certificate';
import { DESCRIBE_LIMIT } from '../../steps/services/names';
import type { AwsClients } from '../aws/clients';
import { GONE } from '../aws/gone';
import { unlessNotFound } from '../aws/errors';
import type { Config } from '../config';
import { ShiplineError } from '../errors';
import { withSession, type GlobalOptions, type Io, type Overrides } from '../session';

/** There is nothing to act on: no pipeline yet, no approval waiting, a connection not approved. */
export class NothingToDoError extends ShiplineError {
  readonly code = 'NOTHING_TO_DO';
}

// The state keys of the steps whose resources these commands drive.
const KEYS = {
  connection: CONNECTION.github,
  pipeline: PIPELINE.pipeline,
  buildProject: BUILD.project,
  cluster: CLUSTER.cluster,
  targetGroup: ALB.targetGroup,
  greenTargetGroup: ALB.greenTargetGroup,
  deploymentGroup: CODEDEPLOY.deploymentGroup,
  application: CODEDEPLOY.application,
};

interface Context {
  config: Config;
  state: StateStore;
  aws: AwsClients;
  /** On the simulated AWS: the connection is approved with `shipline sandbox approve-connection`, not in a console. */
  sandbox?: boolean;
}

/** Where the pending connection is approved: the console on AWS, the sandbox's command on the sandbox. */
function approveConnectionAt(c: Context): string {
  return c.sandbox ? 'run `shipline sandbox approve-connection` (the sandbox\'s console)' : `approve it once at ${connectionConsoleUrl(c.config.region)}`;
}

export interface ConnectionStatus {
  arn: string;
  status: string;
}

export interface PendingApproval {
  stage: string;
  action: string;
  token: string;
  since: Date | undefined;
  executionId: string | undefined;
}

/** Blue/green: the latest CodeDeploy deployment of an environment's group. */
export interface DeploymentStatus {
  id: string;
  status: string;
  /** user (the pipeline, provision), autoscaling, codeDeployRollback … */
  creator: string | undefined;
  created: string | undefined;
  completed: string | undefined;
  /** Why it failed or stopped. */
  error: string | undefined;
  /** Failed or stopped: the deployment that rolled it back. */
  rolledBackBy: string | undefined;
}

export interface EnvironmentStatus {
  name: string;
  service: string;
  running: number;
  desired: number;
  /** With `autoscaling`: the range the autoscaler holds the desired count in (null: none). */
  scaling: { min: number; max: number } | null;
  image: string | undefined;
  healthy: number | undefined;
  targets: number | undefined;
  url: string | undefined;
  /** Blue/green only: the latest deployment (null: none yet). */
  deployment?: DeploymentStatus | null;
}

export interface StackStatus {
  connection: ConnectionStatus | undefined;
  pipeline:
    | {
        name: string;
        /** `cause`: why a failed stage failed (its failed action's error, e.g. the connection still pending). */
        stages: Array<{ name: string; status: string; executionId?: string; changed?: string; cause?: string; build?: BuildLog }>;
        latest?: PipelineExecutionSummary;
      }
    | undefined;
  approval: PendingApproval | undefined;
  environments: EnvironmentStatus[];
  /** With a domain: shipline's certificate (absent without one). */
  certificate?: CertificateStatusReport | undefined;
}

function pipelineName(c: Context): string {
  return c.state.get(KEYS.pipeline)?.id ?? `${c.config.stack}-pipeline`;
}

async function connectionStatus(c: Context): Promise<ConnectionStatus | undefined> {
  const arn = c.state.get(KEYS.connection)?.id;
  if (!arn) return undefined;
  const out = await unlessNotFound(c.aws.connections.send(new GetConnectionCommand({ ConnectionArn: arn })), ...GONE.connections.connection);
  return { arn, status: out?.Connection?.ConnectionStatus ?? 'DELETED' };
}

/** The manual approval an execution is waiting at, if any. */
async function pendingApproval(c: Context, stages: StageState[]): Promise<PendingApproval | undefined> {
  const { pipeline } = await c.aws.codepipeline.send(new GetPipelineCommand({ name: pipelineName(c) }));
  const approvals = new Set(
    (pipeline?.stages ?? []).flatMap((s) => (s.actions ?? []).filter((a) => a.actionTypeId?.category === 'Approval').map((a) => `${s.name}/${a.name}`)),
  );
  for (const stage of stages) {
    for (const action of stage.actionStates ?? []) {
      const latest = action.latestExecution;
      if (approvals.has(`${stage.stageName}/${action.actionName}`) && latest?.status === 'InProgress' && latest.token) {
        return {
          stage: stage.stageName!,
          action: action.actionName!,
          token: latest.token,
          since: latest.lastStatusChange,
          executionId: stage.latestExecution?.pipelineExecutionId,
        };
      }
    }
  }
  return undefined;
}

/** The latest build of the stack's build project in a stage: its status and the last lines of its log. */
export interface BuildLog {
  id: string;
  status: string;
  lines: string[];
}

/** Lines of a build's log that `status` shows. */
const BUILD_LOG_LINES = 5;

/** The stage's build (the action whose external execution is a build of the stack's project), with its last log lines. */
async function buildLogOf(c: Context, stage: StageState): Promise<BuildLog | undefined> {
  const project = c.state.get(KEYS.buildProject)?.id;
  const id = (stage.actionStates ?? []).map((a) => a.latestExecution?.externalExecutionId).find((x) => project && x?.startsWith(`${project}:`));
  if (!id) return undefined;
  const { builds } = await c.aws.codebuild.send(new BatchGetBuildsCommand({ ids: [id] }));
  const build = builds?.[0];
  if (!build) return undefined;
  const { groupName, streamName } = build.logs ?? {};
  const events = groupName && streamName
    ? await unlessNotFound(c.aws.logs.send(new GetLogEventsCommand({ logGroupName: groupName, logStreamName: streamName, limit: BUILD_LOG_LINES })), ...GONE.logs.logGroup)
    : undefined;
  return { id, status: build.buildStatus ?? 'unknown', lines: (events?.events ?? []).map((e) => (e.message ?? '').trimEnd()) };
}

type PipelineStatus = NonNullable<StackStatus['pipeline']> & { approval?: PendingApproval };

async function pipelineStatus(c: Context): Promise<PipelineStatus | undefined> {
  const name = pipelineName(c);
  const state = await unlessNotFound(c.aws.codepipeline.send(new GetPipelineStateCommand({ name })), ...GONE.codepipeline.pipeline);
  if (!state) return undefined;
  const executions = await c.aws.codepipeline.send(new ListPipelineExecutionsCommand({ pipelineName: name, maxResults: 1 }));
  const stages = state.stageStates ?? [];
  const builds = await Promise.all(stages.map((s) => buildLogOf(c, s)));
  return {
    name,
    stages: stages.map((s, i) => ({
      name: s.stageName ?? '?',
      status: s.latestExecution?.status ?? 'not run',
      ...(s.latestExecution?.pipelineExecutionId ? { executionId: s.latestExecution.pipelineExecutionId } : {}),
      ...(lastChange(s) ? { changed: lastChange(s)!.toISOString() } : {}),
      ...(failureOf(s) ? { cause: failureOf(s) } : {}),
      ...(builds[i] ? { build: builds[i] } : {}),
    })),
    ...(executions.pipelineExecutionSummaries?.[0] ? { latest: executions.pipelineExecutionSummaries[0] } : {}),
    ...(await pendingApproval(c, stages).then((approval) => (approval ? { approval } : {}))),
  };
}

/** A failed stage's reason: its failed action's error (GetPipelineState's errorDetails), else its summary. */
function failureOf(stage: StageState): string | undefined {
  if (stage.latestExecution?.status !== 'Failed') return undefined;
  const failed = (stage.actionStates ?? []).find((a) => a.latestExecution?.status === 'Failed')?.latestExecution;
  return failed?.errorDetails?.message ?? failed?.summary;
}

function lastChange(stage: StageState): Date | undefined {
  const times = (stage.actionStates ?? []).map((a) => a.latestExecution?.lastStatusChange).filter((t): t is Date => t instanceof Date || typeof t === 'string').map((t) => new Date(t));
  return times.sort((a, b) => b.getTime() - a.getTime())[0];
}

async function environmentStatus(c: Context): Promise<EnvironmentStatus[]> {
  const cluster = c.state.get(KEYS.cluster)?.id;
  if (!cluster) return [];
  const names = c.config.environments.map((e) => `${c.config.stack}-${e.name}`);
  // DescribeServices takes at most 10 services a call.
  const services: Service[] = [];
  for (let i = 0; i < names.length; i += DESCRIBE_LIMIT) {
    services.push(...((await c.aws.ecs.send(new DescribeServicesCommand({ cluster, services: names.slice(i, i + DESCRIBE_LIMIT) }))).services ?? []));
  }
  const urls = new Map(STEPS.flatMap((s) => s.outputs?.(c.state, c.config) ?? []).map((o) => [o.key, o.value]));
  return Promise.all(
    c.config.environments.map(async (env, i) => {
      const service = services.find((s) => s.serviceName === names[i] && s.status !== 'INACTIVE');
      const taskDefinition = service?.taskDefinition
        ? (await c.aws.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: service.taskDefinition }))).taskDefinition
        : undefined;
      // Blue/green: the tasks are in either group of the pair, whichever the last deployment left serving.
      const groups = [c.state.get(KEYS.targetGroup(env.name))?.id, c.state.get(KEYS.greenTargetGroup(env.name))?.id].filter((g): g is string => g !== undefined);
      const healths = await Promise.all(
        groups.map((g) => unlessNotFound(c.aws.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: g })), ...GONE.elbv2.targetGroup)),
      );
      const targets = groups.length > 0 ? healths.flatMap((h) => h?.TargetHealthDescriptions ?? []) : undefined;
      const deployment = c.config.deploy.strategy === 'blue-green' ? { deployment: await latestDeployment(c, env.name) } : {};
      return {
        name: env.name,
        service: names[i]!,
        running: service?.runningCount ?? 0,
        desired: service?.desiredCount ?? 0,
        scaling: env.autoscaling ? { min: env.autoscaling.min, max: env.autoscaling.max } : null,
        image: taskDefinition?.containerDefinitions?.[0]?.image,
        healthy: targets?.filter((t) => t.TargetHealth?.State === 'healthy').length,
        targets: targets?.length,
        url: urls.get(`url.${env.name}`),
        ...deployment,
      };
    }),
  );
}

/**
 * The newest deployment of the environment's CodeDeploy group, or null when it has had none (or has
 * no group yet): the group's lastAttemptedDeployment, "the most recent attempted" one
 * (https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_LastDeploymentInfo.html).
 * ListDeployments would not do: its API reference promises no order.
 */
async function latestDeployment(c: Context, env: string): Promise<DeploymentStatus | null> {
  const group = c.state.get(KEYS.deploymentGroup(env))?.id;
  const application = c.state.get(KEYS.application)?.id;
  if (!group || !application) return null;
  const found = await unlessNotFound(
    c.aws.codedeploy.send(new GetDeploymentGroupCommand({ applicationName: application, deploymentGroupName: group })),
    ...GONE.codedeploy.deploymentGroup,
  );
  const id = found?.deploymentGroupInfo?.lastAttemptedDeployment?.deploymentId;
  if (!id) return null;
  const { deploymentInfo: d } = await c.aws.codedeploy.send(new GetDeploymentCommand({ deploymentId: id }));
  const iso = (t: Date | string | undefined) => (t ? new Date(t).toISOString() : undefined);
  return {
    id,
    status: d?.status ?? 'unknown',
    creator: d?.creator,
    created: iso(d?.createTime),
    completed: iso(d?.completeTime),
    error: d?.errorInformation ? `${d.errorInformation.code ?? ''}${d.errorInformation.message ? `: ${d.errorInformation.message}` : ''}` : undefined,
    rolledBackBy: d?.rollbackInfo?.rollbackDeploymentId,
  };
}

export async function getStatus(c: Context): Promise<StackStatus> {
  const [connection, pipeline, environments, certificate] = await Promise.all([connectionStatus(c), pipelineStatus(c), environmentStatus(c), c.config.domain ? certificateStatus(c.aws, c.state) : undefined]);
  const { approval, ...rest } = pipeline ?? {};
  return { connection, pipeline: pipeline ? (rest as StackStatus['pipeline']) : undefined, approval, environments, ...(c.config.domain ? { certificate } : {}) };
}

function renderStatus(c: Context, status: StackStatus): string {
  const lines: string[] = [];
  const when = (d: Date | string | undefined) => (d ? new Date(d).toISOString().replace('T', ' ').slice(0, 19) : '');
  lines.push(`stack ${c.config.stack} (${c.config.region})`);
  if (status.connection) {
    lines.push(`GitHub connection  ${status.connection.status}${status.connection.status === 'PENDING' ? `: ${approveConnectionAt(c)}` : ''}`);
  } else lines.push('GitHub connection  not created yet (run provision)');
  if (c.config.domain) {
    const cert = status.certificate;
    lines.push(cert
      ? `certificate        ${cert.status}${cert.status === 'ISSUED' ? '' : ` (${cert.validated} of ${cert.names.length} names validated)`}: ${cert.names.join(', ')}`
      : 'certificate        not requested yet (run provision)');
  }
  if (status.pipeline) {
    const latest = status.pipeline.latest;
    lines.push(`pipeline           ${status.pipeline.name}${latest ? `: latest run ${latest.pipelineExecutionId} ${latest.status} (${when(latest.lastUpdateTime)})` : ''}`);
    for (const stage of status.pipeline.stages) {
      lines.push(`  ${stage.name.padEnd(16)} ${stage.status.padEnd(12)} ${when(stage.changed)}`);
      if (stage.cause) lines.push(`  ${''.padEnd(16)} ${stage.cause}`);
      if (stage.build) {
        lines.push(`  ${''.padEnd(16)} build ${stage.build.id} ${stage.build.status}${stage.build.lines.length > 0 ? ', its log ends:' : ''}`);
        for (const line of stage.build.lines) lines.push(`  ${''.padEnd(16)}   ${line}`);
      }
    }
  } else lines.push('pipeline           not created yet (run provision)');
  if (status.approval) {
    lines.push(`approval waiting   ${status.approval.stage}/${status.approval.action} since ${when(status.approval.since)}`);
    lines.push(`                   answer with: npm run approve -- [--comment "…"]  or  npm run reject -- --comment "…"`);
  }
  for (const env of status.environments) {
    const health = env.targets === undefined ? '' : `, ${env.healthy}/${env.targets} targets healthy`;
    const range = env.scaling ? ` (autoscaling ${env.scaling.min}–${env.scaling.max})` : '';
    lines.push(`${`${env.name}`.padEnd(18)} ${env.running}/${env.desired} running${range}${health}, image ${env.image ?? 'none'}${env.url ? `\n${''.padEnd(18)} ${env.url}` : ''}`);
    if (env.deployment !== undefined) lines.push(`${''.padEnd(18)} ${describeDeployment(env.deployment, when)}`);
  }
  return `${lines.join('\n')}\n`;
}

function describeDeployment(d: DeploymentStatus | null, when: (t: string | undefined) => string): string {
  if (d === null) return 'CodeDeploy: no deployment yet';
  const by = d.creator === 'codeDeployRollback' ? ' (a rollback)' : '';
  const failed = d.error ? ` — ${d.error}` : '';
  const rolledBack = d.rolledBackBy ? `; rolled back by ${d.rolledBackBy}` : '';
  return `CodeDeploy: latest deployment ${d.id} ${d.status}${by} (${when(d.completed ?? d.created)})${failed}${rolledBack}`;
}

type PipelineCommand = 'status' | 'approve' | 'reject' | 'release';
export interface PipelineOptions extends GlobalOptions {
  json?: boolean;
  comment?: string;
}

export async function runPipelineCommand(command: PipelineCommand, options: PipelineOptions, io: Io, overrides: Overrides = {}): Promise<void> {
  await withSession(command, options, io, overrides, { dryRun: false, lock: false }, async (opened) => {
    const c: Context = { config: opened.config, state: opened.state, aws: opened.aws.clients, sandbox: options.sandbox };
    if (command === 'status') {
      const status = await getStatus(c);
      io.stdout.write(options.json ? `${JSON.stringify(status, null, 2)}\n` : renderStatus(c, status));
      return;
    }
    if (command === 'release') return release(c, io);
    return answerApproval(c, command === 'approve' ? 'Approved' : 'Rejected', options.comment, io);
  });
}

async function requireConnection(c: Context, doing: string): Promise<void> {
  const connection = await connectionStatus(c);
  if (connection?.status === 'PENDING') {
    throw new NothingToDoError(`cannot ${doing}: the GitHub connection ${connection.arn} is still PENDING`, {
      hint: c.sandbox
        ? 'run `shipline sandbox approve-connection` (what a person does once in the console on AWS), then `shipline release --sandbox`'
        : `approve it once in the AWS console (${connectionConsoleUrl(c.config.region)}), then run \`npm run release\``,
    });
  }
}

async function release(c: Context, io: Io): Promise<void> {
  await requireConnection(c, 'start a pipeline run');
  const name = pipelineName(c);
  const out = await unlessNotFound(c.aws.codepipeline.send(new StartPipelineExecutionCommand({ name })), ...GONE.codepipeline.pipeline);
  if (!out) throw new NothingToDoError(`pipeline ${name} does not exist`, { hint: 'run `npm run provision` first' });
  io.stdout.write(`started pipeline ${name}: run ${out.pipelineExecutionId}\nfollow it with: npm run status\n`);
}

async function answerApproval(c: Context, verdict: 'Approved' | 'Rejected', comment: string | undefined, io: Io): Promise<void> {
  const pipeline = await pipelineStatus(c);
  if (!pipeline) throw new NothingToDoError(`pipeline ${pipelineName(c)} does not exist`, { hint: 'run `npm run provision` first' });
  if (!pipeline.approval) {
    await requireConnection(c, 'approve anything');
    const latest = pipeline.latest;
    throw new NothingToDoError(
      `nothing to ${verdict === 'Approved' ? 'approve' : 'reject'}: pipeline ${pipeline.name} has no approval waiting` +
        (latest ? ` (latest run ${latest.pipelineExecutionId}: ${latest.status})` : ''),
      { hint: 'start a run with `npm run release`, and follow it with `npm run status`' },
    );
  }
  const { stage, action, token } = pipeline.approval;
  await c.aws.codepipeline.send(
    new PutApprovalResultCommand({
      pipelineName: pipeline.name,
      stageName: stage,
      actionName: action,
      token,
      result: { status: verdict, summary: comment ?? (verdict === 'Approved' ? 'approved with shipline' : 'rejected with shipline') },
    }),
  );
  io.stdout.write(`${verdict === 'Approved' ? 'approved' : 'rejected'} ${stage}/${action} of pipeline ${pipeline.name}\n`);
}
