// S3 (simulated): general purpose buckets with their settings, and objects with their versions.
//
// Behaviour, as AWS documents it (the full specification is the S3 section of README.md):
// - Buckets: CreateBucket (AWS's naming rules → InvalidBucketName; LocationConstraint must be the
//   region outside us-east-1; ours → BucketAlreadyOwnedByYou, another account's → BucketAlreadyExists),
//   HeadBucket (NotFound 404 / Forbidden 403, as the SDK names body-less HEAD errors), ListBuckets,
//   DeleteBucket (BucketNotEmpty while any version or delete marker remains), GetBucketLocation.
//   A new bucket blocks public access and encrypts with SSE-S3 (AES256), as AWS does since 2023.
// - Settings: versioning, public access block, default encryption, policy (checked: JSON, Statement
//   shape, resources of this bucket, public policies refused under BlockPublicPolicy), lifecycle
//   (stored, never applied), tagging.
// - Objects: PutObject (conditional with IfMatch / IfNoneMatch '*'), GetObject / HeadObject (with
//   VersionId and the four conditional headers), DeleteObject(s), ListObjectsV2,
//   ListObjectVersions. Bytes are kept base64 in `data`; ETag is the quoted MD5.
// - Non-AWS helper: createForeignBucket(name), a bucket another account owns.
// - inventory(): one `bucket` per bucket (foreign ones too), one `object-version` per remaining
//   object version or delete marker (key `<bucket>/<key>@<n>`, n counting from the oldest).
import {
  AccessDenied,
  BucketAlreadyExists,
  BucketAlreadyOwnedByYou,
  NoSuchBucket,
  NoSuchKey,
  NotFound,
  type BucketVersioningStatus,
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
  type DeletedObject,
  type DeleteMarkerEntry,
  type DeleteObjectCommandInput,
  type DeleteObjectCommandOutput,
  type DeleteObjectsCommandInput,
  type DeleteObjectsCommandOutput,
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
  type GetObjectCommandInput,
  type GetObjectCommandOutput,
  type GetPublicAccessBlockCommandInput,
  type GetPublicAccessBlockCommandOutput,
  type HeadBucketCommandInput,
  type HeadBucketCommandOutput,
  type HeadObjectCommandInput,
  type HeadObjectCommandOutput,
  type LifecycleRule,
  type ListBucketsCommandInput,
  type ListBucketsCommandOutput,
  type ListObjectsV2CommandInput,
  type ListObjectsV2CommandOutput,
  type ListObjectVersionsCommandInput,
  type ListObjectVersionsCommandOutput,
  type ObjectVersion,
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
  type PutObjectCommandInput,
  type PutObjectCommandOutput,
  type PutPublicAccessBlockCommandInput,
  type PutPublicAccessBlockCommandOutput,
  type ServerSideEncryption,
  type _Error as S3ErrorEntry,
  type _Object as S3ObjectSummary,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { awsError, SandboxNotModelled } from '../kernel/errors';
import { type InventoryItem, type Out, SandboxService } from '../kernel/service';
import { type Tags, tagsFromList, tagsToList } from '../kernel/tags';

/** The account that owns the buckets `createForeignBucket` makes. */
export const FOREIGN_ACCOUNT = '999999999999';
const DEFAULT_CONTENT_TYPE = 'application/octet-stream';
const MAX_KEYS = 1000;
const MAX_BUCKET_TAGS = 50;
const MAX_KEY_BYTES = 1024;
const TRANSITION_DEFAULT = 'all_storage_classes_128K' as const;
const SSE_ALGORITHMS: readonly string[] = ['AES256', 'aws:kms', 'aws:kms:dsse'];

// ---- Records -------------------------------------------------------------------------------------

interface PublicAccessBlockRecord {
  BlockPublicAcls: boolean;
  IgnorePublicAcls: boolean;
  BlockPublicPolicy: boolean;
  RestrictPublicBuckets: boolean;
}

interface EncryptionRecord {
  algorithm: ServerSideEncryption;
  kmsKeyId?: string;
  bucketKeyEnabled: boolean;
}

/** One version of a key: an object's bytes, or a delete marker. */
interface ObjectVersionRecord {
  /** `null` (the string, as S3 says it) while the bucket was never versioned or is suspended. */
  versionId: string;
  deleteMarker: boolean;
  /** ISO time. */
  lastModified: string;
  /** The bytes, base64 (objects only). */
  data?: string;
  /** Quoted MD5 hex (objects only). */
  etag?: string;
  size?: number;
  contentType?: string;
  metadata?: Record<string, string>;
  serverSideEncryption?: ServerSideEncryption;
}

interface BucketRecord {
  name: string;
  /** The owning account: ours, or another one's (createForeignBucket). */
  owner: string;
  region: string;
  /** ISO time. */
  creationDate: string;
  /** Absent while the bucket was never versioned. */
  versioning?: BucketVersioningStatus;
  publicAccessBlock?: PublicAccessBlockRecord;
  encryption: EncryptionRecord;
  policy?: string;
  /** Date-based actions are refused (SandboxNotModelled), so the rules are plain JSON. */
  lifecycleRules?: LifecycleRule[];
  /** Absent when the bucket has no tag set. */
  tags?: Tags;
  /** Each key's versions and delete markers, oldest first. */
  objects: Record<string, ObjectVersionRecord[]>;
}

export interface S3Data {
  /** By bucket name: one global namespace, as on S3. */
  buckets: Record<string, BucketRecord>;
}

/** GetObject as the model returns it: the dispatcher copies the bytes, then `finishOutput` wraps them. */
export type GetObjectResult = Omit<Out<GetObjectCommandOutput>, 'Body'> & { Body: Uint8Array };

/** What the SDK's GetObject Body offers (the `sdkStreamMixin` methods on a Node Readable). */
export type SandboxObjectBody = Readable & {
  transformToString(encoding?: string): Promise<string>;
  transformToByteArray(): Promise<Uint8Array>;
  transformToWebStream(): ReadableStream<Uint8Array>;
};

export class S3Sandbox extends SandboxService<S3Data> {
  readonly service = 's3' as const;

  static empty(): S3Data {
    return { buckets: {} };
  }

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
    return {
      Buckets: buckets.map((b) => ({ Name: b.name, CreationDate: new Date(b.creationDate), BucketRegion: b.region })),
      Owner: { ID: canonicalUserId(this.world.account) },
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

  // ---- Objects -----------------------------------------------------------------------------------

  putObject(input: PutObjectCommandInput): Out<PutObjectCommandOutput> {
    const bucket = this.requireBucket(input.Bucket, input.ExpectedBucketOwner);
    const key = requireKey(input.Key);
    if (input.GrantFullControl || input.GrantRead || input.GrantReadACP || input.GrantWriteACP) {
      throw new SandboxNotModelled('the sandbox does not model ACL grants in s3:PutObject');
    }
    if (input.SSECustomerAlgorithm || input.ObjectLockMode || input.Tagging || input.WriteOffsetBytes !== undefined) {
      throw new SandboxNotModelled('the sandbox does not model SSE-C, Object Lock, object tagging or appends in s3:PutObject');
    }
    if (input.ACL && input.ACL !== 'bucket-owner-full-control' && input.ACL !== 'private') {
      throw awsError('AccessControlListNotSupported', 'The bucket does not allow ACLs');
    }
    const current = latestObject(bucket, key);
    if (input.IfNoneMatch !== undefined) {
      if (input.IfNoneMatch !== '*') {
        throw awsError('NotImplemented', 'A header you provided implies functionality that is not implemented', { status: 501 });
      }
      if (current) throw preconditionFailed('If-None-Match');
    }
    if (input.IfMatch !== undefined) {
      if (!current) throw noSuchKey();
      if (!etagMatches(input.IfMatch, current.etag)) throw preconditionFailed('If-Match');
    }

    const bytes = bodyBytes(input.Body);
    const etag = `"${createHash('md5').update(bytes).digest('hex')}"`;
    const sse = input.ServerSideEncryption ?? bucket.encryption.algorithm;
    const version = this.addVersion(bucket, key, {
      deleteMarker: false,
      lastModified: this.world.nowDate().toISOString(),
      data: bytes.toString('base64'),
      etag,
      size: bytes.length,
      contentType: input.ContentType ?? DEFAULT_CONTENT_TYPE,
      ...(input.Metadata ? { metadata: lowerCaseKeys(input.Metadata) } : {}),
      serverSideEncryption: sse,
    });
    return {
      ETag: etag,
      ServerSideEncryption: sse,
      ...(bucket.versioning === 'Enabled' ? { VersionId: version.versionId } : {}),
    };
  }

  getObject(input: GetObjectCommandInput): GetObjectResult {
    const bucket = this.requireBucket(input.Bucket, input.ExpectedBucketOwner);
    const key = requireKey(input.Key);
    if (input.Range || input.PartNumber !== undefined || input.SSECustomerAlgorithm) {
      throw new SandboxNotModelled('the sandbox does not model ranged, part-number or SSE-C reads in s3:GetObject');
    }
    const version = this.readableVersion(bucket, key, input.VersionId, false);
    checkReadConditions(version, input);
    return {
      ...this.describeObject(bucket, version),
      Body: new Uint8Array(Buffer.from(version.data ?? '', 'base64')),
      ...(input.ResponseContentType ? { ContentType: input.ResponseContentType } : {}),
    };
  }

  headObject(input: HeadObjectCommandInput): Out<HeadObjectCommandOutput> {
    const bucket = this.data.buckets[input.Bucket ?? ''];
    // HEAD answers carry no body: the SDK can only name errors after their status.
    if (!bucket) throw new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } });
    if (!this.ownsBucket(bucket, input.ExpectedBucketOwner)) throw awsError('Forbidden', 'Forbidden', { status: 403 });
    if (input.Range || input.PartNumber !== undefined || input.SSECustomerAlgorithm) {
      throw new SandboxNotModelled('the sandbox does not model ranged, part-number or SSE-C reads in s3:HeadObject');
    }
    const version = this.readableVersion(bucket, requireKey(input.Key), input.VersionId, true);
    checkReadConditions(version, input);
    return this.describeObject(bucket, version);
  }

  deleteObject(input: DeleteObjectCommandInput): Out<DeleteObjectCommandOutput> {
    const bucket = this.requireBucket(input.Bucket, input.ExpectedBucketOwner);
    const key = requireKey(input.Key);
    if (input.MFA || input.IfMatchLastModifiedTime || input.IfMatchSize !== undefined) {
      throw new SandboxNotModelled('the sandbox does not model MFA or last-modified/size conditions in s3:DeleteObject');
    }
    if (input.IfMatch !== undefined) {
      const current = input.VersionId === undefined ? latestObject(bucket, key) : bucket.objects[key]?.find((v) => v.versionId === input.VersionId);
      if (!current || current.deleteMarker) throw noSuchKey();
      if (!etagMatches(input.IfMatch, current.etag)) throw preconditionFailed('If-Match');
    }
    const deleted = this.removeObject(bucket, key, input.VersionId);
    return {
      ...(deleted.DeleteMarker ? { DeleteMarker: true } : {}),
      ...(deleted.VersionId !== undefined ? { VersionId: deleted.VersionId } : {}),
    };
  }

  deleteObjects(input: DeleteObjectsCommandInput): Out<DeleteObjectsCommandOutput> {
    const bucket = this.requireBucket(input.Bucket, input.ExpectedBucketOwner);
    const objects = input.Delete?.Objects ?? [];
    if (objects.length === 0 || objects.length > 1000) {
      throw awsError('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
    }
    const deleted: DeletedObject[] = [];
    const errors: S3ErrorEntry[] = [];
    for (const object of objects) {
      if (!object.Key) {
        errors.push({ Key: '', Code: 'InvalidArgument', Message: 'Invalid argument: the key is empty' });
        continue;
      }
      if (object.ETag !== undefined) {
        const current = latestObject(bucket, object.Key);
        if (!current || !etagMatches(object.ETag, current.etag)) {
          errors.push({ Key: object.Key, Code: 'PreconditionFailed', Message: 'At least one of the pre-conditions you specified did not hold' });
          continue;
        }
      }
      const result = this.removeObject(bucket, object.Key, object.VersionId);
      deleted.push({
        Key: object.Key,
        ...(object.VersionId !== undefined ? { VersionId: object.VersionId } : {}),
        ...(result.DeleteMarker ? { DeleteMarker: true } : {}),
        ...(result.DeleteMarker && result.VersionId !== undefined ? { DeleteMarkerVersionId: result.VersionId } : {}),
      });
    }
    return {
      ...(input.Delete?.Quiet || deleted.length === 0 ? {} : { Deleted: deleted }),
      ...(errors.length > 0 ? { Errors: errors } : {}),
    };
  }

  listObjectsV2(input: ListObjectsV2CommandInput): Out<ListObjectsV2CommandOutput> {
    const bucket = this.requireBucket(input.Bucket, input.ExpectedBucketOwner);
    const prefix = input.Prefix ?? '';
    const keys = Object.keys(bucket.objects)
      .filter((key) => latestObject(bucket, key) !== undefined)
      .filter((key) => input.StartAfter === undefined || compareKeys(key, input.StartAfter) > 0);
    const { matched, commonPrefixes } = groupKeys(keys, prefix, input.Delimiter);
    const contents: S3ObjectSummary[] = matched.map((key) => {
      const object = latestObject(bucket, key) as ObjectVersionRecord;
      return { Key: key, LastModified: new Date(object.lastModified), ETag: object.etag, Size: object.size, StorageClass: 'STANDARD' };
    });
    return {
      Name: bucket.name,
      Prefix: prefix,
      MaxKeys: input.MaxKeys ?? MAX_KEYS,
      KeyCount: contents.length + commonPrefixes.length,
      IsTruncated: false,
      ...(contents.length > 0 ? { Contents: contents } : {}),
      ...(commonPrefixes.length > 0 ? { CommonPrefixes: commonPrefixes.map((p) => ({ Prefix: p })) } : {}),
      ...(input.Delimiter !== undefined ? { Delimiter: input.Delimiter } : {}),
      ...(input.StartAfter !== undefined ? { StartAfter: input.StartAfter } : {}),
    };
  }

  listObjectVersions(input: ListObjectVersionsCommandInput): Out<ListObjectVersionsCommandOutput> {
    const bucket = this.requireBucket(input.Bucket, input.ExpectedBucketOwner);
    const prefix = input.Prefix ?? '';
    const { matched, commonPrefixes } = groupKeys(Object.keys(bucket.objects), prefix, input.Delimiter);
    const owner = { ID: canonicalUserId(bucket.owner) };
    const versions: ObjectVersion[] = [];
    const deleteMarkers: DeleteMarkerEntry[] = [];
    // Keys in order, each key's versions newest first.
    for (const key of matched) {
      const newestFirst = [...(bucket.objects[key] ?? [])].reverse();
      newestFirst.forEach((record, index) => {
        const common = { Key: key, VersionId: record.versionId, IsLatest: index === 0, LastModified: new Date(record.lastModified), Owner: owner };
        if (record.deleteMarker) deleteMarkers.push(common);
        else versions.push({ ...common, ETag: record.etag, Size: record.size, StorageClass: 'STANDARD' });
      });
    }
    return {
      Name: bucket.name,
      Prefix: prefix,
      KeyMarker: input.KeyMarker ?? '',
      VersionIdMarker: input.VersionIdMarker ?? '',
      MaxKeys: input.MaxKeys ?? MAX_KEYS,
      IsTruncated: false,
      ...(versions.length > 0 ? { Versions: versions } : {}),
      ...(deleteMarkers.length > 0 ? { DeleteMarkers: deleteMarkers } : {}),
      ...(commonPrefixes.length > 0 ? { CommonPrefixes: commonPrefixes.map((p) => ({ Prefix: p })) } : {}),
      ...(input.Delimiter !== undefined ? { Delimiter: input.Delimiter } : {}),
    };
  }

  /** GetObject's Body is a stream with the SDK's `transformTo…` methods, which a copy can't carry. */
  override finishOutput(operation: string, output: Record<string, unknown>): Record<string, unknown> {
    if (operation !== 'GetObject' || !ArrayBuffer.isView(output.Body)) return output;
    const view = output.Body;
    return { ...output, Body: objectBody(new Uint8Array(view.buffer, view.byteOffset, view.byteLength)) };
  }

  // ---- Test helpers (not AWS operations) ---------------------------------------------------------

  /**
   * A bucket that another account owns: S3's namespace is global, so CreateBucket of this name
   * answers BucketAlreadyExists, HeadBucket Forbidden, and every other call AccessDenied.
   */
  createForeignBucket(name: string): void {
    this.data.buckets[name] = this.newBucket(name, FOREIGN_ACCOUNT, undefined);
  }

  // ---- Inventory ---------------------------------------------------------------------------------

  inventory(): InventoryItem[] {
    return Object.values(this.data.buckets).flatMap((bucket) => [
      { service: 's3', type: 'bucket', id: bucket.name, tags: { ...(bucket.tags ?? {}) }, key: bucket.name },
      ...Object.entries(bucket.objects).flatMap(([key, history]) =>
        history.map((record, index) => ({
          service: 's3',
          type: 'object-version',
          id: `${bucket.name}/${key}@${record.versionId}`,
          tags: {},
          key: `${bucket.name}/${key}@${index + 1}`,
        })),
      ),
    ]);
  }

  // ---- Helpers -----------------------------------------------------------------------------------

  private newBucket(name: string, owner: string, tags: Tags | undefined): BucketRecord {
    return {
      name,
      owner,
      region: this.world.region,
      creationDate: this.world.nowDate().toISOString(),
      publicAccessBlock: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
      encryption: defaultEncryption(),
      ...(tags && Object.keys(tags).length > 0 ? { tags } : {}),
      objects: {},
    };
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

  private ownsBucket(bucket: BucketRecord, expectedOwner: string | undefined): boolean {
    return bucket.owner === this.world.account && (expectedOwner === undefined || expectedOwner === bucket.owner);
  }

  private requireBucket(name: string | undefined, expectedOwner?: string): BucketRecord {
    const bucket = this.data.buckets[name ?? ''];
    if (!bucket) throw new NoSuchBucket({ message: 'The specified bucket does not exist', $metadata: { httpStatusCode: 404 } });
    if (!this.ownsBucket(bucket, expectedOwner)) throw new AccessDenied({ message: 'Access Denied', $metadata: { httpStatusCode: 403 } });
    return bucket;
  }

  /** The version a read names (or the latest), refusing what S3 refuses to read. */
  private readableVersion(bucket: BucketRecord, key: string, versionId: string | undefined, head: boolean): ObjectVersionRecord {
    const history = bucket.objects[key] ?? [];
    if (versionId === undefined) {
      const latest = history[history.length - 1];
      if (!latest || latest.deleteMarker) {
        if (head) throw new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } });
        throw noSuchKey();
      }
      return latest;
    }
    const version = history.find((v) => v.versionId === versionId);
    if (!version) {
      if (head) throw new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } });
      throw awsError('NoSuchVersion', 'The specified version does not exist.', { status: 404 });
    }
    if (version.deleteMarker) throw awsError('MethodNotAllowed', 'The specified method is not allowed against this resource.', { status: 405 });
    return version;
  }

  private describeObject(bucket: BucketRecord, version: ObjectVersionRecord): Omit<Out<HeadObjectCommandOutput>, 'Body'> {
    return {
      AcceptRanges: 'bytes',
      LastModified: new Date(version.lastModified),
      ContentLength: version.size ?? 0,
      ETag: version.etag,
      ContentType: version.contentType ?? DEFAULT_CONTENT_TYPE,
      ...(version.serverSideEncryption ? { ServerSideEncryption: version.serverSideEncryption } : {}),
      Metadata: { ...(version.metadata ?? {}) },
      // A bucket that was ever versioned names every version, `null` included.
      ...(bucket.versioning ? { VersionId: version.versionId } : {}),
    };
  }

  /** Adds an object version or a delete marker as the key's latest, as the bucket's versioning says. */
  private addVersion(bucket: BucketRecord, key: string, version: Omit<ObjectVersionRecord, 'versionId'>): ObjectVersionRecord {
    const versionId = bucket.versioning === 'Enabled' ? this.newVersionId() : 'null';
    // Unversioned and suspended buckets keep one `null` version per key, which a write replaces.
    const history = (bucket.objects[key] ?? []).filter((v) => v.versionId !== 'null' || versionId !== 'null');
    const record: ObjectVersionRecord = { ...version, versionId };
    history.push(record);
    bucket.objects[key] = history;
    return record;
  }

  /** DeleteObject's effect: a version removed for good, a delete marker added, or the key removed. */
  private removeObject(bucket: BucketRecord, key: string, versionId: string | undefined): { DeleteMarker?: boolean; VersionId?: string } {
    const history = bucket.objects[key] ?? [];
    if (versionId !== undefined) {
      const removed = history.find((v) => v.versionId === versionId);
      const rest = history.filter((v) => v !== removed);
      if (rest.length > 0) bucket.objects[key] = rest;
      else delete bucket.objects[key];
      // Deleting a version that is not there succeeds, as every S3 delete does.
      return { VersionId: versionId, ...(removed?.deleteMarker ? { DeleteMarker: true } : {}) };
    }
    if (!bucket.versioning) {
      delete bucket.objects[key];
      return {};
    }
    const marker = this.addVersion(bucket, key, { deleteMarker: true, lastModified: this.world.nowDate().toISOString() });
    return { DeleteMarker: true, VersionId: marker.versionId };
  }

  private newVersionId(): string {
    this.world.idCounter += 1;
    return createHash('sha256').update(`s3-version:${this.world.idCounter}`).digest('base64url').slice(0, 32);
  }

  private generatedRuleId(index: number): string {
    this.world.idCounter += 1;
    return createHash('sha256').update(`s3-lifecycle:${this.world.idCounter}:${index}`).digest('base64').slice(0, 48);
  }

  private validTags(list: ReadonlyArray<{ Key?: string; Value?: string }>): Tags {
    const keys = list.map((t) => t.Key ?? '');
    if (new Set(keys).size !== keys.length) throw awsError('InvalidTag', 'Cannot provide multiple Tags with the same key');
    if (list.length > MAX_BUCKET_TAGS) throw awsError('InvalidTag', `Object tags cannot be greater than ${MAX_BUCKET_TAGS}`);
    for (const { Key = '', Value = '' } of list) {
      if (Key.length === 0 || Key.length > 128) throw awsError('InvalidTag', 'The TagKey you have provided is invalid');
      if (Value.length > 256) throw awsError('InvalidTag', 'The TagValue you have provided is invalid');
      if (Key.startsWith('aws:')) throw awsError('InvalidTag', 'Your TagKey cannot be prefixed with aws:');
    }
    return tagsFromList(list);
  }
}

