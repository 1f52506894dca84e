// Every IAM policy document shipline writes, walked with sample ARNs of one stack: least privilege
// (no wildcard actions, "*" resources only for the allow-listed actions, iam:PassRole only on named
// roles and only to ECS tasks) and every ARN one of this stack's resources.
import {
  arns,
  codeBuildPolicy,
  codePipelinePolicy,
  connectionArns,
  PRINCIPALS,
  WILDCARD_ALLOWED,
  type CodeBuildPolicyInput,
  codeDeployForEcsPolicy,
  ecsTaskExecutionPolicy,
  type CodePipelinePolicyInput,
  type PolicyDocument,
  type PolicyStatement,
} from '../src/policies';
import { artifactBucketName, tlsOnlyPolicy } from '../steps/artifacts';
import { ecsExecPolicy, policyOf, sourceAccountCondition, statementIssues, trustPolicy } from '../src/policies';
import { resolveSecret, secretReadStatements, ssmParameterArn } from '../src/secret-refs';

/**
 * The actions a service role may hold on "*", written out here (not imported): widening the code's
 * allow-list without this list fails the tests. Each is authorized on no resource type by IAM.
 */
const ALLOWED_ON_STAR = [
  'ecr:GetAuthorizationToken',
  'ecs:DescribeTaskDefinition',
  'ecs:ListTasks',
  'ecs:RegisterTaskDefinition',
  'ssmmessages:CreateControlChannel',
  'ssmmessages:CreateDataChannel',
  'ssmmessages:OpenControlChannel',
  'ssmmessages:OpenDataChannel',
];

const ACCOUNT = '123456789012';
/** An SSM name, a partial Secrets Manager ARN, a complete one with a JSON key. */
const SECRETS = ['/demo/db-password', `arn:aws:secretsmanager:eu-west-3:${ACCOUNT}:secret:demo/partial`, `arn:aws:secretsmanager:eu-west-3:${ACCOUNT}:secret:demo/api-AbCdEf:password::`];
const KMS_KEY = `arn:aws:kms:eu-west-3:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const PLACE = { partition: 'aws', region: 'eu-west-3', account: ACCOUNT };
const ENVS = ['dev', 'prod'];
const BUCKET = artifactBucketName('demo', ACCOUNT, 'eu-west-3');

const BUILD_INPUT: CodeBuildPolicyInput = {
  logGroupArn: arns.logGroup(PLACE, '/shipline/demo/build'),
  bucketArn: arns.bucket(PLACE, BUCKET),
  repositoryArn: arns.repository(PLACE, 'demo'),
};

const PIPELINE_INPUT: CodePipelinePolicyInput = {
  bucketArn: BUILD_INPUT.bucketArn,
  connectionArn: `arn:aws:codestar-connections:eu-west-3:${ACCOUNT}:connection/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0`,
  projectArn: arns.codeBuildProject(PLACE, 'demo-build'),
  serviceArns: ENVS.map((env) => arns.ecsService(PLACE, 'demo', `demo-${env}`)),
  taskDefinitionArns: ENVS.map((env) => arns.taskDefinitionFamily(PLACE, `demo-${env}`)),
  executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/shipline/demo-task-execution`,
};

/** Blue/green: the CodeDeploy application, the environments' groups, their deployment configuration. */
const CODEDEPLOY: NonNullable<CodePipelinePolicyInput['codeDeploy']> = {
  applicationArn: arns.codeDeployApplication(PLACE, 'demo'),
  deploymentGroupArns: ENVS.map((env) => arns.codeDeployGroup(PLACE, 'demo', `demo-${env}`)),
  deploymentConfigArn: arns.codeDeployConfig(PLACE, 'CodeDeployDefault.ECSAllAtOnce'),
};
const BLUE_GREEN_PIPELINE_INPUT: CodePipelinePolicyInput = { ...PIPELINE_INPUT, serviceArns: [], codeDeploy: CODEDEPLOY };

