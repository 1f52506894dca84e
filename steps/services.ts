// One Fargate service per environment, behind its target group: a security group open on the
// container port to the load balancer only, a task definition (container `web`), and the service
// in the private subnets.
//
// The image rule: the placeholder image runs until the pipeline's first deploy; from then on the
// pipeline owns the image. Provision compares only what it owns in the task definition the
// service runs (CPU, memory, port, logs, platform, execution role); when one of them drifted it
// registers a new revision built from the running one (same image), and never goes back to the
// placeholder or to an older revision. Revisions never change once registered: the state records
// with the revision a fingerprint of the owned settings it was checked against, and while the
// service runs that revision and the fingerprint is the config's, there is nothing to read.
//
// The environments are independent resources: they are reconciled side by side.
//
// Blue/green (`deploy.strategy: "blue-green"`): services are created with the CODE_DEPLOY deployment
// controller, which ECS cannot change in place; a stack whose services run with the other
// controller is refused before any step changes anything (`preflight`). UpdateService cannot change
// such a service's task definition, network or load balancers: when what provision owns in the
// task definition drifted, this step registers the new revision (same image) and records it as the
// one the service should run, and the codedeploy step deploys it through CodeDeploy. A recorded
// revision the service does not run yet is that pending one as long as it has the running image and
// matches the config: a re-run does not register it again.
import {
  CreateServiceCommand,
  DeleteServiceCommand,
  DeregisterTaskDefinitionCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
  waitUntilServicesInactive,
  type ContainerDefinition,
  type DeploymentConfiguration,
  type DeploymentControllerType,
  type LoadBalancer,
  type LogConfiguration,
  type NetworkConfiguration,
  type RegisterTaskDefinitionCommandInput,
  type CreateServiceCommandInput,
  type RuntimePlatform,
  type Service,
  type TaskDefinition,
  type UpdateServiceCommandInput,
} from '@aws-sdk/client-ecs';
import { createHash } from 'node:crypto';
import { isAwsError, unlessNotFound } from '../src/aws/errors';
import { isRoleNotYetAssumable, retryWhile, until, untilSdk, type Poll } from '../src/aws/wait';
import type { Config, EnvironmentConfig } from '../src/config';
import { ConfigError, WaitTimeoutError } from '../src/errors';
import { ensure, remove } from '../src/reconcile';
import { isKnown, KNOWN_AFTER_APPLY, type Outcome, type Step, type StepContext } from '../src/step';
import { KEYS as ALB, liveTargetGroup } from './alb';
import { KEYS as CLUSTER, clusterName, logGroupName } from './cluster';
import { deleteSecurityGroup, ensureSecurityGroup } from './lib/security-group';
import { canonicalJson, claim, foreignByTags, fromEcsTags, toEcsTags } from './lib/owned';
import { KEYS as NETWORK, subnetIds } from './network';

export const CONTAINER_NAME = 'web';

export const KEYS = {
  securityGroup: (env: string) => `services.securityGroup.${env}`,
  taskDefinition: (env: string) => `services.taskDefinition.${env}`,
  service: (env: string) => `services.service.${env}`,
};


export const serviceName = (stack: string, env: string) => `${stack}-${env}`;
export const taskFamily = (stack: string, env: string) => `${stack}-${env}`;
const securityGroupPart = (env: string) => `${env}-svc`;

const HEALTH_CHECK_GRACE_SECONDS = 30;
const DEPLOYMENT: DeploymentConfiguration = {
  deploymentCircuitBreaker: { enable: true, rollback: true },
  minimumHealthyPercent: 100,
  maximumPercent: 200,
};
/** CODE_DEPLOY services take no circuit breaker: CodeDeploy's automatic rollback stands in for it. */
const BLUE_GREEN_DEPLOYMENT: DeploymentConfiguration = { minimumHealthyPercent: 100, maximumPercent: 200 };

/** The deployment controller the config's strategy needs. */
export const controllerFor = (config: Pick<Config, 'deploy'>): DeploymentControllerType =>
  config.deploy.strategy === 'blue-green' ? 'CODE_DEPLOY' : 'ECS';
