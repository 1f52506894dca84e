// ECS (simulated): the tasks a service runs, settled lazily from its deployments: their network
// interfaces, their registration in target groups, what their execution role must allow.
//
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
//   serviceName, family, desiredStatus default RUNNING; 100 a page) and DescribeTasks (1 to 100 ids or ARNs; unknown →
//   failures MISSING) show them.
import {
  type DescribeTasksCommandInput,
  type DescribeTasksCommandOutput,
  type Failure,
  type ListTasksCommandInput,
  type ListTasksCommandOutput,
  type Task,
} from '@aws-sdk/client-ecs';
import { checkServiceWork } from '../service-work';
import { type Out } from '../../kernel/service';
import {
  type DeploymentRecord,
  type ServiceRecord,
  type TaskRecord,
  STOPPED_TASK_RETENTION,
  MAX_DESCRIBED_TASKS,
  FARGATE_PLATFORM_VERSION,
} from './records';
import { invalidParameter, isAwsError, isFargate } from './shared';
import { EcsTaskDefinitions } from './task-definitions';
import { awslogsDestination, containerStartEvents } from './container-log';

export abstract class EcsTasks extends EcsTaskDefinitions {
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
    const scope = [cluster.arn, input.serviceName, desiredStatus, input.family, input.startedBy];
    const { items, nextToken } = this.page('ListTasks', tasks, input, { awsDefault: 100, awsMax: 100 }, scope);
    return { taskArns: items.map((t) => t.arn), ...(nextToken ? { nextToken } : {}) };
  }

  describeTasks(input: DescribeTasksCommandInput): Out<DescribeTasksCommandOutput> {
    const cluster = this.activeCluster(input.cluster);
    this.servicesIn(cluster).forEach((s) => this.settle(s));
    const refs = input.tasks ?? [];
    if (refs.length === 0) throw invalidParameter('Tasks cannot be empty.');
    if (refs.length > MAX_DESCRIBED_TASKS) throw invalidParameter(`taskIds can have at most ${MAX_DESCRIBED_TASKS} items.`);
    const tasks: Task[] = [];
    const failures: Failure[] = [];
    for (const ref of refs) {
      const arn = ref.startsWith('arn:') ? ref : this.world.arn('ecs', `task/${cluster.name}/${ref}`);
      const task = this.data.tasks[arn];
      if (!task || task.clusterArn !== cluster.arn) failures.push({ arn, reason: 'MISSING' });
      else tasks.push(this.taskOut(task));
    }
    return { tasks, failures };
  }

  // ---- Settling: tasks follow the deployments, lazily ------------------------------------------

  /** Everything that became due since the service was last looked at, then its task count. */
  protected settle(service: ServiceRecord): void {
    this.advance(service);
    this.converge(service);
  }

  /** Transitions whose time has come, in the order they happened. */
  protected advance(service: ServiceRecord): void {
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
  protected completeRollout(service: ServiceRecord): void {
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
  protected converge(service: ServiceRecord): void {
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

  protected startTask(service: ServiceRecord, deployment: DeploymentRecord): TaskRecord | undefined {
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
      ...(service.enableExecuteCommand ? { enableExecuteCommand: true } : {}),
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
  protected deniedTaskStart(taskDefinitionArn: string, taskId: string): string | undefined {
    const td = this.data.taskDefinitions[taskDefinitionArn];
    if (!td) return undefined;
    const registry = `${this.world.account}.dkr.ecr.${this.world.region}.amazonaws.com/`;
    const repositories = td.containerDefinitions.flatMap((c) => (c.image?.startsWith(registry) ? [c.image.slice(registry.length).split(/[:@]/)[0] ?? ''] : []));
    const logGroups = td.containerDefinitions.flatMap((c) => {
      const group = c.logConfiguration?.logDriver === 'awslogs' ? c.logConfiguration.options?.['awslogs-group'] : undefined;
      return group ? [group] : [];
    });
    const secrets = td.containerDefinitions.flatMap((c) => (c.secrets ?? []).map((s) => s.valueFrom ?? ''));
    if (repositories.length === 0 && logGroups.length === 0 && secrets.length === 0) return undefined;
    if (!td.executionRoleArn) return 'the task definition has no execution role';
    const place = { account: this.world.account, region: this.world.region, partition: this.world.partition };
    return checkServiceWork(this.peers.iam, place, td.executionRoleArn, 'ecsTaskStart', { repositories, logGroups, taskId })?.message ?? this.deniedSecrets(td.executionRoleArn, secrets);
  }

  /**
   * What the agent answers when a task's `secrets` cannot be read: a parameter or secret that does
   * not exist, or one the execution role may not read (service-work.ts, ecsTaskSecrets). The
   * wording is the agent's, as users report it (sandbox README, "ECS").
   */
  private deniedSecrets(executionRoleArn: string, valueFroms: readonly string[]): string | undefined {
    const place = { account: this.world.account, region: this.world.region, partition: this.world.partition };
    const fromSsm = (why: string) => `execution resource retrieval failed: unable to retrieve secrets from ssm: service call has been retried 1 time(s): ${why}`;
    const fromAsm = (arn: string, why: string) =>
      `execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret ${arn} from secrets manager: ${why}`;
    const parameters = valueFroms.filter((v) => !v.startsWith(`arn:${place.partition}:secretsmanager:`));
    const missing = parameters.filter((v) => !this.peers.ssm.parameterExists(v));
    if (missing.length > 0) return fromSsm(`invalid parameters: ${missing.join(', ')}`);
    const parameterArns = parameters.map((v) => (v.startsWith('arn:') ? v : this.peers.ssm.parameterArn(v)));
    const ssmDenied = checkServiceWork(this.peers.iam, place, executionRoleArn, 'ecsTaskSecrets', { parameterArns, secretArns: [] });
    if (ssmDenied) return fromSsm(`AccessDeniedException: ${ssmDenied.message}`);
    for (const valueFrom of valueFroms.filter((v) => !parameters.includes(v))) {
      // ECS's `:json-key:version-stage:version-id` follows the secret's ARN (seven colon-separated fields).
      const secretId = valueFrom.split(':').slice(0, 7).join(':');
      const arn = this.peers.secretsmanager.arnOf(secretId);
      if (!arn) return fromAsm(secretId, "ResourceNotFoundException: Secrets Manager can't find the specified secret.");
      const denied = checkServiceWork(this.peers.iam, place, executionRoleArn, 'ecsTaskSecrets', { parameterArns: [], secretArns: [arn] });
      if (denied) return fromAsm(secretId, `AccessDeniedException: ${denied.message}`);
      try {
        this.peers.secretsmanager.getSecretValue({ SecretId: arn });
      } catch (error) {
        if (!isAwsError(error)) throw error;
        return fromAsm(secretId, `${error.name}: ${error.message}`);
      }
    }
    return undefined;
  }

  /** The task runs: it is registered in its deployment's target groups. */
  protected taskRunning(service: ServiceRecord, task: TaskRecord): void {
    task.lastStatus = 'RUNNING';
    this.writeStartLines(task);
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

  /** Each container's start lines, in its awslogs stream, at the moment the task started (a group that is gone takes none). */
  protected writeStartLines(task: TaskRecord): void {
    const startedAt = this.dateAt(task.runningAt).getTime();
    for (const container of this.taskDefinitionRecord(task.taskDefinitionArn).containerDefinitions) {
      const destination = awslogsDestination(container, task.id);
      if (destination) this.peers.logs.appendEvents(destination.group, destination.stream, containerStartEvents(container, startedAt));
    }
  }

  /** Told to stop: out of its target groups now, STOPPED at `at`. */
  protected stopTask(service: ServiceRecord, task: TaskRecord, at: number, reason: string): void {
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

  protected taskStopped(task: TaskRecord): void {
    task.lastStatus = 'STOPPED';
    try {
      this.peers.ec2.releaseServiceEni(task.eniId, 'ec2.eni.task.released');
    } catch (error) {
      if (!isAwsError(error)) throw error;
    }
  }

  /** A service replaced by a new one of the same name takes its stopped tasks with it. */
  protected forgetTasksOf(service: ServiceRecord): void {
    for (const task of this.tasksOf(service)) if (task.lastStatus === 'STOPPED') delete this.data.tasks[task.arn];
  }

  protected taskOut(task: TaskRecord): Task {
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
      enableExecuteCommand: task.enableExecuteCommand ?? false,
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
      containers: td.containerDefinitions.map((c, i) => ({
        taskArn: task.arn,
        name: c.name,
        image: c.image,
        // Fargate's form: the task ID and a number (ECS Exec's session target names it).
        runtimeId: `${task.id}-${String(1_000_000_000 + i)}`,
        lastStatus: task.lastStatus,
        // The SSM agent ECS Exec talks to runs in each container of a task started with exec on.
        ...(task.enableExecuteCommand ? { managedAgents: [{ name: 'ExecuteCommandAgent' as const, lastStatus: task.lastStatus === 'RUNNING' ? 'RUNNING' : task.lastStatus }] } : {}),
        networkInterfaces: [{ attachmentId: task.attachmentId, privateIpv4Address: task.privateIp }],
      })),
    };
  }
}
