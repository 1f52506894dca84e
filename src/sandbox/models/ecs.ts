// ECS (simulated): clusters, task definitions, Fargate services and the tasks they run.
//
// Behaviour, as AWS documents it:
// - Clusters: CreateCluster (name defaults to `default`; an ACTIVE cluster of that name is returned
//   unchanged; an INACTIVE one is replaced by a new ACTIVE cluster with the same ARN; settings
//   default to containerInsights=disabled). DescribeClusters (names or ARNs, default `default`;
//   unknown or never-created → `failures` with reason MISSING; INACTIVE clusters are described;
//   tags only with include TAGS, settings only with include SETTINGS; activeServicesCount,
//   runningTasksCount, pendingTasksCount computed). ListClusters (ACTIVE ones). DeleteCluster
//   (ClusterContainsServicesException while an ACTIVE or DRAINING service is in it,
//   ClusterContainsTasksException while a task has not stopped, ClusterNotFoundException when
//   unknown or already INACTIVE; afterwards INACTIVE, still describable). Every other call naming
//   an unknown or INACTIVE cluster → ClusterNotFoundException "Cluster not found.".
// - Task definitions: RegisterTaskDefinition (revision n+1 of the family, counting revisions that
//   were deregistered or deleted; cpu/memory accept "256" or "0.25 vCPU", "512" or "0.5 GB" and
//   are stored as units/MiB strings; container defaults filled in as AWS returns them: essential
//   true, cpu 0, hostPort = containerPort under awsvpc, protocol tcp, empty environment,
//   mountPoints, volumesFrom; ClientException for: no containers, a container without name or
//   image, FARGATE without networkMode awsvpc / task cpu / task memory, a cpu/memory pair Fargate
//   does not offer ("No Fargate configuration exists for given values: …"), awsvpc host ports
//   differing from container ports, awslogs on FARGATE without executionRoleArn, no essential
//   container, a non-Fargate container without memory when the task has none).
//   DescribeTaskDefinition (family → latest ACTIVE revision, family:revision, or ARN; include
//   TAGS; unknown → ClientException "Unable to describe task definition."). ListTaskDefinitions
//   (familyPrefix is an exact family name, as in AWS; status default ACTIVE; sort ASC/DESC).
//   DeregisterTaskDefinition (family:revision or ARN; → INACTIVE, still describable; running
//   services keep running it). DeleteTaskDefinitions (only INACTIVE revisions →
//   DELETE_IN_PROGRESS, still describable; others → `failures`).
// - Services (REPLICA scheduling): CreateService (the task definition must exist and be ACTIVE,
//   else InvalidParameterException "TaskDefinition not found." / "TaskDefinition is inactive";
//   launchType FARGATE or a FARGATE / FARGATE_SPOT capacity provider strategy needs a
//   FARGATE-compatible task definition; awsvpc needs networkConfiguration whose subnets and
//   security groups exist in EC2 and share one VPC; each load balancer names a target group that
//   exists, belongs to a load balancer and has target type ip, and a container and port of the task
//   definition; desiredCount defaults to 0; an ACTIVE service of that name →
//   InvalidParameterException "Creation of service was not idempotent." unless the clientToken
//   matches the one it was created with, in which case the same service is returned (also once it
//   is INACTIVE: a token is bound to the service it made); a DRAINING one → "Unable to Start a
//   service that is still Draining."; an INACTIVE one is replaced). DescribeServices (names or
//   ARNs; unknown → `failures` reason MISSING; INACTIVE services are described; include TAGS).
//   UpdateService (ServiceNotFoundException / ServiceNotActiveException "Service was not
//   ACTIVE."; a changed task definition, network configuration or load balancer list, or
//   forceNewDeployment, starts a new PRIMARY deployment and turns the previous one ACTIVE;
//   desiredCount alone rescales the PRIMARY deployment; with a CODE_DEPLOY deployment controller
//   taskDefinition, networkConfiguration, loadBalancers and forceNewDeployment are refused with
//   InvalidParameterException "Unable to update task definition on services with a CODE_DEPLOY
//   deployment controller. Use AWS CodeDeploy to trigger a new deployment." and its siblings).
//   DeleteService (desiredCount > 0 without force → InvalidParameterException "The service cannot
//   be stopped while it is scaled above 0."; → DRAINING with desiredCount 0, INACTIVE at
//   readyAt('ecs.service.inactive'); a DRAINING or INACTIVE service is returned as it is).
//   ListServices (ACTIVE ones only: AWS hides DRAINING services from it).
// - Tasks are the effect of a service, settled lazily whenever the service is read or changed:
//   the PRIMARY deployment keeps desiredCount tasks; a task starts PENDING with an ENI in one of
//   the service's subnets (spread evenly, via ec2.attachServiceEni) and is RUNNING at
//   readyAt('ecs.service.stable'), when its IP is registered in each of its deployment's target
//   groups (elbv2.registerTargets, port = containerPort). Once every task of the PRIMARY
//   deployment runs, its rollout is COMPLETED and the older deployments' tasks stop and the
//   deployments disappear (so the SDK's waitUntilServicesStable, which wants one deployment and
//   runningCount == desiredCount, succeeds then). A stopping task is deregistered from its target
//   groups at once and STOPPED (ENI released via ec2.releaseServiceEni) at its stop time: at once
//   on scale-in and on replacement, at the service's INACTIVE time on DeleteService. Stopped tasks
//   stay describable for an hour. A task that EC2 cannot give an ENI is not started; the service
//   reports it in its events and stays below its desired count. Services whose launch type is not
//   Fargate never place tasks (there are no container instances). ListTasks (cluster,
//   serviceName, family, desiredStatus default RUNNING) and DescribeTasks (ids or ARNs; unknown →
//   failures MISSING) show them.
// - Tags: TagResource / UntagResource / ListTagsForResource for cluster, service and task
//   definition ARNs (unknown cluster → ClusterNotFoundException, other unknown resources →
//   ResourceNotFoundException, anything else → InvalidParameterException).
// - Non-AWS helpers: simulatePipelineDeploy({ cluster, service, image, container? }) does what a
//   CodePipeline ECS deploy action does (a new revision of the service's task definition with the
//   container's image replaced — the named container, else the first load balancer's, else the
//   first one — then UpdateService to it, which a CODE_DEPLOY service refuses as UpdateService
//   does, leaving the new revision registered) and returns the new task definition ARN;
//   registerImageRevision (the same new revision, without the UpdateService: what a CodeDeployToECS
//   action registers); both refuse an image of the sandbox's ECR that the tasks could not run: gone
//   (CannotPullContainerError) or built for the other architecture (exec format error); applyCodeDeploy({ cluster, service, taskDefinition, targetGroupArn,
//   containerName, containerPort }) does what a CodeDeploy blue/green swap does to a CODE_DEPLOY
//   service (a new PRIMARY deployment of that task definition whose tasks register in that target
//   group; the older tasks stop once it runs; the service's own loadBalancers stay as created);
//   settleAll() brings every service's tasks up to the simulated clock.
// - inventory(): `cluster` (ACTIVE, key name), `service` (not INACTIVE, key cluster/name),
//   `task-definition` (ACTIVE revisions, key family:revision), each with its tags.
import {
  ClientException,
  ClusterContainsServicesException,
  ClusterContainsTasksException,
  ClusterNotFoundException,
  InvalidParameterException,
  ResourceNotFoundException,
  ServiceNotActiveException,
  ServiceNotFoundException,
  type CapacityProviderStrategyItem,
  type Cluster,
  type ClusterSetting,
  type Compatibility,
  type ContainerDefinition,
  type CreateClusterCommandInput,
  type CreateClusterCommandOutput,
  type CreateServiceCommandInput,
  type CreateServiceCommandOutput,
  type DeleteClusterCommandInput,
  type DeleteClusterCommandOutput,
  type DeleteServiceCommandInput,
  type DeleteServiceCommandOutput,
  type DeleteTaskDefinitionsCommandInput,
  type DeleteTaskDefinitionsCommandOutput,
  type Deployment,
  type DeploymentConfiguration,
  type DeploymentControllerType,
  type DeregisterTaskDefinitionCommandInput,
  type DeregisterTaskDefinitionCommandOutput,
  type DescribeClustersCommandInput,
  type DescribeClustersCommandOutput,
  type DescribeServicesCommandInput,
  type DescribeServicesCommandOutput,
  type DescribeTaskDefinitionCommandInput,
  type DescribeTaskDefinitionCommandOutput,
  type DescribeTasksCommandInput,
  type DescribeTasksCommandOutput,
  type Failure,
  type LaunchType,
  type ListClustersCommandInput,
  type ListClustersCommandOutput,
  type ListServicesCommandInput,
  type ListServicesCommandOutput,
  type ListTagsForResourceCommandInput,
  type ListTagsForResourceCommandOutput,
  type ListTaskDefinitionsCommandInput,
  type ListTaskDefinitionsCommandOutput,
  type ListTasksCommandInput,
  type ListTasksCommandOutput,
  type LoadBalancer,
  type NetworkConfiguration,
  type NetworkMode,
  type PropagateTags,
  type RegisterTaskDefinitionCommandInput,
  type RegisterTaskDefinitionCommandOutput,
  type RuntimePlatform,
  type Service,
  type Tag,
  type TagResourceCommandInput,
  type TagResourceCommandOutput,
  type Task,
  type TaskDefinition,
  type UntagResourceCommandInput,
  type UntagResourceCommandOutput,
  type UpdateServiceCommandInput,
  type UpdateServiceCommandOutput,
  type Volume,
} from '@aws-sdk/client-ecs';
import { checkServiceWork } from './service-work';
import { awsError } from '../kernel/errors';
import { type InventoryItem, type Out, SandboxService } from '../kernel/service';
import type { Tags } from '../kernel/tags';
import type { SandboxWorld } from '../kernel/world';
import type { Ec2Sandbox } from './ec2';
import type { Elbv2Sandbox } from './elbv2';
import type { EcrSandbox } from './ecr';
import type { IamSandbox } from './iam';

