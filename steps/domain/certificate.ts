// The domain's ACM certificate: requested for the domain and every host (its SANs), validated by
// DNS through records in the domain's zone, and (for the alb step) waited for until ISSUED.
//
// A certificate's names cannot change: another set of names is a new certificate. The old one is
// kept (`certificate.replaced`) until the listener has moved to the new one, then deleted.
import {
  DeleteCertificateCommand,
  DescribeCertificateCommand,
  ListTagsForCertificateCommand,
  paginateListCertificates,
  RequestCertificateCommand,
  type CertificateDetail,
  type CertificateStatus,
  type Tag as AcmTag,
} from '@aws-sdk/client-acm';
import { isAwsError, unlessNotFound } from '../../src/aws/errors';
import { GONE } from '../../src/aws/gone';
import { retryWhile, until } from '../../src/aws/wait';
import { ShiplineError } from '../../src/errors';
import { ensure, ignoringGone, remove, type Ensured } from '../../src/reconcile';
import { isKnown, KNOWN_AFTER_APPLY, type StepContext } from '../../src/step';
import { foreignByTags } from '../lib/owned';
import { KEYS, publicNames } from './names';

export interface Certificate {
  detail: CertificateDetail;
  tags: AcmTag[];
}

const GONE_CODES = GONE.acm.certificate;
/** Statuses from which a certificate never becomes usable: a new one is requested instead. */
const DEAD: readonly CertificateStatus[] = ['VALIDATION_TIMED_OUT', 'FAILED', 'EXPIRED', 'REVOKED', 'INACTIVE'];
/** How long provision waits for DNS validation (AWS: usually minutes, sometimes much longer). */
export const VALIDATION_TIMEOUT_SECONDS = 2700;

export async function readCertificate(ctx: StepContext, arn: string): Promise<Certificate | undefined> {
  const out = await unlessNotFound(ctx.aws.acm.send(new DescribeCertificateCommand({ CertificateArn: arn })), ...GONE_CODES);
  if (!out?.Certificate) return undefined;
  const tags = await unlessNotFound(ctx.aws.acm.send(new ListTagsForCertificateCommand({ CertificateArn: arn })), ...GONE_CODES);
  return tags && { detail: out.Certificate, tags: tags.Tags ?? [] };
}

const namesOf = (c: CertificateDetail): string[] => [...new Set([c.DomainName ?? '', ...(c.SubjectAlternativeNames ?? [])])];
const sameNames = (c: CertificateDetail, names: readonly string[]): boolean => {
  const have = namesOf(c);
  return have.length === names.length && names.every((n) => have.includes(n));
};

/**
 * The certificate for the config's names: the recorded one, else the stack's found by its tags,
 * else a new request (its idempotency token written to state first). One recorded for other
 * names, or that can no longer be issued, is set aside for deletion and replaced.
 */
export async function ensureCertificate(ctx: StepContext): Promise<Ensured<Certificate>> {
  const names = publicNames(ctx.config);
  const rec = ctx.state.get(KEYS.certificate);
  let known: Certificate | undefined;
  if (isKnown(rec?.id)) {
    known = await readCertificate(ctx, rec.id);
    if (known && ctx.tags.owns(known.tags) && (!sameNames(known.detail, names) || DEAD.includes(known.detail.Status!))) {
      ctx.log.info({ resource: KEYS.certificate, id: rec.id, status: known.detail.Status }, `certificate ${rec.id} covers ${namesOf(known.detail).join(', ')} (${known.detail.Status}); requesting one for ${names.join(', ')}`);
      if (!ctx.dryRun) {
        await ctx.state.record(KEYS.replacedCertificate, { id: rec.id });
        await ctx.state.forget(KEYS.certificate);
      }
      known = undefined;
    }
  }
  return ensure<Certificate>(ctx, {
    key: KEYS.certificate,
    kind: `certificate for ${names.join(', ')}`,
    clientToken: true,
    find: async (arn) => (known?.detail.CertificateArn === arn ? known : readCertificate(ctx, arn)),
    foreign: (c) => foreignByTags(ctx, c.tags),
    findByTags: () => findCertificateByTags(ctx, names),
    create: async (token) => {
      const out = await ctx.aws.acm.send(new RequestCertificateCommand({
        DomainName: names[0]!,
        ...(names.length > 1 ? { SubjectAlternativeNames: names } : {}),
        ValidationMethod: 'DNS',
        // ACM takes 1-32 word characters: the UUID without its dashes.
        ...(token ? { IdempotencyToken: token.replace(/-/g, '') } : {}),
        Tags: ctx.tags.list('certificate', 'certificate'),
      }));
      return (await readCertificate(ctx, out.CertificateArn!)) ?? { detail: { CertificateArn: out.CertificateArn!, DomainName: names[0]!, Status: 'PENDING_VALIDATION' }, tags: ctx.tags.list('certificate', 'certificate') };
    },
    // A reused token within the hour answers the old request: one that died is not wanted.
    isGone: (c) => DEAD.includes(c.detail.Status!),
    id: (c) => c.detail.CertificateArn!,
    attributes: (c) => ({ status: c.detail.Status }),
  });
}

