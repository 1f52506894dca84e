// The IAM policy a person (or CI) needs to run shipline: generated from the AWS operations its
// steps and commands call, each mapped to the IAM actions AWS authorizes it with. `OPERATIONS` is
// the list of those calls; test/permissions.test.ts checks it against the code (every SDK command
// the steps, commands and state backends send, every waiter they run) and against the call log of
// full runs on the sandbox, so that it can neither miss a call nor grant one nobody makes. The
// README's "Permissions" section is `renderPolicy()`; the same test keeps them equal (print it with
// `npm run build && node -e "console.log(require('./dist/src/permissions').renderPolicy())"`).
//
// Where the IAM action differs from the operation's name it is spelled out: Elastic Load Balancing
// is `elasticloadbalancing:`, CloudWatch Logs `logs:`, CodeStar Connections
// `codestar-connections:`, and most S3 bucket operations are authorized by actions of other names
// (HeadBucket → s3:ListBucket, GetBucketEncryption → s3:GetEncryptionConfiguration …). Calls that
// tag what they create also need the service's tagging action; calls that hand a role to a service
// need iam:PassRole; the first load balancer and ECS service of an account make AWS create its
// service-linked role.
import type { ServiceName } from './aws/clients';
import type { PolicyDocument, PolicyStatement } from './policies';

/** Where an action is allowed: one statement of the generated policy. */
interface Scope {
  sid: string;
  resource: string | string[];
  condition?: PolicyStatement['Condition'];
}

const everything = (sid: string): Scope => ({ sid, resource: '*' });

/**
 * Services whose resources shipline names after the stack but whose ARNs a stack-independent
 * policy cannot narrow (IDs AWS generates, names that are the stack's): Resource "*".
 */
const EC2 = everything('Ec2NetworkAndNat');
const ELB = everything('LoadBalancer');
const ECS = everything('EcsClusterServicesTaskDefinitions');
const ECR = everything('EcrRepository');
const CODEBUILD = everything('CodeBuildProject');
const CODEPIPELINE = everything('CodePipeline');
const CONNECTIONS = everything('GitHubConnection');
const CODEDEPLOY = everything('CodeDeployBlueGreen');
/** Scalable targets and policies on the stack's services, and the alarms target tracking makes for them. */
const AUTOSCALING = everything('ServiceAutoScaling');
/** ACM certificate ARNs end in an ID AWS generates. */
const CERTIFICATES = everything('DomainCertificate');
/** Finding the domain's zone lists zones by name: no single zone to name. */
const ZONE_LISTING = everything('FindHostedZone');
/** The domain's zone (its ID is the user's, or found by name): its records, and the changes written to it. */
const HOSTED_ZONES: Scope = { sid: 'DomainRecords', resource: ['arn:aws:route53:::hostedzone/*', 'arn:aws:route53:::change/*'] };
/** DescribeLogGroups authorizes on no single log group. */
const LOG_LISTING = everything('ListLogGroups');
/** Nor ListRoles on a role: its PathPrefix (/shipline/) narrows the answer, not the permission. */
const ROLE_LISTING = everything('ListRoles');

