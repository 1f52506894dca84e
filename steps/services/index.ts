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
import type { EnvironmentConfig } from '../../src/config';
import type { Step, StepContext } from '../../src/step';
import { KEYS as ALB } from '../alb';
import { clusterName } from '../cluster';
import { recordedEnvironments } from '../lib/recorded';
import { deleteSecurityGroup, ensureSecurityGroup } from '../lib/security-group';
import { vpcIdOf } from '../network';
import { KEYS, securityGroupPart, serviceName, type EnsuredService, type LiveServices } from './names';
import { checkSecretReferences } from './secret-check';
import { checkTaskRoleStatements, deleteTaskRoles, deleteUnwantedTaskRoles, ensureTaskRoles, taskRoleChoice } from './task-role';
import { clusterRef, describeServices, lazyServices, ourService, servicesReadKey } from './live';
import { checkDeploymentControllers } from './controller';
import { deleteTaskDefinitions, ensureTaskDefinition } from './task-definition';
import { deleteService, ensureService, waitForStable } from './service';
import { deleteAutoscaling, ensureAutoscaling } from './autoscaling';
import { scalingTargets } from './autoscaling-settings';

export { CONTAINER_NAME, controllerFor, KEYS, serviceName, taskFamily, type LiveServices } from './names';
export { describeServices, servicesReadKey } from './live';
export { taskDefinitionFingerprint } from './task-definition';
export { taskRoleArns, wantedTaskRoles } from './task-role';
export { scalingTargets } from './autoscaling-settings';

/** The key prefixes of what this step records per environment (`services.service.` …). */
const RECORD_PREFIXES = Object.values(KEYS).map((key) => key(''));

export const services: Step = {
  name: 'services',
  after: ['alb', 'cluster', 'nat'],
  // Tasks pull their image through the NAT; draining ones need nothing from it.
  createOnlyAfter: ['nat'],

  /**
   * Before any step changed anything: refuse a strategy switch ECS cannot make in place, task role
   * statements IAM would refuse, and secrets that name nothing.
   */
  async preflight(ctx) {
    checkTaskRoleStatements(ctx);
    await Promise.all([checkDeploymentControllers(ctx), checkSecretReferences(ctx)]);
  },

  async reconcile(ctx) {
    const envs = ctx.config.environments;
    const live = await describeServices(ctx, clusterRef(ctx), envs.map((e) => e.name));
    // Offered to the codedeploy step, which takes it only to confirm a service runs the recorded revision.
    ctx.shared.offer(servicesReadKey(ctx), live);
    // A same-named service of someone else stops the step before any environment changes anything.
    for (const env of envs) ourService(ctx, env.name, live);
    // The roles the task definitions name come first.
    await ensureTaskRoles(ctx);
    // Environments are independent: reconciled side by side (their security groups read in one call).
    const ensured = await forEachEnvironment(envs, (env) => ensureEnvironment(ctx, env, live));
    await deleteDroppedEnvironments(ctx);
    await deleteUnwantedTaskRoles(ctx);
    await waitForStable(ctx, ensured);
  },

  outputs(state, config) {
    // The role each environment's tasks run as: the shared one or its own.
    const taskRoles = config.environments.flatMap((env) => {
      const choice = taskRoleChoice(config, env);
      const arn = choice.kind === 'none' ? undefined : state.get(choice.key)?.arn;
      return arn ? [{ key: `taskRole.${env.name}`, label: `Task role (${env.name})`, value: arn }] : [];
    });
    const services = config.environments.flatMap((env) => {
      const rec = state.get(KEYS.service(env.name));
      const scaling = env.autoscaling;
      return [
        ...(rec?.id ? [{ key: `service.${env.name}`, label: `ECS service (${env.name})`, value: rec.name ?? serviceName(config.stack, env.name) }] : []),
        ...(scaling && state.get(KEYS.scalableTarget(env.name))?.id
          ? [{ key: `autoscaling.${env.name}`, label: `Autoscaling (${env.name})`, value: `${scaling.min}–${scaling.max} tasks (${scalingTargets(scaling)})` }]
          : []),
      ];
    });
    return [...services, ...taskRoles];
  },

  async destroy(ctx) {
    // With a lost state, the services named after the config's environments that carry the stack's tag.
    const envs = [...new Set([...recordedEnvironments(ctx, ...RECORD_PREFIXES), ...ctx.config.environments.map((e) => e.name)])];
    const live = lazyServices(ctx, clusterRef(ctx) ?? clusterName(ctx.tags.stack), envs);
    await forEachEnvironment(envs, (env) => deleteEnvironment(ctx, env, live));
    await deleteTaskRoles(ctx);
  },
};

/** An environment's security group and task definition, then its service, which runs on both, then its autoscaling. */
async function ensureEnvironment(ctx: StepContext, env: EnvironmentConfig, live: LiveServices): Promise<EnsuredService> {
  const securityGroup = await ensureServiceSecurityGroup(ctx, env.name);
  const taskDefinition = await ensureTaskDefinition(ctx, env, live);
  const service = await ensureService(ctx, env, { securityGroup, taskDefinition, live });
  await ensureAutoscaling(ctx, env);
  return service;
}

/** Environments gone from the config: their service, then its task definitions, then its security group. */
async function deleteDroppedEnvironments(ctx: StepContext): Promise<void> {
  const dropped = recordedEnvironments(ctx, ...RECORD_PREFIXES).filter((env) => !ctx.config.environments.some((e) => e.name === env));
  // Read only if a record lacks its ID (a create cut short): the service is then found by name and tag.
  const live = lazyServices(ctx, clusterRef(ctx), dropped);
  await forEachEnvironment(dropped, (env) => deleteEnvironment(ctx, env, live));
}

// ---- security group ----------------------------------------------------------------------------

async function ensureServiceSecurityGroup(ctx: StepContext, env: string): Promise<string> {
  const port = ctx.config.services.containerPort;
  const { id } = await ensureSecurityGroup(ctx, {
    key: KEYS.securityGroup(env),
    part: securityGroupPart(env),
    vpcId: vpcIdOf(ctx),
    description: `shipline ${ctx.tags.stack}: ${env} tasks, port ${port} from the load balancer only`,
    ingress: [{ protocol: 'tcp', fromPort: port, toPort: port, groupId: ctx.state.get(ALB.securityGroup)?.id, description: 'from the load balancer' }],
    // Default egress: tasks pull their image and reach the internet through the NAT.
  });
  return id;
}

// ---- removal -----------------------------------------------------------------------------------

/** An environment's autoscaling, its service, then its task definitions, then its security group. */
async function deleteEnvironment(ctx: StepContext, env: string, live: () => Promise<LiveServices>): Promise<void> {
  await deleteAutoscaling(ctx, env, { onlyRecorded: false });
  await deleteService(ctx, env, live);
  await deleteTaskDefinitions(ctx, env);
  await deleteSecurityGroup(ctx, KEYS.securityGroup(env), securityGroupPart(env), vpcIdOf(ctx));
}


async function forEachEnvironment<E, R>(envs: readonly E[], fn: (env: E) => Promise<R>): Promise<R[]> {
  const results = await Promise.allSettled(envs.map(fn));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<R>).value);
}
