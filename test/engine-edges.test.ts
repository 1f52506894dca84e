// The engine's edges that a user reads: each outcome's log line, what progress hears, the messages
// of a run that stopped, and a run that returns only once every step it started has finished.
import { Writable } from 'node:stream';
import pino from 'pino';
import { runSteps, type ProgressSink, type StepResult } from '../src/engine';
import { EngineError, InterruptedError, RefusedError, StepsFailedError } from '../src/errors';
import type { ResourceOutcome, Step, StepContext } from '../src/step';

type LogLine = { level: number; msg: string; step?: string; resource?: string; id?: string; outcome?: string; changes?: string[] };

/** A pino logger at debug whose lines land in `lines`, parsed. */
function capturedLog() {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  return { log: pino({ level: 'debug' }, sink), lines };
}

/** A progress sink that writes down every call. */
function recordedProgress() {
  const calls: Array<[string, string, (string | StepResult)?]> = [];
  const sink: ProgressSink = {
    stepStarted: (step) => calls.push(['started', step]),
    stepActivity: (step, activity) => calls.push(['activity', step, activity]),
    stepFinished: (step, result) => calls.push(['finished', step, result]),
  };
  return { sink, calls };
}

const baseContext = (signal: AbortSignal, dryRun = false) =>
  ({ signal, dryRun }) as unknown as Omit<StepContext, 'step' | 'log' | 'progress' | 'outcome' | 'shared'>;

function step(name: string, after: string[], reconcile: Step['reconcile'] = async () => undefined): Step {
  return { name, after, reconcile, destroy: reconcile };
}

const refuse = (why: string) => async () => {
  throw new RefusedError(why);
};

async function run(steps: Step[], options: { concurrency?: number; dryRun?: boolean; signal?: AbortSignal } = {}) {
  const { log, lines } = capturedLog();
  const progress = recordedProgress();
  const result = await runSteps({
    steps,
    mode: 'provision',
    concurrency: options.concurrency ?? 8,
    context: baseContext(options.signal ?? new AbortController().signal, options.dryRun),
    log,
    progress: progress.sink,
  }).catch((error: unknown) => error);
  return { result, lines, calls: progress.calls };
}

const outcome = (o: Omit<ResourceOutcome, 'step'>) => o;

describe('engine: what each outcome says in the log', () => {
  const reported = [
    outcome({ resource: 'network.vpc', kind: 'VPC', id: 'vpc-1', outcome: 'created' }),
    outcome({ resource: 'alb.listener', kind: 'listener', id: 'l-1', outcome: 'updated', changes: ['port', 'protocol'] }),
    outcome({ resource: 'cluster', kind: 'ECS cluster demo', id: 'demo', outcome: 'unchanged' }),
    outcome({ resource: 'nat.instance', kind: 'NAT instance', id: 'i-1', outcome: 'refused', detail: 'i-1 carries shipline:stack=bravo; left alone' }),
    outcome({ resource: 'nat.sg', kind: 'security group', id: 'sg-1', outcome: 'refused' }),
  ];
  const reporter = step('network', [], async (ctx) => {
    ctx.progress('creating the VPC');
    for (const o of reported) ctx.outcome(o);
  });

  it('logs each outcome once, at its level, with the step, the resource and the changes', async () => {
    const { lines } = await run([reporter]);
    expect(lines.map(({ level, msg, step: s, resource, id, outcome: o, changes }) => ({ level, msg, step: s, resource, id, outcome: o, changes }))).toEqual([
      { level: 30, msg: 'VPC vpc-1 created', step: 'network', resource: 'network.vpc', id: 'vpc-1', outcome: 'created', changes: undefined },
      { level: 30, msg: 'listener l-1 updated (port, protocol)', step: 'network', resource: 'alb.listener', id: 'l-1', outcome: 'updated', changes: ['port', 'protocol'] },
      // The ID is in the kind already: said once. Unchanged is said at debug.
      { level: 20, msg: 'ECS cluster demo unchanged', step: 'network', resource: 'cluster', id: 'demo', outcome: 'unchanged', changes: undefined },
      { level: 40, msg: 'i-1 carries shipline:stack=bravo; left alone', step: 'network', resource: 'nat.instance', id: 'i-1', outcome: 'refused', changes: undefined },
      { level: 40, msg: 'security group sg-1 refused', step: 'network', resource: 'nat.sg', id: 'sg-1', outcome: 'refused', changes: undefined },
    ]);
  });

  it('says "would be" for every change of a dry run, and not for what is unchanged', async () => {
    const { lines } = await run([reporter], { dryRun: true });
    expect(lines.map((l) => l.msg)).toEqual([
      'VPC vpc-1 would be created',
      'listener l-1 would be updated (port, protocol)',
      'ECS cluster demo unchanged',
      'i-1 carries shipline:stack=bravo; left alone',
      'security group sg-1 refused',
    ]);
  });

  it('tells progress what the step does and hands it exactly the step outcomes when it finishes', async () => {
    const { calls, result } = await run([reporter]);
    expect(calls.map(([what, name, detail]) => [what, name, typeof detail === 'object' ? detail.status : detail])).toEqual([
      ['started', 'network'],
      ['activity', 'network', 'creating the VPC'],
      ['finished', 'network', 'done'],
    ]);
    const finished = calls[2]![2] as StepResult;
    expect(finished.outcomes).toEqual(reported.map((o) => ({ step: 'network', ...o })));
    // A duration, not a timestamp.
    expect(finished.ms).toBeGreaterThanOrEqual(0);
    expect(finished.ms).toBeLessThan(60_000);
    expect((result as { ms: number }).ms).toBeLessThan(60_000);
  });

  it('reports a failed step to progress as failed, with its error and what it did before', async () => {
    const broke = new Error('CreateVpc: VpcLimitExceeded');
    const { calls } = await run([
      step('network', [], async (ctx) => {
        ctx.outcome(reported[0]!);
        throw broke;
      }),
    ]);
    const finished = calls.find(([what]) => what === 'finished')![2] as StepResult;
    expect(finished).toMatchObject({ status: 'failed', error: broke, outcomes: [{ step: 'network', ...reported[0] }] });
    expect(finished.ms).toBeLessThan(60_000);
  });
});

