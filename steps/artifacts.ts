// The S3 bucket the pipeline keeps its artifacts in (the source zip, the build's imagespec.json):
// versioned, public access blocked, encrypted with SSE-S3, reachable over TLS only, and emptied by
// a lifecycle rule after artifacts.expireDays. `destroy` deletes every object version first.
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  ListObjectVersionsCommand,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
  type BucketLocationConstraint,
  type LifecycleRule,
  type ObjectIdentifier,
  type PublicAccessBlockConfiguration,
  type ServerSideEncryptionRule,
  type Tag as S3Tag,
} from '@aws-sdk/client-s3';
import { GONE, isGone } from '../src/aws/gone';
import { isAwsError, unlessNotFound } from '../src/aws/errors';
import { retryWhile } from '../src/aws/wait';
import { AwsCallError } from '../src/errors';
import { ensure, ignoringGone, remove } from '../src/reconcile';
import { arns } from '../src/policies';
import type { Step, StepContext } from '../src/step';
import { bucketTags } from './lib/resource-tags';
import { foreignByName, foreignByOtherStack, foreignResource, parseJson, sameJson, tagsNamed } from './lib/owned';

export const KEYS = { bucket: 'artifacts.bucket' };

/** S3 names are global: the account and region make the stack's name unique and stable. */
export const artifactBucketName = (stack: string, accountId: string, region: string) => `${stack}-artifacts-${accountId}-${region}`;

/** The bucket's ARN, in the account's partition. */
export const bucketArn = (partition: string, name: string) => arns.bucket({ partition }, name);

/** Deny every request that does not come over TLS, on the bucket and its objects. */
export function tlsOnlyPolicy(partition: string, name: string) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: [bucketArn(partition, name), `${bucketArn(partition, name)}/*`],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ],
  };
}

/** Artifacts (and their older versions) expire; uploads a crash left unfinished are aborted. */
export function lifecycleRule(expireDays: number): LifecycleRule {
  return {
    ID: 'expire-artifacts',
    Status: 'Enabled',
    Filter: { Prefix: '' },
    Expiration: { Days: expireDays },
    NoncurrentVersionExpiration: { NoncurrentDays: expireDays },
    AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
  };
}

export const PUBLIC_ACCESS_BLOCKED: Required<PublicAccessBlockConfiguration> = {
  BlockPublicAcls: true,
  IgnorePublicAcls: true,
  BlockPublicPolicy: true,
  RestrictPublicBuckets: true,
};

export const ENCRYPTION: ServerSideEncryptionRule = { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: true };

/** What the bucket's settings are on AWS; undefined fields are not configured. */
interface BucketState {
  name: string;
  tags: S3Tag[];
  versioning?: string;
  publicAccessBlock?: PublicAccessBlockConfiguration;
  encryption?: ServerSideEncryptionRule[];
  /** The bucket policy, parsed. */
  policy?: unknown;
  lifecycle?: LifecycleRule[];
  /** Just created: S3 may not show it to every call for a few seconds. */
  fresh?: boolean;
}

/** One batch of DeleteObjects at most. */
const DELETE_BATCH = 1000;

export const artifacts: Step = {
  name: 'artifacts',
  after: [],

  async reconcile(ctx) {
    await ensureBucket(ctx);
  },

  outputs(state) {
    const name = state.get(KEYS.bucket)?.id;
    return name ? [{ key: 'artifactBucket', label: 'artifact bucket', value: name }] : [];
  },

  async destroy(ctx) {
    await deleteBucket(ctx);
  },
};

const nameOf = (ctx: StepContext) => artifactBucketName(ctx.tags.stack, ctx.accountId, ctx.config.region);

// ---- reading -------------------------------------------------------------------------------------

/** HeadBucket: does the name exist, and is it this account's? */
async function headBucket(ctx: StepContext, name: string): Promise<'ours' | 'foreign' | undefined> {
  try {
    await ctx.aws.s3.send(new HeadBucketCommand({ Bucket: name, ExpectedBucketOwner: ctx.accountId }));
    return 'ours';
  } catch (error) {
    // HEAD answers have no body: the SDK names the errors after their status.
    if (isAwsError(error, ...GONE.s3.bucket)) return undefined;
    if (isAwsError(error, 'Forbidden', 'AccessDenied')) return 'foreign';
    throw error;
  }
}

