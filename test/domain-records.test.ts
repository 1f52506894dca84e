// The pure decisions of the domain steps: which names are served, the ownership TXT beside each
// record shipline writes, and whether a record at a name is shipline's to change.
import type { ResourceRecordSet } from '@aws-sdk/client-route-53';
import { aliasSet, foreignAt, indexRecords, ownedBy, ownershipName, ownershipSet, ownershipValue, sameAlias, withOwnership } from '../steps/domain/names';
import { zoneCandidates } from '../steps/domain/zone';

const LB = { dnsName: 'demo-alb-1.eu-west-3.elb.amazonaws.com', zoneId: 'Z3Q77PNBQS71R4' };
const txt = (name: string, ...values: string[]): ResourceRecordSet => ({ Name: name, Type: 'TXT', TTL: 300, ResourceRecords: values.map((Value) => ({ Value })) });

describe('record ownership', () => {
  it('keeps the ownership TXT under a prefixed name, quoted, naming the stack and the type', () => {
    expect(ownershipName('staging.example.com')).toBe('_shipline.staging.example.com.');
    expect(ownershipValue('demo', 'A')).toBe('"heritage=shipline,shipline/stack=demo,shipline/type=A"');
    expect(withOwnership('demo', aliasSet('example.com', 'A', LB), 'CREATE')).toEqual([
      { Action: 'CREATE', ResourceRecordSet: { Name: 'example.com.', Type: 'A', AliasTarget: { HostedZoneId: LB.zoneId, DNSName: `${LB.dnsName}.`, EvaluateTargetHealth: true } } },
      { Action: 'CREATE', ResourceRecordSet: ownershipSet('demo', 'example.com', 'A') },
    ]);
  });

  it('owns a record only with its own stack\'s TXT for that type, and never touches a TXT at the name itself', () => {
    const index = indexRecords([
      aliasSet('example.com', 'A', LB),
      txt('example.com.', '"v=spf1 -all"'),
      txt('_shipline.example.com.', ownershipValue('demo', 'A')),
      aliasSet('other.example.com', 'A', LB),
      txt('_shipline.other.example.com.', ownershipValue('bravo', 'A')),
    ]);
    expect(ownedBy(index, 'example.com', 'A', 'demo')).toBe(true);
    expect(ownedBy(index, 'example.com', 'AAAA', 'demo')).toBe(false);
    expect(ownedBy(index, 'other.example.com', 'A', 'demo')).toBe(false);
    expect(foreignAt(index, 'example.com', 'A', 'demo')).toEqual([]);
    expect(foreignAt(index, 'other.example.com', 'A', 'demo')).toEqual(['other.example.com. A']);
    expect(foreignAt(index, 'new.example.com', 'A', 'demo')).toEqual([]);
  });

  it('refuses a name where a CNAME of someone else\'s stands (it conflicts with an A record)', () => {
    const index = indexRecords([{ Name: 'www.example.com.', Type: 'CNAME', TTL: 60, ResourceRecords: [{ Value: 'elsewhere.example.net' }] }]);
    expect(foreignAt(index, 'www.example.com', 'A', 'demo')).toEqual(['www.example.com. CNAME']);
  });

  it('sees an alias already pointing at the load balancer as done, with or without the dualstack prefix', () => {
    const wanted = aliasSet('example.com', 'A', LB);
    expect(sameAlias({ ...wanted, AliasTarget: { ...wanted.AliasTarget!, DNSName: `dualstack.${LB.dnsName}.` } }, wanted)).toBe(true);
    expect(sameAlias({ ...wanted, AliasTarget: { ...wanted.AliasTarget!, DNSName: 'other-2.eu-west-3.elb.amazonaws.com.' } }, wanted)).toBe(false);
    expect(sameAlias(undefined, wanted)).toBe(false);
  });
});

describe('finding the zone', () => {
  it('tries the longest name first, down to the name under the top-level domain', () => {
    expect(zoneCandidates('dev.app.example.com')).toEqual(['dev.app.example.com.', 'app.example.com.', 'example.com.']);
    expect(zoneCandidates('example.com')).toEqual(['example.com.']);
  });
});
