// The simulated Application Auto Scaling, driven through the real SDK clients: a scalable target on
// an ECS service's desired count behind an ALB's target group, its target tracking policies, and the
// autoscaler's own action (scaleTo), as issue 13's `autoscaling` will use them.
import {
  ApplicationAutoScalingClient,
  DeleteScalingPolicyCommand,
  DeregisterScalableTargetCommand,
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
  ListTagsForResourceCommand,
  paginateDescribeScalableTargets,
  paginateDescribeScalingPolicies,
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
  TagResourceCommand,
  UntagResourceCommand,
  type PutScalingPolicyCommandInput,
  type RegisterScalableTargetCommandInput,
} from '@aws-sdk/client-application-auto-scaling';
import { CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateClusterCommand, CreateServiceCommand, DeleteServiceCommand, DescribeServicesCommand, ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { CreateListenerCommand, CreateLoadBalancerCommand, CreateTargetGroupCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ACCOUNT, REGION, useSandbox } from './helpers/sandbox-fixture';

const env = useSandbox();
let aas: ApplicationAutoScalingClient;
let ecs: ECSClient;

const RESOURCE = 'service/demo/demo-prod';
const DIMENSION = 'ecs:service:DesiredCount';
const TARGET_ARN = new RegExp(`^arn:aws:application-autoscaling:${REGION}:${ACCOUNT}:scalable-target/[0-9a-f]{32}$`);

interface World {
  /** `app/demo/<id>/targetgroup/demo-prod/<id>`: the service's target group on the ALB. */
  label: string;
  /** A target group on the ALB that the service is not attached to. */
  otherLabel: string;
  /** A target group attached to no load balancer. */
  looseLabel: string;
  network: { subnets: string[]; securityGroups: string[] };
  taskDefinition: string;
}

let world: World;

beforeEach(async () => {
  aas = new ApplicationAutoScalingClient({ region: REGION });
  ecs = new ECSClient({ region: REGION });
  world = await build();
});

/** A VPC, an ALB forwarding to target groups demo-prod and demo-other, a loose group, and service demo-prod (1 task) behind demo-prod. */
async function build(): Promise<World> {
  const ec2 = new EC2Client({ region: REGION });
  const elbv2 = new ElasticLoadBalancingV2Client({ region: REGION });
  const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc?.VpcId;
  const subnets: string[] = [];
  for (const [i, az] of ['eu-west-3a', 'eu-west-3b'].entries()) {
    subnets.push((await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: `10.0.${i + 1}.0/24`, AvailabilityZone: az }))).Subnet?.SubnetId ?? '');
  }
  const securityGroups = [(await ec2.send(new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: 'svc', Description: 'service' }))).GroupId ?? ''];
  const lbArn = (await elbv2.send(new CreateLoadBalancerCommand({ Name: 'demo', Subnets: subnets, Type: 'application' }))).LoadBalancers?.[0]?.LoadBalancerArn ?? '';
  const group = async (name: string): Promise<string> =>
    (await elbv2.send(new CreateTargetGroupCommand({ Name: name, Protocol: 'HTTP', Port: 80, VpcId: vpcId, TargetType: 'ip' }))).TargetGroups?.[0]?.TargetGroupArn ?? '';
  const prod = await group('demo-prod');
  const other = await group('demo-other');
  const loose = await group('demo-loose');
  for (const [port, tg] of [[80, prod], [8080, other]] as const) {
    await elbv2.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: 'HTTP', Port: port, DefaultActions: [{ Type: 'forward', TargetGroupArn: tg }] }));
  }
  const lbPart = lbArn.split(':loadbalancer/')[1];
  const labelOf = (tgArn: string): string => `${lbPart}/${tgArn.split(':').pop()}`;

  await ecs.send(new CreateClusterCommand({ clusterName: 'demo' }));
  const taskDefinition = (await ecs.send(new RegisterTaskDefinitionCommand({
    family: 'demo-prod',
    requiresCompatibilities: ['FARGATE'],
    networkMode: 'awsvpc',
    cpu: '256',
    memory: '512',
    runtimePlatform: { cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' },
    containerDefinitions: [{ name: 'web', image: 'public.ecr.aws/nginx/nginx:latest', portMappings: [{ containerPort: 80 }] }],
  }))).taskDefinition?.taskDefinitionArn ?? '';
  const network = { subnets, securityGroups };
  await service('demo-prod', taskDefinition, network, prod);
  return { label: labelOf(prod), otherLabel: labelOf(other), looseLabel: labelOf(loose), network, taskDefinition };
}

