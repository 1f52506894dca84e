// What an environment's target tracking policies should be, decided from its `autoscaling` settings
// and the IDs of its load balancer and target group: pure functions, no calls.
import type { MetricType, TargetTrackingScalingPolicyConfiguration } from '@aws-sdk/client-application-auto-scaling';
import type { AutoscalingConfig } from '../../src/service-config';
import { isKnown } from '../../src/step';

export const POLICY_KINDS = ['cpu', 'memory', 'requests'] as const;
export type PolicyKind = (typeof POLICY_KINDS)[number];

const METRIC: Record<PolicyKind, MetricType> = {
  cpu: 'ECSServiceAverageCPUUtilization',
  memory: 'ECSServiceAverageMemoryUtilization',
  requests: 'ALBRequestCountPerTarget',
};

/** A target tracking configuration as shipline sends it (one predefined metric, both cooldowns). */
export interface TargetTracking extends TargetTrackingScalingPolicyConfiguration {
  TargetValue: number;
  PredefinedMetricSpecification: { PredefinedMetricType: MetricType; ResourceLabel?: string };
  ScaleInCooldown: number;
  ScaleOutCooldown: number;
}

/**
 * `app/<lb-name>/<lb-id>/targetgroup/<tg-name>/<tg-id>`, the label ALBRequestCountPerTarget takes:
 * the ARNs' resource parts after `loadbalancer/` and `targetgroup/`; undefined while either is unknown.
 */
export function resourceLabel(loadBalancerArn: string | undefined, targetGroupArn: string | undefined): string | undefined {
  if (!isKnown(loadBalancerArn) || !isKnown(targetGroupArn)) return undefined;
  const lb = loadBalancerArn.split(':loadbalancer/')[1];
  const tg = targetGroupArn.split(':')[5];
  return lb && tg?.startsWith('targetgroup/') ? `${lb}/${tg}` : undefined;
}

/** One configuration per target the config sets, null for the others (whose policy goes). */
export function targetTrackingPolicies(scaling: AutoscalingConfig, label: string | undefined): Record<PolicyKind, TargetTracking | null> {
  const tracking = (kind: PolicyKind, value: number | null): TargetTracking | null =>
    value === null
      ? null
      : {
          TargetValue: value,
          PredefinedMetricSpecification: { PredefinedMetricType: METRIC[kind], ...(kind === 'requests' && label !== undefined ? { ResourceLabel: label } : {}) },
          ScaleInCooldown: scaling.scaleInCooldownSeconds,
          ScaleOutCooldown: scaling.scaleOutCooldownSeconds,
        };
  return {
    cpu: tracking('cpu', scaling.cpuPercent),
    memory: tracking('memory', scaling.memoryPercent),
    requests: tracking('requests', scaling.requestsPerTarget),
  };
}

/** "CPU 60% · requests 100/target": what an environment's autoscaling tracks (outputs, the diagram). */
export function scalingTargets(scaling: AutoscalingConfig): string {
  return [
    ...(scaling.cpuPercent !== null ? [`CPU ${scaling.cpuPercent}%`] : []),
    ...(scaling.memoryPercent !== null ? [`memory ${scaling.memoryPercent}%`] : []),
    ...(scaling.requestsPerTarget !== null ? [`requests ${scaling.requestsPerTarget}/target`] : []),
  ].join(' · ');
}
