// The lock in the windows no real test can hit on purpose: another run acting between two of our
// file calls (a lock released between our refused create and our look, a lock taken over between
// our look and our rename), a holder still writing its file, and file calls that fail. The file
// system is the real one; `node:fs/promises` is wrapped so a test can act just before a call.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { LockError, StateError } from '../src/errors';
import type { ProcessProbe } from '../state/holder-liveness';
import { acquireLock, breakLock, newHolder, readLock, type LockHolder } from '../state/lock';
import { rejectionOf } from './helpers/rejection';

type FsCall = 'open' | 'rename' | 'rm' | 'link';
/** Runs once, just before the next call of that name: may throw in its place, or answer for it. */
const before = new Map<FsCall, () => Promise<unknown>>();
jest.mock('node:fs/promises', () => {
  const real = jest.requireActual<typeof import('node:fs/promises')>('node:fs/promises');
  const wrap = <A extends unknown[], R>(name: FsCall, fn: (...args: A) => Promise<R>) => async (...args: A): Promise<R> => {
    const hook = before.get(name);
    if (hook) {
      before.delete(name);
      const answer = await hook();
      if (answer !== undefined) return answer as R;
    }
    return fn(...args);
  };
  return { ...real, open: wrap('open', real.open), rename: wrap('rename', real.rename), rm: wrap('rm', real.rm), link: wrap('link', real.link) };
});

let dir: string;
let statePath: string;
let lockPath: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shipline-lock-races-'));
  statePath = join(dir, 'demo.json');
  lockPath = `${statePath}.lock`;
  before.clear();
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});


const errno = (code: string) => Object.assign(new Error(`${code}: injected`), { code });
/**
 * A holder on this host whose pid the probe reports gone: pid 1, which the system itself never
 * would: it started before the lock, and without a recorded process start that makes it the holder.
 */
const deadHolder = (): LockHolder => ({ pid: 1, user: 'ann', host: hostname(), command: 'provision', startedAt: new Date().toISOString() });
/** This host, where every pid but ours is gone. */
const allDead: ProcessProbe = {
  hostname,
  platform: 'linux',
  signal0: (pid) => {
    if (pid !== process.pid) throw errno('ESRCH');
  },
  readText: () => undefined,
  clockTicksPerSecond: 100,
};

describe('the lock between two of our calls', () => {
  it('a lock released between our refused create and our look: held "a moment ago", run again', async () => {
    await writeFile(lockPath, JSON.stringify(newHolder('destroy')));
    // The create is refused (the file exists); the holder releases it before we look.
    before.set('open', async () => {
      await rm(lockPath);
      throw errno('EEXIST');
    });
    const error = await rejectionOf(acquireLock(statePath, { command: 'provision' }), LockError);
    expect(error.code).toBe('LOCK_HELD');
    expect(error.message).toBe(`stack "demo" was locked by another run a moment ago (${lockPath})`);
    expect(error.hint).toBe('Run again.');
  });

  it('a holder still writing its lock file is waited for, then named', async () => {
    const holder = { ...newHolder('destroy'), pid: process.pid };
    await writeFile(lockPath, '');
    setTimeout(() => void writeFile(lockPath, JSON.stringify(holder)), 20);
    const error = await rejectionOf(acquireLock(statePath, { command: 'provision' }), LockError);
    expect(error.message).toMatch(new RegExp(`^stack "demo" is locked by pid ${process.pid} \\(.+@${hostname()}, "destroy", since .+\\) \\(${lockPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)$`));
  });

  it('a dead holder\'s lock taken over by another run between our look and our rename is given back', async () => {
    const dead = deadHolder();
    await writeFile(lockPath, JSON.stringify(dead));
    const winner = { ...newHolder('destroy'), pid: process.pid, startedAt: '2026-06-01T00:00:00.000Z' };
    before.set('rename', async () => {
      await writeFile(lockPath, JSON.stringify(winner));
    });
    const error = await rejectionOf(acquireLock(statePath, { command: 'provision', probe: allDead }), LockError);
    expect(error.message).toContain(`locked by pid ${process.pid}`);
    expect(await readLock(statePath)).toEqual(winner);
  });

  it('a dead holder\'s lock released before our rename: we simply take it', async () => {
    await writeFile(lockPath, JSON.stringify(deadHolder()));
    before.set('rename', async () => {
      await rm(lockPath);
    });
    const lock = await acquireLock(statePath, { command: 'provision', probe: allDead });
    expect(await readLock(statePath)).toEqual(lock.holder);
    expect(lock.recovered).toMatchObject({ holder: { pid: 1 } });
    await lock.release();
  });

  it('a dead holder\'s lock is taken over with the probe given, leaving nothing moved aside behind', async () => {
    await writeFile(lockPath, JSON.stringify(deadHolder()));
    const lock = await acquireLock(statePath, { command: 'provision', probe: allDead });
    expect(lock.recovered?.holder.pid).toBe(1);
    expect((await readdir(dir)).filter((f) => f.endsWith('.stale'))).toEqual([]);
    await lock.release();
  });

  it('a lock another run is still writing when we move it aside is given back, and named unreadable', async () => {
    await writeFile(lockPath, JSON.stringify(deadHolder()));
    before.set('rename', async () => {
      await writeFile(lockPath, '');
    });
    const error = await rejectionOf(acquireLock(statePath, { command: 'provision', probe: allDead }), LockError);
    expect(error.message).toContain('exists but is empty');
    expect(await readFile(lockPath, 'utf8')).toBe('');
  });

  it('a lock removed by `state unlock --force` before our release: the release is quiet and removes nothing', async () => {
    const lock = await acquireLock(statePath, { command: 'provision' });
    await breakLock(statePath);
    await expect(lock.release()).resolves.toBeUndefined();
    const next = await acquireLock(statePath, { command: 'destroy' });
    await lock.release();
    expect(await readLock(statePath)).toEqual(next.holder);
    await next.release();
  });

  it('force over a lock that names no holder: forced, with no previous holder', async () => {
    await writeFile(lockPath, 'garbage');
    const lock = await acquireLock(statePath, { command: 'provision', force: true });
    expect(lock.forced).toBe(true);
    expect(lock.previous).toBeUndefined();
    await lock.release();
  });
});

