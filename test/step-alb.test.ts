// The alb step against aws-sdk-client-mock: exact calls for create, no-op, drift, adoption, a
// foreign same-named resource, environments removed, HTTPS, destroy and a plan.
import {
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DeleteSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  RevokeSecurityGroupEgressCommand,
  type SecurityGroup,
} from '@aws-sdk/client-ec2';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DeleteListenerCommand,
  DeleteLoadBalancerCommand,
  DeleteRuleCommand,
  DeleteTargetGroupCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
  ListenerNotFoundException,
  LoadBalancerNotFoundException,
  ModifyListenerCommand,
  ModifyRuleCommand,
  ModifyTargetGroupAttributesCommand,
  ModifyTargetGroupCommand,
  ResourceInUseException,
  RuleNotFoundException,
  SetRulePrioritiesCommand,
  SetSecurityGroupsCommand,
  TargetGroupNotFoundException,
  type Action,
  type DescribeLoadBalancersCommandInput,
  type DescribeTagsCommandInput,
  type DescribeTargetGroupAttributesCommandInput,
  type DescribeTargetGroupsCommandInput,
  type Listener,
  type LoadBalancer,
  type Rule,
  type Tag,
  type TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { CodeDeployClient, ListDeploymentsCommand } from '@aws-sdk/client-codedeploy';
import { stackTags } from '../src/tags';
import { createListenerInput, HTTP_LISTENER as HTTP_SETTINGS, HTTPS_LISTENER as HTTPS_SETTINGS, REDIRECT_TO_HTTPS } from '../steps/alb/listener-settings';
import { createRuleInput, routedEnvironments } from '../steps/alb/rule-settings';
import { mockClient } from 'aws-sdk-client-mock';
import type { ResourceRecord } from '../state';
import { isMutating } from '../src/aws/operations';
import { KNOWN_AFTER_APPLY } from '../src/step';
import { alb, albActive, KEYS, SSL_POLICY } from '../steps/alb';
import { dependencies } from '../src/engine';
import { STEPS } from '../steps';
import { testContext } from './helpers/context';

const ec2 = mockClient(EC2Client);
const elb = mockClient(ElasticLoadBalancingV2Client);
const codedeploy = mockClient(CodeDeployClient);

const ARN = 'arn:aws:elasticloadbalancing:eu-west-3:123456789012';
const LB_ARN = `${ARN}:loadbalancer/app/demo-alb/50dc6c495c0c9188`;
const HTTP_ARN = `${ARN}:listener/app/demo-alb/50dc6c495c0c9188/f2f7dc8efc522ab2`;
const HTTPS_ARN = `${ARN}:listener/app/demo-alb/50dc6c495c0c9188/0467ef3c8400ae65`;
const RULE_ARN = `${HTTP_ARN.replace(':listener/', ':listener-rule/')}/9683b2d02a6cabee`;
const HTTPS_RULE_ARN = `${HTTPS_ARN.replace(':listener/', ':listener-rule/')}/1b2c3d4e5f607182`;
const TG_ARN = { dev: `${ARN}:targetgroup/demo-dev-tg/73e2d6bc24d8a067`, prod: `${ARN}:targetgroup/demo-prod-tg/a1b2c3d4e5f60718`, qa: `${ARN}:targetgroup/demo-qa-tg/0123456789abcdef` };
const DNS = 'demo-alb-1234567890.eu-west-3.elb.amazonaws.com';
const CERT = 'arn:aws:acm:eu-west-3:123456789012:certificate/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';

const tags = (name: string): Tag[] => [
  { Key: 'shipline:stack', Value: 'demo' },
  { Key: 'shipline:step', Value: 'alb' },
  { Key: 'Name', Value: name },
];

const NETWORK_STATE: Record<string, ResourceRecord> = {
  'network.vpc': { id: 'vpc-1', cidr: '10.0.0.0/16' },
  'network.subnet.public-a': { id: 'subnet-pa' },
  'network.subnet.public-b': { id: 'subnet-pb' },
  'network.subnet.private-a': { id: 'subnet-qa' },
  'network.subnet.private-b': { id: 'subnet-qb' },
};

const FULL_STATE: Record<string, ResourceRecord> = {
  ...NETWORK_STATE,
  'alb.securityGroup': { id: 'sg-alb' },
  'alb.loadBalancer': { id: LB_ARN, arn: LB_ARN, dnsName: DNS },
  'alb.targetGroup.dev': { id: TG_ARN.dev, name: 'demo-dev-tg' },
  'alb.targetGroup.prod': { id: TG_ARN.prod, name: 'demo-prod-tg' },
  'alb.listener.http': { id: HTTP_ARN },
  'alb.rule.dev': { id: RULE_ARN },
};

const SG: SecurityGroup = {
  GroupId: 'sg-alb',
  VpcId: 'vpc-1',
  Tags: [{ Key: 'shipline:stack', Value: 'demo' }],
  IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
  IpPermissionsEgress: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '10.0.0.0/16' }] }],
};

const LB: LoadBalancer = {
  LoadBalancerArn: LB_ARN,
  LoadBalancerName: 'demo-alb',
  DNSName: DNS,
  Scheme: 'internet-facing',
  Type: 'application',
  VpcId: 'vpc-1',
  State: { Code: 'active' },
  SecurityGroups: ['sg-alb'],
  AvailabilityZones: [
    { ZoneName: 'eu-west-3a', SubnetId: 'subnet-pa' },
    { ZoneName: 'eu-west-3b', SubnetId: 'subnet-pb' },
  ],
};

const targetGroup = (env: keyof typeof TG_ARN): TargetGroup => ({
  TargetGroupArn: TG_ARN[env],
  TargetGroupName: `demo-${env}-tg`,
  Protocol: 'HTTP',
  Port: 80,
  VpcId: 'vpc-1',
  TargetType: 'ip',
  HealthCheckEnabled: true,
  HealthCheckPath: '/',
  HealthCheckIntervalSeconds: 10,
  HealthCheckTimeoutSeconds: 6,
  HealthyThresholdCount: 2,
  Matcher: { HttpCode: '200-499' },
});

/** A forward as AWS answers it: the ARN and its ForwardConfig. */
const forwardAnswer = (arn: string) => [
  { Type: 'forward' as const, TargetGroupArn: arn, ForwardConfig: { TargetGroups: [{ TargetGroupArn: arn, Weight: 1 }], TargetGroupStickinessConfig: { Enabled: false } } },
];

const HTTP_LISTENER: Listener = { ListenerArn: HTTP_ARN, LoadBalancerArn: LB_ARN, Port: 80, Protocol: 'HTTP', DefaultActions: forwardAnswer(TG_ARN.prod) };

