// The simulated SSM Parameter Store, driven through the real SDK client: what issue 13's `secrets`
// check (a parameter named by name or ARN exists) and a task's execution role read.
import {
  AddTagsToResourceCommand,
  DeleteParameterCommand,
  DeleteParametersCommand,
  DescribeParametersCommand,
  GetParameterCommand,
  GetParametersCommand,
  ListTagsForResourceCommand,
  paginateDescribeParameters,
  PutParameterCommand,
  RemoveTagsFromResourceCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { Sandbox } from '../src/sandbox/sandbox';
import { SEED_PARAMETER } from '../src/sandbox/models/ssm';
import { ACCOUNT, REGION, useSandbox } from './helpers/sandbox-fixture';

const env = useSandbox();
let ssm: SSMClient;

beforeEach(() => {
  ssm = new SSMClient({ region: REGION });
});

const arnOf = (path: string): string => `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/${path}`;

async function put(Name: string, Value = 'v', Type: 'String' | 'SecureString' = 'String'): Promise<void> {
  await ssm.send(new PutParameterCommand({ Name, Value, Type }));
}

describe('SSM parameters', () => {
  it('creates, reads by name and by ARN (no double slash for a leading one), and deletes', async () => {
    expect(await ssm.send(new PutParameterCommand({ Name: '/demo/db-url', Value: 'postgres://db', Type: 'String', Tags: [{ Key: 'shipline:stack', Value: 'demo' }] })))
      .toMatchObject({ Version: 1, Tier: 'Standard' });
    await put('plain', 'x');

    const byName = await ssm.send(new GetParameterCommand({ Name: '/demo/db-url' }));
    expect(byName.Parameter).toMatchObject({ Name: '/demo/db-url', Type: 'String', Value: 'postgres://db', Version: 1, ARN: arnOf('demo/db-url') });
    const byArn = await ssm.send(new GetParameterCommand({ Name: arnOf('demo/db-url') }));
    expect(byArn.Parameter?.Name).toBe('/demo/db-url');
    expect((await ssm.send(new GetParameterCommand({ Name: arnOf('plain') }))).Parameter).toMatchObject({ Name: 'plain', ARN: arnOf('plain') });

    await ssm.send(new DeleteParameterCommand({ Name: '/demo/db-url' }));
    await expect(ssm.send(new GetParameterCommand({ Name: '/demo/db-url' }))).rejects.toMatchObject({ name: 'ParameterNotFound' });
    await expect(ssm.send(new DeleteParameterCommand({ Name: '/demo/db-url' }))).rejects.toMatchObject({ name: 'ParameterNotFound' });
  });

  it('answers a SecureString with its ciphertext unless WithDecryption', async () => {
    await put('/demo/token', 's3cret', 'SecureString');
    const hidden = (await ssm.send(new GetParameterCommand({ Name: '/demo/token' }))).Parameter?.Value;
    expect(hidden).not.toBe('s3cret');
    expect(hidden).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect((await ssm.send(new GetParameterCommand({ Name: '/demo/token', WithDecryption: true }))).Parameter?.Value).toBe('s3cret');
    const described = await ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Values: ['/demo/token'] }] }));
    expect(described.Parameters?.[0]).toMatchObject({ Name: '/demo/token', Type: 'SecureString', KeyId: 'alias/aws/ssm' });
  });

  it('GetParameters lists what is missing in InvalidParameters, as given, without failing', async () => {
    await put('/demo/a');
    const out = await ssm.send(new GetParametersCommand({ Names: ['/demo/a', '/demo/missing', arnOf('demo/gone')] }));
    expect(out.Parameters?.map((p) => p.Name)).toEqual(['/demo/a']);
    expect(out.InvalidParameters).toEqual(['/demo/missing', arnOf('demo/gone')]);
    await expect(ssm.send(new GetParametersCommand({ Names: Array.from({ length: 11 }, (_, i) => `/p${i}`) }))).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(ssm.send(new GetParametersCommand({ Names: [] }))).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('DeleteParameters deletes what exists and lists the rest', async () => {
    await put('/demo/a');
    const out = await ssm.send(new DeleteParametersCommand({ Names: ['/demo/a', '/demo/b'] }));
    expect(out).toMatchObject({ DeletedParameters: ['/demo/a'], InvalidParameters: ['/demo/b'] });
  });

  it('overwrites only when asked, adding a version, and never with tags', async () => {
    await put('/demo/a', 'one');
    await expect(put('/demo/a', 'two')).rejects.toMatchObject({ name: 'ParameterAlreadyExists' });
    expect(await ssm.send(new PutParameterCommand({ Name: '/demo/a', Value: 'two', Overwrite: true }))).toMatchObject({ Version: 2 });
    expect((await ssm.send(new GetParameterCommand({ Name: '/demo/a' }))).Parameter).toMatchObject({ Value: 'two', Version: 2, Type: 'String' });
    await expect(ssm.send(new PutParameterCommand({ Name: '/demo/a', Value: 'three', Overwrite: true, Tags: [{ Key: 'k', Value: 'v' }] })))
      .rejects.toMatchObject({ name: 'ValidationException' });
  });

  it.each([
    ['no type for a new parameter', { Name: '/demo/x', Value: 'v' }, 'ValidationException'],
    ['a path without its leading slash', { Name: 'demo/x', Value: 'v', Type: 'String' }, 'ValidationException'],
    ['a space', { Name: '/demo/a b', Value: 'v', Type: 'String' }, 'ValidationException'],
    ['the aws prefix', { Name: '/aws/x', Value: 'v', Type: 'String' }, 'ValidationException'],
    ['the SSM prefix in any case', { Name: 'SSMthing', Value: 'v', Type: 'String' }, 'ValidationException'],
    ['an ARN as the name', { Name: arnOf('demo/x'), Value: 'v', Type: 'String' }, 'ValidationException'],
    ['sixteen levels', { Name: `/${Array.from({ length: 16 }, (_, i) => `l${i}`).join('/')}`, Value: 'v', Type: 'String' }, 'HierarchyLevelLimitExceededException'],
    ['an ARN past 1011 characters', { Name: `/${'a'.repeat(1000)}`, Value: 'v', Type: 'String' }, 'ValidationException'],
    ['a Standard value past 4 KB', { Name: '/demo/x', Value: 'v'.repeat(4097), Type: 'String' }, 'ValidationException'],
    ['a KeyId on a String', { Name: '/demo/x', Value: 'v', Type: 'String', KeyId: 'alias/mine' }, 'ValidationException'],
  ] as const)('PutParameter refuses %s', async (_what, input, code) => {
    await expect(ssm.send(new PutParameterCommand(input))).rejects.toMatchObject({ name: code });
    expect(env.sandbox.ssm.parameterExists('/demo/x')).toBe(false);
  });

  it('accepts fifteen levels', async () => {
    await put(`/${Array.from({ length: 15 }, (_, i) => `l${i}`).join('/')}`);
  });

  it('pages DescribeParameters, filters by name prefix, and refuses a foreign token', async () => {
    for (let i = 0; i < 12; i += 1) await put(`/demo/p${String(i).padStart(2, '0')}`);
    const first = await ssm.send(new DescribeParametersCommand({}));
    expect(first.Parameters).toHaveLength(5);
    expect(first.NextToken).toBeDefined();
    const names: string[] = [];
    for await (const page of paginateDescribeParameters({ client: ssm }, { ParameterFilters: [{ Key: 'Name', Option: 'BeginsWith', Values: ['/demo/p'] }] })) {
      names.push(...(page.Parameters ?? []).map((p) => p.Name ?? ''));
    }
    expect(names).toEqual(Array.from({ length: 12 }, (_, i) => `/demo/p${String(i).padStart(2, '0')}`));
    await expect(ssm.send(new DescribeParametersCommand({ NextToken: first.NextToken, ParameterFilters: [{ Key: 'Type', Values: ['String'] }] })))
      .rejects.toMatchObject({ name: 'InvalidNextToken' });
    await expect(ssm.send(new DescribeParametersCommand({ MaxResults: 51 }))).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('answers DescribeParameters on a best-effort basis: a filtered page may be empty with a NextToken to follow', async () => {
    for (let i = 0; i < 6; i += 1) await put(`/a/p${i}`);
    await put('/b/wanted');
    const filters = [{ Key: 'Name', Option: 'Equals', Values: ['/b/wanted'] }];
    const first = await ssm.send(new DescribeParametersCommand({ ParameterFilters: filters }));
    expect(first.Parameters).toEqual([]);
    expect(first.NextToken).toBeDefined();
    const found: string[] = [];
    for await (const page of paginateDescribeParameters({ client: ssm }, { ParameterFilters: filters })) found.push(...(page.Parameters ?? []).map((p) => p.Name ?? ''));
    expect(found).toEqual(['/b/wanted']);
  });

  it('answers GetParameters in alphabetical order', async () => {
    await put('/demo/b');
    await put('/demo/a');
    expect((await ssm.send(new GetParametersCommand({ Names: ['/demo/b', '/demo/a'] }))).Parameters?.map((p) => p.Name)).toEqual(['/demo/a', '/demo/b']);
  });

  it('tags a parameter by name', async () => {
    await put('/demo/a');
    await ssm.send(new AddTagsToResourceCommand({ ResourceType: 'Parameter', ResourceId: '/demo/a', Tags: [{ Key: 'shipline:stack', Value: 'demo' }, { Key: 'x', Value: '1' }] }));
    await ssm.send(new RemoveTagsFromResourceCommand({ ResourceType: 'Parameter', ResourceId: '/demo/a', TagKeys: ['x'] }));
    expect((await ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: '/demo/a' }))).TagList).toEqual([{ Key: 'shipline:stack', Value: 'demo' }]);
    await expect(ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: '/demo/none' }))).rejects.toMatchObject({ name: 'InvalidResourceId' });
  });
});

