// `npm run mutation:score [-- --markdown]`: the score over the whole set, from the modules' latest
// runs. Each module runs alone (a run of `all` would take most of a day here), so the whole-set
// figure is put together from every module's incremental report: for each file, the most complete
// report made on the file as it is. A file whose source changed since its report is stale, one no
// report holds is unmeasured; both are named, and either makes the verdict "not measured" rather
// than a number that looks like one.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MODULES } from './modules.mjs';

const REPORTS = 'reports/mutation';
const DETECTED = new Set(['Killed', 'Timeout']);
const VALID = new Set(['Killed', 'Timeout', 'Survived', 'NoCoverage']);
// Issue 17's targets: 85% where the promises live, 75% over the whole set.
const STRICT = [
  { label: 'src/reconcile.ts', matches: (f) => f === 'src/reconcile.ts' },
  { label: 'state/', matches: (f) => f.startsWith('state/') },
  { label: 'ownership checks', matches: (f) => f === 'steps/lib/owned.ts' || f === 'src/tags.ts' },
];
const STRICT_TARGET = 85;
const WHOLE_TARGET = 75;

/** The files a module's `mutate` patterns name: exact paths, or `dir/**\/*.ts`. */
function expand(pattern) {
  const recursive = pattern.match(/^(.*)\/\*\*\/\*\.ts$/);
  if (!recursive) return [pattern];
  const dir = recursive[1];
  return readdirSync(dir, { recursive: true })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => join(dir, f).split('\\').join('/'))
    .sort();
}

const files = [...new Set(MODULES.flatMap((m) => m.mutate.flatMap(expand)))];

// The newest report first, so the first one holding a file is its latest measurement.
const reports = existsSync(REPORTS)
  ? readdirSync(REPORTS)
      .filter((f) => f.endsWith('.incremental.json') && f !== 'all.incremental.json')
      .map((f) => ({ name: f.replace('.incremental.json', ''), path: join(REPORTS, f), mtime: statSync(join(REPORTS, f)).mtimeMs }))
      .sort((a, b) => b.mtime - a.mtime)
      .map((r) => ({ ...r, files: JSON.parse(readFileSync(r.path, 'utf8')).files }))
  : [];

const validOf = (mutants) => mutants.filter((m) => VALID.has(m.status));
const rows = files.map((file) => {
  // Of the reports made on the file as it is, the most complete (a `-static` run also holds the
  // mutants the plain run ignores); else the newest, which is then stale.
  const text = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  const current = reports.filter((r) => r.files[file]?.source === text);
  const report = current.sort((a, b) => validOf(b.files[file].mutants).length - validOf(a.files[file].mutants).length)[0] ?? reports.find((r) => r.files[file]);
  if (!report) {
    // Stryker leaves out of its report a file in which it found nothing to mutate (re-exports only).
    const ranOver = reports.find((r) => MODULES.some((m) => m.name === r.name && m.mutate.flatMap(expand).includes(file)));
    return ranOver ? { file, module: ranOver.name, killed: 0, valid: 0, state: 'current' } : { file, state: 'unmeasured' };
  }
  const { mutants, source } = report.files[file];
  const valid = validOf(mutants);
  const killed = valid.filter((m) => DETECTED.has(m.status)).length;
  const stale = source !== text;
  return { file, module: report.name, killed, valid: valid.length, state: stale ? 'stale' : 'current' };
});

const pct = (killed, valid) => (valid ? (100 * killed) / valid : 100);
const sum = (list) => list.reduce((acc, r) => ({ killed: acc.killed + r.killed, valid: acc.valid + r.valid }), { killed: 0, valid: 0 });

// `--markdown`: the README's table, one row per file.
if (process.argv.includes('--markdown')) {
  for (const r of rows) {
    const score = r.state === 'unmeasured' ? 'not measured' : r.valid === 0 ? 'no mutants' : `${pct(r.killed, r.valid).toFixed(1)}% (${r.killed} of ${r.valid})`;
    console.log(`| \`${r.file}\` | \`${r.module ?? '-'}\` | ${score}${r.state === 'stale' ? ', stale' : ''} |`);
  }
  process.exit(0);
}

console.log('mutation score per file, from the latest run of each module (reports/mutation/*.incremental.json):');
for (const r of rows) {
  if (r.state === 'unmeasured') console.log(`  ${r.file}: not measured (run the module that mutates it)`);
  else if (r.valid === 0) console.log(`  ${r.file}: no mutants (${r.module})`);
  else console.log(`  ${r.file}: ${pct(r.killed, r.valid).toFixed(1)}% (${r.killed} of ${r.valid}; ${r.module}${r.state === 'stale' ? ', STALE: the file changed since' : ''})`);
}

const measured = rows.filter((r) => r.state !== 'unmeasured');
let met = true;
console.log('\ntargets:');
const incomplete = (list) => (list.some((r) => r.state !== 'current') ? '; INCOMPLETE: not every file measured on the current code' : '');
for (const group of STRICT) {
  const members = rows.filter((r) => group.matches(r.file));
  const { killed, valid } = sum(members.filter((r) => r.state !== 'unmeasured'));
  const score = pct(killed, valid);
  met &&= score >= STRICT_TARGET;
  console.log(`  ${group.label}: ${score.toFixed(1)}% (${killed} of ${valid}), target ${STRICT_TARGET}%${incomplete(members)}`);
}
const whole = sum(measured);
const wholeScore = pct(whole.killed, whole.valid);
met &&= wholeScore >= WHOLE_TARGET;
console.log(`  whole set: ${wholeScore.toFixed(1)}% (${whole.killed} of ${whole.valid}, ${measured.length} of ${rows.length} files), target ${WHOLE_TARGET}%${incomplete(rows)}`);

const missing = rows.filter((r) => r.state !== 'current').map((r) => r.file);
if (missing.length > 0) {
  console.error(`\nnot measured on the current code: ${missing.join(', ')}`);
  process.exit(1);
}
console.log(met ? '\nevery target met' : '\na target is not met');
process.exit(met ? 0 : 1);
