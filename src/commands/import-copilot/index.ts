// `shipline import-copilot DIR`: the shipline config that recreates an AWS Copilot workspace's Load
// Balanced Web Service, its environments and its pipeline, and the list of what it could not carry.
// The region (Copilot's manifests do not hold it) comes from --region or a question on a terminal;
// with several web services, --service or a question picks one. It checks the config as provision
// would before writing it, and never overwrites a file nor writes a second config beside another.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isYamlFile, parseYaml, presentConfigFiles } from '../../config-file';
import { parseConfig } from '../../config';
import { UsageError } from '../../errors';
import type { Io } from '../../session';
import { defaultSuggestions, type Suggestions } from '../init';
import { importedConfigText } from './config-text';
import { importCopilot, webServices, type Imported } from './mapping';
import { carriedLine, notCarriedLine } from './report';
import { readWorkspace, type CopilotWorkspace } from './workspace';

export interface ImportCopilotOptions {
  /** The Copilot workspace: the directory holding copilot/. */
  dir: string;
  /** Where shipline.yml goes without --out. */
  cwd: string;
  service?: string;
  region?: string;
  repository?: string;
  out?: string;
  /** Where suggestions come from (tests give their own). */
  suggest?: Suggestions;
}

export const IMPORT_FILE = 'shipline.yml';

/** Write the config; returns its path and what was and was not carried. */
export async function importCopilotCommand(options: ImportCopilotOptions, io: Io): Promise<{ file: string; imported: Imported }> {
  const target = path.resolve(options.cwd, options.out ?? IMPORT_FILE);
  refuseToOverwrite(target);
  const ws = readWorkspace(options.dir);
  const service = await chooseService(ws, options.service, io);
  const suggest = options.suggest ?? defaultSuggestions;
  const region = options.region ?? (await ask(io, 'region', 'AWS region', () => suggest.region()));
  const choices = { service, region, directoryName: path.basename(path.resolve(options.dir)), ...(options.repository !== undefined ? { repository: options.repository } : {}) };
  let imported = importCopilot(ws, choices);
  if (imported.needsRepository) {
    const repository = await ask(io, 'repository', 'No pipeline names a GitHub repository. GitHub repository to build (owner/name)', () => suggest.repository(options.dir));
    imported = importCopilot(ws, { ...choices, repository });
  }
  const text = importedConfigText(imported.config, { dir: options.dir, service }, imported.notCarried);
  // Checked as provision would check it, before anything is written.
  parseConfig(parseYaml(text), target, text);
  try {
    await writeFile(target, text, { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new UsageError(`${target} already exists; shipline import-copilot never overwrites it`);
    throw error;
  }
  io.stdout.write(summary(target, service, imported));
  return { file: target, imported };
}

function refuseToOverwrite(target: string): void {
  if (!isYamlFile(target)) throw new UsageError(`--out ${target}: expected a .yml or .yaml file name (import-copilot writes YAML)`);
  const dir = path.dirname(target);
  const present = [...new Set([target, ...presentConfigFiles(dir)])].filter((file) => existsSync(file));
  if (present.length > 0) {
    throw new UsageError(`${present.join(' and ')} already exists; shipline import-copilot never overwrites a config or writes a second one beside it`, {
      hint: 'pass --out with a path in another directory, or move the existing config away',
    });
  }
}

/** --service, the only web service, or on a terminal the one chosen; else exit 2 listing them. */
async function chooseService(ws: CopilotWorkspace, wanted: string | undefined, io: Io): Promise<string> {
  const names = webServices(ws).map((w) => w.name);
  if (names.length === 0) {
    const found = ws.workloads.map((w) => `${w.name} (${w.type})`).join(', ') || 'no workload manifests';
    throw new UsageError(`the workspace has no Load Balanced Web Service to import (found ${found})`, {
      hint: 'shipline runs a Load Balanced Web Service: a container behind a load balancer',
    });
  }
  if (wanted !== undefined) {
    if (names.includes(wanted)) return wanted;
    throw new UsageError(`--service ${wanted}: not a Load Balanced Web Service of the workspace; expected one of ${names.join(', ')}`);
  }
  if (names.length === 1) return names[0]!;
  if (!io.interactive) {
    throw new UsageError(`the workspace has ${names.length} Load Balanced Web Services (${names.join(', ')}), and shipline runs one per stack: name it with --service`, {
      hint: `e.g. shipline import-copilot <dir> --service ${names[0]} --region <region>`,
    });
  }
  const answer = (await io.prompt(`Which service (${names.join(', ')}) [${names[0]}]: `)).trim() || names[0]!;
  if (!names.includes(answer)) throw new UsageError(`"${answer}" is not one of ${names.join(', ')}; nothing was written`);
  return answer;
}

/** The answer on a terminal (the suggestion on an empty one); without a terminal, exit 2 naming the flag. */
async function ask(io: Io, flag: string, question: string, suggestion: () => Promise<string | undefined>): Promise<string> {
  if (!io.interactive) throw new UsageError(`shipline import-copilot needs --${flag}: there is no terminal to ask on`);
  const suggested = await suggestion();
  const answer = (await io.prompt(suggested ? `${question} [${suggested}]: ` : `${question}: `)).trim() || suggested;
  if (!answer) throw new UsageError(`no answer for "${question}"; nothing was written`);
  return answer;
}

function summary(target: string, service: string, imported: Imported): string {
  const lines = [`wrote ${target} from the Copilot service "${service}"`, 'carried:', ...imported.carried.map((c) => `  ${carriedLine(c)}`)];
  const n = imported.notCarried.length;
  if (n === 0) lines.push('every field of the Copilot manifests was carried');
  else {
    lines.push(`not carried (${n}):`, ...imported.notCarried.map((c) => `  ${notCarriedLine(c)}`));
    lines.push(`${n} Copilot field${n === 1 ? '' : 's'} could not be carried (listed above and at the end of ${path.basename(target)}): set them up another way before retiring the Copilot application`);
  }
  lines.push('next: shipline plan --sandbox   (try it with no AWS account), then shipline provision');
  return `${lines.join('\n')}\n`;
}
