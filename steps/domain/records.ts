// shipline's record sets in the domain's zone: the certificate's validation CNAMEs and the alias
// records pointing at the load balancer. Record sets take no tags: each one shipline writes has an
// ownership TXT at `_shipline.<name>` (written in the same change batch, so both exist or neither),
// and only a record with that TXT is ever changed or deleted. A record at a name shipline wants that
// is not its own is refused, named, and left as it is. ACM's validation record is the exception:
// it is the same for every certificate of a name in the account, so an identical one is accepted.
import type { Change } from '@aws-sdk/client-route-53';
import { ForeignResourceError } from '../../src/errors';
import { isKnown, KNOWN_AFTER_APPLY, type StepContext } from '../../src/step';
import { aliasSet, ALIAS_PREFIX, at, foreignAt, fqdn, KEYS, ownedBy, ownershipName, publicNames, sameAlias, VALIDATION_PREFIX, withOwnership, type RecordIndex } from './names';
import { change, waitInSync, type Zone } from './zone';

/** Refuse, naming them, the records at the names shipline serves that are not its own. */
export function refuseForeignNames(ctx: StepContext, zone: Zone, index: RecordIndex): void {
  const foreign = publicNames(ctx.config).flatMap((name) => foreignAt(index, name, 'A', ctx.tags.stack));
  if (foreign.length === 0) return;
  throw new ForeignResourceError(
    `zone ${zone.name} (${zone.id}) already has ${foreign.map((r) => `the record ${r}`).join(', ')}, which shipline did not write (no ${ownershipName(foreign[0]!.split(' ')[0]!)} TXT record of stack ${ctx.tags.stack}): it will not overwrite or delete it`,
    { hint: 'delete that record yourself if the name should point at this stack, or serve the environment at another host' },
  );
}

/** The certificate's validation CNAMEs: written with their ownership TXT, or an identical one accepted as it is. */
export async function ensureValidationRecords(ctx: StepContext, zone: Zone, index: RecordIndex, records: ReadonlyArray<{ domain: string; name: string; value: string }>): Promise<void> {
  const changes: Change[] = [];
  const created: string[] = [];
  for (const r of records) {
    const key = KEYS.validation(r.domain);
    const found = at(index, r.name, 'CNAME');
    const owned = ownedBy(index, r.name, 'CNAME', ctx.tags.stack);
    const id = `${zone.id}/${fqdn(r.name)}`;
    if (found) {
      if (fqdn(found.ResourceRecords?.[0]?.Value ?? '') !== fqdn(r.value)) {
        throw new ForeignResourceError(`zone ${zone.name} (${zone.id}) has the record ${fqdn(r.name)} CNAME → ${found.ResourceRecords?.[0]?.Value ?? '(alias)'}, not ACM's validation value ${r.value}: shipline will not overwrite it`, {
          hint: 'delete that record yourself; shipline then writes the one ACM asks for',
        });
      }
      const outcome = ctx.state.get(key)?.id === id ? 'unchanged' : 'adopted';
      if (outcome === 'adopted' && !ctx.dryRun) await ctx.state.record(key, { id, owned: String(owned) });
      ctx.outcome({ resource: key, kind: `validation record ${fqdn(r.name)}${owned ? '' : ' (already there: accepted as it is)'}`, id, outcome });
      continue;
    }
    changes.push(...withOwnership(ctx.tags.stack, { Name: fqdn(r.name), Type: 'CNAME', TTL: 300, ResourceRecords: [{ Value: r.value }] }, 'CREATE'));
    created.push(r.domain);
    ctx.outcome({ resource: key, kind: `validation record ${fqdn(r.name)}`, id, outcome: 'created' });
  }
  if (changes.length === 0 || ctx.dryRun) return;
  await change(ctx, zone, changes, 'certificate validation records');
  for (const r of records.filter((x) => created.includes(x.domain))) await ctx.state.record(KEYS.validation(r.domain), { id: `${zone.id}/${fqdn(r.name)}`, owned: 'true' });
}

/**
 * shipline's validation records no other certificate of the account validates through, with their
 * ownership TXT. `others`: every other certificate's names.
 */
export async function deleteValidationRecords(ctx: StepContext, zone: Zone, index: RecordIndex, others: ReadonlySet<string>): Promise<void> {
  const changes: Change[] = [];
  for (const set of index.values()) {
    if (set.Type !== 'CNAME' || !ownedBy(index, set.Name!, 'CNAME', ctx.tags.stack)) continue;
    // `_<hash>.<name>.` validates <name> (and *.<name>).
    const validated = fqdn(set.Name!).split('.').slice(1, -1).join('.');
    if (others.has(validated) || others.has(`*.${validated}`)) {
      ctx.log.info({ record: set.Name }, `validation record ${set.Name} stays: another certificate of the account validates ${validated} through it`);
      continue;
    }
    changes.push({ Action: 'DELETE', ResourceRecordSet: set }, { Action: 'DELETE', ResourceRecordSet: at(index, ownershipName(set.Name!), 'TXT')! });
  }
  await deleteAndForget(ctx, zone, changes, VALIDATION_PREFIX, 'validation record');
}