async function service(name: string, taskDefinition: string, network: World['network'], targetGroupArn?: string): Promise<void> {
  await ecs.send(new CreateServiceCommand({
    cluster: 'demo',
    serviceName: name,
    taskDefinition,
    desiredCount: 1,
    launchType: 'FARGATE',
    networkConfiguration: { awsvpcConfiguration: { ...network, assignPublicIp: 'DISABLED' } },
    ...(targetGroupArn ? { loadBalancers: [{ targetGroupArn, containerName: 'web', containerPort: 80 }] } : {}),
  }));
}

async function desiredCount(name = 'demo-prod'): Promise<number | undefined> {
  return (await ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: [name] }))).services?.[0]?.desiredCount;
}

function target(overrides: Partial<RegisterScalableTargetCommandInput> = {}): RegisterScalableTargetCommandInput {
  return { ServiceNamespace: 'ecs', ResourceId: RESOURCE, ScalableDimension: DIMENSION, MinCapacity: 1, MaxCapacity: 4, ...overrides };
}

function policy(overrides: Partial<PutScalingPolicyCommandInput> = {}): PutScalingPolicyCommandInput {
  return {
    PolicyName: 'cpu',
    ServiceNamespace: 'ecs',
    ResourceId: RESOURCE,
    ScalableDimension: DIMENSION,
    PolicyType: 'TargetTrackingScaling',
    TargetTrackingScalingPolicyConfiguration: {
      TargetValue: 60,
      PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
      ScaleInCooldown: 300,
      ScaleOutCooldown: 60,
    },
    ...overrides,
  };
}

const requests = (label: string) => ({ TargetValue: 100, PredefinedMetricSpecification: { PredefinedMetricType: 'ALBRequestCountPerTarget' as const, ResourceLabel: label } });