// ---- Pure helpers ----------------------------------------------------------------------------------

function defaultEncryption(): EncryptionRecord {
  return { algorithm: 'AES256', bucketKeyEnabled: false };
}

/** Why a general purpose bucket name is refused, or undefined (AWS's bucket naming rules). */
function bucketNameProblem(name: string): string | undefined {
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

/** S3's canonical user ID for an account (64 hex), stable per account. */
function canonicalUserId(account: string): string {
  return createHash('sha256').update(`canonical-user:${account}`).digest('hex');
}

/** Keys sort by their UTF-8 bytes, as S3 lists them. */
function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function requireKey(key: string | undefined): string {
  if (!key) throw awsError('InvalidArgument', 'The object key must not be empty');
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) throw awsError('KeyTooLongError', 'Your key is too long');
  return key;
}

/** The key's current object, or undefined when it has none or its latest version is a delete marker. */
function latestObject(bucket: BucketRecord, key: string): ObjectVersionRecord | undefined {
  const history = bucket.objects[key];
  const latest = history?.[history.length - 1];
  return latest && !latest.deleteMarker ? latest : undefined;
}

/** Keys under `prefix`, sorted, with those past a delimiter rolled up into common prefixes. */
function groupKeys(keys: string[], prefix: string, delimiter: string | undefined): { matched: string[]; commonPrefixes: string[] } {
  const matched: string[] = [];
  const commonPrefixes = new Set<string>();
  for (const key of [...keys].sort(compareKeys)) {
    if (!key.startsWith(prefix)) continue;
    const at = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
    if (delimiter && at >= 0) commonPrefixes.add(key.slice(0, at + delimiter.length));
    else matched.push(key);
  }
  return { matched, commonPrefixes: [...commonPrefixes] };
}