const controllerOf = (s: Service): DeploymentControllerType => s.deploymentController?.type ?? 'ECS';
const INACTIVE_TIMEOUT_SECONDS = 600;
/** How long a new role may take to be usable by ECS (IAM propagates in seconds, rarely a minute). */
const ROLE_PROPAGATION_SECONDS = 120;
/** DescribeServices takes at most 10 services. */
const DESCRIBE_LIMIT = 10;

/** The services of the stack's cluster as DescribeServices reported them, by name (any status). */
export type LiveServices = Map<string, Service>;

interface EnsuredService {
  name: string;
  controller: DeploymentControllerType;
  /** Created or changed by this run (the service itself or its task definition). */
  changed: boolean;
  /** Running what it should, as last read: no wait needed. */
  steady: boolean;
}

export const services: Step = {
  name: 'services',
  after: ['alb', 'cluster', 'nat'],
  // Tasks pull their image through the NAT; draining ones need nothing from it.
  createOnlyAfter: ['nat'],

  /** Refuse a strategy switch ECS cannot make in place, before any step changed anything. */
  async preflight(ctx) {
    await checkDeploymentControllers(ctx);
  },

  async reconcile(ctx) {
    const envs = ctx.config.environments;
    const live = await describeServices(ctx, clusterRef(ctx), envs.map((e) => e.name));
    // Offered to the codedeploy step, which takes it only to confirm a service runs the recorded revision.
    ctx.shared.offer(servicesReadKey(ctx), live);
    // A same-named service of someone else stops the step before any environment changes anything.
    for (const env of envs) ourService(ctx, env.name, live);
    // Environments are independent: reconciled side by side (their security groups read in one call).
    const ensured = await forEachEnvironment(envs, (env) => ensureEnvironment(ctx, env, live));
    await deleteDroppedEnvironments(ctx);
    await waitForStable(ctx, ensured);
  },

  outputs(state, config) {
    return config.environments.flatMap((env) => {
      const rec = state.get(KEYS.service(env.name));
      return rec?.id ? [{ key: `service.${env.name}`, label: `ECS service (${env.name})`, value: rec.name ?? serviceName(config.stack, env.name) }] : [];
    });
  },

  async destroy(ctx) {
    // With a lost state, the services named after the config's environments that carry the stack's tag.
    const envs = [...new Set([...recordedEnvironments(ctx), ...ctx.config.environments.map((e) => e.name)])];
    const live = lazyServices(ctx, clusterRef(ctx) ?? clusterName(ctx.tags.stack), envs);
    await forEachEnvironment(envs, (env) => deleteEnvironment(ctx, env, live));
  },
};

/** An environment's security group and task definition, then its service, which runs on both. */
async function ensureEnvironment(ctx: StepContext, env: EnvironmentConfig, live: LiveServices): Promise<EnsuredService> {
  const securityGroup = await ensureServiceSecurityGroup(ctx, env.name);
  const taskDefinition = await ensureTaskDefinition(ctx, env, live);
  return ensureService(ctx, env, { securityGroup, taskDefinition, live });
}

/** Environments gone from the config: their service, then its task definitions, then its security group. */
async function deleteDroppedEnvironments(ctx: StepContext): Promise<void> {
  const dropped = recordedEnvironments(ctx).filter((env) => !ctx.config.environments.some((e) => e.name === env));
  // Read only if a record lacks its ID (a create cut short): the service is then found by name and tag.
  const live = lazyServices(ctx, clusterRef(ctx), dropped);
  await forEachEnvironment(dropped, (env) => deleteEnvironment(ctx, env, live));
}

// ---- reading -----------------------------------------------------------------------------------

const clusterRef = (ctx: Pick<StepContext, 'state'>): string | undefined => ctx.state.get(CLUSTER.cluster)?.id;

