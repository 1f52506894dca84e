// CodeDeploy (simulated): applications, ECS blue/green deployment groups, and deployments that
// really move an ECS service to a new task definition and its production listener to the other
// target group. The behaviour is specified in src/sandbox/README.md ("CodeDeploy").
import {
  ApplicationAlreadyExistsException,
  ApplicationDoesNotExistException,
  ApplicationNameRequiredException,
  BatchLimitExceededException,
  DeploymentAlreadyCompletedException,
  DeploymentConfigDoesNotExistException,
  DeploymentDoesNotExistException,
  DeploymentGroupAlreadyExistsException,
  DeploymentGroupDoesNotExistException,
  DeploymentGroupNameRequiredException,
  DeploymentIdRequiredException,
  DeploymentIsNotInReadyStateException,
  DeploymentLimitExceededException,
  ECSServiceMappingLimitExceededException,
  InvalidApplicationNameException,
  InvalidArnException,
  InvalidBlueGreenDeploymentConfigurationException,
  InvalidDeploymentConfigNameException,
  InvalidDeploymentGroupNameException,
  InvalidDeploymentIdException,
  InvalidDeploymentStyleException,
  InvalidECSServiceException,
  InvalidLoadBalancerInfoException,
  InvalidRevisionException,
  InvalidRoleException,
  InvalidTargetGroupPairException,
  ResourceArnRequiredException,
  RevisionRequiredException,
  RoleRequiredException,
  type ApplicationInfo,
  type AutoRollbackEvent,
  type BatchGetApplicationsCommandInput,
  type BatchGetApplicationsCommandOutput,
  type BatchGetDeploymentGroupsCommandInput,
  type BatchGetDeploymentGroupsCommandOutput,
  type ComputePlatform,
  type ContinueDeploymentCommandInput,
  type ContinueDeploymentCommandOutput,
  type CreateApplicationCommandInput,
  type CreateApplicationCommandOutput,
  type CreateDeploymentCommandInput,
  type CreateDeploymentCommandOutput,
  type CreateDeploymentGroupCommandInput,
  type CreateDeploymentGroupCommandOutput,
  type DeleteApplicationCommandInput,
  type DeleteApplicationCommandOutput,
  type DeleteDeploymentGroupCommandInput,
  type DeleteDeploymentGroupCommandOutput,
  type DeploymentCreator,
  type DeploymentGroupInfo,
  type DeploymentInfo,
  type DeploymentOverview,
  type DeploymentReadyAction,
  type DeploymentStatus,
  type ErrorInformation,
  type GetApplicationCommandInput,
  type GetApplicationCommandOutput,
  type GetDeploymentCommandInput,
  type GetDeploymentCommandOutput,
  type GetDeploymentGroupCommandInput,
  type GetDeploymentGroupCommandOutput,
  type LastDeploymentInfo,
  type ListApplicationsCommandInput,
  type ListApplicationsCommandOutput,
  type ListDeploymentGroupsCommandInput,
  type ListDeploymentGroupsCommandOutput,
  type ListDeploymentsCommandInput,
  type ListDeploymentsCommandOutput,
  type ListTagsForResourceCommandInput,
  type ListTagsForResourceCommandOutput,
  type RevisionLocation,
  type RollbackInfo,
  type StopDeploymentCommandInput,
  type StopDeploymentCommandOutput,
  type TagResourceCommandInput,
  type TagResourceCommandOutput,
  type UntagResourceCommandInput,
  type UntagResourceCommandOutput,
  type UpdateDeploymentGroupCommandInput,
  type UpdateDeploymentGroupCommandOutput,
} from '@aws-sdk/client-codedeploy';
import { createHash } from 'node:crypto';
import { liveOfPair, shiftedTo } from './codedeploy-routes';
import { SandboxNotModelled } from '../kernel/errors';
import { type InventoryItem, type Out, SandboxService } from '../kernel/service';
import { type Tags, tagsFromList, tagsToList } from '../kernel/tags';
import type { SandboxWorld } from '../kernel/world';
import type { EcsSandbox } from './ecs';
import type { IamSandbox } from './iam';
import type { Elbv2Sandbox } from './elbv2';
import { checkServiceWork } from './service-work';

