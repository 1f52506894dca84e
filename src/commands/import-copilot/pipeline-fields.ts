// The fields of a Copilot pipeline manifest (copilot/pipelines/<name>/manifest.yml): its GitHub
// source becomes `source`, its stages' order the environments' order, `requires_approval` an
// environment's `approval`; what runs around a deployment (tests, pre/post deployments) does not carry.
//
// Copilot's words: https://aws.github.io/copilot-cli/docs/manifest/pipeline/ ; shapes:
// aws/copilot-cli internal/pkg/manifest/pipeline.go (Source, PipelineStage).
import { githubRepository } from '../init';
import { REASON, refuse, type NotCarried } from './report';
import { asRecord, asString, shown } from './values';

export interface PipelineStage {
  /** The Copilot environment the stage deploys to. */
  name: string;
  approval: boolean;
  /** Its place in `stages`. */
  index: number;
}

export interface PipelineFields {
  source: { repository: string; branch: string | undefined } | undefined;
  stages: PipelineStage[];
  notes: NotCarried[];
}

export function pipelineFields(manifest: Record<string, unknown>, file: string): PipelineFields {
  const notes: NotCarried[] = [];
  let source: PipelineFields['source'];
  let stages: PipelineStage[] = [];
  for (const [key, value] of Object.entries(manifest)) {
    if (key === 'name' || key === 'version') continue;
    if (key === 'source') {
      const mapped = sourceFrom(value, file);
      source = mapped.source;
      notes.push(...mapped.notes);
    } else if (key === 'stages') {
      const mapped = stagesFrom(value, file);
      stages = mapped.stages;
      notes.push(...mapped.notes);
    } else if (key === 'build') {
      notes.push(...Object.keys(asRecord(value)).map((k) => refuse(file, `build.${k}`, BUILD_REFUSALS[k] ?? REASON.unknown)));
    } else notes.push(refuse(file, key, REASON.unknown));
  }
  return { source, stages, notes };
}

const BUILD_REFUSALS: Record<string, string> = {
  image: "shipline builds on CodeBuild's curated image for services.architecture (set build.image to pin another)",
  buildspec: 'shipline builds with the buildspec.yml `shipline init-app` writes at the repository root',
  additional_policy: "shipline's build role has the permissions the build needs and no more",
};

/** `source`: a GitHub repository URL (or owner/name) and branch; other providers do not carry. */
export function sourceFrom(value: unknown, file: string): Pick<PipelineFields, 'source' | 'notes'> {
  const source = asRecord(value);
  const props = asRecord(source.properties);
  const provider = asString(source.provider) ?? '';
  const notes: NotCarried[] = [];
  for (const key of Object.keys(props)) {
    if (key === 'connection_name') notes.push(refuse(file, 'source.properties.connection_name', `${shown(props[key])}: shipline makes a CodeConnections connection of its own (approve it once after the first provision)`));
    else if (key === 'access_token_secret') notes.push(refuse(file, 'source.properties.access_token_secret', 'shipline connects to GitHub through CodeConnections, not a personal access token'));
    else if (key === 'output_artifact_format') notes.push(refuse(file, `source.properties.${key}`, "shipline's build reads a plain source archive"));
    else if (key !== 'repository' && key !== 'branch') notes.push(refuse(file, `source.properties.${key}`, REASON.unknown));
  }
  if (!/^github(v1)?$/i.test(provider)) {
    notes.push(refuse(file, 'source.provider', `${shown(source.provider ?? null)}: shipline builds from GitHub only (through CodeConnections)`));
    return { source: undefined, notes };
  }
  const repository = githubOwnerName(asString(props.repository) ?? '');
  if (repository === undefined) {
    notes.push(refuse(file, 'source.properties.repository', `${shown(props.repository ?? null)}: expected a GitHub repository URL or owner/name`));
    return { source: undefined, notes };
  }
  return { source: { repository, branch: asString(props.branch) }, notes };
}

/** `owner/name` of a GitHub URL (https or ssh), or of `owner/name` itself. */
export function githubOwnerName(value: string): string | undefined {
  const plain = value.trim();
  return /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(plain) ? plain.replace(/\.git$/, '') : githubRepository(plain);
}

function stagesFrom(value: unknown, file: string): Pick<PipelineFields, 'stages' | 'notes'> {
  const list = Array.isArray(value) ? value : [];
  const notes: NotCarried[] = [];
  const stages = list.flatMap((entry, i): PipelineStage[] => {
    const stage = asRecord(entry);
    const name = asString(stage.name);
    if (name === undefined) {
      notes.push(refuse(file, `stages[${i}]`, 'a stage without a name (the environment it deploys to)'));
      return [];
    }
    for (const key of Object.keys(stage)) {
      if (key !== 'name' && key !== 'requires_approval') notes.push(refuse(file, `stages[${i}].${key}`, STAGE_REFUSALS[key] ?? REASON.unknown));
    }
    return [{ name, approval: stage.requires_approval === true, index: i }];
  });
  return { stages, notes };
}

const STAGE_REFUSALS: Record<string, string> = {
  test_commands: 'shipline runs no tests after a deployment; run them in the build (buildspec.yml)',
  pre_deployments: 'shipline runs no actions before a deployment',
  post_deployments: 'shipline runs no actions after a deployment',
  deployments: "shipline's stage deploys its one service; the order of other stacks does not carry",
};
