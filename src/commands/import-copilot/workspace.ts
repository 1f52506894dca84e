// Reading a Copilot workspace from disk: `copilot/.workspace` (the application's name), each
// workload's `copilot/<name>/manifest.yml` (and its `addons/` and `overrides/`), the environments'
// `copilot/environments/<env>/manifest.yml`, and the pipelines' `copilot/pipelines/<name>/manifest.yml`
// (or the legacy `copilot/pipeline.yml`). Layout: aws/copilot-cli internal/pkg/workspace/workspace.go.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseYaml, SyntaxProblem } from '../../config-file';
import { ConfigError, UsageError } from '../../errors';
import { asRecord, asString, isRecord, type YamlRecord } from './values';

export interface ManifestFile {
  /** The directory's name: the workload's, the environment's or the pipeline's. */
  name: string;
  /** Relative to the workspace, with forward slashes: `copilot/frontend/manifest.yml`. */
  file: string;
  manifest: YamlRecord;
}

export interface WorkloadFile extends ManifestFile {
  /** The manifest's `type`: "Load Balanced Web Service", "Worker Service" … */
  type: string;
  /** Files under `copilot/<name>/addons/` and `overrides/`, relative to the workspace. */
  extras: string[];
}

export interface CopilotWorkspace {
  /** `copilot/.workspace`'s `application`, if it names one. */
  application: string | undefined;
  workloads: WorkloadFile[];
  environments: ManifestFile[];
  /** Files under `copilot/environments/addons/` and `overrides/`. */
  environmentExtras: string[];
  /** By directory name; the legacy `copilot/pipeline.yml` first. */
  pipelines: ManifestFile[];
}

export const WORKSPACE_FILE = 'copilot/.workspace';
export const LOAD_BALANCED_WEB_SERVICE = 'Load Balanced Web Service';

/** Read `dir` as a Copilot workspace; a usage error when it is none. */
export function readWorkspace(dir: string): CopilotWorkspace {
  const copilot = path.join(dir, 'copilot');
  if (!isDirectory(copilot)) {
    throw new UsageError(`${dir} is not a Copilot workspace: it has no copilot/ directory`, {
      hint: 'pass the directory that holds copilot/.workspace (the root of the application repository)',
    });
  }
  const summary = existsSync(path.join(dir, WORKSPACE_FILE)) ? readManifest(dir, WORKSPACE_FILE) : {};
  const environmentsDir = 'copilot/environments';
  return {
    application: asString(summary.application),
    workloads: subdirectories(dir, 'copilot')
      .filter((name) => name !== 'environments' && name !== 'pipelines')
      .flatMap((name) => {
        const file = `copilot/${name}/manifest.yml`;
        if (!existsSync(path.join(dir, file))) return [];
        const manifest = readManifest(dir, file);
        const extras = ['addons', 'overrides'].flatMap((sub) => filesUnder(dir, `copilot/${name}/${sub}`));
        return [{ name, file, manifest, type: asString(manifest.type) ?? '(no type)', extras }];
      }),
    environments: manifestsIn(dir, environmentsDir).filter((m) => m.name !== 'addons' && m.name !== 'overrides'),
    environmentExtras: ['addons', 'overrides'].flatMap((sub) => filesUnder(dir, `${environmentsDir}/${sub}`)),
    pipelines: [
      ...(existsSync(path.join(dir, 'copilot/pipeline.yml')) ? [{ name: 'pipeline', file: 'copilot/pipeline.yml', manifest: readManifest(dir, 'copilot/pipeline.yml') }] : []),
      ...manifestsIn(dir, 'copilot/pipelines'),
    ],
  };
}

function manifestsIn(dir: string, parent: string): ManifestFile[] {
  return subdirectories(dir, parent).flatMap((name) => {
    const file = `${parent}/${name}/manifest.yml`;
    return existsSync(path.join(dir, file)) ? [{ name, file, manifest: readManifest(dir, file) }] : [];
  });
}

/** A manifest's YAML as a record; a syntax error names the file, line and column. */
function readManifest(dir: string, file: string): YamlRecord {
  const text = readFileSync(path.join(dir, file), 'utf8');
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (error) {
    if (!(error instanceof SyntaxProblem)) throw error;
    const at = error.at ? ` at line ${error.at.line}, column ${error.at.column}` : '';
    throw new ConfigError(`${file} is not valid YAML${at}: ${error.reason}`, { cause: error });
  }
  if (value !== null && value !== undefined && !isRecord(value)) throw new ConfigError(`${file} is not a Copilot manifest: expected a map of fields at the top level`);
  return asRecord(value);
}

function subdirectories(dir: string, relative: string): string[] {
  const full = path.join(dir, relative);
  if (!isDirectory(full)) return [];
  return readdirSync(full, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
    .map((entry) => entry.name)
    .sort();
}

/** Every file below `relative`, sorted, with forward slashes. */
function filesUnder(dir: string, relative: string): string[] {
  const full = path.join(dir, relative);
  if (!isDirectory(full)) return [];
  return readdirSync(full, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => (entry.isDirectory() ? filesUnder(dir, `${relative}/${entry.name}`) : [`${relative}/${entry.name}`]));
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
