// What IAM checks when the caller makes a call: the sandbox's own reading of the Service
// Authorization Reference (https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html),
// independent of src/permissions.ts so that a permission that file forgets is a denial here.
// - The action is the operation's name under the service's IAM prefix (elasticloadbalancing:,
//   codestar-connections:, logs: …), except S3's bucket operations, whose actions have other
//   names (https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html).
// - Creating with tags also needs the service's tagging action (ec2:CreateTags, ecs:TagResource …;
//   https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/supported-iam-actions-tagging.html,
//   https://docs.aws.amazon.com/AmazonECS/latest/developerguide/supported-iam-actions-tagging.html).
// - Handing a role to a service needs iam:PassRole on that role with iam:PassedToService
//   (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html).
// - CreatePipeline and UpdatePipeline naming a connection need the permission-only
//   codestar-connections:PassConnection (codeconnections: for a codeconnections ARN)
//   (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscodepipeline.html,
//   https://docs.aws.amazon.com/dtconsole/latest/userguide/security_iam_id-based-policy-examples-connections.html).
// - AttachRolePolicy / DetachRolePolicy carry iam:PolicyARN; IAM, CloudWatch Logs and S3 calls are
//   authorized on the resource's ARN (a role's includes its path); the other services' on `*` here.
// - The first load balancer and ECS service of an account make AWS create the service-linked
//   role, which the caller must be allowed (iam:CreateServiceLinkedRole with iam:AWSServiceName;
//   https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html); so does the
//   first RegisterScalableTarget of an ECS service (AWSServiceRoleForApplicationAutoScaling_ECSService,
//   https://docs.aws.amazon.com/autoscaling/application/userguide/application-auto-scaling-service-linked-roles.html).
// - Application Auto Scaling calls also need the target service's and CloudWatch's permissions:
//   ecs:DescribeServices and ecs:UpdateService to register, cloudwatch:DescribeAlarms with
//   PutMetricAlarm / DeleteAlarms for policies
//   (https://docs.aws.amazon.com/autoscaling/application/userguide/security_iam_id-based-policy-examples.html,
//   https://docs.aws.amazon.com/AmazonECS/latest/developerguide/auto-scaling-IAM.html).
// - SSM parameter calls are authorized on each parameter's ARN (GetParameters: every name it
//   asks for), Secrets Manager calls on the secret's full ARN; PutParameter with Tags also needs
//   ssm:AddTagsToResource, CreateSecret with Tags secretsmanager:TagResource
//   (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssystemsmanager.html,
//   https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecretsmanager.html).
// - sts:GetCallerIdentity needs no permission
//   (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html).
import type { ServiceName } from '../aws/clients';
import type { AuthRequest } from './models/iam-policy';

const PREFIX: Record<ServiceName, string> = {
  sts: 'sts', ec2: 'ec2', elbv2: 'elasticloadbalancing', ecs: 'ecs', ecr: 'ecr', iam: 'iam', logs: 'logs', s3: 's3',
  codebuild: 'codebuild', codepipeline: 'codepipeline', connections: 'codestar-connections', codedeploy: 'codedeploy',
  ssm: 'ssm', secretsmanager: 'secretsmanager', appautoscaling: 'application-autoscaling',
  acm: 'acm', route53: 'route53',
};

/** S3 operations authorized by an action of another name. */
const S3_ACTIONS: Record<string, string> = {
  HeadBucket: 'ListBucket',
  ListObjects: 'ListBucket',
  ListObjectsV2: 'ListBucket',
  ListObjectVersions: 'ListBucketVersions',
  HeadObject: 'GetObject',
  GetBucketEncryption: 'GetEncryptionConfiguration',
  PutBucketEncryption: 'PutEncryptionConfiguration',
  GetPublicAccessBlock: 'GetBucketPublicAccessBlock',
  PutPublicAccessBlock: 'PutBucketPublicAccessBlock',
  GetBucketLifecycleConfiguration: 'GetLifecycleConfiguration',
  PutBucketLifecycleConfiguration: 'PutLifecycleConfiguration',
  DeleteObjects: 'DeleteObject',
};

