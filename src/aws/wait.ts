// Bounded, reported waits for what AWS does slowly. The SDK's own waiters where they exist
// (`untilSdk`), and the same waiter machinery (createWaiter: jittered backoff, abort signal,
// max wait time) for the checks the SDK has no waiter for (`until`). Both report what they wait
// for as live progress and turn a timeout into a message that says a re-run carries on.
import { createWaiter, WaiterState, type WaiterResult } from '@smithy/core/client';
import { InterruptedError, messageOf, WaitTimeoutError } from '../errors';
import { isAwsError } from './errors';
import type { StepContext } from '../step';

/** A waiter function as the SDK generates them: `waitUntilInstanceRunning` and the like. */
type SdkWaiter<Client, Input> = (
  params: { client: Client; maxWaitTime: number; minDelay?: number; maxDelay?: number; abortSignal?: AbortSignal },
  input: Input,
) => Promise<WaiterResult>;

export type Poll<T> = { done: true; value: T } | { done: false; status: string };

/** Wait until `check` says done, polling with backoff, for at most `timeoutSeconds` (scaled). */
export async function until<T>(
  ctx: Pick<StepContext, 'waits' | 'signal' | 'progress' | 'log' | 'step'>,
  what: string,
  timeoutSeconds: number,
  check: () => Promise<Poll<T>>,
): Promise<T> {
  const started = Date.now();
  let last: Poll<T> | undefined;
  let polls = 0;
  // The waiter's first check is immediate (nothing to wait for is the common case on a re-run);
  // only a check that finds it not done yet is reported.
  const result = await createWaiter(waiterOptions(ctx, timeoutSeconds, undefined), undefined, async () => {
    last = await check();
    if (last.done) return { state: WaiterState.SUCCESS };
    ctx.progress(`waiting for ${what}: ${last.status}`);
    if (polls > 0) ctx.log.debug({ what, status: last.status, polls }, 'still waiting');
    polls += 1;
    return { state: WaiterState.RETRY };
  });
  if (result.state === WaiterState.SUCCESS && polls === 0) return (last as { value: T }).value;
  return finish(ctx, what, result, started, () => (last && !last.done ? last.status : undefined), () => (last as { value: T }).value);
}

/** Run one of the SDK's own waiters, bounded and reported like `until`. */
export async function untilSdk<Client, Input>(
  ctx: Pick<StepContext, 'waits' | 'signal' | 'progress' | 'log' | 'step'>,
  what: string,
  timeoutSeconds: number,
  waiter: SdkWaiter<Client, Input>,
  client: Client,
  input: Input,
): Promise<void> {
  const started = Date.now();
  ctx.progress(`waiting for ${what}`);
  let result: WaiterResult;
  try {
    result = await waiter({ ...waiterOptions(ctx, timeoutSeconds, client) }, input);
  } catch (error) {
    result = waiterFailure(error);
  }
  finish(ctx, what, result, started, () => undefined, () => undefined);
}

/**
 * The SDK's waiters throw on anything but success (smithy's checkExceptions): AbortError and
 * TimeoutError by name, otherwise the waiter result serialized as the message.
 */
function waiterFailure(error: unknown): WaiterResult {
  if (!(error instanceof Error)) throw error;
  if (error.name === 'AbortError') return { state: WaiterState.ABORTED };
  if (error.name === 'TimeoutError') return { state: WaiterState.TIMEOUT };
  try {
    const parsed = JSON.parse(error.message) as WaiterResult;
    if (parsed && typeof parsed.state === 'string') return parsed;
  } catch {
    // not a waiter result: an error of the call itself
  }
  throw error;
}

/**
 * A state change is noticed within this many AWS seconds at worst: the backoff never polls less
 * often, whatever the settings say (the SDK waiters' own defaults poll every 15 to 120 s).
 */
export const NOTICE_WITHIN_SECONDS = 3;

function waiterOptions<Client>(ctx: Pick<StepContext, 'waits' | 'signal'>, timeoutSeconds: number, client: Client) {
  const { minDelay, maxDelay, timeoutScale } = ctx.waits;
  // At least two of the longest delays (so no longer bound than half the wait is needed below).
  const maxWaitTime = Math.max(timeoutSeconds * timeoutScale, maxDelay * 2, 0.001);
  // `timeoutScale` is how long one AWS second lasts here: 1 against AWS, less on the sandbox's clock.
  const longest = Math.min(maxDelay, timeoutScale > 0 ? NOTICE_WITHIN_SECONDS * timeoutScale : maxDelay);
  return {
    client,
    maxWaitTime,
    minDelay: Math.min(minDelay, longest),
    maxDelay: longest,
    abortSignal: ctx.signal,
  };
}

function finish<T>(
  ctx: Pick<StepContext, 'log' | 'step'>,
  what: string,
  result: WaiterResult,
  started: number,
  lastStatus: () => string | undefined,
  value: () => T,
): T {
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  switch (result.state) {
    case WaiterState.SUCCESS:
      ctx.log.debug({ what, seconds }, 'wait over');
      return value();
    case WaiterState.ABORTED:
      throw new InterruptedError(`interrupted while waiting for ${what} (step ${ctx.step}); state is saved, run the command again to carry on`);
    case WaiterState.TIMEOUT: {
      const status = lastStatus();
      throw new WaitTimeoutError(`gave up waiting for ${what} after ${seconds}s${status ? ` (still: ${status})` : ''}`, {
        hint: 'AWS is slower than usual; nothing is lost: run the same command again and it carries on from here',
      });
    }
    default: {
      const reason = result.reason as { name?: string; message?: string } | undefined;
      throw new WaitTimeoutError(`waiting for ${what} failed: ${reason?.name ?? 'unexpected state'}${reason?.message ? ` — ${reason.message}` : ''}`);
    }
  }
}

/**
 * Run `attempt` until AWS stops refusing it with one of `codes`, or a refusal `passes` says will
 * pass (DependencyViolation while ENIs drain, a new role not yet assumable …), bounded and
 * reported like `until`. Anything else is thrown at once: don't retry what cannot succeed.
 */
export async function retryWhile<T>(
  ctx: Pick<StepContext, 'waits' | 'signal' | 'progress' | 'log' | 'step'>,
  what: string,
  timeoutSeconds: number,
  passes: readonly string[] | ((error: unknown) => boolean),
  attempt: () => Promise<T>,
): Promise<T> {
  const transient = typeof passes === 'function' ? passes : (error: unknown) => isAwsError(error, ...passes);
  return until(ctx, what, timeoutSeconds, async () => {
    try {
      return { done: true, value: await attempt() };
    } catch (error) {
      if (transient(error)) return { done: false, status: messageOf(error) };
      throw error;
    }
  });
}

/**
 * A role created seconds ago is not yet assumable everywhere: CodeBuild answers InvalidInputException
 * "… not authorized to perform: sts:AssumeRole", CodePipeline InvalidStructureException "… not
 * authorized to perform AssumeRole …", ECS "… unable to assume role". Only these are retried.
 */
export function isRoleNotYetAssumable(error: unknown): boolean {
  return (
    isAwsError(error, 'InvalidInputException', 'InvalidStructureException', 'InvalidParameterException', 'ClientException', 'AccessDeniedException') &&
    /AssumeRole|assume role|unable to assume/i.test(messageOf(error))
  );
}
