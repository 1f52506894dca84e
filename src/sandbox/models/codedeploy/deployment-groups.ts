// CodeDeploy ECS blue/green deployment groups: create, read, list, update, delete, and the checks of
// their settings against the ECS service, target groups, listeners and role they name.
import {
  type BatchGetDeploymentGroupsCommandInput,
  type BatchGetDeploymentGroupsCommandOutput,
  BatchLimitExceededException,
  type CreateDeploymentGroupCommandInput,
  type CreateDeploymentGroupCommandOutput,
  type DeleteDeploymentGroupCommandInput,
  type DeleteDeploymentGroupCommandOutput,
  DeploymentGroupAlreadyExistsException,
  type DeploymentGroupInfo,
  DeploymentGroupNameRequiredException,
  ECSServiceMappingLimitExceededException,
  type GetDeploymentGroupCommandInput,
  type GetDeploymentGroupCommandOutput,
  InvalidDeploymentStyleException,
  InvalidECSServiceException,
  InvalidLoadBalancerInfoException,
  InvalidRoleException,
  InvalidTargetGroupPairException,
  type LastDeploymentInfo,
  type ListDeploymentGroupsCommandInput,
  type ListDeploymentGroupsCommandOutput,
  RoleRequiredException,
  type UpdateDeploymentGroupCommandInput,
  type UpdateDeploymentGroupCommandOutput,
} from '@aws-sdk/client-codedeploy';
import { SandboxNotModelled } from '../../kernel/errors';
import type { Out } from '../../kernel/service';
import { tagsFromList } from '../../kernel/tags';
import { pageOf } from '../../kernel/pages';
import { CodeDeployApplications } from './applications';
import {
  BATCH_LIMIT,
  listLimits,
  blueGreenOut,
  cdError,
  checkDeploymentConfig,
  checkedAutoRollback,
  checkedBlueGreen,
  checkGroupName,
  groupKey,
  isAwsError,
  loadBalancerInfoOut,
  sameService,
} from './checks';
import {
  type ApplicationRecord,
  DEFAULT_ECS_CONFIG,
  type DeploymentGroupRecord,
  type GroupSettings,
  type TrafficRecord,
} from './records';

export abstract class CodeDeployDeploymentGroups extends CodeDeployApplications {
  // ---- Deployment groups -----------------------------------------------------------------------

  createDeploymentGroup(input: CreateDeploymentGroupCommandInput): Out<CreateDeploymentGroupCommandOutput> {
    const application = this.application(input.applicationName);
    const name = checkGroupName(input.deploymentGroupName);
    if (this.data.deploymentGroups[groupKey(application.name, name)]) {
      throw cdError(DeploymentGroupAlreadyExistsException, `Deployment group ${name} already exists for application ${application.name}`);
    }
    const settings = this.checkedSettings(application, input, undefined);
    const group: DeploymentGroupRecord = {
      applicationName: application.name,
      name,
      id: this.uuid(),
      ...settings,
      tags: tagsFromList(input.tags),
      failNextDeployments: 0,
    };
    this.data.deploymentGroups[groupKey(application.name, name)] = group;
    return { deploymentGroupId: group.id };
  }

  getDeploymentGroup(input: GetDeploymentGroupCommandInput): Out<GetDeploymentGroupCommandOutput> {
    const group = this.group(input.applicationName, input.deploymentGroupName);
    return { deploymentGroupInfo: this.groupOut(group) };
  }

  /** Groups not found are left out of `deploymentGroupsInfo` and named in `errorMessage`: no error (AWS). */
  batchGetDeploymentGroups(input: BatchGetDeploymentGroupsCommandInput): Out<BatchGetDeploymentGroupsCommandOutput> {
    const application = this.application(input.applicationName);
    const names = input.deploymentGroupNames ?? [];
    if (names.length === 0) throw cdError(DeploymentGroupNameRequiredException, 'The deployment group name was not specified.');
    if (names.length > BATCH_LIMIT) {
      throw cdError(BatchLimitExceededException, `The maximum number of names or IDs allowed for this request (${BATCH_LIMIT}) was exceeded.`);
    }
    names.forEach(checkGroupName);
    const found = names.flatMap((name) => this.data.deploymentGroups[groupKey(application.name, name)] ?? []);
    const missing = names.filter((name) => !this.data.deploymentGroups[groupKey(application.name, name)]);
    return {
      deploymentGroupsInfo: found.map((group) => this.groupOut(group)),
      ...(missing.length > 0 ? { errorMessage: `Deployment groups not found for application ${application.name}: ${missing.join(', ')}` } : {}),
    };
  }

