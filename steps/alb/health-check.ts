// An environment's target group health check, decided from its merged settings (`healthCheck` in
// the config, defaults in src/service-config.ts): pure functions, no calls.
import type { TargetGroup } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { HealthCheckSettings } from '../../src/service-config';

/**
 * AWS's default timeout for an HTTP target group (6 s), or one second under the interval when the
 * interval is shorter: the ALB refuses a timeout that is not smaller than the interval
 * (ValidationError), and a timeout only says when a silent target counts as failed.
 */
export const healthCheckTimeout = (intervalSeconds: number): number => Math.min(6, intervalSeconds - 1);

/** The health check members of CreateTargetGroup / ModifyTargetGroup. */
export interface TargetGroupHealthCheck {
  HealthCheckEnabled: true;
  HealthCheckPath: string;
  HealthCheckIntervalSeconds: number;
  HealthCheckTimeoutSeconds: number;
  HealthyThresholdCount: number;
  Matcher: { HttpCode: string };
}

export function targetGroupHealthCheck(hc: HealthCheckSettings): TargetGroupHealthCheck {
  return {
    HealthCheckEnabled: true,
    HealthCheckPath: hc.path,
    HealthCheckIntervalSeconds: hc.intervalSeconds,
    HealthCheckTimeoutSeconds: healthCheckTimeout(hc.intervalSeconds),
    HealthyThresholdCount: hc.healthyThreshold,
    Matcher: { HttpCode: hc.matcher },
  };
}

/** Whether the group's health check, as DescribeTargetGroups reports it, differs from `want`. */
export function healthCheckDrifted(tg: TargetGroup, want: TargetGroupHealthCheck): boolean {
  return (
    tg.HealthCheckEnabled === false ||
    tg.HealthCheckPath !== want.HealthCheckPath ||
    tg.HealthCheckIntervalSeconds !== want.HealthCheckIntervalSeconds ||
    tg.HealthCheckTimeoutSeconds !== want.HealthCheckTimeoutSeconds ||
    tg.HealthyThresholdCount !== want.HealthyThresholdCount ||
    tg.Matcher?.HttpCode !== want.Matcher.HttpCode
  );
}