describe('file calls that fail', () => {
  it('a lock that cannot be created names the file and the error', async () => {
    before.set('open', async () => {
      throw errno('EACCES');
    });
    const error = await rejectionOf(acquireLock(statePath, { command: 'provision' }), StateError);
    expect(error.message).toMatch(new RegExp(`^cannot create the lock ${lockPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
    expect(error.message).toContain('EACCES');
  });

  it('a lock that cannot be moved aside names the file', async () => {
    await writeFile(lockPath, JSON.stringify(deadHolder()));
    before.set('rename', async () => {
      throw errno('EIO');
    });
    const error = await rejectionOf(acquireLock(statePath, { command: 'provision', probe: allDead }), StateError);
    expect(error.message).toMatch(/^cannot move aside the lock .+: /);
    expect(error.message).toContain('EIO');
  });

  it('a lock that cannot be removed by force names the file, and the lock stays', async () => {
    await writeFile(lockPath, JSON.stringify(newHolder('destroy')));
    before.set('rm', async () => {
      throw errno('EBUSY');
    });
    const error = await rejectionOf(acquireLock(statePath, { command: 'provision', force: true }), StateError);
    expect(error.message).toMatch(/^cannot remove the lock .+: /);
    expect(await readFile(lockPath, 'utf8')).toContain('"destroy"');
  });

  it('a lock whose holder cannot be written is removed, naming the file', async () => {
    before.set('open', async () => {
      const real = jest.requireActual<typeof import('node:fs/promises')>('node:fs/promises');
      const handle = await real.open(lockPath, 'wx', 0o644);
      return Object.assign(Object.create(handle) as object, {
        writeFile: () => Promise.reject(errno('ENOSPC')),
        close: () => handle.close(),
      });
    });
    const error = await rejectionOf(acquireLock(statePath, { command: 'provision' }), StateError);
    expect(error.message).toMatch(/^cannot write the lock .+: /);
    expect(error.message).toContain('ENOSPC');
    expect(await readdir(dir)).toEqual([]);
  });

  it('a release, a break and a takeover whose remove fails name the file', async () => {
    const lock = await acquireLock(statePath, { command: 'provision' });
    before.set('rm', async () => {
      throw errno('EBUSY');
    });
    expect((await rejectionOf(lock.release(), StateError)).message).toMatch(/^cannot remove the lock .+: .*EBUSY/);
    before.set('rm', async () => {
      throw errno('EBUSY');
    });
    expect((await rejectionOf(breakLock(statePath), StateError)).message).toMatch(/^cannot remove the lock .+: .*EBUSY/);
    await breakLock(statePath);
    await writeFile(lockPath, JSON.stringify(deadHolder()));
    before.set('rm', async () => {
      throw errno('EBUSY');
    });
    expect((await rejectionOf(acquireLock(statePath, { command: 'provision', probe: allDead }), StateError)).message).toMatch(/^cannot remove the old lock .+\.stale: .*EBUSY/);
  });

  it('names the stack after its state file, whatever else the name holds', async () => {
    const odd = join(dir, 'team.json.d');
    await mkdir(odd);
    const state = join(odd, 'prod.json');
    await writeFile(`${state}.lock`, '');
    const error = await rejectionOf(acquireLock(state, { command: 'provision' }), LockError);
    expect(error.message).toContain('so stack "prod" is treated as locked');
    const other = join(dir, 'prod.json.old');
    await writeFile(`${other}.lock`, 'x');
    expect((await rejectionOf(acquireLock(other, { command: 'provision' }), LockError)).message).toContain('so stack "prod.json.old" is treated as locked');
  });
});
