// Blue/green deployments through CodeDeploy (`deploy.strategy: "blue-green"`): the service role
// CodeDeploy assumes (AWSCodeDeployRoleForECSLimited), one application (compute platform ECS) named after
// the stack, and per environment a deployment group `<stack>-<env>`: blue/green with traffic
// control, production traffic rerouted as soon as the replacement task set is ready, the original
// task set terminated `deploy.terminationWaitMinutes` later, automatic rollback when a deployment
// fails. Its target group pair and listeners are the alb step's, its service the services step's.
//
// A CODE_DEPLOY service's task definition only changes through a deployment: when what provision
// owns in it drifted, the services step registers the new revision (same image) and records it;
// the group then reports the `revision` as drifted, and its update deploys that revision (an AppSpec
// naming it) and waits until production traffic runs on it. Never an older image: a recorded
// revision whose image is not the running one's (the pipeline deployed since) is left alone.
//
// A re-run reads the recorded groups in one BatchGetDeploymentGroups, and what the services run
// from the services step's read of this run where that confirms there is nothing to deploy.
//
// With `rolling`, whatever this step recorded is removed (and nothing is read).
import {
  BatchGetDeploymentGroupsCommand,
  CreateApplicationCommand,
  CreateDeploymentCommand,
  CreateDeploymentGroupCommand,
  DeleteApplicationCommand,
  DeleteDeploymentGroupCommand,
  GetApplicationCommand,
  GetDeploymentCommand,
  GetDeploymentGroupCommand,
  ListTagsForResourceCommand,
  UpdateDeploymentGroupCommand,
  type ApplicationInfo,
  type CreateDeploymentGroupCommandInput,
  type DeploymentGroupInfo,
  type DeploymentInfo,
} from '@aws-sdk/client-codedeploy';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { createHash } from 'node:crypto';
import { isAwsError, unlessNotFound } from '../src/aws/errors';
import { retryWhile, until } from '../src/aws/wait';
import type { Config } from '../src/config';
import { AwsCallError } from '../src/errors';
import { arns, codeDeployForEcsPolicy, PRINCIPALS } from '../src/policies';
import { ensure, ignoringGone, remove } from '../src/reconcile';
import { isKnown, KNOWN_AFTER_APPLY, type Step, type StepContext } from '../src/step';
import { greenTargetGroupName, KEYS as ALB, productionListenerKey, targetGroupName } from './alb';
import { KEYS as CLUSTER } from './cluster';
import { activeDeployments, applicationName, deploymentGroupName } from './lib/deployments';
import { claim, foreignByName, foreignByTags, tagsNamed } from './lib/owned';
import { deleteRole, ensureRole } from './lib/role';
import { sameSet } from './lib/compare';
import { CONTAINER_NAME, describeServices, KEYS as SERVICES, serviceName, servicesReadKey, type LiveServices } from './services';

export const KEYS = {
  role: 'codedeploy.role',
  application: 'codedeploy.application',
  deploymentGroup: (env: string) => `codedeploy.deploymentGroup.${env}`,
};

const GROUP_PREFIX = 'codedeploy.deploymentGroup.';
const ROLE_PART = 'codedeploy';
const ROLE_PROPAGATION_SECONDS = 120;
/** How long a predefined configuration takes to move all traffic, in minutes. */
const SHIFT_MINUTES: Record<Config['deploy']['deploymentConfig'], number> = {
  'CodeDeployDefault.ECSAllAtOnce': 0,
  'CodeDeployDefault.ECSLinear10PercentEvery1Minutes': 10,
  'CodeDeployDefault.ECSLinear10PercentEvery3Minutes': 30,
  'CodeDeployDefault.ECSCanary10Percent5Minutes': 5,
  'CodeDeployDefault.ECSCanary10Percent15Minutes': 15,
};

export { applicationName, deploymentGroupName } from './lib/deployments';

