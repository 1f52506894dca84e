// The S3 state backend on the sandbox's S3: the conditional writes it relies on, compare-and-swap
// saves, the lock object, and errors that say what happened.
import { ListObjectVersionsCommand, PutObjectCommand, type S3ServiceException } from '@aws-sdk/client-s3';
import { writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { AwsClients } from '../src/aws/clients';
import { awsErrorCode } from '../src/aws/errors';
import { LockError, ShiplineError } from '../src/errors';
import { sandboxClientOptions } from '../src/sandbox/client-plugin';
import { StateStore } from '../state';
import { StateBackendError } from '../state/backend';
import { BUCKET, KEY, useS3State } from './helpers/s3-state-fixture';
import { REGION } from './helpers/sandbox-fixture';
import { rejectionOf } from './helpers/rejection';

const expect_ = { stack: 'dev', region: REGION };

const env = useS3State('shipline-s3state-');
const { backend } = env;

const versioned = () => env.sandbox.dispatch('s3', 'PutBucketVersioning', { Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } });

async function text(key = KEY): Promise<string | undefined> {
  try {
    const out = (await env.sandbox.dispatch('s3', 'GetObject', { Bucket: BUCKET, Key: key })) as { Body: { transformToString(): Promise<string> } };
    return await out.Body.transformToString();
  } catch (error) {
    if (awsErrorCode(error) === 'NoSuchKey') return undefined;
    throw error;
  }
}

const rejection = (promise: Promise<unknown>) => rejectionOf(promise, ShiplineError);

describe('the sandbox S3 honours the conditional requests the backend relies on', () => {
  async function status(promise: Promise<unknown>): Promise<[string | undefined, number | undefined]> {
    const error = (await promise.then(
      () => undefined,
      (e: unknown) => e,
    )) as S3ServiceException | undefined;
    return [error?.name, error?.$metadata?.httpStatusCode];
  }

  it.each(['mock', 'client'] as const)('If-None-Match: * and If-Match answer 412 PreconditionFailed (%s adapter)', async (adapter) => {
    const client =
      adapter === 'mock' ? env.s3 : (env.restoreMocks(), new AwsClients({ ...sandboxClientOptions(env.sandbox), region: REGION }).s3);
    const put = (extra: Record<string, string>) => client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'k', Body: 'v1', ...extra }));

    const first = await put({ IfNoneMatch: '*' });
    expect(first.ETag).toMatch(/^"[0-9a-f]{32}"$/);
    // A second create-only write of the same key is refused, whatever the body.
    const [name, code] = await status(put({ IfNoneMatch: '*' }));
    expect(name).toBe('PreconditionFailed');
    if (adapter === 'mock') expect(code).toBe(412);

    const second = await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'k', Body: 'v2', IfMatch: first.ETag }));
    // The old ETag no longer matches: refused, and the object keeps v2.
    expect((await status(client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'k', Body: 'v3', IfMatch: first.ETag }))))[0]).toBe('PreconditionFailed');
    expect(await text('k')).toBe('v2');
    // If-Match on a key that is not there: NoSuchKey, as on AWS.
    expect((await status(client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'nope', Body: 'x', IfMatch: second.ETag }))))[0]).toBe('NoSuchKey');
  });

  it('a delete by VersionId removes that version for good (no delete marker), so the key is free again', async () => {
    await versioned();
    const put = await env.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'k.lock', Body: '{}', IfNoneMatch: '*' }));
    await env.sandbox.dispatch('s3', 'DeleteObject', { Bucket: BUCKET, Key: 'k.lock', VersionId: put.VersionId });
    const listed = await env.s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET, Prefix: 'k.lock' }));
    expect(listed.Versions).toBeUndefined();
    expect(listed.DeleteMarkers).toBeUndefined();
    await env.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'k.lock', Body: '{}', IfNoneMatch: '*' }));
  });
});

