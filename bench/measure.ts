// A strategy's three runs, measured against their critical paths.
import { STEPS } from '../steps';
import type { Config } from '../src/config';
import { messageOf } from '../src/errors';
import { REAL_LATENCIES, type LatencyModel } from '../src/sandbox/kernel/world';
import { criticalPath, sequentialDepth, waitModel, type CriticalPath } from './model';
import { BenchStack, benchConfigFile, callsOnly, PHASES, type Phase, type PhaseResult, type Strategy } from './scenario';

export interface StepReport {
  step: string;
  /** Simulated seconds from the run's start. */
  start: number;
  /** Simulated seconds the step took. */
  measured: number;
  /** What the model gives it: its waits and its sequential calls. */
  model: number;
  waitSeconds: number;
  sequentialCalls: number;
  reads: number;
  mutations: number;
}

export interface PhaseReport {
  phase: Phase;
  wallMs: number;
  /** CPU time of the process during the run (user + system): local work the model leaves out. */
  cpuMs: number;
  /** Steps much slower than their model. */
  notes: string[];
  /** wallMs on the simulated clock. */
  wallSeconds: number;
  criticalPath: CriticalPath;
  /** wall / critical path. */
  ratio: number;
  reads: number;
  mutations: number;
  /** The resources the stack manages (each reported once by a provision). */
  resources: number;
  callsPerResource: number;
  readsPerResource: number;
  /** Outcome counts as the run summed them. */
  outcomes: Record<string, number>;
  steps: StepReport[];
}

export type StrategyReport =
  | { strategy: Strategy; available: true; phases: PhaseReport[] }
  | { strategy: Strategy; available: false; reason: string };

export interface BenchSettings {
  /** Real milliseconds per simulated second. */
  msPerSimSecond: number;
  concurrency: number;
  /** Timed rounds per strategy; the median is reported. */
  rounds: number;
}

/** A run with every slow state instant, per phase: its sequential calls and how long each step took. */
interface Calibration {
  depths: Map<string, number>;
  /** Simulated seconds each step took there: its calls and its local work. */
  seconds: Map<string, number>;
}

async function calibrate(strategy: Strategy, settings: BenchSettings): Promise<Map<Phase, Calibration>> {
  const stack = new BenchStack(benchConfigFile(strategy), { ...settings, latencies: callsOnly() });
  try {
    const calibrations = new Map<Phase, Calibration>();
    for (const phase of PHASES) {
      const result = await stack.run(phase);
      const seconds = new Map(result.steps.map((s) => [s.step, (s.end - s.start) / settings.msPerSimSecond]));
      calibrations.set(phase, { depths: sequentialDepth(result.calls), seconds });
    }
    return calibrations;
  } finally {
    stack.cleanup();
  }
}

export async function benchStrategy(strategy: Strategy, settings: BenchSettings, onState?: (state: string) => void): Promise<StrategyReport> {
  let calibrations: Map<Phase, Calibration>;
  try {
    calibrations = await calibrate(strategy, settings);
  } catch (error) {
    return { strategy, available: false, reason: messageOf(error) };
  }
  const latencies: LatencyModel = { ...REAL_LATENCIES };
  try {
    // Each round: a fresh sandbox, provisioned, provisioned again, destroyed. Per run, the round
    // with the median wall time is reported.
    const rounds: PhaseResult[][] = [];
    let config: Config | undefined;
    for (let round = 0; round < settings.rounds; round++) {
      const stack = new BenchStack(benchConfigFile(strategy), settings);
      config = stack.config;
      try {
        const results: PhaseResult[] = [];
        for (const phase of PHASES) {
          results.push(await stack.run(phase));
          if (phase === 'provision' && round === 0) onState?.(stack.stateText() ?? '');
        }
        rounds.push(results);
      } finally {
        stack.cleanup();
      }
    }
    const median = (phase: Phase) => {
      const all = rounds.map((r) => r.find((p) => p.phase === phase)!).sort((a, b) => a.wallMs - b.wallMs);
      return all[Math.floor(all.length / 2)]!;
    };
    const resources = median('reprovision').summary.outcomes.length;
    const phases = PHASES.map((phase) => {
      const result = median(phase);
      const mode = phase === 'destroy' ? 'destroy' : 'provision';
      const waits = waitModel(phase === 'reprovision' ? 'noop' : mode, config!);
      const calibration = calibrations.get(phase)!;
      const path = criticalPath(STEPS, mode, waits, latencies, calibration.depths);
      return report(result, path, calibration, resources, settings.msPerSimSecond);
    });
    return { strategy, available: true, phases };
  } catch (error) {
    return { strategy, available: false, reason: messageOf(error) };
  }
}

/**
 * A step this much slower than its waits plus what it took on the calibration run (its calls and
 * its local work) waits for something the model does not list.
 */
const UNMODELLED_SECONDS = 15;

function report(result: PhaseResult, path: CriticalPath, calibration: Calibration, resources: number, msPerSimSecond: number): PhaseReport {
  const sim = (ms: number) => ms / msPerSimSecond;
  const reads = result.calls.filter((c) => !c.mutating).length;
  const mutations = result.calls.length - reads;
  const counts: Record<string, number> = {};
  for (const o of result.summary.outcomes) counts[o.outcome] = (counts[o.outcome] ?? 0) + 1;
  const steps = path.steps.map((m): StepReport => {
    const span = result.steps.find((s) => s.step === m.step);
    const calls = result.calls.filter((c) => c.step === m.step);
    return {
      step: m.step,
      start: span ? sim(span.start) : Number.NaN,
      measured: span ? sim(span.end - span.start) : Number.NaN,
      model: m.seconds,
      waitSeconds: m.waitSeconds,
      sequentialCalls: m.sequentialCalls,
      reads: calls.filter((c) => !c.mutating).length,
      mutations: calls.filter((c) => c.mutating).length,
    };
  });
  const notes = steps.flatMap((st) => {
    const expected = st.waitSeconds + (calibration.seconds.get(st.step) ?? 0);
    return st.measured - expected > UNMODELLED_SECONDS
      ? [`${st.step} took ${st.measured.toFixed(0)} s, ${(st.measured - expected).toFixed(0)} s more than its waits and its calls: a wait the model does not list?`]
      : [];
  });
  return {
    phase: result.phase,
    wallMs: result.wallMs,
    cpuMs: result.cpuMs,
    notes,
    wallSeconds: sim(result.wallMs),
    criticalPath: path,
    ratio: sim(result.wallMs) / path.seconds,
    reads,
    mutations,
    resources,
    callsPerResource: result.calls.length / resources,
    readsPerResource: reads / resources,
    outcomes: counts,
    steps,
  };
}