  listDeploymentGroups(input: ListDeploymentGroupsCommandInput): Out<ListDeploymentGroupsCommandOutput> {
    const application = this.application(input.applicationName);
    const names = this.groupsOf(application.name).map((g) => g.name).sort();
    const page = pageOf(this.world, names, { token: input.nextToken, scope: application.name }, listLimits('ListDeploymentGroups'));
    return { applicationName: application.name, deploymentGroups: page.items, ...(page.next ? { nextToken: page.next } : {}) };
  }

  /** Fields given replace the group's; others stay. `newDeploymentGroupName` renames it. */
  updateDeploymentGroup(input: UpdateDeploymentGroupCommandInput): Out<UpdateDeploymentGroupCommandOutput> {
    const group = this.group(input.applicationName, input.currentDeploymentGroupName);
    const application = this.application(group.applicationName);
    const newName = input.newDeploymentGroupName === undefined ? group.name : checkGroupName(input.newDeploymentGroupName);
    if (newName !== group.name && this.data.deploymentGroups[groupKey(application.name, newName)]) {
      throw cdError(DeploymentGroupAlreadyExistsException, `Deployment group ${newName} already exists for application ${application.name}`);
    }
    const settings = this.checkedSettings(application, input, group);
    Object.assign(group, settings);
    if (newName !== group.name) {
      delete this.data.deploymentGroups[groupKey(application.name, group.name)];
      for (const deployment of this.deploymentsOf(group)) deployment.groupName = newName;
      group.name = newName;
      this.data.deploymentGroups[groupKey(application.name, newName)] = group;
    }
    return { hooksNotCleanedUp: [] };
  }

  /** A missing deployment group is no error (AWS lists no not-found error for this call). */
  deleteDeploymentGroup(input: DeleteDeploymentGroupCommandInput): Out<DeleteDeploymentGroupCommandOutput> {
    const application = this.application(input.applicationName);
    const name = checkGroupName(input.deploymentGroupName);
    delete this.data.deploymentGroups[groupKey(application.name, name)];
    return { hooksNotCleanedUp: [] };
  }

  // ---- Deployment group settings ---------------------------------------------------------------