/** Roles live under the path /shipline/: shipline creates, changes and deletes no other role. */
const ROLE_ARN = 'arn:aws:iam::*:role/shipline/*';
const ROLES: Scope = { sid: 'ShiplineRoles', resource: ROLE_ARN };
/** The AWS managed policies shipline attaches to its roles, and no other. */
export const MANAGED_POLICIES = [
  'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy',
  'arn:aws:iam::aws:policy/AWSCodeDeployRoleForECSLimited',
] as const;
const ROLE_POLICIES: Scope = { sid: 'ShiplineRolesManagedPolicies', resource: ROLE_ARN, condition: { ArnEquals: { 'iam:PolicyARN': [...MANAGED_POLICIES] } } };
/** The broad policy shipline attached to the CodeDeploy role before it used the Limited one: a provision detaches it. */
const RETIRED_POLICIES: Scope = {
  sid: 'ShiplineRolesRetiredPolicies',
  resource: ROLE_ARN,
  condition: { ArnEquals: { 'iam:PolicyARN': ['arn:aws:iam::aws:policy/AWSCodeDeployRoleForECS'] } },
};
/** Its roles, handed only to the services they are for. */
const PASS_ROLE: Scope = {
  sid: 'PassShiplineRoles',
  resource: ROLE_ARN,
  condition: {
    StringEquals: {
      'iam:PassedToService': ['codebuild.amazonaws.com', 'codedeploy.amazonaws.com', 'codepipeline.amazonaws.com', 'ecs-tasks.amazonaws.com'],
    },
  },
};
/** The first ECS service and load balancer of an account make AWS create its service-linked role. */
const SERVICE_LINKED_ROLES: Scope = {
  sid: 'ServiceLinkedRolesOnFirstUse',
  resource: 'arn:aws:iam::*:role/aws-service-role/*',
  condition: { StringEquals: { 'iam:AWSServiceName': ['ecs.amazonaws.com', 'ecs.application-autoscaling.amazonaws.com', 'elasticloadbalancing.amazonaws.com'] } },
};
/**
 * CreatePipeline and UpdatePipeline naming a connection are also authorized as the permission-only
 * PassConnection, on the connection, under the prefix of its ARN (codestar-connections: or
 * codeconnections:), for CodePipeline only.
 */
const PASS_CONNECTION: Scope = {
  sid: 'PassConnectionToPipeline',
  resource: ['arn:aws:codestar-connections:*:*:connection/*', 'arn:aws:codeconnections:*:*:connection/*'],
  condition: {
    StringEqualsIfExists: {
      'codestar-connections:PassedToService': ['codepipeline.amazonaws.com'],
      'codeconnections:PassedToService': ['codepipeline.amazonaws.com'],
    },
  },
};
/** The parameters and secrets a config's `secrets` name: any, since the config chooses them. */
const SSM_PARAMETERS: Scope = { sid: 'CheckSecretParameters', resource: 'arn:aws:ssm:*:*:parameter/*' };
const SECRETS: Scope = { sid: 'CheckSecrets', resource: 'arn:aws:secretsmanager:*:*:secret:*' };
/** Log groups live under /shipline/<stack>/. */
const LOG_GROUPS: Scope = { sid: 'ShiplineLogGroups', resource: 'arn:aws:logs:*:*:log-group:/shipline/*' };
/** The artifact bucket is `<stack>-artifacts-<account>-<region>`. */
const ARTIFACT_BUCKET: Scope = { sid: 'ArtifactBucket', resource: ['arn:aws:s3:::*-artifacts-*', 'arn:aws:s3:::*-artifacts-*/*'] };
/**
 * Only with `state.backend` `s3`: the state object and its lock, under the default key prefix
 * `shipline/` of the bucket you choose (narrow it to that bucket; widen it for another key).
 */
const STATE_BUCKET: Scope = { sid: 'StateInS3Optional', resource: ['arn:aws:s3:::*', 'arn:aws:s3:::*/shipline/*'] };

type Grant = readonly [action: string, scope: Scope];

const PASS_CONNECTIONS: readonly Grant[] = [['codestar-connections:PassConnection', PASS_CONNECTION], ['codeconnections:PassConnection', PASS_CONNECTION]];

