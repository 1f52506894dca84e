// The simulated ELBv2, driven through the real SDK client and its waiters, on a network made in the
// simulated EC2.
import {
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeNetworkInterfacesCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import {
  AddTagsCommand,
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DeleteListenerCommand,
  DeleteLoadBalancerCommand,
  DeleteRuleCommand,
  DeleteTargetGroupCommand,
  DeregisterTargetsCommand,
  DescribeListenersCommand,
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  LoadBalancerNotFoundException,
  ModifyListenerCommand,
  ModifyLoadBalancerAttributesCommand,
  ModifyRuleCommand,
  ModifyTargetGroupAttributesCommand,
  ModifyTargetGroupCommand,
  RegisterTargetsCommand,
  RemoveTagsCommand,
  SetRulePrioritiesCommand,
  SetSecurityGroupsCommand,
  waitUntilLoadBalancerAvailable,
  waitUntilLoadBalancersDeleted,
  waitUntilTargetDeregistered,
  waitUntilTargetInService,
  paginateDescribeRules,
  paginateDescribeTargetGroups,
  type Action,
  type CreateTargetGroupCommandInput,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { ACCOUNT, REGION, useSandbox } from './helpers/sandbox-fixture';
import { TestClock } from './helpers/test-clock';

const WAIT = { minDelay: 0.01, maxDelay: 0.05, maxWaitTime: 10 };

const env = useSandbox();
let elb: ElasticLoadBalancingV2Client;
let ec2: EC2Client;

interface Network {
  vpcId: string;
  subnets: string[];
  sameAzSubnet: string;
  sg: string;
  otherSg: string;
}
let net: Network;

async function makeNetwork(): Promise<Network> {
  const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }));
  const vpcId = vpc.Vpc?.VpcId ?? '';
  const subnet = async (cidr: string, az: string): Promise<string> =>
    (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: cidr, AvailabilityZone: az }))).Subnet?.SubnetId ?? '';
  const subnets = [await subnet('10.0.0.0/24', `${REGION}a`), await subnet('10.0.1.0/24', `${REGION}b`)];
  const sameAzSubnet = await subnet('10.0.2.0/24', `${REGION}a`);
  const group = async (name: string): Promise<string> =>
    (await ec2.send(new CreateSecurityGroupCommand({ GroupName: name, Description: name, VpcId: vpcId }))).GroupId ?? '';
  return { vpcId, subnets, sameAzSubnet, sg: await group('alb'), otherSg: await group('alb-2') };
}

async function createLoadBalancer(name = 'demo-alb'): Promise<string> {
  const out = await elb.send(
    new CreateLoadBalancerCommand({ Name: name, Subnets: net.subnets, SecurityGroups: [net.sg], Scheme: 'internet-facing', Type: 'application' }),
  );
  return out.LoadBalancers?.[0]?.LoadBalancerArn ?? '';
}

function targetGroupInput(name: string, overrides: Partial<CreateTargetGroupCommandInput> = {}): CreateTargetGroupCommandInput {
  return {
    Name: name,
    Protocol: 'HTTP',
    Port: 80,
    VpcId: net.vpcId,
    TargetType: 'ip',
    HealthCheckPath: '/',
    HealthCheckIntervalSeconds: 15,
    Matcher: { HttpCode: '200-499' },
    ...overrides,
  };
}

async function createTargetGroup(name: string): Promise<string> {
  const out = await elb.send(new CreateTargetGroupCommand(targetGroupInput(name)));
  return out.TargetGroups?.[0]?.TargetGroupArn ?? '';
}

const forward = (targetGroupArn: string): Action[] => [{ Type: 'forward', TargetGroupArn: targetGroupArn }];

async function createListener(lbArn: string, tgArn: string, port = 80): Promise<string> {
  const out = await elb.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: 'HTTP', Port: port, DefaultActions: forward(tgArn) }));
  return out.Listeners?.[0]?.ListenerArn ?? '';
}

async function elbEnis(): Promise<string[]> {
  const out = await ec2.send(new DescribeNetworkInterfacesCommand({}));
  return (out.NetworkInterfaces ?? [])
    .filter((eni) => eni.Description?.startsWith('ELB app/'))
    .map((eni) => eni.NetworkInterfaceId ?? '');
}

beforeEach(async () => {
  elb = new ElasticLoadBalancingV2Client({ region: REGION });
  ec2 = new EC2Client({ region: REGION });
  net = await makeNetwork();
});

