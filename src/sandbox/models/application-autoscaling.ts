// Application Auto Scaling (simulated): scalable targets on ECS services' desired count and their
// target tracking policies, as issue 13's `autoscaling` makes them.
//
// Behaviour, as AWS documents it (the full specification, with sources, is in README.md):
// - RegisterScalableTarget (namespace `ecs`, ResourceId `service/<cluster>/<service>`, dimension
//   `ecs:service:DesiredCount`): the service must exist and be ACTIVE (ValidationException "ECS
//   service doesn't exist: …"); Min/MaxCapacity required for a new target, 0 ≤ min ≤ max;
//   registering again updates only what is given. Either way, a desired count outside [min, max]
//   is moved inside it (UpdateService through the ECS model). Tags only on creation. The first
//   registration makes AWS create the service-linked role AWSServiceRoleForApplicationAutoScaling_ECSService.
// - DescribeScalableTargets (paged 1–50, default 50; ScalableDimension needs ResourceIds),
//   DeregisterScalableTarget (deletes its policies; unknown → ObjectNotFoundException).
// - PutScalingPolicy: target tracking only, on ECSServiceAverageCPUUtilization,
//   ECSServiceAverageMemoryUtilization or ALBRequestCountPerTarget, whose ResourceLabel
//   `app/<lb>/<lb id>/targetgroup/<tg>/<tg id>` names a target group attached to that load balancer
//   and to the service; no label for the other metrics; no target → ObjectNotFoundException;
//   changing a policy's type → ValidationException. Answers the policy ARN and its two alarms.
// - DescribeScalingPolicies (paged 1–10, default 10), DeleteScalingPolicy (unknown → ObjectNotFoundException).
// - Tags: TagResource / UntagResource / ListTagsForResource on the scalable target ARN.
// - Non-AWS helper: scaleTo(resourceId, count), what a scaling activity does.
// - inventory(): `scalable-target` (key: resource ID) and `scaling-policy` (key: resource ID/policy name).
import type * as AAS from '@aws-sdk/client-application-auto-scaling';
import type { DescribeServicesCommandOutput, Service } from '@aws-sdk/client-ecs';
import { createHash } from 'node:crypto';
import { awsError, SandboxNotModelled } from '../kernel/errors';
import { pageOf } from '../kernel/pages';
import { type InventoryItem, type Out, SandboxService } from '../kernel/service';
import type { Tags } from '../kernel/tags';
import type { SandboxWorld } from '../kernel/world';
import type { EcsSandbox } from './ecs';
import type { Elbv2Sandbox } from './elbv2';

export interface ApplicationAutoScalingPeers {
  /** The services it scales (DescribeServices, UpdateService: what its service-linked role may do). */
  ecs: Pick<EcsSandbox, 'describeServices' | 'updateService'>;
  /** The load balancer and target group an ALBRequestCountPerTarget label names. */
  elbv2: Pick<Elbv2Sandbox, 'describeLoadBalancers' | 'describeTargetGroups'>;
}

const NAMESPACES: readonly string[] = [
  'ecs', 'elasticmapreduce', 'ec2', 'appstream', 'dynamodb', 'rds', 'sagemaker', 'custom-resource', 'comprehend', 'lambda', 'cassandra', 'kafka', 'elasticache', 'neptune', 'workspaces',
];
const DIMENSION = 'ecs:service:DesiredCount';
const ECS_METRICS: readonly string[] = ['ECSServiceAverageCPUUtilization', 'ECSServiceAverageMemoryUtilization', 'ALBRequestCountPerTarget'];
const PERCENT_METRICS: readonly string[] = ['ECSServiceAverageCPUUtilization', 'ECSServiceAverageMemoryUtilization'];
const RESOURCE_ID = /^service\/([A-Za-z0-9_-]{1,255})\/([A-Za-z0-9_-]{1,255})$/;
const RESOURCE_LABEL = /^app\/([A-Za-z0-9-]{1,32})\/([0-9a-f]+)\/targetgroup\/([A-Za-z0-9-]{1,32})\/([0-9a-f]+)$/;
const TARGET_ARN = /^arn:.+:application-autoscaling:.+:[0-9]+:scalable-target\/[a-zA-Z0-9-]+$/;
const MAX_TAGS = 50;

interface TargetRecord {
  arn: string;
  resourceId: string;
  /** Simulated seconds. */
  createdAt: number;
  min: number;
  max: number;
  suspended: AAS.SuspendedState;
  tags: Tags;
}

