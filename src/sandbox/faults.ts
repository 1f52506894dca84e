// Fault injection: what real AWS does to a run now and then, on demand. A "crash" is a failure
// injected right after the sandbox applied a mutating call, before the caller could record it.
import { awsError } from './world';

export interface CallInfo {
  service: string;
  operation: string;
  mutating: boolean;
  input: unknown;
  /** 1-based count of mutating calls so far, this one included (0 for reads). */
  mutationIndex: number;
}

/** Runs before a call; throw to fail it. */
export type CallHook = (call: CallInfo) => void;

export class InjectedCrash extends Error {
  override readonly name = 'SandboxInjectedCrash';
}

export class Faults {
  private crashAfter: number | undefined;
  private failBefore: number | undefined;
  private throttleRate = 0;
  private serverErrorRate = 0;
  private seed = 1;
  private readonly hooks: CallHook[] = [];

  /** The N-th mutating call is applied, then the caller sees a failure (a process dying mid-run). */
  crashAfterMutation(n: number): this {
    this.crashAfter = n;
    return this;
  }

  /** The N-th mutating call fails before it changes anything. */
  failBeforeMutation(n: number): this {
    this.failBefore = n;
    return this;
  }

  /** Answer a share of calls with ThrottlingException (400) and InternalError (500), reproducibly. */
  flaky(options: { throttle?: number; serverError?: number; seed?: number }): this {
    this.throttleRate = options.throttle ?? 0;
    this.serverErrorRate = options.serverError ?? 0;
    this.seed = options.seed ?? 1;
    return this;
  }

  /** A hook run before every call (or only `operation`'s); it may throw to inject an error. */
  on(operation: string | undefined, hook: CallHook): this {
    this.hooks.push((call) => {
      if (operation === undefined || call.operation === operation) hook(call);
    });
    return this;
  }

  clear(): this {
    this.crashAfter = undefined;
    this.failBefore = undefined;
    this.throttleRate = 0;
    this.serverErrorRate = 0;
    this.hooks.length = 0;
    return this;
  }

  /** Before the call is applied. */
  before(call: CallInfo): void {
    for (const hook of this.hooks) hook(call);
    if (call.mutating && call.mutationIndex === this.failBefore) {
      this.failBefore = undefined;
      throw new InjectedCrash(`injected failure before ${call.service}:${call.operation} (mutating call #${call.mutationIndex})`);
    }
    const roll = this.random();
    if (roll < this.throttleRate) throw awsError('ThrottlingException', 'Rate exceeded', { status: 400 });
    if (roll < this.throttleRate + this.serverErrorRate) {
      throw awsError('InternalError', 'We encountered an internal error. Please try again.', { status: 500, fault: 'server' });
    }
  }

  /** After the call was applied. */
  after(call: CallInfo): void {
    if (call.mutating && call.mutationIndex === this.crashAfter) {
      this.crashAfter = undefined;
      throw new InjectedCrash(`injected crash after ${call.service}:${call.operation} (mutating call #${call.mutationIndex})`);
    }
  }

  // mulberry32: small, seeded, good enough to make flakiness reproducible.
  private random(): number {
    if (this.throttleRate === 0 && this.serverErrorRate === 0) return 1;
    this.seed = (this.seed + 0x6d2b79f5) | 0;
    let t = this.seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}