function bodyBytes(body: unknown): Buffer {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  // Outputs and inputs cross realms through structuredClone: `instanceof Uint8Array` can't be trusted.
  if (ArrayBuffer.isView(body)) return Buffer.from(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  throw new SandboxNotModelled('the sandbox takes s3:PutObject Body as a string, Uint8Array or Buffer; streams and Blobs are not modelled');
}

function lowerCaseKeys(metadata: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k.toLowerCase(), v]));
}

/** An If-Match / If-None-Match header (`*`, or ETags, quoted or not, comma-separated) against an ETag. */
function etagMatches(header: string, etag: string | undefined): boolean {
  if (etag === undefined) return false;
  const bare = (value: string) => value.trim().replace(/^W\//, '').replace(/^"|"$/g, '');
  return header.split(',').some((candidate) => candidate.trim() === '*' || bare(candidate) === bare(etag));
}

function preconditionFailed(header: string): Error {
  const error = awsError('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { status: 412 });
  return Object.assign(error, { Condition: header });
}

function noSuchKey(): Error {
  return new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } });
}

/** GetObject / HeadObject conditions, with the precedence S3 documents (RFC 7232). */
function checkReadConditions(
  version: ObjectVersionRecord,
  input: { IfMatch?: string; IfNoneMatch?: string; IfModifiedSince?: Date; IfUnmodifiedSince?: Date },
): void {
  // HTTP dates have whole seconds.
  const modified = Math.floor(Date.parse(version.lastModified) / 1000);
  const seconds = (date: Date) => Math.floor(new Date(date).getTime() / 1000);
  if (input.IfMatch !== undefined) {
    if (!etagMatches(input.IfMatch, version.etag)) throw preconditionFailed('If-Match');
  } else if (input.IfUnmodifiedSince !== undefined && modified > seconds(input.IfUnmodifiedSince)) {
    throw preconditionFailed('If-Unmodified-Since');
  }
  if (input.IfNoneMatch !== undefined) {
    if (etagMatches(input.IfNoneMatch, version.etag)) throw awsError('NotModified', 'Not Modified', { status: 304 });
  } else if (input.IfModifiedSince !== undefined && modified <= seconds(input.IfModifiedSince)) {
    throw awsError('NotModified', 'Not Modified', { status: 304 });
  }
}

