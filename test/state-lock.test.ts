import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { LockError } from '../src/errors';
import { acquireLock, readLock, type LockHolder } from '../state/lock';
import { compiledEnv, compiledProject, removeCompiledProject } from './helpers/compiled-cli';
import { deadPid } from './helpers/dead-pid';
import { exists } from './helpers/files';
import { rejectionOf } from './helpers/rejection';

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

afterAll(removeCompiledProject);


const lockError = (promise: Promise<unknown>) => rejectionOf(promise, LockError);


/**
 * A real process that took the lock with shipline's own code and was then SIGKILLed, and that
 * nobody has reaped: its parent is `sleep`, which never waits for children. `reap` ends the sleep,
 * so init adopts and reaps the zombie.
 */
async function zombieHolder(state: string): Promise<{ pid: number; reap(): void }> {
  const lockModule = join(compiledProject(), 'state', 'lock.js');
  const script = `require(${JSON.stringify(lockModule)}).acquireLock(${JSON.stringify(state)}, { command: 'provision' }).then(() => { console.log('locked'); setInterval(() => {}, 1000); })`;
  const shell = spawn('sh', ['-c', 'node -e "$HOLDER" & echo $!; exec sleep 60'], { env: compiledEnv({ HOLDER: script }), stdio: ['ignore', 'pipe', 'inherit'] });
  const pid = await new Promise<number>((resolve, reject) => {
    let out = '';
    shell.stdout.on('data', (chunk: Buffer) => {
      out += String(chunk);
      const [first] = out.split('\n');
      if (first && /^\d+$/.test(first) && out.includes('locked')) resolve(Number(first));
    });
    shell.once('exit', () => reject(new Error(`holder did not lock: ${out}`)));
  });
  process.kill(pid, 'SIGKILL');
  // SIGKILL is delivered asynchronously: wait (briefly) until the kernel shows the zombie.
  // Under load the kernel may take a while to run the killed process's exit: allow ten seconds.
  for (let i = 0; i < 1000 && !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8')); i++) await new Promise((r) => setTimeout(r, 10));
  expect(readFileSync(`/proc/${pid}/stat`, 'utf8')).toMatch(/\) Z /);
  return { pid, reap: () => void shell.kill('SIGKILL') };
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

  it('takes over a lock whose process is gone from this host, naming the dead holder', async () => {
    const first = await acquireLock(statePath, { command: 'provision' });
    const pid = await deadPid();
    const dead: LockHolder = { ...first.holder, pid, command: 'destroy' };
    await writeHolder(dead);

    const lock = await acquireLock(statePath, { command: 'provision' });
    expect(lock.recovered).toEqual({ holder: dead, reason: 'that process no longer exists' });
    expect(lock.forced).toBe(false);
    expect(await readLock(statePath)).toEqual(lock.holder);
    await lock.release();
    expect(await exists(lockPath)).toBe(false);
  });

  it('takes over a lock whose pid now runs a process started after the lock was taken', async () => {
    const lock = await acquireLock(statePath, { command: 'x' });
    await lock.release();
    // This very process, but "locked" a minute before it started: the pid was reused since. (A
    // lock of an older shipline, which recorded no start time of its own: the lock's time decides.)
    const started = Date.now() - process.uptime() * 1000;
    const { startTicks: _ticks, bootId: _boot, ...older } = lock.holder;
    const before: LockHolder = { ...older, startedAt: new Date(started - 60_000).toISOString() };
    await writeHolder(before);
    const taken = await acquireLock(statePath, { command: 'provision' });
    expect(taken.recovered?.reason).toContain('started after the lock');
    await taken.release();
  });

  it('records its start time and boot, and takes over a lock whose pid now runs another process', async () => {
    if (process.platform !== 'linux') return; // start times are read from /proc
    const lock = await acquireLock(statePath, { command: 'x' });
    await lock.release();
    expect(lock.holder).toMatchObject({ startTicks: expect.any(Number), bootId: expect.any(String) });
    await writeHolder({ ...lock.holder, startTicks: (lock.holder.startTicks ?? 0) + 1 });
    const taken = await acquireLock(statePath, { command: 'provision' });
    expect(taken.recovered?.reason).toContain('started after the lock');
    await taken.release();
  });

  it('does not take over a live holder that merely started before its lock (the usual case)', async () => {
    const lock = await acquireLock(statePath, { command: 'x' });
    await lock.release();
    await writeHolder({ ...lock.holder, pid: process.pid, startedAt: new Date().toISOString() });
    expect((await lockError(acquireLock(statePath, { command: 'provision' }))).code).toBe('LOCK_HELD');
  });

  it('takes over the lock of a SIGKILLed holder that is still a zombie (not reaped yet)', async () => {
    if (process.platform !== 'linux') return; // zombies are read from /proc
    const holder = await zombieHolder(statePath);
    try {
      const lock = await acquireLock(statePath, { command: 'provision' });
      expect(lock.recovered?.holder.pid).toBe(holder.pid);
      expect(lock.recovered?.reason).toContain('zombie');
      await lock.release();
    } finally {
      holder.reap();
    }
  }, 120_000); // compiles the lock module and starts real processes

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
