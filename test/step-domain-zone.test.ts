// Finding the domain's hosted zone: by ID, or the public zone with the longest matching name.
import { SEED_ZONE } from '../src/sandbox/models/route53';
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
