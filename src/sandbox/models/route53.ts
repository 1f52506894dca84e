// Route 53 (simulated): hosted zones, their record sets and the changes that write them.
//
// Behaviour, as AWS documents it (the full specification, with sources, is in README.md):
// - IDs: a zone is `Z…` (the API answers `/hostedzone/Z…`), a change `C…` (`/change/C…`); either
//   form is accepted in input. Names are answered fully qualified (trailing dot), lowercase.
// - ListHostedZonesByName: zones in the order of their names with the labels reversed
//   (`com.example.`), from DNSName (and HostedZoneId); MaxItems 1–100; NextDNSName /
//   NextHostedZoneId when truncated. GetHostedZone: NoSuchHostedZone; the delegation set's name servers.
// - ListResourceRecordSets: in the same order, then by type; StartRecordName / StartRecordType
//   (a type needs a name: InvalidInput); MaxItems 1–300; NextRecordName / NextRecordType.
// - ChangeResourceRecordSets: CREATE, UPSERT, DELETE, validated as one batch and applied all or
//   nothing. InvalidChangeBatch, in AWS's words, for a CREATE of a set that exists, a DELETE of one
//   that does not or whose TTL, values or alias target differ, a name outside the zone, a CNAME
//   beside other sets of its name, an unquoted TXT value, an alias whose target is not a live
//   load balancer of that canonical zone; InvalidInput for a set with neither TTL and values nor
//   an alias target (or both). A change is PENDING, then INSYNC after the propagation delay
//   (GetChange; NoSuchChange).
// - Public DNS: a zone answers publicly only while its domain is delegated to its own name
//   servers (`delegations`, what the registrar holds). A CNAME in such a zone is reported to ACM
//   from the moment its change is in sync (that is how DNS validation sees it).
// - Seed data: a new world holds the public zone `example.com` (delegated to its name servers)
//   with its SOA and NS sets, as a domain bought through Route 53 comes; inventory() leaves the
//   zone and those two sets out, and lists every other record set as `record` (key `<name> <type>`).
import type * as R53 from '@aws-sdk/client-route-53';
import { awsError, SandboxNotModelled } from '../kernel/errors';
import { type InventoryItem, type Out, SandboxService } from '../kernel/service';
import type { SandboxWorld } from '../kernel/world';
import type { AcmSandbox } from './acm';
import type { Elbv2Sandbox } from './elbv2';

export const SEED_ZONE = { id: 'Z0SANDBOXEXAMPLE01', name: 'example.com.' } as const;

const TYPES: readonly string[] = ['SOA', 'A', 'TXT', 'NS', 'CNAME', 'MX', 'NAPTR', 'PTR', 'SRV', 'SPF', 'AAAA', 'CAA', 'DS'];

interface RecordSet {
  name: string;
  type: string;
  ttl?: number;
  values?: string[];
  alias?: { hostedZoneId: string; dnsName: string; evaluateTargetHealth: boolean };
  /** Simulated seconds from which it answers (its change in sync). */
  since: number;
  /** Part of the zone as AWS made it (SOA, NS): not the caller's. */
  seeded?: boolean;
}

interface ZoneRecord {
  id: string;
  name: string;
  callerReference: string;
  private: boolean;
  nameServers: string[];
  records: RecordSet[];
  seeded?: boolean;
}

interface ChangeRecord {
  id: string;
  submittedAt: number;
  insyncAt: number;
  comment?: string;
}

export interface Route53Data {
  zones: Record<string, ZoneRecord>;
  changes: Record<string, ChangeRecord>;
  /** Domain (fully qualified) → the name servers its parent (the registrar) delegates it to. */
  delegations: Record<string, string[]>;
}

export type Route53Peers = { elbv2: Elbv2Sandbox; acm: AcmSandbox };

export class Route53Sandbox extends SandboxService<Route53Data> {
  readonly service = 'route53' as const;

  constructor(world: SandboxWorld, data: Route53Data, private readonly peers: Route53Peers) {
    super(world, data);
  }

  static empty(): Route53Data {
    const nameServers = ['ns-1.awsdns-01.org.', 'ns-2.awsdns-02.co.uk.', 'ns-3.awsdns-03.com.', 'ns-4.awsdns-04.net.'];
    return {
      zones: {
        [SEED_ZONE.id]: {
          id: SEED_ZONE.id,
          name: SEED_ZONE.name,
          callerReference: 'sandbox-seed',
          private: false,
          nameServers,
          seeded: true,
          records: [
            { name: SEED_ZONE.name, type: 'NS', ttl: 172800, values: nameServers, since: 0, seeded: true },
            { name: SEED_ZONE.name, type: 'SOA', ttl: 900, values: [`${nameServers[0]} awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400`], since: 0, seeded: true },
          ],
        },
      },
      changes: {},
      delegations: { [SEED_ZONE.name]: nameServers },
    };
  }