/** Each operation shipline calls → the IAM actions it needs, and where. */
const OPERATION_GRANTS: { [S in ServiceName]: Record<string, readonly Grant[]> } = {
  sts: {
    // Always allowed: AWS asks for no permission to tell callers who they are.
    GetCallerIdentity: [],
  },
  ec2: {
    ...same('ec2', EC2, [
      'AssociateRouteTable', 'AttachInternetGateway', 'AuthorizeSecurityGroupEgress', 'AuthorizeSecurityGroupIngress', 'CreateRoute',
      'DeleteInternetGateway', 'DeleteNatGateway', 'DeleteRoute', 'DeleteRouteTable', 'DeleteSecurityGroup', 'DeleteSubnet', 'DeleteVpc',
      'DescribeAddresses', 'DescribeAvailabilityZones', 'DescribeImages', 'DescribeInstances', 'DescribeInternetGateways', 'DescribeNatGateways',
      'DescribeNetworkInterfaces', 'DescribeRouteTables', 'DescribeSecurityGroups', 'DescribeSubnets', 'DescribeVpcAttribute', 'DescribeVpcEndpoints', 'DescribeVpcs',
      'DetachInternetGateway', 'DisassociateRouteTable', 'ModifyInstanceAttribute', 'ModifyInstanceMetadataOptions', 'ModifySubnetAttribute',
      'ModifyVpcAttribute', 'ReleaseAddress', 'ReplaceRoute', 'RevokeSecurityGroupEgress', 'RevokeSecurityGroupIngress', 'StartInstances',
      'TerminateInstances',
    ]),
    // Created with TagSpecifications: tagging on create is authorized as ec2:CreateTags.
    ...taggedOnCreate('ec2', EC2, 'ec2:CreateTags', ['AllocateAddress', 'CreateInternetGateway', 'CreateNatGateway', 'CreateRouteTable', 'CreateSecurityGroup', 'CreateSubnet', 'CreateVpc', 'RunInstances']),
  },
  elbv2: {
    ...same('elasticloadbalancing', ELB, [
      'DeleteListener', 'DeleteLoadBalancer', 'DeleteRule', 'DeleteTargetGroup', 'DescribeListeners', 'DescribeLoadBalancers', 'DescribeRules',
      'DescribeTags', 'DescribeTargetGroupAttributes', 'DescribeTargetGroups', 'DescribeTargetHealth', 'ModifyListener', 'ModifyRule',
      'ModifyTargetGroup', 'ModifyTargetGroupAttributes', 'SetRulePriorities', 'SetSecurityGroups', 'SetSubnets',
    ]),
    ...taggedOnCreate('elasticloadbalancing', ELB, 'elasticloadbalancing:AddTags', ['CreateListener', 'CreateRule', 'CreateTargetGroup']),
    CreateLoadBalancer: [['elasticloadbalancing:CreateLoadBalancer', ELB], ['elasticloadbalancing:AddTags', ELB], ['iam:CreateServiceLinkedRole', SERVICE_LINKED_ROLES]],
  },
  ecs: {
    ...same('ecs', ECS, ['DeleteCluster', 'DeleteService', 'DeregisterTaskDefinition', 'DescribeClusters', 'DescribeServices', 'DescribeTaskDefinition', 'ListTaskDefinitions', 'UpdateClusterSettings', 'UpdateService']),
    // exec: a running task of the environment, and its ECS Exec session.
    ...same('ecs', ECS, ['DescribeTasks', 'ExecuteCommand', 'ListTasks']),
    CreateCluster: [['ecs:CreateCluster', ECS], ['ecs:TagResource', ECS]],
    CreateService: [['ecs:CreateService', ECS], ['ecs:TagResource', ECS], ['iam:CreateServiceLinkedRole', SERVICE_LINKED_ROLES]],
    // The task execution role goes to ECS with each revision.
    RegisterTaskDefinition: [['ecs:RegisterTaskDefinition', ECS], ['ecs:TagResource', ECS], ['iam:PassRole', PASS_ROLE]],
  },
  ecr: {
    ...same('ecr', ECR, ['DeleteRepository', 'DescribeRepositories', 'GetLifecyclePolicy', 'ListTagsForResource', 'PutImageScanningConfiguration', 'PutImageTagMutability', 'PutLifecyclePolicy']),
    CreateRepository: [['ecr:CreateRepository', ECR], ['ecr:TagResource', ECR]],
  },
  iam: {
    ...same('iam', ROLES, ['DeleteRole', 'DeleteRolePolicy', 'GetRole', 'GetRolePolicy', 'ListAttachedRolePolicies', 'ListRolePolicies', 'PutRolePolicy', 'UpdateAssumeRolePolicy']),
    CreateRole: [['iam:CreateRole', ROLES], ['iam:TagRole', ROLES]],
    ListRoles: [['iam:ListRoles', ROLE_LISTING]],
    AttachRolePolicy: [['iam:AttachRolePolicy', ROLE_POLICIES]],
    DetachRolePolicy: [['iam:DetachRolePolicy', ROLE_POLICIES], ['iam:DetachRolePolicy', RETIRED_POLICIES]],
  },
  logs: {
    ...same('logs', LOG_GROUPS, ['DeleteLogGroup', 'GetLogEvents', 'ListTagsForResource', 'PutRetentionPolicy']),
    // logs: an environment's or the latest build's log lines.
    FilterLogEvents: [['logs:FilterLogEvents', LOG_GROUPS]],
    CreateLogGroup: [['logs:CreateLogGroup', LOG_GROUPS], ['logs:TagResource', LOG_GROUPS]],
    DescribeLogGroups: [['logs:DescribeLogGroups', LOG_LISTING]],
  },
  s3: {
    CreateBucket: [['s3:CreateBucket', ARTIFACT_BUCKET]],
    DeleteBucket: [['s3:DeleteBucket', ARTIFACT_BUCKET]],
    HeadBucket: [['s3:ListBucket', ARTIFACT_BUCKET]],
    GetBucketVersioning: [['s3:GetBucketVersioning', ARTIFACT_BUCKET], ['s3:GetBucketVersioning', STATE_BUCKET]],
    PutBucketVersioning: [['s3:PutBucketVersioning', ARTIFACT_BUCKET]],
    GetPublicAccessBlock: [['s3:GetBucketPublicAccessBlock', ARTIFACT_BUCKET]],
    PutPublicAccessBlock: [['s3:PutBucketPublicAccessBlock', ARTIFACT_BUCKET]],
    GetBucketEncryption: [['s3:GetEncryptionConfiguration', ARTIFACT_BUCKET]],
    PutBucketEncryption: [['s3:PutEncryptionConfiguration', ARTIFACT_BUCKET]],
    GetBucketPolicy: [['s3:GetBucketPolicy', ARTIFACT_BUCKET]],
    PutBucketPolicy: [['s3:PutBucketPolicy', ARTIFACT_BUCKET]],
    GetBucketLifecycleConfiguration: [['s3:GetLifecycleConfiguration', ARTIFACT_BUCKET]],
    PutBucketLifecycleConfiguration: [['s3:PutLifecycleConfiguration', ARTIFACT_BUCKET]],
    GetBucketTagging: [['s3:GetBucketTagging', ARTIFACT_BUCKET]],
    PutBucketTagging: [['s3:PutBucketTagging', ARTIFACT_BUCKET]],
    ListObjectVersions: [['s3:ListBucketVersions', ARTIFACT_BUCKET]],
    // Emptying the bucket deletes each object version.
    DeleteObjects: [['s3:DeleteObject', ARTIFACT_BUCKET], ['s3:DeleteObjectVersion', ARTIFACT_BUCKET]],
    GetObject: [['s3:GetObject', STATE_BUCKET]],
    PutObject: [['s3:PutObject', STATE_BUCKET]],
    DeleteObject: [['s3:DeleteObject', STATE_BUCKET]],
  },
  codebuild: {
    BatchGetProjects: [['codebuild:BatchGetProjects', CODEBUILD]],
    // status and logs: a build's log stream.
    BatchGetBuilds: [['codebuild:BatchGetBuilds', CODEBUILD]],
    // logs build: the project's latest build.
    ListBuildsForProject: [['codebuild:ListBuildsForProject', CODEBUILD]],
    CreateProject: [['codebuild:CreateProject', CODEBUILD], ['iam:PassRole', PASS_ROLE]],
    UpdateProject: [['codebuild:UpdateProject', CODEBUILD], ['iam:PassRole', PASS_ROLE]],
    DeleteProject: [['codebuild:DeleteProject', CODEBUILD]],
  },
  codepipeline: {
    ...same('codepipeline', CODEPIPELINE, ['DeletePipeline', 'GetPipeline', 'GetPipelineState', 'ListPipelineExecutions', 'ListTagsForResource', 'PutApprovalResult', 'StartPipelineExecution']),
    CreatePipeline: [['codepipeline:CreatePipeline', CODEPIPELINE], ['codepipeline:TagResource', CODEPIPELINE], ['iam:PassRole', PASS_ROLE], ...PASS_CONNECTIONS],
    UpdatePipeline: [['codepipeline:UpdatePipeline', CODEPIPELINE], ['iam:PassRole', PASS_ROLE], ...PASS_CONNECTIONS],
  },
  connections: {
    ...same('codestar-connections', CONNECTIONS, ['DeleteConnection', 'GetConnection', 'ListConnections', 'ListTagsForResource']),
    CreateConnection: [['codestar-connections:CreateConnection', CONNECTIONS], ['codestar-connections:TagResource', CONNECTIONS]],
  },
  codedeploy: {
    ...same('codedeploy', CODEDEPLOY, ['BatchGetDeploymentGroups', 'DeleteApplication', 'DeleteDeploymentGroup', 'GetApplication', 'GetDeployment', 'GetDeploymentGroup', 'ListDeployments', 'ListTagsForResource']),
    CreateApplication: [['codedeploy:CreateApplication', CODEDEPLOY], ['codedeploy:TagResource', CODEDEPLOY]],
    CreateDeploymentGroup: [['codedeploy:CreateDeploymentGroup', CODEDEPLOY], ['codedeploy:TagResource', CODEDEPLOY], ['iam:PassRole', PASS_ROLE]],
    UpdateDeploymentGroup: [['codedeploy:UpdateDeploymentGroup', CODEDEPLOY], ['iam:PassRole', PASS_ROLE]],
    // A deployment reads its deployment configuration and registers the revision (the AppSpec) it deploys.
    CreateDeployment: [['codedeploy:CreateDeployment', CODEDEPLOY], ['codedeploy:GetDeploymentConfig', CODEDEPLOY], ['codedeploy:RegisterApplicationRevision', CODEDEPLOY]],
  },
  // The services step's pre-flight check that each of the config's `secrets` exists: read-only,
  // no value decrypted (GetParameters without WithDecryption; DescribeSecret returns no value).
  ssm: { GetParameters: [['ssm:GetParameters', SSM_PARAMETERS]] },
  secretsmanager: { DescribeSecret: [['secretsmanager:DescribeSecret', SECRETS]] },
  // Application Auto Scaling acts on the service and its alarms as the caller: the caller needs those
  // permissions too (https://docs.aws.amazon.com/autoscaling/application/userguide/security_iam_id-based-policy-examples.html).
  appautoscaling: {
    ...same('application-autoscaling', AUTOSCALING, ['DescribeScalableTargets', 'DescribeScalingPolicies']),
    RegisterScalableTarget: [
      ['application-autoscaling:RegisterScalableTarget', AUTOSCALING],
      ['application-autoscaling:TagResource', AUTOSCALING],
      ['ecs:DescribeServices', ECS],
      ['ecs:UpdateService', ECS],
      ['iam:CreateServiceLinkedRole', SERVICE_LINKED_ROLES],
    ],
    DeregisterScalableTarget: [['application-autoscaling:DeregisterScalableTarget', AUTOSCALING], ['cloudwatch:DescribeAlarms', AUTOSCALING], ['cloudwatch:DeleteAlarms', AUTOSCALING]],
    PutScalingPolicy: [['application-autoscaling:PutScalingPolicy', AUTOSCALING], ['cloudwatch:DescribeAlarms', AUTOSCALING], ['cloudwatch:PutMetricAlarm', AUTOSCALING]],
    DeleteScalingPolicy: [['application-autoscaling:DeleteScalingPolicy', AUTOSCALING], ['cloudwatch:DescribeAlarms', AUTOSCALING], ['cloudwatch:DeleteAlarms', AUTOSCALING]],
  },
  // Issue 14's domain: the certificate and the records in the domain's zone.
  acm: {
    ...same('acm', CERTIFICATES, ['DeleteCertificate', 'DescribeCertificate', 'ListCertificates', 'ListTagsForCertificate']),
    RequestCertificate: [['acm:RequestCertificate', CERTIFICATES], ['acm:AddTagsToCertificate', CERTIFICATES]],
  },
  route53: {
    ListHostedZonesByName: [['route53:ListHostedZonesByName', ZONE_LISTING]],
    ...same('route53', HOSTED_ZONES, ['ChangeResourceRecordSets', 'GetChange', 'GetHostedZone', 'ListResourceRecordSets']),
  },
};

