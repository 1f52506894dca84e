// Reads that several steps of one run need, made once: the first step to ask makes the call and
// every later one gets its answer (all the stack's IAM roles in one ListRoles, all its log groups
// in one DescribeLogGroups). An answer is a snapshot from the moment it was read, so it may only
// confirm that something a step owns is already as it should be; whatever the snapshot lacks or
// shows different is read directly, and any change is decided on that read. A shared read can
// save a call, never hide a resource nor cause a change.

export interface SharedReads {
  /** The answer of `read` for `key` in this run; a read that failed is made again by the next caller. */
  once<T>(key: string, read: () => Promise<T>): Promise<T>;
  /** Gives a read a step made for itself to later steps of the run (the first answer for a key stays). */
  offer<T>(key: string, answer: T): void;
  /** The answer for `key` if a step read or offered it this run (undefined if it failed); never reads. */
  peek<T>(key: string): Promise<T | undefined> | undefined;
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
    offer<T>(key: string, answer: T): void {
      if (!answers.has(key)) answers.set(key, Promise.resolve(answer));
    },
    peek<T>(key: string): Promise<T | undefined> | undefined {
      return (answers.get(key) as Promise<T> | undefined)?.catch(() => undefined);
    },
  };
}
