// Where a stack's state lives. The StateStore keeps the state in memory and decides what to save;
// a backend only stores text: read it with a version token, write it with a compare-and-swap on
// that token, hold the stack's lock, and say where it all is for messages. The engine never sees
// a backend: steps get the StateStore through the StateHandle.
//
// Two backends: `local` (a file beside a pid lock file, saved atomically with a .bak) and `s3` (an
// object written with If-Match / If-None-Match, a lock object created with If-None-Match: *, the
// bucket's versioning standing in for .bak).
import { ShiplineError } from '../src/errors';
import type { Lock, LockHolder } from './lock';

/** The stored text of a state and the token a compare-and-swap checks against. */
export interface StoredState {
  text: string;
  /** Opaque: the S3 ETag, or the SHA-256 of the local file. */
  version: string;
}

export interface StateBackend {
  readonly kind: 'local' | 's3';
  /** Where the state lives, as messages name it: a file path, or s3://bucket/key. */
  readonly location: string;
  /** Where the lock lives, as messages name it. */
  readonly lockLocation: string;

  /** The stored state; undefined when there is none. */
  read(): Promise<StoredState | undefined>;
  /**
   * Stores `text` if the stored state is still at `expected` (undefined: there must be none) and
   * returns the new version. Throws STATE_CONFLICT, changing nothing, when someone else saved since.
   */
  write(text: string, expected: string | undefined): Promise<string>;
  /**
   * Why there is no state here although the stack has one elsewhere (moved by `state migrate`, or
   * a local file never migrated to S3); undefined for a stack that simply has none yet.
   */
  elsewhere(): Promise<Elsewhere | undefined>;
  /** What to suggest when the stored state is unreadable (the .bak, an earlier S3 version). */
  corruptHint(): Promise<string>;
  /** Worth a warning at the start of a run that writes (a bucket that keeps no earlier versions). */
  warnings?(): Promise<string[]>;

  /** Takes the stack's lock, or throws LockError naming the holder. */
  lock(opts: { command: string; force?: boolean }): Promise<Lock>;
  /** The current holder; undefined when the stack is not locked. */
  readLock(): Promise<LockHolder | undefined>;
  /**
   * Removes the lock whoever holds it (`state unlock --force`). With `expected`, only if that is
   * still the holder (it was shown to a person who confirmed). Returns the holder removed.
   */
  breakLock(expected?: LockHolder): Promise<LockHolder | undefined>;

  /**
   * `state migrate`: the state at `expected` now lives at `movedTo`. Leaves a note saying so where it
   * was (so a run here stops instead of starting an empty stack), then removes the state.
   */
  retire(expected: string, movedTo: string): Promise<void>;
  /** Removes such a note, once a state is migrated (back) here. */
  clearMoved(): Promise<void>;
}

export type StateBackendErrorCode =
  /** Someone else saved the state since this run read it: nothing was overwritten. */
  | 'STATE_CONFLICT'
  /** The state lives in another backend (state migrate), or was never migrated to this one. */
  | 'STATE_MOVED'
  /** The S3 bucket does not exist. */
  | 'STATE_BUCKET_MISSING'
  /** The credentials may not read or write the state object (or its lock). */
  | 'STATE_ACCESS_DENIED'
  /** Any other failure to reach the state's backend. */
  | 'STATE_BACKEND';

/** The state's backend refused or failed. Nothing in AWS has been changed by it. */
export class StateBackendError extends ShiplineError {
  constructor(
    readonly code: StateBackendErrorCode,
    message: string,
    options: { cause?: unknown; hint?: string } = {},
  ) {
    super(message, options);
  }
}

/** Where a stack's state is instead, and what to do about it. */
export interface Elsewhere {
  message: string;
  hint: string;
}

/** The note `retire` leaves where a state was. */
export interface MovedNote {
  movedTo: string;
  movedAt: string;
  by: string;
}

export function parseMovedNote(text: string): MovedNote | undefined {
  try {
    const value = JSON.parse(text) as Partial<MovedNote>;
    if (typeof value.movedTo === 'string' && typeof value.movedAt === 'string') {
      return { movedTo: value.movedTo, movedAt: value.movedAt, by: typeof value.by === 'string' ? value.by : '?' };
    }
  } catch {
    // Not a note we wrote: reported by the caller as "moved, destination unknown".
  }
  return undefined;
}

export function movedMessage(location: string, note: MovedNote | undefined): string {
  return note
    ? `the state of ${location} was moved to ${note.movedTo} on ${note.movedAt} (by ${note.by})`
    : `the state of ${location} was moved elsewhere by \`shipline state migrate\``;
}

export function serializeMovedNote(movedTo: string, by: string): string {
  const note: MovedNote = { movedTo, movedAt: new Date().toISOString(), by };
  return `${JSON.stringify(note, null, 2)}\n`;
}

export function conflictError(location: string, detail: string, cause?: unknown): StateBackendError {
  return new StateBackendError(
    'STATE_CONFLICT',
    `state ${location} changed underneath this run (${detail}); this run's save was refused and nothing was overwritten`,
    {
      ...(cause === undefined ? {} : { cause }),
      hint:
        'Another run saved the stack since this one read it: was its lock forced (--force-unlock, state unlock --force) ' +
        'while this run was still going? Let the other run finish, then run again: what this run made carries the ' +
        "stack's tags and is adopted.",
    },
  );
}
