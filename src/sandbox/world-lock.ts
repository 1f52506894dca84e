// The sandbox world's own lock, held for the one call a process applies to the shared world file
// (read, apply, save: a few milliseconds). Same format as the stack's lock (state/lock.ts): a file
// beside the world, created with O_EXCL, naming its holder. Taken synchronously, so that no other
// call of this process runs while it is held; a lock whose holder is provably dead on this host
// (kill -9 in the middle of a save, even before its parent reaped it) is taken over, since no run
// can ever release it.
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { LockError } from '../errors';
import { holderLiveness } from '../../state/holder-liveness';
import { ioError, isSame, lockHolderSchema, lockPathFor, newHolder, since, type LockHolder } from '../../state/lock';
import { errnoCode } from '../../state/util';

export interface WorldLockOptions {
  /** How long to wait for another process's call before giving up (real milliseconds). */
  timeoutMs?: number;
}

/** Other processes hold the lock for one call: a few ms. Minutes means that process is stuck. */
const DEFAULT_TIMEOUT_MS = 60_000;
/** A lock file with no readable holder this old was left by a process killed while writing it. */
const GARBLED_STALE_MS = 5_000;

type Current = { kind: 'absent' } | { kind: 'held'; holder: LockHolder } | { kind: 'garbled'; ageMs: number };

/** Runs `fn` holding the lock of the world file `file`. */
export function withWorldLock<T>(file: string, fn: () => T, options: WorldLockOptions = {}): T {
  const path = lockPathFor(file);
  const holder = acquire(file, path, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  try {
    return fn();
  } finally {
    release(path, holder);
  }
}

function acquire(file: string, path: string, timeoutMs: number): LockHolder {
  const holder = newHolder('sandbox call');
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt += 1) {
    if (create(path, holder)) return holder;
    const current = inspect(path);
    if (current.kind === 'absent') continue; // released in between: try again at once
    if (isStale(current)) {
      takeOver(path, current);
      continue;
    }
    if (Date.now() >= deadline) throw heldError(file, path, current);
    sleep(Math.min(2 ** attempt, 20));
  }
}

function release(path: string, holder: LockHolder): void {
  const current = inspect(path);
  // Never remove a lock that is no longer ours (taken over as stale while this process was stopped).
  if (current.kind === 'held' && isSame(current.holder, holder)) io('remove the lock', path, () => rmSync(path, { force: true }));
}

/** Creates the lock file naming `holder`; false when it exists. */
function create(path: string, holder: LockHolder): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (error) {
    if (errnoCode(error) === 'EEXIST') return false;
    if (errnoCode(error) !== 'ENOENT') throw ioError('create the lock', path, error);
    io('create the directory of', path, () => mkdirSync(dirname(path), { recursive: true }));
    return create(path, holder);
  }
  try {
    writeSync(fd, `${JSON.stringify(holder, null, 2)}\n`);
  } catch (error) {
    rmSync(path, { force: true });
    throw ioError('write the lock', path, error);
  } finally {
    closeSync(fd);
  }
  return true;
}

function inspect(path: string): Current {
  let text: string;
  let ageMs: number;
  try {
    ageMs = Date.now() - statSync(path).mtimeMs;
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return { kind: 'absent' };
    throw ioError('read the lock', path, error);
  }
  try {
    const parsed = lockHolderSchema.safeParse(JSON.parse(text));
    if (parsed.success) return { kind: 'held', holder: parsed.data };
  } catch {
    // Not JSON (yet): garbled, below.
  }
  return { kind: 'garbled', ageMs };
}

function isStale(current: Current): current is Exclude<Current, { kind: 'absent' }> {
  // Provably dead on this host, as the stack's lock decides it: gone, a zombie (killed, not yet reaped), a reused pid.
  if (current.kind === 'held') return holderLiveness(current.holder).verdict === 'dead';
  return current.kind === 'garbled' && current.ageMs > GARBLED_STALE_MS;
}

/**
 * Removes a dead holder's lock. Two processes may find it stale at once: a guard file created
 * with O_EXCL lets one of them remove it, and only if it is still the same dead lock, so that a
 * lock a live process took in between is never removed.
 */
function takeOver(path: string, stale: Exclude<Current, { kind: 'absent' }>): void {
  const guard = `${path}.takeover`;
  if (!create(guard, newHolder('sandbox lock takeover'))) {
    // Another process is taking it over; a guard whose process died is removed like the lock.
    const other = inspect(guard);
    if (isStale(other)) io('remove the stale lock', guard, () => rmSync(guard, { force: true }));
    else sleep(1);
    return;
  }
  try {
    const now = inspect(path);
    const same = now.kind === 'held' && stale.kind === 'held' ? isSame(now.holder, stale.holder) : now.kind === 'garbled' && stale.kind === 'garbled';
    if (same) io('remove the stale lock', path, () => rmSync(path, { force: true }));
  } finally {
    io('remove the lock', guard, () => rmSync(guard, { force: true }));
  }
}

function heldError(file: string, path: string, current: Current): LockError {
  const who =
    current.kind === 'held'
      ? `pid ${current.holder.pid} (${current.holder.user ?? '?'}@${current.holder.host}, since ${since(current.holder.startedAt)})`
      : 'a process that left no readable holder';
  return new LockError('LOCK_HELD', `the sandbox world ${file} stayed locked by ${who} (${path})`, {
    hint: `Another shipline --sandbox run holds it for each call it makes; if none is running, delete ${path}.`,
  });
}

/** Blocks the thread: the lock is held for one call of another process, never across awaits. */
function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function io(action: string, path: string, op: () => unknown): void {
  try {
    op();
  } catch (error) {
    throw ioError(action, path, error);
  }
}