const NAME = /^[a-zA-Z0-9_-]{1,255}$/;
/** Stopped tasks stay describable this long (simulated seconds), as on AWS. */
const STOPPED_TASK_RETENTION = 3600;
/** Service events kept, newest first. */
const MAX_EVENTS = 100;
const FARGATE_PLATFORM_VERSION = '1.4.0';

/** Fargate's task sizes: CPU units → the memory values (MiB) it accepts. */
const FARGATE_SIZES: Record<number, number[]> = {
  256: [512, 1024, 2048],
  512: range(1024, 4096, 1024),
  1024: range(2048, 8192, 1024),
  2048: range(4096, 16384, 1024),
  4096: range(8192, 30720, 1024),
  8192: range(16384, 61440, 4096),
  16384: range(32768, 122880, 8192),
};

// ---- Stored records ---------------------------------------------------------------------------

interface ClusterRecord {
  arn: string;
  name: string;
  status: 'ACTIVE' | 'INACTIVE';
  settings: ClusterSetting[];
  tags: Tags;
}

interface TaskDefinitionRecord {
  arn: string;
  family: string;
  revision: number;
  status: 'ACTIVE' | 'INACTIVE' | 'DELETE_IN_PROGRESS';
  requiresCompatibilities: Compatibility[];
  compatibilities: Compatibility[];
  networkMode: NetworkMode;
  /** CPU units and MiB, as AWS reports them ("256", "512"). */
  cpu?: string;
  memory?: string;
  runtimePlatform?: RuntimePlatform;
  executionRoleArn?: string;
  taskRoleArn?: string;
  containerDefinitions: ContainerDefinition[];
  volumes: Volume[];
  tags: Tags;
  /** Simulated seconds. */
  registeredAt: number;
  deregisteredAt?: number;
  deleteRequestedAt?: number;
}

interface DeploymentRecord {
  /** `ecs-svc/<19 digits>`. */
  id: string;
  status: 'PRIMARY' | 'ACTIVE';
  taskDefinition: string;
  desiredCount: number;
  /** What its tasks run with: a deployment keeps the configuration it started with. */
  networkConfiguration?: NetworkConfiguration;
  loadBalancers: LoadBalancer[];
  rolloutState: 'IN_PROGRESS' | 'COMPLETED';
  createdAt: number;
  updatedAt: number;
}

interface ServiceEventRecord {
  id: string;
  at: number;
  message: string;
}

interface ServiceRecord {
  arn: string;
  name: string;
  clusterArn: string;
  status: 'ACTIVE' | 'DRAINING' | 'INACTIVE';
  taskDefinition: string;
  desiredCount: number;
  launchType?: LaunchType;
  capacityProviderStrategy?: CapacityProviderStrategyItem[];
  platformVersion: string;
  networkConfiguration?: NetworkConfiguration;
  loadBalancers: LoadBalancer[];
  deploymentConfiguration: DeploymentConfiguration;
  deploymentController: DeploymentControllerType;
  healthCheckGracePeriodSeconds?: number;
  propagateTags: PropagateTags;
  enableECSManagedTags: boolean;
  tags: Tags;
  clientToken?: string;
  createdAt: number;
  /** When a DRAINING service becomes INACTIVE. */
  inactiveAt?: number;
  /** PRIMARY first. */
  deployments: DeploymentRecord[];
  /** Newest first. */
  events: ServiceEventRecord[];
}

interface TaskTarget {
  targetGroupArn: string;
  port: number;
}

interface TaskRecord {
  arn: string;
  id: string;
  clusterArn: string;
  serviceArn: string;
  deploymentId: string;
  taskDefinitionArn: string;
  attachmentId: string;
  subnetId: string;
  eniId: string;
  privateIp: string;
  availabilityZone?: string;
  lastStatus: 'PENDING' | 'RUNNING' | 'STOPPED';
  desiredStatus: 'RUNNING' | 'STOPPED';
  createdAt: number;
  /** When it is (or was to be) RUNNING. */
  runningAt: number;
  /** Set once it is told to stop: when it is STOPPED and its ENI released. */
  stopAt?: number;
  stoppedReason?: string;
  /** Target groups it is registered in right now. */
  targets: TaskTarget[];
}

export interface EcsData {
  /** By cluster ARN. */
  clusters: Record<string, ClusterRecord>;
  /** By task definition ARN (`…:task-definition/<family>:<revision>`). */
  taskDefinitions: Record<string, TaskDefinitionRecord>;
  /** Last revision number given per family. */
  familyRevisions: Record<string, number>;
  /** By service ARN (`…:service/<cluster>/<name>`). */
  services: Record<string, ServiceRecord>;
  /** By task ARN. */
  tasks: Record<string, TaskRecord>;
}

/** The services this one calls, as AWS's own services call each other (given at construction). */
export type EcsPeers = { ec2: Ec2Sandbox; elbv2: Elbv2Sandbox; ecr: EcrSandbox; iam: IamSandbox };

export class EcsSandbox extends SandboxService<EcsData> {
  readonly service = 'ecs' as const;

  constructor(world: SandboxWorld, data: EcsData, private readonly peers: EcsPeers) {
    super(world, data);
  }

  static empty(): EcsData {
    return { clusters: {}, taskDefinitions: {}, familyRevisions: {}, services: {}, tasks: {} };
  }

  // ---- Clusters --------------------------------------------------------------------------------

  createCluster(input: CreateClusterCommandInput): Out<CreateClusterCommandOutput> {
    const name = input.clusterName ?? 'default';
    if (!NAME.test(name)) {
      throw invalidParameter('Invalid cluster name: up to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores are allowed.');
    }
    const arn = this.clusterArn(name);
    const existing = this.data.clusters[arn];
    if (existing?.status === 'ACTIVE') return { cluster: this.clusterOut(existing, ['TAGS', 'SETTINGS']) };
    const settings: ClusterSetting[] = [{ name: 'containerInsights', value: 'disabled' }];
    for (const setting of input.settings ?? []) {
      const index = settings.findIndex((s) => s.name === setting.name);
      if (index >= 0) settings.splice(index, 1);
      settings.push({ name: setting.name, value: setting.value });
    }
    const cluster: ClusterRecord = { arn, name, status: 'ACTIVE', settings, tags: tagsFromEcs(input.tags) };
    this.data.clusters[arn] = cluster;
    return { cluster: this.clusterOut(cluster, ['TAGS', 'SETTINGS']) };
  }

  describeClusters(input: DescribeClustersCommandInput): Out<DescribeClustersCommandOutput> {
    const clusters: Cluster[] = [];
    const failures: Failure[] = [];
    for (const ref of input.clusters ?? ['default']) {
      const arn = this.clusterArnOf(ref);
      const cluster = this.data.clusters[arn];
      if (!cluster) failures.push({ arn, reason: 'MISSING' });
      else clusters.push(this.clusterOut(cluster, input.include ?? []));
    }
    return { clusters, failures };
  }

  listClusters(_input: ListClustersCommandInput): Out<ListClustersCommandOutput> {
    return { clusterArns: Object.values(this.data.clusters).filter((c) => c.status === 'ACTIVE').map((c) => c.arn) };
  }

  deleteCluster(input: DeleteClusterCommandInput): Out<DeleteClusterCommandOutput> {
    const cluster = this.activeCluster(input.cluster);
    const services = this.servicesIn(cluster);
    services.forEach((s) => this.settle(s));
    if (services.some((s) => s.status !== 'INACTIVE')) {
      throw new ClusterContainsServicesException({ message: 'The Cluster cannot be deleted while Services are active.', $metadata: {} });
    }
    if (this.tasksIn(cluster).some((t) => t.lastStatus !== 'STOPPED')) {
      throw new ClusterContainsTasksException({ message: 'The Cluster cannot be deleted while Tasks are active.', $metadata: {} });
    }
    cluster.status = 'INACTIVE';
    return { cluster: this.clusterOut(cluster, ['TAGS', 'SETTINGS']) };
  }

  // ---- Task definitions ------------------------------------------------------------------------

