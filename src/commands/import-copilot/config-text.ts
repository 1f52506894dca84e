// The imported config as a commented shipline.yml: where it came from at the top, the settings, and
// at the end, as comments, every Copilot field it could not carry (so the file keeps the list).
import { stringify } from 'yaml';
import type { ConfigInput } from '../../config';
import { notCarriedLine, type NotCarried } from './report';

export function importedConfigText(config: ConfigInput, origin: { dir: string; service: string }, notCarried: NotCarried[]): string {
  const head = `# shipline config imported from the AWS Copilot workspace ${origin.dir} (service "${origin.service}")
# by \`shipline import-copilot\`. Every field left out has shipline's default; config.example.json
# (in the package) and the README list them all.
`;
  const tail = notCarried.length === 0
    ? '\n# Every field of the Copilot manifests was carried.\n'
    : `\n# Not carried from Copilot (${notCarried.length}): set these up another way before retiring the Copilot application.\n${notCarried.map((n) => `#   ${notCarriedLine(n)}`.replace(/\n/g, ' ')).join('\n')}\n`;
  return `${head}\n${stringify(config, { lineWidth: 0 })}${tail}`;
}
