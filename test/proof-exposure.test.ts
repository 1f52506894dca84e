// Guarantee 8: least privilege and exposure, on what a real provision wrote to the sandbox (not on
// sample inputs: test/policies.test.ts walks the policy functions themselves). Every IAM policy
// document in the call log is walked; every security group, the services, the NAT instance and
// the bucket are read back; and credentials given to the SDK never reach a log, the state file or
// the simulated AWS.
import { existsSync, readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { KEYS as ALB } from '../steps/alb';
import { KEYS as ARTIFACTS } from '../steps/artifacts';
import { KEYS as NAT } from '../steps/nat';
import { KEYS as NETWORK } from '../steps/network';
import { AwsClients } from '../src/aws/clients';
import { main } from '../src/cli';
import { SANDBOX_CREDENTIALS } from '../src/sandbox/client-plugin';
import type { PolicyDocument, PolicyStatement } from '../src/policies';
import type { CallRecord } from '../src/sandbox/sandbox';
import { STACK_TAG } from '../src/tags';
import { BASE_CONFIG, harness, TEST_WAITS, type Harness } from './helpers/harness';

let h: Harness | undefined;
afterEach(() => h?.restore());

type State = { resources: Record<string, { id?: string; arn?: string } & Record<string, string | undefined>> };
/** What a service role may hold on "*", written out here rather than imported from src/policies.ts. */
const ALLOWED_ON_STAR = ['ecr:GetAuthorizationToken', 'ecs:DescribeTaskDefinition', 'ecs:ListTasks', 'ecs:RegisterTaskDefinition'];

const state = (x: Harness) => JSON.parse(readFileSync(x.statePath, 'utf8')) as State;
const list = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** The AWS managed policies shipline may attach, each for the role AWS made it for. */
const MANAGED_ALLOWED = [
  'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy',
  'arn:aws:iam::aws:policy/AWSCodeDeployRoleForECSLimited',
];

/** Resources AWS itself provides that a policy may name: CodeDeploy's predefined deployment configurations. */
const AWS_OWNED = [/^arn:aws:codedeploy:[a-z0-9-]+:\d{12}:deploymentconfig:CodeDeployDefault\.[A-Za-z0-9]+$/];

/** Every policy document a run wrote, with where it went: trust policies, inline policies, bucket policies. */
function writtenPolicies(calls: readonly CallRecord[]): Array<{ where: string; doc: PolicyDocument }> {
  const out: Array<{ where: string; doc: PolicyDocument }> = [];
  const parse = (text: unknown) => JSON.parse(String(text)) as PolicyDocument;
  for (const c of calls.filter((call) => call.mutating && !call.error)) {
    const input = c.input as Record<string, unknown>;
    if (c.operation === 'CreateRole') out.push({ where: `trust policy of role ${String(input.RoleName)}`, doc: parse(input.AssumeRolePolicyDocument) });
    if (c.operation === 'UpdateAssumeRolePolicy') out.push({ where: `trust policy of role ${String(input.RoleName)}`, doc: parse(input.PolicyDocument) });
    if (c.operation === 'PutRolePolicy') out.push({ where: `inline policy ${String(input.PolicyName)} of role ${String(input.RoleName)}`, doc: parse(input.PolicyDocument) });
    if (c.operation === 'PutBucketPolicy') out.push({ where: `policy of bucket ${String(input.Bucket)}`, doc: parse(input.Policy) });
  }
  return out;
}

const STRATEGIES = [
  ['rolling', BASE_CONFIG],
  ['blue-green', { ...BASE_CONFIG, deploy: { strategy: 'blue-green' } }],
] as const;

describe.each(STRATEGIES)('deploy.strategy %s: every IAM policy a provision writes', (_strategy, config) => {
  let statements: Array<[string, PolicyStatement]>;
  let ownArns: string[];

  beforeAll(async () => {
    const x = harness({ config });
    await x.ok('provision');
    const docs = writtenPolicies(x.sandbox.calls);
    statements = docs.flatMap(({ where, doc }) => doc.Statement.map((s, i) => [`${where} #${i}${s.Sid ? ` ${s.Sid}` : ''}`, s] as [string, PolicyStatement]));
    // What the stack owns, as recorded: IDs, ARNs, and any ARN an attribute holds.
    ownArns = Object.values(state(x).resources).flatMap((r) => Object.values(r).filter((v): v is string => typeof v === 'string' && v.startsWith('arn:')));
    x.restore();
  });

  it('has trust, role and bucket policies to walk', () => {
    const where = statements.map(([w]) => w);
    expect(where.some((w) => w.startsWith('trust policy of role demo-codebuild'))).toBe(true);
    expect(where.some((w) => w.startsWith('inline policy'))).toBe(true);
    expect(where.some((w) => w.startsWith('policy of bucket demo-artifacts-'))).toBe(true);
  });

  it('grants no wildcard action, no "*" resource beyond the allow-list, no NotAction or NotResource', () => {
    for (const [where, s] of statements.filter(([, st]) => st.Effect === 'Allow' && st.Principal === undefined)) {
      expect({ where, notAction: s.NotAction, notResource: s.NotResource }).toEqual({ where, notAction: undefined, notResource: undefined });
      for (const action of list(s.Action)) expect({ where, action, wildcard: action.includes('*') }).toEqual({ where, action, wildcard: false });
      const resources = list(s.Resource);
      expect({ where, resources: resources.length > 0 }).toEqual({ where, resources: true });
      if (resources.some((r) => r.includes('*') && !r.startsWith('arn:'))) {
        expect({ where, resources }).toEqual({ where, resources: ['*'] });
        for (const action of list(s.Action)) expect({ where, action, allowed: ALLOWED_ON_STAR.includes(action) }).toEqual({ where, action, allowed: true });
      }
    }
  });

  it('passes roles by ARN only, never on "*" or a pattern, and only to the service named', () => {
    const passRole = statements.filter(([, s]) => s.Effect === 'Allow' && list(s.Action).includes('iam:PassRole'));
    expect(passRole.length).toBeGreaterThan(0);
    for (const [where, s] of passRole) {
      for (const resource of list(s.Resource)) expect({ where, resource, pattern: resource.includes('*') }).toEqual({ where, resource, pattern: false });
      expect({ where, condition: Object.keys(s.Condition?.StringEquals ?? {}) }).toEqual({ where, condition: ['iam:PassedToService'] });
    }
  });

  it('names only this stack\'s own resources, in this account', () => {
    const own = (resource: string) => ownArns.some((arn) => resource === arn || resource.startsWith(`${arn}/`) || resource.startsWith(`${arn}:`));
    const stackNamed = (resource: string) => /[:/]demo[-/:]|[:/]demo$|connection\//.test(resource) || AWS_OWNED.some((re) => re.test(resource));
    for (const [where, s] of statements.filter(([, st]) => st.Effect === 'Allow' && st.Principal === undefined)) {
      for (const resource of list(s.Resource).filter((r) => r !== '*')) {
        expect({ where, resource, ownOrNamed: own(resource) || stackNamed(resource) }).toEqual({ where, resource, ownOrNamed: true });
        if (!resource.startsWith('arn:aws:s3:::')) expect({ where, resource, account: resource.includes(':123456789012:') }).toEqual({ where, resource, account: true });
      }
    }
  });

  it('trust policies let one AWS service assume the role, and nothing else', () => {
    for (const [where, s] of statements.filter(([w]) => w.startsWith('trust policy'))) {
      expect({ where, action: s.Action, effect: s.Effect }).toEqual({ where, action: 'sts:AssumeRole', effect: 'Allow' });
      const principals = Object.entries(s.Principal ?? {});
      expect({ where, kinds: principals.map(([k]) => k) }).toEqual({ where, kinds: ['Service'] });
      expect({ where, services: list(principals[0]![1]).every((p) => /^[a-z-]+\.amazonaws\.com$/.test(p)) }).toEqual({ where, services: true });
    }
  });

  it('attaches only the AWS managed policies made for those roles', async () => {
    const x = harness({ config });
    await x.ok('provision');
    const attached = x.sandbox.calls.filter((c) => c.operation === 'AttachRolePolicy').map((c) => (c.input as { PolicyArn: string }).PolicyArn);
    x.restore();
    expect(attached.length).toBeGreaterThan(0);
    for (const arn of attached) expect(MANAGED_ALLOWED).toContain(arn);
  });
});

describe.each(STRATEGIES)('deploy.strategy %s, exposure: what can reach what', (_strategy, config) => {
  async function provisioned(): Promise<Harness> {
    h = harness({ config });
    await h.ok('provision');
    return h;
  }

  type Permission = { IpProtocol: string; FromPort?: number; ToPort?: number; IpRanges: Array<{ CidrIp: string }>; UserIdGroupPairs: Array<{ GroupId: string }> };
  type Group = { GroupId: string; GroupName: string; IpPermissions: Permission[]; IpPermissionsEgress: Permission[]; Tags?: Array<{ Key: string; Value: string }> };

  async function groups(x: Harness): Promise<Group[]> {
    const vpc = state(x).resources[NETWORK.vpc]!.id!;
    const { SecurityGroups } = (await x.sandbox.dispatch('ec2', 'DescribeSecurityGroups', { Filters: [{ Name: 'vpc-id', Values: [vpc] }] })) as { SecurityGroups: Group[] };
    return SecurityGroups.filter((g) => g.Tags?.some((t) => t.Key === STACK_TAG));
  }
  const rules = (perms: Permission[]) =>
    perms.flatMap((p) => [
      ...p.IpRanges.map((r) => `${p.IpProtocol}:${p.FromPort ?? 'all'}-${p.ToPort ?? 'all'} ${r.CidrIp}`),
      ...p.UserIdGroupPairs.map((g) => `${p.IpProtocol}:${p.FromPort ?? 'all'}-${p.ToPort ?? 'all'} ${g.GroupId}`),
    ]);

  it('only the load balancer is open to the internet, and only on its listener ports', async () => {
    const x = await provisioned();
    const albGroup = state(x).resources[ALB.securityGroup]!.id!;
    const { Listeners } = (await x.sandbox.dispatch('elbv2', 'DescribeListeners', { LoadBalancerArn: state(x).resources[ALB.loadBalancer]!.id })) as {
      Listeners: Array<{ Port: number }>;
    };
    for (const g of await groups(x)) {
      const open = rules(g.IpPermissions).filter((r) => r.endsWith(' 0.0.0.0/0'));
      if (g.GroupId === albGroup) expect(open.sort()).toEqual(Listeners.map((l) => `tcp:${l.Port}-${l.Port} 0.0.0.0/0`).sort());
      else expect({ group: g.GroupName, open }).toEqual({ group: g.GroupName, open: [] });
    }
    // And the load balancer talks only to the tasks, inside the VPC.
    const alb = (await groups(x)).find((g) => g.GroupId === albGroup)!;
    expect(rules(alb.IpPermissionsEgress)).toEqual(['tcp:80-80 10.0.0.0/16']);
  });

  it('services are reachable only from the load balancer, run in private subnets, with no public IP', async () => {
    const x = await provisioned();
    const albGroup = state(x).resources[ALB.securityGroup]!.id!;
    const privateSubnets = [0, 1].map((i) => state(x).resources[NETWORK.subnet('private', i)]!.id!);
    for (const env of ['dev', 'prod']) {
      const group = (await groups(x)).find((g) => g.GroupName === `demo-${env}-svc`)!;
      expect(rules(group.IpPermissions)).toEqual([`tcp:80-80 ${albGroup}`]);
      const { services } = (await x.sandbox.dispatch('ecs', 'DescribeServices', { cluster: 'demo', services: [`demo-${env}`] })) as {
        services: Array<{ networkConfiguration: { awsvpcConfiguration: { subnets: string[]; securityGroups: string[]; assignPublicIp: string } } }>;
      };
      const vpcConfig = services[0]!.networkConfiguration.awsvpcConfiguration;
      expect(vpcConfig.assignPublicIp).toBe('DISABLED');
      expect([...vpcConfig.subnets].sort()).toEqual([...privateSubnets].sort());
      expect(vpcConfig.securityGroups).toEqual([group.GroupId]);
    }
    const { Subnets } = (await x.sandbox.dispatch('ec2', 'DescribeSubnets', { SubnetIds: privateSubnets })) as { Subnets: Array<{ MapPublicIpOnLaunch: boolean }> };
    expect(Subnets.map((s) => s.MapPublicIpOnLaunch)).toEqual([false, false]);
  });

  it('the NAT instance requires IMDSv2 and admits only the VPC\'s CIDR', async () => {
    const x = await provisioned();
    const { Reservations } = (await x.sandbox.dispatch('ec2', 'DescribeInstances', { InstanceIds: [state(x).resources[NAT.instance]!.id] })) as {
      Reservations: Array<{ Instances: Array<{ MetadataOptions: { HttpTokens: string }; SourceDestCheck: boolean }> }>;
    };
    expect(Reservations[0]!.Instances[0]!.MetadataOptions.HttpTokens).toBe('required');
    const nat = (await groups(x)).find((g) => g.GroupId === state(x).resources[NAT.securityGroup]!.id)!;
    expect(rules(nat.IpPermissions)).toEqual(['-1:all-all 10.0.0.0/16']);
  });

  it('the artifact bucket blocks public access and denies every request not over TLS', async () => {
    const x = await provisioned();
    const bucket = state(x).resources[ARTIFACTS.bucket]!.id!;
    const { PublicAccessBlockConfiguration } = (await x.sandbox.dispatch('s3', 'GetPublicAccessBlock', { Bucket: bucket })) as {
      PublicAccessBlockConfiguration: Record<string, boolean>;
    };
    expect(PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true });
    const { Policy } = (await x.sandbox.dispatch('s3', 'GetBucketPolicy', { Bucket: bucket })) as { Policy: string };
    const doc = JSON.parse(Policy) as PolicyDocument;
    const denyInsecure = doc.Statement.find((s) => s.Effect === 'Deny' && JSON.stringify(s.Condition) === JSON.stringify({ Bool: { 'aws:SecureTransport': 'false' } }));
    expect(denyInsecure).toBeDefined();
    expect(list(denyInsecure!.Action)).toEqual(['s3:*']);
    expect(list(denyInsecure!.Resource).sort()).toEqual([`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`]);
    expect(doc.Statement.filter((s) => s.Effect === 'Allow')).toEqual([]);
  });
});

