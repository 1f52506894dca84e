// Issue 14's domain, end to end on the sandbox: a domain with a path environment and a host
// environment, served over HTTPS with shipline's own certificate and alias records; a no-op
// re-run, a lost state adopted, crashes at each of the domain's mutating calls converging, a
// foreign record refused and left alone, a domain delegated elsewhere refused with its reason, and
// destroy leaving the zone with exactly the records it had before.
import { rmSync } from 'node:fs';
import type { Change } from '@aws-sdk/client-route-53';
import { parseConfig } from '../src/config';
import { requiredPolicy, variantOf } from '../src/permissions';
import { SEED_ZONE } from '../src/sandbox/models/route53';
import { Sandbox } from '../src/sandbox/sandbox';
import { BASE_CONFIG, harness, shape, type Harness } from './helpers/harness';
import { EC2_HIDDEN_CALLS, stateOf } from './helpers/promises';

const CONFIG = {
  ...BASE_CONFIG,
  domain: { name: 'example.com', hostedZoneId: null },
  environments: [
    { name: 'dev', path: '/dev' },
    { name: 'staging', host: 'staging.example.com' },
    { name: 'prod', approval: true },
  ],
};

/** What the user keeps in the zone beside shipline's records: an SPF TXT at the apex, a mail server. */
const USERS_RECORDS: Change[] = [
  { Action: 'CREATE', ResourceRecordSet: { Name: 'example.com', Type: 'TXT', TTL: 300, ResourceRecords: [{ Value: '"v=spf1 -all"' }] } },
  { Action: 'CREATE', ResourceRecordSet: { Name: 'example.com', Type: 'MX', TTL: 300, ResourceRecords: [{ Value: '10 mail.example.net' }] } },
];

let h: Harness | undefined;
afterEach(() => h?.restore());

async function stack(extra: Change[] = []): Promise<Harness> {
  const x = harness({ config: CONFIG });
  x.sandbox.faults.hideNewEc2(EC2_HIDDEN_CALLS);
  await x.sandbox.dispatch('route53', 'ChangeResourceRecordSets', { HostedZoneId: SEED_ZONE.id, ChangeBatch: { Changes: [...USERS_RECORDS, ...extra] } });
  return x;
}

const zoneRecords = (x: Harness): string[] => x.sandbox.route53.recordSetsOf(SEED_ZONE.id).map((s) => `${s.Name} ${s.Type} ${JSON.stringify(s.ResourceRecords ?? s.AliasTarget)}`);
const domainInventory = (x: Harness): string[] => shape(x.sandbox).filter((r) => r.startsWith('route53/') || r.startsWith('acm/'));
const mutationsSince = (x: Harness, from: number): string[] => x.sandbox.calls.slice(from).filter((c) => c.mutating).map((c) => `${c.service}:${c.operation}`);

/** The records a provision writes, besides the user's (validation CNAMEs have hashed names). */
const EXPECTED = [
  'acm/certificate/example.com,staging.example.com',
  expect.stringMatching(/^route53\/record\/_[0-9a-f]{32}\.example\.com\. CNAME$/),
  expect.stringMatching(/^route53\/record\/_[0-9a-f]{32}\.staging\.example\.com\. CNAME$/),
  expect.stringMatching(/^route53\/record\/_shipline\._[0-9a-f]{32}\.example\.com\. TXT$/),
  expect.stringMatching(/^route53\/record\/_shipline\._[0-9a-f]{32}\.staging\.example\.com\. TXT$/),
  'route53/record/_shipline.example.com. TXT',
  'route53/record/_shipline.staging.example.com. TXT',
  'route53/record/example.com. A',
  'route53/record/example.com. MX',
  'route53/record/example.com. TXT',
  'route53/record/staging.example.com. A',
];

