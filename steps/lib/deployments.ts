// CodeDeploy names and "is a deployment running", shared by the codedeploy step (which deploys)
// and the alb step (which leaves the routes alone while CodeDeploy moves traffic).
import { paginateListDeployments, type DeploymentStatus } from '@aws-sdk/client-codedeploy';
import { GONE } from '../../src/aws/gone';
import { unlessNotFound } from '../../src/aws/errors';
import { allItems } from '../../src/aws/pages';
import type { StepContext } from '../../src/step';

/** The application is named after the stack; each environment's group `<stack>-<env>`. */
export const applicationName = (stack: string) => stack;
export const deploymentGroupName = (stack: string, env: string) => `${stack}-${env}`;

/** Deployments CodeDeploy has not finished: a new one is refused while one of these runs. */
export const ACTIVE: DeploymentStatus[] = ['Created', 'Queued', 'InProgress', 'Ready', 'Baking'];

/** The IDs of the environment's deployments that have not finished (every page); none when it has no group (yet). */
export async function activeDeployments(ctx: StepContext, env: string): Promise<string[]> {
  const pages = paginateListDeployments(
    { client: ctx.aws.codedeploy },
    { applicationName: applicationName(ctx.tags.stack), deploymentGroupName: deploymentGroupName(ctx.tags.stack, env), includeOnlyStatuses: ACTIVE },
  );
  const ids = await unlessNotFound(
    allItems(pages, (page) => page.deployments),
    ...GONE.codedeploy.deploymentGroup,
  );
  return ids ?? [];
}
