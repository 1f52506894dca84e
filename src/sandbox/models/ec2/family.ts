// What every EC2 resource family shares: the scope it works in (the world, the model's live data,
// the clock's transitions) and the lookups, tag rules and refusals common to all EC2 calls. A
// family file (vpcs.ts, instances.ts …) holds one family's whole life; index.ts composes them.
import type * as EC2 from '@aws-sdk/client-ec2';
import { awsError } from '../../kernel/errors';
import { type Tags, tagsFromList, tagsToList } from '../../kernel/tags';
import type { SandboxWorld } from '../../kernel/world';
import { NOT_FOUND, type Kind } from './ids';
import { parseCidr, type Cidr } from './net';
import type { Ec2Data } from './records';

/** What a family reads through: the model's data is read at each use, as a load from disk replaces it. */
export interface Ec2Scope {
  readonly world: SandboxWorld;
  data(): Ec2Data;
  /** Applies the slow transitions whose time has come: every call starts with it. */
  settle(): void;
}

export abstract class Ec2Family {
  constructor(private readonly scope: Ec2Scope) {}

  protected get world(): SandboxWorld {
    return this.scope.world;
  }

  protected get data(): Ec2Data {
    return this.scope.data();
  }

  protected settle(): void {
    this.scope.settle();
  }

  protected nowIso(): string {
    return this.world.nowDate().toISOString();
  }
}

// ---------------------------------------------------------------------------------------------
// Shared helpers: lookups with AWS's NotFound codes (ids.ts), tags, common refusals.

export function notFound(kind: Kind, ids: readonly string[]): Error {
  const { code, what } = NOT_FOUND[kind];
  return ids.length === 1
    ? awsError(code, `The ${what} '${ids[0]}' does not exist`)
    : awsError(code, `The ${what}s '${ids.join(', ')}' do not exist`);
}

export function required<T>(value: T | undefined, param: string): T {
  if (value === undefined || value === null || value === '') throw awsError('MissingParameter', `The request must contain the parameter ${param}`);
  return value;
}

/** One record by ID: MissingParameter without an ID, the family's NotFound code for an unknown one. */
export function getRecord<R>(collection: Record<string, R>, id: string | undefined, kind: Kind): R {
  const key = required(id, NOT_FOUND[kind].param);
  const record = collection[key];
  if (!record) throw notFound(kind, [key]);
  return record;
}

/** What a Describe call starts from: the IDs it names (all must exist), or every record. */
export function pick<R>(collection: Record<string, R>, ids: readonly string[] | undefined, kind: Kind): R[] {
  if (!ids || ids.length === 0) return Object.values(collection);
  const missing = ids.filter((id) => !collection[id]);
  if (missing.length > 0) throw notFound(kind, missing);
  return [...new Set(ids)].map((id) => collection[id] as R);
}

/** Tags as EC2 lists them: absent when there are none. */
export function tagList(tags: Tags): EC2.Tag[] | undefined {
  const list = tagsToList(tags);
  return list.length > 0 ? list : undefined;
}

export function checkedTags(tags: Tags): Tags {
  if (Object.keys(tags).length > 50) throw awsError('TagLimitExceeded', 'The maximum number of Tags for a resource has been reached.');
  for (const key of Object.keys(tags)) {
    if (key.toLowerCase().startsWith('aws:')) throw awsError('InvalidParameterValue', "Tag keys starting with 'aws:' are reserved for internal use");
    if (key.length === 0 || key.length > 128) throw awsError('InvalidParameterValue', `Tag key '${key}' must be 1 to 128 characters long`);
  }
  return tags;
}

/** Tags per resource type from TagSpecifications; a type the operation cannot tag is refused. */
export function tagsBySpec(specs: readonly EC2.TagSpecification[] | undefined, allowed: readonly string[]): Record<string, Tags> {
  const byType: Record<string, Tags> = {};
  for (const spec of specs ?? []) {
    const type = spec.ResourceType ?? '';
    if (!allowed.includes(type)) throw awsError('InvalidParameterValue', `'${type}' is not a valid taggable resource type for this operation.`);
    if (byType[type]) throw awsError('InvalidParameterValue', 'The same resource type may not be specified more than once in tag specifications');
    byType[type] = checkedTags(tagsFromList(spec.Tags));
  }
  return byType;
}

export function specTags(specs: readonly EC2.TagSpecification[] | undefined, resourceType: string): Tags {
  return tagsBySpec(specs, [resourceType])[resourceType] ?? {};
}

export function noFreeAddress(subnetId: string): Error {
  return awsError('InsufficientFreeAddressesInSubnet', `There are not enough free addresses in subnet '${subnetId}' to satisfy the requested number of instances.`);
}

export function dependencyViolation(noun: string, id: string): Error {
  return awsError('DependencyViolation', `The ${noun} '${id}' has dependencies and cannot be deleted.`);
}

export function parseCidrParam(text: string, param: string): Cidr {
  const cidr = parseCidr(text);
  if (!cidr) throw awsError('InvalidParameterValue', `Value (${text}) for parameter ${param} is invalid. This is not a valid CIDR block.`);
  return cidr;
}
