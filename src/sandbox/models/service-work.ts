// What each piece of work a service does on a role's behalf needs from that role, as the AWS page
// cited on each row says, and the check the models run before doing it: the role's inline and
// attached managed policies are evaluated (iam-policy.ts) for every request of the row; the first
// one they do not allow fails the work with AWS's access-denied sentence naming that action.
import type { IamSandbox } from './iam';
import { deniedMessage, firstDenied, type AuthRequest } from './iam-policy';

/** Where the work happens: the account and region its ARNs are built in. */
export interface WorkPlace {
  account: string;
  region: string;
  /** `aws`, `aws-cn`, `aws-us-gov`: every ARN the work names is in it. */
  partition: string;
}

const PASSED_TO_ECS_TASKS = { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } as const;
const passRole = (roleArn: string): AuthRequest => ({ action: 'iam:PassRole', resource: roleArn, context: PASSED_TO_ECS_TASKS });
const regional = (p: WorkPlace, service: string, resource: string) => `arn:${p.partition}:${service}:${p.region}:${p.account}:${resource}`;
const ecrPull = (repositoryArn: string): AuthRequest[] => [
  { action: 'ecr:GetAuthorizationToken', resource: '*' },
  ...['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'].map((action) => ({ action, resource: repositoryArn })),
];
const writeLogs = (logGroupArn: string, stream: string): AuthRequest[] => [
  { action: 'logs:CreateLogStream', resource: `${logGroupArn}:log-stream:${stream}` },
  { action: 'logs:PutLogEvents', resource: `${logGroupArn}:log-stream:${stream}` },
];

/** One row of the table: the work, who does it, the AWS page, and the requests it makes as the role. */
interface WorkRow<P> {
  service: string;
  page: string;
  needs: (p: P, place: WorkPlace) => AuthRequest[];
}

