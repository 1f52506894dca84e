// The end-to-end promises as a suite any config can be put through: the exact inventory (every
// resource tagged), a second provision that changes nothing, a lost state recovered by tags, a
// provision failing at each of its mutating calls then re-run converging with no duplicate, and
// destroy leaving nothing (also with a lost state, also failing at each of its mutating calls).
import { readFileSync, rmSync } from 'node:fs';
import { parseConfig, testPort, type ConfigInput } from '../../src/config';
import { STACK_TAG } from '../../src/tags';
import { harness, shape, type Harness } from './harness';

type State = { resources: Record<string, { id?: string }> };
export const stateOf = (x: Harness) => JSON.parse(readFileSync(x.statePath, 'utf8')) as State;

/** Every resource a provision of `input` makes (stack `demo`), as `shape` lists them. */
export function expectedInventory(input: ConfigInput): string[] {
  const config = parseConfig(input, 'test config');
  const blueGreen = config.deploy.strategy === 'blue-green';
  const network = [
    'ec2/vpc/demo-vpc',
    'ec2/subnet/demo-public-a',
    'ec2/subnet/demo-public-b',
    'ec2/subnet/demo-private-a',
    'ec2/subnet/demo-private-b',
    'ec2/internet-gateway/demo-igw',
    'ec2/route-table/demo-public-rt',
    'ec2/route-table/demo-private-rt',
    'ec2/route/demo-public-rt:0.0.0.0/0',
    'ec2/route/demo-private-rt:0.0.0.0/0',
    'ec2/security-group/demo-nat',
    'ec2/instance/demo-nat',
  ];
  const shared = [
    'ec2/security-group/demo-alb',
    'elbv2/load-balancer/demo-alb',
    'elbv2/listener/demo-alb:80',
    'ecs/cluster/demo',
    'iam/role//shipline/demo-task-execution',
    'iam/role-policy-attachment//shipline/demo-task-execution/arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy',
    'ecr/repository/demo',
    's3/bucket/demo-artifacts-123456789012-eu-west-3',
    'connections/connection/demo-github',
    'logs/log-group//shipline/demo/build',
    'iam/role//shipline/demo-codebuild',
    'iam/role-policy//shipline/demo-codebuild/build',
    'codebuild/project/demo-build',
    'codebuild/project/demo-mark',
    'iam/role//shipline/demo-codepipeline',
    'iam/role-policy//shipline/demo-codepipeline/pipeline',
    'codepipeline/pipeline/demo-pipeline',
    ...(blueGreen
      ? [
          'codedeploy/application/demo',
          'iam/role//shipline/demo-codedeploy',
          'iam/role-policy-attachment//shipline/demo-codedeploy/arn:aws:iam::aws:policy/AWSCodeDeployRoleForECSLimited',
        ]
      : []),
  ];
  const perEnvironment = config.environments.flatMap((env, i) => [
    `elbv2/target-group/demo-${env.name}-tg`,
    ...(env.path !== undefined || env.host !== undefined ? [`elbv2/rule/demo-alb:80:${10 * (i + 1)}`] : []),
    `logs/log-group//shipline/demo/${env.name}`,
    `ec2/security-group/demo-${env.name}-svc`,
    `ecs/task-definition/demo-${env.name}:1`,
    `ecs/service/demo/demo-${env.name}`,
    ...(blueGreen
      ? [
          `elbv2/target-group/demo-${env.name}-tg-g`,
          `elbv2/listener/demo-alb:${testPort(config, env.name)}`,
          `codedeploy/deployment-group/demo/demo-${env.name}`,
        ]
      : []),
  ]);
  return [...network, ...shared, ...perEnvironment].sort();
}

/** The loops run a provision (and a destroy) per mutating call: give them time on a busy machine. */
const LOOP_TIMEOUT = 180_000;

/** EC2's eventual consistency is on in every run: a new EC2 resource is hidden from this many calls naming it. */
export const EC2_HIDDEN_CALLS = 2;

