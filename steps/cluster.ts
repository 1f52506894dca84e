// The ECS cluster the services run in (Container Insights on or off, as `services.containerInsights`
// says), the role ECS assumes to start their tasks (pull the image, write the logs), and one log
// group per environment, kept for services.logRetentionDays.
import { CreateClusterCommand, DeleteClusterCommand, DescribeClustersCommand, UpdateClusterSettingsCommand, type Cluster, type ClusterSetting } from '@aws-sdk/client-ecs';
import { GONE, isGone } from '../src/aws/gone';
import { retryWhile } from '../src/aws/wait';
import { ecsTaskExecutionPolicy, policyOf, type Place, type PolicyStatement } from '../src/policies';
import { resolveSecret, secretReadStatements } from '../src/secret-refs';
import { settingsOf } from '../src/service-config';
import type { Config } from '../src/config';
import { ensure, ignoringGone, remove } from '../src/reconcile';
import type { Step, StepContext } from '../src/step';
import { claim, foreignByName, foreignByTags, fromEcsTags, tagsNamed, toEcsTags } from './lib/owned';
import { deleteLogGroup, directLogGroups, ensureLogGroup, logGroupPrefix, type LogGroupRef } from './lib/log-group';
import { recordedEnvironments } from './lib/recorded';
import { deleteRole, ensureRole, type RoleSpec } from './lib/role';

export const KEYS = {
  cluster: 'cluster.cluster',
  executionRole: 'cluster.executionRole',
  logGroup: (env: string) => `cluster.logGroup.${env}`,
};

const LOG_GROUP_KEYS = 'cluster.logGroup.';
const EXECUTION_ROLE_PART = 'task-execution';

/** The cluster is named after the stack. */
export const clusterName = (stack: string) => stack;
export const logGroupName = (stack: string, env: string) => `${logGroupPrefix(stack)}${env}`;

export const cluster: Step = {
  name: 'cluster',
  after: [],

  async reconcile(ctx) {
    const groups = logGroups(ctx);
    await ensureCluster(ctx);
    await ensureExecutionRole(ctx);
    for (const env of ctx.config.environments) await ensureLogGroup(ctx, envLogGroup(ctx, env.name), groups);
    // Environments gone from the config: their log groups go too.
    for (const env of recordedEnvironments(ctx, LOG_GROUP_KEYS)) {
      if (!ctx.config.environments.some((e) => e.name === env)) await deleteLogGroup(ctx, envLogGroup(ctx, env), groups);
    }
  },

  outputs(state) {
    const name = state.get(KEYS.cluster)?.id;
    return name ? [{ key: 'cluster', label: 'ECS cluster', value: name }] : [];
  },

  async destroy(ctx) {
    const groups = logGroups(ctx);
    const envs = new Set([...recordedEnvironments(ctx, LOG_GROUP_KEYS), ...ctx.config.environments.map((e) => e.name)]);
    for (const env of envs) await deleteLogGroup(ctx, envLogGroup(ctx, env), groups);
    await deleteRole(ctx, KEYS.executionRole, EXECUTION_ROLE_PART);
    await deleteCluster(ctx);
  },
};

// ---- cluster -----------------------------------------------------------------------------------

/** INACTIVE is a deleted cluster AWS still describes for a while. Its settings come in the same read. */
async function describeCluster(ctx: StepContext, ref: string): Promise<Cluster | undefined> {
  const { clusters = [] } = await ctx.aws.ecs.send(new DescribeClustersCommand({ clusters: [ref], include: ['TAGS', 'SETTINGS'] }));
  return clusters.find((c) => c.status !== 'INACTIVE');
}

/**
 * The cluster's Container Insights setting. Always given, `disabled` included: a cluster created
 * without it takes the account's default (PutAccountSetting), which may be on and cost money.
 * `enhanced` (more metrics, priced per observation) is not what `true` asks for: set back to `enabled`.
 */
const containerInsightsSetting = (config: Pick<Config, 'services'>): ClusterSetting => ({
  name: 'containerInsights',
  value: config.services.containerInsights ? 'enabled' : 'disabled',
});

