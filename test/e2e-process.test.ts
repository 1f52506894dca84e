// The real CLI in a real process (compiled to JavaScript in a temp directory) with `--sandbox`:
// what only a process can show. Few and short: each run takes a few seconds of simulated AWS.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { compiledEnv, compiledProject, removeCompiledProject } from './helpers/compiled-cli';
import { BASE_CONFIG } from './helpers/harness';

// Real processes on a shared machine: starting node and the simulated AWS take seconds under load.
jest.setTimeout(120_000);

let dir: string;
let cli: string;

beforeAll(() => {
  cli = path.join(compiledProject(), 'src', 'cli.js');
});

afterAll(removeCompiledProject);

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'shipline-process-'));
  writeFileSync(path.join(dir, 'shipline.json'), JSON.stringify(BASE_CONFIG));
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

const statePath = () => path.join(dir, '.shipline', 'sandbox', 'demo.json');
const lockPath = () => `${statePath()}.lock`;
const ARGS = ['--sandbox', '--log-format', 'json', '--no-wait'];

/** Starts `shipline provision` and resolves once it has logged `marker` (it is then mid-run). */
function startProvision(marker: RegExp): Promise<{ child: ReturnType<typeof spawn>; output: () => string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [cli, 'provision', ...ARGS], { cwd: dir, env: compiledEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += String(chunk);
      if (marker.test(output)) resolve({ child, output: () => output, exited });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then(() => reject(new Error(`provision ended before ${String(marker)}:\n${output}`)));
  });
}

function runSync(...args: string[]): { status: number | null; stderr: string; stdout: string } {
  const result = spawnSync(process.execPath, [cli, ...args, ...ARGS], { cwd: dir, env: compiledEnv(), encoding: 'utf8' });
  return { status: result.status, stderr: result.stderr, stdout: result.stdout };
}

it('SIGTERM mid-run: exit 143, state saved, lock released; the next run carries on', async () => {
  const run = await startProvision(/"outcome":"created"/);
  run.child.kill('SIGTERM');
  expect(await run.exited).toBe(143);
  expect(run.output()).toContain('stopping (SIGTERM)');
  expect(run.output()).not.toMatch(/\n\s+at .+:\d+:\d+/);
  expect(existsSync(lockPath())).toBe(false);
  expect(JSON.parse(readFileSync(statePath(), 'utf8'))).toMatchObject({ stack: 'demo' });
  const again = runSync('provision');
  expect(again.stderr).not.toContain('locked');
  expect(again.status).toBe(0);
});

it('SIGKILL mid-run, re-run at once: the dead run\'s lock is taken over with a warning, and the run converges', async () => {
  const run = await startProvision(/"outcome":"created"/);
  run.child.kill('SIGKILL');
  expect(existsSync(lockPath())).toBe(true);
  const again = runSync('provision');
  expect(again.stderr).toContain('took over the lock of pid');
  expect(again.status).toBe(0);
  expect(existsSync(lockPath())).toBe(false);
  await run.exited;
});

it('stdout and stderr closed early (`2>&1 | head -1`): the run finishes, the lock is released, exit 0', () => {
  const command = `"${process.execPath}" "${cli}" provision ${ARGS.join(' ')} 2>&1 | head -c 1 >/dev/null; exit \${PIPESTATUS[0]}`;
  const result = spawnSync('bash', ['-c', command], { cwd: dir, env: compiledEnv(), encoding: 'utf8' });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  expect(existsSync(lockPath())).toBe(false);
  // The run went to the end: everything is in the state, and a second run finds nothing to do.
  const again = runSync('provision');
  expect(again.status).toBe(0);
  expect(again.stderr).not.toContain('"outcome":"created"');
});

it('an unwritable sandbox and state directory: one clear error naming the path, no stack trace', () => {
  // A dangling symlink: reading through it finds nothing (a fresh sandbox), creating it fails.
  symlinkSync(path.join(dir, 'nowhere', 'x'), path.join(dir, 'blocker'));
  const result = runSync('provision', '--state', path.join('blocker', 'demo.json'));
  expect(result.status).toBe(1);
  expect(result.stderr).toContain('blocker');
  expect(result.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  expect(result.stderr).not.toContain('bug in shipline');
});
