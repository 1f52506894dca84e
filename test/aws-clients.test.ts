// The SDK clients shipline builds (src/aws/clients.ts): each client's settings (region, profile,
// endpoint, credentials, the adaptive retry and its attempts), and what its outermost middleware
// does to every call (the dry-run guard, the call log, errors that say which call failed). Calls
// end in a stand-in in the deserialize step, inside the SDK's retry, as the sandbox's do.
import { CreateVpcCommand, DeleteVpcCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { AdaptiveRetryStrategy, DefaultRateLimiter } from '@smithy/core/retry';
import type { BuildMiddleware, DeserializeMiddleware, Pluggable } from '@smithy/types';
import { AwsClients, DEFAULT_MAX_ATTEMPTS, SERVICE_NAMES, type ClientOptions, type ServiceName } from '../src/aws/clients';
import { AwsCallError, ConfigError, EngineError } from '../src/errors';
import { rejectionOf } from './helpers/rejection';
import { CLIENT_CLASSES } from './helpers/sandbox-mock';

const CREDENTIALS = { accessKeyId: 'AKIATEST', secretAccessKey: 'test-secret' };

/** What production retries, written out here rather than imported, so a change to it fails this file. */
const PRODUCTION_ATTEMPTS = 8;

/** No backoff delay and a rate limiter that never holds back: tests change only the waits. */
const noDelays: ClientOptions['retryDelays'] = () => ({
  rateLimiter: new DefaultRateLimiter({ minFillRate: 100_000, minCapacity: 100_000 }),
  backoff: { computeNextBackoffDelay: () => 0, setDelayBase: () => undefined },
});

interface Sent {
  service: ServiceName;
  command: string;
  input: object;
}

/**
 * A plugin that answers every call in place of AWS: `answer` returns the output or throws. In the
 * deserialize step by default, inside the SDK's retry (which gives every error it sees $metadata);
 * in the build step, an error comes out before any retry, as one building the request would.
 */
function standIn(answer: (call: Sent) => object = () => ({}), step: 'deserialize' | 'build' = 'deserialize') {
  const sent: Sent[] = [];
  const plugin = (service: ServiceName): Pluggable<object, object> => ({
    applyToStack(stack) {
      const middleware: BuildMiddleware<object, object> & DeserializeMiddleware<object, object> = (_next, context) => async (args) => {
        const call = { service, command: context.commandName ?? 'Unknown', input: args.input as object };
        sent.push(call);
        return { output: { $metadata: {}, ...answer(call) }, response: { statusCode: 200, headers: {} } };
      };
      if (step === 'build') stack.add(middleware, { step: 'build', name: 'standIn', priority: 'high' });
      else stack.add(middleware, { step: 'deserialize', name: 'standIn', priority: 'high' });
    },
  });
  return { plugin, sent };
}

/** An error as the SDK throws AWS's: its name is the code, with $metadata. */
const awsError = (name: string, message: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode: 400 }, ...extra });

let built: AwsClients[] = [];
function clients(options: Partial<ClientOptions> = {}): AwsClients {
  const c = new AwsClients({ region: 'eu-west-3', credentials: CREDENTIALS, retryDelays: noDelays, ...options });
  built.push(c);
  return c;
}
afterEach(() => {
  for (const c of built) c.destroy();
  built = [];
});

/** A client's resolved settings (the SDK keeps them as values or as providers). */
type Settings = {
  region: () => Promise<string>;
  maxAttempts: () => Promise<number>;
  retryMode: string;
  retryStrategy: () => Promise<unknown>;
  credentials: () => Promise<{ accessKeyId: string }>;
  profile?: string;
  endpoint?: () => Promise<{ hostname: string; port?: number; protocol: string }>;
  forcePathStyle?: boolean;
};
const settings = (client: object) => (client as { config: Settings }).config;

describe('one client per service', () => {
  it('every service has a name, and each name its own SDK client, by getter and by name', () => {
    expect([...SERVICE_NAMES].sort()).toEqual(Object.keys(CLIENT_CLASSES).sort());
    const c = clients();
    for (const service of SERVICE_NAMES) {
      expect(c[service]).toBeInstanceOf(CLIENT_CLASSES[service]);
      expect(c.client(service)).toBe(c[service]);
    }
  });

  it('built once: the same client on every use, a new one after destroy, which closes the old', () => {
    const c = clients();
    const first = c.ec2;
    expect(c.ec2).toBe(first);
    const destroyed = jest.spyOn(first, 'destroy');
    const sts = jest.spyOn(c.sts, 'destroy');
    c.destroy();
    expect(destroyed).toHaveBeenCalledTimes(1);
    expect(sts).toHaveBeenCalledTimes(1);
    expect(c.ec2).not.toBe(first);
  });

  it("the region is the options'", async () => {
    const c = clients({ region: 'ap-southeast-2' });
    expect(c.region).toBe('ap-southeast-2');
    await expect(settings(c.ecs).region()).resolves.toBe('ap-southeast-2');
  });
});

