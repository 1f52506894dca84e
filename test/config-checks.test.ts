// The checks that look at several fields at once (routes, names AWS derives, subnets against the
// VPC, the build image against the tasks' architecture): each refusal in full, the field it names
// and what to do, and the configs just inside each limit accepted.
import { parseConfig } from '../src/config';
import { ConfigError } from '../src/errors';
import { configErrorOf as errorOf, parseOver as parse, refusal } from './helpers/config-errors';

const ROUTE_TWICE = 'is used twice; each path (or host) routes to one environment';

describe('routes', () => {
  it('no default route: says what the default route is for', () => {
    expect(errorOf({ environments: [{ name: 'dev', path: '/dev' }] })).toBe(
      refusal('environments: expected exactly one environment without "path" or "host" (it receives every request no other route matches); none has one'),
    );
  });

  it('two default routes: names both, and nothing else (no default route counts as a route used twice)', () => {
    expect(errorOf({ environments: [{ name: 'dev' }, { name: 'prod' }] })).toBe(
      refusal('environments: expected exactly one environment without "path" or "host" (the default route); dev and prod both have none'),
    );
  });

  it.each([
    ['a path', [{ name: 'a', path: '/app' }, { name: 'b', path: '/app' }], `environments[1].path: "/app" ${ROUTE_TWICE}`],
    ['a host', [{ name: 'a', host: 'x.example.com' }, { name: 'b', host: 'x.example.com' }], `environments[1].host: "x.example.com" ${ROUTE_TWICE}`],
    ['a host with a path', [{ name: 'a', host: 'x.example.com', path: '/v1' }, { name: 'b', host: 'x.example.com', path: '/v1' }], `environments[1].path: "x.example.com/v1" ${ROUTE_TWICE}`],
  ])('%s used twice: the second environment\'s field, and the route', (_what, routed, issue) => {
    expect(errorOf({ environments: [...routed, { name: 'prod' }] })).toBe(refusal(issue));
  });
});

describe('names AWS derives from the stack and the environment', () => {
  // `<stack>-<env>-tg-g`, blue/green's second target group, is the longest; AWS takes 32 characters.
  it('a target group name of 32 characters is accepted', () => {
    expect(parse({ stack: 'a-very-long-stack-nm', environments: [{ name: 'eleven' }] }).environments[0]!.name).toBe('eleven');
  });

  it('one of 33 is refused, with the name, its length and what to shorten', () => {
    expect(errorOf({ stack: 'a-very-long-stack-nm', environments: [{ name: 'seventh' }] })).toBe(
      refusal('environments[0].name: the derived target group name "a-very-long-stack-nm-seventh-tg-g" is 33 characters, over AWS\'s 32; shorten the stack or environment name'),
    );
  });

  it('a CPU/memory pair Fargate lacks: the sizes it offers with that CPU', () => {
    expect(errorOf({ environments: [{ name: 'prod', cpu: 256, memory: 4096 }] })).toBe(
      refusal('environments[0].memory: Fargate does not offer 4096 MiB with 256 CPU units; expected one of 512, 1024, 2048'),
    );
  });
});

describe('blue/green test ports', () => {
  it.each([80, 443])('%i, a production listener\'s port, is refused', (port) => {
    expect(errorOf({ deploy: { strategy: 'blue-green' }, environments: [{ name: 'dev', path: '/dev', testPort: port }, { name: 'prod' }] })).toBe(
      refusal(`environments[0].testPort: test port ${port} is a production listener's port; set another "testPort"`),
    );
  });
});

