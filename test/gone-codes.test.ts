// The "already gone" table (src/aws/gone.ts) against the sandbox: for each entry, the sandbox's
// answers to calls naming a resource of that kind that does not exist (never made, and where it can
// be deleted, deleted) are exactly the entry's codes. A code in the table the sandbox never throws
// for that resource fails, and so does a code the sandbox throws that the table misses. A last part
// checks that the SDK names AWS's query-protocol wire codes (NoSuchEntity …) as the table does.
import { DescribeLoadBalancersCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { HttpResponse } from '@smithy/protocol-http';
import { Readable } from 'node:stream';
import type { ServiceName } from '../src/aws/clients';
import { awsErrorCode } from '../src/aws/errors';
import { GONE } from '../src/aws/gone';
import { Sandbox } from '../src/sandbox/sandbox';
import { ACCOUNT, REGION, TEST_PAGE_SIZE } from './helpers/sandbox-fixture';

interface Call {
  service: ServiceName;
  op: string;
  input: Record<string, unknown>;
}

/** The calls that name a missing resource of the entry's kind: built in a fresh sandbox, which they may set up. */
type Probes = (sandbox: Sandbox) => Promise<Call[]>;

const call = (service: ServiceName, op: string, input: Record<string, unknown>): Call => ({ service, op, input });
const send = async (sandbox: Sandbox, c: Call) => sandbox.dispatch(c.service, c.op, c.input);
const ARN = `arn:aws:codestar-connections:${REGION}:${ACCOUNT}:connection/00000000-0000-0000-0000-000000000000`;

async function vpc(sandbox: Sandbox): Promise<string> {
  const { Vpc } = (await sandbox.dispatch('ec2', 'CreateVpc', { CidrBlock: '10.0.0.0/16' })) as { Vpc: { VpcId: string } };
  return Vpc.VpcId;
}

const PROBES: { [S in keyof typeof GONE]: { [R in keyof (typeof GONE)[S]]: Probes } } = {
  ec2: {
    vpc: async (sb) => {
      const id = await vpc(sb);
      await sb.dispatch('ec2', 'DeleteVpc', { VpcId: id });
      return [call('ec2', 'DescribeVpcs', { VpcIds: ['vpc-0000000000000dead'] }), call('ec2', 'DeleteVpc', { VpcId: id })];
    },
    subnet: async (sb) => {
      const { Subnet } = (await sb.dispatch('ec2', 'CreateSubnet', { VpcId: await vpc(sb), CidrBlock: '10.0.1.0/24' })) as { Subnet: { SubnetId: string } };
      await sb.dispatch('ec2', 'DeleteSubnet', { SubnetId: Subnet.SubnetId });
      return [call('ec2', 'DescribeSubnets', { SubnetIds: ['subnet-0000000000000dead'] }), call('ec2', 'DeleteSubnet', { SubnetId: Subnet.SubnetId })];
    },
    internetGateway: async (sb) => {
      const { InternetGateway } = (await sb.dispatch('ec2', 'CreateInternetGateway', {})) as { InternetGateway: { InternetGatewayId: string } };
      await sb.dispatch('ec2', 'DeleteInternetGateway', { InternetGatewayId: InternetGateway.InternetGatewayId });
      return [
        call('ec2', 'DescribeInternetGateways', { InternetGatewayIds: ['igw-0000000000000dead'] }),
        call('ec2', 'DeleteInternetGateway', { InternetGatewayId: InternetGateway.InternetGatewayId }),
      ];
    },
    internetGatewayAttachment: async (sb) => {
      const id = await vpc(sb);
      const { InternetGateway } = (await sb.dispatch('ec2', 'CreateInternetGateway', {})) as { InternetGateway: { InternetGatewayId: string } };
      return [
        call('ec2', 'DetachInternetGateway', { InternetGatewayId: 'igw-0000000000000dead', VpcId: id }),
        call('ec2', 'DetachInternetGateway', { InternetGatewayId: InternetGateway.InternetGatewayId, VpcId: id }),
      ];
    },
    routeTable: async (sb) => {
      const { RouteTable } = (await sb.dispatch('ec2', 'CreateRouteTable', { VpcId: await vpc(sb) })) as { RouteTable: { RouteTableId: string } };
      await sb.dispatch('ec2', 'DeleteRouteTable', { RouteTableId: RouteTable.RouteTableId });
      return [
        call('ec2', 'DescribeRouteTables', { RouteTableIds: ['rtb-0000000000000dead'] }),
        call('ec2', 'DeleteRouteTable', { RouteTableId: RouteTable.RouteTableId }),
      ];
    },
    routeTableAssociation: async (sb) => {
      const id = await vpc(sb);
      const { Subnet } = (await sb.dispatch('ec2', 'CreateSubnet', { VpcId: id, CidrBlock: '10.0.1.0/24' })) as { Subnet: { SubnetId: string } };
      const { RouteTable } = (await sb.dispatch('ec2', 'CreateRouteTable', { VpcId: id })) as { RouteTable: { RouteTableId: string } };
      const { AssociationId } = (await sb.dispatch('ec2', 'AssociateRouteTable', { RouteTableId: RouteTable.RouteTableId, SubnetId: Subnet.SubnetId })) as {
        AssociationId: string;
      };
      await sb.dispatch('ec2', 'DisassociateRouteTable', { AssociationId });
      return [call('ec2', 'DisassociateRouteTable', { AssociationId: 'rtbassoc-0000000000000dead' }), call('ec2', 'DisassociateRouteTable', { AssociationId })];
    },
    route: async (sb) => {
      const { RouteTable } = (await sb.dispatch('ec2', 'CreateRouteTable', { VpcId: await vpc(sb) })) as { RouteTable: { RouteTableId: string } };
      return [
        call('ec2', 'DeleteRoute', { RouteTableId: RouteTable.RouteTableId, DestinationCidrBlock: '0.0.0.0/0' }),
        call('ec2', 'DeleteRoute', { RouteTableId: 'rtb-0000000000000dead', DestinationCidrBlock: '0.0.0.0/0' }),
      ];
    },
    securityGroup: async (sb) => {
      const { GroupId } = (await sb.dispatch('ec2', 'CreateSecurityGroup', { GroupName: 'gone', Description: 'gone', VpcId: await vpc(sb) })) as { GroupId: string };
      await sb.dispatch('ec2', 'DeleteSecurityGroup', { GroupId });
      return [call('ec2', 'DescribeSecurityGroups', { GroupIds: ['sg-0000000000000dead'] }), call('ec2', 'DeleteSecurityGroup', { GroupId })];
    },
    instance: async () => [
      call('ec2', 'DescribeInstances', { InstanceIds: ['i-0000000000000dead'] }),
      call('ec2', 'TerminateInstances', { InstanceIds: ['i-0000000000000dead'] }),
    ],
    address: async (sb) => {
      const { AllocationId } = (await sb.dispatch('ec2', 'AllocateAddress', { Domain: 'vpc' })) as { AllocationId: string };
      await sb.dispatch('ec2', 'ReleaseAddress', { AllocationId });
      return [call('ec2', 'DescribeAddresses', { AllocationIds: ['eipalloc-0000000000000dead'] }), call('ec2', 'ReleaseAddress', { AllocationId })];
    },
    natGateway: async () => [
      call('ec2', 'DescribeNatGateways', { NatGatewayIds: ['nat-0000000000000dead'] }),
      call('ec2', 'DeleteNatGateway', { NatGatewayId: 'nat-0000000000000dead' }),
    ],
  },
  elbv2: {
    loadBalancer: async () => [
      call('elbv2', 'DescribeLoadBalancers', { LoadBalancerArns: [`arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:loadbalancer/app/gone/0000000000000000`] }),
      call('elbv2', 'DescribeLoadBalancers', { Names: ['gone'] }),
    ],
    targetGroup: async (sb) => {
      const { TargetGroups } = (await sb.dispatch('elbv2', 'CreateTargetGroup', {
        Name: 'gone',
        Protocol: 'HTTP',
        Port: 80,
        VpcId: await vpc(sb),
        TargetType: 'ip',
      })) as { TargetGroups: Array<{ TargetGroupArn: string }> };
      const arn = TargetGroups[0]!.TargetGroupArn;
      await sb.dispatch('elbv2', 'DeleteTargetGroup', { TargetGroupArn: arn });
      return [call('elbv2', 'DescribeTargetGroups', { TargetGroupArns: [arn] }), call('elbv2', 'DescribeTargetHealth', { TargetGroupArn: arn })];
    },
    listener: async () => [
      call('elbv2', 'DescribeListeners', { ListenerArns: [`arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:listener/app/gone/0000000000000000/0000000000000000`] }),
    ],
    rule: async () => [
      call('elbv2', 'DescribeRules', { RuleArns: [`arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:listener-rule/app/gone/0000000000000000/0000000000000000/0000000000000000`] }),
    ],
  },
  ecs: {
    cluster: async () => [call('ecs', 'DeleteCluster', { cluster: 'gone' })],
    service: async (sb) => {
      await sb.dispatch('ecs', 'CreateCluster', { clusterName: 'here' });
      return [call('ecs', 'DeleteService', { cluster: 'here', service: 'gone' }), call('ecs', 'DescribeServices', { cluster: 'gone', services: ['gone'] })];
    },
    taskDefinition: async () => [call('ecs', 'DescribeTaskDefinition', { taskDefinition: 'gone:1' })],
  },
  ecr: {
    repository: async (sb) => {
      await sb.dispatch('ecr', 'CreateRepository', { repositoryName: 'gone' });
      await sb.dispatch('ecr', 'DeleteRepository', { repositoryName: 'gone' });
      return [call('ecr', 'DescribeRepositories', { repositoryNames: ['gone'] }), call('ecr', 'DeleteRepository', { repositoryName: 'gone' })];
    },
  },
  iam: {
    role: async (sb) => {
      const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
      await sb.dispatch('iam', 'CreateRole', { RoleName: 'gone', AssumeRolePolicyDocument: trust });
      await sb.dispatch('iam', 'DeleteRole', { RoleName: 'gone' });
      return [call('iam', 'GetRole', { RoleName: 'gone' }), call('iam', 'DeleteRole', { RoleName: 'gone' })];
    },
    rolePolicy: async (sb) => {
      const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
      await sb.dispatch('iam', 'CreateRole', { RoleName: 'here', AssumeRolePolicyDocument: trust });
      return [
        call('iam', 'DetachRolePolicy', { RoleName: 'here', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }),
        call('iam', 'DeleteRolePolicy', { RoleName: 'here', PolicyName: 'gone' }),
      ];
    },
  },
  logs: {
    logGroup: async (sb) => {
      await sb.dispatch('logs', 'CreateLogGroup', { logGroupName: 'gone' });
      await sb.dispatch('logs', 'DeleteLogGroup', { logGroupName: 'gone' });
      return [call('logs', 'DeleteLogGroup', { logGroupName: 'gone' })];
    },
  },
  codebuild: {
    project: async () => [call('codebuild', 'UpdateProject', { name: 'gone' })],
  },
  codedeploy: {
    application: async (sb) => {
      await sb.dispatch('codedeploy', 'CreateApplication', { applicationName: 'gone', computePlatform: 'ECS' });
      await sb.dispatch('codedeploy', 'DeleteApplication', { applicationName: 'gone' });
      return [call('codedeploy', 'GetApplication', { applicationName: 'gone' })];
    },
    deploymentGroup: async (sb) => {
      await sb.dispatch('codedeploy', 'CreateApplication', { applicationName: 'here', computePlatform: 'ECS' });
      return [
        call('codedeploy', 'GetDeploymentGroup', { applicationName: 'here', deploymentGroupName: 'gone' }),
        call('codedeploy', 'GetDeploymentGroup', { applicationName: 'gone', deploymentGroupName: 'gone' }),
      ];
    },
  },
  codepipeline: {
    pipeline: async () => [
      call('codepipeline', 'GetPipeline', { name: 'gone' }),
      call('codepipeline', 'ListTagsForResource', { resourceArn: `arn:aws:codepipeline:${REGION}:${ACCOUNT}:gone` }),
    ],
  },
  connections: {
    connection: async (sb) => {
      const { ConnectionArn } = (await sb.dispatch('connections', 'CreateConnection', { ConnectionName: 'gone', ProviderType: 'GitHub' })) as { ConnectionArn: string };
      await sb.dispatch('connections', 'DeleteConnection', { ConnectionArn });
      return [call('connections', 'GetConnection', { ConnectionArn }), call('connections', 'ListTagsForResource', { ResourceArn: ARN })];
    },
  },
  appautoscaling: {
    scalableTarget: async () => [
      call('appautoscaling', 'DeregisterScalableTarget', { ServiceNamespace: 'ecs', ScalableDimension: 'ecs:service:DesiredCount', ResourceId: 'service/demo/demo-dev' }),
    ],
    scalingPolicy: async () => [
      call('appautoscaling', 'DeleteScalingPolicy', { ServiceNamespace: 'ecs', ScalableDimension: 'ecs:service:DesiredCount', ResourceId: 'service/demo/demo-dev', PolicyName: 'demo-dev-cpu' }),
    ],
  },
  s3: {
    bucket: async () => [call('s3', 'HeadBucket', { Bucket: 'gone-bucket' }), call('s3', 'GetBucketTagging', { Bucket: 'gone-bucket' })],
    tagSet: async (sb) => {
      await sb.dispatch('s3', 'CreateBucket', { Bucket: 'here-bucket', CreateBucketConfiguration: { LocationConstraint: REGION } });
      return [call('s3', 'GetBucketTagging', { Bucket: 'here-bucket' })];
    },
    publicAccessBlock: async (sb) => {
      // New buckets block public access by default: its configuration is gone once deleted.
      await sb.dispatch('s3', 'CreateBucket', { Bucket: 'here-bucket', CreateBucketConfiguration: { LocationConstraint: REGION } });
      await sb.dispatch('s3', 'DeletePublicAccessBlock', { Bucket: 'here-bucket' });
      return [call('s3', 'GetPublicAccessBlock', { Bucket: 'here-bucket' })];
    },
    policy: async (sb) => {
      await sb.dispatch('s3', 'CreateBucket', { Bucket: 'here-bucket', CreateBucketConfiguration: { LocationConstraint: REGION } });
      return [call('s3', 'GetBucketPolicy', { Bucket: 'here-bucket' })];
    },
    lifecycle: async (sb) => {
      await sb.dispatch('s3', 'CreateBucket', { Bucket: 'here-bucket', CreateBucketConfiguration: { LocationConstraint: REGION } });
      return [call('s3', 'GetBucketLifecycleConfiguration', { Bucket: 'here-bucket' })];
    },
  },
  acm: {
    certificate: async (sb) => {
      const { CertificateArn } = (await sb.dispatch('acm', 'RequestCertificate', { DomainName: 'example.com', ValidationMethod: 'DNS' })) as { CertificateArn: string };
      await sb.dispatch('acm', 'DeleteCertificate', { CertificateArn });
      return [
        call('acm', 'DescribeCertificate', { CertificateArn }),
        call('acm', 'ListTagsForCertificate', { CertificateArn }),
        call('acm', 'DeleteCertificate', { CertificateArn }),
      ];
    },
  },
  route53: {
    hostedZone: async () => [call('route53', 'GetHostedZone', { Id: 'ZNOSUCHZONE' }), call('route53', 'ListResourceRecordSets', { HostedZoneId: 'ZNOSUCHZONE' })],
  },
};

const entries = Object.entries(PROBES).flatMap(([service, resources]) =>
  Object.entries(resources as Record<string, Probes>).map(([resource, probes]) => ({
    name: `${service}.${resource}`,
    codes: (GONE as unknown as Record<string, Record<string, readonly string[]>>)[service]![resource]!,
    probes,
  })),
);

describe('"already gone" codes (src/aws/gone.ts) against the sandbox', () => {
  it('has a probe for every entry of the table', () => {
    const tabled = Object.entries(GONE).flatMap(([service, resources]) => Object.keys(resources).map((resource) => `${service}.${resource}`));
    expect(entries.map((e) => e.name).sort()).toEqual(tabled.sort());
  });

  it.each(entries)('$name: the sandbox answers exactly its codes', async ({ codes, probes }) => {
    const sandbox = new Sandbox({ region: REGION, account: ACCOUNT, pageSize: TEST_PAGE_SIZE });
    const thrown = new Set<string>();
    for (const c of await probes(sandbox)) {
      const error = await send(sandbox, c).then(
        () => new Error(`${c.service} ${c.op} succeeded on a missing resource`),
        (e: unknown) => e,
      );
      const code = awsErrorCode(error);
      expect({ call: `${c.service} ${c.op}`, code, codes }).toEqual({ call: `${c.service} ${c.op}`, code: expect.any(String), codes });
      thrown.add(code!);
    }
    expect([...thrown].sort()).toEqual([...codes].sort());
  });
});

describe('the SDK names the query protocols\' wire codes by their modelled exception', () => {
  const answering = (code: string) => ({
    handle: async () => ({
      response: new HttpResponse({
        statusCode: 400,
        headers: { 'content-type': 'text/xml' },
        body: Readable.from([Buffer.from(`<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>m</Message></Error><RequestId>r</RequestId></ErrorResponse>`)]),
      }),
    }),
  });
  const options = (code: string) => ({ region: REGION, credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1, requestHandler: answering(code) });

  it('IAM NoSuchEntity reaches shipline as the table\'s NoSuchEntityException', async () => {
    const error = await new IAMClient(options('NoSuchEntity')).send(new GetRoleCommand({ RoleName: 'gone' })).catch((e: unknown) => e);
    expect(GONE.iam.role).toContain(awsErrorCode(error));
  });

  it('ELBv2 LoadBalancerNotFound reaches shipline as the table\'s LoadBalancerNotFoundException', async () => {
    const error = await new ElasticLoadBalancingV2Client(options('LoadBalancerNotFound')).send(new DescribeLoadBalancersCommand({})).catch((e: unknown) => e);
    expect(GONE.elbv2.loadBalancer).toContain(awsErrorCode(error));
  });
});
