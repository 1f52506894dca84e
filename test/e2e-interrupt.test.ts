// Ctrl-C: the run stops starting work, the call in flight finishes, state is saved, the lock is
// released, and the next run carries on to the same result.
import { existsSync, readFileSync } from 'node:fs';
import { KEYS as NAT } from '../steps/nat';
import { Sandbox } from '../src/sandbox/sandbox';
import { harness, shape, TEST_WAITS, type Harness } from './helpers/harness';

let h: Harness;
afterEach(() => h?.restore());

async function referenceInventory(): Promise<string[]> {
  const clean = harness();
  await clean.ok('provision');
  clean.restore();
  return shape(clean.sandbox);
}

it('between two calls: exit 130, the state keeps what was made, the lock is gone, a re-run converges', async () => {
  const inventory = await referenceInventory();
  const controller = new AbortController();
  h = harness({ signal: controller.signal });
  h.sandbox.faults.on('RunInstances', () => controller.abort());
  const interrupted = await h.run('provision');
  expect(interrupted.code).toBe(130);
  expect(interrupted.stderr).toContain('run the command again to carry on');
  expect(existsSync(`${h.statePath}.lock`)).toBe(false);
  const state = JSON.parse(readFileSync(h.statePath, 'utf8')) as { resources: Record<string, { id?: string }> };
  expect(state.resources[NAT.instance]?.id).toMatch(/^i-/); // the call in flight finished and was recorded

  h.restore();
  const again = harness({ sandbox: h.sandbox });
  again.writeConfig(JSON.parse(readFileSync(h.configPath, 'utf8')));
  await again.ok('provision', '--state', h.statePath);
  expect(shape(again.sandbox)).toEqual(inventory);
  again.restore();
});

it('during a long wait: the wait is abandoned at once', async () => {
  const controller = new AbortController();
  // One simulated second per real millisecond, and an instance that takes an hour to run.
  const sandbox = new Sandbox({ region: 'eu-west-3', msPerSimSecond: 1, latencies: { 'ec2.instance.running': 3600 } });
  h = harness({ sandbox, signal: controller.signal, waits: { ...TEST_WAITS, minDelay: 0.01, maxDelay: 0.02, timeoutScale: 1 } });
  let abortedAtCall = Infinity;
  let abortedAtSim = Infinity;
  h.sandbox.faults.on('RunInstances', () => void setTimeout(() => {
    abortedAtCall = h.sandbox.calls.length;
    abortedAtSim = h.sandbox.world.now();
    controller.abort();
  }, 50));
  const interrupted = await h.run('provision');
  const returnedAtSim = h.sandbox.world.now();
  expect(interrupted.code).toBe(130);
  expect(interrupted.stderr).toContain('interrupted while waiting for NAT instance');
  expect(existsSync(`${h.statePath}.lock`)).toBe(false);
  // The SDK's waiter checks the signal only before it sleeps, so one poll still comes after the
  // abort: let it land on the sandbox before the mocks go away.
  await new Promise((resolve) => setTimeout(resolve, 100));
  // At once, counted in poll rounds (every 10-20 ms here, so a wait that ran out its hour would make
  // hundreds) and on the sandbox's clock (the hour is 3600 simulated seconds), not in wall time.
  const pollsAfter = h.sandbox.calls.slice(abortedAtCall).filter((c) => c.operation === 'DescribeInstances');
  expect(pollsAfter.length).toBeLessThanOrEqual(2);
  expect(returnedAtSim - abortedAtSim).toBeLessThan(3600 / 4);
});
