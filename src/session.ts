// Everything a command needs around the engine: the config, the AWS clients (real, or the
// sandbox), the logger and live progress, the state (a local file or an S3 object, as the config's
// state.backend says) with its lock, and the account/region guard — opened in that order, closed in
// reverse, whatever happens in between.
import path from 'node:path';
import type { Logger } from 'pino';
import { LocalBackend, StateStore, checkIdentity, type Lock, type StateBackend, type StateReader } from '../state';
import { AwsClients, type ClientOptions } from './aws/clients';
import { loadConfig, type Config } from './config';
import { EngineError } from './errors';
import { createLogger, type LogFormat, type LogLevel } from './log';
import { LogProgress, TerminalProgress } from './progress';
import type { SessionManagerPlugin } from './commands/session-manager';
import type { SandboxHandle } from './sandbox/persist';
import type { Sandbox } from './sandbox/sandbox';
import type { StateHandle, WaitSettings } from './step';
import type { ProgressSink } from './engine';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';

/** The terminal, or what stands in for it in tests. */
export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Is stderr an interactive terminal (live progress, confirmation prompts)? */
  interactive: boolean;
  prompt(question: string): Promise<string>;
}

export interface GlobalOptions {
  config: string;
  state?: string;
  sandbox: boolean;
  yes: boolean;
  logFormat?: LogFormat;
  logLevel: LogLevel;
  forceUnlock: boolean;
  concurrency: number;
  /** Wait for services to become stable (provision); `--no-wait` skips it. */
  wait: boolean;
  /** destroy: keep the GitHub connection (`--keep-connection`). */
  keepConnection: boolean;
  /** Machine-readable output on stdout (plan: the plan document; logs stay on stderr). */
  json?: boolean;
}

/** What tests (and the bench) put in place of the real world. */
export interface Overrides {
  clients?: AwsClients;
  /** A sandbox to run against, in memory (not loaded from or saved to disk). */
  sandbox?: Sandbox;
  waits?: WaitSettings;
  signal?: AbortSignal;
  /** Told of each step's progress besides the terminal or the log (the library API's `onEvent`). */
  progress?: ProgressSink;
  /** The real clock of a `--sandbox` world file (`Date.now` by default): tests move it by hand. */
  sandboxClock?: () => number;
  /** `exec`: the Session Manager plugin (found on the PATH and run on this terminal by default). */
  sessionManager?: SessionManagerPlugin;
}

/** Real AWS: poll every few seconds, backing off; bounds as written in each step. */
const AWS_WAITS: WaitSettings = { minDelay: 2, maxDelay: 10, timeoutScale: 1 };

export function defaultStatePath(stack: string, sandbox: boolean): string {
  return sandbox ? path.join('.shipline', 'sandbox', `${stack}.json`) : path.join('.shipline', `${stack}.json`);
}

export interface Ui {
  log: Logger;
  progress: ProgressSink;
  stop(): void;
}

export function openUi(options: Pick<GlobalOptions, 'logFormat' | 'logLevel'>, io: Io, dryRun = false): Ui {
  const format = options.logFormat ?? (io.interactive ? 'pretty' : 'json');
  if (format === 'pretty' && io.interactive) {
    const terminal = new TerminalProgress(io.stderr, dryRun);
    const log = createLogger({ format, level: options.logLevel, sink: terminal, color: true });
    return { log, progress: terminal, stop: () => terminal.stop() };
  }
  const log = createLogger({ format, level: options.logLevel, sink: { write: (line) => io.stderr.write(line.endsWith('\n') ? line : `${line}\n`) }, color: false });
  return { log, progress: new LogProgress(log, dryRun), stop: () => undefined };
}

/** The UI, with its progress also told to `listener`. */
function alsoTelling(ui: Ui, listener: ProgressSink | undefined): Ui {
  if (!listener) return ui;
  const both = ui.progress;
  const progress: ProgressSink = {
    stepStarted: (step) => (both.stepStarted(step), listener.stepStarted(step)),
    stepActivity: (step, activity) => (both.stepActivity(step, activity), listener.stepActivity(step, activity)),
    stepFinished: (step, result) => (both.stepFinished(step, result), listener.stepFinished(step, result)),
  };
  return { ...ui, progress };
}

export interface AwsAccess {
  clients: AwsClients;
  /** The same clients in another region (the state bucket's); `clients` for the stack's own. */
  clientsIn(region: string): AwsClients;
  waits: WaitSettings;
  sandbox: Sandbox | undefined;
  close(): Promise<void>;
}