  // ---- Hosted zones ------------------------------------------------------------------------------

  listHostedZonesByName(input: R53.ListHostedZonesByNameCommandInput): Out<R53.ListHostedZonesByNameCommandOutput> {
    const max = this.maxItems(input.MaxItems, 100);
    if (input.HostedZoneId !== undefined && input.DNSName === undefined) throw invalidInput('If you specify HostedZoneId, you must also specify DNSName.');
    const zones = Object.values(this.data.zones).sort((a, b) => compareNames(a.name, b.name) || (a.id < b.id ? -1 : 1));
    const from = input.DNSName === undefined ? 0 : zones.findIndex((z) => {
      const order = compareNames(z.name, fqdn(input.DNSName!));
      return order > 0 || (order === 0 && (input.HostedZoneId === undefined || z.id >= stripId(input.HostedZoneId, 'hostedzone')));
    });
    const start = from < 0 ? zones.length : from;
    const items = zones.slice(start, start + max);
    const next = zones[start + max];
    return {
      HostedZones: items.map((z) => this.zoneOut(z)),
      ...(input.DNSName !== undefined ? { DNSName: fqdn(input.DNSName) } : {}),
      ...(input.HostedZoneId !== undefined ? { HostedZoneId: input.HostedZoneId } : {}),
      IsTruncated: next !== undefined,
      ...(next ? { NextDNSName: next.name, NextHostedZoneId: next.id } : {}),
      MaxItems: max,
    };
  }

  getHostedZone(input: R53.GetHostedZoneCommandInput): Out<R53.GetHostedZoneCommandOutput> {
    const zone = this.getZone(input.Id);
    return { HostedZone: this.zoneOut(zone), ...(zone.private ? {} : { DelegationSet: { NameServers: [...zone.nameServers] } }) };
  }

  // ---- Record sets -------------------------------------------------------------------------------

  listResourceRecordSets(input: R53.ListResourceRecordSetsCommandInput): Out<R53.ListResourceRecordSetsCommandOutput> {
    const zone = this.getZone(input.HostedZoneId);
    const max = this.maxItems(input.MaxItems, 300);
    if (input.StartRecordType !== undefined && input.StartRecordName === undefined) throw invalidInput('The input is not valid: StartRecordType requires StartRecordName.');
    if (input.StartRecordIdentifier !== undefined) throw new SandboxNotModelled('the sandbox does not model record sets with a SetIdentifier');
    const sets = [...zone.records].sort(compareSets);
    const start = input.StartRecordName === undefined ? 0 : Math.max(0, sets.findIndex((s) => {
      const order = compareNames(s.name, fqdn(input.StartRecordName!));
      return order > 0 || (order === 0 && (input.StartRecordType === undefined || s.type >= input.StartRecordType));
    }));
    const from = input.StartRecordName !== undefined && start === 0 && sets.every((s) => compareNames(s.name, fqdn(input.StartRecordName!)) < 0) ? sets.length : start;
    const items = sets.slice(from, from + max);
    const next = sets[from + max];
    return {
      ResourceRecordSets: items.map(setOut),
      IsTruncated: next !== undefined,
      ...(next ? { NextRecordName: next.name, NextRecordType: next.type as R53.RRType } : {}),
      MaxItems: max,
    };
  }

