// IAM (simulated): roles with their trust policy, AWS managed policies attached to them, inline
// role policies, instance profiles, and tags. IAM is global: ARNs carry no region.
//
// Behaviour, as AWS documents it:
// - Names: role, inline policy and instance profile names match `[\w+=,.@-]+` (roles and profiles
//   up to 64 characters, policies 128) and are unique case-insensitively; paths are `/` or
//   `/…/` (ValidationError otherwise). Role ARN `arn:aws:iam::<account>:role<path><name>`,
//   RoleId `AROA…`; instance profile ARN `…:instance-profile<path><name>`, id `AIPA…`.
// - Policy documents (trust and inline) may be given as JSON text or URL-encoded JSON text; the
//   JSON text is stored as given (not reformatted) and returned URL-encoded, as AWS does in
//   GetRole, ListRoles, CreateRole and GetRolePolicy (callers decodeURIComponent). Invalid JSON →
//   MalformedPolicyDocumentException "Syntax errors in policy."; a document without Statement, a
//   statement without a valid Effect, a trust statement without Principal or with Resource ("Has
//   prohibited field Resource"), a permissions statement without Action/NotAction ("Policy
//   statement must contain actions.") or Resource/NotResource ("Policy statement must contain
//   resources.") → MalformedPolicyDocumentException. A trust policy is limited to 2048
//   non-whitespace characters, a role's inline policies together to 10240 (LimitExceededException).
// - Roles: CreateRole (EntityAlreadyExistsException; Description, Path default `/`,
//   MaxSessionDuration 3600–43200 default 3600, Tags at most 50), GetRole (Tags and an empty
//   RoleLastUsed; NoSuchEntityException "The role with name X cannot be found."), ListRoles
//   (PathPrefix, default `/`; without Tags, as AWS; sorted by name; pages of MaxItems 1–1000,
//   default 100, with IsTruncated and an opaque Marker, "Invalid Marker." otherwise), UpdateRole
//   (Description, MaxSessionDuration), UpdateAssumeRolePolicy, DeleteRole
//   (DeleteConflictException while managed policies are attached, inline policies exist, or an
//   instance profile holds it), TagRole (a key is overwritten; more than 50 tags →
//   LimitExceededException), UntagRole, ListRoleTags.
// - Managed policies: only AWS managed policies exist in the sandbox (see AWS_MANAGED_POLICIES);
//   AttachRolePolicy (a malformed ARN → InvalidInputException; an unknown one →
//   NoSuchEntityException "Policy <arn> does not exist or is not attachable."; attaching twice is a
//   no-op; more than 10 → LimitExceededException), DetachRolePolicy (not attached →
//   NoSuchEntityException "Policy <arn> was not found."), ListAttachedRolePolicies (PathPrefix).
// - Inline policies: PutRolePolicy (creates or replaces), GetRolePolicy, ListRolePolicies,
//   DeleteRolePolicy (unknown → NoSuchEntityException "The role policy with name X cannot be
//   found.").
// - Instance profiles: CreateInstanceProfile, GetInstanceProfile, DeleteInstanceProfile
//   (DeleteConflictException while it holds a role), AddRoleToInstanceProfile (one role at most:
//   LimitExceededException), RemoveRoleFromInstanceProfile, ListInstanceProfilesForRole.
// - Errors are the SDK's exception classes, so `error.name` is what the SDK reports for a real
//   call (`NoSuchEntityException`, `EntityAlreadyExistsException`, `DeleteConflictException`,
//   `MalformedPolicyDocumentException` …); AWS's wire codes drop the `Exception` suffix.
//   ValidationError, which has no SDK class, is an error named `ValidationError`.
// - Eventual consistency (a new role not yet assumable) is not modelled here; fault hooks can.
// - inventory(): `role` (key path+name), `role-policy` (key role/policy) per inline policy,
//   `role-policy-attachment` (key role/policy ARN) per attached managed policy, and
//   `instance-profile` (key path+name), with their tags.
import {
  DeleteConflictException,
  EntityAlreadyExistsException,
  InvalidInputException,
  LimitExceededException,
  MalformedPolicyDocumentException,
  NoSuchEntityException,
  type AddRoleToInstanceProfileCommandInput,
  type AddRoleToInstanceProfileCommandOutput,
  type AttachRolePolicyCommandInput,
  type AttachRolePolicyCommandOutput,
  type CreateInstanceProfileCommandInput,
  type CreateInstanceProfileCommandOutput,
  type CreateRoleCommandInput,
  type CreateRoleCommandOutput,
  type DeleteInstanceProfileCommandInput,
  type DeleteInstanceProfileCommandOutput,
  type DeleteRoleCommandInput,
  type DeleteRoleCommandOutput,
  type DeleteRolePolicyCommandInput,
  type DeleteRolePolicyCommandOutput,
  type DetachRolePolicyCommandInput,
  type DetachRolePolicyCommandOutput,
  type GetInstanceProfileCommandInput,
  type GetInstanceProfileCommandOutput,
  type GetRoleCommandInput,
  type GetRoleCommandOutput,
  type GetRolePolicyCommandInput,
  type GetRolePolicyCommandOutput,
  type InstanceProfile,
  type ListAttachedRolePoliciesCommandInput,
  type ListAttachedRolePoliciesCommandOutput,
  type ListInstanceProfilesForRoleCommandInput,
  type ListInstanceProfilesForRoleCommandOutput,
  type ListRolePoliciesCommandInput,
  type ListRolePoliciesCommandOutput,
  type ListRolesCommandInput,
  type ListRolesCommandOutput,
  type ListRoleTagsCommandInput,
  type ListRoleTagsCommandOutput,
  type PutRolePolicyCommandInput,
  type PutRolePolicyCommandOutput,
  type RemoveRoleFromInstanceProfileCommandInput,
  type RemoveRoleFromInstanceProfileCommandOutput,
  type Role,
  type TagRoleCommandInput,
  type TagRoleCommandOutput,
  type UntagRoleCommandInput,
  type UntagRoleCommandOutput,
  type UpdateAssumeRolePolicyCommandInput,
  type UpdateAssumeRolePolicyCommandOutput,
  type UpdateRoleCommandInput,
  type UpdateRoleCommandOutput,
} from '@aws-sdk/client-iam';
import type { PolicyDocument } from '../../policies';
import { AWS_MANAGED_POLICIES, type ManagedPolicy } from './iam-managed-policies';
import { awsError } from '../kernel/errors';
import { pageOf, type PageLimits } from '../kernel/pages';
import { type InventoryItem, type Out, SandboxService } from '../kernel/service';
import { type Tags, tagsFromList, tagsToList } from '../kernel/tags';