  registerTaskDefinition(input: RegisterTaskDefinitionCommandInput): Out<RegisterTaskDefinitionCommandOutput> {
    const family = input.family ?? '';
    if (!NAME.test(family)) {
      throw clientError('Family contains invalid characters: up to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores are allowed.');
    }
    const requiresCompatibilities = [...(input.requiresCompatibilities ?? [])];
    const fargate = requiresCompatibilities.includes('FARGATE');
    const networkMode: NetworkMode = input.networkMode ?? 'bridge';
    const containers = input.containerDefinitions ?? [];
    if (containers.length === 0) throw clientError('Container list cannot be empty.');
    for (const container of containers) {
      if (!container.name) throw clientError('Container.name should not be null or empty.');
      if (!container.image) throw clientError('Container.image should not be null or empty.');
    }
    if (new Set(containers.map((c) => c.name)).size !== containers.length) throw clientError('Container names must be unique.');

    const cpu = input.cpu === undefined ? undefined : parseCpu(input.cpu);
    const memory = input.memory === undefined ? undefined : parseMemory(input.memory);
    if (cpu === null) throw clientError(`Invalid 'cpu' setting for task.`);
    if (memory === null) throw clientError(`Invalid 'memory' setting for task.`);
    if (fargate) {
      if (networkMode !== 'awsvpc') throw clientError('Fargate only supports network mode ‘awsvpc’.');
      if (cpu === undefined) throw clientError(`Fargate requires that 'cpu' be defined at the task level.`);
      if (memory === undefined) throw clientError(`Fargate requires that 'memory' be defined at the task level.`);
      const windows = input.runtimePlatform?.operatingSystemFamily?.startsWith('WINDOWS') ?? false;
      if (!(FARGATE_SIZES[cpu] ?? []).includes(memory) || (windows && cpu < 1024)) {
        throw clientError(
          `No Fargate configuration exists for given values: ${cpu} CPU, ${memory} memory. See the Amazon ECS documentation for the valid values.`,
        );
      }
    } else if (memory === undefined) {
      const without = containers.find((c) => c.memory === undefined && c.memoryReservation === undefined);
      if (without) {
        throw clientError(`Invalid setting for container '${without.name}'. At least one of 'memory' or 'memoryReservation' must be specified.`);
      }
    }
    for (const container of containers) {
      for (const mapping of container.portMappings ?? []) {
        if (networkMode === 'awsvpc' && mapping.hostPort !== undefined && mapping.hostPort !== mapping.containerPort) {
          throw clientError('When networkMode=awsvpc, the host ports and container ports in port mappings must match.');
        }
      }
      if (fargate && container.logConfiguration?.logDriver === 'awslogs' && !input.executionRoleArn) {
        throw clientError('Fargate requires task definition to have execution role ARN to support log driver awslogs.');
      }
    }
    if (!containers.some((c) => c.essential !== false)) {
      throw clientError('A task definition must have at least one essential container.');
    }

    const revision = (this.data.familyRevisions[family] ?? 0) + 1;
    this.data.familyRevisions[family] = revision;
    const record: TaskDefinitionRecord = {
      arn: this.taskDefinitionArn(family, revision),
      family,
      revision,
      status: 'ACTIVE',
      requiresCompatibilities,
      compatibilities: fargate ? ['EC2', 'FARGATE'] : ['EC2'],
      networkMode,
      ...(cpu !== undefined ? { cpu: String(cpu) } : {}),
      ...(memory !== undefined ? { memory: String(memory) } : {}),
      ...(input.runtimePlatform ? { runtimePlatform: { ...input.runtimePlatform } } : {}),
      ...(input.executionRoleArn ? { executionRoleArn: input.executionRoleArn } : {}),
      ...(input.taskRoleArn ? { taskRoleArn: input.taskRoleArn } : {}),
      containerDefinitions: containers.map((c) => withContainerDefaults(c, networkMode)),
      volumes: input.volumes ?? [],
      tags: tagsFromEcs(input.tags),
      registeredAt: this.world.now(),
    };
    this.data.taskDefinitions[record.arn] = record;
    return { taskDefinition: this.taskDefinitionOut(record), tags: tagsToEcs(record.tags) };
  }

  describeTaskDefinition(input: DescribeTaskDefinitionCommandInput): Out<DescribeTaskDefinitionCommandOutput> {
    const record = this.findTaskDefinition(input.taskDefinition ?? '');
    if (!record) throw clientError('Unable to describe task definition.');
    return {
      taskDefinition: this.taskDefinitionOut(record),
      ...(input.include?.includes('TAGS') ? { tags: tagsToEcs(record.tags) } : {}),
    };
  }

  listTaskDefinitions(input: ListTaskDefinitionsCommandInput): Out<ListTaskDefinitionsCommandOutput> {
    const status = input.status ?? 'ACTIVE';
    const records = Object.values(this.data.taskDefinitions)
      .filter((td) => td.status === status && (input.familyPrefix === undefined || td.family === input.familyPrefix))
      .sort((a, b) => a.family.localeCompare(b.family) || a.revision - b.revision);
    if (input.sort === 'DESC') records.reverse();
    return { taskDefinitionArns: records.map((td) => td.arn) };
  }

  deregisterTaskDefinition(input: DeregisterTaskDefinitionCommandInput): Out<DeregisterTaskDefinitionCommandOutput> {
    const ref = input.taskDefinition ?? '';
    const record = ref.startsWith('arn:') || ref.includes(':') ? this.findTaskDefinition(ref) : undefined;
    if (!record) throw clientError('The specified task definition does not exist.');
    if (record.status === 'ACTIVE') {
      record.status = 'INACTIVE';
      record.deregisteredAt = this.world.now();
    }
    return { taskDefinition: this.taskDefinitionOut(record) };
  }

  deleteTaskDefinitions(input: DeleteTaskDefinitionsCommandInput): Out<DeleteTaskDefinitionsCommandOutput> {
    const taskDefinitions: TaskDefinition[] = [];
    const failures: Failure[] = [];
    for (const ref of input.taskDefinitions ?? []) {
      const record = ref.includes(':') ? this.findTaskDefinition(ref) : undefined;
      if (!record) {
        failures.push({ arn: ref, reason: 'The specified task definition does not exist.' });
      } else if (record.status === 'ACTIVE') {
        failures.push({ arn: record.arn, reason: 'The specified task definition is still in ACTIVE status. Please deregister the target and try again.' });
      } else {
        record.status = 'DELETE_IN_PROGRESS';
        record.deleteRequestedAt ??= this.world.now();
        taskDefinitions.push(this.taskDefinitionOut(record));
      }
    }
    return { taskDefinitions, failures };
  }

  // ---- Services --------------------------------------------------------------------------------

  createService(input: CreateServiceCommandInput): Out<CreateServiceCommandOutput> {
    const cluster = this.activeCluster(input.cluster);
    const name = input.serviceName ?? '';
    if (!NAME.test(name)) {
      throw invalidParameter('Invalid service name: up to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores are allowed.');
    }
    const arn = this.world.arn('ecs', `service/${cluster.name}/${name}`);
    const existing = this.data.services[arn];
    if (existing) {
      if (input.clientToken !== undefined && existing.clientToken === input.clientToken) {
        this.settle(existing);
        return { service: this.serviceOut(existing, false) };
      }
      if (existing.status === 'ACTIVE') throw invalidParameter('Creation of service was not idempotent.');
      if (existing.status === 'DRAINING') throw invalidParameter('Unable to Start a service that is still Draining.');
      this.forgetTasksOf(existing);
    }

    const taskDefinition = this.usableTaskDefinition(input.taskDefinition);
    const fargate = isFargate(input.launchType, input.capacityProviderStrategy);
    if (fargate && !taskDefinition.compatibilities.includes('FARGATE')) {
      throw invalidParameter('Task definition does not support launch_type FARGATE.');
    }
    const desiredCount = input.desiredCount ?? 0;
    if (desiredCount < 0) throw invalidParameter('The desired count must be greater than or equal to 0.');
    const networkConfiguration = this.checkedNetwork(input.networkConfiguration, taskDefinition);
    const loadBalancers = this.checkedLoadBalancers(input.loadBalancers ?? [], taskDefinition);
    const now = this.world.now();
    const service: ServiceRecord = {
      arn,
      name,
      clusterArn: cluster.arn,
      status: 'ACTIVE',
      taskDefinition: taskDefinition.arn,
      desiredCount,
      ...(input.launchType ? { launchType: input.launchType } : {}),
      ...(input.capacityProviderStrategy ? { capacityProviderStrategy: input.capacityProviderStrategy } : {}),
      ...(!input.launchType && !input.capacityProviderStrategy ? { launchType: 'EC2' as const } : {}),
      platformVersion: input.platformVersion ?? 'LATEST',
      ...(networkConfiguration ? { networkConfiguration } : {}),
      loadBalancers,
      deploymentConfiguration: withDeploymentDefaults({}, input.deploymentConfiguration),
      deploymentController: input.deploymentController?.type ?? 'ECS',
      ...(input.healthCheckGracePeriodSeconds !== undefined
        ? { healthCheckGracePeriodSeconds: input.healthCheckGracePeriodSeconds }
        : loadBalancers.length > 0 ? { healthCheckGracePeriodSeconds: 0 } : {}),
      propagateTags: input.propagateTags ?? 'NONE',
      enableECSManagedTags: input.enableECSManagedTags ?? false,
      tags: tagsFromEcs(input.tags),
      ...(input.clientToken !== undefined ? { clientToken: input.clientToken } : {}),
      createdAt: now,
      deployments: [],
      events: [],
    };
    service.deployments.push(this.newDeployment(service));
    this.data.services[arn] = service;
    this.converge(service);
    return { service: this.serviceOut(service, false) };
  }

