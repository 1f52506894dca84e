// The ECS AppSpec a CodeDeploy revision carries: read from JSON or YAML as AWS accepts it, or written
// for a pipeline's deployment.
import type { RevisionLocation } from '@aws-sdk/client-codedeploy';
import { createHash } from 'node:crypto';
import { SandboxNotModelled } from '../../kernel/errors';

/** The ECS part of an AppSpec: what a deployment deploys. */
export interface AppSpec {
  taskDefinition: string;
  containerName: string;
  containerPort: number;
}

export class AppSpecError extends Error {}

/** An AppSpecContent revision deploying this task definition (JSON, which is also YAML). */
export function appSpecRevision(spec: AppSpec): RevisionLocation {
  const content = JSON.stringify({
    version: 0.0,
    Resources: [
      {
        TargetService: {
          Type: 'AWS::ECS::Service',
          Properties: { TaskDefinition: spec.taskDefinition, LoadBalancerInfo: { ContainerName: spec.containerName, ContainerPort: spec.containerPort } },
        },
      },
    ],
  });
  return { revisionType: 'AppSpecContent', appSpecContent: { content, sha256: createHash('sha256').update(content).digest('hex') } };
}

/**
 * The ECS service resource of an AppSpec, in JSON or block-style YAML. Hooks need Lambda functions,
 * and a NetworkConfiguration or CapacityProviderStrategy override changes the service: neither is
 * modelled.
 */
export function readAppSpec(content: string): AppSpec {
  const document = content.trimStart().startsWith('{') ? parseJson(content) : parseYaml(content);
  if (!isRecord(document)) throw new AppSpecError('the AppSpec must be a mapping');
  const hooks = document.Hooks;
  if (Array.isArray(hooks) ? hooks.length > 0 : hooks !== undefined && hooks !== null) {
    throw new SandboxNotModelled('the sandbox does not model AppSpec Hooks (Lambda functions)');
  }
  const resources = document.Resources;
  if (!Array.isArray(resources) || resources.length !== 1) throw new AppSpecError('Resources must list exactly one ECS service');
  const resource = resources[0];
  const target = isRecord(resource) ? Object.values(resource)[0] : undefined;
  if (!isRecord(target) || target.Type !== 'AWS::ECS::Service') throw new AppSpecError('the resource must have Type AWS::ECS::Service');
  const properties = target.Properties;
  if (!isRecord(properties)) throw new AppSpecError('the ECS service resource has no Properties');
  if (properties.NetworkConfiguration !== undefined || properties.CapacityProviderStrategy !== undefined) {
    throw new SandboxNotModelled('the sandbox does not model AppSpec NetworkConfiguration or CapacityProviderStrategy');
  }
  const loadBalancerInfo = properties.LoadBalancerInfo;
  const taskDefinition = properties.TaskDefinition;
  const containerName = isRecord(loadBalancerInfo) ? loadBalancerInfo.ContainerName : undefined;
  const containerPort = isRecord(loadBalancerInfo) ? Number(loadBalancerInfo.ContainerPort) : NaN;
  if (typeof taskDefinition !== 'string' || taskDefinition === '') throw new AppSpecError('Properties.TaskDefinition is missing');
  if (typeof containerName !== 'string' || containerName === '') throw new AppSpecError('Properties.LoadBalancerInfo.ContainerName is missing');
  if (!Number.isInteger(containerPort)) throw new AppSpecError('Properties.LoadBalancerInfo.ContainerPort is missing or not a number');
  return { taskDefinition, containerName, containerPort };
}

export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue };

