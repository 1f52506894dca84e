// `diagram --format svg`: the Graphviz digraph drawn as SVG by Graphviz compiled to WebAssembly
// (@viz-js/viz), so a picture needs no browser and no Graphviz install. Loaded on first use:
// other commands, and --help, never pay for the WebAssembly.
import { toDot, type Diagram } from './diagram';

export async function toSvg(d: Diagram): Promise<string> {
  const { instance } = await import('@viz-js/viz');
  const viz = await instance();
  return viz.renderString(toDot(d), { format: 'svg' });
}
