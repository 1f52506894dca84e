// Independent pieces of a step run at once, each allowed to finish before a failure stops the step.

/**
 * Run independent pieces at once, and wait for every one of them before going on: a failure
 * stops the step only once the others have recorded what they made (the first failure is thrown).
 */
export async function allSettled<T extends readonly unknown[]>(pieces: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const results = await Promise.allSettled(pieces);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
