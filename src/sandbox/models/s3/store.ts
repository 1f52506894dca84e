// What every S3 family reads: the buckets, who owns them, and the records they start as.
import { AccessDenied, NoSuchBucket } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { awsError } from '../../kernel/errors';
import { SandboxService } from '../../kernel/service';
import { type Tags, tagsFromList } from '../../kernel/tags';
import { type BucketRecord, type EncryptionRecord, MAX_BUCKET_TAGS, type S3Data } from './records';

export abstract class S3Store extends SandboxService<S3Data> {
  readonly service = 's3' as const;

  static empty(): S3Data {
    return { buckets: {} };
  }

  protected newBucket(name: string, owner: string, tags: Tags | undefined): BucketRecord {
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

  protected ownsBucket(bucket: BucketRecord, expectedOwner: string | undefined): boolean {
    return bucket.owner === this.world.account && (expectedOwner === undefined || expectedOwner === bucket.owner);
  }

  protected requireBucket(name: string | undefined, expectedOwner?: string): BucketRecord {
    const bucket = this.data.buckets[name ?? ''];
    if (!bucket) throw new NoSuchBucket({ message: 'The specified bucket does not exist', $metadata: { httpStatusCode: 404 } });
    if (!this.ownsBucket(bucket, expectedOwner)) throw new AccessDenied({ message: 'Access Denied', $metadata: { httpStatusCode: 403 } });
    return bucket;
  }

  protected validTags(list: ReadonlyArray<{ Key?: string; Value?: string }>): Tags {
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

export function defaultEncryption(): EncryptionRecord {
  return { algorithm: 'AES256', bucketKeyEnabled: false };
}

/** S3's canonical user ID for an account (64 hex), stable per account. */
export function canonicalUserId(account: string): string {
  return createHash('sha256').update(`canonical-user:${account}`).digest('hex');
}

/** Keys sort by their UTF-8 bytes, as S3 lists them. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
