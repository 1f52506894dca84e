// Guarantee 1: a run that dies right after a mutating call reached AWS (before its ID could be
// recorded), followed by a normal run, ends exactly where an uninterrupted run does: the same
// inventory (no duplicate) and the same state records (nothing orphaned). The loops over every
// mutating call of a full provision and a full destroy are test/e2e-promises.test.ts (rolling) and
// test/e2e-bluegreen-promises.test.ts (blue/green), which compare inventories; these add the state
// records, on one crash point in four (each strategy, provision and destroy), to stay fast.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Sandbox } from '../src/sandbox/sandbox';
import { BASE_CONFIG, harness, shape, type Harness } from './helpers/harness';

let h: Harness | undefined;
afterEach(() => h?.restore());

type State = { resources: Record<string, { id?: string }> };
const state = (x: Harness) => JSON.parse(readFileSync(x.statePath, 'utf8')) as State;

/** The state's records: their keys, and for each whether it holds an ID (not a pending token). */
const records = (x: Harness) =>
  Object.entries(state(x).resources)
    .map(([key, rec]) => `${key}${rec.id ? '' : ' (no ID)'}`)
    .sort();

function writeState(x: Harness, text: string): void {
  mkdirSync(path.dirname(x.statePath), { recursive: true });
  writeFileSync(x.statePath, text);
}

/** EC2's eventual consistency is on: a new EC2 resource is hidden from this many calls naming it. */
const EC2_HIDDEN_CALLS = 2;

/** One crash point in four; the e2e loops cover every one. */
const STRIDE = 4;

const STRATEGIES = [
  ['rolling', BASE_CONFIG],
  ['blue-green', { ...BASE_CONFIG, deploy: { strategy: 'blue-green' } }],
] as const;

describe.each(STRATEGIES)('deploy.strategy %s', (strategy, config) => {
  // Each crash run restores the provisioned sandbox from a snapshot: cloned, since a restored
  // sandbox works on the snapshot's data itself.
  async function reference(): Promise<{ count: number; inventory: string[]; records: string[]; snapshot: ReturnType<Sandbox['snapshot']>; stateText: string }> {
    const clean = harness({ config });
    // With the same refusals, so that the crash points span the whole run.
    clean.sandbox.faults.hideNewEc2(EC2_HIDDEN_CALLS);
    await clean.ok('provision');
    const result = {
      count: clean.sandbox.mutatingCalls().length,
      inventory: shape(clean.sandbox),
      records: records(clean),
      snapshot: clean.sandbox.snapshot(),
      stateText: readFileSync(clean.statePath, 'utf8'),
    };
    clean.restore();
    return result;
  }

  it('provision: a crash after a mutating call (one in four), then a re-run, ends with the same inventory and state records', async () => {
    const ref = await reference();
    expect(ref.count).toBeGreaterThan(10);
    for (let n = strategy === 'rolling' ? 1 : 3; n <= ref.count; n += STRIDE) {
      h = harness({ config });
      h.sandbox.faults.hideNewEc2(EC2_HIDDEN_CALLS).crashAfterMutation(n);
      const crashed = await h.run('provision');
      expect({ n, code: crashed.code }).toEqual({ n, code: 1 });
      await h.ok('provision');
      expect({ n, inventory: shape(h.sandbox), records: records(h) }).toEqual({ n, inventory: ref.inventory, records: ref.records });
      h.restore();
    }
  });

  it('destroy: a crash after a mutating call (one in four), then a re-run, leaves nothing, not even a record', async () => {
    const ref = await reference();
    // Count destroy's mutating calls once.
    const counting = harness({ config, sandbox: Sandbox.restore(structuredClone(ref.snapshot)) });
    writeState(counting, ref.stateText);
    await counting.ok('destroy', '--yes');
    const count = counting.sandbox.mutatingCalls().length;
    counting.restore();
    expect(count).toBeGreaterThan(10);
    for (let n = strategy === 'rolling' ? 2 : 4; n <= count; n += STRIDE) {
      h = harness({ config, sandbox: Sandbox.restore(structuredClone(ref.snapshot)) });
      writeState(h, ref.stateText);
      h.sandbox.faults.hideNewEc2(EC2_HIDDEN_CALLS).crashAfterMutation(n);
      expect({ n, code: (await h.run('destroy', '--yes')).code }).toEqual({ n, code: 1 });
      await h.ok('destroy', '--yes');
      expect({ n, left: h.sandbox.inventory(), records: records(h) }).toEqual({ n, left: [], records: [] });
      h.restore();
    }
  });
});