export const codedeploy: Step = {
  name: 'codedeploy',
  after: ['services'],

  async reconcile(ctx) {
    if (ctx.config.deploy.strategy !== 'blue-green') {
      await removeRecorded(ctx);
      return;
    }
    const roleArn = await ensureServiceRole(ctx);
    const application = await ensureApplication(ctx);
    const groups = await recordedGroups(ctx, application);
    const running = await runningRevisions(ctx);
    for (const env of ctx.config.environments) await ensureDeploymentGroup(ctx, env.name, { roleArn, application, groups, running });
    for (const env of groupEnvironments(ctx).filter((env) => !ctx.config.environments.some((e) => e.name === env))) await deleteDeploymentGroup(ctx, env);
  },

  outputs(state, config) {
    const app = state.get(KEYS.application)?.id;
    if (!app) return [];
    const console = `https://${config.region}.console.aws.amazon.com/codesuite/codedeploy/applications/${app}?region=${config.region}`;
    return [{ key: 'codedeployApplication', label: 'CodeDeploy', value: console }];
  },

  async destroy(ctx) {
    // With a lost state, the config's groups and application that carry the stack's tag.
    const lookUp = ctx.config.deploy.strategy === 'blue-green';
    const envs = [...new Set([...groupEnvironments(ctx), ...(lookUp ? ctx.config.environments.map((e) => e.name) : [])])];
    for (const env of envs) await deleteDeploymentGroup(ctx, env);
    if (lookUp || ctx.state.get(KEYS.application)) await deleteApplication(ctx);
    if (lookUp || ctx.state.get(KEYS.role)) await deleteRole(ctx, KEYS.role, ROLE_PART);
  },
};

/** `rolling`: the groups, the application and the role this step made, if it made any. */
async function removeRecorded(ctx: StepContext): Promise<void> {
  for (const env of groupEnvironments(ctx)) await deleteDeploymentGroup(ctx, env);
  if (ctx.state.get(KEYS.application)) await deleteApplication(ctx);
  if (ctx.state.get(KEYS.role)) await deleteRole(ctx, KEYS.role, ROLE_PART);
}

const groupEnvironments = (ctx: StepContext) => ctx.state.keys(GROUP_PREFIX).map((key) => key.slice(GROUP_PREFIX.length));
const place = (ctx: StepContext) => ({ partition: ctx.partition, region: ctx.config.region, account: ctx.accountId });
const groupArn = (ctx: StepContext, env: string) =>
  arns.codeDeployGroup(place(ctx), applicationName(ctx.tags.stack), deploymentGroupName(ctx.tags.stack, env));

async function tagsOf(ctx: StepContext, arn: string) {
  const { Tags = [] } = await ctx.aws.codedeploy.send(new ListTagsForResourceCommand({ ResourceArn: arn }));
  return Tags;
}

// ---- service role ------------------------------------------------------------------------------

async function ensureServiceRole(ctx: StepContext): Promise<string> {
  const role = await ensureRole(ctx, {
    key: KEYS.role,
    part: ROLE_PART,
    description: `shipline ${ctx.tags.stack}: lets CodeDeploy run the blue/green deployments of the stack's ECS services`,
    trust: PRINCIPALS.codedeploy,
    managedPolicies: [codeDeployForEcsPolicy(ctx.partition)],
  });
  return role.resource?.role.Arn ?? KNOWN_AFTER_APPLY;
}

// ---- application -------------------------------------------------------------------------------

async function findApplication(ctx: StepContext, name: string): Promise<ApplicationInfo | undefined> {
  const out = await unlessNotFound(ctx.aws.codedeploy.send(new GetApplicationCommand({ applicationName: name })), 'ApplicationDoesNotExistException');
  return out?.application;
}

