// The codedeploy step's state keys, its derived names and ARNs: shared by every file of the step
// (and read by the pipeline, status and diagram code).
import { GONE, isGone } from '../../src/aws/gone';
import { arns } from '../../src/policies';
import type { StepContext } from '../../src/step';
import { applicationName, deploymentGroupName } from '../lib/deployments';
import { recordedEnvironments } from '../lib/recorded';

export const KEYS = {
  role: 'codedeploy.role',
  application: 'codedeploy.application',
  deploymentGroup: (env: string) => `codedeploy.deploymentGroup.${env}`,
};

export const GROUP_PREFIX = 'codedeploy.deploymentGroup.';
export const ROLE_PART = 'codedeploy';

/** The environments this step recorded a deployment group for. */
export const groupEnvironments = (ctx: StepContext) => recordedEnvironments(ctx, GROUP_PREFIX);
export const place = (ctx: StepContext) => ({ partition: ctx.partition, region: ctx.config.region, account: ctx.accountId });
export const groupArn = (ctx: StepContext, env: string) =>
  arns.codeDeployGroup(place(ctx), applicationName(ctx.tags.stack), deploymentGroupName(ctx.tags.stack, env));

export const isGroupGone = isGone(GONE.codedeploy.deploymentGroup);
