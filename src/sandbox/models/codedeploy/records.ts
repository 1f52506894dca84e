// CodeDeploy's stored records (plain JSON in `data`) and the constants every family reads.
import type {
  AutoRollbackEvent,
  ComputePlatform,
  DeploymentCreator,
  DeploymentReadyAction,
  DeploymentStatus,
  ErrorInformation,
  RevisionLocation,
  RollbackInfo,
} from '@aws-sdk/client-codedeploy';
import type { Tags } from '../../kernel/tags';
import type { EcsSandbox } from '../ecs';
import type { Elbv2Sandbox } from '../elbv2';
import type { IamSandbox } from '../iam';

export const NAME = /^[\w.+@=,-]{1,100}$/;
export const DEPLOYMENT_ID = /^d-[A-Z0-9]{9}$/;
/** The longest blue/green wait AWS accepts (2 days). */
export const MAX_WAIT_MINUTES = 2880;
export const DEFAULT_ECS_CONFIG = 'CodeDeployDefault.ECSAllAtOnce';
/** The predefined ECS deployment configurations, with the simulated seconds their traffic shift takes. */
export const ECS_CONFIGS: Record<string, number> = {
  'CodeDeployDefault.ECSAllAtOnce': 0,
  'CodeDeployDefault.ECSLinear10PercentEvery1Minutes': 10 * 60,
  'CodeDeployDefault.ECSLinear10PercentEvery3Minutes': 30 * 60,
  'CodeDeployDefault.ECSCanary10Percent5Minutes': 5 * 60,
  'CodeDeployDefault.ECSCanary10Percent15Minutes': 15 * 60,
};
export const FINAL: ReadonlySet<DeploymentStatus> = new Set<DeploymentStatus>(['Succeeded', 'Failed', 'Stopped']);

// ---- Stored records ---------------------------------------------------------------------------

export interface ApplicationRecord {
  name: string;
  id: string;
  computePlatform: ComputePlatform;
  createdAt: number;
  tags: Tags;
}

export interface BlueGreenRecord {
  terminationWaitMinutes: number;
  actionOnTimeout: DeploymentReadyAction;
  readyWaitMinutes: number;
}

export interface AutoRollbackRecord {
  enabled: boolean;
  events: AutoRollbackEvent[];
}

/** Where a deployment group's traffic goes: the target group pair and its listeners. */
export interface TrafficRecord {
  targetGroupNames: string[];
  prodListenerArns: string[];
  testListenerArns: string[];
}

/** A deployment group's settings, as CreateDeploymentGroup / UpdateDeploymentGroup set them. */
export interface GroupSettings extends TrafficRecord {
  deploymentConfigName: string;
  serviceRoleArn: string;
  blueGreen: BlueGreenRecord;
  autoRollback: AutoRollbackRecord;
  clusterName: string;
  serviceName: string;
}

export interface DeploymentGroupRecord extends GroupSettings {
  applicationName: string;
  name: string;
  id: string;
  tags: Tags;
  lastAttemptedDeploymentId?: string;
  lastSuccessfulDeploymentId?: string;
  /** Non-AWS: how many of the next deployments fail (simulateDeploymentFailure). */
  failNextDeployments: number;
}

/** What a deployment does, worked out when it is created from the AppSpec and the group's resources. */
export interface PlanRecord {
  clusterName: string;
  serviceName: string;
  taskDefinition: string;
  /** What the service ran before: a rollback goes back to it. */
  previousTaskDefinition: string;
  containerName: string;
  containerPort: number;
  /** The target group the production listener forwards to now (the original task set's)… */
  blueTargetGroupArn: string;
  /** …and the other one of the pair, which the replacement task set registers in. */
  greenTargetGroupArn: string;
  prodListenerArns: string[];
  testListenerArns: string[];
}

export interface DeploymentRecord {
  id: string;
  applicationName: string;
  groupName: string;
  deploymentConfigName: string;
  creator: DeploymentCreator;
  description?: string;
  revision: RevisionLocation;
  previousRevision?: RevisionLocation;
  autoRollback: AutoRollbackRecord;
  blueGreen: BlueGreenRecord;
  traffic: TrafficRecord;
  status: DeploymentStatus;
  /** Simulated seconds: Created → InProgress at `startsAt`; the replacement task set is up at `greenReadyAt`. */
  createdAt: number;
  startsAt: number;
  greenReadyAt: number;
  /** When production traffic moves; unset while a STOP_DEPLOYMENT ready wait waits for ContinueDeployment. */
  rerouteAt?: number;
  /** A STOP_DEPLOYMENT wait ends Stopped at this time (on a running clock only). */
  readyTimeoutAt?: number;
  /** Seconds from the reroute to the end of the traffic shift, then the wait before the original task set goes. */
  trafficSeconds: number;
  terminationWaitSeconds: number;
  completesAt?: number;
  completedAt?: number;
  greenReady: boolean;
  rerouted: boolean;
  /** Undefined when the deployment cannot even be planned (it fails, see `failure`). */
  plan?: PlanRecord;
  /** Decided at creation: the deployment fails when its replacement task set should be up. */
  failure?: ErrorInformation;
  errorInformation?: ErrorInformation;
  rollbackInfo?: RollbackInfo;
}

export interface CodeDeployData {
  /** By application name. */
  applications: Record<string, ApplicationRecord>;
  /** By `<application>/<group>`. */
  deploymentGroups: Record<string, DeploymentGroupRecord>;
  /** By deployment ID. */
  deployments: Record<string, DeploymentRecord>;
}

/** How a deployment a pipeline started stands (non-AWS, for codepipeline.ts). */
export interface PipelineDeploymentResult {
  status: DeploymentStatus;
  message?: string;
  /** When it ended, or will end; unset while it waits for ContinueDeployment. */
  endsAt?: number;
}

/** The services this one calls, as AWS's own services call each other (given at construction). */
export type CodeDeployPeers = { ecs: EcsSandbox; iam: IamSandbox; elbv2: Elbv2Sandbox };
