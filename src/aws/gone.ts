// "Already gone": the error codes with which each AWS service answers a call that names a resource
// that does not exist (never made, or deleted), one entry per resource. A find reads them as
// "missing", a delete as "done". Steps and commands name an entry (`GONE.ec2.vpc`), never a literal.
//
// The codes are what `awsErrorCode` sees: the SDK's exception name. For the query protocols (IAM,
// ELBv2) that is the modelled shape, not the wire code: AWS answers `NoSuchEntity` and the SDK throws
// `NoSuchEntityException` (botocore's `"error": {"code": "NoSuchEntity"}` on NoSuchEntityException).
// EC2 models no errors, so its exception name is the wire code itself. test/gone-codes.test.ts
// checks every entry against the sandbox (each code is one it throws for that resource, and it
// throws no other) and the SDK's mapping of the wire codes.
//
// Sources (each operation's "Errors" section, or the service's error list):
// - EC2: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html
// - ELBv2: https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DescribeLoadBalancers.html,
//   …/API_DescribeTargetGroups.html, …/API_DescribeListeners.html, …/API_DescribeRules.html,
//   …/API_DescribeTargetHealth.html
// - ECS: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeleteCluster.html,
//   …/API_DeleteService.html (ServiceNotFoundException, ClusterNotFoundException); an unknown task
//   definition is a ClientException "Unable to describe task definition." (getmoto/moto#5910)
// - ECR: https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_DescribeRepositories.html
// - IAM: https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetRole.html,
//   …/API_DetachRolePolicy.html, …/API_DeleteRolePolicy.html (NoSuchEntity, 404)
// - CloudWatch Logs: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_DeleteLogGroup.html
// - CodeBuild: https://docs.aws.amazon.com/codebuild/latest/APIReference/API_UpdateProject.html
//   (ResourceNotFoundException); DeleteProject of a missing project succeeds (its only error is
//   InvalidInputException: https://docs.aws.amazon.com/codebuild/latest/APIReference/API_DeleteProject.html)
// - CodeDeploy: https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_GetApplication.html,
//   …/API_GetDeploymentGroup.html
// - CodePipeline: https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_GetPipeline.html,
//   …/API_ListTagsForResource.html (ResourceNotFoundException)
// - CodeConnections: https://docs.aws.amazon.com/codeconnections/latest/APIReference/API_GetConnection.html
// - Application Auto Scaling: https://docs.aws.amazon.com/autoscaling/application/APIReference/API_DeregisterScalableTarget.html,
//   …/API_DeleteScalingPolicy.html (ObjectNotFoundException)
// - S3: https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList; HeadBucket
//   answers 404 with no body, which the SDK names `NotFound`
//   (https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadBucket.html). No entry for a bucket's
//   encryption: every bucket has one since January 2023, DeleteBucketEncryption resets it to SSE-S3
//   (https://docs.aws.amazon.com/AmazonS3/latest/userguide/default-encryption-faq.html), so AWS no
//   longer answers ServerSideEncryptionConfigurationNotFoundError (steps/artifacts.ts says so).
// - ACM: https://docs.aws.amazon.com/acm/latest/APIReference/API_DescribeCertificate.html,
//   …/API_DeleteCertificate.html (ResourceNotFoundException)
// - Route 53: https://docs.aws.amazon.com/Route53/latest/APIReference/API_GetHostedZone.html (NoSuchHostedZone)
import { isAwsError } from './errors';

export const GONE = {
  ec2: {
    vpc: ['InvalidVpcID.NotFound'],
    subnet: ['InvalidSubnetID.NotFound'],
    internetGateway: ['InvalidInternetGatewayID.NotFound'],
    /** DetachInternetGateway: the gateway is gone, or no longer attached to the VPC. */
    internetGatewayAttachment: ['InvalidInternetGatewayID.NotFound', 'Gateway.NotAttached'],
    routeTable: ['InvalidRouteTableID.NotFound'],
    routeTableAssociation: ['InvalidAssociationID.NotFound'],
    /** DeleteRoute: the route, or its whole table, is gone. */
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
    /** DescribeServices/DeleteService: the cluster is gone with it, or the service is. */
    service: ['ClusterNotFoundException', 'ServiceNotFoundException'],
    taskDefinition: ['ClientException'],
  },
  ecr: {
    repository: ['RepositoryNotFoundException'],
  },
  iam: {
    role: ['NoSuchEntityException'],
    /** DetachRolePolicy of a policy no longer attached, DeleteRolePolicy of one no longer there. */
    rolePolicy: ['NoSuchEntityException'],
  },
  logs: {
    logGroup: ['ResourceNotFoundException'],
  },
  codebuild: {
    project: ['ResourceNotFoundException'],
  },
  codedeploy: {
    application: ['ApplicationDoesNotExistException'],
    /** A group is gone with its application. */
    deploymentGroup: ['ApplicationDoesNotExistException', 'DeploymentGroupDoesNotExistException'],
  },
  codepipeline: {
    /** GetPipeline answers PipelineNotFoundException; ListTagsForResource ResourceNotFoundException. */
    pipeline: ['PipelineNotFoundException', 'ResourceNotFoundException'],
  },
  connections: {
    connection: ['ResourceNotFoundException'],
  },
  appautoscaling: {
    /** DeregisterScalableTarget: no target on that resource (its policies went with it). */
    scalableTarget: ['ObjectNotFoundException'],
    scalingPolicy: ['ObjectNotFoundException'],
  },
  s3: {
    /** HeadBucket's bodiless 404 is `NotFound`; every other call's is NoSuchBucket. */
    bucket: ['NoSuchBucket', 'NotFound'],
    /** A bucket's settings that were never set (or were deleted). */
    tagSet: ['NoSuchTagSet'],
    publicAccessBlock: ['NoSuchPublicAccessBlockConfiguration'],
    policy: ['NoSuchBucketPolicy'],
    lifecycle: ['NoSuchLifecycleConfiguration'],
  },
  acm: {
    certificate: ['ResourceNotFoundException'],
  },
  route53: {
    hostedZone: ['NoSuchHostedZone'],
  },
} as const satisfies Record<string, Record<string, readonly string[]>>;

/** The predicate a delete's `ignoringGone` takes: AWS says the resource is already gone. */
export const isGone =
  (codes: readonly string[]) =>
  (error: unknown): boolean =>
    isAwsError(error, ...codes);
