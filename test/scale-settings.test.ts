// The pure decisions behind issue 13's health check and autoscaling: the target group's health
// check (timeout below the interval, as the ALB requires) and the desired count that provision
// leaves to the autoscaler.
import type { Service } from '@aws-sdk/client-ecs';
import { parseConfig } from '../src/config';
import { settingsOf } from '../src/service-config';
import { healthCheckDrifted, healthCheckTimeout, targetGroupHealthCheck } from '../steps/alb/health-check';
import { serviceDrift, serviceSettings, updateServiceInput, wantedDesiredCount } from '../steps/services/service-settings';
import { BASE_CONFIG } from './helpers/harness';

const parse = (overrides: Record<string, unknown>) => parseConfig({ ...BASE_CONFIG, ...overrides }, 'shipline.json');

describe('the target group health check', () => {
  it('keeps the timeout between 2 and 120 s and below the interval, for every interval the config allows', () => {
    for (let interval = 5; interval <= 300; interval++) {
      const timeout = healthCheckTimeout(interval);
      expect(timeout).toBeLessThan(interval);
      expect(timeout).toBeGreaterThanOrEqual(2);
      expect(timeout).toBeLessThanOrEqual(120);
    }
    expect(healthCheckTimeout(5)).toBe(4);
    expect(healthCheckTimeout(30)).toBe(6);
  });

  it("sets an environment's health check from its merged settings", () => {
    const config = parse({
      services: { healthCheck: { path: '/health', intervalSeconds: 15 } },
      environments: [{ name: 'dev', path: '/dev' }, { name: 'prod', healthCheck: { healthyThreshold: 3, matcher: '200' } }],
    });
    const prod = targetGroupHealthCheck(settingsOf(config, config.environments[1]!).healthCheck);
    expect(prod).toEqual({
      HealthCheckEnabled: true,
      HealthCheckPath: '/health',
      HealthCheckIntervalSeconds: 15,
      HealthCheckTimeoutSeconds: 6,
      HealthyThresholdCount: 3,
      Matcher: { HttpCode: '200' },
    });
    expect(healthCheckDrifted({ ...prod }, prod)).toBe(false);
    expect(healthCheckDrifted({ ...prod, HealthyThresholdCount: 5 }, prod)).toBe(true);
    expect(healthCheckDrifted({ ...prod, HealthCheckTimeoutSeconds: 5 }, prod)).toBe(true);
  });
});

describe('the desired count with autoscaling', () => {
  const config = parse({
    environments: [
      { name: 'dev', path: '/dev', desiredCount: 1 },
      { name: 'prod', desiredCount: 1, autoscaling: { min: 2, max: 6, cpuPercent: 60 }, healthCheck: { gracePeriodSeconds: 90 } },
    ],
  });
  const facts = { subnets: ['subnet-a'], securityGroup: 'sg-1', targetGroupArn: 'arn:tg', taskDefinition: 'arn:td:1' };
  const prod = serviceSettings(config, config.environments[1]!, facts);
  const dev = serviceSettings(config, config.environments[0]!, facts);
  const running = (desiredCount: number): Service => ({
    taskDefinition: 'arn:td:1',
    desiredCount,
    networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-a'], securityGroups: ['sg-1'], assignPublicIp: 'DISABLED' } },
    loadBalancers: [{ targetGroupArn: 'arn:tg', containerName: 'web', containerPort: 80 }],
    deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true }, minimumHealthyPercent: 100, maximumPercent: 200 },
    healthCheckGracePeriodSeconds: 90,
    propagateTags: 'SERVICE',
    enableECSManagedTags: true,
  });

  it('starts a new service inside the range, with the grace period of the config', () => {
    expect(prod.desiredCount).toBe(2);
    expect(prod.desiredRange).toEqual({ min: 2, max: 6 });
    expect(prod.healthCheckGracePeriodSeconds).toBe(90);
    expect(dev.desiredRange).toBeNull();
  });

  it("keeps a count the autoscaler set inside [min, max], and brings one outside back to the nearest bound", () => {
    expect(serviceDrift(running(5), prod)).toEqual([]);
    expect(wantedDesiredCount(prod, 5)).toBe(5);
    expect(serviceDrift(running(9), prod)).toEqual(['desiredCount']);
    expect(updateServiceInput(config, prod, { cluster: 'demo', service: 'demo-prod' }, ['desiredCount'], running(9))).toEqual({ cluster: 'demo', service: 'demo-prod', desiredCount: 6 });
    expect(updateServiceInput(config, prod, { cluster: 'demo', service: 'demo-prod' }, ['desiredCount'], running(0))).toEqual({ cluster: 'demo', service: 'demo-prod', desiredCount: 2 });
  });

  it('without autoscaling, resets the count to the config’s', () => {
    expect(serviceDrift({ ...running(3), healthCheckGracePeriodSeconds: 30 }, dev)).toEqual(['desiredCount']);
  });
});