interface PolicyRecord {
  arn: string;
  name: string;
  resourceId: string;
  type: AAS.PolicyType;
  configuration: AAS.TargetTrackingScalingPolicyConfiguration;
  alarms: AAS.Alarm[];
  createdAt: number;
}

export interface ApplicationAutoScalingData {
  /** By resource ID (`service/<cluster>/<service>`; one namespace and dimension are modelled). */
  targets: Record<string, TargetRecord>;
  /** By policy ARN, in creation order. */
  policies: Record<string, PolicyRecord>;
}

export class ApplicationAutoScalingSandbox extends SandboxService<ApplicationAutoScalingData> {
  readonly service = 'appautoscaling' as const;

  constructor(world: SandboxWorld, data: ApplicationAutoScalingData, private readonly peers: ApplicationAutoScalingPeers) {
    super(world, data);
  }

  static empty(): ApplicationAutoScalingData {
    return { targets: {}, policies: {} };
  }

  // ---- Scalable targets --------------------------------------------------------------------------

  registerScalableTarget(input: AAS.RegisterScalableTargetCommandInput): Out<AAS.RegisterScalableTargetCommandOutput> {
    const resourceId = this.ecsResource(input.ServiceNamespace, input.ResourceId, input.ScalableDimension);
    if (input.RoleARN !== undefined && input.RoleARN !== this.serviceLinkedRoleArn()) {
      throw new SandboxNotModelled('the sandbox does not model a custom RoleARN for an ECS scalable target (AWS uses its service-linked role)');
    }
    const service = this.activeService(resourceId);
    const existing = this.data.targets[resourceId];
    if (!existing && (input.MinCapacity === undefined || input.MaxCapacity === undefined)) {
      throw validation('MinCapacity and MaxCapacity are required when registering a new scalable target.');
    }
    const min = input.MinCapacity ?? existing!.min;
    const max = input.MaxCapacity ?? existing!.max;
    if (min < 0 || max < 0) throw validation('Minimum and maximum capacity must be greater than or equal to 0.');
    if (min > max) throw validation(`Minimum capacity (${min}) cannot be greater than maximum capacity (${max}).`);
    if (input.SuspendedState !== undefined && Object.values(input.SuspendedState).some(Boolean)) {
      throw new SandboxNotModelled('the sandbox does not model suspended scaling');
    }
    const target = existing ?? {
      arn: this.world.arn('application-autoscaling', `scalable-target/${this.newTargetId()}`),
      resourceId,
      createdAt: this.world.now(),
      min,
      max,
      suspended: { DynamicScalingInSuspended: false, DynamicScalingOutSuspended: false, ScheduledScalingSuspended: false },
      tags: checkedTags({}, input.Tags),
    };
    target.min = min;
    target.max = max;
    this.data.targets[resourceId] = target;
    // AWS moves the current capacity into the new range (the RegisterScalableTarget API reference).
    const desired = service.desiredCount ?? 0;
    if (desired < min || desired > max) this.setDesiredCount(resourceId, Math.min(Math.max(desired, min), max));
    return { ScalableTargetARN: target.arn };
  }

  describeScalableTargets(input: AAS.DescribeScalableTargetsCommandInput): Out<AAS.DescribeScalableTargetsCommandOutput> {
    this.checkNamespace(input.ServiceNamespace);
    if (input.ScalableDimension !== undefined && !input.ResourceIds?.length) {
      throw validation('If you specify a scalable dimension, you must also specify a resource ID.');
    }
    if ((input.ResourceIds?.length ?? 0) > 50) throw validation('1 validation error detected: Value at \'resourceIds\' failed to satisfy constraint: Member must have length less than or equal to 50');
    const targets = input.ServiceNamespace !== 'ecs' || (input.ScalableDimension !== undefined && input.ScalableDimension !== DIMENSION)
      ? []
      : Object.values(this.data.targets).filter((t) => !input.ResourceIds?.length || input.ResourceIds.includes(t.resourceId));
    const page = pageOf(this.world, targets, { max: input.MaxResults, token: input.NextToken, scope: JSON.stringify([input.ServiceNamespace, input.ResourceIds ?? [], input.ScalableDimension ?? '']) }, {
      operation: 'DescribeScalableTargets',
      awsDefault: 50,
      awsMax: 50,
      invalid: (message) => (message.includes('page size') ? validation(message) : awsError('InvalidNextTokenException', 'Invalid token')),
    });
    return { ScalableTargets: page.items.map((t) => this.targetOut(t)), ...(page.next ? { NextToken: page.next } : {}) };
  }

