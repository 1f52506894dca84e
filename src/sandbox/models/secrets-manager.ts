// Secrets Manager (simulated): secrets with one current value, as a task's `secrets` name them.
//
// Behaviour, as AWS documents it (the full specification, with sources, is in README.md):
// - A secret's ARN is `…:secret:<name>-<6 random characters>`. A SecretId is the full ARN, a
//   partial ARN (without the `-xxxxxx` suffix: found when it names exactly one secret), or the name.
//   A partial ARN whose name itself ends in `-` and six characters is taken for a full ARN; a name
//   with the suffix added is not a name. Unknown → ResourceNotFoundException "Secrets Manager can't
//   find the specified secret.".
// - CreateSecret: Name 1–512 of [A-Za-z0-9/_+=.@-]; SecretString or SecretBinary, not both
//   (neither: a secret without a version); a name in use → ResourceExistsException, one scheduled
//   for deletion → InvalidRequestException. Tags (at most 50).
// - DescribeSecret: the metadata, with DeletedDate once scheduled for deletion.
// - GetSecretValue: AWSCURRENT (or the version's ID); a secret scheduled for deletion →
//   InvalidRequestException; no value → ResourceNotFoundException.
// - DeleteSecret: a recovery window of 7–30 days (default 30), after which the secret is gone;
//   ForceDeleteWithoutRecovery removes it at once (and succeeds for a secret that does not
//   exist); both → InvalidParameterException; scheduling one already scheduled → InvalidRequestException.
// - ListSecrets: paged (1–100, default 100), secrets scheduled for deletion only with IncludePlannedDeletion.
// - Seed data: a new world holds `demo/api` (ARN suffix `AbCdEf`, a JSON SecretString), like
//   AWS's public AMIs; inventory() leaves it out.
// - inventory(): one `secret` per secret the caller made and has not deleted, keyed by its name.
import type * as SM from '@aws-sdk/client-secrets-manager';
import { createHash } from 'node:crypto';
import { awsError, SandboxNotModelled } from '../kernel/errors';
import { pageOf } from '../kernel/pages';
import { type InventoryItem, type Out, SandboxService } from '../kernel/service';
import { type Tags, tagsFromList, tagsToList } from '../kernel/tags';

/** The secret a new sandbox world holds (config.example.json's API_KEY): its name and ARN suffix. */
export const SEED_SECRET = { name: 'demo/api', suffix: 'AbCdEf', value: '{"key":"sandbox-api-key"}' } as const;

const NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
/** A name with the suffix AWS adds: what a SecretId ending like this is taken for. */
const SUFFIXED = /-[A-Za-z0-9]{6}$/;
const SUFFIX_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const DAY = 86_400;
const MAX_TAGS = 50;
const CURRENT = 'AWSCURRENT';

interface SecretRecord {
  name: string;
  /** The six characters AWS adds to the ARN. */
  suffix: string;
  description?: string;
  kmsKeyId?: string;
  /** The AWSCURRENT version; absent for a secret created without a value. */
  version?: { id: string; string?: string; /** base64 */ binary?: string; createdAt: number };
  createdAt: number;
  /** Simulated seconds: when DeleteSecret scheduled it, and when it is gone for good. */
  deletedAt?: number;
  purgeAt?: number;
  tags: Tags;
  seeded?: boolean;
}

export interface SecretsManagerData {
  /** By name, in creation order. */
  secrets: Record<string, SecretRecord>;
}

export class SecretsManagerSandbox extends SandboxService<SecretsManagerData> {
  readonly service = 'secretsmanager' as const;

  static empty(): SecretsManagerData {
    return {
      secrets: {
        [SEED_SECRET.name]: {
          name: SEED_SECRET.name,
          suffix: SEED_SECRET.suffix,
          version: { id: 'a0000000-0000-4000-8000-000000000001', string: SEED_SECRET.value, createdAt: 0 },
          createdAt: 0,
          tags: {},
          seeded: true,
        },
      },
    };
  }

  // ---- Secrets -----------------------------------------------------------------------------------

