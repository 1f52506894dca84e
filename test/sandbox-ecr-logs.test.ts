// The simulated ECR and CloudWatch Logs, driven through the real SDK clients.
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  DeleteLogGroupCommand,
  DeleteRetentionPolicyCommand,
  DescribeLogGroupsCommand,
  ListTagsForResourceCommand as ListLogTagsCommand,
  ListTagsLogGroupCommand,
  PutRetentionPolicyCommand,
  TagResourceCommand as TagLogResourceCommand,
  UntagResourceCommand as UntagLogResourceCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  BatchDeleteImageCommand,
  CreateRepositoryCommand,
  DeleteLifecyclePolicyCommand,
  DeleteRepositoryCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetLifecyclePolicyCommand,
  ListImagesCommand,
  ListTagsForResourceCommand,
  PutImageScanningConfigurationCommand,
  PutLifecyclePolicyCommand,
  RepositoryNotFoundException,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-ecr';
import { ACCOUNT, REGION, useSandbox } from './helpers/sandbox-fixture';

const env = useSandbox();
let ecr: ECRClient;
let logs: CloudWatchLogsClient;

beforeEach(() => {
  ecr = new ECRClient({ region: REGION });
  logs = new CloudWatchLogsClient({ region: REGION });
});

const isDate = (value: unknown): boolean => Object.prototype.toString.call(value) === '[object Date]';

const lifecyclePolicy = JSON.stringify({
  rules: [{ rulePriority: 1, description: 'keep 10', selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 10 }, action: { type: 'expire' } }],
});

