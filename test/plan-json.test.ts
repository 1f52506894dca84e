// `plan --json` and `--detailed-exitcode`: the documented schema, nothing but the document on
// stdout, and Terraform's exit codes (0 no change, 2 changes pending, 1 any error).
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { planDocument, planDocumentSchema, type PlanDocument } from '../src/plan-json';
import type { ResourceOutcome } from '../src/step';
import { BASE_CONFIG, harness, type Harness } from './helpers/harness';

let h: Harness;
afterEach(() => h?.restore());

/** stdout must be exactly one JSON document that the schema accepts. */
function document(stdout: string): PlanDocument {
  return planDocumentSchema.parse(JSON.parse(stdout));
}

describe('plan --json', () => {
  it('on a fresh stack: every resource to create, IDs unknown, in step order; logs stay on stderr', async () => {
    h = harness();
    const result = await h.run('plan', '--json', '--detailed-exitcode');
    expect(result.code).toBe(2);
    const doc = document(result.stdout);
    expect(doc).toMatchObject({ format_version: '1', stack: 'demo', region: 'eu-west-3', account: '123456789012' });
    expect(doc.changes.length).toBeGreaterThan(20);
    expect(new Set(doc.changes.map((c) => c.action))).toEqual(new Set(['create']));
    expect(doc.changes.every((c) => c.id === null && c.attributes.length === 0)).toBe(true);
    expect(doc.changes.find((c) => c.resource === 'network.vpc')).toMatchObject({ step: 'network', kind: 'VPC', id: null, action: 'create' });
    expect(doc.summary).toMatchObject({ create: doc.changes.length, update: 0, delete: 0, replace: 0, adopt: 0, 'no-op': 0, changes_pending: true });
    // Step order (the network before what is built in it), then resource keys: stable between runs.
    const steps = doc.changes.map((c) => c.step);
    expect(steps[0]).toBe('network');
    const network = doc.changes.filter((c) => c.step === 'network').map((c) => c.resource);
    expect(network).toEqual([...network].sort());
    expect(steps.indexOf('network')).toBeLessThan(steps.indexOf('alb'));
    expect(steps.lastIndexOf('alb')).toBeLessThan(steps.indexOf('services'));
    expect(document((await h.run('plan', '--json')).stdout).changes).toEqual(doc.changes);
    expect(result.stderr).toContain('"msg":"plan for demo');
    expect(h.sandbox.mutatingCalls()).toEqual([]);
  });

  it('after provision: all no-op, exit 0 with --detailed-exitcode (and 0 without)', async () => {
    h = harness();
    await h.ok('provision');
    const result = await h.run('plan', '--json', '--detailed-exitcode');
    expect(result.code).toBe(0);
    const doc = document(result.stdout);
    expect(doc.changes.every((c) => c.action === 'no-op' && c.id !== null)).toBe(true);
    expect(doc.summary.changes_pending).toBe(false);
    expect((await h.run('plan')).code).toBe(0);
  });

  it('drift and a config change: update with the attributes that differ; exit 2', async () => {
    h = harness();
    await h.ok('provision');
    h.writeConfig({ ...BASE_CONFIG, environments: [{ name: 'dev', path: '/dev', desiredCount: 2 }, { name: 'prod', cpu: 512, memory: 1024, approval: true }] });
    const result = await h.run('plan', '--json', '--detailed-exitcode');
    expect(result.code).toBe(2);
    const doc = document(result.stdout);
    expect(doc.changes.filter((c) => c.action !== 'no-op')).toEqual([
      expect.objectContaining({ resource: 'services.service.dev', action: 'update', attributes: ['desiredCount'] }),
    ]);
    expect(doc.summary).toMatchObject({ update: 1, changes_pending: true });
  });

  it('a lost state file: the resources found by their tags are adoptions, and count as changes', async () => {
    h = harness();
    await h.ok('provision');
    rmSync(h.statePath);
    rmSync(`${h.statePath}.bak`, { force: true });
    const result = await h.run('plan', '--json', '--detailed-exitcode');
    expect(result.code).toBe(2);
    const doc = document(result.stdout);
    expect(doc.summary.adopt).toBeGreaterThan(0);
    expect(doc.changes.find((c) => c.resource === 'network.vpc')).toMatchObject({ action: 'adopt', id: expect.stringMatching(/^vpc-/) as unknown });
  });
});