describe('load balancers', () => {
  it('provisions, becomes active through the SDK waiter, and is deleted through the other', async () => {
    const created = await elb.send(
      new CreateLoadBalancerCommand({ Name: 'demo-alb', Subnets: net.subnets, SecurityGroups: [net.sg], Tags: [{ Key: 'shipline:stack', Value: 'demo' }] }),
    );
    const lb = created.LoadBalancers?.[0];
    expect(lb).toMatchObject({
      LoadBalancerName: 'demo-alb',
      State: { Code: 'provisioning' },
      Scheme: 'internet-facing',
      Type: 'application',
      VpcId: net.vpcId,
      SecurityGroups: [net.sg],
      CanonicalHostedZoneId: 'Z3Q77PNBQS71R4',
      IpAddressType: 'ipv4',
    });
    expect(lb?.LoadBalancerArn).toMatch(new RegExp(`^arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:loadbalancer/app/demo-alb/[0-9a-f]{16}$`));
    expect(lb?.DNSName).toMatch(new RegExp(`^demo-alb-\\d+\\.${REGION}\\.elb\\.amazonaws\\.com$`));
    expect(lb?.AvailabilityZones?.map((z) => [z.ZoneName, z.SubnetId])).toEqual([
      [`${REGION}a`, net.subnets[0]],
      [`${REGION}b`, net.subnets[1]],
    ]);
    const arn = lb?.LoadBalancerArn ?? '';

    await waitUntilLoadBalancerAvailable({ client: elb, ...WAIT }, { LoadBalancerArns: [arn] });
    const described = await elb.send(new DescribeLoadBalancersCommand({ Names: ['demo-alb'] }));
    expect(described.LoadBalancers?.[0]?.State?.Code).toBe('active');

    // One requester-managed ENI per subnet, in the VPC.
    expect(await elbEnis()).toHaveLength(2);

    await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: arn }));
    await waitUntilLoadBalancersDeleted({ client: elb, ...WAIT }, { LoadBalancerArns: [arn] });
    await expect(elb.send(new DescribeLoadBalancersCommand({ Names: ['demo-alb'] }))).rejects.toBeInstanceOf(LoadBalancerNotFoundException);
    expect(env.sandbox.inventory().filter((i) => i.service === 'elbv2')).toEqual([]);
    expect(await elbEnis()).toEqual([]);
    // Deleting again succeeds, as AWS documents.
    await expect(elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: arn }))).resolves.toBeDefined();
  });

  it('stays provisioning until its simulated latency has passed', async () => {
    const clock = new TestClock();
    env.restart({ msPerSimSecond: 1, latencies: { 'elbv2.loadBalancer.active': 40, 'api.call': 0 }, clock: clock.now });
    net = await makeNetwork();
    const arn = await createLoadBalancer();
    const early = await elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [arn] }));
    expect(early.LoadBalancers?.[0]?.State?.Code).toBe('provisioning');
    clock.run();
    await waitUntilLoadBalancerAvailable({ client: elb, ...WAIT }, { LoadBalancerArns: [arn] });
  });

  it('returns the existing load balancer for the same settings, refuses different ones', async () => {
    const arn = await createLoadBalancer();
    expect(await createLoadBalancer()).toBe(arn);
    await expect(
      elb.send(new CreateLoadBalancerCommand({ Name: 'demo-alb', Subnets: net.subnets, SecurityGroups: [net.otherSg] })),
    ).rejects.toMatchObject({ name: 'DuplicateLoadBalancerNameException' });
    expect(env.sandbox.inventory().filter((i) => i.type === 'load-balancer')).toHaveLength(1);
    expect(await elbEnis()).toHaveLength(2);
  });

  it('refuses bad names, subnets and security groups', async () => {
    const create = (name: string, subnets: string[], groups = [net.sg]) =>
      elb.send(new CreateLoadBalancerCommand({ Name: name, Subnets: subnets, SecurityGroups: groups }));
    await expect(create('a'.repeat(33), net.subnets)).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(create('bad_name', net.subnets)).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(create('-leading', net.subnets)).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(create('ok', [net.subnets[0] ?? ''])).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(create('ok', [...net.subnets, net.sameAzSubnet])).rejects.toMatchObject({ name: 'InvalidConfigurationRequestException' });
    await expect(create('ok', [net.subnets[0] ?? '', 'subnet-0000000000000dead'])).rejects.toMatchObject({ name: 'SubnetNotFoundException' });
    await expect(create('ok', net.subnets, ['sg-0000000000000dead'])).rejects.toMatchObject({ name: 'InvalidSecurityGroupException' });
    expect(env.sandbox.inventory().filter((i) => i.service === 'elbv2')).toEqual([]);
  });

  it('describes unknown names and ARNs as LoadBalancerNotFound, malformed ARNs as ValidationError', async () => {
    const arn = await createLoadBalancer();
    await expect(elb.send(new DescribeLoadBalancersCommand({ Names: ['demo-alb', 'nope'] }))).rejects.toMatchObject({
      name: 'LoadBalancerNotFoundException',
    });
    await expect(elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [arn.replace(/[0-9a-f]{16}$/, 'ffffffffffffffff')] }))).rejects.toMatchObject({
      name: 'LoadBalancerNotFoundException',
    });
    await expect(elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: ['not-an-arn'] }))).rejects.toMatchObject({ name: 'ValidationError' });
    const all = await elb.send(new DescribeLoadBalancersCommand({}));
    expect(all.LoadBalancers?.map((lb) => lb.LoadBalancerArn)).toEqual([arn]);
  });

  it('keeps attributes with AWS defaults; deletion protection blocks the delete', async () => {
    const arn = await createLoadBalancer();
    const defaults = await elb.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: arn }));
    expect(defaults.Attributes).toEqual(
      expect.arrayContaining([
        { Key: 'idle_timeout.timeout_seconds', Value: '60' },
        { Key: 'deletion_protection.enabled', Value: 'false' },
        { Key: 'routing.http2.enabled', Value: 'true' },
      ]),
    );
    await elb.send(
      new ModifyLoadBalancerAttributesCommand({
        LoadBalancerArn: arn,
        Attributes: [{ Key: 'deletion_protection.enabled', Value: 'true' }, { Key: 'idle_timeout.timeout_seconds', Value: '120' }],
      }),
    );
    await expect(elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: arn }))).rejects.toMatchObject({
      name: 'OperationNotPermittedException',
    });
    await expect(
      elb.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: arn, Attributes: [{ Key: 'no.such.key', Value: '1' }] })),
    ).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(
      elb.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: arn, Attributes: [{ Key: 'idle_timeout.timeout_seconds', Value: '0' }] })),
    ).rejects.toMatchObject({ name: 'ValidationError' });

    const after = await elb.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: arn }));
    expect(after.Attributes).toContainEqual({ Key: 'idle_timeout.timeout_seconds', Value: '120' });
    await elb.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: arn, Attributes: [{ Key: 'deletion_protection.enabled', Value: 'false' }] }));
    await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: arn }));
  });

  it('changes its security groups', async () => {
    const arn = await createLoadBalancer();
    const out = await elb.send(new SetSecurityGroupsCommand({ LoadBalancerArn: arn, SecurityGroups: [net.otherSg] }));
    expect(out.SecurityGroupIds).toEqual([net.otherSg]);
    const described = await elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [arn] }));
    expect(described.LoadBalancers?.[0]?.SecurityGroups).toEqual([net.otherSg]);
    // Its network interfaces carry the new group, so the old one is free to go.
    const enis = await ec2.send(new DescribeNetworkInterfacesCommand({}));
    const live = (enis.NetworkInterfaces ?? []).filter((eni) => eni.Description?.startsWith('ELB app/'));
    expect(live.map((eni) => eni.Groups?.map((g) => g.GroupId))).toEqual([[net.otherSg], [net.otherSg]]);
  });
});

