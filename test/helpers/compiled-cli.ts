// The project as plain JavaScript in a temp directory, for the few tests that must run a real
// process (signals, a SIGKILLed lock holder, a closed pipe). Transpiled file by file without type
// checking (tsc --noEmit does that), which takes a second, not the half minute of a full build.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ModuleKind, ScriptTarget, transpileModule } from 'typescript';

const ROOT = path.resolve(__dirname, '..', '..');

let built: string | undefined;

/** The directory holding src/, steps/ and state/ as .js; built once per test file. */
export function compiledProject(): string {
  if (built) return built;
  const out = path.join(tmpdir(), `shipline-js-${process.pid}-${Date.now()}`);
  for (const dir of ['src', 'steps', 'state']) transpileDir(path.join(ROOT, dir), path.join(out, dir));
  built = out;
  return out;
}

/** Removes the compiled copy (call in afterAll). */
export function removeCompiledProject(): void {
  if (built) rmSync(built, { recursive: true, force: true });
  built = undefined;
}

/** The environment a compiled module needs to find the project's node_modules. */
export function compiledEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, NODE_PATH: path.join(ROOT, 'node_modules'), ...extra };
}

function transpileDir(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    if (entry.isDirectory()) transpileDir(source, path.join(to, entry.name));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
      const { outputText } = transpileModule(readFileSync(source, 'utf8'), {
        compilerOptions: { module: ModuleKind.CommonJS, target: ScriptTarget.ES2022, esModuleInterop: true },
        fileName: source,
      });
      writeFileSync(path.join(to, entry.name.replace(/\.ts$/, '.js')), outputText);
    }
  }
}
