// ECS (simulated): the records the model stores (clusters, task definitions, services with their
// deployments and events, tasks) and the constants its resource families share.
import {
  type CapacityProviderStrategyItem,
  type ClusterSetting,
  type Compatibility,
  type ContainerDefinition,
  type DeploymentConfiguration,
  type DeploymentControllerType,
  type LaunchType,
  type LoadBalancer,
  type NetworkConfiguration,
  type NetworkMode,
  type PropagateTags,
  type RuntimePlatform,
  type Volume,
} from '@aws-sdk/client-ecs';
import type { Tags } from '../../kernel/tags';
import type { Ec2Sandbox } from '../ec2';
import type { Elbv2Sandbox } from '../elbv2';
import type { EcrSandbox } from '../ecr';
import type { IamSandbox } from '../iam';
import type { SsmSandbox } from '../ssm';
import type { SecretsManagerSandbox } from '../secrets-manager';
import type { LogsSandbox } from '../logs';

export const NAME = /^[a-zA-Z0-9_-]{1,255}$/;
/** Stopped tasks stay describable this long (simulated seconds), as on AWS. */
export const STOPPED_TASK_RETENTION = 3600;
/** Service events kept, newest first. */
export const MAX_EVENTS = 100;
/** DescribeClusters and DescribeTasks take at most this many clusters / tasks per call (DescribeServices: 10). */
export const MAX_DESCRIBED_CLUSTERS = 100;
export const MAX_DESCRIBED_TASKS = 100;
export const FARGATE_PLATFORM_VERSION = '1.4.0';

// ---- Stored records ---------------------------------------------------------------------------

export interface ClusterRecord {
  arn: string;
  name: string;
  status: 'ACTIVE' | 'INACTIVE';
  settings: ClusterSetting[];
  tags: Tags;
}

export interface TaskDefinitionRecord {
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

export interface DeploymentRecord {
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

export interface ServiceEventRecord {
  id: string;
  at: number;
  message: string;
}

export interface ServiceRecord {
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
  /** ECS Exec: given to the tasks the service starts from then on (absent in worlds saved before it). */
  enableExecuteCommand?: boolean;
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

export interface TaskTarget {
  targetGroupArn: string;
  port: number;
}

export interface TaskRecord {
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
  /** Started with ECS Exec on (its service's setting when it started; absent: off). */
  enableExecuteCommand?: boolean;
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
/** logs: the tasks' start lines; ssm and secretsmanager: what a task's `secrets` name, read when it starts. */
export type EcsPeers = { ec2: Ec2Sandbox; elbv2: Elbv2Sandbox; ecr: EcrSandbox; iam: IamSandbox; logs: LogsSandbox; ssm: SsmSandbox; secretsmanager: SecretsManagerSandbox };
