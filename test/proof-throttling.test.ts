// Guarantee 3: throttling and flakiness. Real SDK clients (middleware, the SDK's own adaptive retry
// strategy and rate limiter) against a sandbox that answers 30% of calls with a throttling error
// (RequestLimitExceeded from EC2, ThrottlingException elsewhere) and 5% with InternalError:
// provision and destroy converge to what an unflaky run makes. Only the
// retry delays are shrunk (the SDK's 1 s throttling base would make this test take minutes); the
// strategy, its mode and its attempts are production's, as `AwsClients` builds them.
import { DefaultRateLimiter } from '@smithy/core/retry';
import { AwsClients, SERVICE_NAMES, type ClientOptions, type ServiceName } from '../src/aws/clients';
import { sandboxClientOptions } from '../src/sandbox/client-plugin';
import { Sandbox } from '../src/sandbox/sandbox';
import { harness, shape, type Harness } from './helpers/harness';

let h: Harness | undefined;
afterEach(() => h?.restore());

/** What production retries, written out here rather than imported, so a change to it fails this file. */
const PRODUCTION_ATTEMPTS = 8;

/** No backoff delay, and a rate limiter whose floor is high: the only thing tests change. */
const noDelays: ClientOptions['retryDelays'] = () => ({
  rateLimiter: new DefaultRateLimiter({ minFillRate: 100_000, minCapacity: 100_000 }),
  backoff: { computeNextBackoffDelay: () => 0, setDelayBase: () => undefined },
});

function flakyHarness(seed: number): Harness {
  const sandbox = new Sandbox({ region: 'eu-west-3' });
  sandbox.faults.flaky({ throttle: 0.3, serverError: 0.05, seed });
  return harness({ sandbox, adapter: 'client', clientOptions: { retryDelays: noDelays } });
}

async function referenceInventory(): Promise<string[]> {
  const clean = harness({ adapter: 'client', clientOptions: { retryDelays: noDelays } });
  await clean.ok('provision');
  clean.restore();
  return shape(clean.sandbox);
}

/** Calls that failed, by error name. */
function failures(x: Harness): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of x.sandbox.calls) if (c.error) out[c.error] = (out[c.error] ?? 0) + 1;
  return out;
}

// Each service's own throttling code: EC2 RequestLimitExceeded, S3 SlowDown (503), IAM, ELBv2, STS
// and Route 53 Throttling, the JSON services ThrottlingException (src/sandbox/README.md cites them).
const THROTTLED_AS: Partial<Record<ServiceName, string>> = { ec2: 'RequestLimitExceeded', s3: 'SlowDown', iam: 'Throttling', elbv2: 'Throttling', sts: 'Throttling', route53: 'Throttling' };
const throttlingCode = (service: ServiceName) => THROTTLED_AS[service] ?? 'ThrottlingException';
const INJECTED = ['ThrottlingException', 'RequestLimitExceeded', 'SlowDown', 'Throttling', 'InternalError'];
const callKey = (c: { service: string; operation: string; input: unknown }) => `${c.service}:${c.operation}:${JSON.stringify(c.input)}`;

/** Injected errors that no later call of the same operation with the same input followed: none, if the SDK retried each. */
function unretried(x: Harness, from: number, to = x.sandbox.calls.length): string[] {
  const calls = x.sandbox.calls.slice(from, to);
  return calls
    .filter((c, i) => INJECTED.includes(c.error ?? '') && !calls.slice(i + 1).some((later) => callKey(later) === callKey(c)))
    .map((c) => `#${c.seq} ${c.service}:${c.operation} ${c.error}`);
}

/** Calls whose last PRODUCTION_ATTEMPTS attempts were all injected errors: the SDK's retry policy ran out. */
function exhausted(x: Harness, from: number): string[] {
  const attempts = new Map<string, Array<string | undefined>>();
  for (const c of x.sandbox.calls.slice(from)) attempts.set(callKey(c), [...(attempts.get(callKey(c)) ?? []), c.error]);
  return [...attempts.entries()]
    .filter(([, errors]) => errors.length >= PRODUCTION_ATTEMPTS && errors.slice(-PRODUCTION_ATTEMPTS).every((e) => INJECTED.includes(e ?? '')))
    .map(([key]) => key);
}

/**
 * Run until it succeeds. A run may fail only because one call drew PRODUCTION_ATTEMPTS injected
 * errors in a row (beyond any retry policy): then it must say so, and the next run carries on.
 */
async function converge(x: Harness, ...args: string[]): Promise<number> {
  for (let runs = 1; runs <= 3; runs++) {
    const from = x.sandbox.calls.length;
    const result = await x.run(...args);
    if (result.code === 0) {
      expect(unretried(x, from)).toEqual([]);
      return runs;
    }
    const why = exhausted(x, from);
    expect({ args, code: result.code, exhaustedRetries: why.length > 0, stderr: why.length > 0 ? '' : result.stderr }).toEqual({ args, code: 1, exhaustedRetries: true, stderr: '' });
    expect(result.stderr).toMatch(/ThrottlingException|RequestLimitExceeded|SlowDown|Throttling|InternalError/);
  }
  throw new Error(`shipline ${args.join(' ')} did not converge in 3 runs`);
}

