// Expected failures: one clear message naming the file, field or resource, a non-zero exit, no
// stack trace, and no AWS call that changes anything.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import path from 'node:path';
import { BASE_CONFIG, harness, type Harness, type RunResult } from './helpers/harness';

let h: Harness;
afterEach(() => h?.restore());

function expectCleanFailure(result: RunResult, code: number, ...fragments: string[]): void {
  expect(result.code).toBe(code);
  for (const fragment of fragments) expect(result.stderr).toContain(fragment);
  expect(result.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/); // no stack trace
  expect(h.sandbox.mutatingCalls()).toEqual([]);
}

describe('bad config', () => {
  it.each([
    ['not JSON', '{ "stack": "demo", ', 'is not valid JSON'],
    ['no stack', { ...BASE_CONFIG, stack: undefined }, ['stack', '']],
    ['a stack name AWS would reject', { ...BASE_CONFIG, stack: 'Demo Stack' }, ['stack', 'expected 2-20 lowercase letters']],
    ['a malformed CIDR', { ...BASE_CONFIG, network: { cidr: '10.0.0/16' } }, ['network.cidr', 'expected an IPv4 CIDR like 10.0.0.0/16']],
    ['overlapping subnets', { ...BASE_CONFIG, network: { publicSubnets: ['10.0.0.0/24', '10.0.0.0/25'] } }, ['network.publicSubnets[1]', '10.0.0.0/25 overlaps 10.0.0.0/24']],
    ['one AZ', { ...BASE_CONFIG, network: { azs: 1 } }, ['network.azs', 'expected at least 2']],
    ['an unknown NAT mode', { ...BASE_CONFIG, nat: { mode: 'cheap' } }, 'nat.mode'],
    ['a typo in a field name', { ...BASE_CONFIG, nat: { instancetype: 't4g.nano' } }, 'instancetype'],
    ['duplicate environments', { ...BASE_CONFIG, environments: [{ name: 'prod', path: '/p' }, { name: 'prod' }] }, ['environments[1].name', '"prod" is used twice']],
  ])('%s: exit 2 and a message naming the file and field', async (_what, config, expected) => {
    h = harness({ config });
    const result = await h.run('provision');
    // "<field> (line L, column C): <reason>": the field, where it is in the file, then why.
    const [field, reason] = typeof expected === 'string' ? [undefined, expected] : expected;
    expectCleanFailure(result, 2, 'shipline.json', reason);
    if (field !== undefined) expect(result.stderr).toMatch(new RegExp(`  ${field.replace(/[.[\]]/g, '\\$&')} \\(line \\d+, column \\d+\\): ${reason.replace(/[.[\]()]/g, '\\$&')}`));
    expect(h.sandbox.calls).toEqual([]); // not even a read: config comes first
  });

  it('a missing config file says how to make one', async () => {
    h = harness();
    const result = await h.run('provision', '--config', path.join(h.dir, 'missing.json'));
    expectCleanFailure(result, 2, 'missing.json not found', 'copy config.example.json');
  });

  it('a config path that is a directory: says so, exit 2', async () => {
    h = harness();
    expectCleanFailure(await h.run('provision', '--config', h.dir), 2, `config path ${h.dir} is a directory, not a file`);
  });

  it('a config file with a UTF-8 byte-order mark is read as JSON', async () => {
    h = harness();
    writeFileSync(h.configPath, `\uFEFF${JSON.stringify(BASE_CONFIG)}`);
    await h.ok('plan');
  });

  it('invalid JSON: line and column, not a character offset', async () => {
    h = harness({ config: '{\n  "stack": "demo"\n  "region": "eu-west-3"\n}' });
    const result = await h.run('provision');
    expectCleanFailure(result, 2, `${h.configPath} is not valid JSON at line 3, column 3: `);
    expect(result.stderr).not.toContain('position');
  });

  it('a bad flag is a usage error', async () => {
    h = harness();
    const result = await h.run('provision', '--concurrency', 'many');
    expectCleanFailure(result, 2, "option '--concurrency <n>' argument 'many' is invalid. expected a positive integer");
  });
});

describe('the local disk', () => {
  it('init-app onto a path that is a file: exit 2, the path named, no stack trace', async () => {
    h = harness();
    const target = path.join(h.dir, 'app');
    writeFileSync(target, 'not a directory');
    expectCleanFailure(await h.run('init-app', target, '--config', h.configPath), 2, `${target} is a file`);
  });

  it('a state directory that cannot be made (a file in its path): exit 1, the path named', async () => {
    h = harness();
    const blocker = path.join(h.dir, 'blocker');
    writeFileSync(blocker, '');
    const result = await h.run('provision', '--state', path.join(blocker, 'demo.json'));
    expectCleanFailure(result, 1, `cannot create the directory of ${blocker}`, 'a file where a directory is needed');
  });
});

