// The simulated Secrets Manager, driven through the real SDK client: secrets found by full ARN,
// partial ARN (without AWS's six-character suffix) or name, as issue 13's `secrets` name them.
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  paginateListSecrets,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { SEED_SECRET } from '../src/sandbox/models/secrets-manager';
import { ACCOUNT, REGION, useSandbox } from './helpers/sandbox-fixture';

const env = useSandbox();
let sm: SecretsManagerClient;

beforeEach(() => {
  sm = new SecretsManagerClient({ region: REGION });
});

const PREFIX = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:`;
const DAY_MS = 86_400_000;

async function create(Name: string, SecretString = '{"password":"p"}'): Promise<string> {
  return (await sm.send(new CreateSecretCommand({ Name, SecretString }))).ARN ?? '';
}

describe('Secrets Manager secrets', () => {
  it('creates a secret whose ARN ends in a hyphen and six random characters', async () => {
    const out = await sm.send(new CreateSecretCommand({ Name: 'demo/db', SecretString: 'x', Tags: [{ Key: 'shipline:stack', Value: 'demo' }] }));
    expect(out.ARN).toMatch(new RegExp(`^${PREFIX}demo/db-[A-Za-z0-9]{6}$`));
    expect(out.Name).toBe('demo/db');
    expect(out.VersionId).toMatch(/^[0-9a-f-]{36}$/);
    const described = await sm.send(new DescribeSecretCommand({ SecretId: out.ARN }));
    expect(described).toMatchObject({ ARN: out.ARN, Name: 'demo/db', Tags: [{ Key: 'shipline:stack', Value: 'demo' }] });
    expect(described.DeletedDate).toBeUndefined();
  });

  it('finds a secret by full ARN, by partial ARN without the suffix, and by name', async () => {
    const arn = await create('demo/db');
    for (const id of [arn, `${PREFIX}demo/db`, 'demo/db']) {
      expect((await sm.send(new DescribeSecretCommand({ SecretId: id }))).ARN).toBe(arn);
    }
  });

  it.each([
    ['a name with the suffix added', (arn: string) => `demo/db${arn.slice(-7)}`],
    ['a full ARN with another suffix', (arn: string) => `${arn.slice(0, -6)}ZZZZZZ`],
    ['an ARN in another region', (arn: string) => arn.replace(REGION, 'us-east-1')],
    ['an ECS valueFrom with a JSON key', (arn: string) => `${arn}:password::`],
    ['an unknown name', () => 'demo/none'],
  ])('does not find %s', async (_what, id) => {
    const arn = await create('demo/db');
    await expect(sm.send(new DescribeSecretCommand({ SecretId: id(arn) }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('takes a partial ARN whose name ends in a hyphen and six characters for a full one', async () => {
    const arn = await create('demo/db-abcdef');
    expect((await sm.send(new DescribeSecretCommand({ SecretId: 'demo/db-abcdef' }))).ARN).toBe(arn);
    await expect(sm.send(new DescribeSecretCommand({ SecretId: `${PREFIX}demo/db-abcdef` }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('answers the current value, and refuses a stage or version it does not have', async () => {
    const arn = await create('demo/db', '{"password":"p"}');
    const out = await sm.send(new GetSecretValueCommand({ SecretId: `${PREFIX}demo/db` }));
    expect(out).toMatchObject({ ARN: arn, Name: 'demo/db', SecretString: '{"password":"p"}', VersionStages: ['AWSCURRENT'] });
    expect((await sm.send(new GetSecretValueCommand({ SecretId: arn, VersionId: out.VersionId }))).SecretString).toBe('{"password":"p"}');
    await expect(sm.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: 'AWSPREVIOUS' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await sm.send(new CreateSecretCommand({ Name: 'demo/empty' }));
    await expect(sm.send(new GetSecretValueCommand({ SecretId: 'demo/empty' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('keeps a binary secret', async () => {
    await sm.send(new CreateSecretCommand({ Name: 'demo/bin', SecretBinary: new Uint8Array([1, 2, 255]) }));
    const out = await sm.send(new GetSecretValueCommand({ SecretId: 'demo/bin' }));
    expect([...(out.SecretBinary ?? [])]).toEqual([1, 2, 255]);
    expect(out.SecretString).toBeUndefined();
  });

  it.each([
    ['a name in use', { Name: 'demo/db', SecretString: 'x' }, 'ResourceExistsException'],
    ['a name with a space', { Name: 'demo db', SecretString: 'x' }, 'InvalidParameterException'],
    ['a name past 512 characters', { Name: 'a'.repeat(513), SecretString: 'x' }, 'InvalidParameterException'],
    ['a string and a binary value', { Name: 'demo/both', SecretString: 'x', SecretBinary: new Uint8Array([1]) }, 'InvalidParameterException'],
    ['a short client request token', { Name: 'demo/tok', SecretString: 'x', ClientRequestToken: 'short' }, 'InvalidParameterException'],
    ['an aws: tag', { Name: 'demo/tag', SecretString: 'x', Tags: [{ Key: 'aws:x', Value: 'v' }] }, 'InvalidParameterException'],
  ])('CreateSecret refuses %s', async (_what, input, code) => {
    await create('demo/db');
    await expect(sm.send(new CreateSecretCommand(input))).rejects.toMatchObject({ name: code });
  });

  it('schedules a deletion: described with its date, unreadable, its name not reusable, gone after the window', async () => {
    // One real millisecond per simulated second, on a clock the test moves.
    const clock = { now: 0 };
    env.restart({ msPerSimSecond: 1, clock: () => clock.now });
    const arn = await create('demo/db');
    const out = await sm.send(new DeleteSecretCommand({ SecretId: arn, RecoveryWindowInDays: 7 }));
    expect(out.DeletionDate?.getTime()).toBe(Date.UTC(2026, 0, 1) + 7 * DAY_MS);
    expect((await sm.send(new DescribeSecretCommand({ SecretId: 'demo/db' }))).DeletedDate).toBeDefined();
    await expect(sm.send(new GetSecretValueCommand({ SecretId: arn }))).rejects.toMatchObject({ name: 'InvalidRequestException' });
    await expect(create('demo/db')).rejects.toMatchObject({ name: 'InvalidRequestException' });
    await expect(sm.send(new DeleteSecretCommand({ SecretId: arn }))).rejects.toMatchObject({ name: 'InvalidRequestException' });
    expect((await sm.send(new ListSecretsCommand({}))).SecretList).toEqual([expect.objectContaining({ Name: SEED_SECRET.name })]);
    expect((await sm.send(new ListSecretsCommand({ IncludePlannedDeletion: true }))).SecretList?.map((s) => s.Name)).toContain('demo/db');
    expect(env.sandbox.inventory().filter((i) => i.service === 'secretsmanager')).toEqual([]);

    clock.now = 7 * 86_400 - 1;
    expect((await sm.send(new DescribeSecretCommand({ SecretId: arn }))).Name).toBe('demo/db');
    clock.now = 7 * 86_400;
    await expect(sm.send(new DescribeSecretCommand({ SecretId: arn }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    expect(await create('demo/db')).not.toBe(arn);
  });

  it('defaults the recovery window to 30 days and refuses one outside 7–30 or with a forced delete', async () => {
    const arn = await create('demo/db');
    await expect(sm.send(new DeleteSecretCommand({ SecretId: arn, RecoveryWindowInDays: 6 }))).rejects.toMatchObject({ name: 'InvalidParameterException' });
    await expect(sm.send(new DeleteSecretCommand({ SecretId: arn, RecoveryWindowInDays: 31 }))).rejects.toMatchObject({ name: 'InvalidParameterException' });
    await expect(sm.send(new DeleteSecretCommand({ SecretId: arn, RecoveryWindowInDays: 7, ForceDeleteWithoutRecovery: true })))
      .rejects.toMatchObject({ name: 'InvalidParameterException' });
    const out = await sm.send(new DeleteSecretCommand({ SecretId: arn }));
    expect(out.DeletionDate?.getTime()).toBe(Date.UTC(2026, 0, 1) + 30 * DAY_MS);
  });

  it('deletes at once without recovery, even a secret that does not exist', async () => {
    const arn = await create('demo/db');
    await sm.send(new DeleteSecretCommand({ SecretId: arn, ForceDeleteWithoutRecovery: true }));
    await expect(sm.send(new DescribeSecretCommand({ SecretId: arn }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await sm.send(new DeleteSecretCommand({ SecretId: arn, ForceDeleteWithoutRecovery: true }));
    await expect(sm.send(new DeleteSecretCommand({ SecretId: 'demo/none' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('pages ListSecrets', async () => {
    for (let i = 0; i < 7; i += 1) await create(`demo/s${i}`);
    const first = await sm.send(new ListSecretsCommand({}));
    expect(first.SecretList).toHaveLength(5);
    const names: string[] = [];
    for await (const page of paginateListSecrets({ client: sm }, {})) names.push(...(page.SecretList ?? []).map((s) => s.Name ?? ''));
    expect(names.sort()).toEqual([SEED_SECRET.name, ...Array.from({ length: 7 }, (_, i) => `demo/s${i}`)].sort());
    await expect(sm.send(new ListSecretsCommand({ MaxResults: 101 }))).rejects.toMatchObject({ name: 'InvalidParameterException' });
    await expect(sm.send(new ListSecretsCommand({ NextToken: 'bm9wZQ==' }))).rejects.toMatchObject({ name: 'InvalidNextTokenException' });
  });
});

describe('the seed secret', () => {
  it('is in a new world under the example config\'s ARN, and not in the inventory', async () => {
    const arn = `${PREFIX}demo/api-AbCdEf`;
    expect((await sm.send(new DescribeSecretCommand({ SecretId: arn }))).Name).toBe('demo/api');
    expect(JSON.parse((await sm.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString ?? '')).toEqual({ key: 'sandbox-api-key' });
    expect(env.sandbox.inventory().filter((i) => i.service === 'secretsmanager')).toEqual([]);
    await create('demo/mine');
    expect(env.sandbox.inventory().filter((i) => i.service === 'secretsmanager').map((i) => i.key)).toEqual(['demo/mine']);
  });
});

describe('Secrets Manager in snapshots and under a caller policy', () => {
  it('keeps secrets, values and scheduled deletions across a snapshot', async () => {
    const arn = await create('demo/db', 'kept');
    const doomed = await create('demo/old');
    await sm.send(new DeleteSecretCommand({ SecretId: doomed }));
    env.restoreFrom(JSON.parse(JSON.stringify(env.sandbox.snapshot())));
    expect((await sm.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString).toBe('kept');
    expect((await sm.send(new DescribeSecretCommand({ SecretId: doomed }))).DeletedDate).toBeDefined();
  });

  it('authorizes a call on the secret\'s full ARN, whichever way it is named, and tagging on create', async () => {
    env.restart({
      callerPolicy: {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: ['secretsmanager:DescribeSecret', 'secretsmanager:CreateSecret'], Resource: `${PREFIX}demo/*` },
        ],
      },
    });
    await create('demo/db');
    await sm.send(new DescribeSecretCommand({ SecretId: 'demo/db' }));
    await sm.send(new DescribeSecretCommand({ SecretId: `${PREFIX}demo/db` }));
    await expect(sm.send(new GetSecretValueCommand({ SecretId: 'demo/db' }))).rejects.toMatchObject({ name: 'AccessDeniedException' });
    await expect(sm.send(new CreateSecretCommand({ Name: 'demo/t', SecretString: 'x', Tags: [{ Key: 'k', Value: 'v' }] })))
      .rejects.toMatchObject({ name: 'AccessDeniedException', message: expect.stringContaining('secretsmanager:TagResource') });
    await expect(sm.send(new DescribeSecretCommand({ SecretId: 'other/x' }))).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });
});
