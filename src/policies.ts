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

/** Who may assume a role: the AWS service principal(s) named. */
export function trustPolicy(services: string | readonly string[]): PolicyDocument {
  const list = typeof services === 'string' ? [services] : [...services];
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: list.length === 1 ? list[0]! : list }, Action: 'sts:AssumeRole' }],
  };
}

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
        Resource: [input.executionRoleArn],
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
