// The AWS managed policies the sandbox knows, with the JSON documents AWS publishes for them in
// the AWS Managed Policy Reference (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/).
// A policy listed without a document can be attached, but grants nothing in the sandbox: its
// document is not copied here, and a permission the sandbox cannot show is a permission denied.
import type { PolicyDocument } from '../../policies';

export interface ManagedPolicy {
  name: string;
  path: string;
  /** The default version's document, as AWS publishes it; undefined when not copied here. */
  document?: PolicyDocument;
}

/** https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonECSTaskExecutionRolePolicy.html */
const ECS_TASK_EXECUTION: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: ['ecr:GetAuthorizationToken', 'ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage', 'logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: '*',
    },
  ],
};

/** https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSCodeDeployRoleForECS.html */
const CODEDEPLOY_FOR_ECS: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: [
        'ecs:DescribeServices', 'ecs:CreateTaskSet', 'ecs:UpdateServicePrimaryTaskSet', 'ecs:DeleteTaskSet',
        'elasticloadbalancing:DescribeTargetGroups', 'elasticloadbalancing:DescribeListeners', 'elasticloadbalancing:ModifyListener',
        'elasticloadbalancing:DescribeRules', 'elasticloadbalancing:ModifyRule', 'lambda:InvokeFunction', 'cloudwatch:DescribeAlarms',
        'sns:Publish', 's3:GetObject', 's3:GetObjectVersion',
      ],
      Resource: '*',
    },
    { Effect: 'Allow', Action: ['iam:PassRole'], Resource: '*', Condition: { StringLike: { 'iam:PassedToService': ['ecs-tasks.amazonaws.com'] } } },
  ],
};

/** https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSCodeDeployRoleForECSLimited.html */
const CODEDEPLOY_FOR_ECS_LIMITED: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: ['ecs:DescribeServices', 'ecs:CreateTaskSet', 'ecs:UpdateServicePrimaryTaskSet', 'ecs:DeleteTaskSet', 'cloudwatch:DescribeAlarms'], Resource: '*' },
    { Effect: 'Allow', Action: ['sns:Publish'], Resource: 'arn:aws:sns:*:*:CodeDeployTopic_*' },
    {
      Effect: 'Allow',
      Action: [
        'elasticloadbalancing:DescribeTargetGroups', 'elasticloadbalancing:DescribeListeners', 'elasticloadbalancing:ModifyListener',
        'elasticloadbalancing:DescribeRules', 'elasticloadbalancing:ModifyRule',
      ],
      Resource: '*',
    },
    { Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: 'arn:aws:lambda:*:*:function:CodeDeployHook_*' },
    { Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: '*', Condition: { StringEquals: { 's3:ExistingObjectTag/UseWithCodeDeploy': 'true' } } },
    { Effect: 'Allow', Action: ['iam:PassRole'], Resource: '*', Condition: { StringLike: { 'iam:PassedToService': ['ecs-tasks.amazonaws.com'] } } },
  ],
};

/** https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AdministratorAccess.html */
const ADMINISTRATOR: PolicyDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };

/** https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonS3ReadOnlyAccess.html: what a task role's user typically attaches. */
const S3_READ_ONLY: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: ['s3:Get*', 's3:List*', 's3:Describe*', 's3-object-lambda:Get*', 's3-object-lambda:List*'], Resource: '*' }],
};

const POLICIES: ReadonlyArray<[pathAndName: string, document: PolicyDocument | undefined]> = [
  ['/service-role/AmazonECSTaskExecutionRolePolicy', ECS_TASK_EXECUTION],
  ['/AWSCodeDeployRoleForECS', CODEDEPLOY_FOR_ECS],
  ['/AWSCodeDeployRoleForECSLimited', CODEDEPLOY_FOR_ECS_LIMITED],
  ['/AmazonEC2ContainerRegistryReadOnly', undefined],
  ['/AmazonEC2ContainerRegistryPowerUser', undefined],
  ['/AmazonSSMManagedInstanceCore', undefined],
  ['/CloudWatchLogsFullAccess', undefined],
  ['/AdministratorAccess', ADMINISTRATOR],
  ['/ReadOnlyAccess', undefined],
  ['/AmazonS3ReadOnlyAccess', S3_READ_ONLY],
];

/** The AWS managed policies the sandbox knows, by ARN. Anything else is not attachable. */
export const AWS_MANAGED_POLICIES: Readonly<Record<string, ManagedPolicy>> = Object.fromEntries(
  POLICIES.map(([pathAndName, document]) => {
    const cut = pathAndName.lastIndexOf('/') + 1;
    return [`arn:aws:iam::aws:policy${pathAndName}`, { name: pathAndName.slice(cut), path: pathAndName.slice(0, cut), ...(document ? { document } : {}) }];
  }),
);