function same(prefix: string, scope: Scope, operations: readonly string[]): Record<string, readonly Grant[]> {
  return Object.fromEntries(operations.map((op) => [op, [[`${prefix}:${op}`, scope]] as const]));
}

function taggedOnCreate(prefix: string, scope: Scope, tagAction: string, operations: readonly string[]): Record<string, readonly Grant[]> {
  return Object.fromEntries(operations.map((op) => [op, [[`${prefix}:${op}`, scope], [tagAction, scope]] as const]));
}

/** Every operation shipline calls, by service. */
export const OPERATIONS: { readonly [S in ServiceName]: readonly string[] } = Object.fromEntries(
  Object.entries(OPERATION_GRANTS).map(([service, ops]) => [service, Object.keys(ops).sort()]),
) as { [S in ServiceName]: string[] };

/** The IAM actions one call needs; undefined for a call shipline is not known to make. */
export function actionsFor(service: ServiceName, operation: string): string[] | undefined {
  return OPERATION_GRANTS[service][operation]?.map(([action]) => action);
}

/** What a config chooses that changes the calls shipline makes. */
export interface PolicyVariant {
  strategy: 'rolling' | 'blue-green';
  /** `none`: an imported VPC (network.vpcId), which shipline only reads. */
  natMode: 'instance' | 'nat-gateway' | 'none';
  stateBackend: 'local' | 's3';
  /** The config's task role managed policies (issue 13): shipline attaches them too. */
  managedPolicyArns?: readonly string[];
}

