// One run per stack at a time: a lock file beside the state, created with O_EXCL so two runs
// cannot both get it. It names its holder, so "locked" and "stale" messages say who and since when.
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { basename, dirname } from 'node:path';
import { z } from 'zod';
import { describeErrno, LockError, messageOf, StateError } from '../src/errors';
import { describeDeath, holderLiveness, ownIdentity, systemProbe, type ProcessProbe } from './holder-liveness';
import { errnoCode } from './util';

export const lockHolderSchema = z.object({
  // Positive only: process.kill(0 or negative) would probe a whole process group.
  pid: z.number().int().positive(),
  user: z.string().nullable(),
  host: z.string(),
  command: z.string(),
  startedAt: z.string(),
  /** Linux: the holder's process start (ticks after boot) and boot, to tell pid reuse without the wall clock. */
  startTicks: z.number().int().nonnegative().optional(),
  bootId: z.string().optional(),
});

export type LockHolder = z.infer<typeof lockHolderSchema>;

export interface Lock {
  readonly path: string;
  readonly holder: LockHolder;
  /** True when force removed an existing lock to take this one; the caller should log it. */
  readonly forced: boolean;
  /** The holder of the lock that force removed (undefined if none, or it was unreadable). */
  readonly previous: LockHolder | undefined;
  /** A lock whose holder was provably dead on this host, taken over without --force-unlock; the caller should warn. */
  readonly recovered?: { holder: LockHolder; reason: string };
  /** Removes the lock if it is still ours; safe to call more than once. */
  release(): Promise<void>;
}

type LockFile = { kind: 'absent' } | { kind: 'held'; holder: LockHolder } | { kind: 'garbled'; reason: string };

export function lockPathFor(statePath: string): string {
  return `${statePath}.lock`;
}

/**
 * Takes the lock of the stack whose state is at `statePath`, or says who holds it. A lock whose
 * holder is provably dead on this host (see holder-liveness.ts) is taken over and reported in
 * `recovered`; `probe` stands in for the system in tests.
 */
export async function acquireLock(statePath: string, opts: { command: string; force?: boolean; probe?: ProcessProbe }): Promise<Lock> {
  const path = lockPathFor(statePath);
  await ioStep('create the directory of', path, () => mkdir(dirname(path), { recursive: true }));

  let forced = false;
  let previous: LockHolder | undefined;
  if (opts.force) {
    const existing = await inspect(path);
    if (existing.kind !== 'absent') {
      forced = true;
      previous = existing.kind === 'held' ? existing.holder : undefined;
      await ioStep('remove the lock', path, () => rm(path, { force: true }));
    }
  }

  const holder = newHolder(opts.command);
  let recovered: Lock['recovered'];
  if (!(await create(path, holder))) {
    const current = await settledInspect(path);
    const liveness = current.kind === 'held' ? holderLiveness(current.holder, opts.probe ?? systemProbe) : undefined;
    if (current.kind !== 'held' || liveness?.verdict !== 'dead') {
      throw heldError(statePath, path, current, liveness?.verdict === 'unknown' ? liveness.why : undefined);
    }
    // Another run that found the same dead lock may have won the takeover: report that one.
    if (!(await takeOver(path, current.holder, holder))) throw heldError(statePath, path, await settledInspect(path), undefined);
    recovered = { holder: current.holder, reason: describeDeath(liveness.why) };
  }

  let released = false;
  return {
    path,
    holder,
    forced,
    previous,
    ...(recovered ? { recovered } : {}),
    async release() {
      if (released) return;
      const current = await inspect(path);
      // Never delete a lock someone else took over (e.g. with --force-unlock) after us.
      if (current.kind === 'held' && isSame(current.holder, holder)) {
        await ioStep('remove the lock', path, () => rm(path, { force: true }));
      }
      released = true;
    },
  };
}

/**
 * Replaces the dead holder's lock with ours. Two runs may find the same dead lock at once, so the
 * lock is first moved aside (rename is atomic: one of them gets it) and checked to be the dead
 * holder's; a live lock moved aside by mistake is put back with link, which never overwrites.
 * False when another run got there first.
 */
async function takeOver(path: string, dead: LockHolder, ours: LockHolder): Promise<boolean> {
  const aside = `${path}.${ours.pid}-${randomBytes(4).toString('hex')}.stale`;
  try {
    await rename(path, aside);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return create(path, ours); // released or taken over meanwhile
    throw ioError('move aside the lock', path, error);
  }
  const moved = await inspect(aside);
  if (moved.kind === 'held' && isSame(moved.holder, dead)) {
    await ioStep('remove the old lock', aside, () => rm(aside, { force: true }));
    return create(path, ours);
  }
  // Another run took the lock over between our look and our rename: give it back.
  await link(aside, path).catch(() => undefined);
  await rm(aside, { force: true }).catch(() => undefined);
  return false;
}

/** The current holder of the stack's lock, or undefined when it is not locked. */
export async function readLock(statePath: string): Promise<LockHolder | undefined> {
  const path = lockPathFor(statePath);
  const current = await inspect(path);
  if (current.kind === 'garbled') throw garbledError(statePath, path, current.reason);
  return current.kind === 'held' ? current.holder : undefined;
}

/**
 * Removes the stack's lock whoever holds it (`state unlock --force`); with `expected`, only while
 * that is still the holder. Returns the holder removed, undefined when there was no lock.
 */
