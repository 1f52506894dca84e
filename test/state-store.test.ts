import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { StateError } from '../src/errors';
import { checkIdentity } from '../state/identity';
import { StateStore } from '../state/store';
import { exists } from './helpers/files';
import { rejectionOf } from './helpers/rejection';

const expect_ = { stack: 'dev', region: 'eu-west-1' };

let dir: string;
let path: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shipline-state-'));
  path = join(dir, '.shipline', 'dev.json');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});


function validState(resources: Record<string, Record<string, string>> = {}, stack = 'dev'): string {
  return `${JSON.stringify({
    version: 1,
    stack,
    region: 'eu-west-1',
    accountId: '123456789012',
    resources,
    updatedAt: '2025-01-01T00:00:00.000Z',
  })}\n`;
}

const stateError = (promise: Promise<unknown>) => rejectionOf(promise, StateError);

describe('StateStore round trip', () => {
  it('writes nothing until the first change, then creates the directory', async () => {
    const store = await StateStore.open(path, expect_);
    expect(store.keys()).toEqual([]);
    expect(store.accountId).toBeNull();
    expect(await exists(join(dir, '.shipline'))).toBe(false);

    await store.record('network.vpc', { id: 'vpc-1' });
    expect(await exists(path)).toBe(true);
  });

  it('persists record, update and forget, with sorted keys and updatedAt', async () => {
    const before = Date.now();
    const store = await StateStore.open(path, expect_);
    await store.setAccount('123456789012');
    await store.record('nat.instance', { id: 'i-1', token: 'tok' });
    await store.record('network.vpc', { id: 'vpc-1', arn: 'arn:vpc', cidr: '10.0.0.0/16' });
    await store.record('alb.targetGroup.dev', { arn: 'arn:tg' });
    await store.record('network.subnet.a', { id: 'subnet-a' });
    await store.update('network.vpc', { id: 'vpc-2', arn: undefined });
    await store.forget('network.subnet.a');
    await store.forget('network.absent');

    const reopened = await StateStore.open(path, expect_);
    expect(reopened.keys()).toEqual(['alb.targetGroup.dev', 'nat.instance', 'network.vpc']);
    expect(reopened.keys('network.')).toEqual(['network.vpc']);
    expect(reopened.get('network.vpc')).toEqual({ id: 'vpc-2', cidr: '10.0.0.0/16' });
    expect(reopened.get('nat.instance')).toEqual({ id: 'i-1', token: 'tok' });
    expect(reopened.get('network.subnet.a')).toBeUndefined();
    expect(reopened.accountId).toBe('123456789012');
    expect(reopened.region).toBe('eu-west-1');
    expect(reopened.stack).toBe('dev');
    expect(Date.parse(reopened.snapshot().updatedAt)).toBeGreaterThanOrEqual(before - 1000);

    // Readable diffs: pretty, resource keys sorted on disk, trailing newline.
    const text = await readFile(path, 'utf8');
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).toContain('\n  "resources": {\n    "alb.targetGroup.dev"');
    expect(Object.keys((JSON.parse(text) as { resources: object }).resources)).toEqual([
      'alb.targetGroup.dev',
      'nat.instance',
      'network.vpc',
    ]);
  });

  it('hands out copies, so changing them does not change the state', async () => {
    const store = await StateStore.open(path, expect_);
    await store.record('network.vpc', { id: 'vpc-1' });
    const rec = store.get('network.vpc');
    if (rec) rec.id = 'changed';
    store.snapshot().resources['network.vpc'] = { id: 'changed' };
    expect(store.get('network.vpc')).toEqual({ id: 'vpc-1' });
  });

  it('persists all of 50 concurrent record() calls', async () => {
    const store = await StateStore.open(path, expect_);
    await Promise.all(Array.from({ length: 50 }, (_, i) => store.record(`step${i}.res`, { id: `id-${i}` })));

    const reopened = await StateStore.open(path, expect_);
    expect(reopened.keys()).toHaveLength(50);
    for (let i = 0; i < 50; i++) expect(reopened.get(`step${i}.res`)).toEqual({ id: `id-${i}` });
  });

  it('resolves each record() only once its change is on disk', async () => {
    const store = await StateStore.open(path, expect_);
    await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        await store.record(`s${i}.r`, { id: String(i) });
        const onDisk = JSON.parse(await readFile(path, 'utf8')) as { resources: Record<string, unknown> };
        expect(onDisk.resources[`s${i}.r`]).toEqual({ id: String(i) });
      }),
    );
  });

  it('rejects a key that is not "<step>.<resource>"', async () => {
    const store = await StateStore.open(path, expect_);
    await expect(store.record('novpc', { id: 'x' })).rejects.toThrow(/<step>\.<resource>/);
    expect(await exists(path)).toBe(false);
  });
});