/** The promises, for one config. */
export function describePromises(config: ConfigInput): void {
  let h: Harness | undefined;
  const stack = (): Harness => {
    const x = harness({ config });
    x.sandbox.faults.hideNewEc2(EC2_HIDDEN_CALLS);
    return x;
  };
  afterEach(() => h?.restore());
  const inventory = expectedInventory(config);

  describe('provision', () => {
    it('creates exactly the expected inventory, every resource tagged with the stack', async () => {
      h = stack();
      await h.ok('provision');
      expect(shape(h.sandbox)).toEqual(inventory);
      const untaggable = ['route', 'role-policy-attachment', 'role-policy'];
      for (const item of h.sandbox.inventory().filter((i) => !untaggable.includes(i.type))) {
        expect({ id: item.id, stack: item.tags[STACK_TAG] }).toEqual({ id: item.id, stack: 'demo' });
      }
    });

    it('makes zero mutating calls the second time, and reports everything unchanged', async () => {
      h = stack();
      await h.ok('provision');
      const before = h.sandbox.calls.length;
      const second = await h.ok('provision', '--log-level', 'debug');
      expect(h.sandbox.calls.slice(before).filter((c) => c.mutating).map((c) => c.operation)).toEqual([]);
      expect(new Set(second.logs.filter((l) => l.outcome).map((l) => l.outcome))).toEqual(new Set(['unchanged']));
    });

    it('adopts everything by its tags when the state file is lost, creating nothing', async () => {
      h = stack();
      await h.ok('provision');
      const recorded = Object.keys(stateOf(h).resources).sort();
      rmSync(h.statePath);
      rmSync(`${h.statePath}.bak`, { force: true });
      const before = h.sandbox.calls.length;
      await h.ok('provision');
      expect(h.sandbox.calls.slice(before).filter((c) => c.mutating).map((c) => c.operation)).toEqual([]);
      expect(shape(h.sandbox)).toEqual(inventory);
      expect(Object.keys(stateOf(h).resources).sort()).toEqual(recorded);
    });
  });

  describe('a provision that fails at each mutating call in turn', () => {
    it.each(['crash after the call reached AWS', 'failure before the call changed anything'] as const)(
      '%s, then a re-run, converges to the same inventory with no duplicate',
      async (kind) => {
        const clean = stack();
        await clean.ok('provision');
        const count = clean.sandbox.mutatingCalls().length;
        clean.restore();
        expect(count).toBeGreaterThan(10);
        for (let n = 1; n <= count; n++) {
          h = stack();
          if (kind === 'crash after the call reached AWS') h.sandbox.faults.crashAfterMutation(n);
          else h.sandbox.faults.failBeforeMutation(n);
          const failed = await h.run('provision');
          expect({ n, code: failed.code }).toEqual({ n, code: 1 });
          await h.ok('provision');
          expect({ n, inventory: shape(h.sandbox) }).toEqual({ n, inventory });
          h.restore();
          h = undefined;
        }
      },
      LOOP_TIMEOUT,
    );
  });

  describe('destroy', () => {
    it('leaves no resource of the stack, and a second destroy has nothing to do', async () => {
      h = stack();
      await h.ok('provision');
      await h.ok('destroy', '--yes');
      expect(h.sandbox.inventory()).toEqual([]);
      expect(Object.keys(stateOf(h).resources)).toEqual([]);
      const before = h.sandbox.mutatingCalls().length;
      await h.ok('destroy', '--yes');
      expect(h.sandbox.mutatingCalls().length).toBe(before);
    });

    it('finds what to delete by tags when the state file is lost', async () => {
      h = stack();
      await h.ok('provision');
      rmSync(h.statePath);
      await h.ok('destroy', '--yes');
      expect(h.sandbox.inventory()).toEqual([]);
    });

    it('converges after failing at each of its mutating calls', async () => {
      const clean = stack();
      await clean.ok('provision');
      const before = clean.sandbox.mutatingCalls().length;
      await clean.ok('destroy', '--yes');
      const count = clean.sandbox.mutatingCalls().length - before;
      clean.restore();
      expect(count).toBeGreaterThan(10); // a loop that ran zero times would prove nothing
      for (let n = 1; n <= count; n++) {
        h = stack();
        await h.ok('provision');
        h.sandbox.faults.crashAfterMutation(h.sandbox.mutatingCalls().length + n);
        expect({ n, code: (await h.run('destroy', '--yes')).code }).toEqual({ n, code: 1 });
        await h.ok('destroy', '--yes');
        expect({ n, left: h.sandbox.inventory() }).toEqual({ n, left: [] });
        h.restore();
        h = undefined;
      }
    }, LOOP_TIMEOUT);
  });
}