describe('target groups', () => {
  it('creates with AWS defaults, is idempotent on the same settings and refuses different ones', async () => {
    const out = await elb.send(new CreateTargetGroupCommand(targetGroupInput('demo-prod')));
    const tg = out.TargetGroups?.[0];
    expect(tg).toMatchObject({
      TargetGroupName: 'demo-prod',
      Protocol: 'HTTP',
      Port: 80,
      VpcId: net.vpcId,
      TargetType: 'ip',
      HealthCheckProtocol: 'HTTP',
      HealthCheckPort: 'traffic-port',
      HealthCheckEnabled: true,
      HealthCheckPath: '/',
      HealthCheckIntervalSeconds: 15,
      HealthCheckTimeoutSeconds: 6,
      HealthyThresholdCount: 5,
      UnhealthyThresholdCount: 2,
      Matcher: { HttpCode: '200-499' },
      LoadBalancerArns: [],
    });
    expect(tg?.TargetGroupArn).toMatch(new RegExp(`^arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:targetgroup/demo-prod/[0-9a-f]{16}$`));

    const again = await elb.send(new CreateTargetGroupCommand(targetGroupInput('demo-prod')));
    expect(again.TargetGroups?.[0]?.TargetGroupArn).toBe(tg?.TargetGroupArn);
    await expect(elb.send(new CreateTargetGroupCommand(targetGroupInput('demo-prod', { Port: 8080 })))).rejects.toMatchObject({
      name: 'DuplicateTargetGroupNameException',
    });
  });

  it('refuses bad names, a missing VPC and bad health checks', async () => {
    await expect(elb.send(new CreateTargetGroupCommand(targetGroupInput('x'.repeat(33))))).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(elb.send(new CreateTargetGroupCommand(targetGroupInput('tg', { VpcId: 'vpc-0000000000000dead' })))).rejects.toMatchObject({
      name: 'ValidationError',
    });
    await expect(
      elb.send(new CreateTargetGroupCommand(targetGroupInput('tg', { HealthCheckTimeoutSeconds: 20, HealthCheckIntervalSeconds: 10 }))),
    ).rejects.toMatchObject({ name: 'ValidationError', message: 'Health check interval must be greater than the timeout.' });
    await expect(elb.send(new CreateTargetGroupCommand(targetGroupInput('tg', { HealthCheckIntervalSeconds: 600 })))).rejects.toMatchObject({
      name: 'ValidationError',
      message: "1 validation error detected: Value '600' at 'healthCheckIntervalSeconds' failed to satisfy constraint: Member must have value less than or equal to 300",
    });
    // A short interval alone keeps AWS's default HTTP timeout (6 s): refused too, as AWS does.
    await expect(elb.send(new CreateTargetGroupCommand(targetGroupInput('tg', { HealthCheckIntervalSeconds: 5 })))).rejects.toMatchObject({
      name: 'ValidationError',
      message: 'Health check interval must be greater than the timeout.',
    });
    await expect(elb.send(new CreateTargetGroupCommand(targetGroupInput('tg', { Matcher: { HttpCode: '600' } })))).rejects.toMatchObject({
      name: 'ValidationError',
    });
  });

  it('modifies health checks and attributes; describes by name and ARN', async () => {
    const arn = await createTargetGroup('demo-prod');
    const modified = await elb.send(new ModifyTargetGroupCommand({ TargetGroupArn: arn, HealthCheckPath: '/health', Matcher: { HttpCode: '200' } }));
    expect(modified.TargetGroups?.[0]).toMatchObject({ HealthCheckPath: '/health', Matcher: { HttpCode: '200' }, HealthCheckIntervalSeconds: 15 });

    const defaults = await elb.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: arn }));
    expect(defaults.Attributes).toEqual(
      expect.arrayContaining([
        { Key: 'deregistration_delay.timeout_seconds', Value: '300' },
        { Key: 'stickiness.enabled', Value: 'false' },
      ]),
    );
    await elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: arn, Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '30' }] }));
    const after = await elb.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: arn }));
    expect(after.Attributes).toContainEqual({ Key: 'deregistration_delay.timeout_seconds', Value: '30' });

    const byName = await elb.send(new DescribeTargetGroupsCommand({ Names: ['demo-prod'] }));
    expect(byName.TargetGroups?.map((t) => t.TargetGroupArn)).toEqual([arn]);
    await expect(elb.send(new DescribeTargetGroupsCommand({ Names: ['nope'] }))).rejects.toMatchObject({ name: 'TargetGroupNotFoundException' });
    await expect(
      elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [arn.replace(/[0-9a-f]{16}$/, 'ffffffffffffffff')] })),
    ).rejects.toMatchObject({ name: 'TargetGroupNotFoundException' });
  });

  it('refuses to delete a target group a listener forwards to; deleting an unknown one succeeds', async () => {
    const lbArn = await createLoadBalancer();
    const tgArn = await createTargetGroup('demo-prod');
    await createListener(lbArn, tgArn);
    const described = await elb.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: lbArn }));
    expect(described.TargetGroups?.map((t) => [t.TargetGroupArn, t.LoadBalancerArns])).toEqual([[tgArn, [lbArn]]]);

    await expect(elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: tgArn }))).rejects.toMatchObject({ name: 'ResourceInUseException' });
    await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: lbArn }));
    await elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: tgArn }));
    await elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: tgArn }));
    expect(env.sandbox.inventory().filter((i) => i.service === 'elbv2')).toEqual([]);
  });

  it('serves one load balancer only', async () => {
    const first = await createLoadBalancer('first');
    const second = await createLoadBalancer('second');
    const tgArn = await createTargetGroup('shared');
    await createListener(first, tgArn);
    await expect(createListener(second, tgArn)).rejects.toMatchObject({ name: 'TargetGroupAssociationLimitException' });
  });
});

