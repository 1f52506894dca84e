// The simulated ACM and Route 53, driven through the SDK clients: what the domain steps rely on
// (validation records, their ownership rules, change batches, pagination).
import {
  ACMClient,
  DeleteCertificateCommand,
  DescribeCertificateCommand,
  ListCertificatesCommand,
  ListTagsForCertificateCommand,
  RequestCertificateCommand,
} from '@aws-sdk/client-acm';
import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  GetHostedZoneCommand,
  ListHostedZonesByNameCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
  type Change,
} from '@aws-sdk/client-route-53';
import { SEED_ZONE } from '../src/sandbox/models/route53';
import { REGION, useSandbox } from './helpers/sandbox-fixture';
import { TestClock } from './helpers/test-clock';

const env = useSandbox();
let acm: ACMClient;
let r53: Route53Client;

beforeEach(() => {
  acm = new ACMClient({ region: REGION });
  r53 = new Route53Client({ region: REGION });
});

const request = (DomainName: string, extra: Record<string, unknown> = {}) =>
  acm.send(new RequestCertificateCommand({ DomainName, ValidationMethod: 'DNS', ...extra }));
const describe_ = async (arn: string) => (await acm.send(new DescribeCertificateCommand({ CertificateArn: arn }))).Certificate!;
const change = (Changes: Change[]) => r53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: SEED_ZONE.id, ChangeBatch: { Changes } }));
const cname = (Action: Change['Action'], Name: string, Value: string, TTL = 300): Change => ({ Action, ResourceRecordSet: { Name, Type: 'CNAME', TTL, ResourceRecords: [{ Value }] } });
const txt = (Action: Change['Action'], Name: string, Value: string): Change => ({ Action, ResourceRecordSet: { Name, Type: 'TXT', TTL: 300, ResourceRecords: [{ Value }] } });

async function validate(arn: string): Promise<void> {
  for (const option of (await describe_(arn)).DomainValidationOptions ?? []) {
    const record = option.ResourceRecord!;
    await change([cname('UPSERT', record.Name!, record.Value!)]);
  }
}

describe('ACM', () => {
  it('gives every certificate of a name in one account the same validation record, and issues once it answers publicly', async () => {
    const first = (await request('example.com', { SubjectAlternativeNames: ['dev.example.com'], Tags: [{ Key: 'shipline:stack', Value: 'demo' }] })).CertificateArn!;
    const second = (await request('example.com')).CertificateArn!;
    expect(first).not.toBe(second);
    const a = await describe_(first);
    const b = await describe_(second);
    expect(a.Status).toBe('PENDING_VALIDATION');
    expect(a.SubjectAlternativeNames).toEqual(['example.com', 'dev.example.com']);
    expect(a.DomainValidationOptions![0]!.ResourceRecord).toEqual(b.DomainValidationOptions![0]!.ResourceRecord);
    expect(a.DomainValidationOptions![0]!.ResourceRecord).toMatchObject({ Type: 'CNAME', Name: expect.stringMatching(/^_[0-9a-f]{32}\.example\.com\.$/), Value: expect.stringMatching(/\.acm-validations\.aws\.$/) });
    expect((await acm.send(new ListTagsForCertificateCommand({ CertificateArn: first }))).Tags).toEqual([{ Key: 'shipline:stack', Value: 'demo' }]);

    await validate(first);
    expect((await describe_(first)).Status).toBe('ISSUED');
    expect((await describe_(second)).Status).toBe('ISSUED');
  });

  it('takes minutes to issue with AWS-like times, and never issues in a zone the domain is not delegated to', async () => {
    const clock = new TestClock();
    env.restart({ msPerSimSecond: 1, clock: clock.now });
    const arn = (await request('example.com')).CertificateArn!;
    expect((await describe_(arn)).DomainValidationOptions![0]!.ResourceRecord).toBeUndefined();
    clock.advance(5);
    await validate(arn);
    clock.advance(60 + 179);
    expect((await describe_(arn)).Status).toBe('PENDING_VALIDATION');
    clock.advance(2);
    expect((await describe_(arn)).Status).toBe('ISSUED');

    env.sandbox.route53.delegate('example.com', ['ns-elsewhere.example.net']);
    const other = (await request('www.example.com')).CertificateArn!;
    clock.advance(5);
    await validate(other);
    clock.advance(72 * 3600 * 1000);
    const late = await describe_(other);
    expect(late.Status).toBe('VALIDATION_TIMED_OUT');
    expect(late.DomainValidationOptions![0]!.ValidationStatus).toBe('FAILED');
  });

  it('answers the same certificate for an idempotency token within an hour, and a new one after', async () => {
    const clock = new TestClock();
    env.restart({ msPerSimSecond: 1, clock: clock.now });
    const first = (await request('example.com', { IdempotencyToken: 'demo1' })).CertificateArn;
    expect((await request('example.com', { IdempotencyToken: 'demo1' })).CertificateArn).toBe(first);
    clock.advance(3601 * 1000);
    expect((await request('example.com', { IdempotencyToken: 'demo1' })).CertificateArn).not.toBe(first);
  });

  it('refuses to delete a certificate in use, and names an unknown one', async () => {
    const arn = (await request('example.com')).CertificateArn!;
    env.sandbox.acm.use(arn, 'arn:aws:elasticloadbalancing:eu-west-3:123456789012:listener/app/x/1/2');
    await expect(acm.send(new DeleteCertificateCommand({ CertificateArn: arn }))).rejects.toMatchObject({ name: 'ResourceInUseException' });
    env.sandbox.acm.release(arn, 'arn:aws:elasticloadbalancing:eu-west-3:123456789012:listener/app/x/1/2');
    await acm.send(new DeleteCertificateCommand({ CertificateArn: arn }));
    await expect(describe_(arn)).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(describe_('certificate')).rejects.toMatchObject({ name: 'InvalidArnException' });
  });

  it('pages ListCertificates', async () => {
    for (let i = 0; i < 7; i += 1) await request(`n${i}.example.com`);
    const first = await acm.send(new ListCertificatesCommand({}));
    expect(first.CertificateSummaryList).toHaveLength(5);
    const second = await acm.send(new ListCertificatesCommand({ NextToken: first.NextToken }));
    expect(second.CertificateSummaryList).toHaveLength(2);
    expect(second.NextToken).toBeUndefined();
  });
});

