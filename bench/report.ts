// The bench's result as text tables.
import type { PhaseReport } from './measure';
import type { BenchResult } from './run';
import { waitModel } from './model';

const PHASE_NAMES: Record<PhaseReport['phase'], string> = { provision: 'provision', reprovision: 'no-op provision', destroy: 'destroy' };

function table(header: string[], rows: string[][], right: ReadonlySet<number>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '─'.repeat(w))), ...rows.map(line)].join('\n');
}

const s = (seconds: number) => `${seconds.toFixed(1)} s`;

export function formatReport(result: BenchResult, options: { steps: boolean }): string {
  const { settings } = result;
  const out: string[] = [];
  out.push(
    `shipline bench — 1 simulated second = ${settings.msPerSimSecond} ms real; API call ${settings.latencies['api.call']} s; ` +
      `waits poll after ${settings.polling.firstAfter} s, then at most every ${settings.polling.atMostEvery} s; ` +
      `concurrency ${settings.concurrency}; ${settings.rounds === 1 ? '1 round' : `median of ${settings.rounds} rounds`}`,
  );
  out.push(`${result.machine.node} on ${result.machine.platform}, ${result.machine.cpus} × ${result.machine.cpu}`);
  out.push('');

  const rows: string[][] = [];
  for (const r of result.strategies) {
    if (!r.available) {
      rows.push([r.strategy, 'not available', '', '', '', '', '', '', '', '']);
      continue;
    }
    for (const p of r.phases) {
      rows.push([
        r.strategy,
        PHASE_NAMES[p.phase],
        `${s(p.wallSeconds)} (${(p.wallMs / 1000).toFixed(2)} s real)`,
        s(p.criticalPath.seconds),
        p.ratio.toFixed(3),
        String(p.reads),
        String(p.mutations),
        String(p.resources),
        p.callsPerResource.toFixed(2),
        `${p.cpuMs.toFixed(0)} ms`,
      ]);
    }
  }
  out.push(
    table(
      ['strategy', 'run', 'wall (simulated)', 'critical path', 'ratio', 'reads', 'mutations', 'resources', 'calls/resource', 'CPU'],
      rows,
      new Set([2, 3, 4, 5, 6, 7, 8, 9]),
    ),
  );
  for (const r of result.strategies) if (!r.available) out.push(`${r.strategy}: not available (${r.reason})`);
  out.push('');

  for (const r of result.strategies) {
    if (!r.available) continue;
    for (const p of r.phases) {
      const cp = p.criticalPath;
      out.push(
        `critical path, ${r.strategy} ${PHASE_NAMES[p.phase]}: ${cp.path.join(' → ')} = ${s(cp.seconds)} ` +
          `(waits ${s(cp.waitSeconds)}, API round trips ${s(cp.seconds - cp.waitSeconds)})`,
      );
      for (const note of p.notes) out.push(`  note: ${note}`);
    }
  }

  if (options.steps) {
    for (const r of result.strategies) {
      if (!r.available) continue;
      for (const p of r.phases) {
        out.push('');
        out.push(`${r.strategy} ${PHASE_NAMES[p.phase]}, per step (simulated seconds):`);
        out.push(
          table(
            ['step', 'started', 'took', 'model', 'waits', 'seq. calls', 'reads', 'mutations'],
            p.steps.map((st) => [
              st.step,
              st.start.toFixed(1),
              st.measured.toFixed(1),
              st.model.toFixed(1),
              st.waitSeconds.toFixed(1),
              String(st.sequentialCalls),
              String(st.reads),
              String(st.mutations),
            ]),
            new Set([1, 2, 3, 4, 5, 6, 7]),
          ),
        );
      }
    }
  }

  if (result.startup) {
    const st = result.startup;
    out.push('');
    out.push(
      `start-up (median of ${st.samples}): node -e 0 ${st.nodeMs.toFixed(0)} ms; shipline --help ${st.helpMs.toFixed(0)} ms; ` +
        `no-op provision to its first AWS call (${st.firstCall}) ${st.firstCallMs.toFixed(0)} ms`,
    );
  }

  const live = result.pushToLive;
  out.push('');
  out.push('push to live (dev, one task; modelled from the sources below, not run):');
  out.push(
    table(
      ['segment', 'shipline', 'AWS defaults'],
      [...live.segments.map((seg) => [seg.what, s(seg.shipline), s(seg.defaults)]), ['total', s(live.shipline), s(live.defaults)]],
      new Set([1, 2]),
    ),
  );
  out.push(`ratio ${live.ratio.toFixed(2)} (${live.ratioCacheMiss.toFixed(2)} when the build misses its layer cache)`);
  for (const seg of live.segments) out.push(`  ${seg.what}: ${seg.source}`);

  out.push('');
  out.push('targets:');
  for (const t of result.targets) out.push(`  ${t.met ? 'met    ' : 'MISSED '} ${t.what}: ${t.value} (${t.limit})`);

  out.push('');
  const waits = (mode: 'provision' | 'destroy') =>
    Object.entries(waitModel(mode, { nat: { mode: 'instance', instanceType: 't4g.nano', imageId: null } }))
      .map(([step, list]) => `${step} ${list.map((w) => w.map((k) => `${k} ${settings.latencies[k]} s`).join(' ∥ ')).join(' + ')}`)
      .join('; ');
  out.push(
    "model: a step takes its waits plus its sequential API round trips × the API call latency (counted on a run where\n" +
      "slow states take no time); the critical path is the longest chain through the steps' `after` graph (reversed for\n" +
      `destroy), after the session's own calls.\n  waits, provision: ${waits('provision')}\n  waits, destroy: ${waits('destroy')}\n` +
      `Local work (the CPU column, state file writes) is not in the model; on the simulated clock 1 ms of it counts as\n` +
      `${(1 / settings.msPerSimSecond).toFixed(3)} s. See bench/README.md.`,
  );
  return `${out.join('\n')}\n`;
}
