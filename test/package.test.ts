// shipline as users get it: the packed tarball, installed with `npm install -g` into a temporary
// prefix and run with `npx --package=<tarball>`, from directories of their own, with no network
// (a registry stand-in on 127.0.0.1 serves the lockfile's versions from the cache npm ci filled).
// `--version`, `init` with flags, a sandbox provision and a plan found by the config in the current
// directory, and the README's library example, imported by package name. Slow (a build, a pack,
// two installs): one file, one pass.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Sandbox } from '../src/sandbox/sandbox';
import { startLockfileRegistry, type LockfileRegistry } from './helpers/lockfile-registry';

const execFileAsync = promisify(execFile);

const ROOT = path.resolve(__dirname, '..');
const VERSION = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

let work: string;
let tarball: string;
let packed: string[];
let prefix: string;
let registry: LockfileRegistry | undefined;

/** The npm cache `npm ci` filled: where the lockfile registry finds the tarballs. */
const NPM_CACHE = execFileSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).trim();

/**
 * npm against the lockfile registry, with a cache of its own (the registry's answers go nowhere
 * else), asynchronous so that the registry in this process can answer. npm's options come first:
 * after `exec … --` everything belongs to the command.
 */
async function npm(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const cache = path.join(work, 'npm-cache');
  try {
    const { stdout, stderr } = await execFileAsync('npm', ['--registry', registry!.url, '--cache', cache, '--no-audit', '--no-fund', '--ignore-scripts', '--no-update-notifier', ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: '1', npm_config_userconfig: path.join(work, 'npmrc') },
      timeout: 240_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? String(error) };
  }
}

function sh(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(command, args, { cwd, env: { ...process.env, NO_COLOR: '1', ...env }, encoding: 'utf8', timeout: 240_000 });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'shipline-package-'));
  // The package as `npm pack` makes it after `prepare` (the build), without touching the repo's dist/.
  const staging = path.join(work, 'staging');
  mkdirSync(staging);
  for (const file of ['package.json', 'README.md', 'config.example.json']) cpSync(path.join(ROOT, file), path.join(staging, file));
  // What `prepack` does: the lockfile ships as npm-shrinkwrap.json, which pins the dependencies users get.
  cpSync(path.join(ROOT, 'package-lock.json'), path.join(staging, 'npm-shrinkwrap.json'));
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', path.join(staging, 'dist')], { cwd: ROOT });
  const pack = sh('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], staging);
  expect(pack.stderr).not.toMatch(/npm ERR|npm error/);
  const [info] = JSON.parse(pack.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  tarball = path.join(work, info!.filename);
  packed = info!.files.map((f) => f.path);
  // Installed as users install it: `npm install -g` of the tarball, npm resolving its dependencies
  // against a registry. That registry is the lockfile's versions served from the cache `npm ci`
  // filled (test/helpers/lockfile-registry.ts): npm's global install fetches full packuments,
  // which `npm ci` does not cache, so `--offline` alone cannot install it on a fresh machine.
  registry = await startLockfileRegistry(path.join(ROOT, 'package-lock.json'), NPM_CACHE);
  prefix = path.join(work, 'prefix');
  const install = await npm(['install', '--global', '--prefix', prefix, tarball], work);
  if (install.code !== 0) throw new Error(`npm install --global of the packed package failed:\n${install.stderr}`);
}, 300_000);

