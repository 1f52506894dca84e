// The S3 backend: the state as an object that every machine of a team (and CI) reaches.
//
// - Every save is a compare-and-swap: PutObject with If-Match on the ETag this run last read or
//   wrote (If-None-Match: * for the first), so a writer that lost the lock can never overwrite a
//   newer state: S3 answers 412 PreconditionFailed and nothing changes.
// - The lock is the object `<key>.lock`, created with If-None-Match: *, so two runs on two machines
//   cannot both hold it. It names its holder {pid, user, host, command, startedAt}. Whether that run
//   is dead cannot be told from another machine: a held lock is reported with its holder and age,
//   and `state unlock --force` (or --force-unlock) removes it.
// - The bucket's versioning stands in for the local .bak: every save keeps the previous version.
import {
  DeleteObjectCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { awsErrorCode, isAwsError } from '../src/aws/errors';
import { LockError, messageOf, ShiplineError } from '../src/errors';
import { conflictError, movedMessage, parseMovedNote, serializeMovedNote, StateBackendError, type Elsewhere, type StateBackend, type StoredState } from './backend';
import { byWhom } from './local';
import { describeDeath, holderLiveness } from './holder-liveness';
import { isSame, lockHolderSchema, newHolder, since, type Lock, type LockHolder } from './lock';

const PRECONDITION = ['PreconditionFailed', 'ConditionalRequestConflict'];
const ACCESS_DENIED = ['AccessDenied', 'Forbidden', 'AllAccessDisabled', 'InvalidAccessKeyId', 'SignatureDoesNotMatch'];

export interface S3Location {
  bucket: string;
  key: string;
}

interface Fetched {
  text: string;
  etag: string;
  /** Undefined (or "null") while the bucket was never versioned. */
  versionId: string | undefined;
}

type LockObject = { kind: 'held'; holder: LockHolder; object: Fetched } | { kind: 'garbled'; object: Fetched };

export class S3Backend implements StateBackend {
  readonly kind = 's3';
  readonly bucket: string;
  readonly key: string;

  constructor(
    private readonly s3: S3Client,
    where: S3Location,
    private readonly options: {
      /** The stack's name, for lock messages. */
      stack: string;
      /** The local state file a stack used before `state migrate --to s3`: its presence means "not migrated yet". */
      localPath?: string;
    },
  ) {
    this.bucket = where.bucket;
    this.key = where.key;
  }

  get location(): string {
    return `s3://${this.bucket}/${this.key}`;
  }

  get lockLocation(): string {
    return `s3://${this.bucket}/${this.lockKey}`;
  }

  private get lockKey(): string {
    return `${this.key}.lock`;
  }

  private get movedKey(): string {
    return `${this.key}.moved`;
  }

  async read(): Promise<StoredState | undefined> {
    const object = await this.get(this.key, 'read');
    return object && { text: object.text, version: object.etag };
  }

  async write(text: string, expected: string | undefined): Promise<string> {
    try {
      const out = await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.key,
          Body: text,
          ContentType: 'application/json',
          ...(expected === undefined ? { IfNoneMatch: '*' } : { IfMatch: expected }),
        }),
      );
      if (!out.ETag) throw new StateBackendError('STATE_BACKEND', `S3 answered no ETag for ${this.location}`);
      return out.ETag;
    } catch (error) {
      if (isAwsError(error, ...PRECONDITION)) {
        throw conflictError(this.location, expected === undefined ? 'another run created it' : `its ETag is no longer ${expected}`, error);
      }
      if (expected !== undefined && isAwsError(error, 'NoSuchKey')) throw conflictError(this.location, 'it was deleted', error);
      throw this.failure('save', this.location, error);
    }
  }

  async elsewhere(): Promise<Elsewhere | undefined> {
    const note = await this.get(this.movedKey, 'read');
    if (note) {
      return {
        message: movedMessage(this.location, parseMovedNote(note.text)),
        hint:
          'Set state.backend to { "type": "local" } in the config (and --state if the file is not the default one), ' +
          'or move it back here with `shipline state migrate --to s3`.',
      };
    }
    const local = this.options.localPath;
    if (local !== undefined && (await exists(local))) {
      return {
        message: `there is no state in ${this.location}, but the local state file ${local} exists: the stack's state was never migrated to S3`,
        hint: 'Move it with `shipline state migrate --to s3`, or set state.backend back to { "type": "local" } in the config.',
      };
    }
    return undefined;
  }

  async corruptHint(): Promise<string> {
    return (
      `The bucket's versioning keeps the earlier states: list them with\n` +
      `  aws s3api list-object-versions --bucket ${this.bucket} --prefix ${this.key}\n` +
      `and restore one with\n` +
      `  aws s3api copy-object --bucket ${this.bucket} --key ${this.key} --copy-source '${this.bucket}/${this.key}?versionId=<VersionId>'\n` +
      `or delete ${this.location} and run provision again: it adopts the existing resources by their tags.`
    );
  }

  /** Warnings worth a line at the start of a run that writes: a bucket without versioning keeps no earlier state. */
  async warnings(): Promise<string[]> {
    try {
      const out = await this.s3.send(new GetBucketVersioningCommand({ Bucket: this.bucket }));
      if (out.Status === 'Enabled') return [];
      return [
        `state bucket ${this.bucket} has no versioning: earlier states are not kept (they stand in for the local .bak); ` +
          `enable it with \`aws s3api put-bucket-versioning --bucket ${this.bucket} --versioning-configuration Status=Enabled\``,
      ];
    } catch {
      // Not allowed to ask (s3:GetBucketVersioning): the run needs nothing from the answer.
      return [];
    }
  }

  async lock(opts: { command: string; force?: boolean }): Promise<Lock> {
    let forced = false;
    let previous: LockHolder | undefined;
    if (opts.force) {
      const existing = await this.getLock();
      if (existing) {
        forced = true;
        previous = existing.kind === 'held' ? existing.holder : undefined;
        await this.deleteLock(existing.object);
      }
    }
    const holder = newHolder(opts.command);
    let mine: { etag: string; versionId: string | undefined };
    try {
      const out = await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.lockKey,
          // The nonce makes every lock's ETag its own, even two taken by one process in one millisecond.
          Body: `${JSON.stringify({ ...holder, nonce: randomUUID() }, null, 2)}\n`,
          ContentType: 'application/json',
          IfNoneMatch: '*',
        }),
      );
      mine = { etag: out.ETag ?? '', versionId: out.VersionId };
    } catch (error) {
      if (isAwsError(error, ...PRECONDITION)) throw await this.heldError();
      throw this.failure('take the lock', this.lockLocation, error);
    }

    let released = false;
    return {
      path: this.lockLocation,
      holder,
      forced,
      previous,
      release: async () => {
        if (released) return;
        // Only ever our own lock: that version, or the object while it still has our ETag.
        await this.deleteLock(mine);
        released = true;
      },
    };
  }

  async readLock(): Promise<LockHolder | undefined> {
    const current = await this.getLock();
    if (current?.kind === 'garbled') throw this.garbledError();
    return current?.holder;
  }

  async breakLock(expected?: LockHolder): Promise<LockHolder | undefined> {
    const current = await this.getLock();
    if (!current) return undefined;
    if (expected && (current.kind !== 'held' || !isSame(current.holder, expected))) {
      throw new LockError('LOCK_HELD', `the lock of stack "${this.options.stack}" changed while you were confirming (${this.lockLocation})`, {
        hint: 'Look again with `shipline state unlock`.',
      });
    }
    if (!(await this.deleteLock(current.object))) {
      throw new LockError('LOCK_HELD', `the lock of stack "${this.options.stack}" changed while it was being removed (${this.lockLocation})`, {
        hint: 'Look again with `shipline state unlock`.',
      });
    }
    return current.kind === 'held' ? current.holder : undefined;
  }

  async retire(expected: string, movedTo: string): Promise<void> {
    await this.put(this.movedKey, serializeMovedNote(movedTo, byWhom()), 'write the note');
    try {
      await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key, IfMatch: expected }));
    } catch (error) {
      if (isAwsError(error, ...PRECONDITION)) throw conflictError(this.location, 'it changed during the migration', error);
      // If-Match on a key deleted meanwhile: S3 answers NoSuchKey (404), as for a save.
      if (isAwsError(error, 'NoSuchKey')) throw conflictError(this.location, 'it was deleted during the migration', error);
      throw this.failure('remove', this.location, error);
    }
  }

  async clearMoved(): Promise<void> {
    try {
      await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.movedKey }));
    } catch (error) {
      throw this.failure('remove', `s3://${this.bucket}/${this.movedKey}`, error);
    }
  }

  // ---- objects -----------------------------------------------------------------------------------

  private async get(key: string, action: string): Promise<Fetched | undefined> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const text = out.Body ? await out.Body.transformToString('utf8') : '';
      return { text, etag: out.ETag ?? '', versionId: out.VersionId };
    } catch (error) {
      if (isAwsError(error, 'NoSuchKey')) return undefined;
      throw this.failure(action, `s3://${this.bucket}/${key}`, error);
    }
  }

  private async put(key: string, text: string, action: string): Promise<void> {
    try {
      await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: text, ContentType: 'application/json' }));
    } catch (error) {
      throw this.failure(action, `s3://${this.bucket}/${key}`, error);
    }
  }

  private async getLock(): Promise<LockObject | undefined> {
    const object = await this.get(this.lockKey, 'read the lock');
    if (!object) return undefined;
    try {
      const parsed = lockHolderSchema.safeParse(JSON.parse(object.text));
      if (parsed.success) return { kind: 'held', holder: parsed.data, object };
    } catch {
      // Not JSON: garbled, like a lock without a holder.
    }
    return { kind: 'garbled', object };
  }

  /**
   * Deletes exactly that lock: its version where the bucket keeps versions (for good, leaving no
   * delete marker), else the object while it still has its ETag. False when it was not there any more.
   */
  private async deleteLock(lock: Pick<Fetched, 'etag' | 'versionId'>): Promise<boolean> {
    const exact = lock.versionId && lock.versionId !== 'null' ? { VersionId: lock.versionId } : { IfMatch: lock.etag };
    try {
      await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.lockKey, ...exact }));
      return true;
    } catch (error) {
      if (isAwsError(error, ...PRECONDITION, 'NoSuchKey')) return false;
      throw this.failure('remove the lock', this.lockLocation, error);
    }
  }

  private async heldError(): Promise<LockError> {
    const current = await this.getLock();
    const stack = this.options.stack;
    if (!current) {
      return new LockError('LOCK_HELD', `stack "${stack}" was locked by another run a moment ago (${this.lockLocation})`, { hint: 'Run again.' });
    }
    if (current.kind === 'garbled') return this.garbledError();
    const h = current.holder;
    const who = `pid ${h.pid} (${h.user ?? '?'}@${h.host}, "${h.command}", since ${since(h.startedAt)})`;
    const clear = 'clear the lock with `shipline state unlock --force`, or re-run with --force-unlock';
    const liveness = holderLiveness(h);
    if (liveness.verdict === 'dead') {
      return new LockError('LOCK_STALE', `stack "${stack}" is locked by ${who}, but ${describeDeath(liveness.why)} (${this.lockLocation})`, {
        hint: `The run was killed or crashed: ${clear}. The next run carries on where it stopped.`,
      });
    }
    return new LockError('LOCK_HELD', `stack "${stack}" is locked by ${who} (${this.lockLocation})`, {
      hint:
        `Wait for that run to finish. Another machine's run cannot be checked from here: if you are sure it is dead ` +
        `(its machine or CI job is gone), ${clear}.`,
    });
  }

  private garbledError(): LockError {
    return new LockError('LOCK_HELD', `lock ${this.lockLocation} exists but does not name a holder, so stack "${this.options.stack}" is treated as locked`, {
      hint: 'If no shipline run is active on this stack, clear it with `shipline state unlock --force`.',
    });
  }

  /** AWS's answer as a message that says what happened: no bucket, access denied, or the code. */
  private failure(action: string, target: string, error: unknown): StateBackendError {
    const code = awsErrorCode(error);
    if (code === 'NoSuchBucket') {
      return new StateBackendError('STATE_BUCKET_MISSING', `cannot ${action} ${target}: the state bucket ${this.bucket} does not exist (NoSuchBucket)`, {
        cause: error,
        hint:
          `Create it (with versioning, which keeps earlier states), or fix state.backend.bucket in the config:\n` +
          `  aws s3api create-bucket --bucket ${this.bucket} --create-bucket-configuration LocationConstraint=<region>\n` +
          `  aws s3api put-bucket-versioning --bucket ${this.bucket} --versioning-configuration Status=Enabled`,
      });
    }
    if (code !== undefined && (ACCESS_DENIED.includes(code) || httpStatus(error) === 403)) {
      return new StateBackendError('STATE_ACCESS_DENIED', `cannot ${action} ${target}: access denied (${code})`, {
        cause: error,
        hint:
          `The credentials in use need s3:GetObject, s3:PutObject and s3:DeleteObject on arn:aws:s3:::${this.bucket}/${this.key}* ` +
          `(the state, its .lock and .moved objects) and s3:ListBucket on arn:aws:s3:::${this.bucket} (without it S3 answers ` +
          'AccessDenied for an object that does not exist yet).',
      });
    }
    if (code === 'PermanentRedirect' || code === 'AuthorizationHeaderMalformed' || httpStatus(error) === 301) {
      return new StateBackendError('STATE_BACKEND', `cannot ${action} ${target}: the bucket is in another region (${code ?? '301'})`, {
        cause: error,
        hint: `Set state.backend.region to the region of bucket ${this.bucket}.`,
      });
    }
    return new StateBackendError('STATE_BACKEND', `cannot ${action} ${target}: ${code ?? messageOf(error)}`, {
      cause: error,
      ...(error instanceof ShiplineError && error.hint ? { hint: error.hint } : {}),
    });
  }
}

function httpStatus(error: unknown): number | undefined {
  const seen = new Set<unknown>();
  let e: unknown = error;
  // AwsCallError keeps the SDK's exception as its cause.
  while (typeof e === 'object' && e !== null && !seen.has(e)) {
    seen.add(e);
    const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status !== undefined) return status;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