/** The table. Keep one row per piece of work; each `page` is where its permissions come from. */
export const SERVICE_WORK = {
  /** CodePipeline's CodeStarSourceConnection action pulls the commit through the connection and stores it as an artifact. */
  pipelineSource: {
    service: 'CodePipeline',
    page: 'https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-CodestarConnectionSource.html',
    needs: (p: { connectionArn: string; bucket: string; pipeline: string }, place) => [
      { action: `${p.connectionArn.includes(':codeconnections:') ? 'codeconnections' : 'codestar-connections'}:UseConnection`, resource: p.connectionArn },
      { action: 's3:PutObject', resource: `arn:${place.partition}:s3:::${p.bucket}/${p.pipeline}/SourceArti/source.zip` },
    ],
  } satisfies WorkRow<{ connectionArn: string; bucket: string; pipeline: string }>,
  /** CodePipeline's CodeBuild action starts the build and polls it. */
  pipelineBuild: {
    service: 'CodePipeline',
    page: 'https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-CodeBuild.html',
    needs: (p: { projectName: string }, place) => ['codebuild:StartBuild', 'codebuild:BatchGetBuilds'].map((action) => ({ action, resource: regional(place, 'codebuild', `project/${p.projectName}`) })),
  } satisfies WorkRow<{ projectName: string }>,
  /** CodePipeline's ECS (standard) deploy action: a new revision of the service's task definition, then UpdateService. */
  pipelineEcsDeploy: {
    service: 'CodePipeline',
    page: 'https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-ECS.html',
    needs: (p: { cluster: string; service: string; executionRoleArn?: string; taskRoleArn?: string }, place) => {
      const service = regional(place, 'ecs', `service/${p.cluster}/${p.service}`);
      return [
        { action: 'ecs:DescribeServices', resource: service },
        { action: 'ecs:DescribeTaskDefinition', resource: '*' },
        { action: 'ecs:RegisterTaskDefinition', resource: '*' },
        ...(p.executionRoleArn ? [passRole(p.executionRoleArn)] : []),
        ...(p.taskRoleArn ? [passRole(p.taskRoleArn)] : []),
        { action: 'ecs:UpdateService', resource: service },
        // The action follows the deployment's tasks until the service is stable.
        { action: 'ecs:ListTasks', resource: '*' },
        { action: 'ecs:DescribeTasks', resource: regional(place, 'ecs', `task/${p.cluster}/0123456789abcdef0123456789abcdef`) },
      ];
    },
  } satisfies WorkRow<{ cluster: string; service: string; executionRoleArn?: string; taskRoleArn?: string }>,
  /** CodePipeline's CodeDeployToECS action: registers the revision (task definition + AppSpec) and starts the deployment. */
  pipelineCodeDeployToEcs: {
    service: 'CodePipeline',
    page: 'https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-ECSbluegreen.html',
    needs: (p: { application: string; group: string; config: string; executionRoleArn?: string; taskRoleArn?: string }, place) => {
      const application = regional(place, 'codedeploy', `application:${p.application}`);
      const group = regional(place, 'codedeploy', `deploymentgroup:${p.application}/${p.group}`);
      return [
        { action: 'ecs:RegisterTaskDefinition', resource: '*' },
        ...(p.executionRoleArn ? [passRole(p.executionRoleArn)] : []),
        ...(p.taskRoleArn ? [passRole(p.taskRoleArn)] : []),
        { action: 'codedeploy:GetApplication', resource: application },
        { action: 'codedeploy:RegisterApplicationRevision', resource: application },
        { action: 'codedeploy:GetApplicationRevision', resource: application },
        { action: 'codedeploy:CreateDeployment', resource: group },
        { action: 'codedeploy:GetDeployment', resource: group },
        { action: 'codedeploy:GetDeploymentConfig', resource: regional(place, 'codedeploy', `deploymentconfig:${p.config}`) },
      ];
    },
  } satisfies WorkRow<{ application: string; group: string; config: string; executionRoleArn?: string; taskRoleArn?: string }>,
  /** A CodeBuild build: its logs, its source and output artifacts in the pipeline's bucket, the image pushed to ECR. */
  codeBuildBuild: {
    service: 'CodeBuild',
    page: 'https://docs.aws.amazon.com/codebuild/latest/userguide/setting-up-service-role.html',
    needs: (p: { logGroup?: string; buildId: string; bucket?: string; repository?: string }, place) => [
      ...(p.logGroup ? writeLogs(regional(place, 'logs', `log-group:${p.logGroup}`), p.buildId.slice(p.buildId.indexOf(':') + 1)) : []),
      ...(p.bucket
        ? [
            { action: 's3:GetObject', resource: `arn:${place.partition}:s3:::${p.bucket}/pipeline/SourceArti/source.zip` },
            { action: 's3:PutObject', resource: `arn:${place.partition}:s3:::${p.bucket}/pipeline/BuildArtif/build.zip` },
          ]
        : []),
      // Pushing an image (https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-push-iam.html).
      ...(p.repository
        ? [
            { action: 'ecr:GetAuthorizationToken', resource: '*' },
            ...['ecr:BatchCheckLayerAvailability', 'ecr:InitiateLayerUpload', 'ecr:UploadLayerPart', 'ecr:CompleteLayerUpload', 'ecr:PutImage'].map((action) => ({
              action,
              resource: regional(place, 'ecr', `repository/${p.repository ?? ''}`),
            })),
          ]
        : []),
    ],
  } satisfies WorkRow<{ logGroup?: string; buildId: string; bucket?: string; repository?: string }>,
  /** The ECS agent starting a Fargate task: the image pulled from the account's ECR, awslogs streams created. */
  ecsTaskStart: {
    service: 'Amazon ECS',
    page: 'https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html',
    needs: (p: { repositories: readonly string[]; logGroups: readonly string[]; taskId: string }, place) => [
      ...p.repositories.flatMap((name) => ecrPull(regional(place, 'ecr', `repository/${name}`))),
      ...p.logGroups.flatMap((name) => writeLogs(regional(place, 'logs', `log-group:${name}`), `ecs/web/${p.taskId}`)),
    ],
  } satisfies WorkRow<{ repositories: readonly string[]; logGroups: readonly string[]; taskId: string }>,
  /**
   * The ECS agent reading a task's `secrets` before it starts: GetParameters on each SSM parameter,
   * GetSecretValue on each secret (its full ARN). KMS decryption with a customer managed key is not modelled.
   */
  ecsTaskSecrets: {
    service: 'Amazon ECS',
    page: 'https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-secrets-manager.html',
    needs: (p: { parameterArns: readonly string[]; secretArns: readonly string[] }) => [
      ...p.parameterArns.map((resource) => ({ action: 'ssm:GetParameters', resource })),
      ...p.secretArns.map((resource) => ({ action: 'secretsmanager:GetSecretValue', resource })),
    ],
  } satisfies WorkRow<{ parameterArns: readonly string[]; secretArns: readonly string[] }>,
  /** ECS Exec: the SSM agent in the task's containers opens its channels as the task role. */
  ecsExec: {
    service: 'Amazon ECS',
    page: 'https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html',
    needs: (_p: Record<string, never>) => ['ssmmessages:CreateControlChannel', 'ssmmessages:CreateDataChannel', 'ssmmessages:OpenControlChannel', 'ssmmessages:OpenDataChannel'].map((action) => ({ action, resource: '*' })),
  } satisfies WorkRow<Record<string, never>>,
  /** CodeDeploy's ECS blue/green deployment: a replacement task set, traffic moved by the listeners. */
  codeDeployEcsBlueGreen: {
    service: 'CodeDeploy',
    page: 'https://docs.aws.amazon.com/AmazonECS/latest/developerguide/codedeploy_IAM_role.html',
    needs: (p: { cluster: string; service: string; listenerArns: readonly string[]; executionRoleArn?: string }, place) => {
      const service = regional(place, 'ecs', `service/${p.cluster}/${p.service}`);
      return [
        { action: 'ecs:DescribeServices', resource: service },
        { action: 'elasticloadbalancing:DescribeTargetGroups', resource: '*' },
        { action: 'elasticloadbalancing:DescribeListeners', resource: '*' },
        { action: 'elasticloadbalancing:DescribeRules', resource: '*' },
        ...(p.executionRoleArn ? [passRole(p.executionRoleArn)] : []),
        { action: 'ecs:CreateTaskSet', resource: service },
        ...p.listenerArns.map((arn) => ({ action: 'elasticloadbalancing:ModifyListener', resource: arn })),
        { action: 'elasticloadbalancing:ModifyRule', resource: '*' },
        { action: 'ecs:UpdateServicePrimaryTaskSet', resource: service },
        { action: 'ecs:DeleteTaskSet', resource: service },
      ];
    },
  } satisfies WorkRow<{ cluster: string; service: string; listenerArns: readonly string[]; executionRoleArn?: string }>,
} as const;