const pathRule = (arn: string, path: string, tg: string, priority: number): Rule => ({
  RuleArn: arn,
  Priority: String(priority),
  IsDefault: false,
  Conditions: [{ Field: 'path-pattern', Values: [path, `${path}/*`], PathPatternConfig: { Values: [path, `${path}/*`] } }],
  Actions: forwardAnswer(tg),
});
const DEV_RULE = pathRule(RULE_ARN, '/dev', TG_ARN.dev, 10);
const defaultRule = (listener: string): Rule => ({ RuleArn: `${listener.replace(':listener/', ':listener-rule/')}/ffffffffffffffff`, Priority: 'default', IsDefault: true, Conditions: [], Actions: [] });

interface World {
  sg?: SecurityGroup;
  lb?: LoadBalancer;
  groups?: TargetGroup[];
  /** deregistration_delay.timeout_seconds by target group ARN (default 30). */
  delays?: Record<string, string>;
  listeners?: Listener[];
  rules?: Rule[];
  /** Tags by ARN for DescribeTags (default: the stack's). */
  tagsOf?: (arn: string) => Tag[];
}

/** The reads answering with `world` (by default: everything exists and matches the config). */
function reads(world: World = {}): void {
  const groups = world.groups ?? [targetGroup('dev'), targetGroup('prod')];
  ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [world.sg ?? SG] });
  elb.on(DescribeLoadBalancersCommand).callsFake((input: DescribeLoadBalancersCommandInput) => {
    const lb = world.lb ?? LB;
    if (input.Names && !input.Names.includes(lb.LoadBalancerName!)) throw new LoadBalancerNotFoundException({ message: 'not found', $metadata: {} });
    return { LoadBalancers: [lb] };
  });
  elb.on(DescribeTargetGroupsCommand).callsFake((input: DescribeTargetGroupsCommandInput) => {
    const found = groups.filter((g) => input.TargetGroupArns?.includes(g.TargetGroupArn!) || input.Names?.includes(g.TargetGroupName!));
    if (found.length < (input.TargetGroupArns ?? input.Names ?? []).length) throw new TargetGroupNotFoundException({ message: 'not found', $metadata: {} });
    return { TargetGroups: found };
  });
  elb.on(DescribeTargetGroupAttributesCommand).callsFake((input: DescribeTargetGroupAttributesCommandInput) => ({
    Attributes: [
      { Key: 'deregistration_delay.timeout_seconds', Value: world.delays?.[input.TargetGroupArn!] ?? '30' },
      { Key: 'stickiness.enabled', Value: 'false' },
    ],
  }));
  elb.on(DescribeListenersCommand).resolves({ Listeners: world.listeners ?? [HTTP_LISTENER] });
  elb.on(DescribeRulesCommand).callsFake((input: { ListenerArn: string }) => ({ Rules: [...(world.rules ?? [DEV_RULE]), defaultRule(input.ListenerArn)] }));
  elb.on(DescribeTagsCommand).callsFake((input: DescribeTagsCommandInput) => ({
    TagDescriptions: input.ResourceArns!.map((arn) => ({ ResourceArn: arn, Tags: world.tagsOf?.(arn) ?? tags('whatever') })),
  }));
}

/** What a stub recorded, whatever its client. */
type Recorded = { calls(): Array<{ args: readonly unknown[] }> };
function mutatingCalls(...mocks: Recorded[]): string[] {
  return mocks.flatMap((m) => m.calls().map((c) => (c.args[0] as { constructor: { name: string } }).constructor.name)).filter(isMutating);
}

const outcomesOf = (ctx: ReturnType<typeof testContext>) => Object.fromEntries(ctx.outcomes.map((o) => [o.resource, o.outcome]));

beforeEach(() => {
  ec2.reset();
  elb.reset();
  codedeploy.reset();
  ec2.onAnyCommand().rejects(new Error('unexpected call'));
  elb.onAnyCommand().rejects(new Error('unexpected call'));
  codedeploy.onAnyCommand().rejects(new Error('unexpected call'));
});

