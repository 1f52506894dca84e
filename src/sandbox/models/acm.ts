// AWS Certificate Manager (simulated): public certificates validated by DNS, their tags, and
// what uses them.
//
// Behaviour, as AWS documents it (the full specification, with sources, is in README.md):
// - RequestCertificate: ValidationMethod DNS (EMAIL, private CAs and Options are not modelled);
//   DomainName and SubjectAlternativeNames (the domain is always the first name); an
//   IdempotencyToken (1–32 word characters) returns the same certificate for one hour after the
//   first call with it, then asks for a new one.
// - Validation records: each name's CNAME (`_<hash>.<name>.` → `_<hash>.<hash>.acm-validations.aws.`)
//   is derived from the account and the name only, so every certificate of a name in one account
//   has the same record. ACM fills them in a few seconds after the request (until then
//   DomainValidationOptions carry no ResourceRecord).
// - Validation: a name is validated once its record has answered publicly (route53 tells this
//   model, through `noteDnsRecord`, when a CNAME in a publicly delegated zone is in sync) for the
//   issuance delay; the certificate is ISSUED when every name is, VALIDATION_TIMED_OUT after 72 hours.
// - DescribeCertificate / DeleteCertificate / tags: ResourceNotFoundException for an ARN of this
//   account that does not exist, InvalidArnException for one that is not an ACM certificate ARN.
//   DeleteCertificate refuses a certificate in use (a listener: elbv2 calls `use`/`release`) with
//   ResourceInUseException.
// - ListCertificates: paged (MaxItems 1–1000, NextToken), CertificateStatuses filter.
// - inventory(): one `certificate` per certificate, keyed by its domain name and SANs.
import type * as ACM from '@aws-sdk/client-acm';
import { createHash } from 'node:crypto';
import { awsError, SandboxNotModelled } from '../kernel/errors';
import { pageOf } from '../kernel/pages';
import { type InventoryItem, type Out, SandboxService } from '../kernel/service';
import { type Tags, tagsFromList, tagsToList } from '../kernel/tags';

/** How long ACM remembers an idempotency token (RequestCertificate). */
const TOKEN_SECONDS = 3600;
/** A certificate still pending after this long times out (VALIDATION_TIMED_OUT). */
const VALIDATION_TIMEOUT_SECONDS = 72 * 3600;
const MAX_TAGS = 50;
const MAX_NAMES = 10;
const NAME = /^(\*\.)?(((?!-)[A-Za-z0-9-]{0,62}[A-Za-z0-9])\.)+((?!-)[A-Za-z0-9-]{1,62}[A-Za-z0-9])$/;

interface CertificateRecord {
  arn: string;
  domainName: string;
  /** Every name the certificate covers, the domain first. */
  names: string[];
  requestedAt: number;
  token?: string;
  tags: Tags;
  /** Listener ARNs (and other services' resources) that use it. */
  inUseBy: string[];
  /** Set once issued (the status is then final). */
  issuedAt?: number;
}

export interface AcmData {
  certificates: Record<string, CertificateRecord>;
  /** Validation CNAMEs the public DNS answers, `name value` (lowercase, no trailing dot) → since when (simulated seconds). */
  dns: Record<string, number>;
}

export class AcmSandbox extends SandboxService<AcmData> {
  readonly service = 'acm' as const;

  static empty(): AcmData {
    return { certificates: {}, dns: {} };
  }

