// An environment's task definition: the settings shipline owns in it, the revisions it registers
// when they drift (never changing the image the pipeline deployed), and deregistering them on destroy.
import {
  DeregisterTaskDefinitionCommand,
  DescribeTaskDefinitionCommand,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  type ContainerDefinition,
  type LogConfiguration,
  type RegisterTaskDefinitionCommandInput,
  type RuntimePlatform,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import { createHash } from 'node:crypto';
import { GONE } from '../../src/aws/gone';
import { unlessNotFound } from '../../src/aws/errors';
import type { EnvironmentConfig } from '../../src/config';
import { ensure, remove } from '../../src/reconcile';
import { isKnown, KNOWN_AFTER_APPLY, type Outcome, type StepContext } from '../../src/step';
import { KEYS as CLUSTER, logGroupName } from '../cluster';
import { canonicalJson, fromEcsTags, toEcsTags } from '../lib/owned';
import { sameRecord } from '../lib/compare';
import { CONTAINER_NAME, controllerOf, KEYS, taskFamily, type LiveServices } from './names';
import { ourService } from './live';

/** The parts of the task definition that provision owns; the rest (the image above all) is the pipeline's. */
export interface OwnedSettings {
  cpu: string;
  memory: string;
  executionRoleArn: string | undefined;
  runtimePlatform: RuntimePlatform;
  portMappings: ContainerDefinition['portMappings'];
  logConfiguration: LogConfiguration;
}

export function ownedSettings(ctx: Pick<StepContext, 'config' | 'state' | 'tags'>, env: EnvironmentConfig): OwnedSettings {
  return {
    cpu: String(env.cpu),
    memory: String(env.memory),
    executionRoleArn: ctx.state.get(CLUSTER.executionRole)?.arn,
    runtimePlatform: { cpuArchitecture: ctx.config.services.architecture, operatingSystemFamily: 'LINUX' },
    portMappings: [{ containerPort: ctx.config.services.containerPort, protocol: 'tcp' }],
    logConfiguration: {
      logDriver: 'awslogs',
      options: {
        'awslogs-group': ctx.state.get(CLUSTER.logGroup(env.name))?.id ?? logGroupName(ctx.tags.stack, env.name),
        'awslogs-region': ctx.config.region,
        'awslogs-stream-prefix': CONTAINER_NAME,
      },
    },
  };
}

/** The first revision: the placeholder image until the pipeline deploys its own. */
export function firstRevision(ctx: StepContext, env: string, owned: OwnedSettings): RegisterTaskDefinitionCommandInput {
  return {
    family: taskFamily(ctx.tags.stack, env),
    requiresCompatibilities: ['FARGATE'],
    networkMode: 'awsvpc',
    cpu: owned.cpu,
    memory: owned.memory,
    runtimePlatform: owned.runtimePlatform,
    executionRoleArn: owned.executionRoleArn,
    containerDefinitions: [
      {
        name: CONTAINER_NAME,
        image: ctx.config.services.placeholderImage,
        essential: true,
        portMappings: owned.portMappings,
        logConfiguration: owned.logConfiguration,
      },
    ],
    tags: toEcsTags(ctx.tags.list(ctx.step, env)),
  };
}

/** A new revision of what runs now, with the owned settings put back: same image, same everything else. */
export function nextRevision(ctx: StepContext, env: string, current: TaskDefinition, owned: OwnedSettings): RegisterTaskDefinitionCommandInput {
  const containers = current.containerDefinitions ?? [];
  // Without a `web` container there is no image of the pipeline's to keep.
  if (!containers.some((c) => c.name === CONTAINER_NAME)) return firstRevision(ctx, env, owned);
  return {
    family: current.family ?? taskFamily(ctx.tags.stack, env),
    taskRoleArn: current.taskRoleArn,
    executionRoleArn: owned.executionRoleArn,
    networkMode: 'awsvpc',
    containerDefinitions: containers.map((c) =>
      c.name === CONTAINER_NAME ? { ...c, portMappings: owned.portMappings, logConfiguration: owned.logConfiguration } : c,
    ),
    volumes: current.volumes,
    placementConstraints: current.placementConstraints,
    requiresCompatibilities: ['FARGATE'],
    cpu: owned.cpu,
    memory: owned.memory,
    pidMode: current.pidMode,
    ipcMode: current.ipcMode,
    proxyConfiguration: current.proxyConfiguration,
    ephemeralStorage: current.ephemeralStorage,
    runtimePlatform: owned.runtimePlatform,
    tags: toEcsTags(ctx.tags.list(ctx.step, env)),
  };
}

export function taskDefinitionDrift(td: TaskDefinition, owned: OwnedSettings): string[] {
  const changes: string[] = [];
  if (td.cpu !== owned.cpu) changes.push('cpu');
  if (td.memory !== owned.memory) changes.push('memory');
  if (td.executionRoleArn !== owned.executionRoleArn) changes.push('executionRole');
  if (td.runtimePlatform?.cpuArchitecture !== owned.runtimePlatform.cpuArchitecture || td.runtimePlatform?.operatingSystemFamily !== 'LINUX') {
    changes.push('runtimePlatform');
  }
  const web = td.containerDefinitions?.find((c) => c.name === CONTAINER_NAME);
  if (!web) return [...changes, `container ${CONTAINER_NAME}`];
  const port = owned.portMappings?.[0]?.containerPort;
  const mappings = web.portMappings ?? [];
  if (mappings.length !== 1 || mappings[0]?.containerPort !== port || (mappings[0]?.protocol ?? 'tcp') !== 'tcp') changes.push('portMappings');
  const logs = web.logConfiguration;
  if (logs?.logDriver !== owned.logConfiguration.logDriver || !sameRecord(logs?.options, owned.logConfiguration.options)) changes.push('logConfiguration');
  return changes;
}

/**
 * A hash of what provision owns in a revision (see OwnedSettings), as the config and the state
 * say now. A revision never changes once registered: recorded with the revision it was checked
 * (or registered) against, an unchanged fingerprint says the revision still matches, unread.
 */
export function taskDefinitionFingerprint(ctx: Pick<StepContext, 'config' | 'state' | 'tags'>, env: EnvironmentConfig): string {
  const owned = ownedSettings(ctx, env);
  return createHash('sha256').update(canonicalJson({ family: taskFamily(ctx.tags.stack, env.name), container: CONTAINER_NAME, owned })).digest('hex').slice(0, 32);
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
  const owned = ownedSettings(ctx, env);
  const fingerprint = taskDefinitionFingerprint(ctx, env);
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
    create: async () => (await ecs.send(new RegisterTaskDefinitionCommand(firstRevision(ctx, env.name, owned)))).taskDefinition!,
    id: (td) => td.taskDefinitionArn!,
    attributes,
    drift: (td) => {
      const changes = td === confirmed ? [] : taskDefinitionDrift(td, owned);
      drifted = changes.length > 0;
      return changes;
    },
    update: async (td) => {
      registered = (await ecs.send(new RegisterTaskDefinitionCommand(nextRevision(ctx, env.name, td, owned)))).taskDefinition!;
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
  let nextToken: string | undefined;
  do {
    const page = await ctx.aws.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: family, status: 'ACTIVE', nextToken }));
    arns.push(...(page.taskDefinitionArns ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
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
