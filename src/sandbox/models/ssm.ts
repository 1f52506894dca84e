// SSM Parameter Store (simulated): the parameters a task's `secrets` name, and their tags.
//
// Behaviour, as AWS documents it (the full specification, with sources, is in README.md):
// - Names: case sensitive, [a-zA-Z0-9_.-] plus `/` between hierarchy levels; a name with a `/` must
//   start with one ("fully qualified"); at most 15 levels; no `aws`/`ssm` prefix (case-insensitive,
//   after the leading `/`); the ARN (`…:parameter/<name without its leading slash>`) at most 1011
//   characters. ValidationException / HierarchyLevelLimitExceededException otherwise.
// - GetParameter / GetParameters / DeleteParameter(s) take a name or the parameter's ARN.
//   GetParameter: unknown → ParameterNotFound. GetParameters: 1–10 names; unknown ones are listed
//   in InvalidParameters (as given), never an error. A SecureString's value is its ciphertext unless
//   WithDecryption. Selectors (`name:3`, `name:label`) are not modelled.
// - PutParameter: Type required for a new parameter; an existing one without Overwrite →
//   ParameterAlreadyExists; Overwrite with Tags → ValidationException; KeyId only for SecureString;
//   a Standard value at most 4 KB; each write adds a version.
// - DescribeParameters: paged (1–50, default 10 here) and best effort: each call scans one page of
//   parameters (by name) and answers those that match, so a page may be short or empty while a
//   NextToken remains. ParameterFilters on Name (Equals, BeginsWith) and Type (Equals); the legacy
//   `Filters` and other keys are not modelled. GetParameters answers in alphabetical order.
// - Tags: AddTagsToResource / RemoveTagsFromResource / ListTagsForResource (ResourceType Parameter).
// - Seed data: a new world holds `/demo/db-password` (SecureString), as a new account holds AWS's
//   public parameters; inventory() leaves it out, like the seeded AMIs.
// - inventory(): one `parameter` per parameter the caller made, keyed by its name.
import type * as SSM from '@aws-sdk/client-ssm';
import { createHash } from 'node:crypto';
import { awsError, SandboxNotModelled } from '../kernel/errors';
import { pageOf } from '../kernel/pages';
import { type InventoryItem, type Out, SandboxService } from '../kernel/service';
import { type Tags, tagsFromList, tagsToList } from '../kernel/tags';

/** The parameter a new sandbox world holds (config.example.json's DB_PASSWORD). */
export const SEED_PARAMETER = { name: '/demo/db-password', value: 'sandbox-db-password' } as const;

const NAME_CHARS = /^[a-zA-Z0-9_.\-/]+$/;
const MAX_ARN_LENGTH = 1011;
const MAX_LEVELS = 15;
const MAX_STANDARD_VALUE = 4096;
const MAX_NAMES = 10;
const MAX_TAGS = 50;
const TYPES: readonly string[] = ['String', 'StringList', 'SecureString'];
/** The AWS managed key a SecureString uses when no KeyId is given. */
const DEFAULT_KEY = 'alias/aws/ssm';

interface ParameterRecord {
  name: string;
  type: SSM.ParameterType;
  value: string;
  version: number;
  /** Simulated seconds of the last write. */
  modifiedAt: number;
  keyId?: string;
  description?: string;
  tags: Tags;
  /** Part of the world's seed data (not the caller's: left out of the inventory). */
  seeded?: boolean;
}

export interface SsmData {
  /** By name, as written (with or without a leading `/`). */
  parameters: Record<string, ParameterRecord>;
}

export class SsmSandbox extends SandboxService<SsmData> {
  readonly service = 'ssm' as const;

  static empty(): SsmData {
    return {
      parameters: {
        [SEED_PARAMETER.name]: { name: SEED_PARAMETER.name, type: 'SecureString', value: SEED_PARAMETER.value, version: 1, modifiedAt: 0, keyId: DEFAULT_KEY, tags: {}, seeded: true },
      },
    };
  }

  // ---- Parameters --------------------------------------------------------------------------------