/** Every identity and trust policy shipline writes, by name (the bucket policy is below). */
const DOCUMENTS: Record<string, PolicyDocument> = {
  'codebuild role policy': codeBuildPolicy(BUILD_INPUT),
  'codebuild role policy (blue/green)': codeBuildPolicy({ ...BUILD_INPUT, readTaskDefinitions: true }),
  'codepipeline role policy': codePipelinePolicy(PIPELINE_INPUT),
  'codepipeline role policy (blue/green)': codePipelinePolicy(BLUE_GREEN_PIPELINE_INPUT),
  'codebuild trust policy': trustPolicy(PRINCIPALS.codebuild),
  'codepipeline trust policy': trustPolicy(PRINCIPALS.codepipeline),
  'task execution trust policy': trustPolicy(PRINCIPALS.ecsTasks),
  'codedeploy trust policy': trustPolicy(PRINCIPALS.codedeploy),
  'task role trust policy': trustPolicy(PRINCIPALS.ecsTasks, sourceAccountCondition(ACCOUNT)),
  'task role ECS Exec policy': ecsExecPolicy(),
  'execution role secrets policy': policyOf(secretReadStatements(SECRETS.map((ref) => resolveSecret(PLACE, ref)), KMS_KEY)),
};

/** The stack's resources the policies may name: the sample ARNs, and what lies under them. */
const OWN_ARNS = [
  // The config's secrets and key (issue 13): named one by one, a partial secret ARN with its six characters left open.
  ssmParameterArn(PLACE, '/demo/db-password'),
  `${SECRETS[1]}-??????`,
  SECRETS[2]!.replace(/:password::$/, ''),
  KMS_KEY,
  ...Object.values(BUILD_INPUT),
  ...Object.values(PIPELINE_INPUT).flat(),
  ...connectionArns(PIPELINE_INPUT.connectionArn),
  ...Object.values(CODEDEPLOY).flat(),
  // The cluster's tasks, which the ECS deploy action follows.
  `arn:aws:ecs:eu-west-3:${ACCOUNT}:task/demo`,
] as string[];
const isOwn = (resource: string) =>
  OWN_ARNS.some((arn) => resource === arn || resource === `${arn}/*` || resource === `${arn}:*`);

const list = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
const statements = Object.entries(DOCUMENTS).flatMap(([doc, d]) => d.Statement.map((s, i) => [`${doc} #${i}${s.Sid ? ` ${s.Sid}` : ''}`, s] as [string, PolicyStatement]));
const permissions = statements.filter(([, s]) => s.Principal === undefined);

describe('every policy document shipline writes', () => {
  it.each(Object.entries(DOCUMENTS))('%s is a 2012-10-17 document of Allow statements', (_name, doc) => {
    expect(doc.Version).toBe('2012-10-17');
    expect(doc.Statement.length).toBeGreaterThan(0);
    for (const s of doc.Statement) expect(s.Effect).toBe('Allow');
  });

  it.each(statements)('%s grants no wildcard action', (_name, s) => {
    expect(s.NotAction).toBeUndefined();
    for (const action of list(s.Action)) {
      expect(action).not.toContain('*');
      expect(action).toMatch(/^[a-z0-9-]+:[A-Z][A-Za-z]+$/);
    }
  });

  it.each(permissions)('%s uses "*" only for actions AWS authorizes on no resource', (_name, s) => {
    expect(s.NotResource).toBeUndefined();
    const resources = list(s.Resource);
    expect(resources.length).toBeGreaterThan(0);
    if (resources.includes('*')) {
      expect(resources).toEqual(['*']);
      for (const action of list(s.Action)) expect(ALLOWED_ON_STAR).toContain(action);
    }
  });

  it.each(permissions)('%s names only this stack\'s resources', (_name, s) => {
    for (const resource of list(s.Resource).filter((r) => r !== '*')) {
      expect(isOwn(resource)).toBe(true);
      // S3 bucket ARNs carry no account; every other one names this account.
      if (!resource.startsWith('arn:aws:s3:::')) expect(resource).toContain(`:${ACCOUNT}:`);
    }
  });

  it('passes roles only by name, and only to ECS tasks', () => {
    const passRole = permissions.filter(([, s]) => list(s.Action).includes('iam:PassRole'));
    expect(passRole.map(([name]) => name)).toEqual([
      'codepipeline role policy #9 PassExecutionRole',
      'codepipeline role policy (blue/green) #9 PassExecutionRole',
    ]);
    for (const [, s] of passRole) {
      expect(list(s.Action)).toEqual(['iam:PassRole']);
      expect(list(s.Resource)).toEqual([PIPELINE_INPUT.executionRoleArn]);
      expect(s.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } });
    }
  });

  it('keeps the allow-list to what is used: each entry is granted on "*" somewhere', () => {
    const onStar = permissions.filter(([, s]) => list(s.Resource).includes('*')).flatMap(([, s]) => list(s.Action));
    expect([...new Set(onStar)].sort()).toEqual(ALLOWED_ON_STAR);
    expect([...WILDCARD_ALLOWED].sort()).toEqual(ALLOWED_ON_STAR);
  });

  it('lets trust policies name one service principal and assume only', () => {
    for (const [, s] of statements.filter(([, st]) => st.Principal !== undefined)) {
      expect(s.Action).toBe('sts:AssumeRole');
      expect(s.Resource).toBeUndefined();
      expect(Object.values(s.Principal!).flat()).toHaveLength(1);
    }
  });

  it('stays far below IAM\'s 10,240 characters of inline policies per role, even with 10 environments', () => {
    const many = Array.from({ length: 10 }, (_, i) => `env${i}`);
    const doc = codePipelinePolicy({
      ...PIPELINE_INPUT,
      serviceArns: many.map((env) => arns.ecsService(PLACE, 'demo', `demo-${env}`)),
      taskDefinitionArns: many.map((env) => arns.taskDefinitionFamily(PLACE, `demo-${env}`)),
    });
    expect(JSON.stringify(doc).length).toBeLessThan(5000);
  });
});