  changeResourceRecordSets(input: R53.ChangeResourceRecordSetsCommandInput): Out<R53.ChangeResourceRecordSetsCommandOutput> {
    const zone = this.getZone(input.HostedZoneId);
    const changes = input.ChangeBatch?.Changes ?? [];
    if (changes.length === 0) throw invalidInput('Invalid request: Expected at least one Change in ChangeBatch.');
    // One working copy for the whole batch: later changes see earlier ones, and any refusal leaves the zone as it was.
    const working = zone.records.map((r) => ({ ...r }));
    const problems: string[] = [];
    const insyncAt = this.world.now() + (this.world.msPerSimSecond > 0 ? this.world.latencies['route53.change.insync'] : 0);
    for (const change of changes) {
      const set = this.checkedSet(zone, change);
      const index = working.findIndex((r) => r.name === set.name && r.type === set.type);
      const label = `[name='${set.name}', type='${set.type}']`;
      if (change.Action === 'DELETE') {
        if (index < 0) problems.push(`Tried to delete resource record set ${label} but it was not found`);
        else if (!sameSet(working[index]!, set)) problems.push(`Tried to delete resource record set ${label} but the values provided do not match the current values`);
        else working.splice(index, 1);
        continue;
      }
      if (change.Action === 'CREATE' && index >= 0) {
        problems.push(`Tried to create resource record set ${label} but it already exists`);
        continue;
      }
      const conflict = this.cnameConflict(zone, working, set);
      if (conflict) {
        problems.push(conflict);
        continue;
      }
      const stored = { ...set, since: insyncAt };
      if (index >= 0) working[index] = stored;
      else working.push(stored);
    }
    if (problems.length > 0) throw awsError('InvalidChangeBatch', `[${problems.join(', ')}]`);
    const before = zone.records;
    zone.records = working;
    this.tellAcm(zone, before, working);
    const id = `C${this.world.newId('c', 19).slice(2).toUpperCase()}`;
    this.data.changes[id] = { id, submittedAt: this.world.now(), insyncAt, ...(input.ChangeBatch?.Comment !== undefined ? { comment: input.ChangeBatch.Comment } : {}) };
    return { ChangeInfo: this.changeOut(this.data.changes[id]) };
  }

  getChange(input: R53.GetChangeCommandInput): Out<R53.GetChangeCommandOutput> {
    const id = stripId(input.Id, 'change');
    const change = this.data.changes[id];
    if (!change) throw awsError('NoSuchChange', `A change with the specified change ID does not exist: ${id}`, { status: 404 });
    return { ChangeInfo: this.changeOut(change) };
  }

  // ---- Helpers for tests and the CLI (not AWS operations) ----------------------------------------

  /** A zone as a person makes it in the console (public and delegated unless said otherwise). */
  addZone(name: string, options: { private?: boolean; delegated?: boolean } = {}): string {
    const id = `Z${this.world.newId('z', 17).slice(2).toUpperCase()}`;
    const n = this.world.idCounter;
    const nameServers = [`ns-${n}.awsdns-${n % 64}.org.`, `ns-${n + 1}.awsdns-${(n + 1) % 64}.com.`];
    const zoneName = fqdn(name);
    this.data.zones[id] = {
      id, name: zoneName, callerReference: `sandbox-${id}`, private: options.private === true, nameServers,
      records: [
        { name: zoneName, type: 'NS', ttl: 172800, values: nameServers, since: this.world.now(), seeded: true },
        { name: zoneName, type: 'SOA', ttl: 900, values: [`${nameServers[0]} awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400`], since: this.world.now(), seeded: true },
      ],
    };
    if (!options.private && options.delegated !== false) this.data.delegations[zoneName] = nameServers;
    return id;
  }

  /** What the registrar delegates `name` to (a test moves a domain elsewhere with it). */
  delegate(name: string, nameServers: string[]): void {
    this.data.delegations[fqdn(name)] = nameServers.map(fqdn);
  }

  /**
   * The public answer to an NS query for exactly `name` (as `dns.resolveNs` gives it, without
   * trailing dots); undefined where no delegation exists (resolveNs fails with ENOTFOUND there).
   */
  publicNameServers(name: string): string[] | undefined {
    return this.data.delegations[fqdn(name)]?.map((ns) => ns.replace(/\.$/, ''));
  }

  /** Every record set of a zone, as ListResourceRecordSets answers them (for tests to compare). */
  recordSetsOf(zoneId: string): R53.ResourceRecordSet[] {
    return [...(this.data.zones[stripId(zoneId, 'hostedzone')]?.records ?? [])].sort(compareSets).map(setOut);
  }

  // ---- Inventory ---------------------------------------------------------------------------------

  inventory(): InventoryItem[] {
    const items: InventoryItem[] = [];
    for (const zone of Object.values(this.data.zones)) {
      if (!zone.seeded) items.push({ service: 'route53', type: 'hosted-zone', id: zone.id, tags: {}, key: zone.name });
      for (const r of zone.records) if (!r.seeded) items.push({ service: 'route53', type: 'record', id: `${zone.id}/${r.name}/${r.type}`, tags: {}, key: `${r.name} ${r.type}` });
    }
    return items;
  }

  // ---- Helpers -----------------------------------------------------------------------------------

  private getZone(ref: string | undefined): ZoneRecord {
    const id = stripId(ref, 'hostedzone');
    const zone = this.data.zones[id];
    if (!zone) throw awsError('NoSuchHostedZone', `No hosted zone found with ID: ${id}`, { status: 404 });
    return zone;
  }

