// What `shipline permissions` grants for each choice a config makes (strategy, NAT mode, state
// backend, task role policies), written out action by action: a choice that widens or drops a
// permission fails here. test/permissions.test.ts checks the policy against the calls the code makes;
// the README pins the union of every choice.
import { actionsFor, inPartition, renderPolicy, requiredPolicy, variantOf, type PolicyVariant } from '../src/permissions';
import type { PolicyDocument } from '../src/policies';

const statement = (doc: PolicyDocument, sid: string) => doc.Statement.find((s) => s.Sid === sid);
const variant = (v: Partial<PolicyVariant>): PolicyVariant => ({ strategy: 'rolling', natMode: 'instance', stateBackend: 'local', ...v });

/** What every NAT mode reads, deletes (cleanup after a switch) and does to its own security groups. */
const EC2_ALWAYS = [
  'ec2:AuthorizeSecurityGroupEgress', 'ec2:AuthorizeSecurityGroupIngress', 'ec2:CreateSecurityGroup', 'ec2:CreateTags',
  'ec2:DeleteInternetGateway', 'ec2:DeleteNatGateway', 'ec2:DeleteRoute', 'ec2:DeleteRouteTable', 'ec2:DeleteSecurityGroup', 'ec2:DeleteSubnet', 'ec2:DeleteVpc',
  'ec2:DescribeAddresses', 'ec2:DescribeAvailabilityZones', 'ec2:DescribeInstances', 'ec2:DescribeInternetGateways', 'ec2:DescribeNatGateways',
  'ec2:DescribeNetworkInterfaces', 'ec2:DescribeRouteTables', 'ec2:DescribeSecurityGroups', 'ec2:DescribeSubnets', 'ec2:DescribeVpcAttribute', 'ec2:DescribeVpcs',
  'ec2:DetachInternetGateway', 'ec2:DisassociateRouteTable', 'ec2:ReleaseAddress', 'ec2:RevokeSecurityGroupEgress', 'ec2:RevokeSecurityGroupIngress', 'ec2:TerminateInstances',
];
/** The network shipline makes when it does not import one. */
const EC2_NETWORK = [
  'ec2:AssociateRouteTable', 'ec2:AttachInternetGateway', 'ec2:CreateInternetGateway', 'ec2:CreateRoute', 'ec2:CreateRouteTable', 'ec2:CreateSubnet',
  'ec2:CreateVpc', 'ec2:ModifySubnetAttribute', 'ec2:ModifyVpcAttribute', 'ec2:ReplaceRoute',
];
const EC2_BY_NAT_MODE: Record<PolicyVariant['natMode'], string[]> = {
  instance: [...EC2_ALWAYS, ...EC2_NETWORK, 'ec2:DescribeImages', 'ec2:ModifyInstanceAttribute', 'ec2:ModifyInstanceMetadataOptions', 'ec2:RunInstances', 'ec2:StartInstances'],
  'nat-gateway': [...EC2_ALWAYS, ...EC2_NETWORK, 'ec2:AllocateAddress', 'ec2:CreateNatGateway'],
  none: [...EC2_ALWAYS, 'ec2:DescribeVpcEndpoints'],
};

/** What a rolling config keeps of CodeDeploy: the reads and deletes that clean up after blue/green. */
const CODEDEPLOY_CLEANUP = [
  'codedeploy:BatchGetDeploymentGroups', 'codedeploy:DeleteApplication', 'codedeploy:DeleteDeploymentGroup', 'codedeploy:GetApplication',
  'codedeploy:GetDeployment', 'codedeploy:GetDeploymentGroup', 'codedeploy:ListDeployments', 'codedeploy:ListTagsForResource',
];
const CODEDEPLOY_BLUE_GREEN = [
  ...CODEDEPLOY_CLEANUP, 'codedeploy:CreateApplication', 'codedeploy:CreateDeployment', 'codedeploy:CreateDeploymentGroup', 'codedeploy:GetDeploymentConfig',
  'codedeploy:RegisterApplicationRevision', 'codedeploy:TagResource', 'codedeploy:UpdateDeploymentGroup',
];

const SIDS = [
  'ArtifactBucket', 'CheckSecretParameters', 'CheckSecrets', 'CodeBuildProject', 'CodeDeployBlueGreen', 'CodePipeline', 'DomainCertificate', 'DomainRecords',
  'Ec2NetworkAndNat', 'EcrRepository', 'EcsClusterServicesTaskDefinitions', 'FindHostedZone', 'GitHubConnection', 'ListLogGroups', 'ListRoles', 'LoadBalancer',
  'PassConnectionToPipeline', 'PassShiplineRoles', 'ServiceAutoScaling', 'ServiceLinkedRolesOnFirstUse', 'ShiplineLogGroups', 'ShiplineRoles',
  'ShiplineRolesManagedPolicies', 'ShiplineRolesRetiredPolicies',
];
const SHIPLINE_MANAGED = ['arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy', 'arn:aws:iam::aws:policy/AWSCodeDeployRoleForECSLimited'];