/** The application's name (KNOWN_AFTER_APPLY in a plan that would create it), and whether this run created it. */
async function ensureApplication(ctx: StepContext): Promise<{ id: string; created: boolean }> {
  const name = applicationName(ctx.tags.stack);
  const arn = arns.codeDeployApplication(place(ctx), name);
  const { id, outcome } = await ensure<ApplicationInfo>(ctx, {
    key: KEYS.application,
    kind: `CodeDeploy application ${name}`,
    foreignId: (id) => foreignByName(id, name),
    foreign: () => undefined,
    find: (id) => findApplication(ctx, id),
    findByTags: async () => {
      const found = await findApplication(ctx, name);
      return found && claim(ctx, 'CodeDeploy application', name, found, await tagsOf(ctx, arn));
    },
    create: async () => {
      await ctx.aws.codedeploy.send(new CreateApplicationCommand({ applicationName: name, computePlatform: 'ECS', tags: tagsNamed(ctx, name) }));
      return { applicationName: name, computePlatform: 'ECS' };
    },
    id: (a) => a.applicationName!,
    attributes: () => ({ arn }),
    drift: (a) => {
      if (a.computePlatform !== 'ECS') {
        ctx.log.warn(
          { application: name, computePlatform: a.computePlatform },
          `CodeDeploy application ${name} is for ${a.computePlatform ?? 'another'} compute platform, not ECS, and AWS cannot change that; delete it to have it replaced`,
        );
      }
      return [];
    },
  });
  return { id, created: outcome === 'created' };
}

async function deleteApplication(ctx: StepContext): Promise<void> {
  const name = applicationName(ctx.tags.stack);
  await remove(ctx, {
    key: KEYS.application,
    kind: `CodeDeploy application ${name}`,
    findByTags: async () => {
      const found = await findApplication(ctx, name);
      return found && ctx.tags.owns(await tagsOf(ctx, arns.codeDeployApplication(place(ctx), name))) ? found : undefined;
    },
    id: (a) => a.applicationName!,
    // Its name, then its tags: deleting it deletes every deployment group in it.
    confirm: {
      find: async (id) => {
        if (foreignByName(id, name) !== undefined) return { name: id, tags: [] };
        const found = await findApplication(ctx, id);
        return found && { name: id, tags: await tagsOf(ctx, arns.codeDeployApplication(place(ctx), id)) };
      },
      foreign: (a: { name: string; tags: Array<{ Key?: string; Value?: string }> }) => foreignByName(a.name, name) ?? foreignByTags(ctx, a.tags),
    },
    // DeleteApplication of an application already gone succeeds.
    delete: (id) => ignoringGone(() => ctx.aws.codedeploy.send(new DeleteApplicationCommand({ applicationName: id })), isGroupGone),
  });
}

// ---- deployment groups -------------------------------------------------------------------------

const isGroupGone = (e: unknown) => isAwsError(e, 'ApplicationDoesNotExistException', 'DeploymentGroupDoesNotExistException');

/** The task definition each environment's service runs (undefined: no ACTIVE service), by environment. */
type RunningRevisions = Map<string, string | undefined>;

/**
 * What the services run now, for the revision check. The services step's read of this run is a
 * snapshot from before it changed anything: enough where it shows a service running the revision
 * the state records (nothing to deploy); any other environment is read again, in one call.
 */
async function runningRevisions(ctx: StepContext): Promise<RunningRevisions> {
  const cluster = ctx.state.get(CLUSTER.cluster)?.id;
  const envs = ctx.config.environments.map((e) => e.name);
  const runs = (live: LiveServices, env: string) => {
    const found = live.get(serviceName(ctx.tags.stack, env));
    return found?.status === 'ACTIVE' ? found.taskDefinition : undefined;
  };
  const seen: LiveServices = (await ctx.shared.peek<LiveServices>(servicesReadKey(ctx))) ?? new Map();
  const confirmed = (env: string) => runs(seen, env) !== undefined && runs(seen, env) === ctx.state.get(SERVICES.taskDefinition(env))?.id;
  const unconfirmed = envs.filter((env) => !confirmed(env));
  const again = unconfirmed.length > 0 ? await describeServices(ctx, cluster, unconfirmed) : seen;
  return new Map(envs.map((env) => [env, runs(confirmed(env) ? seen : again, env)]));
}

/** The names CodeDeploy takes in one BatchGetDeploymentGroups. */
const BATCH_LIMIT = 100;

