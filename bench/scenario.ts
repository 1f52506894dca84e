// One bench scenario: provision, provision again (a no-op), destroy, each run in-process through
// the same code as the CLI (`runCommand`) against a sandbox, with every API call timed and
// attributed to the step that made it.
import { AsyncLocalStorage } from 'node:async_hooks';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { STEPS } from '../steps';
import { AwsClients } from '../src/aws/clients';
import { isMutating, operationName } from '../src/aws/operations';
import { runCommand, type Command } from '../src/commands/run';
import { parseConfig, type Config } from '../src/config';
import type { RunSummary } from '../src/engine';
import { messageOf } from '../src/errors';
import type { GlobalOptions, Io } from '../src/session';
import { sandboxClientOptions } from '../src/sandbox/client-plugin';
import { Sandbox } from '../src/sandbox/sandbox';
import { REAL_LATENCIES, type LatencyModel } from '../src/sandbox/kernel/world';
import type { Step, WaitSettings } from '../src/step';
import { SESSION, type CallSpan } from './model';

/** A deploy strategy, or `domain`: rolling with issue 14's domain (a path and a host environment over HTTPS). */
export type Strategy = 'rolling' | 'blue-green' | 'domain';
export type Phase = 'provision' | 'reprovision' | 'destroy';
export const PHASES: readonly Phase[] = ['provision', 'reprovision', 'destroy'];

/** One API call of a run. */
export interface CallSample extends CallSpan {
  service: string;
  operation: string;
  mutating: boolean;
}

/** A step's span in a run (ms since the run started). */
export interface StepSpan {
  step: string;
  start: number;
  end: number;
}

export interface PhaseResult {
  phase: Phase;
  /** Real milliseconds from the command's start to its end. */
  wallMs: number;
  /** CPU milliseconds the process spent meanwhile (user + system). */
  cpuMs: number;
  calls: CallSample[];
  steps: StepSpan[];
  summary: RunSummary;
}

/** The bench's config file: the example setup, two environments, the strategy under test. */
export function benchConfigFile(strategy: Strategy): Record<string, unknown> {
  if (strategy === 'domain') {
    // The sandbox's seeded public zone example.com: a certificate validated by DNS, alias records.
    return {
      ...benchConfigFile('rolling'),
      domain: { name: 'example.com', hostedZoneId: null },
      environments: [
        { name: 'dev', path: '/dev', cpu: 256, memory: 512, desiredCount: 1 },
        { name: 'staging', host: 'staging.example.com', cpu: 256, memory: 512, desiredCount: 1 },
        { name: 'prod', cpu: 512, memory: 1024, desiredCount: 1, approval: true },
      ],
    };
  }
  return {
    stack: 'bench',
    region: 'eu-west-3',
    source: { repository: 'my-org/demo-app', branch: 'main' },
    network: { cidr: '10.0.0.0/16', azs: 2 },
    nat: { mode: 'instance', instanceType: 't4g.nano', imageId: null },
    environments: [
      { name: 'dev', path: '/dev', cpu: 256, memory: 512, desiredCount: 1 },
      { name: 'prod', cpu: 512, memory: 1024, desiredCount: 1, approval: true },
    ],
    deploy: { strategy },
  };
}

/**
 * The CLI's waits against AWS (src/session.ts: poll after 2 s, back off to 10 s, bounds as
 * written), on the sandbox's clock. src/aws/wait.ts caps the backoff at NOTICE_WITHIN_SECONDS of
 * AWS time, on AWS as here.
 */
export function scaledWaits(msPerSimSecond: number): WaitSettings {
  const scale = msPerSimSecond / 1000;
  return { minDelay: 2 * scale, maxDelay: 10 * scale, timeoutScale: scale };
}

/** Every latency 0 but the API call's: each wait is one read that sees it done. */
export function callsOnly(): Partial<LatencyModel> {
  return Object.fromEntries(Object.keys(REAL_LATENCIES).map((k) => [k, k === 'api.call' ? REAL_LATENCIES['api.call'] : 0]));
}