  deregisterScalableTarget(input: AAS.DeregisterScalableTargetCommandInput): Out<AAS.DeregisterScalableTargetCommandOutput> {
    const resourceId = this.ecsResource(input.ServiceNamespace, input.ResourceId, input.ScalableDimension);
    if (!this.data.targets[resourceId]) {
      throw awsError('ObjectNotFoundException', `No scalable target found for service namespace: ecs, resource ID: ${resourceId}, scalable dimension: ${DIMENSION}`);
    }
    delete this.data.targets[resourceId];
    for (const policy of Object.values(this.data.policies)) if (policy.resourceId === resourceId) delete this.data.policies[policy.arn];
    return {};
  }

  // ---- Scaling policies --------------------------------------------------------------------------

  putScalingPolicy(input: AAS.PutScalingPolicyCommandInput): Out<AAS.PutScalingPolicyCommandOutput> {
    const name = input.PolicyName ?? '';
    if (name.length < 1 || name.length > 256 || !/^[\x20-\x7E]+$/.test(name)) {
      throw validation(`1 validation error detected: Value '${name}' at 'policyName' failed to satisfy constraint: Member must satisfy regular expression pattern: \\p{Print}+`);
    }
    const resourceId = this.ecsResource(input.ServiceNamespace, input.ResourceId, input.ScalableDimension);
    if (!this.data.targets[resourceId]) {
      throw awsError('ObjectNotFoundException', `No scalable target registered for service namespace: ecs, resource ID: ${resourceId}, scalable dimension: ${DIMENSION}`);
    }
    const existing = this.findPolicy(resourceId, name);
    const type = input.PolicyType ?? existing?.type;
    if (type === undefined) throw validation('PolicyType is required when you create a scaling policy.');
    if (existing && existing.type !== type) {
      throw validation('You cannot change a TargetTrackingScaling policy to a non TargetTrackingScaling policy, or vice versa');
    }
    if (type !== 'TargetTrackingScaling') throw new SandboxNotModelled(`the sandbox does not model ${type} policies`);
    if (input.StepScalingPolicyConfiguration !== undefined || input.PredictiveScalingPolicyConfiguration !== undefined) {
      throw validation('A TargetTrackingScaling policy takes only a TargetTrackingScalingPolicyConfiguration.');
    }
    const configuration = this.checkedTargetTracking(input.TargetTrackingScalingPolicyConfiguration, resourceId);
    const policy = existing ?? {
      arn: this.policyArn(resourceId, name),
      name,
      resourceId,
      type,
      configuration,
      alarms: this.alarmsFor(resourceId),
      createdAt: this.world.now(),
    };
    policy.configuration = configuration;
    this.data.policies[policy.arn] = policy;
    return { PolicyARN: policy.arn, Alarms: policy.alarms.map((a) => ({ ...a })) };
  }

  describeScalingPolicies(input: AAS.DescribeScalingPoliciesCommandInput): Out<AAS.DescribeScalingPoliciesCommandOutput> {
    this.checkNamespace(input.ServiceNamespace);
    if ((input.PolicyNames?.length ?? 0) > 50) throw validation('1 validation error detected: Value at \'policyNames\' failed to satisfy constraint: Member must have length less than or equal to 50');
    if (input.ScalableDimension !== undefined && input.ResourceId === undefined) {
      throw validation('If you specify a scalable dimension, you must also specify a resource ID.');
    }
    const policies = input.ServiceNamespace !== 'ecs' || (input.ScalableDimension !== undefined && input.ScalableDimension !== DIMENSION)
      ? []
      : Object.values(this.data.policies)
        .filter((p) => input.ResourceId === undefined || p.resourceId === input.ResourceId)
        .filter((p) => !input.PolicyNames?.length || input.PolicyNames.includes(p.name));
    const page = pageOf(this.world, policies, { max: input.MaxResults, token: input.NextToken, scope: JSON.stringify([input.ServiceNamespace, input.ResourceId ?? '', input.ScalableDimension ?? '', input.PolicyNames ?? []]) }, {
      operation: 'DescribeScalingPolicies',
      awsDefault: 10,
      awsMax: 10,
      invalid: (message) => (message.includes('page size') ? validation(message) : awsError('InvalidNextTokenException', 'Invalid token')),
    });
    return { ScalingPolicies: page.items.map((p) => this.policyOut(p)), ...(page.next ? { NextToken: page.next } : {}) };
  }