  describeServices(input: DescribeServicesCommandInput): Out<DescribeServicesCommandOutput> {
    const cluster = this.activeCluster(input.cluster);
    const refs = input.services ?? [];
    if (refs.length === 0 || refs.length > 10) throw invalidParameter('services can have at most 10 items and at least 1.');
    const services: Service[] = [];
    const failures: Failure[] = [];
    for (const ref of refs) {
      const service = this.findService(cluster, ref);
      if (!service) {
        failures.push({ arn: this.world.arn('ecs', `service/${cluster.name}/${serviceNameOf(ref)}`), reason: 'MISSING' });
        continue;
      }
      this.settle(service);
      services.push(this.serviceOut(service, input.include?.includes('TAGS') ?? false));
    }
    return { services, failures };
  }

  listServices(input: ListServicesCommandInput): Out<ListServicesCommandOutput> {
    const cluster = this.activeCluster(input.cluster);
    const services = this.servicesIn(cluster);
    services.forEach((s) => this.settle(s));
    // AWS: a DRAINING service "is no longer visible in the console or in the ListServices API" (DeleteService).
    const listed = services.filter((s) => s.status === 'ACTIVE' && (input.launchType === undefined || s.launchType === input.launchType));
    return { serviceArns: listed.map((s) => s.arn) };
  }

  updateService(input: UpdateServiceCommandInput): Out<UpdateServiceCommandOutput> {
    const cluster = this.activeCluster(input.cluster);
    const service = this.existingService(cluster, input.service);
    this.settle(service);
    if (service.status !== 'ACTIVE') throw new ServiceNotActiveException({ message: 'Service was not ACTIVE.', $metadata: {} });
    if (service.deploymentController === 'CODE_DEPLOY') {
      const refused = (what: string) =>
        invalidParameter(`Unable to update ${what} on services with a CODE_DEPLOY deployment controller. Use AWS CodeDeploy to trigger a new deployment.`);
      if (input.taskDefinition !== undefined) throw refused('task definition');
      if (input.networkConfiguration !== undefined) throw refused('network parameters');
      if (input.loadBalancers !== undefined) throw refused('load balancers');
      if (input.forceNewDeployment) throw refused('force new deployment');
    }
    if (input.desiredCount !== undefined && input.desiredCount < 0) {
      throw invalidParameter('The desired count must be greater than or equal to 0.');
    }

    const taskDefinition = input.taskDefinition !== undefined
      ? this.usableTaskDefinition(input.taskDefinition)
      : this.taskDefinitionRecord(service.taskDefinition);
    if (isFargate(service.launchType, service.capacityProviderStrategy) && !taskDefinition.compatibilities.includes('FARGATE')) {
      throw invalidParameter('Task definition does not support launch_type FARGATE.');
    }
    const networkConfiguration = input.networkConfiguration !== undefined || input.taskDefinition !== undefined
      ? this.checkedNetwork(input.networkConfiguration ?? service.networkConfiguration, taskDefinition)
      : service.networkConfiguration;
    const loadBalancers = input.loadBalancers !== undefined || input.taskDefinition !== undefined
      ? this.checkedLoadBalancers(input.loadBalancers ?? service.loadBalancers, taskDefinition)
      : service.loadBalancers;

    const newDeployment = input.forceNewDeployment === true
      || taskDefinition.arn !== service.taskDefinition
      || canonical(networkConfiguration) !== canonical(service.networkConfiguration)
      || canonical(loadBalancers) !== canonical(service.loadBalancers);

    service.taskDefinition = taskDefinition.arn;
    if (networkConfiguration) service.networkConfiguration = networkConfiguration;
    service.loadBalancers = loadBalancers;
    if (input.desiredCount !== undefined) service.desiredCount = input.desiredCount;
    if (input.deploymentConfiguration) {
      service.deploymentConfiguration = withDeploymentDefaults(service.deploymentConfiguration, input.deploymentConfiguration);
    }
    if (input.healthCheckGracePeriodSeconds !== undefined) service.healthCheckGracePeriodSeconds = input.healthCheckGracePeriodSeconds;
    if (input.propagateTags !== undefined) service.propagateTags = input.propagateTags;
    if (input.enableECSManagedTags !== undefined) service.enableECSManagedTags = input.enableECSManagedTags;
    if (input.platformVersion !== undefined) service.platformVersion = input.platformVersion;

    const now = this.world.now();
    if (newDeployment) {
      for (const deployment of service.deployments) deployment.status = 'ACTIVE';
      service.deployments.unshift(this.newDeployment(service));
    } else {
      const primary = this.primary(service);
      if (primary.desiredCount !== service.desiredCount) {
        primary.desiredCount = service.desiredCount;
        primary.updatedAt = now;
      }
    }
    this.converge(service);
    return { service: this.serviceOut(service, false) };
  }

  deleteService(input: DeleteServiceCommandInput): Out<DeleteServiceCommandOutput> {
    const cluster = this.activeCluster(input.cluster);
    const service = this.existingService(cluster, input.service);
    this.settle(service);
    if (service.status !== 'ACTIVE') return { service: this.serviceOut(service, false) };
    if (service.desiredCount > 0 && input.force !== true) {
      throw invalidParameter('The service cannot be stopped while it is scaled above 0.');
    }
    const inactiveAt = this.world.readyAt('ecs.service.inactive');
    service.status = 'DRAINING';
    service.desiredCount = 0;
    service.inactiveAt = inactiveAt;
    for (const deployment of service.deployments) {
      deployment.desiredCount = 0;
      deployment.updatedAt = this.world.now();
    }
    for (const task of this.liveTasksOf(service)) this.stopTask(service, task, inactiveAt, 'Service deleted');
    return { service: this.serviceOut(service, false) };
  }

  // ---- Tasks -----------------------------------------------------------------------------------

  listTasks(input: ListTasksCommandInput): Out<ListTasksCommandOutput> {
    const cluster = this.activeCluster(input.cluster);
    const service = input.serviceName !== undefined ? this.existingService(cluster, input.serviceName) : undefined;
    this.servicesIn(cluster).forEach((s) => this.settle(s));
    const desiredStatus = input.desiredStatus ?? 'RUNNING';
    const tasks = this.tasksIn(cluster).filter(
      (t) =>
        t.desiredStatus === desiredStatus &&
        (service === undefined || t.serviceArn === service.arn) &&
        (input.family === undefined || this.taskDefinitionRecord(t.taskDefinitionArn).family === input.family) &&
        (input.startedBy === undefined || t.deploymentId === input.startedBy),
    );
    return { taskArns: tasks.map((t) => t.arn) };
  }

  describeTasks(input: DescribeTasksCommandInput): Out<DescribeTasksCommandOutput> {
    const cluster = this.activeCluster(input.cluster);
    this.servicesIn(cluster).forEach((s) => this.settle(s));
    const tasks: Task[] = [];
    const failures: Failure[] = [];
    for (const ref of input.tasks ?? []) {
      const arn = ref.startsWith('arn:') ? ref : this.world.arn('ecs', `task/${cluster.name}/${ref}`);
      const task = this.data.tasks[arn];
      if (!task || task.clusterArn !== cluster.arn) failures.push({ arn, reason: 'MISSING' });
      else tasks.push(this.taskOut(task));
    }
    return { tasks, failures };
  }

  // ---- Tags ------------------------------------------------------------------------------------

  tagResource(input: TagResourceCommandInput): Out<TagResourceCommandOutput> {
    const resource = this.taggable(input.resourceArn);
    for (const tag of input.tags ?? []) {
      if (tag.key?.toLowerCase().startsWith('aws:')) throw invalidParameter('Tag keys prefixed with aws: are reserved for AWS use.');
    }
    Object.assign(resource.tags, tagsFromEcs(input.tags));
    return {};
  }

  untagResource(input: UntagResourceCommandInput): Out<UntagResourceCommandOutput> {
    const resource = this.taggable(input.resourceArn);
    for (const key of input.tagKeys ?? []) delete resource.tags[key];
    return {};
  }

  listTagsForResource(input: ListTagsForResourceCommandInput): Out<ListTagsForResourceCommandOutput> {
    return { tags: tagsToEcs(this.taggable(input.resourceArn).tags) };
  }

  // ---- Non-AWS helpers -------------------------------------------------------------------------

  /**
   * What a CodePipeline ECS deploy action does: register a new revision of the service's task
   * definition with one container's image replaced, then point the service at it.
   */
  simulatePipelineDeploy(input: { cluster: string; service: string; image: string; container?: string }): string {
    const arn = this.registerImageRevision(input);
    this.updateService({ cluster: input.cluster, service: input.service, taskDefinition: arn });
    return arn;
  }

  /** The execution role of the task definition a service runs (non-AWS helper: what a deploy passes on); undefined when none or no such service. */
  executionRoleOf(cluster: string, service: string): string | undefined {
    try {
      const record = this.existingService(this.activeCluster(cluster), service);
      return this.data.taskDefinitions[record.taskDefinition]?.executionRoleArn;
    } catch (error) {
      if (isAwsError(error)) return undefined;
      throw error;
    }
  }

