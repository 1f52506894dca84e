// The simulated ECS, driven through the real SDK clients, with the EC2 and ELBv2 models providing
// the subnets, security groups and target groups its Fargate tasks land in.
import { CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand, DescribeNetworkInterfacesCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  ClientException,
  ClusterContainsServicesException,
  ClusterNotFoundException,
  CreateClusterCommand,
  UpdateClusterSettingsCommand,
  CreateServiceCommand,
  DeleteClusterCommand,
  DeleteServiceCommand,
  DeleteTaskDefinitionsCommand,
  DeregisterTaskDefinitionCommand,
  DescribeClustersCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  InvalidParameterException,
  ListServicesCommand,
  ListTagsForResourceCommand,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  ResourceNotFoundException,
  ServiceNotActiveException,
  ServiceNotFoundException,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateServiceCommand,
  paginateListServices,
  paginateListTaskDefinitions,
  paginateListTasks,
  waitUntilServicesInactive,
  waitUntilServicesStable,
  type CreateServiceCommandInput,
  type RegisterTaskDefinitionCommandInput,
  type Service,
} from '@aws-sdk/client-ecs';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { Sandbox } from '../src/sandbox/sandbox';
import { ACCOUNT, REGION, useSandbox } from './helpers/sandbox-fixture';
import { executionRole } from './helpers/service-roles';
import { TestClock } from './helpers/test-clock';

const WAIT = { minDelay: 0.01, maxDelay: 0.05, maxWaitTime: 10 };

const env = useSandbox();
let ecs: ECSClient;
let ec2: EC2Client;
let elbv2: ElasticLoadBalancingV2Client;

beforeEach(() => {
  executionRole(env.sandbox);
  ecs = new ECSClient({ region: REGION });
  ec2 = new EC2Client({ region: REGION });
  elbv2 = new ElasticLoadBalancingV2Client({ region: REGION });
});

interface Network {
  subnets: string[];
  securityGroup: string;
  targetGroupArn: string;
}

/** A VPC with two subnets, a security group, and an ALB forwarding to an ip target group. */
async function network(): Promise<Network> {
  const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc?.VpcId;
  const subnets: string[] = [];
  for (const [i, az] of ['eu-west-3a', 'eu-west-3b'].entries()) {
    const subnet = await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: `10.0.${i + 1}.0/24`, AvailabilityZone: az }));
    subnets.push(subnet.Subnet?.SubnetId ?? '');
  }
  const securityGroup = (await ec2.send(new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: 'svc', Description: 'service' }))).GroupId ?? '';
  const lb = await elbv2.send(new CreateLoadBalancerCommand({ Name: 'demo', Subnets: subnets, Type: 'application' }));
  const tg = await elbv2.send(new CreateTargetGroupCommand({ Name: 'demo-dev', Protocol: 'HTTP', Port: 80, VpcId: vpcId, TargetType: 'ip' }));
  const targetGroupArn = tg.TargetGroups?.[0]?.TargetGroupArn ?? '';
  await elbv2.send(
    new CreateListenerCommand({
      LoadBalancerArn: lb.LoadBalancers?.[0]?.LoadBalancerArn,
      Protocol: 'HTTP',
      Port: 80,
      DefaultActions: [{ Type: 'forward', TargetGroupArn: targetGroupArn }],
    }),
  );
  return { subnets, securityGroup, targetGroupArn };
}

