// The stack's state file in memory, persisted after every change. Steps run concurrently and
// call record() as soon as a resource exists, so a crash loses at most the change in flight.
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { EngineError, messageOf, StateError } from '../src/errors';
import { loadStateFile } from './load';
import { RESOURCE_KEY, resourceRecordSchema, STATE_VERSION, type ResourceRecord, type StateFile } from './schema';
import { serializeState } from './serialize';
import { errnoCode } from './util';

/** What read-only commands (outputs, status) get: no way to change the file. */
export interface StateReader {
  readonly path: string;
  readonly stack: string;
  readonly region: string;
  readonly accountId: string | null;
  get(key: string): ResourceRecord | undefined;
  keys(prefix?: string): string[];
  snapshot(): StateFile;
}

/** A patch for update(): an attribute set to undefined is removed. */
export type ResourcePatch = { [attribute: string]: string | undefined };

export class StateStore implements StateReader {
  /** The file's text as opened; the first save copies it to .bak (the last state from before this run). */
  private pendingBackup: string | undefined;
  /** Settles after the last queued save; saves run one at a time in call order. */
  private tail: Promise<void> = Promise.resolve();
  /** A save queued but not started yet: later changes join it instead of queueing another write. */
  private queued: Promise<void> | undefined;

  private constructor(
    readonly path: string,
    private readonly state: StateFile,
    original: string | undefined,
    private readonly writable: boolean,
  ) {
    this.pendingBackup = original;
  }

  /**
   * Opens the state of `expect.stack` at `path` for a run that changes things. A missing file is a fresh,
   * empty state; nothing is written (and no directory created) until the first change.
   */
  static async open(path: string, expect: { stack: string; region: string }): Promise<StateStore> {
    const loaded = await loadStateFile(path);
    if (!loaded) {
      const fresh: StateFile = {
        version: STATE_VERSION,
        stack: expect.stack,
        region: expect.region,
        accountId: null,
        resources: {},
        updatedAt: new Date().toISOString(),
      };
      return new StateStore(path, fresh, undefined, true);
    }
    checkStack(path, loaded.state, expect.stack);
    return new StateStore(path, loaded.state, loaded.text, true);
  }

  /** The same validation for commands that only read; undefined when the file does not exist. */
  static async readOnly(path: string, expect?: { stack: string }): Promise<StateReader | undefined> {
    const loaded = await loadStateFile(path);
    if (!loaded) return undefined;
    if (expect) checkStack(path, loaded.state, expect.stack);
    return new StateStore(path, loaded.state, undefined, false);
  }

  get stack(): string {
    return this.state.stack;
  }

  get region(): string {
    return this.state.region;
  }

  get accountId(): string | null {
    return this.state.accountId;
  }

  /** A copy: changing it does not change the state (use record/update). */
  get(key: string): ResourceRecord | undefined {
    const rec = this.state.resources[key];
    return rec ? { ...rec } : undefined;
  }

  /** Resource keys, sorted; `prefix` "network." selects one step's resources. */
  keys(prefix = ''): string[] {
    return Object.keys(this.state.resources)
      .filter((key) => key.startsWith(prefix))
      .sort();
  }

  snapshot(): StateFile {
    return structuredClone(this.state);
  }

  /** Replaces the record at `key`; resolves once a save that includes it is on disk. */
  async record(key: string, rec: ResourceRecord): Promise<void> {
    this.assertWritable();
    this.state.resources[key] = validRecord(key, rec);
    return this.persist();
  }

  /** Merges `patch` into the record at `key` (creating it if absent) and persists. */
  async update(key: string, patch: ResourcePatch): Promise<void> {
    this.assertWritable();
    this.state.resources[key] = validRecord(key, { ...this.state.resources[key], ...patch });
    return this.persist();
  }

  /** Deletes the record at `key` and persists; no write when there is none. */
  async forget(key: string): Promise<void> {
    this.assertWritable();
    if (!(key in this.state.resources)) return;
    delete this.state.resources[key];
    return this.persist();
  }

  /** Records the account the state belongs to (the first run learns it from the credentials). */
  async setAccount(accountId: string): Promise<void> {
    this.assertWritable();
    if (this.state.accountId === accountId) return;
    // checkIdentity runs first, so a different account here is a bug; refuse rather than re-home the state.
    if (this.state.accountId !== null) {
      throw new StateError(
        'STATE_ACCOUNT_MISMATCH',
        `state file ${this.path} belongs to account ${this.state.accountId}; refusing to change it to ${accountId}`,
        { hint: 'Use the credentials of that account, or --state for a state file of this one.' },
      );
    }
    this.state.accountId = accountId;
    return this.persist();
  }

  private assertWritable(): void {
    if (!this.writable) throw new EngineError(`state file ${this.path} was opened read-only`);
  }

  /** Queues a save (or joins the one queued and not started), keeping saves strictly one at a time. */
  private persist(): Promise<void> {
    if (this.queued) return this.queued;
    const save = this.tail.then(() => {
      // From here on, changes need a new save: this one serializes the state as it is now.
      this.queued = undefined;
      return this.save();
    });
    this.queued = save;
    // A failed save rejects its callers but must not stop later saves.
    this.tail = save.catch(() => undefined);
    return save;
  }

  private async save(): Promise<void> {
    this.state.updatedAt = new Date().toISOString();
    const text = serializeState(this.state);
    // 0o600: the state names accounts and resources; it is the user's, not the world's.
    const options = { fsync: true, mode: 0o600 };
    await this.io('create the directory of', dirname(this.path), () => mkdir(dirname(this.path), { recursive: true }));
    const backup = this.pendingBackup;
    if (backup !== undefined) {
      const bak = `${this.path}.bak`;
      await this.io('write the backup', bak, () => writeFileAtomic(bak, backup, options));
      this.pendingBackup = undefined;
    }
    await this.io('save state file', this.path, () => writeFileAtomic(this.path, text, options));
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

function checkStack(path: string, state: StateFile, expected: string): void {
  if (state.stack === expected) return;
  throw new StateError(
    'STATE_STACK_MISMATCH',
    `state file ${path} is for stack "${state.stack}", but this run is for stack "${expected}"`,
    { hint: `Use --state to point at the state file of "${expected}", or run with the config of "${state.stack}".` },
  );
}

/** Drops undefined attributes and checks the key and values, so we never write a file we would reject. */
function validRecord(key: string, rec: ResourcePatch): ResourceRecord {
  if (!RESOURCE_KEY.test(key)) {
    throw new EngineError(`state key "${key}" is not of the form "<step>.<resource>"`);
  }
  const clean = Object.fromEntries(Object.entries(rec).filter(([, value]) => value !== undefined));
  const result = resourceRecordSchema.safeParse(clean);
  if (!result.success) {
    throw new EngineError(`state record "${key}" is invalid: ${result.error.issues[0]?.message ?? result.error.message}`);
  }
  return result.data;
}
