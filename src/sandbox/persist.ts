// `--sandbox` across commands and processes: the simulated AWS lives in a file beside the state
// (`.shipline/sandbox/aws.json`), saved after every call that changes it, under a lock of its own,
// and reloaded whenever another process saved it (world-file.ts). `provision`, `outputs` and
// `destroy` see the same world, two commands at once see each other's resources, and kill -9
// loses nothing a call had already answered.
import { StateError } from '../errors';
import { Sandbox } from './sandbox';
import { nodeWorldFs, parseWorld, simNowOf, WorldFile, type WorldFs } from './world-file';
import type { WorldLockOptions } from './world-lock';

/** Real milliseconds per simulated second for `--sandbox`: a 150 s load balancer takes 1.5 s. */
export const CLI_SANDBOX_SPEED = 10;

/**
 * A test hook: the process kills itself with SIGKILL right after the N-th mutating call was
 * applied and saved, as `kill -9` would at that moment (test/sandbox-processes.test.ts).
 */
export const KILL_AFTER_ENV = 'SHIPLINE_SANDBOX_KILL_AFTER_MUTATION';

export interface SandboxHandle {
  sandbox: Sandbox;
  /** Saves the world once more at the end of a command (its clock moved on); throws if it cannot. */
  save(): Promise<void>;
}

export interface OpenSandboxOptions {
  fs?: WorldFs;
  lock?: WorldLockOptions;
  env?: NodeJS.ProcessEnv;
  /** The real clock (`Date.now` by default); tests pass one they move by hand (test/helpers/test-clock.ts). */
  clock?: () => number;
}

export async function openSandbox(file: string, region: string, options: OpenSandboxOptions = {}): Promise<SandboxHandle> {
  const fs = options.fs ?? nodeWorldFs;
  let text: string | undefined;
  try {
    text = fs.read(file);
  } catch (error) {
    throw new StateError('STATE_CORRUPT', `the sandbox file ${file} cannot be read: ${(error as Error).message}`, {
      hint: `delete ${file} to start from an empty sandbox (and the sandbox state files beside it)`,
      cause: error,
    });
  }
  const clock = options.clock ? { clock: options.clock } : {};
  const snapshot = text === undefined ? undefined : parseWorld(file, text);
  const sandbox = snapshot ? Sandbox.restore(snapshot, clock) : new Sandbox({ region, msPerSimSecond: CLI_SANDBOX_SPEED, ...clock });
  // The world's clock ran on since it was saved: pipelines, builds and deployments moved on too.
  if (snapshot) sandbox.world.catchUp(simNowOf(snapshot, sandbox.world));
  const world = new WorldFile(file, sandbox, fs, options.lock);
  world.adopt(text);
  sandbox.keepIn(world);
  killAfter(sandbox, options.env ?? process.env);
  return { sandbox, save: async () => world.save() };
}

function killAfter(sandbox: Sandbox, env: NodeJS.ProcessEnv): void {
  const n = Number(env[KILL_AFTER_ENV]);
  if (!Number.isInteger(n) || n <= 0) return;
  // An output hook runs once the call is applied and saved, before the caller sees its answer.
  sandbox.faults.onOutput(undefined, (call, output) => {
    if (call.mutating && call.mutationIndex === n) process.kill(process.pid, 'SIGKILL');
    return output;
  });
}
