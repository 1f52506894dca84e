// The machine's setup in words (src/aws/environment.ts): an endpoint out of reach, a named profile
// in no file, AWS_REGION set to another region. Unit tests with stand-in errors and file readers
// (test/e2e-environment.test.ts goes through real SDK clients and the CLI).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { environmentFailure, missingProfile, networkFailure, profileFiles, regionNotice } from '../src/aws/environment';
import { AwsCallError, ConfigError, UsageError } from '../src/errors';

const AWS = { region: 'eu-west-3' };
const DEFAULT_HINT = 'check the network (DNS, proxy, VPN, firewall), or aws.endpoint in the config if you meant an emulator';

function errno(code: unknown, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`connect ${String(code)} message`), { code, ...extra });
}

describe('networkFailure', () => {
  it.each(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE'])(
    "Node's %s (its code): the call, the code, the endpoint and what to check",
    (code) => {
      const cause = Object.assign(new Error('it failed'), { code });
      const error = networkFailure('ec2', 'DescribeVpcs', cause, AWS);
      expect(error).toBeInstanceOf(AwsCallError);
      expect(error?.message).toBe(`ec2:DescribeVpcs: ${code} — cannot reach https://ec2.eu-west-3.amazonaws.com: it failed`);
      expect(error?.awsCode).toBe(code);
      expect(error?.name).toBe(code);
      expect(error?.hint).toBe(DEFAULT_HINT);
      expect(error?.cause).toBe(cause);
    },
  );

  it.each(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE'])(
    '%s only in the words (the SDK wrapped an error of another realm)',
    (code) => {
      const cause = new Error(`AWS SDK error wrapper for Error: connect ${code} 127.0.0.1:9`);
      expect(networkFailure('sts', 'GetCallerIdentity', cause, AWS)?.awsCode).toBe(code);
    },
  );

  it('a code that is not a network one, in the code or in the words: left alone', () => {
    expect(networkFailure('ec2', 'DescribeVpcs', errno('EACCES'), AWS)).toBeUndefined();
    expect(networkFailure('ec2', 'DescribeVpcs', new Error('connect XECONNREFUSED'), AWS)).toBeUndefined();
    expect(networkFailure('ec2', 'DescribeVpcs', new Error('connect ECONNREFUSEDX'), AWS)).toBeUndefined();
    expect(networkFailure('ec2', 'DescribeVpcs', Object.assign(new Error('no'), { name: 'InvalidVpcID.NotFound' }), AWS)).toBeUndefined();
  });

  it('a code that is not a string: the words decide', () => {
    expect(networkFailure('ec2', 'DescribeVpcs', Object.assign(new Error('read EPIPE'), { code: 32 }), AWS)?.awsCode).toBe('EPIPE');
    expect(networkFailure('ec2', 'DescribeVpcs', Object.assign(new Error('refused'), { code: 32 }), AWS)).toBeUndefined();
  });

  it("the SDK's TimeoutError, whose words name no code", () => {
    const error = networkFailure('ecs', 'ListClusters', Object.assign(new Error('Connection timed out after 1000 ms'), { name: 'TimeoutError' }), AWS);
    expect(error?.message).toBe('ecs:ListClusters: TimeoutError — cannot reach https://ecs.eu-west-3.amazonaws.com: Connection timed out after 1000 ms');
    expect(error?.name).toBe('TimeoutError');
  });

  it("a code in the error's code wins over a name and the words", () => {
    const cause = Object.assign(new Error('read ECONNRESET'), { code: 'ETIMEDOUT', name: 'TimeoutError' });
    expect(networkFailure('ecs', 'ListClusters', cause, AWS)?.awsCode).toBe('ETIMEDOUT');
  });

  it('not an object, or no words at all', () => {
    expect(networkFailure('ec2', 'DescribeVpcs', 'ECONNREFUSED', AWS)).toBeUndefined();
    expect(networkFailure('ec2', 'DescribeVpcs', null, AWS)).toBeUndefined();
    expect(networkFailure('ec2', 'DescribeVpcs', undefined, AWS)).toBeUndefined();
    const wordless = networkFailure('ec2', 'DescribeVpcs', { code: 'ECONNRESET', message: 42 }, AWS);
    expect(wordless?.message).toBe('ec2:DescribeVpcs: ECONNRESET — cannot reach https://ec2.eu-west-3.amazonaws.com: ');
  });

  it.each([
    ['elbv2', 'https://elasticloadbalancing.eu-west-3.amazonaws.com'],
    ['ecr', 'https://api.ecr.eu-west-3.amazonaws.com'],
    ['connections', 'https://codestar-connections.eu-west-3.amazonaws.com'],
    ['iam', 'https://iam.amazonaws.com'],
    ['sts', 'https://sts.eu-west-3.amazonaws.com'],
    ['codepipeline', 'https://codepipeline.eu-west-3.amazonaws.com'],
  ])("%s's endpoint: %s", (service, endpoint) => {
    expect(networkFailure(service, 'Op', errno('ENOTFOUND'), AWS)?.message).toBe(`${service}:Op: ENOTFOUND — cannot reach ${endpoint}: connect ENOTFOUND message`);
  });

  it('names the host or the address (and port) it tried', () => {
    const host = networkFailure('sts', 'GetCallerIdentity', errno('ENOTFOUND', { hostname: 'sts.eu-west-3.amazonaws.com', address: '1.2.3.4' }), AWS);
    expect(host?.message).toBe(
      'sts:GetCallerIdentity: ENOTFOUND — cannot reach https://sts.eu-west-3.amazonaws.com (sts.eu-west-3.amazonaws.com): connect ENOTFOUND message',
    );
    const withPort = networkFailure('sts', 'GetCallerIdentity', errno('ECONNREFUSED', { address: '127.0.0.1', port: 4566 }), AWS);
    expect(withPort?.message).toContain('cannot reach https://sts.eu-west-3.amazonaws.com (127.0.0.1:4566): ');
    const noPort = networkFailure('sts', 'GetCallerIdentity', errno('ECONNREFUSED', { address: '127.0.0.1' }), AWS);
    expect(noPort?.message).toContain('cannot reach https://sts.eu-west-3.amazonaws.com (127.0.0.1): ');
  });

  it('with aws.endpoint: names it, and says to check that it runs', () => {
    const error = networkFailure('s3', 'PutObject', errno('ECONNREFUSED'), { region: 'eu-west-3', endpoint: 'http://localhost:4566' });
    expect(error?.message).toBe('s3:PutObject: ECONNREFUSED — cannot reach http://localhost:4566: connect ECONNREFUSED message');
    expect(error?.hint).toBe('check that the endpoint in aws.endpoint (http://localhost:4566) is running and reachable from here');
  });

  it('aws.endpoint null is no endpoint', () => {
    const error = networkFailure('ecs', 'ListClusters', errno('ECONNREFUSED'), { region: 'eu-west-3', endpoint: null });
    expect(error?.message).toContain('cannot reach https://ecs.eu-west-3.amazonaws.com: ');
    expect(error?.hint).toBe(DEFAULT_HINT);
  });
});