export function isRecord(value: unknown): value is Record<string, YamlValue> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseJson(content: string): YamlValue {
  try {
    return JSON.parse(content) as YamlValue;
  } catch (error) {
    throw new AppSpecError(`invalid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Block-style YAML as AppSpec files are written: indented mappings, `- ` sequences (an item may
 * open a mapping on its own line), plain, quoted and numeric scalars, comments, and JSON-like flow
 * collections. Anchors, multi-line scalars and other YAML features are refused.
 */
export function parseYaml(content: string): YamlValue {
  interface Line { indent: number; text: string; number: number }
  const lines: Line[] = [];
  for (const [index, raw] of content.split(/\r?\n/).entries()) {
    const text = stripComment(raw).trimEnd();
    if (text.trim() === '' || text.trim() === '---') continue;
    const indent = text.length - text.trimStart().length;
    if (text.slice(0, indent).includes('\t')) throw new AppSpecError(`line ${index + 1}: tabs cannot indent YAML`);
    lines.push({ indent, text: text.trim(), number: index + 1 });
  }
  let pos = 0;
  const isItem = (text: string): boolean => text === '-' || text.startsWith('- ');
  const fail = (line: Line | undefined, why: string): never => {
    throw new AppSpecError(line ? `line ${line.number}: ${why}` : why);
  };

  const block = (): YamlValue => {
    const first = lines[pos];
    if (!first) return null;
    return isItem(first.text) ? sequence(first.indent) : mapping(first.indent);
  };

  /** The value of a key or item whose own line left it empty: the more indented block below, if any. */
  const nested = (indent: number, allowSameIndentSequence: boolean): YamlValue => {
    const next = lines[pos];
    if (next && next.indent > indent) return block();
    if (next && allowSameIndentSequence && next.indent === indent && isItem(next.text)) return sequence(indent);
    return null;
  };

  const sequence = (indent: number): YamlValue[] => {
    const items: YamlValue[] = [];
    for (let line = lines[pos]; line && line.indent === indent && isItem(line.text); line = lines[pos]) {
      const rest = line.text.slice(1).trimStart();
      if (rest === '') {
        pos += 1;
        items.push(nested(indent, false));
      } else if (isItem(rest) || /^("[^"]*"|'[^']*'|[^'"{[][^:]*?):(\s|$)/.test(rest)) {
        // `- key: value` opens a mapping (or `- - x` a sequence) at the column after the dash.
        lines[pos] = { ...line, indent: indent + line.text.length - rest.length, text: rest };
        items.push(block());
      } else {
        pos += 1;
        items.push(scalar(rest, line));
      }
    }
    return items;
  };

  const mapping = (indent: number): Record<string, YamlValue> => {
    const result: Record<string, YamlValue> = {};
    for (let line = lines[pos]; line && line.indent === indent; line = lines[pos]) {
      if (isItem(line.text)) fail(line, 'a sequence item where a mapping key was expected');
      const match = /^("[^"]*"|'[^']*'|[^'"{[][^:]*?):(?:\s+(.*))?$/.exec(line.text);
      if (!match?.[1]) return fail(line, `expected "key: value", found "${line.text}"`);
      const key = unquote(match[1].trim());
      if (key in result) fail(line, `the key ${key} appears twice`);
      pos += 1;
      const value = match[2]?.trim();
      result[key] = value === undefined || value === '' ? nested(indent, true) : scalar(value, line);
    }
    const next = lines[pos];
    if (next && next.indent > indent) fail(next, 'unexpected indentation');
    return result;
  };

  const scalar = (text: string, line: Line): YamlValue => {
    if (text.startsWith('"')) {
      try {
        return JSON.parse(text) as string;
      } catch {
        return fail(line, `bad double-quoted string ${text}`);
      }
    }
    if (text.startsWith("'")) {
      if (!/^'(?:[^']|'')*'$/.test(text)) fail(line, `bad single-quoted string ${text}`);
      return text.slice(1, -1).replace(/''/g, "'");
    }
    if (text.startsWith('{') || text.startsWith('[')) {
      try {
        return JSON.parse(text) as YamlValue;
      } catch {
        return fail(line, `the sandbox reads flow collections written as JSON only: ${text}`);
      }
    }
    if (/^[&*!|>%@`]/.test(text)) fail(line, `the sandbox does not read YAML anchors, tags or block scalars: ${text}`);
    if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
    if (/^(true|false)$/i.test(text)) return text.toLowerCase() === 'true';
    if (/^(null|~)$/i.test(text)) return null;
    return text;
  };

  const value = block();
  const rest = lines[pos];
  if (rest) fail(rest, 'unexpected content');
  return value;
}

/** A line without its `# comment` (a `#` that starts the line or follows a space, outside quotes). */
export function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i += 1) {
    const c = line.charAt(i);
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(line.charAt(i - 1)))) {
      return line.slice(0, i);
    }
  }
  return line;
}

export function unquote(key: string): string {
  if (key.startsWith('"') && key.endsWith('"')) return JSON.parse(key) as string;
  if (key.startsWith("'") && key.endsWith("'")) return key.slice(1, -1).replace(/''/g, "'");
  return key;
}
