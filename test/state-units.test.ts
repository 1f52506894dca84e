// The state store's parts one by one, each with the bug a test here catches (found by mutation:
// `npm run mutation -- store`): parsing and its hints, the helpers that name fields and quote paths,
// the identity checks' advice, the store's read-only mode, its save coalescing and record cleaning.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineError, StateError } from '../src/errors';
import { StateBackendError, type StateBackend, type StoredState } from '../state/backend';
import { checkIdentity } from '../state/identity';
import { corruptHint, parseState } from '../state/load';
import type { StateFile } from '../state/schema';
import { serializeState } from '../state/serialize';
import { StateStore } from '../state/store';
import { errnoCode, formatIssuePath, shellQuote } from '../state/util';
import { rejectionOf } from './helpers/rejection';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shipline-state-units-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const STATE: StateFile = {
  version: 1,
  stack: 'demo',
  region: 'eu-west-3',
  accountId: '123456789012',
  resources: {},
  updatedAt: '2026-01-01T00:00:00.000Z',
};


const HINT = async () => 'restore the backup';

describe('parseState', () => {
  it('names the nested reason for a bad resource key, and hands over the hint', async () => {
    const text = JSON.stringify({ ...STATE, resources: { 'no-dot': { id: 'x' } } });
    const error = await rejectionOf(parseState('s.json', text, HINT), StateError);
    expect(error.code).toBe('STATE_CORRUPT');
    expect(error.message).toBe('state file s.json is invalid at resources["no-dot"]: resource keys must look like "<step>.<resource>"');
    expect(error.hint).toBe('restore the backup');
  });

  it('names the field of any other schema violation', async () => {
    const error = await rejectionOf(parseState('s.json', JSON.stringify({ ...STATE, stack: '' }), HINT), StateError);
    expect(error.message).toMatch(/^state file s\.json is invalid at stack: Too small/);
    expect(error.hint).toBe('restore the backup');
  });

  it('hands over the hint for text that is not JSON', async () => {
    const error = await rejectionOf(parseState('s.json', '{"version": 1,', HINT), StateError);
    expect(error.code).toBe('STATE_CORRUPT');
    expect(error.message).toMatch(/^state file s\.json is not valid JSON \(.+\); it was probably cut short or edited by hand$/);
    expect(error.hint).toBe('restore the backup');
  });

  it.each([
    ['an array', '[1]'],
    ['null', 'null'],
    ['a number', '5'],
    ['a string', '"state"'],
    ['an object without a version', JSON.stringify({ stack: 'demo' })],
    ['a version that is not a number', JSON.stringify({ ...STATE, version: '2' })],
  ])('reports %s as corrupt, not as another format version', async (_what, text) => {
    expect((await rejectionOf(parseState('s.json', text, HINT), StateError)).code).toBe('STATE_CORRUPT');
  });

  it('tells a newer format to upgrade shipline', async () => {
    const error = await rejectionOf(parseState('s.json', JSON.stringify({ ...STATE, version: 2 }), HINT), StateError);
    expect(error.code).toBe('STATE_VERSION');
    expect(error.message).toBe('state file s.json has format version 2, but this shipline reads version 1');
    expect(error.hint).toBe('It was written by a newer shipline: upgrade shipline to one that reads version 2.');
  });

  it('tells an older format to use its release or start over by adoption', async () => {
    const error = await rejectionOf(parseState('s.json', JSON.stringify({ ...STATE, version: 0 }), HINT), StateError);
    expect(error.code).toBe('STATE_VERSION');
    expect(error.hint).toBe('Use the shipline release that wrote it, or delete s.json and run provision again: it adopts the existing resources by their tags.');
  });

  it('returns the state of a valid text', async () => {
    expect(await parseState('s.json', JSON.stringify(STATE), HINT)).toEqual(STATE);
  });
});

