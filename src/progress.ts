// Live progress. On a terminal, a block under the log lines shows each running step, what it is
// doing or waiting for, and for how long; a finished step leaves one summary line. Elsewhere the
// same events become log lines.
import type { Logger } from 'pino';
import type { ProgressSink, StepResult } from './engine';
import { countOutcomes } from './engine';
import { messageOf } from './errors';
import type { LineSink } from './log';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function summarize(result: Pick<StepResult, 'outcomes'>, dryRun = false): string {
  const counts = countOutcomes(result.outcomes);
  const parts = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([outcome, n]) => (dryRun && outcome !== 'unchanged' ? `${n} to be ${outcome}` : `${n} ${outcome}`));
  return parts.length ? parts.join(', ') : 'nothing to do';
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

/** The terminal renderer: log lines above, a live block of running steps below. */
export class TerminalProgress implements ProgressSink, LineSink {
  private readonly running = new Map<string, { started: number; activity: string }>();
  private readonly update: import('log-update').LogUpdate;
  private frame = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly dryRun = false,
  ) {
    const logUpdate = require('log-update') as typeof import('log-update');
    this.update = logUpdate.create(out as NodeJS.WriteStream);
  }

  write(line: string): void {
    this.update.clear();
    this.out.write(line.endsWith('\n') ? line : `${line}\n`);
    this.render();
  }

  stepStarted(step: string): void {
    this.running.set(step, { started: Date.now(), activity: 'starting' });
    this.timer ??= setInterval(() => this.render(), 100).unref();
    this.render();
  }

  stepActivity(step: string, activity: string): void {
    const entry = this.running.get(step);
    if (entry) entry.activity = activity;
    this.render();
  }

  stepFinished(step: string, result: StepResult): void {
    const last = this.running.get(step)?.activity ?? '';
    this.running.delete(step);
    const mark = result.status === 'done' ? '✔' : '✖';
    // A step that only waits (alb-active) says what it waited for rather than "nothing to do".
    const waited = result.outcomes.length === 0 && last.startsWith('waiting for ') ? last.replace(/^waiting/, 'waited') : undefined;
    const detail = result.status === 'done' ? (waited ?? summarize(result, this.dryRun)) : `failed: ${messageOf(result.error).split('\n')[0]}`;
    this.write(`${mark} ${step.padEnd(10)} ${detail}  (${seconds(result.ms)})`);
    if (this.running.size === 0) this.stop();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.update.clear();
  }

  private render(): void {
    if (this.running.size === 0) return this.update.clear();
    this.frame = (this.frame + 1) % FRAMES.length;
    const now = Date.now();
    const lines = [...this.running].map(
      ([step, { started, activity }]) => `${FRAMES[this.frame]} ${step.padEnd(10)} ${activity}  ${seconds(now - started)}`,
    );
    this.update(lines.join('\n'));
  }
}

/** For pipes and CI: progress events as log lines (waits at info, other activity at debug). */
export class LogProgress implements ProgressSink {
  /** The last activity logged at info per step: a wait that polls for minutes says each new state once. */
  private readonly lastSaid = new Map<string, string>();

  constructor(
    private readonly log: Logger,
    private readonly dryRun = false,
  ) {}

  // A step that changed nothing is told at debug, start and end: a no-op run's log at info is its
  // one-line summary.
  stepStarted(step: string): void {
    this.log.debug({ step, event: 'step-started' }, 'started');
  }

  stepActivity(step: string, activity: string): void {
    const repeated = this.lastSaid.get(step) === activity;
    const level = activity.startsWith('waiting') && !repeated ? 'info' : 'debug';
    if (level === 'info') this.lastSaid.set(step, activity);
    this.log[level]({ step, event: 'step-activity' }, activity);
  }

  stepFinished(step: string, result: StepResult): void {
    const fields = { step, event: 'step-finished', status: result.status, ms: result.ms, counts: countOutcomes(result.outcomes) };
    const changed = result.outcomes.some((o) => o.outcome !== 'unchanged');
    if (result.status === 'done') this.log[changed ? 'info' : 'debug'](fields, `done: ${summarize(result, this.dryRun)} (${seconds(result.ms)})`);
    else this.log.error(fields, `failed: ${messageOf(result.error)}`);
  }
}
