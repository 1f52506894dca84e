// Team workflows end to end, on the sandbox: the state in S3 with its lock, `state migrate`,
// `state show` and `state unlock`.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { BASE_CONFIG, harness, type Harness, type RunResult } from './helpers/harness';

const BUCKET = 'team-state';
const KEY = 'shipline/demo.json';
const S3_CONFIG = { ...BASE_CONFIG, state: { backend: { type: 's3', bucket: BUCKET, key: KEY } } };

let h: Harness;
afterEach(() => h?.restore());

async function stateBucket(x: Harness, versioning = true): Promise<void> {
  await x.sandbox.dispatch('s3', 'CreateBucket', { Bucket: BUCKET, CreateBucketConfiguration: { LocationConstraint: 'eu-west-3' } });
  if (versioning) await x.sandbox.dispatch('s3', 'PutBucketVersioning', { Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } });
}

async function object(x: Harness, key = KEY): Promise<string | undefined> {
  try {
    const out = (await x.sandbox.dispatch('s3', 'GetObject', { Bucket: BUCKET, Key: key })) as { Body: { transformToString(): Promise<string> } };
    return await out.Body.transformToString();
  } catch (error) {
    if ((error as Error).name === 'NoSuchKey') return undefined;
    throw error;
  }
}

/** The mutating calls since `from`, as "service:Operation key" rows. */
function mutations(x: Harness, from: number): string[] {
  return x.sandbox
    .mutatingCalls()
    .slice(from)
    .map((c) => `${c.service}:${c.operation}${c.service === 's3' ? ` ${(c.input as { Key?: string }).Key ?? ''}` : ''}`);
}

describe('the state in S3', () => {
  it('two concurrent runs: exactly one proceeds, the other exits naming the holder; no state write is lost', async () => {
    h = harness({ config: S3_CONFIG });
    await stateBucket(h);
    // The second run starts while the first holds the lock (it is creating the VPC), and the first
    // goes on only once the second has finished: the race is the same every time.
    let second: Promise<RunResult> | undefined;
    h.sandbox.faults.on('CreateVpc', async () => {
      second ??= h!.run('provision');
      await second;
    });
    const winner = await h.run('provision');
    const loser = await second!;
    expect(winner.code).toBe(0);
    expect(loser.code).toBe(1);
    expect(loser.stderr).toContain(`stack "demo" is locked by pid ${process.pid}`);
    expect(loser.stderr).toContain(hostname());
    expect(loser.stderr).toContain('"provision"');
    expect(loser.stderr).toContain(`s3://${BUCKET}/${KEY}.lock`);
    expect(loser.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    // The winner's saves all went through (each a compare-and-swap on the one before) …
    expect(h.sandbox.calls.filter((c) => c.operation === 'PutObject' && c.error)).toHaveLength(1); // the loser's lock attempt
    const state = JSON.parse((await object(h))!) as { resources: Record<string, { id?: string }> };
    expect(state.resources['network.vpc']?.id).toMatch(/^vpc-/);
    expect(existsSync(h.statePath)).toBe(false); // nothing went to the local file
    // … and nothing is missing: a re-run finds every resource by its recorded ID and changes nothing
    // (a lost record would show as an adoption, i.e. a state write); only the lock comes and goes.
    const before = h.sandbox.mutatingCalls().length;
    const again = await h.ok('provision');
    expect(again.logs.filter((l) => l.outcome && l.outcome !== 'unchanged')).toEqual([]);
    expect(mutations(h, before)).toEqual([`s3:PutObject ${KEY}.lock`, `s3:DeleteObject ${KEY}.lock`]);
    expect(await object(h, `${KEY}.lock`)).toBeUndefined();
  });

  it("a save after someone else's save fails the ETag check: exit 1, a clear message, the newer state intact", async () => {
    h = harness({ config: S3_CONFIG });
    await stateBucket(h);
    // Someone else (a run whose lock was forced away from under it, say) writes the state while this run works.
    const theirs = `${JSON.stringify({ version: 1, stack: 'demo', region: 'eu-west-3', accountId: '123456789012', resources: { 'network.vpc': { id: 'vpc-theirs' } }, updatedAt: new Date().toISOString() }, null, 2)}\n`;
    h.sandbox.faults.on('CreateVpc', () => {
      h.sandbox.s3.putObject({ Bucket: BUCKET, Key: KEY, Body: theirs });
    });
    const result = await h.run('provision');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`state s3://${BUCKET}/${KEY} changed underneath this run`);
    expect(result.stderr).toContain('nothing was overwritten');
    expect(await object(h)).toBe(theirs);
    expect(await object(h, `${KEY}.lock`)).toBeUndefined(); // released all the same
  });

  it('plan reads the state from S3 and writes nothing, not even a lock', async () => {
    h = harness({ config: S3_CONFIG });
    await stateBucket(h);
    await h.ok('provision');
    const before = h.sandbox.mutatingCalls().length;
    const plan = await h.ok('plan', '--detailed-exitcode');
    expect(plan.code).toBe(0);
    expect(mutations(h, before)).toEqual([]);
  });

  it('a missing bucket and a missing permission are named, before any change', async () => {
    h = harness({ config: S3_CONFIG });
    const missing = await h.run('provision');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`the state bucket ${BUCKET} does not exist`);
    expect(missing.stderr).toContain('put-bucket-versioning');

    h.sandbox.s3.createForeignBucket(BUCKET);
    const denied = await h.run('provision');
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('access denied (AccessDenied)');
    expect(h.sandbox.mutatingCalls().filter((c) => c.service !== 's3')).toEqual([]);
  });

  it('warns when the bucket keeps no versions', async () => {
    h = harness({ config: S3_CONFIG });
    await stateBucket(h, false);
    const result = await h.ok('provision');
    expect(result.logs.some((l) => l.level === 40 && String(l.msg).includes('has no versioning'))).toBe(true);
  });

  it('a stack whose local state was never migrated is refused, with the command that moves it', async () => {
    h = harness();
    await h.ok('provision');
    await stateBucket(h);
    h.writeConfig(S3_CONFIG);
    const before = h.sandbox.mutatingCalls().length;
    const result = await h.run('provision');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('was never migrated to S3');
    expect(result.stderr).toContain('shipline state migrate --to s3');
    expect(mutations(h, before).filter((m) => !m.includes('.lock'))).toEqual([]);
  });
});

