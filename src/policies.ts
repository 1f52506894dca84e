// The IAM policy documents shipline writes, as pure functions of the ARNs they name, so that one
// test can walk every one of them. Least privilege: each statement names the resources it needs;
// `"Resource": "*"` appears only for the actions in WILDCARD_ALLOWED, which IAM authorizes on no
// resource at all. Nothing here calls AWS: the steps read the ARNs from state and pass them in.

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: Record<string, string | string[]>;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, string | string[] | boolean>>;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

/** Who may assume a role: the AWS service principal(s) named, under `condition` when given. */
export function trustPolicy(services: string | readonly string[], condition?: PolicyStatement['Condition']): PolicyDocument {
  const list = typeof services === 'string' ? [services] : [...services];
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: list.length === 1 ? list[0]! : list }, Action: 'sts:AssumeRole', ...(condition ? { Condition: condition } : {}) }],
  };
}

/**
 * The condition ECS's task role page recommends in a task role's trust policy, against the
 * confused-deputy problem: only tasks of this account assume it
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html).
 */
export const sourceAccountCondition = (account: string): NonNullable<PolicyStatement['Condition']> => ({ StringEquals: { 'aws:SourceAccount': account } });

/** What a task role needs for ECS Exec (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html). */
export const ECS_EXEC_ACTIONS = ['ssmmessages:CreateControlChannel', 'ssmmessages:CreateDataChannel', 'ssmmessages:OpenControlChannel', 'ssmmessages:OpenDataChannel'] as const;

/** The task role's inline policy for ECS Exec: the SSM agent in the task opens its channels. */
export function ecsExecPolicy(): PolicyDocument {
  return { Version: '2012-10-17', Statement: [{ Sid: 'EcsExecChannels', Effect: 'Allow', Action: [...ECS_EXEC_ACTIONS], Resource: '*' }] };
}

/** A policy of `statements` (the execution role's secret reads, a task role's own statements). */
export const policyOf = (statements: readonly PolicyStatement[]): PolicyDocument => ({ Version: '2012-10-17', Statement: [...statements] });

/**
 * The only actions granted on `"*"`, each because IAM's Service Authorization Reference lists no
 * resource type for it (a policy naming an ARN would never match).
 */
export const WILDCARD_ALLOWED: readonly string[] = [
  // A registry-wide Docker login token: it names no repository.
  'ecr:GetAuthorizationToken',
  // Read by the ECS deploy action to copy the service's revision; authorized on no resource type.
  'ecs:DescribeTaskDefinition',
  // Creates a revision whose ARN does not exist yet; authorized on no resource type.
  'ecs:RegisterTaskDefinition',
  // The ECS deploy action lists the deployment's tasks; IAM authorizes ListTasks on container
  // instances only, which Fargate services have none of.
  'ecs:ListTasks',
  // ECS Exec's Session Manager channels: the task role opens them; IAM lists no resource type for them
  // (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html).
  ...ECS_EXEC_ACTIONS,
];

/** Service principals of the roles shipline creates. */
export const PRINCIPALS = {
  codebuild: 'codebuild.amazonaws.com',
  codepipeline: 'codepipeline.amazonaws.com',
  ecsTasks: 'ecs-tasks.amazonaws.com',
  codedeploy: 'codedeploy.amazonaws.com',
} as const;

/**
 * The AWS managed policy that lets CodeDeploy run ECS blue/green deployments: the Limited one
 * (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSCodeDeployRoleForECSLimited.html).
 * AWSCodeDeployRoleForECS would also grant S3 read on every object, Lambda invoke and SNS publish
 * on `*`, none of which shipline's deployments (no hooks, no triggers, the AppSpec inline) use.
 */
export const codeDeployForEcsPolicy = (partition: string) => `arn:${partition}:iam::aws:policy/AWSCodeDeployRoleForECSLimited`;
/** The AWS managed policy of ECS task execution roles, in the account's partition. */
export const ecsTaskExecutionPolicy = (partition: string) => `arn:${partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy`;

// ---- ARNs -------------------------------------------------------------------------------------------