describe('Route 53', () => {
  it('finds the seeded public zone by name and ID, with its name servers', async () => {
    const byName = await r53.send(new ListHostedZonesByNameCommand({ DNSName: 'example.com' }));
    expect(byName.HostedZones![0]).toMatchObject({ Id: `/hostedzone/${SEED_ZONE.id}`, Name: 'example.com.', Config: { PrivateZone: false } });
    const zone = await r53.send(new GetHostedZoneCommand({ Id: `/hostedzone/${SEED_ZONE.id}` }));
    expect(zone.DelegationSet?.NameServers).toHaveLength(4);
    await expect(r53.send(new GetHostedZoneCommand({ Id: 'ZNOTAZONE' }))).rejects.toMatchObject({ name: 'NoSuchHostedZone' });
  });

  it('refuses a CREATE of a set that exists and a DELETE that does not match, in AWS\'s words, and applies a batch all or nothing', async () => {
    await change([txt('CREATE', 'example.com', '"v=spf1 -all"')]);
    await expect(change([txt('CREATE', 'a.example.com', '"x"'), txt('CREATE', 'example.com', '"other"')])).rejects.toMatchObject({
      name: 'InvalidChangeBatch',
      message: "[Tried to create resource record set [name='example.com.', type='TXT'] but it already exists]",
    });
    expect(env.sandbox.route53.recordSetsOf(SEED_ZONE.id).map((s) => s.Name)).not.toContain('a.example.com.');
    await expect(change([txt('DELETE', 'example.com', '"other"')])).rejects.toMatchObject({
      message: "[Tried to delete resource record set [name='example.com.', type='TXT'] but the values provided do not match the current values]",
    });
    await expect(change([txt('DELETE', 'b.example.com', '"x"')])).rejects.toMatchObject({
      message: "[Tried to delete resource record set [name='b.example.com.', type='TXT'] but it was not found]",
    });
    await expect(change([txt('CREATE', 'c.example.com', 'unquoted')])).rejects.toMatchObject({ name: 'InvalidChangeBatch', message: expect.stringContaining('Value should be enclosed in quotation marks') });
    await expect(change([txt('CREATE', 'c.example.org', '"x"')])).rejects.toMatchObject({ message: '[RRSet with DNS name c.example.org. is not permitted in zone example.com.]' });
    await change([txt('DELETE', 'example.com', '"v=spf1 -all"')]);
  });

  it('refuses a CNAME beside another set of its name, and an alias to no load balancer', async () => {
    await change([txt('CREATE', 'www.example.com', '"x"')]);
    await expect(change([cname('CREATE', 'www.example.com', 'elsewhere.example.net')])).rejects.toMatchObject({ name: 'InvalidChangeBatch', message: expect.stringContaining('RRSet of type CNAME with DNS name www.example.com. is not permitted') });
    await expect(change([{ Action: 'CREATE', ResourceRecordSet: { Name: 'api.example.com', Type: 'A', AliasTarget: { HostedZoneId: 'Z3Q77PNBQS71R4', DNSName: 'nothing-1.eu-west-3.elb.amazonaws.com', EvaluateTargetHealth: false } } }]))
      .rejects.toMatchObject({ name: 'InvalidChangeBatch', message: expect.stringContaining('but the alias target name does not lie within the target zone') });
    await expect(change([{ Action: 'CREATE', ResourceRecordSet: { Name: 'api.example.com', Type: 'A' } }])).rejects.toMatchObject({ name: 'InvalidInput' });
  });

  it('reports a change PENDING, then INSYNC', async () => {
    const clock = new TestClock();
    env.restart({ msPerSimSecond: 1, clock: clock.now });
    const { ChangeInfo } = await change([txt('CREATE', 'x.example.com', '"x"')]);
    expect(ChangeInfo).toMatchObject({ Status: 'PENDING', Id: expect.stringMatching(/^\/change\/C/) });
    clock.advance(60_000);
    expect((await r53.send(new GetChangeCommand({ Id: ChangeInfo!.Id }))).ChangeInfo?.Status).toBe('INSYNC');
    await expect(r53.send(new GetChangeCommand({ Id: 'CNOPE' }))).rejects.toMatchObject({ name: 'NoSuchChange' });
  });

  it('pages record sets in Route 53\'s order (labels reversed), from a name and type', async () => {
    await change(['a', 'b', 'c', 'd', 'e'].map((n) => txt('CREATE', `${n}.example.com`, '"x"')));
    const first = await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: SEED_ZONE.id }));
    expect(first.ResourceRecordSets!.map((s) => `${s.Name} ${s.Type}`)).toEqual(['example.com. NS', 'example.com. SOA', 'a.example.com. TXT', 'b.example.com. TXT', 'c.example.com. TXT']);
    expect(first).toMatchObject({ IsTruncated: true, NextRecordName: 'd.example.com.', NextRecordType: 'TXT' });
    const second = await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: SEED_ZONE.id, StartRecordName: first.NextRecordName, StartRecordType: first.NextRecordType }));
    expect(second.ResourceRecordSets!.map((s) => s.Name)).toEqual(['d.example.com.', 'e.example.com.']);
    expect(second.IsTruncated).toBe(false);
  });
});
