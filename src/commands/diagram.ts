// `shipline diagram`: the stack as a Mermaid (or Graphviz dot) diagram, from the state and the
// config alone: no AWS call (but reading an S3 state).
import { writeFile } from 'node:fs/promises';
import { StateStore } from '../../state';
import { stackDiagram, toDot, toMermaid, type DiagramMode } from '../diagram';
import { ShiplineError } from '../errors';
import { withBackend, type GlobalOptions, type Io, type Overrides } from '../session';

class OutputError extends ShiplineError {
  readonly code = 'OUTPUT_IO';
}

export interface DiagramOptions extends GlobalOptions {
  format: 'mermaid' | 'dot';
  planned: boolean;
  output?: string;
}

export async function drawDiagram(options: DiagramOptions, io: Io, overrides: Overrides = {}): Promise<string> {
  return withBackend(options, io, overrides, { dryRun: true }, async ({ config, backend, ui }) => {
    const state = await StateStore.readOnlyIn(backend, { stack: config.stack });
    let mode: DiagramMode = options.planned ? 'planned' : 'current';
    if (!state && mode === 'current') {
      ui.log.info(`stack ${config.stack} has no state in ${backend.location}: drawing it as planned, from the config`);
      mode = 'planned';
    }
    const diagram = stackDiagram(config, state, mode);
    const text = options.format === 'dot' ? toDot(diagram) : toMermaid(diagram);
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