export { AWS_MANAGED_POLICIES } from './iam-managed-policies';

const NAME = /^[\w+=,.@-]+$/;
const PATH = /^\/(?:[\u0021-\u007E]+\/)?$/;
const POLICY_ARN = /^arn:aws[\w-]*:iam::(aws|\d{12}):policy\/(?:[\u0021-\u007E]+\/)?[\w+=,.@-]+$/;
const MAX_TAGS = 50;
const MAX_ATTACHED_POLICIES = 10;
const MAX_TRUST_POLICY_CHARS = 2048;
const MAX_INLINE_POLICY_CHARS = 10240;
const DEFAULT_SESSION_SECONDS = 3600;

// ---- Stored records ---------------------------------------------------------------------------

interface RoleRecord {
  name: string;
  path: string;
  id: string;
  arn: string;
  /** The JSON text as the caller gave it (decoded if it came URL-encoded). */
  assumeRolePolicyDocument: string;
  description?: string;
  maxSessionDuration: number;
  /** Simulated seconds. */
  createdAt: number;
  tags: Tags;
  /** In attachment order. */
  attachedPolicyArns: string[];
  /** Policy name → JSON text as given. */
  inlinePolicies: Record<string, string>;
}

interface InstanceProfileRecord {
  name: string;
  path: string;
  id: string;
  arn: string;
  createdAt: number;
  tags: Tags;
  /** Lower-cased role keys; at most one. */
  roles: string[];
}