describe('ECR repositories', () => {
  it('creates a repository with AWS-shaped ARN and URI, and describes it', async () => {
    const created = await ecr.send(
      new CreateRepositoryCommand({
        repositoryName: 'demo/web',
        imageScanningConfiguration: { scanOnPush: true },
        imageTagMutability: 'MUTABLE',
        tags: [{ Key: 'shipline:stack', Value: 'demo' }],
      }),
    );
    expect(created.repository).toMatchObject({
      repositoryName: 'demo/web',
      repositoryArn: `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/demo/web`,
      repositoryUri: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/demo/web`,
      registryId: ACCOUNT,
      imageTagMutability: 'MUTABLE',
      imageScanningConfiguration: { scanOnPush: true },
    });
    expect(isDate(created.repository?.createdAt)).toBe(true);

    const described = await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['demo/web'] }));
    expect(described.repositories?.map((r) => r.repositoryName)).toEqual(['demo/web']);
  });

  it('refuses a duplicate, a bad name and an unknown repository with AWS error classes', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'demo' }));
    await expect(ecr.send(new CreateRepositoryCommand({ repositoryName: 'demo' }))).rejects.toMatchObject({
      name: 'RepositoryAlreadyExistsException',
    });
    await expect(ecr.send(new CreateRepositoryCommand({ repositoryName: 'Demo_Upper' }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
    });
    await expect(ecr.send(new CreateRepositoryCommand({ repositoryName: 'a//b' }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
    });
    const missing = ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['demo', 'nope'] }));
    await expect(missing).rejects.toBeInstanceOf(RepositoryNotFoundException);
  });

  it('updates the scanning configuration', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'demo' }));
    const put = await ecr.send(
      new PutImageScanningConfigurationCommand({ repositoryName: 'demo', imageScanningConfiguration: { scanOnPush: true } }),
    );
    expect(put).toMatchObject({ repositoryName: 'demo', registryId: ACCOUNT, imageScanningConfiguration: { scanOnPush: true } });
    const described = await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['demo'] }));
    expect(described.repositories?.[0]?.imageScanningConfiguration).toEqual({ scanOnPush: true });
  });

  it('stores, returns and deletes a lifecycle policy; refuses an invalid one', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'demo' }));
    await expect(ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'demo' }))).rejects.toMatchObject({
      name: 'LifecyclePolicyNotFoundException',
    });
    await expect(
      ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'demo', lifecyclePolicyText: '{"rules": []}' })),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
    await expect(
      ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'demo', lifecyclePolicyText: 'not json' })),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });

    await ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'demo', lifecyclePolicyText: lifecyclePolicy }));
    const got = await ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'demo' }));
    expect(got.lifecyclePolicyText).toBe(lifecyclePolicy);

    const deleted = await ecr.send(new DeleteLifecyclePolicyCommand({ repositoryName: 'demo' }));
    expect(deleted.lifecyclePolicyText).toBe(lifecyclePolicy);
    await expect(ecr.send(new DeleteLifecyclePolicyCommand({ repositoryName: 'demo' }))).rejects.toMatchObject({
      name: 'LifecyclePolicyNotFoundException',
    });
  });

  it('tags and untags by repository ARN', async () => {
    const { repository } = await ecr.send(
      new CreateRepositoryCommand({ repositoryName: 'demo', tags: [{ Key: 'a', Value: '1' }] }),
    );
    const arn = repository?.repositoryArn ?? '';
    await ecr.send(new TagResourceCommand({ resourceArn: arn, tags: [{ Key: 'b', Value: '2' }, { Key: 'a', Value: '3' }] }));
    await ecr.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['b'] }));
    const listed = await ecr.send(new ListTagsForResourceCommand({ resourceArn: arn }));
    expect(listed.tags).toEqual([{ Key: 'a', Value: '3' }]);

    await expect(ecr.send(new ListTagsForResourceCommand({ resourceArn: 'arn:aws:s3:::bucket' }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
    });
    await expect(
      ecr.send(new ListTagsForResourceCommand({ resourceArn: `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/nope` })),
    ).rejects.toMatchObject({ name: 'RepositoryNotFoundException' });
    expect(env.sandbox.inventory()).toContainEqual({ service: 'ecr', type: 'repository', id: 'demo', key: 'demo', tags: { a: '3' } });
  });
});

describe('ECR images', () => {
  beforeEach(async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'demo' }));
  });

  it('pushImage adds an image that DescribeImages and ListImages report', async () => {
    const pushed = env.sandbox.ecr.pushImage('demo', 'v1');
    expect(pushed.imageUri).toBe(`${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/demo:v1`);
    expect(pushed.imageDigest).toMatch(/^sha256:[0-9a-f]{64}$/);

    const described = await ecr.send(new DescribeImagesCommand({ repositoryName: 'demo', imageIds: [{ imageTag: 'v1' }] }));
    expect(described.imageDetails?.[0]).toMatchObject({ imageDigest: pushed.imageDigest, imageTags: ['v1'], repositoryName: 'demo' });
    expect(isDate(described.imageDetails?.[0]?.imagePushedAt)).toBe(true);

    await expect(
      ecr.send(new DescribeImagesCommand({ repositoryName: 'demo', imageIds: [{ imageTag: 'v9' }] })),
    ).rejects.toMatchObject({ name: 'ImageNotFoundException' });
  });

  it('moves a tag to the new image on a mutable repository, leaving the old one untagged', async () => {
    const first = env.sandbox.ecr.pushImage('demo', 'latest');
    const second = env.sandbox.ecr.pushImage('demo', 'latest');
    expect(second.imageDigest).not.toBe(first.imageDigest);

    const listed = await ecr.send(new ListImagesCommand({ repositoryName: 'demo' }));
    expect(listed.imageIds).toEqual([{ imageDigest: first.imageDigest }, { imageDigest: second.imageDigest, imageTag: 'latest' }]);
    const untagged = await ecr.send(new ListImagesCommand({ repositoryName: 'demo', filter: { tagStatus: 'UNTAGGED' } }));
    expect(untagged.imageIds).toEqual([{ imageDigest: first.imageDigest }]);
  });

  it('refuses to overwrite a tag on an immutable repository', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'frozen', imageTagMutability: 'IMMUTABLE' }));
    env.sandbox.ecr.pushImage('frozen', 'v1');
    expect(() => env.sandbox.ecr.pushImage('frozen', 'v1')).toThrow(expect.objectContaining({ name: 'ImageTagAlreadyExistsException' }));
  });

  it('BatchDeleteImage deletes by digest, untags by tag, and reports failures', async () => {
    const a = env.sandbox.ecr.pushImage('demo', 'a');
    env.sandbox.ecr.pushImage('demo', 'b');
    const result = await ecr.send(
      new BatchDeleteImageCommand({
        repositoryName: 'demo',
        imageIds: [{ imageDigest: a.imageDigest }, { imageTag: 'b' }, { imageTag: 'zzz' }, {}],
      }),
    );
    expect(result.imageIds).toHaveLength(2);
    expect(result.failures?.map((f) => f.failureCode)).toEqual(['ImageNotFound', 'MissingDigestAndTag']);
    const listed = await ecr.send(new ListImagesCommand({ repositoryName: 'demo' }));
    expect(listed.imageIds).toEqual([]);
  });

  it('refuses to delete a repository with images unless forced', async () => {
    env.sandbox.ecr.pushImage('demo', 'v1');
    await expect(ecr.send(new DeleteRepositoryCommand({ repositoryName: 'demo' }))).rejects.toMatchObject({
      name: 'RepositoryNotEmptyException',
    });
    const deleted = await ecr.send(new DeleteRepositoryCommand({ repositoryName: 'demo', force: true }));
    expect(deleted.repository?.repositoryName).toBe('demo');
    await expect(ecr.send(new DeleteRepositoryCommand({ repositoryName: 'demo' }))).rejects.toMatchObject({
      name: 'RepositoryNotFoundException',
    });
    expect(env.sandbox.inventory().filter((i) => i.service === 'ecr')).toEqual([]);
  });
});

describe('CloudWatch Logs', () => {
  const arnOf = (name: string): string => `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${name}`;

  it('creates, describes by prefix and identifiers, with both ARN forms', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/ecs/demo-prod', tags: { env: 'prod' } }));
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/ecs/demo-dev' }));
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/other' }));

    const byPrefix = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/ecs/demo-' }));
    expect(byPrefix.logGroups?.map((g) => g.logGroupName)).toEqual(['/ecs/demo-dev', '/ecs/demo-prod']);
    expect(byPrefix.logGroups?.[1]).toMatchObject({
      arn: `${arnOf('/ecs/demo-prod')}:*`,
      logGroupArn: arnOf('/ecs/demo-prod'),
      logGroupClass: 'STANDARD',
    });
    expect(byPrefix.logGroups?.[1]?.retentionInDays).toBeUndefined();

    const byIdentifier = await logs.send(
      new DescribeLogGroupsCommand({ logGroupIdentifiers: ['/other', arnOf('/ecs/demo-dev'), '/missing'] }),
    );
    expect(byIdentifier.logGroups?.map((g) => g.logGroupName)).toEqual(['/ecs/demo-dev', '/other']);

    await expect(
      logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/', logGroupIdentifiers: ['/other'] })),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
  });

  it('refuses a duplicate and a bad name', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/ecs/demo' }));
    await expect(logs.send(new CreateLogGroupCommand({ logGroupName: '/ecs/demo' }))).rejects.toMatchObject({
      name: 'ResourceAlreadyExistsException',
    });
    await expect(logs.send(new CreateLogGroupCommand({ logGroupName: 'bad name!' }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
    });
    // AWS reserves the `aws/` prefix (a leading slash, as in /aws/codebuild/…, is another name).
    await expect(logs.send(new CreateLogGroupCommand({ logGroupName: 'aws/demo' }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
    });
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/aws/codebuild/demo' }));
  });

  it('sets only valid retention values, and removes retention', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/ecs/demo' }));
    await expect(logs.send(new PutRetentionPolicyCommand({ logGroupName: '/ecs/demo', retentionInDays: 10 }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
    });
    await expect(logs.send(new PutRetentionPolicyCommand({ logGroupName: '/nope', retentionInDays: 7 }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    await logs.send(new PutRetentionPolicyCommand({ logGroupName: '/ecs/demo', retentionInDays: 14 }));
    let described = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/ecs/demo' }));
    expect(described.logGroups?.[0]?.retentionInDays).toBe(14);

    await logs.send(new DeleteRetentionPolicyCommand({ logGroupName: '/ecs/demo' }));
    described = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/ecs/demo' }));
    expect(described.logGroups?.[0]?.retentionInDays).toBeUndefined();
  });

  it('tags by ARN without :*, refusing the :* form as AWS does', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/ecs/demo', tags: { a: '1' } }));
    await logs.send(new TagLogResourceCommand({ resourceArn: arnOf('/ecs/demo'), tags: { b: '2' } }));
    await logs.send(new UntagLogResourceCommand({ resourceArn: arnOf('/ecs/demo'), tagKeys: ['a'] }));
    const listed = await logs.send(new ListLogTagsCommand({ resourceArn: arnOf('/ecs/demo') }));
    expect(listed.tags).toEqual({ b: '2' });
    const legacy = await logs.send(new ListTagsLogGroupCommand({ logGroupName: '/ecs/demo' }));
    expect(legacy.tags).toEqual({ b: '2' });

    await expect(logs.send(new ListLogTagsCommand({ resourceArn: `${arnOf('/ecs/demo')}:*` }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
    await expect(logs.send(new ListLogTagsCommand({ resourceArn: arnOf('/nope') }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });

  it('deletes a log group, then reports it missing', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/ecs/demo' }));
    expect(env.sandbox.inventory()).toContainEqual({ service: 'logs', type: 'log-group', id: '/ecs/demo', key: '/ecs/demo', tags: {} });
    await logs.send(new DeleteLogGroupCommand({ logGroupName: '/ecs/demo' }));
    await expect(logs.send(new DeleteLogGroupCommand({ logGroupName: '/ecs/demo' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    expect(env.sandbox.inventory().filter((i) => i.service === 'logs')).toEqual([]);
  });
});

describe('snapshot and restore', () => {
  it('carries repositories, images, policies and log groups across a restore', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'demo', tags: [{ Key: 'k', Value: 'v' }] }));
    await ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'demo', lifecyclePolicyText: lifecyclePolicy }));
    const pushed = env.sandbox.ecr.pushImage('demo', 'v1');
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/ecs/demo' }));
    await logs.send(new PutRetentionPolicyCommand({ logGroupName: '/ecs/demo', retentionInDays: 30 }));

    const original = env.sandbox;
    const snapshot = JSON.parse(JSON.stringify(original.snapshot()));
    const restored = env.restoreFrom(snapshot);

    expect(restored.inventory()).toEqual(original.inventory());
    const images = await ecr.send(new DescribeImagesCommand({ repositoryName: 'demo' }));
    expect(images.imageDetails?.map((i) => i.imageDigest)).toEqual([pushed.imageDigest]);
    const policy = await ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'demo' }));
    expect(policy.lifecyclePolicyText).toBe(lifecyclePolicy);
    const groups = await logs.send(new DescribeLogGroupsCommand({}));
    expect(groups.logGroups?.map((g) => [g.logGroupName, g.retentionInDays])).toEqual([['/ecs/demo', 30]]);
    // A restored sandbox never reuses a digest.
    expect(restored.ecr.pushImage('demo', 'v2').imageDigest).not.toBe(pushed.imageDigest);
  });
});