/**
 * The calls only one choice makes: what creates the other choice's resources. Reads and deletes
 * of the other choice stay in every policy (a provision after a switch cleans them up).
 */
const ONLY_WHEN: Record<string, (v: PolicyVariant) => boolean> = {
  'ec2:AllocateAddress': (v) => v.natMode === 'nat-gateway',
  'ec2:CreateNatGateway': (v) => v.natMode === 'nat-gateway',
  'ec2:RunInstances': (v) => v.natMode === 'instance',
  'ec2:StartInstances': (v) => v.natMode === 'instance',
  'ec2:DescribeImages': (v) => v.natMode === 'instance',
  'ec2:ModifyInstanceAttribute': (v) => v.natMode === 'instance',
  'ec2:ModifyInstanceMetadataOptions': (v) => v.natMode === 'instance',
  // The network shipline makes; an imported VPC is only read, with its endpoints.
  ...Object.fromEntries(
    ['CreateVpc', 'ModifyVpcAttribute', 'CreateSubnet', 'ModifySubnetAttribute', 'CreateInternetGateway', 'AttachInternetGateway', 'CreateRouteTable', 'AssociateRouteTable', 'CreateRoute', 'ReplaceRoute']
      .map((op) => [`ec2:${op}`, (v: PolicyVariant) => v.natMode !== 'none']),
  ),
  'ec2:DescribeVpcEndpoints': (v) => v.natMode === 'none',
  'codedeploy:CreateApplication': (v) => v.strategy === 'blue-green',
  'codedeploy:CreateDeploymentGroup': (v) => v.strategy === 'blue-green',
  'codedeploy:UpdateDeploymentGroup': (v) => v.strategy === 'blue-green',
  'codedeploy:CreateDeployment': (v) => v.strategy === 'blue-green',
  // What those calls ask besides (tags on create, the deployment's configuration and revision):
  // keyed by action, a rolling policy would keep them although it creates nothing in CodeDeploy.
  'codedeploy:TagResource': (v) => v.strategy === 'blue-green',
  'codedeploy:GetDeploymentConfig': (v) => v.strategy === 'blue-green',
  'codedeploy:RegisterApplicationRevision': (v) => v.strategy === 'blue-green',
};
const SCOPE_ONLY_WHEN = new Map<Scope, (v: PolicyVariant) => boolean>([[STATE_BUCKET, (v) => v.stateBackend === 's3']]);