const NAME = /^[\w.+@=,-]{1,100}$/;
const DEPLOYMENT_ID = /^d-[A-Z0-9]{9}$/;
/** The longest blue/green wait AWS accepts (2 days). */
const MAX_WAIT_MINUTES = 2880;
const DEFAULT_ECS_CONFIG = 'CodeDeployDefault.ECSAllAtOnce';
/** The predefined ECS deployment configurations, with the simulated seconds their traffic shift takes. */
const ECS_CONFIGS: Record<string, number> = {
  'CodeDeployDefault.ECSAllAtOnce': 0,
  'CodeDeployDefault.ECSLinear10PercentEvery1Minutes': 10 * 60,
  'CodeDeployDefault.ECSLinear10PercentEvery3Minutes': 30 * 60,
  'CodeDeployDefault.ECSCanary10Percent5Minutes': 5 * 60,
  'CodeDeployDefault.ECSCanary10Percent15Minutes': 15 * 60,
};
const FINAL: ReadonlySet<DeploymentStatus> = new Set<DeploymentStatus>(['Succeeded', 'Failed', 'Stopped']);

// ---- Stored records ---------------------------------------------------------------------------

interface ApplicationRecord {
  name: string;
  id: string;
  computePlatform: ComputePlatform;
  createdAt: number;
  tags: Tags;
}

interface BlueGreenRecord {
  terminationWaitMinutes: number;
  actionOnTimeout: DeploymentReadyAction;
  readyWaitMinutes: number;
}

interface AutoRollbackRecord {
  enabled: boolean;
  events: AutoRollbackEvent[];
}

/** Where a deployment group's traffic goes: the target group pair and its listeners. */
interface TrafficRecord {
  targetGroupNames: string[];
  prodListenerArns: string[];
  testListenerArns: string[];
}

/** A deployment group's settings, as CreateDeploymentGroup / UpdateDeploymentGroup set them. */
interface GroupSettings extends TrafficRecord {
  deploymentConfigName: string;
  serviceRoleArn: string;
  blueGreen: BlueGreenRecord;
  autoRollback: AutoRollbackRecord;
  clusterName: string;
  serviceName: string;
}

interface DeploymentGroupRecord extends GroupSettings {
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
interface PlanRecord {
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

interface DeploymentRecord {
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

/** The ECS part of an AppSpec: what a deployment deploys. */
interface AppSpec {
  taskDefinition: string;
  containerName: string;
  containerPort: number;
}

/** The services this one calls, as AWS's own services call each other (given at construction). */
export type CodeDeployPeers = { ecs: EcsSandbox; iam: IamSandbox; elbv2: Elbv2Sandbox };

export class CodeDeploySandbox extends SandboxService<CodeDeployData> {
  readonly service = 'codedeploy' as const;

  constructor(world: SandboxWorld, data: CodeDeployData, private readonly peers: CodeDeployPeers) {
    // A sandbox saved before CodeDeploy was modelled stored `{}` for it.
    super(world, { ...CodeDeploySandbox.empty(), ...data });
  }

  static empty(): CodeDeployData {
    return { applications: {}, deploymentGroups: {}, deployments: {} };
  }

  // ---- Applications ----------------------------------------------------------------------------

  createApplication(input: CreateApplicationCommandInput): Out<CreateApplicationCommandOutput> {
    const name = checkApplicationName(input.applicationName);
    if (this.data.applications[name]) throw cdError(ApplicationAlreadyExistsException, `${name} already exists in your account`);
    const application: ApplicationRecord = {
      name,
      id: this.uuid(),
      computePlatform: input.computePlatform ?? 'Server',
      createdAt: this.world.now(),
      tags: tagsFromList(input.tags),
    };
    this.data.applications[name] = application;
    return { applicationId: application.id };
  }

  getApplication(input: GetApplicationCommandInput): Out<GetApplicationCommandOutput> {
    return { application: this.applicationOut(this.application(input.applicationName)) };
  }