  deleteScalingPolicy(input: AAS.DeleteScalingPolicyCommandInput): Out<AAS.DeleteScalingPolicyCommandOutput> {
    const resourceId = this.ecsResource(input.ServiceNamespace, input.ResourceId, input.ScalableDimension);
    const policy = this.findPolicy(resourceId, input.PolicyName ?? '');
    if (!policy) {
      throw awsError('ObjectNotFoundException', `No scaling policy found for service namespace: ecs, resource ID: ${resourceId}, scalable dimension: ${DIMENSION}, policy name: ${input.PolicyName ?? ''}`);
    }
    delete this.data.policies[policy.arn];
    return {};
  }

  // ---- Tags --------------------------------------------------------------------------------------

  tagResource(input: AAS.TagResourceCommandInput): Out<AAS.TagResourceCommandOutput> {
    const target = this.targetByArn(input.ResourceARN);
    target.tags = checkedTags(target.tags, input.Tags);
    return {};
  }

  untagResource(input: AAS.UntagResourceCommandInput): Out<AAS.UntagResourceCommandOutput> {
    const target = this.targetByArn(input.ResourceARN);
    for (const key of input.TagKeys ?? []) delete target.tags[key];
    return {};
  }

  listTagsForResource(input: AAS.ListTagsForResourceCommandInput): Out<AAS.ListTagsForResourceCommandOutput> {
    return { Tags: { ...this.targetByArn(input.ResourceARN).tags } };
  }

  // ---- Helpers for tests and the other services (not AWS operations) -----------------------------

  /**
   * What a scaling activity does: sets the service's desired count to `count`, held within the
   * target's [min, max] as Application Auto Scaling never scales outside it. Returns the count set.
   */
  scaleTo(resourceId: string, count: number): number {
    const target = this.data.targets[resourceId];
    if (!target) throw new Error(`scaleTo: no scalable target is registered for ${resourceId}`);
    const desired = Math.min(Math.max(Math.round(count), target.min), target.max);
    this.setDesiredCount(resourceId, desired);
    return desired;
  }

  /** The role AWS creates on the first registration of an ECS service (and uses for every one). */
  serviceLinkedRoleArn(): string {
    return `arn:${this.world.partition}:iam::${this.world.account}:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService`;
  }

  // ---- Inventory ---------------------------------------------------------------------------------

  inventory(): InventoryItem[] {
    const targets = Object.values(this.data.targets).map((t) => ({ service: 'appautoscaling', type: 'scalable-target', id: t.arn, tags: { ...t.tags }, key: t.resourceId }));
    const policies = Object.values(this.data.policies).map((p) => ({ service: 'appautoscaling', type: 'scaling-policy', id: p.arn, tags: {}, key: `${p.resourceId}/${p.name}` }));
    return [...targets, ...policies];
  }

  // ---- Helpers -----------------------------------------------------------------------------------

  private checkNamespace(namespace: string | undefined): void {
    if (namespace === undefined || !NAMESPACES.includes(namespace)) {
      throw validation(`1 validation error detected: Value '${namespace ?? 'null'}' at 'serviceNamespace' failed to satisfy constraint: Member must satisfy enum value set: [${NAMESPACES.join(', ')}]`);
    }
  }

  /** The ECS resource a call names; other namespaces are not modelled. */
  private ecsResource(namespace: string | undefined, resourceId: string | undefined, dimension: string | undefined): string {
    this.checkNamespace(namespace);
    if (namespace !== 'ecs') throw new SandboxNotModelled(`the sandbox models Application Auto Scaling for ECS services only (namespace ${namespace ?? ''})`);
    if (resourceId === undefined || resourceId.length < 1 || resourceId.length > 1600) {
      throw validation(`1 validation error detected: Value at 'resourceId' failed to satisfy constraint: Member must have length between 1 and 1600`);
    }
    if (dimension !== DIMENSION) {
      throw validation(`Unsupported service namespace, resource type or scalable dimension (namespace ecs, dimension ${dimension ?? 'null'})`);
    }
    if (!RESOURCE_ID.test(resourceId)) {
      throw validation(`Unsupported service namespace, resource type or scalable dimension (resource ID ${resourceId}: an ECS service is service/<cluster>/<service>)`);
    }
    return resourceId;
  }