/** The recorded groups of the config's environments, by name: undefined for one AWS no longer has. */
type RecordedGroups = Map<string, DeploymentGroupInfo | undefined>;

/** Every recorded group read in one call (per 100): what AWS does not list is gone. */
async function recordedGroups(ctx: StepContext, application: { id: string; created: boolean }): Promise<RecordedGroups> {
  const app = applicationName(ctx.tags.stack);
  const names = ctx.config.environments.map((e) => ctx.state.get(KEYS.deploymentGroup(e.name))?.id).filter(isKnown);
  const infos = new Map<string, DeploymentGroupInfo>();
  // An application created a moment ago has no groups; one not known yet (a plan) none to read.
  if (!application.created && isKnown(application.id)) {
    for (let i = 0; i < names.length; i += BATCH_LIMIT) {
      const out = await unlessNotFound(
        ctx.aws.codedeploy.send(new BatchGetDeploymentGroupsCommand({ applicationName: app, deploymentGroupNames: names.slice(i, i + BATCH_LIMIT) })),
        'ApplicationDoesNotExistException',
      );
      for (const info of out?.deploymentGroupsInfo ?? []) infos.set(info.deploymentGroupName!, info);
    }
  }
  return new Map(names.map((name) => [name, infos.get(name)]));
}

/** A group as shipline compares it: what CodeDeploy says, and what its service runs. */
interface LiveGroup {
  info: DeploymentGroupInfo;
  /** The task definition its service runs now. */
  running: string | undefined;
}

/** The settings shipline gives a group, as CreateDeploymentGroup takes them. */
export function deploymentGroupSettings(
  config: Config,
  env: string,
  ids: { roleArn: string; cluster: string; productionListener: string; testListener: string },
): CreateDeploymentGroupCommandInput {
  return {
    applicationName: applicationName(config.stack),
    deploymentGroupName: deploymentGroupName(config.stack, env),
    serviceRoleArn: ids.roleArn,
    deploymentConfigName: config.deploy.deploymentConfig,
    deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
    blueGreenDeploymentConfiguration: {
      deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT' },
      terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: config.deploy.terminationWaitMinutes },
    },
    autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE'] },
    ecsServices: [{ clusterName: ids.cluster, serviceName: serviceName(config.stack, env) }],
    loadBalancerInfo: {
      targetGroupPairInfoList: [
        {
          targetGroups: [{ name: targetGroupName(config.stack, env) }, { name: greenTargetGroupName(config.stack, env) }],
          prodTrafficRoute: { listenerArns: [ids.productionListener] },
          testTrafficRoute: { listenerArns: [ids.testListener] },
        },
      ],
    },
  };
}

/** The settings of `want` that `have` does not have, by name. */
export function deploymentGroupDrift(have: DeploymentGroupInfo, want: CreateDeploymentGroupCommandInput): string[] {
  const changes: string[] = [];
  if (have.serviceRoleArn !== want.serviceRoleArn) changes.push('service role');
  if (have.deploymentConfigName !== want.deploymentConfigName) changes.push('deployment config');
  if (have.deploymentStyle?.deploymentType !== 'BLUE_GREEN' || have.deploymentStyle.deploymentOption !== 'WITH_TRAFFIC_CONTROL') changes.push('deployment style');
  const bg = have.blueGreenDeploymentConfiguration;
  const wantBg = want.blueGreenDeploymentConfiguration!;
  if (
    bg?.deploymentReadyOption?.actionOnTimeout !== wantBg.deploymentReadyOption!.actionOnTimeout ||
    bg?.terminateBlueInstancesOnDeploymentSuccess?.action !== 'TERMINATE' ||
    bg.terminateBlueInstancesOnDeploymentSuccess.terminationWaitTimeInMinutes !== wantBg.terminateBlueInstancesOnDeploymentSuccess!.terminationWaitTimeInMinutes
  ) {
    changes.push('blue/green configuration');
  }
  const rollback = have.autoRollbackConfiguration;
  if (rollback?.enabled !== true || !sameSet(rollback.events, want.autoRollbackConfiguration!.events)) changes.push('automatic rollback');
  const service = have.ecsServices?.[0];
  const wantService = want.ecsServices![0]!;
  if ((have.ecsServices?.length ?? 0) !== 1 || service?.serviceName !== wantService.serviceName || clusterOf(service?.clusterName) !== wantService.clusterName) {
    changes.push('ECS service');
  }
  const pair = have.loadBalancerInfo?.targetGroupPairInfoList;
  const wantPair = want.loadBalancerInfo!.targetGroupPairInfoList![0]!;
  if (
    pair?.length !== 1 ||
    !sameSet(pair[0]!.targetGroups?.map((t) => t.name), wantPair.targetGroups!.map((t) => t.name)) ||
    !sameSet(pair[0]!.prodTrafficRoute?.listenerArns, wantPair.prodTrafficRoute!.listenerArns) ||
    !sameSet(pair[0]!.testTrafficRoute?.listenerArns, wantPair.testTrafficRoute!.listenerArns)
  ) {
    changes.push('load balancer');
  }
  return changes;
}

