// Unit tests of the artifacts step against a stubbed S3 client: the bucket's exact settings, each
// one repaired when it drifts, adoption only of what is the stack's, and a destroy that empties
// every object version and delete marker before deleting the bucket.
import {
  BucketAlreadyExists,
  BucketAlreadyOwnedByYou,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  ListObjectVersionsCommand,
  NoSuchBucket,
  NotFound,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
  S3Client,
  type GetBucketEncryptionCommandOutput,
  type GetBucketLifecycleConfigurationCommandOutput,
  type GetBucketVersioningCommandOutput,
  type GetPublicAccessBlockCommandOutput,
  type LifecycleRule,
  type ListObjectVersionsCommandOutput,
  type Tag,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { isMutating } from '../src/aws/operations';
import { AwsCallError, ForeignResourceError } from '../src/errors';
import { KNOWN_AFTER_APPLY } from '../src/step';
import { artifactBucketName, artifacts } from '../steps/artifacts';
import { testContext, type TestContext } from './helpers/context';

const s3 = mockClient(S3Client);

const ACCOUNT = '123456789012';
const NAME = 'demo-artifacts-123456789012-eu-west-3';
const ARN = `arn:aws:s3:::${NAME}`;
const OWNER = { Bucket: NAME, ExpectedBucketOwner: ACCOUNT };
const TAGS: Tag[] = [
  { Key: 'shipline:stack', Value: 'demo' },
  { Key: 'shipline:step', Value: 'artifacts' },
  { Key: 'Name', Value: NAME },
];
const STATE = { 'artifacts.bucket': { id: NAME, arn: ARN } };

/** The policy written out by hand: every request over plain HTTP is denied. */
const TLS_ONLY = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: [ARN, `${ARN}/*`],
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    },
  ],
};
const RULE = (days: number): LifecycleRule => ({
  ID: 'expire-artifacts',
  Status: 'Enabled',
  Filter: { Prefix: '' },
  Expiration: { Days: days },
  NoncurrentVersionExpiration: { NoncurrentDays: days },
  AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
});
const ALL_BLOCKED = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };
const SSE_S3 = { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' as const }, BucketKeyEnabled: true };

const awsError = (name: string) => Object.assign(new Error(name), { name, $metadata: {} });
const notFound = () => new NotFound({ message: 'Not Found', $metadata: {} });
const noSuchBucket = () => new NoSuchBucket({ message: 'The specified bucket does not exist', $metadata: {} });

function putsResolve(): void {
  s3.on(PutBucketTaggingCommand).resolves({});
  s3.on(PutBucketVersioningCommand).resolves({});
  s3.on(PutPublicAccessBlockCommand).resolves({});
  s3.on(PutBucketEncryptionCommand).resolves({});
  s3.on(PutBucketPolicyCommand).resolves({});
  s3.on(PutBucketLifecycleConfigurationCommand).resolves({});
}

function awsHasNothing(): void {
  s3.on(HeadBucketCommand).rejects(notFound());
  s3.on(CreateBucketCommand).resolves({ Location: `http://${NAME}.s3.amazonaws.com/` });
  putsResolve();
}

interface BucketOnAws {
  tags?: Tag[] | null;
  versioning?: GetBucketVersioningCommandOutput['Status'] | null;
  publicAccessBlock?: GetPublicAccessBlockCommandOutput['PublicAccessBlockConfiguration'] | null;
  encryption?: NonNullable<GetBucketEncryptionCommandOutput['ServerSideEncryptionConfiguration']>['Rules'] | null;
  policy?: string | null;
  lifecycle?: GetBucketLifecycleConfigurationCommandOutput['Rules'] | null;
  objects?: number;
}

/** The bucket as AWS reports it: by default as configured, the policy and rule in AWS's own spelling. */
function awsHasBucket(bucket: BucketOnAws = {}): void {
  s3.on(HeadBucketCommand, OWNER).resolves({ BucketRegion: 'eu-west-3' });
  s3.on(GetBucketVersioningCommand, OWNER).resolves(bucket.versioning === null ? {} : { Status: bucket.versioning ?? 'Enabled' });
  if (bucket.publicAccessBlock === null) s3.on(GetPublicAccessBlockCommand).rejects(awsError('NoSuchPublicAccessBlockConfiguration'));
  else s3.on(GetPublicAccessBlockCommand, OWNER).resolves({ PublicAccessBlockConfiguration: bucket.publicAccessBlock ?? ALL_BLOCKED });
  if (bucket.encryption === null) s3.on(GetBucketEncryptionCommand).rejects(awsError('ServerSideEncryptionConfigurationNotFoundError'));
  else s3.on(GetBucketEncryptionCommand, OWNER).resolves({ ServerSideEncryptionConfiguration: { Rules: bucket.encryption ?? [SSE_S3] } });
  // S3 hands the policy back compacted, the one statement unwrapped and keys reordered.
  const { Statement } = TLS_ONLY;
  const reformatted = JSON.stringify({ Statement: { ...Statement[0], Effect: 'Deny' }, Version: '2012-10-17' });
  if (bucket.policy === null) s3.on(GetBucketPolicyCommand).rejects(awsError('NoSuchBucketPolicy'));
  else s3.on(GetBucketPolicyCommand, OWNER).resolves({ Policy: bucket.policy ?? reformatted });
  // ... and an empty filter as an empty element, with no ID of ours.
  const asAwsSaysIt = { ...RULE(30), ID: 'bW9kaWZpZWQ', Filter: {} };
  if (bucket.lifecycle === null) s3.on(GetBucketLifecycleConfigurationCommand).rejects(awsError('NoSuchLifecycleConfiguration'));
  else s3.on(GetBucketLifecycleConfigurationCommand, OWNER).resolves({ Rules: bucket.lifecycle ?? [asAwsSaysIt] });
  if (bucket.tags === null) s3.on(GetBucketTaggingCommand).rejects(awsError('NoSuchTagSet'));
  else s3.on(GetBucketTaggingCommand, OWNER).resolves({ TagSet: bucket.tags ?? TAGS });
  const objects = bucket.objects ?? 0;
  s3.on(ListObjectVersionsCommand).resolves(objects > 0 ? { Versions: [{ Key: 'source/a.zip', VersionId: 'v1' }], IsTruncated: false } : { IsTruncated: false });
}

const mutatingCommands = () => s3.calls().map((c) => (c.args[0] as object).constructor.name).filter(isMutating);
const outcomeOf = (ctx: TestContext) => ctx.outcomes.find((o) => o.resource === 'artifacts.bucket');

beforeEach(() => {
  s3.reset();
  s3.onAnyCommand().rejects(new Error('unexpected call'));
});

afterAll(() => s3.restore());

describe('artifacts step: create from nothing', () => {
  let ctx: TestContext;

  beforeEach(async () => {
    awsHasNothing();
    ctx = testContext('artifacts');
    await artifacts.reconcile(ctx);
  });

  it('names the bucket after the stack, the account and the region', () => {
    expect(artifactBucketName('demo', ACCOUNT, 'eu-west-3')).toBe(NAME);
    expect(s3).toHaveReceivedCommandWith(HeadBucketCommand, OWNER);
    expect(s3).toHaveReceivedCommandTimes(CreateBucketCommand, 1);
    expect(s3.commandCalls(CreateBucketCommand)[0]!.args[0].input).toEqual({ Bucket: NAME, CreateBucketConfiguration: { LocationConstraint: 'eu-west-3' } });
  });

  it('tags it first, then applies every setting, one call each', () => {
    expect(mutatingCommands()).toEqual([
      'CreateBucketCommand',
      'PutBucketTaggingCommand',
      'PutBucketVersioningCommand',
      'PutPublicAccessBlockCommand',
      'PutBucketEncryptionCommand',
      'PutBucketPolicyCommand',
      'PutBucketLifecycleConfigurationCommand',
    ]);
    expect(s3).toHaveReceivedCommandWith(PutBucketTaggingCommand, { ...OWNER, Tagging: { TagSet: TAGS } });
    expect(s3).toHaveReceivedCommandWith(PutBucketVersioningCommand, { ...OWNER, VersioningConfiguration: { Status: 'Enabled' } });
  });

  it('blocks every kind of public access', () => {
    expect(s3.commandCalls(PutPublicAccessBlockCommand)[0]!.args[0].input).toEqual({ ...OWNER, PublicAccessBlockConfiguration: ALL_BLOCKED });
  });

  it('encrypts with SSE-S3 and a bucket key', () => {
    expect(s3.commandCalls(PutBucketEncryptionCommand)[0]!.args[0].input).toEqual({
      ...OWNER,
      ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: true }] },
    });
  });

  it('denies every request not made over TLS, on the bucket and its objects', () => {
    const input = s3.commandCalls(PutBucketPolicyCommand)[0]!.args[0].input;
    expect(input).toMatchObject(OWNER);
    expect(JSON.parse(input.Policy!)).toEqual(TLS_ONLY);
  });

  it('expires artifacts and their old versions after artifacts.expireDays, and stale uploads after 7 days', () => {
    expect(s3.commandCalls(PutBucketLifecycleConfigurationCommand)[0]!.args[0].input).toEqual({ ...OWNER, LifecycleConfiguration: { Rules: [RULE(30)] } });
  });

  it('records the bucket with its ARN, reports it created and outputs its name', () => {
    expect(Object.fromEntries(ctx.records)).toEqual(STATE);
    expect(outcomeOf(ctx)).toMatchObject({ outcome: 'created', id: NAME });
    expect(artifacts.outputs!(ctx.state, ctx.config)).toEqual([{ key: 'artifactBucket', label: 'artifact bucket', value: NAME }]);
  });
});