  /** The ECS service a resource ID names, ACTIVE, or AWS's refusal. */
  private activeService(resourceId: string): Service {
    const [, cluster, name] = RESOURCE_ID.exec(resourceId)!;
    let found: Out<DescribeServicesCommandOutput> | undefined;
    try {
      found = this.peers.ecs.describeServices({ cluster, services: [name!] });
    } catch {
      found = undefined; // no such cluster
    }
    const service = found?.services?.[0];
    if (!service || service.status !== 'ACTIVE') throw validation(`ECS service doesn't exist: ${resourceId}`);
    return service;
  }

  private setDesiredCount(resourceId: string, desiredCount: number): void {
    const [, cluster, service] = RESOURCE_ID.exec(resourceId)!;
    this.peers.ecs.updateService({ cluster, service, desiredCount });
  }

  private checkedTargetTracking(config: AAS.TargetTrackingScalingPolicyConfiguration | undefined, resourceId: string): AAS.TargetTrackingScalingPolicyConfiguration {
    if (!config) throw validation('TargetTrackingScalingPolicyConfiguration is required for a TargetTrackingScaling policy.');
    if (config.CustomizedMetricSpecification !== undefined) throw new SandboxNotModelled('the sandbox does not model customized metrics');
    const metric = config.PredefinedMetricSpecification;
    if (!metric) throw validation('Either a PredefinedMetricSpecification or a CustomizedMetricSpecification is required.');
    const type = metric.PredefinedMetricType;
    if (type === undefined || !ECS_METRICS.includes(type)) {
      if (type === undefined) throw validation('PredefinedMetricType is required in a PredefinedMetricSpecification.');
      if (type.endsWith('HighResolution')) throw new SandboxNotModelled(`the sandbox does not model ${type}`);
      throw validation(`Unsupported metric type ${type} for service namespace ecs and scalable dimension ${DIMENSION}`);
    }
    const value = config.TargetValue;
    if (value === undefined || !Number.isFinite(value) || value <= 0) throw validation('The target value must be a number greater than 0.');
    if (PERCENT_METRICS.includes(type) && value > 100) throw validation(`The target value for ${type} must be a percentage between 0 and 100.`);
    for (const [field, cooldown] of [['ScaleInCooldown', config.ScaleInCooldown], ['ScaleOutCooldown', config.ScaleOutCooldown]] as const) {
      if (cooldown !== undefined && (!Number.isInteger(cooldown) || cooldown < 0)) throw validation(`${field} must be an integer greater than or equal to 0.`);
    }
    if (type === 'ALBRequestCountPerTarget') this.checkResourceLabel(metric.ResourceLabel, resourceId);
    else if (metric.ResourceLabel !== undefined) throw validation(`A resource label can only be specified for the metric type ALBRequestCountPerTarget, not ${type}.`);
    return {
      TargetValue: value,
      PredefinedMetricSpecification: { PredefinedMetricType: type, ...(metric.ResourceLabel !== undefined ? { ResourceLabel: metric.ResourceLabel } : {}) },
      ...(config.ScaleInCooldown !== undefined ? { ScaleInCooldown: config.ScaleInCooldown } : {}),
      ...(config.ScaleOutCooldown !== undefined ? { ScaleOutCooldown: config.ScaleOutCooldown } : {}),
      ...(config.DisableScaleIn !== undefined ? { DisableScaleIn: config.DisableScaleIn } : {}),
    };
  }

  /** `app/<lb>/<lb id>/targetgroup/<tg>/<tg id>`: a target group attached to that load balancer and to the service. */
  private checkResourceLabel(label: string | undefined, resourceId: string): void {
    if (label === undefined) throw validation('Resource label should be specified for predefined metric type ALBRequestCountPerTarget');
    const match = RESOURCE_LABEL.exec(label);
    if (!match) throw validation(`Invalid resource label ${label}: expected app/<load-balancer-name>/<load-balancer-id>/targetgroup/<target-group-name>/<target-group-id>`);
    const [, lbName, lbId, tgName, tgId] = match;
    const lbArn = this.world.arn('elasticloadbalancing', `loadbalancer/app/${lbName}/${lbId}`);
    const tgArn = this.world.arn('elasticloadbalancing', `targetgroup/${tgName}/${tgId}`);
    const targetGroup = attempt(() => this.peers.elbv2.describeTargetGroups({ TargetGroupArns: [tgArn] }).TargetGroups?.[0]);
    const loadBalancer = attempt(() => this.peers.elbv2.describeLoadBalancers({ LoadBalancerArns: [lbArn] }).LoadBalancers?.[0]);
    if (!loadBalancer) throw validation(`Load balancer ${lbArn} in resource label ${label} does not exist`);
    if (!targetGroup) throw validation(`Target group ${tgArn} in resource label ${label} does not exist`);
    if (!(targetGroup.LoadBalancerArns ?? []).includes(lbArn)) throw validation(`Target group ${tgArn} is not attached to load balancer ${lbArn}`);
    const service = this.activeService(resourceId);
    if (!(service.loadBalancers ?? []).some((lb) => lb.targetGroupArn === tgArn)) {
      throw validation(`Target group ${tgArn} is not attached to the ECS service ${resourceId}`);
    }
  }