describe('engine: how a run stops', () => {
  it('returns only once every step it started has finished', async () => {
    const finished: string[] = [];
    const slow = (name: string, ms: number) =>
      step(name, [], async () => {
        await new Promise((r) => setTimeout(r, ms));
        finished.push(name);
      });
    await run([slow('fast', 1), slow('slow', 30)]);
    expect(finished.sort()).toEqual(['fast', 'slow']);
  });

  it('starts no independent step after a failure, even one that never waited for it', async () => {
    const started: string[] = [];
    const track = (name: string, body: () => Promise<void>) =>
      step(name, [], async () => {
        started.push(name);
        await body();
      });
    const { result } = await run([track('a', async () => Promise.reject(new Error('a broke'))), track('b', async () => undefined)], { concurrency: 1 });
    expect(started).toEqual(['a']);
    // Only the failure: steps left over after a failure are not listed as "not run".
    expect((result as StepsFailedError).failures.map((f) => f.step)).toEqual(['a']);
  });

  it('names, for a step left waiting, the refused step it needed, or what it waited for when none was refused', async () => {
    // c needs the refused a and d, which waits for a too; e needs x (done) and d.
    const { result } = await run(
      [step('a', [], refuse('a is not the stack’s')), step('x', []), step('c', ['a', 'd']), step('e', ['x', 'd']), step('d', ['a'])],
      { concurrency: 1 },
    );
    const error = result as StepsFailedError;
    expect(error).toBeInstanceOf(StepsFailedError);
    expect(error.failures.map((f) => [f.step, (f.error as Error).message])).toEqual([
      ['a', 'a is not the stack’s'],
      ['c', 'not run: it needs a, which did not finish'],
      ['e', 'not run: it needs d, which did not finish'],
      ['d', 'not run: it needs a, which did not finish'],
    ]);
    expect(error.failures.slice(1).every((f) => f.error instanceof RefusedError)).toBe(true);
  });

  it('names every refused step a waiting step needed', async () => {
    const { result } = await run([step('a', [], refuse('a: left alone')), step('b', [], refuse('b: left alone')), step('c', ['a', 'b'])]);
    expect((result as StepsFailedError).failures.map((f) => (f.error as Error).message)).toEqual([
      'a: left alone',
      'b: left alone',
      'not run: it needs a, b, which did not finish',
    ]);
  });

  it('lists no step as "not run" when a refusal came with a real failure', async () => {
    const { result } = await run([step('a', [], refuse('left alone')), step('b', [], async () => Promise.reject(new Error('b broke'))), step('c', ['a'])]);
    expect((result as StepsFailedError).failures.map((f) => f.step)).toEqual(['a', 'b']);
  });

  it('is interrupted, not failed, when Ctrl-C came after a refusal, and names the steps it did not start', async () => {
    const controller = new AbortController();
    const { result } = await run(
      [
        step('a', [], async () => {
          controller.abort();
          throw new RefusedError('left alone');
        }),
        step('b', ['a']),
        step('c', ['b']),
      ],
      { signal: controller.signal },
    );
    expect(result).toBeInstanceOf(StepsFailedError);
    expect((result as StepsFailedError).failures.map((f) => f.step)).toEqual(['a']);
  });

  it('says which steps an interrupted run did not start, and that it can carry on', async () => {
    const controller = new AbortController();
    const { result } = await run([step('a', [], async () => controller.abort()), step('b', ['a']), step('c', ['b'])], { signal: controller.signal });
    expect(result).toBeInstanceOf(InterruptedError);
    expect((result as Error).message).toBe('interrupted before b, c; state is saved, run the command again to carry on');
  });
});

describe('engine: checks before a run', () => {
  it('gathers two refused preflight checks into one error naming both steps', async () => {
    const withCheck = (name: string, why: string): Step => ({ ...step(name, []), preflight: async () => Promise.reject(new EngineError(why)) });
    const { result } = await run([withCheck('network', 'subnet-1 is not in vpc-1'), withCheck('domain', 'no zone for example.com')]);
    expect(result).toBeInstanceOf(StepsFailedError);
    expect((result as StepsFailedError).failures.map((f) => [f.step, (f.error as Error).message])).toEqual([
      ['network', 'subnet-1 is not in vpc-1'],
      ['domain', 'no zone for example.com'],
    ]);
  });

  it('refuses two steps of one name and a dependency on a step that does not exist, naming them', async () => {
    const twice = (await run([step('a', []), step('a', [])])).result;
    expect(twice).toBeInstanceOf(EngineError);
    expect((twice as Error).message).toBe('two steps share a name');
    const unknown = (await run([step('a', ['nat'])])).result;
    expect(unknown).toBeInstanceOf(EngineError);
    expect((unknown as Error).message).toBe('step a runs after unknown step nat');
  });
});
