// Bounded, reported waits (src/aws/wait.ts): the bounds each waiter gets, what a wait reports, how
// it ends (done, timed out, interrupted by Ctrl-C, failed), and what retryWhile retries.
import { WaiterState, type WaiterResult } from '@smithy/core/client';
import { isRoleNotYetAssumable, NOTICE_WITHIN_SECONDS, retryWhile, until, untilSdk, type Poll } from '../src/aws/wait';
import { AwsCallError, InterruptedError, WaitTimeoutError } from '../src/errors';
import type { WaitSettings } from '../src/step';
import { TEST_WAITS } from './helpers/harness';
import { rejectionOf } from './helpers/rejection';
import { waitContext } from './helpers/wait-context';

/** What production waits with against AWS (src/session.ts). */
const AWS_WAITS: WaitSettings = { minDelay: 2, maxDelay: 10, timeoutScale: 1 };
const TIMEOUT_HINT = 'AWS is slower than usual; nothing is lost: run the same command again and it carries on from here';

/** The debug lines a wait logged, without pino's own fields. */
const debugLines = (logs: Array<Record<string, unknown>>) =>
  logs.map(({ msg, what, status, polls }) => ({ msg, what, status, polls }));

/** A check that answers not done `times` times ("pending 1" …), then done with `value`. */
function doneAfter<T>(times: number, value: T): { check: () => Promise<Poll<T>>; calls: () => number } {
  let calls = 0;
  return {
    check: async () => {
      calls += 1;
      return calls > times ? { done: true, value } : { done: false, status: `pending ${calls}` };
    },
    calls: () => calls,
  };
}

interface WaiterParams {
  client: unknown;
  maxWaitTime: number;
  minDelay?: number;
  maxDelay?: number;
  abortSignal?: AbortSignal;
}

/** A stand-in for an SDK waiter (waitUntilX): records what it was given, then answers or throws. */
function sdkWaiter(answer: () => Promise<WaiterResult>) {
  const given: Array<{ params: WaiterParams; input: { Ids: string[] } }> = [];
  const waiter = async (params: WaiterParams, input: { Ids: string[] }) => {
    given.push({ params, input });
    return answer();
  };
  return { waiter, given };
}

/** The error a waiter of the SDK throws for a result other than success (smithy's checkExceptions). */
const thrownResult = (result: object, name = 'Error') => Object.assign(new Error(JSON.stringify(result)), { name });

describe("the waiter's bounds", () => {
  const client = { name: 'ec2 client' };
  async function boundsFor(waits: WaitSettings, timeoutSeconds: number) {
    const { ctx } = waitContext(waits);
    const { waiter, given } = sdkWaiter(async () => ({ state: WaiterState.SUCCESS }));
    await untilSdk(ctx, 'the instance', timeoutSeconds, waiter, client, { Ids: ['i-1'] });
    expect(given).toHaveLength(1);
    expect(given[0]?.params.client).toBe(client);
    expect(given[0]?.params.abortSignal).toBe(ctx.signal);
    expect(given[0]?.input).toEqual({ Ids: ['i-1'] });
    const { maxWaitTime, minDelay, maxDelay } = given[0]!.params;
    return { maxWaitTime, minDelay, maxDelay };
  }

  it('against AWS: the timeout itself, polls from 2 s backing off to 3 s (a change is noticed within 3 s)', async () => {
    expect(NOTICE_WITHIN_SECONDS).toBe(3);
    await expect(boundsFor(AWS_WAITS, 600)).resolves.toEqual({ maxWaitTime: 600, minDelay: 2, maxDelay: 3 });
  });

  it('a slower clock stretches the timeout and the notice bound alike', async () => {
    await expect(boundsFor({ minDelay: 2, maxDelay: 30, timeoutScale: 2 }, 600)).resolves.toEqual({ maxWaitTime: 1200, minDelay: 2, maxDelay: 6 });
  });

  it('a first delay longer than the longest is cut to it', async () => {
    await expect(boundsFor({ minDelay: 5, maxDelay: 30, timeoutScale: 1 }, 600)).resolves.toEqual({ maxWaitTime: 600, minDelay: 3, maxDelay: 3 });
  });

  it('a longest delay below the notice bound is kept', async () => {
    await expect(boundsFor({ minDelay: 1, maxDelay: 2, timeoutScale: 1 }, 600)).resolves.toEqual({ maxWaitTime: 600, minDelay: 1, maxDelay: 2 });
  });

  it('a timeout shorter than two longest delays is stretched to them', async () => {
    await expect(boundsFor({ minDelay: 1, maxDelay: 2, timeoutScale: 1 }, 3)).resolves.toEqual({ maxWaitTime: 4, minDelay: 1, maxDelay: 2 });
  });

  it('a clock of no seconds: the delays as set', async () => {
    await expect(boundsFor({ minDelay: 1, maxDelay: 8, timeoutScale: 0 }, 600)).resolves.toEqual({ maxWaitTime: 16, minDelay: 1, maxDelay: 8 });
  });

  it('nothing to wait at all still gives the waiter a bound above zero', async () => {
    await expect(boundsFor({ minDelay: 0, maxDelay: 0, timeoutScale: 0 }, 0)).resolves.toEqual({ maxWaitTime: 0.001, minDelay: 0, maxDelay: 0 });
  });
});

