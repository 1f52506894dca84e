// Clear words for the usual mistakes in a machine's setup: a profile that does not exist, an
// endpoint out of reach, AWS_REGION set to another region, a destroy with nothing to delete.
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { AwsClients } from '../src/aws/clients';
import { missingProfile, networkFailure, regionNotice } from '../src/aws/environment';
import { AwsCallError, ConfigError, UsageError } from '../src/errors';
import { harness, type Harness } from './helpers/harness';

let h: Harness | undefined;
afterEach(() => h?.restore());

function errno(code: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${code} message`), { code, ...extra });
}

describe('a named profile that does not exist', () => {
  const home = mkdtempSync(path.join(tmpdir(), 'shipline-home-'));
  mkdirSync(path.join(home, '.aws'));
  writeFileSync(path.join(home, '.aws', 'config'), '[default]\nregion = eu-west-3\n[profile work]\nregion = eu-west-1\n[sso-session corp]\n');
  writeFileSync(path.join(home, '.aws', 'credentials'), '[ci]\naws_access_key_id = x\n');
  const env = { HOME: home };

  it('AWS_PROFILE: names the profile, that it came from AWS_PROFILE, and both files', () => {
    const error = missingProfile(null, { ...env, AWS_PROFILE: 'wrok' }, undefined);
    expect(error).toBeInstanceOf(UsageError);
    expect(error?.message).toBe(
      `AWS profile "wrok" (set by the environment variable AWS_PROFILE) does not exist: it is in neither ${home}/.aws/config nor ${home}/.aws/credentials`,
    );
    expect(error?.hint).toContain('AWS_CONFIG_FILE');
  });

  it('aws.profile: a config error naming the field (it wins over AWS_PROFILE, as in the SDK)', () => {
    const error = missingProfile('corp', { ...env, AWS_PROFILE: 'work' }, 'shipline.json');
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.message).toContain('AWS profile "corp" (set by aws.profile in shipline.json)');
  });

  it('a profile in either file, or no profile at all, is not the problem', () => {
    expect(missingProfile('work', env, undefined)).toBeUndefined();
    expect(missingProfile('ci', env, undefined)).toBeUndefined();
    expect(missingProfile(null, { ...env, AWS_PROFILE: 'default' }, undefined)).toBeUndefined();
    expect(missingProfile(null, env, undefined)).toBeUndefined();
  });

  it('AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE move the files', () => {
    const error = missingProfile('x', { ...env, AWS_CONFIG_FILE: '/etc/aws/config', AWS_SHARED_CREDENTIALS_FILE: '/etc/aws/creds' }, undefined);
    expect(error?.message).toContain('neither /etc/aws/config nor /etc/aws/creds');
  });

  it('through a real SDK client: the call fails with those words, not "Could not load credentials from any providers"', async () => {
    const saved = { ...process.env };
    // No network: the SDK would otherwise ask the instance metadata service last.
    Object.assign(process.env, { HOME: home, AWS_PROFILE: 'wrok', AWS_EC2_METADATA_DISABLED: 'true' });
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_WEB_IDENTITY_TOKEN_FILE']) delete process.env[name];
    const clients = new AwsClients({ region: 'eu-west-3', endpoint: 'http://127.0.0.1:9', maxAttempts: 1 });
    try {
      const error = await clients.sts.send(new GetCallerIdentityCommand({})).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(UsageError);
      expect((error as Error).message).toContain('AWS profile "wrok"');
    } finally {
      clients.destroy();
      process.env = saved;
    }
  });
});

describe('an endpoint out of reach', () => {
  it.each([
    ['ENOTFOUND', errno('ENOTFOUND', { hostname: 'sts.eu-west-3.amazonaws.com' }), 'sts.eu-west-3.amazonaws.com'],
    ['ECONNREFUSED', errno('ECONNREFUSED', { address: '127.0.0.1', port: 4566 }), '127.0.0.1:4566'],
    ['a timeout', Object.assign(new Error('timed out'), { name: 'TimeoutError' }), 'https://ec2.eu-west-3.amazonaws.com'],
  ])('%s: names the endpoint and says to check the network or aws.endpoint', (_what, cause, shown) => {
    const error = networkFailure('ec2', 'DescribeVpcs', cause, { region: 'eu-west-3' });
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error?.message).toContain('cannot reach');
    expect(error?.message).toContain(shown);
    expect(error?.hint).toContain('check the network');
    expect(error?.hint).toContain('aws.endpoint');
  });

  it('with aws.endpoint set: names it', () => {
    const error = networkFailure('s3', 'PutObject', errno('ECONNREFUSED'), { region: 'eu-west-3', endpoint: 'http://localhost:4566' });
    expect(error?.message).toContain('cannot reach http://localhost:4566');
    expect(error?.hint).toContain('aws.endpoint (http://localhost:4566)');
  });

  it('any other failure is left alone', () => {
    expect(networkFailure('ec2', 'DescribeVpcs', Object.assign(new Error('no'), { name: 'InvalidVpcID.NotFound' }), { region: 'eu-west-3' })).toBeUndefined();
  });

  it('through a real SDK client on a closed local port: the endpoint named, after the SDK gave up', async () => {
    const clients = new AwsClients({ region: 'eu-west-3', endpoint: 'http://127.0.0.1:9', maxAttempts: 1, credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    try {
      const error = await clients.sts.send(new GetCallerIdentityCommand({})).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(AwsCallError);
      expect((error as AwsCallError).awsCode).toBe('ECONNREFUSED');
      expect((error as Error).message).toContain('sts:GetCallerIdentity: ECONNREFUSED — cannot reach http://127.0.0.1:9');
    } finally {
      clients.destroy();
    }
  });
});

describe('AWS_REGION', () => {
  it('differing from the config: said once, and the config region is used', async () => {
    const saved = process.env.AWS_REGION;
    process.env.AWS_REGION = 'us-east-1';
    try {
      h = harness();
      const result = await h.ok('provision');
      const notices = result.logs.filter((l) => String(l.msg).includes('AWS_REGION'));
      expect(notices).toHaveLength(1);
      expect(notices[0]?.msg).toBe("AWS_REGION is us-east-1, but the config's region eu-west-3 is used (shipline takes the region from the config only)");
      expect(h.sandbox.inventory().length).toBeGreaterThan(0);
    } finally {
      if (saved === undefined) delete process.env.AWS_REGION;
      else process.env.AWS_REGION = saved;
    }
  });

  it('the same as the config, or unset: nothing said', () => {
    expect(regionNotice('eu-west-3', { AWS_REGION: 'eu-west-3' })).toBeUndefined();
    expect(regionNotice('eu-west-3', {})).toBeUndefined();
  });
});

describe('a state file of another region', () => {
  it('the hint names the config field that exists ("region"), not aws.region', async () => {
    h = harness();
    mkdirSync(path.dirname(h.statePath), { recursive: true });
    writeFileSync(h.statePath, JSON.stringify({ version: 1, stack: 'demo', region: 'us-east-1', accountId: '123456789012', resources: {}, updatedAt: new Date().toISOString() }));
    const result = await h.run('provision');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('hint: Set "region" to "us-east-1" in the config');
    expect(result.stderr).not.toContain('aws.region');
  });
});

describe('destroy with nothing to delete', () => {
  it('says so, exits 0, and leaves no state file behind', async () => {
    h = harness();
    const result = await h.run('destroy', '--yes');
    expect(result.code).toBe(0);
    expect(String(result.logs.at(-1)?.msg)).toMatch(/^nothing to delete: neither the state .* nor a lookup by the tag shipline:stack=demo found anything/);
    expect(existsSync(h.statePath)).toBe(false);
    expect(existsSync(`${h.statePath}.lock`)).toBe(false);
    expect(h.sandbox.mutatingCalls()).toEqual([]);
  });
});