/** One DescribeServices (per 10 environments) for every service of the step. */
export async function describeServices(ctx: StepContext, cluster: string | undefined, envs: readonly string[]): Promise<LiveServices> {
  const live: LiveServices = new Map();
  if (!isKnown(cluster)) return live;
  const names = envs.map((env) => serviceName(ctx.tags.stack, env));
  for (let i = 0; i < names.length; i += DESCRIBE_LIMIT) {
    const out = await unlessNotFound(
      ctx.aws.ecs.send(new DescribeServicesCommand({ cluster, services: names.slice(i, i + DESCRIBE_LIMIT), include: ['TAGS'] })),
      'ClusterNotFoundException',
    );
    for (const s of out?.services ?? []) live.set(s.serviceName!, s);
  }
  return live;
}

/**
 * The key under which the step shares its read of the config's services with later steps of the
 * run (the codedeploy step): a snapshot from before this step changed anything, see src/shared-reads.ts.
 */
export function servicesReadKey(ctx: Pick<StepContext, 'config' | 'state' | 'tags'>): string {
  const names = ctx.config.environments.map((e) => serviceName(ctx.tags.stack, e.name));
  return `ecs:DescribeServices:${clusterRef(ctx) ?? ''}:${names.join(',')}`;
}

/** `describeServices`, made once on first use. */
function lazyServices(ctx: StepContext, cluster: string | undefined, envs: readonly string[]): () => Promise<LiveServices> {
  let read: Promise<LiveServices> | undefined;
  return () => (read ??= describeServices(ctx, cluster, envs));
}

/** The environment's ACTIVE service if it is the stack's (recorded, or tagged); a foreign one is refused. */
function ourService(ctx: StepContext, env: string, live: LiveServices): Service | undefined {
  const name = serviceName(ctx.tags.stack, env);
  const found = live.get(name);
  if (found?.status !== 'ACTIVE') return undefined;
  if (ctx.state.get(KEYS.service(env))?.id === found.serviceArn) return found;
  return claim(ctx, 'ECS service', name, found, fromEcsTags(found.tags));
}

/** The environments this step has anything recorded for. */
function recordedEnvironments(ctx: StepContext): string[] {
  return [...new Set(ctx.state.keys('services.').map((key) => key.split('.')[2]).filter((env): env is string => env !== undefined))];
}

// ---- the deployment controller -----------------------------------------------------------------

const STRATEGY_OF: Record<DeploymentControllerType, string> = { ECS: 'rolling', CODE_DEPLOY: 'blue-green', EXTERNAL: 'external' };

/**
 * The services of the config's environments whose deployment controller is not the one the
 * strategy needs. The state records each service's controller; AWS is asked only for what the
 * state does not say (a lost state, an older state file).
 */
async function checkDeploymentControllers(ctx: StepContext): Promise<void> {
  const wanted = controllerFor(ctx.config);
  const envs = ctx.config.environments.map((e) => e.name);
  const known = new Map<string, DeploymentControllerType>();
  const unknown: string[] = [];
  for (const env of envs) {
    const rec = ctx.state.get(KEYS.service(env));
    const controller = rec?.controller as DeploymentControllerType | undefined;
    if (isKnown(rec?.id) && controller !== undefined) known.set(env, controller);
    else unknown.push(env);
  }
  if (unknown.length > 0) {
    const live = await describeServices(ctx, clusterRef(ctx) ?? clusterName(ctx.tags.stack), unknown);
    for (const env of unknown) {
      const found = live.get(serviceName(ctx.tags.stack, env));
      const ours = found?.status === 'ACTIVE' && (ctx.state.get(KEYS.service(env))?.id === found.serviceArn || ctx.tags.owns(fromEcsTags(found.tags)));
      if (ours) known.set(env, controllerOf(found));
    }
  }
  const mismatched = envs.filter((env) => known.has(env) && known.get(env) !== wanted);
  if (mismatched.length > 0) throw strategySwitchRefused(ctx, mismatched.map((env) => [env, known.get(env)!] as const));
}

