// The promises, end to end: the real CLI, in-process, on the simulated AWS.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { STEPS } from '../steps';
import { KEYS as NAT } from '../steps/nat';
import { KEYS as NETWORK } from '../steps/network';
import { STACK_TAG } from '../src/tags';
import { BASE_CONFIG, harness, shape, type Harness } from './helpers/harness';
import { EC2_HIDDEN_CALLS, expectedInventory } from './helpers/promises';

let h: Harness;
afterEach(() => h?.restore());

const mutations = (x: Harness) => x.sandbox.mutatingCalls().map((c) => c.operation);
const state = (x: Harness) => JSON.parse(readFileSync(x.statePath, 'utf8')) as { resources: Record<string, { id?: string }> };

describe('provision', () => {
  it('creates exactly the expected inventory, every resource tagged with the stack', async () => {
    h = harness();
    const result = await h.ok('provision');
    expect(shape(h.sandbox)).toEqual(expectedInventory(BASE_CONFIG));
    // Routes and role policies take no tags: they are found by their parent.
    const untaggable = ['route', 'role-policy-attachment', 'role-policy'];
    for (const item of h.sandbox.inventory().filter((i) => !untaggable.includes(i.type))) {
      expect({ id: item.id, stack: item.tags[STACK_TAG] }).toEqual({ id: item.id, stack: 'demo' });
    }
    expect(result.stdout).toMatch(/^VPC\s+vpc-\S+\nVPC CIDR\s+10\.0\.0\.0\/16$/m);
    expect(result.logs.at(-1)?.msg).toMatch(/provisioned demo in .*created/);
  });

  it('makes zero mutating calls the second time, and reports everything unchanged', async () => {
    h = harness();
    await h.ok('provision');
    const before = h.sandbox.calls.length;
    const second = await h.ok('provision', '--log-level', 'debug');
    const calls = h.sandbox.calls.slice(before);
    expect(calls.filter((c) => c.mutating).map((c) => c.operation)).toEqual([]);
    const outcomes = second.logs.filter((l) => l.outcome).map((l) => l.outcome);
    expect(new Set(outcomes)).toEqual(new Set(['unchanged']));
    // At info, a no-op says so in one line (warnings aside: the connection still pending): no line per resource or step.
    const third = await h.ok('provision');
    const said = third.logs.filter((l) => l.level === 30).map((l) => String(l.msg));
    expect(said).toEqual([expect.stringMatching(/^provisioned demo in [\d.]+s: \d+ unchanged$/)]);
  });

  it('adopts everything by its tags when the state file is lost, creating nothing', async () => {
    h = harness();
    await h.ok('provision');
    const inventory = shape(h.sandbox);
    const recorded = Object.keys(state(h).resources).sort();
    rmSync(h.statePath);
    rmSync(`${h.statePath}.bak`, { force: true });
    const before = h.sandbox.calls.length;
    await h.ok('provision');
    expect(h.sandbox.calls.slice(before).filter((c) => c.mutating)).toEqual([]);
    expect(shape(h.sandbox)).toEqual(inventory);
    expect(Object.keys(state(h).resources).sort()).toEqual(recorded);
  });

  it('repairs a private default route deleted out of band', async () => {
    h = harness();
    await h.ok('provision');
    const table = state(h).resources[NETWORK.routeTable('private')]!.id!;
    await h.sandbox.dispatch('ec2', 'DeleteRoute', { RouteTableId: table, DestinationCidrBlock: '0.0.0.0/0' });
    const before = h.sandbox.mutatingCalls().length;
    const run = await h.ok('provision');
    expect(mutations(h).slice(before)).toEqual(['CreateRoute']);
    expect(run.logs.find((l) => l.resource === NAT.route)?.outcome).toBe('created');
    expect(shape(h.sandbox)).toEqual(expectedInventory(BASE_CONFIG));
  });

  it('replaces a NAT instance terminated out of band and points the route at the new one', async () => {
    h = harness();
    await h.ok('provision');
    const old = state(h).resources[NAT.instance]!.id!;
    await h.sandbox.dispatch('ec2', 'TerminateInstances', { InstanceIds: [old] });
    await h.sandbox.dispatch('ec2', 'DescribeInstances', { InstanceIds: [old] }); // let it finish terminating
    const before = h.sandbox.mutatingCalls().length;
    await h.ok('provision');
    const made = mutations(h).slice(before);
    expect(made).toContain('RunInstances');
    expect(made).toContain('ReplaceRoute');
    const fresh = state(h).resources[NAT.instance]!.id!;
    expect(fresh).not.toBe(old);
    const table = state(h).resources[NETWORK.routeTable('private')]!.id!;
    const { RouteTables } = (await h.sandbox.dispatch('ec2', 'DescribeRouteTables', { RouteTableIds: [table] })) as {
      RouteTables: Array<{ Routes: Array<{ DestinationCidrBlock?: string; InstanceId?: string; State?: string }> }>;
    };
    const route = RouteTables[0]!.Routes.find((r) => r.DestinationCidrBlock === '0.0.0.0/0');
    expect(route).toMatchObject({ State: 'active' });
    expect(shape(h.sandbox)).toEqual(expectedInventory(BASE_CONFIG));
  });
});