describe('state migrate', () => {
  it('local → s3 → local round-trips the exact bytes; each side says where the state went', async () => {
    h = harness();
    await h.ok('provision');
    const original = readFileSync(h.statePath, 'utf8');
    await stateBucket(h);
    h.writeConfig(S3_CONFIG);

    const toS3 = await h.ok('state', 'migrate', '--to', 's3');
    expect(toS3.stderr).toContain(`moved the state of demo from ${h.statePath} to s3://${BUCKET}/${KEY}`);
    expect(await object(h)).toBe(original);
    expect(existsSync(h.statePath)).toBe(false);
    expect(JSON.parse(readFileSync(`${h.statePath}.moved`, 'utf8'))).toMatchObject({ movedTo: `s3://${BUCKET}/${KEY}` });
    // The stack carries on from S3: nothing to do, nothing adopted.
    const before = h.sandbox.mutatingCalls().length;
    await h.ok('provision');
    expect(mutations(h, before)).toEqual([`s3:PutObject ${KEY}.lock`, `s3:DeleteObject ${KEY}.lock`]);
    // A run with the old (local) config stops instead of starting an empty stack.
    h.writeConfig(BASE_CONFIG);
    const stale = await h.run('provision');
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain(`was moved to s3://${BUCKET}/${KEY}`);
    h.writeConfig(S3_CONFIG);
    // Running it again is fine: it is already there.
    expect((await h.ok('state', 'migrate', '--to', 's3')).stderr).toContain('already in');

    const toLocal = await h.ok('state', 'migrate', '--to', 'local');
    expect(toLocal.stderr).toContain('set state.backend to { "type": "local" }');
    expect(readFileSync(h.statePath, 'utf8')).toBe(original);
    expect(existsSync(`${h.statePath}.moved`)).toBe(false);
    expect(await object(h)).toBeUndefined();
    expect(JSON.parse((await object(h, `${KEY}.moved`))!)).toMatchObject({ movedTo: expect.stringContaining(h.statePath) as unknown });
    // With the config still on S3, a run stops and says where the state is.
    const moved = await h.run('plan');
    expect(moved.code).toBe(1);
    expect(moved.stderr).toContain('was moved to local file');
    h.writeConfig(BASE_CONFIG);
    const back = await h.ok('plan', '--detailed-exitcode');
    expect(back.code).toBe(0);
  });

  it.each([
    ['before the copy is written', 'before'],
    ['after the copy is written, before the source is retired', 'after'],
  ] as const)('interrupted %s: the source stays usable, and a re-run finishes', async (_what, when) => {
    h = harness();
    await h.ok('provision');
    const original = readFileSync(h.statePath, 'utf8');
    await stateBucket(h);
    h.writeConfig(S3_CONFIG);
    if (when === 'before') {
      h.sandbox.faults.on('PutObject', (call) => {
        if ((call.input as { Key?: string }).Key === KEY) throw Object.assign(new Error('injected: connection reset'), { name: 'InternalError', $fault: 'server' });
      });
    } else {
      // The copy lands (the lock is mutating call 1, the copy 2), then the process dies before it can retire the source.
      h.sandbox.faults.crashAfterMutation(h.sandbox.mutatingCalls().length + 2);
    }
    const interrupted = await h.run('state', 'migrate', '--to', 's3');
    expect(interrupted.code).toBe(1);
    // The source is untouched and usable: with the local config, a provision is a no-op.
    expect(readFileSync(h.statePath, 'utf8')).toBe(original);
    expect(existsSync(`${h.statePath}.moved`)).toBe(false);
    expect(existsSync(`${h.statePath}.lock`)).toBe(false);
    expect(await object(h, `${KEY}.lock`)).toBeUndefined();
    expect(await object(h)).toBe(when === 'after' ? original : undefined);
    h.writeConfig(BASE_CONFIG);
    expect((await h.ok('plan', '--detailed-exitcode')).code).toBe(0);

    h.sandbox.faults.clear();
    h.writeConfig(S3_CONFIG);
    await h.ok('state', 'migrate', '--to', 's3');
    expect(await object(h)).toBe(original);
    expect(existsSync(h.statePath)).toBe(false);
  });

  it('refuses to overwrite a different state at the destination', async () => {
    h = harness();
    await h.ok('provision');
    await stateBucket(h);
    h.sandbox.s3.putObject({ Bucket: BUCKET, Key: KEY, Body: 'something else' });
    h.writeConfig(S3_CONFIG);
    const result = await h.run('state', 'migrate', '--to', 's3');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`s3://${BUCKET}/${KEY} already holds a different state`);
    expect(await object(h)).toBe('something else');
    expect(existsSync(h.statePath)).toBe(true);
  });

  it('needs an S3 location in the config', async () => {
    h = harness();
    const result = await h.run('state', 'migrate', '--to', 's3');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('names no S3 location');
  });
});

