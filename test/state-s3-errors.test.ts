// The S3 state backend's answers, word for word: conflicts that say what changed, where a state
// went, how to restore one, the lock's refusals and races, and AWS's failures as users read them.
// On the sandbox's S3; AWS's other answers (500s, 403s, redirects) are injected as the SDK shapes them.
import { writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { awsErrorCode } from '../src/aws/errors';
import { AwsCallError, ConfigError, LockError, ShiplineError } from '../src/errors';
import { awsError } from '../src/sandbox/kernel/errors';
import { StateStore } from '../state';
import { byWhom } from '../state/local';
import { BUCKET, KEY, useS3State } from './helpers/s3-state-fixture';
import { REGION } from './helpers/sandbox-fixture';
import { rejectionOf } from './helpers/rejection';

const STATE = `s3://${BUCKET}/${KEY}`;
const LOCK = `${STATE}.lock`;
const MOVED = `${STATE}.moved`;
const expect_ = { stack: 'dev', region: REGION };

const env = useS3State('shipline-s3errors-');
const { backend } = env;

const versioning = (Status: 'Enabled' | 'Suspended') =>
  env.sandbox.dispatch('s3', 'PutBucketVersioning', { Bucket: BUCKET, VersioningConfiguration: { Status } });
const put = (key: string, body: string) => env.sandbox.dispatch('s3', 'PutObject', { Bucket: BUCKET, Key: key, Body: body });
const del = (key: string) => env.sandbox.dispatch('s3', 'DeleteObject', { Bucket: BUCKET, Key: key });

async function text(key = KEY): Promise<string | undefined> {
  try {
    const out = (await env.sandbox.dispatch('s3', 'GetObject', { Bucket: BUCKET, Key: key })) as { Body: { transformToString(): Promise<string> } };
    return await out.Body.transformToString();
  } catch (error) {
    if (awsErrorCode(error) === 'NoSuchKey') return undefined;
    throw error;
  }
}

async function contentType(key: string): Promise<unknown> {
  return (await env.sandbox.dispatch('s3', 'HeadObject', { Bucket: BUCKET, Key: key })).ContentType;
}

const rejection = (promise: Promise<unknown>) => rejectionOf(promise, ShiplineError);

/** The calls the backend sent for `operation` on `key` (the test's own calls go through the env.sandbox too). */
function sent(operation: string, key: string): Array<Record<string, unknown>> {
  return env.sandbox.calls.filter((c) => c.operation === operation && (c.input as { Key?: string }).Key === key).map((c) => c.input as Record<string, unknown>);
}

/** AWS answers `error` to the next `operation` on `key` (once). */
function failNext(operation: string, key: string, error: unknown): void {
  let armed = true;
  env.sandbox.faults.on(operation, (call) => {
    if (armed && (call.input as { Key?: string }).Key === key) {
      armed = false;
      throw error;
    }
  });
}

/** As the SDK throws it: AWS's code as the name, the HTTP status in $metadata. */
const sdkError = (code: string, status: number) => awsError(code, `${code} (injected)`, { status });
/** As AwsClients throws it: an AwsCallError naming the call, the SDK's exception as its cause. */
const wrapped = (code: string, status: number, hint?: string) =>
  new AwsCallError(`s3:GetObject Bucket=${BUCKET}`, code, `${code} (injected)`, { cause: sdkError(code, status), ...(hint ? { hint } : {}) });

const HELD_HINT = 'Look again with `shipline state unlock`.';

describe('S3Backend: where things are, and how they are stored', () => {
  it('names the state and its lock as s3:// URLs, and stores the state, the lock and the moved note as JSON', async () => {
    const b = backend();
    expect([b.kind, b.location, b.lockLocation]).toEqual(['s3', STATE, LOCK]);
    await b.write('{}\n', undefined);
    const lock = await b.lock({ command: 'provision' });
    await b.retire((await b.read())!.version, '/home/ana/dev.json');
    expect([await contentType(KEY + '.lock'), await contentType(KEY + '.moved')]).toEqual(['application/json', 'application/json']);
    await lock.release();
    await backend().write('{}\n', undefined);
    expect(await contentType(KEY)).toBe('application/json');
  });

  it('reads back UTF-8 as written', async () => {
    const v = await backend().write('{"name":"état ✓"}', undefined);
    expect(await backend().read()).toEqual({ text: '{"name":"état ✓"}', version: v });
  });
});

describe('S3Backend saves: each refusal says what changed', () => {
  const conflict = (detail: string) =>
    `state ${STATE} changed underneath this run (${detail}); this run's save was refused and nothing was overwritten`;

  it('a first save when another run created the state meanwhile: "another run created it"', async () => {
    await put(KEY, 'theirs');
    const error = await rejection(backend().write('mine', undefined));
    expect([error.code, error.message]).toEqual(['STATE_CONFLICT', conflict('another run created it')]);
    expect(await text()).toBe('theirs');
  });

  it('a save over an ETag that changed names the ETag it expected', async () => {
    const v1 = await backend().write('one', undefined);
    await put(KEY, 'theirs');
    const error = await rejection(backend().write('mine', v1));
    expect([error.code, error.message]).toEqual(['STATE_CONFLICT', conflict(`its ETag is no longer ${v1}`)]);
    expect(sent('PutObject', KEY).at(-1)).toMatchObject({ IfMatch: v1 });
    expect(await text()).toBe('theirs');
  });

  it('a save over a state that was deleted: "it was deleted" (S3 answers If-Match on a missing key with NoSuchKey)', async () => {
    const v1 = await backend().write('one', undefined);
    await del(KEY);
    const error = await rejection(backend().write('mine', v1));
    expect([error.code, error.message]).toEqual(['STATE_CONFLICT', conflict('it was deleted')]);
    expect(await text()).toBeUndefined();
  });

  it('409 ConditionalRequestConflict (a concurrent conditional write) is a conflict like 412', async () => {
    const v1 = await backend().write('one', undefined);
    failNext('PutObject', KEY, sdkError('ConditionalRequestConflict', 409));
    expect((await rejection(backend().write('two', v1))).message).toBe(conflict(`its ETag is no longer ${v1}`));
    await del(KEY);
    failNext('PutObject', KEY, sdkError('ConditionalRequestConflict', 409));
    expect((await rejection(backend().write('two', undefined))).message).toBe(conflict('another run created it'));
  });

  it.each([
    ['a first save', false],
    ['a save over a known ETag', true],
  ])('any other failure of %s is no conflict: "cannot save <object>: <code>"', async (_what, known) => {
    const v1 = known ? await backend().write('one', undefined) : undefined;
    failNext('PutObject', KEY, sdkError('InternalError', 500));
    const error = await rejection(backend().write('two', v1));
    expect([error.code, error.message, error.hint]).toEqual(['STATE_BACKEND', `cannot save ${STATE}: InternalError`, undefined]);
  });

  it('S3 answering a save without an ETag fails it: there is no version to check the next save against', async () => {
    env.sandbox.faults.onOutput('PutObject', (_call, output) => {
      const { ETag: _dropped, ...rest } = output;
      return rest;
    });
    const error = await rejection(backend().write('one', undefined));
    expect([error.code, error.message]).toEqual(['STATE_BACKEND', `cannot save ${STATE}: S3 answered no ETag for ${STATE}`]);
  });

  it('a read that fails names the object: "cannot read <object>: <code>"', async () => {
    failNext('GetObject', KEY, sdkError('InternalError', 500));
    expect((await rejection(backend().read())).message).toBe(`cannot read ${STATE}: InternalError`);
  });
});

describe('S3Backend.elsewhere: a stack whose state is not here', () => {
  it('a moved note says where the state went, when and by whom, and how to follow it', async () => {
    await put(`${KEY}.moved`, JSON.stringify({ movedTo: '/home/ana/dev.json', movedAt: '2026-01-02T03:04:05.000Z', by: 'ana@laptop' }));
    // The note wins over a local file: the state was moved there on purpose.
    const local = join(env.dir, 'dev.json');
    await writeFile(local, '{}');
    expect(await backend({ localPath: local }).elsewhere()).toEqual({
      message: `the state of ${STATE} was moved to /home/ana/dev.json on 2026-01-02T03:04:05.000Z (by ana@laptop)`,
      hint:
        'Set state.backend to { "type": "local" } in the config (and --state if the file is not the default one), ' +
        'or move it back here with `shipline state migrate --to s3`.',
    });
    const error = await rejection(StateStore.openIn(backend(), expect_));
    expect(error.code).toBe('STATE_MOVED');
  });

  it('a note it cannot read still stops the run', async () => {
    await put(`${KEY}.moved`, 'garbage');
    expect((await backend().elsewhere())?.message).toBe(`the state of ${STATE} was moved elsewhere by \`shipline state migrate\``);
  });

  it('a local state file never migrated: named, with both ways out', async () => {
    const local = join(env.dir, 'dev.json');
    await writeFile(local, '{}');
    expect(await backend({ localPath: local }).elsewhere()).toEqual({
      message: `there is no state in ${STATE}, but the local state file ${local} exists: the stack's state was never migrated to S3`,
      hint: 'Move it with `shipline state migrate --to s3`, or set state.backend back to { "type": "local" } in the config.',
    });
  });

  it('a local path with no file there is a stack without state yet: the run starts it here', async () => {
    const b = backend({ localPath: join(env.dir, 'absent.json') });
    expect(await b.elsewhere()).toBeUndefined();
    expect(await backend().elsewhere()).toBeUndefined();
    const store = await StateStore.openIn(b, expect_);
    expect(store.keys()).toEqual([]);
  });

  it('a note that cannot be read names the note', async () => {
    failNext('GetObject', `${KEY}.moved`, sdkError('InternalError', 500));
    expect((await rejection(backend().elsewhere())).message).toBe(`cannot read ${MOVED}: InternalError`);
  });
});

describe('S3Backend.corruptHint and warnings', () => {
  it('a corrupt state: the aws s3api commands that list and restore an earlier version, or start over', async () => {
    expect(await backend().corruptHint()).toBe(
      `The bucket's versioning keeps the earlier states: list them with\n` +
        `  aws s3api list-object-versions --bucket ${BUCKET} --prefix ${KEY}\n` +
        `and restore one with\n` +
        `  aws s3api copy-object --bucket ${BUCKET} --key ${KEY} --copy-source '${BUCKET}/${KEY}?versionId=<VersionId>'\n` +
        `or delete ${STATE} and run provision again: it adopts the existing resources by their tags.`,
    );
  });

  const noVersioning =
    `state bucket ${BUCKET} has no versioning: earlier states are not kept (they stand in for the local .bak); ` +
    `enable it with \`aws s3api put-bucket-versioning --bucket ${BUCKET} --versioning-configuration Status=Enabled\``;

  it('warns, with the command that fixes it, while versioning is off or suspended; not once it is on', async () => {
    expect(await backend().warnings()).toEqual([noVersioning]);
    await versioning('Suspended');
    expect(await backend().warnings()).toEqual([noVersioning]);
    await versioning('Enabled');
    expect(await backend().warnings()).toEqual([]);
  });

  it('no warning when the credentials may not ask (s3:GetBucketVersioning denied): the run needs nothing from it', async () => {
    env.sandbox.faults.on('GetBucketVersioning', () => {
      throw sdkError('AccessDenied', 403);
    });
    expect(await backend().warnings()).toEqual([]);
    expect(env.sandbox.calls.filter((c) => c.operation === 'GetBucketVersioning' && c.error === 'AccessDenied')).toHaveLength(1);
  });
});

describe('the S3 lock: taking it', () => {
  it('a lock taken without force, or with force when there was none, is not reported as forced', async () => {
    const plain = await backend().lock({ command: 'provision' });
    expect([plain.forced, plain.previous]).toEqual([false, undefined]);
    await plain.release();
    const forcedOnNothing = await backend().lock({ command: 'provision', force: true });
    expect([forcedOnNothing.forced, forcedOnNothing.previous]).toEqual([false, undefined]);
    // Nothing was removed to take it: the only lock delete is the release above.
    expect(sent('DeleteObject', `${KEY}.lock`)).toHaveLength(1);
    await forcedOnNothing.release();
  });

  it('force over a garbled lock takes it, with no previous holder to report', async () => {
    await put(`${KEY}.lock`, 'not json');
    const taken = await backend().lock({ command: 'provision', force: true });
    expect([taken.forced, taken.previous]).toEqual([true, undefined]);
    expect(await backend().readLock()).toEqual(taken.holder);
    await taken.release();
  });

  it('a refusal that is not "it exists": "cannot take the lock <lock>: <code>"', async () => {
    failNext('PutObject', `${KEY}.lock`, sdkError('InternalError', 500));
    const error = await rejection(backend().lock({ command: 'provision' }));
    expect([error.code, error.message]).toEqual(['STATE_BACKEND', `cannot take the lock ${LOCK}: InternalError`]);
    // Access denied on the put is said as such, about taking the lock (not about reading it).
    failNext('PutObject', `${KEY}.lock`, sdkError('AccessDenied', 403));
    const denied = await rejection(backend().lock({ command: 'provision' }));
    expect([denied.code, denied.message]).toEqual(['STATE_ACCESS_DENIED', `cannot take the lock ${LOCK}: access denied (AccessDenied)`]);
    expect(sent('GetObject', `${KEY}.lock`)).toEqual([]);
  });

  it('a lock released between our refused put and our look: "locked by another run a moment ago", run again', async () => {
    await put(`${KEY}.lock`, JSON.stringify({ pid: 4242, user: 'ci', host: 'ci-runner-7', command: 'provision', startedAt: new Date().toISOString() }));
    let released = false;
    env.sandbox.faults.on('GetObject', (call) => {
      if (!released && (call.input as { Key?: string }).Key === `${KEY}.lock`) {
        released = true;
        env.sandbox.s3.deleteObject({ Bucket: BUCKET, Key: `${KEY}.lock` });
      }
    });
    const error = await rejection(backend().lock({ command: 'provision' }));
    expect(error).toBeInstanceOf(LockError);
    expect([error.code, error.message, error.hint]).toEqual(['LOCK_HELD', `stack "dev" was locked by another run a moment ago (${LOCK})`, 'Run again.']);
  });

  it('held on another machine: who, since when, and that it cannot be checked from here (no user name: "?")', async () => {
    const startedAt = new Date(Date.now() - 30 * 60_000).toISOString();
    await put(`${KEY}.lock`, JSON.stringify({ pid: 4242, user: null, host: 'ci-runner-7', command: 'provision', startedAt }));
    const error = await rejection(backend().lock({ command: 'destroy' }));
    expect(error.code).toBe('LOCK_HELD');
    expect(error.message).toBe(`stack "dev" is locked by pid 4242 (?@ci-runner-7, "provision", since ${startedAt}, 30 min ago) (${LOCK})`);
    expect(error.hint).toBe(
      'Wait for that run to finish. Another machine\'s run cannot be checked from here: if you are sure it is dead ' +
        '(its machine or CI job is gone), clear the lock with `shipline state unlock --force`, or re-run with --force-unlock.',
    );
  });

  it('held by a dead process of this machine: stale, with how to clear it', async () => {
    const startedAt = new Date(Date.now() - 30 * 60_000).toISOString();
    const pid = 2 ** 22 + 12345;
    await put(`${KEY}.lock`, JSON.stringify({ pid, user: 'ci', host: hostname(), command: 'provision', startedAt }));
    const error = await rejection(backend().lock({ command: 'provision' }));
    expect(error.code).toBe('LOCK_STALE');
    expect(error.message).toBe(
      `stack "dev" is locked by pid ${pid} (ci@${hostname()}, "provision", since ${startedAt}, 30 min ago), but that process no longer exists (${LOCK})`,
    );
    expect(error.hint).toBe(
      'The run was killed or crashed: clear the lock with `shipline state unlock --force`, or re-run with --force-unlock. ' +
        'The next run carries on where it stopped.',
    );
  });

  const garbled = `lock ${LOCK} exists but does not name a holder, so stack "dev" is treated as locked`;
  const garbledHint = 'If no shipline run is active on this stack, clear it with `shipline state unlock --force`.';

  it.each([
    ['not JSON', 'not json'],
    ['JSON without a holder', '{"pid":"one","host":"x"}'],
  ])('a lock that names no holder (%s) is held: by lock() and readLock() alike', async (_what, body) => {
    await put(`${KEY}.lock`, body);
    for (const error of [await rejection(backend().lock({ command: 'provision' })), await rejection(backend().readLock())]) {
      expect(error).toBeInstanceOf(LockError);
      expect([error.code, error.message, error.hint]).toEqual(['LOCK_HELD', garbled, garbledHint]);
    }
    expect(await text(`${KEY}.lock`)).toBe(body);
  });

  it('a lock that cannot be read names the lock', async () => {
    failNext('GetObject', `${KEY}.lock`, sdkError('InternalError', 500));
    expect((await rejection(backend().readLock())).message).toBe(`cannot read the lock ${LOCK}: InternalError`);
  });
});

describe('the S3 lock: releasing and breaking it', () => {
  it('release twice sends one delete', async () => {
    const lock = await backend().lock({ command: 'provision' });
    await lock.release();
    await lock.release();
    expect(sent('DeleteObject', `${KEY}.lock`)).toHaveLength(1);
  });

  it('release after `state unlock --force` removed the lock: quiet (S3 answers NoSuchKey to If-Match), and nothing else is removed', async () => {
    const lock = await backend().lock({ command: 'provision' });
    expect(await backend().breakLock()).toEqual(lock.holder);
    await lock.release();
    expect(env.sandbox.calls.filter((c) => c.operation === 'DeleteObject').map((c) => c.error)).toEqual([undefined, 'NoSuchKey']);
  });

  it('a release S3 refuses says so (the lock stays, for `state unlock` to clear)', async () => {
    const lock = await backend().lock({ command: 'provision' });
    failNext('DeleteObject', `${KEY}.lock`, sdkError('AccessDenied', 403));
    const error = await rejection(lock.release());
    expect([error.code, error.message]).toEqual(['STATE_ACCESS_DENIED', `cannot remove the lock ${LOCK}: access denied (AccessDenied)`]);
    expect(await backend().readLock()).toEqual(lock.holder);
  });

  it('breakLock with no lock: nothing to remove, nothing sent', async () => {
    expect(await backend().breakLock()).toBeUndefined();
    expect(sent('DeleteObject', `${KEY}.lock`)).toEqual([]);
  });

  it('breakLock of the holder a person confirmed refuses when the lock changed meanwhile (another holder, or garbled)', async () => {
    const shown = (await backend().lock({ command: 'provision' })).holder;
    await backend().breakLock();
    const now = await backend().lock({ command: 'destroy' });
    const changed = `the lock of stack "dev" changed while you were confirming (${LOCK})`;
    const error = await rejection(backend().breakLock({ ...shown, startedAt: '2020-01-01T00:00:00.000Z' }));
    expect([error.code, error.message, error.hint]).toEqual(['LOCK_HELD', changed, HELD_HINT]);
    expect(await backend().readLock()).toEqual(now.holder);

    await put(`${KEY}.lock`, 'not json');
    const garbledNow = await rejection(backend().breakLock(now.holder));
    expect([garbledNow.code, garbledNow.message, garbledNow.hint]).toEqual(['LOCK_HELD', changed, HELD_HINT]);
    expect(await text(`${KEY}.lock`)).toBe('not json');
  });

  it('breakLock refuses when the lock is replaced between its look and its delete, and leaves the new one', async () => {
    const old = await backend().lock({ command: 'provision' });
    const newer = JSON.stringify({ ...old.holder, command: 'destroy', nonce: 'another' });
    let replaced = false;
    env.sandbox.faults.on('DeleteObject', () => {
      if (replaced) return;
      replaced = true;
      env.sandbox.s3.putObject({ Bucket: BUCKET, Key: `${KEY}.lock`, Body: newer });
    });
    const error = await rejection(backend().breakLock(old.holder));
    expect([error.code, error.message, error.hint]).toEqual([
      'LOCK_HELD',
      `the lock of stack "dev" changed while it was being removed (${LOCK})`,
      HELD_HINT,
    ]);
    expect(await text(`${KEY}.lock`)).toBe(newer);
  });

  it('deletes exactly the lock it read: by VersionId where versions are kept, by If-Match where S3 answers version "null"', async () => {
    await versioning('Enabled');
    await (await backend().lock({ command: 'provision' })).release();
    await backend().lock({ command: 'provision' });
    await backend().breakLock();
    const [released, broken] = sent('DeleteObject', `${KEY}.lock`);
    expect(released).toEqual({ Bucket: BUCKET, Key: `${KEY}.lock`, VersionId: expect.any(String) });
    expect(broken).toEqual({ Bucket: BUCKET, Key: `${KEY}.lock`, VersionId: expect.any(String) });

    // Suspended: every new object is the version "null", which the next lock would reuse: only its ETag tells them apart.
    await versioning('Suspended');
    const lock = await backend().lock({ command: 'provision' });
    const etag = (await env.sandbox.dispatch('s3', 'HeadObject', { Bucket: BUCKET, Key: `${KEY}.lock` })).ETag;
    expect(await backend().breakLock(lock.holder)).toEqual(lock.holder);
    expect(sent('DeleteObject', `${KEY}.lock`).at(-1)).toEqual({ Bucket: BUCKET, Key: `${KEY}.lock`, IfMatch: etag });
    expect(await text(`${KEY}.lock`)).toBeUndefined();
  });
});

describe('state migrate: retire and clearMoved', () => {
  it('retire leaves a note naming the destination, then removes the state it copied (If-Match on its ETag)', async () => {
    const v = await backend().write('{}\n', undefined);
    await backend().retire(v, '/home/ana/dev.json');
    expect(await text()).toBeUndefined();
    expect(sent('DeleteObject', KEY)).toEqual([{ Bucket: BUCKET, Key: KEY, IfMatch: v }]);
    const note = JSON.parse((await text(`${KEY}.moved`))!) as Record<string, string>;
    expect(note).toEqual({ movedTo: '/home/ana/dev.json', movedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), by: byWhom() });
    expect((await backend().elsewhere())?.message).toContain('was moved to /home/ana/dev.json');
  });

  it('retire refuses to remove a state saved since it was copied, and keeps it', async () => {
    const v = await backend().write('{}\n', undefined);
    await put(KEY, 'newer');
    const error = await rejection(backend().retire(v, '/home/ana/dev.json'));
    expect(error.code).toBe('STATE_CONFLICT');
    expect(error.message).toBe(
      `state ${STATE} changed underneath this run (it changed during the migration); this run's save was refused and nothing was overwritten`,
    );
    expect(await text()).toBe('newer');
  });

  it('retire of a state deleted since it was copied is a conflict too (S3 answers If-Match on a missing key with NoSuchKey), not a raw code', async () => {
    const v = await backend().write('{}\n', undefined);
    await del(KEY);
    const error = await rejection(backend().retire(v, '/home/ana/dev.json'));
    expect(error.code).toBe('STATE_CONFLICT');
    expect(error.message).toBe(
      `state ${STATE} changed underneath this run (it was deleted during the migration); this run's save was refused and nothing was overwritten`,
    );
    expect(error.hint).toMatch(/--force-unlock/);
  });

  it('a note that cannot be written stops retire before the state is touched', async () => {
    const v = await backend().write('{}\n', undefined);
    failNext('PutObject', `${KEY}.moved`, sdkError('InternalError', 500));
    const error = await rejection(backend().retire(v, '/home/ana/dev.json'));
    expect([error.code, error.message]).toEqual(['STATE_BACKEND', `cannot write the note ${MOVED}: InternalError`]);
    expect(sent('DeleteObject', KEY)).toEqual([]);
    expect(await text()).toBe('{}\n');
  });

  it('a removal that fails otherwise: "cannot remove <state>: <code>"', async () => {
    const v = await backend().write('{}\n', undefined);
    failNext('DeleteObject', KEY, sdkError('InternalError', 500));
    expect((await rejection(backend().retire(v, '/x'))).message).toBe(`cannot remove ${STATE}: InternalError`);
  });

  it('clearMoved removes the note (and only it); a failure names the note', async () => {
    await backend().write('{}\n', undefined);
    await put(`${KEY}.moved`, '{}');
    await backend().clearMoved();
    expect([await text(`${KEY}.moved`), await text()]).toEqual([undefined, '{}\n']);
    failNext('DeleteObject', `${KEY}.moved`, sdkError('InternalError', 500));
    expect((await rejection(backend().clearMoved())).message).toBe(`cannot remove ${MOVED}: InternalError`);
  });
});

