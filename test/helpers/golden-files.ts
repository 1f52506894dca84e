// Expected output kept as files (as Copilot's testdata/): a value is compared with
// test/golden/<shape>/<name>.json; with UPDATE_GOLDEN=1 the file is rewritten instead, so that a
// change of settings shows as a diff of the files.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

export const GOLDEN_DIR = join(__dirname, '..', 'golden');
export const updating = process.env.UPDATE_GOLDEN === '1';

export const goldenPath = (shape: string, name: string) => join(GOLDEN_DIR, shape, `${name}.json`);

/** The value as the file holds it: JSON, two-space indented, `undefined` members left out. */
export const asGolden = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** The file's text, after rewriting it when updating; undefined when it does not exist. */
export function readGolden(shape: string, name: string, actual: unknown): string | undefined {
  const path = goldenPath(shape, name);
  if (updating) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, asGolden(actual));
  }
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

export const missingGolden = (shape: string, name: string) =>
  `${relative(process.cwd(), goldenPath(shape, name))} does not exist: run UPDATE_GOLDEN=1 npx jest test/settings-golden.test.ts, then read the new file against AWS's API references`;
