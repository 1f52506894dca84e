import pino from 'pino';
import { countOutcomes, dependents, runSteps, topologicalOrder, type ProgressSink } from '../src/engine';
import { EngineError, InterruptedError, RefusedError, StepsFailedError } from '../src/errors';
import type { Step, StepContext } from '../src/step';

const silent = pino({ level: 'silent' });
const quiet: ProgressSink = { stepStarted: () => undefined, stepActivity: () => undefined, stepFinished: () => undefined };

function context(signal = new AbortController().signal): Omit<StepContext, 'step' | 'log' | 'progress' | 'outcome'> {
  return { signal, dryRun: false } as unknown as Omit<StepContext, 'step' | 'log' | 'progress' | 'outcome'>;
}

/** Steps that record when they start and finish, and take `ms` each. */
function recorder(graph: Record<string, string[]>, ms = 5, fail: string[] = []) {
  const events: string[] = [];
  let active = 0;
  let maxActive = 0;
  const body = (name: string, verb: string) => async () => {
    events.push(`${verb}:${name}`);
    active += 1;
    maxActive = Math.max(maxActive, active);
    await new Promise((r) => setTimeout(r, ms));
    active -= 1;
    if (fail.includes(name)) throw new Error(`${name} broke`);
    events.push(`${verb}-done:${name}`);
  };
  const steps: Step[] = Object.entries(graph).map(([name, after]) => ({
    name,
    after,
    reconcile: body(name, 'up'),
    destroy: body(name, 'down'),
  }));
  return { steps, events, maxActive: () => maxActive };
}

const run = (steps: Step[], mode: 'provision' | 'destroy', concurrency = 8, signal?: AbortSignal) =>
  runSteps({ steps, mode, concurrency, context: context(signal), log: silent, progress: quiet });