describe('bad state', () => {
  function writeState(x: Harness, content: string): void {
    mkdirSync(path.dirname(x.statePath), { recursive: true });
    writeFileSync(x.statePath, content);
  }

  it('a truncated state file: exit 1, the file named, the .bak offered', async () => {
    h = harness();
    await h.ok('provision');
    // A later run that changes something keeps the first run's complete state as .bak.
    const state = JSON.parse(readFileSync(h.statePath, 'utf8')) as { resources: Record<string, { id: string }> };
    await h.sandbox.dispatch('ec2', 'TerminateInstances', { InstanceIds: [state.resources['nat.instance']!.id] });
    await h.ok('provision');
    const text = readFileSync(h.statePath, 'utf8');
    writeState(h, text.slice(0, text.length / 2));
    const before = h.sandbox.mutatingCalls().length;
    const result = await h.run('provision');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(h.statePath);
    expect(result.stderr).toContain(`cp ${h.statePath}.bak ${h.statePath}`);
    expect(h.sandbox.mutatingCalls().length).toBe(before);
  });

  it('a state file of an unknown version', async () => {
    h = harness();
    writeState(h, JSON.stringify({ version: 99, stack: 'demo', region: 'eu-west-3', accountId: null, resources: {}, updatedAt: new Date().toISOString() }));
    expectCleanFailure(await h.run('provision'), 1, 'version 99');
  });

  it('a state file of another account: refused before any change', async () => {
    h = harness();
    writeState(h, JSON.stringify({ version: 1, stack: 'demo', region: 'eu-west-3', accountId: '999999999999', resources: {}, updatedAt: new Date().toISOString() }));
    expectCleanFailure(await h.run('provision'), 1, '999999999999', '123456789012');
    expectCleanFailure(await h.run('destroy', '--yes'), 1, '999999999999');
  });

  it('a state file of another region: refused before any change', async () => {
    h = harness();
    writeState(h, JSON.stringify({ version: 1, stack: 'demo', region: 'us-east-1', accountId: '123456789012', resources: {}, updatedAt: new Date().toISOString() }));
    expectCleanFailure(await h.run('provision'), 1, 'us-east-1', 'eu-west-3');
  });

  it('a state file of another stack', async () => {
    h = harness();
    writeState(h, JSON.stringify({ version: 1, stack: 'other', region: 'eu-west-3', accountId: null, resources: {}, updatedAt: new Date().toISOString() }));
    expectCleanFailure(await h.run('provision'), 1, 'other', 'demo');
  });
});

describe('the lock', () => {
  function writeLock(x: Harness, pid: number): void {
    mkdirSync(path.dirname(x.statePath), { recursive: true });
    const holder = { pid, user: userInfo().username, host: hostname(), command: 'provision', startedAt: new Date().toISOString() };
    writeFileSync(`${x.statePath}.lock`, JSON.stringify(holder));
  }

  it('held by a live process: refused, naming the holder', async () => {
    h = harness();
    writeLock(h, process.pid);
    expectCleanFailure(await h.run('provision'), 1, `pid ${process.pid}`, hostname());
  });

  it('left by a dead process on this host: taken over with a warning naming it, and the run goes on', async () => {
    h = harness();
    const dead = 2 ** 22 + 12345; // above Linux's pid_max: never a live process
    writeLock(h, dead);
    const result = await h.ok('provision');
    const warning = result.logs.find((l) => l.level === 40 && String(l.msg).includes('took over the lock'));
    expect(String(warning?.msg)).toContain(`pid ${dead}`);
    expect(String(warning?.msg)).toContain('no longer exists');
    expect(h.sandbox.mutatingCalls().length).toBeGreaterThan(0);
    expect(existsSync(`${h.statePath}.lock`)).toBe(false);
  });

  it('held by a process on another host: refused, with --force-unlock as the way out', async () => {
    h = harness();
    mkdirSync(path.dirname(h.statePath), { recursive: true });
    const holder = { pid: 2 ** 22 + 12345, user: 'ci', host: 'ci-runner-7', command: 'provision', startedAt: new Date().toISOString() };
    writeFileSync(`${h.statePath}.lock`, JSON.stringify(holder));
    expectCleanFailure(await h.run('provision'), 1, 'ci@ci-runner-7', '--force-unlock');
    await h.ok('provision', '--force-unlock');
  });

  it('is released after a run, even a failed one', async () => {
    h = harness();
    h.sandbox.faults.crashAfterMutation(3);
    expect((await h.run('provision')).code).toBe(1);
    await h.ok('provision');
  });
});