describe('a domain with a path environment and a host environment', () => {
  it('is served over HTTPS on the domain; a re-run changes nothing; a lost state is adopted; destroy leaves the zone as it was', async () => {
    h = await stack();
    const before = zoneRecords(h);
    // The plan and the diagram show the certificate and the records before anything exists.
    const plan = await h.ok('plan');
    const planned = new Map(plan.logs.filter((l) => l.outcome).map((l) => [l.resource, l.outcome]));
    expect([planned.get('certificate.certificate'), planned.get('dns.alias.example.com'), planned.get('dns.alias.staging.example.com')]).toEqual(['created', 'created', 'created']);
    expect(h.sandbox.mutatingCalls().length).toBe(1); // the user's records only
    const diagram = (await h.ok('diagram')).stdout;
    expect(diagram).toContain('certificate -->|"HTTPS :443"| alb');
    expect(diagram).toContain('Route 53 zone example.com (yours)<br/>alias A: example.com, staging.example.com');
    expect(diagram).toContain('alb -->|"staging.example.com"| tg_staging');
    await h.ok('provision');

    expect(domainInventory(h)).toEqual(EXPECTED);
    const certificateArn = stateOf(h).resources['certificate.certificate']!.id!;
    const cert = (await h.sandbox.dispatch('acm', 'DescribeCertificate', { CertificateArn: certificateArn })) as { Certificate: { Status: string; Tags?: unknown } };
    expect(cert.Certificate.Status).toBe('ISSUED');
    // HTTPS on 443 with that certificate forwards; HTTP on 80 redirects to it.
    const lbArn = stateOf(h).resources['alb.loadBalancer']!.id!;
    const { Listeners } = (await h.sandbox.dispatch('elbv2', 'DescribeListeners', { LoadBalancerArn: lbArn })) as { Listeners: Array<{ Port: number; Protocol: string; Certificates?: Array<{ CertificateArn: string }>; DefaultActions: Array<{ Type: string }> }> };
    const byPort = new Map(Listeners.map((l) => [l.Port, l]));
    expect(byPort.get(443)).toMatchObject({ Protocol: 'HTTPS', Certificates: [{ CertificateArn: certificateArn }], DefaultActions: [{ Type: 'forward' }] });
    expect(byPort.get(80)).toMatchObject({ Protocol: 'HTTP', DefaultActions: [{ Type: 'redirect' }] });
    // Each alias points at the load balancer, with its ownership TXT beside it.
    const lbDns = (stateOf(h).resources['alb.loadBalancer'] as { dnsName?: string }).dnsName!;
    const sets = h.sandbox.route53.recordSetsOf(SEED_ZONE.id);
    for (const name of ['example.com.', 'staging.example.com.']) {
      expect(sets.find((s) => s.Name === name && s.Type === 'A')?.AliasTarget).toMatchObject({ DNSName: `${lbDns}.`, HostedZoneId: 'Z3Q77PNBQS71R4' });
      expect(sets.find((s) => s.Name === `_shipline.${name}` && s.Type === 'TXT')?.ResourceRecords).toEqual([{ Value: '"heritage=shipline,shipline/stack=demo,shipline/type=A"' }]);
    }
    const outputs = JSON.parse((await h.ok('outputs', '--json')).stdout) as { url: Record<string, string>; certificate: { status: string } };
    expect(outputs.url).toEqual({ dev: 'https://example.com/dev/', staging: 'https://staging.example.com/', prod: 'https://example.com/' });
    expect(outputs.certificate.status).toBe('ISSUED');
    expect((await h.run('status')).stdout).toMatch(/certificate\s+ISSUED: example\.com, staging\.example\.com/);

    // A second provision: every domain resource unchanged, no mutating call.
    let from = h.sandbox.calls.length;
    const second = await h.ok('provision', '--log-level', 'debug');
    expect(mutationsSince(h, from)).toEqual([]);
    expect(new Set(second.logs.filter((l) => l.outcome).map((l) => l.outcome))).toEqual(new Set(['unchanged']));

    // A lost state: the certificate found by its tags, the records by their ownership TXT.
    const recorded = Object.keys(stateOf(h).resources).sort();
    rmSync(h.statePath);
    rmSync(`${h.statePath}.bak`, { force: true });
    from = h.sandbox.calls.length;
    await h.ok('provision');
    expect(mutationsSince(h, from)).toEqual([]);
    expect(Object.keys(stateOf(h).resources).sort()).toEqual(recorded);
    expect(domainInventory(h)).toEqual(EXPECTED);

    // Destroy: records, then the listener, then the certificate; the zone keeps exactly what it had.
    from = h.sandbox.calls.length;
    await h.ok('destroy', '--yes');
    const order = mutationsSince(h, from).filter((c) => /ChangeResourceRecordSets|DeleteListener|DeleteCertificate/.test(c));
    expect(order.indexOf('route53:ChangeResourceRecordSets')).toBeLessThan(order.indexOf('elbv2:DeleteListener'));
    expect(order.lastIndexOf('elbv2:DeleteListener')).toBeLessThan(order.indexOf('acm:DeleteCertificate'));
    expect(h.sandbox.inventory().filter((i) => !(i.service === 'route53' && before.some((b) => b.startsWith(i.key!))))).toEqual([]);
    expect(zoneRecords(h)).toEqual(before);
  });

  it('refuses a name whose record is not its own, naming it, before changing anything; the record stays as it was', async () => {
    h = await stack([{ Action: 'CREATE', ResourceRecordSet: { Name: 'staging.example.com', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '192.0.2.10' }] } }]);
    const before = zoneRecords(h);
    const from = h.sandbox.calls.length;
    const result = await h.run('provision');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('staging.example.com. A');
    expect(result.stderr).toContain('shipline did not write');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(mutationsSince(h, from)).toEqual([]);
    expect(zoneRecords(h)).toEqual(before);
  });

  it('says why validation cannot succeed when the domain resolves to other name servers than its zone\'s', async () => {
    h = await stack();
    h.sandbox.route53.delegate('example.com', ['ns-1.registrar.example.net', 'ns-2.registrar.example.net']);
    const result = await h.run('provision');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('cannot be validated: example.com resolves publicly to the name servers ns-1.registrar.example.net, ns-2.registrar.example.net');
    expect(result.stderr).toContain(`hosted zone ${SEED_ZONE.id} is served by`);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('a crash after each of the domain\'s mutating calls (provision and destroy), then a re-run, converges: no duplicate, nothing left', async () => {
    const clean = await stack();
    await clean.ok('provision');
    const inventory = shape(clean.sandbox);
    const domainCall = (c: { service: string; operation: string }) => c.service === 'acm' || c.service === 'route53' || c.operation === 'CreateListener';
    const points = clean.sandbox.mutatingCalls().map((c, i) => ({ n: i + 1, c })).filter(({ c }) => domainCall(c)).map(({ n }) => n);
    const provisioned = clean.sandbox.mutatingCalls().length;
    await clean.ok('destroy', '--yes');
    const destroyPoints = clean.sandbox.mutatingCalls().slice(provisioned).map((c, i) => ({ n: i + 1, c })).filter(({ c }) => domainCall(c) || c.operation === 'DeleteListener').map(({ n }) => n);
    clean.restore();
    expect(points.length).toBeGreaterThanOrEqual(4);
    expect(destroyPoints.length).toBeGreaterThanOrEqual(3);
    for (const n of points) {
      h = await stack();
      h.sandbox.faults.crashAfterMutation(n + 1); // +1: the user's own records, written by the test
      expect({ n, code: (await h.run('provision')).code }).toEqual({ n, code: 1 });
      await h.ok('provision');
      expect({ n, inventory: shape(h.sandbox) }).toEqual({ n, inventory });
      h.restore();
      h = undefined;
    }
    for (const n of destroyPoints) {
      h = await stack();
      await h.ok('provision');
      h.sandbox.faults.crashAfterMutation(h.sandbox.mutatingCalls().length + n);
      expect({ n, code: (await h.run('destroy', '--yes')).code }).toEqual({ n, code: 1 });
      await h.ok('destroy', '--yes');
      expect({ n, left: domainInventory(h) }).toEqual({ n, left: ['route53/record/example.com. MX', 'route53/record/example.com. TXT'] });
      h.restore();
      h = undefined;
    }
  }, 240_000);

  it('a new host gets a new certificate (the old one deleted once the listener moved); removing the domain takes its records and certificate away', async () => {
    h = await stack();
    const before = zoneRecords(h);
    await h.ok('provision');
    const first = stateOf(h).resources['certificate.certificate']!.id!;

    h.writeConfig({ ...CONFIG, environments: [...CONFIG.environments, { name: 'qa', host: 'qa.example.com' }] });
    await h.ok('provision');
    const second = stateOf(h).resources['certificate.certificate']!.id!;
    expect(second).not.toBe(first);
    expect(domainInventory(h)).toContain('acm/certificate/example.com,staging.example.com,qa.example.com');
    expect(domainInventory(h).filter((r) => r.startsWith('acm/'))).toHaveLength(1);
    expect(domainInventory(h)).toContain('route53/record/qa.example.com. A');
    const lbArn = stateOf(h).resources['alb.loadBalancer']!.id!;
    const listeners = async () => ((await h!.sandbox.dispatch('elbv2', 'DescribeListeners', { LoadBalancerArn: lbArn })) as { Listeners: Array<{ Port: number; Certificates?: Array<{ CertificateArn: string }>; DefaultActions: Array<{ Type: string }> }> }).Listeners;
    expect((await listeners()).find((l) => l.Port === 443)?.Certificates).toEqual([{ CertificateArn: second }]);

    const { domain: _domain, ...withoutDomain } = CONFIG;
    h.writeConfig({ ...withoutDomain, environments: [{ name: 'dev', path: '/dev' }, { name: 'staging', host: 'staging.example.com' }, { name: 'prod', approval: true }] });
    await h.ok('provision');
    expect(domainInventory(h).filter((r) => r.startsWith('acm/'))).toEqual([]);
    expect(zoneRecords(h)).toEqual(before);
    expect((await listeners()).map((l) => `${l.Port} ${l.DefaultActions[0]!.Type}`)).toEqual(['80 forward']);
    expect(Object.keys(stateOf(h).resources).filter((k) => k.startsWith('certificate.') || k.startsWith('dns.'))).toEqual([]);
  });

  it('runs provision and destroy under the config\'s generated policy alone (the domain\'s permissions included)', async () => {
    const policy = requiredPolicy([variantOf(parseConfig(CONFIG, 'test config'))]);
    h = harness({ config: CONFIG, sandbox: new Sandbox({ region: 'eu-west-3', callerPolicy: policy }) });
    await h.ok('provision');
    await h.ok('destroy', '--yes');
    // (IAM's GetRole of a role not made yet is denied by design: read as "no such role".)
    expect(h.sandbox.calls.filter((c) => (c.service === 'acm' || c.service === 'route53') && c.error !== undefined)).toEqual([]);
    expect(h.sandbox.calls.filter((c) => c.service === 'route53').length).toBeGreaterThan(5);
    expect(domainInventory(h)).toEqual([]);
  });

  it('accepts an identical validation record that is already there, and keeps on destroy one another certificate still validates through', async () => {
    h = await stack();
    // The user's own certificate for staging.example.com, and ACM's record for example.com written by hand.
    await h.sandbox.dispatch('acm', 'RequestCertificate', { DomainName: 'staging.example.com', ValidationMethod: 'DNS' });
    const apex = h.sandbox.acm.validationRecord('example.com');
    const staging = h.sandbox.acm.validationRecord('staging.example.com');
    await h.sandbox.dispatch('route53', 'ChangeResourceRecordSets', {
      HostedZoneId: SEED_ZONE.id,
      ChangeBatch: { Changes: [{ Action: 'CREATE', ResourceRecordSet: { Name: apex.Name, Type: 'CNAME', TTL: 300, ResourceRecords: [{ Value: apex.Value }] } }] },
    });
    const before = zoneRecords(h);
    const provision = await h.ok('provision');
    expect(provision.logs.find((l) => l.resource === 'certificate.validation.example.com')).toMatchObject({ outcome: 'adopted' });
    const names = () => h!.sandbox.route53.recordSetsOf(SEED_ZONE.id).map((r) => `${r.Name} ${r.Type}`);
    expect(names()).not.toContain(`_shipline.${apex.Name} TXT`);
    expect(names()).toContain(`_shipline.${staging.Name} TXT`);

    await h.ok('destroy', '--yes');
    // The user's record stays as it was; the one shipline wrote stays too, with its TXT, while the user's certificate needs it.
    expect(zoneRecords(h)).toEqual(expect.arrayContaining(before));
    expect(names().filter((n) => !before.some((b) => b.startsWith(n)))).toEqual([`${staging.Name} CNAME`, `_shipline.${staging.Name} TXT`]);
  });
});