describe('the policy for one choice', () => {
  it.each(['instance', 'nat-gateway', 'none'] as const)('NAT mode %s: exactly its EC2 actions, sorted, on "*"', (natMode) => {
    for (const strategy of ['rolling', 'blue-green'] as const) {
      const ec2 = statement(requiredPolicy([variant({ natMode, strategy })]), 'Ec2NetworkAndNat');
      expect(ec2).toEqual({ Sid: 'Ec2NetworkAndNat', Effect: 'Allow', Action: [...EC2_BY_NAT_MODE[natMode]].sort(), Resource: '*' });
    }
  });

  it('rolling: CodeDeploy only to read and delete what blue/green left; blue/green: to create and deploy', () => {
    expect(statement(requiredPolicy([variant({ strategy: 'rolling' })]), 'CodeDeployBlueGreen')?.Action).toEqual([...CODEDEPLOY_CLEANUP].sort());
    expect(statement(requiredPolicy([variant({ strategy: 'blue-green', natMode: 'none' })]), 'CodeDeployBlueGreen')?.Action).toEqual([...CODEDEPLOY_BLUE_GREEN].sort());
  });

  it('local state: no state bucket statement; S3 state: the state objects under shipline/, and the bucket\'s versioning', () => {
    expect(requiredPolicy([variant({ stateBackend: 'local' })]).Statement.map((s) => s.Sid)).toEqual(SIDS);
    const s3 = requiredPolicy([variant({ stateBackend: 's3' })]);
    expect(s3.Statement.map((s) => s.Sid)).toEqual([...SIDS, 'StateInS3Optional']);
    expect(statement(s3, 'StateInS3Optional')).toEqual({
      Sid: 'StateInS3Optional',
      Effect: 'Allow',
      Action: ['s3:DeleteObject', 's3:GetBucketVersioning', 's3:GetObject', 's3:PutObject'],
      Resource: ['arn:aws:s3:::*', 'arn:aws:s3:::*/shipline/*'],
    });
  });

  it('of several choices: their union (a NAT instance and an imported VPC, rolling and blue/green)', () => {
    const doc = requiredPolicy([variant({ natMode: 'instance' }), variant({ natMode: 'none', strategy: 'blue-green', stateBackend: 's3' })]);
    expect(statement(doc, 'Ec2NetworkAndNat')?.Action).toEqual([...new Set([...EC2_BY_NAT_MODE.instance, ...EC2_BY_NAT_MODE.none])].sort());
    expect(statement(doc, 'CodeDeployBlueGreen')?.Action).toEqual([...CODEDEPLOY_BLUE_GREEN].sort());
    expect(doc.Statement.map((s) => s.Sid)).toContain('StateInS3Optional');
  });

  it('of no choice: grants nothing', () => {
    expect(requiredPolicy([])).toEqual({ Version: '2012-10-17', Statement: [] });
  });
});