describe('scalable targets', () => {
  it('registers an ECS service\'s desired count with AWS\'s service-linked role, and updates only what is given', async () => {
    const out = await aas.send(new RegisterScalableTargetCommand(target({ MinCapacity: 1, MaxCapacity: 4, Tags: { 'shipline:stack': 'demo' } })));
    expect(out.ScalableTargetARN).toMatch(TARGET_ARN);
    await aas.send(new RegisterScalableTargetCommand(target({ MinCapacity: undefined, MaxCapacity: 6 })));
    const described = await aas.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs', ResourceIds: [RESOURCE] }));
    expect(described.ScalableTargets).toEqual([
      expect.objectContaining({
        ServiceNamespace: 'ecs',
        ResourceId: RESOURCE,
        ScalableDimension: DIMENSION,
        MinCapacity: 1,
        MaxCapacity: 6,
        RoleARN: `arn:aws:iam::${ACCOUNT}:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService`,
        ScalableTargetARN: out.ScalableTargetARN,
      }),
    ]);
    expect((await aas.send(new ListTagsForResourceCommand({ ResourceARN: out.ScalableTargetARN }))).Tags).toEqual({ 'shipline:stack': 'demo' });
  });

  it('moves a desired count outside [min, max] inside it, on creation and on update, and leaves one inside alone', async () => {
    await aas.send(new RegisterScalableTargetCommand(target({ MinCapacity: 2, MaxCapacity: 4 })));
    expect(await desiredCount()).toBe(2);
    await aas.send(new RegisterScalableTargetCommand(target({ MinCapacity: 1, MaxCapacity: 3 })));
    expect(await desiredCount()).toBe(2);
    await aas.send(new RegisterScalableTargetCommand(target({ MinCapacity: 0, MaxCapacity: 1 })));
    expect(await desiredCount()).toBe(1);
  });

  it.each([
    ['a service that does not exist', target({ ResourceId: 'service/demo/nope' }), 'ValidationException'],
    ['a cluster that does not exist', target({ ResourceId: 'service/nope/demo-prod' }), 'ValidationException'],
    ['a resource ID that is not service/<cluster>/<service>', target({ ResourceId: 'demo-prod' }), 'ValidationException'],
    ['another dimension', target({ ScalableDimension: 'dynamodb:table:ReadCapacityUnits' }), 'ValidationException'],
    ['an unknown namespace', target({ ServiceNamespace: 'nope' as 'ecs' }), 'ValidationException'],
    ['a new target without a maximum', target({ MaxCapacity: undefined }), 'ValidationException'],
    ['a minimum above the maximum', target({ MinCapacity: 5, MaxCapacity: 4 }), 'ValidationException'],
    ['a negative minimum', target({ MinCapacity: -1 }), 'ValidationException'],
    ['an aws: tag', target({ Tags: { 'aws:x': 'v' } }), 'ValidationException'],
  ])('refuses %s', async (_what, input, code) => {
    await expect(aas.send(new RegisterScalableTargetCommand(input))).rejects.toMatchObject({ name: code });
    expect(env.sandbox.inventory().filter((i) => i.service === 'appautoscaling')).toEqual([]);
  });

  it('refuses a service that is draining', async () => {
    await ecs.send(new DeleteServiceCommand({ cluster: 'demo', service: 'demo-prod', force: true }));
    await expect(aas.send(new RegisterScalableTargetCommand(target()))).rejects.toMatchObject({ name: 'ValidationException', message: `ECS service doesn't exist: ${RESOURCE}` });
  });

  it('pages DescribeScalableTargets and filters by resource ID', async () => {
    for (let i = 0; i < 6; i += 1) {
      await service(`extra-${i}`, world.taskDefinition, world.network);
      await aas.send(new RegisterScalableTargetCommand(target({ ResourceId: `service/demo/extra-${i}` })));
    }
    await aas.send(new RegisterScalableTargetCommand(target()));
    const first = await aas.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs' }));
    expect(first.ScalableTargets).toHaveLength(5);
    const ids: string[] = [];
    for await (const page of paginateDescribeScalableTargets({ client: aas }, { ServiceNamespace: 'ecs' })) ids.push(...(page.ScalableTargets ?? []).map((t) => t.ResourceId ?? ''));
    expect(ids.sort()).toEqual([RESOURCE, ...Array.from({ length: 6 }, (_, i) => `service/demo/extra-${i}`)].sort());
    expect((await aas.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs', ResourceIds: ['service/demo/extra-2'] }))).ScalableTargets?.map((t) => t.ResourceId))
      .toEqual(['service/demo/extra-2']);
    expect((await aas.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'dynamodb' }))).ScalableTargets).toEqual([]);
    await expect(aas.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs', ScalableDimension: DIMENSION }))).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(aas.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs', MaxResults: 51 }))).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(aas.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs', ResourceIds: [RESOURCE], NextToken: first.NextToken }))).rejects.toMatchObject({ name: 'InvalidNextTokenException' });
  });

  it('can be eventually consistent, as AWS warns after RegisterScalableTarget (faults.hideNewFor)', async () => {
    env.sandbox.faults.hideNewFor({ create: 'RegisterScalableTarget', ids: (out) => [String(out.ScalableTargetARN)], describe: 'DescribeScalableTargets', reads: 1 });
    await aas.send(new RegisterScalableTargetCommand(target()));
    const describe = () => aas.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs', ResourceIds: [RESOURCE] }));
    expect((await describe()).ScalableTargets).toEqual([]);
    expect((await describe()).ScalableTargets?.map((t) => t.ResourceId)).toEqual([RESOURCE]);
  });

  it('deregisters a target with its policies, and refuses one that is not registered', async () => {
    await aas.send(new RegisterScalableTargetCommand(target()));
    await aas.send(new PutScalingPolicyCommand(policy()));
    await aas.send(new DeregisterScalableTargetCommand({ ServiceNamespace: 'ecs', ResourceId: RESOURCE, ScalableDimension: DIMENSION }));
    expect((await aas.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: 'ecs' }))).ScalingPolicies).toEqual([]);
    expect(env.sandbox.inventory().filter((i) => i.service === 'appautoscaling')).toEqual([]);
    await expect(aas.send(new DeregisterScalableTargetCommand({ ServiceNamespace: 'ecs', ResourceId: RESOURCE, ScalableDimension: DIMENSION })))
      .rejects.toMatchObject({ name: 'ObjectNotFoundException' });
  });
});