/** The refusal of a strategy switch: what is in the way, and the two ways out. */
function strategySwitchRefused(ctx: Pick<StepContext, 'config' | 'tags'>, mismatched: ReadonlyArray<readonly [string, DeploymentControllerType]>): ConfigError {
  const strategy = ctx.config.deploy.strategy;
  const names = mismatched.map(([env]) => serviceName(ctx.tags.stack, env)).join(', ');
  const [, have] = mismatched[0]!;
  const previous = STRATEGY_OF[have];
  return new ConfigError(
    `deploy.strategy is "${strategy}", but the ECS service${mismatched.length > 1 ? 's' : ''} ${names} ` +
      `(environment${mismatched.length > 1 ? 's' : ''} ${mismatched.map(([env]) => env).join(', ')}) ${mismatched.length > 1 ? 'run' : 'runs'} ` +
      `with the ${have} deployment controller ("${previous}"), and ECS cannot change a service's deployment controller in place. ` +
      'Nothing was changed.',
    {
      hint:
        `either set deploy.strategy back to "${previous}", or rebuild the stack with "${strategy}": ` +
        '`npm run destroy -- --keep-connection`, then `npm run provision` (the services start again from the placeholder image; ' +
        'run the pipeline, `npm run release`, to deploy your app again)',
    },
  );
}

// ---- security group ----------------------------------------------------------------------------

async function ensureServiceSecurityGroup(ctx: StepContext, env: string): Promise<string> {
  const port = ctx.config.services.containerPort;
  const { id } = await ensureSecurityGroup(ctx, {
    key: KEYS.securityGroup(env),
    part: securityGroupPart(env),
    vpcId: ctx.state.get(NETWORK.vpc)?.id,
    description: `shipline ${ctx.tags.stack}: ${env} tasks, port ${port} from the load balancer only`,
    ingress: [{ protocol: 'tcp', fromPort: port, toPort: port, groupId: ctx.state.get(ALB.securityGroup)?.id, description: 'from the load balancer' }],
    // Default egress: tasks pull their image and reach the internet through the NAT.
  });
  return id;
}

// ---- task definition ---------------------------------------------------------------------------

/** The parts of the task definition that provision owns; the rest (the image above all) is the pipeline's. */
interface OwnedSettings {
  cpu: string;
  memory: string;
  executionRoleArn: string | undefined;
  runtimePlatform: RuntimePlatform;
  portMappings: ContainerDefinition['portMappings'];
  logConfiguration: LogConfiguration;
}

function ownedSettings(ctx: Pick<StepContext, 'config' | 'state' | 'tags'>, env: EnvironmentConfig): OwnedSettings {
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
function firstRevision(ctx: StepContext, env: string, owned: OwnedSettings): RegisterTaskDefinitionCommandInput {
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
function nextRevision(ctx: StepContext, env: string, current: TaskDefinition, owned: OwnedSettings): RegisterTaskDefinitionCommandInput {
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

function taskDefinitionDrift(td: TaskDefinition, owned: OwnedSettings): string[] {
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

interface EnsuredTaskDefinition {
  /** What the service should run: the running revision, or the one registered now. */
  arn: string;
  outcome: Outcome;
}

async function ensureTaskDefinition(ctx: StepContext, env: EnvironmentConfig, live: LiveServices): Promise<EnsuredTaskDefinition> {
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
    (await unlessNotFound(ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: ref })), 'ClientException'))?.taskDefinition;
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
async function latestOwnedRevision(ctx: StepContext, family: string): Promise<TaskDefinition | undefined> {
  for (const arn of (await activeRevisions(ctx, family)).reverse()) {
    const out = await ctx.aws.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn, include: ['TAGS'] }));
    if (ctx.tags.owns(fromEcsTags(out.tags))) return out.taskDefinition;
  }
  return undefined;
}

