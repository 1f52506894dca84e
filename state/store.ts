// The stack's state in memory, persisted after every change. Steps run concurrently and call
// record() as soon as a resource exists, so a crash loses at most the change in flight. Where the
// text is stored (a local file, an S3 object) is the backend's business; every save is a
// compare-and-swap on the version this store last read or wrote.
import { EngineError, StateError } from '../src/errors';
import { StateBackendError, type StateBackend, type StoredState } from './backend';
import { LocalBackend } from './local';
import { parseState } from './load';
import { RESOURCE_KEY, resourceRecordSchema, STATE_VERSION, type ResourceRecord, type StateFile } from './schema';
import { serializeState } from './serialize';

/** What read-only commands (outputs, status) get: no way to change the file. */
export interface StateReader {
  /** Where the state lives: a file path, or s3://bucket/key. */
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
  /** Settles after the last queued save; saves run one at a time in call order. */
  private tail: Promise<void> = Promise.resolve();
  /** A save queued but not started yet: later changes join it instead of queueing another write. */
  private queued: Promise<void> | undefined;

  private constructor(
    private readonly backend: StateBackend,
    private readonly state: StateFile,
    /** The stored version this store last read or wrote; undefined while nothing is stored. */
    private version: string | undefined,
    private readonly writable: boolean,
  ) {}

  /**
   * Opens the state of `expect.stack` at `path` for a run that changes things. A missing file is a fresh,
   * empty state; nothing is written (and no directory created) until the first change.
   */
  static open(path: string, expect: { stack: string; region: string }): Promise<StateStore> {
    return StateStore.openIn(new LocalBackend(path), expect);
  }

  /** `open`, in any backend (the local file, an S3 object). */
  static async openIn(backend: StateBackend, expect: { stack: string; region: string }): Promise<StateStore> {
    const loaded = await loadState(backend, expect);
    if (!loaded) {
      const fresh: StateFile = {
        version: STATE_VERSION,
        stack: expect.stack,
        region: expect.region,
        accountId: null,
        resources: {},
        updatedAt: new Date().toISOString(),
      };
      return new StateStore(backend, fresh, undefined, true);
    }
    return new StateStore(backend, loaded.state, loaded.version, true);
  }

  /** The same validation for commands that only read; undefined when the file does not exist. */
  static readOnly(path: string, expect?: { stack: string }): Promise<StateReader | undefined> {
    return StateStore.readOnlyIn(new LocalBackend(path), expect);
  }

  /** `readOnly`, in any backend. */
  static async readOnlyIn(backend: StateBackend, expect?: { stack: string }): Promise<StateReader | undefined> {
    const loaded = await loadState(backend, expect);
    return loaded ? new StateStore(backend, loaded.state, loaded.version, false) : undefined;
  }

  /** Where the state lives: a file path, or s3://bucket/key. */
  get path(): string {
    return this.backend.location;
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

  /** Compare-and-swap: refused (STATE_CONFLICT) when someone else saved since this store read or wrote. */
  private async save(): Promise<void> {
    this.state.updatedAt = new Date().toISOString();
    this.version = await this.backend.write(serializeState(this.state), this.version);
  }
}

/**
 * Reads and validates the stored state (its exact text too); undefined for a stack that has none
 * anywhere yet. Throws STATE_MOVED when the stack's state lives in another backend.
 */
export async function loadState(
  backend: StateBackend,
  expect?: { stack: string },
): Promise<{ state: StateFile; text: string; version: string } | undefined> {
  const stored = await backend.read();
  if (!stored) {
    const elsewhere = await backend.elsewhere();
    if (elsewhere === undefined) return undefined;
    throw new StateBackendError('STATE_MOVED', elsewhere.message, { hint: elsewhere.hint });
  }
  return parseStored(backend, stored, expect);
}

/** Validates a state as `backend` stored it: the format, and (with `expect`) that it is that stack's. */
export async function parseStored(
  backend: StateBackend,
  stored: StoredState,
  expect?: { stack: string },
): Promise<{ state: StateFile; text: string; version: string }> {
  const state = await parseState(backend.location, stored.text, () => backend.corruptHint());
  if (expect) checkStack(backend.location, state, expect.stack);
  return { state, text: stored.text, version: stored.version };
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
