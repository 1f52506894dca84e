// What an environment's ECS service should be, decided from the config and what state and AWS
// reported, and nothing else: pure functions, no calls (test/golden/ pins their output per config shape).
import type {
  CreateServiceCommandInput,
  DeploymentConfiguration,
  LoadBalancer,
  NetworkConfiguration,
  Service,
  UpdateServiceCommandInput,
} from '@aws-sdk/client-ecs';
import type { Config, EnvironmentConfig } from '../../src/config';
import { initialDesiredCount, settingsOf } from '../../src/service-config';
import type { Tag } from '../../src/tags';
import { sameSet } from '../lib/compare';
import { toEcsTags } from '../lib/owned';
import { BLUE_GREEN_DEPLOYMENT, CONTAINER_NAME, controllerFor, DEPLOYMENT } from './names';

/** The settings of a service that provision compares with what DescribeServices reports. */
export interface ServiceSettings {
  taskDefinition: string;
  /** The count a new service starts with (inside the autoscaling range, when there is one). */
  desiredCount: number;
  /**
   * With autoscaling, the count is the autoscaler's: provision only brings one outside [min, max]
   * back to the nearest bound, and never resets one inside it.
   */
  desiredRange: { min: number; max: number } | null;
  /** From the environment's `healthCheck.gracePeriodSeconds`. */
  healthCheckGracePeriodSeconds: number;
  networkConfiguration: NetworkConfiguration;
  loadBalancers: LoadBalancer[];
  /** ECS Exec (the environment's `exec`). */
  enableExecuteCommand: boolean;
}

/** What the settings take from state and the other steps: the IDs the service runs on. */
export interface ServiceFacts {
  /** The private subnets' IDs. */
  subnets: readonly string[];
  securityGroup: string;
  /** The environment's (first) target group. */
  targetGroupArn: string | undefined;
  /** The revision to run: the running one, or the one registered in this run. */
  taskDefinition: string;
}

export function serviceSettings(config: Pick<Config, 'services'>, env: EnvironmentConfig, facts: ServiceFacts): ServiceSettings {
  const settings = settingsOf(config, env);
  const range = settings.autoscaling;
  return {
    taskDefinition: facts.taskDefinition,
    desiredCount: initialDesiredCount(env, settings),
    desiredRange: range ? { min: range.min, max: range.max } : null,
    healthCheckGracePeriodSeconds: settings.healthCheck.gracePeriodSeconds,
    networkConfiguration: {
      awsvpcConfiguration: { subnets: [...facts.subnets], securityGroups: [facts.securityGroup], assignPublicIp: 'DISABLED' },
    },
    loadBalancers: [{ targetGroupArn: facts.targetGroupArn, containerName: CONTAINER_NAME, containerPort: config.services.containerPort }],
    enableExecuteCommand: settingsOf(config, env).exec,
  };
}

/** The deployment settings the strategy's controller takes. */
export const deploymentFor = (config: Pick<Config, 'deploy'>): DeploymentConfiguration =>
  controllerFor(config) === 'CODE_DEPLOY' ? BLUE_GREEN_DEPLOYMENT : DEPLOYMENT;

/**
 * CreateService's input. `startOn` is the target group the service registers its tasks with: a
 * CODE_DEPLOY service starts on the group of its pair that the production route serves.
 */
export function createServiceInput(
  config: Pick<Config, 'deploy'>,
  want: ServiceSettings,
  ids: { cluster: string | undefined; serviceName: string; startOn: string | undefined; tags: readonly Tag[]; clientToken: string | undefined },
): CreateServiceCommandInput {
  return {
    cluster: ids.cluster,
    serviceName: ids.serviceName,
    taskDefinition: want.taskDefinition,
    desiredCount: want.desiredCount,
    launchType: 'FARGATE',
    networkConfiguration: want.networkConfiguration,
    loadBalancers: want.loadBalancers.map((lb) => ({ ...lb, targetGroupArn: ids.startOn })),
    deploymentController: { type: controllerFor(config) },
    deploymentConfiguration: deploymentFor(config),
    healthCheckGracePeriodSeconds: want.healthCheckGracePeriodSeconds,
    propagateTags: 'SERVICE',
    enableECSManagedTags: true,
    ...(want.enableExecuteCommand ? { enableExecuteCommand: true } : {}),
    tags: toEcsTags(ids.tags),
    clientToken: ids.clientToken,
  };
}

/**
 * The desired count a service reporting `current` should have: the config's, or with autoscaling
 * the current one held inside [min, max] (what the autoscaler set stays).
 */
export function wantedDesiredCount(want: Pick<ServiceSettings, 'desiredCount' | 'desiredRange'>, current: number | undefined): number {
  const range = want.desiredRange;
  if (!range || current === undefined) return want.desiredCount;
  return Math.min(Math.max(current, range.min), range.max);
}