export async function openAws(options: GlobalOptions, config: Config, log: Logger, overrides: Overrides, dryRun: boolean): Promise<AwsAccess> {
  const { regionNotice } = await import('./aws/environment');
  const notice = regionNotice(config.region, process.env);
  if (notice) log.warn(notice);
  if (overrides.clients) {
    const clients = overrides.clients;
    return { clients, clientsIn: () => clients, waits: overrides.waits ?? AWS_WAITS, sandbox: overrides.sandbox, close: async () => undefined };
  }
  let handle: SandboxHandle | undefined;
  if (overrides.sandbox || options.sandbox) {
    // Loaded only here: the simulated AWS is half of the start-up time of a real run.
    handle = overrides.sandbox
      ? { sandbox: overrides.sandbox, save: async () => undefined }
      : await (await import('./sandbox/persist')).openSandbox(sandboxFile(options, config), config.region, overrides.sandboxClock ? { clock: overrides.sandboxClock } : {});
  }
  const { sandboxClientOptions } = handle ? await import('./sandbox/client-plugin') : { sandboxClientOptions: undefined };
  const clientOptions: ClientOptions = {
    region: config.region,
    profile: config.aws.profile,
    endpoint: config.aws.endpoint,
    dryRun,
    onCall: (call) => log.trace(call, 'aws call'),
    ...(handle && sandboxClientOptions ? sandboxClientOptions(handle.sandbox) : {}),
  };
  const clients = new AwsClients(clientOptions);
  const elsewhere = new Map<string, AwsClients>();
  const waits = overrides.waits ?? (handle ? sandboxWaits(handle.sandbox) : AWS_WAITS);
  return {
    clients,
    clientsIn: (region) => {
      if (region === config.region) return clients;
      const other = elsewhere.get(region) ?? new AwsClients({ ...clientOptions, region });
      elsewhere.set(region, other);
      return other;
    },
    waits,
    sandbox: handle?.sandbox,
    close: async () => {
      clients.destroy();
      for (const other of elsewhere.values()) other.destroy();
      await handle?.save();
    },
  };
}

/** The sandbox's clock runs fast: poll and give up on the same scale. */
function sandboxWaits(sandbox: Sandbox): WaitSettings {
  const scale = sandbox.world.msPerSimSecond / 1000;
  return { minDelay: Math.max(0.01, 2 * scale), maxDelay: Math.max(0.05, 10 * scale), timeoutScale: Math.max(scale, 0.01) };
}

export function sandboxFile(options: Pick<GlobalOptions, 'state'>, config: Config): string {
  return path.join(path.dirname(options.state ?? defaultStatePath(config.stack, true)), 'aws.json');
}

/** The caller's account, and its partition (`aws`, `aws-cn`, `aws-us-gov` …) from the caller's ARN. */
export async function callerIdentity(clients: AwsClients): Promise<{ accountId: string; partition: string }> {
  const { Account, Arn } = await clients.sts.send(new GetCallerIdentityCommand({}));
  if (!Account) throw new EngineError('STS GetCallerIdentity returned no account');
  const partition = /^arn:([a-z-]+):/.exec(Arn ?? '')?.[1];
  if (!partition) throw new EngineError(`STS GetCallerIdentity returned no ARN to read the partition from (got ${JSON.stringify(Arn ?? null)})`);
  return { accountId: Account, partition };
}

/** The state for a plan: reads go to the file, a write would be a bug. */
export function readOnlyState(reader: StateReader): StateHandle {
  const refuse = async (key: string): Promise<void> => {
    throw new EngineError(`a plan tried to write ${key} to the state file (a bug in shipline)`);
  };
  return { get: (key) => reader.get(key), keys: (prefix) => reader.keys(prefix), record: refuse, update: refuse, forget: refuse };
}

/**
 * Where the config keeps the state: the local file (`--state`, or the default path), or an S3
 * object read and written with the run's own S3 client (the sandbox's, in tests and `--sandbox`).
 */
export function stateBackend(config: Config, localPath: string, aws: Pick<AwsAccess, 'clientsIn'>): StateBackend {
  const backend = config.state.backend;
  if (backend.type === 'local') return new LocalBackend(localPath);
  const { S3Backend } = require('../state/s3') as typeof import('../state/s3');
  const s3 = aws.clientsIn(backend.region ?? config.region).s3;
  return new S3Backend(s3, { bucket: backend.bucket, key: backend.key ?? defaultStateKey(config.stack) }, { stack: config.stack, localPath });
}

export const defaultStateKey = (stack: string) => `shipline/${stack}.json`;

