// Guarantees 5 and 6, the cases test/e2e-errors.test.ts does not already prove: a state whose
// IDs all point to resources deleted behind shipline's back, a state file that is valid JSON but
// not a state, another region's state for destroy, and a second run on the same stack while the
// first holds the lock.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { harness, shape, type Harness, type RunResult } from './helpers/harness';

let h: Harness | undefined;
afterEach(() => h?.restore());

type State = { resources: Record<string, { id?: string; token?: string }> };
const state = (x: Harness) => JSON.parse(readFileSync(x.statePath, 'utf8')) as State;

/** What a failed run printed besides its JSON log lines: the error and its hint. */
const errorOf = (run: RunResult) => run.stderr.split('\n').filter((l) => l.trim() && !l.startsWith('{')).join('\n');

/** The client token a create sent (EC2's ClientToken, ECS's clientToken). */
const tokenOf = (input: unknown): string | undefined => {
  const i = input as { ClientToken?: string; clientToken?: string } | undefined;
  return i?.ClientToken ?? i?.clientToken;
};

const madeBy = (x: Harness, from = 0, replayed: ReadonlySet<string | undefined> = new Set()) =>
  x.sandbox
    .calls.slice(from)
    .filter((c) => c.mutating && c.error === undefined && !replayed.has(tokenOf(c.input)))
    .map((c) => c.operation)
    .sort();

/** Task definition revisions go on counting in a family, even once the earlier ones are deregistered. */
const revisionless = (rows: string[]) => rows.map((row) => row.replace(/^(ecs\/task-definition\/.+):\d+$/, '$1'));

describe('a state whose IDs all point to deleted resources', () => {
  /** Provision, keep the state file, destroy everything: the kept file names only what is gone. */
  async function staleState(): Promise<{ stale: string; inventory: string[]; made: string[]; keys: string[] }> {
    h = harness();
    await h.ok('provision');
    const inventory = shape(h.sandbox);
    const made = madeBy(h);
    const stale = readFileSync(h.statePath, 'utf8');
    const keys = Object.keys(state(h).resources).sort();
    await h.ok('destroy', '--yes');
    expect(h.sandbox.inventory()).toEqual([]);
    return { stale, inventory, made, keys };
  }

  it('provision re-creates everything cleanly: the same inventory and records, each made once', async () => {
    const { stale, inventory, made, keys } = await staleState();
    const x = h!;
    writeFileSync(x.statePath, stale);
    const staleIds = Object.values((JSON.parse(stale) as State).resources).map((r) => r.id);
    const from = x.sandbox.calls.length;
    await x.ok('provision');
    expect(revisionless(shape(x.sandbox))).toEqual(revisionless(inventory));
    // A create that re-sends a token the stale state recorded is AWS's answer about that token (the
    // dead resource, or a refusal), not a second resource: the recorded ID may only be hidden
    // (eventual consistency), so shipline asks with the token before it makes a new one.
    const staleTokens = new Set(Object.values((JSON.parse(stale) as State).resources).map((r) => r.token).filter(Boolean));
    const replays = x.sandbox.calls.slice(from).filter((c) => staleTokens.has(tokenOf(c.input)));
    expect(replays.every((c) => c.error !== undefined || c.operation === 'CreateService')).toBe(true);
    expect(madeBy(x, from, staleTokens)).toEqual(made);
    expect(Object.keys(state(x).resources).sort()).toEqual(keys);
    // Names (the cluster, roles, the bucket …) come back the same; every generated ID is new.
    const reused = Object.values(state(x).resources)
      .map((r) => r.id)
      .filter((id) => id !== undefined && staleIds.includes(id) && /^(vpc|subnet|igw|rtb|rtbassoc|sg|i|eni|nat|eipalloc)-/.test(id));
    expect(reused).toEqual([]);
    // And it is settled: nothing left to change.
    const settled = x.sandbox.mutatingCalls().length;
    await x.ok('provision');
    expect(x.sandbox.mutatingCalls().length).toBe(settled);
  });

  it('destroy has nothing to delete, succeeds, and empties the state', async () => {
    const { stale } = await staleState();
    const x = h!;
    writeFileSync(x.statePath, stale);
    const from = x.sandbox.calls.length;
    const run = await x.ok('destroy', '--yes');
    // Each delete is answered "already gone" (or succeeds on nothing, as AWS's do); nothing is made.
    const calls = x.sandbox.calls.slice(from).filter((c) => c.mutating);
    expect(calls.filter((c) => !/^(Delete|Terminate|Disassociate|Detach|Release|Deregister)|^UpdateService$/.test(c.operation))).toEqual([]);
    expect(x.sandbox.inventory()).toEqual([]);
    expect(Object.keys(state(x).resources)).toEqual([]);
    expect(run.logs.at(-1)?.msg).toMatch(/destroyed demo/);
  });
});