async function findGroup(ctx: StepContext, name: string): Promise<DeploymentGroupInfo | undefined> {
  const out = await unlessNotFound(
    ctx.aws.codedeploy.send(new GetDeploymentGroupCommand({ applicationName: applicationName(ctx.tags.stack), deploymentGroupName: name })),
    'ApplicationDoesNotExistException',
    'DeploymentGroupDoesNotExistException',
  );
  return out?.deploymentGroupInfo;
}

async function ensureDeploymentGroup(
  ctx: StepContext,
  env: string,
  deps: { roleArn: string; application: { id: string; created: boolean }; groups: RecordedGroups; running: RunningRevisions },
): Promise<void> {
  const codedeploy = ctx.aws.codedeploy;
  const name = deploymentGroupName(ctx.tags.stack, env);
  const arn = groupArn(ctx, env);
  const ids = {
    roleArn: deps.roleArn,
    cluster: ctx.state.get(CLUSTER.cluster)?.id ?? KNOWN_AFTER_APPLY,
    productionListener: ctx.state.get(productionListenerKey(ctx.config))?.id ?? KNOWN_AFTER_APPLY,
    testListener: ctx.state.get(ALB.testListener(env))?.id ?? KNOWN_AFTER_APPLY,
  };
  const want = deploymentGroupSettings(ctx.config, env, ids);
  const running = deps.running.get(env);
  const pending = await pendingRevision(ctx, env, running);
  const live = (info: DeploymentGroupInfo): LiveGroup => ({ info, running });
  // A role created seconds ago is refused until IAM has propagated it.
  const whileRoleIsNew = <T>(call: () => Promise<T>) =>
    retryWhile(ctx, `IAM role ${ctx.tags.name(ROLE_PART)} to be usable by CodeDeploy`, ROLE_PROPAGATION_SECONDS, ['InvalidRoleException'], call);

  await ensure<LiveGroup>(ctx, {
    key: KEYS.deploymentGroup(env),
    kind: `CodeDeploy deployment group ${name}`,
    needs: [deps.application.id, ...Object.values(ids), ctx.state.get(SERVICES.service(env))?.id],
    foreignId: (id) => foreignByName(id, name),
    foreign: () => undefined,
    find: async (id) => {
      const info = deps.groups.has(id) ? deps.groups.get(id) : await findGroup(ctx, id);
      return info && live(info);
    },
    findByTags: async () => {
      // An application created a moment ago has no groups: no need to ask.
      if (deps.application.created) return undefined;
      const info = await findGroup(ctx, name);
      return info && live(claim(ctx, 'CodeDeploy deployment group', name, info, await tagsOf(ctx, arn)));
    },
    create: async () => {
      await whileRoleIsNew(() => codedeploy.send(new CreateDeploymentGroupCommand({ ...want, tags: ctx.tags.list(ctx.step, env) })));
      return live(asInfo(want));
    },
    id: (g) => g.info.deploymentGroupName!,
    attributes: () => ({ arn }),
    drift: (g) => [...deploymentGroupDrift(g.info, want), ...(pending !== undefined && g.running !== pending ? ['revision'] : [])],
    update: async (g, changes) => {
      if (changes.some((c) => c !== 'revision')) {
        const { applicationName: app, deploymentGroupName: group, ...settings } = want;
        await whileRoleIsNew(() => codedeploy.send(new UpdateDeploymentGroupCommand({ applicationName: app, currentDeploymentGroupName: group, ...settings })));
      }
      if (changes.includes('revision')) await deployRevision(ctx, env, g.running, pending!);
    },
  });
}