/**
 * Not in the "already gone" table: AWS encrypts every bucket since 2023 and no longer answers it
 * (src/aws/gone.ts), but an older emulator behind `aws.endpoint` may.
 */
const NO_ENCRYPTION = 'ServerSideEncryptionConfigurationNotFoundError';

/** Every setting the config sets, one Get each, all at once; undefined when the bucket is gone. */
async function readBucket(ctx: StepContext, name: string): Promise<BucketState | undefined> {
  const s3 = ctx.aws.s3;
  const input = { Bucket: name, ExpectedBucketOwner: ctx.accountId };
  try {
    const [versioning, publicAccess, encryption, policy, lifecycle, tags] = await Promise.all([
      s3.send(new GetBucketVersioningCommand(input)),
      unlessNotFound(s3.send(new GetPublicAccessBlockCommand(input)), ...GONE.s3.publicAccessBlock),
      unlessNotFound(s3.send(new GetBucketEncryptionCommand(input)), NO_ENCRYPTION),
      unlessNotFound(s3.send(new GetBucketPolicyCommand(input)), ...GONE.s3.policy),
      unlessNotFound(s3.send(new GetBucketLifecycleConfigurationCommand(input)), ...GONE.s3.lifecycle),
      bucketTags(ctx, name),
    ]);
    return {
      name,
      tags,
      versioning: versioning.Status,
      publicAccessBlock: publicAccess?.PublicAccessBlockConfiguration,
      encryption: encryption?.ServerSideEncryptionConfiguration?.Rules,
      policy: parseJson(policy?.Policy),
      lifecycle: lifecycle?.Rules,
    };
  } catch (error) {
    if (isAwsError(error, ...GONE.s3.bucket)) return undefined;
    throw error;
  }
}

async function isEmpty(ctx: StepContext, name: string): Promise<boolean> {
  const page = await ctx.aws.s3.send(new ListObjectVersionsCommand({ Bucket: name, ExpectedBucketOwner: ctx.accountId, MaxKeys: 1 }));
  return !page.Versions?.length && !page.DeleteMarkers?.length;
}

/**
 * A bucket of this account with the stack's name: ours if tagged so. One with no tags at all and
 * nothing in it is what a crash between CreateBucket and PutBucketTagging leaves: taken (the tags
 * come as drift). Anything else is someone's data: refused.
 */
async function claimBucket(ctx: StepContext, bucket: BucketState): Promise<BucketState> {
  if (ctx.tags.owns(bucket.tags)) return bucket;
  if (bucket.tags.length === 0 && (await isEmpty(ctx, bucket.name))) {
    ctx.log.info({ resource: KEYS.bucket, id: bucket.name }, `S3 bucket ${bucket.name} is empty and untagged (an interrupted create): taking it`);
    return bucket;
  }
  throw foreignResource(ctx, `S3 bucket ${bucket.name}`);
}

function otherAccountsBucket(ctx: StepContext, name: string) {
  return foreignResource(
    ctx,
    `S3 bucket ${name} (in another AWS account, or not readable with these credentials)`,
    'S3 bucket names are shared by every AWS account: check the credentials, or give this stack another name ("stack" in the config)',
  );
}

// ---- comparing -----------------------------------------------------------------------------------

function allBlocked(c: PublicAccessBlockConfiguration | undefined): boolean {
  return c?.BlockPublicAcls === true && c.IgnorePublicAcls === true && c.BlockPublicPolicy === true && c.RestrictPublicBuckets === true;
}

function encryptedAsConfigured(rules: ServerSideEncryptionRule[] | undefined): boolean {
  const rule = rules?.length === 1 ? rules[0] : undefined;
  const byDefault = rule?.ApplyServerSideEncryptionByDefault;
  return byDefault?.SSEAlgorithm === 'AES256' && byDefault.KMSMasterKeyID === undefined && rule?.BucketKeyEnabled === true;
}

