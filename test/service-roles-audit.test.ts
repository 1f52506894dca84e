// The audit of issue 11, point 2: every service role shipline makes allows all the work AWS
// documents for what its service does with it (src/sandbox/models/service-work.ts, one row per piece of
// work with its AWS page), evaluated as IAM evaluates it (src/sandbox/models/iam-policy.ts), and the
// CodeDeploy role uses AWSCodeDeployRoleForECSLimited, not the broad AWSCodeDeployRoleForECS.
import { codeBuildPolicy, codeDeployForEcsPolicy, codePipelinePolicy, ecsTaskExecutionPolicy, arns, type PolicyDocument } from '../src/policies';
import { AWS_MANAGED_POLICIES } from '../src/sandbox/models/iam-managed-policies';
import { evaluate, firstDenied } from '../src/sandbox/models/iam-policy';
import { SERVICE_WORK } from '../src/sandbox/models/service-work';

const PLACE = { region: 'eu-west-3', account: '123456789012', partition: 'aws' };
const EXECUTION_ROLE_POLICY = ecsTaskExecutionPolicy(PLACE.partition);
const BUCKET = 'demo-artifacts-123456789012-eu-west-3';
const CONNECTION = `arn:aws:codestar-connections:eu-west-3:${PLACE.account}:connection/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0`;
const EXECUTION_ROLE = `arn:aws:iam::${PLACE.account}:role/shipline/demo-task-execution`;
const ENVS = ['dev', 'prod'];

const pipelineInput = {
  bucketArn: arns.bucket(PLACE, BUCKET),
  connectionArn: CONNECTION,
  projectArn: arns.codeBuildProject(PLACE, 'demo-build'),
  serviceArns: ENVS.map((env) => arns.ecsService(PLACE, 'demo', `demo-${env}`)),
  taskDefinitionArns: ENVS.map((env) => arns.taskDefinitionFamily(PLACE, `demo-${env}`)),
  executionRoleArn: EXECUTION_ROLE,
};
const ROLLING_PIPELINE = codePipelinePolicy(pipelineInput);
const BLUE_GREEN_PIPELINE = codePipelinePolicy({
  ...pipelineInput,
  serviceArns: [],
  codeDeploy: {
    applicationArn: arns.codeDeployApplication(PLACE, 'demo'),
    deploymentGroupArns: ENVS.map((env) => arns.codeDeployGroup(PLACE, 'demo', `demo-${env}`)),
    deploymentConfigArn: arns.codeDeployConfig(PLACE, 'CodeDeployDefault.ECSAllAtOnce'),
  },
});
const BUILD = codeBuildPolicy({ logGroupArn: arns.logGroup(PLACE, '/shipline/demo/build'), bucketArn: arns.bucket(PLACE, BUCKET), repositoryArn: arns.repository(PLACE, 'demo') });
const managed = (arn: string): PolicyDocument => {
  const document = AWS_MANAGED_POLICIES[arn]?.document;
  if (!document) throw new Error(`no document for ${arn}`);
  return document;
};