describe('until', () => {
  it('done at the first check: its value, nothing reported, nothing logged', async () => {
    const { ctx, progress, logs } = waitContext();
    const { check, calls } = doneAfter(0, 'vpc-1');
    await expect(until(ctx, 'the VPC', 60, check)).resolves.toBe('vpc-1');
    expect(calls()).toBe(1);
    expect(progress).toEqual([]);
    expect(logs).toEqual([]);
  });

  it('done later: reports each status, logs from the second poll on, then the end', async () => {
    const { ctx, progress, logs } = waitContext();
    const { check, calls } = doneAfter(3, 'vpc-1');
    await expect(until(ctx, 'the VPC', 60, check)).resolves.toBe('vpc-1');
    expect(calls()).toBe(4);
    expect(progress).toEqual(['waiting for the VPC: pending 1', 'waiting for the VPC: pending 2', 'waiting for the VPC: pending 3']);
    expect(debugLines(logs)).toEqual([
      { msg: 'still waiting', what: 'the VPC', status: 'pending 2', polls: 1 },
      { msg: 'still waiting', what: 'the VPC', status: 'pending 3', polls: 2 },
      { msg: 'wait over', what: 'the VPC', status: undefined, polls: undefined },
    ]);
    expect(logs[2]?.seconds).toMatch(/^\d+\.\d$/);
  });

  it('never done: gives up after the bound, saying how long, the last status and that a re-run carries on', async () => {
    const { ctx } = waitContext();
    let calls = 0;
    const started = Date.now();
    const error = await rejectionOf(
      until(ctx, 'the NAT gateway', 10, async () => ({ done: false, status: `pending ${++calls}` })),
      WaitTimeoutError,
    );
    const elapsed = (Date.now() - started) / 1000;
    const match = /^gave up waiting for the NAT gateway after (\d+\.\d)s \(still: pending (\d+)\)$/.exec(error.message);
    expect(match).not.toBeNull();
    expect(Number(match![1])).toBeLessThanOrEqual(elapsed + 0.05);
    // 10 AWS seconds at 5 ms each: 50 ms at least.
    expect(Number(match![1])).toBeGreaterThanOrEqual(0);
    expect(elapsed).toBeGreaterThanOrEqual(0.04);
    expect(Number(match![2])).toBe(calls);
    expect(calls).toBeGreaterThan(1);
    expect(error.hint).toBe(TIMEOUT_HINT);
  });

  it('Ctrl-C while waiting: interrupted, naming what and the step, saying a re-run carries on', async () => {
    const controller = new AbortController();
    const { ctx } = waitContext(TEST_WAITS, controller.signal);
    let calls = 0;
    const error = await rejectionOf(
      until(ctx, 'the service', 600, async () => {
        calls += 1;
        if (calls === 2) controller.abort();
        return { done: false, status: 'deploying' };
      }),
      InterruptedError,
    );
    expect(error.message).toBe('interrupted while waiting for the service (step network); state is saved, run the command again to carry on');
    expect(calls).toBe(2);
  });

  it('Ctrl-C during the first check: interrupted, not a value', async () => {
    const controller = new AbortController();
    const { ctx } = waitContext(TEST_WAITS, controller.signal);
    const error = await rejectionOf(
      until(ctx, 'the service', 600, async () => {
        // Once the waiter listens for the signal: the check starts before it does.
        await Promise.resolve();
        controller.abort();
        await new Promise((resolve) => setTimeout(resolve, 20));
        return { done: false, status: 'deploying' };
      }),
      InterruptedError,
    );
    expect(error.message).toBe('interrupted while waiting for the service (step network); state is saved, run the command again to carry on');
  });

  it("a check's failure ends the wait with it", async () => {
    const { ctx } = waitContext();
    const failure = new Error('AccessDenied');
    await expect(until(ctx, 'the VPC', 60, async () => Promise.reject(failure))).rejects.toBe(failure);
  });
});