export interface IamData {
  /** By lower-cased role name (IAM names are unique case-insensitively). */
  roles: Record<string, RoleRecord>;
  /** By lower-cased instance profile name. */
  instanceProfiles: Record<string, InstanceProfileRecord>;
}

export class IamSandbox extends SandboxService<IamData> {
  readonly service = 'iam' as const;

  static empty(): IamData {
    return { roles: {}, instanceProfiles: {} };
  }

  // ---- Roles -----------------------------------------------------------------------------------

  createRole(input: CreateRoleCommandInput): Out<CreateRoleCommandOutput> {
    const name = checkName(input.RoleName, 'roleName', 64);
    const path = checkPath(input.Path);
    const maxSessionDuration = checkSessionDuration(input.MaxSessionDuration);
    const document = policyText(input.AssumeRolePolicyDocument, 'trust', 'assumeRolePolicyDocument');
    const tags = this.checkedTags({}, input.Tags);
    if (this.data.roles[name.toLowerCase()]) {
      throw new EntityAlreadyExistsException({ message: `Role with name ${name} already exists.`, $metadata: {} });
    }
    const role: RoleRecord = {
      name,
      path,
      id: this.uniqueId('AROA'),
      arn: this.world.arn('iam', `role${path}${name}`, { region: '' }),
      assumeRolePolicyDocument: document,
      ...(input.Description !== undefined ? { description: input.Description } : {}),
      maxSessionDuration,
      createdAt: this.world.now(),
      tags,
      attachedPolicyArns: [],
      inlinePolicies: {},
    };
    this.data.roles[name.toLowerCase()] = role;
    return { Role: this.roleOut(role, { tags: true }) };
  }

  getRole(input: GetRoleCommandInput): Out<GetRoleCommandOutput> {
    return { Role: { ...this.roleOut(this.role(input.RoleName), { tags: true }), RoleLastUsed: {} } };
  }

  listRoles(input: ListRolesCommandInput): Out<ListRolesCommandOutput> {
    const prefix = checkPathPrefix(input.PathPrefix);
    const roles = Object.values(this.data.roles)
      .filter((r) => r.path.startsWith(prefix))
      .sort((a, b) => (a.name.toLowerCase() < b.name.toLowerCase() ? -1 : 1));
    const { items, ...more } = this.page('ListRoles', roles, input, prefix);
    return { Roles: items.map((r) => this.roleOut(r, { tags: false })), ...more };
  }

  /** One page of an IAM list: MaxItems 1–1000 (100 when not given), IsTruncated and an opaque Marker. */
  private page<T>(operation: string, items: readonly T[], input: { MaxItems?: number; Marker?: string }, scope: string) {
    const page = pageOf(this.world, items, { max: checkMaxItems(input.MaxItems), token: input.Marker, scope }, iamPages(operation));
    return { items: page.items, IsTruncated: page.next !== undefined, ...(page.next ? { Marker: page.next } : {}) };
  }

  updateRole(input: UpdateRoleCommandInput): Out<UpdateRoleCommandOutput> {
    const role = this.role(input.RoleName);
    if (input.MaxSessionDuration !== undefined) role.maxSessionDuration = checkSessionDuration(input.MaxSessionDuration);
    if (input.Description !== undefined) role.description = input.Description;
    return {};
  }

  updateAssumeRolePolicy(input: UpdateAssumeRolePolicyCommandInput): Out<UpdateAssumeRolePolicyCommandOutput> {
    const role = this.role(input.RoleName);
    role.assumeRolePolicyDocument = policyText(input.PolicyDocument, 'trust', 'policyDocument');
    return {};
  }

