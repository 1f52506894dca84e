// An IAM role a service assumes: its trust policy (the service principals), the AWS managed
// policies attached to it and its inline policies, exactly as given. IAM has no tag filter: the
// role is found by its name `<stack>-<part>` and adopted only if it carries the stack's tag. IAM
// is global, so every role lives under the path /shipline/, where a stack's roles are easy to
// see. Drift (another trust policy, a policy attached or detached by hand, an edited inline
// document) is put back in place; documents are compared parsed, not as text.
//
// A no-op run reads the roles themselves at once: the first step to ask lists every role under the
// path for the run (ctx.shared). That listing has no tags and is a snapshot, so it only confirms a
// recorded role whose trust policy is as wanted; a role it lacks or shows drifted is read with
// GetRole before anything changes. Each role's policies are always read directly: a policy
// attached by hand is found and removed.
import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  PutRolePolicyCommand,
  UpdateAssumeRolePolicyCommand,
  paginateListAttachedRolePolicies,
  paginateListRolePolicies,
  paginateListRoles,
  type Role,
} from '@aws-sdk/client-iam';
import { trustPolicy, type PolicyDocument, type PolicyStatement } from '../../src/policies';
import { unlessNotFound } from '../../src/aws/errors';
import { GONE, isGone } from '../../src/aws/gone';
import { ensure, ignoringGone, remove, type Ensured } from '../../src/reconcile';
import type { StepContext } from '../../src/step';
import { claim, foreignByName, foreignByTags, parseJson, sameJson } from './owned';
import { sameSet } from './compare';

export const ROLE_PATH = '/shipline/';

export interface RoleSpec {
  /** State key; the record's id is the role name, with attribute `arn`. */
  key: string;
  /** The role is named `<stack>-<part>`. */
  part: string;
  description?: string;
  /** The service principal(s) allowed to assume it, e.g. ecs-tasks.amazonaws.com. */
  trust: string | readonly string[];
  /** A condition on the trust statement (a task role's `aws:SourceAccount`). */
  trustCondition?: PolicyStatement['Condition'];
  /** ARNs of managed policies attached to it, and nothing else. */
  managedPolicies?: readonly string[];
  /** Inline policies by name, and nothing else. */
  inlinePolicies?: Readonly<Record<string, PolicyDocument>>;
}

/** A role as shipline compares it: the role, its attached policy ARNs, its inline documents. */
export interface RoleState {
  role: Role;
  managed: string[];
  /** Every inline policy's name; the documents are read only for those the spec names. */
  inlineNames: string[];
  inline: Record<string, unknown>;
}

/**
 * The role of that name, or undefined. IAM authorizes GetRole on the role's ARN with its path; for
 * a name it does not know that is `role/<name>`, outside the `role/shipline/*` of shipline's
 * policy, so the answer is AccessDenied rather than NoSuchEntity: either way no role of ours.
 */
async function findRole(ctx: StepContext, name: string): Promise<Role | undefined> {
  const call = ctx.aws.iam.send(new GetRoleCommand({ RoleName: name }));
  return (await unlessNotFound(call, ...GONE.iam.role, 'AccessDenied', 'AccessDeniedException'))?.Role;
}

/** Every role under ROLE_PATH by name, listed once per run: names, ARNs and trust policies, no tags. */
function listedRoles(ctx: StepContext): Promise<ReadonlyMap<string, Role>> {
  return ctx.shared.once(`iam:roles:${ROLE_PATH}`, async () => {
    const roles = new Map<string, Role>();
    for await (const page of paginateListRoles({ client: ctx.aws.iam, pageSize: LIST_MAX }, { PathPrefix: ROLE_PATH })) {
      for (const role of page.Roles ?? []) roles.set(role.RoleName!, role);
    }
    return roles;
  });
}

/** The recorded role: the run's listing confirms it when its trust policy is `trust`; otherwise GetRole. */
async function recordedRole(ctx: StepContext, name: string, trust: PolicyDocument): Promise<Role | undefined> {
  const listed = (await listedRoles(ctx)).get(name);
  return listed && hasTrust(listed, trust) ? listed : findRole(ctx, name);
}

const hasTrust = (role: Role, trust: PolicyDocument) => sameJson(parseJson(role.AssumeRolePolicyDocument, true), trust);

/** The largest page IAM's lists answer (MaxItems 1-1000). */
const LIST_MAX = 1000;

/** The ARNs of the managed policies attached to the role, every page. */
async function attachedPolicies(ctx: StepContext, RoleName: string): Promise<string[]> {
  const arns: string[] = [];
  for await (const page of paginateListAttachedRolePolicies({ client: ctx.aws.iam, pageSize: LIST_MAX }, { RoleName })) {
    arns.push(...(page.AttachedPolicies ?? []).map((p) => p.PolicyArn!));
  }
  return arns;
}

/** The names of the role's inline policies, every page. */
async function inlinePolicyNames(ctx: StepContext, RoleName: string): Promise<string[]> {
  const names: string[] = [];
  for await (const page of paginateListRolePolicies({ client: ctx.aws.iam, pageSize: LIST_MAX }, { RoleName })) names.push(...(page.PolicyNames ?? []));
  return names;
}

