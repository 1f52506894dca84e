// CodeDeploy deployments: created, settled against the simulated clock (replacement task set,
// test traffic, the production reroute and its shift, the original task set's end), stopped,
// continued, rolled back.
import {
  ApplicationNameRequiredException,
  type ContinueDeploymentCommandInput,
  type ContinueDeploymentCommandOutput,
  type CreateDeploymentCommandInput,
  type CreateDeploymentCommandOutput,
  DeploymentAlreadyCompletedException,
  type DeploymentCreator,
  DeploymentGroupNameRequiredException,
  type DeploymentInfo,
  DeploymentIsNotInReadyStateException,
  DeploymentLimitExceededException,
  type DeploymentOverview,
  type ErrorInformation,
  type GetDeploymentCommandInput,
  type GetDeploymentCommandOutput,
  type ListDeploymentsCommandInput,
  type ListDeploymentsCommandOutput,
  type RevisionLocation,
  type StopDeploymentCommandInput,
  type StopDeploymentCommandOutput,
} from '@aws-sdk/client-codedeploy';
import { SandboxNotModelled } from '../../kernel/errors';
import { pageOf } from '../../kernel/pages';
import type { Out } from '../../kernel/service';
import { checkServiceWork } from '../service-work';
import { type AppSpec, AppSpecError, appSpecRevision, readAppSpec } from './appspec';
import {
  blueGreenOut,
  cdError,
  checkDeploymentConfig,
  checkedAutoRollback,
  checkedRevision,
  groupKey,
  isAwsError,
  listLimits,
  loadBalancerInfoOut,
} from './checks';
import { CodeDeployDeploymentGroups } from './deployment-groups';
import {
  type AutoRollbackRecord,
  type DeploymentGroupRecord,
  type DeploymentRecord,
  ECS_CONFIGS,
  FINAL,
  type PlanRecord,
} from './records';
import { liveOfPair, shiftedTo } from './routes';

export abstract class CodeDeployDeployments extends CodeDeployDeploymentGroups {
  // ---- Deployments -----------------------------------------------------------------------------

