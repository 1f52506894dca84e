// `shipline diagram`: the stack as a Mermaid (or Graphviz dot, or SVG) diagram, from the state and the
// config alone: no AWS call (but reading an S3 state).
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { StateStore } from '../../state';
import { stackDiagram, toDot, toMermaid, type Diagram, type DiagramMode } from '../diagram';
import { ShiplineError } from '../errors';
import { defaultStatePath, withBackend, type GlobalOptions, type Io, type Overrides } from '../session';

class OutputError extends ShiplineError {
  readonly code = 'OUTPUT_IO';
}

export interface DiagramOptions extends GlobalOptions {
  format: 'mermaid' | 'dot' | 'svg';
  planned: boolean;
  output?: string;
}

/** Says a diagram shows the config's plan, and why: asked for, or no state to draw from. */
export function plannedNotice(stack: string, options: Pick<DiagramOptions, 'config' | 'planned' | 'sandbox' | 'state'>, noStateIn?: string): string {
  const why = options.planned ? '--planned' : `no state in ${noStateIn}`;
  // A stack provisioned on the sandbox has its state elsewhere: say where to look.
  const sandboxed = noStateIn && !options.sandbox && !options.state && existsSync(defaultStatePath(stack, true)) ? '; `--sandbox` draws the sandbox stack' : '';
  return `diagram of stack ${stack}: the plan from the config ${options.config}, not what exists (${why})${sandboxed}`;
}

async function render(diagram: Diagram, format: DiagramOptions['format']): Promise<string> {
  if (format === 'svg') return (await import('../diagram-svg')).toSvg(diagram);
  return format === 'dot' ? toDot(diagram) : toMermaid(diagram);
}

export async function drawDiagram(options: DiagramOptions, io: Io, overrides: Overrides = {}): Promise<string> {
  return withBackend(options, io, overrides, { dryRun: true }, async ({ config, backend, ui }) => {
    const state = await StateStore.readOnlyIn(backend, { stack: config.stack });
    const mode: DiagramMode = options.planned || !state ? 'planned' : 'current';
    if (mode === 'planned') ui.log.info(plannedNotice(config.stack, options, state ? undefined : backend.location));
    const diagram = stackDiagram(config, state, mode);
    const text = await render(diagram, options.format);
    if (options.output) {
      try {
        await writeFile(options.output, text);
      } catch (error) {
        throw new OutputError(`cannot write ${options.output}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
      }
      ui.log.info(`wrote ${options.format} diagram of ${config.stack} (${diagram.nodes.length} resources, ${diagram.edges.length} links) to ${options.output}`);
    } else {
      io.stdout.write(text);
    }
    return text;
  });
}
