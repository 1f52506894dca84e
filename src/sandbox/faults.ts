// Fault injection: what real AWS does to a run now and then, on demand. A "crash" is a failure
// injected right after the sandbox applied a mutating call, before the caller could record it.
import { createdEc2Ids, namedIds, namesExisting, notFoundError, withoutHiddenListed } from './models/ec2/consistency';
import { awsError } from './kernel/errors';

export interface CallInfo {
  service: string;
  operation: string;
  mutating: boolean;
  input: unknown;
  /** 1-based count of mutating calls so far, this one included (0 for reads). */
  mutationIndex: number;
}

/** Runs before a call; throw to fail it, or return a promise to hold the call until it settles. */
export type CallHook = (call: CallInfo) => void | Promise<void>;

/** Runs on a call's output, after the call was applied and before the caller sees it. */
export type OutputHook = (call: CallInfo, output: Record<string, unknown>) => Record<string, unknown>;

/** Eventual consistency: see `hideNewFor`. */
export interface HideNewOptions {
  /** The operation that makes the resource (RunInstances, CreateService …). */
  create: string;
  /** The IDs, ARNs or names by which the other calls know what `create` answered. */
  ids: (output: Record<string, unknown>) => string[];
  /** The read that does not see it yet (DescribeInstances, DescribeServices …). */
  describe: string;
  /** How many of those reads miss it; the one after sees it. */
  reads: number;
  /** AWS's error when the read names it (InvalidInstanceID.NotFound); without, it is only left out. */
  notFound?: string;
  /** Say "missing" as this API does (ECS: a `failures` entry with reason MISSING), after it is left out. */
  absent?: (output: Record<string, unknown>, id: string) => void;
}

