// The lower bound a run is measured against: its critical path, from the sandbox's latency model
// and the engine's own step graph.
//
//   step duration = Σ over the waits the step must do one after the other (each wait is a set of
//                   latencies that run at once: the longest counts)
//                 + its sequential API round trips × the latency of one call
//   critical path = the session's own calls + the longest chain of step durations through the
//                   `after` graph (provision) or the reverse graph (destroy)
//
// The waits per step are written out below, from what AWS does slowly and what each step must see
// done before it can finish; the sequential round trips are measured (see `sequentialDepth`).
import { dependencies, dependents, type Mode } from '../src/engine';
import type { Config } from '../src/config';
import type { Step } from '../src/step';
import type { LatencyKey, LatencyModel } from '../src/sandbox/kernel/world';

/** Latencies that run at once (they start together): the longest one counts. */
export type Wait = readonly LatencyKey[];

/** What one step must wait for, in order. A step that is not listed waits for nothing. */
export type WaitModel = Readonly<Record<string, readonly Wait[]>>;

/** The waits of each step, for this config and mode. */
export function waitModel(mode: Mode | 'noop', config: Pick<Config, 'nat'> & Partial<Pick<Config, 'domain'>>): WaitModel {
  // A no-op run finds everything settled: nothing to wait for.
  if (mode === 'noop') return {};
  const gateway = config.nat.mode === 'nat-gateway';
  if (mode === 'provision') {
    return {
      // ACM fills in the validation records (a few seconds), they reach every Route 53 server, then
      // ACM validates. The alb step waits for it (before its HTTPS listener), but the clock runs
      // from this step's write of the records, so the model puts the waits here. The load balancer,
      // made before that wait, is active by then (150 s < 245 s): alb-active waits for nothing.
      ...(config.domain
        ? { certificate: [['acm.validation.record'], ['route53.change.insync'], ['acm.certificate.issued']] as LatencyKey[][], dns: [['route53.change.insync']] as LatencyKey[][] }
        : {}),
      // RunInstances → running (or CreateNatGateway → available); the private route needs it.
      nat: [[gateway ? 'ec2.natGateway.available' : 'ec2.instance.running']],
      // CreateLoadBalancer → active: a step of its own that nothing waits for; listeners, rules,
      // target groups and the services are made meanwhile. With a domain: see above.
      'alb-active': config.domain ? [] : [['elbv2.loadBalancer.active']],
      // CreateService → tasks running and registered (every environment at once).
      services: [['ecs.service.stable']],
    };
  }
  return {
    // Scaled to 0, the tasks stop and their interfaces linger, then go; DeleteService → INACTIVE.
    // Both start together; the security groups go once both are done.
    services: [['ecs.service.inactive', 'ec2.eni.task.released']],
    // DeleteLoadBalancer starts both: the load balancer gone, its interfaces released after their
    // linger time (the security group waits for the latter). The network step's interface wait,
    // and the gateway detach after it, then find them gone.
    alb: [['elbv2.loadBalancer.deleted', 'ec2.eni.elb.released']],
    // TerminateInstances → terminated (its interface goes with it), or the NAT gateway deleted.
    nat: [[gateway ? 'ec2.natGateway.deleted' : 'ec2.instance.terminated']],
  };
}

/** One step's place in the model. */
export interface StepModel {
  step: string;
  /** Simulated seconds of waiting, from the latency model. */
  waitSeconds: number;
  /** API round trips the step makes one after the other (measured). */
  sequentialCalls: number;
  /** waitSeconds + sequentialCalls × api.call. */
  seconds: number;
  /** When the step could start at the earliest (simulated seconds from the run's start). */
  earliestStart: number;
}

export interface CriticalPath {
  /** Simulated seconds. */
  seconds: number;
  /** The waits alone (no API round trips): the physical limit. */
  waitSeconds: number;
  /** The chain that takes longest, first to last ("session" is the work before the engine). */
  path: string[];
  steps: StepModel[];
}

export const SESSION = 'session';

/**
 * The longest chain through the engine's graph for `mode`. `sequentialCalls` maps a step (and
 * "session") to its measured sequential API round trips.
 */
export function criticalPath(
  steps: readonly Step[],
  mode: Mode,
  waits: WaitModel,
  latencies: LatencyModel,
  sequentialCalls: ReadonlyMap<string, number>,
): CriticalPath {
  const graph = mode === 'provision' ? dependencies(steps) : dependents(steps);
  const call = latencies['api.call'];
  const waitOf = (step: string) => (waits[step] ?? []).reduce((sum, wait) => sum + Math.max(0, ...wait.map((k) => latencies[k])), 0);
  const session = (sequentialCalls.get(SESSION) ?? 0) * call;

  const finish = new Map<string, { at: number; wait: number; via: string[] }>();
  const models: StepModel[] = [];
  const visit = (name: string): { at: number; wait: number; via: string[] } => {
    const known = finish.get(name);
    if (known) return known;
    let start = { at: session, wait: 0, via: [SESSION] };
    for (const dep of graph.get(name) ?? []) {
      const before = visit(dep);
      if (before.at > start.at) start = before;
    }
    const waitSeconds = waitOf(name);
    const calls = sequentialCalls.get(name) ?? 0;
    const seconds = waitSeconds + calls * call;
    models.push({ step: name, waitSeconds, sequentialCalls: calls, seconds, earliestStart: start.at });
    const done = { at: start.at + seconds, wait: start.wait + waitSeconds, via: [...start.via, name] };
    finish.set(name, done);
    return done;
  };
  let last = { at: session, wait: 0, via: [SESSION] };
  for (const name of graph.keys()) {
    const done = visit(name);
    if (done.at > last.at) last = done;
  }
  const order = [...graph.keys()];
  models.sort((a, b) => order.indexOf(a.step) - order.indexOf(b.step));
  return { seconds: last.at, waitSeconds: last.wait, path: last.via, steps: models };
}

/** One API call as the bench saw it: which step made it, when it started and ended (ms). */
export interface CallSpan {
  step: string;
  start: number;
  end: number;
}

/**
 * The API round trips a step makes one after the other: the longest chain of its calls where
 * each starts after the previous one ended. Calls made at once (Promise.all, environments in
 * parallel) count once. Measured on a run whose slow states take no time, so that every wait
 * is a single read that sees it done.
 */
export function sequentialDepth(spans: readonly CallSpan[]): Map<string, number> {
  const byStep = new Map<string, CallSpan[]>();
  for (const span of spans) byStep.set(span.step, [...(byStep.get(span.step) ?? []), span]);
  const depths = new Map<string, number>();
  for (const [step, calls] of byStep) {
    const sorted = [...calls].sort((a, b) => a.start - b.start);
    const depth: number[] = [];
    sorted.forEach((c, i) => {
      let before = 0;
      for (let j = 0; j < i; j++) if (sorted[j]!.end <= c.start) before = Math.max(before, depth[j]!);
      depth.push(before + 1);
    });
    depths.set(step, Math.max(0, ...depth));
  }
  return depths;
}