/** The tagging action a create needs when it carries tags. */
const TAG_ON_CREATE: Partial<Record<ServiceName, string>> = {
  ec2: 'ec2:CreateTags', elbv2: 'elasticloadbalancing:AddTags', ecs: 'ecs:TagResource', ecr: 'ecr:TagResource', iam: 'iam:TagRole',
  logs: 'logs:TagResource', codepipeline: 'codepipeline:TagResource', connections: 'codestar-connections:TagResource', codedeploy: 'codedeploy:TagResource',
  secretsmanager: 'secretsmanager:TagResource', appautoscaling: 'application-autoscaling:TagResource',
};

/** What Application Auto Scaling does on the caller's behalf, which the caller must be allowed too. */
const AUTOSCALING_ALSO: Record<string, readonly string[]> = {
  RegisterScalableTarget: ['ecs:DescribeServices', 'ecs:UpdateService'],
  PutScalingPolicy: ['cloudwatch:DescribeAlarms', 'cloudwatch:PutMetricAlarm'],
  DeleteScalingPolicy: ['cloudwatch:DescribeAlarms', 'cloudwatch:DeleteAlarms'],
  DeregisterScalableTarget: ['cloudwatch:DescribeAlarms', 'cloudwatch:DeleteAlarms'],
};

/** Where a call hands a role to a service: the input field, and the service principal. */
const PASSES_ROLE: Record<string, { roles: (input: Record<string, unknown>) => unknown[]; to: string }> = {
  'codebuild:CreateProject': { roles: (i) => [i.serviceRole], to: 'codebuild.amazonaws.com' },
  'codebuild:UpdateProject': { roles: (i) => [i.serviceRole], to: 'codebuild.amazonaws.com' },
  'codepipeline:CreatePipeline': { roles: (i) => [field(i.pipeline, 'roleArn')], to: 'codepipeline.amazonaws.com' },
  'codepipeline:UpdatePipeline': { roles: (i) => [field(i.pipeline, 'roleArn')], to: 'codepipeline.amazonaws.com' },
  'ecs:RegisterTaskDefinition': { roles: (i) => [i.executionRoleArn, i.taskRoleArn], to: 'ecs-tasks.amazonaws.com' },
  'codedeploy:CreateDeploymentGroup': { roles: (i) => [i.serviceRoleArn], to: 'codedeploy.amazonaws.com' },
  'codedeploy:UpdateDeploymentGroup': { roles: (i) => [i.serviceRoleArn], to: 'codedeploy.amazonaws.com' },
};