  private maxItems(value: string | number | undefined, awsMax: number): number {
    if (value === undefined) return Math.min(awsMax === 300 ? 300 : 100, this.world.pageSize ?? Infinity);
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw invalidInput(`1 validation error detected: Value '${String(value)}' at 'maxItems' failed to satisfy constraint: Member must be a positive integer`);
    return Math.min(n, awsMax, this.world.pageSize ?? Infinity);
  }

  /** The record set a change names, checked as Route 53 checks it. */
  private checkedSet(zone: ZoneRecord, change: R53.Change): Omit<RecordSet, 'since'> {
    const s = change.ResourceRecordSet;
    if (!['CREATE', 'UPSERT', 'DELETE'].includes(change.Action ?? '')) throw invalidInput(`Invalid XML ; cvc-enumeration-valid: Value '${change.Action ?? ''}' is not facet-valid with respect to enumeration '[CREATE, DELETE, UPSERT]'.`);
    if (!s?.Name || !s.Type) throw invalidInput('Invalid request: a ResourceRecordSet needs a Name and a Type.');
    if (!TYPES.includes(s.Type)) throw invalidInput(`Invalid XML ; cvc-enumeration-valid: Value '${s.Type}' is not facet-valid with respect to enumeration '[${TYPES.join(', ')}]'.`);
    if (s.SetIdentifier !== undefined || s.Weight !== undefined || s.Region !== undefined || s.Failover !== undefined || s.GeoLocation !== undefined || s.MultiValueAnswer !== undefined || s.HealthCheckId !== undefined || s.TrafficPolicyInstanceId !== undefined) {
      throw new SandboxNotModelled('the sandbox models simple routing only (no SetIdentifier, weights, failover, geolocation, health checks or traffic policies)');
    }
    const name = fqdn(s.Name);
    const hasValues = s.TTL !== undefined && (s.ResourceRecords?.length ?? 0) > 0;
    if (hasValues === (s.AliasTarget !== undefined) || (s.AliasTarget !== undefined && (s.TTL !== undefined || s.ResourceRecords !== undefined))) {
      throw invalidInput(`Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found ${hasValues ? 'more than one' : 'none'} in Change with [Action=${change.Action}, Name=${name}, Type=${s.Type}, SetIdentifier=null]`);
    }
    if (!(name === zone.name || name.endsWith(`.${zone.name}`))) throw awsError('InvalidChangeBatch', `[RRSet with DNS name ${name} is not permitted in zone ${zone.name}]`);
    if (s.AliasTarget) {
      const target = s.AliasTarget;
      if (change.Action !== 'DELETE') this.checkAliasTarget(s.Type, target);
      return { name, type: s.Type, alias: { hostedZoneId: target.HostedZoneId ?? '', dnsName: fqdn(target.DNSName ?? '').toLowerCase(), evaluateTargetHealth: target.EvaluateTargetHealth ?? false } };
    }
    const values = (s.ResourceRecords ?? []).map((r) => r.Value ?? '');
    if (s.Type === 'TXT') {
      for (const v of values) {
        if (!/^"([^"\\]|\\.)*"( "([^"\\]|\\.)*")*$/.test(v)) throw awsError('InvalidChangeBatch', `[Invalid Resource Record: 'FATAL problem: InvalidCharacterString (Value should be enclosed in quotation marks) encountered with '${v}'']`);
      }
    }
    if (s.Type === 'CNAME' && values.length > 1) throw awsError('InvalidChangeBatch', `[RRSet of type CNAME with DNS name ${name} has more than one resource record]`);
    return { name, type: s.Type, ttl: s.TTL!, values: s.Type === 'CNAME' ? values.map((v) => fqdn(v).toLowerCase()) : values };
  }

  /** An alias to a load balancer: its canonical zone, and the name of a live one. */
  private checkAliasTarget(type: string, target: R53.AliasTarget): void {
    const dns = fqdn(target.DNSName ?? '').toLowerCase().replace(/^dualstack\./, '');
    const lb = this.peers.elbv2.loadBalancerByDnsName(dns.replace(/\.$/, ''));
    if (!lb || lb.canonicalHostedZoneId !== target.HostedZoneId) {
      throw awsError('InvalidChangeBatch', `[Tried to create an alias that targets ${fqdn(target.DNSName ?? '')}, type ${type} in zone ${target.HostedZoneId ?? ''}, but the alias target name does not lie within the target zone]`);
    }
  }

  /** A CNAME may not share its name with any other set (nor sit at the apex). */
  private cnameConflict(zone: ZoneRecord, working: RecordSet[], set: Omit<RecordSet, 'since'>): string | undefined {
    const others = working.filter((r) => r.name === set.name && r.type !== set.type);
    if (set.type === 'CNAME' && (others.length > 0 || set.name === zone.name)) {
      return `RRSet of type CNAME with DNS name ${set.name} is not permitted as it conflicts with other records with the same DNS name in zone ${zone.name}`;
    }
    if (others.some((r) => r.type === 'CNAME')) {
      return `RRSet of type ${set.type} with DNS name ${set.name} is not permitted because a conflicting RRSet of type  CNAME with the same DNS name already exists in zone ${zone.name}`;
    }
    return undefined;
  }

  /** What the public DNS now answers, for ACM's validation: CNAMEs of a delegated public zone. */
  private tellAcm(zone: ZoneRecord, before: RecordSet[], after: RecordSet[]): void {
    const cnames = (sets: RecordSet[]) => new Map(sets.filter((r) => r.type === 'CNAME' && r.values?.length).map((r) => [`${r.name} ${r.values![0]}`, r]));
    const was = cnames(before);
    const now = cnames(after);
    for (const [key, r] of was) if (!now.has(key)) this.peers.acm.forgetDnsRecord(r.name, r.values![0]!);
    if (!this.answersPublicly(zone)) return;
    for (const [key, r] of now) if (!was.has(key)) this.peers.acm.noteDnsRecord(r.name, r.values![0]!, r.since);
  }

  private answersPublicly(zone: ZoneRecord): boolean {
    const delegated = this.data.delegations[zone.name];
    return !zone.private && delegated !== undefined && delegated.length === zone.nameServers.length && delegated.every((ns) => zone.nameServers.includes(ns));
  }

  private zoneOut(z: ZoneRecord): R53.HostedZone {
    return {
      Id: `/hostedzone/${z.id}`,
      Name: z.name,
      CallerReference: z.callerReference,
      Config: { PrivateZone: z.private },
      ResourceRecordSetCount: z.records.length,
    };
  }

  private changeOut(c: ChangeRecord): R53.ChangeInfo {
    return {
      Id: `/change/${c.id}`,
      Status: this.world.isPast(c.insyncAt) ? 'INSYNC' : 'PENDING',
      SubmittedAt: new Date(Date.UTC(2026, 0, 1) + c.submittedAt * 1000),
      ...(c.comment !== undefined ? { Comment: c.comment } : {}),
    };
  }
}