describe('corruptHint', () => {
  it('offers a valid .bak with the exact command, quoting a path with spaces', async () => {
    const path = join(dir, 'my stack.json');
    await writeFile(`${path}.bak`, JSON.stringify(STATE));
    expect(await corruptHint(path)).toBe(
      `${path}.bak holds a valid state from before the last run; restore it with:\n` +
        `  cp '${path}.bak' '${path}'\n` +
        'then run again (resources created since that backup are adopted by their tags).',
    );
  });

  it.each([
    ['JSON that is not a state', JSON.stringify({ ...STATE, accountId: 5 })],
    ['text that is not JSON', '{"version"'],
  ])('does not offer a .bak holding %s', async (_what, text) => {
    const path = join(dir, 'demo.json');
    await writeFile(`${path}.bak`, text);
    expect(await corruptHint(path)).toBe(`Delete ${path} and run provision again: it adopts the existing resources by their tags.`);
  });

  it('does not offer a .bak it cannot read', async () => {
    const path = join(dir, 'demo.json');
    await mkdir(`${path}.bak`);
    expect(await corruptHint(path)).toMatch(/^Delete /);
  });
});

describe('state helpers', () => {
  it.each([
    [{ code: 'ENOENT' }, 'ENOENT'],
    [{ code: 5 }, undefined],
    [{}, undefined],
    [null, undefined],
    ['ENOENT', undefined],
  ])('errnoCode(%j) is %s', (error, code) => {
    expect(errnoCode(error)).toBe(code);
  });

  it.each([
    ['.shipline/demo.json', '.shipline/demo.json'],
    ['/tmp/a b.json', "'/tmp/a b.json'"],
    ['a b', "'a b'"],
    ["it's.json", "'it'\\''s.json'"],
    ['$HOME/x', "'$HOME/x'"],
  ])('shellQuote(%s) is %s', (arg, quoted) => {
    expect(shellQuote(arg)).toBe(quoted);
  });

  it.each([
    [[], '(top level)'],
    [['stack'], 'stack'],
    [['resources', 'network.vpc', 'id'], 'resources["network.vpc"].id'],
    [['list', 0, 'name'], 'list[0].name'],
    [[2], '[2]'],
    [['resources', Symbol('odd')], 'resources["Symbol(odd)"]'],
  ])('formatIssuePath(%j) is %s', (path, text) => {
    expect(formatIssuePath(path)).toBe(text);
  });

  it('serializes resources in key order, whatever order they were added in', () => {
    const resources = { 'nat.instance': { id: 'i' }, 'alb.lb': { id: 'a' }, 'network.vpc': { id: 'v' }, 'build.project': { id: 'b' } };
    const text = serializeState({ ...STATE, resources });
    expect(Object.keys((JSON.parse(text) as StateFile).resources)).toEqual(['alb.lb', 'build.project', 'nat.instance', 'network.vpc']);
    expect(text.endsWith('}\n')).toBe(true);
  });
});

describe('checkIdentity advice', () => {
  const store = { path: 's.json', accountId: '111111111111', region: 'eu-west-3' };

  it('says which credentials to use for another account', () => {
    expect(() => checkIdentity(store, { accountId: '222222222222', region: 'eu-west-3' })).toThrow(
      expect.objectContaining({
        hint: 'Use credentials for account 111111111111 (set AWS_PROFILE or aws.profile in the config), or point --state at the state file of this account.',
      }),
    );
  });

  it('says which region to set for another region', () => {
    expect(() => checkIdentity(store, { accountId: '111111111111', region: 'us-east-1' })).toThrow(
      expect.objectContaining({
        message: 'state file s.json is for region eu-west-3, but this run uses region us-east-1',
        hint: 'Set "region" to "eu-west-3" in the config (shipline uses the config\'s region, never AWS_REGION), or use another stack / --state for us-east-1.',
      }),
    );
  });
});

/** A backend in memory that counts its writes (and can hold one open), for the store's own logic. */
class MemoryBackend implements Pick<StateBackend, 'kind' | 'location' | 'read' | 'write' | 'elsewhere' | 'corruptHint'> {
  readonly kind = 'local' as const;
  readonly location = 'memory://demo';
  writes: string[] = [];
  stored: StoredState | undefined;
  moved: { message: string; hint: string } | undefined;
  private gate: Promise<void> = Promise.resolve();
  private release: () => void = () => undefined;

  hold(): void {
    this.gate = new Promise((resolve) => (this.release = resolve));
  }
  open(): void {
    this.release();
  }
  async read() {
    return this.stored;
  }
  async write(text: string): Promise<string> {
    await this.gate;
    this.writes.push(text);
    const version = String(this.writes.length);
    this.stored = { text, version };
    return version;
  }
  async elsewhere() {
    return this.moved;
  }
  async corruptHint() {
    return 'no hint';
  }
}

