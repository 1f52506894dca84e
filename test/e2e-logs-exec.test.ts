// `shipline logs` and `shipline exec` end to end on the sandbox, after one provision: the
// environment's task start lines prefixed with their task, the latest build's phases after a
// release, a follow stopped by Ctrl-C with what arrived meanwhile, and ECS Exec off, without the
// plugin, without the task role's channels, with a stub plugin that gets the AWS CLI's arguments, and
// on tasks started without it.
import { Writable } from 'node:stream';
import { readFileSync } from 'node:fs';
import { AwsClients } from '../src/aws/clients';
import { main } from '../src/cli';
import type { SessionManagerPlugin } from '../src/commands/session-manager';
import { REAL_LATENCIES, type LatencyModel } from '../src/sandbox/kernel/world';
import { Sandbox } from '../src/sandbox/sandbox';
import { BASE_CONFIG, harness, TEST_WAITS, type Harness } from './helpers/harness';
import { TEST_PAGE_SIZE } from './helpers/sandbox-fixture';
import { TestClock } from './helpers/test-clock';

/** Every transition instant but a build (120 s), and time moves only when the test advances the clock (by simulated seconds: 1 a millisecond). */
const clock = new TestClock();
const latencies = Object.fromEntries(Object.keys(REAL_LATENCIES).map((k) => [k, k === 'codebuild.build' ? REAL_LATENCIES[k] : 0])) as LatencyModel;
/** A stub of the Session Manager plugin: installed or not (`path`), its exit code, what it was run with. */
class StubPlugin implements SessionManagerPlugin {
  path: string | undefined;
  code = 0;
  readonly runs: Array<{ path: string; args: readonly string[] }> = [];
  find(): string | undefined {
    return this.path;
  }
  async run(path: string, args: readonly string[]): Promise<number> {
    this.runs.push({ path, args });
    return this.code;
  }
}
const plugin = new StubPlugin();

let h: Harness;
beforeAll(async () => {
  h = harness({
    config: { ...BASE_CONFIG, environments: [{ name: 'dev', path: '/dev', exec: true }, { name: 'prod', approval: true }] },
    sandbox: new Sandbox({ region: 'eu-west-3', pageSize: TEST_PAGE_SIZE, msPerSimSecond: 1, latencies, clock: clock.now }),
    sessionManager: plugin,
  });
  await h.ok('provision');
}, 120_000);
afterAll(() => h?.restore());

type Resources = Record<string, { id?: string }>;
const resources = () => (JSON.parse(readFileSync(h.statePath, 'utf8')) as { resources: Resources }).resources;

async function runningTaskIds(env: string): Promise<string[]> {
  const { taskArns = [] } = (await h.sandbox.dispatch('ecs', 'ListTasks', { cluster: 'demo', serviceName: `demo-${env}` })) as { taskArns?: string[] };
  return taskArns.map((arn) => arn.slice(arn.lastIndexOf('/') + 1));
}

