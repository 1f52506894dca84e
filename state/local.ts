// The local backend: the state in a file, as shipline has always kept it. Saved by writing a
// temporary file, fsync, rename; the file as it was read is copied to .bak on the first save; a
// pid lock file beside it. Each save first checks that the file is still what this run read or
// last wrote, so a run whose lock was forced away cannot overwrite the newer state.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { dirname } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { messageOf, StateError } from '../src/errors';
import {
  conflictError,
  movedMessage,
  parseMovedNote,
  serializeMovedNote,
  type Elsewhere,
  type StateBackend,
  type StoredState,
} from './backend';
import { corruptHint } from './load';
import { acquireLock, breakLock, lockPathFor, readLock, type Lock, type LockHolder } from './lock';
import { errnoCode } from './util';

// 0o600: the state names accounts and resources; it is the user's, not the world's.
const FILE_OPTIONS = { fsync: true, mode: 0o600 };

export const movedNotePath = (path: string) => `${path}.moved`;

export class LocalBackend implements StateBackend {
  readonly kind = 'local';
  /** The file's text as read; the first save copies it to .bak (the last state from before this run). */
  private pendingBackup: string | undefined;

  constructor(readonly path: string) {}

  get location(): string {
    return this.path;
  }

  get lockLocation(): string {
    return lockPathFor(this.path);
  }

  async read(): Promise<StoredState | undefined> {
    const text = await this.readText(this.path, 'read state file');
    if (text === undefined) return undefined;
    this.pendingBackup = text;
    return { text, version: versionOf(text) };
  }

  async write(text: string, expected: string | undefined): Promise<string> {
    const dir = dirname(this.path);
    await this.io('create the directory of', dir, () => mkdir(dir, { recursive: true }));
    const current = await this.readText(this.path, 'save state file');
    if ((current === undefined ? undefined : versionOf(current)) !== expected) {
      throw conflictError(this.path, current === undefined ? 'the file was deleted' : 'the file was written by someone else');
    }
    const backup = this.pendingBackup;
    if (backup !== undefined) {
      const bak = `${this.path}.bak`;
      await this.io('write the backup', bak, () => writeFileAtomic(bak, backup, FILE_OPTIONS));
      this.pendingBackup = undefined;
    }
    await this.io('save state file', this.path, () => writeFileAtomic(this.path, text, FILE_OPTIONS));
    return versionOf(text);
  }

  async elsewhere(): Promise<Elsewhere | undefined> {
    const note = await this.readText(movedNotePath(this.path), 'read');
    if (note === undefined) return undefined;
    return {
      message: movedMessage(this.path, parseMovedNote(note)),
      hint:
        'Set state.backend in the config to where it is now ({ "type": "s3", "bucket": …, "key": … }). To bring it back ' +
        'here, run `shipline state migrate --to local` with that backend in the config, then set state.backend to local.',
    };
  }

  corruptHint(): Promise<string> {
    return corruptHint(this.path);
  }

  lock(opts: { command: string; force?: boolean }): Promise<Lock> {
    return acquireLock(this.path, opts);
  }

  readLock(): Promise<LockHolder | undefined> {
    return readLock(this.path);
  }

  breakLock(expected?: LockHolder): Promise<LockHolder | undefined> {
    return breakLock(this.path, expected);
  }

  async retire(expected: string, movedTo: string): Promise<void> {
    const current = await this.readText(this.path, 'read state file');
    if (current === undefined || versionOf(current) !== expected) {
      throw conflictError(this.path, 'the file changed during the migration');
    }
    const note = movedNotePath(this.path);
    await this.io('write', note, () => writeFileAtomic(note, serializeMovedNote(movedTo, byWhom()), FILE_OPTIONS));
    // The .bak stays: it is the state from before the last run here, as always.
    await this.io('remove state file', this.path, () => rm(this.path, { force: true }));
  }

  async clearMoved(): Promise<void> {
    const note = movedNotePath(this.path);
    await this.io('remove', note, () => rm(note, { force: true }));
  }

  /** The file's text, undefined when it does not exist. */
  private async readText(path: string, action: string): Promise<string | undefined> {
    try {
      return await readFile(path, 'utf8');
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'ENOENT') return undefined;
      throw new StateError('STATE_IO', `cannot ${action} ${path}: ${code ?? messageOf(error)}`, {
        cause: error,
        hint:
          action === 'read state file'
            ? 'Check that the file is readable by you (and is a file, not a directory).'
            : `Check that ${dirname(this.path)} is writable and the disk is not full, then run again ` +
              '(resources created so far carry their tags, so the next run adopts them).',
      });
    }
  }

  private async io(action: string, target: string, op: () => Promise<unknown>): Promise<void> {
    try {
      await op();
    } catch (error) {
      const code = errnoCode(error) ?? messageOf(error);
      throw new StateError('STATE_IO', `cannot ${action} ${target}: ${code}`, {
        cause: error,
        hint:
          `Check that ${dirname(this.path)} is writable and the disk is not full, then run again ` +
          '(resources created so far carry their tags, so the next run adopts them).',
      });
    }
  }
}

export function versionOf(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** "alice@laptop (pid 123)" for notes and messages. */
export function byWhom(): string {
  let user = '?';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (some containers).
  }
  return `${user}@${hostname()} (pid ${process.pid})`;
}