describe('targets', () => {
  it('reports targets unused while no load balancer uses the group', async () => {
    const tgArn = await createTargetGroup('demo-prod');
    await elb.send(new RegisterTargetsCommand({ TargetGroupArn: tgArn, Targets: [{ Id: '10.0.0.10' }] }));
    const health = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tgArn }));
    expect(health.TargetHealthDescriptions).toEqual([
      { Target: { Id: '10.0.0.10', Port: 80 }, HealthCheckPort: '80', TargetHealth: expect.objectContaining({ State: 'unused', Reason: 'Target.NotInUse' }) },
    ]);
    // Deregistered at once: nothing to drain.
    await elb.send(new DeregisterTargetsCommand({ TargetGroupArn: tgArn, Targets: [{ Id: '10.0.0.10' }] }));
    const after = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tgArn }));
    expect(after.TargetHealthDescriptions).toEqual([]);
  });

  it('goes initial → healthy, and draining → gone, as the SDK waiters expect', async () => {
    const lbArn = await createLoadBalancer();
    const tgArn = await createTargetGroup('demo-prod');
    await createListener(lbArn, tgArn);
    await elb.send(new RegisterTargetsCommand({ TargetGroupArn: tgArn, Targets: [{ Id: '10.0.0.10', Port: 80 }, { Id: '10.0.1.10' }] }));

    const first = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tgArn }));
    expect(first.TargetHealthDescriptions?.map((d) => d.TargetHealth?.State)).toEqual(['initial', 'initial']);
    await waitUntilTargetInService({ client: elb, ...WAIT }, { TargetGroupArn: tgArn });
    const second = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tgArn }));
    expect(second.TargetHealthDescriptions?.map((d) => d.TargetHealth?.State)).toEqual(['healthy', 'healthy']);

    await elb.send(new DeregisterTargetsCommand({ TargetGroupArn: tgArn, Targets: [{ Id: '10.0.0.10', Port: 80 }] }));
    const draining = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tgArn }));
    expect(draining.TargetHealthDescriptions?.map((d) => [d.Target?.Id, d.TargetHealth?.State])).toEqual([
      ['10.0.0.10', 'draining'],
      ['10.0.1.10', 'healthy'],
    ]);
    await waitUntilTargetDeregistered({ client: elb, ...WAIT }, { TargetGroupArn: tgArn, Targets: [{ Id: '10.0.0.10', Port: 80 }] });
    const gone = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tgArn }));
    expect(gone.TargetHealthDescriptions?.map((d) => d.Target?.Id)).toEqual(['10.0.1.10']);
  });

  it('refuses invalid targets and deregistering what is not registered', async () => {
    const tgArn = await createTargetGroup('demo-prod');
    await expect(elb.send(new RegisterTargetsCommand({ TargetGroupArn: tgArn, Targets: [{ Id: 'i-0abc' }] }))).rejects.toMatchObject({
      name: 'InvalidTargetException',
    });
    await expect(elb.send(new DeregisterTargetsCommand({ TargetGroupArn: tgArn, Targets: [{ Id: '10.0.0.99' }] }))).rejects.toMatchObject({
      name: 'InvalidTargetException',
    });
  });
});