async function ensureCluster(ctx: StepContext): Promise<void> {
  const name = clusterName(ctx.tags.stack);
  const insights = containerInsightsSetting(ctx.config);
  await ensure<Cluster>(ctx, {
    key: KEYS.cluster,
    kind: `ECS cluster ${name}`,
    foreignId: (id) => foreignByName(id, name),
    foreign: (c) => foreignByTags(ctx, fromEcsTags(c.tags)),
    find: (id) => describeCluster(ctx, id),
    findByTags: async () => {
      const found = await describeCluster(ctx, name);
      return found && claim(ctx, 'ECS cluster', name, found, fromEcsTags(found.tags));
    },
    create: async () => {
      const { cluster: created } = await ctx.aws.ecs.send(new CreateClusterCommand({ clusterName: name, settings: [insights], tags: toEcsTags(tagsNamed(ctx, name)) }));
      return created!;
    },
    id: (c) => c.clusterName!,
    attributes: (c) => ({ arn: c.clusterArn }),
    // A cluster that reports no such setting has it off.
    drift: (c) => ((c.settings?.find((s) => s.name === insights.name)?.value ?? 'disabled') === insights.value ? [] : ['containerInsights']),
    update: async (c) => {
      await ctx.aws.ecs.send(new UpdateClusterSettingsCommand({ cluster: c.clusterName, settings: [insights] }));
    },
  });
}

async function deleteCluster(ctx: StepContext): Promise<void> {
  const name = clusterName(ctx.tags.stack);
  await remove(ctx, {
    key: KEYS.cluster,
    kind: `ECS cluster ${name}`,
    findByTags: async () => {
      const found = await describeCluster(ctx, name);
      return found && ctx.tags.owns(fromEcsTags(found.tags)) ? found : undefined;
    },
    id: (c) => c.clusterName!,
    confirm: {
      find: async (id) => (foreignByName(id, name) !== undefined ? ({ clusterName: id } as Cluster) : describeCluster(ctx, id)),
      foreign: (c) => foreignByName(c.clusterName!, name) ?? foreignByTags(ctx, fromEcsTags(c.tags)),
    },
    // The services step deletes the services first, but a draining one lingers for a moment.
    delete: (id) =>
      retryWhile(ctx, `the services of ECS cluster ${id} to drain`, 600, ['ClusterContainsServicesException', 'ClusterContainsTasksException'], () =>
        ignoringGone(() => ctx.aws.ecs.send(new DeleteClusterCommand({ cluster: id })), isGone(GONE.ecs.cluster)),
      ),
  });
}

// ---- task execution role ---------------------------------------------------------------------

/** The inline policy through which the execution role reads the environments' `secrets`. */
const SECRETS_POLICY = 'secrets';

/**
 * What the execution role needs to read every environment's `secrets` when a task starts
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-secrets-manager.html,
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-ssm-paramstore.html):
 * one role serves every environment, so it reads the union of their references, each named.
 */
export function executionSecretStatements(config: Pick<Config, 'services' | 'environments'>, place: Place): PolicyStatement[] {
  const references = config.environments.flatMap((env) => Object.values(settingsOf(config, env).secrets));
  return secretReadStatements(references.map((ref) => resolveSecret(place, ref)), config.services.secretsKmsKeyArn);
}

/** The tasks' execution role: ECS assumes it to pull the image and write the logs (AWS's managed policy), and to read the secrets. */
export function executionRoleSpec(stack: string, partition: string, secretStatements: readonly PolicyStatement[] = []): RoleSpec {
  return {
    key: KEYS.executionRole,
    part: EXECUTION_ROLE_PART,
    description: `shipline ${stack}: lets ECS pull the images and write the logs of the stack's tasks`,
    trust: 'ecs-tasks.amazonaws.com',
    managedPolicies: [ecsTaskExecutionPolicy(partition)],
    inlinePolicies: secretStatements.length > 0 ? { [SECRETS_POLICY]: policyOf(secretStatements) } : {},
  };
}

async function ensureExecutionRole(ctx: StepContext): Promise<void> {
  const place = { partition: ctx.partition, region: ctx.config.region, account: ctx.accountId };
  await ensureRole(ctx, executionRoleSpec(ctx.tags.stack, ctx.partition, executionSecretStatements(ctx.config, place)));
}

// ---- log groups --------------------------------------------------------------------------------

/** The direct read of the environments' groups: one listing of the stack's prefix serves them all. */
const logGroups = (ctx: StepContext) => directLogGroups(ctx, logGroupPrefix(ctx.tags.stack));

const envLogGroup = (ctx: StepContext, env: string): LogGroupRef => ({ key: KEYS.logGroup(env), name: logGroupName(ctx.tags.stack, env) });