  /** A new revision of the service's task definition with one container's image replaced; the service is left alone. */
  registerImageRevision(input: { cluster: string; service: string; image: string; container?: string }): string {
    const cluster = this.activeCluster(input.cluster);
    const service = this.existingService(cluster, input.service);
    const current = this.taskDefinitionRecord(service.taskDefinition);
    this.checkImageRuns(input.image, current.runtimePlatform?.cpuArchitecture ?? 'X86_64');
    const containerName = input.container ?? service.loadBalancers[0]?.containerName ?? current.containerDefinitions[0]?.name;
    if (!current.containerDefinitions.some((c) => c.name === containerName)) {
      throw invalidParameter(`The container ${containerName ?? '(none)'} does not exist in the task definition.`);
    }
    const registered = this.registerTaskDefinition({
      family: current.family,
      requiresCompatibilities: current.requiresCompatibilities,
      networkMode: current.networkMode,
      cpu: current.cpu,
      memory: current.memory,
      runtimePlatform: current.runtimePlatform,
      executionRoleArn: current.executionRoleArn,
      taskRoleArn: current.taskRoleArn,
      volumes: current.volumes,
      containerDefinitions: current.containerDefinitions.map((c) => (c.name === containerName ? { ...c, image: input.image } : c)),
    });
    return registered.taskDefinition?.taskDefinitionArn ?? '';
  }

  /**
   * A deploy of an image of this sandbox's ECR that tasks could not run fails as its tasks would:
   * a pull of an image that is gone (CannotPullContainerError), or an image built for the other
   * architecture ("exec format error" as the container starts). Simplified: the deploy fails at
   * once and the service keeps its revision, as after a circuit breaker's rollback.
   */
  private checkImageRuns(image: string, cpuArchitecture: string): void {
    const built = this.peers.ecr.imageArchitecture(image);
    if (built === undefined) return;
    if (built === 'missing') {
      throw awsError('CannotPullContainerError', `CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref ${image}: not found`);
    }
    const runs = cpuArchitecture === 'ARM64' ? 'arm64' : 'amd64';
    if (built !== runs) {
      throw awsError('ExecFormatError', `Essential container in task exited: exec /docker-entrypoint.sh: exec format error (image ${image} is built for ${built}, the task runs on ${cpuArchitecture})`);
    }
  }

  /**
   * What CodeDeploy's blue/green swap does to a CODE_DEPLOY service: the replacement task set runs
   * `taskDefinition` in `targetGroupArn`, and the original one goes once it runs.
   */
  applyCodeDeploy(input: {
    cluster: string;
    service: string;
    taskDefinition: string;
    targetGroupArn: string;
    containerName: string;
    containerPort: number;
  }): void {
    const cluster = this.activeCluster(input.cluster);
    const service = this.existingService(cluster, input.service);
    this.settle(service);
    if (service.status !== 'ACTIVE') throw new ServiceNotActiveException({ message: 'Service was not ACTIVE.', $metadata: {} });
    if (service.deploymentController !== 'CODE_DEPLOY') {
      throw invalidParameter(`The service ${service.name} does not use the CODE_DEPLOY deployment controller.`);
    }
    const taskDefinition = this.usableTaskDefinition(input.taskDefinition);
    const loadBalancers = this.checkedLoadBalancers(
      [{ targetGroupArn: input.targetGroupArn, containerName: input.containerName, containerPort: input.containerPort }],
      taskDefinition,
    );
    service.taskDefinition = taskDefinition.arn;
    for (const deployment of service.deployments) deployment.status = 'ACTIVE';
    service.deployments.unshift({ ...this.newDeployment(service), loadBalancers });
    this.converge(service);
  }

  /** Bring every service's tasks up to the simulated clock (reads do this for what they read). */
  settleAll(): void {
    for (const service of Object.values(this.data.services)) this.settle(service);
  }

  inventory(): InventoryItem[] {
    this.settleAll();
    const items: InventoryItem[] = [];
    for (const cluster of Object.values(this.data.clusters)) {
      if (cluster.status === 'ACTIVE') items.push({ service: 'ecs', type: 'cluster', id: cluster.arn, key: cluster.name, tags: { ...cluster.tags } });
    }
    for (const service of Object.values(this.data.services)) {
      if (service.status === 'INACTIVE') continue;
      const clusterName = this.data.clusters[service.clusterArn]?.name ?? service.clusterArn;
      items.push({ service: 'ecs', type: 'service', id: service.arn, key: `${clusterName}/${service.name}`, tags: { ...service.tags } });
    }
    for (const td of Object.values(this.data.taskDefinitions)) {
      if (td.status === 'ACTIVE') {
        items.push({ service: 'ecs', type: 'task-definition', id: td.arn, key: `${td.family}:${td.revision}`, tags: { ...td.tags } });
      }
    }
    return items;
  }

  // ---- Settling: tasks follow the deployments, lazily ------------------------------------------

  /** Everything that became due since the service was last looked at, then its task count. */
  private settle(service: ServiceRecord): void {
    this.advance(service);
    this.converge(service);
  }

  /** Transitions whose time has come, in the order they happened. */
  private advance(service: ServiceRecord): void {
    const now = this.world.now();
    for (const task of this.liveTasksOf(service)) {
      if (task.lastStatus === 'PENDING' && task.desiredStatus === 'RUNNING' && task.runningAt <= now) this.taskRunning(service, task);
    }
    this.completeRollout(service);
    for (const task of this.tasksOf(service)) {
      if (task.lastStatus !== 'STOPPED' && task.stopAt !== undefined && task.stopAt <= now) this.taskStopped(task);
    }
    if (service.status === 'DRAINING' && service.inactiveAt !== undefined && service.inactiveAt <= now) {
      service.status = 'INACTIVE';
    }
    for (const task of this.tasksOf(service)) {
      if (task.lastStatus === 'STOPPED' && (task.stopAt ?? now) + STOPPED_TASK_RETENTION <= now) delete this.data.tasks[task.arn];
    }
  }

  /** Once every task of the PRIMARY deployment runs, the older deployments' tasks stop. */
  private completeRollout(service: ServiceRecord): void {
    if (service.status !== 'ACTIVE') return;
    const primary = this.primary(service);
    if (primary.rolloutState === 'COMPLETED') return;
    const tasks = this.liveTasksOf(service).filter((t) => t.deploymentId === primary.id && t.desiredStatus === 'RUNNING');
    if (tasks.length < primary.desiredCount || tasks.some((t) => t.lastStatus !== 'RUNNING')) return;
    const at = Math.max(primary.createdAt, ...tasks.map((t) => t.runningAt));
    for (const task of this.liveTasksOf(service)) {
      if (task.deploymentId !== primary.id) this.stopTask(service, task, at, `Scaling activity initiated by (deployment ${primary.id})`);
    }
    service.deployments = [primary];
    primary.rolloutState = 'COMPLETED';
    primary.updatedAt = at;
    this.event(service, `(service ${service.name}) (deployment ${primary.id}) deployment completed.`, at);
    this.event(service, `(service ${service.name}) has reached a steady state.`, at);
  }

  /** Start or stop tasks so that the PRIMARY deployment has its desired count. */
  private converge(service: ServiceRecord): void {
    if (service.status !== 'ACTIVE') return;
    const primary = this.primary(service);
    const tasks = this.liveTasksOf(service).filter((t) => t.deploymentId === primary.id && t.desiredStatus === 'RUNNING');
    if (tasks.length > primary.desiredCount) {
      // Scale in: pending tasks first, then the newest.
      const extra = [...tasks]
        .sort((a, b) => Number(a.lastStatus === 'RUNNING') - Number(b.lastStatus === 'RUNNING') || b.createdAt - a.createdAt)
        .slice(0, tasks.length - primary.desiredCount);
      for (const task of extra) this.stopTask(service, task, this.world.now(), 'Scaling activity initiated by (deployment ' + primary.id + ')');
      this.event(service, `(service ${service.name}) has stopped ${extra.length} running tasks: ${extra.map((t) => `(task ${t.id})`).join(' ')}.`);
      return;
    }
    const missing = primary.desiredCount - tasks.length;
    if (missing <= 0) return;
    if (!isFargate(service.launchType, service.capacityProviderStrategy)) {
      const message = `(service ${service.name}) was unable to place a task because no container instance met all of its requirements. Reason: No Container Instances were found in your cluster.`;
      if (service.events[0]?.message !== message) this.event(service, message);
      return;
    }
    const started: TaskRecord[] = [];
    for (let i = 0; i < missing; i += 1) {
      const task = this.startTask(service, primary);
      if (!task) break;
      started.push(task);
    }
    if (started.length > 0) {
      this.event(service, `(service ${service.name}) has started ${started.length} tasks: ${started.map((t) => `(task ${t.id})`).join(' ')}.`);
    }
  }

