// Each IAM policy document shipline writes, statement by statement, with its ARNs written out:
// a permission widened, dropped or moved to another resource fails here even when the code and an
// imported list change together (issue 17). test/policies.test.ts checks the rules every document
// follows; this file pins what each one says.
import {
  arns,
  codeBuildPolicy,
  codePipelinePolicy,
  connectionArns,
  ecsExecPolicy,
  policyOf,
  sourceAccountCondition,
  trustPolicy,
  type CodePipelinePolicyInput,
  type PolicyStatement,
} from '../src/policies';

const A = '123456789012';
const PLACE = { partition: 'aws', region: 'eu-west-3', account: A };
const LOG_GROUP = `arn:aws:logs:eu-west-3:${A}:log-group:/shipline/demo/build`;
const BUCKET = 'arn:aws:s3:::demo-artifacts-123456789012-eu-west-3';
const REPOSITORY = `arn:aws:ecr:eu-west-3:${A}:repository/demo`;
const CONNECTION = `arn:aws:codestar-connections:eu-west-3:${A}:connection/c0ffee`;
const PROJECT = `arn:aws:codebuild:eu-west-3:${A}:project/demo-build`;
const MARK_PROJECT = `arn:aws:codebuild:eu-west-3:${A}:project/demo-mark`;
const SERVICES = [`arn:aws:ecs:eu-west-3:${A}:service/demo/demo-dev`, `arn:aws:ecs:eu-west-3:${A}:service/demo/demo-prod`];
const FAMILIES = [`arn:aws:ecs:eu-west-3:${A}:task-definition/demo-dev:*`, `arn:aws:ecs:eu-west-3:${A}:task-definition/demo-prod:*`];
const EXECUTION_ROLE = `arn:aws:iam::${A}:role/shipline/demo-task-execution`;
const TASK_ROLE = `arn:aws:iam::${A}:role/shipline/demo-dev-task`;
const APPLICATION = `arn:aws:codedeploy:eu-west-3:${A}:application:demo`;
const GROUPS = [`arn:aws:codedeploy:eu-west-3:${A}:deploymentgroup:demo/demo-dev`, `arn:aws:codedeploy:eu-west-3:${A}:deploymentgroup:demo/demo-prod`];
const DEPLOYMENT_CONFIG = `arn:aws:codedeploy:eu-west-3:${A}:deploymentconfig:CodeDeployDefault.ECSAllAtOnce`;

describe('the ARNs shipline derives from names', () => {
  it('are spelled as IAM matches them, in the place given', () => {
    expect(arns.logGroup(PLACE, '/shipline/demo/build')).toBe(LOG_GROUP);
    expect(arns.bucket(PLACE, 'demo-artifacts-123456789012-eu-west-3')).toBe(BUCKET);
    expect(arns.repository(PLACE, 'demo')).toBe(REPOSITORY);
    expect(arns.codeBuildProject(PLACE, 'demo-build')).toBe(PROJECT);
    expect(arns.pipeline(PLACE, 'demo')).toBe(`arn:aws:codepipeline:eu-west-3:${A}:demo`);
    expect(arns.ecsService(PLACE, 'demo', 'demo-dev')).toBe(SERVICES[0]);
    expect(arns.taskDefinitionFamily(PLACE, 'demo-dev')).toBe(FAMILIES[0]);
    expect(arns.codeDeployApplication(PLACE, 'demo')).toBe(APPLICATION);
    expect(arns.codeDeployGroup(PLACE, 'demo', 'demo-dev')).toBe(GROUPS[0]);
    expect(arns.codeDeployConfig(PLACE, 'CodeDeployDefault.ECSAllAtOnce')).toBe(DEPLOYMENT_CONFIG);
  });

  it('carry the partition, region and account they are given', () => {
    const gov = { partition: 'aws-us-gov', region: 'us-gov-west-1', account: '210987654321' };
    expect(arns.repository(gov, 'r')).toBe('arn:aws-us-gov:ecr:us-gov-west-1:210987654321:repository/r');
    expect(arns.bucket(gov, 'b')).toBe('arn:aws-us-gov:s3:::b');
  });
});

describe('connectionArns', () => {
  it('adds the codeconnections spelling to a codestar-connections ARN, and the other way round', () => {
    expect(connectionArns(CONNECTION)).toEqual([CONNECTION, `arn:aws:codeconnections:eu-west-3:${A}:connection/c0ffee`]);
    expect(connectionArns(`arn:aws:codeconnections:eu-west-3:${A}:connection/c0ffee`)).toEqual([`arn:aws:codeconnections:eu-west-3:${A}:connection/c0ffee`, CONNECTION]);
  });

  it('leaves an ARN of neither prefix alone, once', () => {
    expect(connectionArns(`arn:aws:codecommit:eu-west-3:${A}:repo`)).toEqual([`arn:aws:codecommit:eu-west-3:${A}:repo`]);
  });
});