describe('alb reconcile', () => {
  it('creates the security group, load balancer, target groups, listener and path rule from nothing', async () => {
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
    ec2.on(CreateSecurityGroupCommand).resolves({ GroupId: 'sg-alb' });
    ec2.on(AuthorizeSecurityGroupIngressCommand).resolves({});
    ec2.on(AuthorizeSecurityGroupEgressCommand).resolves({});
    ec2.on(RevokeSecurityGroupEgressCommand).resolves({});
    let described = 0;
    elb.on(DescribeLoadBalancersCommand).callsFake((input: DescribeLoadBalancersCommandInput) => {
      if (input.Names) throw new LoadBalancerNotFoundException({ message: 'not found', $metadata: {} });
      described += 1;
      return { LoadBalancers: [{ ...LB, State: { Code: described > 1 ? 'active' : 'provisioning' } }] };
    });
    elb.on(CreateLoadBalancerCommand).resolves({ LoadBalancers: [{ ...LB, State: { Code: 'provisioning' } }] });
    elb.on(DescribeTargetGroupsCommand).rejects(new TargetGroupNotFoundException({ message: 'not found', $metadata: {} }));
    elb.on(CreateTargetGroupCommand, { Name: 'demo-dev-tg' }).resolves({ TargetGroups: [targetGroup('dev')] });
    elb.on(CreateTargetGroupCommand, { Name: 'demo-prod-tg' }).resolves({ TargetGroups: [targetGroup('prod')] });
    elb.on(ModifyTargetGroupAttributesCommand).resolves({});
    elb.on(CreateListenerCommand).resolves({ Listeners: [HTTP_LISTENER] });
    elb.on(CreateRuleCommand).resolves({ Rules: [DEV_RULE] });

    const ctx = testContext('alb', { state: NETWORK_STATE });
    await alb.reconcile(ctx);

    expect(ec2).toHaveReceivedCommandWith(CreateSecurityGroupCommand, { GroupName: 'demo-alb', VpcId: 'vpc-1' });
    expect(ec2).toHaveReceivedCommandWith(AuthorizeSecurityGroupIngressCommand, {
      GroupId: 'sg-alb',
      IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'HTTP from anywhere' }] }],
    });
    expect(ec2).toHaveReceivedCommandWith(AuthorizeSecurityGroupEgressCommand, {
      GroupId: 'sg-alb',
      IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '10.0.0.0/16', Description: 'to the tasks' }] }],
    });
    expect(elb).toHaveReceivedCommandWith(CreateLoadBalancerCommand, {
      Name: 'demo-alb',
      Type: 'application',
      Scheme: 'internet-facing',
      IpAddressType: 'ipv4',
      Subnets: ['subnet-pa', 'subnet-pb'],
      SecurityGroups: ['sg-alb'],
      Tags: tags('demo-alb'),
    });
    for (const env of ['dev', 'prod'] as const) {
      expect(elb).toHaveReceivedCommandWith(CreateTargetGroupCommand, {
        Name: `demo-${env}-tg`,
        Protocol: 'HTTP',
        Port: 80,
        VpcId: 'vpc-1',
        TargetType: 'ip',
        HealthCheckEnabled: true,
        HealthCheckPath: '/',
        HealthCheckIntervalSeconds: 10,
        HealthCheckTimeoutSeconds: 6,
        HealthyThresholdCount: 2,
        Matcher: { HttpCode: '200-499' },
        Tags: tags(`demo-${env}-tg`),
      });
      expect(elb).toHaveReceivedCommandWith(ModifyTargetGroupAttributesCommand, {
        TargetGroupArn: TG_ARN[env],
        Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '30' }],
      });
    }
    // The inputs' settings are pinned per config shape in test/golden/: here, that the step sends
    // what the pure functions decide, on the load balancer, listener and target groups it made.
    const albTags = (part: string) => stackTags('demo').list('alb', part);
    expect(elb).toHaveReceivedCommandWith(
      CreateListenerCommand,
      createListenerInput(LB_ARN, HTTP_SETTINGS, ctx.config, [{ Type: 'forward', TargetGroupArn: TG_ARN.prod }], albTags('alb-http')),
    );
    expect(elb).toHaveReceivedCommandWith(
      CreateRuleCommand,
      createRuleInput(HTTP_ARN, routedEnvironments(ctx.config)[0]!, [{ Type: 'forward', TargetGroupArn: TG_ARN.dev }], albTags('dev-rule')),
    );
    // Nothing to read on what was just created, and no wait: that is the alb-active step's.
    expect(elb).not.toHaveReceivedCommand(DescribeListenersCommand);
    expect(elb).not.toHaveReceivedCommand(DescribeRulesCommand);
    expect(elb).not.toHaveReceivedCommandWith(DescribeLoadBalancersCommand, { LoadBalancerArns: [LB_ARN] });

    expect(ctx.records.get(KEYS.loadBalancer)).toEqual({ id: LB_ARN, arn: LB_ARN, dnsName: DNS });
    expect(ctx.records.get(KEYS.targetGroup('dev'))).toEqual({ id: TG_ARN.dev, name: 'demo-dev-tg' });
    expect(ctx.records.get(KEYS.listener('http'))?.id).toBe(HTTP_ARN);
    expect(ctx.records.get(KEYS.rule('dev'))?.id).toBe(RULE_ARN);
    expect(outcomesOf(ctx)).toEqual({
      'alb.securityGroup': 'created',
      'alb.loadBalancer': 'created',
      'alb.targetGroup.dev': 'created',
      'alb.targetGroup.prod': 'created',
      'alb.listener.http': 'created',
      'alb.rule.dev': 'created',
    });
  });

  it('changes nothing when everything matches, reading each resource once', async () => {
    reads();
    const ctx = testContext('alb', { state: FULL_STATE });
    await alb.reconcile(ctx);

    expect(mutatingCalls(ec2, elb)).toEqual([]);
    expect(new Set(ctx.outcomes.map((o) => o.outcome))).toEqual(new Set(['unchanged']));
    expect(ctx.outcomes).toHaveLength(6);
    expect(elb).toHaveReceivedCommandTimes(DescribeLoadBalancersCommand, 1);
    expect(elb).toHaveReceivedCommandTimes(DescribeTargetGroupsCommand, 1);
    expect(elb).toHaveReceivedCommandWith(DescribeTargetGroupsCommand, { TargetGroupArns: [TG_ARN.dev, TG_ARN.prod] });
    expect(elb).toHaveReceivedCommandTimes(DescribeListenersCommand, 1);
    expect(elb).toHaveReceivedCommandTimes(DescribeRulesCommand, 1);
    expect(elb).not.toHaveReceivedCommand(DescribeTagsCommand);
    expect(ctx.records).toEqual(new Map(Object.entries(FULL_STATE)));
  });

  it('repairs drift in place: security groups, health check, deregistration delay, default action, rule', async () => {
    reads({
      lb: { ...LB, SecurityGroups: ['sg-other'] },
      groups: [{ ...targetGroup('dev'), HealthCheckIntervalSeconds: 30, Matcher: { HttpCode: '200' } }, targetGroup('prod')],
      delays: { [TG_ARN.prod]: '300' },
      listeners: [{ ...HTTP_LISTENER, DefaultActions: forwardAnswer(TG_ARN.dev) }],
      rules: [{ ...pathRule(RULE_ARN, '/dev', TG_ARN.prod, 20), Conditions: [{ Field: 'path-pattern', Values: ['/dev'] }] }],
    });
    elb.on(SetSecurityGroupsCommand).resolves({});
    elb.on(ModifyTargetGroupCommand).resolves({});
    elb.on(ModifyTargetGroupAttributesCommand).resolves({});
    elb.on(ModifyListenerCommand).resolves({});
    elb.on(ModifyRuleCommand).resolves({});
    elb.on(SetRulePrioritiesCommand).resolves({});

    const ctx = testContext('alb', { state: FULL_STATE });
    await alb.reconcile(ctx);

    expect(elb).toHaveReceivedCommandWith(SetSecurityGroupsCommand, { LoadBalancerArn: LB_ARN, SecurityGroups: ['sg-alb'] });
    expect(elb).toHaveReceivedCommandTimes(ModifyTargetGroupCommand, 1);
    expect(elb).toHaveReceivedCommandWith(ModifyTargetGroupCommand, {
      TargetGroupArn: TG_ARN.dev,
      HealthCheckEnabled: true,
      HealthCheckPath: '/',
      HealthCheckIntervalSeconds: 10,
      HealthCheckTimeoutSeconds: 6,
      HealthyThresholdCount: 2,
      Matcher: { HttpCode: '200-499' },
    });
    expect(elb).toHaveReceivedCommandTimes(ModifyTargetGroupAttributesCommand, 1);
    expect(elb).toHaveReceivedCommandWith(ModifyTargetGroupAttributesCommand, {
      TargetGroupArn: TG_ARN.prod,
      Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '30' }],
    });
    expect(elb).toHaveReceivedCommandWith(ModifyListenerCommand, { ListenerArn: HTTP_ARN, DefaultActions: [{ Type: 'forward', TargetGroupArn: TG_ARN.prod }] });
    expect(elb).toHaveReceivedCommandWith(ModifyRuleCommand, {
      RuleArn: RULE_ARN,
      Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/dev', '/dev/*'] } }],
      Actions: [{ Type: 'forward', TargetGroupArn: TG_ARN.dev }],
    });
    expect(elb).toHaveReceivedCommandWith(SetRulePrioritiesCommand, { RulePriorities: [{ RuleArn: RULE_ARN, Priority: 10 }] });
    expect(ctx.outcomes.find((o) => o.resource === KEYS.targetGroup('dev'))?.changes).toEqual(['healthCheck']);
    expect(ctx.outcomes.find((o) => o.resource === KEYS.rule('dev'))?.changes).toEqual(['conditions', 'actions', 'priority']);
    expect(outcomesOf(ctx)).toEqual({
      'alb.securityGroup': 'unchanged',
      'alb.loadBalancer': 'updated',
      'alb.targetGroup.dev': 'updated',
      'alb.targetGroup.prod': 'updated',
      'alb.listener.http': 'updated',
      'alb.rule.dev': 'updated',
    });
  });

  it('moves rule priorities in one call when environments swap places', async () => {
    const QA_RULE_ARN = `${HTTP_ARN.replace(':listener/', ':listener-rule/')}/0a0b0c0d0e0f1011`;
    reads({
      groups: [targetGroup('qa'), targetGroup('dev'), targetGroup('prod')],
      rules: [DEV_RULE, pathRule(QA_RULE_ARN, '/qa', TG_ARN.qa, 20)],
    });
    elb.on(SetRulePrioritiesCommand).resolves({});
    const config = { environments: [{ name: 'qa', path: '/qa' }, { name: 'dev', path: '/dev' }, { name: 'prod' }] };
    const state = { ...FULL_STATE, 'alb.targetGroup.qa': { id: TG_ARN.qa }, 'alb.rule.qa': { id: QA_RULE_ARN } };
    const ctx = testContext('alb', { state, config });
    await alb.reconcile(ctx);

    expect(elb).toHaveReceivedCommandTimes(SetRulePrioritiesCommand, 1);
    expect(elb).toHaveReceivedCommandWith(SetRulePrioritiesCommand, {
      RulePriorities: [
        { RuleArn: QA_RULE_ARN, Priority: 10 },
        { RuleArn: RULE_ARN, Priority: 20 },
      ],
    });
    expect(mutatingCalls(elb)).toEqual(['SetRulePrioritiesCommand']);
    expect(outcomesOf(ctx)).toMatchObject({ 'alb.rule.qa': 'updated', 'alb.rule.dev': 'updated' });
  });

  it('adopts what carries the stack tag when the state lost it', async () => {
    reads();
    const ctx = testContext('alb', { state: { ...NETWORK_STATE, 'alb.securityGroup': { id: 'sg-alb' } } });
    await alb.reconcile(ctx);

    expect(mutatingCalls(ec2, elb)).toEqual([]);
    expect(elb).toHaveReceivedCommandWith(DescribeLoadBalancersCommand, { Names: ['demo-alb'] });
    expect(elb).toHaveReceivedCommandWith(DescribeTargetGroupsCommand, { Names: ['demo-dev-tg', 'demo-prod-tg'] });
    // One DescribeTags per kind: the load balancer, both target groups at once, the listener, the rule.
    expect(elb).toHaveReceivedCommandWith(DescribeTagsCommand, { ResourceArns: [TG_ARN.dev, TG_ARN.prod] });
    expect(elb).toHaveReceivedCommandTimes(DescribeTagsCommand, 4);
    expect(outcomesOf(ctx)).toEqual({
      'alb.securityGroup': 'unchanged',
      'alb.loadBalancer': 'adopted',
      'alb.targetGroup.dev': 'adopted',
      'alb.targetGroup.prod': 'adopted',
      'alb.listener.http': 'adopted',
      'alb.rule.dev': 'adopted',
    });
    expect(ctx.records).toEqual(new Map(Object.entries(FULL_STATE)));
  });

  it('refuses a same-named load balancer without the stack tag', async () => {
    reads({ tagsOf: () => [{ Key: 'Name', Value: 'demo-alb' }] });
    const ctx = testContext('alb', { state: { ...NETWORK_STATE, 'alb.securityGroup': { id: 'sg-alb' } } });

    await expect(alb.reconcile(ctx)).rejects.toThrow(/load balancer named demo-alb .*shipline:stack=demo: shipline did not create it and will not touch it/);
    expect(mutatingCalls(ec2, elb)).toEqual([]);
    expect(ctx.records.has(KEYS.loadBalancer)).toBe(false);
  });

  it('refuses a same-named target group without the stack tag', async () => {
    reads({ tagsOf: (arn) => (arn === TG_ARN.dev ? [] : tags('x')) });
    const state = { ...FULL_STATE };
    delete state['alb.targetGroup.dev'];
    const ctx = testContext('alb', { state });

    await expect(alb.reconcile(ctx)).rejects.toThrow(/target group named demo-dev-tg .*will not touch it/);
    expect(elb).not.toHaveReceivedCommand(CreateTargetGroupCommand);
    expect(ctx.records.has(KEYS.targetGroup('dev'))).toBe(false);
  });

  it('deletes a removed environment: its rule first, then its target group once released', async () => {
    reads({ groups: [targetGroup('prod')] });
    elb.on(DeleteRuleCommand).resolves({});
    elb
      .on(DeleteTargetGroupCommand)
      .rejectsOnce(new ResourceInUseException({ message: 'in use by a listener', $metadata: {} }))
      .resolves({});
    const ctx = testContext('alb', { state: FULL_STATE, config: { environments: [{ name: 'prod' }] } });
    await alb.reconcile(ctx);

    const order = mutatingCalls(elb);
    expect(order).toEqual(['DeleteRuleCommand', 'DeleteTargetGroupCommand', 'DeleteTargetGroupCommand']);
    expect(elb).toHaveReceivedCommandWith(DeleteRuleCommand, { RuleArn: RULE_ARN });
    expect(elb).toHaveReceivedCommandWith(DeleteTargetGroupCommand, { TargetGroupArn: TG_ARN.dev });
    expect(ctx.records.has(KEYS.rule('dev'))).toBe(false);
    expect(ctx.records.has(KEYS.targetGroup('dev'))).toBe(false);
    expect(outcomesOf(ctx)).toMatchObject({ 'alb.rule.dev': 'deleted', 'alb.targetGroup.dev': 'deleted', 'alb.targetGroup.prod': 'unchanged' });
  });

  it('with a certificate: HTTPS on 443 forwards and carries the rules, port 80 redirects', async () => {
    reads();
    ec2.on(AuthorizeSecurityGroupIngressCommand).resolves({});
    elb.on(CreateListenerCommand).resolves({
      Listeners: [{ ListenerArn: HTTPS_ARN, Port: 443, Protocol: 'HTTPS', Certificates: [{ CertificateArn: CERT }], SslPolicy: SSL_POLICY, DefaultActions: forwardAnswer(TG_ARN.prod) }],
    });
    elb.on(ModifyListenerCommand).resolves({});
    elb.on(DeleteRuleCommand).resolves({});
    elb.on(CreateRuleCommand).resolves({ Rules: [pathRule(HTTPS_RULE_ARN, '/dev', TG_ARN.dev, 10)] });
    const ctx = testContext('alb', { state: FULL_STATE, config: { alb: { certificateArn: CERT } } });
    await alb.reconcile(ctx);

    expect(ec2).toHaveReceivedCommandWith(AuthorizeSecurityGroupIngressCommand, {
      GroupId: 'sg-alb',
      IpPermissions: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'HTTPS from anywhere' }] }],
    });
    expect(elb).toHaveReceivedCommandWith(
      CreateListenerCommand,
      createListenerInput(LB_ARN, HTTPS_SETTINGS, ctx.config, [{ Type: 'forward', TargetGroupArn: TG_ARN.prod }], stackTags('demo').list('alb', 'alb-https')),
    );
    expect(elb).toHaveReceivedCommandWith(ModifyListenerCommand, { ListenerArn: HTTP_ARN, DefaultActions: REDIRECT_TO_HTTPS });
    // 443 answers before port 80 redirects to it; the rule moves from port 80 to 443.
    expect(mutatingCalls(elb)).toEqual(['CreateListenerCommand', 'ModifyListenerCommand', 'DeleteRuleCommand', 'CreateRuleCommand']);
    expect(elb).toHaveReceivedCommandWith(DeleteRuleCommand, { RuleArn: RULE_ARN });
    expect(elb).toHaveReceivedCommandWith(CreateRuleCommand, { ListenerArn: HTTPS_ARN, Priority: 10 });
    expect(ctx.records.get(KEYS.listener('https'))?.id).toBe(HTTPS_ARN);
    expect(ctx.records.get(KEYS.rule('dev'))?.id).toBe(HTTPS_RULE_ARN);
    expect(alb.outputs!(ctx.state, ctx.config).find((o) => o.key === 'url.dev')?.value).toBe(`https://${DNS}/dev/`);
  });

  it('plans without changing anything: all would be created from nothing', async () => {
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
    elb.on(DescribeTargetGroupsCommand).rejects(new TargetGroupNotFoundException({ message: 'not found', $metadata: {} }));
    const ctx = testContext('alb', { state: NETWORK_STATE, dryRun: true });
    await alb.reconcile(ctx);

    expect(mutatingCalls(ec2, elb)).toEqual([]);
    expect(ctx.records).toEqual(new Map(Object.entries(NETWORK_STATE)));
    expect(ctx.outcomes.map((o) => [o.resource, o.outcome, o.id])).toEqual([
      ['alb.securityGroup', 'created', KNOWN_AFTER_APPLY],
      ['alb.loadBalancer', 'created', KNOWN_AFTER_APPLY],
      ['alb.targetGroup.dev', 'created', KNOWN_AFTER_APPLY],
      ['alb.targetGroup.prod', 'created', KNOWN_AFTER_APPLY],
      ['alb.listener.http', 'created', KNOWN_AFTER_APPLY],
      ['alb.rule.dev', 'created', KNOWN_AFTER_APPLY],
    ]);
  });

  it('plans drift repairs without making them', async () => {
    reads({ lb: { ...LB, SecurityGroups: ['sg-other'] }, delays: { [TG_ARN.dev]: '300' } });
    const ctx = testContext('alb', { state: FULL_STATE, dryRun: true });
    await alb.reconcile(ctx);

    expect(mutatingCalls(ec2, elb)).toEqual([]);
    expect(outcomesOf(ctx)).toMatchObject({ 'alb.loadBalancer': 'updated', 'alb.targetGroup.dev': 'updated', 'alb.listener.http': 'unchanged' });
  });
});

describe('alb-active', () => {
  const provisioning: LoadBalancer = { ...LB, State: { Code: 'provisioning' } };

  it('holds up no other step: the services start while the load balancer provisions', () => {
    expect(STEPS.filter((s) => s.after.includes('alb-active')).map((s) => s.name)).toEqual([]);
    expect(dependencies(STEPS).get('services')).toContain('alb');
  });

  it("makes no call when the alb step's read of this run saw the load balancer active", async () => {
    reads();
    const ctx = testContext('alb', { state: FULL_STATE });
    await alb.reconcile(ctx);
    const before = elb.commandCalls(DescribeLoadBalancersCommand).length;
    await albActive.reconcile({ ...ctx, step: 'alb-active' });
    expect(elb.commandCalls(DescribeLoadBalancersCommand)).toHaveLength(before);
    expect(ctx.activities).not.toContain('waiting for load balancer demo-alb to be active');
  });

  it('waits for a load balancer still provisioning, with the SDK waiter', async () => {
    elb.on(DescribeLoadBalancersCommand).resolvesOnce({ LoadBalancers: [provisioning] }).resolvesOnce({ LoadBalancers: [provisioning] }).resolves({ LoadBalancers: [LB] });
    const ctx = testContext('alb-active', { state: FULL_STATE });
    await albActive.reconcile(ctx);
    expect(elb.commandCalls(DescribeLoadBalancersCommand).map((c) => c.args[0].input)).toEqual(Array(3).fill({ LoadBalancerArns: [LB_ARN] }));
    expect(ctx.activities).toContain('waiting for load balancer demo-alb to be active');
  });

  it('has nothing to wait for in a plan, without a load balancer, or on destroy', async () => {
    await albActive.reconcile(testContext('alb-active', { state: FULL_STATE, dryRun: true }));
    await albActive.reconcile(testContext('alb-active', { state: NETWORK_STATE }));
    await albActive.destroy(testContext('alb-active', { state: FULL_STATE }));
    expect(elb.calls()).toEqual([]);
  });
});

describe('alb outputs', () => {
  it('gives each environment its URL and the DNS name', () => {
    const ctx = testContext('alb', { state: FULL_STATE });
    expect(alb.outputs!(ctx.state, ctx.config)).toEqual([
      { key: 'url.dev', label: 'dev URL', value: `http://${DNS}/dev/` },
      { key: 'url.prod', label: 'prod URL', value: `http://${DNS}/` },
      { key: 'albDns', label: 'load balancer DNS name', value: DNS },
    ]);
    expect(alb.outputs!(testContext('alb').state, ctx.config)).toEqual([]);
  });
});

describe('alb destroy', () => {
  function deletes(): void {
    elb.on(DeleteRuleCommand).resolves({});
    elb.on(DeleteListenerCommand).resolves({});
    elb.on(DeleteLoadBalancerCommand).resolves({});
    elb.on(DeleteTargetGroupCommand).resolves({});
    ec2.on(DeleteSecurityGroupCommand).resolves({});
    // Read before its delete: does it carry the stack's tag?
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [SG] });
  }

  it('deletes rules, listeners, the load balancer (and waits), target groups, then the security group', async () => {
    deletes();
    elb.on(DescribeLoadBalancersCommand).rejects(new LoadBalancerNotFoundException({ message: 'gone', $metadata: {} }));
    const ctx = testContext('alb', { state: FULL_STATE });
    await alb.destroy(ctx);

    expect(mutatingCalls(elb)).toEqual([
      'DeleteRuleCommand',
      'DeleteListenerCommand',
      'DeleteLoadBalancerCommand',
      'DeleteTargetGroupCommand',
      'DeleteTargetGroupCommand',
    ]);
    expect(elb).toHaveReceivedCommandWith(DeleteLoadBalancerCommand, { LoadBalancerArn: LB_ARN });
    expect(elb).toHaveReceivedCommandWith(DescribeLoadBalancersCommand, { LoadBalancerArns: [LB_ARN] });
    expect(elb).toHaveReceivedCommandWith(DeleteTargetGroupCommand, { TargetGroupArn: TG_ARN.dev });
    expect(elb).toHaveReceivedCommandWith(DeleteTargetGroupCommand, { TargetGroupArn: TG_ARN.prod });
    expect(ec2).toHaveReceivedCommandWith(DeleteSecurityGroupCommand, { GroupId: 'sg-alb' });
    expect(ctx.records).toEqual(new Map(Object.entries(NETWORK_STATE)));
    expect(ctx.outcomes.map((o) => o.resource)).toEqual([
      'alb.rule.dev',
      'alb.listener.http',
      'alb.loadBalancer',
      'alb.targetGroup.dev',
      'alb.targetGroup.prod',
      'alb.securityGroup',
    ]);
  });

  it('treats what is already gone as deleted', async () => {
    elb.on(DeleteRuleCommand).rejects(new RuleNotFoundException({ message: 'gone', $metadata: {} }));
    elb.on(DeleteListenerCommand).rejects(new ListenerNotFoundException({ message: 'gone', $metadata: {} }));
    elb.on(DeleteLoadBalancerCommand).resolves({}); // AWS: success for a load balancer already gone
    elb.on(DescribeLoadBalancersCommand).rejects(new LoadBalancerNotFoundException({ message: 'gone', $metadata: {} }));
    elb.on(DeleteTargetGroupCommand).rejects(new TargetGroupNotFoundException({ message: 'gone', $metadata: {} }));
    ec2.on(DeleteSecurityGroupCommand).rejects(Object.assign(new Error('gone'), { name: 'InvalidGroup.NotFound', $metadata: {} }));
    ec2.on(DescribeSecurityGroupsCommand).rejects(Object.assign(new Error('gone'), { name: 'InvalidGroup.NotFound', $metadata: {} }));
    const ctx = testContext('alb', { state: FULL_STATE });
    await alb.destroy(ctx);

    expect(ctx.records).toEqual(new Map(Object.entries(NETWORK_STATE)));
  });

  it('with a lost state, finds the load balancer and target groups by name and tag', async () => {
    deletes();
    let deleted = false;
    elb.on(DeleteLoadBalancerCommand).callsFake(() => {
      deleted = true;
      return {};
    });
    elb.on(DescribeLoadBalancersCommand).callsFake(() => {
      if (deleted) throw new LoadBalancerNotFoundException({ message: 'gone', $metadata: {} });
      return { LoadBalancers: [LB] };
    });
    elb.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [targetGroup('dev'), targetGroup('prod')] });
    elb.on(DescribeTagsCommand).callsFake((input: DescribeTagsCommandInput) => ({
      TagDescriptions: input.ResourceArns!.map((arn) => ({ ResourceArn: arn, Tags: tags('x') })),
    }));
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [SG] });
    const ctx = testContext('alb', { state: NETWORK_STATE });
    await alb.destroy(ctx);

    expect(elb).toHaveReceivedCommandWith(DescribeLoadBalancersCommand, { Names: ['demo-alb'] });
    expect(elb).toHaveReceivedCommandWith(DescribeTargetGroupsCommand, { Names: ['demo-dev-tg', 'demo-prod-tg'] });
    expect(elb).toHaveReceivedCommandWith(DeleteLoadBalancerCommand, { LoadBalancerArn: LB_ARN });
    expect(elb).toHaveReceivedCommandTimes(DeleteTargetGroupCommand, 2);
    expect(ec2).toHaveReceivedCommandWith(DescribeSecurityGroupsCommand, {
      Filters: [
        { Name: 'tag:shipline:stack', Values: ['demo'] },
        { Name: 'tag:Name', Values: ['demo-alb'] },
        { Name: 'vpc-id', Values: ['vpc-1'] },
      ],
    });
    expect(ec2).toHaveReceivedCommandWith(DeleteSecurityGroupCommand, { GroupId: 'sg-alb' });
  });

  it('with a lost state, leaves a same-named load balancer without the stack tag alone', async () => {
    elb.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [LB] });
    elb.on(DescribeTargetGroupsCommand).rejects(new TargetGroupNotFoundException({ message: 'not found', $metadata: {} }));
    elb.on(DescribeTagsCommand).resolves({ TagDescriptions: [{ ResourceArn: LB_ARN, Tags: [{ Key: 'team', Value: 'other' }] }] });
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
    const ctx = testContext('alb', { state: NETWORK_STATE });
    await alb.destroy(ctx);

    expect(mutatingCalls(ec2, elb)).toEqual([]);
    expect(ctx.outcomes).toEqual([]);
  });
});

describe('alb with blue/green', () => {
  const BLUE_GREEN = { deploy: { strategy: 'blue-green' } };
  const GREEN = { dev: `${ARN}:targetgroup/demo-dev-tg-g/1111111111111111`, prod: `${ARN}:targetgroup/demo-prod-tg-g/2222222222222222` };
  const TEST_ARN = { dev: `${ARN}:listener/app/demo-alb/50dc6c495c0c9188/0000000000008080`, prod: `${ARN}:listener/app/demo-alb/50dc6c495c0c9188/0000000000008081` };
  const greenGroup = (env: 'dev' | 'prod'): TargetGroup => ({ ...targetGroup(env), TargetGroupArn: GREEN[env], TargetGroupName: `demo-${env}-tg-g` });
  const testListenerOf = (env: 'dev' | 'prod', tg: string): Listener => ({
    ListenerArn: TEST_ARN[env],
    LoadBalancerArn: LB_ARN,
    Port: env === 'dev' ? 8080 : 8081,
    Protocol: 'HTTP',
    DefaultActions: forwardAnswer(tg),
  });
  const SG_WITH_TEST_PORTS: SecurityGroup = {
    ...SG,
    IpPermissions: [80, 8080, 8081].map((port) => ({ IpProtocol: 'tcp', FromPort: port, ToPort: port, IpRanges: [{ CidrIp: '0.0.0.0/0' }] })),
  };
  const STATE: Record<string, ResourceRecord> = {
    ...FULL_STATE,
    'alb.greenTargetGroup.dev': { id: GREEN.dev, name: 'demo-dev-tg-g' },
    'alb.greenTargetGroup.prod': { id: GREEN.prod, name: 'demo-prod-tg-g' },
    'alb.testListener.dev': { id: TEST_ARN.dev },
    'alb.testListener.prod': { id: TEST_ARN.prod },
  };
  const GROUPS = [targetGroup('dev'), greenGroup('dev'), targetGroup('prod'), greenGroup('prod')];

  it('creates a second target group and a test listener per environment, each on its own port, open like port 80', async () => {
    reads({ sg: SG, groups: [targetGroup('dev'), targetGroup('prod')] });
    ec2.on(AuthorizeSecurityGroupIngressCommand).resolves({});
    elb.on(CreateTargetGroupCommand, { Name: 'demo-dev-tg-g' }).resolves({ TargetGroups: [greenGroup('dev')] });
    elb.on(CreateTargetGroupCommand, { Name: 'demo-prod-tg-g' }).resolves({ TargetGroups: [greenGroup('prod')] });
    elb.on(ModifyTargetGroupAttributesCommand).resolves({});
    elb.on(CreateListenerCommand, { Port: 8080 }).resolves({ Listeners: [testListenerOf('dev', TG_ARN.dev)] });
    elb.on(CreateListenerCommand, { Port: 8081 }).resolves({ Listeners: [testListenerOf('prod', TG_ARN.prod)] });
    const ctx = testContext('alb', { state: FULL_STATE, config: BLUE_GREEN });
    await alb.reconcile(ctx);

    expect(ec2).toHaveReceivedCommandWith(AuthorizeSecurityGroupIngressCommand, {
      GroupId: 'sg-alb',
      IpPermissions: (['dev', 'prod'] as const).map((env, i) => ({
        IpProtocol: 'tcp',
        FromPort: 8080 + i,
        ToPort: 8080 + i,
        IpRanges: [{ CidrIp: '0.0.0.0/0', Description: `blue/green test listener (${env})` }],
      })),
    });
    expect(elb).toHaveReceivedCommandWith(CreateTargetGroupCommand, { Name: 'demo-dev-tg-g', Port: 80, TargetType: 'ip', Tags: tags('demo-dev-tg-g') });
    // A test listener starts on the group production traffic goes to: CodeDeploy moves it to the replacement.
    expect(elb).toHaveReceivedCommandWith(CreateListenerCommand, {
      LoadBalancerArn: LB_ARN,
      Port: 8080,
      Protocol: 'HTTP',
      DefaultActions: [{ Type: 'forward', TargetGroupArn: TG_ARN.dev }],
      Tags: tags('demo-dev-test'),
    });
    expect(elb).toHaveReceivedCommandWith(CreateListenerCommand, { Port: 8081, DefaultActions: [{ Type: 'forward', TargetGroupArn: TG_ARN.prod }] });
    expect(ctx.records.get(KEYS.greenTargetGroup('prod'))).toEqual({ id: GREEN.prod, name: 'demo-prod-tg-g' });
    expect(ctx.records.get(KEYS.testListener('dev'))?.id).toBe(TEST_ARN.dev);
    expect(alb.outputs!(ctx.state, ctx.config).filter((o) => o.key.startsWith('testUrl.'))).toEqual([
      { key: 'testUrl.dev', label: 'dev test URL', value: `http://${DNS}:8080/dev/` },
      { key: 'testUrl.prod', label: 'prod test URL', value: `http://${DNS}:8081/` },
    ]);
  });

  it('leaves production and test routes on whichever group of the pair CodeDeploy moved them to', async () => {
    reads({
      sg: SG_WITH_TEST_PORTS,
      groups: GROUPS,
      listeners: [{ ...HTTP_LISTENER, DefaultActions: forwardAnswer(GREEN.prod) }, testListenerOf('dev', GREEN.dev), testListenerOf('prod', GREEN.prod)],
      rules: [pathRule(RULE_ARN, '/dev', GREEN.dev, 10)],
    });
    const ctx = testContext('alb', { state: STATE, config: BLUE_GREEN });
    await alb.reconcile(ctx);
    expect(mutatingCalls(ec2, elb)).toEqual([]);
    expect(new Set(ctx.outcomes.map((o) => o.outcome))).toEqual(new Set(['unchanged']));
  });

  /** A forward as CodeDeploy leaves it after moving traffic from `from` to `to`. */
  const weighted = (to: string, from: string): Action[] => [
    { Type: 'forward', Order: 1, ForwardConfig: { TargetGroups: [{ TargetGroupArn: to, Weight: 100 }, { TargetGroupArn: from, Weight: 0 }], TargetGroupStickinessConfig: { Enabled: false } } },
  ];

  /** The reads after deployments of both environments: prod's default action and dev's test listener as CodeDeploy left them. */
  const afterDeployments = (prodTestListener: Listener, devRule: Rule) =>
    reads({
      sg: SG_WITH_TEST_PORTS,
      groups: GROUPS,
      listeners: [
        { ...HTTP_LISTENER, DefaultActions: weighted(GREEN.prod, TG_ARN.prod) },
        { ...testListenerOf('dev', GREEN.dev), DefaultActions: weighted(GREEN.dev, TG_ARN.dev) },
        prodTestListener,
      ],
      rules: [devRule],
    });

  it("leaves the weighted forwards CodeDeploy leaves after a deployment, with no read of CodeDeploy's", async () => {
    afterDeployments(
      { ...testListenerOf('prod', TG_ARN.prod), DefaultActions: weighted(GREEN.prod, TG_ARN.prod) },
      { ...pathRule(RULE_ARN, '/dev', GREEN.dev, 10), Actions: weighted(GREEN.dev, TG_ARN.dev) },
    );
    const ctx = testContext('alb', { state: STATE, config: BLUE_GREEN });
    await alb.reconcile(ctx);
    expect(mutatingCalls(ec2, elb)).toEqual([]);
    expect(codedeploy.calls()).toHaveLength(0);
    expect(new Set(ctx.outcomes.map((o) => o.outcome))).toEqual(new Set(['unchanged']));
  });

  it("repairs a CodeDeploy route's conditions without sending its actions", async () => {
    // dev's path was changed by hand; CodeDeploy's weights (blue serving again) stay.
    afterDeployments(testListenerOf('prod', GREEN.prod), { ...pathRule(RULE_ARN, '/develop', GREEN.dev, 10), Actions: weighted(TG_ARN.dev, GREEN.dev) });
    elb.on(ModifyRuleCommand).resolves({});
    const ctx = testContext('alb', { state: STATE, config: BLUE_GREEN });
    await alb.reconcile(ctx);
    expect(mutatingCalls(ec2, elb)).toEqual(['ModifyRuleCommand']);
    const input = elb.commandCalls(ModifyRuleCommand)[0]!.args[0].input;
    expect(input.Actions).toBeUndefined();
    expect(input.Conditions?.map((c) => c.PathPatternConfig?.Values)).toEqual([['/dev', '/dev/*']]);
  });

  it('leaves a route forwarding elsewhere alone while a CodeDeploy deployment of its environment runs', async () => {
    reads({
      sg: SG_WITH_TEST_PORTS,
      groups: GROUPS,
      listeners: [HTTP_LISTENER, testListenerOf('dev', GREEN.dev), testListenerOf('prod', TG_ARN.prod)],
      rules: [pathRule(RULE_ARN, '/dev', TG_ARN.prod, 10)],
    });
    codedeploy.on(ListDeploymentsCommand, { deploymentGroupName: 'demo-dev' }).resolves({ deployments: ['d-RUNNING01'] });
    const ctx = testContext('alb', { state: STATE, config: BLUE_GREEN });
    await alb.reconcile(ctx);
    expect(mutatingCalls(ec2, elb)).toEqual([]);
    expect(codedeploy).toHaveReceivedCommandWith(ListDeploymentsCommand, {
      applicationName: 'demo',
      deploymentGroupName: 'demo-dev',
      includeOnlyStatuses: ['Created', 'Queued', 'InProgress', 'Ready', 'Baking'],
    });
    expect(codedeploy.calls()).toHaveLength(1);
  });

  it('points a route found forwarding elsewhere at the group its sibling route serves', async () => {
    codedeploy.on(ListDeploymentsCommand).resolves({ deployments: [] });
    reads({
      sg: SG_WITH_TEST_PORTS,
      groups: GROUPS,
      // dev's rule was pointed at prod's group by hand; dev's test listener serves its second group.
      listeners: [HTTP_LISTENER, testListenerOf('dev', GREEN.dev), testListenerOf('prod', TG_ARN.dev)],
      rules: [pathRule(RULE_ARN, '/dev', TG_ARN.prod, 10)],
    });
    elb.on(ModifyRuleCommand).resolves({});
    elb.on(ModifyListenerCommand).resolves({});
    const ctx = testContext('alb', { state: STATE, config: BLUE_GREEN });
    await alb.reconcile(ctx);
    expect(elb).toHaveReceivedCommandWith(ModifyRuleCommand, { RuleArn: RULE_ARN, Actions: [{ Type: 'forward', TargetGroupArn: GREEN.dev }] });
    // prod's test listener forwarded to dev's group: it follows prod's production route.
    expect(elb).toHaveReceivedCommandWith(ModifyListenerCommand, { ListenerArn: TEST_ARN.prod, DefaultActions: [{ Type: 'forward', TargetGroupArn: TG_ARN.prod }] });
    expect(mutatingCalls(ec2, elb)).toEqual(['ModifyRuleCommand', 'ModifyListenerCommand']);
  });

  it('back to rolling (nothing deployed any more): removes the test listeners, then the second target groups', async () => {
    reads({ groups: GROUPS, listeners: [HTTP_LISTENER, testListenerOf('dev', TG_ARN.dev), testListenerOf('prod', TG_ARN.prod)] });
    elb.on(DeleteListenerCommand).resolves({});
    elb.on(DeleteTargetGroupCommand).resolves({});
    const ctx = testContext('alb', { state: STATE });
    await alb.reconcile(ctx);
    expect(mutatingCalls(ec2, elb)).toEqual(['DeleteListenerCommand', 'DeleteListenerCommand', 'DeleteTargetGroupCommand', 'DeleteTargetGroupCommand']);
    expect(elb).toHaveReceivedCommandWith(DeleteTargetGroupCommand, { TargetGroupArn: GREEN.dev });
    expect(ctx.records).toEqual(new Map(Object.entries(FULL_STATE)));
  });

  it('destroy deletes the test listeners before the load balancer and both groups of each pair', async () => {
    elb.on(DeleteRuleCommand).resolves({});
    elb.on(DeleteListenerCommand).resolves({});
    elb.on(DeleteLoadBalancerCommand).resolves({});
    elb.on(DescribeLoadBalancersCommand).rejects(new LoadBalancerNotFoundException({ message: 'gone', $metadata: {} }));
    elb.on(DeleteTargetGroupCommand).resolves({});
    ec2.on(DeleteSecurityGroupCommand).resolves({});
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [SG] });
    const ctx = testContext('alb', { state: STATE, config: BLUE_GREEN });
    await alb.destroy(ctx);
    expect(ctx.outcomes.map((o) => o.resource)).toEqual([
      'alb.rule.dev',
      'alb.testListener.dev',
      'alb.testListener.prod',
      'alb.listener.http',
      'alb.loadBalancer',
      'alb.targetGroup.dev',
      'alb.targetGroup.prod',
      'alb.greenTargetGroup.dev',
      'alb.greenTargetGroup.prod',
      'alb.securityGroup',
    ]);
    expect(ctx.records).toEqual(new Map(Object.entries(NETWORK_STATE)));
  });
});