  requestCertificate(input: ACM.RequestCertificateCommandInput): Out<ACM.RequestCertificateCommandOutput> {
    if (input.ValidationMethod !== 'DNS') throw new SandboxNotModelled(`the sandbox models DNS validation only (ValidationMethod ${input.ValidationMethod ?? '(none: EMAIL)'})`);
    if (input.CertificateAuthorityArn !== undefined || input.Options !== undefined || input.DomainValidationOptions !== undefined) {
      throw new SandboxNotModelled('the sandbox does not model private certificates, certificate options or validation domains');
    }
    const domainName = checkedName(input.DomainName, 'domainName');
    const names = [...new Set([domainName, ...(input.SubjectAlternativeNames ?? []).map((n) => checkedName(n, 'subjectAlternativeNames'))])];
    if (names.length > MAX_NAMES) throw awsError('LimitExceededException', `Cannot request a certificate for more than ${MAX_NAMES} domain names.`);
    const token = input.IdempotencyToken;
    if (token !== undefined && !/^\w{1,32}$/.test(token)) {
      throw validation(`1 validation error detected: Value '${token}' at 'idempotencyToken' failed to satisfy constraint: Member must satisfy regular expression pattern: \\w+`);
    }
    const now = this.world.now();
    if (token !== undefined) {
      const same = Object.values(this.data.certificates).find((c) => c.token === token && now - c.requestedAt < TOKEN_SECONDS);
      if (same) return { CertificateArn: same.arn };
    }
    const tags = checkedTags({}, input.Tags);
    const arn = this.world.arn('acm', `certificate/${this.uuid()}`);
    this.data.certificates[arn] = { arn, domainName, names, requestedAt: now, ...(token !== undefined ? { token } : {}), tags, inUseBy: [] };
    return { CertificateArn: arn };
  }

  describeCertificate(input: ACM.DescribeCertificateCommandInput): Out<ACM.DescribeCertificateCommandOutput> {
    const c = this.getCertificate(input.CertificateArn);
    const status = this.statusOf(c);
    const recordsReady = this.world.isPast(c.requestedAt + (this.world.msPerSimSecond > 0 ? this.world.latencies['acm.validation.record'] : 0));
    return {
      Certificate: {
        CertificateArn: c.arn,
        DomainName: c.domainName,
        SubjectAlternativeNames: [...c.names],
        DomainValidationOptions: c.names.map((name) => ({
          DomainName: name,
          ValidationDomain: name,
          ValidationMethod: 'DNS',
          ValidationStatus: this.nameValidated(c, name) ? 'SUCCESS' : status === 'VALIDATION_TIMED_OUT' ? 'FAILED' : 'PENDING_VALIDATION',
          ...(recordsReady ? { ResourceRecord: { ...this.validationRecord(name) } } : {}),
        })),
        Status: status,
        Type: 'AMAZON_ISSUED',
        KeyAlgorithm: 'RSA_2048',
        InUseBy: [...c.inUseBy],
        CreatedAt: this.dateAt(c.requestedAt),
        ...(c.issuedAt !== undefined ? { IssuedAt: this.dateAt(c.issuedAt) } : {}),
        RenewalEligibility: c.inUseBy.length > 0 ? 'ELIGIBLE' : 'INELIGIBLE',
        Options: { CertificateTransparencyLoggingPreference: 'ENABLED' },
      },
    };
  }

  listCertificates(input: ACM.ListCertificatesCommandInput): Out<ACM.ListCertificatesCommandOutput> {
    if (input.Includes !== undefined || input.SortBy !== undefined) throw new SandboxNotModelled('the sandbox does not model ListCertificates Includes or SortBy');
    const statuses = input.CertificateStatuses;
    const all = Object.values(this.data.certificates).filter((c) => !statuses?.length || statuses.includes(this.statusOf(c)));
    const page = pageOf(this.world, all, { max: input.MaxItems, token: input.NextToken, scope: JSON.stringify(statuses ?? []) }, {
      operation: 'ListCertificates',
      awsDefault: 1000,
      awsMax: 1000,
      invalid: (message, problem) => (problem.kind === 'token' ? awsError('InvalidArgsException', 'The NextToken is not valid.') : validation(message)),
    });
    return {
      CertificateSummaryList: page.items.map((c) => ({
        CertificateArn: c.arn,
        DomainName: c.domainName,
        SubjectAlternativeNameSummaries: [...c.names],
        HasAdditionalSubjectAlternativeNames: false,
        Status: this.statusOf(c),
        Type: 'AMAZON_ISSUED',
        KeyAlgorithm: 'RSA_2048',
        InUse: c.inUseBy.length > 0,
        CreatedAt: this.dateAt(c.requestedAt),
      })),
      ...(page.next ? { NextToken: page.next } : {}),
    };
  }

