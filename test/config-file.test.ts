// The config as JSON or YAML (shipline.json, shipline.yml, shipline.yaml): found in the current
// directory without --config, one schema for both, errors with line and column in both.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { discoverConfigFile, positionOf } from '../src/config-file';
import { loadConfig } from '../src/config';
import { ConfigError, UsageError } from '../src/errors';
import { BASE_CONFIG } from './helpers/harness';

const dir = () => mkdtempSync(path.join(tmpdir(), 'shipline-config-'));

async function failure(file: string): Promise<ConfigError> {
  const error = await loadConfig(file).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe('which config file', () => {
  it('is shipline.json, then shipline.yml, then shipline.yaml, whichever is there', () => {
    const d = dir();
    expect(discoverConfigFile(d)).toBe('shipline.json'); // none: the default, reported missing when read
    writeFileSync(path.join(d, 'shipline.yaml'), '');
    expect(discoverConfigFile(d)).toBe('shipline.yaml');
  });

  it('is ambiguous with two: exit 2, naming both', () => {
    const d = dir();
    writeFileSync(path.join(d, 'shipline.json'), '{}');
    writeFileSync(path.join(d, 'shipline.yml'), '');
    let thrown: unknown;
    try {
      discoverConfigFile(d);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UsageError);
    expect((thrown as UsageError).exitCode).toBe(2);
    expect((thrown as UsageError).message).toContain('shipline.json and shipline.yml');
  });
});

describe('a YAML config', () => {
  it('reads as the same config as its JSON', async () => {
    const d = dir();
    writeFileSync(path.join(d, 'shipline.json'), JSON.stringify(BASE_CONFIG));
    writeFileSync(path.join(d, 'shipline.yml'), `# a comment\n${stringify(BASE_CONFIG)}`);
    expect(await loadConfig(path.join(d, 'shipline.yml'))).toEqual(await loadConfig(path.join(d, 'shipline.json')));
  });

  it('keeps YAML 1.2 scalars as written: "no" and "on" stay strings, so a field expecting a boolean says so', async () => {
    const file = path.join(dir(), 'shipline.yml');
    writeFileSync(file, `${stringify(BASE_CONFIG)}pipeline:\n  detectChanges: no\n`);
    const error = await failure(file);
    expect(error.message).toMatch(/pipeline\.detectChanges \(line \d+, column 18\): /);
  });

  it('names the line and column of a syntax error, with the line and a caret', async () => {
    const file = path.join(dir(), 'shipline.yaml');
    writeFileSync(file, 'stack: demo\nregion: eu-west-3\nsource:\n  repository: [unclosed\n');
    const error = await failure(file);
    expect(error.message).toMatch(/^.*shipline\.yaml is not valid YAML at line \d+, column \d+: /);
    expect(error.message).toContain('\n  ');
    expect(error.message).toContain('^');
  });

  it('refuses a key given twice, naming where', async () => {
    const file = path.join(dir(), 'shipline.yml');
    writeFileSync(file, 'stack: demo\nstack: other\n');
    expect((await failure(file)).message).toMatch(/not valid YAML at line 2, column 1: .*[Mm]ap keys must be unique/);
  });

  it('names the line and column of a field the schema refuses', async () => {
    const file = path.join(dir(), 'shipline.yml');
    writeFileSync(file, 'stack: demo\nregion: eu-west-3\nsource:\n  repository: my-org/app\nenvironments:\n  - name: dev\n    path: /dev\n  - name: Prod\n');
    expect((await failure(file)).message).toContain('environments[1].name (line 8, column 11): expected 1-10 lowercase letters');
  });
});

describe('a JSON config', () => {
  it('names the line and column of a field the schema refuses, too', async () => {
    const file = path.join(dir(), 'shipline.json');
    writeFileSync(file, JSON.stringify({ ...BASE_CONFIG, network: { cidr: '10.0.0.0/25' } }, null, 2));
    const text = JSON.stringify({ ...BASE_CONFIG, network: { cidr: '10.0.0.0/25' } }, null, 2);
    const line = text.split('\n').findIndex((l) => l.includes('"cidr"')) + 1;
    expect((await failure(file)).message).toContain(`network.cidr (line ${line}, column 13)`);
  });

  it('points a missing field at its parent', () => {
    const text = '{\n  "source": {\n    "branch": "main"\n  }\n}\n';
    expect(positionOf(text, ['source', 'repository'])).toEqual({ line: 2, column: 13 });
    expect(positionOf(text, ['stack'])).toEqual({ line: 1, column: 1 });
  });
});