  private startTask(service: ServiceRecord, deployment: DeploymentRecord): TaskRecord | undefined {
    const awsvpc = deployment.networkConfiguration?.awsvpcConfiguration;
    const subnets = awsvpc?.subnets ?? [];
    // Spread over the subnets (hence AZs), as the service scheduler does.
    const live = this.liveTasksOf(service);
    const subnetId = [...subnets].sort((a, b) => live.filter((t) => t.subnetId === a).length - live.filter((t) => t.subnetId === b).length)[0];
    if (subnetId === undefined) return undefined;
    const attachmentId = this.uuid();
    let eniId: string;
    let eni: { PrivateIpAddress?: string; AvailabilityZone?: string } | undefined;
    try {
      eniId = this.peers.ec2.attachServiceEni({
        subnetId,
        groupIds: [...(awsvpc?.securityGroups ?? [])],
        description: this.world.arn('ecs', `attachment/${attachmentId}`),
        requesterId: 'ecs',
        publicIp: awsvpc?.assignPublicIp === 'ENABLED',
      });
      eni = this.peers.ec2.describeNetworkInterfaces({ NetworkInterfaceIds: [eniId] }).NetworkInterfaces?.[0];
    } catch (error) {
      if (!isAwsError(error)) throw error;
      this.event(service, `(service ${service.name}) failed to launch a task with (error ${error.name}: ${error.message}).`);
      return undefined;
    }
    if (!eni?.PrivateIpAddress) throw new Error(`sandbox: ENI ${eniId} has no private IP address`);
    const id = this.hexId(32);
    const denied = this.deniedTaskStart(deployment.taskDefinition, id);
    if (denied) {
      this.peers.ec2.releaseServiceEni(eniId, 'ec2.eni.task.released');
      this.event(service, `(service ${service.name}) failed to launch a task with (error ResourceInitializationError: unable to pull secrets or registry auth: ${denied}).`);
      return undefined;
    }
    const clusterName = this.data.clusters[service.clusterArn]?.name ?? 'default';
    const now = this.world.now();
    const task: TaskRecord = {
      arn: this.world.arn('ecs', `task/${clusterName}/${id}`),
      id,
      clusterArn: service.clusterArn,
      serviceArn: service.arn,
      deploymentId: deployment.id,
      taskDefinitionArn: deployment.taskDefinition,
      attachmentId,
      subnetId,
      eniId,
      privateIp: eni.PrivateIpAddress,
      ...(eni.AvailabilityZone ? { availabilityZone: eni.AvailabilityZone } : {}),
      lastStatus: 'PENDING',
      desiredStatus: 'RUNNING',
      createdAt: now,
      runningAt: this.world.readyAt('ecs.service.stable'),
      targets: [],
    };
    this.data.tasks[task.arn] = task;
    return task;
  }

  /**
   * What the task execution role must allow before the agent can start a task: pulling an image
   * from this account's ECR, creating the awslogs streams (service-work.ts, ecsTaskStart). Images
   * from elsewhere (Docker Hub, ECR Public) need no permission.
   */
  private deniedTaskStart(taskDefinitionArn: string, taskId: string): string | undefined {
    const td = this.data.taskDefinitions[taskDefinitionArn];
    if (!td) return undefined;
    const registry = `${this.world.account}.dkr.ecr.${this.world.region}.amazonaws.com/`;
    const repositories = td.containerDefinitions.flatMap((c) => (c.image?.startsWith(registry) ? [c.image.slice(registry.length).split(/[:@]/)[0] ?? ''] : []));
    const logGroups = td.containerDefinitions.flatMap((c) => {
      const group = c.logConfiguration?.logDriver === 'awslogs' ? c.logConfiguration.options?.['awslogs-group'] : undefined;
      return group ? [group] : [];
    });
    if (repositories.length === 0 && logGroups.length === 0) return undefined;
    if (!td.executionRoleArn) return 'the task definition has no execution role';
    const place = { account: this.world.account, region: this.world.region, partition: this.world.partition };
    return checkServiceWork(this.peers.iam, place, td.executionRoleArn, 'ecsTaskStart', { repositories, logGroups, taskId })?.message;
  }

  /** The task runs: it is registered in its deployment's target groups. */
  private taskRunning(service: ServiceRecord, task: TaskRecord): void {
    task.lastStatus = 'RUNNING';
    const deployment = service.deployments.find((d) => d.id === task.deploymentId);
    for (const lb of deployment?.loadBalancers ?? []) {
      if (!lb.targetGroupArn || lb.containerPort === undefined) continue;
      const target = { targetGroupArn: lb.targetGroupArn, port: lb.containerPort };
      try {
        this.peers.elbv2.registerTargets({ TargetGroupArn: target.targetGroupArn, Targets: [{ Id: task.privateIp, Port: target.port }] });
        task.targets.push(target);
        this.event(service, `(service ${service.name}) registered 1 targets in (target-group ${target.targetGroupArn})`, task.runningAt);
      } catch (error) {
        if (!isAwsError(error)) throw error;
        this.event(service, `(service ${service.name}) failed to register targets in (target-group ${target.targetGroupArn}) with (error ${error.message})`);
      }
    }
  }

  /** Told to stop: out of its target groups now, STOPPED at `at`. */
  private stopTask(service: ServiceRecord, task: TaskRecord, at: number, reason: string): void {
    if (task.desiredStatus === 'STOPPED') return;
    task.desiredStatus = 'STOPPED';
    task.stopAt = at;
    task.stoppedReason = reason;
    for (const target of task.targets) {
      try {
        this.peers.elbv2.deregisterTargets({ TargetGroupArn: target.targetGroupArn, Targets: [{ Id: task.privateIp, Port: target.port }] });
        this.event(service, `(service ${service.name}) deregistered 1 targets in (target-group ${target.targetGroupArn})`);
      } catch (error) {
        // The target group may be gone already; AWS carries on.
        if (!isAwsError(error)) throw error;
      }
    }
    task.targets = [];
  }

  private taskStopped(task: TaskRecord): void {
    task.lastStatus = 'STOPPED';
    try {
      this.peers.ec2.releaseServiceEni(task.eniId, 'ec2.eni.task.released');
    } catch (error) {
      if (!isAwsError(error)) throw error;
    }
  }

  /** A service replaced by a new one of the same name takes its stopped tasks with it. */
  private forgetTasksOf(service: ServiceRecord): void {
    for (const task of this.tasksOf(service)) if (task.lastStatus === 'STOPPED') delete this.data.tasks[task.arn];
  }

  private newDeployment(service: ServiceRecord): DeploymentRecord {
    const now = this.world.now();
    return {
      id: `ecs-svc/${parseInt(this.hexId(12), 16).toString().padStart(19, '0')}`,
      status: 'PRIMARY',
      taskDefinition: service.taskDefinition,
      desiredCount: service.desiredCount,
      ...(service.networkConfiguration ? { networkConfiguration: structuredClone(service.networkConfiguration) } : {}),
      loadBalancers: structuredClone(service.loadBalancers),
      rolloutState: 'IN_PROGRESS',
      createdAt: now,
      updatedAt: now,
    };
  }

  private event(service: ServiceRecord, message: string, at = this.world.now()): void {
    service.events.unshift({ id: this.uuid(), at, message });
    if (service.events.length > MAX_EVENTS) service.events.length = MAX_EVENTS;
  }

  // ---- Validation of what a service refers to --------------------------------------------------

  private usableTaskDefinition(ref: string | undefined): TaskDefinitionRecord {
    const record = this.findTaskDefinition(ref ?? '');
    if (!record) throw invalidParameter('TaskDefinition not found.');
    if (record.status !== 'ACTIVE') throw invalidParameter('TaskDefinition is inactive');
    return record;
  }

  /** The service's network configuration as AWS stores it, after checking it against EC2. */
  private checkedNetwork(config: NetworkConfiguration | undefined, td: TaskDefinitionRecord): NetworkConfiguration | undefined {
    if (td.networkMode !== 'awsvpc') {
      if (config) throw invalidParameter('Network Configuration is not valid for the given networkMode of this task definition.');
      return undefined;
    }
    const awsvpc = config?.awsvpcConfiguration;
    if (!awsvpc) throw invalidParameter(`Network Configuration must be provided when networkMode 'awsvpc' is specified.`);
    const subnets = [...(awsvpc.subnets ?? [])];
    const securityGroups = [...(awsvpc.securityGroups ?? [])];
    if (subnets.length === 0) throw invalidParameter('subnets can not be empty.');
    if (subnets.length > 16) throw invalidParameter('subnets can have at most 16 items.');
    if (securityGroups.length > 5) throw invalidParameter('securityGroups can have at most 5 items.');
    const ec2 = this.peers.ec2;
    const vpcs = new Set<string>();
    try {
      for (const subnet of ec2.describeSubnets({ SubnetIds: subnets }).Subnets ?? []) if (subnet.VpcId) vpcs.add(subnet.VpcId);
    } catch (error) {
      if (!isAwsError(error)) throw error;
      throw invalidParameter(`Error retrieving subnet information for [${subnets.join(', ')}]: ${error.message} (ErrorCode: ${error.name})`);
    }
    if (vpcs.size > 1) throw invalidParameter('The subnets must all belong to the same VPC.');
    if (securityGroups.length > 0) {
      let groups;
      try {
        groups = ec2.describeSecurityGroups({ GroupIds: securityGroups }).SecurityGroups ?? [];
      } catch (error) {
        if (!isAwsError(error)) throw error;
        throw invalidParameter(`Error retrieving security group information for [${securityGroups.join(', ')}]: ${error.message} (ErrorCode: ${error.name})`);
      }
      const foreign = groups.find((g) => g.VpcId !== undefined && !vpcs.has(g.VpcId));
      if (foreign) throw invalidParameter(`Security group ${foreign.GroupId ?? ''} does not appear to belong to the same VPC as the input subnets.`);
    }
    return { awsvpcConfiguration: { subnets, securityGroups, assignPublicIp: awsvpc.assignPublicIp ?? 'DISABLED' } };
  }