/** The stack's certificate for exactly these names that can still be issued (a lost state, or a crash after the request). */
async function findCertificateByTags(ctx: StepContext, names: readonly string[]): Promise<Certificate | undefined> {
  for await (const page of paginateListCertificates({ client: ctx.aws.acm }, { CertificateStatuses: ['PENDING_VALIDATION', 'ISSUED'] })) {
    for (const summary of page.CertificateSummaryList ?? []) {
      if (summary.DomainName !== names[0]) continue;
      const found = await readCertificate(ctx, summary.CertificateArn!);
      if (found && ctx.tags.owns(found.tags) && sameNames(found.detail, names)) return found;
    }
  }
  return undefined;
}

/** The validation records ACM asks for, once it has filled them in (a few seconds after the request). */
export async function validationRecords(ctx: StepContext, cert: Certificate): Promise<Array<{ domain: string; name: string; value: string }>> {
  const complete = (c: CertificateDetail) => (c.DomainValidationOptions ?? []).every((o) => o.ResourceRecord?.Name);
  let detail = cert.detail;
  if (!complete(detail)) {
    detail = await until(ctx, `ACM to give the validation records of certificate ${detail.CertificateArn}`, 300, async () => {
      const out = await ctx.aws.acm.send(new DescribeCertificateCommand({ CertificateArn: detail.CertificateArn }));
      return complete(out.Certificate!) ? { done: true, value: out.Certificate! } : { done: false, status: 'no validation records yet' };
    });
  }
  const byName = new Map<string, { domain: string; name: string; value: string }>();
  for (const o of detail.DomainValidationOptions ?? []) {
    const r = o.ResourceRecord!;
    if (!byName.has(r.Name!)) byName.set(r.Name!, { domain: o.DomainName!, name: r.Name!, value: r.Value! });
  }
  return [...byName.values()];
}

/** Where DNS validation stands: done, or how many names are validated. */
function validationStatus(c: CertificateDetail): string {
  const options = c.DomainValidationOptions ?? [];
  const done = options.filter((o) => o.ValidationStatus === 'SUCCESS').length;
  return `${c.Status ?? 'unknown'}, ${done} of ${options.length} names validated`;
}

/**
 * The certificate the HTTPS listener takes, once ISSUED: waits (bounded, reported) while ACM
 * validates. A certificate that cannot be validated stops the run saying why.
 */
