// Reading AWS errors (src/aws/errors.ts) and the "already gone" table (src/aws/gone.ts): which
// errors carry an AWS code, the hints users get for the usual codes, and what counts as gone.
import { EC2ServiceException } from '@aws-sdk/client-ec2';
import { RepositoryNotFoundException } from '@aws-sdk/client-ecr';
import { awsErrorCode, hintFor, isAwsError, unlessNotFound } from '../src/aws/errors';
import { GONE, isGone } from '../src/aws/gone';
import { AwsCallError, EngineError, WaitTimeoutError } from '../src/errors';

/** An error as the SDK throws an EC2 code: its name is the code. */
const named = (name: string): Error => Object.assign(new Error(`${name} said AWS`), { name });

describe('awsErrorCode', () => {
  it("shipline's AwsCallError: its awsCode, not its name", () => {
    const error = new AwsCallError('ec2:DeleteVpc vpc-1', 'DependencyViolation', 'still used');
    error.name = 'SomethingElse';
    expect(awsErrorCode(error)).toBe('DependencyViolation');
  });

  it("shipline's own errors are not AWS's, though their names look like codes", () => {
    expect(awsErrorCode(new EngineError('a bug'))).toBeUndefined();
    expect(awsErrorCode(new WaitTimeoutError('slow'))).toBeUndefined();
  });

  it("an SDK exception (it has $metadata): its name, whatever it looks like", () => {
    expect(awsErrorCode(new RepositoryNotFoundException({ message: 'no repo', $metadata: {} }))).toBe('RepositoryNotFoundException');
    expect(awsErrorCode(Object.assign(new Error('x'), { name: 'odd_code', $metadata: {} }))).toBe('odd_code');
    expect(awsErrorCode(new EC2ServiceException({ name: 'InvalidVpcID.NotFound', $fault: 'client', $metadata: {} }))).toBe('InvalidVpcID.NotFound');
  });

  it.each(['InvalidVpcID.NotFound', 'Gateway.NotAttached', 'Throttling', 'Ab', 'Ab.C.D', 'Foo.Bar.Baz'])('a name shaped like an AWS code: %s', (name) => {
    expect(awsErrorCode(named(name))).toBe(name);
  });

  it.each(['Error', 'A', 'A.B', 'xFoo', 'Foo_bar', 'Foo-Bar', 'Foo.', 'Foo.b2', 'Foo2', '.Foo', 'Foo..Bar', ''])('a name not shaped like one: %j', (name) => {
    expect(awsErrorCode(named(name))).toBeUndefined();
  });

  it('a plain error, a string, an object that is not an Error: no code', () => {
    expect(awsErrorCode(new Error('boom'))).toBeUndefined();
    expect(awsErrorCode('InvalidVpcID.NotFound')).toBeUndefined();
    expect(awsErrorCode({ name: 'InvalidVpcID.NotFound', $metadata: {} })).toBeUndefined();
    expect(awsErrorCode(undefined)).toBeUndefined();
  });
});

describe('isAwsError', () => {
  it('true only for one of the codes asked for', () => {
    expect(isAwsError(named('InvalidVpcID.NotFound'), 'InvalidSubnetID.NotFound', 'InvalidVpcID.NotFound')).toBe(true);
    expect(isAwsError(named('InvalidVpcID.NotFound'), 'InvalidSubnetID.NotFound')).toBe(false);
    expect(isAwsError(named('InvalidVpcID.NotFound'))).toBe(false);
  });

  it('an error with no code is none of them', () => {
    expect(isAwsError(new Error('boom'), 'Error')).toBe(false);
    expect(isAwsError(new EngineError('bug'), 'EngineError')).toBe(false);
  });
});

describe('hintFor', () => {
  const accessDenied =
    'the credentials in use may not call ecs:CreateService; `shipline permissions --config FILE` prints the policy shipline needs (see "Permissions" in the README)';
  const noCredentials =
    'no usable AWS credentials: set AWS_PROFILE (or aws.profile in the config), run `aws sso login`, or export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY';
  const quota = 'an AWS service quota was reached: delete unused resources or ask for a higher quota in the Service Quotas console';

  it.each(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'UnauthorizedAccess'])('%s: names the call and the permissions command', (code) => {
    expect(hintFor('ecs', 'CreateService', code)).toBe(accessDenied);
  });

  it.each(['CredentialsProviderError', 'ExpiredToken', 'ExpiredTokenException', 'InvalidClientTokenId', 'UnrecognizedClientException', 'AuthFailure'])(
    '%s: says how to get credentials',
    (code) => {
      expect(hintFor('ecs', 'CreateService', code)).toBe(noCredentials);
    },
  );

  it.each([
    'LimitExceededException',
    'LimitExceeded',
    'VpcLimitExceeded',
    'NatGatewayLimitExceeded',
    'AddressLimitExceeded',
    'InstanceLimitExceeded',
    'TooManyLoadBalancers',
    'ServiceQuotaExceededException',
    'RulesPerSecurityGroupLimitExceeded',
  ])('%s: a quota', (code) => {
    expect(hintFor('ec2', 'CreateVpc', code)).toBe(quota);
  });

  // EC2's throttling code ends like a quota's: after the SDK's 8 attempts it is a busy account, not a quota.
  it.each(['RequestLimitExceeded', 'Throttling', 'ThrottlingException', 'ThrottledException', 'RequestThrottledException', 'RequestThrottled', 'SlowDown', 'TooManyRequestsException', 'PriorRequestNotComplete', 'EC2ThrottledException', 'BandwidthLimitExceeded'])('%s: throttled, not a quota', (code) => {
    expect(hintFor('ec2', 'DescribeVpcs', code)).toBe(
      'AWS throttled ec2:DescribeVpcs through every attempt of the SDK\'s retry: the account is busy with other calls; run again (it carries on), or with --concurrency 2',
    );
  });

  it.each(['DependencyViolation', 'InvalidVpcID.NotFound', 'LimitExceededSoon', 'Access'])('%s: no hint', (code) => {
    expect(hintFor('ec2', 'CreateVpc', code)).toBeUndefined();
  });
});

