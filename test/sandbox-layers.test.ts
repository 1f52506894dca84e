// The sandbox's import graph (src/sandbox/README.md, "Layers"): no cycle anywhere in it, type-only
// imports included, and each layer reaches only the layers below it. ESLint's
// no-restricted-imports says the same per file as you type; this test sees the whole graph.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../src/sandbox');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The sandbox files a file imports (relative specifiers resolved; packages and files outside left out). */
function importsOf(file: string, known: Set<string>): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'(\.[^']+)'/gm)].map((m) => m[1]!);
  return specifiers
    .map((spec) => resolve(dirname(file), spec))
    .flatMap((base) => [`${base}.ts`, join(base, 'index.ts')].filter((candidate) => known.has(candidate)).slice(0, 1));
}

function graph(): Map<string, string[]> {
  const files = sourceFiles(ROOT);
  const known = new Set(files);
  return new Map(files.map((file) => [file, importsOf(file, known)]));
}

/** Every cycle's files, in import order (Tarjan's strongly connected components of size > 1, or a self-import). */
function cycles(edges: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of edges.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (edges.get(node) ?? []).includes(node)) found.push(component.map((f) => relative(ROOT, f)));
    }
  };
  for (const node of edges.keys()) if (!index.has(node)) visit(node);
  return found;
}

const layerOf = (file: string): 'kernel' | 'models' | 'dispatcher' | 'adapters' => {
  const path = relative(ROOT, file);
  if (path.startsWith('kernel/')) return 'kernel';
  if (path.startsWith('models/')) return 'models';
  if (['client-plugin.ts', 'persist.ts', 'world-file.ts', 'world-lock.ts'].includes(path)) return 'adapters';
  return 'dispatcher';
};

/** What each layer may import, besides itself. */
const BELOW: Record<ReturnType<typeof layerOf>, ReadonlyArray<ReturnType<typeof layerOf>>> = {
  kernel: [],
  models: ['kernel'],
  dispatcher: ['kernel', 'models'],
  adapters: ['kernel', 'dispatcher'],
};

describe('the sandbox import graph', () => {
  const edges = graph();

  it('reads the files it judges (the parser finds the imports)', () => {
    expect(edges.size).toBeGreaterThan(20);
    const dispatcher = edges.get(join(ROOT, 'sandbox.ts'))!.map((f) => relative(ROOT, f));
    expect(dispatcher).toEqual(expect.arrayContaining(['models/ec2/index.ts', 'kernel/world.ts']));
  });

  it('has no import cycle', () => {
    expect(cycles(edges)).toEqual([]);
  });

  it('finds a cycle when there is one (the check can fail)', () => {
    const a = join(ROOT, 'a.ts');
    const b = join(ROOT, 'b.ts');
    expect(cycles(new Map([[a, [b]], [b, [a]]]))).toEqual([['b.ts', 'a.ts']]);
  });

  it('reaches only down: the kernel nothing, a model the kernel, the adapters never a model', () => {
    const upward = [...edges].flatMap(([file, targets]) =>
      targets
        .filter((target) => layerOf(target) !== layerOf(file) && !BELOW[layerOf(file)].includes(layerOf(target)))
        .map((target) => `${relative(ROOT, file)} → ${relative(ROOT, target)}`),
    );
    expect(upward).toEqual([]);
  });
});
