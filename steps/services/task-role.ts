// The roles the tasks run as (issue 13's `taskRole` and `exec`): one shared role for the
// environments that take `services.taskRole`, one of its own for each environment that overrides it,
// none where neither a task role nor ECS Exec is asked for. Each role trusts ecs-tasks.amazonaws.com
// from this account only (`aws:SourceAccount`, as ECS's task role page recommends), holds the user's
// statements as the inline policy `app`, ECS Exec's channels as `ecs-exec`, and the user's managed
// policies. steps/lib/role.ts gives them the reconcile contract (adopted by tags, drift put back,
// policies detached on delete).
import type { EnvironmentConfig } from '../../src/config';
import { ConfigError } from '../../src/errors';
import { ecsExecPolicy, PRINCIPALS, policyOf, sourceAccountCondition, statementIssues, type PolicyDocument, type PolicyStatement } from '../../src/policies';
import { settingsOf, type TaskRoleConfig } from '../../src/service-config';
import { KNOWN_AFTER_APPLY, type StepContext } from '../../src/step';
import { recordedEnvironments } from '../lib/recorded';
import { deleteRole, ensureRole, ROLE_PATH, type RoleSpec } from '../lib/role';
import { KEYS, SHARED_TASK_ROLE_KEY } from './names';

const SHARED_PART = 'task';
const ownPart = (env: string) => `${env}-task`;
const APP_POLICY = 'app';
const EXEC_POLICY = 'ecs-exec';

/** Which role an environment's tasks run as: its own, the shared one, or none. */
export type TaskRoleChoice = { kind: 'own'; key: string; part: string } | { kind: 'shared'; key: string; part: string } | { kind: 'none' };

export function taskRoleChoice(config: Parameters<typeof settingsOf>[0], env: EnvironmentConfig): TaskRoleChoice {
  const s = settingsOf(config, env);
  if (s.taskRole === null && !s.exec) return { kind: 'none' };
  if (s.ownTaskRole) return { kind: 'own', key: KEYS.taskRole(env.name), part: ownPart(env.name) };
  return { kind: 'shared', key: SHARED_TASK_ROLE_KEY, part: SHARED_PART };
}

/** The task role's ARN as state records it; KNOWN_AFTER_APPLY for one a plan would create; undefined for none. */
export function taskRoleArnOf(ctx: Pick<StepContext, 'config' | 'state'>, env: EnvironmentConfig): string | undefined {
  const choice = taskRoleChoice(ctx.config, env);
  if (choice.kind === 'none') return undefined;
  return ctx.state.get(choice.key)?.arn ?? KNOWN_AFTER_APPLY;
}

/** A role's spec: the user's statements and managed policies, and ECS Exec's channels when `exec` is on. */
export function taskRoleSpec(stack: string, account: string, target: { key: string; part: string }, role: TaskRoleConfig | null, exec: boolean): RoleSpec {
  const inline: Record<string, PolicyDocument> = {};
  if (role && role.statements.length > 0) inline[APP_POLICY] = policyOf(role.statements as PolicyStatement[]);
  if (exec) inline[EXEC_POLICY] = ecsExecPolicy();
  return {
    key: target.key,
    part: target.part,
    description: `shipline ${stack}: the role the ${target.part === SHARED_PART ? "stack's" : `${target.part.slice(0, -'-task'.length)} environment's`} tasks run as`,
    trust: PRINCIPALS.ecsTasks,
    trustCondition: sourceAccountCondition(account),
    managedPolicies: role?.managedPolicyArns ?? [],
    inlinePolicies: inline,
  };
}

/** Every task role the config asks for, by state key. */
export function wantedTaskRoles(ctx: Pick<StepContext, 'config' | 'tags' | 'accountId'>): RoleSpec[] {
  const config = ctx.config;
  const specs: RoleSpec[] = [];
  const sharedUsers = config.environments.filter((env) => taskRoleChoice(config, env).kind === 'shared');
  if (sharedUsers.length > 0) {
    // Exec on in any environment that shares the role: the channels are useless where the service has it off.
    const exec = sharedUsers.some((env) => settingsOf(config, env).exec);
    specs.push(taskRoleSpec(ctx.tags.stack, ctx.accountId, { key: SHARED_TASK_ROLE_KEY, part: SHARED_PART }, config.services.taskRole, exec));
  }
  for (const env of config.environments) {
    const choice = taskRoleChoice(config, env);
    if (choice.kind !== 'own') continue;
    const s = settingsOf(config, env);
    specs.push(taskRoleSpec(ctx.tags.stack, ctx.accountId, choice, s.taskRole, s.exec));
  }
  return specs;
}

/**
 * The ARNs of the task roles the config asks for, as recorded or as IAM will name them (the name and
 * path are shipline's): what the pipeline passes to ECS with each new revision.
 */
export function taskRoleArns(ctx: Pick<StepContext, 'config' | 'tags' | 'accountId' | 'partition' | 'state'>): string[] {
  return wantedTaskRoles(ctx).map(
    (spec) => ctx.state.get(spec.key)?.arn ?? `arn:${ctx.partition}:iam::${ctx.accountId}:role${ROLE_PATH}${ctx.tags.name(spec.part)}`,
  );
}

/** The user's statements against IAM's grammar, before any step changes anything. */
export function checkTaskRoleStatements(ctx: Pick<StepContext, 'config'>): void {
  const config = ctx.config;
  const where: Array<[string, TaskRoleConfig | null | undefined]> = [
    ['services.taskRole', config.services.taskRole],
    ...config.environments.map((env, i): [string, TaskRoleConfig | undefined] => [`environments[${i}] (${env.name}).taskRole`, env.taskRole]),
  ];
  const issues = where.flatMap(([at, role]) => (role ? statementIssues(role.statements as PolicyStatement[]).map((issue) => `${at}.statements: ${issue}`) : []));
  if (issues.length > 0) {
    throw new ConfigError(`the config's task role statements are not a policy IAM takes: ${issues.join('; ')}. Nothing was changed.`, {
      hint: 'write each statement as IAM policies do: "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/*"',
    });
  }
}

/** The roles the config asks for, before the task definitions that name them. */
export async function ensureTaskRoles(ctx: StepContext): Promise<void> {
  for (const spec of wantedTaskRoles(ctx)) await ensureRole(ctx, spec);
}

/** The recorded roles the config no longer asks for, once no task definition of the run names them. */
export async function deleteUnwantedTaskRoles(ctx: StepContext): Promise<void> {
  const wanted = wantedTaskRoles(ctx);
  for (const target of recordedTaskRoles(ctx)) {
    if (!wanted.some((w) => w.key === target.key)) await deleteRole(ctx, target.key, target.part);
  }
}

/** On destroy: the recorded roles and, with a lost state, those the config names (found by name and tags). */
export async function deleteTaskRoles(ctx: StepContext): Promise<void> {
  const targets = [...recordedTaskRoles(ctx), ...wantedTaskRoles(ctx).map((s) => ({ key: s.key, part: s.part }))];
  const seen = new Set<string>();
  for (const target of targets) {
    if (seen.has(target.key)) continue;
    seen.add(target.key);
    await deleteRole(ctx, target.key, target.part);
  }
}

function recordedTaskRoles(ctx: Pick<StepContext, 'state'>): Array<{ key: string; part: string }> {
  const own = recordedEnvironments(ctx, KEYS.taskRole('')).map((env) => ({ key: KEYS.taskRole(env), part: ownPart(env) }));
  return [...(ctx.state.get(SHARED_TASK_ROLE_KEY) ? [{ key: SHARED_TASK_ROLE_KEY, part: SHARED_PART }] : []), ...own];
}
