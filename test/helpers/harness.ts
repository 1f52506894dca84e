// Runs the real CLI in-process against a sandbox: a temp directory with a config file, the state
// file inside it, captured output, fast waits. Every end-to-end test goes through `run`.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { AwsClients, type ClientOptions } from '../../src/aws/clients';
import { main } from '../../src/cli';
import type { ConfigInput } from '../../src/config';
import type { SessionManagerPlugin } from '../../src/commands/session-manager';
import type { ExitCode } from '../../src/errors';
import { sandboxClientOptions } from '../../src/sandbox/client-plugin';
import { Sandbox } from '../../src/sandbox/sandbox';
import type { WaitSettings } from '../../src/step';
import { mockAwsWithSandbox, type SandboxMocks } from './sandbox-mock';
import { TEST_PAGE_SIZE } from './sandbox-fixture';

export const BASE_CONFIG: ConfigInput = {
  stack: 'demo',
  region: 'eu-west-3',
  source: { repository: 'my-org/demo-app', branch: 'main' },
};

/**
 * Poll fast and give up fast: the sandbox's instant mode needs a read or two, not seconds. An AWS
 * second lasts 5 ms: a 450 s wait gives up after 2.25 s of wall time, enough for the few reads an
 * eventually consistent resource needs even on a machine loaded to a standstill (at 2 ms, 0.9 s,
 * a crash loop once ran out of it there). Tests of a wait running out set their own, shorter.
 */
export const TEST_WAITS: WaitSettings = { minDelay: 0.001, maxDelay: 0.005, timeoutScale: 0.005 };

export interface RunResult {
  code: ExitCode;
  stdout: string;
  stderr: string;
  /** The JSON log lines written to stderr, parsed. */
  logs: Array<Record<string, unknown>>;
}

export interface Harness {
  sandbox: Sandbox;
  dir: string;
  configPath: string;
  statePath: string;
  mocks: SandboxMocks | undefined;
  writeConfig(config: unknown): void;
  /** Change the wait settings of the following runs. */
  setWaits(waits: WaitSettings): void;
  run(...args: string[]): Promise<RunResult>;
  /** `run`, but failing the test unless it exits 0. */
  ok(...args: string[]): Promise<RunResult>;
  restore(): void;
}

export interface HarnessOptions {
  config?: unknown;
  sandbox?: Sandbox;
  /** 'mock' (aws-sdk-client-mock, the default) or 'client' (real SDK clients, middleware and retry). */
  adapter?: 'mock' | 'client';
  /** With the 'client' adapter: options laid over the sandbox's (a fast retry strategy, no fixed credentials …). */
  clientOptions?: Partial<ClientOptions>;
  waits?: WaitSettings;
  signal?: AbortSignal;
  /** `exec`'s Session Manager plugin (a stub: tests run no real one). */
  sessionManager?: SessionManagerPlugin;
  /** A terminal: a fixed answer to every prompt, or a prompt of the test's own (one that is closed, say). */
  interactive?: { answer: string } | { prompt: (question: string) => Promise<string> };
}

export function harness(options: HarnessOptions = {}): Harness {
  const sandbox = options.sandbox ?? new Sandbox({ region: 'eu-west-3', pageSize: TEST_PAGE_SIZE });
  const dir = mkdtempSync(path.join(tmpdir(), 'shipline-test-'));
  const configPath = path.join(dir, 'shipline.json');
  const statePath = path.join(dir, '.shipline', 'demo.json');
  const writeConfig = (config: unknown) => writeFileSync(configPath, typeof config === 'string' ? config : JSON.stringify(config, null, 2));
  writeConfig(options.config ?? BASE_CONFIG);
  const adapter = options.adapter ?? 'mock';
  const mocks = adapter === 'mock' ? mockAwsWithSandbox(sandbox) : undefined;
  let waits = options.waits ?? TEST_WAITS;

  const run = async (...args: string[]): Promise<RunResult> => {
    let stdout = '';
    let stderr = '';
    const sink = (append: (s: string) => void) =>
      new Writable({
        write(chunk, _enc, done) {
          append(String(chunk));
          done();
        },
      });
    const clients = new AwsClients(
      adapter === 'mock' ? { region: sandbox.world.region } : { ...sandboxClientOptions(sandbox), ...options.clientOptions },
    );
    const io = {
      stdout: sink((s) => (stdout += s)),
      stderr: sink((s) => (stderr += s)),
      interactive: options.interactive !== undefined,
      prompt: async (question: string) => {
        const terminal = options.interactive;
        if (terminal && 'prompt' in terminal) return terminal.prompt(question);
        return terminal?.answer ?? '';
      },
    };
    // The defaults go before a `--`: what follows it is the command's own (exec's COMMAND).
    const end = args.includes('--') ? args.indexOf('--') : args.length;
    const own = args.slice(0, end);
    const withDefaults = [...own];
    const command = args[0];
    if (command && command !== 'init-app' && !own.includes('--help')) {
      if (!own.includes('--config')) withDefaults.push('--config', configPath);
      if (!own.includes('--state')) withDefaults.push('--state', statePath);
      if (!own.includes('--log-format')) withDefaults.push('--log-format', 'json');
    }
    withDefaults.push(...args.slice(end));
    const code = await main(withDefaults, io, {
      clients,
      sandbox,
      waits,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.sessionManager ? { sessionManager: options.sessionManager } : {}),
    });
    clients.destroy();
    const logs = stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    return { code, stdout, stderr, logs };
  };

  return {
    sandbox,
    dir,
    configPath,
    statePath,
    mocks,
    writeConfig,
    setWaits: (next) => (waits = next),
    run,
    ok: async (...args) => {
      const result = await run(...args);
      if (result.code !== 0) throw new Error(`shipline ${args.join(' ')} exited ${result.code}:\n${result.stderr}`);
      return result;
    },
    restore: () => mocks?.restore(),
  };
}

/** The inventory as comparable rows (IDs differ between runs; keys and types don't). */
export function shape(sandbox: Sandbox): string[] {
  return sandbox.inventory().map((i) => `${i.service}/${i.type}/${i.key ?? i.tags.Name ?? '?'}`).sort();
}
