// S3 general purpose buckets and their settings: create, head, list, delete, location, versioning,
// public access block, default encryption, policy, lifecycle, tagging.
import {
  AccessDenied,
  BucketAlreadyExists,
  BucketAlreadyOwnedByYou,
  type CreateBucketCommandInput,
  type CreateBucketCommandOutput,
  type DeleteBucketCommandInput,
  type DeleteBucketCommandOutput,
  type DeleteBucketEncryptionCommandInput,
  type DeleteBucketEncryptionCommandOutput,
  type DeleteBucketLifecycleCommandInput,
  type DeleteBucketLifecycleCommandOutput,
  type DeleteBucketPolicyCommandInput,
  type DeleteBucketPolicyCommandOutput,
  type DeleteBucketTaggingCommandInput,
  type DeleteBucketTaggingCommandOutput,
  type DeletePublicAccessBlockCommandInput,
  type DeletePublicAccessBlockCommandOutput,
  type GetBucketEncryptionCommandInput,
  type GetBucketEncryptionCommandOutput,
  type GetBucketLifecycleConfigurationCommandInput,
  type GetBucketLifecycleConfigurationCommandOutput,
  type GetBucketLocationCommandInput,
  type GetBucketLocationCommandOutput,
  type GetBucketPolicyCommandInput,
  type GetBucketPolicyCommandOutput,
  type GetBucketTaggingCommandInput,
  type GetBucketTaggingCommandOutput,
  type GetBucketVersioningCommandInput,
  type GetBucketVersioningCommandOutput,
  type GetPublicAccessBlockCommandInput,
  type GetPublicAccessBlockCommandOutput,
  type HeadBucketCommandInput,
  type HeadBucketCommandOutput,
  type LifecycleRule,
  type ListBucketsCommandInput,
  type ListBucketsCommandOutput,
  NotFound,
  type PutBucketEncryptionCommandInput,
  type PutBucketEncryptionCommandOutput,
  type PutBucketLifecycleConfigurationCommandInput,
  type PutBucketLifecycleConfigurationCommandOutput,
  type PutBucketPolicyCommandInput,
  type PutBucketPolicyCommandOutput,
  type PutBucketTaggingCommandInput,
  type PutBucketTaggingCommandOutput,
  type PutBucketVersioningCommandInput,
  type PutBucketVersioningCommandOutput,
  type PutPublicAccessBlockCommandInput,
  type PutPublicAccessBlockCommandOutput,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { awsError, SandboxNotModelled } from '../../kernel/errors';
import { pageOf } from '../../kernel/pages';
import type { Out } from '../../kernel/service';
import { tagsToList } from '../../kernel/tags';
import { s3Limits } from './pages';
import { canonicalUserId, compareKeys, defaultEncryption, S3Store } from './store';
import { SSE_ALGORITHMS, TRANSITION_DEFAULT } from './records';

export abstract class S3Buckets extends S3Store {
  // ---- Buckets -----------------------------------------------------------------------------------

  createBucket(input: CreateBucketCommandInput): Out<CreateBucketCommandOutput> {
    const name = input.Bucket ?? '';
    const problem = bucketNameProblem(name);
    if (problem) throw awsError('InvalidBucketName', `The specified bucket is not valid. ${problem}`);
    if (input.GrantFullControl || input.GrantRead || input.GrantReadACP || input.GrantWrite || input.GrantWriteACP) {
      throw new SandboxNotModelled('the sandbox does not model ACL grants in s3:CreateBucket');
    }
    if (input.ObjectLockEnabledForBucket) throw new SandboxNotModelled('the sandbox does not model S3 Object Lock');
    if (input.BucketNamespace && input.BucketNamespace !== 'global') {
      throw new SandboxNotModelled('the sandbox models global general purpose buckets only');
    }
    const configuration = input.CreateBucketConfiguration;
    if (configuration?.Location || configuration?.Bucket) {
      throw new SandboxNotModelled('the sandbox does not model directory buckets');
    }
    this.checkLocationConstraint(configuration?.LocationConstraint);
    if (input.ACL && input.ACL !== 'private' && (input.ObjectOwnership ?? 'BucketOwnerEnforced') === 'BucketOwnerEnforced') {
      throw awsError('InvalidBucketAclWithObjectOwnership', 'Bucket cannot have ACLs set with ObjectOwnership\'s BucketOwnerEnforced setting');
    }

    const existing = this.data.buckets[name];
    if (existing && existing.owner !== this.world.account) {
      throw new BucketAlreadyExists({
        message: 'The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.',
        $metadata: { httpStatusCode: 409 },
      });
    }
    if (existing && this.world.region === 'us-east-1') return { Location: `/${name}` }; // AWS's legacy 200 in N. Virginia
    if (existing) {
      throw new BucketAlreadyOwnedByYou({
        message: 'Your previous request to create the named bucket succeeded and you already own it.',
        $metadata: { httpStatusCode: 409 },
      });
    }
    const tags = configuration?.Tags ? this.validTags(configuration.Tags) : undefined;
    this.data.buckets[name] = this.newBucket(name, this.world.account, tags);
    return { Location: this.world.region === 'us-east-1' ? `/${name}` : `http://${name}.s3.amazonaws.com/` };
  }

  headBucket(input: HeadBucketCommandInput): Out<HeadBucketCommandOutput> {
    const bucket = this.data.buckets[input.Bucket ?? ''];
    if (!bucket) throw new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } });
    if (!this.ownsBucket(bucket, input.ExpectedBucketOwner)) throw awsError('Forbidden', 'Forbidden', { status: 403 });
    return { BucketRegion: bucket.region, AccessPointAlias: false };
  }

  listBuckets(input: ListBucketsCommandInput): Out<ListBucketsCommandOutput> {
    const buckets = Object.values(this.data.buckets)
      .filter((b) => b.owner === this.world.account)
      .filter((b) => input.Prefix === undefined || b.name.startsWith(input.Prefix))
      .filter((b) => input.BucketRegion === undefined || b.region === input.BucketRegion)
      .sort((a, b) => compareKeys(a.name, b.name));
    // Unpaged unless asked: a page size, a prefix, a region or a token make pages (of 10,000 by default).
    const paged = input.MaxBuckets !== undefined || input.Prefix !== undefined || input.BucketRegion !== undefined || input.ContinuationToken !== undefined;
    const scope = [input.Prefix ?? '', input.BucketRegion ?? ''].join('\n');
    const page = pageOf(this.world, buckets, { max: input.MaxBuckets, token: input.ContinuationToken, scope }, s3Limits('ListBuckets', paged ? 10_000 : Infinity));
    return {
      Buckets: page.items.map((b) => ({ Name: b.name, CreationDate: new Date(b.creationDate), BucketRegion: b.region })),
      Owner: { ID: canonicalUserId(this.world.account) },
      ...(page.next !== undefined ? { ContinuationToken: page.next } : {}),
      ...(input.Prefix !== undefined ? { Prefix: input.Prefix } : {}),
    };
  }

  deleteBucket(input: DeleteBucketCommandInput): Out<DeleteBucketCommandOutput> {
    const bucket = this.requireBucket(input.Bucket, input.ExpectedBucketOwner);
    if (Object.keys(bucket.objects).length > 0) {
      throw awsError(
        'BucketNotEmpty',
        bucket.versioning
          ? 'The bucket you tried to delete is not empty. You must delete all versions in the bucket.'
          : 'The bucket you tried to delete is not empty',
        { status: 409 },
      );
    }
    delete this.data.buckets[bucket.name];
    return {};
  }

  getBucketLocation(input: GetBucketLocationCommandInput): Out<GetBucketLocationCommandOutput> {
    const bucket = this.requireBucket(input.Bucket, input.ExpectedBucketOwner);
    // us-east-1 answers an empty LocationConstraint.
    return bucket.region === 'us-east-1' ? {} : { LocationConstraint: bucket.region as GetBucketLocationCommandOutput['LocationConstraint'] };
  }

  // ---- Versioning --------------------------------------------------------------------------------

  putBucketVersioning(input: PutBucketVersioningCommandInput): Out<PutBucketVersioningCommandOutput> {
    const bucket = this.requireBucket(input.Bucket, input.ExpectedBucketOwner);
    const configuration = input.VersioningConfiguration;
    if (configuration?.MFADelete === 'Enabled' || input.MFA) throw new SandboxNotModelled('the sandbox does not model MFA delete');
    const status = configuration?.Status;
    if (status !== 'Enabled' && status !== 'Suspended') {
      throw awsError('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
    }
    bucket.versioning = status;
    return {};
  }

  getBucketVersioning(input: GetBucketVersioningCommandInput): Out<GetBucketVersioningCommandOutput> {
    const bucket = this.requireBucket(input.Bucket, input.ExpectedBucketOwner);
    return bucket.versioning ? { Status: bucket.versioning } : {};
  }

  // ---- Public access block -----------------------------------------------------------------------

  putPublicAccessBlock(input: PutPublicAccessBlockCommandInput): Out<PutPublicAccessBlockCommandOutput> {
    const bucket = this.requireBucket(input.Bucket, input.ExpectedBucketOwner);
    const configuration = input.PublicAccessBlockConfiguration;
    if (!configuration) throw awsError('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
    bucket.publicAccessBlock = {
      BlockPublicAcls: configuration.BlockPublicAcls ?? false,
      IgnorePublicAcls: configuration.IgnorePublicAcls ?? false,
      BlockPublicPolicy: configuration.BlockPublicPolicy ?? false,
      RestrictPublicBuckets: configuration.RestrictPublicBuckets ?? false,
    };
    return {};
  }

  getPublicAccessBlock(input: GetPublicAccessBlockCommandInput): Out<GetPublicAccessBlockCommandOutput> {
    const bucket = this.requireBucket(input.Bucket, input.ExpectedBucketOwner);
    if (!bucket.publicAccessBlock) {
      throw awsError('NoSuchPublicAccessBlockConfiguration', 'The public access block configuration was not found', { status: 404 });
    }
    return { PublicAccessBlockConfiguration: { ...bucket.publicAccessBlock } };
  }

  deletePublicAccessBlock(input: DeletePublicAccessBlockCommandInput): Out<DeletePublicAccessBlockCommandOutput> {
    const bucket = this.requireBucket(input.Bucket, input.ExpectedBucketOwner);
    delete bucket.publicAccessBlock;
    return {};
  }

  // ---- Default encryption ------------------------------------------------------------------------

  putBucketEncryption(input: PutBucketEncryptionCommandInput): Out<PutBucketEncryptionCommandOutput> {
    const bucket = this.requireBucket(input.Bucket, input.ExpectedBucketOwner);
    const rules = input.ServerSideEncryptionConfiguration?.Rules ?? [];
    const rule = rules[0];
    const byDefault = rule?.ApplyServerSideEncryptionByDefault;
    if (rules.length !== 1 || !byDefault?.SSEAlgorithm) {
      throw awsError('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
    }
    if (!SSE_ALGORITHMS.includes(byDefault.SSEAlgorithm)) {
      throw awsError('InvalidArgument', `The encryption method specified is not supported: ${byDefault.SSEAlgorithm}`);
    }
    if (byDefault.KMSMasterKeyID && byDefault.SSEAlgorithm === 'AES256') {
      throw awsError('InvalidArgument', 'a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse');
    }
    bucket.encryption = {
      algorithm: byDefault.SSEAlgorithm,
      ...(byDefault.KMSMasterKeyID ? { kmsKeyId: byDefault.KMSMasterKeyID } : {}),
      bucketKeyEnabled: rule?.BucketKeyEnabled ?? false,
    };
    return {};
  }

  getBucketEncryption(input: GetBucketEncryptionCommandInput): Out<GetBucketEncryptionCommandOutput> {
    const bucket = this.requireBucket(input.Bucket, input.ExpectedBucketOwner);
    const { algorithm, kmsKeyId, bucketKeyEnabled } = bucket.encryption;
    return {
      ServerSideEncryptionConfiguration: {
        Rules: [
          {
            ApplyServerSideEncryptionByDefault: { SSEAlgorithm: algorithm, ...(kmsKeyId ? { KMSMasterKeyID: kmsKeyId } : {}) },
            BucketKeyEnabled: bucketKeyEnabled,
          },
        ],
      },
    };
  }

  /** Since 2023 a bucket cannot be unencrypted: deleting the configuration resets it to SSE-S3. */
  deleteBucketEncryption(input: DeleteBucketEncryptionCommandInput): Out<DeleteBucketEncryptionCommandOutput> {
    const bucket = this.requireBucket(input.Bucket, input.ExpectedBucketOwner);
    bucket.encryption = defaultEncryption();
    return {};
  }

  // ---- Policy ------------------------------------------------------------------------------------

  putBucketPolicy(input: PutBucketPolicyCommandInput): Out<PutBucketPolicyCommandOutput> {
    const bucket = this.requireBucket(input.Bucket, input.ExpectedBucketOwner);
    const text = input.Policy ?? '';
    const verdict = checkBucketPolicy(text, bucket.name, this.world.partition);
    if (typeof verdict === 'string') throw awsError('MalformedPolicy', verdict);
    if (verdict.isPublic && bucket.publicAccessBlock?.BlockPublicPolicy) {
      throw new AccessDenied({
        message: `User: arn:aws:iam::${this.world.account}:user/sandbox is not authorized to perform: s3:PutBucketPolicy on resource: "arn:aws:s3:::${bucket.name}" because public policies are blocked by the BlockPublicPolicy block public access setting.`,
        $metadata: { httpStatusCode: 403 },
      });
    }
    bucket.policy = text;
    return {};
  }

  getBucketPolicy(input: GetBucketPolicyCommandInput): Out<GetBucketPolicyCommandOutput> {
    const bucket = this.requireBucket(input.Bucket, input.ExpectedBucketOwner);
    if (bucket.policy === undefined) throw awsError('NoSuchBucketPolicy', 'The bucket policy does not exist', { status: 404 });
    return { Policy: bucket.policy };
  }

  deleteBucketPolicy(input: DeleteBucketPolicyCommandInput): Out<DeleteBucketPolicyCommandOutput> {
    const bucket = this.requireBucket(input.Bucket, input.ExpectedBucketOwner);
    delete bucket.policy;
    return {};
  }

  // ---- Lifecycle ---------------------------------------------------------------------------------

  putBucketLifecycleConfiguration(
    input: PutBucketLifecycleConfigurationCommandInput,
  ): Out<PutBucketLifecycleConfigurationCommandOutput> {
    const bucket = this.requireBucket(input.Bucket, input.ExpectedBucketOwner);
    const rules = input.LifecycleConfiguration?.Rules ?? [];
    if (rules.length === 0 || rules.length > 1000) {
      throw awsError('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
    }
    const ids = new Set<string>();
    bucket.lifecycleRules = rules.map((rule, index) => {
      const problem = lifecycleRuleProblem(rule);
      if (problem) throw awsError(problem.code, problem.message);
      const id = rule.ID ?? this.generatedRuleId(index);
      if (ids.has(id)) throw awsError('InvalidArgument', 'Rule ID must be unique. Found same ID for more than one rule');
      ids.add(id);
      return { ...rule, ID: id };
    });
    return { TransitionDefaultMinimumObjectSize: TRANSITION_DEFAULT };
  }

  getBucketLifecycleConfiguration(
    input: GetBucketLifecycleConfigurationCommandInput,
  ): Out<GetBucketLifecycleConfigurationCommandOutput> {
    const bucket = this.requireBucket(input.Bucket, input.ExpectedBucketOwner);
    if (!bucket.lifecycleRules) {
      throw awsError('NoSuchLifecycleConfiguration', 'The lifecycle configuration does not exist', { status: 404 });
    }
    return { Rules: structuredClone(bucket.lifecycleRules), TransitionDefaultMinimumObjectSize: TRANSITION_DEFAULT };
  }

  /** The SDK's name for deleting the lifecycle configuration. */
  deleteBucketLifecycle(input: DeleteBucketLifecycleCommandInput): Out<DeleteBucketLifecycleCommandOutput> {
    const bucket = this.requireBucket(input.Bucket, input.ExpectedBucketOwner);
    delete bucket.lifecycleRules;
    return {};
  }

  // ---- Tagging -----------------------------------------------------------------------------------

  putBucketTagging(input: PutBucketTaggingCommandInput): Out<PutBucketTaggingCommandOutput> {
    const bucket = this.requireBucket(input.Bucket, input.ExpectedBucketOwner);
    if (!input.Tagging?.TagSet) throw awsError('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
    const tags = this.validTags(input.Tagging.TagSet);
    if (Object.keys(tags).length === 0) delete bucket.tags;
    else bucket.tags = tags;
    return {};
  }

  getBucketTagging(input: GetBucketTaggingCommandInput): Out<GetBucketTaggingCommandOutput> {
    const bucket = this.requireBucket(input.Bucket, input.ExpectedBucketOwner);
    if (!bucket.tags) throw awsError('NoSuchTagSet', 'The TagSet does not exist', { status: 404 });
    return { TagSet: tagsToList(bucket.tags) };
  }

  deleteBucketTagging(input: DeleteBucketTaggingCommandInput): Out<DeleteBucketTaggingCommandOutput> {
    const bucket = this.requireBucket(input.Bucket, input.ExpectedBucketOwner);
    delete bucket.tags;
    return {};
  }

  private checkLocationConstraint(constraint: string | undefined): void {
    const region = this.world.region;
    if (region === 'us-east-1') {
      if (constraint === 'us-east-1') throw awsError('InvalidLocationConstraint', 'The specified location-constraint is not valid');
      if (constraint) {
        throw awsError('IllegalLocationConstraintException', `The ${constraint} location constraint is incompatible for the region specific endpoint this request was sent to.`);
      }
      return;
    }
    if (constraint !== region) {
      throw awsError(
        'IllegalLocationConstraintException',
        `The ${constraint ?? 'unspecified'} location constraint is incompatible for the region specific endpoint this request was sent to.`,
      );
    }
  }

  private generatedRuleId(index: number): string {
    this.world.idCounter += 1;
    return createHash('sha256').update(`s3-lifecycle:${this.world.idCounter}:${index}`).digest('base64').slice(0, 48);
  }
}

/** Why a general purpose bucket name is refused, or undefined (AWS's bucket naming rules). */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return 'Bucket names must be between 3 and 63 characters long.';
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name)) {
    return 'Bucket names can consist only of lowercase letters, numbers, dots and hyphens, and must begin and end with a letter or number.';
  }
  if (name.includes('..')) return 'Bucket names must not contain two adjacent periods.';
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return 'Bucket names must not be formatted as an IP address.';
  for (const prefix of ['xn--', 'sthree-', 'amzn-s3-demo-']) {
    if (name.startsWith(prefix)) return `Bucket names must not start with the prefix ${prefix}.`;
  }
  for (const suffix of ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3']) {
    if (name.endsWith(suffix)) return `Bucket names must not end with the suffix ${suffix}.`;
  }
  return undefined;
}

/** Why a lifecycle rule is refused (S3's code and message), or undefined. */
export function lifecycleRuleProblem(rule: LifecycleRule): { code: string; message: string } | undefined {
  const malformed = { code: 'MalformedXML', message: 'The XML you provided was not well-formed or did not validate against our published schema' };
  if (rule.Status !== 'Enabled' && rule.Status !== 'Disabled') return malformed;
  if (rule.ID !== undefined && rule.ID.length > 255) return { code: 'InvalidArgument', message: 'ID length should not exceed allowed limit of 255' };
  if (rule.Expiration?.Date || rule.Transitions?.some((t) => t.Date)) {
    throw new SandboxNotModelled('the sandbox models day-based lifecycle actions only');
  }
  const hasAction =
    rule.Expiration || rule.Transitions?.length || rule.NoncurrentVersionExpiration || rule.NoncurrentVersionTransitions?.length || rule.AbortIncompleteMultipartUpload;
  if (!hasAction) return { code: 'InvalidRequest', message: 'At least one action needs to be specified in a rule' };
  const days = [
    rule.Expiration?.Days,
    rule.NoncurrentVersionExpiration?.NoncurrentDays,
    rule.AbortIncompleteMultipartUpload?.DaysAfterInitiation,
  ].filter((d): d is number => d !== undefined);
  if (days.some((d) => !Number.isInteger(d) || d <= 0)) {
    return { code: 'InvalidArgument', message: "'Days' for Expiration action must be a positive integer" };
  }
  if (rule.Expiration && rule.Expiration.Days === undefined && rule.Expiration.ExpiredObjectDeleteMarker === undefined) return malformed;
  return undefined;
}

/**
 * A bucket policy's verdict: a MalformedPolicy message, or whether it is public (an Allow to
 * everyone with no Condition, a simplification of S3's rules).
 */
export function checkBucketPolicy(text: string, bucket: string, partition: string): string | { isPublic: boolean } {
  let policy: unknown;
  try {
    policy = JSON.parse(text);
  } catch {
    return "Policies must be valid JSON and the first byte must be '{'";
  }
  if (typeof policy !== 'object' || policy === null || Array.isArray(policy)) return "Policies must be valid JSON and the first byte must be '{'";
  const document = policy as { Version?: unknown; Statement?: unknown };
  if (document.Version !== undefined && document.Version !== '2012-10-17' && document.Version !== '2008-10-17') {
    return 'Document is invalid: Invalid Version';
  }
  if (document.Statement === undefined) return 'Missing required field Statement';
  const statements = (Array.isArray(document.Statement) ? document.Statement : [document.Statement]) as unknown[];
  if (statements.length === 0) return 'Could not parse the policy: Statement is empty!';
  let isPublic = false;
  for (const raw of statements) {
    if (typeof raw !== 'object' || raw === null) return 'Statement is not an object';
    const statement = raw as Record<string, unknown>;
    if (statement.Effect !== 'Allow' && statement.Effect !== 'Deny') return `Invalid effect: ${String(statement.Effect)}`;
    if (statement.Principal === undefined && statement.NotPrincipal === undefined) return 'Missing required field Principal';
    const actions = statement.Action ?? statement.NotAction;
    if (actions === undefined) return 'Missing required field Action';
    if (asList(actions).some((a) => a !== '*' && !a.toLowerCase().startsWith('s3:'))) return 'Policy has invalid action';
    const resources = statement.Resource ?? statement.NotResource;
    if (resources === undefined) return 'Missing required field Resource';
    const bucketArn = `arn:${partition}:s3:::${bucket}`;
    if (asList(resources).some((r) => r !== bucketArn && !r.startsWith(`${bucketArn}/`))) return 'Policy has invalid resource';
    if (statement.Effect === 'Allow' && statement.Condition === undefined && isEveryone(statement.Principal)) isPublic = true;
  }
  return { isPublic };
}

export function asList(value: unknown): string[] {
  return (Array.isArray(value) ? value : [value]).map((v) => String(v));
}

export function isEveryone(principal: unknown): boolean {
  if (principal === '*') return true;
  const aws = (principal as { AWS?: unknown } | undefined)?.AWS;
  return aws !== undefined && asList(aws).includes('*');
}
