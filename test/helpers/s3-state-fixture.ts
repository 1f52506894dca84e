// The per-file setup of the S3 state backend's tests: the sandbox behind the mocked clients
// (useSandbox), the team's state bucket in it, a temporary directory for local files, and the
// backend on `s3://team-state/shipline/dev.json`. Call at the top level of a test file.
import { S3Client } from '@aws-sdk/client-s3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Backend } from '../../state/s3';
import { REGION, useSandbox, type SandboxFixture } from './sandbox-fixture';

export const BUCKET = 'team-state';
export const KEY = 'shipline/dev.json';

export interface S3StateFixture extends SandboxFixture {
  /** A client of the sandbox's S3 (the mocks answer it). */
  readonly s3: S3Client;
  /** A temporary directory, removed after each test. */
  readonly dir: string;
  /** The backend of stack `dev` on the bucket (or another), at KEY (or another). */
  backend(opts?: { key?: string; bucket?: string; localPath?: string }): S3Backend;
}

export function useS3State(tempPrefix: string): S3StateFixture {
  const env = useSandbox();
  let s3: S3Client | undefined;
  let dir: string | undefined;

  beforeEach(async () => {
    s3 = new S3Client({ region: REGION });
    await env.sandbox.dispatch('s3', 'CreateBucket', { Bucket: BUCKET, CreateBucketConfiguration: { LocationConstraint: REGION } });
    dir = await mkdtemp(join(tmpdir(), tempPrefix));
  });
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const defined = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`useS3State: no ${what} outside a test`);
    return value;
  };
  const backend = (opts: { key?: string; bucket?: string; localPath?: string } = {}): S3Backend =>
    new S3Backend(defined(s3, 'S3 client'), { bucket: opts.bucket ?? BUCKET, key: opts.key ?? KEY }, { stack: 'dev', ...(opts.localPath ? { localPath: opts.localPath } : {}) });
  return {
    get sandbox() {
      return env.sandbox;
    },
    restart: env.restart,
    restoreFrom: env.restoreFrom,
    restoreMocks: env.restoreMocks,
    get s3() {
      return defined(s3, 'S3 client');
    },
    get dir() {
      return defined(dir, 'directory');
    },
    backend,
  };
}
