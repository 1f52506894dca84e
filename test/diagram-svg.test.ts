// `diagram --format svg`: the picture itself, drawn by Graphviz compiled to WebAssembly. The
// README's picture (docs/example-stack.svg) is what the command makes today.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { harness, type Harness } from './helpers/harness';

let h: Harness;
afterEach(() => h?.restore());

const ROOT = path.join(__dirname, '..');
const EXAMPLE_CONFIG = path.join(ROOT, 'config.example.json');
const EXAMPLE_SVG = path.join(ROOT, 'docs', 'example-stack.svg');

/** The element names of a well-formed XML document, in document order; throws where it is not well-formed. */
function xmlElements(text: string): string[] {
  const names: string[] = [];
  const open: string[] = [];
  let rest = text;
  while (rest.length > 0) {
    const lt = rest.indexOf('<');
    const chars = lt < 0 ? rest : rest.slice(0, lt);
    // Text: no bare "&" (entities only) and nothing outside the root element but whitespace.
    if (/&(?![a-zA-Z]+;|#\d+;|#x[0-9a-fA-F]+;)/.test(chars)) throw new Error(`bare & in ${JSON.stringify(chars.slice(0, 80))}`);
    if (open.length === 0 && chars.trim() !== '') throw new Error(`text outside the root: ${JSON.stringify(chars.slice(0, 80))}`);
    if (lt < 0) break;
    rest = rest.slice(lt);
    const end = rest.startsWith('<!--') ? rest.indexOf('-->') + 3 : rest.indexOf('>') + 1;
    if (end <= 0) throw new Error(`unclosed markup: ${JSON.stringify(rest.slice(0, 80))}`);
    const tag = rest.slice(0, end);
    rest = rest.slice(end);
    if (/^<(\?|!)/.test(tag)) continue; // declaration, doctype, comment
    const m = /^<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[\w:.-]+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>$/.exec(tag);
    if (!m) throw new Error(`malformed tag: ${tag}`);
    const [, closing, name, , selfClosing] = m;
    if (closing) {
      if (open.pop() !== name) throw new Error(`</${name}> closes nothing open`);
      continue;
    }
    if (names.length > 0 && open.length === 0) throw new Error(`second root element <${name}>`);
    names.push(name!);
    if (!selfClosing) open.push(name!);
  }
  if (open.length > 0) throw new Error(`unclosed <${open.join('>, <')}>`);
  return names;
}

/** The texts Graphviz drew (node, group and edge labels), entities decoded. */
const texts = (svg: string) =>
  [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#45;/g, '-').replace(/&amp;/g, '&'));

describe('diagram --format svg', () => {
  it('draws a provisioned stack as well-formed SVG, with its CIDR, IDs and each environment service', async () => {
    h = harness();
    await h.ok('provision');
    const state = JSON.parse(readFileSync(h.statePath, 'utf8')) as { resources: Record<string, { id?: string }> };
    const svg = (await h.ok('diagram', '--format', 'svg')).stdout;
    expect(svg.startsWith('<?xml')).toBe(true);
    const elements = xmlElements(svg);
    expect(elements[0]).toBe('svg');
    expect(elements).toEqual(expect.arrayContaining(['g', 'text', 'polygon', 'path']));
    const drawn = texts(svg);
    expect(drawn).toContain('shipline stack demo (eu-west-3), as it stands');
    expect(drawn).toContain(`VPC ${state.resources['network.vpc']!.id} · 10.0.0.0/16`);
    expect(drawn).toContain('ECS service demo-dev');
    expect(drawn).toContain('ECS service demo-prod');
    expect(drawn).toContain(state.resources['nat.instance']!.id);
  });

  it('writes the picture to -o FILE, and says so on stderr', async () => {
    h = harness();
    const file = path.join(h.dir, 'stack.svg');
    const result = await h.ok('diagram', '--format', 'svg', '-o', file);
    expect(result.stdout).toBe('');
    expect(result.logs.map((l) => l.msg)).toContainEqual(expect.stringMatching(new RegExp(`^wrote svg diagram of demo \\(\\d+ resources, \\d+ links\\) to ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`)));
    const svg = readFileSync(file, 'utf8');
    expect(xmlElements(svg)[0]).toBe('svg');
    expect(texts(svg)).toContain('shipline stack demo (eu-west-3), the plan from the config, not what exists');
  });

  it("the README's picture is what `diagram --format svg --planned -c config.example.json` makes today", async () => {
    h = harness();
    // No state: the planned picture of the example config alone, as made from a fresh checkout.
    const made = (await h.ok('diagram', '--format', 'svg', '--planned', '--config', EXAMPLE_CONFIG, '--state', path.join(h.dir, 'none.json'))).stdout;
    expect(existsSync(EXAMPLE_SVG)).toBe(true);
    // Regenerate: node dist/src/cli.js diagram --format svg --planned -c config.example.json -o docs/example-stack.svg
    expect(readFileSync(EXAMPLE_SVG, 'utf8')).toBe(made);
    expect(readFileSync(path.join(ROOT, 'README.md'), 'utf8')).toContain('](docs/example-stack.svg)');
  });
});
