// `shipline logs ENV|build`: an environment's container log lines (its log group, every task's
// awslogs stream), or the latest build's (its own stream in the build log group), in time order,
// each line prefixed with its task or build. `--follow` polls FilterLogEvents from the newest
// timestamp printed, dropping the events already printed by ID, as `aws logs tail --follow` does
// (aws/aws-cli awscli/customizations/logs/tail.py), every 5 seconds: FilterLogEvents is held to
// 5 transactions per second per account and Region, shared by every caller
// (https://repost.aws/knowledge-center/cloudwatch-logs-throttling).
import { paginateFilterLogEvents, type FilteredLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { BatchGetBuildsCommand, ListBuildsForProjectCommand } from '@aws-sdk/client-codebuild';
import { KEYS as BUILD } from '../../steps/build';
import { KEYS as CLUSTER } from '../../steps/cluster';
import type { AwsClients } from '../aws/clients';
import { GONE } from '../aws/gone';
import { isAwsError, unlessNotFound } from '../aws/errors';
import { UsageError } from '../errors';
import { withSession, type GlobalOptions, type Io, type Opened, type Overrides } from '../session';
import { formatEvent, SeenEvents, writerOf } from './log-lines';
import { NothingToDoError } from './pipeline';

/** Seconds between two reads of a follow, as `aws logs tail --follow` waits. */
export const FOLLOW_INTERVAL_SECONDS = 5;

export interface LogsOptions extends GlobalOptions {
  /** An environment's name, or `build`. */
  target: string;
  /** How far back to start, in milliseconds. */
  sinceMs: number;
  follow: boolean;
}

/** `done`: everything printed; `stopped`: a follow ended by Ctrl-C (or another stop signal). */
export type LogsOutcome = 'done' | 'stopped';

/** Where the lines are: a log group, the streams to read in it (all of them when absent), and who wrote each line. */
interface LogSource {
  group: string;
  streams?: string[];
  writer: (event: FilteredLogEvent) => string;
  /** What the lines are of, for messages. */
  what: string;
  /** Said before the lines (on stderr): a build still running writes more. */
  note?: string;
}

export async function showLogs(options: LogsOptions, io: Io, overrides: Overrides = {}): Promise<LogsOutcome> {
  return withSession('logs', options, io, overrides, { dryRun: false, lock: false }, async (opened) => {
    const source = await logSource(opened, options.target);
    if (source.note) io.stderr.write(`${source.note}\n`);
    const clients = opened.aws.clients;
    // The time of the side that writes the events: AWS's is the real clock, the sandbox's its own.
    const sandbox = opened.aws.sandbox;
    const now = sandbox ? () => sandbox.world.nowDate().getTime() : Date.now;
    const from = now() - options.sinceMs;
    const seen = new SeenEvents();
    const print = (events: FilteredLogEvent[]) => {
      for (const event of seen.fresh(events)) io.stdout.write(`${formatEvent(event, source.writer(event))}\n`);
    };
    print(await readEvents(clients, source, from));
    if (!options.follow) return 'done';
    const signal = overrides.signal;
    const interval = FOLLOW_INTERVAL_SECONDS * 1000 * opened.aws.waits.timeoutScale;
    while (!signal?.aborted) {
      await pause(interval, signal);
      if (signal?.aborted) break;
      print(await readEvents(clients, source, seen.nextStart(from)));
    }
    return 'stopped';
  });
}

/** The log group (and streams) of `target`: an environment of the config, or the latest build. */
async function logSource(opened: Opened, target: string): Promise<LogSource> {
  const { config, state } = opened;
  const names = config.environments.map((e) => e.name);
  if (names.includes(target)) {
    const group = state.get(CLUSTER.logGroup(target))?.id;
    if (!group) throw notProvisioned(config.stack, `the log group of ${target}`);
    return { group, writer: (e) => writerOf(e.logStreamName), what: `environment ${target}` };
  }
  if (target !== 'build') {
    throw new UsageError(`unknown environment "${target}": the config's environments are ${names.join(', ')} (or \`build\` for the latest build)`);
  }
  return latestBuild(opened);
}

/** The latest build of the stack's build project: its own stream in the build log group. */
async function latestBuild(opened: Opened): Promise<LogSource> {
  const { state, config } = opened;
  const codebuild = opened.aws.clients.codebuild;
  const project = state.get(BUILD.project)?.id;
  if (!project) throw notProvisioned(config.stack, 'the build project');
  const listed = await unlessNotFound(codebuild.send(new ListBuildsForProjectCommand({ projectName: project, sortOrder: 'DESCENDING' })), ...GONE.codebuild.project);
  if (!listed) throw notProvisioned(config.stack, `an existing build project (${project} is gone)`);
  const id = listed.ids?.[0];
  if (!id) throw new NothingToDoError(`project ${project} has no build yet`, { hint: 'start one with `shipline release` (the pipeline builds every release)' });
  const build = (await codebuild.send(new BatchGetBuildsCommand({ ids: [id] }))).builds?.[0];
  const { groupName, streamName } = build?.logs ?? {};
  if (!groupName || !streamName) throw new NothingToDoError(`build ${id} has no CloudWatch Logs stream (its logs are off, or it has not started)`);
  const writer = `build#${build?.buildNumber ?? '?'}`;
  const running = build?.buildStatus === 'IN_PROGRESS' ? { note: `${writer} (${id}) is still running: its lines come as its phases end (--follow keeps reading)` } : {};
  return { group: groupName, streams: [streamName], writer: () => writer, what: `build ${id}`, ...running };
}

function notProvisioned(stack: string, what: string): NothingToDoError {
  return new NothingToDoError(`stack ${stack} is not provisioned: the state has no record of ${what}`, { hint: 'run `shipline provision` first' });
}

/** Every event of the source from `startTime` on, all pages. */
async function readEvents(clients: AwsClients, source: LogSource, startTime: number): Promise<FilteredLogEvent[]> {
  const events: FilteredLogEvent[] = [];
  const input = { logGroupName: source.group, startTime, ...(source.streams ? { logStreamNames: source.streams } : {}) };
  try {
    for await (const page of paginateFilterLogEvents({ client: clients.logs }, input)) events.push(...(page.events ?? []));
  } catch (error) {
    if (!isAwsError(error, ...GONE.logs.logGroup)) throw error;
    // A build's stream is made with its first line: none yet is nothing to print yet.
    if (source.streams) return events;
    throw new NothingToDoError(`log group ${source.group} of ${source.what} does not exist (the stack was destroyed, or not provisioned)`, {
      hint: 'run `shipline provision`',
    });
  }
  return events;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