describe('credentials', () => {
  const SECRETS = {
    AWS_ACCESS_KEY_ID: 'AKIAPROOFNOTLEAKED42',
    AWS_SECRET_ACCESS_KEY: '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',
    AWS_SESSION_TOKEN: 'ProofSessionToken//NeverInStateOrLogs==',
  };
  const saved: Record<string, string | undefined> = {};
  beforeAll(() => {
    for (const [k, v] of Object.entries(SECRETS)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
  });
  afterAll(() => {
    for (const k of Object.keys(SECRETS)) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });

  it('never appear in logs (trace level), output, the state file or the simulated AWS', async () => {
    // Real SDK clients with no fixed credentials: the SDK's default chain reads them from the environment and signs with them.
    // The SDK's chain does pick them up: they are what every request is signed with.
    const probe = new AwsClients({ region: 'eu-west-3' });
    expect((await probe.sts.config.credentials()).secretAccessKey).toBe(SECRETS.AWS_SECRET_ACCESS_KEY);
    probe.destroy();
    // What the CLI's trace log records of each call (session.ts passes it to pino): captured here.
    const callLog: string[] = [];
    h = harness({ adapter: 'client', clientOptions: { credentials: undefined, onCall: (call) => callLog.push(JSON.stringify(call)) } });
    const runs = [
      await h.ok('provision', '--log-level', 'trace'),
      await h.ok('status', '--log-level', 'trace'),
      await h.ok('outputs', '--json', '--log-level', 'trace'),
    ];
    h.sandbox.faults.failBeforeMutation(h.sandbox.mutatingCalls().length + 3); // an error path too
    runs.push(await h.run('destroy', '--yes', '--log-level', 'trace'));
    runs.push(await h.ok('destroy', '--yes', '--log-level', 'trace'));
    expect(runs.some((r) => r.logs.some((l) => l.level === 20))).toBe(true); // debug logging was on
    expect(callLog.length).toBeGreaterThan(100);

    const places: Record<string, string> = {
      stdout: runs.map((r) => r.stdout).join('\n'),
      stderr: runs.map((r) => r.stderr).join('\n'),
      state: readFileSync(h.statePath, 'utf8'),
      ...(existsSync(`${h.statePath}.bak`) ? { backup: readFileSync(`${h.statePath}.bak`, 'utf8') } : {}),
      sandbox: JSON.stringify(h.sandbox.snapshot()),
      calls: JSON.stringify(h.sandbox.calls),
      'call log': callLog.join('\n'),
    };
    for (const [where, text] of Object.entries(places)) {
      for (const [name, secret] of Object.entries(SECRETS)) expect({ where, name, leaked: text.includes(secret) }).toEqual({ where, name, leaked: false });
    }
  });

  it('built the way the CLI builds its clients (every call logged at trace level), the credentials never appear either', async () => {
    // No injected clients: the session makes them as for `--sandbox`, with the trace call log.
    h = harness({ adapter: 'client' });
    let stderr = '';
    let stdout = '';
    const sink = (append: (s: string) => void) =>
      new Writable({
        write(chunk, _enc, done) {
          append(String(chunk));
          done();
        },
      });
    const io = { stdout: sink((s) => (stdout += s)), stderr: sink((s) => (stderr += s)), interactive: false, prompt: async () => '' };
    const run = (...args: string[]) =>
      main([...args, '--config', h!.configPath, '--state', h!.statePath, '--log-format', 'json', '--log-level', 'trace'], io, { sandbox: h!.sandbox, waits: TEST_WAITS });
    expect(await run('provision')).toBe(0);
    h.sandbox.faults.failBeforeMutation(h.sandbox.mutatingCalls().length + 2);
    expect(await run('destroy', '--yes')).toBe(1);
    expect(await run('destroy', '--yes')).toBe(0);
    expect(stderr).toContain('"msg":"aws call"');
    const text = [stdout, stderr, readFileSync(h.statePath, 'utf8'), JSON.stringify(h.sandbox.snapshot()), JSON.stringify(h.sandbox.calls)].join('\n');
    expect(text.includes(SANDBOX_CREDENTIALS.secretAccessKey)).toBe(false);
    expect(text.includes(SANDBOX_CREDENTIALS.accessKeyId)).toBe(false);
  });
});