/**
 * Where resources live: every ARN but S3's and IAM's carries the region and account; every one
 * the partition, which comes from the caller identity (never a literal `aws`).
 */
export interface Place {
  partition: string;
  region: string;
  account: string;
}

const regional = (p: Place, service: string, resource: string) => `arn:${p.partition}:${service}:${p.region}:${p.account}:${resource}`;

/** The ARNs shipline can derive from names alone (the others come from state). */
export const arns = {
  logGroup: (p: Place, name: string) => regional(p, 'logs', `log-group:${name}`),
  bucket: (p: Pick<Place, 'partition'>, name: string) => `arn:${p.partition}:s3:::${name}`,
  repository: (p: Place, name: string) => regional(p, 'ecr', `repository/${name}`),
  codeBuildProject: (p: Place, name: string) => regional(p, 'codebuild', `project/${name}`),
  pipeline: (p: Place, name: string) => regional(p, 'codepipeline', name),
  ecsService: (p: Place, cluster: string, service: string) => regional(p, 'ecs', `service/${cluster}/${service}`),
  /** Every revision of a task definition family. */
  taskDefinitionFamily: (p: Place, family: string) => regional(p, 'ecs', `task-definition/${family}:*`),
  codeDeployApplication: (p: Place, application: string) => regional(p, 'codedeploy', `application:${application}`),
  codeDeployGroup: (p: Place, application: string, group: string) => regional(p, 'codedeploy', `deploymentgroup:${application}/${group}`),
  /** A deployment configuration, the predefined ones included. */
  codeDeployConfig: (p: Place, name: string) => regional(p, 'codedeploy', `deploymentconfig:${name}`),
};

/**
 * A connection ARN in both spellings: AWS renamed CodeStar Connections to CodeConnections, and
 * authorizes UseConnection under either prefix, on an ARN of either prefix.
 */
export function connectionArns(arn: string): string[] {
  const other = arn.includes(':codestar-connections:')
    ? arn.replace(':codestar-connections:', ':codeconnections:')
    : arn.replace(':codeconnections:', ':codestar-connections:');
  return other === arn ? [arn] : [arn, other];
}

// ---- the CodeBuild role --------------------------------------------------------------------------------

export interface CodeBuildPolicyInput {
  /** The project's log group (without the trailing `:*`). */
  logGroupArn: string;
  /** The pipeline's artifact bucket: the build reads its source from it and writes its output to it. */
  bucketArn: string;
  /** The ECR repository the build pushes the image to. */
  repositoryArn: string;
  /**
   * Blue/green: the buildspec copies each environment's live task definition into taskdef-<env>.json
   * (ecs:DescribeTaskDefinition, which IAM authorizes on no resource).
   */
  readTaskDefinitions?: boolean;
}

/** What a CodeBuild project needs to build and push the image with CodePipeline artifacts. */
export function codeBuildPolicy(input: CodeBuildPolicyInput): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'WriteBuildLogs',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: [input.logGroupArn, `${input.logGroupArn}:*`],
      },
      {
        Sid: 'ReadSourceWriteOutput',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject'],
        Resource: [`${input.bucketArn}/*`],
      },
      {
        Sid: 'LocateArtifactBucket',
        Effect: 'Allow',
        Action: ['s3:GetBucketAcl', 's3:GetBucketLocation'],
        Resource: [input.bucketArn],
      },
      {
        Sid: 'LogInToEcr',
        Effect: 'Allow',
        Action: ['ecr:GetAuthorizationToken'],
        Resource: '*',
      },
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
        Resource: [input.repositoryArn],
      },
      ...(input.readTaskDefinitions
        ? [{ Sid: 'ReadTaskDefinitions', Effect: 'Allow' as const, Action: ['ecs:DescribeTaskDefinition'], Resource: '*' }]
        : []),
    ],
  };
}

// ---- the CodePipeline role -----------------------------------------------------------------------------