describe('listeners and rules', () => {
  let lbArn: string;
  let prod: string;
  let dev: string;

  beforeEach(async () => {
    lbArn = await createLoadBalancer();
    prod = await createTargetGroup('demo-prod');
    dev = await createTargetGroup('demo-dev');
  });

  it('creates a listener with forward actions in AWS shape; same settings return it, others are DuplicateListener', async () => {
    const arn = await createListener(lbArn, prod);
    const described = await elb.send(new DescribeListenersCommand({ LoadBalancerArn: lbArn }));
    expect(described.Listeners).toEqual([
      {
        ListenerArn: arn,
        LoadBalancerArn: lbArn,
        Port: 80,
        Protocol: 'HTTP',
        DefaultActions: [
          {
            Type: 'forward',
            TargetGroupArn: prod,
            ForwardConfig: { TargetGroups: [{ TargetGroupArn: prod, Weight: 1 }], TargetGroupStickinessConfig: { Enabled: false } },
          },
        ],
      },
    ]);
    expect(arn).toMatch(/:listener\/app\/demo-alb\/[0-9a-f]{16}\/[0-9a-f]{16}$/);
    expect(await createListener(lbArn, prod)).toBe(arn);
    await expect(createListener(lbArn, dev)).rejects.toMatchObject({ name: 'DuplicateListenerException' });
    await expect(
      elb.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: 'HTTPS', Port: 443, DefaultActions: forward(prod) })),
    ).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(elb.send(new DescribeListenersCommand({ ListenerArns: [`${arn.slice(0, -16)}ffffffffffffffff`] }))).rejects.toMatchObject({
      name: 'ListenerNotFoundException',
    });
  });

  it('modifies the default actions', async () => {
    const arn = await createListener(lbArn, prod);
    const redirect: Action = { Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } };
    const out = await elb.send(new ModifyListenerCommand({ ListenerArn: arn, DefaultActions: [redirect] }));
    expect(out.Listeners?.[0]?.DefaultActions).toEqual([
      { Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', Host: '#{host}', Path: '/#{path}', Query: '#{query}', StatusCode: 'HTTP_301' } },
    ]);
    // prod is no longer forwarded to, so it can go.
    await elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: prod }));
  });

  it('creates path rules, lists them with the default rule, and refuses a used priority', async () => {
    const listenerArn = await createListener(lbArn, prod);
    const created = await elb.send(
      new CreateRuleCommand({
        ListenerArn: listenerArn,
        Priority: 10,
        Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/dev', '/dev/*'] } }],
        Actions: forward(dev),
        Tags: [{ Key: 'env', Value: 'dev' }],
      }),
    );
    const ruleArn = created.Rules?.[0]?.RuleArn ?? '';
    expect(created.Rules?.[0]).toMatchObject({
      Priority: '10',
      IsDefault: false,
      Conditions: [{ Field: 'path-pattern', Values: ['/dev', '/dev/*'], PathPatternConfig: { Values: ['/dev', '/dev/*'] } }],
    });
    await expect(
      elb.send(new CreateRuleCommand({ ListenerArn: listenerArn, Priority: 10, Conditions: [{ Field: 'path-pattern', Values: ['/x'] }], Actions: forward(dev) })),
    ).rejects.toMatchObject({ name: 'PriorityInUseException' });

    const rules = await elb.send(new DescribeRulesCommand({ ListenerArn: listenerArn }));
    expect(rules.Rules?.map((r) => [r.Priority, r.IsDefault])).toEqual([
      ['10', false],
      ['default', true],
    ]);
    const defaultRule = rules.Rules?.[1];
    expect(defaultRule?.Actions?.[0]?.TargetGroupArn).toBe(prod);
    await expect(elb.send(new DeleteRuleCommand({ RuleArn: defaultRule?.RuleArn }))).rejects.toMatchObject({ name: 'OperationNotPermittedException' });

    const groups = await elb.send(new DescribeTargetGroupsCommand({ Names: ['demo-dev'] }));
    expect(groups.TargetGroups?.[0]?.LoadBalancerArns).toEqual([lbArn]);
    await expect(elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: dev }))).rejects.toMatchObject({ name: 'ResourceInUseException' });

    const modified = await elb.send(
      new ModifyRuleCommand({ RuleArn: ruleArn, Conditions: [{ Field: 'path-pattern', Values: ['/dev*'] }] }),
    );
    expect(modified.Rules?.[0]?.Conditions?.[0]?.PathPatternConfig?.Values).toEqual(['/dev*']);
    const moved = await elb.send(new SetRulePrioritiesCommand({ RulePriorities: [{ RuleArn: ruleArn, Priority: 20 }] }));
    expect(moved.Rules?.[0]?.Priority).toBe('20');
    expect(env.sandbox.inventory().find((i) => i.type === 'rule')).toMatchObject({ key: 'demo-alb:80:20', tags: { env: 'dev' } });

    await elb.send(new DeleteRuleCommand({ RuleArn: ruleArn }));
    await expect(elb.send(new DeleteRuleCommand({ RuleArn: ruleArn }))).rejects.toMatchObject({ name: 'RuleNotFoundException' });
  });

  it('refuses bad conditions and actions', async () => {
    const listenerArn = await createListener(lbArn, prod);
    const rule = (conditions: object[], actions: Action[] = forward(dev)) =>
      elb.send(new CreateRuleCommand({ ListenerArn: listenerArn, Priority: 5, Conditions: conditions, Actions: actions }));
    await expect(rule([{ Field: 'nope', Values: ['x'] }])).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(rule([{ Field: 'path-pattern', Values: ['/a', '/b', '/c', '/d', '/e', '/f'] }])).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(rule([{ Field: 'path-pattern', Values: ['/a'] }], [{ Type: 'forward' }])).rejects.toMatchObject({ name: 'ValidationError' });
    const unknownTg = prod.replace(/[0-9a-f]{16}$/, 'ffffffffffffffff');
    await expect(rule([{ Field: 'path-pattern', Values: ['/a'] }], forward(unknownTg))).rejects.toMatchObject({
      name: 'TargetGroupNotFoundException',
    });
  });

  it('deletes a listener with its rules', async () => {
    const listenerArn = await createListener(lbArn, prod);
    const created = await elb.send(
      new CreateRuleCommand({ ListenerArn: listenerArn, Priority: 1, Conditions: [{ Field: 'host-header', Values: ['dev.example.com'] }], Actions: forward(dev) }),
    );
    await elb.send(new DeleteListenerCommand({ ListenerArn: listenerArn }));
    await expect(elb.send(new DescribeRulesCommand({ RuleArns: [created.Rules?.[0]?.RuleArn ?? ''] }))).rejects.toMatchObject({
      name: 'RuleNotFoundException',
    });
    await expect(elb.send(new DeleteListenerCommand({ ListenerArn: listenerArn }))).rejects.toMatchObject({ name: 'ListenerNotFoundException' });
    const groups = await elb.send(new DescribeTargetGroupsCommand({}));
    expect(groups.TargetGroups?.map((t) => t.LoadBalancerArns)).toEqual([[], []]);
  });

  it('deleting the load balancer deletes its listeners and rules, not its target groups', async () => {
    const listenerArn = await createListener(lbArn, prod);
    await elb.send(
      new CreateRuleCommand({ ListenerArn: listenerArn, Priority: 1, Conditions: [{ Field: 'path-pattern', Values: ['/dev'] }], Actions: forward(dev) }),
    );
    expect(env.sandbox.inventory().filter((i) => i.service === 'elbv2').map((i) => [i.type, i.key])).toEqual([
      ['listener', 'demo-alb:80'],
      ['load-balancer', 'demo-alb'],
      ['rule', 'demo-alb:80:1'],
      ['target-group', 'demo-dev'],
      ['target-group', 'demo-prod'],
    ]);
    await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: lbArn }));
    await waitUntilLoadBalancersDeleted({ client: elb, ...WAIT }, { LoadBalancerArns: [lbArn] });
    expect(env.sandbox.inventory().filter((i) => i.service === 'elbv2').map((i) => [i.type, i.key])).toEqual([
      ['target-group', 'demo-dev'],
      ['target-group', 'demo-prod'],
    ]);
    await expect(elb.send(new DescribeListenersCommand({ ListenerArns: [listenerArn] }))).rejects.toMatchObject({ name: 'ListenerNotFoundException' });
  });
});

describe('pages (Marker / PageSize, capped at 5 in tests)', () => {
  it('pages target groups and rules; the SDK paginators read them all', async () => {
    const names = Array.from({ length: 7 }, (_, i) => `demo-tg-${i}`);
    const groups = [];
    for (const name of names) groups.push(await createTargetGroup(name));
    const first = await elb.send(new DescribeTargetGroupsCommand({}));
    expect(first.TargetGroups?.map((g) => g.TargetGroupName)).toEqual(names.slice(0, 5));
    expect(first.NextMarker).toBeDefined();
    const second = await elb.send(new DescribeTargetGroupsCommand({ Marker: first.NextMarker }));
    expect(second.TargetGroups?.map((g) => g.TargetGroupName)).toEqual(names.slice(5));
    expect(second.NextMarker).toBeUndefined();
    const byName = [];
    for await (const page of paginateDescribeTargetGroups({ client: elb }, { Names: names })) byName.push(...(page.TargetGroups ?? []));
    expect(byName.map((g) => g.TargetGroupName)).toEqual(names);

    const lbArn = await createLoadBalancer();
    const listenerArn = await createListener(lbArn, groups[0]!);
    for (let i = 1; i < 7; i += 1) {
      const path = `/e${i}`;
      await elb.send(new CreateRuleCommand({ ListenerArn: listenerArn, Priority: i, Conditions: [{ Field: 'path-pattern', Values: [path] }], Actions: forward(groups[i]!) }));
    }
    const rules = [];
    for await (const page of paginateDescribeRules({ client: elb }, { ListenerArn: listenerArn })) rules.push(...(page.Rules ?? []));
    expect(rules.map((r) => r.Priority)).toEqual(['1', '2', '3', '4', '5', '6', 'default']);
  });

  it('refuses a marker it did not give, one replayed with other filters, and a page size out of 1 to 400', async () => {
    for (const name of ['a-1', 'a-2', 'a-3', 'a-4', 'a-5', 'a-6']) await createTargetGroup(name);
    const first = await elb.send(new DescribeTargetGroupsCommand({}));
    await expect(elb.send(new DescribeTargetGroupsCommand({ Marker: 'bm90LWEtbWFya2Vy' }))).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(elb.send(new DescribeTargetGroupsCommand({ Names: ['a-1'], Marker: first.NextMarker }))).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(elb.send(new DescribeLoadBalancersCommand({ Marker: first.NextMarker }))).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(elb.send(new DescribeTargetGroupsCommand({ PageSize: 401 }))).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(elb.send(new DescribeTargetGroupsCommand({ PageSize: 0 }))).rejects.toMatchObject({ name: 'ValidationError' });
    expect((await elb.send(new DescribeTargetGroupsCommand({ PageSize: 2 }))).TargetGroups).toHaveLength(2);
  });

  it('describes at most 20 target groups or load balancers by name or ARN in one call', async () => {
    const names = Array.from({ length: 21 }, (_, i) => `x-${i}`);
    await expect(elb.send(new DescribeTargetGroupsCommand({ Names: names }))).rejects.toMatchObject({
      name: 'ValidationError',
      message: "You cannot describe more than '20' target groups at a time",
    });
    await expect(elb.send(new DescribeLoadBalancersCommand({ Names: names }))).rejects.toMatchObject({ name: 'ValidationError' });
  });
});

describe('tags', () => {
  it('adds, removes and describes tags on every kind of resource', async () => {
    const lbArn = await createLoadBalancer();
    const tgArn = await createTargetGroup('demo-prod');
    const listenerArn = await createListener(lbArn, tgArn);
    const rule = await elb.send(
      new CreateRuleCommand({ ListenerArn: listenerArn, Priority: 1, Conditions: [{ Field: 'path-pattern', Values: ['/x'] }], Actions: forward(tgArn) }),
    );
    const ruleArn = rule.Rules?.[0]?.RuleArn ?? '';
    const arns = [lbArn, tgArn, listenerArn, ruleArn];

    await elb.send(new AddTagsCommand({ ResourceArns: arns, Tags: [{ Key: 'shipline:stack', Value: 'demo' }, { Key: 'tmp', Value: 'x' }] }));
    await elb.send(new RemoveTagsCommand({ ResourceArns: [lbArn], TagKeys: ['tmp'] }));
    const described = await elb.send(new DescribeTagsCommand({ ResourceArns: arns }));
    expect(described.TagDescriptions?.map((d) => [d.ResourceArn, d.Tags])).toEqual([
      [lbArn, [{ Key: 'shipline:stack', Value: 'demo' }]],
      [tgArn, [{ Key: 'shipline:stack', Value: 'demo' }, { Key: 'tmp', Value: 'x' }]],
      [listenerArn, [{ Key: 'shipline:stack', Value: 'demo' }, { Key: 'tmp', Value: 'x' }]],
      [ruleArn, [{ Key: 'shipline:stack', Value: 'demo' }, { Key: 'tmp', Value: 'x' }]],
    ]);
    expect(env.sandbox.inventory().find((i) => i.type === 'load-balancer')?.tags).toEqual({ 'shipline:stack': 'demo' });
  });

  it('refuses more than 20 ARNs, unknown resources and a key given twice', async () => {
    const lbArn = await createLoadBalancer();
    await expect(elb.send(new DescribeTagsCommand({ ResourceArns: Array.from({ length: 21 }, () => lbArn) }))).rejects.toMatchObject({
      name: 'ValidationError',
    });
    const unknownTg = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:targetgroup/nope/ffffffffffffffff`;
    await expect(elb.send(new DescribeTagsCommand({ ResourceArns: [unknownTg] }))).rejects.toMatchObject({ name: 'TargetGroupNotFoundException' });
    await expect(
      elb.send(new AddTagsCommand({ ResourceArns: [lbArn], Tags: [{ Key: 'a', Value: '1' }, { Key: 'a', Value: '2' }] })),
    ).rejects.toMatchObject({ name: 'DuplicateTagKeysException' });
    await expect(
      elb.send(new AddTagsCommand({ ResourceArns: [lbArn], Tags: Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })) })),
    ).rejects.toMatchObject({ name: 'TooManyTagsException' });
  });
});

describe('snapshot and restore', () => {
  it('carries the whole load balancer setup across a JSON round trip', async () => {
    const lbArn = await createLoadBalancer();
    const tgArn = await createTargetGroup('demo-prod');
    const listenerArn = await createListener(lbArn, tgArn);
    await elb.send(new RegisterTargetsCommand({ TargetGroupArn: tgArn, Targets: [{ Id: '10.0.0.10' }] }));
    await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tgArn }));

    const original = env.sandbox;
    const snapshot = JSON.parse(JSON.stringify(original.snapshot()));
    const restored = env.restoreFrom(snapshot);

    expect(restored.inventory()).toEqual(original.inventory());
    const listeners = await elb.send(new DescribeListenersCommand({ LoadBalancerArn: lbArn }));
    expect(listeners.Listeners?.map((l) => l.ListenerArn)).toEqual([listenerArn]);
    const health = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tgArn }));
    expect(health.TargetHealthDescriptions?.map((d) => d.TargetHealth?.State)).toEqual(['healthy']);
    // New resources never reuse an ID from before the snapshot.
    const other = await elb.send(new CreateTargetGroupCommand(targetGroupInput('demo-dev')));
    expect(other.TargetGroups?.[0]?.TargetGroupArn?.slice(-16)).not.toBe(tgArn.slice(-16));
  });
});