describe('untilSdk', () => {
  it('reports what it waits for, then logs the end', async () => {
    const { ctx, progress, logs } = waitContext();
    const { waiter } = sdkWaiter(async () => ({ state: WaiterState.SUCCESS }));
    await expect(untilSdk(ctx, 'the load balancer', 600, waiter, {}, { Ids: [] })).resolves.toBeUndefined();
    expect(progress).toEqual(['waiting for the load balancer']);
    expect(debugLines(logs)).toEqual([{ msg: 'wait over', what: 'the load balancer', status: undefined, polls: undefined }]);
  });

  it("the waiter's timeout (its TimeoutError): gave up, with no last status", async () => {
    const { ctx } = waitContext();
    const { waiter } = sdkWaiter(async () => Promise.reject(thrownResult({ state: 'TIMEOUT', reason: 'Waiter has timed out' }, 'TimeoutError')));
    const error = await rejectionOf(untilSdk(ctx, 'the load balancer', 600, waiter, {}, { Ids: [] }), WaitTimeoutError);
    expect(error.message).toMatch(/^gave up waiting for the load balancer after \d+\.\ds$/);
    expect(error.hint).toBe(TIMEOUT_HINT);
  });

  it("Ctrl-C (the waiter's AbortError): interrupted", async () => {
    const { ctx } = waitContext();
    const { waiter } = sdkWaiter(async () => Promise.reject(thrownResult({ state: 'ABORTED' }, 'AbortError')));
    const error = await rejectionOf(untilSdk(ctx, 'the load balancer', 600, waiter, {}, { Ids: [] }), InterruptedError);
    expect(error.message).toBe('interrupted while waiting for the load balancer (step network); state is saved, run the command again to carry on');
  });

  it('an abort or a timeout in words, not a waiter result (the HTTP layer\'s): interrupted, gave up', async () => {
    const { ctx } = waitContext();
    const aborted = sdkWaiter(async () => Promise.reject(Object.assign(new Error('The operation was aborted'), { name: 'AbortError' })));
    await expect(untilSdk(ctx, 'the service', 600, aborted.waiter, {}, { Ids: [] })).rejects.toBeInstanceOf(InterruptedError);
    const timedOut = sdkWaiter(async () => Promise.reject(Object.assign(new Error('Connection timed out after 1000 ms'), { name: 'TimeoutError' })));
    await expect(untilSdk(ctx, 'the service', 600, timedOut.waiter, {}, { Ids: [] })).rejects.toThrow(/^gave up waiting for the service after \d+\.\ds$/);
  });

  it('a waiter that reached a failure state: says so, with its reason', async () => {
    const { ctx } = waitContext();
    const { waiter } = sdkWaiter(async () =>
      Promise.reject(thrownResult({ state: 'FAILURE', reason: { name: 'ResourceNotReady', message: 'the instance is terminated' } })),
    );
    const error = await rejectionOf(untilSdk(ctx, 'the instance', 600, waiter, {}, { Ids: [] }), WaitTimeoutError);
    expect(error.message).toBe('waiting for the instance failed: ResourceNotReady — the instance is terminated');
    expect(error.hint).toBeUndefined();
  });

  it('a failure state without a reason: "unexpected state"', async () => {
    const { ctx } = waitContext();
    const { waiter } = sdkWaiter(async () => Promise.reject(thrownResult({ state: 'FAILURE' })));
    await expect(untilSdk(ctx, 'the instance', 600, waiter, {}, { Ids: [] })).rejects.toThrow(/^waiting for the instance failed: unexpected state$/);
  });

  it('a reason with a name and no message: the name alone', async () => {
    const { ctx } = waitContext();
    const { waiter } = sdkWaiter(async () => ({ state: WaiterState.FAILURE, reason: { name: 'ServicesInactive' } }));
    await expect(untilSdk(ctx, 'the service', 600, waiter, {}, { Ids: [] })).rejects.toThrow(/^waiting for the service failed: ServicesInactive$/);
  });

  it('an error of the call itself (not a waiter result) is thrown as it is', async () => {
    const { ctx } = waitContext();
    for (const failure of [
      new AwsCallError('ec2:DescribeInstances', 'UnauthorizedOperation', 'no'),
      new Error('{"state": 1}'),
      new Error('null'),
      new Error('"FAILURE"'),
    ]) {
      const { waiter } = sdkWaiter(async () => Promise.reject(failure));
      await expect(untilSdk(ctx, 'the instance', 600, waiter, {}, { Ids: [] })).rejects.toBe(failure);
    }
  });

  it('something thrown that is not an Error is thrown as it is', async () => {
    const { ctx } = waitContext();
    for (const thrown of ['{"state":"ABORTED"}', null]) {
      const { waiter } = sdkWaiter(async () => Promise.reject(thrown));
      await expect(untilSdk(ctx, 'the instance', 600, waiter, {}, { Ids: [] })).rejects.toBe(thrown);
    }
  });
});