function setOut(r: RecordSet): R53.ResourceRecordSet {
  return {
    Name: r.name,
    Type: r.type as R53.RRType,
    ...(r.alias
      ? { AliasTarget: { HostedZoneId: r.alias.hostedZoneId, DNSName: r.alias.dnsName, EvaluateTargetHealth: r.alias.evaluateTargetHealth } }
      : { TTL: r.ttl!, ResourceRecords: (r.values ?? []).map((Value) => ({ Value })) }),
  };
}

/** Same name, type, TTL, values (in any order) and alias target: what a DELETE must give. */
function sameSet(current: RecordSet, given: Omit<RecordSet, 'since'>): boolean {
  if (current.alias || given.alias) {
    return current.alias !== undefined && given.alias !== undefined && current.alias.hostedZoneId === given.alias.hostedZoneId &&
      current.alias.dnsName === given.alias.dnsName && current.alias.evaluateTargetHealth === given.alias.evaluateTargetHealth;
  }
  const sorted = (v: string[] | undefined) => JSON.stringify([...(v ?? [])].sort());
  return current.ttl === given.ttl && sorted(current.values) === sorted(given.values);
}

/** Route 53's order: names compared label by label from the right (`com.example.www`). */
function compareNames(a: string, b: string): number {
  const ra = a.replace(/\.$/, '').split('.').reverse().join('.');
  const rb = b.replace(/\.$/, '').split('.').reverse().join('.');
  return ra < rb ? -1 : ra > rb ? 1 : 0;
}

function compareSets(a: RecordSet, b: RecordSet): number {
  return compareNames(a.name, b.name) || (a.type < b.type ? -1 : a.type > b.type ? 1 : 0);
}

function fqdn(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower : `${lower}.`;
}

function stripId(ref: string | undefined, kind: 'hostedzone' | 'change'): string {
  if (ref === undefined || ref.length === 0) throw invalidInput(`1 validation error detected: Value null at 'id' failed to satisfy constraint: Member must not be null`);
  return ref.replace(new RegExp(`^/?${kind}/`), '');
}

function invalidInput(message: string): Error {
  return awsError('InvalidInput', message);
}