  deleteRole(input: DeleteRoleCommandInput): Out<DeleteRoleCommandOutput> {
    const role = this.role(input.RoleName);
    if (role.attachedPolicyArns.length > 0) {
      throw new DeleteConflictException({ message: 'Cannot delete entity, must detach all policies first.', $metadata: {} });
    }
    if (Object.keys(role.inlinePolicies).length > 0) {
      throw new DeleteConflictException({ message: 'Cannot delete entity, must delete policies first.', $metadata: {} });
    }
    if (Object.values(this.data.instanceProfiles).some((p) => p.roles.includes(role.name.toLowerCase()))) {
      throw new DeleteConflictException({ message: 'Cannot delete entity, must remove roles from instance profile first.', $metadata: {} });
    }
    delete this.data.roles[role.name.toLowerCase()];
    return {};
  }

  tagRole(input: TagRoleCommandInput): Out<TagRoleCommandOutput> {
    const role = this.role(input.RoleName);
    role.tags = this.checkedTags(role.tags, input.Tags);
    return {};
  }

  untagRole(input: UntagRoleCommandInput): Out<UntagRoleCommandOutput> {
    const role = this.role(input.RoleName);
    for (const key of input.TagKeys ?? []) delete role.tags[key];
    return {};
  }

  listRoleTags(input: ListRoleTagsCommandInput): Out<ListRoleTagsCommandOutput> {
    return { Tags: tagsToList(this.role(input.RoleName).tags), IsTruncated: false };
  }

  // ---- Managed policies ------------------------------------------------------------------------

  /** An AWS managed policy exists in each partition under that partition's ARN only. */
  private managedPolicy(arn: string): ManagedPolicy | undefined {
    const prefix = `arn:${this.world.partition}:iam::aws:policy/`;
    return arn.startsWith(prefix) ? AWS_MANAGED_POLICIES[`arn:aws:iam::aws:policy/${arn.slice(prefix.length)}`] : undefined;
  }

  attachRolePolicy(input: AttachRolePolicyCommandInput): Out<AttachRolePolicyCommandOutput> {
    const arn = input.PolicyArn ?? '';
    if (!POLICY_ARN.test(arn)) throw new InvalidInputException({ message: `ARN ${arn} is not valid.`, $metadata: {} });
    const role = this.role(input.RoleName);
    if (!this.managedPolicy(arn)) {
      throw new NoSuchEntityException({ message: `Policy ${arn} does not exist or is not attachable.`, $metadata: {} });
    }
    if (role.attachedPolicyArns.includes(arn)) return {};
    if (role.attachedPolicyArns.length >= MAX_ATTACHED_POLICIES) {
      throw new LimitExceededException({ message: `Cannot exceed quota for PoliciesPerRole: ${MAX_ATTACHED_POLICIES}`, $metadata: {} });
    }
    role.attachedPolicyArns.push(arn);
    return {};
  }

  detachRolePolicy(input: DetachRolePolicyCommandInput): Out<DetachRolePolicyCommandOutput> {
    const arn = input.PolicyArn ?? '';
    if (!POLICY_ARN.test(arn)) throw new InvalidInputException({ message: `ARN ${arn} is not valid.`, $metadata: {} });
    const role = this.role(input.RoleName);
    if (!role.attachedPolicyArns.includes(arn)) {
      throw new NoSuchEntityException({ message: `Policy ${arn} was not found.`, $metadata: {} });
    }
    role.attachedPolicyArns = role.attachedPolicyArns.filter((a) => a !== arn);
    return {};
  }

  listAttachedRolePolicies(input: ListAttachedRolePoliciesCommandInput): Out<ListAttachedRolePoliciesCommandOutput> {
    const role = this.role(input.RoleName);
    const prefix = input.PathPrefix ?? '/';
    const attached = role.attachedPolicyArns
      .map((arn) => ({ arn, policy: this.managedPolicy(arn) }))
      .filter(({ policy }) => policy !== undefined && policy.path.startsWith(prefix))
      .map(({ arn, policy }) => ({ PolicyName: policy?.name, PolicyArn: arn }));
    const { items, ...more } = this.page('ListAttachedRolePolicies', attached, input, `${role.name}\n${prefix}`);
    return { AttachedPolicies: items, ...more };
  }