describe('the CodeBuild role policy', () => {
  const doc = codeBuildPolicy(BUILD_INPUT);
  const grants = (action: string) => doc.Statement.filter((s) => list(s.Action).includes(action)).flatMap((s) => list(s.Resource));

  it('writes to its own log group and its streams only, and cannot create log groups', () => {
    expect(grants('logs:PutLogEvents')).toEqual([BUILD_INPUT.logGroupArn, `${BUILD_INPUT.logGroupArn}:*`]);
    expect(grants('logs:CreateLogGroup')).toEqual([]);
  });

  it('reads and writes the artifact objects, and reads only the bucket\'s location and ACL', () => {
    for (const action of ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject']) expect(grants(action)).toEqual([`${BUILD_INPUT.bucketArn}/*`]);
    for (const action of ['s3:GetBucketAcl', 's3:GetBucketLocation']) expect(grants(action)).toEqual([BUILD_INPUT.bucketArn]);
  });

  it('pushes and pulls on the stack\'s repository only', () => {
    for (const action of ['ecr:PutImage', 'ecr:InitiateLayerUpload', 'ecr:UploadLayerPart', 'ecr:CompleteLayerUpload', 'ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer']) {
      expect(grants(action)).toEqual([BUILD_INPUT.repositoryArn]);
    }
    expect(grants('ecr:GetAuthorizationToken')).toEqual(['*']);
  });

  it('grants nothing on ECS', () => {
    expect(doc.Statement.flatMap((s) => list(s.Action)).filter((a) => a.startsWith('ecs:'))).toEqual([]);
  });

  it('blue/green: may read task definitions (the buildspec copies them into taskdef-<env>.json), nothing more on ECS', () => {
    const blueGreen = codeBuildPolicy({ ...BUILD_INPUT, readTaskDefinitions: true });
    const ecs = blueGreen.Statement.filter((s) => list(s.Action).some((a) => a.startsWith('ecs:')));
    expect(ecs).toEqual([{ Sid: 'ReadTaskDefinitions', Effect: 'Allow', Action: ['ecs:DescribeTaskDefinition'], Resource: '*' }]);
  });
});

describe('the CodePipeline role policy, blue/green', () => {
  const doc = codePipelinePolicy(BLUE_GREEN_PIPELINE_INPUT);
  const grants = (action: string) => doc.Statement.filter((s) => list(s.Action).includes(action)).flatMap((s) => list(s.Resource));

  it('starts and follows deployments of the environments\' groups only', () => {
    expect(grants('codedeploy:CreateDeployment')).toEqual(CODEDEPLOY.deploymentGroupArns);
    expect(grants('codedeploy:GetDeployment')).toEqual(CODEDEPLOY.deploymentGroupArns);
  });

  it('registers AppSpec revisions in the stack\'s application and reads its deployment configuration', () => {
    for (const action of ['codedeploy:GetApplication', 'codedeploy:GetApplicationRevision', 'codedeploy:RegisterApplicationRevision']) {
      expect(grants(action)).toEqual([CODEDEPLOY.applicationArn]);
    }
    expect(grants('codedeploy:GetDeploymentConfig')).toEqual([`arn:aws:codedeploy:eu-west-3:${ACCOUNT}:deploymentconfig:CodeDeployDefault.ECSAllAtOnce`]);
  });

  it('cannot update the services itself (CodeDeploy does), and still registers revisions and passes the execution role', () => {
    expect(grants('ecs:UpdateService')).toEqual([]);
    expect(grants('ecs:RegisterTaskDefinition')).toEqual(['*']);
    expect(grants('iam:PassRole')).toEqual([PIPELINE_INPUT.executionRoleArn]);
  });

  it('the CodeDeploy service role gets AWS\'s managed policy for ECS, in the region\'s partition', () => {
    expect(codeDeployForEcsPolicy('aws')).toBe('arn:aws:iam::aws:policy/AWSCodeDeployRoleForECSLimited');
    expect(codeDeployForEcsPolicy('aws-cn')).toBe('arn:aws-cn:iam::aws:policy/AWSCodeDeployRoleForECSLimited');
  });
});

describe('the CodePipeline role policy', () => {
  const doc = codePipelinePolicy(PIPELINE_INPUT);
  const grants = (action: string) => doc.Statement.filter((s) => list(s.Action).includes(action)).flatMap((s) => list(s.Resource));

  it('updates and describes the environments\' services by ARN', () => {
    expect(grants('ecs:UpdateService')).toEqual(PIPELINE_INPUT.serviceArns);
    expect(grants('ecs:DescribeServices')).toEqual(PIPELINE_INPUT.serviceArns);
  });

  it('tags only new revisions of the environments\' task definition families', () => {
    const tag = doc.Statement.find((s) => list(s.Action).includes('ecs:TagResource'))!;
    expect(list(tag.Resource)).toEqual([
      `arn:aws:ecs:eu-west-3:${ACCOUNT}:task-definition/demo-dev:*`,
      `arn:aws:ecs:eu-west-3:${ACCOUNT}:task-definition/demo-prod:*`,
    ]);
    expect(tag.Condition).toEqual({ StringEquals: { 'ecs:CreateAction': 'RegisterTaskDefinition' } });
  });

  it('uses the connection under both service prefixes, on both spellings of its ARN', () => {
    const id = 'connection/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0';
    for (const action of ['codestar-connections:UseConnection', 'codeconnections:UseConnection']) {
      expect(grants(action)).toEqual([`arn:aws:codestar-connections:eu-west-3:${ACCOUNT}:${id}`, `arn:aws:codeconnections:eu-west-3:${ACCOUNT}:${id}`]);
    }
  });

  it('starts and follows builds of the stack\'s project only', () => {
    expect(grants('codebuild:StartBuild')).toEqual([PIPELINE_INPUT.projectArn]);
    expect(grants('codebuild:BatchGetBuilds')).toEqual([PIPELINE_INPUT.projectArn]);
  });

  it('reads and writes artifact objects, and checks the bucket\'s versioning and location', () => {
    for (const action of ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject']) expect(grants(action)).toEqual([`${PIPELINE_INPUT.bucketArn}/*`]);
    for (const action of ['s3:GetBucketVersioning', 's3:GetBucketLocation']) expect(grants(action)).toEqual([PIPELINE_INPUT.bucketArn]);
  });
});

describe('ARNs', () => {
  it("use the account's partition, as the caller identity gives it", () => {
    expect(arns.bucket({ partition: 'aws-cn' }, 'b')).toBe('arn:aws-cn:s3:::b');
    expect(arns.ecsService({ partition: 'aws-us-gov', region: 'us-gov-west-1', account: ACCOUNT }, 'demo', 'demo-dev')).toBe(
      `arn:aws-us-gov:ecs:us-gov-west-1:${ACCOUNT}:service/demo/demo-dev`,
    );
    expect(ecsTaskExecutionPolicy('aws-cn')).toBe('arn:aws-cn:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy');
  });

  it('spell a connection both ways whichever prefix it has', () => {
    const a = `arn:aws:codeconnections:eu-west-3:${ACCOUNT}:connection/x`;
    expect(connectionArns(a)).toEqual([a, `arn:aws:codestar-connections:eu-west-3:${ACCOUNT}:connection/x`]);
  });
});

describe('the artifact bucket policy', () => {
  const doc = tlsOnlyPolicy('aws', BUCKET);

  it('only denies: it grants nobody anything', () => {
    expect(doc.Version).toBe('2012-10-17');
    for (const s of doc.Statement) expect(s.Effect).toBe('Deny');
  });

  it('names the bucket and its objects only', () => {
    expect(doc.Statement.flatMap((s) => list(s.Resource))).toEqual([BUILD_INPUT.bucketArn, `${BUILD_INPUT.bucketArn}/*`]);
  });
});

describe("statementIssues: a user's task role statements against IAM's grammar", () => {
  it('takes well-formed statements', () => {
    expect(statementIssues([{ Sid: 'Read', Effect: 'Allow', Action: ['s3:Get*'], Resource: 'arn:aws:s3:::bucket/*', Condition: { 'ForAnyValue:StringLikeIfExists': { 'aws:TagKeys': 'x' } } }])).toEqual([]);
  });

  it('names each statement IAM would refuse, and why', () => {
    expect(
      statementIssues([
        { Effect: 'Allow', Action: 'GetObject', Resource: 'bucket' },
        { Sid: 'A', Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { StringMatches: { 'aws:x': 'y' } } },
        { Sid: 'A', Effect: 'Deny', Action: '*', Resource: '*' },
      ]),
    ).toEqual([
      'statement 1: action "GetObject" is not of the form service:Action',
      'statement 1: resource "bucket" is neither "*" nor an ARN',
      'statement 2 (A): "StringMatches" is not an IAM condition operator',
      'Sid "A" names more than one statement; IAM wants them unique',
    ]);
  });

  it("refuses statements over a role's inline policy quota", () => {
    const big = Array.from({ length: 200 }, (_, i) => ({ Effect: 'Allow' as const, Action: 's3:GetObject', Resource: `arn:aws:s3:::bucket-${i}/*` }));
    expect(statementIssues(big).at(-1)).toMatch(/a role's inline policies hold at most 10240/);
  });
});

describe('statementIssues: each part of a statement', () => {
  const issuesOf = (s: Partial<PolicyStatement>) => statementIssues([{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', ...s }]);

  it('reads Action and Resource as one string or a list, and a statement may have neither', () => {
    expect(issuesOf({ Action: ['s3:GetObject', 'GetObject'], Resource: ['*', 'bucket'] })).toEqual([
      'statement 1: action "GetObject" is not of the form service:Action',
      'statement 1: resource "bucket" is neither "*" nor an ARN',
    ]);
    expect(statementIssues([{ Effect: 'Allow', NotAction: 's3:DeleteObject', NotResource: 'arn:aws:s3:::logs/*' }])).toEqual([]);
  });

  it('takes actions with wildcards and digits, and no action without its service, or with spaces', () => {
    expect(issuesOf({ Action: ['*', 's3:Get*', 'ec2:Describe?pcs', 'route53:GetHostedZone', 'application-autoscaling:Describe*'] })).toEqual([]);
    for (const action of ['s3:', ':GetObject', ' s3:GetObject', 's3:GetObject ', 'S3:GetObject', 's3:Get-Object']) {
      expect(issuesOf({ Action: action })).toEqual([`statement 1: action "${action}" is not of the form service:Action`]);
    }
  });

  it('takes "*" and ARNs of any partition, a 12-digit account, "*" or aws; nothing else', () => {
    const arnsOk = ['*', 'arn:aws:s3:::bucket/*', 'arn:aws-cn:iam::123456789012:role/x', 'arn:*:sqs:*:*:q', 'arn:aws:iam::aws:policy/x', 'arn:aws-us-gov:sqs:us-gov-west-1:123456789012:jobs'];
    expect(issuesOf({ Resource: arnsOk })).toEqual([]);
    for (const resource of ['**', ' *', 'arn:aws:s3:::', 'xarn:aws:s3:::b', 'arn:gcp:s3:::b', 'arn:aws:S3:::b', 'arn:aws:sqs:eu-west-3:12345:q', 'arn:aws:sqs:eu-west-3:1234567890123:q', 'arn:aws:sqs:eu-west-3']) {
      expect(issuesOf({ Resource: resource })).toEqual([`statement 1: resource "${resource}" is neither "*" nor an ARN`]);
    }
  });

  it("takes each of IAM's condition operators", () => {
    const operators = [
      'StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase', 'StringLike', 'StringNotLike',
      'NumericEquals', 'NumericNotEquals', 'NumericLessThan', 'NumericLessThanEquals', 'NumericGreaterThan', 'NumericGreaterThanEquals',
      'DateEquals', 'DateNotEquals', 'DateLessThan', 'DateLessThanEquals', 'DateGreaterThan', 'DateGreaterThanEquals',
      'Bool', 'BinaryEquals', 'IpAddress', 'NotIpAddress', 'ArnEquals', 'ArnLike', 'ArnNotEquals', 'ArnNotLike', 'Null',
    ];
    expect(operators.flatMap((operator) => issuesOf({ Condition: { [operator]: { 'aws:SourceAccount': '123456789012' } } }))).toEqual([]);
    expect(issuesOf({ Condition: { '': { 'aws:SourceAccount': '123456789012' } } })).toEqual(['statement 1: "" is not an IAM condition operator']);
  });

  it('takes the set operators and IfExists around an operator, and only there', () => {
    const condition = (operator: string) => ({ [operator]: { 'aws:PrincipalTag/team': 'a' } });
    for (const operator of ['StringEquals', 'ForAllValues:StringLike', 'ForAnyValue:ArnLikeIfExists', 'NumericLessThanIfExists', 'Null', 'Bool']) {
      expect(issuesOf({ Condition: condition(operator) })).toEqual([]);
    }
    for (const operator of ['ForSomeValues:StringEquals', 'StringForAnyValue:Equals', 'StringIfExistsEquals', 'IfExistsBool', 'stringequals']) {
      expect(issuesOf({ Condition: condition(operator) })).toEqual([`statement 1: "${operator}" is not an IAM condition operator`]);
    }
  });

  it('numbers statements from 1 and names their Sid; statements without a Sid share none', () => {
    expect(statementIssues([{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }, { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }, { Sid: 'Bad', Effect: 'Allow', Action: 'x', Resource: '*' }])).toEqual([
      'statement 3 (Bad): action "x" is not of the form service:Action',
    ]);
  });

  it('names a Sid used three times once', () => {
    const s = { Sid: 'Same', Effect: 'Allow' as const, Action: 's3:GetObject', Resource: '*' };
    expect(statementIssues([s, { ...s, Sid: 'Other' }, s, s])).toEqual(['Sid "Same" names more than one statement; IAM wants them unique']);
  });

  it('counts characters as IAM does, whitespace left out: 10,240 pass, 10,241 do not', () => {
    // {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::…"}]}
    const skeleton = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::"}]}'.length;
    const sized = (chars: number, spaces = '') => [{ Effect: 'Allow' as const, Action: 's3:GetObject', Resource: `arn:aws:s3:::${spaces}${'b'.repeat(chars - skeleton)}` }];
    expect(statementIssues(sized(10_240))).toEqual([]);
    expect(statementIssues(sized(10_240, ' '.repeat(50)))).toEqual([]);
    expect(statementIssues(sized(10_241))).toEqual(["the statements take 10241 characters; a role's inline policies hold at most 10240"]);
  });
});
