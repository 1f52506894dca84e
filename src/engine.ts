// The step engine: orders steps from their `after` lists, runs every step whose dependencies are
// done at once (bounded), destroys in the reverse order, sums resource outcomes, and stops
// cleanly: after a failure or Ctrl-C it starts nothing new and lets running steps finish or
// notice the abort signal, so every record they made is saved.
import type { Logger } from 'pino';
import { EngineError, InterruptedError, RefusedError, StepsFailedError } from './errors';
import type { Outcome, ResourceOutcome, Step, StepContext } from './step';
import { sharedReads } from './shared-reads';

export type Mode = 'provision' | 'destroy';

/** Live progress: what each step is doing. The terminal renderer and the JSON log implement it. */
export interface ProgressSink {
  stepStarted(step: string): void;
  stepActivity(step: string, activity: string): void;
  stepFinished(step: string, result: StepResult): void;
}

export interface StepResult {
  status: 'done' | 'failed';
  ms: number;
  outcomes: ResourceOutcome[];
  error?: unknown;
}

export interface RunSummary {
  mode: Mode;
  dryRun: boolean;
  outcomes: ResourceOutcome[];
  counts: Record<Outcome, number>;
  ms: number;
}

export interface EngineOptions {
  steps: readonly Step[];
  mode: Mode;
  /** At most this many steps at once. */
  concurrency: number;
  /** Everything a step context holds but what the engine makes per step. */
  context: Omit<StepContext, 'step' | 'log' | 'progress' | 'outcome' | 'shared'>;
  log: Logger;
  progress: ProgressSink;
}

export async function runSteps(options: EngineOptions): Promise<RunSummary> {
  const { steps, mode, log, progress } = options;
  const started = Date.now();
  const waitsFor = mode === 'provision' ? dependencies(steps) : dependents(steps);
  const outcomes: ResourceOutcome[] = [];
  const failures: Array<{ step: string; error: unknown }> = [];
  const done = new Set<string>();
  const running = new Map<string, Promise<void>>();
  const pending = steps.map((s) => s.name);
  const byName = new Map(steps.map((s) => [s.name, s]));
  const signal = options.context.signal;
  const shared = sharedReads();

  const contextOf = (step: Step, mine: ResourceOutcome[]): StepContext => {
    const stepLog = log.child({ step: step.name });
    return {
      ...options.context,
      shared,
      step: step.name,
      log: stepLog,
      progress: (activity) => progress.stepActivity(step.name, activity),
      outcome: (result) => {
        const full = { step: step.name, ...result };
        mine.push(full);
        outcomes.push(full);
        logOutcome(stepLog, full, options.context.dryRun);
      },
    };
  };

  // Every step's checks before any step changes anything: a refusal leaves AWS as it was.
  if (mode === 'provision') await preflight(steps, (step) => contextOf(step, []));

  const runOne = async (step: Step): Promise<void> => {
    const mine: ResourceOutcome[] = [];
    const ctx = contextOf(step, mine);
    const t0 = Date.now();
    progress.stepStarted(step.name);
    try {
      await (mode === 'provision' ? step.reconcile(ctx) : step.destroy(ctx));
      done.add(step.name);
      progress.stepFinished(step.name, { status: 'done', ms: Date.now() - t0, outcomes: mine });
    } catch (error) {
      failures.push({ step: step.name, error });
      progress.stepFinished(step.name, { status: 'failed', ms: Date.now() - t0, outcomes: mine, error });
    }
  };

  while (pending.length > 0 || running.size > 0) {
    // A refusal stops only its own step (and what waits for it): the rest of the run goes on.
    const stopping = failures.some((f) => !(f.error instanceof RefusedError)) || signal.aborted;
    if (!stopping) {
      for (const name of [...pending]) {
        if (running.size >= options.concurrency) break;
        if (![...waitsFor.get(name)!].every((dep) => done.has(dep))) continue;
        pending.splice(pending.indexOf(name), 1);
        running.set(name, runOne(byName.get(name)!).finally(() => running.delete(name)));
      }
    }
    if (running.size === 0) break; // nothing runnable: stopped, or blocked by a failure
    await Promise.race(running.values());
  }

  if (failures.length > 0 && failures.every((f) => f.error instanceof RefusedError) && !signal.aborted) {
    // Steps left waiting for a refused one: say why they did not run.
    const failed = new Set(failures.map((f) => f.step));
    for (const name of pending) {
      const blockedBy = [...waitsFor.get(name)!].filter((dep) => !done.has(dep));
      const cause = blockedBy.filter((dep) => failed.has(dep));
      failures.push({ step: name, error: new RefusedError(`not run: it needs ${(cause.length ? cause : blockedBy).join(', ')}, which did not finish`) });
      failed.add(name);
    }
    pending.length = 0;
  }
  if (failures.length > 0) throw new StepsFailedError(failures);
  if (pending.length > 0) {
    throw new InterruptedError(`interrupted before ${pending.join(', ')}; state is saved, run the command again to carry on`);
  }
  return { mode, dryRun: options.context.dryRun, outcomes, counts: countOutcomes(outcomes), ms: Date.now() - started };
}

