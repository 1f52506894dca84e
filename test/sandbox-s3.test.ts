// The simulated S3, driven through the real SDK client (and its waiters).
import {
  BucketAlreadyExists,
  BucketAlreadyOwnedByYou,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteBucketEncryptionCommand,
  DeleteBucketLifecycleCommand,
  DeleteBucketPolicyCommand,
  DeleteBucketTaggingCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  DeletePublicAccessBlockCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketLocationCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  NoSuchBucket,
  NoSuchKey,
  NotFound,
  paginateListBuckets,
  paginateListObjectsV2,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  S3Client,
  waitUntilBucketExists,
  waitUntilBucketNotExists,
  waitUntilObjectExists,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { AwsClients } from '../src/aws/clients';
import { sandboxClientOptions } from '../src/sandbox/client-plugin';
import { Sandbox } from '../src/sandbox/sandbox';
import { ACCOUNT, REGION, useSandbox } from './helpers/sandbox-fixture';

const BUCKET = 'demo-artifacts-123456789012';
const WAIT = { minDelay: 0.01, maxDelay: 0.05, maxWaitTime: 5 };

const env = useSandbox();
let s3: S3Client;

beforeEach(() => {
  s3 = new S3Client({ region: REGION });
});

const md5 = (text: string | Uint8Array): string => `"${createHash('md5').update(text).digest('hex')}"`;

async function createBucket(name = BUCKET): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: name, CreateBucketConfiguration: { LocationConstraint: REGION } }));
}

async function put(key: string, body: string, bucket = BUCKET): Promise<{ ETag?: string; VersionId?: string }> {
  return s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

async function read(key: string, versionId?: string): Promise<string> {
  const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key, ...(versionId ? { VersionId: versionId } : {}) }));
  return (await got.Body?.transformToString()) ?? '';
}

const tlsOnlyPolicy = (bucket = BUCKET): string =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ],
  });