/** A deployment group as CreateDeploymentGroup made it (what GetDeploymentGroup would answer). */
function asInfo(input: CreateDeploymentGroupCommandInput): DeploymentGroupInfo {
  const { autoScalingGroups: _, ...settings } = input;
  return { ...settings, computePlatform: 'ECS' };
}

/**
 * The revision the services step recorded for the environment when the service does not run it:
 * the one provision registered to put back what it owns, to deploy through CodeDeploy. Undefined
 * when there is none, or when its image is not the running one's (the pipeline deployed since).
 */
async function pendingRevision(ctx: StepContext, env: string, running: string | undefined): Promise<string | undefined> {
  const recorded = ctx.state.get(SERVICES.taskDefinition(env));
  if (!isKnown(recorded?.id) || running === undefined || recorded.id === running) return undefined;
  const { taskDefinition } = await ctx.aws.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: running }));
  const image = taskDefinition?.containerDefinitions?.find((c) => c.name === CONTAINER_NAME)?.image;
  if (image === undefined || image !== recorded.image) {
    ctx.log.debug({ env, recorded: recorded.id, running }, 'the service runs another image than the recorded revision: nothing to deploy');
    return undefined;
  }
  return recorded.id;
}

/** The AppSpec of an ECS deployment of `taskDefinition`: the container and port behind the load balancer. */
export function appSpecContent(taskDefinition: string, containerPort: number): string {
  return JSON.stringify({
    version: 0.0,
    Resources: [
      {
        TargetService: {
          Type: 'AWS::ECS::Service',
          Properties: { TaskDefinition: taskDefinition, LoadBalancerInfo: { ContainerName: CONTAINER_NAME, ContainerPort: containerPort } },
        },
      },
    ],
  });
}

/**
 * Deploy `revision` to the environment's service through CodeDeploy, after any deployment already
 * running (a pipeline's, or one a cut-short run started), and wait until production traffic runs it.
 */
async function deployRevision(ctx: StepContext, env: string, running: string | undefined, revision: string): Promise<void> {
  const codedeploy = ctx.aws.codedeploy;
  const app = applicationName(ctx.tags.stack);
  const group = deploymentGroupName(ctx.tags.stack, env);
  const deployments = await activeDeployments(ctx, env);
  for (const id of deployments) await waitForDeployment(ctx, env, id, { rerouted: false });
  if (deployments.length > 0 && (await serviceTaskDefinition(ctx, env)) === revision) return;

  const content = appSpecContent(revision, ctx.config.services.containerPort);
  const { deploymentId } = await codedeploy.send(
    new CreateDeploymentCommand({
      applicationName: app,
      deploymentGroupName: group,
      revision: { revisionType: 'AppSpecContent', appSpecContent: { content, sha256: createHash('sha256').update(content).digest('hex') } },
      description: `shipline provision: ${revision.slice(revision.lastIndexOf('/') + 1)} (the settings provision owns; same image as ${running?.slice(running.lastIndexOf('/') + 1) ?? 'before'})`,
    }),
  );
  ctx.log.info({ env, deployment: deploymentId, taskDefinition: revision }, `deploying ${revision} to ${serviceName(ctx.tags.stack, env)} through CodeDeploy (${deploymentId})`);
  if (!ctx.wait) {
    ctx.log.info({ deployment: deploymentId }, 'not waiting for the CodeDeploy deployment (--no-wait); follow it with `npm run status`');
    return;
  }
  await waitForDeployment(ctx, env, deploymentId!, { rerouted: true });
}