/** The local state file: `--state`, or the default path (with an S3 backend, what `state migrate` moves from or to). */
export function localStatePath(options: Pick<GlobalOptions, 'state' | 'sandbox'>, config: Config, overrides: Overrides): string {
  return options.state ?? defaultStatePath(config.stack, options.sandbox || overrides.sandbox !== undefined);
}

export interface Opened {
  config: Config;
  /** The local state file (`--state` or the default), whichever backend is in use. */
  statePath: string;
  backend: StateBackend;
  ui: Ui;
  aws: AwsAccess;
  state: StateStore;
  lock: Lock | undefined;
  accountId: string;
  /** The credentials' partition (`aws`, `aws-cn`, `aws-us-gov`): every ARN shipline builds uses it. */
  partition: string;
}

/**
 * Open everything, run `body`, close everything. Nothing that changes AWS happens before the
 * config, the state file, the lock and the account/region guard have all passed.
 */
export async function withSession<T>(
  command: string,
  options: GlobalOptions,
  io: Io,
  overrides: Overrides,
  access: { dryRun: boolean; lock: boolean },
  body: (opened: Opened) => Promise<T>,
): Promise<T> {
  const config = await loadConfig(options.config);
  const statePath = localStatePath(options, config, overrides);
  const ui = alsoTelling(openUi(options, io, access.dryRun), overrides.progress);
  let aws: AwsAccess | undefined;
  let lock: Lock | undefined;
  let failed = false;
  try {
    aws = await openAws(options, config, ui.log, overrides, access.dryRun);
    const backend = stateBackend(config, statePath, aws);
    // The lock first, then the state: what is read is what no other run can change until we are done.
    lock = access.lock ? await backend.lock({ command, force: options.forceUnlock }) : undefined;
    if (lock?.recovered) {
      const { holder: dead, reason } = lock.recovered;
      ui.log.warn({ previous: dead }, `took over the lock of pid ${dead.pid} ("${dead.command}", since ${dead.startedAt}): ${reason}; carrying on where it stopped`);
    }
    if (lock?.forced && lock.previous) {
      ui.log.warn({ previous: lock.previous }, `removed the lock of pid ${lock.previous.pid} on ${lock.previous.host} (--force-unlock)`);
    }
    if (lock) for (const warning of (await backend.warnings?.()) ?? []) ui.log.warn(warning);
    const state = await StateStore.openIn(backend, { stack: config.stack, region: config.region });
    const { accountId, partition } = await callerIdentity(aws.clients);
    checkIdentity(state, { accountId, region: config.region });
    // Only a run that holds the lock writes the state file; status, approve and release read it.
    // destroy records nothing new: a destroy that finds nothing leaves no state file behind.
    if (access.lock && command !== 'destroy' && state.accountId === null) await state.setAccount(accountId);
    return await body({ config, statePath, backend, ui, aws, state, lock, accountId, partition });
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    ui.stop();
    await lock?.release().catch((error: unknown) => ui.log.warn({ err: error }, `could not remove the lock ${lock?.path ?? ''}`));
    await closeAws(aws, failed, ui);
  }
}

export interface OpenedBackend {
  config: Config;
  /** The local state file (`--state` or the default), whichever backend is in use. */
  statePath: string;
  backend: StateBackend;
  ui: Ui;
  aws: AwsAccess;
}

/**
 * The config, the logger and the state's backend, without the engine, the lock or any AWS call
 * of its own: for `state` and `diagram`. With a local backend nothing reaches AWS at all.
 */
export async function withBackend<T>(
  options: GlobalOptions,
  io: Io,
  overrides: Overrides,
  access: { dryRun: boolean },
  body: (opened: OpenedBackend) => Promise<T>,
): Promise<T> {
  const config = await loadConfig(options.config);
  const statePath = localStatePath(options, config, overrides);
  const ui = openUi(options, io, access.dryRun);
  let aws: AwsAccess | undefined;
  let failed = false;
  try {
    aws = await openAws(options, config, ui.log, overrides, access.dryRun);
    return await body({ config, statePath, backend: stateBackend(config, statePath, aws), ui, aws });
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    ui.stop();
    await closeAws(aws, failed, ui);
  }
}

/**
 * Closes the clients and saves the sandbox. After a failure, a failure to save (an unwritable
 * sandbox directory, often the very cause) is only logged: the first error is the one to report.
 */
async function closeAws(aws: AwsAccess | undefined, failed: boolean, ui: Ui): Promise<void> {
  try {
    await aws?.close();
  } catch (error) {
    if (!failed) throw error;
    ui.log.warn({ err: error }, `could not save the sandbox: ${error instanceof Error ? error.message : String(error)}`);
  }
}
