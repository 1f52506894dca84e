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
//   ListObjectVersions, each in pages (pages.ts). Bytes are kept base64 in `data`; ETag is the
//   quoted MD5.
// - Non-AWS helper: createForeignBucket(name), a bucket another account owns.
// - inventory(): one `bucket` per bucket (foreign ones too), one `object-version` per remaining
//   object version or delete marker (key `<bucket>/<key>@<n>`, n counting from the oldest).
//
// One file per family, each class building on the one before: store → buckets → objects → this
// one (test helpers, inventory).
import type { InventoryItem } from '../../kernel/service';
import { S3Objects } from './objects';
import { FOREIGN_ACCOUNT } from './records';

export { FOREIGN_ACCOUNT, type GetObjectResult, type S3Data, type SandboxObjectBody } from './records';

export class S3Sandbox extends S3Objects {
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
}