describe('profileFiles', () => {
  it('~/.aws/config and ~/.aws/credentials under HOME, else USERPROFILE, else the home directory', () => {
    expect(profileFiles({ HOME: '/home/ada', USERPROFILE: 'C:/Users/ada' })).toEqual({ config: '/home/ada/.aws/config', credentials: '/home/ada/.aws/credentials' });
    expect(profileFiles({ USERPROFILE: '/users/ada' })).toEqual({ config: '/users/ada/.aws/config', credentials: '/users/ada/.aws/credentials' });
    expect(profileFiles({})).toEqual({ config: path.join(homedir(), '.aws', 'config'), credentials: path.join(homedir(), '.aws', 'credentials') });
  });

  it('AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE move them', () => {
    expect(profileFiles({ HOME: '/home/ada', AWS_CONFIG_FILE: '/etc/aws/config', AWS_SHARED_CREDENTIALS_FILE: '/etc/aws/creds' })).toEqual({
      config: '/etc/aws/config',
      credentials: '/etc/aws/creds',
    });
  });
});

describe('missingProfile', () => {
  const env = { HOME: '/home/ada' };
  const files = (config: string | undefined, credentials: string | undefined) => (file: string) =>
    file === '/home/ada/.aws/config' ? config : file === '/home/ada/.aws/credentials' ? credentials : undefined;

  it('aws.profile in no file: a config error naming the field, the file, both profile files and how to make it', () => {
    const error = missingProfile('corp', { ...env, AWS_PROFILE: 'work' }, 'shipline.json', files('[profile work]\n', '[work]\n'));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.message).toBe(
      'AWS profile "corp" (set by aws.profile in shipline.json) does not exist: it is in neither /home/ada/.aws/config nor /home/ada/.aws/credentials',
    );
    expect(error?.hint).toBe(
      'profiles are read from /home/ada/.aws/config ([profile corp]) and /home/ada/.aws/credentials ([corp]); AWS_CONFIG_FILE and ' +
        'AWS_SHARED_CREDENTIALS_FILE move them. Create it with `aws configure --profile corp` (or `aws configure sso`), or fix the name',
    );
  });

  it('AWS_PROFILE in no file: a usage error that says to fix or unset it', () => {
    const error = missingProfile(null, { ...env, AWS_PROFILE: 'wrok' }, 'shipline.json', files(undefined, undefined));
    expect(error).toBeInstanceOf(UsageError);
    expect(error?.message).toBe(
      'AWS profile "wrok" (set by the environment variable AWS_PROFILE) does not exist: it is in neither /home/ada/.aws/config nor /home/ada/.aws/credentials',
    );
    expect(error?.hint).toMatch(/, or fix the name \(or unset AWS_PROFILE\)$/);
  });

  it('aws.profile without a config path: "the config"', () => {
    expect(missingProfile('corp', env, undefined, files('', ''))?.message).toContain('(set by aws.profile in the config)');
  });

  it('no profile at all: nothing to say', () => {
    expect(missingProfile(undefined, env, undefined, files(undefined, undefined))).toBeUndefined();
    expect(missingProfile(null, { ...env, AWS_PROFILE: '' }, undefined, files(undefined, undefined))).toBeUndefined();
  });

  it('the config file names a profile [profile NAME], however spaced, on any line', () => {
    const config = '[default]\nregion = eu-west-3\n  [ profile work ]  \nregion = eu-west-1\n[sso-session corp]\n';
    expect(missingProfile('work', env, undefined, files(config, undefined))).toBeUndefined();
    expect(missingProfile('corp', env, undefined, files(config, undefined))).toBeInstanceOf(ConfigError);
    expect(missingProfile('eu-west-1', env, undefined, files(config, undefined))).toBeInstanceOf(ConfigError);
    expect(missingProfile('default', env, undefined, files(config, undefined))).toBeUndefined();
  });

  it('in the config file, [NAME] without "profile" is only the default one', () => {
    expect(missingProfile('work', env, undefined, files('[work]\n', undefined))).toBeInstanceOf(ConfigError);
    expect(missingProfile('default', env, undefined, files('[profile default]\n', undefined))).toBeUndefined();
    expect(missingProfile('other', env, undefined, files('[default]\n', undefined))).toBeInstanceOf(ConfigError);
    expect(missingProfile('default', env, undefined, files('[profile work]\n[work]\n', undefined))).toBeInstanceOf(ConfigError);
  });

  it('the credentials file names a profile [NAME], on any line', () => {
    expect(missingProfile('ci', env, undefined, files(undefined, '[default]\nkey = x\n [ci]\n'))).toBeUndefined();
    expect(missingProfile('ci', env, undefined, files(undefined, '[profile ci]\n'))).toBeInstanceOf(ConfigError);
    expect(missingProfile('ci', env, undefined, files(undefined, 'x = [ci]\n'))).toBeInstanceOf(ConfigError);
  });

  it('reads the files themselves by default, a missing one as empty', () => {
    const home = mkdtempSync(path.join(tmpdir(), 'shipline-home-'));
    mkdirSync(path.join(home, '.aws'));
    writeFileSync(path.join(home, '.aws', 'credentials'), '[ci]\n');
    expect(missingProfile('ci', { HOME: home }, undefined)).toBeUndefined();
    expect(missingProfile('work', { HOME: home }, undefined)?.message).toContain(`neither ${home}/.aws/config nor ${home}/.aws/credentials`);
  });
});

