// The CLI as a program of its own, for the few tests that must run it in another process (kill -9):
// every source file transpiled to JavaScript in a temporary directory (no type check: tsc does
// that), seconds instead of a full `tsc` build.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '..', '..');
const SOURCES = ['src', 'steps', 'state'];

/** Builds the CLI into a fresh directory; returns the path of its `cli.js`. */
export function buildCli(): string {
  const out = mkdtempSync(path.join(tmpdir(), 'shipline-cli-'));
  for (const dir of SOURCES) transpileTree(path.join(ROOT, dir), path.join(out, dir));
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(out, 'node_modules'), 'dir');
  return path.join(out, 'src', 'cli.js');
}

function transpileTree(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    if (entry.isDirectory()) transpileTree(source, path.join(to, entry.name));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
      const { outputText } = ts.transpileModule(readFileSync(source, 'utf8'), {
        fileName: source,
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
      });
      writeFileSync(path.join(to, entry.name.replace(/\.ts$/, '.js')), outputText);
    }
  }
}