describe('StateStore .bak', () => {
  it('copies the file as opened on the first save and leaves it alone afterwards', async () => {
    const original = validState({ 'network.vpc': { id: 'vpc-old' } });
    await writeFileInDir(path, original);

    const store = await StateStore.open(path, expect_);
    await store.record('network.vpc', { id: 'vpc-new' });
    expect(await readFile(`${path}.bak`, 'utf8')).toBe(original);

    await store.record('nat.instance', { id: 'i-1' });
    await store.forget('network.vpc');
    expect(await readFile(`${path}.bak`, 'utf8')).toBe(original);
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ resources: { 'nat.instance': { id: 'i-1' } } });
  });

  it('writes no .bak when there was no file before the run', async () => {
    const store = await StateStore.open(path, expect_);
    await store.record('network.vpc', { id: 'vpc-1' });
    await store.record('network.igw', { id: 'igw-1' });
    expect(await exists(`${path}.bak`)).toBe(false);
  });
});

describe('StateStore validation', () => {
  it('reports truncated JSON as STATE_CORRUPT with the path and the .bak restore command', async () => {
    const full = validState({ 'network.vpc': { id: 'vpc-1' } });
    await writeFileInDir(path, full.slice(0, full.length / 2));
    await writeFile(`${path}.bak`, full);

    const error = await stateError(StateStore.open(path, expect_));
    expect(error.code).toBe('STATE_CORRUPT');
    expect(error.message).toContain(path);
    expect(error.hint).toContain(`cp ${path}.bak ${path}`);
  });

  it('without a usable .bak, says to delete the file and let provision adopt by tags', async () => {
    await writeFileInDir(path, '{"version": 1, "sta');
    await writeFile(`${path}.bak`, 'also garbage');

    const error = await stateError(StateStore.open(path, expect_));
    expect(error.code).toBe('STATE_CORRUPT');
    expect(error.hint).not.toContain('cp ');
    expect(error.hint).toMatch(/Delete .*dev\.json.*adopts/);
  });

  it('reports an empty file as STATE_CORRUPT', async () => {
    await writeFileInDir(path, '');
    expect((await stateError(StateStore.open(path, expect_))).code).toBe('STATE_CORRUPT');
  });

  it('reports an unknown version as STATE_VERSION, naming both versions', async () => {
    await writeFileInDir(path, JSON.stringify({ version: 99, stack: 'dev', whatever: true }));
    const error = await stateError(StateStore.open(path, expect_));
    expect(error.code).toBe('STATE_VERSION');
    expect(error.message).toContain(path);
    expect(error.message).toMatch(/version 99.*reads version 1/);
  });

  it('reports another stack as STATE_STACK_MISMATCH, naming both stacks', async () => {
    await writeFileInDir(path, validState({}, 'prod'));
    const error = await stateError(StateStore.open(path, expect_));
    expect(error.code).toBe('STATE_STACK_MISMATCH');
    expect(error.message).toContain('"prod"');
    expect(error.message).toContain('"dev"');
    expect(error.hint).toContain('--state');
  });

  it('reports a schema violation as STATE_CORRUPT naming the field', async () => {
    const bad = JSON.parse(validState()) as Record<string, unknown>;
    bad.resources = { 'network.vpc': { id: 42 } };
    await writeFileInDir(path, JSON.stringify(bad));

    const error = await stateError(StateStore.open(path, expect_));
    expect(error.code).toBe('STATE_CORRUPT');
    expect(error.message).toContain(path);
    expect(error.message).toContain('resources["network.vpc"].id');
  });

  it('reports a missing field as STATE_CORRUPT naming it', async () => {
    const bad = JSON.parse(validState()) as Record<string, unknown>;
    delete bad.region;
    await writeFileInDir(path, JSON.stringify(bad));
    const error = await stateError(StateStore.open(path, expect_));
    expect(error.code).toBe('STATE_CORRUPT');
    expect(error.message).toMatch(/at region:/);
  });

  it('readOnly validates too, and returns undefined for a missing file', async () => {
    expect(await StateStore.readOnly(path)).toBeUndefined();
    await writeFileInDir(path, validState({ 'network.vpc': { id: 'vpc-1' } }));
    const reader = await StateStore.readOnly(path);
    expect(reader?.get('network.vpc')).toEqual({ id: 'vpc-1' });

    await writeFile(path, '{');
    expect((await stateError(StateStore.readOnly(path))).code).toBe('STATE_CORRUPT');
  });

  it('reports a failed save as STATE_IO with the path and the OS error code', async () => {
    // A directory appears where the state file should be: the rename onto it fails.
    const blocked = join(dir, 'blocked.json');
    const store = await StateStore.open(blocked, expect_);
    await writeFileInDir(join(blocked, 'x'), '');
    const error = await stateError(store.record('network.vpc', { id: 'vpc-1' }));
    expect(error.code).toBe('STATE_IO');
    expect(error.message).toContain(blocked);
    expect(error.message).toMatch(/E[A-Z]+/);
    // A failed save does not stop later ones from being attempted (and reporting the same way).
    expect((await stateError(store.record('network.igw', { id: 'igw-1' }))).code).toBe('STATE_IO');
  });
});