const discard = () =>
  new Writable({
    write(_chunk, _encoding, done) {
      done();
    },
  });

/**
 * A stack on a sandbox, driven like the CLI drives it: `run('provision')`, `run('destroy')`. Each
 * run's calls are recorded with the step that made them (an AsyncLocalStorage around each step).
 */
export class BenchStack {
  readonly sandbox: Sandbox;
  readonly config: Config;
  private readonly dir = mkdtempSync(path.join(tmpdir(), 'shipline-bench-'));
  private readonly configPath = path.join(this.dir, 'shipline.json');
  private readonly statePath = path.join(this.dir, '.shipline', 'bench.json');
  private readonly current = new AsyncLocalStorage<string>();
  private readonly steps: Step[];
  private samples: CallSample[] = [];
  private spans: StepSpan[] = [];
  private t0 = 0;

  constructor(
    file: Record<string, unknown>,
    private readonly options: { msPerSimSecond: number; latencies?: Partial<LatencyModel>; concurrency: number },
  ) {
    this.config = parseConfig(file, 'bench config');
    writeFileSync(this.configPath, JSON.stringify(file, null, 2));
    this.sandbox = new Sandbox({ region: this.config.region, msPerSimSecond: options.msPerSimSecond, ...(options.latencies ? { latencies: options.latencies } : {}) });
    this.instrument();
    this.steps = STEPS.map((step) => this.traced(step));
  }

  async run(phase: Phase): Promise<PhaseResult> {
    const command: Command = phase === 'destroy' ? 'destroy' : 'provision';
    const options: GlobalOptions = {
      config: this.configPath,
      state: this.statePath,
      sandbox: false,
      yes: true,
      logFormat: 'json',
      logLevel: 'info',
      forceUnlock: false,
      concurrency: this.options.concurrency,
      wait: true,
      keepConnection: false,
    };
    const io: Io = { stdout: discard(), stderr: discard(), interactive: false, prompt: async () => '' };
    const clients = new AwsClients({ ...sandboxClientOptions(this.sandbox) });
    this.samples = [];
    this.spans = [];
    const cpu = process.cpuUsage();
    this.t0 = performance.now();
    try {
      const summary = await runCommand(command, options, io, { clients, sandbox: this.sandbox, waits: scaledWaits(this.options.msPerSimSecond) }, this.steps);
      const wallMs = performance.now() - this.t0;
      const used = process.cpuUsage(cpu);
      return { phase, wallMs, cpuMs: (used.user + used.system) / 1000, calls: this.samples, steps: this.spans, summary };
    } catch (error) {
      throw new Error(`${phase} failed: ${messageOf(error)}`, { cause: error });
    } finally {
      clients.destroy();
    }
  }

  /** The state file as the last run left it. */
  stateText(): string | undefined {
    return existsSync(this.statePath) ? readFileSync(this.statePath, 'utf8') : undefined;
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Time every call the sandbox answers, and name the step it was made for. */
  private instrument(): void {
    const dispatch = this.sandbox.dispatch.bind(this.sandbox);
    this.sandbox.dispatch = async (service, commandOrOperation, input) => {
      const operation = operationName(commandOrOperation);
      const sample: CallSample = {
        step: this.current.getStore() ?? SESSION,
        service,
        operation,
        mutating: isMutating(operation),
        start: performance.now() - this.t0,
        end: Number.NaN,
      };
      this.samples.push(sample);
      try {
        return await dispatch(service, commandOrOperation, input);
      } finally {
        sample.end = performance.now() - this.t0;
      }
    };
  }

  private traced(step: Step): Step {
    const within = (run: () => Promise<void>) => {
      const span: StepSpan = { step: step.name, start: performance.now() - this.t0, end: Number.NaN };
      this.spans.push(span);
      return this.current.run(step.name, async () => {
        try {
          await run();
        } finally {
          span.end = performance.now() - this.t0;
        }
      });
    };
    return { ...step, reconcile: (ctx) => within(() => step.reconcile(ctx)), destroy: (ctx) => within(() => step.destroy(ctx)) };
  }
}