describe('drift in the NAT instance', () => {
  it('starts a NAT instance stopped out of band', async () => {
    h = harness();
    await h.ok('provision');
    const id = state(h).resources[NAT.instance]!.id!;
    await h.sandbox.dispatch('ec2', 'StopInstances', { InstanceIds: [id] });
    const before = h.sandbox.mutatingCalls().length;
    await h.ok('provision');
    expect(mutations(h).slice(before)).toEqual(['StartInstances']);
    const described = (await h.sandbox.dispatch('ec2', 'DescribeInstances', { InstanceIds: [id] })) as {
      Reservations: Array<{ Instances: Array<{ State: { Name: string } }> }>;
    };
    expect(described.Reservations[0]!.Instances[0]!.State.Name).toBe('running');
  });
});

/** The loops below run the CLI once or twice per mutating call of a provision. */
const LOOP_TIMEOUT_MS = 180_000;

describe('a run that fails at each mutating call in turn', () => {
  /** One clean run, to count its mutating calls and know the inventory to converge to. */
  async function reference(): Promise<{ count: number; inventory: string[] }> {
    const clean = harness();
    clean.sandbox.faults.hideNewEc2(EC2_HIDDEN_CALLS);
    await clean.ok('provision');
    const result = { count: clean.sandbox.mutatingCalls().length, inventory: shape(clean.sandbox) };
    clean.restore();
    return result;
  }

  it.each(['crash after the call reached AWS', 'failure before the call changed anything'] as const)(
    '%s, then a re-run, converges to the same inventory with no duplicate',
    async (kind) => {
      const { count, inventory } = await reference();
      expect(count).toBeGreaterThan(10);
      for (let n = 1; n <= count; n++) {
        h = harness();
        // EC2's eventual consistency on, as in the reference run.
        h.sandbox.faults.hideNewEc2(EC2_HIDDEN_CALLS);
        if (kind === 'crash after the call reached AWS') h.sandbox.faults.crashAfterMutation(n);
        else h.sandbox.faults.failBeforeMutation(n);
        const failed = await h.run('provision');
        expect({ n, code: failed.code }).toEqual({ n, code: 1 });
        await h.ok('provision');
        expect({ n, inventory: shape(h.sandbox) }).toEqual({ n, inventory });
        h.restore();
      }
    },
    // A provision and a re-run per mutating call, 70-odd of them: minutes on a busy machine.
    LOOP_TIMEOUT_MS,
  );
});

