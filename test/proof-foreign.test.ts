// Guarantee 7: what shipline did not make is never touched. The sandbox holds, in the same account
// and even in the stack's VPC, resources someone else made — named like the stack's, untagged or
// tagged for another stack. Provision adopts none of them (not even with a lost state file);
// destroy deletes none of them, and says what blocks it when one of them does.
import { readFileSync, rmSync } from 'node:fs';
import { KEYS as ALB } from '../steps/alb';
import { KEYS as NETWORK } from '../steps/network';
import type { Sandbox } from '../src/sandbox/sandbox';
import { STACK_TAG } from '../src/tags';
import { harness, shape, type Harness, type RunResult } from './helpers/harness';

let h: Harness | undefined;
afterEach(() => h?.restore());

type State = { resources: Record<string, { id?: string }> };
const state = (x: Harness) => JSON.parse(readFileSync(x.statePath, 'utf8')) as State;
const recordedIds = (x: Harness) => Object.values(state(x).resources).map((r) => r.id);

/** What a failed run printed besides its JSON log lines: the error and its hint. */
const errorOf = (run: RunResult) => run.stderr.split('\n').filter((l) => l.trim() && !l.startsWith('{')).join('\n');

/** Does `value` hold the string `id` anywhere (deep)? */
function mentions(value: unknown, id: string): boolean {
  if (typeof value === 'string') return value === id;
  if (Array.isArray(value)) return value.some((v) => mentions(v, id));
  if (value !== null && typeof value === 'object') return Object.values(value).some((v) => mentions(v, id));
  return false;
}

/** The mutating calls from `from` on that name one of `ids`: none, if nothing foreign was touched. */
function touching(sandbox: Sandbox, from: number, ids: readonly string[]): string[] {
  return sandbox.calls
    .slice(from)
    .filter((c) => c.mutating && ids.some((id) => mentions(c.input, id)))
    .map((c) => `${c.service}:${c.operation} ${JSON.stringify(c.input)}`);
}

/** The foreign resources as the inventory shows them (ID, tags): unchanged, if nothing touched them. */
const snapshotOf = (sandbox: Sandbox, ids: readonly string[]) =>
  sandbox
    .inventory()
    .filter((i) => ids.includes(i.id))
    .map((i) => ({ id: i.id, type: i.type, tags: i.tags }));

const untagged = (name: string) => [{ Key: 'Name', Value: name }];
const otherStack = (name: string) => [{ Key: STACK_TAG, Value: 'demo2' }, { Key: 'Name', Value: name }];

/** Someone else's resources, named like the stack's, outside its VPC. Returns their IDs and names. */
async function foreignOutside(sandbox: Sandbox): Promise<string[]> {
  const ec2 = (op: string, input: object) => sandbox.dispatch('ec2', op, input);
  // A VPC and a security group carrying the stack's names, but not its tag.
  const { Vpc } = (await ec2('CreateVpc', { CidrBlock: '10.0.0.0/16', TagSpecifications: [{ ResourceType: 'vpc', Tags: untagged('demo-vpc') }] })) as {
    Vpc: { VpcId: string };
  };
  const { GroupId: foreignGroup } = (await ec2('CreateSecurityGroup', {
    GroupName: 'demo-alb',
    Description: 'not shipline',
    VpcId: Vpc.VpcId,
    TagSpecifications: [{ ResourceType: 'security-group', Tags: otherStack('demo-alb') }],
  })) as { GroupId: string };
  // A bucket named like the artifact bucket, a role under shipline's path, a log group under the stack's prefix.
  await sandbox.dispatch('s3', 'CreateBucket', { Bucket: 'demo-artifacts-backup', CreateBucketConfiguration: { LocationConstraint: 'eu-west-3' } });
  await sandbox.dispatch('s3', 'PutObject', { Bucket: 'demo-artifacts-backup', Key: 'keep.txt', Body: 'mine' });
  const { Role } = (await sandbox.dispatch('iam', 'CreateRole', {
    RoleName: 'demo-codepipeline-ci',
    Path: '/shipline/',
    AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'codepipeline.amazonaws.com' }, Action: 'sts:AssumeRole' }] }),
  })) as { Role: { Arn: string } };
  await sandbox.dispatch('logs', 'CreateLogGroup', { logGroupName: '/shipline/demo/staging' });
  return [Vpc.VpcId, foreignGroup, 'demo-artifacts-backup', 'demo-codepipeline-ci', Role.Arn, '/shipline/demo/staging'];
}

