// What the lock tells a user who cannot take it, or who breaks it (`state unlock --force`): who
// holds it and since when, what is wrong with a lock file that names no one, and which path an I/O
// failure is about. state-lock.test.ts proves the takeovers; this, the words and the edges.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { LockError, StateError } from '../src/errors';
import { acquireLock, breakLock, isSame, readLock, since, type LockHolder } from '../state/lock';
import { exists } from './helpers/files';
import { rejectionOf } from './helpers/rejection';

let dir: string;
let statePath: string;
let lockPath: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shipline-lock-'));
  statePath = join(dir, '.shipline', 'dev.json');
  lockPath = `${statePath}.lock`;
  await mkdir(join(dir, '.shipline'));
});

afterEach(async () => {
  jest.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});


const failure = (promise: Promise<unknown>) => rejectionOf(promise, Error);

/** A live holder: this very process, on another host or this one. */
const holder = (over: Partial<LockHolder> = {}): LockHolder => ({
  pid: process.pid,
  user: 'ana',
  host: 'build-7',
  command: 'destroy',
  startedAt: '2026-01-02T03:04:05.000Z',
  ...over,
});

describe('since', () => {
  const at = (iso: string, now: string) => {
    jest.spyOn(Date, 'now').mockReturnValue(Date.parse(now));
    return since(iso);
  };
  it('says how long ago, in words that fit the age', () => {
    expect(at('2026-01-02T03:04:05.000Z', '2026-01-02T03:04:50.000Z')).toBe('2026-01-02T03:04:05.000Z, just now');
    expect(at('2026-01-02T03:04:05.000Z', '2026-01-02T03:05:05.000Z')).toBe('2026-01-02T03:04:05.000Z, 1 min ago');
    expect(at('2026-01-02T03:04:05.000Z', '2026-01-02T05:03:05.000Z')).toBe('2026-01-02T03:04:05.000Z, 119 min ago');
    expect(at('2026-01-02T03:04:05.000Z', '2026-01-02T05:04:05.000Z')).toBe('2026-01-02T03:04:05.000Z, 2 h ago');
    expect(at('2026-01-02T03:04:05.000Z', '2026-01-02T06:34:05.000Z')).toBe('2026-01-02T03:04:05.000Z, 3 h ago');
  });

  it('gives a time it cannot place (unreadable, or in the future) as it is', () => {
    expect(at('yesterday', '2026-01-02T03:04:05.000Z')).toBe('yesterday');
    expect(at('2026-01-02T03:04:06.000Z', '2026-01-02T03:04:05.000Z')).toBe('2026-01-02T03:04:06.000Z');
    expect(at('2026-01-02T03:04:05.000Z', '2026-01-02T03:04:05.000Z')).toBe('2026-01-02T03:04:05.000Z, just now');
  });
});

describe('a lock held by another run', () => {
  it('names the holder, its command and since when; on another host, says to wait for it there', async () => {
    jest.spyOn(Date, 'now').mockReturnValue(Date.parse('2026-01-02T03:16:05.000Z'));
    await writeFile(lockPath, JSON.stringify(holder()));
    const error = await failure(acquireLock(statePath, { command: 'provision' }));
    expect(error).toBeInstanceOf(LockError);
    expect(error.message).toBe(
      `stack "dev" is locked by pid ${process.pid} (ana@build-7, "destroy", since 2026-01-02T03:04:05.000Z, 12 min ago); whether it is still running cannot be known: it runs on another host (build-7) (${lockPath})`,
    );
    expect((error as LockError).hint).toBe('That run is on build-7: wait for it to finish. If you are sure it is dead, re-run with --force-unlock.');
  });

  it('on this host: says to wait for it, and a holder without a user name shows "?"', async () => {
    // This very process, locked since now: alive.
    const startedAt = new Date().toISOString();
    await writeFile(lockPath, JSON.stringify(holder({ host: hostname(), user: null, startedAt })));
    const error = (await failure(acquireLock(statePath, { command: 'provision' }))) as LockError;
    expect(error.code).toBe('LOCK_HELD');
    expect(error.message).toContain(`(?@${hostname()}, "destroy", since ${startedAt}`);
    expect(error.message).not.toContain('cannot be known');
    expect(error.hint).toBe('Wait for that run to finish. If you are sure it is dead, re-run with --force-unlock.');
    expect(JSON.parse(await readFile(lockPath, 'utf8'))).toMatchObject({ user: null });
  });
});

