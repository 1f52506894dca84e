// Finding the domain's hosted zone: by ID, or the public zone with the longest matching name.
import { SEED_ZONE } from '../src/sandbox/models/route53';
import { delegationProblem } from '../steps/domain';
import { findZone } from '../steps/domain/zone';
import { testContext } from './helpers/context';
import { useSandbox } from './helpers/sandbox-fixture';

const env = useSandbox();
const ctxFor = (domain: Record<string, unknown>) => testContext('certificate', { config: { domain } });

describe('the domain\'s zone', () => {
  it('is the public zone with the longest name the domain ends in, never a private one of that name', async () => {
    const sub = env.sandbox.route53.addZone('app.example.com');
    env.sandbox.route53.addZone('app.example.com', { private: true });
    env.sandbox.route53.addZone('dev.app.example.com', { private: true });
    expect(await findZone(ctxFor({ name: 'dev.app.example.com' }))).toEqual({ id: sub, name: 'app.example.com.' });
    expect(await findZone(ctxFor({ name: 'www.example.com' }))).toEqual({ id: SEED_ZONE.id, name: 'example.com.' });
  });

  it('is the one named by hostedZoneId, if it holds the domain and is public', async () => {
    expect(await findZone(ctxFor({ name: 'example.com', hostedZoneId: SEED_ZONE.id }))).toEqual({ id: SEED_ZONE.id, name: 'example.com.' });
    const other = env.sandbox.route53.addZone('example.org');
    await expect(findZone(ctxFor({ name: 'example.com', hostedZoneId: other }))).rejects.toThrow(`domain.hostedZoneId: ${other} is the zone example.org., which does not hold example.com`);
    await expect(findZone(ctxFor({ name: 'example.com', hostedZoneId: 'ZNOSUCHZONE' }))).rejects.toThrow('domain.hostedZoneId: no hosted zone ZNOSUCHZONE in this account (Route 53 NoSuchHostedZone)');
  });

  it('says so, naming the names it looked for, when no public zone holds the domain', async () => {
    await expect(findZone(ctxFor({ name: 'shop.example.net' }))).rejects.toThrow('domain: no public hosted zone in this account holds shop.example.net (looked for shop.example.net., example.net.)');
  });
});

describe('why a certificate cannot be validated', () => {
  const withResolver = (resolveNs: (name: string) => Promise<string[]>) => ({ ...ctxFor({ name: 'example.com' }), resolveNs });
  const zoneNs = ['ns-1.awsdns-01.org', 'ns-2.awsdns-02.co.uk', 'ns-3.awsdns-03.com', 'ns-4.awsdns-04.net'];

  it('is nothing to say when the domain resolves to the zone\'s name servers (any case, trailing dots)', async () => {
    expect(await delegationProblem(withResolver(async () => zoneNs.map((n) => `${n.toUpperCase()}.`)))).toBeUndefined();
  });

  it('names both sets of name servers when the domain resolves elsewhere', async () => {
    expect(await delegationProblem(withResolver(async () => ['ns1.registrar.example.net']))).toBe(
      `example.com resolves publicly to the name servers ns1.registrar.example.net, but hosted zone ${SEED_ZONE.id} is served by ${zoneNs.join(', ')}: ACM reads the validation records through public DNS and never sees them. Set the domain's name servers at its registrar to the zone's, then run provision again`,
    );
  });

  it('says the domain is not delegated when it has no public NS records, and says nothing when DNS cannot be asked', async () => {
    const failing = (code: string) => async () => { throw Object.assign(new Error(code), { code }); };
    expect(await delegationProblem(withResolver(failing('ENOTFOUND')))).toMatch(/^example\.com has no public name servers \(NS lookup: ENOTFOUND\): the domain is not registered/);
    expect(await delegationProblem(withResolver(failing('ETIMEOUT')))).toBeUndefined();
    expect(await delegationProblem(withResolver(failing('ECONNREFUSED')))).toBeUndefined();
  });
});
