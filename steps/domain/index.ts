// A domain of the user's (issue 14), in two steps:
//
// - `certificate` (after nothing: it starts beside the network, so ACM validates while the rest is
//   made): finds the domain's public zone, requests the certificate for the domain and every host,
//   writes its validation records. The alb step waits for it to be ISSUED right before its HTTPS
//   listener needs it (`httpsCertificateArn`), after the load balancer and target groups are made.
// - `dns` (after alb): the alias records for the domain and every host, pointing at the load
//   balancer. Its preflight refuses, before anything changes, a name whose record is not shipline's.
//
// Destroy goes records → listener (alb) → certificate, then the validation records no other
// certificate still validates through. The zone is never changed otherwise.
import { GetHostedZoneCommand } from '@aws-sdk/client-route-53';
import type { LoadBalancer } from '@aws-sdk/client-elastic-load-balancing-v2';
import { systemResolveNs } from '../../src/net/public-dns';
import { isKnown, type Step, type StepContext } from '../../src/step';
import { describeLoadBalancer } from '../alb/load-balancer';
import { KEYS as ALB } from '../alb/names';
import { deleteCertificate, ensureCertificate, issuedCertificateArn, otherCertificateNames, validationRecords } from './certificate';
import { ALIAS_PREFIX, indexRecords, KEYS, VALIDATION_PREFIX } from './names';
import { deleteAliasRecords, deleteValidationRecords, ensureAliasRecords, ensureValidationRecords, refuseForeignNames, type AliasTarget } from './records';
import { findZone, listRecordSets, recordsOnce, type Zone } from './zone';

export { KEYS as DOMAIN_KEYS } from './names';

export const certificate: Step = {
  name: 'certificate',
  after: [],

  async reconcile(ctx) {
    if (!ctx.config.domain) return setAsideForRetirement(ctx);
    const zone = await findZone(ctx);
    const cert = await ensureCertificate(ctx);
    if (!cert.resource) return; // a plan: the certificate is yet to be requested
    const records = await validationRecords(ctx, cert.resource);
    await ensureValidationRecords(ctx, zone, await recordsOnce(ctx, zone), records);
  },

  outputs(state) {
    const rec = state.get(KEYS.certificate);
    if (!isKnown(rec?.id)) return [];
    const status = rec.status ?? 'PENDING_VALIDATION';
    return [{ key: 'certificate', label: 'certificate', value: `${rec.id} (${status})`, json: { arn: rec.id, status } }];
  },

  async destroy(ctx) {
    const deleted = [await deleteCertificate(ctx, KEYS.replacedCertificate), await deleteCertificate(ctx, KEYS.certificate)];
    await deleteOwnValidationRecords(ctx, new Set(deleted.filter((arn): arn is string => arn !== undefined)));
  },
};

export const dns: Step = {
  name: 'dns',
  after: ['alb'],

  async preflight(ctx) {
    if (!ctx.config.domain) return;
    const zone = await findZone(ctx);
    refuseForeignNames(ctx, zone, await recordsOnce(ctx, zone));
  },

  async reconcile(ctx) {
    if (!ctx.config.domain) {
      // The domain left the config: its records go (the zone is known from their records in state).
      const zone = zoneFromState(ctx, ALIAS_PREFIX);
      if (zone) await deleteAliasRecords(ctx, zone, indexRecords(await listRecordSets(ctx, zone)));
      return;
    }
    const zone = await findZone(ctx);
    await ensureAliasRecords(ctx, zone, await recordsOnce(ctx, zone), await aliasTarget(ctx));
  },

  async destroy(ctx) {
    const zone = ctx.config.domain ? await findZone(ctx) : zoneFromState(ctx, ALIAS_PREFIX);
    if (zone) await deleteAliasRecords(ctx, zone, indexRecords(await listRecordSets(ctx, zone)));
  },
};

/**
 * The certificate the HTTPS listener takes: the config's own `alb.certificateArn`, or, with a
 * domain, shipline's once ISSUED (waiting for ACM here, bounded, saying why when it cannot be).
 */
