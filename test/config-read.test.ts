// Reading the config file, each failure in full: a file that is missing, a directory or unreadable;
// JSON that V8 refuses (its words without its offset or its quote of the text, control characters
// shown escaped), YAML that yaml refuses (with or without a place); and what each error keeps as
// its cause.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config';
import { SyntaxProblem } from '../src/config-file';
import { ConfigError } from '../src/errors';
import { rejectionOf } from './helpers/rejection';

const dir = mkdtempSync(path.join(tmpdir(), 'shipline-config-read-'));

function file(name: string, content: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, content);
  return p;
}

const failure = (p: string): Promise<ConfigError> => rejectionOf(loadConfig(p), ConfigError);

/** The message of a syntax error at a place: the place and reason, the line, a caret under the column. */
const atPlace = (p: string, kind: string, line: number, column: number, reason: string, shown: string) =>
  `${p} is not valid ${kind} at line ${line}, column ${column}: ${reason}\n  ${shown}\n  ${' '.repeat(column - 1)}^`;

describe('a config file that cannot be read', () => {
  it('missing: named, with how to make one', async () => {
    const p = path.join(dir, 'nope.json');
    const error = await failure(p);
    expect(error.message).toBe(`config file ${p} not found`);
    expect(error.hint).toBe(`\`shipline init\` writes one (shipline.yml); or copy config.example.json to ${p} and edit it, or pass --config PATH`);
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
  });

  it('a directory: says so, and how to name the file', async () => {
    const p = path.join(dir, 'a-directory');
    mkdirSync(p);
    const error = await failure(p);
    expect(error.message).toBe(`config path ${p} is a directory, not a file`);
    expect(error.hint).toBe('pass --config with the path of the JSON file itself, e.g. --config shipline.json');
    expect((error.cause as NodeJS.ErrnoException).code).toBe('EISDIR');
  });

  it('any other failure: the file and the system\'s code', async () => {
    const p = path.join(file('plain.json', '{}'), 'shipline.json'); // under a file, not a directory
    const error = await failure(p);
    expect(error.message).toBe(`cannot read config file ${p}: ENOTDIR`);
    expect(error.hint).toBeUndefined();
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ENOTDIR');
  });
});

describe('JSON that V8 refuses', () => {
  it.each([
    ['its offset dropped', '{\n  "stack": "demo"\n  "region": "eu-west-3"\n}', 3, 3, "Expected ',' or '}' after property value"],
    ['text after the value: the offset dropped', '{ "stack": "demo" }}', 1, 20, 'Unexpected non-whitespace character after JSON'],
    ['its quote of a short text dropped, the newline it names escaped', '{\n  "stack": tru\n}', 2, 15, "Unexpected token '\\n'"],
    ['a control character it names, escaped', '{ "stack": \u0001 }', 1, 12, "Unexpected token '\\u0001'"],
  ])('%s', async (_what, text, line, column, reason) => {
    const p = file('bad.json', text);
    const error = await failure(p);
    expect(error.message).toBe(atPlace(p, 'JSON', line, column, reason, text.split('\n')[line - 1]!));
    expect(error.cause).toBeInstanceOf(SyntaxError);
  });

  it('in a file of some length (V8 then quotes only a part, between "..."): the quote dropped too', async () => {
    const lines = ['{', '  "stack": "demo",', '  "region": "eu-west-3",', '  "source": { "repository": "my-org/demo-app" },', '  "pipeline": { "detectChanges": tru },', '  "network": { "cidr": "10.0.0.0/16" }', '}', ''];
    const p = file('long.json', lines.join('\n'));
    expect((await failure(p)).message).toBe(atPlace(p, 'JSON', 5, 37, "Unexpected token ' '", lines[4]!));
  });

  it('a line ending in CRLF is shown without its CR; a CR inside a line stays', async () => {
    const p = file('crlf.json', '{\r\n  "stack": "demo",\r"region" "x"\r\n}\r\n');
    expect((await failure(p)).message).toBe(atPlace(p, 'JSON', 2, 29, "Unexpected string", '  "stack": "demo",\r"region" "x"'));
  });

  it('nested deeper than can be scanned for the place: the reason without one', async () => {
    const p = file('deep.json', '['.repeat(100_000));
    const error = await failure(p);
    expect(error.message).toBe(`${p} is not valid JSON: Unexpected end of JSON input`);
    expect(error.cause).toBeInstanceOf(SyntaxError);
  });

  it('Node 22\'s words, which add the line and column after the offset: both dropped', async () => {
    const p = file('node22.json', '{\n  "stack": "demo"\n  "region": "eu-west-3"\n}');
    const parse = jest.spyOn(JSON, 'parse').mockImplementationOnce(() => {
      throw new SyntaxError("Expected ',' or '}' after property value in JSON at position 22 (line 3 column 3)");
    });
    try {
      expect((await failure(p)).message).toBe(atPlace(p, 'JSON', 3, 3, "Expected ',' or '}' after property value", '  "region": "eu-west-3"'));
    } finally {
      parse.mockRestore();
    }
  });
});

describe('YAML that yaml refuses', () => {
  it('a syntax error: the place, the line and a caret; the SyntaxProblem as the cause', async () => {
    const p = file('bad.yml', 'stack: demo\nregion: eu-west-3\nstack: other\n');
    const error = await failure(p);
    expect(error.message).toBe(atPlace(p, 'YAML', 3, 1, 'Map keys must be unique', 'stack: other'));
    expect(error.cause).toBeInstanceOf(SyntaxProblem);
  });

  it.each([
    ['an alias of no anchor', 'stack: demo\nregion: *nowhere\n', 'Unresolved alias (the anchor must be set before the alias): nowhere'],
    ['aliases that multiply past the limit', `a: &a [x, x, x, x, x, x, x, x, x, x]\n${'bcdefghijk'.split('').map((c, i) => `${c}: &${c} [${Array(10).fill(`*${'abcdefghijk'[i]}`).join(', ')}]`).join('\n')}\n`, 'Excessive alias count indicates a resource exhaustion attack'],
  ])('%s: the reason, without a place', async (_what, text, reason) => {
    const p = file('alias.yml', text);
    const error = await failure(p);
    expect(error.message).toBe(`${p} is not valid YAML: ${reason}`);
    expect(error.cause).toBeInstanceOf(SyntaxProblem);
  });
});