describe('checkIdentity', () => {
  async function storeWith(accountId: string | null): Promise<StateStore> {
    const store = await StateStore.open(path, expect_);
    if (accountId) await store.setAccount(accountId);
    return store;
  }

  it('stops on another account, naming both', async () => {
    const store = await storeWith('111111111111');
    let error: unknown;
    try {
      checkIdentity(store, { accountId: '222222222222', region: 'eu-west-1' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StateError);
    expect((error as StateError).code).toBe('STATE_ACCOUNT_MISMATCH');
    expect((error as StateError).message).toContain(
      `state file ${path} belongs to account 111111111111, but the credentials are for account 222222222222`,
    );
    expect((error as StateError).hint).toContain('AWS_PROFILE');
  });

  it('stops on another region', async () => {
    const store = await storeWith('111111111111');
    expect(() => checkIdentity(store, { accountId: '111111111111', region: 'us-east-1' })).toThrow(
      expect.objectContaining({ code: 'STATE_REGION_MISMATCH' }),
    );
  });

  it('passes when account and region match', async () => {
    const store = await storeWith('111111111111');
    expect(() => checkIdentity(store, { accountId: '111111111111', region: 'eu-west-1' })).not.toThrow();
  });

  it('passes with no account recorded yet', async () => {
    const store = await storeWith(null);
    expect(() => checkIdentity(store, { accountId: '333333333333', region: 'eu-west-1' })).not.toThrow();
  });

  it('setAccount refuses to re-home a state to another account', async () => {
    const store = await storeWith('111111111111');
    expect((await stateError(store.setAccount('222222222222'))).code).toBe('STATE_ACCOUNT_MISMATCH');
  });
});

async function writeFileInDir(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, text);
}
