// An environment's task definition: the settings shipline owns in it, the revisions it registers
// when they drift (never changing the image the pipeline deployed), and deregistering them on destroy.
import {
  DeregisterTaskDefinitionCommand,
  DescribeTaskDefinitionCommand,
  paginateListTaskDefinitions,
  RegisterTaskDefinitionCommand,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import { GONE } from '../../src/aws/gone';
import { unlessNotFound } from '../../src/aws/errors';
import type { EnvironmentConfig } from '../../src/config';
import { ensure, remove } from '../../src/reconcile';
import { isKnown, KNOWN_AFTER_APPLY, type Outcome, type StepContext } from '../../src/step';
import { KEYS as CLUSTER, logGroupName } from '../cluster';
import { fromEcsTags } from '../lib/owned';
import { CONTAINER_NAME, controllerOf, KEYS, taskFamily, type LiveServices } from './names';
import { ourService } from './live';
import { taskRoleArnOf } from './task-role';
import { firstRevision, nextRevision, ownedFingerprint, ownedSettings, taskDefinitionDrift, type OwnedSettings } from './task-definition-settings';

/** The owned settings as the config and the state say now (see task-definition-settings.ts). */
export function ownedSettingsOf(ctx: Pick<StepContext, 'config' | 'state' | 'tags' | 'partition' | 'accountId'>, env: EnvironmentConfig): OwnedSettings {
  return ownedSettings(ctx.config, env, {
    executionRoleArn: ctx.state.get(CLUSTER.executionRole)?.arn,
    logGroup: ctx.state.get(CLUSTER.logGroup(env.name))?.id ?? logGroupName(ctx.tags.stack, env.name),
    taskRoleArn: taskRoleArnOf(ctx, env),
    place: { partition: ctx.partition, region: ctx.config.region, account: ctx.accountId },
  });
}

/** The fingerprint of the owned settings as the config and the state say now (see ownedFingerprint). */
export function taskDefinitionFingerprint(ctx: Pick<StepContext, 'config' | 'state' | 'tags' | 'partition' | 'accountId'>, env: EnvironmentConfig): string {
  return ownedFingerprint(taskFamily(ctx.tags.stack, env.name), ownedSettingsOf(ctx, env));
}

export interface EnsuredTaskDefinition {
  /** What the service should run: the running revision, or the one registered now. */
  arn: string;
  outcome: Outcome;
}

export async function ensureTaskDefinition(ctx: StepContext, env: EnvironmentConfig, live: LiveServices): Promise<EnsuredTaskDefinition> {
  const ecs = ctx.aws.ecs;
  const key = KEYS.taskDefinition(env.name);
  const family = taskFamily(ctx.tags.stack, env.name);
  const owned = ownedSettingsOf(ctx, env);
  const fingerprint = ownedFingerprint(family, owned);
  const tags = ctx.tags.list(ctx.step, env.name);
  const service = ourService(ctx, env.name, live);
  const running = service?.taskDefinition;
  const codeDeploy = service !== undefined && controllerOf(service) === 'CODE_DEPLOY';
  const rec = ctx.state.get(key);
  // The service runs the recorded revision, checked against what provision owns as it is now:
  // nothing to read. Any other revision (the pipeline's, one set by hand) is read as the truth.
  const confirmed: TaskDefinition | undefined =
    running !== undefined && rec?.id === running && rec.fingerprint === fingerprint ? { taskDefinitionArn: running, family: rec.family } : undefined;
  const describe = async (ref: string) =>
    (await unlessNotFound(ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: ref })), ...GONE.ecs.taskDefinition))?.taskDefinition;
  // The running revision must be readable: never fall back to a fresh one (the placeholder image).
  const describeRunning = async (ref: string) => (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: ref }))).taskDefinition;
  const attributes = (td: TaskDefinition) => ({
    family: td.family,
    revision: td.revision === undefined ? undefined : String(td.revision),
    image: td.containerDefinitions?.find((c) => c.name === CONTAINER_NAME)?.image,
    fingerprint: taskDefinitionDrift(td, owned).length === 0 ? fingerprint : undefined,
  });
  let registered: TaskDefinition | undefined;
  let drifted = false;
  /** The recorded revision, if it is the one CodeDeploy is to deploy: the running one's image and settings, only newer. */
  const pendingRevision = async (id: string, current: TaskDefinition | undefined): Promise<TaskDefinition | undefined> => {
    const td = await describe(id);
    const image = (t: TaskDefinition | undefined) => t?.containerDefinitions?.find((c) => c.name === CONTAINER_NAME)?.image;
    const pending = td?.status === 'ACTIVE' && td.family === current?.family && image(td) !== undefined && image(td) === image(current) && taskDefinitionDrift(td, owned).length === 0;
    if (pending) ctx.log.debug({ resource: key, id }, 'the recorded revision waits for a CodeDeploy deployment (codedeploy step)');
    return pending ? td : undefined;
  };

  const { id, outcome } = await ensure<TaskDefinition>(ctx, {
    key,
    kind: `task definition ${family}`,
    needs: [owned.executionRoleArn],
    foreignId: (arn) => foreignTaskDefinitionArn(arn, family),
    foreign: () => undefined,
    // What the service runs is the truth, whatever revision the state remembers (blue/green: but
    // for the revision registered for CodeDeploy to deploy, see the header).
    find: async (id) => {
      if (confirmed) return confirmed;
      if (running) {
        const current = await describeRunning(running);
        if (!codeDeploy || id === running) return current;
        return (await pendingRevision(id, current)) ?? current;
      }
      const td = await describe(id);
      return td?.status === 'ACTIVE' ? td : undefined;
    },
    findByTags: async () => (running ? describeRunning(running) : latestOwnedRevision(ctx, family)),
    create: async () => (await ecs.send(new RegisterTaskDefinitionCommand(firstRevision(ctx.config, family, owned, tags)))).taskDefinition!,
    id: (td) => td.taskDefinitionArn!,
    attributes,
    drift: (td) => {
      const changes = td === confirmed ? [] : taskDefinitionDrift(td, owned);
      drifted = changes.length > 0;
      return changes;
    },
    update: async (td) => {
      registered = (await ecs.send(new RegisterTaskDefinitionCommand(nextRevision(ctx.config, family, td, owned, tags)))).taskDefinition!;
      const attrs = Object.fromEntries(Object.entries(attributes(registered)).filter((e): e is [string, string] => e[1] !== undefined));
      await ctx.state.record(key, { id: registered.taskDefinitionArn!, ...attrs, fingerprint });
    },
  });
  if (registered) return { arn: registered.taskDefinitionArn!, outcome };
  // A state file from before the fingerprint, or settings changed back: the revision read matches, say so for the next run.
  if (!ctx.dryRun && !drifted && isKnown(id) && ctx.state.get(key)?.id === id && ctx.state.get(key)?.fingerprint !== fingerprint) {
    await ctx.state.update(key, { fingerprint });
  }
  // In a plan, the revision that would be registered has no ARN yet.
  return { arn: ctx.dryRun && drifted ? KNOWN_AFTER_APPLY : id, outcome };
}

