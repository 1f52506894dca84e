// The config file on disk: which one (shipline.json, shipline.yml or shipline.yaml in the current
// directory, unless --config names one), how it is read (JSON or YAML, by its name), and where in
// its text a field is, so every error can say "line 7, column 15".
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Document } from 'yaml';
import { UsageError } from './errors';

/** Looked for in this order when no --config is given. */
export const CONFIG_FILE_NAMES = ['shipline.json', 'shipline.yml', 'shipline.yaml'] as const;

/**
 * The config file of `dir`: the one of CONFIG_FILE_NAMES present, or `shipline.json` (whose absence
 * is then reported when it is read). Two or more present is ambiguous: exit 2, naming them.
 */
export function discoverConfigFile(dir: string = process.cwd()): string {
  const present = presentConfigFiles(dir).map((file) => file.slice(dir.length + 1));
  if (present.length > 1) {
    throw new UsageError(`${present.join(' and ')} are both in ${dir}, and shipline reads one config`, {
      hint: `remove all but one, or name the one to use with --config ${present[0]}`,
    });
  }
  return present[0] ?? CONFIG_FILE_NAMES[0];
}

// Loaded when a YAML file is read or an error placed (a sixth of a second to load): not for every JSON config.
const yaml = () => require('yaml') as typeof import('yaml');

/** The paths of the config files `dir` holds, in CONFIG_FILE_NAMES order. */
export function presentConfigFiles(dir: string): string[] {
  return CONFIG_FILE_NAMES.map((name) => join(dir, name)).filter((file) => existsSync(file));
}

export const isYamlFile = (path: string): boolean => /\.ya?ml$/i.test(path);

export interface TextPosition {
  line: number;
  column: number;
}

/** A syntax error of the file, with where it is. */
export class SyntaxProblem extends Error {
  constructor(
    readonly reason: string,
    readonly at: TextPosition | undefined,
  ) {
    super(reason);
  }
}

/** The YAML document of `text`, or a SyntaxProblem for its first error. */
export function parseYaml(text: string): unknown {
  const { LineCounter, parseDocument } = yaml();
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const error = doc.errors[0];
  if (error) {
    const at = lines.linePos(error.pos[0]);
    // yaml's own message, without the position and excerpt it appends.
    throw new SyntaxProblem(error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, ''), { line: at.line, column: at.col });
  }
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (problem) {
    // An alias of no anchor, or aliases that expand past the limit: yaml finds these only here, without a place.
    throw new SyntaxProblem((problem as Error).message, undefined);
  }
}

/**
 * Where the value at `path` (as zod reports it: keys and array indexes) starts in `text`, JSON or
 * YAML alike (JSON is YAML); for a field that is missing, where its nearest parent starts.
 */
export function positionOf(text: string, path: ReadonlyArray<PropertyKey>): TextPosition | undefined {
  const { LineCounter, parseDocument } = yaml();
  const lines = new LineCounter();
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false });
  } catch {
    return undefined;
  }
  if (doc.errors.length > 0) return undefined;
  for (let depth = path.length; depth >= 0; depth -= 1) {
    const node = doc.getIn(path.slice(0, depth) as unknown[], true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && node.range) {
      const at = lines.linePos(node.range[0]);
      return { line: at.line, column: at.col };
    }
  }
  return undefined;
}
