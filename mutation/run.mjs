// `npm run mutation [-- MODULE [STRYKER OPTIONS]]`: Stryker over one module of mutation/modules.mjs (or
// all of them), incremental, then the score per file from reports/mutation/mutation.json. Options
// after the module go to `stryker run` as they are (`--concurrency 1` on a busy machine,
// `--mutate src/reconcile.ts:100-140` for part of a file).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { MODULES, moduleNamed } from './modules.mjs';

const [name = 'all', ...strykerOptions] = process.argv.slice(2);
try {
  moduleNamed(name);
} catch (error) {
  console.error(error.message);
  process.exit(2);
}
const run = spawnSync('npx', ['stryker', 'run', ...strykerOptions], { stdio: 'inherit', env: { ...process.env, SHIPLINE_MUTATION_MODULE: name } });
if (run.status !== 0) process.exit(run.status ?? 1);

const report = JSON.parse(readFileSync('reports/mutation/mutation.json', 'utf8'));
const DETECTED = new Set(['Killed', 'Timeout']);
const VALID = new Set(['Killed', 'Timeout', 'Survived', 'NoCoverage']);
console.log(`\nmutation score per file (${name}; modules: ${MODULES.map((m) => m.name).join(', ')}):`);
const uncovered = [];
for (const [file, { mutants }] of Object.entries(report.files)) {
  const valid = mutants.filter((m) => VALID.has(m.status));
  const killed = valid.filter((m) => DETECTED.has(m.status)).length;
  const score = valid.length ? ((100 * killed) / valid.length).toFixed(1) : '-';
  const noCoverage = valid.filter((m) => m.status === 'NoCoverage').length;
  console.log(`  ${file}: ${score}% (${killed} of ${valid.length} killed${noCoverage ? `, ${noCoverage} covered by no test` : ''})`);
  if (valid.length > 0 && noCoverage === valid.length) uncovered.push(file);
}
// A file no test reaches is a broken run (the tests load another copy of the code, the coverage
// analysis lost track), not a score: say so rather than print 0% as if it were measured.
if (uncovered.length > 0) {
  console.error(`\nno test covers ${uncovered.join(', ')}: check that the module's tests import it (mutation/modules.mjs) before trusting any score`);
  process.exit(1);
}