describe('settings of every client', () => {
  it.each(SERVICE_NAMES)("%s: the SDK's adaptive retry, 8 attempts a call", async (service) => {
    const c = new AwsClients({ region: 'eu-west-3', credentials: CREDENTIALS });
    built.push(c);
    const config = settings(c.client(service));
    expect(DEFAULT_MAX_ATTEMPTS).toBe(PRODUCTION_ATTEMPTS);
    await expect(config.maxAttempts()).resolves.toBe(PRODUCTION_ATTEMPTS);
    expect(config.retryMode).toBe('adaptive');
    const strategy = await config.retryStrategy();
    expect(strategy).toBeInstanceOf(AdaptiveRetryStrategy);
    const adaptive = strategy as { mode: string; standardRetryStrategy: { maxAttemptsProvider: () => Promise<number> } };
    expect(adaptive.mode).toBe('adaptive');
    await expect(adaptive.standardRetryStrategy.maxAttemptsProvider()).resolves.toBe(PRODUCTION_ATTEMPTS);
  });

  it('attempts as set, for the retry strategy too', async () => {
    const c = clients({ maxAttempts: 3 });
    await expect(settings(c.ec2).maxAttempts()).resolves.toBe(3);
  });

  it("tests' delays: the strategy uses the rate limiter given, one per client", async () => {
    let limiters = 0;
    const c = clients({
      retryDelays: () => {
        limiters += 1;
        return noDelays!();
      },
    });
    const ec2Strategy = (await settings(c.ec2).retryStrategy()) as { rateLimiter: unknown };
    const stsStrategy = (await settings(c.sts).retryStrategy()) as { rateLimiter: unknown };
    expect(limiters).toBe(2);
    expect(ec2Strategy.rateLimiter).not.toBe(stsStrategy.rateLimiter);
  });

  it('a throttled call is tried 8 times in all, then its error is thrown', async () => {
    const { plugin, sent } = standIn(() => {
      throw awsError('ThrottlingException', 'Rate exceeded');
    });
    const c = clients({ plugins: [plugin] });
    const error = await rejectionOf(c.sts.send(new GetCallerIdentityCommand({})), AwsCallError);
    expect(error.message).toBe('sts:GetCallerIdentity: ThrottlingException — Rate exceeded');
    expect(sent).toHaveLength(PRODUCTION_ATTEMPTS);
  });

  it('a throttled call that then passes: its answer, after the retries', async () => {
    let calls = 0;
    const { plugin, sent } = standIn(() => {
      calls += 1;
      if (calls < 4) throw awsError('RequestLimitExceeded', 'Request limit exceeded.');
      return { Vpcs: [{ VpcId: 'vpc-1' }] };
    });
    const c = clients({ plugins: [plugin] });
    const out = await c.ec2.send(new DescribeVpcsCommand({}));
    expect(out.Vpcs).toEqual([{ VpcId: 'vpc-1' }]);
    expect(sent).toHaveLength(4);
  });

  it('no profile, endpoint or path style unless asked; fixed credentials when given', async () => {
    const c = clients();
    const ec2 = settings(c.ec2);
    expect(ec2.profile).toBeUndefined();
    expect(ec2.endpoint).toBeUndefined();
    expect(ec2.forcePathStyle).toBeUndefined();
    expect(settings(c.s3).forcePathStyle).toBe(false);
    await expect(ec2.credentials()).resolves.toMatchObject({ accessKeyId: 'AKIATEST' });
  });

  it('null profile and endpoint (a config that leaves them out) are none', () => {
    const c = clients({ profile: null, endpoint: null });
    expect(settings(c.s3).profile).toBeUndefined();
    expect(settings(c.s3).endpoint).toBeUndefined();
    expect(settings(c.s3).forcePathStyle).toBe(false);
  });

  it('a named profile and an emulator endpoint go to every client; path-style S3 with an endpoint only', async () => {
    const c = clients({ profile: 'work', endpoint: 'http://localhost:4566' });
    for (const service of ['s3', 'ec2', 'iam'] as const) {
      const config = settings(c.client(service));
      expect(config.profile).toBe('work');
      await expect(config.endpoint!()).resolves.toMatchObject({ hostname: 'localhost', port: 4566, protocol: 'http:' });
    }
    expect(settings(c.s3).forcePathStyle).toBe(true);
    expect(settings(c.ec2).forcePathStyle).toBeUndefined();
  });
});