describe('with 30% of calls throttled and 5% failing with 500', () => {
  it.each([11, 29, 47])('provision and destroy converge, every injected error retried by the SDK (seed %i)', async (seed) => {
    const inventory = await referenceInventory();
    h = flakyHarness(seed);

    await converge(h, 'provision');
    expect(shape(h.sandbox)).toEqual(inventory);
    const seen = failures(h);
    expect((seen.ThrottlingException ?? 0) + (seen.RequestLimitExceeded ?? 0) + (seen.Throttling ?? 0) + (seen.SlowDown ?? 0)).toBeGreaterThan(20);
    expect(seen.RequestLimitExceeded).toBeGreaterThan(5);
    expect(seen.Throttling).toBeGreaterThan(2);
    expect(seen.InternalError).toBeGreaterThan(2);

    // Converged for real: a calm run finds nothing to change.
    h.sandbox.faults.clear();
    const before = h.sandbox.mutatingCalls().length;
    await h.ok('provision');
    expect(h.sandbox.mutatingCalls().length).toBe(before);

    h.sandbox.faults.flaky({ throttle: 0.3, serverError: 0.05, seed: seed + 1 });
    await converge(h, 'destroy', '--yes');
    expect(h.sandbox.inventory()).toEqual([]);
  });
});

/** One read per service that the sandbox models, to count how often production's clients try it. */
const ONE_READ: Record<ServiceName, [operation: string, send: (c: AwsClients) => Promise<unknown>]> = {
  ec2: ['DescribeVpcs', async (c) => c.ec2.send(new (await import('@aws-sdk/client-ec2')).DescribeVpcsCommand({}))],
  sts: ['GetCallerIdentity', async (c) => c.sts.send(new (await import('@aws-sdk/client-sts')).GetCallerIdentityCommand({}))],
  elbv2: ['DescribeLoadBalancers', async (c) => c.elbv2.send(new (await import('@aws-sdk/client-elastic-load-balancing-v2')).DescribeLoadBalancersCommand({}))],
  ecs: ['DescribeClusters', async (c) => c.ecs.send(new (await import('@aws-sdk/client-ecs')).DescribeClustersCommand({ clusters: ['x'] }))],
  ecr: ['DescribeRepositories', async (c) => c.ecr.send(new (await import('@aws-sdk/client-ecr')).DescribeRepositoriesCommand({}))],
  iam: ['ListRoles', async (c) => c.iam.send(new (await import('@aws-sdk/client-iam')).ListRolesCommand({}))],
  logs: ['DescribeLogGroups', async (c) => c.logs.send(new (await import('@aws-sdk/client-cloudwatch-logs')).DescribeLogGroupsCommand({}))],
  s3: ['ListBuckets', async (c) => c.s3.send(new (await import('@aws-sdk/client-s3')).ListBucketsCommand({}))],
  codebuild: ['BatchGetProjects', async (c) => c.codebuild.send(new (await import('@aws-sdk/client-codebuild')).BatchGetProjectsCommand({ names: ['x'] }))],
  codepipeline: ['ListPipelines', async (c) => c.codepipeline.send(new (await import('@aws-sdk/client-codepipeline')).ListPipelinesCommand({}))],
  connections: ['ListConnections', async (c) => c.connections.send(new (await import('@aws-sdk/client-codestar-connections')).ListConnectionsCommand({}))],
  codedeploy: ['ListApplications', async (c) => c.codedeploy.send(new (await import('@aws-sdk/client-codedeploy')).ListApplicationsCommand({}))],
  ssm: ['DescribeParameters', async (c) => c.ssm.send(new (await import('@aws-sdk/client-ssm')).DescribeParametersCommand({}))],
  secretsmanager: ['ListSecrets', async (c) => c.secretsmanager.send(new (await import('@aws-sdk/client-secrets-manager')).ListSecretsCommand({}))],
  appautoscaling: ['DescribeScalableTargets', async (c) => c.appautoscaling.send(new (await import('@aws-sdk/client-application-auto-scaling')).DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs' }))],
  acm: ['ListCertificates', async (c) => c.acm.send(new (await import('@aws-sdk/client-acm')).ListCertificatesCommand({}))],
  route53: ['ListHostedZonesByName', async (c) => c.route53.send(new (await import('@aws-sdk/client-route-53')).ListHostedZonesByNameCommand({}))],
};

describe('the retry policy AWS calls get in production', () => {
  it('covers all seventeen services shipline calls', () => {
    expect([...SERVICE_NAMES].sort()).toEqual(
      ['acm', 'appautoscaling', 'codebuild', 'codedeploy', 'codepipeline', 'connections', 'ec2', 'ecr', 'ecs', 'elbv2', 'iam', 'logs', 'route53', 's3', 'secretsmanager', 'ssm', 'sts'],
    );
  });

  it.each(Object.keys(ONE_READ) as ServiceName[])('%s: the SDK\'s adaptive retry, 8 attempts of a throttled call, then the error', async (service) => {
    const sandbox = new Sandbox({ region: 'eu-west-3' });
    sandbox.faults.flaky({ throttle: 1, serverError: 0, seed: 1 });
    const clients = new AwsClients({ ...sandboxClientOptions(sandbox), retryDelays: noDelays });
    const [operation, send] = ONE_READ[service]!;
    const strategy = await clients.client(service).config.retryStrategy();
    expect((strategy as { mode?: string }).mode).toBe('adaptive');
    const code = throttlingCode(service);
    await expect(send(clients)).rejects.toMatchObject({ name: code });
    const attempts = sandbox.calls.filter((c) => c.operation === operation);
    expect(attempts).toHaveLength(PRODUCTION_ATTEMPTS);
    expect(attempts.every((c) => c.error === code)).toBe(true);
    clients.destroy();
  });
});