describe("S3Backend: AWS's failures as users read them", () => {
  const read = async (error: unknown, bucket = BUCKET) => {
    failNext('GetObject', KEY, error);
    return rejection(backend({ bucket }).read());
  };

  it('no bucket: how to create it, with versioning', async () => {
    const error = await rejection(backend({ bucket: 'no-such-bucket' }).read());
    expect(error.code).toBe('STATE_BUCKET_MISSING');
    expect(error.message).toBe(`cannot read s3://no-such-bucket/${KEY}: the state bucket no-such-bucket does not exist (NoSuchBucket)`);
    expect(error.hint).toBe(
      'Create it (with versioning, which keeps earlier states), or fix state.backend.bucket in the config:\n' +
        '  aws s3api create-bucket --bucket no-such-bucket --create-bucket-configuration LocationConstraint=<region>\n' +
        '  aws s3api put-bucket-versioning --bucket no-such-bucket --versioning-configuration Status=Enabled',
    );
  });

  const deniedHint =
    `The credentials in use need s3:GetObject, s3:PutObject and s3:DeleteObject on arn:aws:s3:::${BUCKET}/${KEY}* ` +
    `(the state, its .lock and .moved objects) and s3:ListBucket on arn:aws:s3:::${BUCKET} (without it S3 answers ` +
    'AccessDenied for an object that does not exist yet).';

  it.each([
    ['AccessDenied from the SDK', sdkError('AccessDenied', 403), 'AccessDenied'],
    ['AccessDenied as AwsClients wraps it', wrapped('AccessDenied', 403), 'AccessDenied'],
    ['InvalidAccessKeyId', sdkError('InvalidAccessKeyId', 403), 'InvalidAccessKeyId'],
    // Any other 403, found on the SDK's exception behind AwsClients' AwsCallError.
    ['a 403 of another code', wrapped('AccountProblem', 403), 'AccountProblem'],
  ])('access denied (%s): the permissions the state needs', async (_what, error, code) => {
    const denied = await read(error);
    expect(denied.code).toBe('STATE_ACCESS_DENIED');
    expect(denied.message).toBe(`cannot read ${STATE}: access denied (${code})`);
    expect(denied.hint).toBe(deniedHint);
  });

  it.each([
    ['PermanentRedirect', sdkError('PermanentRedirect', 301), 'PermanentRedirect'],
    ['AuthorizationHeaderMalformed', wrapped('AuthorizationHeaderMalformed', 400), 'AuthorizationHeaderMalformed'],
    // A 301 without a body: the SDK names it after its status.
    ['a body-less 301', sdkError('301', 301), '301'],
    ['a 301 behind AwsClients', wrapped('MovedPermanently', 301), 'MovedPermanently'],
  ])('the bucket in another region (%s): set state.backend.region', async (_what, error, code) => {
    const moved = await read(error);
    expect(moved.code).toBe('STATE_BACKEND');
    expect(moved.message).toBe(`cannot read ${STATE}: the bucket is in another region (${code})`);
    expect(moved.hint).toBe(`Set state.backend.region to the region of bucket ${BUCKET}.`);
  });

  it("anything else: AWS's code, or the message of an error that has none; a shipline error's hint is kept", async () => {
    const other = await read(sdkError('SlowDown', 503));
    expect([other.code, other.message, other.hint]).toEqual(['STATE_BACKEND', `cannot read ${STATE}: SlowDown`, undefined]);

    expect((await read(new Error('socket hang up'))).message).toBe(`cannot read ${STATE}: socket hang up`);

    const profile = new ConfigError('AWS profile "team" does not exist', { hint: 'Create it with `aws configure --profile team`' });
    const config = await read(profile);
    expect([config.message, config.hint]).toEqual([`cannot read ${STATE}: AWS profile "team" does not exist`, 'Create it with `aws configure --profile team`']);

    const expired = await read(wrapped('ExpiredToken', 400, 'no usable AWS credentials: run `aws sso login`'));
    expect([expired.code, expired.message, expired.hint]).toEqual(['STATE_BACKEND', `cannot read ${STATE}: ExpiredToken`, 'no usable AWS credentials: run `aws sso login`']);
  });

  it('a cause chain that loops, or ends in null, is walked to its end once', async () => {
    const a = new AwsCallError('s3:GetObject', 'SlowDown', 'a') as AwsCallError & { cause: unknown };
    const b = new Error('b') as Error & { cause: unknown };
    a.cause = b;
    b.cause = a;
    expect((await read(a)).message).toBe(`cannot read ${STATE}: SlowDown`);
    const ended = new AwsCallError('s3:GetObject', 'SlowDown', 'c', { cause: null });
    expect((await read(ended)).message).toBe(`cannot read ${STATE}: SlowDown`);
  });
});
