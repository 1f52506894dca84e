// Service roles for the sandbox's model tests: the sandbox evaluates a role's policies before it
// does a service's work on the role's behalf (src/sandbox/models/service-work.ts), so the roles these
// tests name must exist and allow that work. The enforcement itself is tested in
// test/sandbox-service-work.test.ts; here a role gets exactly the actions of the work it does.
import type { Sandbox } from '../../src/sandbox/sandbox';
import { SERVICE_WORK, type ServiceWorkName } from '../../src/sandbox/models/service-work';

const TRUST: Record<string, string> = {
  ecs: 'ecs-tasks.amazonaws.com',
  pipeline: 'codepipeline.amazonaws.com',
  build: 'codebuild.amazonaws.com',
  codedeploy: 'codedeploy.amazonaws.com',
};

const EVERY_PARAM = {
  connectionArn: 'arn:aws:codestar-connections:eu-west-3:123456789012:connection/x',
  bucket: 'b',
  pipeline: 'p',
  projectName: 'p',
  cluster: 'c',
  service: 's',
  executionRoleArn: 'arn:aws:iam::123456789012:role/x',
  application: 'a',
  group: 'g',
  config: 'c',
  logGroup: 'l',
  buildId: 'p:b',
  repository: 'r',
  repositories: ['r'],
  logGroups: ['l'],
  taskId: 't',
  taskRoleArn: 'arn:aws:iam::123456789012:role/t',
  parameterArns: ['arn:aws:ssm:eu-west-3:123456789012:parameter/p'],
  secretArns: ['arn:aws:secretsmanager:eu-west-3:123456789012:secret:s-AbCdEf'],
  listenerArns: ['arn:aws:elasticloadbalancing:eu-west-3:123456789012:listener/app/x/y/z'],
};

/** Every IAM action the given work can ask of its role. */
export function actionsOfWork(works: readonly ServiceWorkName[]): string[] {
  const place = { account: '123456789012', region: 'eu-west-3', partition: 'aws' };
  const actions = works.flatMap((work) => (SERVICE_WORK[work].needs as (p: typeof EVERY_PARAM, pl: typeof place) => Array<{ action: string }>)(EVERY_PARAM, place).map((r) => r.action));
  return [...new Set(actions)].sort();
}

/** Make `roleName` (if missing) trusting `trust`'s service, allowed the actions of `works` on every resource. */
export function allowServiceWork(sandbox: Sandbox, roleName: string, trust: keyof typeof TRUST, works: readonly ServiceWorkName[]): string {
  const document = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: TRUST[trust] }, Action: 'sts:AssumeRole' }] });
  const existing = sandbox.iam.policyDocumentsOf(`arn:aws:iam::${sandbox.world.account}:role/${roleName}`);
  if (!existing) sandbox.iam.createRole({ RoleName: roleName, AssumeRolePolicyDocument: document });
  sandbox.iam.putRolePolicy({
    RoleName: roleName,
    PolicyName: `test-${works.join('-')}`,
    PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actionsOfWork(works), Resource: '*' }] }),
  });
  return `arn:aws:iam::${sandbox.world.account}:role/${roleName}`;
}

/** A task execution role as shipline makes it (once): AWS's AmazonECSTaskExecutionRolePolicy attached. */
export function executionRole(sandbox: Sandbox, roleName = 'demo-exec'): string {
  const document = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: TRUST.ecs }, Action: 'sts:AssumeRole' }] });
  const arn = `arn:aws:iam::${sandbox.world.account}:role/${roleName}`;
  if (sandbox.iam.policyDocumentsOf(arn)) return arn;
  sandbox.iam.createRole({ RoleName: roleName, AssumeRolePolicyDocument: document });
  sandbox.iam.attachRolePolicy({ RoleName: roleName, PolicyArn: 'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy' });
  return `arn:aws:iam::${sandbox.world.account}:role/${roleName}`;
}