describe('logs', () => {
  it("prints the environment's start lines, each prefixed with its task's short ID, in time order", async () => {
    const { stdout } = await h.ok('logs', 'dev');
    const lines = stdout.trimEnd().split('\n');
    const ids = (await runningTaskIds('dev')).map((id) => id.slice(-8));
    expect(ids.length).toBeGreaterThan(0);
    // Every running task has written lines (the placeholder's are nginx's; a release's image says it starts).
    for (const id of ids) expect(lines.some((l) => l.startsWith(`${id} `))).toBe(true);
    expect(lines).toContainEqual(expect.stringMatching(/^[0-9a-f]{8} \S+Z \/docker-entrypoint.sh: Configuration complete; ready for start up$/));
    const times = lines.map((l) => l.split(' ')[1]!);
    expect(times).toEqual([...times].sort());
    expect(new Set(lines).size).toBe(lines.length);
  });

  it('names the environments for an unknown one, and the flag for a bad --since (exit 2)', async () => {
    const unknown = await h.run('logs', 'staging');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown environment "staging": the config\'s environments are dev, prod');
    const since = await h.run('logs', 'dev', '--since', '5x');
    expect(since.code).toBe(2);
    expect(since.stderr).toContain("option '--since <duration>' argument '5x' is invalid");
    expect(since.stderr).toContain('30s, 10m, 2h or 1d');
  });

  it("prints the latest build's phases after a release, prefixed with the build", async () => {
    // Only this test releases; the pipeline's first run stopped at Source (the connection was pending).
    const none = await h.run('logs', 'build');
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('project demo-build has no build yet');
    h.sandbox.connections.approveConnection(resources()['connection.github']!.id!);
    await h.ok('release');
    // The pipeline reaches its build (status, as a person would, follows it): no line yet while it runs.
    await h.ok('status');
    const running = await h.ok('logs', 'build');
    expect(running.stdout).toBe('');
    expect(running.stderr).toMatch(/build#\d+ \(demo-build:\S+\) is still running: its lines come as its phases end/);
    clock.advance(REAL_LATENCIES['codebuild.build']);
    const { stdout } = await h.ok('logs', 'build');
    expect(stdout).toMatch(/^build#\d+ \S+Z \[Container\] \S+ \S+ Entering phase BUILD$/m);
    expect(stdout).toMatch(/^build#\d+ .* Phase complete: POST_BUILD State: SUCCEEDED$/m);
    expect(stdout).not.toContain('docker-entrypoint');
  });

  it('--follow prints what arrives until Ctrl-C, each line once, and exits 130', async () => {
    let stdout = '';
    const controller = new AbortController();
    const clients = new AwsClients({ region: 'eu-west-3' });
    const io = {
      stdout: new Writable({ write: (chunk, _enc, done) => ((stdout += String(chunk)), done()) }),
      stderr: new Writable({ write: (_chunk, _enc, done) => done() }),
      interactive: false,
      prompt: async () => '',
    };
    const args = ['logs', 'dev', '--follow', '--config', h.configPath, '--state', h.statePath, '--log-format', 'json'];
    const following = main(args, io, { clients, sandbox: h.sandbox, waits: TEST_WAITS, signal: controller.signal });
    const until = async (check: () => boolean) => {
      for (let i = 0; !check(); i += 1) {
        if (i > 2000) throw new Error(`not seen in time; stdout so far:\n${stdout}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    let added: string[] = [];
    try {
      await until(() => stdout.length > 0);
      const before = new Set(await runningTaskIds('dev'));
      // A minute later the service scales out: the new task starts and writes its lines.
      clock.advance(60);
      const { services } = (await h.sandbox.dispatch('ecs', 'DescribeServices', { cluster: 'demo', services: ['demo-dev'] })) as { services: Array<{ desiredCount: number }> };
      await h.sandbox.dispatch('ecs', 'UpdateService', { cluster: 'demo', service: 'demo-dev', desiredCount: services[0]!.desiredCount + 1 });
      added = (await runningTaskIds('dev')).filter((id) => !before.has(id));
      expect(added).toHaveLength(1);
      await until(() => stdout.includes(`\n${added[0]!.slice(-8)} `));
    } finally {
      controller.abort();
    }
    expect(await following).toBe(130);
    clients.destroy();
    const lines = stdout.trimEnd().split('\n');
    expect(new Set(lines).size).toBe(lines.length);
    // The new task's lines come last: it started a minute after the others.
    const mine = lines.filter((l) => l.startsWith(`${added[0]!.slice(-8)} `));
    expect(mine.length).toBeGreaterThan(0);
    expect(lines.slice(-mine.length)).toEqual(mine);
  });
});

describe('exec', () => {
  it('says what turns it on, what the tasks lack, how to install the plugin, then hands the plugin the session', async () => {
    const off = await h.run('exec', 'prod');
    expect(off.code).toBe(2);
    expect(off.stderr).toContain('ECS Exec is off for prod: services.exec is off');
    expect(off.stderr).toContain('under environments[1] (prod only)');
    expect(off.stderr).toContain('shipline release');

    // Provision turned it on for dev: the service starts its tasks with it, the task role may open
    // the channels. Without the plugin, no session is opened.
    plugin.path = undefined;
    const noPlugin = await h.run('exec', 'dev');
    expect(noPlugin.code).toBe(1);
    expect(noPlugin.stderr).toContain('the Session Manager plugin (session-manager-plugin) is not installed');
    expect(noPlugin.stderr).toContain('https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-working-with-install-plugin.html');
    expect(h.sandbox.calls.some((c) => c.operation === 'ExecuteCommand')).toBe(false);

    // A task role that lost the ssmmessages channels (by hand): ECS cannot reach the tasks.
    const roleName = resources()['services.sharedTaskRole']!.id!.split('/').pop()!;
    await h.sandbox.dispatch('iam', 'DeleteRolePolicy', { RoleName: roleName, PolicyName: 'ecs-exec' });
    plugin.path = '/opt/bin/session-manager-plugin';
    const noRole = await h.run('exec', 'dev');
    expect(noRole.code).toBe(1);
    expect(noRole.stderr).toMatch(/error: ecs:ExecuteCommand .*: TargetNotConnectedException — The execute command failed due to an internal error/);
    expect(noRole.stderr).toContain('ssmmessages:CreateControlChannel');
    expect(plugin.runs).toHaveLength(0);
    // A provision puts the channels back.
    await h.ok('provision');

    plugin.path = '/opt/bin/session-manager-plugin';
    const { stderr } = await h.ok('exec', 'dev', '--', 'ls', '-la', '/');
    const call = h.sandbox.calls.filter((c) => c.operation === 'ExecuteCommand').at(-1)!;
    expect(call.input).toMatchObject({ cluster: resources()['cluster.cluster']!.id, container: 'web', command: 'ls -la /', interactive: true });
    const { taskArn } = call.input as { taskArn?: string; task: string };
    const task = (call.input as { task: string }).task;
    expect(taskArn).toBeUndefined();
    const taskId = task.slice(task.lastIndexOf('/') + 1);
    expect(stderr).toContain(`exec ls -la / in task ${taskId} of demo-dev`);
    const { tasks } = (await h.sandbox.dispatch('ecs', 'DescribeTasks', { cluster: 'demo', tasks: [task] })) as { tasks: Array<{ containers: Array<{ runtimeId: string }> }> };
    const [run] = plugin.runs;
    expect(run!.path).toBe('/opt/bin/session-manager-plugin');
    const [session, region, verb, profile, target, endpoint] = run!.args;
    expect(JSON.parse(session!)).toMatchObject({ sessionId: expect.stringMatching(/^ecs-execute-command-/), streamUrl: expect.stringMatching(/^wss:\/\//), tokenValue: expect.any(String) });
    expect([region, verb, profile, endpoint]).toEqual(['eu-west-3', 'StartSession', process.env.AWS_PROFILE ?? '', 'https://ecs.eu-west-3.amazonaws.com']);
    expect(JSON.parse(target!)).toEqual({ Target: `ecs:demo_${taskId}_${tasks[0]!.containers[0]!.runtimeId}` });

    // Tasks started without it (the service's setting switched off by hand, then a new deployment).
    await h.sandbox.dispatch('ecs', 'UpdateService', { cluster: 'demo', service: 'demo-dev', enableExecuteCommand: false, forceNewDeployment: true });
    clock.advance(1);
    await runningTaskIds('dev');
    const runsBefore = plugin.runs.length;
    const notOnTasks = await h.run('exec', 'dev');
    expect(notOnTasks.code).toBe(1);
    expect(notOnTasks.stderr).toContain('was started without ECS Exec (DescribeTasks: enableExecuteCommand false)');
    expect(plugin.runs).toHaveLength(runsBefore);
    await h.sandbox.dispatch('ecs', 'UpdateService', { cluster: 'demo', service: 'demo-dev', enableExecuteCommand: true, forceNewDeployment: true });
    clock.advance(1);
    await runningTaskIds('dev');

    // The default command is a shell; a session that ends badly is a failure.
    plugin.code = 3;
    expect((await h.run('exec', 'dev')).code).toBe(1);
    expect(h.sandbox.calls.filter((c) => c.operation === 'ExecuteCommand').at(-1)!.input).toMatchObject({ command: '/bin/sh' });
  });
});