function taskDefinitionInput(overrides: Partial<RegisterTaskDefinitionCommandInput> = {}): RegisterTaskDefinitionCommandInput {
  return {
    family: 'demo-dev',
    requiresCompatibilities: ['FARGATE'],
    networkMode: 'awsvpc',
    cpu: '256',
    memory: '512',
    runtimePlatform: { cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' },
    executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/demo-exec`,
    containerDefinitions: [
      {
        name: 'web',
        image: 'public.ecr.aws/nginx/nginx:latest',
        portMappings: [{ containerPort: 80 }],
        logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/shipline/demo/dev', 'awslogs-region': REGION, 'awslogs-stream-prefix': 'web' } },
      },
    ],
    tags: [{ key: 'shipline:stack', value: 'demo' }],
    ...overrides,
  };
}

async function registerTaskDefinition(overrides: Partial<RegisterTaskDefinitionCommandInput> = {}): Promise<string> {
  const out = await ecs.send(new RegisterTaskDefinitionCommand(taskDefinitionInput(overrides)));
  return out.taskDefinition?.taskDefinitionArn ?? '';
}

function serviceInput(net: Network, taskDefinition: string, overrides: Partial<CreateServiceCommandInput> = {}): CreateServiceCommandInput {
  return {
    cluster: 'demo',
    serviceName: 'demo-dev',
    taskDefinition,
    desiredCount: 2,
    launchType: 'FARGATE',
    networkConfiguration: { awsvpcConfiguration: { subnets: net.subnets, securityGroups: [net.securityGroup], assignPublicIp: 'DISABLED' } },
    loadBalancers: [{ targetGroupArn: net.targetGroupArn, containerName: 'web', containerPort: 80 }],
    deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true }, minimumHealthyPercent: 100, maximumPercent: 200 },
    tags: [{ key: 'shipline:stack', value: 'demo' }],
    ...overrides,
  };
}

/** Cluster `demo`, a network, a task definition and a service of two tasks behind the target group. */
async function runningService(overrides: Partial<CreateServiceCommandInput> = {}): Promise<{ net: Network; taskDefinition: string; created: Service }> {
  await ecs.send(new CreateClusterCommand({ clusterName: 'demo' }));
  const net = await network();
  const taskDefinition = await registerTaskDefinition();
  const created = (await ecs.send(new CreateServiceCommand(serviceInput(net, taskDefinition, overrides)))).service ?? {};
  return { net, taskDefinition, created };
}

async function describeService(name = 'demo-dev'): Promise<Service> {
  const out = await ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: [name] }));
  const service = out.services?.[0];
  if (!service) throw new Error(`service ${name} not described: ${JSON.stringify(out.failures)}`);
  return service;
}

async function targetIps(targetGroupArn: string): Promise<Record<string, string>> {
  const health = await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }));
  return Object.fromEntries((health.TargetHealthDescriptions ?? []).map((d) => [d.Target?.Id ?? '', d.TargetHealth?.State ?? '']));
}

async function taskEnis(): Promise<Array<{ id: string; subnet: string; groups: string[]; requesterId: string; description: string }>> {
  const out = await ec2.send(new DescribeNetworkInterfacesCommand({}));
  return (out.NetworkInterfaces ?? [])
    .filter((e) => e.RequesterId === 'ecs')
    .map((e) => ({
      id: e.NetworkInterfaceId ?? '',
      subnet: e.SubnetId ?? '',
      groups: (e.Groups ?? []).map((g) => g.GroupId ?? ''),
      requesterId: e.RequesterId ?? '',
      description: e.Description ?? '',
    }));
}

async function runningTaskIps(): Promise<string[]> {
  const arns = (await ecs.send(new ListTasksCommand({ cluster: 'demo', serviceName: 'demo-dev' }))).taskArns ?? [];
  if (arns.length === 0) return [];
  const tasks = (await ecs.send(new DescribeTasksCommand({ cluster: 'demo', tasks: arns }))).tasks ?? [];
  return tasks
    .filter((t) => t.lastStatus === 'RUNNING')
    .map((t) => t.attachments?.[0]?.details?.find((d) => d.name === 'privateIPv4Address')?.value ?? '')
    .sort();
}

describe('ECS clusters', () => {
  it('creates, describes (with tags and settings on request) and returns an existing cluster on re-create', async () => {
    const created = await ecs.send(new CreateClusterCommand({ clusterName: 'demo', tags: [{ key: 'shipline:stack', value: 'demo' }] }));
    expect(created.cluster).toMatchObject({
      clusterArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/demo`,
      clusterName: 'demo',
      status: 'ACTIVE',
      activeServicesCount: 0,
      runningTasksCount: 0,
    });
    const again = await ecs.send(new CreateClusterCommand({ clusterName: 'demo' }));
    expect(again.cluster?.clusterArn).toBe(created.cluster?.clusterArn);
    expect(again.cluster?.tags).toEqual([{ key: 'shipline:stack', value: 'demo' }]);

    const plain = await ecs.send(new DescribeClustersCommand({ clusters: ['demo'] }));
    expect(plain.clusters?.[0]?.tags).toBeUndefined();
    const full = await ecs.send(new DescribeClustersCommand({ clusters: [created.cluster?.clusterArn ?? ''], include: ['TAGS', 'SETTINGS'] }));
    expect(full.clusters?.[0]?.tags).toEqual([{ key: 'shipline:stack', value: 'demo' }]);
    expect(full.clusters?.[0]?.settings).toEqual([{ name: 'containerInsights', value: 'disabled' }]);
  });

  it('turns Container Insights on, enhanced or off with UpdateClusterSettings, refusing other names and values', async () => {
    await ecs.send(new CreateClusterCommand({ clusterName: 'demo', settings: [{ name: 'containerInsights', value: 'enabled' }] }));
    const updated = await ecs.send(new UpdateClusterSettingsCommand({ cluster: 'demo', settings: [{ name: 'containerInsights', value: 'enhanced' }] }));
    expect(updated.cluster?.settings).toEqual([{ name: 'containerInsights', value: 'enhanced' }]);
    const read = await ecs.send(new DescribeClustersCommand({ clusters: ['demo'], include: ['SETTINGS'] }));
    expect(read.clusters?.[0]?.settings).toEqual([{ name: 'containerInsights', value: 'enhanced' }]);
    await expect(ecs.send(new UpdateClusterSettingsCommand({ cluster: 'demo', settings: [{ name: 'containerInsights', value: 'on' }] }))).rejects.toMatchObject({ name: 'InvalidParameterException' });
    await expect(ecs.send(new CreateClusterCommand({ clusterName: 'other', settings: [{ name: 'containerInsights', value: 'yes' }] }))).rejects.toMatchObject({ name: 'InvalidParameterException' });
    await expect(ecs.send(new UpdateClusterSettingsCommand({ cluster: 'nope', settings: [{ name: 'containerInsights', value: 'enabled' }] }))).rejects.toMatchObject({ name: 'ClusterNotFoundException' });
  });

  it('reports unknown clusters as MISSING failures', async () => {
    const out = await ecs.send(new DescribeClustersCommand({ clusters: ['nope'] }));
    expect(out.clusters).toEqual([]);
    expect(out.failures).toEqual([{ arn: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/nope`, reason: 'MISSING' }]);
  });

  it('refuses to delete a cluster with an active or draining service, then deletes it to INACTIVE', async () => {
    const { created } = await runningService();
    await expect(ecs.send(new DeleteClusterCommand({ cluster: 'demo' }))).rejects.toThrow(ClusterContainsServicesException);
    await ecs.send(new DeleteServiceCommand({ cluster: 'demo', service: created.serviceName, force: true }));
    // Still DRAINING in the delete response's instant; the next read sees it INACTIVE.
    await waitUntilServicesInactive({ client: ecs, ...WAIT }, { cluster: 'demo', services: ['demo-dev'] });
    const deleted = await ecs.send(new DeleteClusterCommand({ cluster: 'demo' }));
    expect(deleted.cluster?.status).toBe('INACTIVE');
    const described = await ecs.send(new DescribeClustersCommand({ clusters: ['demo'] }));
    expect(described.clusters?.[0]?.status).toBe('INACTIVE');
    await expect(ecs.send(new DeleteClusterCommand({ cluster: 'demo' }))).rejects.toThrow(ClusterNotFoundException);
    await expect(ecs.send(new ListServicesCommand({ cluster: 'demo' }))).rejects.toMatchObject({ name: 'ClusterNotFoundException', message: 'Cluster not found.' });
  });
});

describe('ECS task definitions', () => {
  it('registers revisions per family with the defaults AWS fills in, and describes them by family, revision or ARN', async () => {
    const first = await ecs.send(new RegisterTaskDefinitionCommand(taskDefinitionInput({ cpu: '0.25 vCPU', memory: '0.5 GB' })));
    expect(first.taskDefinition).toMatchObject({
      taskDefinitionArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/demo-dev:1`,
      family: 'demo-dev',
      revision: 1,
      status: 'ACTIVE',
      cpu: '256',
      memory: '512',
      networkMode: 'awsvpc',
      compatibilities: ['EC2', 'FARGATE'],
      runtimePlatform: { cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' },
    });
    expect(first.taskDefinition?.containerDefinitions?.[0]).toMatchObject({
      name: 'web',
      essential: true,
      cpu: 0,
      portMappings: [{ containerPort: 80, hostPort: 80, protocol: 'tcp' }],
      environment: [],
    });
    const second = await registerTaskDefinition({ containerDefinitions: [{ name: 'web', image: 'nginx:2', portMappings: [{ containerPort: 80 }] }], executionRoleArn: undefined });
    expect(second).toMatch(/task-definition\/demo-dev:2$/);

    const latest = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'demo-dev' }));
    expect(latest.taskDefinition?.revision).toBe(2);
    expect(latest.tags).toBeUndefined();
    const byRevision = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'demo-dev:1', include: ['TAGS'] }));
    expect(byRevision.taskDefinition?.containerDefinitions?.[0]?.image).toBe('public.ecr.aws/nginx/nginx:latest');
    expect(byRevision.tags).toEqual([{ key: 'shipline:stack', value: 'demo' }]);
    const byArn = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: second }));
    expect(byArn.taskDefinition?.containerDefinitions?.[0]?.image).toBe('nginx:2');
  });

  it.each([
    ['256 CPU with 4096 MiB', { cpu: '256', memory: '4096' }, 'No Fargate configuration exists for given values: 256 CPU, 4096 memory. See the Amazon ECS documentation for the valid values.'],
    ['1024 CPU with 1024 MiB', { cpu: '1024', memory: '1024' }, 'No Fargate configuration exists for given values: 1024 CPU, 1024 memory. See the Amazon ECS documentation for the valid values.'],
    ['bridge network mode', { networkMode: 'bridge' as const }, 'Fargate only supports network mode ‘awsvpc’.'],
    ['no task cpu', { cpu: undefined }, `Fargate requires that 'cpu' be defined at the task level.`],
    ['no task memory', { memory: undefined }, `Fargate requires that 'memory' be defined at the task level.`],
    ['awslogs without an execution role', { executionRoleArn: undefined }, 'Fargate requires task definition to have execution role ARN to support log driver awslogs.'],
    ['no containers', { containerDefinitions: [] }, 'Container list cannot be empty.'],
    ['awsvpc host port ≠ container port', { containerDefinitions: [{ name: 'web', image: 'nginx', portMappings: [{ containerPort: 80, hostPort: 8080 }] }] }, 'When networkMode=awsvpc, the host ports and container ports in port mappings must match.'],
    ['no essential container', { containerDefinitions: [{ name: 'web', image: 'nginx', essential: false }] }, 'A task definition must have at least one essential container.'],
  ])('refuses %s with ClientException', async (_label, overrides, message) => {
    await expect(ecs.send(new RegisterTaskDefinitionCommand(taskDefinitionInput(overrides)))).rejects.toThrow(ClientException);
    await expect(ecs.send(new RegisterTaskDefinitionCommand(taskDefinitionInput(overrides)))).rejects.toMatchObject({ name: 'ClientException', message });
  });

  it('accepts every Fargate size AWS offers at the edges', async () => {
    for (const [cpu, memory] of [['256', '2048'], ['512', '4096'], ['4096', '30720'], ['8192', '61440'], ['16384', '122880']] as const) {
      await expect(registerTaskDefinition({ cpu, memory })).resolves.toContain('task-definition/demo-dev:');
    }
    await expect(registerTaskDefinition({ cpu: '8192', memory: '18432' })).rejects.toThrow(ClientException);
  });

  it('deregisters to INACTIVE (still describable, no longer the family default), lists by status, deletes only INACTIVE ones', async () => {
    const one = await registerTaskDefinition();
    const two = await registerTaskDefinition();
    await registerTaskDefinition({ family: 'other' });
    const deregistered = await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'demo-dev:2' }));
    expect(deregistered.taskDefinition?.status).toBe('INACTIVE');
    expect((await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: two }))).taskDefinition?.status).toBe('INACTIVE');
    expect((await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'demo-dev' }))).taskDefinition?.revision).toBe(1);

    expect((await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'demo-dev' }))).taskDefinitionArns).toEqual([one]);
    expect((await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'demo-dev', status: 'INACTIVE' }))).taskDefinitionArns).toEqual([two]);
    expect((await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'demo' }))).taskDefinitionArns).toEqual([]);

    const deleted = await ecs.send(new DeleteTaskDefinitionsCommand({ taskDefinitions: [one, two] }));
    expect(deleted.taskDefinitions?.map((t) => [t.taskDefinitionArn, t.status])).toEqual([[two, 'DELETE_IN_PROGRESS']]);
    expect(deleted.failures?.map((f) => f.arn)).toEqual([one]);
    // The next registration continues the family's numbering.
    expect(await registerTaskDefinition()).toMatch(/demo-dev:3$/);
  });

  it('answers an unknown task definition with ClientException', async () => {
    await expect(ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'nope:1' }))).rejects.toMatchObject({
      name: 'ClientException',
      message: 'Unable to describe task definition.',
    });
  });
});

