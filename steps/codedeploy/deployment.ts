// Deploying a revision through CodeDeploy: a CODE_DEPLOY service's task definition only changes
// through a deployment. When what provision owns in it drifted, the services step registers the new
// revision (same image) and records it; the group's update deploys that revision and waits until
// production traffic runs on it. Never an older image: a recorded revision whose image is not the
// running one's (the pipeline deployed since) is left alone.
import { CreateDeploymentCommand, GetDeploymentCommand, type DeploymentInfo } from '@aws-sdk/client-codedeploy';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { createHash } from 'node:crypto';
import { until } from '../../src/aws/wait';
import type { Config } from '../../src/config';
import { AwsCallError } from '../../src/errors';
import { isKnown, type StepContext } from '../../src/step';
import { KEYS as CLUSTER } from '../cluster';
import { activeDeployments, applicationName, deploymentGroupName } from '../lib/deployments';
import { CONTAINER_NAME, KEYS as SERVICES, serviceName } from '../services';
import { appSpecContent } from './settings';

/** How long a predefined configuration takes to move all traffic, in minutes. */
const SHIFT_MINUTES: Record<Config['deploy']['deploymentConfig'], number> = {
  'CodeDeployDefault.ECSAllAtOnce': 0,
  'CodeDeployDefault.ECSLinear10PercentEvery1Minutes': 10,
  'CodeDeployDefault.ECSLinear10PercentEvery3Minutes': 30,
  'CodeDeployDefault.ECSCanary10Percent5Minutes': 5,
  'CodeDeployDefault.ECSCanary10Percent15Minutes': 15,
};

/**
 * The revision the services step recorded for the environment when the service does not run it:
 * the one provision registered to put back what it owns, to deploy through CodeDeploy. Undefined
 * when there is none, or when its image is not the running one's (the pipeline deployed since).
 */
export async function pendingRevision(ctx: StepContext, env: string, running: string | undefined): Promise<string | undefined> {
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

/**
 * Deploy `revision` to the environment's service through CodeDeploy, after any deployment already
 * running (a pipeline's, or one a cut-short run started), and wait until production traffic runs it.
 */
export async function deployRevision(ctx: StepContext, env: string, running: string | undefined, revision: string): Promise<void> {
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
