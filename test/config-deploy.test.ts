// The config fields of blue/green deployments and of environments routed by host name.
import { testPort } from '../src/config';
import { configErrorOf as errorOf, parseOver as parse } from './helpers/config-errors';

const blueGreen = (environments: unknown[]) => ({ deploy: { strategy: 'blue-green' }, environments });

describe('deploy', () => {
  it('defaults: rolling; for blue/green all traffic at once and the old task set kept 5 minutes', () => {
    expect(parse({}).deploy).toEqual({ strategy: 'rolling', deploymentConfig: 'CodeDeployDefault.ECSAllAtOnce', terminationWaitMinutes: 5 });
  });

  it('gives each environment its own test port in config order, unless it sets one', () => {
    const config = parse(blueGreen([{ name: 'dev', path: '/dev' }, { name: 'qa', path: '/qa', testPort: 9000 }, { name: 'prod' }]));
    expect(config.environments.map((e) => testPort(config, e.name))).toEqual([8080, 9000, 8082]);
  });

  it.each([
    ['an unknown deployment configuration', { deploy: { strategy: 'blue-green', deploymentConfig: 'CodeDeployDefault.AllAtOnce' } }, 'deploy.deploymentConfig:'],
    ['a termination wait over two days', { deploy: { strategy: 'blue-green', terminationWaitMinutes: 3000 } }, 'deploy.terminationWaitMinutes:'],
    ['two environments on one test port', blueGreen([{ name: 'dev', path: '/dev', testPort: 8081 }, { name: 'prod' }]), 'environments[1].testPort: test port 8081 (the default, 8080 + 1) is also dev\'s'],
    ['a test port that is a production listener\'s', blueGreen([{ name: 'dev', path: '/dev', testPort: 443 }, { name: 'prod' }]), 'environments[0].testPort: test port 443 is a production listener\'s port'],
    ['a host that is not a host name', { environments: [{ name: 'api', host: 'https://api.example.com' }, { name: 'prod' }] }, 'environments[0].host: expected a lowercase host name'],
    ['the same host twice', { environments: [{ name: 'a', host: 'x.example.com' }, { name: 'b', host: 'x.example.com' }, { name: 'prod' }] }, 'environments[1].host: "x.example.com" is used twice'],
    ['no default route (every environment has a host or path)', { environments: [{ name: 'api', host: 'api.example.com' }, { name: 'dev', path: '/dev' }] }, 'without "path" or "host"'],
  ])('rejects %s with a message naming the field', (_what, overrides, expected) => {
    expect(errorOf(overrides)).toContain(expected);
  });

  it('accepts a host with a path, a wildcard host, and the same path on two hosts', () => {
    const config = parse({
      environments: [
        { name: 'api', host: 'api.example.com', path: '/v1' },
        { name: 'preview', host: '*.preview.example.com' },
        { name: 'apiv1', host: 'api2.example.com', path: '/v1' },
        { name: 'prod' },
      ],
    });
    expect(config.environments.map((e) => e.host)).toEqual(['api.example.com', '*.preview.example.com', 'api2.example.com', undefined]);
  });

  it('does not check test ports for rolling, which has no test listeners', () => {
    expect(() => parse({ environments: [{ name: 'dev', path: '/dev', testPort: 80 }, { name: 'prod' }] })).not.toThrow();
  });
});
