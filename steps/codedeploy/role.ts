// The service role CodeDeploy assumes to run the blue/green deployments (AWSCodeDeployRoleForECSLimited).
import { codeDeployForEcsPolicy, PRINCIPALS } from '../../src/policies';
import { KNOWN_AFTER_APPLY, type StepContext } from '../../src/step';
import { ensureRole } from '../lib/role';
import { KEYS, ROLE_PART } from './names';

export async function ensureServiceRole(ctx: StepContext): Promise<string> {
  const role = await ensureRole(ctx, {
    key: KEYS.role,
    part: ROLE_PART,
    description: `shipline ${ctx.tags.stack}: lets CodeDeploy run the blue/green deployments of the stack's ECS services`,
    trust: PRINCIPALS.codedeploy,
    managedPolicies: [codeDeployForEcsPolicy(ctx.partition)],
  });
  return role.resource?.role.Arn ?? KNOWN_AFTER_APPLY;
}