describe('ECS services', () => {
  it('starts with pending tasks, then runs them in the subnets, registered in the target group', async () => {
    const { net, created } = await runningService();
    expect(created).toMatchObject({
      serviceArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:service/demo/demo-dev`,
      status: 'ACTIVE',
      desiredCount: 2,
      runningCount: 0,
      pendingCount: 2,
      launchType: 'FARGATE',
      deploymentController: { type: 'ECS' },
      loadBalancers: [{ targetGroupArn: net.targetGroupArn, containerName: 'web', containerPort: 80 }],
      networkConfiguration: { awsvpcConfiguration: { subnets: net.subnets, securityGroups: [net.securityGroup], assignPublicIp: 'DISABLED' } },
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true }, minimumHealthyPercent: 100, maximumPercent: 200 },
    });
    expect(created.deployments).toHaveLength(1);
    expect(created.deployments?.[0]).toMatchObject({ status: 'PRIMARY', rolloutState: 'IN_PROGRESS', desiredCount: 2, runningCount: 0, pendingCount: 2 });
    expect(created.deployments?.[0]?.id).toMatch(/^ecs-svc\/\d{19}$/);

    const enis = await taskEnis();
    expect(enis).toHaveLength(2);
    expect(enis.map((e) => e.subnet).sort()).toEqual([...net.subnets].sort());
    for (const eni of enis) {
      expect(eni.groups).toEqual([net.securityGroup]);
      expect(eni.description).toMatch(new RegExp(`^arn:aws:ecs:${REGION}:${ACCOUNT}:attachment/[0-9a-f-]{36}$`));
    }
    expect(await targetIps(net.targetGroupArn)).toEqual({});

    await waitUntilServicesStable({ client: ecs, ...WAIT }, { cluster: 'demo', services: ['demo-dev'] });
    const stable = await describeService();
    expect(stable).toMatchObject({ runningCount: 2, pendingCount: 0 });
    expect(stable.deployments?.[0]).toMatchObject({ rolloutState: 'COMPLETED', runningCount: 2 });
    expect(stable.events?.[0]?.message).toBe('(service demo-dev) has reached a steady state.');
    const ips = await runningTaskIps();
    expect(ips).toHaveLength(2);
    expect(Object.keys(await targetIps(net.targetGroupArn)).sort()).toEqual(ips);

    const cluster = await ecs.send(new DescribeClustersCommand({ clusters: ['demo'] }));
    expect(cluster.clusters?.[0]).toMatchObject({ activeServicesCount: 1, runningTasksCount: 2, pendingTasksCount: 0 });
  });

  it('describes tasks with their ENI attachment, and unknown ones as MISSING', async () => {
    const { taskDefinition } = await runningService();
    await describeService();
    const arns = (await ecs.send(new ListTasksCommand({ cluster: 'demo', serviceName: 'demo-dev' }))).taskArns ?? [];
    expect(arns).toHaveLength(2);
    const out = await ecs.send(new DescribeTasksCommand({ cluster: 'demo', tasks: [...arns, 'ffffffffffffffffffffffffffffffff'] }));
    expect(out.tasks?.[0]).toMatchObject({
      lastStatus: 'RUNNING',
      desiredStatus: 'RUNNING',
      group: 'service:demo-dev',
      taskDefinitionArn: taskDefinition,
      launchType: 'FARGATE',
      cpu: '256',
      memory: '512',
      attachments: [{ type: 'ElasticNetworkInterface', status: 'ATTACHED' }],
    });
    expect(out.failures).toEqual([{ arn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task/demo/ffffffffffffffffffffffffffffffff`, reason: 'MISSING' }]);
  });

  it('returns the same service for the same client token and refuses a second creation otherwise', async () => {
    const { net, taskDefinition, created } = await runningService({ clientToken: 'token-1' });
    const again = await ecs.send(new CreateServiceCommand(serviceInput(net, taskDefinition, { clientToken: 'token-1' })));
    expect(again.service?.serviceArn).toBe(created.serviceArn);
    expect(again.service?.deployments?.[0]?.id).toBe(created.deployments?.[0]?.id);
    expect((await taskEnis())).toHaveLength(2);
    await expect(ecs.send(new CreateServiceCommand(serviceInput(net, taskDefinition, { clientToken: 'token-2' })))).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: 'Creation of service was not idempotent.',
    });
    await expect(ecs.send(new CreateServiceCommand(serviceInput(net, taskDefinition)))).rejects.toThrow(InvalidParameterException);
  });

  it('refuses what AWS refuses at creation', async () => {
    await ecs.send(new CreateClusterCommand({ clusterName: 'demo' }));
    const net = await network();
    const td = await registerTaskDefinition();
    const refused = async (input: CreateServiceCommandInput, message: string | RegExp) => {
      const error: unknown = await ecs.send(new CreateServiceCommand(input)).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(InvalidParameterException);
      expect((error as Error).message).toMatch(message);
    };
    await refused(serviceInput(net, 'nope:1'), 'TaskDefinition not found.');
    await refused(serviceInput(net, td, { networkConfiguration: undefined }), `Network Configuration must be provided when networkMode 'awsvpc' is specified.`);
    await refused(
      serviceInput(net, td, { networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0000000000000dead'] } } }),
      /^Error retrieving subnet information for \[subnet-0000000000000dead\]: .* \(ErrorCode: InvalidSubnetID.NotFound\)$/,
    );
    await refused(serviceInput(net, td, { loadBalancers: [{ targetGroupArn: net.targetGroupArn, containerName: 'web', containerPort: 8080 }] }), 'The container web did not have a container port 8080 defined.');
    await refused(serviceInput(net, td, { loadBalancers: [{ targetGroupArn: net.targetGroupArn, containerName: 'api', containerPort: 80 }] }), 'The container api does not exist in the task definition.');
    const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.1.0.0/16' }))).Vpc?.VpcId;
    const orphan = await elbv2.send(new CreateTargetGroupCommand({ Name: 'orphan', Protocol: 'HTTP', Port: 80, VpcId: vpcId, TargetType: 'ip' }));
    await refused(
      serviceInput(net, td, { loadBalancers: [{ targetGroupArn: orphan.TargetGroups?.[0]?.TargetGroupArn, containerName: 'web', containerPort: 80 }] }),
      'does not have an associated load balancer.',
    );
    const ec2Only = await registerTaskDefinition({ family: 'ec2-only', requiresCompatibilities: ['EC2'], networkMode: 'awsvpc', cpu: undefined, memory: undefined, containerDefinitions: [{ name: 'web', image: 'nginx', memory: 128, portMappings: [{ containerPort: 80 }] }] });
    await refused(serviceInput(net, ec2Only), 'Task definition does not support launch_type FARGATE.');
    await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: td }));
    await refused(serviceInput(net, td), 'TaskDefinition is inactive');
    await expect(ecs.send(new CreateServiceCommand(serviceInput(net, td, { cluster: 'nope' })))).rejects.toThrow(ClusterNotFoundException);
    expect(await taskEnis()).toEqual([]);
  });

  it('refuses a pipeline deploy of an image the tasks could not run: gone from ECR, or built for the other architecture', async () => {
    await runningService();
    env.sandbox.ecr.createRepository({ repositoryName: 'demo' });
    const x86 = env.sandbox.ecr.pushImage('demo', 'x86', 'amd64').imageUri;
    const deploy = (image: string) => () => env.sandbox.ecs.simulatePipelineDeploy({ cluster: 'demo', service: 'demo-dev', image });
    expect(deploy(`${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/demo:gone`)).toThrow(/CannotPullContainerError: .*demo:gone: not found/);
    expect(deploy(x86)).toThrow(/exec format error \(image .*demo:x86 is built for amd64, the task runs on ARM64\)/);
    // Another registry's image is not the sandbox's to judge.
    expect(deploy('public.ecr.aws/nginx/nginx:stable')).not.toThrow();
  });

  it('rolls a pipeline deploy out as a new PRIMARY deployment that replaces the old tasks when it completes', async () => {
    const { net } = await runningService();
    await waitUntilServicesStable({ client: ecs, ...WAIT }, { cluster: 'demo', services: ['demo-dev'] });
    const oldIps = await runningTaskIps();
    const oldEnis = (await taskEnis()).map((e) => e.id);

    // The build pushed it, for the tasks' ARM64 (a deploy of a missing or x86 image fails).
    env.sandbox.ecr.createRepository({ repositoryName: 'demo' });
    const image = env.sandbox.ecr.pushImage('demo', 'abc123', 'arm64').imageUri;
    expect(image).toBe(`${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/demo:abc123`);
    const newArn = env.sandbox.ecs.simulatePipelineDeploy({ cluster: 'demo', service: 'demo-dev', image });
    expect(newArn).toMatch(/task-definition\/demo-dev:2$/);
    const registered = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: newArn }));
    expect(registered.taskDefinition?.containerDefinitions?.[0]?.image).toBe(image);
    expect(registered.taskDefinition?.executionRoleArn).toBe(`arn:aws:iam::${ACCOUNT}:role/demo-exec`);

    await waitUntilServicesStable({ client: ecs, ...WAIT }, { cluster: 'demo', services: ['demo-dev'] });
    const after = await describeService();
    expect(after.taskDefinition).toBe(newArn);
    expect(after.deployments).toHaveLength(1);
    expect(after.deployments?.[0]).toMatchObject({ status: 'PRIMARY', taskDefinition: newArn, rolloutState: 'COMPLETED' });
    const newIps = await runningTaskIps();
    expect(newIps).toHaveLength(2);
    expect(newIps.filter((ip) => oldIps.includes(ip))).toEqual([]);
    // The old tasks' ENIs are released and gone; their targets drain out of the group.
    const enis = (await taskEnis()).map((e) => e.id);
    expect(enis.filter((id) => oldEnis.includes(id))).toEqual([]);
    expect(enis).toHaveLength(2);
    const targets = await targetIps(net.targetGroupArn);
    for (const ip of newIps) expect(targets[ip]).toBeDefined();
    for (const ip of oldIps) expect(targets[ip] ?? 'gone').not.toBe('healthy');
  });

  it('scales the PRIMARY deployment without a new deployment, spreading tasks over the subnets', async () => {
    const { net } = await runningService();
    const scaled = await ecs.send(new UpdateServiceCommand({ cluster: 'demo', service: 'demo-dev', desiredCount: 4 }));
    expect(scaled.service?.deployments).toHaveLength(1);
    expect(scaled.service).toMatchObject({ desiredCount: 4 });
    await waitUntilServicesStable({ client: ecs, ...WAIT }, { cluster: 'demo', services: ['demo-dev'] });
    const enis = await taskEnis();
    expect(enis.filter((e) => e.subnet === net.subnets[0])).toHaveLength(2);
    expect(enis.filter((e) => e.subnet === net.subnets[1])).toHaveLength(2);

    await ecs.send(new UpdateServiceCommand({ cluster: 'demo', service: 'demo-dev', desiredCount: 1 }));
    await waitUntilServicesStable({ client: ecs, ...WAIT }, { cluster: 'demo', services: ['demo-dev'] });
    expect(await runningTaskIps()).toHaveLength(1);
    expect(await taskEnis()).toHaveLength(1);
    expect(Object.values(await targetIps(net.targetGroupArn)).filter((s) => s !== 'draining')).toHaveLength(1);
    const stopped = await ecs.send(new ListTasksCommand({ cluster: 'demo', serviceName: 'demo-dev', desiredStatus: 'STOPPED' }));
    expect(stopped.taskArns).toHaveLength(3);
  });

  it('starts a new deployment only when the task definition, network or load balancers change, or on forceNewDeployment', async () => {
    const { taskDefinition, net } = await runningService();
    await describeService();
    const same = await ecs.send(new UpdateServiceCommand({ cluster: 'demo', service: 'demo-dev', taskDefinition, networkConfiguration: { awsvpcConfiguration: { subnets: [...net.subnets].reverse(), securityGroups: [net.securityGroup] } } }));
    expect(same.service?.deployments).toHaveLength(1);
    const forced = await ecs.send(new UpdateServiceCommand({ cluster: 'demo', service: 'demo-dev', forceNewDeployment: true }));
    expect(forced.service?.deployments?.map((d) => d.status)).toEqual(['PRIMARY', 'ACTIVE']);
    const narrowed = await ecs.send(new UpdateServiceCommand({ cluster: 'demo', service: 'demo-dev', networkConfiguration: { awsvpcConfiguration: { subnets: [net.subnets[0] ?? ''], securityGroups: [net.securityGroup] } } }));
    expect(narrowed.service?.deployments?.map((d) => d.status)).toEqual(['PRIMARY', 'ACTIVE']);
    await waitUntilServicesStable({ client: ecs, ...WAIT }, { cluster: 'demo', services: ['demo-dev'] });
    expect((await taskEnis()).map((e) => e.subnet)).toEqual([net.subnets[0], net.subnets[0]]);
  });

  it('refuses updates to missing, draining and CODE_DEPLOY-controlled services as AWS does', async () => {
    const { net, taskDefinition } = await runningService();
    await expect(ecs.send(new UpdateServiceCommand({ cluster: 'demo', service: 'nope', desiredCount: 1 }))).rejects.toThrow(ServiceNotFoundException);
    await expect(ecs.send(new DeleteServiceCommand({ cluster: 'demo', service: 'nope' }))).rejects.toMatchObject({ name: 'ServiceNotFoundException', message: 'Service not found.' });

    const bluegreen = await ecs.send(
      new CreateServiceCommand(serviceInput(net, taskDefinition, { serviceName: 'demo-prod', deploymentController: { type: 'CODE_DEPLOY' } })),
    );
    expect(bluegreen.service?.deploymentController).toEqual({ type: 'CODE_DEPLOY' });
    await expect(ecs.send(new UpdateServiceCommand({ cluster: 'demo', service: 'demo-prod', taskDefinition }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: 'Unable to update task definition on services with a CODE_DEPLOY deployment controller. Use AWS CodeDeploy to trigger a new deployment.',
    });
    const rescaled = await ecs.send(new UpdateServiceCommand({ cluster: 'demo', service: 'demo-prod', desiredCount: 1 }));
    expect(rescaled.service?.desiredCount).toBe(1);
    // ECS Exec is not among what UpdateService changes on a CODE_DEPLOY service; the same value is no change.
    await expect(ecs.send(new UpdateServiceCommand({ cluster: 'demo', service: 'demo-prod', enableExecuteCommand: true }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: 'Unable to update enable execute command on services with a CODE_DEPLOY deployment controller. Use AWS CodeDeploy to trigger a new deployment.',
    });
    expect((await ecs.send(new UpdateServiceCommand({ cluster: 'demo', service: 'demo-prod', enableExecuteCommand: false }))).service?.enableExecuteCommand).toBe(false);
    // A rolling service keeps the setting and reports it.
    expect((await ecs.send(new UpdateServiceCommand({ cluster: 'demo', service: 'demo-dev', enableExecuteCommand: true }))).service?.enableExecuteCommand).toBe(true);
    expect((await describeService('demo-dev')).enableExecuteCommand).toBe(true);

    await expect(ecs.send(new DeleteServiceCommand({ cluster: 'demo', service: 'demo-dev' }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: 'The service cannot be stopped while it is scaled above 0.',
    });
    await ecs.send(new DeleteServiceCommand({ cluster: 'demo', service: 'demo-dev', force: true }));
    await expect(ecs.send(new UpdateServiceCommand({ cluster: 'demo', service: 'demo-dev', desiredCount: 1 }))).rejects.toMatchObject({
      name: 'ServiceNotActiveException',
      message: 'Service was not ACTIVE.',
    });
    await expect(ecs.send(new UpdateServiceCommand({ cluster: 'demo', service: 'demo-dev', desiredCount: 1 }))).rejects.toThrow(ServiceNotActiveException);
  });

  it('drains a deleted service to INACTIVE, releasing its ENIs and targets, and lets the name be reused', async () => {
    const { net, taskDefinition } = await runningService();
    await describeService();
    const deleted = await ecs.send(new DeleteServiceCommand({ cluster: 'demo', service: 'demo-dev', force: true }));
    expect(deleted.service).toMatchObject({ status: 'DRAINING', desiredCount: 0 });
    expect(Object.values(await targetIps(net.targetGroupArn))).toEqual(['draining', 'draining']);
    await waitUntilServicesInactive({ client: ecs, ...WAIT }, { cluster: 'demo', services: ['demo-dev'] });
    expect(await describeService()).toMatchObject({ status: 'INACTIVE', runningCount: 0 });
    expect(await taskEnis()).toEqual([]);
    expect((await ecs.send(new ListServicesCommand({ cluster: 'demo' }))).serviceArns).toEqual([]);

    const recreated = await ecs.send(new CreateServiceCommand(serviceInput(net, taskDefinition, { desiredCount: 1 })));
    expect(recreated.service).toMatchObject({ status: 'ACTIVE', desiredCount: 1, pendingCount: 1 });
  });

  it('reports unknown services as MISSING, which fails the stable waiter', async () => {
    await ecs.send(new CreateClusterCommand({ clusterName: 'demo' }));
    const out = await ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['ghost'] }));
    expect(out.failures).toEqual([{ arn: `arn:aws:ecs:${REGION}:${ACCOUNT}:service/demo/ghost`, reason: 'MISSING' }]);
    await expect(waitUntilServicesStable({ client: ecs, ...WAIT }, { cluster: 'demo', services: ['ghost'] })).rejects.toThrow();
  });

  it('never places tasks for a non-Fargate service (the sandbox has no container instances)', async () => {
    const { created } = await runningService({ launchType: 'EC2' });
    expect(created.pendingCount).toBe(0);
    const service = await describeService();
    expect(service.runningCount).toBe(0);
    expect(service.events?.[0]?.message).toContain('was unable to place a task');
  });

  it('takes the simulated time a real service takes in timed mode: rollout, new deployment, draining', async () => {
    // Held while the test looks at a state in passing, running while an SDK waiter waits.
    const clock = new TestClock();
    env.restart({ msPerSimSecond: 1, latencies: { 'ecs.service.stable': 40, 'ecs.service.inactive': 200 }, clock: clock.now });
    executionRole(env.sandbox);
    const { taskDefinition } = await runningService();
    expect(await describeService()).toMatchObject({ runningCount: 0, pendingCount: 2 });
    clock.run();
    await waitUntilServicesStable({ client: ecs, ...WAIT }, { cluster: 'demo', services: ['demo-dev'] });
    expect(await describeService()).toMatchObject({ runningCount: 2, pendingCount: 0 });

    clock.hold();
    const newArn = env.sandbox.ecs.simulatePipelineDeploy({ cluster: 'demo', service: 'demo-dev', image: 'nginx:2' });
    const mid = await describeService();
    expect(mid.deployments?.map((d) => [d.status, d.taskDefinition, d.runningCount, d.pendingCount])).toEqual([
      ['PRIMARY', newArn, 0, 2],
      ['ACTIVE', taskDefinition, 2, 0],
    ]);
    expect(mid.runningCount).toBe(2);
    clock.run();
    await waitUntilServicesStable({ client: ecs, ...WAIT }, { cluster: 'demo', services: ['demo-dev'] });
    expect((await describeService()).deployments?.map((d) => d.taskDefinition)).toEqual([newArn]);

    clock.hold();
    await ecs.send(new DeleteServiceCommand({ cluster: 'demo', service: 'demo-dev', force: true }));
    // Deleting a draining service again returns it as it is.
    const again = await ecs.send(new DeleteServiceCommand({ cluster: 'demo', service: 'demo-dev' }));
    expect(again.service).toMatchObject({ status: 'DRAINING', runningCount: 2 });
    // AWS hides a DRAINING service from ListServices (DeleteService's documentation).
    expect((await ecs.send(new ListServicesCommand({ cluster: 'demo' }))).serviceArns).toEqual([]);
    clock.run();
    await waitUntilServicesInactive({ client: ecs, ...WAIT }, { cluster: 'demo', services: ['demo-dev'] });
    expect(await describeService()).toMatchObject({ status: 'INACTIVE', runningCount: 0 });
  });
});