async function withPolicies(ctx: StepContext, role: Role | undefined, wantedInline: readonly string[]): Promise<RoleState | undefined> {
  if (!role) return undefined;
  const iam = ctx.aws.iam;
  const RoleName = role.RoleName!;
  // A role holds at most 20 managed policies and shipline's few inline ones: one page each at AWS's sizes.
  const [managed, inlineNames] = await Promise.all([attachedPolicies(ctx, RoleName), inlinePolicyNames(ctx, RoleName)]);
  const inline: Record<string, unknown> = {};
  for (const name of inlineNames.filter((n) => wantedInline.includes(n))) {
    const { PolicyDocument } = await iam.send(new GetRolePolicyCommand({ RoleName, PolicyName: name }));
    inline[name] = parseJson(PolicyDocument, true);
  }
  return { role, managed, inlineNames, inline };
}

export async function ensureRole(ctx: StepContext, spec: RoleSpec): Promise<Ensured<RoleState>> {
  const iam = ctx.aws.iam;
  const name = ctx.tags.name(spec.part);
  const kind = `IAM role ${name}`;
  const trust = trustPolicy(spec.trust, spec.trustCondition);
  const managed = [...(spec.managedPolicies ?? [])];
  const inline = spec.inlinePolicies ?? {};
  const inlineNames = Object.keys(inline);
  return ensure<RoleState>(ctx, {
    key: spec.key,
    kind,
    // Known by its name, which holds the stack's; GetRole's answer also has its tags (the run's listing has none).
    foreignId: (id) => foreignByName(id, name),
    foreign: (r) => (r.role.Tags ? foreignByTags(ctx, r.role.Tags) : undefined),
    find: async (id) => withPolicies(ctx, await recordedRole(ctx, id, trust), inlineNames),
    findByTags: async () => {
      const role = await findRole(ctx, name);
      return withPolicies(ctx, role && claim(ctx, kind, name, role, role.Tags), inlineNames);
    },
    create: async () => {
      const { Role } = await iam.send(
        new CreateRoleCommand({
          RoleName: name,
          Path: ROLE_PATH,
          AssumeRolePolicyDocument: JSON.stringify(trust),
          Description: spec.description ?? `shipline ${ctx.tags.stack}: ${spec.part}`,
          Tags: ctx.tags.list(ctx.step, spec.part),
        }),
      );
      // A new role has no policies: they come as drift.
      return { role: Role!, managed: [], inlineNames: [], inline: {} };
    },
    id: (r) => r.role.RoleName!,
    attributes: (r) => ({ arn: r.role.Arn }),
    drift: (r) => {
      const changes: string[] = [];
      if (!hasTrust(r.role, trust)) changes.push('trust policy');
      if (!sameSet(r.managed, managed)) changes.push('managed policies');
      for (const policy of inlineNames) {
        if (!r.inlineNames.includes(policy) || !sameJson(r.inline[policy], inline[policy])) changes.push(`inline policy ${policy}`);
      }
      for (const policy of r.inlineNames) if (!inlineNames.includes(policy)) changes.push(`inline policy ${policy}`);
      return changes;
    },
    update: async (r, changes) => {
      const RoleName = r.role.RoleName!;
      if (changes.includes('trust policy')) {
        await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName, PolicyDocument: JSON.stringify(trust) }));
      }
      if (changes.includes('managed policies')) {
        for (const arn of managed.filter((a) => !r.managed.includes(a))) await iam.send(new AttachRolePolicyCommand({ RoleName, PolicyArn: arn }));
        for (const arn of r.managed.filter((a) => !managed.includes(a))) {
          await ignoringGone(() => iam.send(new DetachRolePolicyCommand({ RoleName, PolicyArn: arn })), isGone(GONE.iam.rolePolicy));
        }
      }
      for (const change of changes.filter((c) => c.startsWith('inline policy '))) {
        const PolicyName = change.slice('inline policy '.length);
        const document = inline[PolicyName];
        if (document) await iam.send(new PutRolePolicyCommand({ RoleName, PolicyName, PolicyDocument: JSON.stringify(document) }));
        else await ignoringGone(() => iam.send(new DeleteRolePolicyCommand({ RoleName, PolicyName })), isGone(GONE.iam.rolePolicy));
      }
    },
  });
}

/** Detach its managed policies, delete its inline ones, then the role; "no such entity" is done. */
export async function deleteRole(ctx: StepContext, key: string, part: string): Promise<void> {
  const iam = ctx.aws.iam;
  const name = ctx.tags.name(part);
  await remove(ctx, {
    key,
    kind: `IAM role ${name}`,
    // With a lost state, only a role that carries the stack's tag.
    findByTags: async () => {
      const role = await findRole(ctx, name);
      return role && ctx.tags.owns(role.Tags) ? role : undefined;
    },
    id: (role) => role.RoleName!,
    confirm: {
      find: async (id): Promise<Role | undefined> => (foreignByName(id, name) !== undefined ? { RoleName: id } as Role : findRole(ctx, id)),
      foreign: (role: Role) => foreignByName(role.RoleName!, name) ?? foreignByTags(ctx, role.Tags),
    },
    delete: (RoleName) =>
      ignoringGone(async () => {
        for (const PolicyArn of await attachedPolicies(ctx, RoleName)) {
          await ignoringGone(() => iam.send(new DetachRolePolicyCommand({ RoleName, PolicyArn })), isGone(GONE.iam.rolePolicy));
        }
        for (const PolicyName of await inlinePolicyNames(ctx, RoleName)) {
          await ignoringGone(() => iam.send(new DeleteRolePolicyCommand({ RoleName, PolicyName })), isGone(GONE.iam.rolePolicy));
        }
        await iam.send(new DeleteRoleCommand({ RoleName }));
      }, isGone(GONE.iam.role)),
  });
}

