// `npm run mutation:score`: the whole set's score put together from each module's latest report. On
// a stand-in tree (every file the modules mutate, one line each) with reports written here: what a
// wrong sum, a stale report taken for current, or an unmeasured file passed over would get wrong.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const ROOT = join(__dirname, '..');
type Status = 'Killed' | 'Survived' | 'Timeout' | 'NoCoverage' | 'CompileError';

/** The files the modules mutate, as the script expands them, from its own module list. */
function mutatedFiles(): string[] {
  const script = "import('./mutation/modules.mjs').then((m) => console.log(JSON.stringify(m.MODULES.flatMap((x) => x.mutate))))";
  const patterns = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' })) as string[];
  // A glob gets one file of its own in the stand-in tree.
  return [...new Set(patterns.map((p) => p.replace('**/*.ts', 'only.ts')))];
}

let tree: string;
const files = mutatedFiles();

beforeEach(() => {
  tree = mkdtempSync(join(tmpdir(), 'shipline-score-'));
  cpSync(join(ROOT, 'mutation'), join(tree, 'mutation'), { recursive: true });
  for (const file of files) {
    mkdirSync(dirname(join(tree, file)), { recursive: true });
    writeFileSync(join(tree, file), `// ${file}\n`);
  }
  mkdirSync(join(tree, 'reports/mutation'), { recursive: true });
});
afterEach(() => rmSync(tree, { recursive: true, force: true }));

const mutants = (killed: number, survived: number, extra: Status[] = []) => [
  ...Array.from({ length: killed }, () => ({ status: 'Killed' })),
  ...Array.from({ length: survived }, () => ({ status: 'Survived' })),
  ...extra.map((status) => ({ status })),
];

/** A module's report: each file with its current source unless `source` says otherwise. */
function report(module: string, entries: Record<string, { killed: number; survived: number; extra?: Status[]; source?: string }>, mtime: number) {
  const path = join(tree, 'reports/mutation', `${module}.incremental.json`);
  const reportFiles = Object.fromEntries(
    Object.entries(entries).map(([file, e]) => [file, { source: e.source ?? `// ${file}\n`, mutants: mutants(e.killed, e.survived, e.extra) }]),
  );
  writeFileSync(path, JSON.stringify({ files: reportFiles }));
  const at = new Date(Date.UTC(2026, 11, 7, 0, 0, mtime));
  utimesSync(path, at, at);
}

const score = (...args: string[]) => {
  const run = spawnSync(process.execPath, ['mutation/score.mjs', ...args], { cwd: tree, encoding: 'utf8' });
  return { code: run.status, out: run.stdout, err: run.stderr };
};

/** Every file measured: 9 killed and 1 survived each (90%). */
const everyFile = (killed = 9, survived = 1) => Object.fromEntries(files.map((f) => [f, { killed, survived }]));

describe('npm run mutation:score', () => {
  it('sums every file, timeouts as killed and compile errors left out, and says the targets are met', () => {
    report('whole', { ...everyFile(), 'src/config.ts': { killed: 8, survived: 2, extra: ['Timeout', 'CompileError'] } }, 1);
    const { code, out } = score();
    expect(out).toContain('  src/config.ts: 81.8% (9 of 11; whole)');
    expect(out).toContain(`  whole set: ${((100 * (9 * (files.length - 1) + 9)) / (10 * (files.length - 1) + 11)).toFixed(1)}% (${9 * (files.length - 1) + 9} of ${10 * (files.length - 1) + 11}, ${files.length} of ${files.length} files), target 75%`);
    expect(out).toContain('every target met');
    expect(code).toBe(0);
  });

  it('fails a strict target below 85% although the whole set is above 75%', () => {
    report('whole', { ...everyFile(), 'src/reconcile.ts': { killed: 8, survived: 2 } }, 1);
    const { code, out } = score();
    expect(out).toContain('  src/reconcile.ts: 80.0% (8 of 10), target 85%');
    expect(out).toContain('a target is not met');
    expect(code).toBe(1);
  });

  it('names a file whose source changed since its report, and one no report holds, and gives no verdict', () => {
    const { 'src/engine.ts': _engine, ...rest } = everyFile();
    report('whole', { ...rest, 'src/tags.ts': { killed: 10, survived: 0, source: '// an older tags.ts\n' } }, 1);
    const { code, out, err } = score();
    expect(out).toContain('  src/engine.ts: not measured (run the module that mutates it)');
    expect(out).toContain('  src/tags.ts: 100.0% (10 of 10; whole, STALE: the file changed since)');
    expect(err).toContain('not measured on the current code: src/engine.ts, src/tags.ts');
    expect(out).not.toContain('every target met');
    expect(code).toBe(1);
  });

  it("takes a file's most complete current report, whichever is newer", () => {
    report('whole', everyFile(), 1);
    report('policies-static', { 'src/policies.ts': { killed: 30, survived: 0 } }, 2);
    report('policies', { 'src/policies.ts': { killed: 10, survived: 5 } }, 3);
    expect(score().out).toContain('  src/policies.ts: 100.0% (30 of 30; policies-static)');
  });

  it('prints the README table with --markdown', () => {
    report('whole', everyFile(), 1);
    const { code, out } = score('--markdown');
    expect(out.split('\n')).toContain('| `src/reconcile.ts` | `whole` | 90.0% (9 of 10) |');
    expect(code).toBe(0);
  });
});