/** EC2's eventual consistency: see `hideNewEc2`. */
export interface HideNewEc2Options {
  /**
   * Also leave the new resource out of the describes that list by filter (the stack's tags …),
   * each counting as one of its `calls`: what a re-run after a crash sees when it looks up by tags
   * what the crashed run made a moment ago. Off by default: a lookup that misses a resource that
   * takes no client token makes a second one, on AWS as here.
   */
  listings?: boolean;
}

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
  private readonly outputHooks: OutputHook[] = [];

  /**
   * The N-th mutating call is applied, then the caller sees a failure (a process dying mid-run).
   * When that call is refused before it changes anything (a fault hook, throttling), the crash
   * comes after the next mutating call that is applied.
   */
  crashAfterMutation(n: number): this {
    this.crashAfter = n;
    return this;
  }

  /** The N-th mutating call fails before it changes anything (or the next one a fault hook let through). */
  failBeforeMutation(n: number): this {
    this.failBefore = n;
    return this;
  }

  /** Answer a share of calls with the service's throttling error and InternalError (500), reproducibly. */
  flaky(options: { throttle?: number; serverError?: number; seed?: number }): this {
    this.throttleRate = options.throttle ?? 0;
    this.serverErrorRate = options.serverError ?? 0;
    this.seed = options.seed ?? 1;
    return this;
  }

  /** A hook run before every call (or only `operation`'s); it may throw to inject an error. */
  on(operation: string | undefined, hook: CallHook): this {
    this.hooks.push((call) => (operation === undefined || call.operation === operation ? hook(call) : undefined));
    return this;
  }

  /** A hook on every call's output (or only `operation`'s): it may return another output. */
  onOutput(operation: string | undefined, hook: OutputHook): this {
    this.outputHooks.push((call, output) => (operation === undefined || call.operation === operation ? hook(call, output) : output));
    return this;
  }

  /**
   * Eventual consistency: AWS may not show a resource to the reads that follow its creation. For
   * the next `reads` calls of `describe` that would show what `create` made, a call naming it in
   * its input fails with `notFound` (or, without one, answers without it), and a call that lists
   * answers without it. Each of those calls counts as one read.
   */
  hideNewFor(options: HideNewOptions): this {
    const hidden = new Map<string, number>();
    const isHidden = (id: string) => (hidden.get(id) ?? 0) > 0;
    const countRead = (ids: string[]) => {
      for (const id of ids) hidden.set(id, hidden.get(id)! - 1);
    };
    this.on(options.describe, (call) => {
      const named = [...hidden.keys()].filter((id) => isHidden(id) && mentions(call.input, id));
      if (named.length === 0 || options.notFound === undefined) return;
      countRead(named);
      throw awsError(options.notFound, `The ID '${named[0]}' does not exist`);
    });
    this.onOutput(options.create, (_call, output) => {
      for (const id of options.ids(output)) hidden.set(id, options.reads);
      return output;
    });
    this.onOutput(options.describe, (_call, output) => {
      const shown = [...hidden.keys()].filter((id) => isHidden(id) && mentions(output, id));
      if (shown.length === 0) return output;
      countRead(shown);
      let out = output;
      for (const id of shown) {
        out = without(out, id) as Record<string, unknown>;
        options.absent?.(out, id);
      }
      return out;
    });
    return this;
  }

  /**
   * EC2's eventual consistency: each resource an EC2 create makes (VPC, subnet, internet gateway,
   * route table, security group, instance and its network interface) is hidden from the next
   * `calls` calls that modify or describe it by its ID (see models/ec2/consistency.ts): each is refused
   * with the resource's NotFound code and changes nothing. Listings by filter still show it, unless
   * `options.listings`.
   */
  hideNewEc2(calls: number, options: HideNewEc2Options = {}): this {
    const hidden = new Map<string, number>();
    this.on(undefined, (call) => {
      if (call.service !== 'ec2' || !namesExisting(call.operation)) return;
      const named = namedIds(call.input).filter(({ id }) => (hidden.get(id) ?? 0) > 0);
      if (named.length === 0) return;
      for (const id of new Set(named.map((n) => n.id))) hidden.set(id, hidden.get(id)! - 1);
      const refusal = notFoundError(named[0]!.param, named[0]!.id)!;
      throw awsError(refusal.code, refusal.message);
    });
    this.onOutput(undefined, (call, output) => {
      if (call.service === 'ec2') for (const id of createdEc2Ids(call.operation, output)) hidden.set(id, calls);
      return output;
    });
    if (options.listings) {
      this.onOutput(undefined, (call, output) => {
        if (call.service !== 'ec2') return output;
        const listed = withoutHiddenListed(call.operation, output, (id) => (hidden.get(id) ?? 0) > 0);
        for (const id of new Set(listed.leftOut)) hidden.set(id, hidden.get(id)! - 1);
        return listed.output;
      });
    }
    return this;
  }

  clear(): this {
    this.crashAfter = undefined;
    this.failBefore = undefined;
    this.throttleRate = 0;
    this.serverErrorRate = 0;
    this.hooks.length = 0;
    this.outputHooks.length = 0;
    return this;
  }

  /** Before the call is applied. */
  async before(call: CallInfo): Promise<void> {
    for (const hook of this.hooks) await hook(call);
    if (call.mutating && this.failBefore !== undefined && call.mutationIndex >= this.failBefore) {
      this.failBefore = undefined;
      throw new InjectedCrash(`injected failure before ${call.service}:${call.operation} (mutating call #${call.mutationIndex})`);
    }
    const roll = this.random();
    if (roll < this.throttleRate) throw throttled(call.service);
    if (roll < this.throttleRate + this.serverErrorRate) {
      throw awsError('InternalError', 'We encountered an internal error. Please try again.', { status: 500, fault: 'server' });
    }
  }

  /** The output the caller sees (called by the dispatcher after `after`, on a copy of the model's output). */
  shape(call: CallInfo, output: Record<string, unknown>): Record<string, unknown> {
    return this.outputHooks.reduce((out, hook) => hook(call, out), output);
  }

  /** After the call was applied. */
  after(call: CallInfo): void {
    if (call.mutating && this.crashAfter !== undefined && call.mutationIndex >= this.crashAfter) {
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

/** Does `value` hold the string `id` anywhere (deep)? */
function mentions(value: unknown, id: string): boolean {
  if (typeof value === 'string') return value === id;
  if (Array.isArray(value)) return value.some((v) => mentions(v, id));
  if (value !== null && typeof value === 'object') return Object.values(value).some((v) => mentions(v, id));
  return false;
}

/** `value` with every list element that mentions `id` left out. */
function without(value: unknown, id: string): unknown {
  if (Array.isArray(value)) return value.filter((v) => !mentions(v, id)).map((v) => without(v, id));
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, without(v, id)]));
  }
  return value;
}

/**
 * Each service throttles with its own code (all in the SDK's throttling list): EC2 with
 * RequestLimitExceeded ("Common causes of client errors" on its error codes page), S3 with SlowDown
 * (503, its error responses page), the query-protocol services and Route 53 with Throttling ("Rate
 * exceeded"), the JSON services with ThrottlingException. Sources in src/sandbox/README.md.
 */
function throttled(service: string): Error {
  switch (service) {
    case 'ec2':
      return awsError('RequestLimitExceeded', 'Request limit exceeded.', { status: 400 });
    case 's3':
      return awsError('SlowDown', 'Please reduce your request rate.', { status: 503 });
    case 'iam':
    case 'elbv2':
    case 'sts':
    case 'route53':
      return awsError('Throttling', 'Rate exceeded', { status: 400 });
    default:
      return awsError('ThrottlingException', 'Rate exceeded', { status: 400 });
  }
}