describe('a lock file that names no holder', () => {
  it.each([
    ['empty', '', 'is empty'],
    ['blank', ' \n', 'is empty'],
    ['not JSON', 'locked!', 'does not name a holder'],
    ['JSON of something else', '{"owner":"ana"}', 'does not name a holder'],
    ['a holder with pid 0 (a process group)', JSON.stringify(holder({ pid: 0 })), 'does not name a holder'],
  ])('%s: treated as locked, saying why and how to clear it', async (_what, text, reason) => {
    await writeFile(lockPath, text);
    const expected = `lock file ${lockPath} exists but ${reason}, so stack "dev" is treated as locked`;
    const error = (await failure(acquireLock(statePath, { command: 'provision' }))) as LockError;
    expect(error.message).toBe(expected);
    expect(error.hint).toBe(`If no shipline run is active on this stack, delete ${lockPath} (or re-run with --force-unlock).`);
    expect((await failure(readLock(statePath))).message).toBe(expected);
    expect(await readFile(lockPath, 'utf8')).toBe(text);
  });

  it('one that cannot be read names the error', async () => {
    await mkdir(lockPath);
    const error = await failure(readLock(statePath));
    expect(error.message).toBe(`lock file ${lockPath} exists but cannot be read (EISDIR), so stack "dev" is treated as locked`);
  });
});

describe('breakLock (state unlock --force)', () => {
  it('no lock: nothing to break', async () => {
    expect(await breakLock(statePath)).toBeUndefined();
  });

  it('removes the lock and says whose it was', async () => {
    await writeFile(lockPath, JSON.stringify(holder()));
    expect(await breakLock(statePath)).toEqual(holder());
    expect(await exists(lockPath)).toBe(false);
  });

  it('removes a lock file that names no one', async () => {
    await writeFile(lockPath, '');
    expect(await breakLock(statePath)).toBeUndefined();
    expect(await exists(lockPath)).toBe(false);
  });

  it('with the holder the user confirmed: removed only while that is still the holder', async () => {
    await writeFile(lockPath, JSON.stringify(holder()));
    expect(await breakLock(statePath, holder())).toEqual(holder());
    await writeFile(lockPath, JSON.stringify(holder({ command: 'provision', startedAt: '2026-01-02T04:00:00.000Z' })));
    const error = (await failure(breakLock(statePath, holder()))) as LockError;
    expect(error.code).toBe('LOCK_HELD');
    expect(error.message).toBe(`the lock of stack "dev" changed while you were confirming (${lockPath})`);
    expect(error.hint).toBe('Look again with `shipline state unlock`.');
    expect(await exists(lockPath)).toBe(true);
    await writeFile(lockPath, 'garbled');
    await expect(breakLock(statePath, holder())).rejects.toThrow('changed while you were confirming');
  });
});

describe('isSame', () => {
  it('is the same holder by pid, start and host, whatever the command', () => {
    expect(isSame(holder(), holder({ command: 'provision', user: 'bo' }))).toBe(true);
    expect(isSame(holder(), holder({ pid: process.pid + 1 }))).toBe(false);
    expect(isSame(holder(), holder({ startedAt: '2026-01-02T03:04:06.000Z' }))).toBe(false);
    expect(isSame(holder(), holder({ host: 'build-8' }))).toBe(false);
  });
});

describe('I/O failures', () => {
  it('a state directory that cannot be made: a StateError naming the path, the errno in words, and what to check', async () => {
    await writeFile(join(dir, 'file'), '');
    const inFile = join(dir, 'file', '.shipline', 'dev.json');
    const error = (await failure(acquireLock(inFile, { command: 'provision' }))) as StateError;
    expect(error).toBeInstanceOf(StateError);
    expect(error.code).toBe('STATE_IO');
    expect(error.message).toBe(`cannot create the directory of ${inFile}.lock: ENOTDIR (a part of the path is a file, not a directory)`);
    expect(error.hint).toBe(`Check that ${join(dir, 'file', '.shipline')} is writable and the disk is not full.`);
  });
});
