// The pure decisions of the codedeploy step: the settings a deployment group gets, how a live
// group differs from them, and the AppSpec of a deployment.
import type { CreateDeploymentGroupCommandInput, DeploymentGroupInfo } from '@aws-sdk/client-codedeploy';
import type { Config } from '../../src/config';
import { greenTargetGroupName, targetGroupName } from '../alb';
import { sameSet } from '../lib/compare';
import { applicationName, deploymentGroupName } from '../lib/deployments';
import { CONTAINER_NAME, serviceName } from '../services';

/** The settings shipline gives a group, as CreateDeploymentGroup takes them. */
export function deploymentGroupSettings(
  config: Config,
  env: string,
  ids: { roleArn: string; cluster: string; productionListener: string; testListener: string },
): CreateDeploymentGroupCommandInput {
  return {
    applicationName: applicationName(config.stack),
    deploymentGroupName: deploymentGroupName(config.stack, env),
    serviceRoleArn: ids.roleArn,
    deploymentConfigName: config.deploy.deploymentConfig,
    deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
    blueGreenDeploymentConfiguration: {
      deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT' },
      terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: config.deploy.terminationWaitMinutes },
    },
    autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE'] },
    ecsServices: [{ clusterName: ids.cluster, serviceName: serviceName(config.stack, env) }],
    loadBalancerInfo: {
      targetGroupPairInfoList: [
        {
          targetGroups: [{ name: targetGroupName(config.stack, env) }, { name: greenTargetGroupName(config.stack, env) }],
          prodTrafficRoute: { listenerArns: [ids.productionListener] },
          testTrafficRoute: { listenerArns: [ids.testListener] },
        },
      ],
    },
  };
}

/** The settings of `want` that `have` does not have, by name. */
export function deploymentGroupDrift(have: DeploymentGroupInfo, want: CreateDeploymentGroupCommandInput): string[] {
  const changes: string[] = [];
  if (have.serviceRoleArn !== want.serviceRoleArn) changes.push('service role');
  if (have.deploymentConfigName !== want.deploymentConfigName) changes.push('deployment config');
  if (have.deploymentStyle?.deploymentType !== 'BLUE_GREEN' || have.deploymentStyle.deploymentOption !== 'WITH_TRAFFIC_CONTROL') changes.push('deployment style');
  const bg = have.blueGreenDeploymentConfiguration;
  const wantBg = want.blueGreenDeploymentConfiguration!;
  if (
    bg?.deploymentReadyOption?.actionOnTimeout !== wantBg.deploymentReadyOption!.actionOnTimeout ||
    bg?.terminateBlueInstancesOnDeploymentSuccess?.action !== 'TERMINATE' ||
    bg.terminateBlueInstancesOnDeploymentSuccess.terminationWaitTimeInMinutes !== wantBg.terminateBlueInstancesOnDeploymentSuccess!.terminationWaitTimeInMinutes
  ) {
    changes.push('blue/green configuration');
  }
  const rollback = have.autoRollbackConfiguration;
  if (rollback?.enabled !== true || !sameSet(rollback.events, want.autoRollbackConfiguration!.events)) changes.push('automatic rollback');
  const service = have.ecsServices?.[0];
  const wantService = want.ecsServices![0]!;
  if ((have.ecsServices?.length ?? 0) !== 1 || service?.serviceName !== wantService.serviceName || clusterOf(service?.clusterName) !== wantService.clusterName) {
    changes.push('ECS service');
  }
  const pair = have.loadBalancerInfo?.targetGroupPairInfoList;
  const wantPair = want.loadBalancerInfo!.targetGroupPairInfoList![0]!;
  if (
    pair?.length !== 1 ||
    !sameSet(pair[0]!.targetGroups?.map((t) => t.name), wantPair.targetGroups!.map((t) => t.name)) ||
    !sameSet(pair[0]!.prodTrafficRoute?.listenerArns, wantPair.prodTrafficRoute!.listenerArns) ||
    !sameSet(pair[0]!.testTrafficRoute?.listenerArns, wantPair.testTrafficRoute!.listenerArns)
  ) {
    changes.push('load balancer');
  }
  return changes;
}

/** A deployment group as CreateDeploymentGroup made it (what GetDeploymentGroup would answer). */
export function asInfo(input: CreateDeploymentGroupCommandInput): DeploymentGroupInfo {
  const { autoScalingGroups: _, ...settings } = input;
  return { ...settings, computePlatform: 'ECS' };
}

/** The AppSpec of an ECS deployment of `taskDefinition`: the container and port behind the load balancer. */
export function appSpecContent(taskDefinition: string, containerPort: number): string {
  return JSON.stringify({
    version: 0.0,
    Resources: [
      {
        TargetService: {
          Type: 'AWS::ECS::Service',
          Properties: { TaskDefinition: taskDefinition, LoadBalancerInfo: { ContainerName: CONTAINER_NAME, ContainerPort: containerPort } },
        },
      },
    ],
  });
}

/** CodeDeploy answers the cluster as it was given: a name, or an ARN. */
function clusterOf(cluster: string | undefined): string | undefined {
  return cluster?.startsWith('arn:') ? cluster.slice(cluster.lastIndexOf('/') + 1) : cluster;
}
