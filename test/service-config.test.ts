import { initialDesiredCount, settingsOf } from '../src/service-config';
import { configErrorOf as errorOf, parseOver as parse } from './helpers/config-errors';

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-3:123456789012:secret:demo/api-AbCdEf';

describe('service settings in the config', () => {
  it('gives every environment the defaults when nothing is set: no role, no exec, a fast health check', () => {
    const config = parse({});
    const dev = settingsOf(config, config.environments[0]!);
    expect(dev).toEqual({
      variables: {},
      secrets: {},
      taskRole: null,
      ownTaskRole: false,
      healthCheck: { path: '/', matcher: '200-499', intervalSeconds: 10, healthyThreshold: 2, gracePeriodSeconds: 30 },
      exec: false,
      autoscaling: null,
    });
    expect(config.services.containerInsights).toBe(false);
  });

  it('merges variables and secrets by key, and an environment overrides the rest', () => {
    const config = parse({
      services: {
        variables: { LOG_LEVEL: 'info', REGION: 'eu' },
        secrets: { DB_PASSWORD: '/demo/db-password' },
        healthCheck: { path: '/health', intervalSeconds: 15 },
        taskRole: { statements: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' }] },
        exec: true,
      },
      environments: [
        { name: 'dev', path: '/dev', variables: { LOG_LEVEL: 'debug' }, secrets: { API_KEY: `${SECRET_ARN}:key::` }, healthCheck: { intervalSeconds: 5 }, exec: false },
        { name: 'prod', taskRole: { managedPolicyArns: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'] } },
      ],
    });
    const [dev, prod] = config.environments.map((e) => settingsOf(config, e));
    expect(dev!.variables).toEqual({ LOG_LEVEL: 'debug', REGION: 'eu' });
    expect(dev!.secrets).toEqual({ DB_PASSWORD: '/demo/db-password', API_KEY: `${SECRET_ARN}:key::` });
    expect(dev!.healthCheck).toEqual({ path: '/health', matcher: '200-499', intervalSeconds: 5, healthyThreshold: 2, gracePeriodSeconds: 30 });
    expect(dev!.exec).toBe(false);
    expect(dev!.ownTaskRole).toBe(false);
    expect(dev!.taskRole?.statements).toHaveLength(1);
    expect(prod!.ownTaskRole).toBe(true);
    expect(prod!.taskRole).toEqual({ managedPolicyArns: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'], statements: [] });
    expect(prod!.exec).toBe(true);
  });

  it('keeps the first desired count inside the autoscaling range', () => {
    const config = parse({
      environments: [
        { name: 'dev', path: '/dev', desiredCount: 1, autoscaling: { min: 2, max: 4, cpuPercent: 60 } },
        { name: 'prod', desiredCount: 9, autoscaling: { min: 1, max: 3, memoryPercent: 70 } },
      ],
    });
    const counts = config.environments.map((e) => initialDesiredCount(e, settingsOf(config, e)));
    expect(counts).toEqual([2, 3]);
    expect(config.environments[0]!.autoscaling).toEqual({
      min: 2, max: 4, cpuPercent: 60, memoryPercent: null, requestsPerTarget: null, scaleInCooldownSeconds: 300, scaleOutCooldownSeconds: 60,
    });
  });

  it.each([
    ['a secret reference of no kind AWS has', { services: { secrets: { X: 'arn:aws:s3:::bucket/key' } } }, 'services.secrets.X: expected an SSM parameter name'],
    ['a variable name a shell cannot hold', { services: { variables: { '1X': 'a' } } }, 'services.variables'],
    ['a name that is both a variable and a secret', { services: { variables: { DB: 'a' }, secrets: { DB: '/db' } } }, 'services.secrets.DB: "DB" is both a variable and a secret'],
    ['an environment secret named like a service variable', { services: { variables: { DB: 'a' } }, environments: [{ name: 'prod', secrets: { DB: '/db' } }] }, 'environments[0].secrets.DB: "DB" is both'],
    ['a health check interval below the ALB minimum', { services: { healthCheck: { intervalSeconds: 4 } } }, 'services.healthCheck.intervalSeconds'],
    ['a healthy threshold of 1', { services: { healthCheck: { healthyThreshold: 1 } } }, 'services.healthCheck.healthyThreshold'],
    ['a matcher that is no HTTP code', { services: { healthCheck: { matcher: 'ok' } } }, 'services.healthCheck.matcher: expected HTTP codes'],
    ['a KMS key that is no KMS ARN', { services: { secretsKmsKeyArn: 'alias/mine' } }, 'services.secretsKmsKeyArn: expected a KMS key ARN'],
    ['autoscaling with min above max', { environments: [{ name: 'prod', autoscaling: { min: 5, max: 2, cpuPercent: 50 } }] }, 'environments[0].autoscaling.min: min 5 is above max 2'],
    ['autoscaling without a target', { environments: [{ name: 'prod', autoscaling: { min: 1, max: 2 } }] }, 'environments[0].autoscaling: expected at least one target'],
    ['autoscaling under services', { services: { autoscaling: { min: 1, max: 2, cpuPercent: 50 } } }, 'services: Unrecognized key: "autoscaling"'],
    [
      'requests per target with blue/green',
      { deploy: { strategy: 'blue-green' }, environments: [{ name: 'prod', autoscaling: { min: 1, max: 2, requestsPerTarget: 100 } }] },
      'environments[0].autoscaling.requestsPerTarget: cannot scale on requests per target with deploy.strategy "blue-green"',
    ],
  ])('refuses %s', (_what, overrides, message) => {
    expect(errorOf(overrides)).toContain(message);
  });

  it('accepts every kind of secret reference', () => {
    const refs = {
      A: '/demo/db-password',
      B: 'demo/db-password',
      C: 'arn:aws:ssm:eu-west-3:123456789012:parameter/demo/db-password',
      D: SECRET_ARN,
      E: 'arn:aws:secretsmanager:eu-west-3:123456789012:secret:demo/api',
      F: `${SECRET_ARN}:password::`,
    };
    expect(parse({ services: { secrets: refs } }).services.secrets).toEqual(refs);
  });
});