describe('S3Backend saves: compare-and-swap on the ETag', () => {
  it('creates only when absent, then writes only over the version it knows', async () => {
    const b = backend();
    expect(await b.read()).toBeUndefined();
    const v1 = await b.write('one', undefined);
    expect((await rejection(b.write('again', undefined))).code).toBe('STATE_CONFLICT');
    const v2 = await b.write('two', v1);
    const stale = await rejection(b.write('three', v1));
    expect(stale.code).toBe('STATE_CONFLICT');
    expect(stale.message).toContain(`s3://${BUCKET}/${KEY}`);
    expect(stale.message).toContain('nothing was overwritten');
    expect(await b.read()).toEqual({ text: 'two', version: v2 });
  });

  it("a save after someone else's save fails with a clear message and leaves the newer state intact", async () => {
    const a = await StateStore.openIn(backend(), expect_);
    await a.record('network.vpc', { id: 'vpc-1' });
    const b = await StateStore.openIn(backend(), expect_);
    await b.record('nat.instance', { id: 'i-newer' });
    const newer = await text();

    const error = await rejection(a.record('network.igw', { id: 'igw-lost' }));
    expect(error).toBeInstanceOf(StateBackendError);
    expect(error.code).toBe('STATE_CONFLICT');
    expect(error.message).toMatch(/changed underneath this run/);
    expect(error.hint).toMatch(/--force-unlock/);
    expect(await text()).toBe(newer);
    // It never gets through later either: every later save is checked against the same stale version.
    expect((await rejection(a.forget('network.vpc'))).code).toBe('STATE_CONFLICT');
    expect(JSON.parse((await text())!)).toMatchObject({ resources: { 'network.vpc': { id: 'vpc-1' }, 'nat.instance': { id: 'i-newer' } } });
  });

  it('persists all of 30 concurrent record() calls, one save at a time', async () => {
    const store = await StateStore.openIn(backend(), expect_);
    await Promise.all(Array.from({ length: 30 }, (_, i) => store.record(`step${i}.res`, { id: `id-${i}` })));
    const reopened = await StateStore.openIn(backend(), expect_);
    expect(reopened.keys()).toHaveLength(30);
    expect(env.sandbox.calls.filter((c) => c.operation === 'PutObject' && c.error)).toEqual([]);
  });

  it('a corrupt state names the object and how to restore an earlier version', async () => {
    await env.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: KEY, Body: '{ "version": 1,' }));
    const error = await rejection(StateStore.openIn(backend(), expect_));
    expect(error.code).toBe('STATE_CORRUPT');
    expect(error.message).toContain(`s3://${BUCKET}/${KEY}`);
    expect(error.hint).toContain(`list-object-versions --bucket ${BUCKET} --prefix ${KEY}`);
  });
});

describe('S3Backend errors say what happened', () => {
  it('a missing bucket', async () => {
    const error = await rejection(StateStore.openIn(backend({ bucket: 'no-such-bucket' }), expect_));
    expect(error.code).toBe('STATE_BUCKET_MISSING');
    expect(error.message).toContain('no-such-bucket does not exist');
    expect(error.hint).toContain('put-bucket-versioning');
  });

  it("another account's bucket: access denied, with the permissions it needs", async () => {
    env.sandbox.s3.createForeignBucket('someone-elses');
    const error = await rejection(backend({ bucket: 'someone-elses' }).lock({ command: 'provision' }));
    expect(error.code).toBe('STATE_ACCESS_DENIED');
    expect(error.message).toContain('access denied (AccessDenied)');
    expect(error.hint).toContain('s3:PutObject');
  });

  it('a local state file that was never migrated stops the run instead of starting an empty stack', async () => {
    const local = join(env.dir, 'dev.json');
    await writeFile(local, '{}');
    const error = await rejection(StateStore.openIn(backend({ localPath: local }), expect_));
    expect(error.code).toBe('STATE_MOVED');
    expect(error.message).toContain(local);
    expect(error.hint).toContain('shipline state migrate --to s3');
  });

  it('warns when the bucket keeps no earlier versions (the .bak of S3)', async () => {
    expect((await backend().warnings())[0]).toMatch(/has no versioning/);
    await versioned();
    expect(await backend().warnings()).toEqual([]);
  });
});