export interface CodePipelinePolicyInput {
  bucketArn: string;
  /** The GitHub connection the source action pulls through. */
  connectionArn: string;
  /** The CodeBuild project the build action runs. */
  projectArn: string;
  /** The mark project the mark actions run (steps/lib/live-tags.ts). */
  markProjectArn?: string;
  /** The ECS services the deploy actions update, one per environment (none with blue/green: CodeDeploy updates them). */
  serviceArns: readonly string[];
  /** Their task definition families (`arns.taskDefinitionFamily`), which the deploy actions add revisions to. */
  taskDefinitionArns: readonly string[];
  /** The task execution role the new revisions name, which the deploy action passes to ECS. */
  executionRoleArn: string;
  /** The task roles the revisions name (issue 13's `taskRole`, `exec`): passed to ECS the same way. */
  taskRoleArns?: readonly string[];
  /** Blue/green: the CodeDeployToECS actions register a revision and start a deployment per environment. */
  codeDeploy?: {
    applicationArn: string;
    deploymentGroupArns: readonly string[];
    /** The groups' deployment configuration, which the action reads. */
    deploymentConfigArn: string;
  };
}

/** What the pipeline needs: the artifact store, the connection, the build, the ECS deploys. */
export function codePipelinePolicy(input: CodePipelinePolicyInput): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ReadWriteArtifacts',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject'],
        Resource: [`${input.bucketArn}/*`],
      },
      {
        Sid: 'CheckArtifactBucket',
        Effect: 'Allow',
        Action: ['s3:GetBucketLocation', 's3:GetBucketVersioning'],
        Resource: [input.bucketArn],
      },
      {
        Sid: 'PullSource',
        Effect: 'Allow',
        Action: ['codeconnections:UseConnection', 'codestar-connections:UseConnection'],
        Resource: connectionArns(input.connectionArn),
      },
      {
        Sid: 'RunBuild',
        Effect: 'Allow',
        Action: ['codebuild:BatchGetBuilds', 'codebuild:StartBuild'],
        Resource: [input.projectArn, ...(input.markProjectArn ? [input.markProjectArn] : [])],
      },
      {
        Sid: 'RegisterRevision',
        Effect: 'Allow',
        Action: ['ecs:DescribeTaskDefinition', 'ecs:RegisterTaskDefinition'],
        Resource: '*',
      },
      {
        // Tags copied onto a new revision are authorized as TagResource (ECS tagging authorization).
        Sid: 'TagNewRevision',
        Effect: 'Allow',
        Action: ['ecs:TagResource'],
        Resource: [...input.taskDefinitionArns],
        Condition: { StringEquals: { 'ecs:CreateAction': 'RegisterTaskDefinition' } },
      },
      ...(input.serviceArns.length > 0 ? ecsDeployStatements(input.serviceArns) : []),
      ...(input.codeDeploy ? codeDeployStatements(input.codeDeploy) : []),
      {
        Sid: 'PassExecutionRole',
        Effect: 'Allow',
        Action: ['iam:PassRole'],
        Resource: [input.executionRoleArn, ...(input.taskRoleArns ?? [])],
        Condition: { StringEquals: { 'iam:PassedToService': PRINCIPALS.ecsTasks } },
      },
    ],
  };
}

/**
 * What CodePipeline's ECS deploy action calls beyond the revision: the services it updates, and
 * the tasks it follows until the deployment is done (ListTasks, DescribeTasks), as the action's
 * service role permissions list them (https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-ECS.html).
 */
function ecsDeployStatements(serviceArns: readonly string[]): PolicyStatement[] {
  // Tasks live under their cluster: arn:…:ecs:<region>:<account>:task/<cluster>/<id>.
  const taskArns = [...new Set(serviceArns.map((arn) => arn.replace(/:service\/([^/]+)\/[^/]+$/, ':task/$1/*')))];
  return [
    { Sid: 'DeployServices', Effect: 'Allow', Action: ['ecs:DescribeServices', 'ecs:UpdateService'], Resource: [...serviceArns] },
    { Sid: 'FollowDeploymentTasks', Effect: 'Allow', Action: ['ecs:DescribeTasks'], Resource: taskArns },
    { Sid: 'ListDeploymentTasks', Effect: 'Allow', Action: ['ecs:ListTasks'], Resource: '*' },
  ];
}

