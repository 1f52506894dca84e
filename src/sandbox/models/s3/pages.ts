// How S3 pages its lists: at most MaxKeys (or MaxBuckets) entries a response, 1000 at most (a
// larger MaxKeys is served as 1000, a negative one refused), and a way on when more remain.
// ListObjectsV2 and ListBuckets give an opaque continuation token (the kernel's pageOf);
// ListObjectVersions gives the last key and version returned, and the next page starts after them.
import { awsError, SandboxNotModelled } from '../../kernel/errors';
import type { PageLimits } from '../../kernel/pages';
import type { SandboxWorld } from '../../kernel/world';
import { MAX_KEYS } from './records';
import { compareKeys } from './store';

/** S3 refuses a bad continuation token or page size with InvalidArgument. */
export function s3Limits(operation: string, awsDefault: number = MAX_KEYS): PageLimits {
  return { operation, awsDefault, awsMax: MAX_KEYS, invalid: (message) => awsError('InvalidArgument', message) };
}

/** The page size S3 serves for a MaxKeys: above 1000 it serves 1000; below 0 it refuses. */
export function servedMaxKeys(maxKeys: number | undefined): number | undefined {
  if (maxKeys === undefined) return undefined;
  if (!Number.isInteger(maxKeys) || maxKeys < 0) throw awsError('InvalidArgument', 'Provided max-keys not an integer or within integer range');
  if (maxKeys === 0) throw new SandboxNotModelled('the sandbox does not model MaxKeys 0 in S3 lists');
  return Math.min(maxKeys, MAX_KEYS);
}

/** One entry of a version listing: an object version or delete marker (with its version), or a common prefix. */
export interface VersionEntry {
  key: string;
  versionId?: string;
}

export interface VersionPage<E extends VersionEntry> {
  entries: E[];
  /** Set when more remain: the markers of the last entry returned. */
  next?: { keyMarker: string; versionIdMarker?: string };
}

/**
 * The page of `entries` (in S3's order: keys ascending, each key's versions newest first, common
 * prefixes in place) after the markers. A version marker without a key marker, or one the key
 * does not have, is refused as S3 does.
 */
export function versionPage<E extends VersionEntry>(
  world: SandboxWorld,
  entries: readonly E[],
  request: { maxKeys?: number; keyMarker?: string; versionIdMarker?: string },
): VersionPage<E> {
  const keyMarker = request.keyMarker || undefined;
  const versionIdMarker = request.versionIdMarker || undefined;
  if (versionIdMarker !== undefined && keyMarker === undefined) {
    throw awsError('InvalidArgument', 'A version-id marker cannot be specified without a key marker.');
  }
  let start = 0;
  if (keyMarker !== undefined && versionIdMarker !== undefined) {
    const at = entries.findIndex((e) => e.key === keyMarker && e.versionId === versionIdMarker);
    if (at < 0) throw awsError('InvalidArgument', 'Invalid version id specified');
    start = at + 1;
  } else if (keyMarker !== undefined) {
    start = entries.findIndex((e) => compareKeys(e.key, keyMarker) > 0);
    if (start < 0) start = entries.length;
  }
  const size = Math.min(servedMaxKeys(request.maxKeys) ?? MAX_KEYS, world.pageSize ?? Infinity);
  const page = entries.slice(start, start + size);
  const last = page[page.length - 1];
  if (start + size >= entries.length || !last) return { entries: page };
  return { entries: page, next: { keyMarker: last.key, ...(last.versionId !== undefined ? { versionIdMarker: last.versionId } : {}) } };
}