describe('the S3 lock', () => {
  it('one holder at a time: the second is told who holds it and since when', async () => {
    const first = await backend().lock({ command: 'provision' });
    expect(first.path).toBe(`s3://${BUCKET}/${KEY}.lock`);
    expect(JSON.parse((await text(`${KEY}.lock`))!)).toMatchObject({ pid: process.pid, host: hostname(), command: 'provision' });

    const error = await rejection(backend().lock({ command: 'destroy' }));
    expect(error).toBeInstanceOf(LockError);
    expect(error.code).toBe('LOCK_HELD');
    expect(error.message).toContain(`pid ${process.pid}`);
    expect(error.message).toContain(hostname());
    expect(error.message).toContain('"provision"');
    expect(error.message).toMatch(/since \d{4}-\d\d-\d\dT.*just now/);
    expect(error.hint).toContain('shipline state unlock --force');

    await first.release();
    await first.release();
    expect(await text(`${KEY}.lock`)).toBeUndefined();
    await (await backend().lock({ command: 'destroy' })).release();
  });

  it('in a versioned bucket, taking and releasing leaves no version or delete marker behind', async () => {
    await versioned();
    for (let i = 0; i < 3; i++) await (await backend().lock({ command: 'provision' })).release();
    const listed = await env.s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET, Prefix: `${KEY}.lock` }));
    expect([...(listed.Versions ?? []), ...(listed.DeleteMarkers ?? [])]).toEqual([]);
  });

  it.each([false, true])('force takes over; the old holder releasing later leaves the new lock alone (versioned: %s)', async (isVersioned) => {
    if (isVersioned) await versioned();
    const old = await backend().lock({ command: 'provision' });
    const taken = await backend().lock({ command: 'provision', force: true });
    expect(taken.forced).toBe(true);
    expect(taken.previous).toEqual(old.holder);
    await old.release();
    expect(await backend().readLock()).toEqual(taken.holder);
    await taken.release();
    expect(await backend().readLock()).toBeUndefined();
  });

  it("reports a dead process's lock on this host as stale; on another host it cannot tell", async () => {
    const holder = { pid: 2 ** 22 + 12345, user: 'ci', host: hostname(), command: 'provision', startedAt: new Date(Date.now() - 30 * 60_000).toISOString() };
    await env.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${KEY}.lock`, Body: JSON.stringify(holder) }));
    const stale = await rejection(backend().lock({ command: 'provision' }));
    expect(stale.code).toBe('LOCK_STALE');
    expect(stale.message).toContain('30 min ago');
    expect(stale.message).toContain('that process no longer exists');

    await env.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${KEY}.lock`, Body: JSON.stringify({ ...holder, host: 'ci-runner-7' }) }));
    const held = await rejection(backend().lock({ command: 'provision' }));
    expect(held.code).toBe('LOCK_HELD');
    expect(held.message).toContain('ci@ci-runner-7');
    expect(held.hint).toMatch(/cannot be checked from here/);
  });

  it('breakLock removes the shown holder only; a garbled lock is held until broken', async () => {
    const mine = await backend().lock({ command: 'provision' });
    const someoneElse = { ...mine.holder, pid: mine.holder.pid + 1 };
    expect((await rejection(backend().breakLock(someoneElse))).code).toBe('LOCK_HELD');
    expect(await backend().breakLock(mine.holder)).toEqual(mine.holder);
    expect(await backend().readLock()).toBeUndefined();

    await env.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${KEY}.lock`, Body: 'not json' }));
    expect((await rejection(backend().lock({ command: 'provision' }))).message).toContain('does not name a holder');
    expect(await backend().breakLock()).toBeUndefined();
    await (await backend().lock({ command: 'provision' })).release();
  });
});
