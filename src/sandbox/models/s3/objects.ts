// S3 objects and their versions: put (conditional), get and head (versioned, conditional), delete,
// list (current objects, and every version with its delete markers).
import {
  type DeletedObject,
  type DeleteMarkerEntry,
  type DeleteObjectCommandInput,
  type DeleteObjectCommandOutput,
  type DeleteObjectsCommandInput,
  type DeleteObjectsCommandOutput,
  type GetObjectCommandInput,
  type HeadObjectCommandInput,
  type HeadObjectCommandOutput,
  type ListObjectsV2CommandInput,
  type ListObjectsV2CommandOutput,
  type ListObjectVersionsCommandInput,
  type ListObjectVersionsCommandOutput,
  NoSuchKey,
  NotFound,
  type ObjectVersion,
  type PutObjectCommandInput,
  type PutObjectCommandOutput,
  type _Error as S3ErrorEntry,
  type _Object as S3ObjectSummary,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { awsError, SandboxNotModelled } from '../../kernel/errors';
import { pageOf } from '../../kernel/pages';
import type { Out } from '../../kernel/service';
import { S3Buckets } from './buckets';
import { s3Limits, servedMaxKeys, versionPage } from './pages';
import { canonicalUserId, compareKeys } from './store';
import {
  type BucketRecord,
  DEFAULT_CONTENT_TYPE,
  type GetObjectResult,
  MAX_KEY_BYTES,
  MAX_KEYS,
  type ObjectVersionRecord,
  type SandboxObjectBody,
} from './records';

export abstract class S3Objects extends S3Buckets {
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
    // Keys and common prefixes share the pages, each counting once against MaxKeys.
    const entries = [...matched.map((key) => ({ key })), ...commonPrefixes.map((common) => ({ common }))].sort((a, b) =>
      compareKeys('key' in a ? a.key : a.common, 'key' in b ? b.key : b.common),
    );
    const scope = [bucket.name, prefix, input.Delimiter ?? '', input.StartAfter ?? ''].join('\n');
    const page = pageOf(this.world, entries, { max: servedMaxKeys(input.MaxKeys), token: input.ContinuationToken, scope }, s3Limits('ListObjectsV2'));
    const contents: S3ObjectSummary[] = page.items.flatMap((entry) => {
      if (!('key' in entry)) return [];
      const object = latestObject(bucket, entry.key) as ObjectVersionRecord;
      return [{ Key: entry.key, LastModified: new Date(object.lastModified), ETag: object.etag, Size: object.size, StorageClass: 'STANDARD' }];
    });
    const pagePrefixes = page.items.flatMap((entry) => ('common' in entry ? [entry.common] : []));
    return {
      Name: bucket.name,
      Prefix: prefix,
      MaxKeys: input.MaxKeys ?? MAX_KEYS,
      KeyCount: page.items.length,
      IsTruncated: page.next !== undefined,
      ...(input.ContinuationToken !== undefined ? { ContinuationToken: input.ContinuationToken } : {}),
      ...(page.next !== undefined ? { NextContinuationToken: page.next } : {}),
      ...(contents.length > 0 ? { Contents: contents } : {}),
      ...(pagePrefixes.length > 0 ? { CommonPrefixes: pagePrefixes.map((p) => ({ Prefix: p })) } : {}),
      ...(input.Delimiter !== undefined ? { Delimiter: input.Delimiter } : {}),
      ...(input.StartAfter !== undefined ? { StartAfter: input.StartAfter } : {}),
    };
  }

  listObjectVersions(input: ListObjectVersionsCommandInput): Out<ListObjectVersionsCommandOutput> {
    const bucket = this.requireBucket(input.Bucket, input.ExpectedBucketOwner);
    const prefix = input.Prefix ?? '';
    const { matched, commonPrefixes } = groupKeys(Object.keys(bucket.objects), prefix, input.Delimiter);
    const owner = { ID: canonicalUserId(bucket.owner) };
    // Keys in order, each key's versions newest first; a common prefix stands where its keys would.
    const entries: Array<{ key: string; versionId?: string; record?: ObjectVersionRecord; isLatest?: boolean }> = [
      ...matched.flatMap((key) =>
        [...(bucket.objects[key] ?? [])].reverse().map((record, index) => ({ key, versionId: record.versionId, record, isLatest: index === 0 })),
      ),
      ...commonPrefixes.map((key) => ({ key })),
    ].sort((a, b) => compareKeys(a.key, b.key));
    const page = versionPage(this.world, entries, { maxKeys: input.MaxKeys, keyMarker: input.KeyMarker, versionIdMarker: input.VersionIdMarker });
    const versions: ObjectVersion[] = [];
    const deleteMarkers: DeleteMarkerEntry[] = [];
    const pagePrefixes: string[] = [];
    for (const { key, record, isLatest } of page.entries) {
      if (!record) {
        pagePrefixes.push(key);
        continue;
      }
      const common = { Key: key, VersionId: record.versionId, IsLatest: isLatest, LastModified: new Date(record.lastModified), Owner: owner };
      if (record.deleteMarker) deleteMarkers.push(common);
      else versions.push({ ...common, ETag: record.etag, Size: record.size, StorageClass: 'STANDARD' });
    }
    return {
      Name: bucket.name,
      Prefix: prefix,
      KeyMarker: input.KeyMarker ?? '',
      VersionIdMarker: input.VersionIdMarker ?? '',
      MaxKeys: input.MaxKeys ?? MAX_KEYS,
      IsTruncated: page.next !== undefined,
      ...(page.next ? { NextKeyMarker: page.next.keyMarker } : {}),
      ...(page.next?.versionIdMarker !== undefined ? { NextVersionIdMarker: page.next.versionIdMarker } : {}),
      ...(versions.length > 0 ? { Versions: versions } : {}),
      ...(deleteMarkers.length > 0 ? { DeleteMarkers: deleteMarkers } : {}),
      ...(pagePrefixes.length > 0 ? { CommonPrefixes: pagePrefixes.map((p) => ({ Prefix: p })) } : {}),
      ...(input.Delimiter !== undefined ? { Delimiter: input.Delimiter } : {}),
    };
  }

  /** GetObject's Body is a stream with the SDK's `transformTo…` methods, which a copy can't carry. */
  override finishOutput(operation: string, output: Record<string, unknown>): Record<string, unknown> {
    if (operation !== 'GetObject' || !ArrayBuffer.isView(output.Body)) return output;
    const view = output.Body;
    return { ...output, Body: objectBody(new Uint8Array(view.buffer, view.byteOffset, view.byteLength)) };
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
}

export function requireKey(key: string | undefined): string {
  if (!key) throw awsError('InvalidArgument', 'The object key must not be empty');
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) throw awsError('KeyTooLongError', 'Your key is too long');
  return key;
}

