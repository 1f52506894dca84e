// Reading the config file: a byte-order mark is fine, a JSON mistake is reported by line and
// column, a directory is named as one.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { loadConfig } from '../src/config';
import { ConfigError } from '../src/errors';
import { firstJsonError, lineAndColumn } from '../src/json-position';

const dir = mkdtempSync(path.join(tmpdir(), 'shipline-config-'));
const GOOD = { stack: 'demo', region: 'eu-west-3', source: { repository: 'my-org/demo-app' } };

function file(name: string, content: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, content);
  return p;
}

async function configError(p: string): Promise<ConfigError> {
  const error = await loadConfig(p).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe('loadConfig', () => {
  it('reads a file that starts with a UTF-8 byte-order mark', async () => {
    const config = await loadConfig(file('bom.json', `\uFEFF${JSON.stringify(GOOD, null, 2)}`));
    expect(config.stack).toBe('demo');
  });

  it.each([
    ['a missing comma', '{\n  "stack": "demo"\n  "region": "eu-west-3"\n}', 3, 3],
    ['a trailing comma', '{\n  "stack": "demo",\n}', 3, 1],
    ['a misspelt literal (V8 names no position for it)', '{\n  "stack": tru\n}', 2, 15],
    ['a truncated file', '{ "stack": "demo", ', 1, 20],
    ['a comment', '{\n  // mine\n  "stack": "demo"\n}', 2, 3],
  ])('%s: line and column, the line, a caret, and no character offset', async (_what, text, line, column) => {
    const p = file('bad.json', text);
    const error = await configError(p);
    expect(error.message).toContain(`${p} is not valid JSON at line ${line}, column ${column}: `);
    expect(error.message).not.toMatch(/position \d+/);
    const [, shown, caret] = error.message.split('\n');
    expect(shown).toBe(`  ${text.split('\n')[line - 1]}`);
    expect(caret).toBe(`  ${' '.repeat(column - 1)}^`);
  });

  it('counts the columns of a file with a byte-order mark from the first visible character', async () => {
    const error = await configError(file('bom-bad.json', '\uFEFF{ "stack" "demo" }'));
    expect(error.message).toContain('at line 1, column 11:');
  });

  it('a directory: says it is one', async () => {
    const error = await configError(dir);
    expect(error.message).toBe(`config path ${dir} is a directory, not a file`);
    expect(error.hint).toContain('--config');
  });
});

describe('firstJsonError', () => {
  it('is undefined exactly when JSON.parse accepts the text', () => {
    const jsonish = fc.oneof(
      fc.json(),
      fc.json().map((t) => t.slice(0, Math.max(0, t.length - 1))),
      fc.tuple(fc.json(), fc.nat(), fc.constantFrom(',', '}', ']', '"', ':', 'x', ' ', '\n', '\\')).map(([t, at, ch]) => t.slice(0, at % (t.length + 1)) + ch + t.slice(at % (t.length + 1))),
    );
    fc.assert(
      fc.property(jsonish, (text) => {
        let valid = true;
        try {
          JSON.parse(text);
        } catch {
          valid = false;
        }
        expect(firstJsonError(text) === undefined).toBe(valid);
      }),
      { numRuns: 500 },
    );
  });

  it('agrees with V8 where V8 names a position', () => {
    for (const text of ['{"a": 1 "b": 2}', '[1, 2,, 3]', '{"a": }', '{"a" 1}']) {
      const v8 = (() => {
        try {
          JSON.parse(text);
        } catch (e) {
          return /position (\d+)/.exec((e as Error).message)?.[1];
        }
        return undefined;
      })();
      if (v8 !== undefined) expect(firstJsonError(text)).toBe(Number(v8));
    }
  });

  it('lineAndColumn is 1-based', () => {
    expect(lineAndColumn('ab\ncd', 0)).toEqual({ line: 1, column: 1 });
    expect(lineAndColumn('ab\ncd', 4)).toEqual({ line: 2, column: 2 });
  });
});