  batchGetApplications(input: BatchGetApplicationsCommandInput): Out<BatchGetApplicationsCommandOutput> {
    const names = input.applicationNames ?? [];
    if (names.length === 0) throw cdError(ApplicationNameRequiredException, 'The minimum number of required application names was not specified.');
    return { applicationsInfo: names.map((name) => this.applicationOut(this.application(name))) };
  }

  listApplications(_input: ListApplicationsCommandInput): Out<ListApplicationsCommandOutput> {
    return { applications: Object.keys(this.data.applications).sort() };
  }

  /** Deletes its deployment groups and deployments too. A missing application is no error (AWS). */
  deleteApplication(input: DeleteApplicationCommandInput): Out<DeleteApplicationCommandOutput> {
    const name = checkApplicationName(input.applicationName);
    if (!this.data.applications[name]) return {};
    for (const group of this.groupsOf(name)) delete this.data.deploymentGroups[groupKey(name, group.name)];
    for (const deployment of Object.values(this.data.deployments)) {
      if (deployment.applicationName === name) delete this.data.deployments[deployment.id];
    }
    delete this.data.applications[name];
    return {};
  }

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
    if (names.length > 100) throw cdError(BatchLimitExceededException, 'The maximum number of names or IDs allowed for this request (100) was exceeded.');
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
    return { applicationName: application.name, deploymentGroups: this.groupsOf(application.name).map((g) => g.name).sort() };
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
      .sort((a, b) => b.createdAt - a.createdAt || b.id.localeCompare(a.id));
    return { deployments: listed.map((d) => d.id) };
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

  // ---- Tags ------------------------------------------------------------------------------------

  tagResource(input: TagResourceCommandInput): Out<TagResourceCommandOutput> {
    Object.assign(this.taggable(input.ResourceArn).tags, tagsFromList(input.Tags));
    return {};
  }

  untagResource(input: UntagResourceCommandInput): Out<UntagResourceCommandOutput> {
    const resource = this.taggable(input.ResourceArn);
    for (const key of input.TagKeys ?? []) delete resource.tags[key];
    return {};
  }

  listTagsForResource(input: ListTagsForResourceCommandInput): Out<ListTagsForResourceCommandOutput> {
    return { Tags: tagsToList(this.taggable(input.ResourceArn).tags) };
  }

  // ---- Non-AWS helpers -------------------------------------------------------------------------

  /** The next deployment of the group fails when its replacement task set should be up. */
  simulateDeploymentFailure(groupName: string, applicationName?: string): void {
    const groups = Object.values(this.data.deploymentGroups).filter(
      (g) => g.name === groupName && (applicationName === undefined || g.applicationName === applicationName),
    );
    const [group, ...others] = groups;
    if (!group) throw new Error(`sandbox: no deployment group ${groupName}`);
    if (others.length > 0) throw new Error(`sandbox: several applications have a deployment group ${groupName}: name the application`);
    group.failNextDeployments += 1;
  }

  /**
   * What a CodePipeline CodeDeployToECS action does: register a new revision of the group's
   * service's task definition with the build's image (the service keeps running the old one), and
   * deploy it with an AppSpec naming it, from simulated time `startedAt`.
   */
  startPipelineDeployment(input: {
    applicationName: string;
    deploymentGroupName: string;
    image: string;
    container?: string;
    startedAt: number;
  }): { id: string; endsAt?: number } {
    const group = this.group(input.applicationName, input.deploymentGroupName);
    this.checkNoActiveDeployment(group);
    const ecs = this.peers.ecs;
    const service = ecs.describeServices({ cluster: group.clusterName, services: [group.serviceName] }).services?.[0];
    const target = service?.loadBalancers?.[0];
    if (!target?.containerName || target.containerPort === undefined) {
      throw cdError(InvalidECSServiceException, `The ECS service ${group.serviceName} has no load balancer container to deploy to.`);
    }
    const taskDefinition = ecs.registerImageRevision({
      cluster: group.clusterName,
      service: group.serviceName,
      image: input.image,
      container: input.container ?? target.containerName,
    });
    const deployment = this.startDeployment(group, {
      revision: appSpecRevision({ taskDefinition, containerName: target.containerName, containerPort: target.containerPort }),
      createdAt: input.startedAt,
      creator: 'user',
    });
    const endsAt = this.endOf(deployment);
    return { id: deployment.id, ...(endsAt !== undefined ? { endsAt } : {}) };
  }