/** What a lifecycle rule does, whatever its ID and however S3 spells an empty filter. */
function ruleEffect(rule: LifecycleRule) {
  const prefix = rule.Filter?.Prefix || rule.Prefix || undefined;
  return {
    status: rule.Status,
    filter: { ...rule.Filter, Prefix: prefix },
    expiration: rule.Expiration,
    noncurrent: rule.NoncurrentVersionExpiration,
    abort: rule.AbortIncompleteMultipartUpload,
    transitions: rule.Transitions ?? [],
    noncurrentTransitions: rule.NoncurrentVersionTransitions ?? [],
  };
}

function lifecycleAsConfigured(rules: LifecycleRule[] | undefined, expireDays: number): boolean {
  return rules !== undefined && sameJson(rules.map(ruleEffect), [ruleEffect(lifecycleRule(expireDays))]);
}

// ---- the bucket ----------------------------------------------------------------------------------

async function ensureBucket(ctx: StepContext): Promise<void> {
  const s3 = ctx.aws.s3;
  const name = nameOf(ctx);
  const region = ctx.config.region;
  const policy = tlsOnlyPolicy(ctx.partition, name);
  const expireDays = ctx.config.artifacts.expireDays;
  const rule = lifecycleRule(expireDays);
  const owner = { Bucket: name, ExpectedBucketOwner: ctx.accountId };

  await ensure<BucketState>(ctx, {
    key: KEYS.bucket,
    kind: `S3 bucket ${name}`,
    // Named for the stack, account and region; untagged it may be (a create cut short: the tag comes
    // as drift), but one tagged for another stack is not the stack's.
    foreignId: (id) => foreignByName(id, name),
    foreign: (b) => foreignByOtherStack(ctx, b.tags),
    find: (id) => readBucket(ctx, id),
    findByTags: async () => {
      const found = await headBucket(ctx, name);
      if (found === 'foreign') throw otherAccountsBucket(ctx, name);
      const bucket = found && (await readBucket(ctx, name));
      return bucket && claimBucket(ctx, bucket);
    },
    create: async () => {
      try {
        await s3.send(
          new CreateBucketCommand({
            Bucket: name,
            // us-east-1 is the one region S3 wants no constraint for.
            ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }),
          }),
        );
      } catch (error) {
        if (isAwsError(error, 'BucketAlreadyExists')) throw otherAccountsBucket(ctx, name);
        if (!isAwsError(error, 'BucketAlreadyOwnedByYou')) throw error;
        // Made by us a moment ago (a retried request, a crashed run): the same rules as found by name.
        const existing = await readBucket(ctx, name);
        if (!existing) throw error;
        return claimBucket(ctx, existing);
      }
      // Nothing configured yet as far as shipline knows: tags and every setting come as drift.
      return { name, tags: [], fresh: true };
    },
    id: (b) => b.name,
    attributes: (b) => ({ arn: bucketArn(ctx.partition, b.name) }),
    drift: (b) => [
      ...(!ctx.tags.owns(b.tags) ? ['tags'] : []),
      ...(b.versioning !== 'Enabled' ? ['versioning'] : []),
      ...(!allBlocked(b.publicAccessBlock) ? ['publicAccessBlock'] : []),
      ...(!encryptedAsConfigured(b.encryption) ? ['encryption'] : []),
      // S3 may hand the policy back reformatted: compare what it says, not its text.
      ...(!sameJson(b.policy, policy) ? ['policy'] : []),
      ...(!lifecycleAsConfigured(b.lifecycle, expireDays) ? ['lifecycle'] : []),
    ],
    update: async (b, changes) => {
      const ours = tagsNamed(ctx, name);
      const puts: Record<string, () => Promise<unknown>> = {
        // The tag first: it is what marks the bucket as the stack's. Tags of others are kept.
        tags: () => s3.send(new PutBucketTaggingCommand({ ...owner, Tagging: { TagSet: [...b.tags.filter((t) => !ours.some((o) => o.Key === t.Key)), ...ours] } })),
        versioning: () => s3.send(new PutBucketVersioningCommand({ ...owner, VersioningConfiguration: { Status: 'Enabled' } })),
        publicAccessBlock: () => s3.send(new PutPublicAccessBlockCommand({ ...owner, PublicAccessBlockConfiguration: PUBLIC_ACCESS_BLOCKED })),
        encryption: () => s3.send(new PutBucketEncryptionCommand({ ...owner, ServerSideEncryptionConfiguration: { Rules: [ENCRYPTION] } })),
        policy: () => s3.send(new PutBucketPolicyCommand({ ...owner, Policy: JSON.stringify(policy) })),
        lifecycle: () => s3.send(new PutBucketLifecycleConfigurationCommand({ ...owner, LifecycleConfiguration: { Rules: [rule] } })),
      };
      // One at a time: S3 refuses concurrent changes to one bucket's configuration (OperationAborted).
      for (const [i, change] of changes.entries()) {
        const put = puts[change]!;
        await (i === 0 && b.fresh ? retryWhile(ctx, `S3 bucket ${name} to be visible`, 60, ['NoSuchBucket'], put) : put());
      }
    },
  });
}