  /** The settings a create or update asks for (an update's missing fields from `current`), checked as AWS does. */
  private checkedSettings(
    application: ApplicationRecord,
    input: CreateDeploymentGroupCommandInput | UpdateDeploymentGroupCommandInput,
    current: DeploymentGroupRecord | undefined,
  ): GroupSettings {
    if (application.computePlatform !== 'ECS') {
      throw new SandboxNotModelled(`the sandbox models ECS deployment groups only (application ${application.name} is ${application.computePlatform})`);
    }
    const unmodelled = [
      input.ec2TagFilters?.length, input.onPremisesInstanceTagFilters?.length, input.autoScalingGroups?.length,
      input.triggerConfigurations?.length, input.ec2TagSet, input.onPremisesTagSet, input.alarmConfiguration?.enabled,
      input.terminationHookEnabled,
    ];
    if (unmodelled.some(Boolean)) {
      throw new SandboxNotModelled('the sandbox does not model EC2/on-premises targets, triggers, alarms or termination hooks in deployment groups');
    }

    const serviceRoleArn = input.serviceRoleArn ?? current?.serviceRoleArn;
    if (!serviceRoleArn) throw cdError(RoleRequiredException, 'The service role ARN was not specified.');
    if (input.serviceRoleArn !== undefined) this.checkRole(serviceRoleArn);

    const deploymentConfigName = input.deploymentConfigName ?? current?.deploymentConfigName ?? DEFAULT_ECS_CONFIG;
    checkDeploymentConfig(deploymentConfigName);

    const style = input.deploymentStyle;
    if (style || !current) {
      if (style?.deploymentType !== 'BLUE_GREEN' || style.deploymentOption !== 'WITH_TRAFFIC_CONTROL') {
        throw cdError(
          InvalidDeploymentStyleException,
          'For the ECS compute platform, the deployment style must be BLUE_GREEN with WITH_TRAFFIC_CONTROL.',
        );
      }
    }

    const blueGreen = input.blueGreenDeploymentConfiguration !== undefined || !current
      ? checkedBlueGreen(input.blueGreenDeploymentConfiguration)
      : current.blueGreen;
    const autoRollback = input.autoRollbackConfiguration !== undefined || !current
      ? checkedAutoRollback(input.autoRollbackConfiguration)
      : current.autoRollback;

    const ecsService = input.ecsServices !== undefined || !current
      ? this.checkedEcsService(input.ecsServices, current)
      : { clusterName: current.clusterName, serviceName: current.serviceName };
    const traffic = input.loadBalancerInfo !== undefined || !current
      ? this.checkedTraffic(input.loadBalancerInfo)
      : { targetGroupNames: current.targetGroupNames, prodListenerArns: current.prodListenerArns, testListenerArns: current.testListenerArns };

    return { deploymentConfigName, serviceRoleArn, blueGreen, autoRollback, ...ecsService, ...traffic };
  }

  /** The role must exist in IAM under exactly that ARN. */
  private checkRole(arn: string): void {
    const name = /^arn:aws[\w-]*:iam::\d{12}:role\/(?:[\w+=,.@/-]*\/)?([\w+=,.@-]+)$/.exec(arn)?.[1];
    let found: string | undefined;
    try {
      found = name === undefined ? undefined : this.peers.iam.getRole({ RoleName: name }).Role?.Arn;
    } catch (error) {
      if (!isAwsError(error)) throw error;
    }
    if (found !== arn) throw cdError(InvalidRoleException, `AWS CodeDeploy does not have the permissions required to assume the role ${arn}.`);
  }

  /** One ECS service, ACTIVE, deployed by CODE_DEPLOY, in no other deployment group. */
  private checkedEcsService(
    services: CreateDeploymentGroupCommandInput['ecsServices'],
    current: DeploymentGroupRecord | undefined,
  ): { clusterName: string; serviceName: string } {
    const list = services ?? [];
    if (list.length > 1) throw cdError(ECSServiceMappingLimitExceededException, 'A deployment group can deploy to one ECS service only.');
    const clusterName = list[0]?.clusterName;
    const serviceName = list[0]?.serviceName;
    if (!clusterName || !serviceName) throw cdError(InvalidECSServiceException, 'The ECS service name and cluster name must be specified.');
    const invalid = (why: string) => cdError(InvalidECSServiceException, `The ECS service ${serviceName} in cluster ${clusterName} ${why}.`);
    let service;
    try {
      service = this.peers.ecs.describeServices({ cluster: clusterName, services: [serviceName] }).services?.[0];
    } catch (error) {
      if (!isAwsError(error)) throw error;
      throw invalid(`cannot be found (${error.name})`);
    }
    if (!service || service.status !== 'ACTIVE') throw invalid('does not exist or is not ACTIVE');
    if (service.deploymentController?.type !== 'CODE_DEPLOY') throw invalid('does not use the CODE_DEPLOY deployment controller');
    const other = Object.values(this.data.deploymentGroups).find(
      (g) => g !== current && sameService(g.clusterName, clusterName) && g.serviceName === serviceName,
    );
    if (other) throw invalid(`is already associated with deployment group ${other.applicationName}/${other.name}`);
    return { clusterName, serviceName };
  }