  /** The ECS service a group deploys and its configuration (non-AWS helper); undefined when no such group. */
  deploymentTargetOf(applicationName: string, groupName: string): { cluster: string; service: string; deploymentConfigName: string } | undefined {
    const group = this.data.deploymentGroups[groupKey(applicationName, groupName)];
    return group ? { cluster: group.clusterName, service: group.serviceName, deploymentConfigName: group.deploymentConfigName } : undefined;
  }

  pipelineDeploymentResult(id: string): PipelineDeploymentResult {
    const deployment = this.data.deployments[id];
    if (!deployment) return { status: 'Failed', message: `Deployment ${id} could not be found` };
    this.settle(deployment);
    const endsAt = this.endOf(deployment);
    const message = deployment.errorInformation?.message;
    return {
      status: deployment.status,
      ...(message !== undefined ? { message: `Deployment ${id} ${deployment.status.toLowerCase()}: ${message}` } : {}),
      ...(endsAt !== undefined ? { endsAt } : {}),
    };
  }

  /** Bring every deployment up to the simulated clock (reads do this for what they read). */
  settleAll(): void {
    for (const deployment of Object.values(this.data.deployments)) this.settle(deployment);
  }

  inventory(): InventoryItem[] {
    this.settleAll();
    const items: InventoryItem[] = [];
    for (const application of Object.values(this.data.applications)) {
      items.push({ service: 'codedeploy', type: 'application', id: this.applicationArn(application.name), key: application.name, tags: { ...application.tags } });
    }
    for (const group of Object.values(this.data.deploymentGroups)) {
      const key = groupKey(group.applicationName, group.name);
      items.push({ service: 'codedeploy', type: 'deployment-group', id: this.groupArn(group.applicationName, group.name), key, tags: { ...group.tags } });
    }
    return items;
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

  // ---- Deployments: start, settle, end ---------------------------------------------------------

  private startDeployment(
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
  private settle(d: DeploymentRecord): void {
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
  private endOf(d: DeploymentRecord): number | undefined {
    if (d.completedAt !== undefined) return d.completedAt;
    if (d.failure || !d.plan) return d.greenReadyAt;
    if (d.completesAt !== undefined) return d.completesAt;
    if (d.rerouteAt !== undefined) return d.rerouteAt + d.trafficSeconds + d.terminationWaitSeconds;
    return d.readyTimeoutAt;
  }

  private checkNoActiveDeployment(group: DeploymentGroupRecord): void {
    const deployments = this.deploymentsOf(group);
    deployments.forEach((d) => this.settle(d));
    const active = deployments.find((d) => !FINAL.has(d.status));
    if (active) {
      throw cdError(DeploymentLimitExceededException, `The Deployment Group '${group.name}' already has an active Deployment '${active.id}'`);
    }
  }

  // ---- Lookups ---------------------------------------------------------------------------------

  private application(name: string | undefined): ApplicationRecord {
    const checked = checkApplicationName(name);
    const application = this.data.applications[checked];
    if (!application) throw cdError(ApplicationDoesNotExistException, `No application found for name: ${checked}`);
    return application;
  }

  private group(applicationName: string | undefined, name: string | undefined): DeploymentGroupRecord {
    const application = this.application(applicationName);
    const checked = checkGroupName(name);
    const group = this.data.deploymentGroups[groupKey(application.name, checked)];
    if (!group) throw cdError(DeploymentGroupDoesNotExistException, `No Deployment Group found for name: ${checked}`);
    return group;
  }

  private groupsOf(applicationName: string): DeploymentGroupRecord[] {
    return Object.values(this.data.deploymentGroups).filter((g) => g.applicationName === applicationName);
  }

  private deploymentsOf(group: DeploymentGroupRecord): DeploymentRecord[] {
    return Object.values(this.data.deployments).filter((d) => d.applicationName === group.applicationName && d.groupName === group.name);
  }

  private deployment(id: string | undefined): DeploymentRecord {
    if (!id) throw cdError(DeploymentIdRequiredException, 'At least one deployment ID must be specified.');
    if (!DEPLOYMENT_ID.test(id)) throw cdError(InvalidDeploymentIdException, `${id} is not a valid deployment ID.`);
    const deployment = this.data.deployments[id];
    if (!deployment) throw cdError(DeploymentDoesNotExistException, `Deployment ${id} could not be found`);
    return deployment;
  }

  private taggable(arn: string | undefined): { tags: Tags } {
    if (!arn) throw cdError(ResourceArnRequiredException, 'The ARN of a resource is required, but was not found.');
    const match = /^arn:aws[\w-]*:codedeploy:[^:]*:\d{12}:(application|deploymentgroup):(.+)$/.exec(arn);
    if (!match?.[2]) throw cdError(InvalidArnException, `The specified ARN is not in a valid format: ${arn}`);
    if (match[1] === 'application') return this.application(match[2]);
    const [applicationName, groupName, ...rest] = match[2].split('/');
    if (rest.length > 0) throw cdError(InvalidArnException, `The specified ARN is not in a valid format: ${arn}`);
    return this.group(applicationName, groupName);
  }

  private applicationArn(name: string): string {
    return this.world.arn('codedeploy', `application:${name}`);
  }

  private groupArn(applicationName: string, name: string): string {
    return this.world.arn('codedeploy', `deploymentgroup:${applicationName}/${name}`);
  }

  // ---- Output shapes ---------------------------------------------------------------------------

  private applicationOut(application: ApplicationRecord): ApplicationInfo {
    return {
      applicationId: application.id,
      applicationName: application.name,
      createTime: this.dateAt(application.createdAt),
      linkedToGitHub: false,
      computePlatform: application.computePlatform,
    };
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

  // ---- IDs and times ---------------------------------------------------------------------------

  /** `d-` and nine upper-case characters, as AWS's. */
  private deploymentId(): string {
    return `d-${this.world.newId('x', 9).slice(2).toUpperCase()}`;
  }

  private uuid(): string {
    const h = this.world.newId('x', 32).slice(2);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  /** A simulated-seconds time as the wall-clock date the sandbox reports. */
  private dateAt(simSeconds: number): Date {
    return new Date(this.world.nowDate().getTime() + (simSeconds - this.world.now()) * 1000);
  }
}

// ---- Checks -------------------------------------------------------------------------------------

type CodeDeployErrorClass<E> = new (options: { message: string; $metadata: Record<string, never> }) => E;

function cdError<E>(ErrorClass: CodeDeployErrorClass<E>, message: string): E {
  return new ErrorClass({ message, $metadata: {} });
}

/** An error the SDK or a sandbox model raised on AWS's behalf (not a bug in the sandbox). */
function isAwsError(error: unknown): error is Error & { $fault: string } {
  return error instanceof Error && typeof (error as { $fault?: unknown }).$fault === 'string';
}

function checkApplicationName(name: string | undefined): string {
  if (!name) throw cdError(ApplicationNameRequiredException, 'The minimum number of required application names was not specified.');
  if (!NAME.test(name)) throw cdError(InvalidApplicationNameException, `The application name ${name} is not valid.`);
  return name;
}

function checkGroupName(name: string | undefined): string {
  if (!name) throw cdError(DeploymentGroupNameRequiredException, 'The deployment group name was not specified.');
  if (!NAME.test(name)) throw cdError(InvalidDeploymentGroupNameException, `The deployment group name ${name} is not valid.`);
  return name;
}

function checkDeploymentConfig(name: string): void {
  if (name in ECS_CONFIGS) return;
  if (name.startsWith('CodeDeployDefault.')) {
    throw cdError(InvalidDeploymentConfigNameException, `The deployment configuration ${name} is not for the ECS compute platform.`);
  }
  throw cdError(DeploymentConfigDoesNotExistException, `No deployment configuration found for name: ${name}`);
}

function checkedBlueGreen(input: CreateDeploymentGroupCommandInput['blueGreenDeploymentConfiguration']): BlueGreenRecord {
  const invalid = (why: string) => cdError(InvalidBlueGreenDeploymentConfigurationException, why);
  if (input?.greenFleetProvisioningOption) throw invalid('greenFleetProvisioningOption does not apply to the ECS compute platform.');
  const terminate = input?.terminateBlueInstancesOnDeploymentSuccess;
  if (terminate?.action !== undefined && terminate.action !== 'TERMINATE') {
    throw invalid('For the ECS compute platform, the original task set is terminated: terminateBlueInstancesOnDeploymentSuccess.action must be TERMINATE.');
  }
  const terminationWaitMinutes = terminate?.terminationWaitTimeInMinutes ?? 0;
  const ready = input?.deploymentReadyOption;
  const readyWaitMinutes = ready?.waitTimeInMinutes ?? 0;
  for (const minutes of [terminationWaitMinutes, readyWaitMinutes]) {
    if (!Number.isInteger(minutes) || minutes < 0 || minutes > MAX_WAIT_MINUTES) {
      throw invalid(`A wait time must be a whole number of minutes from 0 to ${MAX_WAIT_MINUTES}.`);
    }
  }
  return { terminationWaitMinutes, actionOnTimeout: ready?.actionOnTimeout ?? 'CONTINUE_DEPLOYMENT', readyWaitMinutes };
}

function checkedAutoRollback(input: CreateDeploymentGroupCommandInput['autoRollbackConfiguration']): AutoRollbackRecord {
  return { enabled: input?.enabled ?? false, events: [...(input?.events ?? [])] };
}

/** ECS deployments take their AppSpec inline (S3 revisions are not modelled). */
function checkedRevision(revision: RevisionLocation | undefined): RevisionLocation {
  if (!revision) throw cdError(RevisionRequiredException, 'The revision ID was not specified.');
  if (revision.revisionType === 'S3') throw new SandboxNotModelled('the sandbox does not model S3 revisions: give the AppSpec as AppSpecContent');
  if (revision.revisionType !== 'AppSpecContent') {
    throw cdError(InvalidRevisionException, `The revision type ${String(revision.revisionType)} is not valid for the ECS compute platform.`);
  }
  const content = revision.appSpecContent?.content;
  if (!content) throw cdError(InvalidRevisionException, 'The AppSpec content was not specified.');
  const sha256 = revision.appSpecContent?.sha256;
  if (sha256 !== undefined && sha256 !== createHash('sha256').update(content).digest('hex')) {
    throw cdError(InvalidRevisionException, 'The sha256 of the AppSpec content does not match the content.');
  }
  return { revisionType: 'AppSpecContent', appSpecContent: { content, ...(sha256 !== undefined ? { sha256 } : {}) } };
}

function sameService(a: string, b: string): boolean {
  const name = (cluster: string) => (cluster.startsWith('arn:') ? cluster.slice(cluster.lastIndexOf('/') + 1) : cluster);
  return name(a) === name(b);
}

function groupKey(applicationName: string, groupName: string): string {
  return `${applicationName}/${groupName}`;
}

function blueGreenOut(blueGreen: BlueGreenRecord): NonNullable<DeploymentGroupInfo['blueGreenDeploymentConfiguration']> {
  return {
    terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: blueGreen.terminationWaitMinutes },
    deploymentReadyOption: { actionOnTimeout: blueGreen.actionOnTimeout, waitTimeInMinutes: blueGreen.readyWaitMinutes },
  };
}

function loadBalancerInfoOut(traffic: TrafficRecord): NonNullable<DeploymentGroupInfo['loadBalancerInfo']> {
  return {
    targetGroupPairInfoList: [
      {
        targetGroups: traffic.targetGroupNames.map((name) => ({ name })),
        prodTrafficRoute: { listenerArns: [...traffic.prodListenerArns] },
        ...(traffic.testListenerArns.length > 0 ? { testTrafficRoute: { listenerArns: [...traffic.testListenerArns] } } : {}),
      },
    ],
  };
}

// ---- AppSpec ------------------------------------------------------------------------------------

class AppSpecError extends Error {}

/** An AppSpecContent revision deploying this task definition (JSON, which is also YAML). */
function appSpecRevision(spec: AppSpec): RevisionLocation {
  const content = JSON.stringify({
    version: 0.0,
    Resources: [
      {
        TargetService: {
          Type: 'AWS::ECS::Service',
          Properties: { TaskDefinition: spec.taskDefinition, LoadBalancerInfo: { ContainerName: spec.containerName, ContainerPort: spec.containerPort } },
        },
      },
    ],
  });
  return { revisionType: 'AppSpecContent', appSpecContent: { content, sha256: createHash('sha256').update(content).digest('hex') } };
}

/**
 * The ECS service resource of an AppSpec, in JSON or block-style YAML. Hooks need Lambda functions,
 * and a NetworkConfiguration or CapacityProviderStrategy override changes the service: neither is
 * modelled.
 */
function readAppSpec(content: string): AppSpec {
  const document = content.trimStart().startsWith('{') ? parseJson(content) : parseYaml(content);
  if (!isRecord(document)) throw new AppSpecError('the AppSpec must be a mapping');
  const hooks = document.Hooks;
  if (Array.isArray(hooks) ? hooks.length > 0 : hooks !== undefined && hooks !== null) {
    throw new SandboxNotModelled('the sandbox does not model AppSpec Hooks (Lambda functions)');
  }
  const resources = document.Resources;
  if (!Array.isArray(resources) || resources.length !== 1) throw new AppSpecError('Resources must list exactly one ECS service');
  const resource = resources[0];
  const target = isRecord(resource) ? Object.values(resource)[0] : undefined;
  if (!isRecord(target) || target.Type !== 'AWS::ECS::Service') throw new AppSpecError('the resource must have Type AWS::ECS::Service');
  const properties = target.Properties;
  if (!isRecord(properties)) throw new AppSpecError('the ECS service resource has no Properties');
  if (properties.NetworkConfiguration !== undefined || properties.CapacityProviderStrategy !== undefined) {
    throw new SandboxNotModelled('the sandbox does not model AppSpec NetworkConfiguration or CapacityProviderStrategy');
  }
  const loadBalancerInfo = properties.LoadBalancerInfo;
  const taskDefinition = properties.TaskDefinition;
  const containerName = isRecord(loadBalancerInfo) ? loadBalancerInfo.ContainerName : undefined;
  const containerPort = isRecord(loadBalancerInfo) ? Number(loadBalancerInfo.ContainerPort) : NaN;
  if (typeof taskDefinition !== 'string' || taskDefinition === '') throw new AppSpecError('Properties.TaskDefinition is missing');
  if (typeof containerName !== 'string' || containerName === '') throw new AppSpecError('Properties.LoadBalancerInfo.ContainerName is missing');
  if (!Number.isInteger(containerPort)) throw new AppSpecError('Properties.LoadBalancerInfo.ContainerPort is missing or not a number');
  return { taskDefinition, containerName, containerPort };
}

type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue };

function isRecord(value: unknown): value is Record<string, YamlValue> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(content: string): YamlValue {
  try {
    return JSON.parse(content) as YamlValue;
  } catch (error) {
    throw new AppSpecError(`invalid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Block-style YAML as AppSpec files are written: indented mappings, `- ` sequences (an item may
 * open a mapping on its own line), plain, quoted and numeric scalars, comments, and JSON-like flow
 * collections. Anchors, multi-line scalars and other YAML features are refused.
 */
function parseYaml(content: string): YamlValue {
  interface Line { indent: number; text: string; number: number }
  const lines: Line[] = [];
  for (const [index, raw] of content.split(/\r?\n/).entries()) {
    const text = stripComment(raw).trimEnd();
    if (text.trim() === '' || text.trim() === '---') continue;
    const indent = text.length - text.trimStart().length;
    if (text.slice(0, indent).includes('\t')) throw new AppSpecError(`line ${index + 1}: tabs cannot indent YAML`);
    lines.push({ indent, text: text.trim(), number: index + 1 });
  }
  let pos = 0;
  const isItem = (text: string): boolean => text === '-' || text.startsWith('- ');
  const fail = (line: Line | undefined, why: string): never => {
    throw new AppSpecError(line ? `line ${line.number}: ${why}` : why);
  };

  const block = (): YamlValue => {
    const first = lines[pos];
    if (!first) return null;
    return isItem(first.text) ? sequence(first.indent) : mapping(first.indent);
  };

  /** The value of a key or item whose own line left it empty: the more indented block below, if any. */
  const nested = (indent: number, allowSameIndentSequence: boolean): YamlValue => {
    const next = lines[pos];
    if (next && next.indent > indent) return block();
    if (next && allowSameIndentSequence && next.indent === indent && isItem(next.text)) return sequence(indent);
    return null;
  };

  const sequence = (indent: number): YamlValue[] => {
    const items: YamlValue[] = [];
    for (let line = lines[pos]; line && line.indent === indent && isItem(line.text); line = lines[pos]) {
      const rest = line.text.slice(1).trimStart();
      if (rest === '') {
        pos += 1;
        items.push(nested(indent, false));
      } else if (isItem(rest) || /^("[^"]*"|'[^']*'|[^'"{[][^:]*?):(\s|$)/.test(rest)) {
        // `- key: value` opens a mapping (or `- - x` a sequence) at the column after the dash.
        lines[pos] = { ...line, indent: indent + line.text.length - rest.length, text: rest };
        items.push(block());
      } else {
        pos += 1;
        items.push(scalar(rest, line));
      }
    }
    return items;
  };

  const mapping = (indent: number): Record<string, YamlValue> => {
    const result: Record<string, YamlValue> = {};
    for (let line = lines[pos]; line && line.indent === indent; line = lines[pos]) {
      if (isItem(line.text)) fail(line, 'a sequence item where a mapping key was expected');
      const match = /^("[^"]*"|'[^']*'|[^'"{[][^:]*?):(?:\s+(.*))?$/.exec(line.text);
      if (!match?.[1]) return fail(line, `expected "key: value", found "${line.text}"`);
      const key = unquote(match[1].trim());
      if (key in result) fail(line, `the key ${key} appears twice`);
      pos += 1;
      const value = match[2]?.trim();
      result[key] = value === undefined || value === '' ? nested(indent, true) : scalar(value, line);
    }
    const next = lines[pos];
    if (next && next.indent > indent) fail(next, 'unexpected indentation');
    return result;
  };

  const scalar = (text: string, line: Line): YamlValue => {
    if (text.startsWith('"')) {
      try {
        return JSON.parse(text) as string;
      } catch {
        return fail(line, `bad double-quoted string ${text}`);
      }
    }
    if (text.startsWith("'")) {
      if (!/^'(?:[^']|'')*'$/.test(text)) fail(line, `bad single-quoted string ${text}`);
      return text.slice(1, -1).replace(/''/g, "'");
    }
    if (text.startsWith('{') || text.startsWith('[')) {
      try {
        return JSON.parse(text) as YamlValue;
      } catch {
        return fail(line, `the sandbox reads flow collections written as JSON only: ${text}`);
      }
    }
    if (/^[&*!|>%@`]/.test(text)) fail(line, `the sandbox does not read YAML anchors, tags or block scalars: ${text}`);
    if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
    if (/^(true|false)$/i.test(text)) return text.toLowerCase() === 'true';
    if (/^(null|~)$/i.test(text)) return null;
    return text;
  };

  const value = block();
  const rest = lines[pos];
  if (rest) fail(rest, 'unexpected content');
  return value;
}

/** A line without its `# comment` (a `#` that starts the line or follows a space, outside quotes). */
function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i += 1) {
    const c = line.charAt(i);
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(line.charAt(i - 1)))) {
      return line.slice(0, i);
    }
  }
  return line;
}

function unquote(key: string): string {
  if (key.startsWith('"') && key.endsWith('"')) return JSON.parse(key) as string;
  if (key.startsWith("'") && key.endsWith("'")) return key.slice(1, -1).replace(/''/g, "'");
  return key;
}
