// `npm run bench`: provision, provision again and destroy the whole stack on the sandbox with
// AWS's latencies scaled down, for each deploy strategy, and compare each run with its critical
// path; then time how fast the CLI starts. A table by default, `--json` for comparing commits.
//
//   npm run bench -- [--json] [--scale MS] [--strategy rolling,blue-green] [--concurrency N]
//                    [--rounds N] [--steps] [--no-startup] [--check]
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { NOTICE_WITHIN_SECONDS } from '../src/aws/wait';
import { REAL_LATENCIES } from '../src/sandbox/kernel/world';
import { benchStrategy, type BenchSettings, type PhaseReport, type StrategyReport } from './measure';
import { pushToLive, type PushToLive } from './push-to-live';
import { formatReport } from './report';
import { scaledWaits, type Strategy } from './scenario';
import { measureStartup, type StartupResult } from './startup';

// As the CLI does: the pinned SDK runs on Node 20.19+, its notice about 2027 releases is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export interface Target {
  what: string;
  limit: string;
  value: string;
  met: boolean;
}

export interface BenchResult {
  version: 1;
  date: string;
  machine: { node: string; platform: string; cpu: string; cpus: number };
  settings: BenchSettings & {
    /** What the waits get (real seconds), and how they poll in simulated (AWS) seconds. */
    waits: ReturnType<typeof scaledWaits>;
    polling: { firstAfter: number; atMostEvery: number };
    latencies: typeof REAL_LATENCIES;
  };
  strategies: StrategyReport[];
  startup?: StartupResult;
  /** Issue 13: a push to new code serving dev, modelled from published AWS numbers (bench/push-to-live.ts). */
  pushToLive: PushToLive;
  targets: Target[];
}

const STRATEGIES: readonly Strategy[] = ['rolling', 'blue-green', 'domain'];

/**
 * Real milliseconds per simulated second. Local work (SDK middleware, JSON, state file writes:
 * a millisecond or two per call here, more on a busy machine) is not in the model, and on the
 * simulated clock it weighs 1000 / scale times what it weighs against AWS: at 50 a run takes
 * about 15 s and local work stays a few percent of it.
 */
const DEFAULT_SCALE = 50;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      scale: { type: 'string', default: String(DEFAULT_SCALE) },
      rounds: { type: 'string', default: '1' },
      strategy: { type: 'string', default: STRATEGIES.join(',') },
      concurrency: { type: 'string', default: '8' },
      steps: { type: 'boolean', default: false },
      'no-startup': { type: 'boolean', default: false },
      check: { type: 'boolean', default: false },
    },
  });
  const msPerSimSecond = Number(values.scale);
  const concurrency = Number(values.concurrency);
  const rounds = Number(values.rounds);
  const strategies = values.strategy.split(',').map((s) => s.trim()) as Strategy[];
  const positive = (n: number) => Number.isInteger(n) && n >= 1;
  if (!(msPerSimSecond > 0) || !positive(concurrency) || !positive(rounds) || strategies.some((s) => !STRATEGIES.includes(s))) {
    process.stderr.write(
      `usage: bench [--json] [--scale MS>0] [--strategy ${STRATEGIES.join(',')}] [--concurrency N>=1] [--rounds N>=1] [--steps] [--no-startup] [--check]\n`,
    );
    return 2;
  }
  const settings: BenchSettings = { msPerSimSecond, concurrency, rounds };
  const progress = (line: string) => process.stderr.write(`${line}\n`);

  const reports: StrategyReport[] = [];
  let state: string | undefined;
  for (const strategy of strategies) {
    progress(`bench: ${strategy} (1 simulated second = ${msPerSimSecond} ms) …`);
    reports.push(await benchStrategy(strategy, settings, (s) => (state ??= s)));
  }
  let startup: StartupResult | undefined;
  if (!values['no-startup']) {
    progress('bench: start-up times …');
    startup = await measureStartup(state);
  }

  const waits = scaledWaits(msPerSimSecond);
  const scale = msPerSimSecond / 1000;
  const live = pushToLive();
  const result: BenchResult = {
    version: 1,
    date: new Date().toISOString(),
    machine: { node: process.version, platform: `${process.platform}-${process.arch}`, cpu: cpus()[0]?.model ?? 'unknown', cpus: cpus().length },
    settings: { ...settings, waits, polling: { firstAfter: waits.minDelay / scale, atMostEvery: Math.min(waits.maxDelay / scale, NOTICE_WITHIN_SECONDS) }, latencies: REAL_LATENCIES },
    strategies: reports,
    ...(startup ? { startup } : {}),
    pushToLive: live,
    targets: targets(reports, startup, live),
  };
  process.stdout.write(values.json ? `${JSON.stringify(result, null, 2)}\n` : formatReport(result, { steps: values.steps }));
  return values.check && result.targets.some((t) => !t.met) ? 1 : 0;
}

/** The targets, checked against what was measured. */
function targets(reports: readonly StrategyReport[], startup: StartupResult | undefined, live: PushToLive): Target[] {
  const out: Target[] = [];
  for (const r of reports) {
    if (!r.available) continue;
    const phase = (name: PhaseReport['phase']) => r.phases.find((p) => p.phase === name)!;
    const ratio = (p: PhaseReport, limit: number) => ({ limit: `≤ ${limit.toFixed(2)} × critical path`, value: `${p.ratio.toFixed(3)} ×`, met: p.ratio <= limit });
    out.push({ what: `${r.strategy}: provision`, ...ratio(phase('provision'), 1.1) });
    out.push({ what: `${r.strategy}: destroy`, ...ratio(phase('destroy'), 1.2) });
    const noop = phase('reprovision');
    out.push({ what: `${r.strategy}: no-op provision mutations`, limit: '0', value: String(noop.mutations), met: noop.mutations === 0 });
    out.push({
      what: `${r.strategy}: no-op provision reads`,
      limit: `< ${noop.resources} (resources)`,
      value: String(noop.reads),
      met: noop.reads < noop.resources,
    });
  }
  out.push({ what: 'push to live, shipline ÷ AWS defaults', limit: '≤ 0.60', value: live.ratio.toFixed(2), met: live.ratio <= 0.6 });
  if (startup) {
    out.push({ what: 'shipline --help', limit: '< 300 ms', value: `${startup.helpMs.toFixed(0)} ms`, met: startup.helpMs < 300 });
  }
  return out;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