/** Why a lifecycle rule is refused (S3's code and message), or undefined. */
function lifecycleRuleProblem(rule: LifecycleRule): { code: string; message: string } | undefined {
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
function checkBucketPolicy(text: string, bucket: string, partition: string): string | { isPublic: boolean } {
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

function asList(value: unknown): string[] {
  return (Array.isArray(value) ? value : [value]).map((v) => String(v));
}

function isEveryone(principal: unknown): boolean {
  if (principal === '*') return true;
  const aws = (principal as { AWS?: unknown } | undefined)?.AWS;
  return aws !== undefined && asList(aws).includes('*');
}

/** A GetObject Body like the SDK's: a Readable with `transformTo…`, each usable once. */
function objectBody(bytes: Uint8Array): SandboxObjectBody {
  const buffer = Buffer.from(bytes);
  const stream = new Readable({
    read() {
      this.push(buffer);
      this.push(null);
    },
  });
  let transformed = false;
  const claim = () => {
    if (transformed) throw new Error('The stream has already been transformed.');
    transformed = true;
  };
  return Object.assign(stream, {
    transformToByteArray: async () => {
      claim();
      return new Uint8Array(buffer);
    },
    transformToString: async (encoding = 'utf-8') => {
      claim();
      return encoding === 'utf-8' || encoding === 'utf8' ? new TextDecoder().decode(buffer) : buffer.toString(encoding as BufferEncoding);
    },
    transformToWebStream: () => {
      claim();
      return new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new Uint8Array(buffer));
          controller.close();
        },
      });
    },
  });
}