  deleteCertificate(input: ACM.DeleteCertificateCommandInput): Out<ACM.DeleteCertificateCommandOutput> {
    const c = this.getCertificate(input.CertificateArn);
    if (c.inUseBy.length > 0) throw awsError('ResourceInUseException', `Certificate ${c.arn} in use by ${c.inUseBy.join(', ')}.`);
    delete this.data.certificates[c.arn];
    return {};
  }

  addTagsToCertificate(input: ACM.AddTagsToCertificateCommandInput): Out<ACM.AddTagsToCertificateCommandOutput> {
    const c = this.getCertificate(input.CertificateArn);
    c.tags = checkedTags(c.tags, input.Tags);
    return {};
  }

  removeTagsFromCertificate(input: ACM.RemoveTagsFromCertificateCommandInput): Out<ACM.RemoveTagsFromCertificateCommandOutput> {
    const c = this.getCertificate(input.CertificateArn);
    for (const tag of input.Tags ?? []) if (tag.Key !== undefined && (tag.Value === undefined || c.tags[tag.Key] === tag.Value)) delete c.tags[tag.Key];
    return {};
  }

  listTagsForCertificate(input: ACM.ListTagsForCertificateCommandInput): Out<ACM.ListTagsForCertificateCommandOutput> {
    return { Tags: tagsToList(this.getCertificate(input.CertificateArn).tags) };
  }

  // ---- What other services tell ACM (not AWS operations) ----------------------------------------

  /** A validation CNAME answers publicly from `since` (route53: in sync in a delegated zone). */
  noteDnsRecord(name: string, value: string, since: number): void {
    const key = dnsKey(name, value);
    this.data.dns[key] = Math.min(this.data.dns[key] ?? Infinity, since);
  }

  /** A CNAME no longer answers (deleted from its zone). */
  forgetDnsRecord(name: string, value: string): void {
    delete this.data.dns[dnsKey(name, value)];
  }

  /**
   * Whether a certificate ARN names an ISSUED certificate of this account and region (elbv2:
   * a listener takes no other; AWS answers CertificateNotFound for a pending one).
   */
  isIssued(arn: string): boolean {
    const c = this.data.certificates[arn];
    return c !== undefined && this.statusOf(c) === 'ISSUED';
  }

  /** A resource (a listener) starts or stops using a certificate. */
  use(arn: string, by: string): void {
    const c = this.data.certificates[arn];
    if (c && !c.inUseBy.includes(by)) c.inUseBy.push(by);
  }

  release(arn: string, by: string): void {
    const c = this.data.certificates[arn];
    if (c) c.inUseBy = c.inUseBy.filter((b) => b !== by);
  }

  /**
   * A certificate made elsewhere (imported, or issued before shipline ran): ISSUED under the ARN
   * given, so a config's `alb.certificateArn` names something the load balancer can take.
   */
  addIssued(arn: string, names: string[]): void {
    this.data.certificates[arn] = { arn, domainName: names[0]!, names, requestedAt: this.world.now(), issuedAt: this.world.now(), tags: {}, inUseBy: [] };
  }

  /** The CNAME ACM asks for to validate `name` in this account. */
  validationRecord(name: string): { Name: string; Type: 'CNAME'; Value: string } {
    const base = name.replace(/^\*\./, '').toLowerCase();
    const hash = (salt: string) => createHash('sha256').update(`${this.world.account}\n${base}\n${salt}`).digest('hex').slice(0, 32);
    return { Name: `_${hash('name')}.${base}.`, Type: 'CNAME', Value: `_${hash('value')}.${hash('zone').slice(0, 10)}.acm-validations.aws.` };
  }

