// Reads that several steps of one run need, made once: the first step to ask makes the call and
// every later one gets its answer (all the stack's IAM roles in one ListRoles, all its log groups
// in one DescribeLogGroups). An answer is a snapshot from the moment it was read, so a step uses it
// only for what it owns and has not changed yet in this run, and reads anything missing from it
// directly: a shared read can save a call, never hide a resource.

export interface SharedReads {
  /** The answer of `read` for `key` in this run; a read that failed is made again by the next caller. */
  once<T>(key: string, read: () => Promise<T>): Promise<T>;
}

export function sharedReads(): SharedReads {
  const answers = new Map<string, Promise<unknown>>();
  return {
    once<T>(key: string, read: () => Promise<T>): Promise<T> {
      const known = answers.get(key) as Promise<T> | undefined;
      if (known) return known;
      const answer = read();
      answers.set(key, answer);
      answer.catch(() => answers.delete(key));
      return answer;
    },
  };
}
