// The hosted zone a domain lives in, its record sets, and the changes shipline writes to it.
// The zone is the user's: shipline reads it, writes only its own record sets, never deletes it.
import {
  ChangeResourceRecordSetsCommand,
  GetHostedZoneCommand,
  ListHostedZonesByNameCommand,
  ListResourceRecordSetsCommand,
  waitUntilResourceRecordSetsChanged,
  type Change,
  type HostedZone,
  type ResourceRecordSet,
  type RRType,
} from '@aws-sdk/client-route-53';
import { unlessNotFound } from '../../src/aws/errors';
import { GONE } from '../../src/aws/gone';
import { untilSdk } from '../../src/aws/wait';
import type { DomainConfig } from '../../src/domain-config';
import { ConfigError } from '../../src/errors';
import type { StepContext } from '../../src/step';
import { fqdn, indexRecords, type RecordIndex } from './names';

export interface Zone {
  /** Without the `/hostedzone/` prefix. */
  id: string;
  /** Fully qualified: `example.com.`. */
  name: string;
}

/** The domain's public zone: the one named by ID, or the public zone with the longest name the domain ends in. Read once a run. */
export function findZone(ctx: StepContext): Promise<Zone> {
  const domain = ctx.config.domain!;
  return ctx.shared.once(`route53:zone:${domain.name}`, () => (domain.hostedZoneId ? zoneById(ctx, domain) : zoneByName(ctx, domain)));
}

async function zoneById(ctx: StepContext, domain: DomainConfig): Promise<Zone> {
  const out = await unlessNotFound(ctx.aws.route53.send(new GetHostedZoneCommand({ Id: domain.hostedZoneId! })), ...GONE.route53.hostedZone);
  const zone = out?.HostedZone;
  if (!zone) throw new ConfigError(`domain.hostedZoneId: no hosted zone ${domain.hostedZoneId} in this account (Route 53 NoSuchHostedZone)`, { hint: 'set it to null to find the zone by the domain\'s name' });
  const name = fqdn(zone.Name ?? '');
  if (zone.Config?.PrivateZone) throw new ConfigError(`domain.hostedZoneId: ${domain.hostedZoneId} (${name}) is a private zone; a public certificate and public records need the public zone`);
  if (!(fqdn(domain.name) === name || fqdn(domain.name).endsWith(`.${name}`))) {
    throw new ConfigError(`domain.hostedZoneId: ${domain.hostedZoneId} is the zone ${name}, which does not hold ${domain.name}`);
  }
  return { id: bareId(zone), name };
}

/** Candidates from the longest name to the shortest: `dev.example.com`, `example.com`, `com`. */
export function zoneCandidates(domain: string): string[] {
  const labels = domain.split('.');
  return labels.slice(0, -1).map((_, i) => fqdn(labels.slice(i).join('.')));
}

async function zoneByName(ctx: StepContext, domain: DomainConfig): Promise<Zone> {
  for (const candidate of zoneCandidates(domain.name)) {
    // Zones come in name order from DNSName: those of exactly this name come first (public and private alike).
    const out = await ctx.aws.route53.send(new ListHostedZonesByNameCommand({ DNSName: candidate, MaxItems: 10 }));
    const zone = (out.HostedZones ?? []).find((z) => fqdn(z.Name ?? '') === candidate && !z.Config?.PrivateZone);
    if (zone) return { id: bareId(zone), name: candidate };
  }
  throw new ConfigError(`domain: no public hosted zone in this account holds ${domain.name} (looked for ${zoneCandidates(domain.name).join(', ')})`, {
    hint: 'create the public hosted zone in Route 53 (or register the domain there), or set domain.hostedZoneId',
  });
}

const bareId = (zone: HostedZone): string => (zone.Id ?? '').replace(/^\/hostedzone\//, '');

/**
 * Every record set of the zone. The SDK has no paginator for ListResourceRecordSets (it pages by
 * name and type, two tokens), so the tokens are followed here.
 */
export async function listRecordSets(ctx: StepContext, zone: Zone): Promise<ResourceRecordSet[]> {
  const sets: ResourceRecordSet[] = [];
  let start: { StartRecordName?: string; StartRecordType?: RRType } = {};
  for (;;) {
    const out = await ctx.aws.route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zone.id, ...start }));
    sets.push(...(out.ResourceRecordSets ?? []));
    if (!out.IsTruncated || !out.NextRecordName) return sets;
    start = { StartRecordName: out.NextRecordName, ...(out.NextRecordType ? { StartRecordType: out.NextRecordType } : {}) };
  }
}

/** The zone's record sets as read once this run (preflight reads them; the steps may only confirm with it). */
export function recordsOnce(ctx: StepContext, zone: Zone): Promise<RecordIndex> {
  return ctx.shared.once(`route53:records:${zone.id}`, async () => indexRecords(await listRecordSets(ctx, zone)));
}

/** Write one change batch (applied whole or not at all); returns its change ID. */
export async function change(ctx: StepContext, zone: Zone, changes: Change[], comment: string): Promise<string> {
  ctx.progress(`writing ${comment} in zone ${zone.name}`);
  const out = await ctx.aws.route53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zone.id, ChangeBatch: { Comment: `shipline ${ctx.tags.stack}: ${comment}`, Changes: changes } }));
  return out.ChangeInfo!.Id!;
}

/** Route 53 has every authoritative server answer the change (INSYNC, usually within a minute). */
export async function waitInSync(ctx: StepContext, zone: Zone, changeId: string): Promise<void> {
  await untilSdk(ctx, `DNS changes in zone ${zone.name} to reach every Route 53 server`, 600, waitUntilResourceRecordSetsChanged, ctx.aws.route53, { Id: changeId });
}