  // ---- Inline policies -------------------------------------------------------------------------

  putRolePolicy(input: PutRolePolicyCommandInput): Out<PutRolePolicyCommandOutput> {
    const role = this.role(input.RoleName);
    const policyName = checkName(input.PolicyName, 'policyName', 128);
    const document = policyText(input.PolicyDocument, 'permissions', 'policyDocument');
    const others = Object.entries(role.inlinePolicies).filter(([name]) => name.toLowerCase() !== policyName.toLowerCase());
    const size = [...others.map(([, text]) => text), document].reduce((sum, text) => sum + text.replace(/\s/g, '').length, 0);
    if (size > MAX_INLINE_POLICY_CHARS) {
      throw new LimitExceededException({ message: `Maximum policy size of ${MAX_INLINE_POLICY_CHARS} bytes exceeded for role ${role.name}`, $metadata: {} });
    }
    role.inlinePolicies = Object.fromEntries([...others, [policyName, document]]);
    return {};
  }

  getRolePolicy(input: GetRolePolicyCommandInput): Out<GetRolePolicyCommandOutput> {
    const role = this.role(input.RoleName);
    const [name, document] = this.inlinePolicy(role, input.PolicyName);
    return { RoleName: role.name, PolicyName: name, PolicyDocument: encodeURIComponent(document) };
  }

  listRolePolicies(input: ListRolePoliciesCommandInput): Out<ListRolePoliciesCommandOutput> {
    const role = this.role(input.RoleName);
    const { items, ...more } = this.page('ListRolePolicies', Object.keys(role.inlinePolicies).sort(), input, role.name);
    return { PolicyNames: items, ...more };
  }

  deleteRolePolicy(input: DeleteRolePolicyCommandInput): Out<DeleteRolePolicyCommandOutput> {
    const role = this.role(input.RoleName);
    const [name] = this.inlinePolicy(role, input.PolicyName);
    delete role.inlinePolicies[name];
    return {};
  }

  // ---- Instance profiles -----------------------------------------------------------------------

  createInstanceProfile(input: CreateInstanceProfileCommandInput): Out<CreateInstanceProfileCommandOutput> {
    const name = checkName(input.InstanceProfileName, 'instanceProfileName', 128);
    const path = checkPath(input.Path);
    const tags = this.checkedTags({}, input.Tags, 'TagsPerInstanceProfile');
    if (this.data.instanceProfiles[name.toLowerCase()]) {
      throw new EntityAlreadyExistsException({ message: `Instance Profile ${name} already exists.`, $metadata: {} });
    }
    const profile: InstanceProfileRecord = {
      name,
      path,
      id: this.uniqueId('AIPA'),
      arn: this.world.arn('iam', `instance-profile${path}${name}`, { region: '' }),
      createdAt: this.world.now(),
      tags,
      roles: [],
    };
    this.data.instanceProfiles[name.toLowerCase()] = profile;
    return { InstanceProfile: this.instanceProfileOut(profile) };
  }

  getInstanceProfile(input: GetInstanceProfileCommandInput): Out<GetInstanceProfileCommandOutput> {
    return { InstanceProfile: this.instanceProfileOut(this.instanceProfile(input.InstanceProfileName)) };
  }

  deleteInstanceProfile(input: DeleteInstanceProfileCommandInput): Out<DeleteInstanceProfileCommandOutput> {
    const profile = this.instanceProfile(input.InstanceProfileName);
    if (profile.roles.length > 0) {
      throw new DeleteConflictException({ message: 'Cannot delete entity, must remove roles from instance profile first.', $metadata: {} });
    }
    delete this.data.instanceProfiles[profile.name.toLowerCase()];
    return {};
  }

