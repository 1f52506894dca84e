// Guarantee 7, when the state file is wrong: two stacks in one account, one stack's state pointed at
// nine of the other's resources (a copied state, a bad restore). Destroy of the first refuses each
// of those records by name, leaves the second stack exactly as it was, still deletes the first
// stack's own resources, and exits 1; `state forget` drops the bad records, and a second destroy
// finishes. A provision of the second stack is then a no-op.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Sandbox } from '../src/sandbox/sandbox';
import { STACK_TAG } from '../src/tags';
import { BASE_CONFIG, harness, type Harness, type RunResult } from './helpers/harness';

let h: Harness | undefined;
afterEach(() => h?.restore());

type State = { resources: Record<string, { id?: string }> };

/** The records the issue names: the dev service, the NAT instance, security groups, the build project, a log group, the connection, a subnet. */
const POINTED = [
  'services.service.dev',
  'nat.instance',
  'nat.securityGroup',
  'services.securityGroup.dev',
  'alb.securityGroup',
  'build.project',
  'cluster.logGroup.dev',
  'connection.github',
  'network.subnet.private-a',
] as const;

interface Stack {
  name: string;
  config: string;
  state: string;
  run(...args: string[]): Promise<RunResult>;
  read(): State;
}

function stack(x: Harness, name: string): Stack {
  const config = path.join(x.dir, `${name}.json`);
  const state = path.join(x.dir, '.shipline', `${name}.json`);
  writeFileSync(config, JSON.stringify({ ...BASE_CONFIG, stack: name }));
  return {
    name,
    config,
    state,
    run: (...args) => x.run(...args, '--config', config, '--state', state),
    read: () => JSON.parse(readFileSync(state, 'utf8')) as State,
  };
}

/** Does `value` hold the string `id` anywhere (deep)? */
function mentions(value: unknown, id: string): boolean {
  if (typeof value === 'string') return value === id || value.includes(`/${id}`) || value.endsWith(`:${id}`);
  if (Array.isArray(value)) return value.some((v) => mentions(v, id));
  if (value !== null && typeof value === 'object') return Object.values(value).some((v) => mentions(v, id));
  return false;
}

/** The stack's resources as the sandbox lists them: ID, type and tags (routes and policies by their key). */
const inventoryOf = (sandbox: Sandbox, name: string) =>
  sandbox
    .inventory()
    .filter((i) => i.tags[STACK_TAG] === name || (i.key ?? '').startsWith(`${name}-`) || (i.key ?? '').includes(`/${name}-`))
    .map((i) => ({ id: i.id, type: i.type, key: i.key, tags: i.tags }));

/** alpha and bravo, provisioned side by side in one sandbox; alpha's state then names bravo's records under `keys`. */
async function twoStacks(x: Harness, keys: readonly string[]): Promise<{ alpha: Stack; bravo: Stack; bravoState: State }> {
  const alpha = stack(x, 'alpha');
  const bravo = stack(x, 'bravo');
  expect((await alpha.run('provision')).code).toBe(0);
  expect((await bravo.run('provision')).code).toBe(0);
  const bravoState = bravo.read();
  const alphaState = alpha.read();
  for (const key of keys) {
    expect(bravoState.resources[key]?.id).toBeDefined();
    alphaState.resources[key] = { id: bravoState.resources[key]!.id! };
  }
  writeFileSync(alpha.state, JSON.stringify(alphaState, null, 2));
  return { alpha, bravo, bravoState };
}

