// ECS (simulated): what other services do to ECS, as non-AWS helpers their models call (a
// CodePipeline ECS deploy, a CodeDeploy blue/green swap).
//
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
import { ServiceNotActiveException } from '@aws-sdk/client-ecs';
import { awsError } from '../../kernel/errors';
import { invalidParameter, isAwsError } from './shared';
import { EcsClusters } from './clusters';
import type { TaskDefinitionRecord } from './records';

export abstract class EcsDeploys extends EcsClusters {
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
    return this.runningTaskDefinition(cluster, service)?.executionRoleArn;
  }

  /** The task role of the revision the service runs (helper for the pipeline's PassRole checks). */
  taskRoleOf(cluster: string, service: string): string | undefined {
    return this.runningTaskDefinition(cluster, service)?.taskRoleArn;
  }

  private runningTaskDefinition(cluster: string, service: string): TaskDefinitionRecord | undefined {
    try {
      const record = this.existingService(this.activeCluster(cluster), service);
      return this.data.taskDefinitions[record.taskDefinition];
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
  protected checkImageRuns(image: string, cpuArchitecture: string): void {
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
}