/** The key's current object, or undefined when it has none or its latest version is a delete marker. */
export function latestObject(bucket: BucketRecord, key: string): ObjectVersionRecord | undefined {
  const history = bucket.objects[key];
  const latest = history?.[history.length - 1];
  return latest && !latest.deleteMarker ? latest : undefined;
}

/** Keys under `prefix`, sorted, with those past a delimiter rolled up into common prefixes. */
export function groupKeys(keys: string[], prefix: string, delimiter: string | undefined): { matched: string[]; commonPrefixes: string[] } {
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

export function bodyBytes(body: unknown): Buffer {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  // Outputs and inputs cross realms through structuredClone: `instanceof Uint8Array` can't be trusted.
  if (ArrayBuffer.isView(body)) return Buffer.from(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  throw new SandboxNotModelled('the sandbox takes s3:PutObject Body as a string, Uint8Array or Buffer; streams and Blobs are not modelled');
}

export function lowerCaseKeys(metadata: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k.toLowerCase(), v]));
}

/** An If-Match / If-None-Match header (`*`, or ETags, quoted or not, comma-separated) against an ETag. */
export function etagMatches(header: string, etag: string | undefined): boolean {
  if (etag === undefined) return false;
  const bare = (value: string) => value.trim().replace(/^W\//, '').replace(/^"|"$/g, '');
  return header.split(',').some((candidate) => candidate.trim() === '*' || bare(candidate) === bare(etag));
}

export function preconditionFailed(header: string): Error {
  const error = awsError('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { status: 412 });
  return Object.assign(error, { Condition: header });
}

export function noSuchKey(): Error {
  return new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } });
}

/** GetObject / HeadObject conditions, with the precedence S3 documents (RFC 7232). */
export function checkReadConditions(
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

/** A GetObject Body like the SDK's: a Readable with `transformTo…`, each usable once. */
export function objectBody(bytes: Uint8Array): SandboxObjectBody {
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
