// The services step's state keys, its derived AWS names and the deployment settings it owns: shared by
// every file of the step (and read by the codedeploy, pipeline and status code).
import type { DeploymentConfiguration, DeploymentControllerType, Service } from '@aws-sdk/client-ecs';
import type { Config } from '../../src/config';

export const CONTAINER_NAME = 'web';

export const KEYS = {
  securityGroup: (env: string) => `services.securityGroup.${env}`,
  taskDefinition: (env: string) => `services.taskDefinition.${env}`,
  service: (env: string) => `services.service.${env}`,
  /** An environment's own task role (its `taskRole` overrides the shared one). */
  taskRole: (env: string) => `services.taskRole.${env}`,
  /** Application Auto Scaling: the scalable target on the service's desired count, and its policies. */
  scalableTarget: (env: string) => `services.scalableTarget.${env}`,
  cpuPolicy: (env: string) => `services.cpuPolicy.${env}`,
  memoryPolicy: (env: string) => `services.memoryPolicy.${env}`,
  requestsPolicy: (env: string) => `services.requestsPolicy.${env}`,
};
/** The task role the environments without their own share. */
export const SHARED_TASK_ROLE_KEY = 'services.sharedTaskRole';

export const serviceName = (stack: string, env: string) => `${stack}-${env}`;
export const taskFamily = (stack: string, env: string) => `${stack}-${env}`;
export const securityGroupPart = (env: string) => `${env}-svc`;

export const DEPLOYMENT: DeploymentConfiguration = {
  deploymentCircuitBreaker: { enable: true, rollback: true },
  minimumHealthyPercent: 100,
  maximumPercent: 200,
};
/** CODE_DEPLOY services take no circuit breaker: CodeDeploy's automatic rollback stands in for it. */
export const BLUE_GREEN_DEPLOYMENT: DeploymentConfiguration = { minimumHealthyPercent: 100, maximumPercent: 200 };

/** The deployment controller the config's strategy needs. */
export const controllerFor = (config: Pick<Config, 'deploy'>): DeploymentControllerType =>
  config.deploy.strategy === 'blue-green' ? 'CODE_DEPLOY' : 'ECS';
export const controllerOf = (s: Service): DeploymentControllerType => s.deploymentController?.type ?? 'ECS';
export const INACTIVE_TIMEOUT_SECONDS = 600;
/** How long a new role may take to be usable by ECS (IAM propagates in seconds, rarely a minute). */
export const ROLE_PROPAGATION_SECONDS = 120;
/** DescribeServices takes at most 10 services. */
export const DESCRIBE_LIMIT = 10;

/** The services of the stack's cluster as DescribeServices reported them, by name (any status). */
export type LiveServices = Map<string, Service>;

export interface EnsuredService {
  name: string;
  controller: DeploymentControllerType;
  /** Created or changed by this run (the service itself or its task definition). */
  changed: boolean;
  /** Running what it should, as last read: no wait needed. */
  steady: boolean;
}