describe('destroy', () => {
  it('leaves no resource of the stack, and a second destroy has nothing to do', async () => {
    h = harness();
    await h.ok('provision');
    await h.ok('destroy', '--yes');
    expect(h.sandbox.inventory()).toEqual([]);
    expect(Object.keys(state(h).resources)).toEqual([]);
    const before = h.sandbox.mutatingCalls().length;
    const again = await h.ok('destroy', '--yes');
    expect(h.sandbox.mutatingCalls().length).toBe(before);
    expect(again.logs.at(-1)?.msg).toMatch(/nothing to delete/);
  });

  it('finds what to delete by tags when the state file is lost', async () => {
    h = harness();
    await h.ok('provision');
    rmSync(h.statePath);
    await h.ok('destroy', '--yes');
    expect(h.sandbox.inventory()).toEqual([]);
  });

  it('converges after failing at each of its mutating calls', async () => {
    const clean = harness();
    await clean.ok('provision');
    const before = clean.sandbox.mutatingCalls().length;
    await clean.ok('destroy', '--yes');
    const count = clean.sandbox.mutatingCalls().length - before;
    clean.restore();
    for (let n = 1; n <= count; n++) {
      h = harness();
      await h.ok('provision');
      h.sandbox.faults.crashAfterMutation(h.sandbox.mutatingCalls().length + n);
      expect((await h.run('destroy', '--yes')).code).toBe(1);
      await h.ok('destroy', '--yes');
      expect({ n, left: h.sandbox.inventory() }).toEqual({ n, left: [] });
      h.restore();
    }
  }, LOOP_TIMEOUT_MS);

  it('waits for network interfaces AWS releases late, then succeeds', async () => {
    h = harness();
    await h.ok('provision');
    const subnet = state(h).resources[NETWORK.subnet('private', 0)]!.id!;
    h.sandbox.ec2.simulateLingeringEni({ subnetId: subnet, groupIds: [], reads: 5 });
    const run = await h.ok('destroy', '--yes');
    expect(run.logs.some((l) => typeof l.msg === 'string' && l.msg.includes('network interfaces in VPC'))).toBe(true);
    expect(h.sandbox.inventory()).toEqual([]);
  });

  it('detaches the internet gateway only once the interfaces holding public addresses are gone', async () => {
    h = harness();
    await h.ok('provision');
    const subnet = state(h).resources[NETWORK.subnet('public', 0)]!.id!;
    // A load balancer's node: a public address, released minutes after the load balancer is deleted.
    h.sandbox.ec2.simulateLingeringEni({ subnetId: subnet, groupIds: [], reads: 5, publicIp: true });
    const before = h.sandbox.calls.length;
    await h.ok('destroy', '--yes');
    const calls = h.sandbox.calls.slice(before);
    const detaches = calls.filter((c) => c.operation === 'DetachInternetGateway');
    expect(detaches.map((c) => c.error ?? 'ok')).toEqual(['ok']);
    const lastInterfaceRead = calls.filter((c) => c.operation === 'DescribeNetworkInterfaces').at(-1)!;
    expect(detaches[0]!.seq).toBeGreaterThan(lastInterfaceRead.seq);
    expect(h.sandbox.inventory()).toEqual([]);
  });

  it('past its bound fails with a clear message, and a re-run finishes the job', async () => {
    h = harness();
    await h.ok('provision');
    const subnet = state(h).resources[NETWORK.subnet('private', 0)]!.id!;
    const eni = h.sandbox.ec2.simulateLingeringEni({ subnetId: subnet, groupIds: [], reads: 400 });
    h.setWaits({ minDelay: 0.001, maxDelay: 0.002, timeoutScale: 0.00001 });
    const failed = await h.run('destroy', '--yes');
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('gave up waiting for network interfaces in VPC');
    expect(failed.stderr).toContain(eni);
    expect(failed.stderr).toContain('run the same command again');
    h.setWaits({ minDelay: 0.0001, maxDelay: 0.0005, timeoutScale: 1 });
    await h.ok('destroy', '--yes');
    expect(h.sandbox.inventory()).toEqual([]);
  });

  it('refuses without a terminal and without --yes, before any call that changes anything', async () => {
    h = harness();
    await h.ok('provision');
    const before = h.sandbox.mutatingCalls().length;
    const refused = await h.run('destroy');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('pass --yes');
    expect(h.sandbox.mutatingCalls().length).toBe(before);
  });

  it('on a terminal, lists what goes and proceeds only when the stack name is typed', async () => {
    const sandboxed = harness();
    await sandboxed.ok('provision');
    sandboxed.restore();
    h = harness({ sandbox: sandboxed.sandbox, interactive: { answer: 'nope' } });
    h.writeConfig(JSON.parse(readFileSync(sandboxed.configPath, 'utf8')));
    const cancelled = await h.run('destroy', '--state', sandboxed.statePath);
    expect(cancelled.code).toBe(2);
    expect(cancelled.stderr).toContain('network.vpc');
    expect(cancelled.stderr).toContain('destroy cancelled');
    h.restore();
    h = harness({ sandbox: sandboxed.sandbox, interactive: { answer: 'demo' } });
    await h.ok('destroy', '--state', sandboxed.statePath);
    expect(h.sandbox.inventory()).toEqual([]);
  });
});

