// The README's "Try the whole workflow on the sandbox", as users run it: the real CLI in this
// process on a `--sandbox` world file, one command after another, with the world's clock moved by
// hand between them (a held TestClock), so each `status` sees the run exactly where it is.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../src/cli';
import { CLI_SANDBOX_SPEED } from '../src/sandbox/persist';
import { Sandbox, type SandboxSnapshot } from '../src/sandbox/sandbox';
import { BASE_CONFIG } from './helpers/harness';
import { TestClock } from './helpers/test-clock';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** A directory with a config and no sandbox world yet; `run` appends the paths the README leaves to the defaults. */
function workspace() {
  const dir = mkdtempSync(path.join(tmpdir(), 'shipline-workflow-'));
  const config = path.join(dir, 'shipline.json');
  const state = path.join(dir, '.shipline', 'sandbox', 'demo.json');
  const world = path.join(dir, '.shipline', 'sandbox', 'aws.json');
  writeFileSync(config, JSON.stringify(BASE_CONFIG));
  const clock = new TestClock();
  const run = async (line: string): Promise<Run> => {
    const args = line.trim().split(/\s+/).slice(1); // without `shipline`
    let stdout = '';
    let stderr = '';
    const io = {
      stdout: new Writable({ write: (chunk, _e, done) => ((stdout += String(chunk)), done()) }),
      stderr: new Writable({ write: (chunk, _e, done) => ((stderr += String(chunk)), done()) }),
      interactive: false,
      prompt: async () => '',
    };
    const code = await main([...args, '--config', config, '--state', state, '--log-format', 'json'], io, { sandboxClock: clock.now });
    return { code, stdout, stderr };
  };
  /** Simulated seconds pass on the world's clock (it runs at CLI_SANDBOX_SPEED real ms per second). */
  const pass = (simSeconds: number) => clock.advance(simSeconds * CLI_SANDBOX_SPEED);
  return { dir, config, state, world, clock, run, pass };
}

/** The stage lines of `status`: name → status. */
function stages(status: string): Record<string, string> {
  const names = ['Source', 'Build', 'Deploy', 'Acceptance'];
  return Object.fromEntries(
    status
      .split('\n')
      .map((l) => /^ {2}(\w+)\s+(\S+(?: run)?)/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null && names.includes(m[1]!))
      .map((m) => [m[1]!, m[2]!]),
  );
}

const worldOf = (file: string) => Sandbox.restore(JSON.parse(readFileSync(file, 'utf8')) as SandboxSnapshot, { msPerSimSecond: 0 });

