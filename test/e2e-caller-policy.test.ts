// The end-to-end runs under the policy `shipline permissions` prints: the sandbox evaluates it
// before every call (callerPolicy), the permission-only checks included (iam:PassRole with
// iam:PassedToService, codestar-connections:PassConnection), so a permission the generated policy
// misses fails here.
import { readFileSync } from 'node:fs';
import { requiredPolicy, type PolicyVariant } from '../src/permissions';
import type { PolicyDocument } from '../src/policies';
import { Sandbox } from '../src/sandbox/sandbox';
import { BASE_CONFIG, harness, type Harness } from './helpers/harness';

let h: Harness | undefined;
afterEach(() => h?.restore());

const connectionOf = (x: Harness) =>
  (JSON.parse(readFileSync(x.statePath, 'utf8')) as { resources: Record<string, { id: string }> }).resources['connection.github']!.id;
/**
 * The calls the policy refused, but GetRole on a role name IAM does not know yet: authorized on
 * `role/<name>`, outside `role/shipline/*`, it is refused, and shipline reads that as "no such role".
 */
const denials = (x: Harness) =>
  x.sandbox.calls
    .filter((c) => /AccessDenied|UnauthorizedOperation/.test(c.error ?? '') && !(c.operation === 'GetRole' && !x.sandbox.iam.policyDocumentsOf(`arn:aws:iam::${x.sandbox.world.account}:role/${String((c.input as { RoleName?: string }).RoleName)}`)))
    .map((c) => `${c.service}:${c.operation} ${c.error ?? ''}`);
const underPolicy = (config: unknown, policy: PolicyDocument, adapter: 'mock' | 'client' = 'mock') =>
  harness({ config, adapter, sandbox: new Sandbox({ region: 'eu-west-3', callerPolicy: policy }) });

/** Provision, deliver a commit through every stage, then destroy: every command a user runs. */
async function fullLife(x: Harness): Promise<void> {
  await x.ok('plan');
  await x.ok('provision');
  x.sandbox.connections.approveConnection(connectionOf(x));
  await x.ok('release');
  await x.ok('status', '--json');
  await x.ok('approve', '--comment', 'ok');
  await x.ok('provision');
  await x.ok('destroy', '--yes');
}

describe('under the policy the config needs (shipline permissions)', () => {
  const cases: Array<[string, unknown, PolicyVariant]> = [
    ['rolling, NAT instance, local state', BASE_CONFIG, { strategy: 'rolling', natMode: 'instance', stateBackend: 'local' }],
    ['blue/green, NAT gateway, local state', { ...BASE_CONFIG, deploy: { strategy: 'blue-green' }, nat: { mode: 'nat-gateway' } }, { strategy: 'blue-green', natMode: 'nat-gateway', stateBackend: 'local' }],
  ];

  it.each(cases)('%s: provision, release, approve and destroy make no call the policy denies', async (_name, config, variant) => {
    h = underPolicy(config, requiredPolicy([variant]));
    await fullLife(h);
    expect(denials(h)).toEqual([]);
    expect(h.sandbox.calls.length).toBeGreaterThan(100);
    expect(h.sandbox.inventory()).toEqual([]);
  });

  it('the S3 state backend: its state and lock objects are allowed too', async () => {
    const config = { ...BASE_CONFIG, state: { backend: { type: 's3', bucket: 'team-state' } } };
    h = underPolicy(config, requiredPolicy([{ strategy: 'rolling', natMode: 'instance', stateBackend: 's3' }]));
    // The team's state bucket exists before shipline runs; made here as its owner would.
    h.sandbox.s3.createBucket({ Bucket: 'team-state', CreateBucketConfiguration: { LocationConstraint: 'eu-west-3' } });
    h.sandbox.s3.putBucketVersioning({ Bucket: 'team-state', VersioningConfiguration: { Status: 'Enabled' } });
    await h.ok('provision');
    await h.ok('destroy', '--yes');
    expect(denials(h)).toEqual([]);
  });
});

describe('a policy that misses a permission-only check', () => {
  it('without codestar-connections:PassConnection, CreatePipeline is refused with AccessDeniedException naming it', async () => {
    const full = requiredPolicy([{ strategy: 'rolling', natMode: 'instance', stateBackend: 'local' }]);
    const policy: PolicyDocument = { ...full, Statement: full.Statement.filter((s) => s.Sid !== 'PassConnectionToPipeline') };
    // The real SDK clients, with shipline's middleware: the error a user sees.
    h = underPolicy(BASE_CONFIG, policy, 'client');
    const result = await h.run('provision');
    expect(result.code).not.toBe(0);
    expect(denials(h)).toEqual(['codepipeline:CreatePipeline AccessDeniedException']);
    expect(result.stderr).toMatch(/not authorized to perform: codestar-connections:PassConnection on resource: arn:aws:codestar-connections:eu-west-3:\d{12}:connection\//);
    expect(result.stderr).toMatch(/error: step pipeline failed: codepipeline:CreatePipeline: AccessDeniedException — User: .* is not authorized to perform: codestar-connections:PassConnection/);
    expect(result.stderr).toMatch(/hint: the credentials in use may not call codepipeline:CreatePipeline; `shipline permissions --config FILE` prints the policy/);
    expect(result.stderr).not.toMatch(/\n\s+at |looks like a bug/);
  });

  it('without iam:PassRole to ECS tasks, RegisterTaskDefinition is refused', async () => {
    const full = requiredPolicy([{ strategy: 'rolling', natMode: 'instance', stateBackend: 'local' }]);
    const narrowed: PolicyDocument = {
      ...full,
      Statement: full.Statement.map((s) =>
        s.Sid === 'PassShiplineRoles' ? { ...s, Condition: { StringEquals: { 'iam:PassedToService': ['codebuild.amazonaws.com', 'codepipeline.amazonaws.com'] } } } : s,
      ),
    };
    h = underPolicy(BASE_CONFIG, narrowed);
    const result = await h.run('provision');
    expect(result.code).not.toBe(0);
    expect(denials(h)).toContain('ecs:RegisterTaskDefinition AccessDeniedException');
    expect(result.stderr).toMatch(/not authorized to perform: iam:PassRole on resource: arn:aws:iam::\d{12}:role\/shipline\/demo-task-execution/);
  });
});