describe('ECS pages (maxResults / nextToken, capped at 5 in tests)', () => {
  it('pages task definitions, services and tasks; the SDK paginators read them all', async () => {
    const revisions: string[] = [];
    for (let i = 0; i < 7; i += 1) revisions.push(await registerTaskDefinition());
    const first = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'demo-dev' }));
    expect(first.taskDefinitionArns).toEqual(revisions.slice(0, 5));
    const second = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'demo-dev', nextToken: first.nextToken }));
    expect(second).toMatchObject({ taskDefinitionArns: revisions.slice(5) });
    expect(second.nextToken).toBeUndefined();
    const newestFirst: string[] = [];
    for await (const page of paginateListTaskDefinitions({ client: ecs }, { familyPrefix: 'demo-dev', sort: 'DESC' })) newestFirst.push(...(page.taskDefinitionArns ?? []));
    expect(newestFirst).toEqual([...revisions].reverse());

    const { net } = await runningService({ desiredCount: 6 });
    for (let i = 0; i < 6; i += 1) {
      await ecs.send(new CreateServiceCommand(serviceInput(net, revisions[0]!, { serviceName: `extra-${i}`, desiredCount: 0, loadBalancers: [] })));
    }
    const services: string[] = [];
    for await (const page of paginateListServices({ client: ecs }, { cluster: 'demo' })) services.push(...(page.serviceArns ?? []));
    expect(services).toHaveLength(7);
    const tasks: string[] = [];
    for await (const page of paginateListTasks({ client: ecs }, { cluster: 'demo', serviceName: 'demo-dev' })) tasks.push(...(page.taskArns ?? []));
    expect(tasks).toHaveLength(6);
  });

  it('refuses a token it did not give or replayed with other filters, and a page size out of range, as InvalidParameterException', async () => {
    for (let i = 0; i < 6; i += 1) await registerTaskDefinition();
    const first = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'demo-dev' }));
    await expect(ecs.send(new ListTaskDefinitionsCommand({ nextToken: 'bm90LWEtdG9rZW4=' }))).rejects.toBeInstanceOf(InvalidParameterException);
    await expect(ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'demo-dev', status: 'INACTIVE', nextToken: first.nextToken }))).rejects.toBeInstanceOf(
      InvalidParameterException,
    );
    await expect(ecs.send(new ListTaskDefinitionsCommand({ maxResults: 101 }))).rejects.toBeInstanceOf(InvalidParameterException);
    await ecs.send(new CreateClusterCommand({ clusterName: 'demo' }));
    await expect(ecs.send(new ListServicesCommand({ cluster: 'demo', maxResults: 0 }))).rejects.toBeInstanceOf(InvalidParameterException);
  });

  it('describes at most 100 tasks and 100 clusters a call, and refuses no tasks at all', async () => {
    await ecs.send(new CreateClusterCommand({ clusterName: 'demo' }));
    const many = Array.from({ length: 101 }, (_, i) => `c${i}`);
    await expect(ecs.send(new DescribeClustersCommand({ clusters: many }))).rejects.toThrow('clusters can have at most 100 items.');
    await expect(ecs.send(new DescribeTasksCommand({ cluster: 'demo', tasks: many }))).rejects.toThrow('taskIds can have at most 100 items.');
    await expect(ecs.send(new DescribeTasksCommand({ cluster: 'demo', tasks: [] }))).rejects.toThrow('Tasks cannot be empty.');
  });
});