describe('artifacts step: create', () => {
  it('sends no location constraint in us-east-1', async () => {
    awsHasNothing();
    await artifacts.reconcile(testContext('artifacts', { config: { region: 'us-east-1' } }));
    expect(s3.commandCalls(CreateBucketCommand)[0]!.args[0].input).toEqual({ Bucket: 'demo-artifacts-123456789012-us-east-1' });
  });

  it('waits for a new bucket S3 does not show yet to every call', async () => {
    awsHasNothing();
    s3.on(PutBucketTaggingCommand).rejectsOnce(noSuchBucket()).resolves({});
    await artifacts.reconcile(testContext('artifacts'));
    expect(s3).toHaveReceivedCommandTimes(PutBucketTaggingCommand, 2);
    expect(s3).toHaveReceivedCommandTimes(PutBucketLifecycleConfigurationCommand, 1);
  });

  it('takes BucketAlreadyOwnedByYou (an earlier attempt got through) as found, and checks its tags', async () => {
    awsHasBucket({ versioning: null });
    s3.on(HeadBucketCommand).rejects(notFound()); // not visible yet when looked up
    s3.on(CreateBucketCommand).rejects(new BucketAlreadyOwnedByYou({ message: 'you already own it', $metadata: {} }));
    putsResolve();
    const ctx = testContext('artifacts');
    await artifacts.reconcile(ctx);
    expect(mutatingCommands()).toEqual(['CreateBucketCommand', 'PutBucketVersioningCommand']);
    expect(Object.fromEntries(ctx.records)).toEqual(STATE);
  });

  it('refuses a name another account took (BucketAlreadyExists)', async () => {
    s3.on(HeadBucketCommand).rejects(notFound());
    s3.on(CreateBucketCommand).rejects(new BucketAlreadyExists({ message: 'not available', $metadata: {} }));
    const ctx = testContext('artifacts');
    const error = await artifacts.reconcile(ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ForeignResourceError);
    expect((error as Error).message).toContain(`S3 bucket ${NAME}`);
    expect(mutatingCommands()).toEqual(['CreateBucketCommand']);
    expect(ctx.records.size).toBe(0);
  });
});