/** The steps' preflight checks, at once; a single refusal is thrown as it is (its own message and exit code). */
async function preflight(steps: readonly Step[], contextOf: (step: Step) => StepContext): Promise<void> {
  const checked = steps.filter((s) => s.preflight);
  const results = await Promise.allSettled(checked.map((s) => s.preflight!(contextOf(s))));
  const failures = results.flatMap((r, i) => (r.status === 'rejected' ? [{ step: checked[i]!.name, error: r.reason as unknown }] : []));
  if (failures.length === 1) throw failures[0]!.error;
  if (failures.length > 1) throw new StepsFailedError(failures);
}

function logOutcome(log: Logger, o: ResourceOutcome, dryRun: boolean): void {
  if (o.outcome === 'refused') {
    log.warn({ resource: o.resource, id: o.id, outcome: o.outcome }, o.detail ?? `${o.kind} ${o.id} refused`);
    return;
  }
  const verb = dryRun && o.outcome !== 'unchanged' ? `would be ${o.outcome}` : o.outcome;
  const changes = o.changes?.length ? ` (${o.changes.join(', ')})` : '';
  // Resources whose ID is their name ("ECS cluster demo") need not say it twice.
  const what = o.kind.split(' ').includes(o.id) ? o.kind : `${o.kind} ${o.id}`;
  // What is already right is said at debug: a no-op run ends in one summary line, not forty.
  log[o.outcome === 'unchanged' ? 'debug' : 'info']({ resource: o.resource, id: o.id, outcome: o.outcome, ...(o.changes ? { changes: o.changes } : {}) }, `${what} ${verb}${changes}`);
}

export function countOutcomes(outcomes: readonly ResourceOutcome[]): Record<Outcome, number> {
  const counts: Record<Outcome, number> = { created: 0, updated: 0, adopted: 0, unchanged: 0, deleted: 0, refused: 0 };
  for (const o of outcomes) counts[o.outcome] += 1;
  return counts;
}

/** step → the steps it waits for when provisioning (its `after`), checked for typos and cycles. */
export function dependencies(steps: readonly Step[]): Map<string, Set<string>> {
  const names = new Set(steps.map((s) => s.name));
  if (names.size !== steps.length) throw new EngineError('two steps share a name');
  const graph = new Map<string, Set<string>>();
  for (const step of steps) {
    for (const dep of step.after) {
      if (!names.has(dep)) throw new EngineError(`step ${step.name} runs after unknown step ${dep}`);
    }
    for (const dep of step.createOnlyAfter ?? []) {
      if (!step.after.includes(dep)) throw new EngineError(`step ${step.name} lists ${dep} in createOnlyAfter but not in after`);
    }
    graph.set(step.name, new Set(step.after));
  }
  assertAcyclic(graph);
  return graph;
}

/** step → the steps it waits for when destroying: those that ran after it and need it to the end. */
export function dependents(steps: readonly Step[]): Map<string, Set<string>> {
  const forward = dependencies(steps);
  const createOnly = new Map(steps.map((s) => [s.name, new Set(s.createOnlyAfter ?? [])]));
  const graph = new Map<string, Set<string>>([...forward.keys()].map((name) => [name, new Set<string>()]));
  for (const [name, deps] of forward) {
    for (const dep of deps) if (!createOnly.get(name)!.has(dep)) graph.get(dep)!.add(name);
  }
  return graph;
}

function assertAcyclic(graph: Map<string, Set<string>>): void {
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') throw new EngineError(`steps depend on each other in a cycle: ${[...path, name].join(' → ')}`);
    state.set(name, 'visiting');
    for (const dep of graph.get(name) ?? []) visit(dep, [...path, name]);
    state.set(name, 'done');
  };
  for (const name of graph.keys()) visit(name, []);
}

/** The order a sequential run would take (for listings and tests). */
export function topologicalOrder(steps: readonly Step[], mode: Mode): string[] {
  const graph = mode === 'provision' ? dependencies(steps) : dependents(steps);
  const order: string[] = [];
  const placed = new Set<string>();
  while (order.length < graph.size) {
    for (const [name, deps] of graph) {
      if (!placed.has(name) && [...deps].every((d) => placed.has(d))) {
        order.push(name);
        placed.add(name);
      }
    }
  }
  return order;
}