describe('plugins', () => {
  it("each plugin is asked per service, and one that has nothing for a service is skipped", async () => {
    const asked: ServiceName[] = [];
    const { plugin, sent } = standIn(() => ({ Account: '123456789012' }));
    const c = clients({
      plugins: [
        (service) => {
          asked.push(service);
          return service === 'sts' ? plugin(service) : undefined;
        },
      ],
    });
    await expect(c.sts.send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({ Account: '123456789012' });
    expect(c.ec2).toBeInstanceOf(EC2Client);
    expect(asked).toEqual(['sts', 'ec2']);
    expect(sent.map((s) => s.command)).toEqual(['GetCallerIdentityCommand']);
  });
});

describe('the dry-run guard', () => {
  it('a plan refuses any mutating call before it is sent: a bug in shipline', async () => {
    const { plugin, sent } = standIn();
    const c = clients({ dryRun: true, plugins: [plugin] });
    const error = await rejectionOf(c.ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' })), EngineError);
    expect(error.message).toBe('dry run attempted ec2:CreateVpc; a plan must not change anything (a bug in shipline)');
    expect(sent).toEqual([]);
  });

  it('reads pass in a plan; writes pass in a run', async () => {
    const { plugin, sent } = standIn();
    await clients({ dryRun: true, plugins: [plugin] }).ec2.send(new DescribeVpcsCommand({}));
    await clients({ dryRun: false, plugins: [plugin] }).ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }));
    await clients({ plugins: [plugin] }).ec2.send(new DeleteVpcCommand({ VpcId: 'vpc-1' }));
    expect(sent.map((s) => s.command)).toEqual(['DescribeVpcsCommand', 'CreateVpcCommand', 'DeleteVpcCommand']);
  });
});

describe('the call log', () => {
  type Logged = Parameters<NonNullable<ClientOptions['onCall']>>[0];

  it('each call: service, operation, how long it took', async () => {
    const logged: Logged[] = [];
    const { plugin } = standIn();
    const started = Date.now();
    await clients({ plugins: [plugin], onCall: (call) => void logged.push(call) }).ec2.send(new DescribeVpcsCommand({}));
    const elapsed = Date.now() - started;
    expect(logged).toEqual([{ service: 'ec2', operation: 'DescribeVpcs', ms: expect.any(Number) }]);
    expect(logged[0]!.ms).toBeGreaterThanOrEqual(0);
    expect(logged[0]!.ms).toBeLessThanOrEqual(elapsed);
  });

  it("a failed call: with AWS's code, or the message when there is none", async () => {
    const logged: Logged[] = [];
    const failures = [awsError('DependencyViolation', 'in use'), new Error('socket hang up')];
    const { plugin } = standIn(() => {
      throw failures.shift()!;
    }, 'build');
    const c = clients({ plugins: [plugin], onCall: (call) => void logged.push(call) });
    const started = Date.now();
    await expect(c.ec2.send(new DeleteVpcCommand({ VpcId: 'vpc-1' }))).rejects.toThrow('DependencyViolation');
    await expect(c.ec2.send(new DeleteVpcCommand({ VpcId: 'vpc-1' }))).rejects.toThrow('socket hang up');
    const elapsed = Date.now() - started;
    expect(logged).toEqual([
      { service: 'ec2', operation: 'DeleteVpc', ms: expect.any(Number), error: 'DependencyViolation' },
      { service: 'ec2', operation: 'DeleteVpc', ms: expect.any(Number), error: 'socket hang up' },
    ]);
    for (const call of logged) expect(call.ms).toBeLessThanOrEqual(elapsed);
    for (const call of logged) expect(call.ms).toBeGreaterThanOrEqual(0);
  });
});

describe('the outermost middleware', () => {
  it("sees what the SDK's own first middleware refuses (an S3 bucket name with a slash): logged, and said as the call's", async () => {
    const logged: Array<{ operation: string; error?: string }> = [];
    const { plugin, sent } = standIn();
    const c = clients({ plugins: [plugin], onCall: (call) => void logged.push(call) });
    const error = await rejectionOf(c.s3.send(new PutObjectCommand({ Bucket: 'bad/name', Key: 'k', Body: 'x' })), AwsCallError);
    expect(error.message).toBe("s3:PutObject: InvalidBucketName — Bucket name shouldn't contain '/', received 'bad/name'");
    expect(logged).toEqual([{ service: 's3', operation: 'PutObject', ms: expect.any(Number), error: 'InvalidBucketName' }]);
    expect(sent).toEqual([]);
  });
});