  createSecret(input: SM.CreateSecretCommandInput): Out<SM.CreateSecretCommandOutput> {
    this.purge();
    const name = input.Name ?? '';
    if (!NAME.test(name)) throw invalidParameter('Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!');
    if (input.AddReplicaRegions !== undefined || input.Type !== undefined) throw new SandboxNotModelled('the sandbox does not model replicated or managed-type secrets');
    if (input.SecretString !== undefined && input.SecretBinary !== undefined) {
      throw invalidParameter('You can\'t specify both a binary secret value and a string secret value in the same secret.');
    }
    if (input.SecretString !== undefined && (input.SecretString.length < 1 || input.SecretString.length > 65_536)) {
      throw invalidParameter('The SecretString must be between 1 and 65536 characters.');
    }
    const existing = this.data.secrets[name];
    if (existing?.deletedAt !== undefined) throw invalidRequest('You can\'t create this secret because a secret with this name is already scheduled for deletion.');
    if (existing) throw awsError('ResourceExistsException', `The operation failed because the secret ${name} already exists.`);
    const token = input.ClientRequestToken;
    if (token !== undefined && (token.length < 32 || token.length > 64)) {
      throw invalidParameter('ClientRequestToken must be 32-64 characters long.');
    }
    const now = this.world.now();
    const hasValue = input.SecretString !== undefined || input.SecretBinary !== undefined;
    const record: SecretRecord = {
      name,
      suffix: this.newSuffix(),
      ...(input.Description !== undefined ? { description: input.Description } : {}),
      ...(input.KmsKeyId !== undefined ? { kmsKeyId: input.KmsKeyId } : {}),
      ...(hasValue
        ? { version: { id: token ?? this.newVersionId(), createdAt: now, ...(input.SecretString !== undefined ? { string: input.SecretString } : {}), ...(input.SecretBinary !== undefined ? { binary: Buffer.from(input.SecretBinary).toString('base64') } : {}) } }
        : {}),
      createdAt: now,
      tags: checkedTags({}, input.Tags),
    };
    this.data.secrets[name] = record;
    return { ARN: this.secretArn(record), Name: name, ...(record.version ? { VersionId: record.version.id } : {}) };
  }

  describeSecret(input: SM.DescribeSecretCommandInput): Out<SM.DescribeSecretCommandOutput> {
    const s = this.requireSecret(input.SecretId);
    return {
      ARN: this.secretArn(s),
      Name: s.name,
      ...(s.description !== undefined ? { Description: s.description } : {}),
      ...(s.kmsKeyId !== undefined ? { KmsKeyId: s.kmsKeyId } : {}),
      CreatedDate: this.dateAt(s.createdAt),
      LastChangedDate: this.dateAt(s.version?.createdAt ?? s.createdAt),
      ...(s.deletedAt !== undefined ? { DeletedDate: this.dateAt(s.deletedAt) } : {}),
      Tags: tagsToList(s.tags),
      ...(s.version ? { VersionIdsToStages: { [s.version.id]: [CURRENT] } } : {}),
    };
  }

  getSecretValue(input: SM.GetSecretValueCommandInput): Out<SM.GetSecretValueCommandOutput> {
    const s = this.requireSecret(input.SecretId);
    if (s.deletedAt !== undefined) throw invalidRequest('You can\'t perform this operation on the secret because it was marked for deletion.');
    const stage = input.VersionStage ?? (input.VersionId === undefined ? CURRENT : undefined);
    const version = s.version;
    if (!version || (stage !== undefined && stage !== CURRENT) || (input.VersionId !== undefined && input.VersionId !== version.id)) {
      throw notFound(`Secrets Manager can't find the specified secret value for ${input.VersionId !== undefined ? `VersionId: ${input.VersionId}` : `staging label: ${stage ?? CURRENT}`}`);
    }
    return {
      ARN: this.secretArn(s),
      Name: s.name,
      VersionId: version.id,
      ...(version.string !== undefined ? { SecretString: version.string } : {}),
      ...(version.binary !== undefined ? { SecretBinary: Uint8Array.from(Buffer.from(version.binary, 'base64')) } : {}),
      VersionStages: [CURRENT],
      CreatedDate: this.dateAt(version.createdAt),
    };
  }

  deleteSecret(input: SM.DeleteSecretCommandInput): Out<SM.DeleteSecretCommandOutput> {
    const window = input.RecoveryWindowInDays;
    if (window !== undefined && input.ForceDeleteWithoutRecovery) {
      throw invalidParameter('You can\'t use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.');
    }
    if (window !== undefined && (window < 7 || window > 30)) {
      throw invalidParameter('The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).');
    }
    const now = this.world.now();
    if (input.ForceDeleteWithoutRecovery) {
      // AWS answers a forced delete of a secret that does not exist without ResourceNotFoundException.
      const s = this.findSecret(input.SecretId);
      if (s) delete this.data.secrets[s.name];
      return { ...(s ? { ARN: this.secretArn(s), Name: s.name } : { Name: input.SecretId }), DeletionDate: this.dateAt(now) };
    }
    const s = this.requireSecret(input.SecretId);
    if (s.deletedAt !== undefined) throw invalidRequest('You can\'t perform this operation on the secret because it was already scheduled for deletion.');
    s.deletedAt = now;
    s.purgeAt = now + (window ?? 30) * DAY;
    return { ARN: this.secretArn(s), Name: s.name, DeletionDate: this.dateAt(s.purgeAt) };
  }

