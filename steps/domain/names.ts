// The domain steps' state keys, and the pure decisions about records: which names shipline serves,
// the ownership TXT record it keeps beside each record it writes (as external-dns does), and
// whether a record found at a name is shipline's to change.
import type { ResourceRecordSet } from '@aws-sdk/client-route-53';
import type { Config } from '../../src/config';
import { certificateNames } from '../../src/domain-config';

export const KEYS = {
  certificate: 'certificate.certificate',
  /** A certificate for another set of names, kept until the listener no longer uses it. */
  replacedCertificate: 'certificate.replaced',
  validation: (name: string) => `certificate.validation.${name}`,
  alias: (name: string) => `dns.alias.${name}`,
};
export const VALIDATION_PREFIX = 'certificate.validation.';
export const ALIAS_PREFIX = 'dns.alias.';

/** Where shipline's ownership TXT for a record at `name` goes: a prefixed name, so no TXT of the user's at `name` (SPF …) is touched. */
export const ownershipName = (name: string): string => `_shipline.${fqdn(name)}`;

/** The ownership TXT's value: the stack and the record type it vouches for, quoted as Route 53 wants TXT values. */
export const ownershipValue = (stack: string, type: string): string => `"heritage=shipline,shipline/stack=${stack},shipline/type=${type}"`;

/** The public names: the domain and every host, each once (what the certificate covers and aliases point). */
export const publicNames = (config: Pick<Config, 'domain' | 'environments'>): string[] => certificateNames(config);

export function fqdn(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower : `${lower}.`;
}

/** Record sets by `<name> <type>` (name fully qualified, lowercase). */
export type RecordIndex = ReadonlyMap<string, ResourceRecordSet>;

export function indexRecords(sets: readonly ResourceRecordSet[]): RecordIndex {
  return new Map(sets.map((s) => [`${fqdn(s.Name ?? '')} ${s.Type ?? ''}`, s]));
}

export const at = (index: RecordIndex, name: string, type: string): ResourceRecordSet | undefined => index.get(`${fqdn(name)} ${type}`);

/** Whether the ownership TXT at `_shipline.<name>` says `stack` wrote the `type` record at `name`. */
export function ownedBy(index: RecordIndex, name: string, type: string, stack: string): boolean {
  const txt = at(index, ownershipName(name), 'TXT');
  return (txt?.ResourceRecords ?? []).some((r) => r.Value === ownershipValue(stack, type));
}

/**
 * What stands at a name where shipline wants a `type` record, if it is not shipline's: the
 * records it would replace or conflict with (a CNAME conflicts with every type), each named.
 */
export function foreignAt(index: RecordIndex, name: string, type: string, stack: string): string[] {
  const types = type === 'CNAME' ? ['A', 'AAAA', 'CNAME', 'TXT', 'MX'] : [type, 'CNAME'];
  return types
    .filter((t) => at(index, name, t) !== undefined && !(t === type && ownedBy(index, name, type, stack)))
    .map((t) => `${fqdn(name)} ${t}`);
}

/** The change that writes a record and its ownership TXT together (one batch: both or neither). */
export function withOwnership(stack: string, set: ResourceRecordSet, action: 'CREATE' | 'UPSERT' | 'DELETE') {
  return [
    { Action: action, ResourceRecordSet: set },
    { Action: action, ResourceRecordSet: ownershipSet(stack, set.Name!, set.Type!) },
  ];
}

export function ownershipSet(stack: string, name: string, type: string): ResourceRecordSet {
  return { Name: ownershipName(name), Type: 'TXT', TTL: 300, ResourceRecords: [{ Value: ownershipValue(stack, type) }] };
}

/** An alias record set pointing at the load balancer. */
export function aliasSet(name: string, type: 'A' | 'AAAA', lb: { dnsName: string; zoneId: string }): ResourceRecordSet {
  return { Name: fqdn(name), Type: type, AliasTarget: { HostedZoneId: lb.zoneId, DNSName: fqdn(lb.dnsName), EvaluateTargetHealth: true } };
}

/** Whether a reported alias set already points where it should. */
export function sameAlias(found: ResourceRecordSet | undefined, wanted: ResourceRecordSet): boolean {
  const a = found?.AliasTarget;
  const b = wanted.AliasTarget!;
  return a !== undefined && a.HostedZoneId === b.HostedZoneId && fqdn(a.DNSName ?? '').replace(/^dualstack\./, '') === fqdn(b.DNSName ?? '').replace(/^dualstack\./, '') && a.EvaluateTargetHealth === b.EvaluateTargetHealth;
}