export async function breakLock(statePath: string, expected?: LockHolder): Promise<LockHolder | undefined> {
  const path = lockPathFor(statePath);
  const current = await inspect(path);
  if (current.kind === 'absent') return undefined;
  if (expected && (current.kind !== 'held' || !isSame(current.holder, expected))) {
    throw new LockError('LOCK_HELD', `the lock of stack "${stackName(statePath)}" changed while you were confirming (${path})`, {
      hint: 'Look again with `shipline state unlock`.',
    });
  }
  await ioStep('remove the lock', path, () => rm(path, { force: true }));
  return current.kind === 'held' ? current.holder : undefined;
}

/** This process, as a lock names it. */
export function newHolder(command: string): LockHolder {
  return { pid: process.pid, user: currentUser(), host: hostname(), command, startedAt: new Date().toISOString(), ...ownIdentity() };
}

/** Creates the lock file with our holder in it; false when it already exists. */
async function create(path: string, holder: LockHolder): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'wx', 0o644);
  } catch (error) {
    if (errnoCode(error) === 'EEXIST') return false;
    throw ioError('create the lock', path, error);
  }
  try {
    await handle.writeFile(`${JSON.stringify(holder, null, 2)}\n`);
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => undefined);
    // A lock without a readable holder would block every later run; don't leave one behind.
    await rm(path, { force: true }).catch(() => undefined);
    throw ioError('write the lock', path, error);
  }
  await handle.close();
  return true;
}

/** The lock as it is once a holder that is between creating the file and writing it has written it. */
async function settledInspect(path: string): Promise<LockFile> {
  const current = await inspect(path);
  if (current.kind !== 'garbled') return current;
  await new Promise((resolve) => setTimeout(resolve, 100));
  return inspect(path);
}

/** The error for a lock we may not take: its holder is alive, or we cannot know (`unknown` says why). */
function heldError(statePath: string, path: string, current: LockFile, unknown: string | undefined): LockError {
  const stack = stackName(statePath);
  switch (current.kind) {
    case 'absent':
      // Released between our attempt and our look: report it as held rather than racing in a loop.
      return new LockError('LOCK_HELD', `stack "${stack}" was locked by another run a moment ago (${path})`, {
        hint: 'Run again.',
      });
    case 'garbled':
      return garbledError(statePath, path, current.reason);
    case 'held': {
      const h = current.holder;
      const why = unknown ? `; whether it is still running cannot be known: ${unknown}` : '';
      return new LockError(
        'LOCK_HELD',
        `stack "${stack}" is locked by pid ${h.pid} (${h.user ?? '?'}@${h.host}, "${h.command}", since ${since(h.startedAt)})${why} (${path})`,
        {
          hint:
            h.host === hostname()
              ? 'Wait for that run to finish. If you are sure it is dead, re-run with --force-unlock.'
              : `That run is on ${h.host}: wait for it to finish. If you are sure it is dead, re-run with --force-unlock.`,
        },
      );
    }
  }
}

function garbledError(statePath: string, path: string, reason: string): LockError {
  return new LockError(
    'LOCK_HELD',
    `lock file ${path} exists but ${reason}, so stack "${stackName(statePath)}" is treated as locked`,
    { hint: `If no shipline run is active on this stack, delete ${path} (or re-run with --force-unlock).` },
  );
}

async function inspect(path: string): Promise<LockFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT') return { kind: 'absent' };
    return { kind: 'garbled', reason: `cannot be read (${code ?? messageOf(error)})` };
  }
  try {
    const result = lockHolderSchema.safeParse(JSON.parse(text));
    if (result.success) return { kind: 'held', holder: result.data };
  } catch {
    // Not JSON: reported below like a schema failure.
  }
  return { kind: 'garbled', reason: text.trim() === '' ? 'is empty' : 'does not name a holder' };
}

export function isSame(a: LockHolder, b: LockHolder): boolean {
  return a.pid === b.pid && a.startedAt === b.startedAt && a.host === b.host;
}

function currentUser(): string | null {
  try {
    return userInfo().username;
  } catch {
    // No passwd entry (some containers): the lock still works without a user name.
    return null;
  }
}

/** "dev" from ".shipline/dev.json": the stack name as users know it. */
function stackName(statePath: string): string {
  return basename(statePath).replace(/\.json$/, '');
}

/** "2025-01-02T03:04:05.000Z, 12 min ago" — the timestamp plus how long that is. */
export function since(startedAt: string): string {
  const ms = Date.now() - Date.parse(startedAt);
  if (!Number.isFinite(ms) || ms < 0) return startedAt;
  const min = Math.floor(ms / 60_000);
  const age = min < 1 ? 'just now' : min < 120 ? `${min} min ago` : `${Math.floor(min / 60)} h ago`;
  return `${startedAt}, ${age}`;
}

async function ioStep(action: string, path: string, op: () => Promise<unknown>): Promise<void> {
  try {
    await op();
  } catch (error) {
    throw ioError(action, path, error);
  }
}

export function ioError(action: string, path: string, error: unknown): StateError {
  const code = errnoCode(error);
  return new StateError('STATE_IO', `cannot ${action} ${path}: ${code ? describeErrno(code) : messageOf(error)}`, {
    cause: error,
    hint: `Check that ${dirname(path)} is writable and the disk is not full.`,
  });
}