describe('unlessNotFound', () => {
  it("the call's value when it succeeds", async () => {
    await expect(unlessNotFound(Promise.resolve('vpc-1'), 'InvalidVpcID.NotFound')).resolves.toBe('vpc-1');
  });

  it('undefined when AWS answers one of the codes', async () => {
    await expect(unlessNotFound(Promise.reject(named('InvalidVpcID.NotFound')), 'InvalidSubnetID.NotFound', 'InvalidVpcID.NotFound')).resolves.toBeUndefined();
  });

  it('any other failure is thrown as it is', async () => {
    const error = named('DependencyViolation');
    await expect(unlessNotFound(Promise.reject(error), 'InvalidVpcID.NotFound')).rejects.toBe(error);
  });
});

describe('the "already gone" table', () => {
  // Written out, so that a code changed in gone.ts fails here (test/gone-codes.test.ts checks each against the sandbox).
  it('names these codes', () => {
    expect(GONE).toEqual({
      ec2: {
        vpc: ['InvalidVpcID.NotFound'],
        subnet: ['InvalidSubnetID.NotFound'],
        internetGateway: ['InvalidInternetGatewayID.NotFound'],
        internetGatewayAttachment: ['InvalidInternetGatewayID.NotFound', 'Gateway.NotAttached'],
        routeTable: ['InvalidRouteTableID.NotFound'],
        routeTableAssociation: ['InvalidAssociationID.NotFound'],
        route: ['InvalidRoute.NotFound', 'InvalidRouteTableID.NotFound'],
        securityGroup: ['InvalidGroup.NotFound'],
        instance: ['InvalidInstanceID.NotFound'],
        address: ['InvalidAllocationID.NotFound'],
        natGateway: ['NatGatewayNotFound'],
      },
      elbv2: {
        loadBalancer: ['LoadBalancerNotFoundException'],
        targetGroup: ['TargetGroupNotFoundException'],
        listener: ['ListenerNotFoundException'],
        rule: ['RuleNotFoundException'],
      },
      ecs: {
        cluster: ['ClusterNotFoundException'],
        service: ['ClusterNotFoundException', 'ServiceNotFoundException'],
        taskDefinition: ['ClientException'],
      },
      ecr: { repository: ['RepositoryNotFoundException'] },
      iam: { role: ['NoSuchEntityException'], rolePolicy: ['NoSuchEntityException'] },
      logs: { logGroup: ['ResourceNotFoundException'] },
      codebuild: { project: ['ResourceNotFoundException'] },
      codedeploy: {
        application: ['ApplicationDoesNotExistException'],
        deploymentGroup: ['ApplicationDoesNotExistException', 'DeploymentGroupDoesNotExistException'],
      },
      codepipeline: { pipeline: ['PipelineNotFoundException', 'ResourceNotFoundException'] },
      connections: { connection: ['ResourceNotFoundException'] },
      appautoscaling: { scalableTarget: ['ObjectNotFoundException'], scalingPolicy: ['ObjectNotFoundException'] },
      s3: {
        bucket: ['NoSuchBucket', 'NotFound'],
        tagSet: ['NoSuchTagSet'],
        publicAccessBlock: ['NoSuchPublicAccessBlockConfiguration'],
        policy: ['NoSuchBucketPolicy'],
        lifecycle: ['NoSuchLifecycleConfiguration'],
      },
      acm: { certificate: ['ResourceNotFoundException'] },
      route53: { hostedZone: ['NoSuchHostedZone'] },
    });
  });

  it('isGone: an error with one of the entry\'s codes, and nothing else', () => {
    const route = isGone(GONE.ec2.route);
    expect(route(named('InvalidRoute.NotFound'))).toBe(true);
    expect(route(named('InvalidRouteTableID.NotFound'))).toBe(true);
    expect(route(new AwsCallError('ec2:DeleteRoute rtb-1', 'InvalidRoute.NotFound', 'gone'))).toBe(true);
    expect(route(named('DependencyViolation'))).toBe(false);
    expect(route(new Error('socket hang up'))).toBe(false);
  });
});