describe("a config's task role managed policies", () => {
  const conditionOf = (doc: PolicyDocument, sid: string) => statement(doc, sid)?.Condition;

  it('join the attach/detach condition once each, sorted, after shipline\'s own; the other conditions stay as they are', () => {
    const doc = requiredPolicy([
      variant({ managedPolicyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess', 'arn:aws:iam::123456789012:policy/app'] }),
      variant({ natMode: 'none', managedPolicyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'] }),
    ]);
    expect(conditionOf(doc, 'ShiplineRolesManagedPolicies')).toEqual({
      ArnEquals: { 'iam:PolicyARN': [...SHIPLINE_MANAGED, 'arn:aws:iam::123456789012:policy/app', 'arn:aws:iam::aws:policy/ReadOnlyAccess'] },
    });
    expect(conditionOf(doc, 'ShiplineRolesRetiredPolicies')).toEqual({ ArnEquals: { 'iam:PolicyARN': ['arn:aws:iam::aws:policy/AWSCodeDeployRoleForECS'] } });
    expect(statement(doc, 'ShiplineRoles')).toEqual({
      Sid: 'ShiplineRoles',
      Effect: 'Allow',
      Action: ['iam:CreateRole', 'iam:DeleteRole', 'iam:DeleteRolePolicy', 'iam:GetRole', 'iam:GetRolePolicy', 'iam:ListAttachedRolePolicies', 'iam:ListRolePolicies', 'iam:PutRolePolicy', 'iam:TagRole', 'iam:UpdateAssumeRolePolicy'],
      Resource: 'arn:aws:iam::*:role/shipline/*',
    });
  });

  it("that shipline attaches anyway add nothing", () => {
    const doc = requiredPolicy([variant({ managedPolicyArns: ['arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy'] })]);
    expect(conditionOf(doc, 'ShiplineRolesManagedPolicies')).toEqual({ ArnEquals: { 'iam:PolicyARN': SHIPLINE_MANAGED } });
  });
});

describe('variantOf: what of a config the policy depends on', () => {
  const config = { deploy: { strategy: 'rolling' }, nat: { mode: 'instance' }, state: { backend: { type: 'local' } } };

  it('the strategy, the NAT mode and the state backend', () => {
    expect(variantOf(config)).toStrictEqual({ strategy: 'rolling', natMode: 'instance', stateBackend: 'local' });
    expect(variantOf({ deploy: { strategy: 'blue-green' }, nat: { mode: 'nat-gateway' }, state: { backend: { type: 's3' } } })).toStrictEqual({
      strategy: 'blue-green',
      natMode: 'nat-gateway',
      stateBackend: 's3',
    });
    expect(variantOf({ ...config, nat: { mode: 'none' } }).natMode).toBe('none');
  });

  it("the task roles' managed policies, of the services and of each environment, once each and sorted", () => {
    const v = variantOf({
      ...config,
      services: { taskRole: { managedPolicyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess', 'arn:aws:iam::123456789012:policy/b'] } },
      environments: [{ taskRole: { managedPolicyArns: ['arn:aws:iam::123456789012:policy/a', 'arn:aws:iam::aws:policy/ReadOnlyAccess'] } }, { taskRole: null }, {}],
    });
    expect(v.managedPolicyArns).toEqual(['arn:aws:iam::123456789012:policy/a', 'arn:aws:iam::123456789012:policy/b', 'arn:aws:iam::aws:policy/ReadOnlyAccess']);
    expect(variantOf({ ...config, services: { taskRole: { managedPolicyArns: [] } } })).toStrictEqual({ strategy: 'rolling', natMode: 'instance', stateBackend: 'local' });
  });
});

describe('actionsFor', () => {
  it("the IAM actions of a call, with those AWS asks besides; nothing for a call shipline does not make", () => {
    expect(actionsFor('ecs', 'RegisterTaskDefinition')).toEqual(['ecs:RegisterTaskDefinition', 'ecs:TagResource', 'iam:PassRole']);
    expect(actionsFor('s3', 'DeleteObjects')).toEqual(['s3:DeleteObject', 's3:DeleteObjectVersion']);
    expect(actionsFor('sts', 'GetCallerIdentity')).toEqual([]);
    expect(actionsFor('ec2', 'CreateKeyPair')).toBeUndefined();
  });
});

describe('the policy in another partition', () => {
  const doc: PolicyDocument = {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'X',
        Effect: 'Allow',
        Action: ['s3:GetObject'],
        Resource: ['arn:aws:s3:::b/*', '*'],
        Condition: { ArnEquals: { 'iam:PolicyARN': 'arn:aws:iam::aws:policy/p' }, Bool: { 'aws:SecureTransport': true }, StringEquals: { 'aws:x': ['see arn:aws:s3:::b', 'arn:aws-cn:s3:::c'] } },
      },
    ],
  };

  it('rewrites every ARN of the aws partition, wherever it is, and nothing else', () => {
    expect(inPartition(doc, 'aws-cn')).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'X',
          Effect: 'Allow',
          Action: ['s3:GetObject'],
          Resource: ['arn:aws-cn:s3:::b/*', '*'],
          Condition: { ArnEquals: { 'iam:PolicyARN': 'arn:aws-cn:iam::aws:policy/p' }, Bool: { 'aws:SecureTransport': true }, StringEquals: { 'aws:x': ['see arn:aws:s3:::b', 'arn:aws-cn:s3:::c'] } },
        },
      ],
    });
  });

  it('leaves a policy of the aws partition as it is', () => {
    expect(inPartition(doc, 'aws')).toBe(doc);
  });

  it('is printed indented by two spaces, in the partition asked for', () => {
    const printed = renderPolicy([variant({})], 'aws-us-gov');
    expect(printed.startsWith('{\n  "Version": "2012-10-17",\n  "Statement": [\n    {\n      "Sid": "ArtifactBucket",\n      "Effect": "Allow",\n')).toBe(true);
    expect(printed).toContain('\n      "Resource": [\n        "arn:aws-us-gov:s3:::*-artifacts-*",\n        "arn:aws-us-gov:s3:::*-artifacts-*/*"\n      ]\n');
    expect(printed).not.toContain('arn:aws:');
    expect(renderPolicy([variant({})])).toContain('"arn:aws:s3:::*-artifacts-*"');
  });
});