/** Every choice: the union over them is the policy that runs any config. */
export const ALL_VARIANTS: readonly PolicyVariant[] = (['rolling', 'blue-green'] as const).flatMap((strategy) =>
  (['instance', 'nat-gateway', 'none'] as const).flatMap((natMode) => (['local', 's3'] as const).map((stateBackend) => ({ strategy, natMode, stateBackend }))),
);

type ManagedPoliciesOf = { managedPolicyArns: readonly string[] } | null | undefined;

/** The config's choices, as the policy sees them. */
export function variantOf(config: {
  deploy: { strategy: string };
  nat: { mode: string };
  state: { backend: { type: string } };
  services?: { taskRole?: ManagedPoliciesOf };
  environments?: ReadonlyArray<{ taskRole?: ManagedPoliciesOf }>;
}): PolicyVariant {
  const roles = [config.services?.taskRole, ...(config.environments ?? []).map((e) => e.taskRole)];
  const managed = [...new Set(roles.flatMap((r) => r?.managedPolicyArns ?? []))].sort();
  return {
    strategy: config.deploy.strategy === 'blue-green' ? 'blue-green' : 'rolling',
    natMode: config.nat.mode === 'nat-gateway' || config.nat.mode === 'none' ? config.nat.mode : 'instance',
    stateBackend: config.state.backend.type === 's3' ? 's3' : 'local',
    ...(managed.length > 0 ? { managedPolicyArns: managed } : {}),
  };
}

