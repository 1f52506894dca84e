// `shipline sandbox …`: what a person does by hand on AWS, done to the `--sandbox` world of this
// directory (`.shipline/sandbox/aws.json`, or the one beside `--state`). Today one thing: approve
// the stack's GitHub connection, as the console's "Update pending connection" does.
import { existsSync } from 'node:fs';
import { KEYS as CONNECTION } from '../../steps/connection';
import { StateStore } from '../../state';
import { loadConfig } from '../config';
import { UsageError } from '../errors';
import { sandboxFile, withBackend, type GlobalOptions, type Io, type Overrides } from '../session';

export async function approveSandboxConnection(options: GlobalOptions, io: Io, overrides: Overrides = {}): Promise<void> {
  const config = await loadConfig(options.config);
  const world = sandboxFile(options, config);
  // Opening a world that is not there would make an empty one: say what to run instead.
  if (!overrides.sandbox && !existsSync(world)) {
    throw new UsageError(`there is no sandbox world at ${world}: approve-connection acts on the simulated AWS of \`--sandbox\` only`, {
      hint: 'run `shipline provision --sandbox` first',
    });
  }
  await withBackend({ ...options, sandbox: true }, io, overrides, { dryRun: false }, async ({ config: opened, backend, aws }) => {
    const sandbox = aws.sandbox;
    const state = await StateStore.readOnlyIn(backend, { stack: opened.stack });
    const arn = state?.get(CONNECTION.github)?.id;
    if (!sandbox || !arn) {
      throw new UsageError(`stack ${opened.stack} has no GitHub connection in its state (${backend.location})`, {
        hint: 'run `shipline provision --sandbox` first',
      });
    }
    // One transaction on the shared world, as a call would be: loaded first, saved after.
    const before = sandbox.byHand((s) => {
      const status = s.connections.connectionStatus(arn);
      if (status === 'PENDING') s.connections.approveConnection(arn);
      return status;
    });
    if (before === undefined) {
      throw new UsageError(`the GitHub connection ${arn} of stack ${opened.stack} is not in the sandbox world ${world}`, {
        hint: 'run `shipline provision --sandbox` to make it again',
      });
    }
    io.stdout.write(
      before === 'PENDING'
        ? `approved the GitHub connection ${arn}: it is AVAILABLE\nnext: \`shipline release --sandbox\` starts a pipeline run; \`shipline status --sandbox\` follows it\n`
        : `the GitHub connection ${arn} is already ${before}: nothing to approve\n`,
    );
  });
}