/** Someone else's security group and untagged target group in the stack's VPC, the group forwarded to by a rule on the stack's listener. */
async function foreignInside(x: Harness): Promise<string[]> {
  const vpc = state(x).resources[NETWORK.vpc]!.id!;
  const { GroupId } = (await x.sandbox.dispatch('ec2', 'CreateSecurityGroup', {
    GroupName: 'intruder',
    Description: 'not shipline',
    VpcId: vpc,
    TagSpecifications: [{ ResourceType: 'security-group', Tags: untagged('demo-nat') }],
  })) as { GroupId: string };
  const { TargetGroups } = (await x.sandbox.dispatch('elbv2', 'CreateTargetGroup', {
    Name: 'demo-extra-tg',
    Protocol: 'HTTP',
    Port: 80,
    VpcId: vpc,
    TargetType: 'ip',
  })) as { TargetGroups: Array<{ TargetGroupArn: string }> };
  const group = TargetGroups[0]!.TargetGroupArn;
  const { Rules } = (await x.sandbox.dispatch('elbv2', 'CreateRule', {
    ListenerArn: state(x).resources[ALB.listener('http')]!.id,
    Priority: 500,
    Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/extra/*'] } }],
    Actions: [{ Type: 'forward', TargetGroupArn: group }],
  })) as { Rules: Array<{ RuleArn: string }> };
  return [GroupId, group, Rules[0]!.RuleArn];
}

async function primaryInterface(sandbox: Sandbox, instance: string): Promise<string> {
  const { Reservations } = (await sandbox.dispatch('ec2', 'DescribeInstances', { InstanceIds: [instance] })) as {
    Reservations: Array<{ Instances: Array<{ NetworkInterfaces: Array<{ NetworkInterfaceId: string }> }> }>;
  };
  return Reservations[0]!.Instances[0]!.NetworkInterfaces[0]!.NetworkInterfaceId;
}

describe('foreign resources named like the stack\'s, in its account and in its VPC', () => {
  it('provision adopts none of them, even with a lost state file; destroy deletes none of them', async () => {
    const clean = harness();
    await clean.ok('provision');
    clean.restore();
    const reference = shape(clean.sandbox);

    h = harness();
    const outside = await foreignOutside(h.sandbox);
    const foreignShape = shape(h.sandbox);
    let from = h.sandbox.calls.length;
    await h.ok('provision');
    expect(shape(h.sandbox).filter((row) => !foreignShape.includes(row))).toEqual(reference.filter((row) => !foreignShape.includes(row)));
    expect(recordedIds(h).filter((id) => id !== undefined && outside.includes(id))).toEqual([]);

    expect(touching(h.sandbox, from, outside)).toEqual([]);
    const inside = await foreignInside(h);
    const foreign = [...outside, ...inside];
    from = h.sandbox.calls.length;
    const before = snapshotOf(h.sandbox, foreign);
    const withForeign = shape(h.sandbox);

    // A second run, then one with the state file lost: nothing to change, nothing foreign recorded.
    await h.ok('provision');
    rmSync(h.statePath);
    rmSync(`${h.statePath}.bak`, { force: true });
    const mutations = h.sandbox.mutatingCalls().length;
    await h.ok('provision');
    expect(h.sandbox.mutatingCalls().length).toBe(mutations);
    expect(recordedIds(h).filter((id) => id !== undefined && foreign.includes(id))).toEqual([]);
    expect(shape(h.sandbox)).toEqual(withForeign);
    expect(touching(h.sandbox, from, foreign)).toEqual([]);

    // Destroy: the security group inside the VPC blocks the VPC's delete; destroy stops, names it, and leaves it.
    from = h.sandbox.calls.length;
    const blocked = await h.run('destroy', '--yes');
    expect(blocked.code).toBe(1);
    expect(errorOf(blocked)).toContain(`VPC ${state(h).resources[NETWORK.vpc]!.id!}`);
    expect(errorOf(blocked)).toContain(inside[0]);
    expect(touching(h.sandbox, from, foreign)).toEqual([]);
    // Its owner deletes it; the re-run finishes, and every other foreign resource is as it was.
    await h.sandbox.dispatch('ec2', 'DeleteSecurityGroup', { GroupId: inside[0] });
    from = h.sandbox.calls.length;
    await h.ok('destroy', '--yes');
    expect(touching(h.sandbox, from, foreign)).toEqual([]);
    expect(h.sandbox.inventory().filter((i) => i.tags[STACK_TAG] === 'demo')).toEqual([]);
    expect(snapshotOf(h.sandbox, foreign)).toEqual(before.filter((i) => i.id !== inside[0] && i.id !== inside[2]));
    // The rule on the stack's listener went with the listener, as AWS deletes a listener's rules.
  });

  it('destroy with a lost state file deletes only what carries the stack\'s tag', async () => {
    h = harness();
    const outside = await foreignOutside(h.sandbox);
    await h.ok('provision');
    rmSync(h.statePath);
    const before = snapshotOf(h.sandbox, outside);
    const from = h.sandbox.calls.length;
    await h.ok('destroy', '--yes');
    expect(touching(h.sandbox, from, outside)).toEqual([]);
    expect(snapshotOf(h.sandbox, outside)).toEqual(before);
    expect(h.sandbox.inventory().filter((i) => i.tags[STACK_TAG] === 'demo')).toEqual([]);
  });

  it('destroy with no state keeps a load balancer, target group and role with the exact names shipline looks up, but not its tag', async () => {
    h = harness();
    const ec2 = (op: string, input: object) => h!.sandbox.dispatch('ec2', op, input);
    const { Vpc } = (await ec2('CreateVpc', { CidrBlock: '10.9.0.0/16' })) as { Vpc: { VpcId: string } };
    const subnets: string[] = [];
    for (const [i, az] of ['eu-west-3a', 'eu-west-3b'].entries()) {
      const { Subnet } = (await ec2('CreateSubnet', { VpcId: Vpc.VpcId, CidrBlock: `10.9.${i}.0/24`, AvailabilityZone: az })) as { Subnet: { SubnetId: string } };
      subnets.push(Subnet.SubnetId);
    }
    await ec2('AttachInternetGateway', { VpcId: Vpc.VpcId, InternetGatewayId: ((await ec2('CreateInternetGateway', {})) as { InternetGateway: { InternetGatewayId: string } }).InternetGateway.InternetGatewayId });
    const { LoadBalancers } = (await h.sandbox.dispatch('elbv2', 'CreateLoadBalancer', { Name: 'demo-alb', Subnets: subnets, Type: 'application' })) as {
      LoadBalancers: Array<{ LoadBalancerArn: string }>;
    };
    const { TargetGroups } = (await h.sandbox.dispatch('elbv2', 'CreateTargetGroup', { Name: 'demo-prod-tg', Protocol: 'HTTP', Port: 80, VpcId: Vpc.VpcId, TargetType: 'ip' })) as {
      TargetGroups: Array<{ TargetGroupArn: string }>;
    };
    const { Role } = (await h.sandbox.dispatch('iam', 'CreateRole', {
      RoleName: 'demo-codepipeline',
      Path: '/shipline/',
      AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'codepipeline.amazonaws.com' }, Action: 'sts:AssumeRole' }] }),
    })) as { Role: { Arn: string } };
    const foreign = [LoadBalancers[0]!.LoadBalancerArn, TargetGroups[0]!.TargetGroupArn, 'demo-codepipeline', Role.Arn, Vpc.VpcId, ...subnets];
    const before = h.sandbox.inventory().map((i) => ({ id: i.id, tags: i.tags }));
    const from = h.sandbox.calls.length;

    await h.ok('destroy', '--yes');
    expect(touching(h.sandbox, from, foreign)).toEqual([]);
    expect(h.sandbox.inventory().map((i) => ({ id: i.id, tags: i.tags }))).toEqual(before);
  });

  it.each([
    ['IAM role demo-codebuild', async (sandbox: Sandbox): Promise<string> => {
      await sandbox.dispatch('iam', 'CreateRole', {
        RoleName: 'demo-codebuild',
        AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'codebuild.amazonaws.com' }, Action: 'sts:AssumeRole' }] }),
      });
      return 'demo-codebuild';
    }],
    ['ECR repository demo', async (sandbox: Sandbox): Promise<string> => {
      await sandbox.dispatch('ecr', 'CreateRepository', { repositoryName: 'demo', tags: [{ Key: STACK_TAG, Value: 'demo2' }] });
      return 'arn:aws:ecr:eu-west-3:123456789012:repository/demo';
    }],
    ['S3 bucket demo-artifacts-123456789012-eu-west-3', async (sandbox: Sandbox): Promise<string> => {
      const bucket = 'demo-artifacts-123456789012-eu-west-3';
      await sandbox.dispatch('s3', 'CreateBucket', { Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: 'eu-west-3' } });
      await sandbox.dispatch('s3', 'PutObject', { Bucket: bucket, Key: 'data.csv', Body: 'a,b' });
      return bucket;
    }],
  ] as const)('%s with the name shipline derives, not the stack\'s tag: refused by name, left as it was, and destroy keeps it', async (what, make) => {
    h = harness();
    const id = await make(h.sandbox);
    const before = h.sandbox.inventory().map((i) => ({ id: i.id, tags: i.tags }));
    const from = h.sandbox.calls.length;

    const run = await h.run('provision');
    expect(run.code).toBe(1);
    expect(errorOf(run)).toContain(what);
    expect(errorOf(run)).toContain('already exists but does not carry the tag shipline:stack=demo: shipline did not create it and will not touch it');
    expect(errorOf(run)).toContain('hint: delete or rename it yourself');
    expect(touching(h.sandbox, from, [id])).toEqual([]);

    // Destroy removes what the failed run made, and not that.
    await h.ok('destroy', '--yes');
    expect(touching(h.sandbox, from, [id])).toEqual([]);
    expect(h.sandbox.inventory().map((i) => ({ id: i.id, tags: i.tags }))).toEqual(before);
  });
});

describe('a foreign instance in the stack\'s subnet', () => {
  it('blocks destroy, which fails naming what is left in the VPC and leaves it running; once its owner removes it a re-run finishes', async () => {
    h = harness();
    await h.ok('provision');
    const subnet = state(h).resources[NETWORK.subnet('private', 0)]!.id!;
    const { Instances } = (await h.sandbox.dispatch('ec2', 'RunInstances', {
      ImageId: 'ami-0a100000000000002',
      InstanceType: 't3.micro',
      MinCount: 1,
      MaxCount: 1,
      SubnetId: subnet,
      TagSpecifications: [{ ResourceType: 'instance', Tags: untagged('demo-worker') }],
    })) as { Instances: Array<{ InstanceId: string }> };
    const instance = Instances[0]!.InstanceId;

    const eni = await primaryInterface(h.sandbox, instance);
    const failed = await h.run('destroy', '--yes');
    expect(failed.code).toBe(1);
    expect(errorOf(failed)).toContain(`VPC ${state(h).resources[NETWORK.vpc]!.id!} cannot be emptied`);
    expect(errorOf(failed)).toContain(`instance ${instance}`);
    expect(errorOf(failed)).toContain(eni);
    expect(errorOf(failed)).not.toContain('AWS is slower than usual');
    const { Reservations } = (await h.sandbox.dispatch('ec2', 'DescribeInstances', { InstanceIds: [instance] })) as {
      Reservations: Array<{ Instances: Array<{ State: { Name: string } }> }>;
    };
    expect(Reservations[0]!.Instances[0]!.State.Name).toBe('running');
    expect(h.sandbox.calls.filter((c) => c.mutating && mentions(c.input, instance))).toEqual([]);

    await h.sandbox.dispatch('ec2', 'TerminateInstances', { InstanceIds: [instance] });
    await h.sandbox.dispatch('ec2', 'DescribeInstances', { InstanceIds: [instance] }); // let it finish terminating
    await h.ok('destroy', '--yes');
    expect(h.sandbox.inventory()).toEqual([]);
  });
});

describe('a foreign security group in the stack\'s VPC', () => {
  it('blocks deleting the VPC: destroy names it, leaves it, and does not blame AWS', async () => {
    h = harness();
    await h.ok('provision');
    const { GroupId } = (await h.sandbox.dispatch('ec2', 'CreateSecurityGroup', {
      GroupName: 'intruder',
      Description: 'not shipline',
      VpcId: state(h).resources[NETWORK.vpc]!.id!,
    })) as { GroupId: string };
    const failed = await h.run('destroy', '--yes');
    expect(failed.code).toBe(1);
    expect(errorOf(failed)).toContain(`security group ${GroupId} (intruder)`);
    expect(errorOf(failed)).not.toContain('AWS is slower than usual');
    expect(h.sandbox.calls.filter((c) => c.mutating && mentions(c.input, GroupId))).toEqual([]);
  });
});
