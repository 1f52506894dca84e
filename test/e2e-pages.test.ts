// ELBv2 and ECS lists longer than a page (the sandbox pages by 5 in tests, as AWS pages by its own
// sizes): the steps and `status` read every page, and send no more than AWS takes in one call.
import type { ConfigInput } from '../src/config';
import { BASE_CONFIG, harness, type Harness } from './helpers/harness';

let h: Harness;
afterEach(() => h?.restore());

/** `count` environments routed by path, and prod the default: more listener rules and target groups than a page holds. */
function environments(count: number): ConfigInput {
  const routed = Array.from({ length: count }, (_, i) => ({ name: `e${i + 1}`, path: `/e${i + 1}` }));
  return { ...BASE_CONFIG, environments: [...routed, { name: 'prod' }] };
}

const mutations = (x: Harness) => x.sandbox.mutatingCalls().map((c) => c.operation);

describe('lists longer than a page', () => {
  it('a re-run finds every listener rule and target group past the first page, and changes nothing', async () => {
    h = harness({ config: environments(6) });
    await h.ok('provision');
    const rules = h.sandbox.calls.filter((c) => c.operation === 'CreateRule').length;
    expect(rules).toBe(6);

    const before = h.sandbox.mutatingCalls().length;
    const run = await h.ok('provision');
    expect(mutations(h).slice(before)).toEqual([]);
    expect(run.logs.filter((l) => l.outcome === 'created' || l.outcome === 'updated')).toEqual([]);
    // The second page was asked for: a DescribeRules with the marker the first one gave.
    expect(h.sandbox.calls.some((c) => c.operation === 'DescribeRules' && (c.input as { Marker?: string }).Marker !== undefined)).toBe(true);
  });

  it('destroy deregisters every revision of a family, past the first page', async () => {
    h = harness();
    await h.ok('provision');
    // Six pipeline deploys: seven revisions of demo-dev's family, more than a page.
    for (let i = 0; i < 6; i += 1) h.sandbox.ecs.simulatePipelineDeploy({ cluster: 'demo', service: 'demo-dev', image: `nginx:1.${i}` });
    await h.ok('destroy', '--yes');
    expect(h.sandbox.inventory().filter((r) => r.type === 'task-definition')).toEqual([]);
  });

  it('status describes the services of more than ten environments, ten a call', async () => {
    h = harness();
    await h.ok('provision');
    h.writeConfig(environments(11));
    const status = await h.run('status', '--json');
    expect(status.stderr).not.toMatch(/InvalidParameterException/);
    expect(status.code).toBe(0);
    const described = h.sandbox.calls.filter((c) => c.operation === 'DescribeServices' && (c.input as { services: string[] }).services.length > 1);
    expect(described.at(-1)?.input).toMatchObject({ services: expect.arrayContaining(['demo-prod']) });
    expect(Math.max(...described.map((c) => (c.input as { services: string[] }).services.length))).toBeLessThanOrEqual(10);
  });
});