  addRoleToInstanceProfile(input: AddRoleToInstanceProfileCommandInput): Out<AddRoleToInstanceProfileCommandOutput> {
    const profile = this.instanceProfile(input.InstanceProfileName);
    const role = this.role(input.RoleName);
    if (profile.roles.length > 0) {
      throw new LimitExceededException({ message: 'Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1', $metadata: {} });
    }
    profile.roles.push(role.name.toLowerCase());
    return {};
  }

  removeRoleFromInstanceProfile(input: RemoveRoleFromInstanceProfileCommandInput): Out<RemoveRoleFromInstanceProfileCommandOutput> {
    const profile = this.instanceProfile(input.InstanceProfileName);
    const role = this.role(input.RoleName);
    if (!profile.roles.includes(role.name.toLowerCase())) {
      throw new NoSuchEntityException({ message: `The role with name ${role.name} cannot be found in instance profile ${profile.name}.`, $metadata: {} });
    }
    profile.roles = profile.roles.filter((r) => r !== role.name.toLowerCase());
    return {};
  }

  listInstanceProfilesForRole(input: ListInstanceProfilesForRoleCommandInput): Out<ListInstanceProfilesForRoleCommandOutput> {
    const role = this.role(input.RoleName);
    const profiles = Object.values(this.data.instanceProfiles).filter((p) => p.roles.includes(role.name.toLowerCase()));
    const { items, ...more } = this.page('ListInstanceProfilesForRole', profiles, input, role.name);
    return { InstanceProfiles: items.map((p) => this.instanceProfileOut(p)), ...more };
  }

  // ---- Inventory -------------------------------------------------------------------------------

  inventory(): InventoryItem[] {
    const items: InventoryItem[] = [];
    for (const role of Object.values(this.data.roles)) {
      const key = `${role.path}${role.name}`;
      items.push({ service: 'iam', type: 'role', id: role.id, key, tags: { ...role.tags } });
      for (const policy of Object.keys(role.inlinePolicies)) {
        items.push({ service: 'iam', type: 'role-policy', id: `${role.name}/${policy}`, key: `${key}/${policy}`, tags: {} });
      }
      for (const arn of role.attachedPolicyArns) {
        items.push({ service: 'iam', type: 'role-policy-attachment', id: `${role.name}/${arn}`, key: `${key}/${arn}`, tags: {} });
      }
    }
    for (const profile of Object.values(this.data.instanceProfiles)) {
      items.push({ service: 'iam', type: 'instance-profile', id: profile.id, key: `${profile.path}${profile.name}`, tags: { ...profile.tags } });
    }
    return items;
  }

  // ---- Lookups and output shapes ---------------------------------------------------------------

  /**
   * What IAM evaluates for a role (non-AWS helper): its inline policies and the documents of its
   * attached managed policies, or undefined when no role has that ARN.
   */
  policyDocumentsOf(roleArn: string): PolicyDocument[] | undefined {
    const role = Object.values(this.data.roles).find((r) => r.arn === roleArn);
    if (!role) return undefined;
    const inline = Object.values(role.inlinePolicies).map((text) => JSON.parse(text) as PolicyDocument);
    const managed = role.attachedPolicyArns.flatMap((arn) => {
      const document = this.managedPolicy(arn)?.document;
      return document ? [document] : [];
    });
    return [...inline, ...managed];
  }

  /**
   * Is there a role with exactly this ARN (non-AWS helper)? What a service checks before it takes
   * a role it is given (CodeBuild's serviceRole, CodePipeline's roleArn): the ARN's name, path and
   * account must all be the role's.
   */
  hasRoleArn(arn: string | undefined): boolean {
    return arn !== undefined && Object.values(this.data.roles).some((r) => r.arn === arn);
  }

  private role(name: string | undefined): RoleRecord {
    const role = this.data.roles[(name ?? '').toLowerCase()];
    if (!role) throw new NoSuchEntityException({ message: `The role with name ${name ?? ''} cannot be found.`, $metadata: {} });
    return role;
  }

