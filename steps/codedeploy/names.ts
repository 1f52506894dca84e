// The codedeploy step's state keys, its derived names and ARNs: shared by every file of the step
// (and read by the pipeline, status and diagram code).
import { ListTagsForResourceCommand } from '@aws-sdk/client-codedeploy';
import { isAwsError } from '../../src/aws/errors';
import { arns } from '../../src/policies';
import type { StepContext } from '../../src/step';
import { applicationName, deploymentGroupName } from '../lib/deployments';

export const KEYS = {
  role: 'codedeploy.role',
  application: 'codedeploy.application',
  deploymentGroup: (env: string) => `codedeploy.deploymentGroup.${env}`,
};

export const GROUP_PREFIX = 'codedeploy.deploymentGroup.';
export const ROLE_PART = 'codedeploy';

/** The environments this step recorded a deployment group for. */
export const groupEnvironments = (ctx: StepContext) => ctx.state.keys(GROUP_PREFIX).map((key) => key.slice(GROUP_PREFIX.length));
export const place = (ctx: StepContext) => ({ partition: ctx.partition, region: ctx.config.region, account: ctx.accountId });
export const groupArn = (ctx: StepContext, env: string) =>
  arns.codeDeployGroup(place(ctx), applicationName(ctx.tags.stack), deploymentGroupName(ctx.tags.stack, env));

export async function tagsOf(ctx: StepContext, arn: string) {
  const { Tags = [] } = await ctx.aws.codedeploy.send(new ListTagsForResourceCommand({ ResourceArn: arn }));
  return Tags;
}

export const isGroupGone = (e: unknown) => isAwsError(e, 'ApplicationDoesNotExistException', 'DeploymentGroupDoesNotExistException');