  /** One target group pair: two existing target groups, one production listener, at most one test listener. */
  private checkedTraffic(info: CreateDeploymentGroupCommandInput['loadBalancerInfo']): TrafficRecord {
    if (info?.elbInfoList?.length || info?.targetGroupInfoList?.length) {
      throw cdError(InvalidLoadBalancerInfoException, 'For the ECS compute platform, specify the load balancer with targetGroupPairInfoList only.');
    }
    const pairs = info?.targetGroupPairInfoList ?? [];
    const pair = pairs[0];
    if (!pair || pairs.length > 1) {
      throw cdError(InvalidLoadBalancerInfoException, 'An ECS deployment group needs exactly one target group pair in loadBalancerInfo.targetGroupPairInfoList.');
    }
    const targetGroupNames = (pair.targetGroups ?? []).map((t) => t.name ?? '');
    if (targetGroupNames.length !== 2 || targetGroupNames.some((n) => n === '') || targetGroupNames[0] === targetGroupNames[1]) {
      throw cdError(InvalidTargetGroupPairException, 'A target group pair must name two different target groups.');
    }
    const elbv2 = this.peers.elbv2;
    for (const name of targetGroupNames) {
      try {
        elbv2.describeTargetGroups({ Names: [name] });
      } catch (error) {
        if (!isAwsError(error)) throw error;
        throw cdError(InvalidTargetGroupPairException, `The target group ${name} does not exist.`);
      }
    }
    const prodListenerArns = [...(pair.prodTrafficRoute?.listenerArns ?? [])];
    const testListenerArns = [...(pair.testTrafficRoute?.listenerArns ?? [])];
    if (prodListenerArns.length !== 1) throw cdError(InvalidTargetGroupPairException, 'A target group pair needs exactly one production listener.');
    if (testListenerArns.length > 1) throw cdError(InvalidTargetGroupPairException, 'A target group pair takes at most one test listener.');
    for (const arn of [...prodListenerArns, ...testListenerArns]) {
      try {
        elbv2.describeListeners({ ListenerArns: [arn] });
      } catch (error) {
        if (!isAwsError(error)) throw error;
        throw cdError(InvalidTargetGroupPairException, `The listener ${arn} does not exist.`);
      }
    }
    return { targetGroupNames, prodListenerArns, testListenerArns };
  }

  private groupOut(group: DeploymentGroupRecord): DeploymentGroupInfo {
    const last = (id: string | undefined): LastDeploymentInfo | undefined => {
      const deployment = id === undefined ? undefined : this.data.deployments[id];
      if (!deployment) return undefined;
      this.settle(deployment);
      return {
        deploymentId: deployment.id,
        status: deployment.status,
        createTime: this.dateAt(deployment.createdAt),
        ...(deployment.completedAt !== undefined ? { endTime: this.dateAt(deployment.completedAt) } : {}),
      };
    };
    const lastAttempted = last(group.lastAttemptedDeploymentId);
    const lastSuccessful = last(group.lastSuccessfulDeploymentId);
    const target = group.lastAttemptedDeploymentId ? this.data.deployments[group.lastAttemptedDeploymentId]?.revision : undefined;
    return {
      applicationName: group.applicationName,
      deploymentGroupId: group.id,
      deploymentGroupName: group.name,
      deploymentConfigName: group.deploymentConfigName,
      ec2TagFilters: [],
      onPremisesInstanceTagFilters: [],
      autoScalingGroups: [],
      serviceRoleArn: group.serviceRoleArn,
      ...(target ? { targetRevision: structuredClone(target) } : {}),
      triggerConfigurations: [],
      alarmConfiguration: { enabled: false, ignorePollAlarmFailure: false, alarms: [] },
      autoRollbackConfiguration: { enabled: group.autoRollback.enabled, events: [...group.autoRollback.events] },
      deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      outdatedInstancesStrategy: 'UPDATE',
      blueGreenDeploymentConfiguration: blueGreenOut(group.blueGreen),
      loadBalancerInfo: loadBalancerInfoOut(group),
      ...(lastSuccessful ? { lastSuccessfulDeployment: lastSuccessful } : {}),
      ...(lastAttempted ? { lastAttemptedDeployment: lastAttempted } : {}),
      computePlatform: 'ECS',
      ecsServices: [{ serviceName: group.serviceName, clusterName: group.clusterName }],
      terminationHookEnabled: false,
    };
  }
}