describe('S3 buckets', () => {
  it('creates a bucket in the region, finds it with HeadBucket, its waiter and ListBuckets', async () => {
    const created = await s3.send(
      new CreateBucketCommand({
        Bucket: BUCKET,
        CreateBucketConfiguration: { LocationConstraint: REGION, Tags: [{ Key: 'shipline:stack', Value: 'demo' }] },
      }),
    );
    expect(created.Location).toBe(`http://${BUCKET}.s3.amazonaws.com/`);
    await expect(waitUntilBucketExists({ client: s3, ...WAIT }, { Bucket: BUCKET })).resolves.toMatchObject({ state: 'SUCCESS' });
    expect(await s3.send(new HeadBucketCommand({ Bucket: BUCKET }))).toMatchObject({ BucketRegion: REGION });
    const listed = await s3.send(new ListBucketsCommand({}));
    expect(listed.Buckets?.map((b) => [b.Name, b.BucketRegion])).toEqual([[BUCKET, REGION]]);
    expect(listed.Owner?.ID).toMatch(/^[0-9a-f]{64}$/);
    expect((await s3.send(new GetBucketLocationCommand({ Bucket: BUCKET }))).LocationConstraint).toBe(REGION);
    expect(env.sandbox.inventory()).toEqual([{ service: 's3', type: 'bucket', id: BUCKET, key: BUCKET, tags: { 'shipline:stack': 'demo' } }]);
  });

  it('refuses a bucket it already owns, a wrong or missing location, and invalid names', async () => {
    await createBucket();
    const again = s3.send(new CreateBucketCommand({ Bucket: BUCKET, CreateBucketConfiguration: { LocationConstraint: REGION } }));
    await expect(again).rejects.toBeInstanceOf(BucketAlreadyOwnedByYou);
    await expect(again).rejects.toMatchObject({ $metadata: { httpStatusCode: 409 } });
    await expect(s3.send(new CreateBucketCommand({ Bucket: 'other-bucket' }))).rejects.toMatchObject({
      name: 'IllegalLocationConstraintException',
    });
    await expect(
      s3.send(new CreateBucketCommand({ Bucket: 'other-bucket', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } })),
    ).rejects.toMatchObject({ name: 'IllegalLocationConstraintException' });
    for (const name of ['ab', 'Upper-Case', 'under_score', 'two..dots', '192.168.1.1', '-leading', 'trailing-', 'xn--punycode', 'x'.repeat(64), 'name-s3alias']) {
      await expect(
        s3.send(new CreateBucketCommand({ Bucket: name, CreateBucketConfiguration: { LocationConstraint: REGION } })),
      ).rejects.toMatchObject({ name: 'InvalidBucketName', $metadata: { httpStatusCode: 400 } });
    }
    expect(env.sandbox.inventory()).toHaveLength(1);
  });

  it('answers NotFound (404) for a missing bucket, and NoSuchBucket to other calls', async () => {
    const head = s3.send(new HeadBucketCommand({ Bucket: 'no-such-bucket' }));
    await expect(head).rejects.toBeInstanceOf(NotFound);
    await expect(head).rejects.toMatchObject({ name: 'NotFound', $metadata: { httpStatusCode: 404 } });
    await expect(s3.send(new GetBucketVersioningCommand({ Bucket: 'no-such-bucket' }))).rejects.toBeInstanceOf(NoSuchBucket);
    await expect(s3.send(new DeleteBucketCommand({ Bucket: 'no-such-bucket' }))).rejects.toMatchObject({
      name: 'NoSuchBucket',
      $metadata: { httpStatusCode: 404 },
    });
  });

  it("keeps another account's bucket out of reach: BucketAlreadyExists, Forbidden, AccessDenied", async () => {
    env.sandbox.s3.createForeignBucket('taken-name');
    const create = s3.send(new CreateBucketCommand({ Bucket: 'taken-name', CreateBucketConfiguration: { LocationConstraint: REGION } }));
    await expect(create).rejects.toBeInstanceOf(BucketAlreadyExists);
    await expect(s3.send(new HeadBucketCommand({ Bucket: 'taken-name' }))).rejects.toMatchObject({
      name: 'Forbidden',
      $metadata: { httpStatusCode: 403 },
    });
    await expect(s3.send(new PutObjectCommand({ Bucket: 'taken-name', Key: 'k', Body: 'x' }))).rejects.toMatchObject({
      name: 'AccessDenied',
    });
    await expect(s3.send(new DeleteBucketCommand({ Bucket: 'taken-name' }))).rejects.toMatchObject({ name: 'AccessDenied' });
    expect((await s3.send(new ListBucketsCommand({}))).Buckets).toEqual([]);
    expect(env.sandbox.inventory()).toEqual([{ service: 's3', type: 'bucket', id: 'taken-name', key: 'taken-name', tags: {} }]);
  });

  it('checks ExpectedBucketOwner', async () => {
    await createBucket();
    await expect(s3.send(new HeadBucketCommand({ Bucket: BUCKET, ExpectedBucketOwner: ACCOUNT }))).resolves.toBeDefined();
    await expect(s3.send(new HeadBucketCommand({ Bucket: BUCKET, ExpectedBucketOwner: '111111111111' }))).rejects.toMatchObject({
      name: 'Forbidden',
    });
    await expect(s3.send(new GetBucketVersioningCommand({ Bucket: BUCKET, ExpectedBucketOwner: '111111111111' }))).rejects.toMatchObject({
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403 },
    });
  });

  it('in us-east-1: no location constraint, and re-creating an owned bucket succeeds (legacy)', async () => {
    env.restart({ region: 'us-east-1' });
    s3 = new S3Client({ region: 'us-east-1' });
    expect((await s3.send(new CreateBucketCommand({ Bucket: BUCKET }))).Location).toBe(`/${BUCKET}`);
    await expect(s3.send(new CreateBucketCommand({ Bucket: BUCKET }))).resolves.toMatchObject({ Location: `/${BUCKET}` });
    await expect(
      s3.send(new CreateBucketCommand({ Bucket: 'other-bucket', CreateBucketConfiguration: { LocationConstraint: 'us-east-1' as never } })),
    ).rejects.toMatchObject({ name: 'InvalidLocationConstraint' });
    expect((await s3.send(new GetBucketLocationCommand({ Bucket: BUCKET }))).LocationConstraint).toBeUndefined();
  });

  it('refuses to delete a bucket with objects (BucketNotEmpty), then deletes it empty; the NotExists waiter sees it', async () => {
    await createBucket();
    await put('a.txt', 'a');
    await expect(s3.send(new DeleteBucketCommand({ Bucket: BUCKET }))).rejects.toMatchObject({
      name: 'BucketNotEmpty',
      $metadata: { httpStatusCode: 409 },
    });
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'a.txt' }));
    await s3.send(new DeleteBucketCommand({ Bucket: BUCKET }));
    await expect(waitUntilBucketNotExists({ client: s3, ...WAIT }, { Bucket: BUCKET })).resolves.toMatchObject({ state: 'SUCCESS' });
    expect(env.sandbox.inventory()).toEqual([]);
  });
});

