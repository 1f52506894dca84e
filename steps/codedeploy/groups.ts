// The deployment groups, one per environment `<stack>-<env>`: blue/green with traffic control,
// production traffic rerouted as soon as the replacement task set is ready, automatic rollback. A
// re-run reads the recorded groups in one BatchGetDeploymentGroups, and what the services run from
// the services step's read of this run where that confirms there is nothing to deploy.
import {
  BatchGetDeploymentGroupsCommand,
  CreateDeploymentGroupCommand,
  DeleteDeploymentGroupCommand,
  GetDeploymentGroupCommand,
  UpdateDeploymentGroupCommand,
  type DeploymentGroupInfo,
} from '@aws-sdk/client-codedeploy';
import { GONE } from '../../src/aws/gone';
import { unlessNotFound } from '../../src/aws/errors';
import { retryWhile } from '../../src/aws/wait';
import { ensure, ignoringGone, remove } from '../../src/reconcile';
import { isKnown, KNOWN_AFTER_APPLY, type StepContext } from '../../src/step';
import { KEYS as ALB, productionListenerKey } from '../alb';
import { KEYS as CLUSTER } from '../cluster';
import { applicationName, deploymentGroupName } from '../lib/deployments';
import { codeDeployTags } from '../lib/resource-tags';
import { claim, foreignByName, foreignByTags } from '../lib/owned';
import { describeServices, KEYS as SERVICES, serviceName, servicesReadKey, type LiveServices } from '../services';
import { deployRevision, pendingRevision } from './deployment';
import { groupArn, isGroupGone, KEYS, ROLE_PART } from './names';
import { asInfo, deploymentGroupDrift, deploymentGroupSettings } from './settings';

const ROLE_PROPAGATION_SECONDS = 120;

/** The task definition each environment's service runs (undefined: no ACTIVE service), by environment. */
export type RunningRevisions = Map<string, string | undefined>;

/**
 * What the services run now, for the revision check. The services step's read of this run is a
 * snapshot from before it changed anything: enough where it shows a service running the revision
 * the state records (nothing to deploy); any other environment is read again, in one call.
 */
export async function runningRevisions(ctx: StepContext): Promise<RunningRevisions> {
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
export async function recordedGroups(ctx: StepContext, application: { id: string; created: boolean }): Promise<RecordedGroups> {
  const app = applicationName(ctx.tags.stack);
  const names = ctx.config.environments.map((e) => ctx.state.get(KEYS.deploymentGroup(e.name))?.id).filter(isKnown);
  const infos = new Map<string, DeploymentGroupInfo>();
  // An application created a moment ago has no groups; one not known yet (a plan) none to read.
  if (!application.created && isKnown(application.id)) {
    for (let i = 0; i < names.length; i += BATCH_LIMIT) {
      const out = await unlessNotFound(
        ctx.aws.codedeploy.send(new BatchGetDeploymentGroupsCommand({ applicationName: app, deploymentGroupNames: names.slice(i, i + BATCH_LIMIT) })),
        ...GONE.codedeploy.application,
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

async function findGroup(ctx: StepContext, name: string): Promise<DeploymentGroupInfo | undefined> {
  const out = await unlessNotFound(
    ctx.aws.codedeploy.send(new GetDeploymentGroupCommand({ applicationName: applicationName(ctx.tags.stack), deploymentGroupName: name })),
    ...GONE.codedeploy.deploymentGroup,
  );
  return out?.deploymentGroupInfo;
}

export async function ensureDeploymentGroup(
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
      return info && live(claim(ctx, 'CodeDeploy deployment group', name, info, await codeDeployTags(ctx, arn)));
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

export async function deleteDeploymentGroup(ctx: StepContext, env: string): Promise<void> {
  const name = deploymentGroupName(ctx.tags.stack, env);
  await remove(ctx, {
    key: KEYS.deploymentGroup(env),
    kind: `CodeDeploy deployment group ${name}`,
    findByTags: async () => {
      const found = await findGroup(ctx, name);
      return found && ctx.tags.owns(await codeDeployTags(ctx, groupArn(ctx, env))) ? found : undefined;
    },
    id: (g) => g.deploymentGroupName!,
    confirm: {
      find: async (id) => {
        if (foreignByName(id, name) !== undefined) return { name: id, tags: [] };
        const found = await findGroup(ctx, id);
        return found && { name: id, tags: await codeDeployTags(ctx, groupArn(ctx, env)) };
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