  // ---- Inventory ---------------------------------------------------------------------------------

  inventory(): InventoryItem[] {
    return Object.values(this.data.certificates).map((c) => ({ service: 'acm', type: 'certificate', id: c.arn, tags: { ...c.tags }, key: c.names.join(',') }));
  }

  // ---- Helpers -----------------------------------------------------------------------------------

  private statusOf(c: CertificateRecord): ACM.CertificateStatus {
    if (c.issuedAt !== undefined) return 'ISSUED';
    if (c.names.every((name) => this.nameValidated(c, name))) {
      c.issuedAt = Math.max(c.requestedAt, ...c.names.map((name) => this.validatedAt(c, name)!));
      return 'ISSUED';
    }
    if (this.world.now() >= c.requestedAt + VALIDATION_TIMEOUT_SECONDS) return 'VALIDATION_TIMED_OUT';
    return 'PENDING_VALIDATION';
  }

  private nameValidated(c: CertificateRecord, name: string): boolean {
    if (c.issuedAt !== undefined) return true;
    const at = this.validatedAt(c, name);
    return at !== undefined && this.world.isPast(at);
  }

  /** When ACM sees `name` validated: the issuance delay after its record answers (and after the request). */
  private validatedAt(c: CertificateRecord, name: string): number | undefined {
    const record = this.validationRecord(name);
    const since = this.data.dns[dnsKey(record.Name, record.Value)];
    if (since === undefined) return undefined;
    const delay = this.world.msPerSimSecond > 0 ? this.world.latencies['acm.certificate.issued'] : 0;
    return Math.max(since, c.requestedAt) + delay;
  }

  private getCertificate(arn: string | undefined): CertificateRecord {
    if (arn === undefined || !/^arn:[\w+=/,.@-]+:acm:[\w+=/,.@-]*:[0-9]+:certificate\/[\w+=,.@-]+$/.test(arn)) {
      throw awsError('InvalidArnException', `The certificate ARN ${arn ?? '(none)'} is not valid.`);
    }
    const c = this.data.certificates[arn];
    if (!c) throw awsError('ResourceNotFoundException', `Could not find certificate ${arn}.`);
    return c;
  }

  private uuid(): string {
    const hex = this.world.newId('c', 32).slice(2);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
  }

  private dateAt(simSeconds: number): Date {
    return new Date(Date.UTC(2026, 0, 1) + simSeconds * 1000);
  }
}

function dnsKey(name: string, value: string): string {
  return `${name.toLowerCase().replace(/\.$/, '')} ${value.toLowerCase().replace(/\.$/, '')}`;
}

function checkedName(name: string | undefined, field: string): string {
  if (name === undefined || name.length < 1 || name.length > 253 || !NAME.test(name)) {
    throw validation(`1 validation error detected: Value '${name ?? ''}' at '${field}' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\*\\.)?(((?!-)[A-Za-z0-9-]{0,62}[A-Za-z0-9])\\.)+((?!-)[A-Za-z0-9-]{1,62}[A-Za-z0-9])`);
  }
  return name.toLowerCase();
}

function checkedTags(existing: Tags, list: readonly ACM.Tag[] | undefined): Tags {
  const merged = { ...existing, ...tagsFromList(list) };
  if (Object.keys(merged).some((k) => k.toLowerCase().startsWith('aws:'))) throw awsError('InvalidTagException', 'Tag keys that begin with aws: are reserved.');
  if (Object.keys(merged).length > MAX_TAGS) throw awsError('TooManyTagsException', `A certificate can have at most ${MAX_TAGS} tags.`);
  return merged;
}

function validation(message: string): Error {
  return awsError('ValidationException', message);
}
