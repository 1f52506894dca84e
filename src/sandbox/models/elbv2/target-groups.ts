// ELBv2 (simulated): target groups, the targets registered in them and their health.
//
// - CreateTargetGroup (target type instance | ip, protocol HTTP | HTTPS): Name rules as for load
//   balancers; Port, Protocol and an existing VpcId required (ValidationError). Health check
//   defaults: protocol = Protocol, port traffic-port, path /, interval 30 s, timeout 6 s (HTTPS 10 s),
//   thresholds 5 / 2, matcher 200. Same name + same settings → the existing group; otherwise
//   DuplicateTargetGroupName. Attributes default to deregistration_delay.timeout_seconds 300,
//   stickiness.enabled false … DescribeTargetGroups: all, TargetGroupArns, Names (unknown →
//   TargetGroupNotFound) or LoadBalancerArn; LoadBalancerArns lists the load balancers whose
//   listeners or rules forward to the group. A group can serve one load balancer only
//   (TargetGroupAssociationLimit). DeleteTargetGroup: ResourceInUse while a listener or rule
//   forwards to it; an unknown ARN succeeds (AWS lists no not-found error for it).
// - Targets: RegisterTargets (Id an IPv4 address for ip groups, an instance ID for instance
//   groups → InvalidTarget; Port defaults to the group's). DescribeTargetHealth: a group no
//   load balancer uses reports its targets `unused` (Target.NotInUse); otherwise a registered
//   target is `initial` at the first read and `healthy` from the next read on, once its health
//   checks have passed (interval × healthy threshold in timed mode). DeregisterTargets (not
//   registered → InvalidTarget): `draining` at the next read, gone from the read after once the
//   deregistration delay has elapsed (timed mode); at once when no load balancer uses the group.
//   Targets asked for by name that are not registered read `unused` (Target.NotRegistered).
import {
  DuplicateTargetGroupNameException,
  InvalidTargetException,
  ResourceInUseException,
  TargetGroupNotFoundException,
  type CreateTargetGroupCommandInput,
  type CreateTargetGroupCommandOutput,
  type DeleteTargetGroupCommandInput,
  type DeleteTargetGroupCommandOutput,
  type DeregisterTargetsCommandInput,
  type DeregisterTargetsCommandOutput,
  type DescribeTargetGroupAttributesCommandInput,
  type DescribeTargetGroupAttributesCommandOutput,
  type DescribeTargetGroupsCommandInput,
  type DescribeTargetGroupsCommandOutput,
  type DescribeTargetHealthCommandInput,
  type DescribeTargetHealthCommandOutput,
  type ModifyTargetGroupAttributesCommandInput,
  type ModifyTargetGroupAttributesCommandOutput,
  type ModifyTargetGroupCommandInput,
  type ModifyTargetGroupCommandOutput,
  type RegisterTargetsCommandInput,
  type RegisterTargetsCommandOutput,
  type TargetDescription,
  type TargetGroup,
  type TargetHealthDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { awsError } from '../../kernel/errors';
import { type Out } from '../../kernel/service';
import { type HealthCheck, type TargetRecord, type TargetGroupRecord, ARN_SERVICE } from './records';
import { elbError, validationError, ignoreNotFound, checkName, checkPort, checkArn, MAX_DESCRIBED } from './checks';
import { attributeList, modifiedAttributes } from './attributes';
import { Elbv2LoadBalancers } from './load-balancers';

const TARGET_GROUP_ATTRIBUTES: Readonly<Record<string, string>> = {
  'deregistration_delay.timeout_seconds': '300',
  'load_balancing.algorithm.type': 'round_robin',
  'load_balancing.algorithm.anomaly_mitigation': 'off',
  'load_balancing.cross_zone.enabled': 'use_load_balancer_configuration',
  'slow_start.duration_seconds': '0',
  'stickiness.enabled': 'false',
  'stickiness.type': 'lb_cookie',
  'stickiness.lb_cookie.duration_seconds': '86400',
  'stickiness.app_cookie.cookie_name': '',
  'stickiness.app_cookie.duration_seconds': '86400',
  'target_group_health.dns_failover.minimum_healthy_targets.count': '1',
  'target_group_health.dns_failover.minimum_healthy_targets.percentage': 'off',
  'target_group_health.unhealthy_state_routing.minimum_healthy_targets.count': '1',
  'target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage': 'off',
};

export abstract class Elbv2TargetGroups extends Elbv2LoadBalancers {
  createTargetGroup(input: CreateTargetGroupCommandInput): Out<CreateTargetGroupCommandOutput> {
    this.settle();
    const name = input.Name ?? '';
    checkName(name, 'Target group');
    const targetType = input.TargetType ?? 'instance';
    if (targetType !== 'instance' && targetType !== 'ip') {
      throw awsError('SandboxNotModelled', `the sandbox models only instance and ip target groups, not '${targetType}'`);
    }
    if (!input.Protocol) throw validationError('A protocol must be specified');
    if (input.Protocol !== 'HTTP' && input.Protocol !== 'HTTPS') {
      throw awsError('SandboxNotModelled', `the sandbox models only HTTP and HTTPS target groups, not '${input.Protocol}'`);
    }
    if (input.Port === undefined) throw validationError('A port must be specified');
    checkPort(input.Port);
    if (!input.VpcId) throw validationError('A VPC ID must be specified');
    if (!this.vpcExists(input.VpcId)) throw validationError(`The VPC ID '${input.VpcId}' is not found`);

    const settings = {
      protocol: input.Protocol,
      protocolVersion: input.ProtocolVersion ?? 'HTTP1',
      port: input.Port,
      vpcId: input.VpcId,
      targetType,
      ipAddressType: input.IpAddressType ?? 'ipv4',
      healthCheck: healthCheckFrom(input, {
        protocol: input.Protocol,
        port: 'traffic-port',
        enabled: true,
        path: '/',
        intervalSeconds: 30,
        // AWS's default timeout: 6 s for HTTP target groups, 10 s for HTTPS.
        timeoutSeconds: input.Protocol === 'HTTPS' ? 10 : 6,
        healthyThresholdCount: 5,
        unhealthyThresholdCount: 2,
        httpCode: '200',
      }),
    } satisfies Partial<TargetGroupRecord>;

    const existing = Object.values(this.data.targetGroups).find((tg) => tg.name === name);
    if (existing) {
      const { arn: _arn, name: _name, attributes: _attributes, tags: _tags, targets: _targets, ...existingSettings } = existing;
      if (JSON.stringify(canonical(existingSettings)) !== JSON.stringify(canonical(settings))) {
        throw elbError(DuplicateTargetGroupNameException, `A target group with the same name '${name}' exists, but with different settings`);
      }
      return { TargetGroups: [this.describeTargetGroup(existing)] };
    }

    const arn = this.world.arn(ARN_SERVICE, `targetgroup/${name}/${this.hexId()}`);
    const tg: TargetGroupRecord = {
      arn,
      name,
      ...settings,
      attributes: { ...TARGET_GROUP_ATTRIBUTES },
      tags: this.checkedTags({}, input.Tags),
      targets: [],
    };
    this.data.targetGroups[arn] = tg;
    return { TargetGroups: [this.describeTargetGroup(tg)] };
  }

  describeTargetGroups(input: DescribeTargetGroupsCommandInput): Out<DescribeTargetGroupsCommandOutput> {
    this.settle();
    const given = [input.LoadBalancerArn ? 1 : 0, input.TargetGroupArns?.length ? 1 : 0, input.Names?.length ? 1 : 0];
    if (given.reduce((a, b) => a + b, 0) > 1) {
      throw validationError('Only one of LoadBalancerArn, TargetGroupArns or Names can be specified');
    }
    if ((input.TargetGroupArns?.length ?? 0) > MAX_DESCRIBED || (input.Names?.length ?? 0) > MAX_DESCRIBED) {
      throw validationError(`You cannot describe more than '${MAX_DESCRIBED}' target groups at a time`);
    }
    const all = Object.values(this.data.targetGroups);
    let found = all;
    if (input.LoadBalancerArn) {
      const lb = this.getLoadBalancer(input.LoadBalancerArn);
      found = all.filter((tg) => this.loadBalancersUsing(tg.arn).includes(lb.arn));
    } else if (input.TargetGroupArns?.length) {
      for (const arn of input.TargetGroupArns) checkArn(arn, 'targetgroup');
      found = input.TargetGroupArns.map((arn) => this.data.targetGroups[arn]).filter((tg) => tg !== undefined);
      if (found.length < input.TargetGroupArns.length) throw elbError(TargetGroupNotFoundException, 'One or more target groups not found');
    } else if (input.Names?.length) {
      found = input.Names.map((n) => all.find((tg) => tg.name === n)).filter((tg) => tg !== undefined);
      if (found.length < input.Names.length) throw elbError(TargetGroupNotFoundException, 'One or more target groups not found');
    }
    const { items, NextMarker } = this.page('DescribeTargetGroups', found, input, [input.LoadBalancerArn, input.TargetGroupArns, input.Names]);
    return { TargetGroups: items.map((tg) => this.describeTargetGroup(tg)), ...(NextMarker ? { NextMarker } : {}) };
  }

  modifyTargetGroup(input: ModifyTargetGroupCommandInput): Out<ModifyTargetGroupCommandOutput> {
    this.settle();
    const tg = this.getTargetGroup(input.TargetGroupArn);
    tg.healthCheck = healthCheckFrom(input, tg.healthCheck);
    return { TargetGroups: [this.describeTargetGroup(tg)] };
  }

  deleteTargetGroup(input: DeleteTargetGroupCommandInput): Out<DeleteTargetGroupCommandOutput> {
    this.settle();
    const arn = input.TargetGroupArn ?? '';
    checkArn(arn, 'targetgroup');
    if (!this.data.targetGroups[arn]) return {};
    if (this.isForwardedTo(arn)) {
      throw elbError(ResourceInUseException, `Target group '${arn}' is currently in use by a listener or a rule`);
    }
    delete this.data.targetGroups[arn];
    return {};
  }

  describeTargetGroupAttributes(input: DescribeTargetGroupAttributesCommandInput): Out<DescribeTargetGroupAttributesCommandOutput> {
    this.settle();
    return { Attributes: attributeList(this.getTargetGroup(input.TargetGroupArn).attributes) };
  }

  modifyTargetGroupAttributes(input: ModifyTargetGroupAttributesCommandInput): Out<ModifyTargetGroupAttributesCommandOutput> {
    this.settle();
    const tg = this.getTargetGroup(input.TargetGroupArn);
    tg.attributes = modifiedAttributes(tg.attributes, input.Attributes, 'Target group');
    return { Attributes: attributeList(tg.attributes) };
  }

  // ==== Targets ===================================================================================

  registerTargets(input: RegisterTargetsCommandInput): Out<RegisterTargetsCommandOutput> {
    this.settle();
    const tg = this.getTargetGroup(input.TargetGroupArn);
    if (!input.Targets?.length) throw validationError('At least one target must be specified');
    const targets = input.Targets.map((t) => this.checkTarget(tg, t));
    for (const target of targets) {
      const existing = tg.targets.find((t) => t.id === target.id && t.port === target.port);
      if (existing?.state === 'registered') continue;
      const registered: TargetRecord = {
        id: target.id,
        port: target.port,
        ...(target.availabilityZone ? { availabilityZone: target.availabilityZone } : {}),
        state: 'registered',
        until: this.world.now() + this.timed(tg.healthCheck.intervalSeconds * tg.healthCheck.healthyThresholdCount),
        reported: false,
      };
      tg.targets = [...tg.targets.filter((t) => t !== existing), registered];
    }
    return {};
  }

  deregisterTargets(input: DeregisterTargetsCommandInput): Out<DeregisterTargetsCommandOutput> {
    this.settle();
    const tg = this.getTargetGroup(input.TargetGroupArn);
    if (!input.Targets?.length) throw validationError('At least one target must be specified');
    const matches = input.Targets.map((wanted) => {
      const found = tg.targets.filter((t) => t.id === wanted.Id && (wanted.Port === undefined || t.port === wanted.Port));
      if (found.length === 0) {
        throw elbError(
          InvalidTargetException,
          `The following targets are not registered in target group '${tg.arn}': '${wanted.Id ?? ''}${wanted.Port !== undefined ? `:${wanted.Port}` : ''}'`,
        );
      }
      return found;
    });
    const inUse = this.isForwardedTo(tg.arn);
    const delay = Number(tg.attributes['deregistration_delay.timeout_seconds'] ?? '300');
    for (const target of matches.flat()) {
      if (!inUse) {
        tg.targets = tg.targets.filter((t) => t !== target);
      } else if (target.state === 'registered') {
        target.state = 'draining';
        target.until = this.world.now() + this.timed(delay);
        target.reported = false;
      }
    }
    return {};
  }

  describeTargetHealth(input: DescribeTargetHealthCommandInput): Out<DescribeTargetHealthCommandOutput> {
    this.settle();
    const tg = this.getTargetGroup(input.TargetGroupArn);
    const inUse = this.isForwardedTo(tg.arn);
    // Lazy transitions: a target reports its intermediate state once, then moves on when due.
    for (const target of [...tg.targets]) {
      if (target.state === 'draining' && target.reported && this.world.isPast(target.until)) {
        tg.targets = tg.targets.filter((t) => t !== target);
      }
    }
    const describe = (target: TargetRecord): TargetHealthDescription => {
      const base = {
        Target: { Id: target.id, Port: target.port, ...(target.availabilityZone ? { AvailabilityZone: target.availabilityZone } : {}) },
        HealthCheckPort: tg.healthCheck.port === 'traffic-port' ? String(target.port) : tg.healthCheck.port,
      };
      if (!inUse) {
        return { ...base, TargetHealth: { State: 'unused', Reason: 'Target.NotInUse', Description: 'Target group is not configured to receive traffic from the load balancer' } };
      }
      if (target.state === 'draining') {
        target.reported = true;
        return { ...base, TargetHealth: { State: 'draining', Reason: 'Target.DeregistrationInProgress', Description: 'Target deregistration is in progress' } };
      }
      if (!target.reported || !this.world.isPast(target.until)) {
        target.reported = true;
        return { ...base, TargetHealth: { State: 'initial', Reason: 'Elb.RegistrationInProgress', Description: 'Target registration is in progress' } };
      }
      return { ...base, TargetHealth: { State: 'healthy' } };
    };
    if (!input.Targets?.length) return { TargetHealthDescriptions: tg.targets.map(describe) };
    const descriptions = input.Targets.flatMap((wanted): TargetHealthDescription[] => {
      const found = tg.targets.filter((t) => t.id === wanted.Id && (wanted.Port === undefined || t.port === wanted.Port));
      if (found.length > 0) return found.map(describe);
      return [{
        Target: { Id: wanted.Id, Port: wanted.Port ?? tg.port },
        TargetHealth: { State: 'unused', Reason: 'Target.NotRegistered', Description: 'Target is not registered to the target group' },
      }];
    });
    return { TargetHealthDescriptions: descriptions };
  }

  private describeTargetGroup(tg: TargetGroupRecord): TargetGroup {
    const hc = tg.healthCheck;
    return {
      TargetGroupArn: tg.arn,
      TargetGroupName: tg.name,
      Protocol: tg.protocol,
      Port: tg.port,
      VpcId: tg.vpcId,
      HealthCheckProtocol: hc.protocol,
      HealthCheckPort: hc.port,
      HealthCheckEnabled: hc.enabled,
      HealthCheckIntervalSeconds: hc.intervalSeconds,
      HealthCheckTimeoutSeconds: hc.timeoutSeconds,
      HealthyThresholdCount: hc.healthyThresholdCount,
      UnhealthyThresholdCount: hc.unhealthyThresholdCount,
      HealthCheckPath: hc.path,
      Matcher: { HttpCode: hc.httpCode },
      LoadBalancerArns: this.loadBalancersUsing(tg.arn),
      TargetType: tg.targetType,
      ProtocolVersion: tg.protocolVersion,
      IpAddressType: tg.ipAddressType,
    };
  }

  private checkTarget(tg: TargetGroupRecord, target: TargetDescription): { id: string; port: number; availabilityZone?: string } {
    const id = target.Id ?? '';
    if (tg.targetType === 'ip' && !isIpv4(id)) {
      throw elbError(InvalidTargetException, `The IP address '${id}' is not a valid IPv4 address`);
    }
    if (tg.targetType === 'instance' && !/^i-[0-9a-f]+$/.test(id)) {
      throw elbError(InvalidTargetException, `The following targets are not valid instances: '${id}'`);
    }
    const port = target.Port ?? tg.port;
    checkPort(port);
    return { id, port, ...(target.AvailabilityZone ? { availabilityZone: target.AvailabilityZone } : {}) };
  }

  private vpcExists(vpcId: string): boolean {
    return ignoreNotFound(() => this.peers.ec2.describeVpcs({ VpcIds: [vpcId] }).Vpcs?.length) !== undefined;
  }
}

// ---- Pure helpers --------------------------------------------------------------------------------

/** Health check settings: what the input sets, checked, over `base`. */
function healthCheckFrom(input: ModifyTargetGroupCommandInput | CreateTargetGroupCommandInput, base: HealthCheck): HealthCheck {
  const hc: HealthCheck = {
    protocol: input.HealthCheckProtocol ?? base.protocol,
    port: input.HealthCheckPort ?? base.port,
    enabled: input.HealthCheckEnabled ?? base.enabled,
    path: input.HealthCheckPath ?? base.path,
    intervalSeconds: input.HealthCheckIntervalSeconds ?? base.intervalSeconds,
    timeoutSeconds: input.HealthCheckTimeoutSeconds ?? base.timeoutSeconds,
    healthyThresholdCount: input.HealthyThresholdCount ?? base.healthyThresholdCount,
    unhealthyThresholdCount: input.UnhealthyThresholdCount ?? base.unhealthyThresholdCount,
    httpCode: input.Matcher?.HttpCode ?? base.httpCode,
  };
  // AWS's message for a value out of range (cfn-lint#807 quotes it for healthCheckIntervalSeconds).
  const inRange = (value: number, min: number, max: number, member: string): void => {
    if (Number.isInteger(value) && value >= min && value <= max) return;
    const bound = value < min ? `greater than or equal to ${min}` : `less than or equal to ${max}`;
    throw validationError(`1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: Member must have value ${bound}`);
  };
  inRange(hc.intervalSeconds, 5, 300, 'healthCheckIntervalSeconds');
  inRange(hc.timeoutSeconds, 2, 120, 'healthCheckTimeoutSeconds');
  inRange(hc.healthyThresholdCount, 2, 10, 'healthyThresholdCount');
  inRange(hc.unhealthyThresholdCount, 2, 10, 'unhealthyThresholdCount');
  if (hc.timeoutSeconds >= hc.intervalSeconds) throw validationError('Health check interval must be greater than the timeout.');
  if (hc.protocol !== 'HTTP' && hc.protocol !== 'HTTPS') throw validationError(`Health check protocol '${hc.protocol}' must be one of 'HTTP, HTTPS'`);
  if (hc.port !== 'traffic-port') checkPort(Number(hc.port));
  if (!hc.path.startsWith('/') || hc.path.length > 1024) throw validationError(`Health check path '${hc.path}' must begin with '/' and be at most 1024 characters`);
  const codes = hc.httpCode.split(',').flatMap((part) => part.split('-'));
  if (!/^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$/.test(hc.httpCode) || codes.some((c) => Number(c) < 200 || Number(c) > 499)) {
    throw validationError(`Health check matcher HTTP code '${hc.httpCode}' must be within '200-499'`);
  }
  return hc;
}

function isIpv4(value: string): boolean {
  const parts = value.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

/** A value with its object keys sorted, for comparing settings whatever their key order. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, canonical(v)]));
  }
  return value;
}