/**
 * The policy: one statement per scope, in a stable order, actions sorted. For the given choices
 * (a config's: `variantOf`), or for every choice when none are given.
 */
export function requiredPolicy(variants: readonly PolicyVariant[] = ALL_VARIANTS): PolicyDocument {
  const needed = (action: string, scope: Scope) =>
    variants.some((v) => (ONLY_WHEN[action]?.(v) ?? true) && (SCOPE_ONLY_WHEN.get(scope)?.(v) ?? true));
  const byScope = new Map<Scope, Set<string>>();
  for (const ops of Object.values(OPERATION_GRANTS)) {
    for (const grants of Object.values(ops)) {
      for (const [action, scope] of grants) {
        if (!needed(action, scope)) continue;
        const actions = byScope.get(scope) ?? new Set<string>();
        actions.add(action);
        byScope.set(scope, actions);
      }
    }
  }
  // A config's task role policies join the ones shipline attaches: exactly those, no wildcard.
  const extra = [...new Set(variants.flatMap((v) => v.managedPolicyArns ?? []))].filter((arn) => !(MANAGED_POLICIES as readonly string[]).includes(arn)).sort();
  const conditionOf = (scope: Scope) =>
    scope === ROLE_POLICIES && extra.length > 0 ? { ArnEquals: { 'iam:PolicyARN': [...MANAGED_POLICIES, ...extra] } } : scope.condition;
  return {
    Version: '2012-10-17',
    Statement: [...byScope.entries()]
      .sort(([a], [b]) => a.sid.localeCompare(b.sid))
      .map(([scope, actions]) => {
        const condition = conditionOf(scope);
        return {
          Sid: scope.sid,
          Effect: 'Allow' as const,
          Action: [...actions].sort(),
          Resource: scope.resource,
          ...(condition ? { Condition: condition } : {}),
        };
      }),
  };
}

/** The policy as `shipline permissions` prints it (the README shows it for every choice). */
export function renderPolicy(variants: readonly PolicyVariant[] = ALL_VARIANTS, partition = 'aws'): string {
  return JSON.stringify(inPartition(requiredPolicy(variants), partition), null, 2);
}

/** The policy with every ARN in `partition` (`aws-cn`, `aws-us-gov` …): written in `aws` above. */
export function inPartition(policy: PolicyDocument, partition: string): PolicyDocument {
  if (partition === 'aws') return policy;
  const rewrite = (value: unknown): unknown => {
    if (typeof value === 'string') return value.startsWith('arn:aws:') ? `arn:${partition}:${value.slice('arn:aws:'.length)}` : value;
    if (Array.isArray(value)) return value.map(rewrite);
    if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewrite(v)]));
    return value;
  };
  return rewrite(policy) as PolicyDocument;
}
