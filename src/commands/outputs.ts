// `shipline outputs`: what the stack made, from the state alone (the local file, or the S3
// object with an S3 backend); no other AWS call.
import { StateStore } from '../../state';
import { STEPS } from '../../steps';
import { ShiplineError } from '../errors';
import { outputsJson } from '../outputs-json';
import { withBackend, type GlobalOptions, type Io, type Overrides } from '../session';
import type { Output } from '../step';

class NothingProvisioned extends ShiplineError {
  readonly code = 'NOT_PROVISIONED';
}

/** What the stack's state says it made, none when nothing is recorded. */
export async function readOutputs(options: GlobalOptions, io: Io, overrides: Overrides = {}): Promise<{ outputs: Output[]; location: string; stack: string }> {
  return withBackend(options, io, overrides, { dryRun: true }, async ({ config, backend }) => {
    const state = await StateStore.readOnlyIn(backend, { stack: config.stack });
    return { outputs: state ? STEPS.flatMap((s) => s.outputs?.(state, config) ?? []) : [], location: backend.location, stack: config.stack };
  });
}

export async function showOutputs(options: GlobalOptions & { json: boolean }, io: Io, overrides: Overrides = {}): Promise<Output[]> {
  const { outputs, location, stack } = await readOutputs(options, io, overrides);
  if (outputs.length === 0) {
    throw new NothingProvisioned(`stack ${stack} has nothing provisioned (state ${location})`, {
      hint: `run \`shipline provision --config ${options.config}${options.sandbox ? ' --sandbox' : ''}\` first`,
    });
  }
  if (options.json) io.stdout.write(`${JSON.stringify(outputsJson(outputs), null, 2)}\n`);
  else io.stdout.write(formatOutputs(outputs));
  return outputs;
}

/** One line per output, the values aligned after the longest label. */
export function formatOutputs(outputs: readonly Output[]): string {
  const width = Math.max(0, ...outputs.map((o) => o.label.length));
  return outputs.map((o) => `${o.label.padEnd(width)}  ${o.value}\n`).join('');
}
