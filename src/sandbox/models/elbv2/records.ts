// ELBv2 (simulated): the records the model stores, one per resource family, and what they share.
import {
  type Action,
  type Certificate,
  type IpAddressType,
  type LoadBalancerSchemeEnum,
  type ProtocolEnum,
  type RuleCondition,
  type TargetTypeEnum,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Tags } from '../../kernel/tags';
import type { Ec2Sandbox } from '../ec2';
import type { AcmSandbox } from '../acm';

// ---- Stored records ------------------------------------------------------------------------------

export interface Zone {
  subnetId: string;
  zoneName: string;
}

export interface LoadBalancerRecord {
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

export interface HealthCheck {
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

export interface TargetRecord {
  id: string;
  port: number;
  availabilityZone?: string;
  state: 'registered' | 'draining';
  /** Sim-seconds when it passes its health checks (registered) or finishes draining. */
  until: number;
  /** Whether a read already reported its intermediate state (initial / draining). */
  reported: boolean;
}

export interface TargetGroupRecord {
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

export interface ListenerRecord {
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

export interface RuleRecord {
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

/** The services this one calls, as AWS's own services call each other (given at construction). */
export type Elbv2Peers = { ec2: Ec2Sandbox; acm: AcmSandbox };

// ---- Constants -----------------------------------------------------------------------------------

export const ARN_SERVICE = 'elasticloadbalancing';
export const MAX_TAGS = 50;
export const MAX_DESCRIBE_TAGS_ARNS = 20;