describe('state show and state unlock', () => {
  it('show prints the state exactly as stored, and where it is', async () => {
    h = harness({ config: S3_CONFIG });
    await stateBucket(h);
    await h.ok('provision');
    const shown = await h.ok('state', 'show');
    expect(shown.stdout).toBe(await object(h));
    expect(shown.stderr).toContain(`state of demo in s3://${BUCKET}/${KEY}`);
    expect(shown.stderr).toContain('not locked');
  });

  it('show prints a local state file exactly as stored; no state is an error', async () => {
    h = harness();
    await h.ok('provision');
    expect((await h.ok('state', 'show')).stdout).toBe(readFileSync(h.statePath, 'utf8'));
    const none = await h.run('state', 'show', '--state', `${h.statePath}.nope`);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('has no state in');
  });

  it('unlock shows the holder, removes it only with --force and after confirmation', async () => {
    h = harness({ config: S3_CONFIG, interactive: { answer: 'demo' } });
    await stateBucket(h);
    expect((await h.ok('state', 'unlock')).stdout).toContain('stack demo is not locked');
    const holder = { pid: 4242, user: 'ci', host: 'ci-runner-7', command: 'provision', startedAt: new Date(Date.now() - 3 * 3600_000).toISOString() };
    h.sandbox.s3.putObject({ Bucket: BUCKET, Key: `${KEY}.lock`, Body: JSON.stringify(holder) });

    const blocked = await h.run('provision');
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain('locked by pid 4242 (ci@ci-runner-7, "provision", since');
    expect(blocked.stderr).toContain('3 h ago');

    const shown = await h.run('state', 'unlock');
    expect(shown.code).toBe(2);
    expect(shown.stderr).toContain('only with --force');
    expect(await object(h, `${KEY}.lock`)).toBeDefined();

    const removed = await h.ok('state', 'unlock', '--force');
    expect(removed.stderr).toContain('Stack demo is locked by pid 4242');
    expect(removed.stdout).toContain('removed the lock of stack demo (pid 4242');
    expect(await object(h, `${KEY}.lock`)).toBeUndefined();
    await h.ok('provision');
  });

  it('unlock --force without a terminal needs --yes', async () => {
    h = harness({ config: S3_CONFIG });
    await stateBucket(h);
    h.sandbox.s3.putObject({ Bucket: BUCKET, Key: `${KEY}.lock`, Body: JSON.stringify({ pid: 1, user: null, host: 'elsewhere', command: 'destroy', startedAt: new Date().toISOString() }) });
    const noTerminal = await h.run('state', 'unlock', '--force');
    expect(noTerminal.code).toBe(2);
    expect(noTerminal.stderr).toContain('pass --yes');
    await h.ok('state', 'unlock', '--force', '--yes');
    expect(await object(h, `${KEY}.lock`)).toBeUndefined();
  });

  it('unlock --force on a terminal: a wrong answer cancels (local lock)', async () => {
    h = harness({ interactive: { answer: 'nope' } });
    await h.ok('provision');
    writeFileSync(`${h.statePath}.lock`, JSON.stringify({ pid: 1, user: null, host: 'elsewhere', command: 'destroy', startedAt: new Date().toISOString() }));
    const cancelled = await h.run('state', 'unlock', '--force');
    expect(cancelled.code).toBe(2);
    expect(cancelled.stderr).toContain('unlock cancelled');
    expect(existsSync(`${h.statePath}.lock`)).toBe(true);
  });
});
