import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, subnetPlan } from '../src/config';
import { configErrorOf as errorOf, parseOver as parse } from './helpers/config-errors';


describe('config', () => {
  it('fills in every default from the three required fields', () => {
    const config = parse({});
    expect(config.network).toEqual({ cidr: '10.0.0.0/16', azs: 2 });
    expect(config.nat).toEqual({ mode: 'instance', instanceType: 't4g.nano', imageId: null });
    expect(config.environments.map((e) => [e.name, e.path, e.cpu, e.memory, e.approval])).toEqual([
      ['dev', '/dev', 256, 512, false],
      ['prod', undefined, 512, 1024, true],
    ]);
    expect(config.deploy.strategy).toBe('rolling');
    expect(config.aws).toEqual({ profile: null, endpoint: null });
  });

  it('accepts config.example.json as it is', async () => {
    const config = await loadConfig(path.join(__dirname, '..', 'config.example.json'));
    expect(config.stack).toBe('demo');
  });

  it.each([
    ['a missing stack', { stack: undefined }, 'stack:'],
    ['a stack name AWS would reject', { stack: 'My_Stack' }, 'stack: expected 2-20 lowercase letters'],
    ['a stack whose load balancer name AWS refuses', { stack: 'internal-api' }, 'stack: the load balancer name "internal-api-alb" would begin with "internal-"'],
    ['a stack named internal', { stack: 'internal' }, 'stack: the load balancer name "internal-alb" would begin with "internal-"'],
    ['a stack whose security group names AWS refuses', { stack: 'sg' }, 'stack: the security group names ("sg-alb" …) would begin with "sg-"'],
    ['a stack starting with sg-', { stack: 'sg-web' }, 'would begin with "sg-"'],
    ['a bad region', { region: 'europe' }, 'region: expected an AWS region like eu-west-3'],
    ['a repository that is not owner/name', { source: { repository: 'demo-app' } }, 'source.repository: expected "owner/name"'],
    ['a malformed CIDR', { network: { cidr: '10.0.0.0/33' } }, 'network.cidr: expected an IPv4 CIDR like 10.0.0.0/16'],
    ['a VPC too small to cut', { network: { cidr: '10.0.0.0/26' } }, 'network.cidr: expected a prefix between /16 and /24'],
    ['host bits in the VPC CIDR', { network: { cidr: '10.0.1.0/16' } }, 'has host bits set'],
    ['a single AZ', { network: { azs: 1 } }, 'network.azs: expected at least 2 availability zones'],
    ['a subnet outside the VPC', { network: { publicSubnets: ['10.1.0.0/24', '10.0.1.0/24'] } }, 'network.publicSubnets[0]: 10.1.0.0/24 is not inside the VPC'],
    ['overlapping subnets', { network: { publicSubnets: ['10.0.0.0/24', '10.0.1.0/24'], privateSubnets: ['10.0.0.128/25', '10.0.3.0/24'] } }, 'network.privateSubnets[0]: 10.0.0.128/25 overlaps 10.0.0.0/24'],
    ['the wrong number of subnets', { network: { publicSubnets: ['10.0.0.0/24'] } }, 'network.publicSubnets: expected 2 CIDRs'],
    ['an unknown NAT mode', { nat: { mode: 'gateway' } }, 'nat.mode:'],
    ['a malformed AMI', { nat: { imageId: 'fck-nat' } }, 'nat.imageId: expected an AMI ID'],
    ['a wrong type', { network: { azs: 'two' } }, 'network.azs:'],
    ['an unknown field (a typo)', { netwrok: {} }, 'netwrok'],
    ['duplicate environment names', { environments: [{ name: 'dev', path: '/dev' }, { name: 'dev' }] }, 'environments[1].name: "dev" is used twice'],
    ['two default routes', { environments: [{ name: 'dev' }, { name: 'prod' }] }, 'dev and prod both have none'],
    ['no default route', { environments: [{ name: 'dev', path: '/dev' }] }, 'none has one'],
    ['a bad path', { environments: [{ name: 'dev', path: 'dev/' }, { name: 'prod' }] }, 'environments[0].path: expected a path like "/dev"'],
    ['a CPU size Fargate lacks', { environments: [{ name: 'prod', cpu: 300 }] }, "environments[0].cpu: expected one of Fargate's CPU sizes"],
    ['a CPU/memory pair Fargate rejects', { environments: [{ name: 'prod', cpu: 256, memory: 4096 }] }, 'Fargate does not offer 4096 MiB with 256 CPU units'],
    ['derived names over AWS limits', { stack: 'a-very-long-stack-nm', environments: [{ name: 'production' }] }, 'over AWS\'s 32'],
    ['a reserved environment name', { environments: [{ name: 'build' }] }, 'environments[0].name: "build" is reserved'],
    ['a bad endpoint', { aws: { endpoint: 'not a url' } }, 'aws.endpoint: expected a URL'],
  ])('rejects %s with a message naming the field', (_what, overrides, expected) => {
    const message = errorOf(overrides);
    expect(message).toContain('shipline.json');
    expect(message).toContain(expected);
  });

  it.each(['internals', 'sgweb', 'my-sg-app', 'internal1'])('accepts the stack %s, whose derived names AWS takes', (stack) => {
    expect(parse({ stack }).stack).toBe(stack);
  });

  it('names the file when it is missing or not JSON', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'shipline-config-'));
    await expect(loadConfig(path.join(dir, 'nope.json'))).rejects.toThrow(/config file .*nope\.json not found/);
    const broken = path.join(dir, 'broken.json');
    writeFileSync(broken, '{ "stack": ');
    await expect(loadConfig(broken)).rejects.toThrow(/broken\.json is not valid JSON/);
  });

  it('cuts the VPC into public blocks first and private blocks from the middle', () => {
    expect(subnetPlan(parse({}).network)).toEqual({
      public: ['10.0.0.0/20', '10.0.16.0/20'],
      private: ['10.0.128.0/20', '10.0.144.0/20'],
    });
    expect(subnetPlan(parse({ network: { cidr: '192.168.0.0/24', azs: 3 } }).network).private).toEqual([
      '192.168.0.128/28',
      '192.168.0.144/28',
      '192.168.0.160/28',
    ]);
  });
});