/** The README's block, one command a line (comments dropped). */
function readmeWorkflow(): string[] {
  const readme = readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  const block = /### Try the whole workflow on the sandbox[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error('README.md has no "Try the whole workflow on the sandbox" block');
  return block.split('\n').map((l) => l.replace(/#.*/, '').trim()).filter((l) => l.length > 0);
}

describe('the whole workflow on a --sandbox world', () => {
  it("runs the README's block: the connection approved by hand, a run advancing between commands through each stage, approved to prod", async () => {
    const commands = readmeWorkflow();
    expect(commands).toEqual([
      'shipline provision --sandbox',
      'shipline status --sandbox',
      'shipline sandbox approve-connection',
      'shipline release --sandbox',
      'shipline status --sandbox',
      'shipline approve --sandbox',
      'shipline status --sandbox',
    ]);
    const [provision, status, approveConnection, release, , approve] = commands as [string, string, string, string, string, string];
    const w = workspace();

    // Provision waits for the load balancer and the services: the clock runs meanwhile.
    w.clock.run();
    expect((await w.run(provision)).code).toBe(0);
    w.clock.hold();

    // The run CreatePipeline started fails at Source: the connection is still PENDING.
    w.pass(60);
    const failed = await w.run(status);
    expect(failed.code).toBe(0);
    expect(failed.stdout).toContain('GitHub connection  PENDING: run `shipline sandbox approve-connection`');
    expect(stages(failed.stdout)).toEqual({ Source: 'Failed', Build: 'not run', Deploy: 'not run', Acceptance: 'not run' });
    expect(failed.stdout).toMatch(/\n {19}Connection arn:aws:codestar-connections:eu-west-3:123456789012:connection\/\S+ is not available: its status is PENDING/);
    // shipline refuses to start another run that would fail the same way.
    const refused = await w.run(release);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('is still PENDING');
    expect(refused.stderr).toMatch(/hint: run `shipline sandbox approve-connection [^`]*--state [^`]*` \(what a person does once in the console on AWS\)/);

    const approved = await w.run(approveConnection);
    expect(approved.code).toBe(0);
    expect(approved.stdout).toMatch(/^approved the GitHub connection arn:aws:codestar-connections:\S+: it is AVAILABLE\n/);
    const connection = worldOf(w.world).inventory().find((i) => i.type === 'connection')!;
    expect(worldOf(w.world).connections.connectionStatus(connection.id)).toBe('AVAILABLE');

    const started = await w.run(release);
    expect(started.code).toBe(0);
    expect(started.stdout).toMatch(/^started pipeline demo-pipeline: run \S+/);

    // Nothing moves while no time passes; then each stage in turn, between commands.
    const look = async () => {
      const out = await w.run(status);
      expect(out.code).toBe(0);
      return out.stdout;
    };
    expect(stages(await look())).toMatchObject({ Source: 'InProgress' });
    w.pass(31);
    let now = await look();
    expect(stages(now)).toMatchObject({ Source: 'Succeeded', Build: 'InProgress', Deploy: 'not run' });
    expect(now).toContain('GitHub connection  AVAILABLE');
    expect(now).toMatch(/\n {19}build demo-build:\S+ IN_PROGRESS\n/); // no line before the build ends
    w.pass(121);
    now = await look();
    expect(stages(now)).toMatchObject({ Source: 'Succeeded', Build: 'Succeeded', Deploy: 'InProgress' });
    // The build's own lines, from its log stream: its phases, the push, the end.
    expect(now).toMatch(/\n {19}build demo-build:\S+ SUCCEEDED, its log ends:\n/);
    expect(now).toMatch(/\n {21}\[Container\] 2026\/01\/01 \d\d:\d\d:\d\d Phase complete: FINALIZING State: SUCCEEDED\n/);
    expect(now).toContain('Phase complete: UPLOAD_ARTIFACTS State: SUCCEEDED');
    // Deploy: the ECS deploy to dev (30 s), then the mark build tagging its image live-dev (120 s).
    w.pass(31);
    expect(stages(await look())).toMatchObject({ Build: 'Succeeded', Deploy: 'InProgress', Acceptance: 'not run' });
    w.pass(121);
    now = await look();
    expect(stages(now)).toEqual({ Source: 'Succeeded', Build: 'Succeeded', Deploy: 'Succeeded', Acceptance: 'InProgress' });
    expect(now).toMatch(/approval waiting {3}Acceptance\//);
    const built = /\ndev\s+\d+\/\d+ running[^\n]*image (\S+)/.exec(now)?.[1];
    expect(built).toMatch(/^123456789012\.dkr\.ecr\.eu-west-3\.amazonaws\.com\/demo:\w+$/);
    expect(now).toMatch(/\nprod\s+\d+\/\d+ running[^\n]*image public\.ecr\.aws\/nginx\/nginx:stable/);

    const yes = await w.run(approve);
    expect(yes.code).toBe(0);
    expect(yes.stdout).toContain('approved Acceptance/');
    // Acceptance goes on once the approval and its mark build (120 s, beside it) are done: the
    // deploy to prod (30 s), then the mark build tagging live-prod (120 s).
    w.pass(150);
    const deployed = await look();
    expect(stages(deployed)).toMatchObject({ Acceptance: 'InProgress' });
    expect(/\nprod\s+\d+\/\d+ running[^\n]*image (\S+)/.exec(deployed)?.[1]).toBe(built);
    w.pass(120);
    const done = await look();
    expect(stages(done)).toEqual({ Source: 'Succeeded', Build: 'Succeeded', Deploy: 'Succeeded', Acceptance: 'Succeeded' });
    expect(done).not.toContain('approval waiting');
    expect(done).toContain(`image ${built}`);
    expect(/\nprod\s+\d+\/\d+ running[^\n]*image (\S+)/.exec(done)?.[1]).toBe(built);
  });
});

describe('sandbox approve-connection', () => {
  it('refuses, exit 2, when there is no sandbox world, naming it and what to run first', async () => {
    const w = workspace();
    const out = await w.run('shipline sandbox approve-connection');
    expect(out.code).toBe(2);
    expect(out.stderr).toContain(`error: there is no sandbox world at ${w.world}`);
    expect(out.stderr).toContain('hint: run `shipline provision --sandbox');
    expect(out.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(w.world)).toBe(false); // it made none
  });

  it('refuses, exit 2, when the world holds no connection of the stack', async () => {
    const w = workspace();
    mkdirSync(path.dirname(w.world), { recursive: true });
    writeFileSync(w.world, JSON.stringify(new Sandbox({ region: 'eu-west-3', msPerSimSecond: 0 }).snapshot()));
    const out = await w.run('shipline sandbox approve-connection');
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('error: stack demo has no GitHub connection in its state');
    expect(out.stderr).toContain('hint: run `shipline provision --sandbox');
  });

  it('says so when the connection is already AVAILABLE', async () => {
    const w = workspace();
    w.clock.run();
    expect((await w.run('shipline provision --sandbox')).code).toBe(0);
    expect((await w.run('shipline sandbox approve-connection')).code).toBe(0);
    const again = await w.run('shipline sandbox approve-connection');
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/is already AVAILABLE: nothing to approve/);
  });
});