describe('the seed parameter', () => {
  it('is in a new world, as the example config names it, and not in the inventory', async () => {
    const out = await ssm.send(new GetParameterCommand({ Name: SEED_PARAMETER.name, WithDecryption: true }));
    expect(out.Parameter).toMatchObject({ Name: '/demo/db-password', Type: 'SecureString', Value: SEED_PARAMETER.value, ARN: arnOf('demo/db-password') });
    expect(env.sandbox.inventory().filter((i) => i.service === 'ssm')).toEqual([]);
    await put('/demo/mine');
    expect(env.sandbox.inventory().filter((i) => i.service === 'ssm').map((i) => i.key)).toEqual(['/demo/mine']);
  });

  it('stays deleted in a restored world', async () => {
    await ssm.send(new DeleteParameterCommand({ Name: SEED_PARAMETER.name }));
    env.restoreFrom(env.sandbox.snapshot());
    await expect(ssm.send(new GetParameterCommand({ Name: SEED_PARAMETER.name }))).rejects.toMatchObject({ name: 'ParameterNotFound' });
  });
});

describe('SSM in snapshots and under a caller policy', () => {
  it('keeps parameters, versions and tags across a snapshot', async () => {
    await ssm.send(new PutParameterCommand({ Name: '/demo/a', Value: 'one', Type: 'SecureString', Tags: [{ Key: 'k', Value: 'v' }] }));
    await ssm.send(new PutParameterCommand({ Name: '/demo/a', Value: 'two', Overwrite: true }));
    env.restoreFrom(Sandbox.restore(JSON.parse(JSON.stringify(env.sandbox.snapshot()))).snapshot());
    expect((await ssm.send(new GetParameterCommand({ Name: '/demo/a', WithDecryption: true }))).Parameter).toMatchObject({ Value: 'two', Version: 2, Type: 'SecureString' });
    expect((await ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: '/demo/a' }))).TagList).toEqual([{ Key: 'k', Value: 'v' }]);
  });

  it('authorizes GetParameters on every parameter ARN it names, and tagging on create', async () => {
    env.restart({
      callerPolicy: {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: ['ssm:GetParameters', 'ssm:PutParameter'], Resource: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/demo/*` },
        ],
      },
    });
    await put('/demo/a');
    await ssm.send(new GetParametersCommand({ Names: ['/demo/a', arnOf('demo/b')] }));
    await expect(ssm.send(new GetParametersCommand({ Names: ['/demo/a', '/other/b'] }))).rejects.toMatchObject({ name: 'AccessDeniedException' });
    await expect(ssm.send(new PutParameterCommand({ Name: '/demo/t', Value: 'v', Type: 'String', Tags: [{ Key: 'k', Value: 'v' }] })))
      .rejects.toMatchObject({ name: 'AccessDeniedException', message: expect.stringContaining('ssm:AddTagsToResource') });
    await expect(ssm.send(new GetParameterCommand({ Name: '/demo/a' }))).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });
});
