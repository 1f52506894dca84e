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
//
// The step is split by lifecycle: names.ts (keys, names, ARNs), role.ts (the service role),
// application.ts, groups.ts (the deployment groups), settings.ts (a group's settings, its drift and
// the AppSpec: pure decisions) and deployment.ts (deploying a revision and waiting for it).
import type { Step, StepContext } from '../../src/step';
import { deleteRole } from '../lib/role';
import { deleteApplication, ensureApplication } from './application';
import { deleteDeploymentGroup, ensureDeploymentGroup, recordedGroups, runningRevisions } from './groups';
import { groupEnvironments, KEYS, ROLE_PART } from './names';
import { ensureServiceRole } from './role';

export { applicationName, deploymentGroupName } from '../lib/deployments';
export { KEYS } from './names';
export { appSpecContent, deploymentGroupDrift, deploymentGroupSettings } from './settings';

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
    return [
      { key: 'codedeployApplication', label: 'CodeDeploy application', value: app },
      { key: 'codedeployUrl', label: 'CodeDeploy console', value: console },
    ];
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
