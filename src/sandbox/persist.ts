// `--sandbox` across commands: the simulated AWS is saved beside the state file after each run
// and loaded by the next, so `provision`, `outputs` and `destroy` see the same world.
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { StateError } from '../errors';
import { Sandbox, type SandboxSnapshot } from './sandbox';

/** Real milliseconds per simulated second for `--sandbox`: a 150 s load balancer takes 1.5 s. */
export const CLI_SANDBOX_SPEED = 10;

export interface SandboxHandle {
  sandbox: Sandbox;
  save(): Promise<void>;
}

export async function openSandbox(file: string, region: string): Promise<SandboxHandle> {
  let sandbox: Sandbox;
  try {
    const snapshot = JSON.parse(await readFile(file, 'utf8')) as SandboxSnapshot;
    if (snapshot.version !== 1) throw new Error(`unknown version ${String(snapshot.version)}`);
    sandbox = Sandbox.restore(snapshot);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new StateError('STATE_CORRUPT', `the sandbox file ${file} cannot be read: ${(error as Error).message}`, {
        hint: `delete ${file} to start from an empty sandbox (and the sandbox state files beside it)`,
        cause: error,
      });
    }
    sandbox = new Sandbox({ region, msPerSimSecond: CLI_SANDBOX_SPEED });
  }
  return {
    sandbox,
    save: async () => {
      await mkdir(path.dirname(file), { recursive: true });
      await writeFileAtomic(file, `${JSON.stringify(sandbox.snapshot())}\n`);
    },
  };
}
