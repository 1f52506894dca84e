// shipline as a library: what the CLI's provision, plan and destroy do, for CI jobs and in-house
// tools that drive it from code. Results are typed values (the run's summary and the stack's
// outputs), progress comes as events, failures as ShiplineError subclasses with an exit code and a
// hint. Nothing is printed unless a log stream is given.
import { Writable } from 'node:stream';
import { discoverConfigFile } from './config-file';
import { loadConfig } from './config';
import type { RunSummary, StepResult } from './engine';
import { InterruptedError, UsageError } from './errors';
import type { LogLevel } from './log';
import type { GlobalOptions, Io } from './session';
import type { Output, ResourceOutcome } from './step';

export { loadConfig, parseConfig, type Config, type ConfigInput, type EnvironmentConfig } from './config';
export {
  AwsCallError,
  ConfigError,
  InterruptedError,
  LockError,
  RefusedError,
  ShiplineError,
  StateError,
  StepsFailedError,
  UsageError,
  WaitTimeoutError,
} from './errors';
export type { RunSummary, StepResult } from './engine';
export type { Outcome, Output, OutputJson, ResourceOutcome } from './step';
export { outputsJson, type OutputsDocument } from './outputs-json';

/** One moment of a run, as the terminal shows it: a step starts, says what it is doing, ends. */
export type ShiplineEvent =
  | { type: 'step-started'; step: string }
  | { type: 'step-activity'; step: string; activity: string }
  | { type: 'step-finished'; step: string; status: StepResult['status']; ms: number; outcomes: ResourceOutcome[] };

export interface RunOptions {
  /** The config file; default: shipline.json, shipline.yml or shipline.yaml in the current directory. */
  config?: string;
  /** The local state file (default `.shipline/<stack>.json`). */
  state?: string;
  /** Run against the built-in simulated AWS (`.shipline/sandbox/aws.json`), as `--sandbox`. */
  sandbox?: boolean;
  /** Steps run at once (default 8). */
  concurrency?: number;
  /** Wait for services to become stable (default true). */
  wait?: boolean;
  /** Take over a lock whose holder cannot be proven dead (`--force-unlock`). */
  forceUnlock?: boolean;
  /** Called for each step's start, activity and end. */
  onEvent?: (event: ShiplineEvent) => void;
  /** Logs as JSON lines (pino) to `stream`; default none. */
  log?: { level: Exclude<LogLevel, 'silent'>; stream: NodeJS.WritableStream };
  /** Aborting it stops the run as Ctrl-C does: state saved, lock released, InterruptedError thrown. */
  signal?: AbortSignal;
}

export interface RunResult {
  summary: RunSummary;
  /** What the stack made (IDs, URLs), from its state after the run; none after a destroy. */
  outputs: Output[];
}

/** Create or update everything the config describes; a second run changes nothing. */
export function provision(options: RunOptions = {}): Promise<RunResult> {
  return run('provision', options);
}

/** What provision would create, change or delete; changes nothing. */
export function plan(options: RunOptions = {}): Promise<RunResult> {
  return run('plan', options);
}

/**
 * Delete everything shipline made for the stack, and nothing else. `confirmStack` must be the
 * config's stack name, as the CLI asks a person to type it.
 */
export async function destroy(options: RunOptions & { confirmStack: string }): Promise<RunResult> {
  const config = await loadConfig(configOf(options));
  if (options.confirmStack !== config.stack) {
    throw new UsageError(`destroy of stack ${config.stack} not confirmed: confirmStack is "${options.confirmStack}"`, {
      hint: `pass confirmStack: '${config.stack}' to destroy it`,
    });
  }
  return run('destroy', options);
}

async function run(command: 'provision' | 'plan' | 'destroy', options: RunOptions): Promise<RunResult> {
  const { runCommand } = await import('./commands/run');
  const { readOutputs } = await import('./commands/outputs');
  const io = libraryIo(options);
  const global = globalOptions(options);
  const onEvent = options.onEvent;
  const summary = await runCommand(command, global, io, {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(onEvent
      ? {
          progress: {
            stepStarted: (step) => onEvent({ type: 'step-started', step }),
            stepActivity: (step, activity) => onEvent({ type: 'step-activity', step, activity }),
            stepFinished: (step, result) => onEvent({ type: 'step-finished', step, status: result.status, ms: result.ms, outcomes: result.outcomes }),
          },
        }
      : {}),
  });
  const outputs = command === 'destroy' ? [] : (await readOutputs(global, io)).outputs;
  return { summary, outputs };
}

function configOf(options: RunOptions): string {
  return options.config ?? discoverConfigFile();
}

function globalOptions(options: RunOptions): GlobalOptions {
  return {
    config: configOf(options),
    ...(options.state !== undefined ? { state: options.state } : {}),
    sandbox: options.sandbox === true,
    yes: true, // destroy is confirmed by confirmStack above
    logFormat: 'json',
    logLevel: options.log?.level ?? 'silent',
    forceUnlock: options.forceUnlock === true,
    concurrency: options.concurrency ?? 8,
    wait: options.wait !== false,
    keepConnection: false,
  };
}

/** No terminal: outputs are returned, not printed; logs go to the given stream or nowhere. */
function libraryIo(options: RunOptions): Io {
  const nowhere = new Writable({ write: (_chunk, _encoding, done) => done() });
  return {
    stdout: nowhere,
    stderr: options.log?.stream ?? nowhere,
    interactive: false,
    prompt: () => Promise.reject(new InterruptedError('shipline as a library asks no questions')),
  };
}