const asBackend = (b: MemoryBackend) => b as unknown as StateBackend;

describe('StateStore', () => {
  it('opened read-only, refuses every change', async () => {
    const backend = new MemoryBackend();
    backend.stored = { text: JSON.stringify(STATE), version: '1' };
    const reader = (await StateStore.readOnlyIn(asBackend(backend))) as StateStore;
    const error = await rejectionOf(reader.record('network.vpc', { id: 'vpc-1' }), EngineError);
    expect(error.message).toBe('state file memory://demo was opened read-only');
    await rejectionOf(reader.forget('network.vpc'), EngineError);
    expect(backend.writes).toEqual([]);
  });

  it('selects one step\'s keys by prefix', async () => {
    const store = await StateStore.openIn(asBackend(new MemoryBackend()), { stack: 'demo', region: 'eu-west-3' });
    await store.record('nat.route', { id: 'r-1' });
    await store.record('network.vpc', { id: 'vpc-1' });
    await store.record('nat.instance', { id: 'i-1' });
    expect(store.keys('nat.')).toEqual(['nat.instance', 'nat.route']);
  });

  it('writes nothing to forget what it does not hold, nor to set the account it has', async () => {
    const backend = new MemoryBackend();
    const store = await StateStore.openIn(asBackend(backend), { stack: 'demo', region: 'eu-west-3' });
    await store.setAccount('123456789012');
    expect(backend.writes).toHaveLength(1);
    await store.forget('network.vpc');
    await store.setAccount('123456789012');
    expect(backend.writes).toHaveLength(1);
  });

  it('refuses to re-home a state, saying whose it is', async () => {
    const backend = new MemoryBackend();
    backend.stored = { text: JSON.stringify(STATE), version: '1' };
    const store = await StateStore.openIn(asBackend(backend), { stack: 'demo', region: 'eu-west-3' });
    const error = await rejectionOf(store.setAccount('999999999999'), StateError);
    expect(error.message).toBe('state file memory://demo belongs to account 123456789012; refusing to change it to 999999999999');
    expect(error.hint).toBe('Use the credentials of that account, or --state for a state file of this one.');
  });

  it('joins changes made while a save is in flight into one next save', async () => {
    const backend = new MemoryBackend();
    const store = await StateStore.openIn(asBackend(backend), { stack: 'demo', region: 'eu-west-3' });
    backend.hold();
    const first = store.record('network.vpc', { id: 'vpc-1' });
    await new Promise((resolve) => setImmediate(resolve));
    const rest = Array.from({ length: 20 }, (_, i) => store.record(`alb.rule${i}`, { id: `r-${i}` }));
    backend.open();
    await Promise.all([first, ...rest]);
    expect(backend.writes).toHaveLength(2);
    expect(Object.keys((JSON.parse(backend.writes[1]!) as StateFile).resources)).toHaveLength(21);
  });

  it('drops attributes set to undefined, and refuses a record it would not read back', async () => {
    const store = await StateStore.openIn(asBackend(new MemoryBackend()), { stack: 'demo', region: 'eu-west-3' });
    await store.record('nat.instance', { id: 'i-1', token: 'tok' });
    await store.update('nat.instance', { token: undefined });
    expect(store.get('nat.instance')).toEqual({ id: 'i-1' });
    expect(Object.keys(store.get('nat.instance')!)).toEqual(['id']);
    const error = await rejectionOf(store.record('nat.instance', { id: 5 } as unknown as { id: string }), EngineError);
    expect(error.message).toMatch(/^state record "nat\.instance" is invalid: Invalid input: expected string/);
  });

  it('stops with STATE_MOVED when the stack\'s state lives elsewhere', async () => {
    const backend = new MemoryBackend();
    backend.moved = { message: 'the state of demo moved to s3://b/k', hint: 'set state.backend' };
    const error = await rejectionOf(StateStore.openIn(asBackend(backend), { stack: 'demo', region: 'eu-west-3' }), StateBackendError);
    expect(error.code).toBe('STATE_MOVED');
    expect(error.message).toBe('the state of demo moved to s3://b/k');
    expect(error.hint).toBe('set state.backend');
  });
});