describe('S3 bucket settings', () => {
  beforeEach(() => createBucket());

  it('has AWS 2023 defaults: SSE-S3, public access blocked, never versioned, no policy/lifecycle/tags', async () => {
    expect((await s3.send(new GetBucketEncryptionCommand({ Bucket: BUCKET }))).ServerSideEncryptionConfiguration).toEqual({
      Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: false }],
    });
    expect((await s3.send(new GetPublicAccessBlockCommand({ Bucket: BUCKET }))).PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: BUCKET }))).Status).toBeUndefined();
    await expect(s3.send(new GetBucketPolicyCommand({ Bucket: BUCKET }))).rejects.toMatchObject({
      name: 'NoSuchBucketPolicy',
      $metadata: { httpStatusCode: 404 },
    });
    await expect(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: BUCKET }))).rejects.toMatchObject({
      name: 'NoSuchLifecycleConfiguration',
    });
    await expect(s3.send(new GetBucketTaggingCommand({ Bucket: BUCKET }))).rejects.toMatchObject({ name: 'NoSuchTagSet' });
  });

  it('sets versioning Enabled and Suspended; refuses another status', async () => {
    await s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }));
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: BUCKET }))).Status).toBe('Enabled');
    await s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Suspended' } }));
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: BUCKET }))).Status).toBe('Suspended');
    await expect(
      s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Off' as never } })),
    ).rejects.toMatchObject({ name: 'MalformedXML' });
  });

  it('puts, gets and deletes the public access block', async () => {
    await s3.send(
      new PutPublicAccessBlockCommand({ Bucket: BUCKET, PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: false } }),
    );
    expect((await s3.send(new GetPublicAccessBlockCommand({ Bucket: BUCKET }))).PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: false,
      BlockPublicPolicy: false,
      RestrictPublicBuckets: false,
    });
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket: BUCKET }));
    await expect(s3.send(new GetPublicAccessBlockCommand({ Bucket: BUCKET }))).rejects.toMatchObject({
      name: 'NoSuchPublicAccessBlockConfiguration',
      $metadata: { httpStatusCode: 404 },
    });
  });

  it('sets KMS default encryption; deleting it resets to SSE-S3; refuses a bad algorithm', async () => {
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: BUCKET,
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'alias/demo' }, BucketKeyEnabled: true }],
        },
      }),
    );
    expect((await s3.send(new GetBucketEncryptionCommand({ Bucket: BUCKET }))).ServerSideEncryptionConfiguration?.Rules).toEqual([
      { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'alias/demo' }, BucketKeyEnabled: true },
    ]);
    expect((await put('k', 'v')).ETag).toBe(md5('v'));
    expect((await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'k' }))).ServerSideEncryption).toBe('aws:kms');
    await s3.send(new DeleteBucketEncryptionCommand({ Bucket: BUCKET }));
    expect(
      (await s3.send(new GetBucketEncryptionCommand({ Bucket: BUCKET }))).ServerSideEncryptionConfiguration?.Rules?.[0]
        ?.ApplyServerSideEncryptionByDefault,
    ).toEqual({ SSEAlgorithm: 'AES256' });
    await expect(
      s3.send(
        new PutBucketEncryptionCommand({
          Bucket: BUCKET,
          ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'ROT13' as never } }] },
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidArgument' });
  });

  it('stores a policy verbatim, refuses malformed ones and public ones while BlockPublicPolicy is on', async () => {
    await s3.send(new PutBucketPolicyCommand({ Bucket: BUCKET, Policy: tlsOnlyPolicy() }));
    expect((await s3.send(new GetBucketPolicyCommand({ Bucket: BUCKET }))).Policy).toBe(tlsOnlyPolicy());

    const refusals: Array<[string, string]> = [
      ['not json', 'MalformedPolicy'],
      ['{"Version":"2012-10-17"}', 'MalformedPolicy'],
      [tlsOnlyPolicy('some-other-bucket'), 'MalformedPolicy'],
      [JSON.stringify({ Statement: [{ Effect: 'Maybe', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/*` }] }), 'MalformedPolicy'],
    ];
    for (const [policy, name] of refusals) {
      await expect(s3.send(new PutBucketPolicyCommand({ Bucket: BUCKET, Policy: policy }))).rejects.toMatchObject({ name });
    }

    const publicRead = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/*` }],
    });
    await expect(s3.send(new PutBucketPolicyCommand({ Bucket: BUCKET, Policy: publicRead }))).rejects.toMatchObject({
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403 },
    });
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket: BUCKET }));
    await s3.send(new PutBucketPolicyCommand({ Bucket: BUCKET, Policy: publicRead }));

    await s3.send(new DeleteBucketPolicyCommand({ Bucket: BUCKET }));
    await expect(s3.send(new GetBucketPolicyCommand({ Bucket: BUCKET }))).rejects.toMatchObject({ name: 'NoSuchBucketPolicy' });
  });

  it('puts, gets and deletes lifecycle rules; refuses duplicate IDs and rules without an action', async () => {
    const rules = [
      { ID: 'expire-old-artifacts', Status: 'Enabled' as const, Filter: { Prefix: '' }, Expiration: { Days: 30 } },
      { ID: 'expire-noncurrent', Status: 'Enabled' as const, Filter: {}, NoncurrentVersionExpiration: { NoncurrentDays: 7 } },
    ];
    const put = await s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket: BUCKET, LifecycleConfiguration: { Rules: rules } }));
    expect(put.TransitionDefaultMinimumObjectSize).toBe('all_storage_classes_128K');
    expect((await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: BUCKET }))).Rules).toEqual(rules);

    await expect(
      s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket: BUCKET, LifecycleConfiguration: { Rules: [rules[0]!, rules[0]!] } })),
    ).rejects.toMatchObject({ name: 'InvalidArgument' });
    await expect(
      s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket: BUCKET, LifecycleConfiguration: { Rules: [{ ID: 'none', Status: 'Enabled', Filter: {} }] } })),
    ).rejects.toMatchObject({ name: 'InvalidRequest' });
    await expect(
      s3.send(
        new PutBucketLifecycleConfigurationCommand({
          Bucket: BUCKET,
          LifecycleConfiguration: { Rules: [{ ID: 'zero', Status: 'Enabled', Filter: {}, Expiration: { Days: 0 } }] },
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidArgument' });

    await s3.send(new DeleteBucketLifecycleCommand({ Bucket: BUCKET }));
    await expect(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: BUCKET }))).rejects.toMatchObject({
      name: 'NoSuchLifecycleConfiguration',
    });
  });

  it('replaces the tag set, lists it in the inventory, refuses duplicate keys, and deletes it', async () => {
    await s3.send(
      new PutBucketTaggingCommand({
        Bucket: BUCKET,
        Tagging: { TagSet: [{ Key: 'shipline:stack', Value: 'demo' }, { Key: 'Name', Value: 'artifacts' }] },
      }),
    );
    await s3.send(new PutBucketTaggingCommand({ Bucket: BUCKET, Tagging: { TagSet: [{ Key: 'shipline:stack', Value: 'demo' }] } }));
    expect((await s3.send(new GetBucketTaggingCommand({ Bucket: BUCKET }))).TagSet).toEqual([{ Key: 'shipline:stack', Value: 'demo' }]);
    expect(env.sandbox.inventory()[0]?.tags).toEqual({ 'shipline:stack': 'demo' });
    await expect(
      s3.send(new PutBucketTaggingCommand({ Bucket: BUCKET, Tagging: { TagSet: [{ Key: 'a', Value: '1' }, { Key: 'a', Value: '2' }] } })),
    ).rejects.toMatchObject({ name: 'InvalidTag' });
    await s3.send(new DeleteBucketTaggingCommand({ Bucket: BUCKET }));
    await expect(s3.send(new GetBucketTaggingCommand({ Bucket: BUCKET }))).rejects.toMatchObject({ name: 'NoSuchTagSet' });
    expect(env.sandbox.inventory()[0]?.tags).toEqual({});
  });
});

describe('S3 objects', () => {
  beforeEach(() => createBucket());

  it('stores strings, Uint8Arrays and Buffers; ETag is the quoted MD5; Body reads as text or bytes, once', async () => {
    expect((await put('text.txt', 'héllo')).ETag).toBe(md5('héllo'));
    const bytes = new Uint8Array([0, 1, 2, 255]);
    expect((await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'bytes.bin', Body: bytes }))).ETag).toBe(md5(bytes));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'buffer.json', Body: Buffer.from('{"a":1}'), ContentType: 'application/json', Metadata: { Build: '42' } }));

    expect(await read('text.txt')).toBe('héllo');
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'bytes.bin' }));
    expect(Array.from((await got.Body?.transformToByteArray()) ?? [])).toEqual([0, 1, 2, 255]);
    await expect(got.Body?.transformToString()).rejects.toThrow('already been transformed');
    expect(got).toMatchObject({ ContentLength: 4, ETag: md5(bytes), ContentType: 'application/octet-stream', ServerSideEncryption: 'AES256' });
    expect(got.VersionId).toBeUndefined();

    const json = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'buffer.json' }));
    expect(JSON.parse((await json.Body?.transformToString()) ?? '')).toEqual({ a: 1 });
    expect(json).toMatchObject({ ContentType: 'application/json', Metadata: { build: '42' } });
  });

  it('answers NoSuchKey to GetObject and NotFound to HeadObject for a missing key', async () => {
    const get = s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'missing' }));
    await expect(get).rejects.toBeInstanceOf(NoSuchKey);
    await expect(get).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
    const head = s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'missing' }));
    await expect(head).rejects.toMatchObject({ name: 'NotFound', $metadata: { httpStatusCode: 404 } });
    await put('present', 'x');
    await expect(waitUntilObjectExists({ client: s3, ...WAIT }, { Bucket: BUCKET, Key: 'present' })).resolves.toMatchObject({ state: 'SUCCESS' });
    expect(await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'present' }))).toMatchObject({ ContentLength: 1, ETag: md5('x') });
  });

  it('lists objects by prefix and delimiter, without Contents when nothing matches', async () => {
    for (const key of ['b/2.txt', 'a.txt', 'b/1.txt', 'b/deep/3.txt', 'c.txt']) await put(key, key);
    const all = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    expect(all.Contents?.map((o) => o.Key)).toEqual(['a.txt', 'b/1.txt', 'b/2.txt', 'b/deep/3.txt', 'c.txt']);
    expect(all.Contents?.[0]).toMatchObject({ Key: 'a.txt', Size: 5, ETag: md5('a.txt'), StorageClass: 'STANDARD' });
    expect(all.Contents?.[0]?.LastModified?.toISOString()).toBe(env.sandbox.world.nowDate().toISOString());
    expect(all).toMatchObject({ KeyCount: 5, IsTruncated: false, Name: BUCKET });

    const underB = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'b/', Delimiter: '/' }));
    expect(underB.Contents?.map((o) => o.Key)).toEqual(['b/1.txt', 'b/2.txt']);
    expect(underB.CommonPrefixes).toEqual([{ Prefix: 'b/deep/' }]);

    const none = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'zzz' }));
    expect(none.Contents).toBeUndefined();
    expect(none.KeyCount).toBe(0);
  });

  it('overwrites and deletes in an unversioned bucket: one null version, then nothing', async () => {
    await put('k', 'one');
    await put('k', 'two');
    expect(await read('k')).toBe('two');
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET }));
    expect(versions.Versions?.map((v) => [v.VersionId, v.IsLatest])).toEqual([['null', true]]);
    expect(await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'k' }))).not.toHaveProperty('DeleteMarker');
    await expect(s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'k' }))).resolves.toBeDefined(); // already gone
    expect((await s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET }))).Versions).toBeUndefined();
  });

  it('puts conditionally: IfNoneMatch * only when the key is free, IfMatch only on the current ETag', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'lock', Body: 'first', IfNoneMatch: '*' }));
    const taken = s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'lock', Body: 'second', IfNoneMatch: '*' }));
    await expect(taken).rejects.toMatchObject({ name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } });

    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'lock', Body: 'third', IfMatch: md5('first') }));
    await expect(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'lock', Body: 'fourth', IfMatch: md5('first') }))).rejects.toMatchObject({
      name: 'PreconditionFailed',
    });
    await expect(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'missing', Body: 'x', IfMatch: md5('x') }))).rejects.toBeInstanceOf(NoSuchKey);
    expect(await read('lock')).toBe('third');

    // A delete frees the key again.
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'lock' }));
    await expect(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'lock', Body: 'again', IfNoneMatch: '*' }))).resolves.toBeDefined();
  });

  it('reads conditionally: IfNoneMatch on the ETag → NotModified (304), IfMatch on another → PreconditionFailed', async () => {
    const { ETag } = await put('k', 'v');
    await expect(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'k', IfNoneMatch: ETag }))).rejects.toMatchObject({
      name: 'NotModified',
      $metadata: { httpStatusCode: 304 },
    });
    await expect(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'k', IfMatch: md5('other') }))).rejects.toMatchObject({
      name: 'PreconditionFailed',
      $metadata: { httpStatusCode: 412 },
    });
    await expect(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'k', IfMatch: ETag, IfNoneMatch: md5('other') }))).resolves.toBeDefined();
    const later = new Date(env.sandbox.world.nowDate().getTime() + 60_000);
    await expect(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'k', IfModifiedSince: later }))).rejects.toMatchObject({ name: 'NotModified' });
  });

  it('deletes a batch, reporting each key', async () => {
    await put('a', '1');
    await put('b', '2');
    const out = await s3.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key: 'a' }, { Key: 'b' }, { Key: 'never-there' }] } }));
    expect(out.Deleted?.map((d) => d.Key)).toEqual(['a', 'b', 'never-there']);
    expect(out.Errors).toBeUndefined();
    expect((await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }))).Contents).toBeUndefined();
    await expect(s3.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [] } }))).rejects.toMatchObject({ name: 'MalformedXML' });
  });
});

describe('S3 versioning', () => {
  beforeEach(async () => {
    await createBucket();
    await s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }));
  });

  it('keeps every version, hides the key behind a delete marker, and blocks DeleteBucket until all are gone', async () => {
    const first = await put('artifact.zip', 'v1');
    const second = await put('artifact.zip', 'v2');
    expect(first.VersionId).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(second.VersionId).not.toBe(first.VersionId);
    expect(await read('artifact.zip')).toBe('v2');
    expect(await read('artifact.zip', first.VersionId)).toBe('v1');

    const deleted = await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'artifact.zip' }));
    expect(deleted.DeleteMarker).toBe(true);
    await expect(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'artifact.zip' }))).rejects.toBeInstanceOf(NoSuchKey);
    await expect(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'artifact.zip', VersionId: deleted.VersionId }))).rejects.toMatchObject({
      name: 'MethodNotAllowed',
    });
    await expect(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'artifact.zip', VersionId: 'A'.repeat(32) }))).rejects.toMatchObject({
      name: 'NoSuchVersion',
    });
    expect((await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }))).Contents).toBeUndefined();

    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET }));
    expect(listed.Versions?.map((v) => [v.VersionId, v.IsLatest])).toEqual([
      [second.VersionId, false],
      [first.VersionId, false],
    ]);
    expect(listed.DeleteMarkers?.map((m) => [m.VersionId, m.IsLatest])).toEqual([[deleted.VersionId, true]]);
    expect(env.sandbox.inventory().filter((i) => i.type === 'object-version').map((i) => i.key)).toEqual([
      `${BUCKET}/artifact.zip@1`,
      `${BUCKET}/artifact.zip@2`,
      `${BUCKET}/artifact.zip@3`,
    ]);

    await expect(s3.send(new DeleteBucketCommand({ Bucket: BUCKET }))).rejects.toMatchObject({ name: 'BucketNotEmpty' });

    // Empty it the way destroy does: every version and delete marker, by VersionId.
    const objects = [...(listed.Versions ?? []), ...(listed.DeleteMarkers ?? [])].map((v) => ({ Key: v.Key, VersionId: v.VersionId }));
    const batch = await s3.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: objects } }));
    expect(batch.Deleted).toHaveLength(3);
    expect(batch.Deleted?.find((d) => d.VersionId === deleted.VersionId)).toMatchObject({ DeleteMarker: true, DeleteMarkerVersionId: deleted.VersionId });
    await s3.send(new DeleteBucketCommand({ Bucket: BUCKET }));
    expect(env.sandbox.inventory()).toEqual([]);
  });

  it('removing the delete marker by VersionId brings the object back', async () => {
    await put('k', 'kept');
    const marker = await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'k' }));
    const removed = await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'k', VersionId: marker.VersionId }));
    expect(removed).toMatchObject({ DeleteMarker: true, VersionId: marker.VersionId });
    expect(await read('k')).toBe('kept');
  });

  it('when suspended, writes replace the single null version and earlier versions stay', async () => {
    const enabled = await put('k', 'versioned');
    await s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Suspended' } }));
    expect((await put('k', 'null-1')).VersionId).toBeUndefined();
    await put('k', 'null-2');
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'k' }));
    expect(got.VersionId).toBe('null');
    expect(await got.Body?.transformToString()).toBe('null-2');
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET }));
    expect(listed.Versions?.map((v) => v.VersionId)).toEqual(['null', enabled.VersionId]);

    const marker = await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'k' }));
    expect(marker).toMatchObject({ DeleteMarker: true, VersionId: 'null' });
    const after = await s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET }));
    expect(after.Versions?.map((v) => v.VersionId)).toEqual([enabled.VersionId]);
    expect(after.DeleteMarkers?.map((m) => m.VersionId)).toEqual(['null']);
  });
});

describe('S3 pagination (pages of 5 in tests)', () => {
  it('pages ListObjectVersions with key and version markers: versions and delete markers in key order, newest first', async () => {
    await createBucket();
    await s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }));
    for (const key of ['a', 'b', 'c']) {
      await put(key, `${key}1`);
      await put(key, `${key}2`);
    }
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'b' }));
    const all = await s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET, MaxKeys: 1000 }));

    const seen: Array<[string, string]> = [];
    let markers: { KeyMarker?: string; VersionIdMarker?: string } = {};
    let pages = 0;
    for (;;) {
      const page = await s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET, MaxKeys: 5000, ...markers }));
      pages += 1;
      const entries = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])];
      expect(entries.length).toBeLessThanOrEqual(5);
      seen.push(...entries.map((v): [string, string] => [v.Key ?? '', v.VersionId ?? '']));
      if (!page.IsTruncated) break;
      markers = { KeyMarker: page.NextKeyMarker, VersionIdMarker: page.NextVersionIdMarker };
    }
    expect(pages).toBe(2);
    expect(seen).toHaveLength(7);
    expect(new Set(seen.map(([key, id]) => `${key}@${id}`)).size).toBe(7);
    expect(seen.map(([key]) => key)).toEqual(['a', 'a', 'b', 'b', 'b', 'c', 'c']);
    expect(all.IsTruncated).toBe(true);
    expect(all.MaxKeys).toBe(1000);

    await expect(s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET, VersionIdMarker: seen[0]![1] }))).rejects.toMatchObject({ name: 'InvalidArgument' });
    await expect(s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET, KeyMarker: 'a', VersionIdMarker: 'A'.repeat(32) }))).rejects.toMatchObject({
      name: 'InvalidArgument',
    });
    await expect(s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET, MaxKeys: -1 }))).rejects.toMatchObject({ name: 'InvalidArgument' });
    const afterA = await s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET, KeyMarker: 'a' }));
    expect([...(afterA.Versions ?? []), ...(afterA.DeleteMarkers ?? [])].every((v) => v.Key !== 'a')).toBe(true);
  });

  it('pages ListObjectsV2 and ListBuckets with continuation tokens bound to their query', async () => {
    await createBucket();
    const keys = Array.from({ length: 7 }, (_, i) => `k${i}`);
    for (const key of keys) await put(key, key);
    const listed: string[] = [];
    let pages = 0;
    for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: BUCKET })) {
      pages += 1;
      expect(page.KeyCount).toBe(page.Contents?.length);
      listed.push(...(page.Contents ?? []).map((o) => o.Key ?? ''));
    }
    expect([pages, listed]).toEqual([2, keys]);
    const first = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    await expect(s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'k1', ContinuationToken: first.NextContinuationToken }))).rejects.toMatchObject({
      name: 'InvalidArgument',
    });

    const names = Array.from({ length: 6 }, (_, i) => `${BUCKET}-${i}`);
    for (const name of names) await createBucket(name);
    const buckets: string[] = [];
    for await (const page of paginateListBuckets({ client: s3 }, { MaxBuckets: 1000 })) buckets.push(...(page.Buckets ?? []).map((b) => b.Name ?? ''));
    expect(buckets).toEqual([BUCKET, ...names]);
    await expect(s3.send(new ListBucketsCommand({ MaxBuckets: 1001 }))).rejects.toMatchObject({ name: 'InvalidArgument' });
  });
});

describe('S3 snapshots and the client plugin', () => {
  it('survives a snapshot round trip with bytes, versions and settings', async () => {
    await createBucket();
    await s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }));
    await s3.send(new PutBucketPolicyCommand({ Bucket: BUCKET, Policy: tlsOnlyPolicy() }));
    const first = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'bin', Body: new Uint8Array([9, 8, 7]) }));
    await put('bin', 'later');

    const snapshot = JSON.parse(JSON.stringify(env.sandbox.snapshot())) as ReturnType<Sandbox['snapshot']>;
    env.restoreFrom(snapshot);

    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'bin', VersionId: first.VersionId }));
    expect(Array.from((await got.Body?.transformToByteArray()) ?? [])).toEqual([9, 8, 7]);
    expect((await s3.send(new GetBucketPolicyCommand({ Bucket: BUCKET }))).Policy).toBe(tlsOnlyPolicy());
    const third = await put('bin', 'after restore');
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET }));
    expect(new Set(versions.Versions?.map((v) => v.VersionId)).size).toBe(3);
    expect(versions.Versions?.[0]?.VersionId).toBe(third.VersionId);
  });

  it("works through shipline's clients whose requests end in the sandbox (the --sandbox adapter)", async () => {
    env.restoreMocks();
    const clients = new AwsClients({ ...sandboxClientOptions(env.sandbox) });
    const client = clients.s3;
    await client.send(new CreateBucketCommand({ Bucket: BUCKET, CreateBucketConfiguration: { LocationConstraint: REGION } }));
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'imagespec.json', Body: '[{"name":"web"}]' }));
    const got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'imagespec.json' }));
    expect(await got.Body?.transformToString()).toBe('[{"name":"web"}]');
    await expect(client.send(new HeadBucketCommand({ Bucket: 'no-such-bucket' }))).rejects.toMatchObject({ name: 'NotFound' });
    clients.destroy();
  });
});