  putParameter(input: SSM.PutParameterCommandInput): Out<SSM.PutParameterCommandOutput> {
    const name = this.checkedName(input.Name);
    if (input.Value === undefined) throw validation(`1 validation error detected: Value null at 'value' failed to satisfy constraint: Member must not be null`);
    if (input.Type !== undefined && !TYPES.includes(input.Type)) {
      throw validation(`1 validation error detected: Value '${input.Type}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [SecureString, StringList, String]`);
    }
    if (input.Tier !== undefined && input.Tier !== 'Standard') throw new SandboxNotModelled(`the sandbox does not model SSM parameter tier ${input.Tier}`);
    if (input.Policies !== undefined || input.AllowedPattern !== undefined || (input.DataType !== undefined && input.DataType !== 'text')) {
      throw new SandboxNotModelled('the sandbox does not model SSM parameter policies, allowed patterns or data types other than text');
    }
    if (input.Value.length > MAX_STANDARD_VALUE) {
      throw validation(`Standard tier parameters support a maximum parameter value of ${MAX_STANDARD_VALUE} characters. To create a larger parameter value, upgrade the parameter to use the advanced-parameter tier.`);
    }
    const existing = this.data.parameters[name];
    const type = input.Type ?? existing?.type;
    if (!type) throw validation('A parameter type is required when you create a parameter.');
    if (input.KeyId !== undefined && type !== 'SecureString') throw validation('KeyId is required for SecureString type parameter only.');
    if (existing) {
      if (!input.Overwrite) throw awsError('ParameterAlreadyExists', 'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.');
      if (input.Tags?.length) {
        throw validation("Invalid request: tags and overwrite can't be used together. To create a parameter with tags, please remove overwrite flag. To update tags for an existing parameter, please use AddTagsToResource or RemoveTagsFromResource.");
      }
      existing.type = type;
      existing.value = input.Value;
      existing.version += 1;
      existing.modifiedAt = this.world.now();
      if (type === 'SecureString') existing.keyId = input.KeyId ?? existing.keyId ?? DEFAULT_KEY;
      else delete existing.keyId;
      if (input.Description !== undefined) existing.description = input.Description;
      delete existing.seeded;
      return { Version: existing.version, Tier: 'Standard' };
    }
    const tags = this.checkedTags({}, input.Tags);
    this.data.parameters[name] = {
      name,
      type,
      value: input.Value,
      version: 1,
      modifiedAt: this.world.now(),
      ...(type === 'SecureString' ? { keyId: input.KeyId ?? DEFAULT_KEY } : {}),
      ...(input.Description !== undefined ? { description: input.Description } : {}),
      tags,
    };
    return { Version: 1, Tier: 'Standard' };
  }

  getParameter(input: SSM.GetParameterCommandInput): Out<SSM.GetParameterCommandOutput> {
    const parameter = this.findParameter(this.requiredRef(input.Name));
    if (!parameter) throw awsError('ParameterNotFound', '');
    return { Parameter: this.parameterOut(parameter, input.WithDecryption === true) };
  }

  getParameters(input: SSM.GetParametersCommandInput): Out<SSM.GetParametersCommandOutput> {
    const refs = this.checkedNameList(input.Names);
    const found: SSM.Parameter[] = [];
    const invalid: string[] = [];
    for (const ref of refs) {
      const parameter = this.findParameter(ref);
      if (parameter) found.push(this.parameterOut(parameter, input.WithDecryption === true));
      else invalid.push(ref);
    }
    // "The results for GetParameters requests are listed in alphabetical order."
    found.sort((a, b) => ((a.Name ?? '') < (b.Name ?? '') ? -1 : (a.Name ?? '') > (b.Name ?? '') ? 1 : 0));
    return { Parameters: found, InvalidParameters: invalid };
  }

  describeParameters(input: SSM.DescribeParametersCommandInput): Out<SSM.DescribeParametersCommandOutput> {
    if (input.Filters !== undefined || input.Shared) throw new SandboxNotModelled('the sandbox does not model DescribeParameters Filters (legacy) or Shared');
    // Best effort, as AWS documents it: each call scans one page of parameters and answers the
    // ones among them that match, so a page may be short, or empty, with a NextToken still to follow.
    const page = pageOf(this.world, this.sorted(), { max: input.MaxResults, token: input.NextToken, scope: JSON.stringify(input.ParameterFilters ?? []) }, {
      operation: 'DescribeParameters',
      awsDefault: 10,
      awsMax: 50,
      invalid: (message) => (message.includes('page size') ? validation(message) : awsError('InvalidNextToken', 'The specified token is not valid.')),
    });
    const matches = page.items.filter((p) => (input.ParameterFilters ?? []).every((f) => this.matchesFilter(p, f)));
    return { Parameters: matches.map((p) => this.metadataOut(p)), ...(page.next ? { NextToken: page.next } : {}) };
  }