  listSecrets(input: SM.ListSecretsCommandInput): Out<SM.ListSecretsCommandOutput> {
    this.purge();
    if (input.Filters?.length || input.SortBy !== undefined) throw new SandboxNotModelled('the sandbox does not model ListSecrets filters or SortBy');
    const secrets = Object.values(this.data.secrets).filter((s) => input.IncludePlannedDeletion || s.deletedAt === undefined);
    const ordered = input.SortOrder === 'asc' ? secrets : [...secrets].reverse();
    const page = pageOf(this.world, ordered, { max: input.MaxResults, token: input.NextToken, scope: `${input.IncludePlannedDeletion ?? false}:${input.SortOrder ?? 'desc'}` }, {
      operation: 'ListSecrets',
      awsDefault: 100,
      awsMax: 100,
      invalid: (message) => (message.includes('page size') ? invalidParameter(message) : awsError('InvalidNextTokenException', 'The NextToken value is invalid.')),
    });
    return {
      SecretList: page.items.map((s) => ({
        ARN: this.secretArn(s),
        Name: s.name,
        CreatedDate: this.dateAt(s.createdAt),
        ...(s.deletedAt !== undefined ? { DeletedDate: this.dateAt(s.deletedAt) } : {}),
        Tags: tagsToList(s.tags),
      })),
      ...(page.next ? { NextToken: page.next } : {}),
    };
  }

  // ---- Helpers for tests and the other services (not AWS operations) -----------------------------

  /** The full ARN of the secret a SecretId names, or undefined (caller authorization names it). */
  arnOf(secretId: string): string | undefined {
    const s = this.findSecret(secretId);
    return s ? this.secretArn(s) : undefined;
  }

  // ---- Inventory ---------------------------------------------------------------------------------

  inventory(): InventoryItem[] {
    this.purge();
    return Object.values(this.data.secrets)
      .filter((s) => !s.seeded && s.deletedAt === undefined)
      .map((s) => ({ service: 'secretsmanager', type: 'secret', id: this.secretArn(s), tags: { ...s.tags }, key: s.name }));
  }

  // ---- Helpers -----------------------------------------------------------------------------------

  private secretArn(s: SecretRecord): string {
    return this.world.arn('secretsmanager', `secret:${s.name}-${s.suffix}`);
  }

  /** Secrets whose recovery window has passed are gone for good. */
  private purge(): void {
    for (const s of Object.values(this.data.secrets)) {
      if (s.purgeAt !== undefined && this.world.isPast(s.purgeAt)) delete this.data.secrets[s.name];
    }
  }

  private findSecret(secretId: string | undefined): SecretRecord | undefined {
    this.purge();
    if (secretId === undefined) return undefined;
    const prefix = this.world.arn('secretsmanager', 'secret:');
    if (!secretId.startsWith('arn:')) return this.data.secrets[secretId];
    if (!secretId.startsWith(prefix)) return undefined;
    const rest = secretId.slice(prefix.length);
    // A full ARN: the name and the suffix AWS gave it. Otherwise a partial ARN: the name.
    if (SUFFIXED.test(rest)) {
      const s = this.data.secrets[rest.slice(0, -7)];
      return s && s.suffix === rest.slice(-6) ? s : undefined;
    }
    return this.data.secrets[rest];
  }

  private requireSecret(secretId: string | undefined): SecretRecord {
    if (secretId === undefined || secretId.length < 1 || secretId.length > 2048) {
      throw invalidParameter(`1 validation error detected: Value at 'secretId' failed to satisfy constraint: Member must have length between 1 and 2048`);
    }
    const s = this.findSecret(secretId);
    if (!s) throw notFound('Secrets Manager can\'t find the specified secret.');
    return s;
  }

  /** Six characters of [A-Za-z0-9], deterministic for a given sequence of calls. */
  private newSuffix(): string {
    this.world.idCounter += 1;
    const bytes = createHash('sha256').update(`secret:${this.world.idCounter}`).digest();
    return [...bytes.subarray(0, 6)].map((b) => SUFFIX_CHARS[b % SUFFIX_CHARS.length]).join('');
  }

  private newVersionId(): string {
    this.world.idCounter += 1;
    const hex = createHash('sha256').update(`secret-version:${this.world.idCounter}`).digest('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }

  private dateAt(simSeconds: number): Date {
    return new Date(Date.UTC(2026, 0, 1) + simSeconds * 1000);
  }
}

function checkedTags(existing: Tags, list: readonly SM.Tag[] | undefined): Tags {
  const merged = { ...existing, ...tagsFromList(list) };
  if (Object.keys(merged).some((k) => k.length === 0 || k.length > 128 || k.toLowerCase().startsWith('aws:'))) {
    throw invalidParameter('Tag keys must be 1 to 128 characters and must not start with "aws:".');
  }
  if (Object.keys(merged).length > MAX_TAGS) throw awsError('LimitExceededException', `A secret can have at most ${MAX_TAGS} tags.`);
  return merged;
}

function invalidParameter(message: string): Error {
  return awsError('InvalidParameterException', message);
}

function invalidRequest(message: string): Error {
  return awsError('InvalidRequestException', message);
}

function notFound(message: string): Error {
  return awsError('ResourceNotFoundException', message);
}