describe('retryWhile', () => {
  const refusal = (code: string, message = `${code} for now`) => Object.assign(new Error(message), { name: code });

  it('retries the codes given, reporting each refusal, until the call passes', async () => {
    const { ctx, progress } = waitContext();
    let calls = 0;
    const value = await retryWhile(ctx, 'deleting the subnet', 60, ['DependencyViolation', 'InvalidParameterValue'], async () => {
      calls += 1;
      if (calls === 1) throw refusal('DependencyViolation', 'still used by eni-1');
      if (calls === 2) throw refusal('InvalidParameterValue', 'not yet');
      return 'deleted';
    });
    expect(value).toBe('deleted');
    expect(progress).toEqual(['waiting for deleting the subnet: still used by eni-1', 'waiting for deleting the subnet: not yet']);
  });

  it('anything else is thrown at once', async () => {
    const { ctx } = waitContext();
    let calls = 0;
    const failure = refusal('AccessDenied');
    await expect(
      retryWhile(ctx, 'deleting the subnet', 60, ['DependencyViolation'], async () => {
        calls += 1;
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(calls).toBe(1);
  });

  it('a predicate decides what passes', async () => {
    const { ctx } = waitContext();
    let calls = 0;
    const seen: unknown[] = [];
    const value = await retryWhile(
      ctx,
      'creating the project',
      60,
      (error) => {
        seen.push(error);
        return error instanceof Error && error.message === 'role not ready';
      },
      async () => {
        calls += 1;
        if (calls < 3) throw new Error('role not ready');
        return calls;
      },
    );
    expect(value).toBe(3);
    expect(seen).toHaveLength(2);
    const failure = new Error('other');
    await expect(retryWhile(ctx, 'creating the project', 60, () => false, async () => Promise.reject(failure))).rejects.toBe(failure);
  });

  it('a refusal that lasts past the bound: gave up, with the last refusal', async () => {
    const { ctx } = waitContext();
    const error = await rejectionOf(
      retryWhile(ctx, 'deleting the subnet', 5, ['DependencyViolation'], async () => Promise.reject(refusal('DependencyViolation', 'still used by eni-1'))),
      WaitTimeoutError,
    );
    expect(error.message).toMatch(/^gave up waiting for deleting the subnet after \d+\.\ds \(still: still used by eni-1\)$/);
  });
});

describe('isRoleNotYetAssumable', () => {
  const error = (name: string, message: string) => Object.assign(new Error(message), { name });

  it.each([
    ['InvalidInputException', 'CodeBuild is not authorized to perform: sts:AssumeRole on service role'],
    ['InvalidStructureException', 'CodePipeline is not authorized to perform AssumeRole on role arn:aws:iam::1:role/p'],
    ['InvalidParameterException', 'ECS was unable to assume the role'],
    ['ClientException', 'Unable to assume role and validate the listeners'],
    ['AccessDeniedException', 'cannot ASSUME ROLE yet'],
  ])('%s "%s": a role not yet assumable', (name, message) => {
    expect(isRoleNotYetAssumable(error(name, message))).toBe(true);
  });

  it('the same words with another code, or another refusal with these codes: not that', () => {
    expect(isRoleNotYetAssumable(error('ValidationError', 'not authorized to perform: sts:AssumeRole'))).toBe(false);
    expect(isRoleNotYetAssumable(error('InvalidInputException', 'Invalid source location'))).toBe(false);
    expect(isRoleNotYetAssumable(error('AccessDeniedException', 'User is not authorized to perform: codebuild:CreateProject'))).toBe(false);
    expect(isRoleNotYetAssumable(new Error('AssumeRole'))).toBe(false);
  });
});