describe('regionNotice', () => {
  it("AWS_REGION naming another region: says the config's is used", () => {
    expect(regionNotice('eu-west-3', { AWS_REGION: 'us-east-1' })).toBe(
      "AWS_REGION is us-east-1, but the config's region eu-west-3 is used (shipline takes the region from the config only)",
    );
  });

  it('the same region, or none: nothing', () => {
    expect(regionNotice('eu-west-3', { AWS_REGION: 'eu-west-3' })).toBeUndefined();
    expect(regionNotice('eu-west-3', { AWS_REGION: '' })).toBeUndefined();
    expect(regionNotice('eu-west-3', {})).toBeUndefined();
  });
});

describe('environmentFailure', () => {
  const credentialsError = (message: string) => Object.assign(new Error(message), { name: 'CredentialsProviderError' });
  const noFiles = { HOME: '/nonexistent-shipline-home', AWS_PROFILE: 'ghost' };

  it('credentials that could not be loaded with a profile in no file: the missing profile', () => {
    const error = environmentFailure('sts', 'GetCallerIdentity', credentialsError('Could not load credentials from any providers'), AWS, noFiles);
    expect(error).toBeInstanceOf(UsageError);
    expect(error?.message).toContain('AWS profile "ghost" (set by the environment variable AWS_PROFILE) does not exist');
  });

  it("the config's profile wins over AWS_PROFILE", () => {
    const error = environmentFailure('sts', 'GetCallerIdentity', credentialsError('none'), { ...AWS, profile: 'corp' }, noFiles);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.message).toContain('AWS profile "corp" (set by aws.profile in the config)');
  });

  it('credentials that could not be loaded without a named profile: not a setup error it can name, whatever the words', () => {
    expect(environmentFailure('sts', 'GetCallerIdentity', credentialsError('connect ECONNREFUSED 169.254.169.254'), AWS, { HOME: '/nonexistent' })).toBeUndefined();
  });

  it('anything else: an endpoint out of reach, or nothing', () => {
    expect(environmentFailure('ecs', 'ListClusters', errno('ECONNREFUSED'), { ...AWS, endpoint: 'http://localhost:4566' }, noFiles)?.message).toBe(
      'ecs:ListClusters: ECONNREFUSED — cannot reach http://localhost:4566: connect ECONNREFUSED message',
    );
    expect(environmentFailure('ecs', 'ListClusters', Object.assign(new Error('no'), { name: 'ClusterNotFoundException' }), AWS, noFiles)).toBeUndefined();
    expect(environmentFailure('ecs', 'ListClusters', null, AWS, noFiles)).toBeUndefined();
  });
});
