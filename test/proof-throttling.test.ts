// Guarantee 3: throttling and flakiness. Real SDK clients (middleware, the SDK's own adaptive retry
// strategy and rate limiter) against a sandbox that answers 30% of calls with a throttling error
// (RequestLimitExceeded from EC2, ThrottlingException elsewhere) and 5% with InternalError:
// provision and destroy converge to what an unflaky run makes. Only the
// retry delays are shrunk (the SDK's 1 s throttling base would make this test take minutes); the
// attempts are production's.
import { AdaptiveRetryStrategy, DefaultRateLimiter } from '@smithy/core/retry';
import { AwsClients, DEFAULT_MAX_ATTEMPTS } from '../src/aws/clients';
import { Sandbox } from '../src/sandbox/sandbox';
import { harness, shape, type Harness } from './helpers/harness';

let h: Harness | undefined;
afterEach(() => h?.restore());

/** The SDK's adaptive strategy with production's attempts, no backoff delay, and a rate limiter whose floor is high. */
const fastAdaptiveRetry = () =>
  new AdaptiveRetryStrategy(DEFAULT_MAX_ATTEMPTS, {
    rateLimiter: new DefaultRateLimiter({ minFillRate: 100_000, minCapacity: 100_000 }),
    backoff: { computeNextBackoffDelay: () => 0, setDelayBase: () => undefined },
  });

function flakyHarness(seed: number): Harness {
  const sandbox = new Sandbox({ region: 'eu-west-3' });
  sandbox.faults.flaky({ throttle: 0.3, serverError: 0.05, seed });
  return harness({ sandbox, adapter: 'client', clientOptions: { retryStrategy: fastAdaptiveRetry } });
}

async function referenceInventory(): Promise<string[]> {
  const clean = harness({ adapter: 'client', clientOptions: { retryStrategy: fastAdaptiveRetry } });
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

// EC2 throttles with RequestLimitExceeded, the JSON services with ThrottlingException.
const INJECTED = ['ThrottlingException', 'RequestLimitExceeded', 'InternalError'];
const callKey = (c: { service: string; operation: string; input: unknown }) => `${c.service}:${c.operation}:${JSON.stringify(c.input)}`;

/** Injected errors that no later call of the same operation with the same input followed: none, if the SDK retried each. */
function unretried(x: Harness, from: number, to = x.sandbox.calls.length): string[] {
  const calls = x.sandbox.calls.slice(from, to);
  return calls
    .filter((c, i) => INJECTED.includes(c.error ?? '') && !calls.slice(i + 1).some((later) => callKey(later) === callKey(c)))
    .map((c) => `#${c.seq} ${c.service}:${c.operation} ${c.error}`);
}

/** Calls whose last DEFAULT_MAX_ATTEMPTS attempts were all injected errors: the SDK's retry policy ran out. */
function exhausted(x: Harness, from: number): string[] {
  const attempts = new Map<string, Array<string | undefined>>();
  for (const c of x.sandbox.calls.slice(from)) attempts.set(callKey(c), [...(attempts.get(callKey(c)) ?? []), c.error]);
  return [...attempts.entries()]
    .filter(([, errors]) => errors.length >= DEFAULT_MAX_ATTEMPTS && errors.slice(-DEFAULT_MAX_ATTEMPTS).every((e) => INJECTED.includes(e ?? '')))
    .map(([key]) => key);
}

/**
 * Run until it succeeds. A run may fail only because one call drew DEFAULT_MAX_ATTEMPTS injected
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
    expect(result.stderr).toMatch(/ThrottlingException|RequestLimitExceeded|InternalError/);
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
    expect((seen.ThrottlingException ?? 0) + (seen.RequestLimitExceeded ?? 0)).toBeGreaterThan(20);
    expect(seen.RequestLimitExceeded).toBeGreaterThan(5);
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

describe('the retry policy AWS calls get in production', () => {
  it('is the SDK\'s adaptive retry with bounded attempts, in every client', async () => {
    const clients = new AwsClients({ region: 'eu-west-3' });
    for (const client of [clients.ec2, clients.ecs, clients.iam, clients.s3]) {
      const strategy = await client.config.retryStrategy();
      expect((strategy as { mode?: string }).mode).toBe('adaptive');
      expect(await client.config.maxAttempts()).toBe(DEFAULT_MAX_ATTEMPTS);
    }
    clients.destroy();
  });
});