afterAll(async () => {
  await registry?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

const shipline = (args: string[], cwd: string) => sh(path.join(prefix, 'bin', 'shipline'), args, cwd);

describe('the packed package', () => {
  it('holds the CLI, the library with its declarations, the pinned dependencies and the example config, and nothing of the bench or the tests', () => {
    expect(packed).toEqual(expect.arrayContaining(['dist/src/cli.js', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/steps/index.js', 'config.example.json', 'package.json', 'npm-shrinkwrap.json']));
    expect(packed.filter((p) => /^(dist\/bench|dist\/test|test|bench|src)\//.test(p) || p.endsWith('.ts') && !p.endsWith('.d.ts'))).toEqual([]);
  });

  it('puts shipline on the PATH of the prefix it is installed into, with its version', () => {
    const result = shipline(['--version'], work);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(VERSION);
    expect(result.stderr).toBe('');
  });

  it('writes a config with init, then provisions on the sandbox from that directory, finding shipline.yml', () => {
    const app = path.join(work, 'my-app');
    mkdirSync(app);
    const init = shipline(['init', '--stack', 'pkgdemo', '--region', 'eu-west-3', '--repository', 'my-org/my-app'], app);
    expect(init.code).toBe(0);
    expect(existsSync(path.join(app, 'shipline.yml'))).toBe(true);
    // An instant sandbox world, so that the run takes seconds (the CLI's default runs a clock).
    mkdirSync(path.join(app, '.shipline', 'sandbox'), { recursive: true });
    writeFileSync(path.join(app, '.shipline', 'sandbox', 'aws.json'), JSON.stringify(new Sandbox({ region: 'eu-west-3', msPerSimSecond: 0 }).snapshot()));
    // Without the variable the tests set: the SDK's Node-version notice is not printed either.
    const provision = sh(path.join(prefix, 'bin', 'shipline'), ['provision', '--sandbox', '--log-format', 'json'], app, { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: undefined });
    expect(provision.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(provision.stderr).not.toContain('NodeVersionSupportWarning');
    expect(provision.code).toBe(0);
    expect(provision.stdout).toMatch(/https?:\/\//); // the outputs: the stack's URL
    expect(existsSync(path.join(app, '.shipline', 'sandbox', 'pkgdemo.json'))).toBe(true);
  });

  it('installs exactly the versions the lockfile pins, every one from the cache npm ci filled', () => {
    const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };
    const installed = path.join(prefix, 'lib', 'node_modules', 'shipline', 'node_modules');
    for (const name of ['@aws-sdk/client-ecs', 'zod', 'pino']) {
      const version = (JSON.parse(readFileSync(path.join(installed, name, 'package.json'), 'utf8')) as { version: string }).version;
      expect(`${name}@${version}`).toBe(`${name}@${lock.packages[`node_modules/${name}`]?.version}`);
    }
    expect(registry!.misses).toEqual([]);
    expect(registry!.served.length).toBeGreaterThan(50);
  });

  it('runs through npx of the tarball from any directory, finding the config in the current one', async () => {
    const app = path.join(work, 'npx-app');
    mkdirSync(app);
    expect(shipline(['init', '--stack', 'npxdemo', '--region', 'eu-west-3', '--repository', 'my-org/npx-app'], app).code).toBe(0);
    const version = await npm(['exec', '--yes', `--package=${tarball}`, '--', 'shipline', '--version'], app);
    expect(version.stderr).not.toMatch(/npm error/);
    expect(version.stdout.trim()).toBe(VERSION);
    // `plan` reads shipline.yml from the current directory: the stack it names is in the plan.
    const plan = await npm(['exec', '--yes', `--package=${tarball}`, '--', 'shipline', 'plan', '--sandbox'], app);
    expect(plan.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(plan.code).toBe(0);
    expect(plan.stdout + plan.stderr).toContain('npxdemo');
    expect(registry!.misses).toEqual([]);
  });

  it("runs the README's library example, importing shipline by its package name", () => {
    const app = path.join(work, 'library');
    mkdirSync(path.join(app, 'node_modules'), { recursive: true });
    symlinkSync(path.join(prefix, 'lib', 'node_modules', 'shipline'), path.join(app, 'node_modules', 'shipline'), 'dir');
    expect(shipline(['init', '--stack', 'libdemo', '--region', 'eu-west-3', '--repository', 'my-org/lib'], app).code).toBe(0);
    mkdirSync(path.join(app, '.shipline', 'sandbox'), { recursive: true });
    writeFileSync(path.join(app, '.shipline', 'sandbox', 'aws.json'), JSON.stringify(new Sandbox({ region: 'eu-west-3', msPerSimSecond: 0 }).snapshot()));
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const example = /```js\n(\/\/ example\.mjs[\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    writeFileSync(path.join(app, 'example.mjs'), example!);
    const result = sh(process.execPath, ['example.mjs'], app);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^[1-9]\d* created by \d+ steps$/m);
    expect(result.stdout).toMatch(/^url\S* = https?:\/\//m);
    expect(result.stdout).toContain('a plan now: 0 to create, 0 to update');
    // And from CommonJS, with the same functions.
    writeFileSync(path.join(app, 'cjs.cjs'), "const s = require('shipline'); console.log(typeof s.provision, typeof s.plan, typeof s.destroy, typeof s.loadConfig);");
    expect(sh(process.execPath, ['cjs.cjs'], app).stdout.trim()).toBe('function function function function');
  });
});