describe('ECS tags, inventory and snapshots', () => {
  it('tags and untags clusters, services and task definitions', async () => {
    const { created, taskDefinition } = await runningService();
    const clusterArn = `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/demo`;
    for (const arn of [clusterArn, created.serviceArn ?? '', taskDefinition]) {
      await ecs.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: 'env', value: 'dev' }] }));
      await ecs.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['shipline:stack'] }));
      expect((await ecs.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags).toEqual([{ key: 'env', value: 'dev' }]);
    }
    const described = await ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['demo-dev'], include: ['TAGS'] }));
    expect(described.services?.[0]?.tags).toEqual([{ key: 'env', value: 'dev' }]);
    await expect(ecs.send(new ListTagsForResourceCommand({ resourceArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/nope` }))).rejects.toThrow(ClusterNotFoundException);
    await expect(ecs.send(new TagResourceCommand({ resourceArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:service/demo/nope`, tags: [] }))).rejects.toThrow(ResourceNotFoundException);
    await expect(ecs.send(new TagResourceCommand({ resourceArn: 'not-an-arn', tags: [] }))).rejects.toThrow(InvalidParameterException);
  });

  it('lists the ACTIVE cluster, live services and ACTIVE task definition revisions', async () => {
    await runningService();
    await registerTaskDefinition();
    await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'demo-dev:2' }));
    const items = env.sandbox.inventory().filter((i) => i.service === 'ecs');
    expect(items.map((i) => [i.type, i.key, i.tags])).toEqual([
      ['cluster', 'demo', {}],
      ['service', 'demo/demo-dev', { 'shipline:stack': 'demo' }],
      ['task-definition', 'demo-dev:1', { 'shipline:stack': 'demo' }],
    ]);
  });

  it('survives a snapshot and restore mid-rollout, and carries on', async () => {
    await runningService();
    const snapshot = JSON.parse(JSON.stringify(env.sandbox.snapshot())) as ReturnType<Sandbox['snapshot']>;
    env.restoreFrom(snapshot);
    const restored = await describeService();
    expect(restored).toMatchObject({ runningCount: 2, desiredCount: 2 });
    expect(restored.deployments?.[0]?.rolloutState).toBe('COMPLETED');
    env.sandbox.ecs.simulatePipelineDeploy({ cluster: 'demo', service: 'demo-dev', image: 'nginx:2' });
    await waitUntilServicesStable({ client: ecs, ...WAIT }, { cluster: 'demo', services: ['demo-dev'] });
    expect(await taskEnis()).toHaveLength(2);
    expect(await runningTaskIps()).toHaveLength(2);
  });
});