describe('artifacts step: re-run', () => {
  it('makes no mutating call when AWS matches, however S3 spells the policy and the rule', async () => {
    awsHasBucket();
    const ctx = testContext('artifacts', { state: STATE });
    await artifacts.reconcile(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(outcomeOf(ctx)).toMatchObject({ outcome: 'unchanged', id: NAME });
    // One Get per setting, and no lookup by name.
    expect(s3.calls()).toHaveLength(6);
    expect(s3).not.toHaveReceivedCommand(HeadBucketCommand);
    expect(s3).not.toHaveReceivedCommand(ListObjectVersionsCommand);
  });

  const SSE_KMS = { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' as const, KMSMasterKeyID: 'alias/x' }, BucketKeyEnabled: true };
  it.each<[string, BucketOnAws, string]>([
    ['versioning suspended', { versioning: 'Suspended' }, 'PutBucketVersioningCommand'],
    ['versioning never enabled', { versioning: null }, 'PutBucketVersioningCommand'],
    ['a public access setting off', { publicAccessBlock: { ...ALL_BLOCKED, RestrictPublicBuckets: false } }, 'PutPublicAccessBlockCommand'],
    ['the public access block deleted', { publicAccessBlock: null }, 'PutPublicAccessBlockCommand'],
    ['no bucket key', { encryption: [{ ...SSE_S3, BucketKeyEnabled: false }] }, 'PutBucketEncryptionCommand'],
    ['SSE-KMS instead of SSE-S3', { encryption: [SSE_KMS] }, 'PutBucketEncryptionCommand'],
    ['the policy deleted', { policy: null }, 'PutBucketPolicyCommand'],
    ['the policy replaced', { policy: JSON.stringify({ ...TLS_ONLY, Statement: [{ ...TLS_ONLY.Statement[0], Resource: ARN }] }) }, 'PutBucketPolicyCommand'],
    ['the lifecycle rule deleted', { lifecycle: null }, 'PutBucketLifecycleConfigurationCommand'],
    ['the lifecycle rule disabled', { lifecycle: [{ ...RULE(30), Status: 'Disabled' }] }, 'PutBucketLifecycleConfigurationCommand'],
    ['a second lifecycle rule', { lifecycle: [RULE(30), { ...RULE(1), ID: 'other', Filter: { Prefix: 'tmp/' } }] }, 'PutBucketLifecycleConfigurationCommand'],
    ['the stack tag removed', { tags: [{ Key: 'team', Value: 'web' }] }, 'PutBucketTaggingCommand'],
  ])('repairs %s in place, and only that', async (_, bucket, repair) => {
    awsHasBucket(bucket);
    putsResolve();
    const ctx = testContext('artifacts', { state: STATE });
    await artifacts.reconcile(ctx);
    expect(mutatingCommands()).toEqual([repair]);
    expect(outcomeOf(ctx)).toMatchObject({ outcome: 'updated', changes: [expect.any(String)] });
  });

  it('puts the whole configured setting back', async () => {
    awsHasBucket({ publicAccessBlock: null, encryption: [{ ...SSE_S3, BucketKeyEnabled: false }], policy: null });
    putsResolve();
    const ctx = testContext('artifacts', { state: STATE });
    await artifacts.reconcile(ctx);
    expect(outcomeOf(ctx)?.changes).toEqual(['publicAccessBlock', 'encryption', 'policy']);
    expect(s3).toHaveReceivedCommandWith(PutPublicAccessBlockCommand, { ...OWNER, PublicAccessBlockConfiguration: ALL_BLOCKED });
    expect(s3).toHaveReceivedCommandWith(PutBucketEncryptionCommand, { ...OWNER, ServerSideEncryptionConfiguration: { Rules: [SSE_S3] } });
    expect(JSON.parse(s3.commandCalls(PutBucketPolicyCommand)[0]!.args[0].input.Policy!)).toEqual(TLS_ONLY);
  });

  it('keeps the tags others put on the bucket when it puts its own back', async () => {
    awsHasBucket({ tags: [{ Key: 'team', Value: 'web' }, { Key: 'Name', Value: 'renamed' }] });
    putsResolve();
    await artifacts.reconcile(testContext('artifacts', { state: STATE }));
    expect(s3).toHaveReceivedCommandWith(PutBucketTaggingCommand, { ...OWNER, Tagging: { TagSet: [{ Key: 'team', Value: 'web' }, ...TAGS] } });
  });

  it('rewrites the lifecycle rule when artifacts.expireDays changes', async () => {
    awsHasBucket();
    putsResolve();
    const ctx = testContext('artifacts', { state: STATE, config: { artifacts: { expireDays: 7 } } });
    await artifacts.reconcile(ctx);
    expect(mutatingCommands()).toEqual(['PutBucketLifecycleConfigurationCommand']);
    expect(s3).toHaveReceivedCommandWith(PutBucketLifecycleConfigurationCommand, { ...OWNER, LifecycleConfiguration: { Rules: [RULE(7)] } });
    expect(outcomeOf(ctx)).toMatchObject({ outcome: 'updated', changes: ['lifecycle'] });
  });

  it('creates a new bucket when the recorded one is gone', async () => {
    awsHasNothing();
    // Every read answers NoSuchBucket.
    s3.on(GetBucketVersioningCommand).rejects(noSuchBucket());
    s3.on(GetPublicAccessBlockCommand).rejects(noSuchBucket());
    s3.on(GetBucketEncryptionCommand).rejects(noSuchBucket());
    s3.on(GetBucketPolicyCommand).rejects(noSuchBucket());
    s3.on(GetBucketLifecycleConfigurationCommand).rejects(noSuchBucket());
    s3.on(GetBucketTaggingCommand).rejects(noSuchBucket());
    const ctx = testContext('artifacts', { state: STATE });
    await artifacts.reconcile(ctx);
    expect(s3).toHaveReceivedCommandTimes(CreateBucketCommand, 1);
    expect(outcomeOf(ctx)).toMatchObject({ outcome: 'created' });
  });
});

describe('artifacts step: adoption', () => {
  it('adopts the same-named bucket of this account that carries the stack tag', async () => {
    awsHasBucket();
    const ctx = testContext('artifacts');
    await artifacts.reconcile(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(s3).toHaveReceivedCommandWith(HeadBucketCommand, OWNER);
    expect(outcomeOf(ctx)).toMatchObject({ outcome: 'adopted', id: NAME });
    expect(Object.fromEntries(ctx.records)).toEqual(STATE);
  });

  it('takes an empty, untagged bucket (a create interrupted before its tags) and tags it', async () => {
    awsHasBucket({ tags: null, versioning: null });
    putsResolve();
    const ctx = testContext('artifacts');
    await artifacts.reconcile(ctx);
    expect(s3).toHaveReceivedCommandWith(ListObjectVersionsCommand, { ...OWNER, MaxKeys: 1 });
    expect(mutatingCommands()).toEqual(['PutBucketTaggingCommand', 'PutBucketVersioningCommand']);
    expect(s3).toHaveReceivedCommandWith(PutBucketTaggingCommand, { ...OWNER, Tagging: { TagSet: TAGS } });
    expect(outcomeOf(ctx)).toMatchObject({ outcome: 'adopted' });
  });

  it.each<[string, BucketOnAws]>([
    ['untagged with objects in it', { tags: null, objects: 1 }],
    ['tagged for another stack', { tags: [{ Key: 'shipline:stack', Value: 'other' }] }],
    ['with tags of its own only', { tags: [{ Key: 'team', Value: 'web' }] }],
  ])('refuses a same-named bucket %s, and changes nothing', async (_, bucket) => {
    awsHasBucket(bucket);
    const ctx = testContext('artifacts');
    const error = await artifacts.reconcile(ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ForeignResourceError);
    expect((error as Error).message).toContain(`S3 bucket ${NAME}`);
    expect(mutatingCommands()).toEqual([]);
    expect(ctx.records.size).toBe(0);
  });

  it("refuses a bucket of that name in another account (HeadBucket answers 403)", async () => {
    s3.on(HeadBucketCommand).rejects(awsError('Forbidden'));
    const ctx = testContext('artifacts');
    const error = await artifacts.reconcile(ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ForeignResourceError);
    expect((error as Error).message).toContain('another AWS account');
    expect(mutatingCommands()).toEqual([]);
  });
});

describe('artifacts step: dry run', () => {
  it('on an empty account makes no mutating call and plans the bucket', async () => {
    awsHasNothing();
    const ctx = testContext('artifacts', { dryRun: true });
    await artifacts.reconcile(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(outcomeOf(ctx)).toMatchObject({ outcome: 'created', id: KNOWN_AFTER_APPLY });
    expect(ctx.records.size).toBe(0);
  });

  it('with drift reports the repairs without making them', async () => {
    awsHasBucket({ versioning: 'Suspended', policy: null });
    const ctx = testContext('artifacts', { state: STATE, dryRun: true });
    await artifacts.reconcile(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(outcomeOf(ctx)).toMatchObject({ outcome: 'updated', changes: ['versioning', 'policy'] });
  });

  it('destroy makes no call that changes anything', async () => {
    s3.on(GetBucketTaggingCommand, OWNER).resolves({ TagSet: TAGS });
    const ctx = testContext('artifacts', { state: STATE, dryRun: true });
    await artifacts.destroy(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(outcomeOf(ctx)).toMatchObject({ outcome: 'deleted', id: NAME });
    expect(Object.fromEntries(ctx.records)).toEqual(STATE);
  });
});

describe('artifacts step: destroy', () => {
  // The recorded bucket's tags are read before anything in it goes.
  beforeEach(() => {
    s3.on(GetBucketTaggingCommand, OWNER).resolves({ TagSet: TAGS });
  });

  /** Two listing pages: 700 versions and 500 delete markers, then 5 more versions. */
  function bucketWithVersions(): void {
    const versions = (n: number, from: number) => Array.from({ length: n }, (_, i) => ({ Key: `k${from + i}`, VersionId: `v${from + i}` }));
    const pages: Record<string, ListObjectVersionsCommandOutput> = {
      first: { Versions: versions(700, 0), DeleteMarkers: versions(500, 700), IsTruncated: true, NextKeyMarker: 'k1199', NextVersionIdMarker: 'v1199', $metadata: {} },
      second: { Versions: versions(5, 1200), IsTruncated: false, $metadata: {} },
    };
    // What was listed and deleted is gone: the next listing from the top answers the rest.
    s3.on(ListObjectVersionsCommand).resolvesOnce(pages.first!).resolves(pages.second!);
    s3.on(DeleteObjectsCommand).resolves({});
    s3.on(DeleteBucketCommand).resolves({});
  }

  it('deletes every object version and delete marker in batches of at most 1000, then the bucket', async () => {
    bucketWithVersions();
    const ctx = testContext('artifacts', { state: STATE });
    await artifacts.destroy(ctx);

    expect(mutatingCommands()).toEqual(['DeleteObjectsCommand', 'DeleteObjectsCommand', 'DeleteObjectsCommand', 'DeleteBucketCommand']);
    const batches = s3.commandCalls(DeleteObjectsCommand).map((c) => c.args[0].input.Delete!.Objects!);
    expect(batches.map((b) => b.length)).toEqual([1000, 200, 5]);
    expect(batches[0]![0]).toEqual({ Key: 'k0', VersionId: 'v0' });
    expect(batches[1]![199]).toEqual({ Key: 'k1199', VersionId: 'v1199' });
    expect(new Set(batches.flat().map((o) => o.VersionId)).size).toBe(1205);
    expect(s3).toHaveReceivedCommandWith(DeleteObjectsCommand, { ...OWNER, Delete: expect.objectContaining({ Quiet: true }) });
    // Each listing starts from the top: no marker names a version this loop already deleted.
    expect(s3.commandCalls(ListObjectVersionsCommand).map((c) => c.args[0].input)).toEqual([OWNER, OWNER]);
    expect(s3).toHaveReceivedCommandWith(DeleteBucketCommand, OWNER);
    expect(ctx.records.size).toBe(0);
    expect(outcomeOf(ctx)).toMatchObject({ outcome: 'deleted', id: NAME });
  });

  it('deletes an empty bucket with no DeleteObjects', async () => {
    s3.on(ListObjectVersionsCommand).resolves({ IsTruncated: false });
    s3.on(DeleteBucketCommand).resolves({});
    await artifacts.destroy(testContext('artifacts', { state: STATE }));
    expect(mutatingCommands()).toEqual(['DeleteBucketCommand']);
  });

  it('empties it again when a writer refilled it (BucketNotEmpty)', async () => {
    s3.on(ListObjectVersionsCommand).resolves({ Versions: [{ Key: 'a', VersionId: '1' }], IsTruncated: false });
    s3.on(DeleteObjectsCommand).resolves({});
    s3.on(DeleteBucketCommand).rejectsOnce(awsError('BucketNotEmpty')).resolves({});
    const ctx = testContext('artifacts', { state: STATE });
    await artifacts.destroy(ctx);
    expect(s3).toHaveReceivedCommandTimes(ListObjectVersionsCommand, 2);
    expect(s3).toHaveReceivedCommandTimes(DeleteBucketCommand, 2);
    expect(ctx.records.size).toBe(0);
  });

  it('stops with the S3 error when objects cannot be deleted, and keeps the record', async () => {
    s3.on(ListObjectVersionsCommand).resolves({ Versions: [{ Key: 'a', VersionId: '1' }], IsTruncated: false });
    s3.on(DeleteObjectsCommand).resolves({ Errors: [{ Key: 'a', VersionId: '1', Code: 'AccessDenied', Message: 'Access Denied' }] });
    const ctx = testContext('artifacts', { state: STATE });
    const error = await artifacts.destroy(ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsCallError);
    expect((error as AwsCallError).awsCode).toBe('AccessDenied');
    expect(s3).not.toHaveReceivedCommand(DeleteBucketCommand);
    expect(Object.fromEntries(ctx.records)).toEqual(STATE);
  });

  it('takes a bucket already gone as done', async () => {
    s3.on(GetBucketTaggingCommand).rejects(noSuchBucket());
    const ctx = testContext('artifacts', { state: STATE });
    await artifacts.destroy(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(ctx.records.size).toBe(0);
  });

  it('refuses a recorded bucket tagged for another stack: not one object goes, the record stays', async () => {
    s3.on(GetBucketTaggingCommand, OWNER).resolves({ TagSet: [{ Key: 'shipline:stack', Value: 'bravo' }] });
    s3.on(HeadBucketCommand).resolves({});
    const ctx = testContext('artifacts', { state: STATE });
    await artifacts.destroy(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(s3).not.toHaveReceivedCommand(ListObjectVersionsCommand);
    expect(Object.fromEntries(ctx.records)).toEqual(STATE);
    expect(outcomeOf(ctx)).toMatchObject({ outcome: 'refused' });
  });

  it('with a lost state deletes the same-named bucket only if it carries the stack tag', async () => {
    awsHasBucket();
    s3.on(DeleteBucketCommand).resolves({});
    await artifacts.destroy(testContext('artifacts'));
    expect(s3).toHaveReceivedCommandWith(HeadBucketCommand, OWNER);
    expect(s3).toHaveReceivedCommandWith(DeleteBucketCommand, OWNER);

    s3.reset();
    s3.onAnyCommand().rejects(new Error('unexpected call'));
    awsHasBucket({ tags: null, objects: 1 });
    await artifacts.destroy(testContext('artifacts'));
    expect(mutatingCommands()).toEqual([]);
    expect(s3).not.toHaveReceivedCommand(ListObjectVersionsCommand);
  });

  it('with a lost state and no bucket does nothing', async () => {
    s3.on(HeadBucketCommand).rejects(notFound());
    const ctx = testContext('artifacts');
    await artifacts.destroy(ctx);
    expect(mutatingCommands()).toEqual([]);
    expect(ctx.outcomes).toEqual([]);
  });
});