  private checkedLoadBalancers(loadBalancers: LoadBalancer[], td: TaskDefinitionRecord): LoadBalancer[] {
    return loadBalancers.map((lb) => {
      if (!lb.targetGroupArn) throw invalidParameter('targetGroupArn must be specified: the sandbox models Application and Network Load Balancers only.');
      const container = td.containerDefinitions.find((c) => c.name === lb.containerName);
      if (!container) throw invalidParameter(`The container ${lb.containerName ?? ''} does not exist in the task definition.`);
      if (!(container.portMappings ?? []).some((m) => m.containerPort === lb.containerPort)) {
        throw invalidParameter(`The container ${container.name ?? ''} did not have a container port ${lb.containerPort ?? ''} defined.`);
      }
      let targetGroup;
      try {
        targetGroup = this.peers.elbv2.describeTargetGroups({ TargetGroupArns: [lb.targetGroupArn] }).TargetGroups?.[0];
      } catch (error) {
        if (!isAwsError(error)) throw error;
      }
      if (!targetGroup) {
        throw invalidParameter('Unable to assume role and validate the specified targetGroupArn. Please verify that the ECS service role being passed has the proper permissions.');
      }
      if ((targetGroup.LoadBalancerArns ?? []).length === 0) {
        throw invalidParameter(`The target group with targetGroupArn ${lb.targetGroupArn} does not have an associated load balancer.`);
      }
      if (td.networkMode === 'awsvpc' && targetGroup.TargetType !== 'ip') {
        throw invalidParameter(
          `The provided target group ${lb.targetGroupArn} has target type ${targetGroup.TargetType ?? 'instance'}, which is incompatible with the awsvpc network mode specified in the task definition.`,
        );
      }
      return { targetGroupArn: lb.targetGroupArn, containerName: lb.containerName, containerPort: lb.containerPort };
    });
  }

  // ---- Lookups ---------------------------------------------------------------------------------

  private clusterArn(name: string): string {
    return this.world.arn('ecs', `cluster/${name}`);
  }

  private clusterArnOf(ref: string): string {
    return ref.startsWith('arn:') ? ref : this.clusterArn(ref);
  }

  private activeCluster(ref: string | undefined): ClusterRecord {
    const cluster = this.data.clusters[this.clusterArnOf(ref ?? 'default')];
    if (!cluster || cluster.status !== 'ACTIVE') throw new ClusterNotFoundException({ message: 'Cluster not found.', $metadata: {} });
    return cluster;
  }

  private servicesIn(cluster: ClusterRecord): ServiceRecord[] {
    return Object.values(this.data.services).filter((s) => s.clusterArn === cluster.arn);
  }

  private findService(cluster: ClusterRecord, ref: string): ServiceRecord | undefined {
    return this.data.services[this.world.arn('ecs', `service/${cluster.name}/${serviceNameOf(ref)}`)];
  }

  private existingService(cluster: ClusterRecord, ref: string | undefined): ServiceRecord {
    const service = this.findService(cluster, ref ?? '');
    if (!service) throw new ServiceNotFoundException({ message: 'Service not found.', $metadata: {} });
    return service;
  }

  private primary(service: ServiceRecord): DeploymentRecord {
    const primary = service.deployments.find((d) => d.status === 'PRIMARY');
    if (!primary) throw new Error(`sandbox: service ${service.arn} has no PRIMARY deployment`);
    return primary;
  }

  private taskDefinitionArn(family: string, revision: number): string {
    return this.world.arn('ecs', `task-definition/${family}:${revision}`);
  }

  /** By ARN, `family:revision`, or `family` (its latest ACTIVE revision). */
  private findTaskDefinition(ref: string): TaskDefinitionRecord | undefined {
    if (ref.startsWith('arn:')) return this.data.taskDefinitions[ref];
    const [family, revision, ...rest] = ref.split(':');
    if (!family || rest.length > 0) return undefined;
    if (revision !== undefined) return /^\d+$/.test(revision) ? this.data.taskDefinitions[this.taskDefinitionArn(family, Number(revision))] : undefined;
    return Object.values(this.data.taskDefinitions)
      .filter((td) => td.family === family && td.status === 'ACTIVE')
      .sort((a, b) => b.revision - a.revision)[0];
  }

  private taskDefinitionRecord(arn: string): TaskDefinitionRecord {
    const record = this.data.taskDefinitions[arn];
    if (!record) throw new Error(`sandbox: task definition ${arn} is referenced but not stored`);
    return record;
  }

  private tasksIn(cluster: ClusterRecord): TaskRecord[] {
    return Object.values(this.data.tasks).filter((t) => t.clusterArn === cluster.arn);
  }

  private tasksOf(service: ServiceRecord): TaskRecord[] {
    return Object.values(this.data.tasks).filter((t) => t.serviceArn === service.arn);
  }

  private liveTasksOf(service: ServiceRecord): TaskRecord[] {
    return this.tasksOf(service).filter((t) => t.lastStatus !== 'STOPPED');
  }

  private taggable(arn: string | undefined): { tags: Tags } {
    const match = /^arn:aws[\w-]*:ecs:[^:]*:\d*:(cluster|service|task-definition)\/(.+)$/.exec(arn ?? '');
    if (!arn || !match) throw invalidParameter('The ARN provided is invalid.');
    if (match[1] === 'cluster') {
      const cluster = this.data.clusters[arn];
      if (!cluster) throw new ClusterNotFoundException({ message: 'Cluster not found.', $metadata: {} });
      return cluster;
    }
    const resource = match[1] === 'service' ? this.data.services[arn] : this.data.taskDefinitions[arn];
    if (!resource) throw new ResourceNotFoundException({ message: 'The specified resource wasn\'t found.', $metadata: {} });
    return resource;
  }

  // ---- Output shapes ---------------------------------------------------------------------------

  private clusterOut(cluster: ClusterRecord, include: string[]): Cluster {
    const services = this.servicesIn(cluster);
    services.forEach((s) => this.settle(s));
    const tasks = this.tasksIn(cluster);
    return {
      clusterArn: cluster.arn,
      clusterName: cluster.name,
      status: cluster.status,
      registeredContainerInstancesCount: 0,
      runningTasksCount: tasks.filter((t) => t.lastStatus === 'RUNNING').length,
      pendingTasksCount: tasks.filter((t) => t.lastStatus === 'PENDING').length,
      activeServicesCount: services.filter((s) => s.status === 'ACTIVE').length,
      statistics: [],
      capacityProviders: [],
      defaultCapacityProviderStrategy: [],
      ...(include.includes('TAGS') ? { tags: tagsToEcs(cluster.tags) } : {}),
      ...(include.includes('SETTINGS') ? { settings: cluster.settings.map((s) => ({ ...s })) } : {}),
    };
  }

  private taskDefinitionOut(td: TaskDefinitionRecord): TaskDefinition {
    return {
      taskDefinitionArn: td.arn,
      family: td.family,
      revision: td.revision,
      status: td.status,
      containerDefinitions: structuredClone(td.containerDefinitions),
      networkMode: td.networkMode,
      volumes: structuredClone(td.volumes),
      placementConstraints: [],
      compatibilities: [...td.compatibilities],
      requiresCompatibilities: [...td.requiresCompatibilities],
      ...(td.cpu !== undefined ? { cpu: td.cpu } : {}),
      ...(td.memory !== undefined ? { memory: td.memory } : {}),
      ...(td.runtimePlatform ? { runtimePlatform: { ...td.runtimePlatform } } : {}),
      ...(td.executionRoleArn ? { executionRoleArn: td.executionRoleArn } : {}),
      ...(td.taskRoleArn ? { taskRoleArn: td.taskRoleArn } : {}),
      registeredAt: this.dateAt(td.registeredAt),
      registeredBy: `arn:${this.world.partition}:iam::${this.world.account}:user/sandbox`,
      ...(td.deregisteredAt !== undefined ? { deregisteredAt: this.dateAt(td.deregisteredAt) } : {}),
      ...(td.deleteRequestedAt !== undefined ? { deleteRequestedAt: this.dateAt(td.deleteRequestedAt) } : {}),
    };
  }