  deleteParameter(input: SSM.DeleteParameterCommandInput): Out<SSM.DeleteParameterCommandOutput> {
    const parameter = this.findParameter(this.requiredRef(input.Name));
    if (!parameter) throw awsError('ParameterNotFound', '');
    delete this.data.parameters[parameter.name];
    return {};
  }

  deleteParameters(input: SSM.DeleteParametersCommandInput): Out<SSM.DeleteParametersCommandOutput> {
    const deleted: string[] = [];
    const invalid: string[] = [];
    for (const ref of this.checkedNameList(input.Names)) {
      const parameter = this.findParameter(ref);
      if (parameter) {
        delete this.data.parameters[parameter.name];
        deleted.push(ref);
      } else {
        invalid.push(ref);
      }
    }
    return { DeletedParameters: deleted, InvalidParameters: invalid };
  }

  // ---- Tags --------------------------------------------------------------------------------------

  addTagsToResource(input: SSM.AddTagsToResourceCommandInput): Out<SSM.AddTagsToResourceCommandOutput> {
    const parameter = this.taggable(input.ResourceType, input.ResourceId);
    parameter.tags = this.checkedTags(parameter.tags, input.Tags);
    return {};
  }

  removeTagsFromResource(input: SSM.RemoveTagsFromResourceCommandInput): Out<SSM.RemoveTagsFromResourceCommandOutput> {
    const parameter = this.taggable(input.ResourceType, input.ResourceId);
    for (const key of input.TagKeys ?? []) delete parameter.tags[key];
    return {};
  }

  listTagsForResource(input: SSM.ListTagsForResourceCommandInput): Out<SSM.ListTagsForResourceCommandOutput> {
    return { TagList: tagsToList(this.taggable(input.ResourceType, input.ResourceId).tags) };
  }

  // ---- Helpers for tests and the other services (not AWS operations) -----------------------------

  /** The parameter's ARN: `…:parameter/<name>` without the name's own leading slash (no `//`). */
  parameterArn(name: string): string {
    return this.world.arn('ssm', `parameter/${name.replace(/^\//, '')}`);
  }

  /** Whether a name or ARN names a parameter (what ECS checks when a task's secrets are read). */
  parameterExists(ref: string): boolean {
    return this.findParameter(ref) !== undefined;
  }

  // ---- Inventory ---------------------------------------------------------------------------------

  inventory(): InventoryItem[] {
    return Object.values(this.data.parameters)
      .filter((p) => !p.seeded)
      .map((p) => ({ service: 'ssm', type: 'parameter', id: p.name, tags: { ...p.tags }, key: p.name }));
  }

  // ---- Helpers -----------------------------------------------------------------------------------