  private inlinePolicy(role: RoleRecord, name: string | undefined): [string, string] {
    const entry = Object.entries(role.inlinePolicies).find(([n]) => n.toLowerCase() === (name ?? '').toLowerCase());
    if (!entry) throw new NoSuchEntityException({ message: `The role policy with name ${name ?? ''} cannot be found.`, $metadata: {} });
    return entry;
  }

  private instanceProfile(name: string | undefined): InstanceProfileRecord {
    const profile = this.data.instanceProfiles[(name ?? '').toLowerCase()];
    if (!profile) throw new NoSuchEntityException({ message: `Instance Profile ${name ?? ''} cannot be found.`, $metadata: {} });
    return profile;
  }

  private checkedTags(current: Tags, list: ReadonlyArray<{ Key?: string; Value?: string }> | undefined, quota = 'TagsPerRole'): Tags {
    for (const tag of list ?? []) {
      if (!tag.Key || tag.Key.length > 128) throw new InvalidInputException({ message: `Invalid tag key: ${tag.Key ?? ''}`, $metadata: {} });
      if (tag.Key.toLowerCase().startsWith('aws:')) {
        throw new InvalidInputException({ message: 'User-defined tag keys cannot start with aws:', $metadata: {} });
      }
    }
    const tags = { ...current, ...tagsFromList(list) };
    if (Object.keys(tags).length > MAX_TAGS) {
      throw new LimitExceededException({ message: `Cannot exceed quota for ${quota}: ${MAX_TAGS}`, $metadata: {} });
    }
    return tags;
  }

  /** `AROA` + 17 characters, unique within the sandbox. */
  private uniqueId(prefix: string): string {
    return prefix + this.world.newId('x', 17).slice(2).toUpperCase();
  }

  private roleOut(role: RoleRecord, options: { tags: boolean }): Role {
    const tags = tagsToList(role.tags);
    return {
      Path: role.path,
      RoleName: role.name,
      RoleId: role.id,
      Arn: role.arn,
      CreateDate: this.dateAt(role.createdAt),
      AssumeRolePolicyDocument: encodeURIComponent(role.assumeRolePolicyDocument),
      ...(role.description !== undefined ? { Description: role.description } : {}),
      MaxSessionDuration: role.maxSessionDuration,
      ...(options.tags && tags.length > 0 ? { Tags: tags } : {}),
    };
  }

  private instanceProfileOut(profile: InstanceProfileRecord): InstanceProfile {
    const tags = tagsToList(profile.tags);
    return {
      Path: profile.path,
      InstanceProfileName: profile.name,
      InstanceProfileId: profile.id,
      Arn: profile.arn,
      CreateDate: this.dateAt(profile.createdAt),
      Roles: profile.roles.flatMap((key) => {
        const role = this.data.roles[key];
        return role ? [this.roleOut(role, { tags: false })] : [];
      }),
      ...(tags.length > 0 ? { Tags: tags } : {}),
    };
  }

  private dateAt(simSeconds: number): Date {
    return new Date(this.world.nowDate().getTime() + (simSeconds - this.world.now()) * 1000);
  }
}

// ---- Validation ---------------------------------------------------------------------------------

function validationError(message: string): Error {
  return awsError('ValidationError', `1 validation error detected: ${message}`);
}

function checkName(name: string | undefined, field: string, maxLength: number): string {
  if (name === undefined) throw validationError(`Value null at '${field}' failed to satisfy constraint: Member must not be null`);
  if (name.length < 1 || name.length > maxLength) {
    throw validationError(`Value '${name}' at '${field}' failed to satisfy constraint: Member must have length less than or equal to ${maxLength}`);
  }
  if (!NAME.test(name)) {
    throw validationError(`Value '${name}' at '${field}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+`);
  }
  return name;
}

function checkPath(path: string | undefined): string {
  const value = path ?? '/';
  if (value.length > 512 || !PATH.test(value)) {
    throw validationError(
      `Value '${value}' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)`,
    );
  }
  return value;
}