describe('the build image against services.architecture', () => {
  const X86 = 'aws/codebuild/amazonlinux-x86_64-standard:5.0';
  const ARM = 'aws/codebuild/amazonlinux-aarch64-standard:3.0';

  it('an x86 image for ARM64 tasks: refused, with the curated image to fall back on', () => {
    expect(errorOf({ build: { image: X86 } })).toBe(
      refusal(`build.image: "${X86}" builds X86_64 images, but services.architecture is ARM64: the tasks could not run them; leave build.image out to build on ${ARM}, or set services.architecture to X86_64`),
    );
  });

  it('an ARM image for X86_64 tasks: refused the same way', () => {
    expect(errorOf({ build: { image: 'my-registry/builder:arm64' }, services: { architecture: 'X86_64' } })).toBe(
      refusal(`build.image: "my-registry/builder:arm64" builds ARM64 images, but services.architecture is X86_64: the tasks could not run them; leave build.image out to build on ${X86}, or set services.architecture to ARM64`),
    );
  });

  it.each([
    ['an image of the tasks\' architecture', { image: ARM }, 'ARM64'],
    ['an image of the tasks\' architecture (x86)', { image: X86 }, 'X86_64'],
    ['an image whose name says no architecture', { image: 'my-registry/builder:1' }, 'ARM64'],
  ])('%s is accepted', (_what, build, architecture) => {
    expect(parse({ build, services: { architecture } }).build.image).toBe(build.image);
  });
});

describe('subnets of the VPC shipline makes', () => {
  const withSubnets = (publicSubnets: string[], privateSubnets?: string[]) => ({ network: { cidr: '10.0.0.0/16', publicSubnets, ...(privateSubnets ? { privateSubnets } : {}) } });

  it('subnets inside the VPC, one per AZ, apart from each other, down to /28: accepted as given', () => {
    const network = { cidr: '10.0.0.0/16', azs: 2, publicSubnets: ['10.0.0.0/28', '10.0.0.16/28'], privateSubnets: ['10.0.128.0/24', '10.0.129.0/24'] };
    expect(parse({ network }).network).toEqual(network);
  });

  it('a /29: smaller than AWS allows', () => {
    expect(errorOf(withSubnets(['10.0.0.0/29', '10.0.1.0/24']))).toBe(refusal('network.publicSubnets[0]: 10.0.0.0/29 is smaller than /28, the smallest subnet AWS allows'));
  });

  it('a subnet outside the VPC: names the VPC', () => {
    expect(errorOf(withSubnets(['10.0.0.0/24', '10.1.0.0/24']))).toBe(refusal("network.publicSubnets[1]: 10.1.0.0/24 is not inside the VPC's 10.0.0.0/16"));
  });

  it('overlapping subnets: the later one names the earlier one', () => {
    expect(errorOf(withSubnets(['10.0.0.0/24', '10.0.1.0/24'], ['10.0.1.128/25', '10.0.3.0/24']))).toBe(
      refusal('network.privateSubnets[0]: 10.0.1.128/25 overlaps 10.0.1.0/24 (network.publicSubnets[1])'),
    );
  });

  it('the wrong number: how many each AZ needs, and how many there are', () => {
    expect(errorOf(withSubnets(['10.0.0.0/24']))).toBe(refusal('network.publicSubnets: expected 2 CIDRs, one per availability zone (network.azs), got 1'));
  });

  it('an imported VPC is not checked as one shipline makes', () => {
    const network = { vpcId: 'vpc-0123456789abcdef0', publicSubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2'], privateSubnetIds: ['subnet-0bbbbbbbbbbbbbbb1', 'subnet-0bbbbbbbbbbbbbbb2'] };
    expect(parse({ network, nat: { mode: 'none' } }).network).toEqual(network);
  });
});

describe('the state backend', () => {
  it.each(['/shipline/demo.json', 'shipline/'])('the key %s, with a slash at an end: refused', (key) => {
    expect(errorOf({ state: { backend: { type: 's3', bucket: 'team-state', key } } })).toBe(
      refusal('state.backend.key: expected an object key like "shipline/demo.json" (no leading or trailing slash)'),
    );
  });
});

describe('the refusal itself', () => {
  it('a config that is not an object: "(top level)", and the hint to the example', () => {
    let error: unknown;
    try {
      parseConfig(42, 'shipline.json');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(refusal('(top level): Invalid input: expected object, received number'));
    expect((error as ConfigError).hint).toBe('config.example.json shows every field with its default');
  });
});