/** UpdateService's input: only what drifted (`changes`, as serviceDrift names them) of the service as reported (`s`). */
export function updateServiceInput(
  config: Pick<Config, 'deploy'>,
  want: ServiceSettings,
  ids: { cluster: string | undefined; service: string | undefined },
  changes: readonly string[],
  s?: Pick<Service, 'desiredCount'>,
): UpdateServiceCommandInput {
  const input: UpdateServiceCommandInput = { cluster: ids.cluster, service: ids.service };
  if (changes.includes('taskDefinition')) input.taskDefinition = want.taskDefinition;
  if (changes.includes('desiredCount')) input.desiredCount = wantedDesiredCount(want, s?.desiredCount);
  if (changes.includes('networkConfiguration')) input.networkConfiguration = want.networkConfiguration;
  if (changes.includes('loadBalancers')) input.loadBalancers = want.loadBalancers;
  if (changes.includes('deploymentConfiguration')) input.deploymentConfiguration = deploymentFor(config);
  if (changes.includes('healthCheckGracePeriod')) input.healthCheckGracePeriodSeconds = want.healthCheckGracePeriodSeconds;
  if (changes.includes('tagPropagation')) {
    input.propagateTags = 'SERVICE';
    input.enableECSManagedTags = true;
  }
  if (changes.includes('enableExecuteCommand')) {
    input.enableExecuteCommand = want.enableExecuteCommand;
    // Running tasks keep the setting they started with: a new deployment gives it to all of them
    // (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html).
    input.forceNewDeployment = true;
  }
  return input;
}

/** What of the settings a rolling (ECS controller) service, as reported, lacks. */
export function serviceDrift(s: Service, want: ServiceSettings): string[] {
  const changes: string[] = [];
  if (s.taskDefinition !== want.taskDefinition) changes.push('taskDefinition');
  if (s.desiredCount !== wantedDesiredCount(want, s.desiredCount)) changes.push('desiredCount');
  const have = s.networkConfiguration?.awsvpcConfiguration;
  const wanted = want.networkConfiguration.awsvpcConfiguration!;
  if (!sameSet(have?.subnets, wanted.subnets) || !sameSet(have?.securityGroups, wanted.securityGroups) || (have?.assignPublicIp ?? 'DISABLED') !== 'DISABLED') {
    changes.push('networkConfiguration');
  }
  const lbs = s.loadBalancers ?? [];
  const lb = want.loadBalancers[0]!;
  if (lbs.length !== 1 || lbs[0]?.targetGroupArn !== lb.targetGroupArn || lbs[0]?.containerName !== lb.containerName || lbs[0]?.containerPort !== lb.containerPort) {
    changes.push('loadBalancers');
  }
  const dc = s.deploymentConfiguration;
  if (
    dc?.deploymentCircuitBreaker?.enable !== true ||
    dc.deploymentCircuitBreaker.rollback !== true ||
    dc.minimumHealthyPercent !== DEPLOYMENT.minimumHealthyPercent ||
    dc.maximumPercent !== DEPLOYMENT.maximumPercent
  ) {
    changes.push('deploymentConfiguration');
  }
  if (s.healthCheckGracePeriodSeconds !== want.healthCheckGracePeriodSeconds) changes.push('healthCheckGracePeriod');
  if (s.propagateTags !== 'SERVICE' || s.enableECSManagedTags !== true) changes.push('tagPropagation');
  if ((s.enableExecuteCommand ?? false) !== want.enableExecuteCommand) changes.push('enableExecuteCommand');
  return changes;
}

/**
 * A CODE_DEPLOY service: UpdateService cannot change its task definition, network or load
 * balancers. A new task definition goes through CodeDeploy (the codedeploy step); the network and
 * load balancers only change with a new service: `unchangeable` names them, for the step to say so.
 * `pair` is the environment's two target groups: the service may run on either.
 */
export function blueGreenServiceDrift(
  s: Service,
  want: ServiceSettings,
  pair: ReadonlyArray<string | undefined>,
): { changes: string[]; unchangeable: string[] } {
  const changes = serviceDrift(s, want).filter((c) => !['taskDefinition', 'networkConfiguration', 'loadBalancers', 'deploymentConfiguration', 'enableExecuteCommand'].includes(c));
  const dc = s.deploymentConfiguration;
  if (dc?.minimumHealthyPercent !== BLUE_GREEN_DEPLOYMENT.minimumHealthyPercent || dc?.maximumPercent !== BLUE_GREEN_DEPLOYMENT.maximumPercent) {
    changes.push('deploymentConfiguration');
  }
  // UpdateService does not change ECS Exec on a CODE_DEPLOY service (API_UpdateService.html lists what it changes).
  const unchangeable: string[] = serviceDrift(s, want).filter((c) => c === 'networkConfiguration' || c === 'enableExecuteCommand');
  const lb = s.loadBalancers?.[0];
  if ((s.loadBalancers?.length ?? 0) !== 1 || !pair.includes(lb?.targetGroupArn) || lb?.containerName !== CONTAINER_NAME || lb?.containerPort !== want.loadBalancers[0]!.containerPort) {
    unchangeable.push('loadBalancers');
  }
  return { changes, unchangeable };
}
