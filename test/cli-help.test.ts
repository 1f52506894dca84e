// Each command's --help shows its own options, an example and the exit codes; the options it
// does not use are still accepted (scripts pass the same flags to every command).
import { Writable } from 'node:stream';
import { main } from '../src/cli';
import { harness, type Harness } from './helpers/harness';

async function help(...args: string[]): Promise<{ code: number; text: string }> {
  let text = '';
  const sink = new Writable({ write: (chunk, _enc, done) => ((text += String(chunk)), done()) });
  const code = await main([...args, '--help'], { stdout: sink, stderr: sink, interactive: false, prompt: async () => '' });
  return { code, text };
}

const optionsOf = (text: string) => [...text.matchAll(/^\s+(?:-\w, )?(--[a-z-]+)/gm)].map((m) => m[1]);

describe('--help', () => {
  it.each([
    ['outputs', ['--config', '--state', '--sandbox', '--json'], ['--yes', '--concurrency', '--force-unlock', '--no-wait', '--log-level']],
    ['provision', ['--config', '--sandbox', '--concurrency', '--no-wait', '--force-unlock'], ['--yes']],
    ['destroy', ['--yes', '--keep-connection'], ['--no-wait']],
    ['permissions', ['--config', '--all'], ['--sandbox', '--state', '--yes']],
    ['init-app', ['--config', '--force'], ['--sandbox', '--yes']],
    ['logs', ['--config', '--state', '--sandbox', '--since', '--follow'], ['--yes', '--concurrency', '--no-wait']],
    ['exec', ['--config', '--state', '--sandbox'], ['--yes', '--concurrency', '--no-wait', '--since']],
  ])('of %s lists its own options only', async (command, shown, hidden) => {
    const { code, text } = await help(command);
    expect(code).toBe(0);
    const listed = optionsOf(text);
    expect(listed).toEqual(expect.arrayContaining(shown));
    for (const option of hidden) expect(listed).not.toContain(option);
    expect(text).toMatch(/\nExample:\n {2}shipline /);
    expect(text).toContain('Exit codes:');
    expect(text).toContain('130 Ctrl-C');
  });
});

describe('a global option a command does not show', () => {
  let h: Harness;
  afterEach(() => h?.restore());

  it('is still accepted', async () => {
    h = harness();
    await h.ok('provision');
    const outputs = await h.run('outputs', '--yes', '--concurrency', '2', '--no-wait');
    expect(outputs.stderr).not.toContain('unknown option');
    expect(outputs.code).toBe(0);
  });

  it('is accepted by init-app, which then says what comes next with the flags given', async () => {
    h = harness();
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(`${tmpdir()}/shipline-app-`);
    const result = await h.ok('init-app', dir, '--sandbox', '--log-level', 'debug', '--config', h.configPath);
    expect(result.stdout).toContain(`next: commit buildspec.yml, Dockerfile, nginx.conf in ${dir} and push to my-org/demo-app (main)`);
    expect(result.stdout).toContain(`\`shipline release --sandbox -c ${h.configPath}\``);
  });
});

describe('sandbox approve-connection --help', () => {
  it('shows its own options, an example and the exit codes', async () => {
    const { code, text } = await help('sandbox', 'approve-connection');
    expect(code).toBe(0);
    const listed = optionsOf(text);
    expect(listed).toEqual(expect.arrayContaining(['--config', '--state']));
    for (const option of ['--sandbox', '--yes', '--concurrency']) expect(listed).not.toContain(option);
    expect(text).toContain('pending GitHub connection');
    expect(text).toMatch(/\nExample:\n {2}shipline sandbox approve-connection/);
    expect(text).toContain('Exit codes:');
  });
});