describe('bad state files not covered by e2e-errors', () => {
  function writeState(x: Harness, content: string): void {
    mkdirSync(path.dirname(x.statePath), { recursive: true });
    writeFileSync(x.statePath, content);
  }

  it('valid JSON that is not a state: the field named, the .bak offered, nothing changed in AWS', async () => {
    h = harness();
    await h.ok('provision');
    // A second run that changes something keeps the first run's complete state as .bak.
    await h.sandbox.dispatch('ec2', 'TerminateInstances', { InstanceIds: [state(h).resources['nat.instance']!.id] });
    await h.ok('provision');
    const broken = JSON.parse(readFileSync(h.statePath, 'utf8')) as { resources: Record<string, unknown> };
    broken.resources['network.vpc'] = 42;
    writeState(h, JSON.stringify(broken));
    const before = h.sandbox.mutatingCalls().length;
    const run = await h.run('provision');
    expect(run.code).toBe(1);
    expect(errorOf(run)).toContain(`state file ${h.statePath} is invalid at resources`);
    expect(errorOf(run)).toContain('network.vpc');
    expect(errorOf(run)).toContain(`cp ${h.statePath}.bak ${h.statePath}`);
    expect(errorOf(run)).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(h.sandbox.mutatingCalls().length).toBe(before);
  });

  it.each([
    ['JSON that is not a state', '{"version": 1, "resources": "none"}'],
    ['not JSON at all', '{"version": 1, "stack": "de'],
  ])('a .bak holding %s is never offered: the hint is to delete the state and adopt by tags', async (_what, bak) => {
    h = harness();
    await h.ok('provision');
    writeState(h, '{ "version": 1, "stack": ');
    writeFileSync(`${h.statePath}.bak`, bak);
    const before = h.sandbox.mutatingCalls().length;
    const run = await h.run('provision');
    expect(run.code).toBe(1);
    expect(errorOf(run)).not.toContain('.bak');
    expect(errorOf(run)).toContain(`Delete ${h.statePath} and run provision again: it adopts the existing resources by their tags.`);
    expect(h.sandbox.mutatingCalls().length).toBe(before);
  });

  it('another region\'s state: destroy refuses before any change too', async () => {
    h = harness();
    writeState(h, JSON.stringify({ version: 1, stack: 'demo', region: 'us-east-1', accountId: '123456789012', resources: {}, updatedAt: new Date().toISOString() }));
    const run = await h.run('destroy', '--yes');
    expect(run.code).toBe(1);
    expect(errorOf(run)).toContain('is for region us-east-1, but this run uses region eu-west-3');
    expect(h.sandbox.mutatingCalls()).toEqual([]);
  });
});

describe('two runs on one stack at once', () => {
  it('the second refuses naming the holder\'s pid and host; the first finishes alone; then the lock is free', async () => {
    const clean = harness();
    await clean.ok('provision');
    clean.restore();
    h = harness();
    // The second run starts while the first holds the lock (it is creating the VPC), and the first
    // goes on only once the second has finished: the race is the same every time.
    let second: Promise<RunResult> | undefined;
    h.sandbox.faults.on('CreateVpc', async () => {
      second ??= h!.run('provision');
      await second;
    });
    const winner = await h.run('provision');
    const loser = await second!;
    expect(winner.code).toBe(0);
    expect(loser.code).toBe(1);
    expect(errorOf(loser)).toContain(`stack "demo" is locked by pid ${process.pid}`);
    expect(errorOf(loser)).toContain(`@${hostname()}, "provision"`);
    expect(errorOf(loser)).toContain('Wait for that run to finish');
    // The loser changed nothing: one set of resources, each made once.
    expect(shape(h.sandbox)).toEqual(shape(clean.sandbox));
    expect(madeBy(h)).toEqual(madeBy(clean));
    // A destroy started while a provision runs waits its turn the same way.
    let destroy: Promise<RunResult> | undefined;
    h.sandbox.faults.clear().on('GetCallerIdentity', async () => {
      destroy ??= h!.run('destroy', '--yes');
      await destroy;
    });
    const provision = await h.run('provision');
    expect([provision.code, (await destroy!).code]).toEqual([0, 1]);
    h.sandbox.faults.clear();
    await h.ok('destroy', '--yes');
    expect(h.sandbox.inventory()).toEqual([]);
  });
});
