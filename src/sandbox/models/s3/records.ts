// S3's stored records (plain JSON in `data`), its limits, and the shapes its outputs take.
import type { BucketVersioningStatus, GetObjectCommandOutput, LifecycleRule, ServerSideEncryption } from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import type { Out } from '../../kernel/service';
import type { Tags } from '../../kernel/tags';

/** The account that owns the buckets `createForeignBucket` makes. */
export const FOREIGN_ACCOUNT = '999999999999';
export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';
export const MAX_KEYS = 1000;
export const MAX_BUCKET_TAGS = 50;
export const MAX_KEY_BYTES = 1024;
export const TRANSITION_DEFAULT = 'all_storage_classes_128K' as const;
export const SSE_ALGORITHMS: readonly string[] = ['AES256', 'aws:kms', 'aws:kms:dsse'];

// ---- Records -------------------------------------------------------------------------------------

export interface PublicAccessBlockRecord {
  BlockPublicAcls: boolean;
  IgnorePublicAcls: boolean;
  BlockPublicPolicy: boolean;
  RestrictPublicBuckets: boolean;
}

export interface EncryptionRecord {
  algorithm: ServerSideEncryption;
  kmsKeyId?: string;
  bucketKeyEnabled: boolean;
}

/** One version of a key: an object's bytes, or a delete marker. */
export interface ObjectVersionRecord {
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

export interface BucketRecord {
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