  createDeployment(input: CreateDeploymentCommandInput): Out<CreateDeploymentCommandOutput> {
    const group = this.group(input.applicationName, input.deploymentGroupName);
    if (input.targetInstances || input.overrideAlarmConfiguration?.enabled) {
      throw new SandboxNotModelled('the sandbox does not model targetInstances or alarm overrides (EC2/on-premises and CloudWatch alarms)');
    }
    const deployment = this.startDeployment(group, {
      revision: input.revision,
      createdAt: this.world.now(),
      creator: 'user',
      ...(input.deploymentConfigName !== undefined ? { deploymentConfigName: input.deploymentConfigName } : {}),
      ...(input.autoRollbackConfiguration !== undefined ? { autoRollback: checkedAutoRollback(input.autoRollbackConfiguration) } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
    });
    return { deploymentId: deployment.id };
  }

  getDeployment(input: GetDeploymentCommandInput): Out<GetDeploymentCommandOutput> {
    const deployment = this.deployment(input.deploymentId);
    this.settle(deployment);
    return { deploymentInfo: this.deploymentOut(deployment) };
  }

  /** Newest first. Either both applicationName and deploymentGroupName, or neither. */
  listDeployments(input: ListDeploymentsCommandInput): Out<ListDeploymentsCommandOutput> {
    if (input.externalId !== undefined || input.createTimeRange !== undefined) {
      throw new SandboxNotModelled('the sandbox does not model ListDeployments by externalId or createTimeRange');
    }
    if (input.applicationName !== undefined && input.deploymentGroupName === undefined) {
      throw cdError(DeploymentGroupNameRequiredException, 'If applicationName is specified, then deploymentGroupName must be specified.');
    }
    if (input.applicationName === undefined && input.deploymentGroupName !== undefined) {
      throw cdError(ApplicationNameRequiredException, 'If deploymentGroupName is specified, then applicationName must be specified.');
    }
    const group = input.applicationName !== undefined ? this.group(input.applicationName, input.deploymentGroupName) : undefined;
    const statuses = input.includeOnlyStatuses ?? [];
    const deployments = group ? this.deploymentsOf(group) : Object.values(this.data.deployments);
    deployments.forEach((d) => this.settle(d));
    const listed = deployments
      .filter((d) => statuses.length === 0 || statuses.includes(d.status))
      // AWS documents no order for this list. Oldest first, so that nothing can take the first
      // entry for the newest (GetDeploymentGroup's lastAttemptedDeployment says which that is).
      .sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
    const scope = [group ? groupKey(group.applicationName, group.name) : '', ...[...statuses].sort()].join('\n');
    const page = pageOf(this.world, listed.map((d) => d.id), { token: input.nextToken, scope }, listLimits('ListDeployments'));
    return { deployments: page.items, ...(page.next ? { nextToken: page.next } : {}) };
  }

  stopDeployment(input: StopDeploymentCommandInput): Out<StopDeploymentCommandOutput> {
    const deployment = this.deployment(input.deploymentId);
    this.settle(deployment);
    if (FINAL.has(deployment.status)) {
      throw cdError(DeploymentAlreadyCompletedException, `The deployment ${deployment.id} has already completed.`);
    }
    const rollback = input.autoRollbackEnabled ?? (deployment.autoRollback.enabled && deployment.autoRollback.events.includes('DEPLOYMENT_STOP_ON_REQUEST'));
    const now = this.world.now();
    this.end(deployment, 'Stopped', now, { code: 'MANUAL_STOP', message: 'The deployment was stopped by a user.' });
    this.withdrawTestTraffic(deployment);
    if (rollback) this.rollBack(deployment, now);
    return { status: 'Pending', statusMessage: 'Stopping Active deployment' };
  }

  /**
   * READY_WAIT (default): a deployment waiting in Ready (STOP_DEPLOYMENT) moves traffic now.
   * TERMINATION_WAIT: a deployment waiting to terminate its original task set does so now.
   */
  continueDeployment(input: ContinueDeploymentCommandInput): Out<ContinueDeploymentCommandOutput> {
    const deployment = this.deployment(input.deploymentId);
    this.settle(deployment);
    if (FINAL.has(deployment.status)) {
      throw cdError(DeploymentAlreadyCompletedException, `The deployment ${deployment.id} has already completed.`);
    }
    const now = this.world.now();
    if ((input.deploymentWaitType ?? 'READY_WAIT') === 'READY_WAIT') {
      if (deployment.status !== 'Ready') {
        throw cdError(DeploymentIsNotInReadyStateException, `The deployment ${deployment.id} is not in the Ready state.`);
      }
      deployment.rerouteAt = now;
    } else {
      const waitStartsAt = deployment.rerouteAt === undefined ? undefined : deployment.rerouteAt + deployment.trafficSeconds;
      if (!deployment.rerouted || waitStartsAt === undefined || now < waitStartsAt) {
        throw cdError(DeploymentIsNotInReadyStateException, `The deployment ${deployment.id} is not waiting to terminate its original task set.`);
      }
      deployment.completesAt = now;
    }
    this.settle(deployment);
    return {};
  }

  // ---- Deployments: start, settle, end ---------------------------------------------------------

  protected startDeployment(
    group: DeploymentGroupRecord,
    options: {
      revision: RevisionLocation | undefined;
      createdAt: number;
      creator: DeploymentCreator;
      deploymentConfigName?: string;
      autoRollback?: AutoRollbackRecord;
      description?: string;
    },
  ): DeploymentRecord {
    const revision = checkedRevision(options.revision);
    const deploymentConfigName = options.deploymentConfigName ?? group.deploymentConfigName;
    checkDeploymentConfig(deploymentConfigName);
    this.checkNoActiveDeployment(group);

    const planned = this.planDeployment(group, revision);
    const { plan } = planned;
    const failure = planned.failure ?? this.deniedToRole(group);
    const injected = group.failNextDeployments > 0;
    if (injected) group.failNextDeployments -= 1;
    const running = this.world.msPerSimSecond > 0;
    const step = this.world.readyAt('codedeploy.deployment') - this.world.now();
    const createdAt = options.createdAt;
    const startsAt = createdAt + step * 0.05;
    const greenReadyAt = startsAt + step * 0.45;
    const previous = group.lastSuccessfulDeploymentId ? this.data.deployments[group.lastSuccessfulDeploymentId] : undefined;
    const deployment: DeploymentRecord = {
      id: this.deploymentId(),
      applicationName: group.applicationName,
      groupName: group.name,
      deploymentConfigName,
      creator: options.creator,
      ...(options.description !== undefined ? { description: options.description } : {}),
      revision,
      ...(previous ? { previousRevision: structuredClone(previous.revision) } : {}),
      autoRollback: structuredClone(options.autoRollback ?? group.autoRollback),
      blueGreen: { ...group.blueGreen },
      traffic: { targetGroupNames: [...group.targetGroupNames], prodListenerArns: [...group.prodListenerArns], testListenerArns: [...group.testListenerArns] },
      status: 'Created',
      createdAt,
      startsAt,
      greenReadyAt,
      ...(group.blueGreen.actionOnTimeout === 'CONTINUE_DEPLOYMENT' ? { rerouteAt: greenReadyAt } : {}),
      ...(group.blueGreen.actionOnTimeout === 'STOP_DEPLOYMENT' && running
        ? { readyTimeoutAt: greenReadyAt + group.blueGreen.readyWaitMinutes * 60 }
        : {}),
      trafficSeconds: step * 0.5 + (running ? (ECS_CONFIGS[deploymentConfigName] ?? 0) : 0),
      terminationWaitSeconds: running ? group.blueGreen.terminationWaitMinutes * 60 : 0,
      greenReady: false,
      rerouted: false,
      ...(plan ? { plan } : {}),
      ...(failure
        ? { failure }
        : injected
          ? {
              failure: {
                code: 'ECS_UPDATE_ERROR',
                message: 'The replacement task set did not reach a steady state: its tasks failed their health checks (sandbox: simulateDeploymentFailure).',
              },
            }
          : {}),
    };
    this.data.deployments[deployment.id] = deployment;
    group.lastAttemptedDeploymentId = deployment.id;
    this.settle(deployment);
    return deployment;
  }

  /**
   * What the group's service role may not do of a blue/green deployment (service-work.ts): the
   * deployment fails with IAM_ROLE_PERMISSIONS naming the action, as CodeDeploy reports it.
   */
  private deniedToRole(group: DeploymentGroupRecord): ErrorInformation | undefined {
    const executionRoleArn = this.peers.ecs.executionRoleOf(group.clusterName, group.serviceName);
    const denial = checkServiceWork(this.peers.iam, { account: this.world.account, region: this.world.region, partition: this.world.partition }, group.serviceRoleArn, 'codeDeployEcsBlueGreen', {
      cluster: group.clusterName,
      service: group.serviceName,
      listenerArns: [...group.prodListenerArns, ...group.testListenerArns],
      ...(executionRoleArn ? { executionRoleArn } : {}),
    });
    if (!denial) return undefined;
    return {
      code: 'IAM_ROLE_PERMISSIONS',
      message: `The IAM role ${group.serviceRoleArn} does not give you permission to perform operations in the following AWS service: ${denial.action.split(':')[0] ?? ''}. ${denial.message}`,
    };
  }

  /**
   * Read the AppSpec and the group's ECS service and listeners: which task definition goes where.
   * A problem here does not refuse the call; the deployment fails, as on AWS.
   */
  private planDeployment(group: DeploymentGroupRecord, revision: RevisionLocation): { plan?: PlanRecord; failure?: ErrorInformation } {
    let appSpec: AppSpec;
    try {
      appSpec = readAppSpec(revision.appSpecContent?.content ?? '');
    } catch (error) {
      if (!(error instanceof AppSpecError)) throw error;
      return { failure: { code: 'INVALID_REVISION', message: `The AppSpec file is not valid: ${error.message}` } };
    }
    const ecs = this.peers.ecs;
    const elbv2 = this.peers.elbv2;
    try {
      const service = ecs.describeServices({ cluster: group.clusterName, services: [group.serviceName] }).services?.[0];
      if (!service || service.status !== 'ACTIVE' || service.deploymentController?.type !== 'CODE_DEPLOY') {
        return { failure: { code: 'INVALID_ECS_SERVICE', message: `The ECS service ${group.serviceName} is not ACTIVE with a CODE_DEPLOY deployment controller.` } };
      }
      const taskDefinition = ecs.describeTaskDefinition({ taskDefinition: appSpec.taskDefinition }).taskDefinition;
      if (taskDefinition?.status !== 'ACTIVE') {
        return { failure: { code: 'ECS_UPDATE_ERROR', message: `The task definition ${appSpec.taskDefinition} is not ACTIVE.` } };
      }
      const container = taskDefinition.containerDefinitions?.find((c) => c.name === appSpec.containerName);
      if (!container?.portMappings?.some((m) => m.containerPort === appSpec.containerPort)) {
        return {
          failure: {
            code: 'ECS_UPDATE_ERROR',
            message: `The task definition has no container ${appSpec.containerName} with container port ${appSpec.containerPort}.`,
          },
        };
      }
      const pair = group.targetGroupNames.map((name) => elbv2.describeTargetGroups({ Names: [name] }).TargetGroups?.[0]?.TargetGroupArn ?? '');
      // The original group is the one production traffic runs on: after a deployment, the forward
      // names both groups and the live one has the weight.
      const blueTargetGroupArn = liveOfPair(group.prodListenerArns.flatMap((arn) => elbv2.describeRules({ ListenerArn: arn }).Rules ?? []), pair);
      const greenTargetGroupArn = pair.find((arn) => arn !== blueTargetGroupArn);
      if (!blueTargetGroupArn || !greenTargetGroupArn) {
        return {
          failure: {
            code: 'ELASTIC_LOAD_BALANCING_INVALID',
            message: `The production listener must send traffic to one target group of the pair (${group.targetGroupNames.join(', ')}).`,
          },
        };
      }
      return {
        plan: {
          clusterName: group.clusterName,
          serviceName: group.serviceName,
          taskDefinition: taskDefinition.taskDefinitionArn ?? appSpec.taskDefinition,
          previousTaskDefinition: service.taskDefinition ?? '',
          containerName: appSpec.containerName,
          containerPort: appSpec.containerPort,
          blueTargetGroupArn,
          greenTargetGroupArn,
          prodListenerArns: [...group.prodListenerArns],
          testListenerArns: [...group.testListenerArns],
        },
      };
    } catch (error) {
      if (!isAwsError(error)) throw error;
      return { failure: { code: 'ECS_UPDATE_ERROR', message: `${error.name}: ${error.message}` } };
    }
  }

  /** Everything that became due, in the order it happens. */
  protected override settle(d: DeploymentRecord): void {
    if (FINAL.has(d.status)) return;
    if (d.status === 'Created' && this.world.isPast(d.startsAt)) d.status = 'InProgress';
    if (d.status === 'InProgress' && !d.greenReady && this.world.isPast(d.greenReadyAt)) {
      // The replacement task set is up (or failed to come up); test traffic goes to it.
      if (d.failure || !d.plan) {
        this.fail(d, d.failure ?? { code: 'INTERNAL_ERROR', message: 'The deployment could not be planned.' }, d.greenReadyAt);
        return;
      }
      const routed = this.route(d.plan.testListenerArns, d.plan.blueTargetGroupArn, d.plan.greenTargetGroupArn);
      if (routed) {
        this.fail(d, routed, d.greenReadyAt);
        return;
      }
      d.greenReady = true;
      if (d.rerouteAt === undefined) d.status = 'Ready';
    }
    if (d.status === 'Ready' && d.rerouteAt === undefined && d.readyTimeoutAt !== undefined && this.world.isPast(d.readyTimeoutAt)) {
      this.end(d, 'Stopped', d.readyTimeoutAt, { code: 'TIMEOUT', message: 'Traffic was not rerouted before the end of the deployment ready wait time.' });
      this.withdrawTestTraffic(d);
      return;
    }
    if (d.plan && d.greenReady && !d.rerouted && d.rerouteAt !== undefined && this.world.isPast(d.rerouteAt)) {
      const failure = this.swap(d.plan, 'forward');
      if (failure) {
        this.fail(d, failure, d.rerouteAt);
        return;
      }
      d.rerouted = true;
      d.status = 'InProgress';
      d.completesAt ??= d.rerouteAt + d.trafficSeconds + d.terminationWaitSeconds;
    }
    if (d.rerouted && d.completesAt !== undefined && this.world.isPast(d.completesAt)) this.end(d, 'Succeeded', d.completesAt);
  }

  /**
   * Production traffic moves (`forward`: to the replacement task set) or moves back (`back`): the
   * service runs the task definition through the target group, and the listeners forward there.
   */
  private swap(plan: PlanRecord, direction: 'forward' | 'back'): ErrorInformation | undefined {
    const [from, to, taskDefinition] = direction === 'forward'
      ? [plan.blueTargetGroupArn, plan.greenTargetGroupArn, plan.taskDefinition]
      : [plan.greenTargetGroupArn, plan.blueTargetGroupArn, plan.previousTaskDefinition];
    const routed = this.route(direction === 'forward' ? plan.prodListenerArns : [...plan.prodListenerArns, ...plan.testListenerArns], from, to);
    if (routed) return routed;
    try {
      this.peers.ecs.applyCodeDeploy({
        cluster: plan.clusterName,
        service: plan.serviceName,
        taskDefinition,
        targetGroupArn: to,
        containerName: plan.containerName,
        containerPort: plan.containerPort,
      });
    } catch (error) {
      if (!isAwsError(error)) throw error;
      return { code: 'ECS_UPDATE_ERROR', message: `${error.name}: ${error.message}` };
    }
    return undefined;
  }

  /** Every forward sending traffic to `from` on these listeners (default action and rules) now sends it to `to`, weighted. */
  private route(listenerArns: string[], from: string, to: string): ErrorInformation | undefined {
    const elbv2 = this.peers.elbv2;
    try {
      for (const listenerArn of listenerArns) {
        for (const rule of elbv2.describeRules({ ListenerArn: listenerArn }).Rules ?? []) {
          const actions = shiftedTo(rule.Actions ?? [], from, to);
          if (!actions) continue;
          if (rule.IsDefault) elbv2.modifyListener({ ListenerArn: listenerArn, DefaultActions: actions });
          else elbv2.modifyRule({ RuleArn: rule.RuleArn, Actions: actions });
        }
      }
    } catch (error) {
      if (!isAwsError(error)) throw error;
      return { code: 'ELASTIC_LOAD_BALANCING_INVALID', message: `${error.name}: ${error.message}` };
    }
    return undefined;
  }

  /** A deployment that ends before production traffic moved takes test traffic back to the original task set. */
  private withdrawTestTraffic(d: DeploymentRecord): void {
    if (d.plan && d.greenReady && !d.rerouted) this.route(d.plan.testListenerArns, d.plan.greenTargetGroupArn, d.plan.blueTargetGroupArn);
  }

  private fail(d: DeploymentRecord, error: ErrorInformation, at: number): void {
    this.end(d, 'Failed', at, error);
    if (d.autoRollback.enabled && d.autoRollback.events.includes('DEPLOYMENT_FAILURE')) this.rollBack(d, at);
  }

  private end(d: DeploymentRecord, status: 'Succeeded' | 'Failed' | 'Stopped', at: number, error?: ErrorInformation): void {
    d.status = status;
    d.completedAt = at;
    if (error) d.errorInformation = error;
    const group = this.data.deploymentGroups[groupKey(d.applicationName, d.groupName)];
    if (status === 'Succeeded' && group) group.lastSuccessfulDeploymentId = d.id;
  }

  /**
   * CodeDeploy rolls back with a new deployment of the revision that ran before. Before the reroute
   * there is nothing to undo (the original task set still serves); after it, traffic moves back.
   */
  private rollBack(d: DeploymentRecord, at: number): void {
    const previousRevision = d.previousRevision
      ?? (d.plan ? appSpecRevision({ taskDefinition: d.plan.previousTaskDefinition, containerName: d.plan.containerName, containerPort: d.plan.containerPort }) : d.revision);
    const rollback: DeploymentRecord = {
      ...structuredClone(d),
      id: this.deploymentId(),
      creator: 'codeDeployRollback',
      revision: structuredClone(previousRevision),
      previousRevision: structuredClone(d.revision),
      status: 'Succeeded',
      createdAt: at,
      startsAt: at,
      greenReadyAt: at,
      rerouteAt: at,
      completesAt: at,
      completedAt: at,
      greenReady: true,
      rerouted: true,
      rollbackInfo: { rollbackTriggeringDeploymentId: d.id, rollbackMessage: `Rollback of deployment ${d.id}.` },
    };
    delete rollback.failure;
    delete rollback.errorInformation;
    delete rollback.description;
    delete rollback.readyTimeoutAt;
    delete rollback.plan;
    if (d.rerouted && d.plan) {
      const failure = this.swap(d.plan, 'back');
      if (failure) {
        rollback.status = 'Failed';
        rollback.errorInformation = failure;
      }
    }
    this.data.deployments[rollback.id] = rollback;
    d.rollbackInfo = { rollbackDeploymentId: rollback.id, rollbackMessage: `Deployment ${d.id} was rolled back by deployment ${rollback.id}.` };
    const group = this.data.deploymentGroups[groupKey(d.applicationName, d.groupName)];
    if (group) {
      group.lastAttemptedDeploymentId = rollback.id;
      if (rollback.status === 'Succeeded') group.lastSuccessfulDeploymentId = rollback.id;
    }
  }

  /** When the deployment ended or will end; undefined while it waits for ContinueDeployment. */
  protected endOf(d: DeploymentRecord): number | undefined {
    if (d.completedAt !== undefined) return d.completedAt;
    if (d.failure || !d.plan) return d.greenReadyAt;
    if (d.completesAt !== undefined) return d.completesAt;
    if (d.rerouteAt !== undefined) return d.rerouteAt + d.trafficSeconds + d.terminationWaitSeconds;
    return d.readyTimeoutAt;
  }

  protected checkNoActiveDeployment(group: DeploymentGroupRecord): void {
    const deployments = this.deploymentsOf(group);
    deployments.forEach((d) => this.settle(d));
    const active = deployments.find((d) => !FINAL.has(d.status));
    if (active) {
      throw cdError(DeploymentLimitExceededException, `The Deployment Group '${group.name}' already has an active Deployment '${active.id}'`);
    }
  }

  private deploymentOut(d: DeploymentRecord): DeploymentInfo {
    const overview: DeploymentOverview = { Pending: 0, InProgress: 0, Succeeded: 0, Failed: 0, Skipped: 0, Ready: 0 };
    const counted: keyof DeploymentOverview = d.status === 'Created' ? 'Pending'
      : d.status === 'Ready' ? 'Ready'
        : d.status === 'Succeeded' ? 'Succeeded'
          : d.status === 'Failed' || d.status === 'Stopped' ? 'Failed'
            : 'InProgress';
    overview[counted] = 1;
    const terminationWaitStarted = d.rerouted && d.completesAt !== undefined && this.world.isPast(d.completesAt - d.terminationWaitSeconds);
    return {
      applicationName: d.applicationName,
      deploymentGroupName: d.groupName,
      deploymentConfigName: d.deploymentConfigName,
      deploymentId: d.id,
      ...(d.previousRevision ? { previousRevision: structuredClone(d.previousRevision) } : {}),
      revision: structuredClone(d.revision),
      status: d.status,
      ...(d.errorInformation ? { errorInformation: { ...d.errorInformation } } : {}),
      createTime: this.dateAt(d.createdAt),
      ...(d.status !== 'Created' ? { startTime: this.dateAt(d.startsAt) } : {}),
      ...(d.completedAt !== undefined ? { completeTime: this.dateAt(d.completedAt) } : {}),
      deploymentOverview: overview,
      ...(d.description !== undefined ? { description: d.description } : {}),
      creator: d.creator,
      ignoreApplicationStopFailures: false,
      autoRollbackConfiguration: { enabled: d.autoRollback.enabled, events: [...d.autoRollback.events] },
      updateOutdatedInstancesOnly: false,
      ...(d.rollbackInfo ? { rollbackInfo: { ...d.rollbackInfo } } : {}),
      deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      instanceTerminationWaitTimeStarted: terminationWaitStarted,
      blueGreenDeploymentConfiguration: blueGreenOut(d.blueGreen),
      loadBalancerInfo: loadBalancerInfoOut(d.traffic),
      deploymentStatusMessages: [],
      computePlatform: 'ECS',
    };
  }
}