async function deleteBucket(ctx: StepContext): Promise<void> {
  const name = nameOf(ctx);
  await remove(ctx, {
    key: KEYS.bucket,
    kind: `S3 bucket ${name}`,
    // A lost state: only the bucket that carries the stack's tag, never one merely named like it.
    findByTags: async () => {
      if ((await headBucket(ctx, name)) !== 'ours') return undefined;
      if (ctx.tags.owns(await bucketTags(ctx, name))) return name;
      ctx.log.warn({ resource: KEYS.bucket, id: name }, `S3 bucket ${name} does not carry the stack's tag; leaving it alone`);
      return undefined;
    },
    id: (found) => found,
    // Its name and its tag (GetBucketTagging: NoSuchBucket when gone) before a single object goes.
    confirm: {
      find: async (id) => {
        if (foreignByName(id, name) !== undefined) return { id, tags: [] };
        try {
          return { id, tags: await bucketTags(ctx, id) };
        } catch (error) {
          if (isAwsError(error, ...GONE.s3.bucket)) return undefined;
          throw error;
        }
      },
      // Untagged, it is the stack's all the same (a create cut short before its tag): only another stack's tag refuses it.
      foreign: (b: { id: string; tags: S3Tag[] }) => foreignByName(b.id, name) ?? foreignByOtherStack(ctx, b.tags),
    },
    delete: (id) =>
      ignoringGone(
        // A writer still at work (a pipeline run) refills it: empty again until S3 lets it go.
        () =>
          retryWhile(ctx, `S3 bucket ${id} to be empty`, 120, ['BucketNotEmpty'], async () => {
            await emptyBucket(ctx, id);
            await ctx.aws.s3.send(new DeleteBucketCommand({ Bucket: id, ExpectedBucketOwner: ctx.accountId }));
          }),
        isGone(GONE.s3.bucket),
      ),
  });
}

/**
 * Delete every object version and delete marker, a listing page at a time. Each page is deleted
 * before the next listing, which starts again from the top: the markers of the page just listed
 * would name versions that no longer exist, and S3 documents nothing for such markers. The client
 * has no paginator for ListObjectVersions (its two markers are beyond `createPaginator`).
 */
async function emptyBucket(ctx: StepContext, name: string): Promise<void> {
  const s3 = ctx.aws.s3;
  let deleted = 0;
  for (;;) {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: name, ExpectedBucketOwner: ctx.accountId }));
    const objects: ObjectIdentifier[] = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((v) => ({ Key: v.Key!, VersionId: v.VersionId }));
    for (let i = 0; i < objects.length; i += DELETE_BATCH) {
      const batch = objects.slice(i, i + DELETE_BATCH);
      const out = await s3.send(new DeleteObjectsCommand({ Bucket: name, ExpectedBucketOwner: ctx.accountId, Delete: { Objects: batch, Quiet: true } }));
      const failed = out.Errors?.[0];
      if (failed) {
        throw new AwsCallError(`empty S3 bucket ${name}`, failed.Code ?? 'DeleteObjectsError', `${out.Errors!.length} not deleted, e.g. ${failed.Key}: ${failed.Message ?? ''}`);
      }
      deleted += batch.length;
      ctx.progress(`emptying S3 bucket ${name}: ${deleted} object versions deleted`);
    }
    if (!page.IsTruncated) break;
  }
  if (deleted > 0) ctx.log.debug({ resource: KEYS.bucket, id: name, deleted }, 'emptied the bucket');
}
