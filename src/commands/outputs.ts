// `shipline outputs`: what the stack made, from the state file alone (no AWS call).
import { StateStore } from '../../state';
import { STEPS } from '../../steps';
import { loadConfig } from '../config';
import { ShiplineError } from '../errors';
import { defaultStatePath, type GlobalOptions, type Io } from '../session';
import type { Output } from '../step';

class NothingProvisioned extends ShiplineError {
  readonly code = 'NOT_PROVISIONED';
}

export async function showOutputs(options: GlobalOptions & { json: boolean }, io: Io): Promise<Output[]> {
  const config = await loadConfig(options.config);
  const statePath = options.state ?? defaultStatePath(config.stack, options.sandbox);
  const state = await StateStore.readOnly(statePath, { stack: config.stack });
  const outputs = state ? STEPS.flatMap((s) => s.outputs?.(state, config) ?? []) : [];
  if (outputs.length === 0) {
    throw new NothingProvisioned(`stack ${config.stack} has nothing provisioned (state file ${statePath})`, {
      hint: `run \`shipline provision --config ${options.config}${options.sandbox ? ' --sandbox' : ''}\` first`,
    });
  }
  if (options.json) io.stdout.write(`${JSON.stringify(Object.fromEntries(outputs.map((o) => [o.key, o.value])), null, 2)}\n`);
  else io.stdout.write(formatOutputs(outputs));
  return outputs;
}

/** One line per output, the values aligned after the longest label. */
export function formatOutputs(outputs: readonly Output[]): string {
  const width = Math.max(0, ...outputs.map((o) => o.label.length));
  return outputs.map((o) => `${o.label.padEnd(width)}  ${o.value}\n`).join('');
}
