import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { LockError } from '../src/errors';
import { acquireLock, readLock, type LockHolder } from '../state/lock';

let dir: string;
let statePath: string;
let lockPath: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shipline-lock-'));
  statePath = join(dir, '.shipline', 'dev.json');
  lockPath = `${statePath}.lock`;
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

/** The LockError `promise` rejects with (fails the test when it resolves or throws something else). */
async function lockError(promise: Promise<unknown>): Promise<LockError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LockError);
  return error as LockError;
}

/** The pid of a process that has exited, so nothing runs under it (barring pid reuse). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not spawn node');
  await new Promise((resolve) => child.once('exit', resolve));
  return pid;
}

async function writeHolder(holder: LockHolder): Promise<void> {
  await writeFile(lockPath, JSON.stringify(holder));
}

describe('acquireLock', () => {
  it('creates the directory and a lock file naming this process', async () => {
    const lock = await acquireLock(statePath, { command: 'provision' });
    expect(lock.path).toBe(lockPath);
    expect(lock.forced).toBe(false);
    const onDisk = JSON.parse(await readFile(lockPath, 'utf8')) as LockHolder;
    expect(onDisk).toMatchObject({ pid: process.pid, host: hostname(), command: 'provision' });
    expect(Number.isNaN(Date.parse(onDisk.startedAt))).toBe(false);
    expect(await readLock(statePath)).toEqual(onDisk);
    await lock.release();
  });

  it('refuses a second acquire while this live process holds it: LOCK_HELD with pid and host', async () => {
    const first = await acquireLock(statePath, { command: 'provision' });
    const error = await lockError(acquireLock(statePath, { command: 'destroy' }));
    expect(error.code).toBe('LOCK_HELD');
    expect(error.message).toContain(`pid ${process.pid}`);
    expect(error.message).toContain(`@${hostname()}`);
    expect(error.message).toContain('"provision"');
    expect(error.message).toContain(lockPath);
    expect(error.hint).toContain('--force-unlock');
    // The failed attempt left the holder's lock alone.
    expect(await readLock(statePath)).toEqual(first.holder);
    await first.release();
  });

  it('reports a lock of a dead process on this host as LOCK_STALE', async () => {
    const first = await acquireLock(statePath, { command: 'provision' });
    const pid = await deadPid();
    await writeHolder({ ...first.holder, pid, command: 'destroy' });

    const error = await lockError(acquireLock(statePath, { command: 'provision' }));
    expect(error.code).toBe('LOCK_STALE');
    expect(error.message).toContain(`pid ${pid}`);
    expect(error.message).toContain('"destroy"');
    expect(error.message).toContain('gone');
    expect(error.hint).toContain('--force-unlock');
    expect(error.hint).toContain(lockPath);
  });

  it('reports a dead pid on another host as LOCK_HELD: we cannot tell it is dead', async () => {
    const pid = await deadPid();
    await acquireLock(statePath, { command: 'x' }).then((l) => l.release());
    await writeHolder({ pid, user: 'ci', host: 'some-other-host', command: 'provision', startedAt: new Date().toISOString() });
    const error = await lockError(acquireLock(statePath, { command: 'provision' }));
    expect(error.code).toBe('LOCK_HELD');
    expect(error.message).toContain('ci@some-other-host');
  });

  it('reports a garbled lock file as LOCK_HELD with the hint to delete it', async () => {
    await acquireLock(statePath, { command: 'x' }).then((l) => l.release());
    await writeFile(lockPath, 'not json');
    const error = await lockError(acquireLock(statePath, { command: 'provision' }));
    expect(error.code).toBe('LOCK_HELD');
    expect(error.message).toContain(lockPath);
    expect(error.hint).toContain(`delete ${lockPath}`);
  });

  it('takes over a held lock with force, reporting the previous holder', async () => {
    const pid = await deadPid();
    await acquireLock(statePath, { command: 'x' }).then((l) => l.release());
    const stale: LockHolder = { pid, user: 'me', host: hostname(), command: 'destroy', startedAt: '2025-01-01T00:00:00.000Z' };
    await writeHolder(stale);

    const lock = await acquireLock(statePath, { command: 'provision', force: true });
    expect(lock.forced).toBe(true);
    expect(lock.previous).toEqual(stale);
    expect(await readLock(statePath)).toEqual(lock.holder);
    expect(lock.holder.pid).toBe(process.pid);
    await lock.release();
  });

  it('with force and no existing lock, just takes it', async () => {
    const lock = await acquireLock(statePath, { command: 'provision', force: true });
    expect(lock.forced).toBe(false);
    expect(lock.previous).toBeUndefined();
    await lock.release();
  });
});

describe('Lock.release', () => {
  it('removes our own lock, and a second release is fine', async () => {
    const lock = await acquireLock(statePath, { command: 'provision' });
    await lock.release();
    expect(await exists(lockPath)).toBe(false);
    await expect(lock.release()).resolves.toBeUndefined();
    expect(await readLock(statePath)).toBeUndefined();
    // Released means free: the next run gets it.
    const next = await acquireLock(statePath, { command: 'provision' });
    await next.release();
  });

  it('leaves a lock that another holder has taken over', async () => {
    const lock = await acquireLock(statePath, { command: 'provision' });
    const other: LockHolder = { ...lock.holder, startedAt: new Date(Date.now() + 1000).toISOString(), command: 'destroy' };
    await writeHolder(other);

    await lock.release();
    expect(await readLock(statePath)).toEqual(other);
  });

  it('leaves a lock written by another pid', async () => {
    const lock = await acquireLock(statePath, { command: 'provision' });
    const other: LockHolder = { ...lock.holder, pid: process.pid + 1 };
    await writeHolder(other);
    await lock.release();
    expect(await exists(lockPath)).toBe(true);
  });
});

describe('readLock', () => {
  it('is undefined without a lock file', async () => {
    expect(await readLock(statePath)).toBeUndefined();
  });
});
