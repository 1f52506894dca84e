// The WebAssembly Graphviz loads only for `diagram --format svg`: --help and every other command
// start without it. One test in its own file: the flag below is the module registry's, per file.
import { harness, type Harness } from './helpers/harness';

let vizLoaded = false;
// The factory runs when something first requires the module.
jest.mock('@viz-js/viz', () => {
  vizLoaded = true;
  return jest.requireActual('@viz-js/viz') as unknown;
});

let h: Harness;
afterEach(() => h?.restore());

it('loads @viz-js/viz for --format svg only', async () => {
  h = harness();
  await h.ok('--help');
  await h.ok('diagram', '--help');
  await h.ok('diagram', '--format', 'dot');
  await h.ok('diagram');
  await h.ok('provision');
  await h.ok('outputs');
  expect(vizLoaded).toBe(false);
  expect((await h.ok('diagram', '--format', 'svg')).stdout).toContain('</svg>');
  expect(vizLoaded).toBe(true);
});
