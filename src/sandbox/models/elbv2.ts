// Elastic Load Balancing v2 (simulated): Application Load Balancers, target groups and their
// targets, listeners, listener rules, attributes and tags.
//
// Behaviour, as AWS documents it:
// - Errors are the SDK's own exception classes (LoadBalancerNotFoundException …, whose wire codes
//   are LoadBalancerNotFound …); malformed input is `ValidationError`. A malformed ARN is a
//   ValidationError, a well-formed unknown one the type's NotFound error.
// - CreateLoadBalancer (Type application only): Name ≤ 32 chars of letters, digits and hyphens, not
//   starting or ending with a hyphen nor starting with `internal-` (ValidationError). Subnets (or
//   SubnetMappings) must exist in the EC2 model (SubnetNotFound), be ≥ 2 in different AZs
//   (ValidationError), one per AZ and in one VPC (InvalidConfigurationRequest). SecurityGroups must
//   exist in that VPC (InvalidSecurityGroup); none given → the VPC's default group. The same name
//   with the same subnets, groups, scheme, type and IP address type returns the existing load
//   balancer (AWS's idempotency); different settings → DuplicateLoadBalancerName. State
//   `provisioning` in the create response, `active` once `elbv2.loadBalancer.active` has elapsed.
//   DNSName `<name>-<n>.<region>.elb.amazonaws.com` (`internal-` prefix when internal), the
//   region's CanonicalHostedZoneId. One requester-managed ENI per subnet goes into the VPC through
//   the EC2 model (`ELB app/<name>/<id>`); SetSubnets / SetSecurityGroups replace them.
// - DescribeLoadBalancers: all; LoadBalancerArns or Names, any unknown → LoadBalancerNotFound.
// - DeleteLoadBalancer: deletes its listeners and rules at once and releases its ENIs; the load
//   balancer itself is still described (as active) until `elbv2.loadBalancer.deleted` has
//   elapsed — in instant mode it is gone at the next read. Target groups stay. An unknown ARN
//   succeeds (AWS: "If the load balancer does not exist or has already been deleted, the call
//   succeeds"); deletion protection on → OperationNotPermitted.
// - Load balancer attributes: AWS's ALB defaults (idle_timeout.timeout_seconds 60,
//   deletion_protection.enabled false, routing.http2.enabled true …); an unknown key or a bad
//   value → ValidationError. Both calls return every attribute.
// - CreateTargetGroup (target type instance | ip, protocol HTTP | HTTPS): Name rules as for load
//   balancers; Port, Protocol and an existing VpcId required (ValidationError). Health check
//   defaults: protocol = Protocol, port traffic-port, path /, interval 30 s, timeout 5 s,
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
// - CreateListener: HTTP or HTTPS (HTTPS needs Certificates; SslPolicy defaults to
//   ELBSecurityPolicy-2016-08), port 1–65535. Actions: forward (TargetGroupArn or ForwardConfig;
//   stored as AWS returns them, with both forms for a single group), redirect (defaults #{…}
//   filled in), fixed-response; other action types fail as not modelled. An existing listener on
//   the same port with the same settings is returned; otherwise DuplicateListener.
//   DescribeListeners (LoadBalancerArn or ListenerArns; ListenerNotFound), ModifyListener (port,
//   protocol, certificates, default actions), DeleteListener (its rules go with it).
// - Rules: CreateRule (priority 1–50000, unique per listener → PriorityInUse; path-pattern and
//   host-header conditions by Values or their *Config, returned in both forms; at most 5 condition
//   values), DescribeRules (ListenerArn or RuleArns; includes the default rule: IsDefault,
//   Priority "default", the listener's default actions), ModifyRule, SetRulePriorities, DeleteRule
//   (RuleNotFound). The default rule cannot be modified, re-prioritised or deleted
//   (OperationNotPermitted; change it through ModifyListener).
// - Tags: AddTags / RemoveTags / DescribeTags on load balancers, target groups, listeners and rules
//   (≤ 20 ARNs per DescribeTags, ≤ 50 tags per resource → TooManyTags, a key twice →
//   DuplicateTagKeys).
// - inventory(): load-balancer (key: name), target-group (name), listener (`<lb name>:<port>`),
//   rule (`<lb name>:<port>:<priority>`; default rules are not listed).
import {
  CertificateNotFoundException,
  DuplicateListenerException,
  DuplicateLoadBalancerNameException,
  DuplicateTagKeysException,
  DuplicateTargetGroupNameException,
  InvalidConfigurationRequestException,
  InvalidSecurityGroupException,
  InvalidTargetException,
  ListenerNotFoundException,
  LoadBalancerNotFoundException,
  OperationNotPermittedException,
  PriorityInUseException,
  ResourceInUseException,
  RuleNotFoundException,
  SubnetNotFoundException,
  TargetGroupAssociationLimitException,
  TargetGroupNotFoundException,
  TooManyTagsException,
  type Action,
  type AddTagsCommandInput,
  type AddTagsCommandOutput,
  type AvailabilityZone,
  type Certificate,
  type CreateListenerCommandInput,
  type CreateListenerCommandOutput,
  type CreateLoadBalancerCommandInput,
  type CreateLoadBalancerCommandOutput,
  type CreateRuleCommandInput,
  type CreateRuleCommandOutput,
  type CreateTargetGroupCommandInput,
  type CreateTargetGroupCommandOutput,
  type DeleteListenerCommandInput,
  type DeleteListenerCommandOutput,
  type DeleteLoadBalancerCommandInput,
  type DeleteLoadBalancerCommandOutput,
  type DeleteRuleCommandInput,
  type DeleteRuleCommandOutput,
  type DeleteTargetGroupCommandInput,
  type DeleteTargetGroupCommandOutput,
  type DeregisterTargetsCommandInput,
  type DeregisterTargetsCommandOutput,
  type DescribeListenersCommandInput,
  type DescribeListenersCommandOutput,
  type DescribeLoadBalancerAttributesCommandInput,
  type DescribeLoadBalancerAttributesCommandOutput,
  type DescribeLoadBalancersCommandInput,
  type DescribeLoadBalancersCommandOutput,
  type DescribeRulesCommandInput,
  type DescribeRulesCommandOutput,
  type DescribeTagsCommandInput,
  type DescribeTagsCommandOutput,
  type DescribeTargetGroupAttributesCommandInput,
  type DescribeTargetGroupAttributesCommandOutput,
  type DescribeTargetGroupsCommandInput,
  type DescribeTargetGroupsCommandOutput,
  type DescribeTargetHealthCommandInput,
  type DescribeTargetHealthCommandOutput,
  type IpAddressType,
  type Listener,
  type LoadBalancer,
  type LoadBalancerSchemeEnum,
  type ModifyListenerCommandInput,
  type ModifyListenerCommandOutput,
  type ModifyLoadBalancerAttributesCommandInput,
  type ModifyLoadBalancerAttributesCommandOutput,
  type ModifyRuleCommandInput,
  type ModifyRuleCommandOutput,
  type ModifyTargetGroupAttributesCommandInput,
  type ModifyTargetGroupAttributesCommandOutput,
  type ModifyTargetGroupCommandInput,
  type ModifyTargetGroupCommandOutput,
  type ProtocolEnum,
  type RegisterTargetsCommandInput,
  type RegisterTargetsCommandOutput,
  type RemoveTagsCommandInput,
  type RemoveTagsCommandOutput,
  type Rule,
  type RuleCondition,
  type SetRulePrioritiesCommandInput,
  type SetRulePrioritiesCommandOutput,
  type SetSecurityGroupsCommandInput,
  type SetSecurityGroupsCommandOutput,
  type SetSubnetsCommandInput,
  type SetSubnetsCommandOutput,
  type TargetDescription,
  type TargetGroup,
  type TargetHealthDescription,
  type TargetTypeEnum,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { awsError } from '../kernel/errors';
import { type InventoryItem, type Out, SandboxService } from '../kernel/service';
import { type Tags, tagsFromList, tagsToList } from '../kernel/tags';
import type { SandboxWorld } from '../kernel/world';
import type { Ec2Sandbox } from './ec2';

// ---- Stored records ------------------------------------------------------------------------------

interface Zone {
  subnetId: string;
  zoneName: string;
}

interface LoadBalancerRecord {
  arn: string;
  name: string;
  scheme: LoadBalancerSchemeEnum;
  ipAddressType: IpAddressType;
  vpcId: string;
  zones: Zone[];
  securityGroups: string[];
  dnsName: string;
  /** Epoch milliseconds. */
  createdTime: number;
  /** Sim-seconds when provisioning ends. */
  activeAt: number;
  /** Sim-seconds when a requested deletion completes; set once DeleteLoadBalancer was called. */
  deletedAt?: number;
  /** The requester-managed network interfaces it put into the VPC, one per subnet. */
  eniIds: string[];
  attributes: Record<string, string>;
  tags: Tags;
}

interface HealthCheck {
  protocol: ProtocolEnum;
  port: string;
  enabled: boolean;
  path: string;
  intervalSeconds: number;
  timeoutSeconds: number;
  healthyThresholdCount: number;
  unhealthyThresholdCount: number;
  /** Matcher.HttpCode, e.g. "200" or "200-499". */
  httpCode: string;
}

interface TargetRecord {
  id: string;
  port: number;
  availabilityZone?: string;
  state: 'registered' | 'draining';
  /** Sim-seconds when it passes its health checks (registered) or finishes draining. */
  until: number;
  /** Whether a read already reported its intermediate state (initial / draining). */
  reported: boolean;
}

interface TargetGroupRecord {
  arn: string;
  name: string;
  protocol: ProtocolEnum;
  protocolVersion: string;
  port: number;
  vpcId: string;
  targetType: TargetTypeEnum;
  ipAddressType: 'ipv4' | 'ipv6';
  healthCheck: HealthCheck;
  attributes: Record<string, string>;
  tags: Tags;
  targets: TargetRecord[];
}

interface ListenerRecord {
  arn: string;
  loadBalancerArn: string;
  port: number;
  protocol: ProtocolEnum;
  certificates: Certificate[];
  sslPolicy?: string;
  /** Normalized as AWS returns them. */
  defaultActions: Action[];
  defaultRuleArn: string;
  tags: Tags;
}

interface RuleRecord {
  arn: string;
  listenerArn: string;
  /** Undefined for the listener's default rule, whose actions are the listener's. */
  priority?: number;
  conditions: RuleCondition[];
  actions: Action[];
  tags: Tags;
}

export interface Elbv2Data {
  /** Every record by its ARN, in creation order. */
  loadBalancers: Record<string, LoadBalancerRecord>;
  targetGroups: Record<string, TargetGroupRecord>;
  listeners: Record<string, ListenerRecord>;
  rules: Record<string, RuleRecord>;
}

// ---- Constants -----------------------------------------------------------------------------------

const ARN_SERVICE = 'elasticloadbalancing';
const MAX_TAGS = 50;
const MAX_DESCRIBE_TAGS_ARNS = 20;
const MAX_CONDITION_VALUES = 5;
const DEFAULT_SSL_POLICY = 'ELBSecurityPolicy-2016-08';
const ELB_REQUESTER_ID = 'amazon-elb';

/** Route 53 hosted zone of Application Load Balancers, per region. */
const ALB_HOSTED_ZONES: Record<string, string> = {
  'us-east-1': 'Z35SXDOTRQ7X7K',
  'us-east-2': 'Z3AADJGX6KTTL2',
  'us-west-1': 'Z368ELLRRE2KJ0',
  'us-west-2': 'Z1H1FL5HABSF5',
  'eu-west-1': 'Z32O12XQLNTSW2',
  'eu-west-2': 'ZHURV8PSTC4K8',
  'eu-west-3': 'Z3Q77PNBQS71R4',
  'eu-central-1': 'Z215JYRZR1TBD5',
  'ap-northeast-1': 'Z14GRHDCWA56QT',
  'ap-southeast-1': 'Z1LMS91P8CMLE5',
  'ap-southeast-2': 'Z1GM3OXH4ZPM65',
};

const LOAD_BALANCER_ATTRIBUTES: Readonly<Record<string, string>> = {
  'access_logs.s3.enabled': 'false',
  'access_logs.s3.bucket': '',
  'access_logs.s3.prefix': '',
  'client_keep_alive.seconds': '3600',
  'connection_logs.s3.enabled': 'false',
  'connection_logs.s3.bucket': '',
  'connection_logs.s3.prefix': '',
  'deletion_protection.enabled': 'false',
  'idle_timeout.timeout_seconds': '60',
  'load_balancing.cross_zone.enabled': 'true',
  'routing.http.desync_mitigation_mode': 'defensive',
  'routing.http.drop_invalid_header_fields.enabled': 'false',
  'routing.http.preserve_host_header.enabled': 'false',
  'routing.http.x_amzn_tls_version_and_cipher_suite.enabled': 'false',
  'routing.http.xff_client_port.enabled': 'false',
  'routing.http.xff_header_processing.mode': 'append',
  'routing.http2.enabled': 'true',
  'waf.fail_open.enabled': 'false',
  'zonal_shift.config.enabled': 'false',
};

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

/** Attribute values AWS checks, by key: the allowed range of an integer, or the allowed words. */
const ATTRIBUTE_RULES: Readonly<Record<string, { min: number; max: number } | readonly string[]>> = {
  'deletion_protection.enabled': ['true', 'false'],
  'access_logs.s3.enabled': ['true', 'false'],
  'connection_logs.s3.enabled': ['true', 'false'],
  'routing.http2.enabled': ['true', 'false'],
  'routing.http.drop_invalid_header_fields.enabled': ['true', 'false'],
  'routing.http.preserve_host_header.enabled': ['true', 'false'],
  'routing.http.x_amzn_tls_version_and_cipher_suite.enabled': ['true', 'false'],
  'routing.http.xff_client_port.enabled': ['true', 'false'],
  'waf.fail_open.enabled': ['true', 'false'],
  'zonal_shift.config.enabled': ['true', 'false'],
  'routing.http.desync_mitigation_mode': ['monitor', 'defensive', 'strictest'],
  'routing.http.xff_header_processing.mode': ['append', 'preserve', 'remove'],
  'idle_timeout.timeout_seconds': { min: 1, max: 4000 },
  'client_keep_alive.seconds': { min: 60, max: 604800 },
  'deregistration_delay.timeout_seconds': { min: 0, max: 3600 },
  'slow_start.duration_seconds': { min: 0, max: 900 },
  'stickiness.enabled': ['true', 'false'],
  'stickiness.type': ['lb_cookie', 'app_cookie'],
  'stickiness.lb_cookie.duration_seconds': { min: 1, max: 604800 },
  'stickiness.app_cookie.duration_seconds': { min: 1, max: 604800 },
  'load_balancing.algorithm.type': ['round_robin', 'least_outstanding_requests', 'weighted_random'],
  'load_balancing.algorithm.anomaly_mitigation': ['on', 'off'],
};

type ArnKind = 'loadbalancer' | 'targetgroup' | 'listener' | 'listener-rule';

const ARN_PATTERNS: Record<ArnKind, RegExp> = {
  loadbalancer: /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:loadbalancer\/app\/[A-Za-z0-9-]+\/[0-9a-f]+$/,
  targetgroup: /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:targetgroup\/[A-Za-z0-9-]+\/[0-9a-f]+$/,
  listener: /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:listener\/app\/[A-Za-z0-9-]+\/[0-9a-f]+\/[0-9a-f]+$/,
  'listener-rule': /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:listener-rule\/app\/[A-Za-z0-9-]+\/[0-9a-f]+\/[0-9a-f]+\/[0-9a-f]+$/,
};

const ARN_KIND_NAMES: Record<ArnKind, string> = {
  loadbalancer: 'load balancer',
  targetgroup: 'target group',
  listener: 'listener',
  'listener-rule': 'rule',
};

// ---- Errors --------------------------------------------------------------------------------------

/** The SDK's ELBv2 exception classes all take the same options. */
type ElbErrorClass = new (options: { message: string; Message?: string; $metadata: Record<string, never> }) => Error;

function elbError(ErrorClass: ElbErrorClass, message: string): Error {
  return new ErrorClass({ message, Message: message, $metadata: {} });
}

function validationError(message: string): Error {
  return awsError('ValidationError', message);
}

// ---- The model -----------------------------------------------------------------------------------

/** The services this one calls, as AWS's own services call each other (given at construction). */
export type Elbv2Peers = { ec2: Ec2Sandbox };

export class Elbv2Sandbox extends SandboxService<Elbv2Data> {
  readonly service = 'elbv2' as const;

  constructor(world: SandboxWorld, data: Elbv2Data, private readonly peers: Elbv2Peers) {
    super(world, data);
  }

  static empty(): Elbv2Data {
    return { loadBalancers: {}, targetGroups: {}, listeners: {}, rules: {} };
  }

  // ==== Load balancers ============================================================================

  createLoadBalancer(input: CreateLoadBalancerCommandInput): Out<CreateLoadBalancerCommandOutput> {
    this.settle();
    const name = input.Name ?? '';
    checkName(name, 'Load balancer');
    if (name.startsWith('internal-')) throw validationError(`Load balancer name '${name}' cannot begin with 'internal-'`);
    if ((input.Type ?? 'application') !== 'application') {
      throw awsError('SandboxNotModelled', `the sandbox models only application load balancers, not '${input.Type}'`);
    }
    const scheme = input.Scheme ?? 'internet-facing';
    const ipAddressType = input.IpAddressType ?? 'ipv4';
    const subnetIds = input.SubnetMappings?.map((m) => m.SubnetId ?? '') ?? input.Subnets ?? [];
    const network = this.checkSubnets(subnetIds);
    const securityGroups = this.checkSecurityGroups(input.SecurityGroups, network.vpcId);

    const existing = Object.values(this.data.loadBalancers).find((lb) => lb.name === name);
    if (existing) {
      const same =
        existing.deletedAt === undefined &&
        existing.scheme === scheme &&
        existing.ipAddressType === ipAddressType &&
        sameSet(existing.zones.map((z) => z.subnetId), subnetIds) &&
        sameSet(existing.securityGroups, securityGroups);
      if (!same) {
        throw elbError(DuplicateLoadBalancerNameException, `A load balancer with the same name '${name}' exists, but with different settings`);
      }
      return { LoadBalancers: [this.describeLoadBalancer(existing)] };
    }

    const id = this.hexId();
    const arn = this.world.arn(ARN_SERVICE, `loadbalancer/app/${name}/${id}`);
    const lb: LoadBalancerRecord = {
      arn,
      name,
      scheme,
      ipAddressType,
      vpcId: network.vpcId,
      zones: network.zones,
      securityGroups,
      dnsName: `${scheme === 'internal' ? 'internal-' : ''}${name}-${100_000_000 + this.world.idCounter}.${this.world.region}.elb.amazonaws.com`,
      createdTime: this.world.nowDate().getTime(),
      activeAt: this.world.readyAt('elbv2.loadBalancer.active'),
      eniIds: [],
      attributes: { ...LOAD_BALANCER_ATTRIBUTES },
      tags: this.checkedTags({}, input.Tags),
    };
    lb.eniIds = this.attachEnis(lb);
    this.data.loadBalancers[arn] = lb;
    // The create response always shows the load balancer still provisioning.
    return { LoadBalancers: [{ ...this.describeLoadBalancer(lb), State: { Code: 'provisioning' } }] };
  }

  describeLoadBalancers(input: DescribeLoadBalancersCommandInput): Out<DescribeLoadBalancersCommandOutput> {
    this.settle();
    if (input.LoadBalancerArns?.length && input.Names?.length) {
      throw validationError('Load balancer names and load balancer ARNs cannot be specified at the same time');
    }
    const all = Object.values(this.data.loadBalancers);
    let found = all;
    if (input.LoadBalancerArns?.length) {
      for (const arn of input.LoadBalancerArns) checkArn(arn, 'loadbalancer');
      found = input.LoadBalancerArns.map((arn) => this.data.loadBalancers[arn]).filter((lb) => lb !== undefined);
      if (found.length < input.LoadBalancerArns.length) throw elbError(LoadBalancerNotFoundException, 'One or more load balancers not found');
    } else if (input.Names?.length) {
      const names = input.Names;
      const missing = names.filter((n) => !all.some((lb) => lb.name === n));
      if (missing.length > 0) throw elbError(LoadBalancerNotFoundException, `Load balancers '[${missing.join(', ')}]' not found`);
      found = names.map((n) => all.find((lb) => lb.name === n)).filter((lb) => lb !== undefined);
    }
    return { LoadBalancers: found.map((lb) => this.describeLoadBalancer(lb)) };
  }

  deleteLoadBalancer(input: DeleteLoadBalancerCommandInput): Out<DeleteLoadBalancerCommandOutput> {
    this.settle();
    const arn = input.LoadBalancerArn ?? '';
    checkArn(arn, 'loadbalancer');
    const lb = this.data.loadBalancers[arn];
    if (!lb || lb.deletedAt !== undefined) return {};
    if (lb.attributes['deletion_protection.enabled'] === 'true') {
      throw elbError(OperationNotPermittedException, `Load balancer '${arn}' cannot be deleted because deletion protection is enabled`);
    }
    for (const listener of this.listenersOf(arn)) this.removeListener(listener);
    for (const eniId of lb.eniIds) this.peers.ec2.releaseServiceEni(eniId, 'ec2.eni.elb.released');
    lb.eniIds = [];
    lb.deletedAt = this.world.readyAt('elbv2.loadBalancer.deleted');
    return {};
  }

  setSecurityGroups(input: SetSecurityGroupsCommandInput): Out<SetSecurityGroupsCommandOutput> {
    this.settle();
    const lb = this.getLoadBalancer(input.LoadBalancerArn);
    if (!input.SecurityGroups?.length) throw validationError('At least one security group must be specified for an application load balancer');
    lb.securityGroups = this.checkSecurityGroups(input.SecurityGroups, lb.vpcId);
    this.replaceEnis(lb);
    return { SecurityGroupIds: [...lb.securityGroups] };
  }

  setSubnets(input: SetSubnetsCommandInput): Out<SetSubnetsCommandOutput> {
    this.settle();
    const lb = this.getLoadBalancer(input.LoadBalancerArn);
    const network = this.checkSubnets(input.SubnetMappings?.map((m) => m.SubnetId ?? '') ?? input.Subnets ?? []);
    if (network.vpcId !== lb.vpcId) {
      throw elbError(InvalidConfigurationRequestException, `The subnets must belong to the load balancer's VPC '${lb.vpcId}'`);
    }
    lb.zones = network.zones;
    this.replaceEnis(lb);
    return { AvailabilityZones: this.availabilityZones(lb), IpAddressType: lb.ipAddressType };
  }

  describeLoadBalancerAttributes(input: DescribeLoadBalancerAttributesCommandInput): Out<DescribeLoadBalancerAttributesCommandOutput> {
    this.settle();
    const lb = this.getLoadBalancer(input.LoadBalancerArn);
    return { Attributes: attributeList(lb.attributes) };
  }

  modifyLoadBalancerAttributes(input: ModifyLoadBalancerAttributesCommandInput): Out<ModifyLoadBalancerAttributesCommandOutput> {
    this.settle();
    const lb = this.getLoadBalancer(input.LoadBalancerArn);
    lb.attributes = modifiedAttributes(lb.attributes, input.Attributes, 'Load balancer');
    return { Attributes: attributeList(lb.attributes) };
  }

  // ==== Target groups =============================================================================

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
        timeoutSeconds: 5,
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
    return { TargetGroups: found.map((tg) => this.describeTargetGroup(tg)) };
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

  // ==== Listeners =================================================================================

  createListener(input: CreateListenerCommandInput): Out<CreateListenerCommandOutput> {
    this.settle();
    const lb = this.getLoadBalancer(input.LoadBalancerArn);
    const port = input.Port ?? 0;
    if (input.Port === undefined) throw validationError('A listener port must be specified');
    checkPort(port);
    const protocol = checkListenerProtocol(input.Protocol);
    const certificates = checkCertificates(protocol, input.Certificates);
    const sslPolicy = protocol === 'HTTPS' ? (input.SslPolicy ?? DEFAULT_SSL_POLICY) : undefined;
    const defaultActions = this.normalizeActions(input.DefaultActions, lb);

    const existing = this.listenersOf(lb.arn).find((l) => l.port === port);
    if (existing) {
      const same =
        existing.protocol === protocol &&
        existing.sslPolicy === sslPolicy &&
        JSON.stringify(existing.certificates) === JSON.stringify(certificates) &&
        JSON.stringify(existing.defaultActions) === JSON.stringify(defaultActions);
      if (!same) throw elbError(DuplicateListenerException, 'A listener already exists on this port for this load balancer');
      return { Listeners: [this.describeListener(existing)] };
    }

    const id = this.hexId();
    const suffix = lb.arn.slice(lb.arn.indexOf(':loadbalancer/app/') + ':loadbalancer/app/'.length);
    const arn = this.world.arn(ARN_SERVICE, `listener/app/${suffix}/${id}`);
    const listener: ListenerRecord = {
      arn,
      loadBalancerArn: lb.arn,
      port,
      protocol,
      certificates,
      ...(sslPolicy ? { sslPolicy } : {}),
      defaultActions,
      defaultRuleArn: this.world.arn(ARN_SERVICE, `listener-rule/app/${suffix}/${id}/${this.hexId()}`),
      tags: this.checkedTags({}, input.Tags),
    };
    this.data.listeners[arn] = listener;
    this.data.rules[listener.defaultRuleArn] = { arn: listener.defaultRuleArn, listenerArn: arn, conditions: [], actions: [], tags: {} };
    return { Listeners: [this.describeListener(listener)] };
  }

  describeListeners(input: DescribeListenersCommandInput): Out<DescribeListenersCommandOutput> {
    this.settle();
    if (input.LoadBalancerArn && input.ListenerArns?.length) {
      throw validationError('Listener ARNs and a load balancer ARN cannot be specified at the same time');
    }
    if (input.LoadBalancerArn) {
      const lb = this.getLoadBalancer(input.LoadBalancerArn);
      return { Listeners: this.listenersOf(lb.arn).map((l) => this.describeListener(l)) };
    }
    if (!input.ListenerArns?.length) throw validationError('You must specify either listener ARNs or a load balancer ARN');
    return { Listeners: input.ListenerArns.map((arn) => this.describeListener(this.getListener(arn))) };
  }

  modifyListener(input: ModifyListenerCommandInput): Out<ModifyListenerCommandOutput> {
    this.settle();
    const listener = this.getListener(input.ListenerArn);
    const lb = this.getLoadBalancer(listener.loadBalancerArn);
    const port = input.Port ?? listener.port;
    checkPort(port);
    if (port !== listener.port && this.listenersOf(lb.arn).some((l) => l.port === port)) {
      throw elbError(DuplicateListenerException, 'A listener already exists on this port for this load balancer');
    }
    const protocol = input.Protocol ? checkListenerProtocol(input.Protocol) : listener.protocol;
    const certificates = checkCertificates(protocol, input.Certificates ?? (protocol === 'HTTPS' ? listener.certificates : []));
    const defaultActions = input.DefaultActions ? this.normalizeActions(input.DefaultActions, lb) : listener.defaultActions;
    listener.port = port;
    listener.protocol = protocol;
    listener.certificates = certificates;
    if (protocol === 'HTTPS') listener.sslPolicy = input.SslPolicy ?? listener.sslPolicy ?? DEFAULT_SSL_POLICY;
    else delete listener.sslPolicy;
    listener.defaultActions = defaultActions;
    return { Listeners: [this.describeListener(listener)] };
  }

  deleteListener(input: DeleteListenerCommandInput): Out<DeleteListenerCommandOutput> {
    this.settle();
    this.removeListener(this.getListener(input.ListenerArn));
    return {};
  }

  // ==== Rules =====================================================================================

  createRule(input: CreateRuleCommandInput): Out<CreateRuleCommandOutput> {
    this.settle();
    const listener = this.getListener(input.ListenerArn);
    const lb = this.getLoadBalancer(listener.loadBalancerArn);
    const priority = checkPriority(input.Priority);
    const conditions = normalizeConditions(input.Conditions);
    const actions = this.normalizeActions(input.Actions, lb);
    if (this.rulesOf(listener.arn).some((r) => r.priority === priority)) {
      throw elbError(PriorityInUseException, `Priority '${priority}' is currently in use`);
    }
    const listenerPath = listener.arn.slice(listener.arn.indexOf(':listener/app/') + ':listener/app/'.length);
    const arn = this.world.arn(ARN_SERVICE, `listener-rule/app/${listenerPath}/${this.hexId()}`);
    const rule: RuleRecord = { arn, listenerArn: listener.arn, priority, conditions, actions, tags: this.checkedTags({}, input.Tags) };
    this.data.rules[arn] = rule;
    return { Rules: [this.describeRule(rule)] };
  }

  describeRules(input: DescribeRulesCommandInput): Out<DescribeRulesCommandOutput> {
    this.settle();
    if (input.ListenerArn && input.RuleArns?.length) {
      throw validationError('Rule ARNs and a listener ARN cannot be specified at the same time');
    }
    if (input.ListenerArn) {
      const listener = this.getListener(input.ListenerArn);
      const rules = this.rulesOf(listener.arn).sort((a, b) => (a.priority ?? Infinity) - (b.priority ?? Infinity));
      return { Rules: rules.map((r) => this.describeRule(r)) };
    }
    if (!input.RuleArns?.length) throw validationError('You must specify either listener ARN or rule ARNs');
    return { Rules: input.RuleArns.map((arn) => this.describeRule(this.getRule(arn))) };
  }

  modifyRule(input: ModifyRuleCommandInput): Out<ModifyRuleCommandOutput> {
    this.settle();
    const rule = this.getRule(input.RuleArn);
    if (rule.priority === undefined) {
      throw elbError(OperationNotPermittedException, 'The default rule cannot be modified; modify the listener\'s default actions instead');
    }
    const listener = this.getListener(rule.listenerArn);
    const lb = this.getLoadBalancer(listener.loadBalancerArn);
    const conditions = input.Conditions ? normalizeConditions(input.Conditions) : rule.conditions;
    const actions = input.Actions ? this.normalizeActions(input.Actions, lb) : rule.actions;
    rule.conditions = conditions;
    rule.actions = actions;
    return { Rules: [this.describeRule(rule)] };
  }

  setRulePriorities(input: SetRulePrioritiesCommandInput): Out<SetRulePrioritiesCommandOutput> {
    this.settle();
    const changes = (input.RulePriorities ?? []).map((pair) => {
      const rule = this.getRule(pair.RuleArn);
      if (rule.priority === undefined) throw elbError(OperationNotPermittedException, 'The default rule\'s priority cannot be changed');
      return { rule, priority: checkPriority(pair.Priority) };
    });
    for (const { rule, priority } of changes) {
      const clash = this.rulesOf(rule.listenerArn).find(
        (other) => other.priority === priority && !changes.some((c) => c.rule === other),
      );
      const twice = changes.filter((c) => c.rule.listenerArn === rule.listenerArn && c.priority === priority).length > 1;
      if (clash || twice) throw elbError(PriorityInUseException, `Priority '${priority}' is currently in use`);
    }
    for (const { rule, priority } of changes) rule.priority = priority;
    return { Rules: changes.map(({ rule }) => this.describeRule(rule)) };
  }

  deleteRule(input: DeleteRuleCommandInput): Out<DeleteRuleCommandOutput> {
    this.settle();
    const rule = this.getRule(input.RuleArn);
    if (rule.priority === undefined) throw elbError(OperationNotPermittedException, 'The default rule cannot be deleted');
    delete this.data.rules[rule.arn];
    return {};
  }

  // ==== Tags ======================================================================================

  addTags(input: AddTagsCommandInput): Out<AddTagsCommandOutput> {
    this.settle();
    const keys = (input.Tags ?? []).map((t) => t.Key ?? '');
    const twice = keys.find((key, i) => keys.indexOf(key) !== i);
    if (twice !== undefined) throw elbError(DuplicateTagKeysException, `Tag key '${twice}' was specified more than once`);
    // Check every resource before changing any, so that a refusal changes nothing.
    const updates = (input.ResourceArns ?? []).map((arn) => {
      const resource = this.taggable(arn);
      return { resource, tags: this.checkedTags(resource.tags, input.Tags) };
    });
    for (const { resource, tags } of updates) resource.tags = tags;
    return {};
  }

  removeTags(input: RemoveTagsCommandInput): Out<RemoveTagsCommandOutput> {
    this.settle();
    const resources = (input.ResourceArns ?? []).map((arn) => this.taggable(arn));
    for (const resource of resources) for (const key of input.TagKeys ?? []) delete resource.tags[key];
    return {};
  }

  describeTags(input: DescribeTagsCommandInput): Out<DescribeTagsCommandOutput> {
    this.settle();
    const arns = input.ResourceArns ?? [];
    if (arns.length === 0) throw validationError('At least one resource ARN must be specified');
    if (arns.length > MAX_DESCRIBE_TAGS_ARNS) {
      throw validationError(`1 validation error detected: Value at 'resourceArns' failed to satisfy constraint: Member must have length less than or equal to ${MAX_DESCRIBE_TAGS_ARNS}`);
    }
    return { TagDescriptions: arns.map((arn) => ({ ResourceArn: arn, Tags: tagsToList(this.taggable(arn).tags) })) };
  }

  // ==== Inventory =================================================================================

  inventory(): InventoryItem[] {
    const items: InventoryItem[] = [];
    const live = Object.values(this.data.loadBalancers).filter((lb) => lb.deletedAt === undefined);
    const lbName = (arn: string): string => this.data.loadBalancers[arn]?.name ?? '?';
    for (const lb of live) items.push({ service: 'elbv2', type: 'load-balancer', id: lb.arn, tags: { ...lb.tags }, key: lb.name });
    for (const tg of Object.values(this.data.targetGroups)) {
      items.push({ service: 'elbv2', type: 'target-group', id: tg.arn, tags: { ...tg.tags }, key: tg.name });
    }
    for (const listener of Object.values(this.data.listeners)) {
      const key = `${lbName(listener.loadBalancerArn)}:${listener.port}`;
      items.push({ service: 'elbv2', type: 'listener', id: listener.arn, tags: { ...listener.tags }, key });
    }
    for (const rule of Object.values(this.data.rules)) {
      const listener = this.data.listeners[rule.listenerArn];
      if (rule.priority === undefined || !listener) continue;
      const key = `${lbName(listener.loadBalancerArn)}:${listener.port}:${rule.priority}`;
      items.push({ service: 'elbv2', type: 'rule', id: rule.arn, tags: { ...rule.tags }, key });
    }
    return items;
  }

  // ==== Output shapes =============================================================================

  private describeLoadBalancer(lb: LoadBalancerRecord): LoadBalancer {
    return {
      LoadBalancerArn: lb.arn,
      DNSName: lb.dnsName,
      CanonicalHostedZoneId: ALB_HOSTED_ZONES[this.world.region] ?? 'Z0SANDBOXALBZONE',
      CreatedTime: new Date(lb.createdTime),
      LoadBalancerName: lb.name,
      Scheme: lb.scheme,
      VpcId: lb.vpcId,
      State: { Code: lb.deletedAt !== undefined || this.world.isPast(lb.activeAt) ? 'active' : 'provisioning' },
      Type: 'application',
      AvailabilityZones: this.availabilityZones(lb),
      SecurityGroups: [...lb.securityGroups],
      IpAddressType: lb.ipAddressType,
    };
  }

  private availabilityZones(lb: LoadBalancerRecord): AvailabilityZone[] {
    return lb.zones.map((z) => ({ ZoneName: z.zoneName, SubnetId: z.subnetId, LoadBalancerAddresses: [] }));
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

  private describeListener(listener: ListenerRecord): Listener {
    return {
      ListenerArn: listener.arn,
      LoadBalancerArn: listener.loadBalancerArn,
      Port: listener.port,
      Protocol: listener.protocol,
      ...(listener.certificates.length > 0 ? { Certificates: structuredClone(listener.certificates) } : {}),
      ...(listener.sslPolicy ? { SslPolicy: listener.sslPolicy } : {}),
      DefaultActions: structuredClone(listener.defaultActions),
    };
  }

  private describeRule(rule: RuleRecord): Rule {
    if (rule.priority === undefined) {
      const listener = this.data.listeners[rule.listenerArn];
      return { RuleArn: rule.arn, Priority: 'default', Conditions: [], Actions: structuredClone(listener?.defaultActions ?? []), IsDefault: true };
    }
    return {
      RuleArn: rule.arn,
      Priority: String(rule.priority),
      Conditions: structuredClone(rule.conditions),
      Actions: structuredClone(rule.actions),
      IsDefault: false,
    };
  }

  // ==== Lookups ===================================================================================

  private getLoadBalancer(arn: string | undefined): LoadBalancerRecord {
    checkArn(arn, 'loadbalancer');
    const lb = this.data.loadBalancers[arn ?? ''];
    if (!lb || lb.deletedAt !== undefined) throw elbError(LoadBalancerNotFoundException, `Load balancer '${arn ?? ''}' not found`);
    return lb;
  }

  private getTargetGroup(arn: string | undefined): TargetGroupRecord {
    checkArn(arn, 'targetgroup');
    const tg = this.data.targetGroups[arn ?? ''];
    if (!tg) throw elbError(TargetGroupNotFoundException, `Target group '${arn ?? ''}' not found`);
    return tg;
  }

  private getListener(arn: string | undefined): ListenerRecord {
    checkArn(arn, 'listener');
    const listener = this.data.listeners[arn ?? ''];
    if (!listener) throw elbError(ListenerNotFoundException, `Listener '${arn ?? ''}' not found`);
    return listener;
  }

  private getRule(arn: string | undefined): RuleRecord {
    checkArn(arn, 'listener-rule');
    const rule = this.data.rules[arn ?? ''];
    if (!rule) throw elbError(RuleNotFoundException, `One or more rules not found`);
    return rule;
  }

  /** Whatever AddTags / RemoveTags / DescribeTags address by ARN. */
  private taggable(arn: string): { tags: Tags } {
    const kind = arnKind(arn);
    if (kind === 'loadbalancer') return this.getLoadBalancer(arn);
    if (kind === 'targetgroup') return this.getTargetGroup(arn);
    if (kind === 'listener') return this.getListener(arn);
    if (kind === 'listener-rule') return this.getRule(arn);
    throw validationError(`'${arn}' is not a valid resource ARN`);
  }

  private listenersOf(loadBalancerArn: string): ListenerRecord[] {
    return Object.values(this.data.listeners).filter((l) => l.loadBalancerArn === loadBalancerArn);
  }

  private rulesOf(listenerArn: string): RuleRecord[] {
    return Object.values(this.data.rules).filter((r) => r.listenerArn === listenerArn);
  }

  /** The load balancers whose listeners' default actions or rules forward to the target group. */
  private loadBalancersUsing(targetGroupArn: string): string[] {
    const arns = new Set<string>();
    for (const listener of Object.values(this.data.listeners)) {
      const actions = [listener.defaultActions, ...this.rulesOf(listener.arn).map((r) => r.actions)].flat();
      if (forwardedTargetGroups(actions).includes(targetGroupArn)) arns.add(listener.loadBalancerArn);
    }
    return [...arns];
  }

  private isForwardedTo(targetGroupArn: string): boolean {
    return this.loadBalancersUsing(targetGroupArn).length > 0;
  }

  // ==== Effects and checks ========================================================================

  /** Lazy transitions that need no read to happen: a deleted load balancer disappears when due. */
  private settle(): void {
    for (const lb of Object.values(this.data.loadBalancers)) {
      if (lb.deletedAt !== undefined && this.world.isPast(lb.deletedAt)) delete this.data.loadBalancers[lb.arn];
    }
  }

  private removeListener(listener: ListenerRecord): void {
    for (const rule of this.rulesOf(listener.arn)) delete this.data.rules[rule.arn];
    delete this.data.listeners[listener.arn];
  }

  private attachEnis(lb: LoadBalancerRecord): string[] {
    const id = lb.arn.slice(lb.arn.lastIndexOf('/') + 1);
    return lb.zones.map((zone) =>
      this.peers.ec2.attachServiceEni({
        subnetId: zone.subnetId,
        groupIds: [...lb.securityGroups],
        description: `ELB app/${lb.name}/${id}`,
        requesterId: ELB_REQUESTER_ID,
        publicIp: lb.scheme === 'internet-facing',
      }),
    );
  }

  private replaceEnis(lb: LoadBalancerRecord): void {
    for (const eniId of lb.eniIds) this.peers.ec2.releaseServiceEni(eniId, 'ec2.eni.elb.released');
    lb.eniIds = this.attachEnis(lb);
  }

  /** Subnets as the EC2 model knows them: ≥ 2, each in its own AZ, all in one VPC. */
  private checkSubnets(subnetIds: readonly string[]): { vpcId: string; zones: Zone[] } {
    const subnets = subnetIds.map((id) => {
      const subnet = this.findSubnet(id);
      if (!subnet) throw elbError(SubnetNotFoundException, `The subnet ID '${id}' is not valid`);
      return subnet;
    });
    const zones = new Set(subnets.map((s) => s.availabilityZone));
    if (zones.size < 2) throw validationError('At least two subnets in two different Availability Zones must be specified');
    if (zones.size < subnets.length) {
      throw elbError(InvalidConfigurationRequestException, 'A load balancer cannot be attached to multiple subnets in the same Availability Zone');
    }
    const vpcIds = new Set(subnets.map((s) => s.vpcId));
    if (vpcIds.size > 1) throw elbError(InvalidConfigurationRequestException, 'All subnets must belong to the same VPC');
    return {
      vpcId: subnets[0]?.vpcId ?? '',
      zones: subnets.map((s) => ({ subnetId: s.subnetId, zoneName: s.availabilityZone })),
    };
  }

  /** Security groups of the VPC; none given → the VPC's default group, as AWS does. */
  private checkSecurityGroups(groupIds: readonly string[] | undefined, vpcId: string): string[] {
    if (!groupIds?.length) {
      const fallback = this.defaultSecurityGroup(vpcId);
      return fallback ? [fallback] : [];
    }
    for (const id of groupIds) {
      const group = this.findSecurityGroup(id);
      if (!group || group.vpcId !== vpcId) throw elbError(InvalidSecurityGroupException, `Security group '${id}' does not exist in VPC '${vpcId}'`);
    }
    return [...new Set(groupIds)];
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

  /**
   * Actions as AWS stores and returns them. Forward actions name existing target groups, which may
   * serve no other load balancer.
   */
  private normalizeActions(actions: readonly Action[] | undefined, lb: LoadBalancerRecord): Action[] {
    if (!actions?.length) throw validationError('At least one action must be specified');
    return actions.map((action): Action => {
      const order = action.Order !== undefined ? { Order: action.Order } : {};
      switch (action.Type) {
        case 'forward': {
          const configured = action.ForwardConfig?.TargetGroups;
          if (action.TargetGroupArn && configured && (configured.length !== 1 || configured[0]?.TargetGroupArn !== action.TargetGroupArn)) {
            throw validationError('You cannot specify both a target group ARN and a forward config with different target groups');
          }
          const groups = configured?.length
            ? configured.map((t) => ({ TargetGroupArn: t.TargetGroupArn ?? '', Weight: t.Weight ?? 1 }))
            : action.TargetGroupArn
              ? [{ TargetGroupArn: action.TargetGroupArn, Weight: 1 }]
              : [];
          if (groups.length === 0) throw validationError('A target group ARN must be specified for a forward action');
          for (const { TargetGroupArn } of groups) {
            const tg = this.getTargetGroup(TargetGroupArn);
            const others = this.loadBalancersUsing(tg.arn).filter((arn) => arn !== lb.arn);
            if (others.length > 0) {
              throw elbError(TargetGroupAssociationLimitException, `The following target groups cannot be associated with more than one load balancer: ${tg.arn}`);
            }
            if (tg.vpcId !== lb.vpcId) {
              throw validationError(`The target group '${tg.arn}' is not in the load balancer's VPC '${lb.vpcId}'`);
            }
          }
          const stickiness = action.ForwardConfig?.TargetGroupStickinessConfig;
          return {
            Type: 'forward',
            ...(groups.length === 1 ? { TargetGroupArn: groups[0]?.TargetGroupArn } : {}),
            ...order,
            ForwardConfig: {
              TargetGroups: groups,
              TargetGroupStickinessConfig: {
                Enabled: stickiness?.Enabled ?? false,
                ...(stickiness?.DurationSeconds !== undefined ? { DurationSeconds: stickiness.DurationSeconds } : {}),
              },
            },
          };
        }
        case 'redirect': {
          const c = action.RedirectConfig;
          if (c?.StatusCode !== 'HTTP_301' && c?.StatusCode !== 'HTTP_302') {
            throw validationError('A redirect action needs a RedirectConfig with StatusCode HTTP_301 or HTTP_302');
          }
          return {
            Type: 'redirect',
            ...order,
            RedirectConfig: {
              Protocol: c.Protocol ?? '#{protocol}',
              Port: c.Port ?? '#{port}',
              Host: c.Host ?? '#{host}',
              Path: c.Path ?? '/#{path}',
              Query: c.Query ?? '#{query}',
              StatusCode: c.StatusCode,
            },
          };
        }
        case 'fixed-response': {
          const c = action.FixedResponseConfig;
          if (!c?.StatusCode || !/^[245]\d\d$/.test(c.StatusCode)) {
            throw validationError('A fixed-response action needs a FixedResponseConfig with a 2XX, 4XX or 5XX StatusCode');
          }
          return {
            Type: 'fixed-response',
            ...order,
            FixedResponseConfig: {
              StatusCode: c.StatusCode,
              ...(c.ContentType !== undefined ? { ContentType: c.ContentType } : {}),
              ...(c.MessageBody !== undefined ? { MessageBody: c.MessageBody } : {}),
            },
          };
        }
        default:
          throw awsError('SandboxNotModelled', `the sandbox does not model '${String(action.Type)}' actions`);
      }
    });
  }

  /** Tags merged with `[{ Key, Value }]`, at most 50. */
  private checkedTags(existing: Tags, list: ReadonlyArray<{ Key?: string; Value?: string }> | undefined): Tags {
    for (const tag of list ?? []) if (!tag.Key) throw validationError('A tag key must be specified');
    const merged = { ...existing, ...tagsFromList(list) };
    if (Object.keys(merged).length > MAX_TAGS) throw elbError(TooManyTagsException, `A resource can have no more than ${MAX_TAGS} tags`);
    return merged;
  }

  /** A random-looking 16-hex-digit ID, as ELB puts at the end of its ARNs. */
  private hexId(): string {
    const id = this.world.newId('x', 16);
    return id.slice(id.indexOf('-') + 1);
  }

  /** A simulated duration in sim-seconds: as given in timed mode, 0 in instant mode. */
  private timed(seconds: number): number {
    return this.world.msPerSimSecond > 0 ? seconds : 0;
  }

  // ==== The EC2 model, read through its own API =================================================

  private findSubnet(subnetId: string): { subnetId: string; vpcId: string; availabilityZone: string } | undefined {
    const subnet = ignoreNotFound(() => this.peers.ec2.describeSubnets({ SubnetIds: [subnetId] }).Subnets?.[0]);
    if (!subnet?.VpcId || !subnet.AvailabilityZone) return undefined;
    return { subnetId, vpcId: subnet.VpcId, availabilityZone: subnet.AvailabilityZone };
  }

  private findSecurityGroup(groupId: string): { vpcId: string } | undefined {
    const group = ignoreNotFound(() => this.peers.ec2.describeSecurityGroups({ GroupIds: [groupId] }).SecurityGroups?.[0]);
    return group?.VpcId ? { vpcId: group.VpcId } : undefined;
  }

  private defaultSecurityGroup(vpcId: string): string | undefined {
    const groups = ignoreNotFound(
      () =>
        this.peers.ec2.describeSecurityGroups({
          Filters: [
            { Name: 'vpc-id', Values: [vpcId] },
            { Name: 'group-name', Values: ['default'] },
          ],
        }).SecurityGroups,
    );
    return groups?.find((g) => g.VpcId === vpcId && g.GroupName === 'default')?.GroupId;
  }

  private vpcExists(vpcId: string): boolean {
    return ignoreNotFound(() => this.peers.ec2.describeVpcs({ VpcIds: [vpcId] }).Vpcs?.length) !== undefined;
  }
}

// ---- Pure helpers --------------------------------------------------------------------------------

/** Runs an EC2 lookup; its `….NotFound` / malformed-ID errors read as "not there". */
function ignoreNotFound<T>(lookup: () => T): T | undefined {
  try {
    return lookup();
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    if (name.endsWith('.NotFound') || name.endsWith('.Malformed')) return undefined;
    throw error;
  }
}

function checkName(name: string, what: 'Load balancer' | 'Target group'): void {
  if (name.length === 0) throw validationError(`${what} name cannot be empty`);
  if (name.length > 32) throw validationError(`${what} name '${name}' cannot be longer than '32' characters`);
  if (!/^[A-Za-z0-9-]+$/.test(name)) {
    throw validationError(`${what} name '${name}' can only contain characters that are alphanumeric characters or hyphens(-)`);
  }
  if (name.startsWith('-') || name.endsWith('-')) throw validationError(`${what} name '${name}' cannot begin or end with '-' character`);
}

function checkPort(port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw validationError(`Port '${port}' must be between 1 and 65535`);
}

function checkPriority(priority: number | undefined): number {
  if (priority === undefined || !Number.isInteger(priority) || priority < 1 || priority > 50000) {
    throw validationError(`Priority '${String(priority)}' must be between 1 and 50000`);
  }
  return priority;
}

function checkListenerProtocol(protocol: ProtocolEnum | undefined): ProtocolEnum {
  if (!protocol) throw validationError('A listener protocol must be specified');
  if (protocol !== 'HTTP' && protocol !== 'HTTPS') {
    throw validationError(`Listener protocol '${protocol}' must be one of 'HTTPS, HTTP'`);
  }
  return protocol;
}

function checkCertificates(protocol: ProtocolEnum, certificates: readonly Certificate[] | undefined): Certificate[] {
  if (protocol !== 'HTTPS') return [];
  if (!certificates?.length) throw validationError('A certificate must be specified for HTTPS listeners');
  for (const c of certificates) {
    if (!c.CertificateArn?.startsWith('arn:')) throw elbError(CertificateNotFoundException, `Certificate '${c.CertificateArn ?? ''}' not found`);
  }
  return certificates.map((c) => ({ CertificateArn: c.CertificateArn }));
}

function checkArn(arn: string | undefined, kind: ArnKind): void {
  if (!arn || !ARN_PATTERNS[kind].test(arn)) throw validationError(`'${arn ?? ''}' is not a valid ${ARN_KIND_NAMES[kind]} ARN`);
}

function arnKind(arn: string): ArnKind | undefined {
  return (Object.keys(ARN_PATTERNS) as ArnKind[]).find((kind) => ARN_PATTERNS[kind].test(arn));
}

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
  const inRange = (value: number, min: number, max: number, what: string): void => {
    if (!Number.isInteger(value) || value < min || value > max) throw validationError(`${what} '${value}' must be between ${min} and ${max}`);
  };
  inRange(hc.intervalSeconds, 5, 300, 'Health check interval');
  inRange(hc.timeoutSeconds, 2, 120, 'Health check timeout');
  inRange(hc.healthyThresholdCount, 2, 10, 'Healthy threshold count');
  inRange(hc.unhealthyThresholdCount, 2, 10, 'Unhealthy threshold count');
  if (hc.timeoutSeconds >= hc.intervalSeconds) throw validationError('Health check timeout must be smaller than the interval');
  if (hc.protocol !== 'HTTP' && hc.protocol !== 'HTTPS') throw validationError(`Health check protocol '${hc.protocol}' must be one of 'HTTP, HTTPS'`);
  if (hc.port !== 'traffic-port') checkPort(Number(hc.port));
  if (!hc.path.startsWith('/') || hc.path.length > 1024) throw validationError(`Health check path '${hc.path}' must begin with '/' and be at most 1024 characters`);
  const codes = hc.httpCode.split(',').flatMap((part) => part.split('-'));
  if (!/^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$/.test(hc.httpCode) || codes.some((c) => Number(c) < 200 || Number(c) > 499)) {
    throw validationError(`Health check matcher HTTP code '${hc.httpCode}' must be within '200-499'`);
  }
  return hc;
}

/** Conditions as AWS returns them: path-pattern and host-header carry Values and their *Config. */
function normalizeConditions(conditions: readonly RuleCondition[] | undefined): RuleCondition[] {
  if (!conditions?.length) throw validationError('At least one condition must be specified');
  let valueCount = 0;
  const normalized = conditions.map((c): RuleCondition => {
    const field = c.Field;
    if (field === 'path-pattern' || field === 'host-header') {
      const config = field === 'path-pattern' ? c.PathPatternConfig : c.HostHeaderConfig;
      if (c.Values?.length && config?.Values?.length) {
        throw validationError(`You cannot specify both Values and ${field === 'path-pattern' ? 'PathPatternConfig' : 'HostHeaderConfig'}`);
      }
      const values = config?.Values ?? c.Values ?? [];
      if (values.length === 0) throw validationError(`A '${field}' condition must have at least one value`);
      if (values.some((v) => v.length === 0 || v.length > 128)) throw validationError(`'${field}' values must be 1 to 128 characters long`);
      valueCount += values.length;
      return field === 'path-pattern'
        ? { Field: field, Values: [...values], PathPatternConfig: { Values: [...values] } }
        : { Field: field, Values: [...values], HostHeaderConfig: { Values: [...values] } };
    }
    if (field === 'http-header' || field === 'http-request-method' || field === 'query-string' || field === 'source-ip') {
      valueCount += 1;
      return structuredClone(c);
    }
    throw validationError(
      `Condition field '${String(field)}' must be one of '[http-header, http-request-method, host-header, path-pattern, query-string, source-ip]'`,
    );
  });
  if (valueCount > MAX_CONDITION_VALUES) throw validationError(`A rule can only have '${MAX_CONDITION_VALUES}' condition values`);
  return normalized;
}

function forwardedTargetGroups(actions: readonly Action[]): string[] {
  return actions
    .filter((a) => a.Type === 'forward')
    .flatMap((a) => [a.TargetGroupArn, ...(a.ForwardConfig?.TargetGroups ?? []).map((t) => t.TargetGroupArn)])
    .filter((arn): arn is string => arn !== undefined);
}

function attributeList(attributes: Record<string, string>): Array<{ Key: string; Value: string }> {
  return Object.entries(attributes).map(([Key, Value]) => ({ Key, Value }));
}

function modifiedAttributes(
  current: Record<string, string>,
  changes: ReadonlyArray<{ Key?: string; Value?: string }> | undefined,
  what: 'Load balancer' | 'Target group',
): Record<string, string> {
  if (!changes?.length) throw validationError('At least one attribute must be specified');
  const next = { ...current };
  for (const { Key: key = '', Value: value = '' } of changes) {
    if (!(key in current)) throw validationError(`${what} attribute key '${key}' is not recognized`);
    const rule = ATTRIBUTE_RULES[key];
    const ok =
      rule === undefined ||
      ('min' in rule ? /^\d+$/.test(value) && Number(value) >= rule.min && Number(value) <= rule.max : rule.includes(value));
    if (!ok) throw validationError(`${what} attribute '${key}' cannot have the value '${value}'`);
    next[key] = value;
  }
  return next;
}

function isIpv4(value: string): boolean {
  const parts = value.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  const sb = new Set(b);
  return sa.size === sb.size && [...sa].every((x) => sb.has(x));
}

/** A value with its object keys sorted, for comparing settings whatever their key order. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, canonical(v)]));
  }
  return value;
}