describe('plan', () => {
  it('shows what would be created and changes nothing', async () => {
    h = harness();
    const plan = await h.ok('plan');
    expect(h.sandbox.mutatingCalls()).toEqual([]);
    const created = plan.logs.filter((l) => l.outcome === 'created');
    expect(created.length).toBeGreaterThanOrEqual(expectedInventory(BASE_CONFIG).length);
    expect(created.every((l) => typeof l.msg === 'string' && l.msg.includes('would be created'))).toBe(true);
    expect(existsSync(h.statePath)).toBe(false);
  });

  it('after a provision, shows drift as an update and changes nothing', async () => {
    h = harness();
    await h.ok('provision');
    const vpc = state(h).resources[NETWORK.vpc]!.id!;
    await h.sandbox.dispatch('ec2', 'ModifyVpcAttribute', { VpcId: vpc, EnableDnsHostnames: { Value: false } });
    const before = h.sandbox.mutatingCalls().length;
    const plan = await h.ok('plan');
    expect(h.sandbox.mutatingCalls().length).toBe(before);
    expect(plan.logs.find((l) => l.resource === NETWORK.vpc)).toMatchObject({ outcome: 'updated', changes: ['enableDnsHostnames'] });
  });
});

describe('every step is exercised', () => {
  it('lists the steps this suite covers', () => {
    expect(STEPS.map((s) => s.name).sort()).toEqual(
      // certificate and dns run (and do nothing) in every config here; with a domain: test/e2e-domain.test.ts.
      ['alb', 'alb-active', 'artifacts', 'build', 'certificate', 'cluster', 'codedeploy', 'connection', 'dns', 'nat', 'network', 'pipeline', 'repository', 'services'].sort(),
    );
  });
});

describe('nat.mode: "nat-gateway"', () => {
  const gatewayConfig = { ...BASE_CONFIG, nat: { mode: 'nat-gateway' } };

  it('provisions an Elastic IP and a NAT gateway instead of the instance, and destroys them', async () => {
    h = harness({ config: gatewayConfig });
    await h.ok('provision');
    const rows = shape(h.sandbox);
    expect(rows).toEqual(expect.arrayContaining(['ec2/nat-gateway/demo-nat-gateway', 'ec2/elastic-ip/demo-nat-eip']));
    expect(rows.some((r) => r.startsWith('ec2/instance/'))).toBe(false);
    const before = h.sandbox.mutatingCalls().length;
    await h.ok('provision');
    expect(h.sandbox.mutatingCalls().length).toBe(before);
    await h.ok('destroy', '--yes');
    expect(h.sandbox.inventory()).toEqual([]);
  });

  it('switching modes moves the route first, then removes the other NAT', async () => {
    h = harness();
    await h.ok('provision');
    h.writeConfig(gatewayConfig);
    const before = h.sandbox.mutatingCalls().length;
    await h.ok('provision');
    const made = mutations(h).slice(before);
    expect(made.indexOf('ReplaceRoute')).toBeGreaterThan(made.indexOf('CreateNatGateway'));
    expect(made.indexOf('TerminateInstances')).toBeGreaterThan(made.indexOf('ReplaceRoute'));
    const rows = shape(h.sandbox);
    expect(rows).toContain('ec2/nat-gateway/demo-nat-gateway');
    expect(rows.some((r) => r.startsWith('ec2/instance/') || r === 'ec2/security-group/demo-nat')).toBe(false);
  });
});