describe('trust policies', () => {
  it('let one service assume the role, with no condition unless given', () => {
    expect(trustPolicy('codebuild.amazonaws.com')).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'codebuild.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    });
    expect(trustPolicy(['codedeploy.amazonaws.com'])).toEqual(trustPolicy('codedeploy.amazonaws.com'));
  });

  it('name several services as a list', () => {
    expect(trustPolicy(['ecs-tasks.amazonaws.com', 'codebuild.amazonaws.com']).Statement).toEqual([
      { Effect: 'Allow', Principal: { Service: ['ecs-tasks.amazonaws.com', 'codebuild.amazonaws.com'] }, Action: 'sts:AssumeRole' },
    ]);
  });

  it("a task role's: only tasks of this account assume it", () => {
    expect(trustPolicy('ecs-tasks.amazonaws.com', sourceAccountCondition(A))).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:SourceAccount': A } } },
      ],
    });
  });
});

describe('task role policies', () => {
  it('ECS Exec: the four Session Manager channel actions, on no resource (IAM lists none for them)', () => {
    expect(ecsExecPolicy()).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'EcsExecChannels',
          Effect: 'Allow',
          Action: ['ssmmessages:CreateControlChannel', 'ssmmessages:CreateDataChannel', 'ssmmessages:OpenControlChannel', 'ssmmessages:OpenDataChannel'],
          Resource: '*',
        },
      ],
    });
  });

  it("a user's statements, as given, in a document of their own", () => {
    const statements: PolicyStatement[] = [{ Sid: 'Queue', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: `arn:aws:sqs:eu-west-3:${A}:jobs` }];
    const doc = policyOf(statements);
    expect(doc).toEqual({ Version: '2012-10-17', Statement: [{ Sid: 'Queue', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: `arn:aws:sqs:eu-west-3:${A}:jobs` }] });
    expect(doc.Statement).not.toBe(statements);
  });
});