describe('engine', () => {
  const graph = { network: [], nat: ['network'], alb: ['network'], repository: [], services: ['alb', 'nat', 'repository'] };

  it('runs each step after the steps it depends on', async () => {
    const r = recorder(graph);
    await run(r.steps, 'provision');
    const at = (e: string) => r.events.indexOf(e);
    expect(at('up:nat')).toBeGreaterThan(at('up-done:network'));
    expect(at('up:alb')).toBeGreaterThan(at('up-done:network'));
    expect(at('up:services')).toBeGreaterThan(Math.max(at('up-done:alb'), at('up-done:nat'), at('up-done:repository')));
  });

  it('runs independent steps at the same time, within the concurrency bound', async () => {
    const wide = recorder({ a: [], b: [], c: [], d: [] }, 20);
    await run(wide.steps, 'provision');
    expect(wide.maxActive()).toBe(4);
    const bounded = recorder({ a: [], b: [], c: [], d: [] }, 20);
    await run(bounded.steps, 'provision', 2);
    expect(bounded.maxActive()).toBe(2);
  });

  it('destroys in the reverse order', async () => {
    const r = recorder(graph);
    await run(r.steps, 'destroy');
    const at = (e: string) => r.events.indexOf(e);
    expect(at('down:network')).toBeGreaterThan(Math.max(at('down-done:nat'), at('down-done:alb')));
    expect(at('down:alb')).toBeGreaterThan(at('down-done:services'));
    expect(at('down:repository')).toBeGreaterThan(at('down-done:services'));
    expect(dependents(r.steps).get('network')).toEqual(new Set(['nat', 'alb']));
  });

  it('destroys a step needed only to create another beside it, and still before what both need', async () => {
    const r = recorder(graph);
    const services = r.steps.find((s) => s.name === 'services')!;
    const steps = r.steps.map((s) => (s === services ? { ...s, createOnlyAfter: ['nat'] } : s));
    await run(steps, 'provision');
    expect(r.events.indexOf('up:services')).toBeGreaterThan(r.events.indexOf('up-done:nat'));
    r.events.length = 0;
    await run(steps, 'destroy');
    const at = (e: string) => r.events.indexOf(e);
    expect(at('down:nat')).toBeLessThan(at('down-done:services'));
    expect(at('down:network')).toBeGreaterThan(Math.max(at('down-done:nat'), at('down-done:services')));
    expect(dependents(steps).get('nat')).toEqual(new Set());
  });

  it('refuses a createOnlyAfter that is not in after', () => {
    const { steps } = recorder({ a: [], b: ['a'] });
    expect(() => dependents(steps.map((s) => (s.name === 'b' ? { ...s, createOnlyAfter: ['c'] } : s)))).toThrow(
      'step b lists c in createOnlyAfter but not in after',
    );
  });

  it('starts nothing that depends on a failed step, lets running ones finish, and reports the failure', async () => {
    const r = recorder({ a: [], b: [], c: ['a'] }, 5, ['a']);
    const error = await run(r.steps, 'provision').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StepsFailedError);
    expect((error as StepsFailedError).message).toContain('a broke');
    expect(r.events).toContain('up-done:b');
    expect(r.events).not.toContain('up:c');
  });

  it('a refusal stops only its step and what needs it: independent steps still run, the others are named as not run', async () => {
    // One step at a time: alb starts only after nat was refused, so the refusal did not stop the scheduling.
    const r = recorder({ ...graph, alb: ['network', 'repository'] });
    const nat = r.steps.find((s) => s.name === 'nat')!;
    nat.reconcile = async () => {
      throw new RefusedError('state says nat.instance is i-0b, but i-0b carries shipline:stack=bravo; left alone');
    };
    const error = (await run(r.steps, 'provision', 1).catch((e: unknown) => e)) as StepsFailedError;
    expect(error).toBeInstanceOf(StepsFailedError);
    expect(error.exitCode).toBe(1);
    expect(r.events).toEqual(expect.arrayContaining(['up-done:network', 'up-done:repository', 'up-done:alb']));
    expect(r.events).not.toContain('up:services');
    expect(error.failures.map((f) => f.step)).toEqual(['nat', 'services']);
    expect(error.message).toContain('state says nat.instance is i-0b');
    expect(error.message).toContain('services: not run: it needs nat, which did not finish');
  });

  it('stops scheduling when interrupted and says the run can carry on', async () => {
    const controller = new AbortController();
    const r = recorder({ a: [], b: ['a'] }, 10);
    setTimeout(() => controller.abort(), 2);
    const error = await run(r.steps, 'provision', 8, controller.signal).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InterruptedError);
    expect(r.events).not.toContain('up:b');
  });

  it('rejects unknown dependencies and cycles before running anything', async () => {
    const unknown = recorder({ a: ['nope'] });
    await expect(run(unknown.steps, 'provision')).rejects.toThrow(EngineError);
    const cycle = recorder({ a: ['b'], b: ['a'] });
    await expect(run(cycle.steps, 'provision')).rejects.toThrow(/cycle: a → b → a|cycle: b → a → b/);
    expect(unknown.events).toEqual([]);
  });

  it('orders steps for listing the same way it runs them', () => {
    const { steps } = recorder(graph);
    const order = topologicalOrder(steps, 'provision');
    expect(order.indexOf('network')).toBeLessThan(order.indexOf('nat'));
    expect(order.indexOf('services')).toBe(order.length - 1);
    expect(topologicalOrder(steps, 'destroy')[0]).toBe('services');
  });

  it('runs every preflight check before any step, and a refusal stops the run before anything changed', async () => {
    const r = recorder({ a: [], b: ['a'] });
    const checked: string[] = [];
    const refusal = new EngineError('b cannot be applied in place');
    r.steps[0]!.preflight = async () => void checked.push('a');
    r.steps[1]!.preflight = async () => {
      checked.push('b');
      throw refusal;
    };
    await expect(run(r.steps, 'provision')).rejects.toBe(refusal);
    expect(checked.sort()).toEqual(['a', 'b']);
    expect(r.events).toEqual([]);
    // Destroy runs no preflight.
    await run(r.steps, 'destroy');
    expect(checked).toHaveLength(2);
  });

  it('sums resource outcomes', async () => {
    const step: Step = {
      name: 'one',
      after: [],
      reconcile: async (ctx) => {
        ctx.outcome({ resource: 'one.a', kind: 'A', id: 'a-1', outcome: 'created' });
        ctx.outcome({ resource: 'one.b', kind: 'B', id: 'b-1', outcome: 'unchanged' });
      },
      destroy: async () => undefined,
    };
    const summary = await run([step], 'provision');
    expect(summary.counts).toEqual({ ...countOutcomes([]), created: 1, unchanged: 1 });
  });
});