export interface AliasTarget {
  dnsName: string;
  zoneId: string;
}

/** An A alias record for the domain and every host, pointing at the load balancer (AAAA too, were the ALB dualstack). */
export async function ensureAliasRecords(ctx: StepContext, zone: Zone, index: RecordIndex, lb: AliasTarget | undefined): Promise<void> {
  refuseForeignNames(ctx, zone, index);
  const changes: Change[] = [];
  const done: string[] = [];
  for (const name of publicNames(ctx.config)) {
    const key = KEYS.alias(name);
    const id = aliasId(zone, name);
    const found = at(index, name, 'A');
    if (!lb) {
      ctx.outcome({ resource: key, kind: `alias record ${fqdn(name)} A`, id: KNOWN_AFTER_APPLY, outcome: 'created' });
      continue;
    }
    const wanted = aliasSet(name, 'A', lb);
    if (found && sameAlias(found, wanted)) {
      const outcome = ctx.state.get(key)?.id === id ? 'unchanged' : 'adopted';
      if (outcome === 'adopted' && !ctx.dryRun) await ctx.state.record(key, { id });
      ctx.outcome({ resource: key, kind: `alias record ${fqdn(name)} A`, id, outcome });
      continue;
    }
    changes.push(...withOwnership(ctx.tags.stack, wanted, found ? 'UPSERT' : 'CREATE'));
    done.push(name);
    ctx.outcome({ resource: key, kind: `alias record ${fqdn(name)} A`, id, outcome: found ? 'updated' : 'created', ...(found ? { changes: ['aliasTarget'] } : {}) });
  }
  const gone = ctx.state.keys(ALIAS_PREFIX).filter((k) => !publicNames(ctx.config).includes(k.slice(ALIAS_PREFIX.length)));
  const removals = gone.flatMap((k) => ownedSetChanges(ctx, index, k.slice(ALIAS_PREFIX.length), 'A'));
  if (ctx.dryRun || changes.length + removals.length === 0) return;
  const changeId = await change(ctx, zone, [...changes, ...removals], 'alias records');
  for (const name of done) await ctx.state.record(KEYS.alias(name), { id: aliasId(zone, name) });
  for (const k of gone) {
    ctx.outcome({ resource: k, kind: `alias record ${k.slice(ALIAS_PREFIX.length)}`, id: ctx.state.get(k)?.id ?? k, outcome: 'deleted' });
    await ctx.state.forget(k);
  }
  if (ctx.wait) await waitInSync(ctx, zone, changeId);
}

const aliasId = (zone: Zone, name: string): string => `${zone.id}/${fqdn(name)} A`;

/** shipline's alias records (found by their ownership TXT, with or without state) and their TXT. */
export async function deleteAliasRecords(ctx: StepContext, zone: Zone, index: RecordIndex): Promise<void> {
  const changes: Change[] = [];
  for (const set of index.values()) {
    if ((set.Type === 'A' || set.Type === 'AAAA') && ownedBy(index, set.Name!, set.Type, ctx.tags.stack)) changes.push(...ownedSetChanges(ctx, index, set.Name!, set.Type));
  }
  await deleteAndForget(ctx, zone, changes, ALIAS_PREFIX, 'alias record');
}

/** DELETEs (with the current values, as Route 53 requires) of a record shipline owns and its TXT; none when it is not shipline's. */
function ownedSetChanges(ctx: StepContext, index: RecordIndex, name: string, type: string): Change[] {
  const set = at(index, name, type);
  if (!set || !ownedBy(index, name, type, ctx.tags.stack)) return [];
  return [{ Action: 'DELETE', ResourceRecordSet: set }, { Action: 'DELETE', ResourceRecordSet: at(index, ownershipName(name), 'TXT')! }];
}

async function deleteAndForget(ctx: StepContext, zone: Zone, changes: Change[], prefix: string, kind: string): Promise<void> {
  // Two records may share one ownership TXT set only if they share a name: drop repeated deletes.
  const unique = [...new Map(changes.map((c) => [`${c.ResourceRecordSet!.Name} ${c.ResourceRecordSet!.Type}`, c])).values()];
  for (const c of unique.filter((c) => c.ResourceRecordSet!.Type !== 'TXT')) {
    ctx.outcome({ resource: `${prefix}${c.ResourceRecordSet!.Name}`, kind: `${kind} ${c.ResourceRecordSet!.Name} ${c.ResourceRecordSet!.Type}`, id: `${zone.id}/${c.ResourceRecordSet!.Name}`, outcome: 'deleted' });
  }
  if (!ctx.dryRun && unique.length > 0) await change(ctx, zone, unique, `deleting ${kind}s`);
  if (!ctx.dryRun) for (const key of ctx.state.keys(prefix)) if (isKnown(ctx.state.get(key)?.id)) await ctx.state.forget(key);
}