/** What the sandbox knows of the world to name a request's resource. */
export interface AuthWorld {
  account: string;
  /** `aws`, `aws-cn`, `aws-us-gov`: the partition of every ARN a request names. */
  partition: string;
  region: string;
  /** A role's ARN (with its path) by name, when it exists. */
  roleArn(name: string): string | undefined;
  /** A secret's full ARN from a SecretId (name, partial or full ARN), when it exists. */
  secretArn(secretId: string): string | undefined;
  /** Whether AWS must still create the service-linked role of `service` (ecs.amazonaws.com …). */
  needsServiceLinkedRole(service: string): boolean;
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

const strings = (values: unknown[]): string[] => values.filter((v): v is string => typeof v === 'string' && v.length > 0);
const hasTags = (input: Record<string, unknown>): boolean =>
  ['Tags', 'tags', 'TagSpecifications'].some((key) => Array.isArray(input[key]) ? (input[key] as unknown[]).length > 0 : typeof input[key] === 'object' && input[key] !== null && Object.keys(input[key] as object).length > 0);

/** Every request IAM evaluates for one call; empty for a call that needs no permission. */
export function requestsFor(service: ServiceName, operation: string, input: Record<string, unknown>, world: AuthWorld): AuthRequest[] {
  if (service === 'sts' && operation === 'GetCallerIdentity') return [];
  const prefix = PREFIX[service];
  const action = `${prefix}:${service === 's3' ? (S3_ACTIONS[operation] ?? operation) : operation}`;
  const requests: AuthRequest[] = service === 'ssm' && Array.isArray(input.Names)
    ? strings(input.Names).map((name) => ({ action, resource: parameterArn(name, world) }))
    : [{ action, resource: resourceOf(service, operation, input, world), ...contextOf(service, operation, input) }];
  if (service === 'ssm' && operation === 'PutParameter' && hasTags(input)) requests.push({ action: 'ssm:AddTagsToResource', resource: requests[0]!.resource });
  // RequestCertificate with Tags also needs acm:AddTagsToCertificate (https://docs.aws.amazon.com/acm/latest/userguide/authen-apipermissions.html).
  if (service === 'acm' && operation === 'RequestCertificate' && hasTags(input)) requests.push({ action: 'acm:AddTagsToCertificate', resource: requests[0]!.resource });
  if (service === 'appautoscaling') for (const also of AUTOSCALING_ALSO[operation] ?? []) requests.push({ action: also, resource: '*' });
  if (service === 's3' && operation === 'DeleteObjects') {
    const versioned = (field(input.Delete, 'Objects') as unknown[] | undefined)?.some((o) => field(o, 'VersionId') !== undefined);
    if (versioned) requests.push({ action: 's3:DeleteObjectVersion', resource: requests[0]!.resource });
  }
  const tagAction = TAG_ON_CREATE[service];
  if (tagAction && /^(Create|Run|Allocate|Register)/.test(operation) && hasTags(input)) requests.push({ action: tagAction, resource: requests[0]!.resource });
  const passes = PASSES_ROLE[`${prefix}:${operation}`];
  for (const roleArn of passes ? strings(passes.roles(input)) : []) {
    requests.push({ action: 'iam:PassRole', resource: roleArn, context: { 'iam:PassedToService': passes!.to } });
  }
  if (service === 'codepipeline' && (operation === 'CreatePipeline' || operation === 'UpdatePipeline')) {
    for (const arn of connectionArnsOf(input.pipeline)) {
      const connectionPrefix = arn.includes(':codeconnections:') ? 'codeconnections' : 'codestar-connections';
      requests.push({ action: `${connectionPrefix}:PassConnection`, resource: arn, context: { [`${connectionPrefix}:PassedToService`]: 'codepipeline.amazonaws.com' } });
    }
  }
  const linked = LINKED_ROLES[`${service}:${operation}`];
  if (linked && world.needsServiceLinkedRole(linked.service)) {
    requests.push({
      action: 'iam:CreateServiceLinkedRole',
      resource: `arn:${world.partition}:iam::${world.account}:role/aws-service-role/${linked.service}/${linked.role}`,
      context: { 'iam:AWSServiceName': linked.service },
    });
  }
  return requests;
}

/** The calls that make AWS create a service-linked role on their first use: its service and name. */
const LINKED_ROLES: Record<string, { service: string; role: string }> = {
  'elbv2:CreateLoadBalancer': { service: 'elasticloadbalancing.amazonaws.com', role: 'AWSServiceRoleForElasticLoadBalancing' },
  'ecs:CreateService': { service: 'ecs.amazonaws.com', role: 'AWSServiceRoleForECS' },
  'appautoscaling:RegisterScalableTarget': { service: 'ecs.application-autoscaling.amazonaws.com', role: 'AWSServiceRoleForApplicationAutoScaling_ECSService' },
};

/** `…:parameter/<name>`, the name without its leading slash; an ARN stays as it is. */
function parameterArn(ref: string, world: AuthWorld): string {
  return ref.startsWith('arn:') ? ref : `arn:${world.partition}:ssm:${world.region}:${world.account}:parameter/${ref.replace(/^\//, '')}`;
}

function connectionArnsOf(pipeline: unknown): string[] {
  const stages = (field(pipeline, 'stages') as unknown[] | undefined) ?? [];
  const actions = stages.flatMap((stage) => (field(stage, 'actions') as unknown[] | undefined) ?? []);
  return [...new Set(strings(actions.map((a) => field(field(a, 'configuration'), 'ConnectionArn'))))];
}

function resourceOf(service: ServiceName, operation: string, input: Record<string, unknown>, world: AuthWorld): string {
  if (service === 'iam') {
    const name = input.RoleName;
    if (typeof name !== 'string') return '*';
    if (operation === 'CreateRole') return `arn:${world.partition}:iam::${world.account}:role${typeof input.Path === 'string' ? input.Path : '/'}${name}`;
    return world.roleArn(name) ?? `arn:${world.partition}:iam::${world.account}:role/${name}`;
  }
  if (service === 'logs') {
    const group = input.logGroupName;
    if (typeof group === 'string') return `arn:${world.partition}:logs:${world.region}:${world.account}:log-group:${group}`;
    if (typeof input.resourceArn === 'string') return input.resourceArn.replace(/:\*$/, '');
    return '*';
  }
  if (service === 'ssm') {
    const name = input.Name ?? input.ResourceId;
    return typeof name === 'string' ? parameterArn(name, world) : '*';
  }
  if (service === 'secretsmanager') {
    if (operation === 'CreateSecret') return typeof input.Name === 'string' ? `arn:${world.partition}:secretsmanager:${world.region}:${world.account}:secret:${input.Name}-xxxxxx` : '*';
    const id = input.SecretId;
    if (typeof id !== 'string') return '*';
    return world.secretArn(id) ?? (id.startsWith('arn:') ? id : `arn:${world.partition}:secretsmanager:${world.region}:${world.account}:secret:${id}`);
  }
  if (service === 'route53') {
    // Zones and changes have ARNs without region or account (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonroute53.html).
    const zone = typeof input.HostedZoneId === 'string' ? input.HostedZoneId : operation === 'GetHostedZone' && typeof input.Id === 'string' ? input.Id : undefined;
    if (zone !== undefined) return `arn:${world.partition}:route53:::hostedzone/${zone.replace(/^\/?hostedzone\//, '')}`;
    if (operation === 'GetChange' && typeof input.Id === 'string') return `arn:${world.partition}:route53:::change/${input.Id.replace(/^\/?change\//, '')}`;
    return '*';
  }
  if (service === 's3') {
    const bucket = input.Bucket;
    if (typeof bucket !== 'string') return '*';
    return typeof input.Key === 'string' ? `arn:${world.partition}:s3:::${bucket}/${input.Key}` : operation === 'DeleteObjects' ? `arn:${world.partition}:s3:::${bucket}/*` : `arn:${world.partition}:s3:::${bucket}`;
  }
  return '*';
}

function contextOf(service: ServiceName, operation: string, input: Record<string, unknown>): Pick<AuthRequest, 'context'> {
  if (service === 'iam' && (operation === 'AttachRolePolicy' || operation === 'DetachRolePolicy') && typeof input.PolicyArn === 'string') {
    return { context: { 'iam:PolicyARN': input.PolicyArn } };
  }
  return {};
}

/** A denial in the service's own error shape: its code and HTTP status. */
export function deniedErrorShape(service: ServiceName): { code: string; status: number } {
  switch (service) {
    case 'ec2':
      return { code: 'UnauthorizedOperation', status: 403 };
    case 's3':
    case 'iam':
    case 'elbv2':
      return { code: 'AccessDenied', status: 403 };
    default:
      return { code: 'AccessDeniedException', status: 400 };
  }
}