async function serviceTaskDefinition(ctx: StepContext, env: string): Promise<string | undefined> {
  const cluster = ctx.state.get(CLUSTER.cluster)?.id;
  const { services = [] } = await ctx.aws.ecs.send(new DescribeServicesCommand({ cluster, services: [serviceName(ctx.tags.stack, env)] }));
  return services[0]?.taskDefinition;
}

/**
 * Until the deployment ended, or (`rerouted`) production traffic runs on its task set: the wait
 * before the original task set goes is CodeDeploy's, not provision's. A deployment that failed or
 * was stopped is an error naming it and CodeDeploy's reason.
 */
async function waitForDeployment(ctx: StepContext, env: string, id: string, options: { rerouted: boolean }): Promise<DeploymentInfo> {
  const minutes = SHIFT_MINUTES[ctx.config.deploy.deploymentConfig] + (options.rerouted ? 0 : ctx.config.deploy.terminationWaitMinutes);
  const info = await until(ctx, `CodeDeploy deployment ${id} (${env})`, ctx.config.services.stableTimeoutSeconds + minutes * 60, async () => {
    const { deploymentInfo: d } = await ctx.aws.codedeploy.send(new GetDeploymentCommand({ deploymentId: id }));
    const status = d?.status;
    const done = status === 'Succeeded' || status === 'Failed' || status === 'Stopped' || (options.rerouted && d?.instanceTerminationWaitTimeStarted === true);
    return done ? { done: true, value: d! } : { done: false, status: status ?? 'unknown' };
  });
  if (options.rerouted && (info.status === 'Failed' || info.status === 'Stopped')) {
    const reason = info.errorInformation;
    const rollback = info.rollbackInfo?.rollbackDeploymentId ? `; CodeDeploy rolled back with ${info.rollbackInfo.rollbackDeploymentId}` : '';
    throw new AwsCallError(`CodeDeploy deployment ${id} of ${serviceName(ctx.tags.stack, env)}`, reason?.code ?? info.status, `${reason?.message ?? info.status}${rollback}`, {
      hint: 'the service still runs what it ran before; see the deployment in the CodeDeploy console, fix the cause, and run provision again',
    });
  }
  return info;
}

async function deleteDeploymentGroup(ctx: StepContext, env: string): Promise<void> {
  const name = deploymentGroupName(ctx.tags.stack, env);
  await remove(ctx, {
    key: KEYS.deploymentGroup(env),
    kind: `CodeDeploy deployment group ${name}`,
    findByTags: async () => {
      const found = await findGroup(ctx, name);
      return found && ctx.tags.owns(await tagsOf(ctx, groupArn(ctx, env))) ? found : undefined;
    },
    id: (g) => g.deploymentGroupName!,
    confirm: {
      find: async (id) => {
        if (foreignByName(id, name) !== undefined) return { name: id, tags: [] };
        const found = await findGroup(ctx, id);
        return found && { name: id, tags: await tagsOf(ctx, groupArn(ctx, env)) };
      },
      foreign: (g: { name: string; tags: Array<{ Key?: string; Value?: string }> }) => foreignByName(g.name, name) ?? foreignByTags(ctx, g.tags),
    },
    delete: (id) =>
      ignoringGone(
        () => ctx.aws.codedeploy.send(new DeleteDeploymentGroupCommand({ applicationName: applicationName(ctx.tags.stack), deploymentGroupName: id })),
        isGroupGone,
      ),
  });
}

// ---- helpers -----------------------------------------------------------------------------------


/** CodeDeploy answers the cluster as it was given: a name, or an ARN. */
function clusterOf(cluster: string | undefined): string | undefined {
  return cluster?.startsWith('arn:') ? cluster.slice(cluster.lastIndexOf('/') + 1) : cluster;
}
