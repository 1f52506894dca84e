// shipline as users get it: the packed tarball, installed offline (from the cache `npm ci` filled)
// into a temporary prefix, run from a directory of its own. `--version`, `init` with flags, a
// sandbox provision found by the config in the current directory, and the README's library
// example, imported by package name. Slow (a build, a pack, an install): one file, one pass.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Sandbox } from '../src/sandbox/sandbox';

const ROOT = path.resolve(__dirname, '..');
const VERSION = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

let work: string;
let tarball: string;
let packed: string[];
let prefix: string;

function sh(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(command, args, { cwd, env: { ...process.env, NO_COLOR: '1', ...env }, encoding: 'utf8', timeout: 240_000 });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(() => {
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
  // Installed as `npm install -g` lays a package out (<prefix>/lib/node_modules/shipline, its bin in
  // <prefix>/bin), its dependencies exactly as npm-shrinkwrap.json pins them, from the cache alone.
  // (npm's own `install -g <tarball>` resolves the dependency ranges against the registry's
  // metadata first, which an offline machine does not have; the shrinkwrap needs none.)
  prefix = path.join(work, 'prefix');
  const installed = path.join(prefix, 'lib', 'node_modules', 'shipline');
  mkdirSync(installed, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1']);
  const install = sh('npm', ['ci', '--omit=dev', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], installed);
  if (install.code !== 0) throw new Error(`npm ci --offline of the packed package failed:\n${install.stderr}`);
  const link = sh('npm', ['rebuild', '--global', '--offline', '--ignore-scripts', '--prefix', prefix], work);
  if (link.code !== 0) throw new Error(`npm rebuild --global (the bin link) failed:\n${link.stderr}`);
}, 300_000);

afterAll(() => {
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