describe('target tracking policies', () => {
  beforeEach(async () => {
    await aas.send(new RegisterScalableTargetCommand(target()));
  });

  it('puts CPU, memory and request count policies, each with its two alarms, and updates one in place', async () => {
    const cpu = await aas.send(new PutScalingPolicyCommand(policy()));
    expect(cpu.PolicyARN).toMatch(new RegExp(`^arn:aws:autoscaling:${REGION}:${ACCOUNT}:scalingPolicy:[0-9a-f-]{36}:resource/ecs/${RESOURCE}:policyName/cpu$`));
    expect(cpu.Alarms?.map((a) => a.AlarmName)).toEqual([expect.stringMatching(/^TargetTracking-service\/demo\/demo-prod-AlarmHigh-/), expect.stringMatching(/-AlarmLow-/)]);
    await aas.send(new PutScalingPolicyCommand(policy({ PolicyName: 'memory', TargetTrackingScalingPolicyConfiguration: { TargetValue: 70, PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageMemoryUtilization' } } })));
    await aas.send(new PutScalingPolicyCommand(policy({ PolicyName: 'requests', TargetTrackingScalingPolicyConfiguration: requests(world.label) })));

    const again = await aas.send(new PutScalingPolicyCommand(policy({ TargetTrackingScalingPolicyConfiguration: { TargetValue: 50, PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' } } })));
    expect(again.PolicyARN).toBe(cpu.PolicyARN);
    const policies = (await aas.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: 'ecs', ResourceId: RESOURCE }))).ScalingPolicies ?? [];
    expect(policies.map((p) => [p.PolicyName, p.TargetTrackingScalingPolicyConfiguration?.TargetValue])).toEqual([['cpu', 50], ['memory', 70], ['requests', 100]]);
    expect(policies[0]?.TargetTrackingScalingPolicyConfiguration?.ScaleInCooldown).toBeUndefined();
    expect(policies[2]?.TargetTrackingScalingPolicyConfiguration?.PredefinedMetricSpecification?.ResourceLabel).toBe(world.label);
  });

  it.each([
    ['a label of another shape', () => policy({ TargetTrackingScalingPolicyConfiguration: requests('targetgroup/demo-prod/abc') })],
    ['a label whose target group is not on that load balancer', () => policy({ TargetTrackingScalingPolicyConfiguration: requests(world.looseLabel) })],
    ['a label whose target group the service is not attached to', () => policy({ TargetTrackingScalingPolicyConfiguration: requests(world.otherLabel) })],
    ['a label naming a load balancer that does not exist', () => policy({ TargetTrackingScalingPolicyConfiguration: requests(world.label.replace(/^app\/demo\/[0-9a-f]+/, 'app/demo/0123456789abcdef')) })],
    ['request count without a label', () => policy({ TargetTrackingScalingPolicyConfiguration: { TargetValue: 100, PredefinedMetricSpecification: { PredefinedMetricType: 'ALBRequestCountPerTarget' } } })],
    ['a label on the CPU metric', () => policy({ TargetTrackingScalingPolicyConfiguration: { TargetValue: 60, PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization', ResourceLabel: world.label } } })],
    ['a metric of another service', () => policy({ TargetTrackingScalingPolicyConfiguration: { TargetValue: 60, PredefinedMetricSpecification: { PredefinedMetricType: 'DynamoDBReadCapacityUtilization' } } })],
    ['a CPU target above 100 percent', () => policy({ TargetTrackingScalingPolicyConfiguration: { TargetValue: 150, PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' } } })],
    ['a negative cooldown', () => policy({ TargetTrackingScalingPolicyConfiguration: { TargetValue: 60, ScaleInCooldown: -1, PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' } } })],
    ['no configuration', () => policy({ TargetTrackingScalingPolicyConfiguration: undefined })],
    ['no policy type', () => policy({ PolicyType: undefined })],
    ['an empty name', () => policy({ PolicyName: '' })],
  ])('refuses %s with ValidationException', async (_what, input) => {
    await expect(aas.send(new PutScalingPolicyCommand(input()))).rejects.toMatchObject({ name: 'ValidationException' });
    expect((await aas.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: 'ecs' }))).ScalingPolicies).toEqual([]);
  });

  it('refuses a policy for a target that is not registered, and a change of policy type', async () => {
    await expect(aas.send(new PutScalingPolicyCommand(policy({ ResourceId: 'service/demo/other' }))))
      .rejects.toMatchObject({ name: 'ObjectNotFoundException', message: `No scalable target registered for service namespace: ecs, resource ID: service/demo/other, scalable dimension: ${DIMENSION}` });
    await aas.send(new PutScalingPolicyCommand(policy()));
    await expect(aas.send(new PutScalingPolicyCommand(policy({ PolicyType: 'StepScaling', TargetTrackingScalingPolicyConfiguration: undefined }))))
      .rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('deletes a policy, and refuses one that does not exist', async () => {
    await aas.send(new PutScalingPolicyCommand(policy()));
    const key = { PolicyName: 'cpu', ServiceNamespace: 'ecs' as const, ResourceId: RESOURCE, ScalableDimension: DIMENSION as 'ecs:service:DesiredCount' };
    await aas.send(new DeleteScalingPolicyCommand(key));
    await expect(aas.send(new DeleteScalingPolicyCommand(key))).rejects.toMatchObject({ name: 'ObjectNotFoundException' });
  });

  it('pages DescribeScalingPolicies (at most 10 a page on AWS) and filters by name', async () => {
    for (let i = 0; i < 7; i += 1) await aas.send(new PutScalingPolicyCommand(policy({ PolicyName: `p${i}` })));
    const first = await aas.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: 'ecs' }));
    expect(first.ScalingPolicies).toHaveLength(5);
    const names: string[] = [];
    for await (const page of paginateDescribeScalingPolicies({ client: aas }, { ServiceNamespace: 'ecs', ResourceId: RESOURCE })) names.push(...(page.ScalingPolicies ?? []).map((p) => p.PolicyName ?? ''));
    expect(names).toEqual(Array.from({ length: 7 }, (_, i) => `p${i}`));
    expect((await aas.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: 'ecs', PolicyNames: ['p3'] }))).ScalingPolicies?.map((p) => p.PolicyName)).toEqual(['p3']);
    await expect(aas.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: 'ecs', MaxResults: 11 }))).rejects.toMatchObject({ name: 'ValidationException' });
  });
});

describe('tags on scalable targets', () => {
  it('tags, untags and lists by the target ARN', async () => {
    const arn = (await aas.send(new RegisterScalableTargetCommand(target()))).ScalableTargetARN ?? '';
    await aas.send(new TagResourceCommand({ ResourceARN: arn, Tags: { a: '1', b: '2' } }));
    await aas.send(new UntagResourceCommand({ ResourceARN: arn, TagKeys: ['a'] }));
    expect((await aas.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags).toEqual({ b: '2' });
    await expect(aas.send(new ListTagsForResourceCommand({ ResourceARN: `${arn.slice(0, -4)}ffff` }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(aas.send(new TagResourceCommand({ ResourceARN: 'arn:aws:ecs:x', Tags: { a: '1' } }))).rejects.toMatchObject({ name: 'ValidationException' });
  });
});

describe('the autoscaler (scaleTo)', () => {
  it('sets the service\'s desired count, held within [min, max]', async () => {
    await aas.send(new RegisterScalableTargetCommand(target({ MinCapacity: 1, MaxCapacity: 4 })));
    expect(env.sandbox.appautoscaling.scaleTo(RESOURCE, 3)).toBe(3);
    expect(await desiredCount()).toBe(3);
    expect(env.sandbox.appautoscaling.scaleTo(RESOURCE, 9)).toBe(4);
    expect(await desiredCount()).toBe(4);
    expect(() => env.sandbox.appautoscaling.scaleTo('service/demo/nope', 2)).toThrow(/no scalable target/);
  });
});

describe('Application Auto Scaling in snapshots and under a caller policy', () => {
  it('keeps targets, policies and tags across a snapshot', async () => {
    const arn = (await aas.send(new RegisterScalableTargetCommand(target({ Tags: { k: 'v' } })))).ScalableTargetARN;
    await aas.send(new PutScalingPolicyCommand(policy()));
    const before = env.sandbox.inventory().filter((i) => i.service === 'appautoscaling');
    env.restoreFrom(JSON.parse(JSON.stringify(env.sandbox.snapshot())));
    expect(env.sandbox.inventory().filter((i) => i.service === 'appautoscaling')).toEqual(before);
    expect(before.map((i) => i.type)).toEqual(['scalable-target', 'scaling-policy']);
    expect((await aas.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags).toEqual({ k: 'v' });
  });

  it('needs the ECS and CloudWatch permissions the autoscaler uses, and the right to create its service-linked role', async () => {
    const snapshot = env.sandbox.snapshot();
    const allow = (actions: string[]) => ({ Version: '2012-10-17' as const, Statement: [{ Effect: 'Allow' as const, Action: actions, Resource: '*' }] });
    const own = ['application-autoscaling:RegisterScalableTarget', 'application-autoscaling:PutScalingPolicy', 'application-autoscaling:TagResource'];
    const linked = { Effect: 'Allow' as const, Action: 'iam:CreateServiceLinkedRole', Resource: '*', Condition: { StringEquals: { 'iam:AWSServiceName': 'ecs.application-autoscaling.amazonaws.com' } } };

    env.restoreFrom(snapshot, { callerPolicy: allow([...own, 'iam:CreateServiceLinkedRole']) });
    await expect(aas.send(new RegisterScalableTargetCommand(target()))).rejects.toMatchObject({ name: 'AccessDeniedException', message: expect.stringContaining('ecs:DescribeServices') });

    env.restoreFrom(snapshot, { callerPolicy: allow([...own, 'ecs:DescribeServices', 'ecs:UpdateService']) });
    await expect(aas.send(new RegisterScalableTargetCommand(target()))).rejects.toMatchObject({ name: 'AccessDeniedException', message: expect.stringContaining('iam:CreateServiceLinkedRole') });

    const policyDoc = allow([...own, 'ecs:DescribeServices', 'ecs:UpdateService']);
    env.restoreFrom(snapshot, { callerPolicy: { ...policyDoc, Statement: [...policyDoc.Statement, linked] } });
    await aas.send(new RegisterScalableTargetCommand(target({ Tags: { k: 'v' } })));
    await expect(aas.send(new PutScalingPolicyCommand(policy()))).rejects.toMatchObject({ name: 'AccessDeniedException', message: expect.stringContaining('cloudwatch:') });
  });
});