describe('errors that say which call failed', () => {
  async function failure(input: object, error: Error, options: Partial<ClientOptions> = {}, step: 'deserialize' | 'build' = 'deserialize'): Promise<unknown> {
    const { plugin } = standIn(() => {
      throw error;
    }, step);
    const c = clients({ plugins: [plugin], ...options });
    return c.ec2.send(new DeleteVpcCommand(input as { VpcId: string })).then(
      () => undefined,
      (e: unknown) => e,
    );
  }

  it("AWS's refusal: the call, the resource, AWS's code (kept as the name) and words, the SDK's error as cause", async () => {
    const cause = awsError('DependencyViolation', "The vpc 'vpc-1' has dependencies and cannot be deleted.");
    const error = (await failure({ VpcId: 'vpc-1' }, cause)) as AwsCallError;
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error.message).toBe("ec2:DeleteVpc VpcId=vpc-1: DependencyViolation — The vpc 'vpc-1' has dependencies and cannot be deleted.");
    expect(error.awsCode).toBe('DependencyViolation');
    expect(error.name).toBe('DependencyViolation');
    expect(error.cause).toBe(cause);
    expect(error.hint).toBeUndefined();
  });

  it('with the hint for its code', async () => {
    const error = (await failure({ VpcId: 'vpc-1' }, awsError('UnauthorizedOperation', 'You are not authorized'))) as AwsCallError;
    expect(error.hint).toBe(
      'the credentials in use may not call ec2:DeleteVpc; `shipline permissions --config FILE` prints the policy shipline needs (see "Permissions" in the README)',
    );
  });

  it('names the first *Id, *Arn or *Name field that holds a string, never a token, secret or password', async () => {
    const target = async (input: object) => ((await failure(input, awsError('InvalidParameterValue', 'bad'))) as Error).message;
    expect(await target({ Description: 'x', NameTag: 'n', Ids: 'i', VpcIds: ['vpc-1'], GroupName: 'web', VpcId: 'vpc-2' })).toBe(
      'ec2:DeleteVpc GroupName=web: InvalidParameterValue — bad',
    );
    expect(await target({ TargetGroupArn: 'arn:aws:elasticloadbalancing:tg/1' })).toBe('ec2:DeleteVpc TargetGroupArn=arn:aws:elasticloadbalancing:tg/1: InvalidParameterValue — bad');
    expect(await target({ ClientTokenId: 't', SecretId: 's', PasswordName: 'p', apiTOKENName: 'x', secretArn: 'y', Count: 1 })).toBe(
      'ec2:DeleteVpc: InvalidParameterValue — bad',
    );
    expect(await target({})).toBe('ec2:DeleteVpc: InvalidParameterValue — bad');
    expect(await target({ VpcId: undefined, MaxCount: 1, GroupName: 'web' })).toBe('ec2:DeleteVpc GroupName=web: InvalidParameterValue — bad');
  });

  it('an error with no AWS code (one building the request, before the retry) is thrown as it is', async () => {
    const plain = new Error('cannot build the request');
    await expect(failure({ VpcId: 'vpc-1' }, plain, {}, 'build')).resolves.toBe(plain);
  });

  it("an error the SDK's retry saw (it gained $metadata) is the call's, with its name as code", async () => {
    const error = (await failure({ VpcId: 'vpc-1' }, new Error('unexpected answer'))) as AwsCallError;
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error.message).toBe('ec2:DeleteVpc VpcId=vpc-1: Error — unexpected answer');
  });

  it('an AwsCallError from further in is not wrapped again', async () => {
    const inner = new AwsCallError('s3:GetObject', 'NoSuchKey', 'missing');
    await expect(failure({ VpcId: 'vpc-1' }, inner)).resolves.toBe(inner);
  });

  it('an endpoint out of reach: named, with what to check', async () => {
    const error = (await failure({ VpcId: 'vpc-1' }, Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4566'), { code: 'ECONNREFUSED' }), {
      endpoint: 'http://localhost:4566',
      maxAttempts: 1,
    })) as AwsCallError;
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error.message).toBe('ec2:DeleteVpc: ECONNREFUSED — cannot reach http://localhost:4566: connect ECONNREFUSED 127.0.0.1:4566');
    expect(error.hint).toBe('check that the endpoint in aws.endpoint (http://localhost:4566) is running and reachable from here');
  });

  it("credentials that could not be loaded for the config's profile in no file: the profile named", async () => {
    const saved = { config: process.env.AWS_CONFIG_FILE, credentials: process.env.AWS_SHARED_CREDENTIALS_FILE };
    process.env.AWS_CONFIG_FILE = '/nonexistent/shipline/config';
    process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/shipline/credentials';
    try {
      const error = await failure({ VpcId: 'vpc-1' }, Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }), {
        profile: 'ghost',
      });
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toBe(
        'AWS profile "ghost" (set by aws.profile in the config) does not exist: it is in neither /nonexistent/shipline/config nor /nonexistent/shipline/credentials',
      );
    } finally {
      for (const [name, value] of [['AWS_CONFIG_FILE', saved.config], ['AWS_SHARED_CREDENTIALS_FILE', saved.credentials]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });
});