export async function issuedCertificateArn(ctx: StepContext, explain: () => Promise<string | undefined>): Promise<string> {
  const arn = ctx.state.get(KEYS.certificate)?.id;
  if (!isKnown(arn) || ctx.dryRun) return arn ?? KNOWN_AFTER_APPLY;
  if (ctx.state.get(KEYS.certificate)?.status === 'ISSUED') return arn;
  const first = await ctx.aws.acm.send(new DescribeCertificateCommand({ CertificateArn: arn }));
  if (first.Certificate?.Status !== 'ISSUED') {
    const why = await explain();
    if (why) {
      throw new CertificateNotValidated(`certificate ${arn} for ${ctx.config.domain!.name} cannot be validated: ${why}`, {
        hint: 'the certificate and its validation records stay; once DNS answers with the zone\'s name servers, run provision again and it carries on',
      });
    }
    await until(ctx, `certificate ${arn} to be issued (ACM validates the DNS records)`, VALIDATION_TIMEOUT_SECONDS, async () => {
      const { Certificate: c } = await ctx.aws.acm.send(new DescribeCertificateCommand({ CertificateArn: arn }));
      if (c?.Status === 'ISSUED') return { done: true, value: undefined };
      if (c?.Status && DEAD.includes(c.Status)) {
        throw new CertificateNotValidated(`certificate ${arn} is ${c.Status}${c.FailureReason ? ` (${c.FailureReason})` : ''}: ACM never saw its validation records answer`);
      }
      return { done: false, status: validationStatus(c ?? {}) };
    });
  }
  await ctx.state.update(KEYS.certificate, { status: 'ISSUED' });
  return arn;
}

/** ACM cannot validate the certificate (the records are not seen publicly, or it timed out): a re-run after the fix carries on. */
export class CertificateNotValidated extends ShiplineError {
  readonly code = 'CERTIFICATE_NOT_VALIDATED';
}

/** Delete a certificate the stack no longer needs (a replaced one), waiting out ELB's release of it. */
export async function deleteCertificate(ctx: StepContext, key: string): Promise<string | undefined> {
  let deleted: string | undefined;
  await remove<Certificate>(ctx, {
    key,
    kind: 'certificate',
    findByTags: key === KEYS.certificate && ctx.config.domain ? () => findCertificateByTags(ctx, publicNames(ctx.config)) : undefined,
    id: (c) => c.detail.CertificateArn!,
    confirm: { find: (arn) => readCertificate(ctx, arn), foreign: (c) => foreignByTags(ctx, c.tags) },
    delete: async (arn) => {
      deleted = arn;
      // A listener's use is released shortly after the listener goes (ResourceInUseException meanwhile).
      await retryWhile(ctx, `certificate ${arn} to be released by the load balancer`, 300, ['ResourceInUseException'], () =>
        ignoringGone(() => ctx.aws.acm.send(new DeleteCertificateCommand({ CertificateArn: arn })), (e) => isAwsError(e, ...GONE_CODES)),
      );
    },
  });
  return deleted;
}

/** Every other certificate's names in the account (what still validates through a shared record). */
export async function otherCertificateNames(ctx: StepContext, except: ReadonlySet<string>): Promise<Set<string>> {
  const names = new Set<string>();
  for await (const page of paginateListCertificates({ client: ctx.aws.acm }, {})) {
    for (const s of page.CertificateSummaryList ?? []) {
      if (except.has(s.CertificateArn ?? '')) continue;
      for (const n of [s.DomainName, ...(s.SubjectAlternativeNameSummaries ?? [])]) if (n) names.add(n.toLowerCase());
    }
  }
  return names;
}

/** What `shipline status` shows of the domain's certificate. */
export interface CertificateStatusReport {
  arn: string;
  status: string;
  names: string[];
  /** Names ACM has validated, of `names`. */
  validated: number;
}

/** The recorded certificate as ACM reports it now (status, names validated); undefined when none is recorded. */
export async function certificateStatus(aws: StepContext['aws'], state: Pick<StepContext['state'], 'get'>): Promise<CertificateStatusReport | undefined> {
  const arn = state.get(KEYS.certificate)?.id;
  if (!isKnown(arn)) return undefined;
  const out = await unlessNotFound(aws.acm.send(new DescribeCertificateCommand({ CertificateArn: arn })), ...GONE_CODES);
  const c = out?.Certificate;
  if (!c) return { arn, status: 'DELETED', names: [], validated: 0 };
  return { arn, status: c.Status ?? 'unknown', names: namesOf(c), validated: (c.DomainValidationOptions ?? []).filter((o) => o.ValidationStatus === 'SUCCESS').length };
}