  private sorted(): ParameterRecord[] {
    return Object.values(this.data.parameters).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /**
   * A name, or an ARN of this account and region. An ARN does not say whether its name had a
   * leading slash: a hierarchy (`parameter/a/b`) can only be `/a/b`; a single level is the name
   * without a slash if it exists, else the one with.
   */
  private findParameter(ref: string): ParameterRecord | undefined {
    const prefix = this.world.arn('ssm', 'parameter/');
    if (!ref.startsWith('arn:')) return this.data.parameters[ref];
    if (!ref.startsWith(prefix)) return undefined;
    const rest = ref.slice(prefix.length);
    if (rest.includes('/')) return this.data.parameters[`/${rest}`];
    return this.data.parameters[rest] ?? this.data.parameters[`/${rest}`];
  }

  private requiredRef(ref: string | undefined): string {
    if (ref === undefined || ref.length === 0) throw validation(`1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null`);
    if (ref.length > 2048) throw validation(`1 validation error detected: Value at 'name' failed to satisfy constraint: Member must have length less than or equal to 2048`);
    if (!ref.startsWith('arn:') && /:[^:]*$/.test(ref)) throw new SandboxNotModelled(`the sandbox does not model SSM parameter selectors (${ref})`);
    return ref;
  }

  private checkedNameList(names: readonly string[] | undefined): string[] {
    if (!names || names.length === 0 || names.length > MAX_NAMES) {
      throw validation(`1 validation error detected: Value at 'names' failed to satisfy constraint: Member must have length between 1 and ${MAX_NAMES}`);
    }
    return names.map((n) => this.requiredRef(n));
  }

  /** AWS's naming constraints for a parameter being created (PutParameter). */
  private checkedName(name: string | undefined): string {
    if (name === undefined || name.length === 0) throw validation(`1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null`);
    if (name.startsWith('arn:')) throw validation('Parameter name: can\'t be prefixed with "arn:". You can\'t enter the ARN for a parameter, only the parameter name itself.');
    if (!NAME_CHARS.test(name)) {
      throw validation('Parameter name: can only include the following letters and symbols: a-zA-Z0-9_.-/ (and no spaces).');
    }
    if (name.includes('/') && !name.startsWith('/')) throw validation('Parameter name must be a fully qualified name.');
    if (name.endsWith('/') || name.includes('//')) throw validation('Parameter name must be a fully qualified name.');
    if (/^\/?(aws|ssm)/i.test(name)) throw validation('Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive).');
    const levels = name.replace(/^\//, '').split('/').length;
    if (levels > MAX_LEVELS) throw awsError('HierarchyLevelLimitExceededException', `A hierarchy can have a maximum of ${MAX_LEVELS} levels.`);
    if (this.parameterArn(name).length > MAX_ARN_LENGTH) throw validation(`Parameter name: the full ARN of a parameter can be at most ${MAX_ARN_LENGTH} characters.`);
    return name;
  }

  private matchesFilter(p: ParameterRecord, filter: SSM.ParameterStringFilter): boolean {
    const option = filter.Option ?? 'Equals';
    const values = filter.Values ?? [];
    if (filter.Key === 'Name') {
      if (option === 'Equals') return values.includes(p.name);
      if (option === 'BeginsWith') return values.some((v) => p.name.startsWith(v));
      throw awsError('InvalidFilterOption', `The filter option '${option}' is not valid for the key Name. Valid options: Equals, BeginsWith.`);
    }
    if (filter.Key === 'Type') {
      if (option !== 'Equals') throw awsError('InvalidFilterOption', `The filter option '${option}' is not valid for the key Type. Valid options: Equals.`);
      return values.includes(p.type);
    }
    throw new SandboxNotModelled(`the sandbox does not model DescribeParameters filter key ${filter.Key ?? '(none)'}`);
  }

  private taggable(type: string | undefined, id: string | undefined): ParameterRecord {
    if (type !== 'Parameter') throw new SandboxNotModelled(`the sandbox models SSM tags on parameters only (ResourceType ${type ?? '(none)'})`);
    const parameter = id === undefined ? undefined : this.findParameter(id);
    if (!parameter) throw awsError('InvalidResourceId', 'The resource ID is not valid. Verify that you entered the correct ID and try again.');
    return parameter;
  }

  private checkedTags(existing: Tags, list: readonly SSM.Tag[] | undefined): Tags {
    const merged = { ...existing, ...tagsFromList(list) };
    if (Object.keys(merged).some((k) => k.length === 0 || k.length > 128 || k.toLowerCase().startsWith('aws:'))) {
      throw validation('Tag keys must be 1 to 128 characters and must not start with "aws:".');
    }
    if (Object.keys(merged).length > MAX_TAGS) throw awsError('TooManyTagsError', `The Targets parameter includes too many tags. A resource can have at most ${MAX_TAGS} tags.`);
    return merged;
  }

  private parameterOut(p: ParameterRecord, decrypt: boolean): SSM.Parameter {
    return {
      Name: p.name,
      Type: p.type,
      Value: p.type === 'SecureString' && !decrypt ? ciphertext(p) : p.value,
      Version: p.version,
      LastModifiedDate: this.dateAt(p.modifiedAt),
      ARN: this.parameterArn(p.name),
      DataType: 'text',
    };
  }

  private metadataOut(p: ParameterRecord): SSM.ParameterMetadata {
    return {
      Name: p.name,
      ARN: this.parameterArn(p.name),
      Type: p.type,
      ...(p.keyId ? { KeyId: p.keyId } : {}),
      LastModifiedDate: this.dateAt(p.modifiedAt),
      LastModifiedUser: `arn:${this.world.partition}:iam::${this.world.account}:user/sandbox`,
      ...(p.description !== undefined ? { Description: p.description } : {}),
      Version: p.version,
      Tier: 'Standard',
      Policies: [],
      DataType: 'text',
    };
  }

  private dateAt(simSeconds: number): Date {
    return new Date(Date.UTC(2026, 0, 1) + simSeconds * 1000);
  }
}

/** What AWS answers for a SecureString read without decryption: an opaque base64 blob, never the value. */
function ciphertext(p: ParameterRecord): string {
  return Buffer.from(createHash('sha256').update(`${p.name}\n${p.version}\n${p.value}`).digest()).toString('base64');
}

function validation(message: string): Error {
  return awsError('ValidationException', message);
}
