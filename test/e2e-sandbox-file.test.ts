// `shipline --sandbox` as users run it: the real CLI in this process, its simulated AWS in
// `.shipline/sandbox/aws.json` (no test sandbox in place of it). A world that cannot be saved fails
// the command. (Two commands at once on one world: test/sandbox-processes.test.ts, with processes.)
import fs, { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../src/cli';
import { Sandbox, type SandboxSnapshot } from '../src/sandbox/sandbox';
import { BASE_CONFIG } from './helpers/harness';

interface Cli {
  dir: string;
  world: string;
  run(stack: string, ...args: string[]): Promise<{ code: number; stderr: string }>;
}

/** A directory with an empty instant sandbox world (no simulated waiting) and one config per stack. */
function cli(): Cli {
  const dir = mkdtempSync(path.join(tmpdir(), 'shipline-sandbox-cli-'));
  const world = path.join(dir, '.shipline', 'sandbox', 'aws.json');
  mkdirSync(path.dirname(world), { recursive: true });
  writeFileSync(world, JSON.stringify(new Sandbox({ region: 'eu-west-3', msPerSimSecond: 0 }).snapshot()));
  return {
    dir,
    world,
    run: async (stack, ...args) => {
      const config = path.join(dir, `${stack}.json`);
      writeFileSync(config, JSON.stringify({ ...BASE_CONFIG, stack }));
      let stderr = '';
      const io = {
        stdout: new Writable({ write: (_c, _e, done) => done() }),
        stderr: new Writable({ write: (chunk, _e, done) => ((stderr += String(chunk)), done()) }),
        interactive: false,
        prompt: async () => '',
      };
      const state = path.join(dir, '.shipline', 'sandbox', `${stack}.json`);
      const code = await main([...args, '--sandbox', '--config', config, '--state', state, '--log-format', 'json'], io);
      return { code, stderr };
    },
  };
}

const inventoryOf = (world: string) => Sandbox.restore(JSON.parse(readFileSync(world, 'utf8')) as SandboxSnapshot).inventory();

it('fails a command whose sandbox world cannot be saved, naming the file and the OS error', async () => {
  const x = cli();
  const enospc = jest.spyOn(fs, 'fsyncSync').mockImplementation(() => {
    throw Object.assign(new Error('ENOSPC: no space left on device, fsync'), { code: 'ENOSPC' });
  });
  try {
    const { code, stderr } = await x.run('alpha', 'provision');
    expect(code).toBe(1);
    expect(stderr).toContain(`cannot save the sandbox world ${x.world}: ENOSPC`);
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
  } finally {
    enospc.mockRestore();
  }
  expect(inventoryOf(x.world)).toEqual([]);
});