/** ListRoles' PathPrefix: `/` then printable ASCII (AWS's pattern `\u002F[\u0021-\u007F]*`), default `/`. */
function checkPathPrefix(prefix: string | undefined): string {
  const value = prefix ?? '/';
  if (value.length > 512 || !/^\/[\u0021-\u007F]*$/.test(value)) {
    throw validationError(`Value '${value}' at 'pathPrefix' failed to satisfy constraint: Member must satisfy regular expression pattern: \\u002F[\\u0021-\\u007F]*`);
  }
  return value;
}

/** A page holds MaxItems entries, 1–1000, 100 when not given. */
function checkMaxItems(maxItems: number | undefined): number {
  const value = maxItems ?? 100;
  if (value < 1) throw validationError(`Value '${value}' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1`);
  if (value > 1000) throw validationError(`Value '${value}' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000`);
  return value;
}

/** IAM's list pages; a Marker it did not give (or one replayed with other parameters) is "Invalid Marker.". */
const iamPages = (operation: string): PageLimits => ({
  operation,
  awsDefault: 100,
  awsMax: 1000,
  invalid: () => awsError('ValidationError', 'Invalid Marker.'),
});

function checkSessionDuration(seconds: number | undefined): number {
  const value = seconds ?? DEFAULT_SESSION_SECONDS;
  if (value < 3600) throw validationError(`Value '${value}' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600`);
  if (value > 43200) throw validationError(`Value '${value}' at 'maxSessionDuration' failed to satisfy constraint: Member must have value less than or equal to 43200`);
  return value;
}

function malformed(message: string): MalformedPolicyDocumentException {
  return new MalformedPolicyDocumentException({ message, $metadata: {} });
}

/**
 * The JSON text of a policy document given as JSON or URL-encoded JSON, after checking it has the
 * shape IAM requires of a trust policy or a permissions policy.
 */
function policyText(document: string | undefined, kind: 'trust' | 'permissions', field: string): string {
  if (document === undefined) throw validationError(`Value null at '${field}' failed to satisfy constraint: Member must not be null`);
  let text = document;
  let parsed = parseJson(text);
  if (parsed === undefined && /%[0-9A-Fa-f]{2}/.test(text)) {
    try {
      text = decodeURIComponent(text);
      parsed = parseJson(text);
    } catch {
      parsed = undefined;
    }
  }
  if (parsed === undefined || typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw malformed('Syntax errors in policy.');
  if (kind === 'trust' && text.replace(/\s/g, '').length > MAX_TRUST_POLICY_CHARS) {
    throw new LimitExceededException({ message: `Cannot exceed quota for ACLSizePerRole: ${MAX_TRUST_POLICY_CHARS}`, $metadata: {} });
  }
  const statement = (parsed as Record<string, unknown>).Statement;
  if (statement === undefined) throw malformed('Missing required field Statement');
  const statements: unknown[] = Array.isArray(statement) ? statement : [statement];
  for (const s of statements) {
    if (typeof s !== 'object' || s === null) throw malformed('Syntax errors in policy.');
    const fields = s as Record<string, unknown>;
    if (fields.Effect !== 'Allow' && fields.Effect !== 'Deny') throw malformed('Missing required field Effect');
    if (kind === 'trust') {
      if ('Resource' in fields || 'NotResource' in fields) throw malformed(`Has prohibited field ${'Resource' in fields ? 'Resource' : 'NotResource'}`);
      if (!('Principal' in fields) && !('NotPrincipal' in fields)) throw malformed('Missing required field Principal');
    } else {
      if ('Principal' in fields || 'NotPrincipal' in fields) throw malformed('Policy document should not specify a principal.');
      if (!('Action' in fields) && !('NotAction' in fields)) throw malformed('Policy statement must contain actions.');
      if (!('Resource' in fields) && !('NotResource' in fields)) throw malformed('Policy statement must contain resources.');
    }
  }
  return text;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