/** Each role's policies, and the work its service does with it (params as shipline's stack `demo` has them). */
const AUDIT: Array<[role: string, documents: PolicyDocument[], requests: ReturnType<(typeof SERVICE_WORK)[keyof typeof SERVICE_WORK]['needs']>]> = [
  ['pipeline (rolling): source', [ROLLING_PIPELINE], SERVICE_WORK.pipelineSource.needs({ connectionArn: CONNECTION, bucket: BUCKET, pipeline: 'demo' }, PLACE)],
  ['pipeline (rolling): build', [ROLLING_PIPELINE], SERVICE_WORK.pipelineBuild.needs({ projectName: 'demo-build' }, PLACE)],
  ...ENVS.map((env): (typeof AUDIT)[number] => [
    `pipeline (rolling): ECS deploy ${env}`,
    [ROLLING_PIPELINE],
    SERVICE_WORK.pipelineEcsDeploy.needs({ cluster: 'demo', service: `demo-${env}`, executionRoleArn: EXECUTION_ROLE }, PLACE),
  ]),
  ['pipeline (blue/green): source', [BLUE_GREEN_PIPELINE], SERVICE_WORK.pipelineSource.needs({ connectionArn: CONNECTION, bucket: BUCKET, pipeline: 'demo' }, PLACE)],
  ...ENVS.map((env): (typeof AUDIT)[number] => [
    `pipeline (blue/green): CodeDeployToECS ${env}`,
    [BLUE_GREEN_PIPELINE],
    SERVICE_WORK.pipelineCodeDeployToEcs.needs({ application: 'demo', group: `demo-${env}`, config: 'CodeDeployDefault.ECSAllAtOnce', executionRoleArn: EXECUTION_ROLE }, PLACE),
  ]),
  ['build', [BUILD], SERVICE_WORK.codeBuildBuild.needs({ logGroup: '/shipline/demo/build', buildId: 'demo-build:0a1b', bucket: BUCKET, repository: 'demo' }, PLACE)],
  ['task execution', [managed(EXECUTION_ROLE_POLICY)], SERVICE_WORK.ecsTaskStart.needs({ repositories: ['demo'], logGroups: ['/shipline/demo/dev'], taskId: '0a1b' }, PLACE)],
  [
    'codedeploy',
    [managed(codeDeployForEcsPolicy('aws'))],
    SERVICE_WORK.codeDeployEcsBlueGreen.needs(
      { cluster: 'demo', service: 'demo-prod', listenerArns: [`arn:aws:elasticloadbalancing:eu-west-3:${PLACE.account}:listener/app/demo/0a/1b`], executionRoleArn: EXECUTION_ROLE },
      PLACE,
    ),
  ],
];

describe('each service role shipline makes', () => {
  it.each(AUDIT)('%s: its policies allow every request of the work', (_role, documents, requests) => {
    expect(requests.length).toBeGreaterThan(0);
    expect(firstDenied(documents, requests)).toBeUndefined();
  });

  it('the pipeline role allows the ECS deploy action to follow its tasks (ecs:DescribeTasks, ecs:ListTasks)', () => {
    const task = `arn:aws:ecs:eu-west-3:${PLACE.account}:task/demo/0123456789abcdef0123456789abcdef`;
    expect(evaluate([ROLLING_PIPELINE], { action: 'ecs:DescribeTasks', resource: task })).toBe('Allow');
    expect(evaluate([ROLLING_PIPELINE], { action: 'ecs:ListTasks', resource: '*' })).toBe('Allow');
    // Tasks of another cluster stay out of reach.
    expect(evaluate([ROLLING_PIPELINE], { action: 'ecs:DescribeTasks', resource: task.replace('/demo/', '/other/') })).toBe('ImplicitDeny');
  });

  it('the CodeDeploy role is AWSCodeDeployRoleForECSLimited: no S3 read on every bucket, no Lambda or SNS on *', () => {
    expect(codeDeployForEcsPolicy('aws')).toBe('arn:aws:iam::aws:policy/AWSCodeDeployRoleForECSLimited');
    const limited = [managed(codeDeployForEcsPolicy('aws'))];
    expect(evaluate(limited, { action: 's3:GetObject', resource: `arn:aws:s3:::${BUCKET}/anything` })).toBe('ImplicitDeny');
    expect(evaluate(limited, { action: 'lambda:InvokeFunction', resource: `arn:aws:lambda:eu-west-3:${PLACE.account}:function:anything` })).toBe('ImplicitDeny');
    expect(evaluate(limited, { action: 'sns:Publish', resource: `arn:aws:sns:eu-west-3:${PLACE.account}:anything` })).toBe('ImplicitDeny');
    const broad = [managed('arn:aws:iam::aws:policy/AWSCodeDeployRoleForECS')];
    expect(evaluate(broad, { action: 's3:GetObject', resource: `arn:aws:s3:::${BUCKET}/anything` })).toBe('Allow');
  });

  it('each row of the work table cites an AWS page', () => {
    for (const row of Object.values(SERVICE_WORK)) expect(row.page).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
  });
});