describe('two stacks in one account, one state pointed at the other stack\'s resources', () => {
  it('destroy refuses every such record, touches nothing of the other stack, exits 1; state forget then lets it finish', async () => {
    h = harness();
    // alpha's state names nine of bravo's resources.
    const { alpha, bravo, bravoState } = await twoStacks(h, POINTED);
    const bravoIds = Object.values(bravoState.resources).flatMap((r) => (r.id ? [r.id] : []));
    const before = inventoryOf(h.sandbox, 'bravo');
    expect(before.length).toBeGreaterThan(30);

    const from = h.sandbox.calls.length;
    const destroyed = await alpha.run('destroy', '--yes');
    expect(destroyed.code).toBe(1);
    // Each refusal is named: the record, the ID it holds, whose that is.
    for (const key of POINTED) {
      const id = bravoState.resources[key]!.id!;
      expect(destroyed.stderr).toContain(`state says ${key} is ${id}, but ${id} `);
    }
    expect(destroyed.stderr).toContain(`carries ${STACK_TAG}=bravo; left alone`);
    expect(destroyed.stderr).toContain('9 resources in the state are not the stack\'s and were left alone');
    expect(destroyed.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    // Nothing of bravo's was touched: no mutating call names it, and its inventory is as it was.
    const touching = h.sandbox.calls.slice(from).filter((c) => c.mutating && bravoIds.some((id) => mentions(c.input, id)));
    expect(touching.map((c) => `${c.service}:${c.operation} ${JSON.stringify(c.input)}`)).toEqual([]);
    expect(inventoryOf(h.sandbox, 'bravo')).toEqual(before);
    // The rest of alpha's destroy went on: alpha's own resources, found by its tags, are gone.
    expect(inventoryOf(h.sandbox, 'alpha')).toEqual([]);
    // The bad records stay, for the user to drop on purpose.
    expect(Object.keys(alpha.read().resources).sort()).toEqual([...POINTED].sort());

    // A provision of bravo is a no-op.
    const mutations = h.sandbox.mutatingCalls().length;
    expect((await bravo.run('provision')).code).toBe(0);
    expect(h.sandbox.mutatingCalls().slice(mutations).map((c) => c.operation)).toEqual([]);

    // state forget drops each bad record; destroy then has nothing left to refuse.
    for (const key of POINTED) {
      const forgot = await alpha.run('state', 'forget', key);
      expect(forgot.code).toBe(0);
      expect(forgot.stdout).toContain(`forgot ${key} (${bravoState.resources[key]!.id!})`);
    }
    expect(alpha.read().resources).toEqual({});
    expect((await alpha.run('destroy', '--yes')).code).toBe(0);
    expect(inventoryOf(h.sandbox, 'bravo')).toEqual(before);
  });

  it('provision refuses a record naming the other stack\'s resource: never updates it, never replaces it under that key, exits 1', async () => {
    h = harness();
    const key = 'services.securityGroup.dev';
    const { alpha, bravoState } = await twoStacks(h, [key]);
    const id = bravoState.resources[key]!.id!;
    // bravo's group drifted: alpha's provision would put its own rules on it, were it not refused.
    await h.sandbox.dispatch('ec2', 'RevokeSecurityGroupIngress', { GroupId: id, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, UserIdGroupPairs: [{ GroupId: bravoState.resources['alb.securityGroup']!.id! }] }] });
    const before = inventoryOf(h.sandbox, 'bravo');

    const from = h.sandbox.calls.length;
    const run = await alpha.run('provision');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`state says ${key} is ${id}, but ${id} carries ${STACK_TAG}=bravo; left alone`);
    expect(run.stderr).toContain(`shipline state forget ${key}`);
    expect(run.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    const touching = h.sandbox.calls.slice(from).filter((c) => c.mutating && mentions(c.input, id));
    expect(touching).toEqual([]);
    expect(inventoryOf(h.sandbox, 'bravo')).toEqual(before);
    // The record still names it, and no second group was made under the key.
    expect(alpha.read().resources[key]?.id).toBe(id);
    expect(h.sandbox.inventory().filter((i) => i.tags.Name === 'alpha-dev-svc')).toHaveLength(1);

    // Forgotten, the next provision adopts alpha's own group by its tags.
    expect((await alpha.run('state', 'forget', key)).code).toBe(0);
    expect((await alpha.run('provision')).code).toBe(0);
    expect(alpha.read().resources[key]?.id).toBe(h.sandbox.inventory().find((i) => i.tags.Name === 'alpha-dev-svc')!.id);
  });

  it('state forget of a key the state does not hold names the close ones, and changes nothing', async () => {
    h = harness();
    const alpha = stack(h, 'alpha');
    expect((await alpha.run('provision')).code).toBe(0);
    const before = readFileSync(alpha.state, 'utf8');
    const run = await alpha.run('state', 'forget', 'network.subnet.privat-a');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('has no record network.subnet.privat-a');
    expect(run.stderr).toContain('network.subnet.private-a');
    expect(readFileSync(alpha.state, 'utf8')).toBe(before);
  });
});