const BUILD_STATEMENTS: PolicyStatement[] = [
  { Sid: 'WriteBuildLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: [LOG_GROUP, `${LOG_GROUP}:*`] },
  { Sid: 'ReadSourceWriteOutput', Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject'], Resource: [`${BUCKET}/*`] },
  { Sid: 'LocateArtifactBucket', Effect: 'Allow', Action: ['s3:GetBucketAcl', 's3:GetBucketLocation'], Resource: [BUCKET] },
  { Sid: 'LogInToEcr', Effect: 'Allow', Action: ['ecr:GetAuthorizationToken'], Resource: '*' },
  {
    Sid: 'PushAndPullImage',
    Effect: 'Allow',
    Action: [
      'ecr:BatchCheckLayerAvailability',
      'ecr:BatchGetImage',
      'ecr:CompleteLayerUpload',
      'ecr:GetDownloadUrlForLayer',
      'ecr:InitiateLayerUpload',
      'ecr:PutImage',
      'ecr:UploadLayerPart',
    ],
    Resource: [REPOSITORY],
  },
];

describe('the CodeBuild role policy', () => {
  const input = { logGroupArn: LOG_GROUP, bucketArn: BUCKET, repositoryArn: REPOSITORY };

  it('rolling: its logs, the artifacts, the repository, and the ECR login', () => {
    expect(codeBuildPolicy(input)).toEqual({ Version: '2012-10-17', Statement: BUILD_STATEMENTS });
    expect(codeBuildPolicy({ ...input, readTaskDefinitions: false })).toEqual({ Version: '2012-10-17', Statement: BUILD_STATEMENTS });
  });

  it('blue/green: also reads task definitions, on no resource', () => {
    expect(codeBuildPolicy({ ...input, readTaskDefinitions: true })).toEqual({
      Version: '2012-10-17',
      Statement: [...BUILD_STATEMENTS, { Sid: 'ReadTaskDefinitions', Effect: 'Allow', Action: ['ecs:DescribeTaskDefinition'], Resource: '*' }],
    });
  });
});

/** What every pipeline role holds, before the deploy statements. */
const PIPELINE_HEAD: PolicyStatement[] = [
  { Sid: 'ReadWriteArtifacts', Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject'], Resource: [`${BUCKET}/*`] },
  { Sid: 'CheckArtifactBucket', Effect: 'Allow', Action: ['s3:GetBucketLocation', 's3:GetBucketVersioning'], Resource: [BUCKET] },
  {
    Sid: 'PullSource',
    Effect: 'Allow',
    Action: ['codeconnections:UseConnection', 'codestar-connections:UseConnection'],
    Resource: [CONNECTION, `arn:aws:codeconnections:eu-west-3:${A}:connection/c0ffee`],
  },
  { Sid: 'RunBuild', Effect: 'Allow', Action: ['codebuild:BatchGetBuilds', 'codebuild:StartBuild'], Resource: [PROJECT, MARK_PROJECT] },
  { Sid: 'RegisterRevision', Effect: 'Allow', Action: ['ecs:DescribeTaskDefinition', 'ecs:RegisterTaskDefinition'], Resource: '*' },
  {
    Sid: 'TagNewRevision',
    Effect: 'Allow',
    Action: ['ecs:TagResource'],
    Resource: FAMILIES,
    Condition: { StringEquals: { 'ecs:CreateAction': 'RegisterTaskDefinition' } },
  },
];
const PASS_ROLES: PolicyStatement = {
  Sid: 'PassExecutionRole',
  Effect: 'Allow',
  Action: ['iam:PassRole'],
  Resource: [EXECUTION_ROLE, TASK_ROLE],
  Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
};

describe('the CodePipeline role policy', () => {
  const rolling: CodePipelinePolicyInput = {
    bucketArn: BUCKET,
    connectionArn: CONNECTION,
    projectArn: PROJECT,
    markProjectArn: MARK_PROJECT,
    serviceArns: SERVICES,
    taskDefinitionArns: FAMILIES,
    executionRoleArn: EXECUTION_ROLE,
    taskRoleArns: [TASK_ROLE],
  };

  it('rolling: updates the services and follows their tasks, in their cluster', () => {
    expect(codePipelinePolicy(rolling)).toEqual({
      Version: '2012-10-17',
      Statement: [
        ...PIPELINE_HEAD,
        { Sid: 'DeployServices', Effect: 'Allow', Action: ['ecs:DescribeServices', 'ecs:UpdateService'], Resource: SERVICES },
        { Sid: 'FollowDeploymentTasks', Effect: 'Allow', Action: ['ecs:DescribeTasks'], Resource: [`arn:aws:ecs:eu-west-3:${A}:task/demo/*`] },
        { Sid: 'ListDeploymentTasks', Effect: 'Allow', Action: ['ecs:ListTasks'], Resource: '*' },
        PASS_ROLES,
      ],
    });
  });

  it('follows tasks in each cluster its services live in, once per cluster', () => {
    const services = [...SERVICES, `arn:aws:ecs:eu-west-3:${A}:service/other/demo-qa`];
    const follow = codePipelinePolicy({ ...rolling, serviceArns: services }).Statement.find((s) => s.Sid === 'FollowDeploymentTasks');
    expect(follow?.Resource).toEqual([`arn:aws:ecs:eu-west-3:${A}:task/demo/*`, `arn:aws:ecs:eu-west-3:${A}:task/other/*`]);
  });

  it('without a mark project or task roles: the build project and the execution role only', () => {
    const { markProjectArn: _mark, taskRoleArns: _roles, ...bare } = rolling;
    const doc = codePipelinePolicy(bare);
    expect(doc.Statement.find((s) => s.Sid === 'RunBuild')?.Resource).toEqual([PROJECT]);
    expect(doc.Statement.find((s) => s.Sid === 'PassExecutionRole')?.Resource).toEqual([EXECUTION_ROLE]);
  });

  it('blue/green: registers revisions and starts deployments of the groups; updates no service', () => {
    const blueGreen: CodePipelinePolicyInput = {
      ...rolling,
      serviceArns: [],
      codeDeploy: { applicationArn: APPLICATION, deploymentGroupArns: GROUPS, deploymentConfigArn: DEPLOYMENT_CONFIG },
    };
    expect(codePipelinePolicy(blueGreen)).toEqual({
      Version: '2012-10-17',
      Statement: [
        ...PIPELINE_HEAD,
        {
          Sid: 'RegisterAppSpecRevisions',
          Effect: 'Allow',
          Action: ['codedeploy:GetApplication', 'codedeploy:GetApplicationRevision', 'codedeploy:RegisterApplicationRevision'],
          Resource: [APPLICATION],
        },
        { Sid: 'StartDeployments', Effect: 'Allow', Action: ['codedeploy:CreateDeployment', 'codedeploy:GetDeployment'], Resource: GROUPS },
        { Sid: 'ReadDeploymentConfig', Effect: 'Allow', Action: ['codedeploy:GetDeploymentConfig'], Resource: [DEPLOYMENT_CONFIG] },
        PASS_ROLES,
      ],
    });
  });
});