export type ServiceWorkName = keyof typeof SERVICE_WORK;
type ParamsOf<W extends ServiceWorkName> = Parameters<(typeof SERVICE_WORK)[W]['needs']>[0];

/** A denial: the request the role's policies do not allow, and AWS's sentence for it. */
export interface WorkDenial {
  action: string;
  resource: string;
  message: string;
}

/**
 * Check that `roleArn` may do `work`; undefined when its policies allow every request, else the
 * first denial. A role that does not exist (any more) allows nothing.
 */
export function checkServiceWork<W extends ServiceWorkName>(iam: IamSandbox, place: WorkPlace, roleArn: string, work: W, params: ParamsOf<W>): WorkDenial | undefined {
  const row = SERVICE_WORK[work] as WorkRow<ParamsOf<W>>;
  const requests = row.needs(params, place);
  const documents = iam.policyDocumentsOf(roleArn) ?? [];
  const denied = firstDenied(documents, requests);
  if (!denied) return undefined;
  const roleName = roleArn.slice(roleArn.lastIndexOf('/') + 1);
  const principal = `arn:${place.partition}:sts::${place.account}:assumed-role/${roleName}/${row.service.replace(/\s/g, '')}`;
  return { action: denied.request.action, resource: denied.request.resource, message: deniedMessage(principal, denied.request, denied.decision) };
}
