// `--sandbox` with real processes (the CLI built into a temporary directory, run by `node`):
// - the crash promise with a real crash: a provision killed with SIGKILL in the middle (right after
//   a mutating call was applied), then run again. The world keeps everything the killed run made,
//   and the re-run ends with the inventory of a run that was never interrupted: same resources,
//   none twice, none made anew;
// - two provisions of two stacks at once on one sandbox, contending for its lock: both keep all
//   their resources.
// Slow (seconds per process): keep this file to these few cases.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KILL_AFTER_ENV } from '../src/sandbox/persist';
import { Sandbox, type SandboxSnapshot } from '../src/sandbox/sandbox';
import { compiledEnv, compiledProject, removeCompiledProject } from './helpers/compiled-cli';
import { STACK_TAG } from '../src/tags';
import { BASE_CONFIG, shape } from './helpers/harness';

/** Mid-run: the network is up, the load balancer and services are still to come. */
const KILL_AT = 30;

let cli: string;
beforeAll(() => {
  cli = path.join(compiledProject(), 'src', 'cli.js');
}, 120_000);
afterAll(removeCompiledProject);

/** A directory with a config and an empty instant sandbox world (no simulated waiting). */
function workspace(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'shipline-kill-'));
  writeFileSync(path.join(dir, 'shipline.json'), JSON.stringify(BASE_CONFIG));
  mkdirSync(path.join(dir, '.shipline', 'sandbox'), { recursive: true });
  writeFileSync(worldFile(dir), JSON.stringify(new Sandbox({ region: 'eu-west-3', msPerSimSecond: 0 }).snapshot()));
  return dir;
}

const worldFile = (dir: string) => path.join(dir, '.shipline', 'sandbox', 'aws.json');
const world = (dir: string) => Sandbox.restore(JSON.parse(readFileSync(worldFile(dir), 'utf8')) as SandboxSnapshot);

const argv = (config: string, ...args: string[]) => [cli, 'provision', '--sandbox', '--config', config, '--log-format', 'json', ...args];

function provision(dir: string, env: Record<string, string> = {}, ...args: string[]) {
  return spawnSync(process.execPath, argv('shipline.json', ...args), { cwd: dir, env: compiledEnv(env), encoding: 'utf8', timeout: 120_000 });
}

/** Provisions `stack` in a process of its own; resolves to its exit code. */
function provisionInBackground(dir: string, stack: string): Promise<number | null> {
  writeFileSync(path.join(dir, `${stack}.json`), JSON.stringify({ ...BASE_CONFIG, stack }));
  const child = spawn(process.execPath, argv(`${stack}.json`), { cwd: dir, env: compiledEnv(), stdio: 'ignore' });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
}

it('kill -9 in the middle of a provision loses nothing, and the re-run converges to an uninterrupted run', () => {
  const reference = workspace();
  expect(provision(reference)).toMatchObject({ status: 0 });

  const dir = workspace();
  const killed = provision(dir, { [KILL_AFTER_ENV]: String(KILL_AT) });
  expect(killed.signal).toBe('SIGKILL');

  // AWS keeps what its calls answered: every resource the state recorded is in the saved world.
  const worldText = readFileSync(worldFile(dir), 'utf8');
  const state = JSON.parse(readFileSync(path.join(dir, '.shipline', 'sandbox', 'demo.json'), 'utf8')) as { resources: Record<string, { id: string }> };
  const recorded = Object.values(state.resources).map((r) => r.id);
  expect(recorded.length).toBeGreaterThan(5);
  expect(recorded.filter((id) => !worldText.includes(JSON.stringify(id)))).toEqual([]);
  const beforeRerun = world(dir).inventory().map((i) => i.id);

  // The killed run's state lock names a dead process on this host: the re-run takes it over by itself.
  const rerun = provision(dir, {});
  expect(rerun).toMatchObject({ status: 0 });
  expect(rerun.stderr).toMatch(/took over the lock/);
  const after = world(dir);
  expect(shape(after)).toEqual(shape(world(reference)));
  const ids = new Set(after.inventory().map((i) => i.id));
  expect(beforeRerun.filter((id) => !ids.has(id))).toEqual([]);
}, 180_000);

it('two processes provisioning two stacks at once on one sandbox both keep all their resources', async () => {
  const dir = workspace();
  expect(await Promise.all([provisionInBackground(dir, 'alpha'), provisionInBackground(dir, 'beta')])).toEqual([0, 0]);
  const inventory = world(dir).inventory();
  const shapeOf = (stack: string) =>
    inventory
      .filter((i) => i.tags[STACK_TAG] === stack)
      .map((i) => `${i.service}/${i.type}/${(i.key ?? '').replaceAll(stack, '<stack>')}`)
      .sort();
  expect(shapeOf('alpha').length).toBeGreaterThan(20);
  expect(shapeOf('beta')).toEqual(shapeOf('alpha'));
  const ids = inventory.map((i) => i.id);
  expect(new Set(ids).size).toBe(ids.length);
}, 180_000);
