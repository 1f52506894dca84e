// `shipline init`: a commented shipline.yml that provision accepts, from flags or from answers on
// a terminal (with suggestions), never over an existing file.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { githubRepository, init, stackFromDirectory, type Suggestions } from '../src/commands/init';
import { loadConfig } from '../src/config';
import { ConfigError, UsageError } from '../src/errors';
import { fakeTerminal } from './helpers/fake-terminal';

const dir = (name = 'shipline-init-') => mkdtempSync(path.join(tmpdir(), name));

const io = fakeTerminal;

const NO_SUGGESTIONS: Suggestions = { region: async () => undefined, repository: async () => undefined };

describe('shipline init', () => {
  it('writes a commented shipline.yml from flags that provision accepts as it is', async () => {
    const d = dir();
    const terminal = io(undefined);
    const file = await init({ dir: d, stack: 'shop', region: 'us-east-2', repository: 'acme/shop', branch: 'trunk' }, terminal);
    expect(file).toBe(path.join(d, 'shipline.yml'));
    const config = await loadConfig(file);
    expect(config).toMatchObject({ stack: 'shop', region: 'us-east-2', source: { repository: 'acme/shop', branch: 'trunk' } });
    expect(config.environments.map((e) => e.name)).toEqual(['dev', 'prod']);
    expect(readFileSync(file, 'utf8')).toMatch(/^# shipline config/);
    expect(terminal.out()).toContain(`wrote ${file}`);
    expect(terminal.out()).toContain('shipline provision');
  });

  it('takes main as the branch when none is given', async () => {
    const file = await init({ dir: dir(), stack: 'shop', region: 'eu-west-3', repository: 'acme/shop' }, io(undefined));
    expect((await loadConfig(file)).source.branch).toBe('main');
  });

  it('without a terminal, exits 2 naming each missing flag, and writes nothing', async () => {
    const d = dir();
    const error = await init({ dir: d, stack: 'shop' }, io(undefined)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    expect((error as UsageError).message).toContain('--region, --repository');
    expect(() => readFileSync(path.join(d, 'shipline.yml'))).toThrow();
  });

  it('on a terminal, asks, offering the directory, the AWS config and the git remote as answers', async () => {
    const d = dir('my-shop-');
    const suggest: Suggestions = { region: async () => 'ap-south-1', repository: async () => 'acme/my-shop' };
    const terminal = io(['', '', '', '']);
    const file = await init({ dir: d, suggest }, terminal);
    const config = await loadConfig(file);
    expect(config.region).toBe('ap-south-1');
    expect(config.source).toEqual({ repository: 'acme/my-shop', branch: 'main' });
    expect(config.stack).toBe(stackFromDirectory(d));
    expect(terminal.questions).toEqual([
      expect.stringContaining(`[${stackFromDirectory(d)}]`),
      'AWS region [ap-south-1]: ',
      'GitHub repository to build (owner/name) [acme/my-shop]: ',
      'Branch [main]: ',
    ]);
  });

  it('on a terminal, an empty answer without a suggestion writes nothing', async () => {
    const d = dir();
    const error = await init({ dir: d, stack: 'shop', suggest: NO_SUGGESTIONS }, io([''])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect(() => readFileSync(path.join(d, 'shipline.yml'))).toThrow();
  });

  it('checks the answers as provision would, naming the field, before writing', async () => {
    const d = dir();
    const error = await init({ dir: d, stack: 'Shop!', region: 'eu-west-3', repository: 'acme/shop' }, io(undefined)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(/stack \(line \d+, column 8\)/);
    expect(() => readFileSync(path.join(d, 'shipline.yml'))).toThrow();
  });

  it.each(['shipline.yml', 'shipline.json', 'shipline.yaml'])('never overwrites, nor writes beside, an existing %s', async (existing) => {
    const d = dir();
    writeFileSync(path.join(d, existing), 'mine\n');
    const error = await init({ dir: d, stack: 'shop', region: 'eu-west-3', repository: 'acme/shop' }, io(undefined)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toContain(`${path.join(d, existing)} already exists`);
    expect(readFileSync(path.join(d, existing), 'utf8')).toBe('mine\n');
  });

  it('reads owner/name from the usual GitHub remote URLs', () => {
    expect(githubRepository('https://github.com/acme/shop.git\n')).toBe('acme/shop');
    expect(githubRepository('git@github.com:acme/shop.git')).toBe('acme/shop');
    expect(githubRepository('ssh://git@github.com/acme/my.shop')).toBe('acme/my.shop');
    expect(githubRepository('https://gitlab.com/acme/shop.git')).toBeUndefined();
  });

  it('makes a valid stack name of a directory name, or none', () => {
    expect(stackFromDirectory('/home/me/My_Shop.v2')).toBe('my-shop-v2');
    expect(stackFromDirectory('/tmp/9')).toBeUndefined();
  });
});
