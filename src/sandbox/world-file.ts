// The `--sandbox` world as a file that several processes share: every call is a transaction under
// the world's lock (world-lock.ts) that first loads what another process saved since this one last
// looked, then applies the call, then saves the world if the call changed it, before the caller
// sees the answer. The file is the truth and the in-memory world a copy of it, so two commands on
// one sandbox never lose each other's resources, and a process killed at any point loses at most
// the call it was making, which its caller never saw answered.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { messageOf, StateError } from '../errors';
import { errnoCode } from '../../state/util';
import type { SandboxWorld } from './kernel/world';
import type { Sandbox, SandboxSnapshot, WorldStore } from './sandbox';
import { withWorldLock, type WorldLockOptions } from './world-lock';

/** The file operations a world file needs; tests put failing ones in place (ENOSPC, EACCES). */
export interface WorldFs {
  /** The file's text; undefined when it does not exist. */
  read(path: string): string | undefined;
  /** Replaces the file's content atomically: a temporary file beside it, fsync, rename. */
  write(path: string, text: string): void;
  /** A token that changes whenever the file is replaced (no read needed); undefined when absent. */
  stamp(path: string): string | undefined;
}

export const nodeWorldFs: WorldFs = {
  read(path) {
    try {
      return readFileSync(path, 'utf8');
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return undefined;
      throw error;
    }
  },
  write(path, text) {
    const temporary = `${path}.${process.pid}.tmp`;
    try {
      const fd = openSync(temporary, 'w', 0o644);
      try {
        writeSync(fd, text);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temporary, path);
    } catch (error) {
      rmSync(temporary, { force: true });
      throw error;
    }
  },
  stamp(path) {
    // Every save is a rename of a new file: a new inode, and a change time in nanoseconds.
    const stat = statSync(path, { bigint: true, throwIfNoEntry: false });
    return stat && `${stat.ino}:${stat.size}:${stat.ctimeNs}:${stat.mtimeNs}`;
  },
};

/** Parses a world file's text; throws STATE_CORRUPT naming the file. */
export function parseWorld(file: string, text: string): SandboxSnapshot {
  try {
    const snapshot = JSON.parse(text) as SandboxSnapshot;
    if (snapshot.version !== 1) throw new Error(`unknown version ${String(snapshot.version)}`);
    return snapshot;
  } catch (error) {
    throw new StateError('STATE_CORRUPT', `the sandbox file ${file} cannot be read: ${messageOf(error)}`, {
      hint: `delete ${file} to start from an empty sandbox (and the sandbox state files beside it)`,
      cause: error,
    });
  }
}

/**
 * The saved world's simulated time now: its time at the save plus the real time since, at the
 * world's speed. The clock runs between commands as it does during them, so a pipeline released
 * by one command has moved on when the next one looks.
 */
export function simNowOf(snapshot: SandboxSnapshot, world: SandboxWorld): number {
  return snapshot.simNow + (snapshot.savedAt === undefined ? 0 : world.simSecondsSince(snapshot.savedAt));
}

export class WorldFile implements WorldStore {
  /** The file's text as this process last read or wrote it: anything else was saved by another. */
  private seenText: string | undefined;
  /** The file's stamp then: while it is the same, the file need not even be read. */
  private seenStamp: string | undefined;
  /** The world (resources and ID counter, not the clock) as last saved or loaded. */
  private savedData: string | undefined;
  /** Set once a save failed: the world in memory is no longer the file's, so no call may go on. */
  private failure: StateError | undefined;

  constructor(
    readonly path: string,
    private readonly sandbox: Sandbox,
    private readonly fs: WorldFs = nodeWorldFs,
    private readonly lock: WorldLockOptions = {},
  ) {}

  /** The sandbox was just restored from `text` (or made fresh, with `undefined`: no file yet). */
  adopt(text: string | undefined): void {
    this.seenText = text;
    this.seenStamp = undefined;
    this.savedData = text === undefined ? undefined : this.dataText();
  }

  run<T>(apply: () => T): T {
    return this.transaction(apply, false);
  }

  /** Saves the world even if no resource changed (the clock moved on): at the end of a command. */
  save(): void {
    this.transaction(() => undefined, true);
  }

  private transaction<T>(apply: () => T, always: boolean): T {
    if (this.failure) throw this.failure;
    return withWorldLock(
      this.path,
      () => {
        this.refresh();
        let result: T;
        try {
          result = apply();
        } catch (error) {
          // A refused call may still have moved slow resources on: keep that too.
          this.saveIfChanged(false);
          throw error;
        }
        this.saveIfChanged(always);
        return result;
      },
      this.lock,
    );
  }

  /** Loads what another process saved since this one last read or wrote the file. */
  private refresh(): void {
    const stamp = this.io('read', () => this.fs.stamp(this.path));
    if (stamp !== undefined && stamp === this.seenStamp) return;
    const text = this.io('read', () => this.fs.read(this.path));
    if (text !== undefined && text !== this.seenText) {
      const snapshot = parseWorld(this.path, text);
      this.sandbox.load({ ...snapshot, simNow: simNowOf(snapshot, this.sandbox.world) });
      this.adopt(text);
    }
    this.seenStamp = stamp;
  }

  private saveIfChanged(always: boolean): void {
    const data = this.dataText();
    if (!always && data === this.savedData) return;
    // The snapshot's other fields, then the resources already serialized (stringified once).
    const { idCounter: _idCounter, services: _services, ...view } = this.sandbox.snapshotView();
    const header = { ...view, savedAt: this.sandbox.world.realNow() };
    const text = `${JSON.stringify(header).slice(0, -1)},${data.slice(1)}\n`;
    try {
      this.fs.write(this.path, text);
    } catch (error) {
      this.failure = new StateError('STATE_IO', `cannot save the sandbox world ${this.path}: ${errnoCode(error) ?? messageOf(error)}`, {
        cause: error,
        hint:
          `Check that ${dirname(this.path)} is writable and the disk is not full, then run again. ` +
          'The sandbox kept what it had saved before this call.',
      });
      throw this.failure;
    }
    this.seenText = text;
    this.seenStamp = this.io('read', () => this.fs.stamp(this.path));
    this.savedData = data;
  }

  private io<T>(action: string, op: () => T): T {
    try {
      return op();
    } catch (error) {
      throw new StateError('STATE_IO', `cannot ${action} the sandbox world ${this.path}: ${errnoCode(error) ?? messageOf(error)}`, {
        cause: error,
        hint: 'Check that the file is readable by you.',
      });
    }
  }

  private dataText(): string {
    return JSON.stringify(this.sandbox.worldData());
  }
}
