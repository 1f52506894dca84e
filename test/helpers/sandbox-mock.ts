// Adapter 2, for tests: aws-sdk-client-mock stubs each client class's `send`, and every command is
// handed to the sandbox, which fails loudly (SandboxNotModelled) on anything it does not model.
// Tests can layer `mocks.ec2.on(Command).rejects(...)` on top for a one-off behaviour.
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { CodeBuildClient } from '@aws-sdk/client-codebuild';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import { CodeStarConnectionsClient } from '@aws-sdk/client-codestar-connections';
import { S3Client } from '@aws-sdk/client-s3';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ECRClient } from '@aws-sdk/client-ecr';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { IAMClient } from '@aws-sdk/client-iam';
import { STSClient } from '@aws-sdk/client-sts';
import { SSMClient } from '@aws-sdk/client-ssm';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { ACMClient } from '@aws-sdk/client-acm';
import { Route53Client } from '@aws-sdk/client-route-53';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import type { ServiceName } from '../../src/aws/clients';
import type { Sandbox } from '../../src/sandbox/sandbox';

/** The SDK client class of each service. */
export const CLIENT_CLASSES = {
  ec2: EC2Client,
  sts: STSClient,
  elbv2: ElasticLoadBalancingV2Client,
  ecs: ECSClient,
  ecr: ECRClient,
  iam: IAMClient,
  logs: CloudWatchLogsClient,
  s3: S3Client,
  connections: CodeStarConnectionsClient,
  codebuild: CodeBuildClient,
  codepipeline: CodePipelineClient,
  codedeploy: CodeDeployClient,
  ssm: SSMClient,
  secretsmanager: SecretsManagerClient,
  appautoscaling: ApplicationAutoScalingClient,
  acm: ACMClient,
  route53: Route53Client,
} as const;
type Mocked = keyof typeof CLIENT_CLASSES;
export type SandboxMocks = { [K in Mocked]: AwsClientStub<InstanceType<(typeof CLIENT_CLASSES)[K]>> } & { restore(): void };

export function mockAwsWithSandbox(sandbox: Sandbox): SandboxMocks {
  // The stubs differ only in their client's types; the dispatcher treats them alike.
  type Stub = { send: { callsFake(fake: (command: { constructor: { name: string }; input: unknown }) => unknown): void }; restore(): void };
  const mocks = {} as Record<Mocked, Stub>;
  for (const [service, Client] of Object.entries(CLIENT_CLASSES) as Array<[Mocked, (typeof CLIENT_CLASSES)[Mocked]]>) {
    const mock = mockClient(Client as typeof EC2Client) as unknown as Stub;
    mock.send.callsFake((command) =>
      sandbox.dispatch(service as ServiceName, command.constructor.name, command.input),
    );
    mocks[service] = mock;
  }
  const stubs = Object.values(mocks); // before `restore` joins the object below
  return Object.assign(mocks as unknown as SandboxMocks, {
    restore() {
      for (const mock of stubs) mock.restore();
    },
  });
}