describe('alb host header rules', () => {
  it('routes an environment by its host name (and its path, when it has both)', async () => {
    reads({ rules: [DEV_RULE] });
    elb.on(CreateRuleCommand).callsFake((input: { Conditions: Rule['Conditions'] }) => ({
      Rules: [{ RuleArn: `${RULE_ARN}2`, Priority: '20', Conditions: input.Conditions, Actions: forwardAnswer(TG_ARN.qa) }],
    }));
    const ctx = testContext('alb', {
      state: FULL_STATE,
      config: { environments: [{ name: 'dev', path: '/dev' }, { name: 'api', host: 'api.example.com', path: '/v1' }, { name: 'prod' }] },
    });
    elb.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [targetGroup('dev'), targetGroup('prod')] });
    elb.on(CreateTargetGroupCommand).resolves({ TargetGroups: [{ ...targetGroup('qa'), TargetGroupName: 'demo-api-tg' }] });
    elb.on(ModifyTargetGroupAttributesCommand).resolves({});
    await alb.reconcile(ctx);
    expect(elb).toHaveReceivedCommandWith(CreateRuleCommand, {
      ListenerArn: HTTP_ARN,
      Priority: 20,
      Conditions: [
        { Field: 'host-header', HostHeaderConfig: { Values: ['api.example.com'] } },
        { Field: 'path-pattern', PathPatternConfig: { Values: ['/v1', '/v1/*'] } },
      ],
      Actions: [{ Type: 'forward', TargetGroupArn: TG_ARN.qa }],
      Tags: tags('demo-api-rule'),
    });
    expect(mutatingCalls(ec2, elb)).toEqual(['CreateTargetGroupCommand', 'ModifyTargetGroupAttributesCommand', 'CreateRuleCommand']);
    expect(ctx.outcomes.find((o) => o.resource === 'alb.rule.api')?.kind).toBe('rule api.example.com/v1 → api');
    expect(alb.outputs!(ctx.state, ctx.config).find((o) => o.key === 'url.api')?.value).toBe('http://api.example.com/v1/');
  });
});