/**
 * The newest ACTIVE revision of the family that carries the stack's tag: what a crash right after
 * RegisterTaskDefinition, or a lost state, leaves behind. The pipeline's revisions carry no tags.
 */
export async function latestOwnedRevision(ctx: StepContext, family: string): Promise<TaskDefinition | undefined> {
  for (const arn of (await activeRevisions(ctx, family)).reverse()) {
    const out = await ctx.aws.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn, include: ['TAGS'] }));
    if (ctx.tags.owns(fromEcsTags(out.tags))) return out.taskDefinition;
  }
  return undefined;
}

export async function activeRevisions(ctx: StepContext, family: string): Promise<string[]> {
  const arns: string[] = [];
  for await (const page of paginateListTaskDefinitions({ client: ctx.aws.ecs }, { familyPrefix: family, status: 'ACTIVE' })) {
    arns.push(...(page.taskDefinitionArns ?? []));
  }
  return arns;
}


export async function deleteTaskDefinitions(ctx: StepContext, env: string): Promise<void> {
  const family = taskFamily(ctx.tags.stack, env);
  await remove<TaskDefinition>(ctx, {
    key: KEYS.taskDefinition(env),
    kind: `task definitions ${family}`,
    findByTags: () => latestOwnedRevision(ctx, family),
    id: (td) => td.taskDefinitionArn!,
    // What goes is the family shipline names for the stack; a record naming another family is refused.
    confirm: { foreignId: (arn) => foreignTaskDefinitionArn(arn, family) },
    delete: async () => {
      for (const arn of await activeRevisions(ctx, family)) {
        await ctx.aws.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: arn }));
      }
    },
  });
}

/** `…:service/<cluster>/<name>` (or the older `…:service/<name>`): the stack's cluster and the environment's service name. */

export function foreignTaskDefinitionArn(arn: string, family: string): string | undefined {
  const named = arn.slice(arn.indexOf(':task-definition/') + ':task-definition/'.length).replace(/:\d+$/, '');
  return arn.includes(':task-definition/') && named === family ? undefined : `is not of task definition family ${family}`;
}

/**
 * Environments are independent: their calls (and waits) overlap. Each runs to its end, so none is
 * cut short by another's failure; the first failure is reported, the results come in `envs` order.
 */
