// The simulated CodeConnections (CodeStar Connections), driven through the real SDK client.
import {
  CodeStarConnectionsClient,
  CreateConnectionCommand,
  DeleteConnectionCommand,
  GetConnectionCommand,
  ListConnectionsCommand,
  ListTagsForResourceCommand,
  ResourceNotFoundException,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-codestar-connections';
import { Sandbox } from '../src/sandbox/sandbox';
import { ACCOUNT, REGION, useSandbox } from './helpers/sandbox-fixture';

const ARN = new RegExp(`^arn:aws:codestar-connections:${REGION}:${ACCOUNT}:connection/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$`);

const env = useSandbox();
let connections: CodeStarConnectionsClient;

beforeEach(() => {
  connections = new CodeStarConnectionsClient({ region: REGION });
});

async function create(name = 'demo-github', tags = [{ Key: 'shipline:stack', Value: 'demo' }]): Promise<string> {
  const out = await connections.send(new CreateConnectionCommand({ ProviderType: 'GitHub', ConnectionName: name, Tags: tags }));
  return out.ConnectionArn ?? '';
}

describe('CodeConnections connections', () => {
  it('creates a GitHub connection that stays PENDING until a person approves it', async () => {
    const out = await connections.send(
      new CreateConnectionCommand({ ProviderType: 'GitHub', ConnectionName: 'demo-github', Tags: [{ Key: 'shipline:stack', Value: 'demo' }] }),
    );
    expect(out.ConnectionArn).toMatch(ARN);
    expect(out.Tags).toEqual([{ Key: 'shipline:stack', Value: 'demo' }]);
    const arn = out.ConnectionArn ?? '';

    const got = await connections.send(new GetConnectionCommand({ ConnectionArn: arn }));
    expect(got.Connection).toEqual({
      ConnectionName: 'demo-github',
      ConnectionArn: arn,
      ProviderType: 'GitHub',
      OwnerAccountId: ACCOUNT,
      ConnectionStatus: 'PENDING',
    });
    // Time alone never approves it.
    expect((await connections.send(new GetConnectionCommand({ ConnectionArn: arn }))).Connection?.ConnectionStatus).toBe('PENDING');

    env.sandbox.connections.approveConnection(arn);
    expect(env.sandbox.connections.connectionStatus(arn)).toBe('AVAILABLE');
    expect((await connections.send(new GetConnectionCommand({ ConnectionArn: arn }))).Connection?.ConnectionStatus).toBe('AVAILABLE');
    expect(env.sandbox.connections.connectionStatus(`${arn}-gone`)).toBeUndefined();
  });

  it('refuses a name longer than 32 characters, an unknown provider type, and hosts it does not model', async () => {
    await expect(
      connections.send(new CreateConnectionCommand({ ProviderType: 'GitHub', ConnectionName: 'x'.repeat(33) })),
    ).rejects.toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
    await expect(connections.send(new CreateConnectionCommand({ ProviderType: 'GitHub', ConnectionName: '' }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
    await expect(
      connections.send(new CreateConnectionCommand({ ProviderType: 'CodeCommit' as never, ConnectionName: 'demo' })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(
      connections.send(new CreateConnectionCommand({ ProviderType: 'GitHubEnterpriseServer', ConnectionName: 'demo' })),
    ).rejects.toMatchObject({ name: 'SandboxNotModelled' });
    expect(env.sandbox.inventory()).toEqual([]);
  });

  it('allows two connections with one name (AWS does not keep names unique)', async () => {
    const first = await create('same-name');
    const second = await create('same-name');
    expect(second).not.toBe(first);
    expect(env.sandbox.inventory().map((i) => i.key)).toEqual(['same-name', 'same-name']);
  });

  it('lists every connection, or those of one provider type', async () => {
    const github = await create('gh');
    const bitbucket = (await connections.send(new CreateConnectionCommand({ ProviderType: 'Bitbucket', ConnectionName: 'bb' }))).ConnectionArn;
    const all = await connections.send(new ListConnectionsCommand({}));
    expect(all.Connections?.map((c) => c.ConnectionArn)).toEqual([github, bitbucket]);
    const onlyGitHub = await connections.send(new ListConnectionsCommand({ ProviderTypeFilter: 'GitHub' }));
    expect(onlyGitHub.Connections?.map((c) => [c.ConnectionName, c.ConnectionStatus])).toEqual([['gh', 'PENDING']]);
  });

  it('deletes a connection; unknown ones are ResourceNotFoundException, malformed ARNs ValidationException', async () => {
    const arn = await create();
    await connections.send(new DeleteConnectionCommand({ ConnectionArn: arn }));
    await expect(connections.send(new GetConnectionCommand({ ConnectionArn: arn }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(connections.send(new DeleteConnectionCommand({ ConnectionArn: arn }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    await expect(connections.send(new GetConnectionCommand({ ConnectionArn: 'not-an-arn' }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
    expect(env.sandbox.inventory()).toEqual([]);
  });

  it('finds a connection by its codeconnections ARN too', async () => {
    const arn = await create();
    const renamed = arn.replace(':codestar-connections:', ':codeconnections:');
    expect((await connections.send(new GetConnectionCommand({ ConnectionArn: renamed }))).Connection?.ConnectionArn).toBe(arn);
  });
});

describe('CodeConnections tags and inventory', () => {
  it('tags, untags and lists tags by ARN; the inventory follows', async () => {
    const arn = await create();
    await connections.send(new TagResourceCommand({ ResourceArn: arn, Tags: [{ Key: 'Name', Value: 'demo-github' }, { Key: 'shipline:stack', Value: 'other' }] }));
    await connections.send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: ['Name'] }));
    expect((await connections.send(new ListTagsForResourceCommand({ ResourceArn: arn }))).Tags).toEqual([{ Key: 'shipline:stack', Value: 'other' }]);
    expect(env.sandbox.inventory()).toEqual([
      { service: 'connections', type: 'connection', id: arn, key: 'demo-github', tags: { 'shipline:stack': 'other' } },
    ]);
    const unknown = arn.replace(/.{12}$/, '000000000000');
    await expect(connections.send(new ListTagsForResourceCommand({ ResourceArn: unknown }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(connections.send(new TagResourceCommand({ ResourceArn: arn, Tags: [{ Key: '', Value: 'x' }] }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
  });

  it('keeps connections and their status across a snapshot', async () => {
    const pending = await create('pending-one');
    const approved = await create('approved-one');
    env.sandbox.connections.approveConnection(approved);

    const snapshot = JSON.parse(JSON.stringify(env.sandbox.snapshot())) as ReturnType<Sandbox['snapshot']>;
    env.restoreFrom(snapshot);

    const listed = await connections.send(new ListConnectionsCommand({}));
    expect(listed.Connections?.map((c) => [c.ConnectionArn, c.ConnectionStatus])).toEqual([
      [pending, 'PENDING'],
      [approved, 'AVAILABLE'],
    ]);
    const third = await create('after-restore');
    expect([pending, approved]).not.toContain(third);
  });
});