describe('--detailed-exitcode on errors: always 1', () => {
  it.each([
    ['a bad config (2 without the flag)', (x: Harness) => x.writeConfig({ ...BASE_CONFIG, network: { cidr: 'nope' } }), 2],
    ['a corrupt state file', (x: Harness) => writeFileSync(x.statePath, '{'), 1],
  ])('%s', async (_what, breakIt, plainCode) => {
    h = harness();
    await h.ok('provision');
    breakIt(h);
    const detailed = await h.run('plan', '--json', '--detailed-exitcode');
    expect(detailed.code).toBe(1);
    expect(detailed.stdout).toBe('');
    expect((await h.run('plan', '--json')).code).toBe(plainCode);
  });

  it('an unknown flag', async () => {
    h = harness();
    expect((await h.run('plan', '--detailed-exitcode', '--no-such-flag')).code).toBe(1);
    expect((await h.run('plan', '--no-such-flag')).code).toBe(2);
  });

  it('a failing AWS call', async () => {
    h = harness();
    h.sandbox.faults.on('DescribeVpcs', () => {
      throw Object.assign(new Error('User is not authorized'), { name: 'UnauthorizedOperation', $metadata: { httpStatusCode: 403 } });
    });
    await h.ok('provision').catch(() => undefined);
    const result = await h.run('plan', '--json', '--detailed-exitcode');
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
  });
});

describe('planDocument', () => {
  const outcome = (resource: string, outcome: ResourceOutcome['outcome'], extra: Partial<ResourceOutcome> = {}): ResourceOutcome => ({
    step: resource.split('.')[0]!,
    resource,
    kind: resource,
    id: '(known after apply)',
    outcome,
    ...extra,
  });
  const where = { stack: 's', region: 'eu-west-3', account: '123456789012' };

  it('a resource deleted and created in one plan is one replace; order follows the steps, then the keys', () => {
    const doc = planDocument(
      {
        outcomes: [
          outcome('alb.targetGroup.dev', 'deleted', { id: 'arn:old' }),
          outcome('network.vpc', 'unchanged', { id: 'vpc-1' }),
          outcome('alb.loadBalancer', 'updated', { id: 'arn:lb', changes: ['subnets'] }),
          outcome('alb.targetGroup.dev', 'created'),
        ],
      },
      where,
      ['network', 'alb'],
    );
    expect(planDocumentSchema.parse(doc)).toEqual(doc);
    expect(doc.changes.map((c) => [c.resource, c.action, c.id])).toEqual([
      ['network.vpc', 'no-op', 'vpc-1'],
      ['alb.loadBalancer', 'update', 'arn:lb'],
      ['alb.targetGroup.dev', 'replace', 'arn:old'],
    ]);
    expect(doc.summary).toEqual({ create: 0, update: 1, delete: 0, replace: 1, adopt: 0, 'no-op': 1, changes_pending: true });
  });

  it('the README documents every field of the schema', () => {
    const readme = readFileSync(`${__dirname}/../README.md`, 'utf8');
    const section = readme.slice(readme.indexOf('### `plan --json`'));
    for (const field of ['format_version', 'stack', 'region', 'account', 'changes', 'resource', 'step', 'kind', 'id', 'action', 'attributes', 'summary', 'changes_pending']) {
      expect(section).toContain(`\`${field}\``);
    }
    for (const action of ['create', 'update', 'delete', 'replace', 'adopt', 'no-op']) expect(section).toContain(`\`${action}\``);
  });
});
