// Guarantee 2: Ctrl-C during a long wait. The run exits within a few seconds (not at the end of the
// wait), with every record made so far saved and the lock released; the next run carries on and
// ends where an uninterrupted one would. (Between two calls: test/e2e-interrupt.test.ts.)
import { existsSync, readFileSync } from 'node:fs';
import { KEYS as NAT } from '../steps/nat';
import { Sandbox } from '../src/sandbox/sandbox';
import type { LatencyModel } from '../src/sandbox/kernel/world';
import { harness, shape, type Harness } from './helpers/harness';

let h: Harness | undefined;
afterEach(() => h?.restore());

type State = { resources: Record<string, { id?: string }> };
const state = (x: Harness) => JSON.parse(readFileSync(x.statePath, 'utf8')) as State;

/** Runs against a sandbox whose clock runs (1 simulated second = 1 ms), with AWS's real bounds on waits. */
const REAL_BOUNDS = { minDelay: 0.01, maxDelay: 0.05, timeoutScale: 1 };
const timedSandbox = (latencies: Partial<LatencyModel>) => new Sandbox({ region: 'eu-west-3', msPerSimSecond: 1, latencies });

/** Abort `delayMs` after `operation` is first called; resolves the moment of the abort. */
function abortAfter(x: Harness, controller: AbortController, operation: string, delayMs: number): () => number {
  let abortedAt = 0;
  x.sandbox.faults.on(operation, () => {
    if (abortedAt !== 0 || controller.signal.aborted) return;
    abortedAt = -1;
    setTimeout(() => {
      abortedAt = Date.now();
      controller.abort();
    }, delayMs);
  });
  return () => abortedAt;
}

/** The next run, without an interrupt: the same sandbox, config and state file. */
async function carryOn(x: Harness, ...args: string[]): Promise<void> {
  x.restore();
  const next = harness({ sandbox: x.sandbox, waits: REAL_BOUNDS });
  next.writeConfig(JSON.parse(readFileSync(x.configPath, 'utf8')));
  try {
    await next.ok(...args, '--state', x.statePath);
  } finally {
    next.restore();
  }
}

it('provision, while waiting 3 s for the NAT instance: exit 130 at once, state and lock clean; the next run finishes the job', async () => {
  const reference = harness();
  await reference.ok('provision');
  reference.restore();

  const controller = new AbortController();
  h = harness({ sandbox: timedSandbox({ 'ec2.instance.running': 3000 }), signal: controller.signal, waits: REAL_BOUNDS });
  const abortedAt = abortAfter(h, controller, 'RunInstances', 100);
  const interrupted = await h.run('provision');
  const stoppedIn = Date.now() - abortedAt();

  expect(interrupted.code).toBe(130);
  expect(interrupted.stderr).toContain('interrupted while waiting for NAT instance');
  expect(stoppedIn).toBeLessThan(1000); // not at the end of the 3 s wait
  expect(existsSync(`${h.statePath}.lock`)).toBe(false);
  expect(state(h).resources[NAT.instance]?.id).toMatch(/^i-/);

  await carryOn(h, 'provision');
  expect(shape(h.sandbox)).toEqual(shape(reference.sandbox));
  expect(h.sandbox.calls.filter((c) => c.operation === 'RunInstances' && !c.error)).toHaveLength(1);
});

it('destroy, while waiting for the NAT instance to terminate: exit 130 at once, its record kept until AWS confirms; the next run finishes the job', async () => {
  const controller = new AbortController();
  h = harness({ sandbox: timedSandbox({ 'ec2.instance.terminated': 3000, 'ec2.instance.running': 1 }), signal: controller.signal, waits: REAL_BOUNDS });
  await h.ok('provision');
  const instance = state(h).resources[NAT.instance]!.id!;
  const abortedAt = abortAfter(h, controller, 'TerminateInstances', 100);
  const interrupted = await h.run('destroy', '--yes');
  const stoppedIn = Date.now() - abortedAt();

  expect(interrupted.code).toBe(130);
  expect(interrupted.stderr).toContain(`interrupted while waiting for NAT instance ${instance} to terminate`);
  expect(stoppedIn).toBeLessThan(1000); // not at the end of the 3 s wait
  expect(existsSync(`${h.statePath}.lock`)).toBe(false);
  // Forgotten only once AWS confirms the delete: the re-run still knows what to wait for.
  expect(state(h).resources[NAT.instance]?.id).toBe(instance);

  await carryOn(h, 'destroy', '--yes');
  expect(h.sandbox.inventory()).toEqual([]);
  expect(Object.keys(state(h).resources)).toEqual([]);
});