async function activeRevisions(ctx: StepContext, family: string): Promise<string[]> {
  const arns: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ctx.aws.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: family, status: 'ACTIVE', nextToken }));
    arns.push(...(page.taskDefinitionArns ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return arns;
}

// ---- service -----------------------------------------------------------------------------------

async function ensureService(
  ctx: StepContext,
  env: EnvironmentConfig,
  deps: { securityGroup: string; taskDefinition: EnsuredTaskDefinition; live: LiveServices },
): Promise<EnsuredService> {
  const ecs = ctx.aws.ecs;
  const name = serviceName(ctx.tags.stack, env.name);
  const cluster = clusterRef(ctx);
  const subnets = subnetIds(ctx, 'private');
  const targetGroupArn = ctx.state.get(ALB.targetGroup(env.name))?.id;
  const port = ctx.config.services.containerPort;
  const taskDefinition = deps.taskDefinition.arn;
  const networkConfiguration: NetworkConfiguration = {
    awsvpcConfiguration: { subnets: subnets.filter(isKnown), securityGroups: [deps.securityGroup], assignPublicIp: 'DISABLED' },
  };
  const loadBalancers: LoadBalancer[] = [{ targetGroupArn, containerName: CONTAINER_NAME, containerPort: port }];
  const controller = controllerFor(ctx.config);
  const deployment = controller === 'CODE_DEPLOY' ? BLUE_GREEN_DEPLOYMENT : DEPLOYMENT;
  /** A service found with the other controller: the preflight check missed it (a service made meanwhile). */
  const checkController = (s: Service | undefined) => {
    if (s && controllerOf(s) !== controller) throw strategySwitchRefused(ctx, [[env.name, controllerOf(s)]]);
    return s;
  };

  const { outcome, resource } = await ensure<Service>(ctx, {
    key: KEYS.service(env.name),
    kind: `ECS service ${name}`,
    needs: [cluster, deps.securityGroup, targetGroupArn, ...subnets, ...(deps.taskDefinition.outcome === 'created' ? [taskDefinition] : [])],
    clientToken: true,
    foreignId: (arn) => foreignServiceArn(ctx, arn, env.name),
    foreign: () => undefined,
    find: async (id) => {
      const found = ourService(ctx, env.name, deps.live);
      return checkController(found?.serviceArn === id ? found : undefined);
    },
    findByTags: async () => checkController(ourService(ctx, env.name, deps.live)),
    create: async (clientToken) => {
      if (deps.live.get(name)?.status === 'DRAINING') {
        // AWS refuses a new service while the deleted one of that name drains.
        await untilSdk(ctx, `the deleted ECS service ${name} to drain`, INACTIVE_TIMEOUT_SECONDS, waitUntilServicesInactive, ecs, { cluster, services: [name] });
      }
      // A CODE_DEPLOY service starts on the group of its pair that the production route serves
      // (after a deployment, maybe the second one); only a deployment moves it later.
      const startOn = controller === 'CODE_DEPLOY' ? await liveTargetGroup(ctx, env.name) : targetGroupArn;
      const input: CreateServiceCommandInput = {
        cluster,
        serviceName: name,
        taskDefinition,
        desiredCount: env.desiredCount,
        launchType: 'FARGATE',
        networkConfiguration,
        loadBalancers: loadBalancers.map((lb) => ({ ...lb, targetGroupArn: startOn })),
        deploymentController: { type: controller },
        deploymentConfiguration: deployment,
        healthCheckGracePeriodSeconds: HEALTH_CHECK_GRACE_SECONDS,
        propagateTags: 'SERVICE',
        enableECSManagedTags: true,
        tags: toEcsTags(ctx.tags.list(ctx.step, env.name)),
        clientToken,
      };
      // A role created seconds ago (ECS's service-linked role on a new account) is refused until IAM
      // has propagated it; the same client token makes the retries one service.
      const { service } = await retryWhile(ctx, `ECS to be able to assume its role for service ${name}`, ROLE_PROPAGATION_SECONDS, isRoleNotYetAssumable, () =>
        ecs.send(new CreateServiceCommand(input)),
      );
      return service!;
    },
    // A reused token answers with the service it made, even once deleted.
    isGone: (s) => s.status !== 'ACTIVE',
    id: (s) => s.serviceArn!,
    attributes: (s) => ({ name: s.serviceName, controller: controllerOf(s) }),
    drift: (s) =>
      controller === 'CODE_DEPLOY'
        ? blueGreenServiceDrift(ctx, s, { taskDefinition, desiredCount: env.desiredCount, networkConfiguration, loadBalancers }, env.name)
        : serviceDrift(s, { taskDefinition, desiredCount: env.desiredCount, networkConfiguration, loadBalancers }),
    update: async (s, changes) => {
      const input: UpdateServiceCommandInput = { cluster, service: s.serviceName };
      if (changes.includes('taskDefinition')) input.taskDefinition = taskDefinition;
      if (changes.includes('desiredCount')) input.desiredCount = env.desiredCount;
      if (changes.includes('networkConfiguration')) input.networkConfiguration = networkConfiguration;
      if (changes.includes('loadBalancers')) input.loadBalancers = loadBalancers;
      if (changes.includes('deploymentConfiguration')) input.deploymentConfiguration = deployment;
      if (changes.includes('healthCheckGracePeriod')) input.healthCheckGracePeriodSeconds = HEALTH_CHECK_GRACE_SECONDS;
      if (changes.includes('tagPropagation')) {
        input.propagateTags = 'SERVICE';
        input.enableECSManagedTags = true;
      }
      await ecs.send(new UpdateServiceCommand(input));
    },
  });
  // A state file from before the record named its controller: name it now, so the preflight check needs no AWS call.
  const rec = ctx.state.get(KEYS.service(env.name));
  if (!ctx.dryRun && resource !== undefined && rec !== undefined && rec.id === resource.serviceArn && rec.controller === undefined) {
    await ctx.state.update(KEYS.service(env.name), { controller: controllerOf(resource) });
  }
  return {
    name,
    controller,
    changed: outcome === 'created' || outcome === 'updated' || deps.taskDefinition.outcome === 'updated' || deps.taskDefinition.outcome === 'created',
    steady: resource !== undefined && resource.runningCount === resource.desiredCount && (resource.deployments?.length ?? 0) <= 1,
  };
}

interface ServiceSettings {
  taskDefinition: string;
  desiredCount: number;
  networkConfiguration: NetworkConfiguration;
  loadBalancers: LoadBalancer[];
}

function serviceDrift(s: Service, want: ServiceSettings): string[] {
  const changes: string[] = [];
  if (s.taskDefinition !== want.taskDefinition) changes.push('taskDefinition');
  if (s.desiredCount !== want.desiredCount) changes.push('desiredCount');
  const have = s.networkConfiguration?.awsvpcConfiguration;
  const wanted = want.networkConfiguration.awsvpcConfiguration!;
  if (!sameSet(have?.subnets, wanted.subnets) || !sameSet(have?.securityGroups, wanted.securityGroups) || (have?.assignPublicIp ?? 'DISABLED') !== 'DISABLED') {
    changes.push('networkConfiguration');
  }
  const lbs = s.loadBalancers ?? [];
  const lb = want.loadBalancers[0]!;
  if (lbs.length !== 1 || lbs[0]?.targetGroupArn !== lb.targetGroupArn || lbs[0]?.containerName !== lb.containerName || lbs[0]?.containerPort !== lb.containerPort) {
    changes.push('loadBalancers');
  }
  const dc = s.deploymentConfiguration;
  if (
    dc?.deploymentCircuitBreaker?.enable !== true ||
    dc.deploymentCircuitBreaker.rollback !== true ||
    dc.minimumHealthyPercent !== DEPLOYMENT.minimumHealthyPercent ||
    dc.maximumPercent !== DEPLOYMENT.maximumPercent
  ) {
    changes.push('deploymentConfiguration');
  }
  if (s.healthCheckGracePeriodSeconds !== HEALTH_CHECK_GRACE_SECONDS) changes.push('healthCheckGracePeriod');
  if (s.propagateTags !== 'SERVICE' || s.enableECSManagedTags !== true) changes.push('tagPropagation');
  return changes;
}

/**
 * A CODE_DEPLOY service: UpdateService cannot change its task definition, network or load
 * balancers. A new task definition goes through CodeDeploy (the codedeploy step); the network and
 * load balancers only change with a new service, which is said rather than attempted.
 */
function blueGreenServiceDrift(ctx: StepContext, s: Service, want: ServiceSettings, env: string): string[] {
  const changes = serviceDrift(s, want).filter((c) => !['taskDefinition', 'networkConfiguration', 'loadBalancers', 'deploymentConfiguration'].includes(c));
  const dc = s.deploymentConfiguration;
  if (dc?.minimumHealthyPercent !== BLUE_GREEN_DEPLOYMENT.minimumHealthyPercent || dc?.maximumPercent !== BLUE_GREEN_DEPLOYMENT.maximumPercent) {
    changes.push('deploymentConfiguration');
  }
  const unchangeable: string[] = serviceDrift(s, want).filter((c) => c === 'networkConfiguration');
  const lb = s.loadBalancers?.[0];
  const pair = [ctx.state.get(ALB.targetGroup(env))?.id, ctx.state.get(ALB.greenTargetGroup(env))?.id];
  if ((s.loadBalancers?.length ?? 0) !== 1 || !pair.includes(lb?.targetGroupArn) || lb?.containerName !== CONTAINER_NAME || lb?.containerPort !== want.loadBalancers[0]!.containerPort) {
    unchangeable.push('loadBalancers');
  }
  if (unchangeable.length > 0) {
    ctx.log.warn(
      { service: s.serviceName, differs: unchangeable },
      `ECS service ${s.serviceName} differs from the config in ${unchangeable.join(' and ')}, which a CODE_DEPLOY service only takes when it is created: ` +
        'left as it is (remove the environment from the config and provision, then add it back, to have it replaced)',
    );
  }
  return changes;
}

/** One bounded waiter call for all the step's services, when something changed or one isn't steady. */
async function waitForStable(ctx: StepContext, ensured: EnsuredService[]): Promise<void> {
  if (ctx.dryRun || ensured.length === 0) return;
  if (!ensured.some((s) => s.changed || !s.steady)) {
    ctx.log.debug('every service is steady: nothing to wait for');
    return;
  }
  if (!ctx.wait) {
    ctx.log.debug('not waiting for the services to become stable (--no-wait)');
    return;
  }
  const names = ensured.map((s) => s.name);
  for (let i = 0; i < names.length; i += DESCRIBE_LIMIT) {
    const chunk = names.slice(i, i + DESCRIBE_LIMIT);
    const what = `ECS services ${chunk.join(', ')} to become stable`;
    ctx.progress(`waiting for ${what}`);
    await until(ctx, what, ctx.config.services.stableTimeoutSeconds, () => servicesSteady(ctx, chunk));
  }
}

/**
 * The SDK's services-stable waiter, with two differences: a service ECS does not list yet (its API
 * is eventually consistent: MISSING right after CreateService) is asked for again, not a failure;
 * and a CODE_DEPLOY service, for which AWS lists no deployments but task sets, is steady when its
 * desired count runs and every task set is in steady state.
 */
async function servicesSteady(ctx: StepContext, names: string[]): Promise<Poll<undefined>> {
  const { services = [] } = await ctx.aws.ecs.send(new DescribeServicesCommand({ cluster: clusterRef(ctx), services: names }));
  const gone = services.filter((s) => s.status === 'DRAINING' || s.status === 'INACTIVE');
  if (gone.length > 0) {
    throw new WaitTimeoutError(`waiting for ECS services to become stable failed: ${gone.map((s) => `${s.serviceName} is ${s.status}`).join(', ')}`, {
      hint: 'something deleted the service meanwhile; run provision again to create it',
    });
  }
  const listed = new Set(services.map((s) => s.serviceName));
  const missing = names.filter((n) => !listed.has(n));
  const unsteady = services.filter((s) => {
    if (s.runningCount !== s.desiredCount) return true;
    if (controllerOf(s) === 'CODE_DEPLOY') return (s.deployments?.length ?? 0) > 1 || (s.taskSets ?? []).some((t) => t.stabilityStatus !== 'STEADY_STATE');
    return s.deployments?.length !== 1;
  });
  if (unsteady.length === 0 && missing.length === 0) return { done: true, value: undefined };
  return {
    done: false,
    status: [
      ...unsteady.map((s) => `${s.serviceName} ${s.runningCount ?? 0}/${s.desiredCount ?? 0} running`),
      ...missing.map((n) => `${n} not listed yet`),
    ].join(', '),
  };
}

// ---- removal -----------------------------------------------------------------------------------

/** An environment's service, then its task definitions, then its security group. */
async function deleteEnvironment(ctx: StepContext, env: string, live: () => Promise<LiveServices>): Promise<void> {
  await deleteService(ctx, env, live);
  await deleteTaskDefinitions(ctx, env);
  await deleteSecurityGroup(ctx, KEYS.securityGroup(env), securityGroupPart(env), ctx.state.get(NETWORK.vpc)?.id);
}

async function deleteService(ctx: StepContext, env: string, live: () => Promise<LiveServices>): Promise<void> {
  const ecs = ctx.aws.ecs;
  const name = serviceName(ctx.tags.stack, env);
  const cluster = clusterRef(ctx) ?? clusterName(ctx.tags.stack);
  await remove<Service>(ctx, {
    key: KEYS.service(env),
    kind: `ECS service ${name}`,
    findByTags: async () => {
      const found = (await live()).get(name);
      return found && found.status !== 'INACTIVE' && ctx.tags.owns(fromEcsTags(found.tags)) ? found : undefined;
    },
    id: (s) => s.serviceArn!,
    // Its ARN names the stack's cluster and service; the one read of the stack's services brings its tags.
    confirm: {
      find: async (arn) => (foreignServiceArn(ctx, arn, env) !== undefined ? { serviceArn: arn } : [...(await live()).values()].find((s) => s.serviceArn === arn)),
      foreign: (s) => foreignServiceArn(ctx, s.serviceArn!, env) ?? foreignByTags(ctx, fromEcsTags(s.tags)),
    },
    delete: async (arn) => {
      // Gone for good: nothing to wait for. Not active (draining): delete and wait all the same.
      const missing = (e: unknown) => isAwsError(e, 'ServiceNotFoundException', 'ClusterNotFoundException');
      const call = async (send: () => Promise<unknown>): Promise<boolean> => {
        try {
          await send();
          return true;
        } catch (error) {
          if (missing(error)) return false;
          if (isAwsError(error, 'ServiceNotActiveException')) return true;
          throw error;
        }
      };
      if (!(await call(() => ecs.send(new UpdateServiceCommand({ cluster, service: arn, desiredCount: 0 }))))) return;
      if (!(await call(() => ecs.send(new DeleteServiceCommand({ cluster, service: arn, force: true }))))) return;
      await untilSdk(ctx, `ECS service ${name} to drain`, INACTIVE_TIMEOUT_SECONDS, waitUntilServicesInactive, ecs, { cluster, services: [arn] });
    },
  });
}

/** Every ACTIVE revision of the environment's family: the first ones shipline's, later ones the pipeline's. */
async function deleteTaskDefinitions(ctx: StepContext, env: string): Promise<void> {
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
function foreignServiceArn(ctx: StepContext, arn: string, env: string): string | undefined {
  const path = arn.slice(arn.indexOf(':service/') + ':service/'.length).split('/');
  const [cluster, name] = path.length === 2 ? path : [undefined, path[0]];
  const want = serviceName(ctx.tags.stack, env);
  if (!arn.includes(':service/') || name !== want) return `is not ECS service ${want}, the name shipline gives it`;
  return cluster === undefined || cluster === clusterName(ctx.tags.stack) ? undefined : `is in ECS cluster ${cluster}, not the stack's ${clusterName(ctx.tags.stack)}`;
}

/** `…:task-definition/<family>:<revision>`: the family shipline names for the environment. */
function foreignTaskDefinitionArn(arn: string, family: string): string | undefined {
  const named = arn.slice(arn.indexOf(':task-definition/') + ':task-definition/'.length).replace(/:\d+$/, '');
  return arn.includes(':task-definition/') && named === family ? undefined : `is not of task definition family ${family}`;
}

/**
 * Environments are independent: their calls (and waits) overlap. Each runs to its end, so none is
 * cut short by another's failure; the first failure is reported, the results come in `envs` order.
 */
async function forEachEnvironment<E, R>(envs: readonly E[], fn: (env: E) => Promise<R>): Promise<R[]> {
  const results = await Promise.allSettled(envs.map(fn));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<R>).value);
}

function sameSet(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  const x = new Set(a ?? []);
  const y = new Set(b ?? []);
  return x.size === y.size && [...x].every((v) => y.has(v));
}

function sameRecord(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const x = Object.entries(a ?? {});
  return x.length === Object.keys(b ?? {}).length && x.every(([k, v]) => b?.[k] === v);
}
