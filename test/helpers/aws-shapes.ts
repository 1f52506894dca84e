// Checks an operation's input against AWS's own model of it (botocore's service-2.json, the input
// shapes kept in test/golden/aws-shapes.json): required members, member names, types, enums,
// lengths and ranges. A golden file that passes is an input AWS's API accepts in form.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

interface Shape {
  type: string;
  required?: string[];
  members?: Record<string, { shape: string }>;
  member?: { shape: string };
  key?: { shape: string };
  value?: { shape: string };
  enum?: string[];
  min?: number;
  max?: number;
  pattern?: string;
}

interface ServiceModel {
  operations: Record<string, string>;
  shapes: Record<string, Shape>;
}

type Models = Record<'ecs' | 'elbv2', ServiceModel>;

const models = JSON.parse(readFileSync(join(__dirname, '..', 'golden', 'aws-shapes.json'), 'utf8')) as Models;

/** The SDK's names are AWS's, but for ECS, whose JSON protocol's members are lowerCamelCase in both. */
export function inputProblems(service: keyof Models, operation: string, input: unknown): string[] {
  const model = models[service];
  const root = model.operations[operation];
  if (root === undefined) return [`${service}:${operation} is not in test/golden/aws-shapes.json`];
  const problems: string[] = [];
  const check = (shapeName: string, value: unknown, path: string): void => {
    if (value === undefined) return;
    const shape = model.shapes[shapeName]!;
    const fail = (why: string): void => void problems.push(`${operation} ${path || '(input)'}: ${why}`);
    switch (shape.type) {
      case 'structure': {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(`expected a structure (${shapeName})`);
        const record = value as Record<string, unknown>;
        for (const name of shape.required ?? []) if (record[name] === undefined) fail(`${name} is required (${shapeName})`);
        for (const [name, v] of Object.entries(record)) {
          const member = shape.members?.[name];
          if (member === undefined) fail(`${name} is not a member of ${shapeName}`);
          else check(member.shape, v, path ? `${path}.${name}` : name);
        }
        return;
      }
      case 'list': {
        if (!Array.isArray(value)) return fail(`expected a list (${shapeName})`);
        if (shape.min !== undefined && value.length < shape.min) fail(`at least ${shape.min} item(s)`);
        if (shape.max !== undefined && value.length > shape.max) fail(`at most ${shape.max} item(s)`);
        value.forEach((v, i) => check(shape.member!.shape, v, `${path}[${i}]`));
        return;
      }
      case 'map': {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(`expected a map (${shapeName})`);
        for (const [k, v] of Object.entries(value)) {
          check(shape.key!.shape, k, `${path}{${k}}`);
          check(shape.value!.shape, v, `${path}.${k}`);
        }
        return;
      }
      case 'string': {
        if (typeof value !== 'string') return fail(`expected a string (${shapeName})`);
        if (shape.enum && !shape.enum.includes(value)) fail(`"${value}" is not one of ${shape.enum.join(', ')}`);
        if (shape.min !== undefined && value.length < shape.min) fail(`at least ${shape.min} character(s)`);
        if (shape.max !== undefined && value.length > shape.max) fail(`at most ${shape.max} characters`);
        if (shape.pattern !== undefined && !new RegExp(`^(?:${shape.pattern})$`, 'u').test(value)) fail(`"${value}" does not match ${shape.pattern}`);
        return;
      }
      case 'double':
        if (typeof value !== 'number') fail(`expected a number (${shapeName})`);
        return;
      case 'integer':
      case 'long': {
        if (!Number.isInteger(value)) return fail(`expected an integer (${shapeName})`);
        const n = value as number;
        if (shape.min !== undefined && n < shape.min) fail(`${n} is under ${shape.min}`);
        if (shape.max !== undefined && n > shape.max) fail(`${n} is over ${shape.max}`);
        return;
      }
      case 'boolean':
        if (typeof value !== 'boolean') fail(`expected a boolean (${shapeName})`);
        return;
      default:
        fail(`type ${shape.type} (${shapeName}) is not checked here`);
    }
  };
  check(root, input, '');
  return problems;
}
