// Pagination of the lists shipline reads from CloudWatch Logs, ECR and CodeConnections (IAM's are
// in sandbox-iam, CodeBuild's in sandbox-codebuild): the tests' pages of 5 end with a token, the SDK's own paginators reach every
// item, and a token is refused by another call or another filter, with each service's error.
import { CloudWatchLogsClient, CreateLogGroupCommand, DescribeLogGroupsCommand, paginateDescribeLogGroups } from '@aws-sdk/client-cloudwatch-logs';
import { CodeStarConnectionsClient, CreateConnectionCommand, ListConnectionsCommand, paginateListConnections } from '@aws-sdk/client-codestar-connections';
import {
  CreateRepositoryCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  ListImagesCommand,
  paginateDescribeImages,
  paginateDescribeRepositories,
  paginateListImages,
} from '@aws-sdk/client-ecr';
import { REGION, TEST_PAGE_SIZE, useSandbox } from './helpers/sandbox-fixture';

const env = useSandbox();
const SEVEN = Array.from({ length: 7 }, (_, i) => `demo-${i}`);

async function all<P, T>(pages: AsyncIterable<P>, items: (page: P) => T[] | undefined): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(...(items(page) ?? []));
  return out;
}

describe('CloudWatch Logs DescribeLogGroups', () => {
  it('pages by limit (1-50) and nextToken, a token bound to its prefix', async () => {
    const logs = new CloudWatchLogsClient({ region: REGION });
    for (const name of SEVEN) await logs.send(new CreateLogGroupCommand({ logGroupName: `/ecs/${name}` }));
    const first = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/ecs/' }));
    expect(first.logGroups).toHaveLength(TEST_PAGE_SIZE);
    expect(first.nextToken).toEqual(expect.any(String));
    expect(await all(paginateDescribeLogGroups({ client: logs }, { logGroupNamePrefix: '/ecs/' }), (p) => p.logGroups?.map((g) => g.logGroupName))).toEqual(
      SEVEN.map((n) => `/ecs/${n}`),
    );
    await expect(logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/other/', nextToken: first.nextToken }))).rejects.toMatchObject({ name: 'InvalidParameterException' });
    await expect(logs.send(new DescribeLogGroupsCommand({ limit: 51 }))).rejects.toMatchObject({ name: 'InvalidParameterException' });
  });

  it('answers 50 a page at AWS\'s sizes', async () => {
    env.restart({ pageSize: undefined });
    const logs = new CloudWatchLogsClient({ region: REGION });
    for (let i = 0; i < 51; i += 1) await logs.send(new CreateLogGroupCommand({ logGroupName: `g-${String(i).padStart(2, '0')}` }));
    const first = await logs.send(new DescribeLogGroupsCommand({}));
    expect(first.logGroups).toHaveLength(50);
    expect((await logs.send(new DescribeLogGroupsCommand({ nextToken: first.nextToken }))).logGroups?.map((g) => g.logGroupName)).toEqual(['g-50']);
  });
});

describe('ECR', () => {
  it('pages DescribeRepositories, DescribeImages and ListImages; names or image IDs take no page size', async () => {
    const ecr = new ECRClient({ region: REGION });
    for (const name of SEVEN) await ecr.send(new CreateRepositoryCommand({ repositoryName: name }));
    const first = await ecr.send(new DescribeRepositoriesCommand({}));
    expect(first.repositories).toHaveLength(TEST_PAGE_SIZE);
    expect(await all(paginateDescribeRepositories({ client: ecr }, {}), (p) => p.repositories?.map((r) => r.repositoryName))).toEqual(SEVEN);
    await expect(ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['demo-0'], maxResults: 10 }))).rejects.toMatchObject({ name: 'InvalidParameterException' });

    for (let i = 0; i < 7; i += 1) env.sandbox.ecr.pushImage('demo-0', `v${i}`);
    const images = await ecr.send(new DescribeImagesCommand({ repositoryName: 'demo-0' }));
    expect(images.imageDetails).toHaveLength(TEST_PAGE_SIZE);
    expect(await all(paginateDescribeImages({ client: ecr }, { repositoryName: 'demo-0' }), (p) => p.imageDetails)).toHaveLength(7);
    expect(await all(paginateListImages({ client: ecr }, { repositoryName: 'demo-0' }), (p) => p.imageIds)).toHaveLength(7);
    await expect(ecr.send(new ListImagesCommand({ repositoryName: 'demo-1', nextToken: images.nextToken }))).rejects.toMatchObject({ name: 'InvalidParameterException' });
    await expect(ecr.send(new DescribeImagesCommand({ repositoryName: 'demo-0', imageIds: [{ imageTag: 'v0' }], maxResults: 5 }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
    });
  });
});

describe('CodeConnections ListConnections', () => {
  it('pages by MaxResults (at most 100) and NextToken, a token bound to its filter', async () => {
    const connections = new CodeStarConnectionsClient({ region: REGION });
    for (const name of SEVEN) await connections.send(new CreateConnectionCommand({ ConnectionName: name, ProviderType: 'GitHub' }));
    const first = await connections.send(new ListConnectionsCommand({ ProviderTypeFilter: 'GitHub' }));
    expect(first.Connections).toHaveLength(TEST_PAGE_SIZE);
    expect(await all(paginateListConnections({ client: connections }, { ProviderTypeFilter: 'GitHub' }), (p) => p.Connections?.map((c) => c.ConnectionName))).toEqual(SEVEN);
    await expect(connections.send(new ListConnectionsCommand({ NextToken: first.NextToken }))).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(connections.send(new ListConnectionsCommand({ MaxResults: 101 }))).rejects.toMatchObject({ name: 'ValidationException' });
  });
});