/** What CodePipeline's CodeDeployToECS action calls: the application, its groups, their configuration. */
function codeDeployStatements(cd: NonNullable<CodePipelinePolicyInput['codeDeploy']>): PolicyStatement[] {
  return [
    {
      Sid: 'RegisterAppSpecRevisions',
      Effect: 'Allow',
      Action: ['codedeploy:GetApplication', 'codedeploy:GetApplicationRevision', 'codedeploy:RegisterApplicationRevision'],
      Resource: [cd.applicationArn],
    },
    {
      Sid: 'StartDeployments',
      Effect: 'Allow',
      Action: ['codedeploy:CreateDeployment', 'codedeploy:GetDeployment'],
      Resource: [...cd.deploymentGroupArns],
    },
    {
      Sid: 'ReadDeploymentConfig',
      Effect: 'Allow',
      Action: ['codedeploy:GetDeploymentConfig'],
      Resource: [cd.deploymentConfigArn],
    },
  ];
}

// ---- a user's statements, checked against IAM's grammar ----------------------------------------------

/**
 * The condition operators IAM knows, each also with `IfExists`, and the set operators' prefixes
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html).
 */
const CONDITION_OPERATORS = new Set([
  'StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase', 'StringLike', 'StringNotLike',
  'NumericEquals', 'NumericNotEquals', 'NumericLessThan', 'NumericLessThanEquals', 'NumericGreaterThan', 'NumericGreaterThanEquals',
  'DateEquals', 'DateNotEquals', 'DateLessThan', 'DateLessThanEquals', 'DateGreaterThan', 'DateGreaterThanEquals',
  'Bool', 'BinaryEquals', 'IpAddress', 'NotIpAddress', 'ArnEquals', 'ArnLike', 'ArnNotEquals', 'ArnNotLike', 'Null',
]);
/** `service:Action`, wildcards allowed, or `*` (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html). */
const ACTION = /^(\*|[a-z0-9-]+:[A-Za-z0-9*?]+)$/;
/** `*`, or an ARN of six colon-separated parts (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html). */
const RESOURCE = /^(\*|arn:(aws[a-z-]*|\*):[a-z0-9-*]+:[a-z0-9-*]*:(\d{12}|\*|aws)?:.+)$/;
/**
 * A role's inline policies may hold at most 10,240 characters in all, whitespace not counted
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html).
 */
export const ROLE_INLINE_POLICY_CHARS = 10_240;

/** What of `statements` IAM would refuse (MalformedPolicyDocument), each naming its statement; empty if none. */
export function statementIssues(statements: readonly PolicyStatement[]): string[] {
  const issues: string[] = [];
  const list = (v: string | string[] | undefined) => (v === undefined ? [] : typeof v === 'string' ? [v] : v);
  statements.forEach((s, i) => {
    const at = `statement ${i + 1}${s.Sid ? ` (${s.Sid})` : ''}`;
    for (const action of list(s.Action)) if (!ACTION.test(action)) issues.push(`${at}: action "${action}" is not of the form service:Action`);
    for (const resource of list(s.Resource)) if (!RESOURCE.test(resource)) issues.push(`${at}: resource "${resource}" is neither "*" nor an ARN`);
    for (const operator of Object.keys(s.Condition ?? {})) {
      const base = operator.replace(/^(ForAllValues|ForAnyValue):/, '').replace(/IfExists$/, '');
      if (!CONDITION_OPERATORS.has(base)) issues.push(`${at}: "${operator}" is not an IAM condition operator`);
    }
  });
  const sids = statements.flatMap((s) => (s.Sid ? [s.Sid] : []));
  for (const sid of new Set(sids.filter((sid, i) => sids.indexOf(sid) !== i))) issues.push(`Sid "${sid}" names more than one statement; IAM wants them unique`);
  const size = JSON.stringify(policyOf(statements)).replace(/\s/g, '').length;
  if (size > ROLE_INLINE_POLICY_CHARS) issues.push(`the statements take ${size} characters; a role's inline policies hold at most ${ROLE_INLINE_POLICY_CHARS}`);
  return issues;
}