  private findPolicy(resourceId: string, name: string): PolicyRecord | undefined {
    return Object.values(this.data.policies).find((p) => p.resourceId === resourceId && p.name === name);
  }

  private targetByArn(arn: string | undefined): TargetRecord {
    if (arn === undefined || arn.length > 1011 || !TARGET_ARN.test(arn)) {
      throw validation(`1 validation error detected: Value '${arn ?? 'null'}' at 'resourceARN' failed to satisfy constraint: Member must satisfy regular expression pattern: ^arn:.+:application-autoscaling:.+:[0-9]+:scalable-target\\/[a-zA-Z0-9-]+$`);
    }
    const target = Object.values(this.data.targets).find((t) => t.arn === arn);
    if (!target) throw awsError('ResourceNotFoundException', `Scalable target with ARN ${arn} not found`);
    return target;
  }

  private targetOut(t: TargetRecord): AAS.ScalableTarget {
    return {
      ServiceNamespace: 'ecs',
      ResourceId: t.resourceId,
      ScalableDimension: DIMENSION,
      MinCapacity: t.min,
      MaxCapacity: t.max,
      RoleARN: this.serviceLinkedRoleArn(),
      CreationTime: this.dateAt(t.createdAt),
      SuspendedState: { ...t.suspended },
      ScalableTargetARN: t.arn,
    };
  }

  private policyOut(p: PolicyRecord): AAS.ScalingPolicy {
    return {
      PolicyARN: p.arn,
      PolicyName: p.name,
      ServiceNamespace: 'ecs',
      ResourceId: p.resourceId,
      ScalableDimension: DIMENSION,
      PolicyType: p.type,
      TargetTrackingScalingPolicyConfiguration: structuredClone(p.configuration),
      Alarms: p.alarms.map((a) => ({ ...a })),
      CreationTime: this.dateAt(p.createdAt),
    };
  }

  /** `arn:aws:autoscaling:<region>:<account>:scalingPolicy:<uuid>:resource/ecs/<resource id>:policyName/<name>`. */
  private policyArn(resourceId: string, name: string): string {
    return this.world.arn('autoscaling', `scalingPolicy:${this.uuid()}:resource/ecs/${resourceId}:policyName/${name}`);
  }

  /** The two CloudWatch alarms a target tracking policy makes (scale out, scale in). */
  private alarmsFor(resourceId: string): AAS.Alarm[] {
    return ['AlarmHigh', 'AlarmLow'].map((kind) => {
      const name = `TargetTracking-${resourceId}-${kind}-${this.uuid()}`;
      return { AlarmName: name, AlarmARN: this.world.arn('cloudwatch', `alarm:${name}`) };
    });
  }

  /** 36 characters of [0-9a-f-] like AWS's scalable target IDs, deterministic for a sequence of calls. */
  private newTargetId(): string {
    return this.hex('target', 32);
  }

  private uuid(): string {
    const hex = this.hex('uuid', 32);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }

  private hex(kind: string, digits: number): string {
    this.world.idCounter += 1;
    return createHash('sha256').update(`${kind}:${this.world.idCounter}`).digest('hex').slice(0, digits);
  }

  private dateAt(simSeconds: number): Date {
    return new Date(Date.UTC(2026, 0, 1) + simSeconds * 1000);
  }
}

function attempt<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

function checkedTags(existing: Tags, tags: Record<string, string> | undefined): Tags {
  const merged = { ...existing, ...tags };
  for (const [key, value] of Object.entries(merged)) {
    if (key.length < 1 || key.length > 128 || key.toLowerCase().startsWith('aws:') || value.length > 256) {
      throw validation('Tag keys must be 1 to 128 characters, not starting with "aws:"; tag values at most 256 characters.');
    }
  }
  if (Object.keys(merged).length > MAX_TAGS) throw awsError('TooManyTagsException', `A scalable target can have at most ${MAX_TAGS} tags.`, { status: 400 });
  return merged;
}

function validation(message: string): Error {
  return awsError('ValidationException', message);
}