describe("a task's secrets, read by its execution role when it starts", () => {
  const SSM = `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter`;
  const SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret`;
  const grant = (statements: object[]) =>
    env.sandbox.iam.putRolePolicy({ RoleName: 'demo-exec', PolicyName: 'secrets', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }) });
  const launchFailures = async () => (await describeService()).events?.map((e) => e.message ?? '').filter((m) => m.includes('failed to launch a task')) ?? [];

  async function serviceWithSecrets(secrets: Array<{ name: string; valueFrom: string }>): Promise<void> {
    await ecs.send(new CreateClusterCommand({ clusterName: 'demo' }));
    const net = await network();
    const base = taskDefinitionInput().containerDefinitions![0]!;
    const taskDefinition = await registerTaskDefinition({ containerDefinitions: [{ ...base, secrets }] });
    await ecs.send(new CreateServiceCommand(serviceInput(net, taskDefinition, { desiredCount: 1 })));
  }

  it('starts the task when the role may read each one: the seed parameter by name, a secret granted by partial ARN with a JSON key', async () => {
    grant([
      { Effect: 'Allow', Action: 'ssm:GetParameters', Resource: `${SSM}/demo/db-password` },
      { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: `${SECRET}:demo/api-??????` },
    ]);
    await serviceWithSecrets([{ name: 'DB', valueFrom: '/demo/db-password' }, { name: 'KEY', valueFrom: `${SECRET}:demo/api-AbCdEf:key::` }]);
    expect(await launchFailures()).toEqual([]);
    expect((await describeService()).runningCount! + (await describeService()).pendingCount!).toBe(1);
  });

  it('refuses a parameter that does not exist, naming it', async () => {
    grant([{ Effect: 'Allow', Action: 'ssm:GetParameters', Resource: `${SSM}/*` }]);
    await serviceWithSecrets([{ name: 'DB', valueFrom: `${SSM}/demo/nope` }]);
    expect(await launchFailures()).toContainEqual(
      `(service demo-dev) failed to launch a task with (error ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secrets from ssm: service call has been retried 1 time(s): invalid parameters: ${SSM}/demo/nope).`,
    );
    expect((await describeService()).runningCount).toBe(0);
  });

  it("refuses a secret the role may not read, and one that does not exist, in the agent's words", async () => {
    await serviceWithSecrets([{ name: 'KEY', valueFrom: `${SECRET}:demo/api-AbCdEf:key::` }]);
    const [denied] = await launchFailures();
    expect(denied).toContain(
      `unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret ${SECRET}:demo/api-AbCdEf from secrets manager: AccessDeniedException: User: arn:aws:sts::${ACCOUNT}:assumed-role/demo-exec/`,
    );
    expect(denied).toContain(`is not authorized to perform: secretsmanager:GetSecretValue on resource: ${SECRET}:demo/api-AbCdEf`);
    grant([{ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: '*' }]);
    await registerTaskDefinition({ containerDefinitions: [{ ...taskDefinitionInput().containerDefinitions![0]!, secrets: [{ name: 'X', valueFrom: `${SECRET}:demo/missing` }] }] });
    await ecs.send(new UpdateServiceCommand({ cluster: 'demo', service: 'demo-dev', taskDefinition: 'demo-dev:2' }));
    expect((await launchFailures())[0]).toContain(`failed to fetch secret ${SECRET}:demo/missing from secrets manager: ResourceNotFoundException: Secrets Manager can't find the specified secret.`);
  });
});