export async function httpsCertificateArn(ctx: StepContext): Promise<string | null> {
  if (ctx.config.alb.certificateArn) return ctx.config.alb.certificateArn;
  if (!ctx.config.domain) return null;
  return issuedCertificateArn(ctx, () => delegationProblem(ctx));
}

/** After the listener moved off it: the certificate set aside (other names, or no domain any more), and a removed domain's validation records. */
export async function retireReplacedCertificate(ctx: StepContext): Promise<void> {
  const deleted = await deleteCertificate(ctx, KEYS.replacedCertificate);
  if (!ctx.config.domain && deleted) await deleteOwnValidationRecords(ctx, new Set([deleted]));
}

/** The domain left the config: its certificate waits, set aside, for the alb step to stop using it. */
async function setAsideForRetirement(ctx: StepContext): Promise<void> {
  const rec = ctx.state.get(KEYS.certificate);
  if (!isKnown(rec?.id) || ctx.dryRun) return;
  await ctx.state.record(KEYS.replacedCertificate, { id: rec.id });
  await ctx.state.forget(KEYS.certificate);
}

async function deleteOwnValidationRecords(ctx: StepContext, deletedArns: ReadonlySet<string>): Promise<void> {
  const zone = ctx.config.domain ? await findZone(ctx) : zoneFromState(ctx, VALIDATION_PREFIX);
  if (!zone) return;
  const index = indexRecords(await listRecordSets(ctx, zone));
  // Deleting a certificate is eventually consistent: the ones just deleted may still be listed.
  await deleteValidationRecords(ctx, zone, index, await otherCertificateNames(ctx, deletedArns));
}

/** The zone the recorded records are in (their IDs are `<zone ID>/<name>…`), when the config no longer names the domain. */
function zoneFromState(ctx: StepContext, prefix: string): Zone | undefined {
  const id = ctx.state.keys(prefix).map((k) => ctx.state.get(k)?.id).find(isKnown);
  const zoneId = id?.split('/')[0];
  return zoneId ? { id: zoneId, name: `zone ${zoneId}` } : undefined;
}

/** The load balancer the aliases point at: the alb step's read of this run, else a read of the recorded one. */
async function aliasTarget(ctx: StepContext): Promise<AliasTarget | undefined> {
  const offered = await ctx.shared.peek<LoadBalancer>('alb:load-balancer');
  const arn = ctx.state.get(ALB.loadBalancer)?.id;
  const lb = offered ?? (isKnown(arn) ? await describeLoadBalancer(ctx, arn) : undefined);
  return lb?.DNSName && lb.CanonicalHostedZoneId ? { dnsName: lb.DNSName, zoneId: lb.CanonicalHostedZoneId } : undefined;
}

/**
 * Why ACM cannot see the validation records, when that can be told: the domain resolves publicly
 * to other name servers than its zone's (or to none). A resolver that cannot answer (no network)
 * says nothing, and the wait goes on.
 */
export async function delegationProblem(ctx: StepContext): Promise<string | undefined> {
  const zone = await findZone(ctx);
  const out = await ctx.aws.route53.send(new GetHostedZoneCommand({ Id: zone.id }));
  const norm = (ns: string) => ns.toLowerCase().replace(/\.$/, '');
  const zoneNs = (out.DelegationSet?.NameServers ?? []).map(norm);
  const name = zone.name.replace(/\.$/, '');
  let publicNs: string[];
  try {
    publicNs = (await (ctx.resolveNs ?? systemResolveNs)(name)).map(norm);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTFOUND' || code === 'ENODATA') {
      return `${name} has no public name servers (NS lookup: ${code}): the domain is not registered, or its registrar does not delegate it to hosted zone ${zone.id} (${zoneNs.join(', ')}); ACM reads the validation records through public DNS`;
    }
    ctx.log.debug({ name, code }, 'could not look up the domain\'s public name servers; waiting for ACM regardless');
    return undefined;
  }
  if (publicNs.length > 0 && publicNs.every((ns) => zoneNs.includes(ns))) return undefined;
  return `${name} resolves publicly to the name servers ${publicNs.join(', ')}, but hosted zone ${zone.id} is served by ${zoneNs.join(', ')}: ACM reads the validation records through public DNS and never sees them. Set the domain's name servers at its registrar to the zone's, then run provision again`;
}