  private serviceOut(service: ServiceRecord, includeTags: boolean): Service {
    const tasks = this.liveTasksOf(service);
    const counts = (list: TaskRecord[]) => ({
      runningCount: list.filter((t) => t.lastStatus === 'RUNNING').length,
      pendingCount: list.filter((t) => t.lastStatus === 'PENDING' && t.desiredStatus === 'RUNNING').length,
    });
    const fargate = isFargate(service.launchType, service.capacityProviderStrategy);
    const deployments: Deployment[] = service.deployments.map((d) => ({
      id: d.id,
      status: d.status,
      taskDefinition: d.taskDefinition,
      desiredCount: d.desiredCount,
      ...counts(tasks.filter((t) => t.deploymentId === d.id)),
      failedTasks: 0,
      createdAt: this.dateAt(d.createdAt),
      updatedAt: this.dateAt(d.updatedAt),
      ...(service.launchType ? { launchType: service.launchType } : {}),
      ...(service.capacityProviderStrategy ? { capacityProviderStrategy: structuredClone(service.capacityProviderStrategy) } : {}),
      ...(fargate ? { platformVersion: FARGATE_PLATFORM_VERSION, platformFamily: 'Linux' } : {}),
      ...(d.networkConfiguration ? { networkConfiguration: structuredClone(d.networkConfiguration) } : {}),
      rolloutState: d.rolloutState,
      rolloutStateReason: d.rolloutState === 'COMPLETED' ? `ECS deployment ${d.id} completed.` : `ECS deployment ${d.id} in progress.`,
    }));
    return {
      serviceArn: service.arn,
      serviceName: service.name,
      clusterArn: service.clusterArn,
      loadBalancers: structuredClone(service.loadBalancers),
      serviceRegistries: [],
      status: service.status,
      desiredCount: service.desiredCount,
      ...counts(tasks),
      ...(service.launchType ? { launchType: service.launchType } : {}),
      ...(service.capacityProviderStrategy ? { capacityProviderStrategy: structuredClone(service.capacityProviderStrategy) } : {}),
      ...(fargate ? { platformVersion: service.platformVersion, platformFamily: 'Linux' } : {}),
      taskDefinition: service.taskDefinition,
      deploymentConfiguration: structuredClone(service.deploymentConfiguration),
      deployments,
      roleArn: `arn:${this.world.partition}:iam::${this.world.account}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS`,
      events: service.events.map((e) => ({ id: e.id, createdAt: this.dateAt(e.at), message: e.message })),
      createdAt: this.dateAt(service.createdAt),
      placementConstraints: [],
      placementStrategy: [],
      ...(service.networkConfiguration ? { networkConfiguration: structuredClone(service.networkConfiguration) } : {}),
      ...(service.healthCheckGracePeriodSeconds !== undefined ? { healthCheckGracePeriodSeconds: service.healthCheckGracePeriodSeconds } : {}),
      schedulingStrategy: 'REPLICA',
      deploymentController: { type: service.deploymentController },
      createdBy: `arn:${this.world.partition}:iam::${this.world.account}:user/sandbox`,
      enableECSManagedTags: service.enableECSManagedTags,
      propagateTags: service.propagateTags,
      enableExecuteCommand: false,
      ...(includeTags ? { tags: tagsToEcs(service.tags) } : {}),
    };
  }

  private taskOut(task: TaskRecord): Task {
    const td = this.taskDefinitionRecord(task.taskDefinitionArn);
    const service = this.data.services[task.serviceArn];
    const stopping = task.desiredStatus === 'STOPPED';
    return {
      taskArn: task.arn,
      clusterArn: task.clusterArn,
      taskDefinitionArn: task.taskDefinitionArn,
      group: `service:${service?.name ?? ''}`,
      startedBy: task.deploymentId,
      lastStatus: task.lastStatus,
      desiredStatus: task.desiredStatus,
      launchType: 'FARGATE',
      platformVersion: FARGATE_PLATFORM_VERSION,
      platformFamily: 'Linux',
      cpu: td.cpu,
      memory: td.memory,
      ...(task.availabilityZone ? { availabilityZone: task.availabilityZone } : {}),
      connectivity: 'CONNECTED',
      createdAt: this.dateAt(task.createdAt),
      ...(task.lastStatus !== 'PENDING' ? { startedAt: this.dateAt(task.runningAt) } : {}),
      ...(stopping && task.stopAt !== undefined ? { stoppingAt: this.dateAt(Math.min(task.stopAt, this.world.now())) } : {}),
      ...(task.lastStatus === 'STOPPED' && task.stopAt !== undefined ? { stoppedAt: this.dateAt(task.stopAt) } : {}),
      ...(task.stoppedReason ? { stoppedReason: task.stoppedReason, stopCode: 'ServiceSchedulerInitiated' as const } : {}),
      attachments: [
        {
          id: task.attachmentId,
          type: 'ElasticNetworkInterface',
          status: task.lastStatus === 'STOPPED' ? 'DELETED' : 'ATTACHED',
          details: [
            { name: 'subnetId', value: task.subnetId },
            { name: 'networkInterfaceId', value: task.eniId },
            { name: 'privateIPv4Address', value: task.privateIp },
          ],
        },
      ],
      containers: td.containerDefinitions.map((c) => ({
        taskArn: task.arn,
        name: c.name,
        image: c.image,
        lastStatus: task.lastStatus,
        networkInterfaces: [{ attachmentId: task.attachmentId, privateIpv4Address: task.privateIp }],
      })),
    };
  }

  // ---- IDs and times ---------------------------------------------------------------------------

  private hexId(digits: number): string {
    return this.world.newId('x', digits).slice(2);
  }

  private uuid(): string {
    const h = this.hexId(32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  /** A simulated-seconds time as the wall-clock date the sandbox reports. */
  private dateAt(simSeconds: number): Date {
    return new Date(this.world.nowDate().getTime() + (simSeconds - this.world.now()) * 1000);
  }
}

// ---- Helpers ------------------------------------------------------------------------------------

function range(from: number, to: number, step: number): number[] {
  const values: number[] = [];
  for (let v = from; v <= to; v += step) values.push(v);
  return values;
}

function clientError(message: string): ClientException {
  return new ClientException({ message, $metadata: {} });
}

function invalidParameter(message: string): InvalidParameterException {
  return new InvalidParameterException({ message, $metadata: {} });
}

/** An error the SDK or a sandbox model raised on AWS's behalf (not a bug in the sandbox). */
function isAwsError(error: unknown): error is Error & { $fault: string } {
  return error instanceof Error && typeof (error as { $fault?: unknown }).$fault === 'string';
}

function tagsFromEcs(list: ReadonlyArray<Tag> | undefined): Tags {
  const tags: Tags = {};
  for (const tag of list ?? []) if (tag.key !== undefined) tags[tag.key] = tag.value ?? '';
  return tags;
}

function tagsToEcs(tags: Tags): Tag[] {
  return Object.entries(tags).map(([key, value]) => ({ key, value }));
}

/** "256", "1024", "0.25 vCPU", "1 vcpu" → CPU units; undefined input stays undefined; junk → null. */
function parseCpu(text: string): number | null {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(vcpu)?\s*$/i.exec(text);
  if (!match?.[1]) return null;
  const value = Number(match[1]);
  return match[2] ? Math.round(value * 1024) : value;
}

/** "512", "0.5 GB", "2GB" → MiB; junk → null. */
function parseMemory(text: string): number | null {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(gb)?\s*$/i.exec(text);
  if (!match?.[1]) return null;
  const value = Number(match[1]);
  return match[2] ? Math.round(value * 1024) : value;
}

function withContainerDefaults(container: ContainerDefinition, networkMode: NetworkMode): ContainerDefinition {
  return {
    ...structuredClone(container),
    cpu: container.cpu ?? 0,
    essential: container.essential ?? true,
    portMappings: (container.portMappings ?? []).map((m) => ({
      ...m,
      ...(networkMode === 'awsvpc' || m.hostPort !== undefined ? { hostPort: m.hostPort ?? m.containerPort } : {}),
      protocol: m.protocol ?? 'tcp',
    })),
    environment: container.environment ?? [],
    mountPoints: container.mountPoints ?? [],
    volumesFrom: container.volumesFrom ?? [],
  };
}

function withDeploymentDefaults(current: DeploymentConfiguration, update: DeploymentConfiguration | undefined): DeploymentConfiguration {
  const merged: DeploymentConfiguration = { ...structuredClone(current), ...structuredClone(update ?? {}) };
  return {
    ...merged,
    deploymentCircuitBreaker: merged.deploymentCircuitBreaker ?? { enable: false, rollback: false },
    maximumPercent: merged.maximumPercent ?? 200,
    minimumHealthyPercent: merged.minimumHealthyPercent ?? 100,
  };
}

function isFargate(launchType: LaunchType | undefined, strategy: CapacityProviderStrategyItem[] | undefined): boolean {
  if (launchType) return launchType === 'FARGATE';
  return (strategy ?? []).some((s) => s.capacityProvider === 'FARGATE' || s.capacityProvider === 'FARGATE_SPOT');
}

/** The service name in a name or a service ARN (`…:service/<cluster>/<name>` or `…:service/<name>`). */
function serviceNameOf(ref: string): string {
  return ref.startsWith('arn:') ? ref.slice(ref.lastIndexOf('/') + 1) : ref;
}

/** A comparable form of a configuration: arrays of IDs compared as sets. */
function canonical(value: unknown): string {
  return JSON.stringify(value ?? null, (_key, v: unknown) =>
    Array.isArray(v) && v.every((x) => typeof x === 'string') ? [...(v as string[])].sort() : v,
  );
}
