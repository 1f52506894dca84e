// ECS (simulated): services and their deployments.
//
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
//   ListServices (ACTIVE ones only: AWS hides DRAINING services from it; 10 a page unless
//   maxResults, up to 100, says otherwise). The List calls page by nextToken (maxResults 1–100; a bad
//   token or size → InvalidParameterException); DescribeServices takes 1 to 10 services.
import {
  ServiceNotActiveException,
  type CreateServiceCommandInput,
  type CreateServiceCommandOutput,
  type DeleteServiceCommandInput,
  type DeleteServiceCommandOutput,
  type Deployment,
  type DeploymentConfiguration,
  type DescribeServicesCommandInput,
  type DescribeServicesCommandOutput,
  type Failure,
  type ListServicesCommandInput,
  type ListServicesCommandOutput,
  type LoadBalancer,
  type NetworkConfiguration,
  type Service,
  type UpdateServiceCommandInput,
  type UpdateServiceCommandOutput,
} from '@aws-sdk/client-ecs';
import { type Out } from '../../kernel/service';
import {
  type TaskDefinitionRecord,
  type DeploymentRecord,
  type ServiceRecord,
  type TaskRecord,
  NAME,
  FARGATE_PLATFORM_VERSION,
} from './records';
import { invalidParameter, isAwsError, tagsFromEcs, tagsToEcs, isFargate, serviceNameOf } from './shared';
import { EcsTasks } from './tasks';

export abstract class EcsServices extends EcsTasks {
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
      ...(input.enableExecuteCommand ? { enableExecuteCommand: true } : {}),
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
    // ListServices pages by 10 unless asked for up to 100.
    const { items, nextToken } = this.page('ListServices', listed, input, { awsDefault: 10, awsMax: 100 }, [cluster.arn, input.launchType, input.schedulingStrategy]);
    return { serviceArns: items.map((s) => s.arn), ...(nextToken ? { nextToken } : {}) };
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
    // Only tasks started from now on get it: the running ones keep theirs until a new deployment.
    if (input.enableExecuteCommand !== undefined) service.enableExecuteCommand = input.enableExecuteCommand;
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

  protected newDeployment(service: ServiceRecord): DeploymentRecord {
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

  /** The service's network configuration as AWS stores it, after checking it against EC2. */
  protected checkedNetwork(config: NetworkConfiguration | undefined, td: TaskDefinitionRecord): NetworkConfiguration | undefined {
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

  protected checkedLoadBalancers(loadBalancers: LoadBalancer[], td: TaskDefinitionRecord): LoadBalancer[] {
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

  protected serviceOut(service: ServiceRecord, includeTags: boolean): Service {
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
      enableExecuteCommand: service.enableExecuteCommand ?? false,
      ...(includeTags ? { tags: tagsToEcs(service.tags) } : {}),
    };
  }
}

// ---- Helpers ------------------------------------------------------------------------------------

function withDeploymentDefaults(current: DeploymentConfiguration, update: DeploymentConfiguration | undefined): DeploymentConfiguration {
  const merged: DeploymentConfiguration = { ...structuredClone(current), ...structuredClone(update ?? {}) };
  return {
    ...merged,
    deploymentCircuitBreaker: merged.deploymentCircuitBreaker ?? { enable: false, rollback: false },
    maximumPercent: merged.maximumPercent ?? 200,
    minimumHealthyPercent: merged.minimumHealthyPercent ?? 100,
  };
}

/** A comparable form of a configuration: arrays of IDs compared as sets. */
function canonical(value: unknown): string {
  return JSON.stringify(value ?? null, (_key, v: unknown) =>
    Array.isArray(v) && v.every((x) => typeof x === 'string') ? [...(v as string[])].sort() : v,
  );
}
