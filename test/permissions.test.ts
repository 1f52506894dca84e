// The IAM policy a user needs (src/permissions.ts) against what shipline really calls: every SDK
// command and waiter in the code, and every call full runs make on the sandbox. It covers them all
// and lists nothing else; the README shows it as generated.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ServiceName } from '../src/aws/clients';
import { actionsFor, ALL_VARIANTS, OPERATIONS, renderPolicy, requiredPolicy, variantOf } from '../src/permissions';
import type { PolicyDocument } from '../src/policies';
import { BASE_CONFIG, harness, type Harness } from './helpers/harness';

const ROOT = path.join(__dirname, '..');

/** The SDK client package → shipline's service name. */
const PACKAGES: Record<string, ServiceName> = {
  'client-ec2': 'ec2',
  'client-sts': 'sts',
  'client-elastic-load-balancing-v2': 'elbv2',
  'client-ecs': 'ecs',
  'client-ecr': 'ecr',
  'client-iam': 'iam',
  'client-cloudwatch-logs': 'logs',
  'client-s3': 's3',
  'client-codebuild': 'codebuild',
  'client-codepipeline': 'codepipeline',
  'client-codestar-connections': 'connections',
  'client-codedeploy': 'codedeploy',
  'client-ssm': 'ssm',
  'client-secrets-manager': 'secretsmanager',
  'client-application-auto-scaling': 'appautoscaling',
  'client-acm': 'acm',
  'client-route-53': 'route53',
};

/** The call each SDK waiter polls with. */
const WAITERS: Record<string, string> = {
  waitUntilInstanceRunning: 'DescribeInstances',
  waitUntilInstanceStopped: 'DescribeInstances',
  waitUntilInstanceTerminated: 'DescribeInstances',
  waitUntilNatGatewayAvailable: 'DescribeNatGateways',
  waitUntilNatGatewayDeleted: 'DescribeNatGateways',
  waitUntilLoadBalancerAvailable: 'DescribeLoadBalancers',
  waitUntilLoadBalancersDeleted: 'DescribeLoadBalancers',
  waitUntilServicesStable: 'DescribeServices',
  waitUntilServicesInactive: 'DescribeServices',
  waitUntilBucketExists: 'HeadBucket',
  waitUntilBucketNotExists: 'HeadBucket',
  waitUntilObjectExists: 'HeadObject',
  waitUntilObjectNotExists: 'HeadObject',
  waitUntilDeploymentSuccessful: 'GetDeployment',
  waitUntilResourceRecordSetsChanged: 'GetChange',
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return full.endsWith(path.join('src', 'sandbox')) ? [] : sourceFiles(full);
    return full.endsWith('.ts') ? [full] : [];
  });
}

/** `service:Operation` for every command the code sends and every waiter or paginator it runs. */
function operationsInCode(): { found: Set<string>; unknown: string[] } {
  const found = new Set<string>();
  const unknown: string[] = [];
  for (const file of ['steps', 'src', 'state'].flatMap((d) => sourceFiles(path.join(ROOT, d)))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*'@aws-sdk\/([a-z0-9-]+)'/g)) {
      const service = PACKAGES[m[2]!];
      // Each import as [its name in the SDK, its name in this file] (`X as Y` is called as `new Y(`).
      const names = m[1]!.split(',').map((n) => n.trim().replace(/^type\s+/, '').split(/\s+as\s+/)).filter((n) => n[0]);
      for (const [name = '', local = name] of names) {
        const where = path.relative(ROOT, file);
        if (name.endsWith('Command') && new RegExp(`new\\s+${local}\\(`).test(text)) {
          if (!service) unknown.push(`${where}: ${name} from @aws-sdk/${m[2]!}`);
          else found.add(`${service}:${name.slice(0, -'Command'.length)}`);
        } else if (/^waitUntil|^waitFor/.test(name) && new RegExp(`\\b${name}\\b`).test(text.slice(m.index! + m[0].length))) {
          const op = WAITERS[name];
          if (!service || !op) unknown.push(`${where}: waiter ${name} (add the call it polls to WAITERS)`);
          else found.add(`${service}:${op}`);
        } else if (/^paginate/.test(name)) {
          if (!service) unknown.push(`${where}: ${name}`);
          else found.add(`${service}:${name.slice('paginate'.length)}`);
        }
      }
    }
  }
  return { found, unknown };
}

/** What the CLI prints on stdout for `args` (a command that needs neither AWS nor a config). */
async function cliStdout(...args: string[]): Promise<string> {
  const x = harness({ config: BASE_CONFIG });
  try {
    return (await x.ok(...args)).stdout;
  } finally {
    x.restore();
  }
}

const declared = () => new Set(Object.entries(OPERATIONS).flatMap(([service, ops]) => ops.map((op) => `${service}:${op}`)));

describe('the operations src/permissions.ts lists', () => {
  it('are exactly those the code calls (commands sent, waiters run)', () => {
    const { found, unknown } = operationsInCode();
    expect(unknown).toEqual([]);
    expect(found.size).toBeGreaterThan(100);
    const listed = declared();
    expect({ missing: [...found].filter((op) => !listed.has(op)).sort(), unused: [...listed].filter((op) => !found.has(op)).sort() }).toEqual({ missing: [], unused: [] });
  });

  it('cover every call of full runs on the sandbox: both strategies, both NAT modes, the delivery commands, the S3 state backend, plan and destroy', async () => {
    const seen = new Set<string>();
    const record = (x: Harness) => x.sandbox.calls.forEach((c) => seen.add(`${c.service}:${c.operation}`));
    const run = async (config: unknown, steps: (x: Harness) => Promise<void>) => {
      const x = harness({ config });
      try {
        await steps(x);
        record(x);
      } finally {
        x.restore();
      }
    };
    await run(BASE_CONFIG, async (x) => {
      await x.ok('plan');
      await x.ok('provision');
      const connection = (JSON.parse(readFileSync(x.statePath, 'utf8')) as { resources: Record<string, { id: string }> }).resources['connection.github']!.id;
      x.sandbox.connections.approveConnection(connection);
      await x.ok('release');
      await x.ok('status', '--json');
      await x.ok('approve', '--comment', 'ok');
      await x.ok('release');
      await x.ok('reject', '--comment', 'no');
      // Drift that only an update repairs, and the other NAT mode.
      x.writeConfig({ ...BASE_CONFIG, nat: { mode: 'nat-gateway' }, environments: [{ name: 'dev', path: '/dev', cpu: 512, memory: 1024 }, { name: 'prod' }] });
      await x.ok('provision');
      await x.ok('destroy', '--yes');
    });
    const blueGreen = { ...BASE_CONFIG, deploy: { strategy: 'blue-green' } };
    await run(blueGreen, async (x) => {
      await x.ok('provision');
      const connection = (JSON.parse(readFileSync(x.statePath, 'utf8')) as { resources: Record<string, { id: string }> }).resources['connection.github']!.id;
      x.sandbox.connections.approveConnection(connection);
      await x.ok('release');
      await x.ok('status', '--json');
      await x.ok('approve', '--comment', 'ok');
      // A change of CPU: a new revision, deployed through CodeDeploy.
      x.writeConfig({ ...blueGreen, environments: [{ name: 'dev', path: '/dev', cpu: 512, memory: 1024 }, { name: 'prod' }] });
      await x.ok('provision');
      await x.ok('destroy', '--yes');
    });
    await run({ ...BASE_CONFIG, state: { backend: { type: 's3', bucket: 'team-state' } } }, async (x) => {
      await x.sandbox.dispatch('s3', 'CreateBucket', { Bucket: 'team-state', CreateBucketConfiguration: { LocationConstraint: 'eu-west-3' } });
      await x.sandbox.dispatch('s3', 'PutBucketVersioning', { Bucket: 'team-state', VersioningConfiguration: { Status: 'Enabled' } });
      await x.ok('provision');
      await x.ok('destroy', '--yes');
    });
    const listed = declared();
    const setup = new Set(['s3:CreateBucket', 's3:PutBucketVersioning']); // also the test's own setup calls, listed anyway
    expect([...seen].filter((op) => !listed.has(op) && !setup.has(op)).sort()).toEqual([]);
    expect(seen.size).toBeGreaterThan(100);
  });

  it('each map to IAM actions of the service\'s own prefix (and tagging, PassRole, service-linked roles where AWS asks for them)', () => {
    const prefixes: Record<ServiceName, string> = {
      ec2: 'ec2', sts: 'sts', elbv2: 'elasticloadbalancing', ecs: 'ecs', ecr: 'ecr', iam: 'iam', logs: 'logs', s3: 's3',
      codebuild: 'codebuild', codepipeline: 'codepipeline', connections: 'codestar-connections', codedeploy: 'codedeploy',
      ssm: 'ssm', secretsmanager: 'secretsmanager', appautoscaling: 'application-autoscaling',
      acm: 'acm', route53: 'route53',
    };
    for (const [service, ops] of Object.entries(OPERATIONS) as Array<[ServiceName, readonly string[]]>) {
      for (const op of ops) {
        const actions = actionsFor(service, op)!;
        const own = actions.filter((a) => a.startsWith(`${prefixes[service]}:`));
        const other = actions.filter((a) => !a.startsWith(`${prefixes[service]}:`));
        if (!(service === 'sts' && op === 'GetCallerIdentity')) expect({ op: `${service}:${op}`, own: own.length > 0 }).toEqual({ op: `${service}:${op}`, own: true });
        // Application Auto Scaling also acts on the service it scales and on the alarms of its policies, as the caller.
        const alsoAutoscaling = service === 'appautoscaling' ? ['ecs:DescribeServices', 'ecs:UpdateService', 'cloudwatch:DescribeAlarms', 'cloudwatch:PutMetricAlarm', 'cloudwatch:DeleteAlarms'] : [];
        for (const a of other) expect(['iam:PassRole', 'iam:CreateServiceLinkedRole', 'codestar-connections:PassConnection', 'codeconnections:PassConnection', ...alsoAutoscaling]).toContain(a);
      }
    }
    expect(actionsFor('elbv2', 'DescribeLoadBalancers')).toEqual(['elasticloadbalancing:DescribeLoadBalancers']);
    expect(actionsFor('s3', 'HeadBucket')).toEqual(['s3:ListBucket']);
    expect(actionsFor('s3', 'GetBucketEncryption')).toEqual(['s3:GetEncryptionConfiguration']);
    expect(actionsFor('connections', 'CreateConnection')).toEqual(['codestar-connections:CreateConnection', 'codestar-connections:TagResource']);
    expect(actionsFor('codebuild', 'CreateProject')).toContain('iam:PassRole');
  });
});

describe('the policy', () => {
  const policy = requiredPolicy();
  const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

  it('is an Allow-only document with no wildcard action, one statement per scope', () => {
    expect(policy.Version).toBe('2012-10-17');
    const sids = policy.Statement.map((s) => s.Sid);
    expect(new Set(sids).size).toBe(sids.length);
    for (const s of policy.Statement) {
      expect(s.Effect).toBe('Allow');
      for (const action of list(s.Action)) expect(action).toMatch(/^[a-z0-9-]+:[A-Z][A-Za-z]+$/);
    }
  });

  it('touches IAM only for roles under /shipline/, attaches only the managed policies shipline uses, and passes roles only to their services', () => {
    // ListRoles only reads, and IAM authorizes it on no role: it stands alone on Resource "*".
    const listing = policy.Statement.filter((st) => list(st.Action).includes('iam:ListRoles'));
    expect(listing.map((s) => [list(s.Action), s.Resource])).toEqual([[['iam:ListRoles'], '*']]);
    for (const s of policy.Statement.filter((st) => list(st.Action).some((a) => a.startsWith('iam:')) && !listing.includes(st))) {
      expect(list(s.Action).every((a) => a.startsWith('iam:'))).toBe(true);
      expect(list(s.Resource).every((r) => r === 'arn:aws:iam::*:role/shipline/*' || r === 'arn:aws:iam::*:role/aws-service-role/*')).toBe(true);
    }
    const pass = policy.Statement.find((s) => list(s.Action).includes('iam:PassRole'))!;
    expect(list(pass.Action)).toEqual(['iam:PassRole']);
    expect(Object.keys(pass.Condition?.StringEquals ?? {})).toEqual(['iam:PassedToService']);
    const attach = policy.Statement.find((s) => list(s.Action).includes('iam:AttachRolePolicy'))!;
    expect(Object.keys(attach.Condition?.ArnEquals ?? {})).toEqual(['iam:PolicyARN']);
    const slr = policy.Statement.find((s) => list(s.Action).includes('iam:CreateServiceLinkedRole'))!;
    expect(list(slr.Action)).toEqual(['iam:CreateServiceLinkedRole']);
    expect(Object.keys(slr.Condition?.StringEquals ?? {})).toEqual(['iam:AWSServiceName']);
  });

  it('is what the README\'s "Permissions" section shows: the output of `shipline permissions --all`', async () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('\n## Permissions'));
    expect(section.length).toBeLessThan(readme.length);
    const block = /```json\n([\s\S]*?)\n```/.exec(section)?.[1];
    const printed = await cliStdout('permissions', '--all');
    expect(`${block ?? ''}\n`).toBe(printed);
    expect(printed).toBe(`${renderPolicy()}\n`);
  });

  it('asks CreatePipeline and UpdatePipeline for PassConnection on the connection, for CodePipeline only', () => {
    expect(actionsFor('codepipeline', 'CreatePipeline')).toEqual(expect.arrayContaining(['codestar-connections:PassConnection', 'codeconnections:PassConnection']));
    expect(actionsFor('codepipeline', 'UpdatePipeline')).toEqual(expect.arrayContaining(['codestar-connections:PassConnection', 'codeconnections:PassConnection']));
    const pass = policy.Statement.find((s) => s.Sid === 'PassConnectionToPipeline')!;
    expect(list(pass.Action)).toEqual(['codeconnections:PassConnection', 'codestar-connections:PassConnection']);
    expect(list(pass.Resource).every((r) => /^arn:aws:(codestar-connections|codeconnections):\*:\*:connection\/\*$/.test(r))).toBe(true);
  });
});

describe('shipline permissions', () => {
  const actionsOf = (doc: PolicyDocument) => new Set(doc.Statement.flatMap((s) => list(s.Action).map((a) => `${s.Sid ?? ''} ${a}`)));
  const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

  it("prints the config's policy: no CodeDeploy creates for rolling, no NAT gateway for instance mode, no state bucket for local state", async () => {
    const x = harness({ config: BASE_CONFIG });
    try {
      const printed = JSON.parse((await x.ok('permissions', '--config', x.configPath)).stdout) as PolicyDocument;
      const actions = [...actionsOf(printed)].map((a) => a.split(' ')[1]);
      expect(actions).toContain('codestar-connections:PassConnection');
      expect(actions).toContain('ec2:RunInstances');
      expect(actions).not.toContain('codedeploy:CreateDeploymentGroup');
      expect(actions).not.toContain('ec2:CreateNatGateway');
      expect(printed.Statement.map((s) => s.Sid)).not.toContain('StateInS3Optional');
      // Cleanup of the other choices stays possible.
      expect(actions).toContain('codedeploy:DeleteApplication');
      expect(actions).toContain('ec2:DeleteNatGateway');
    } finally {
      x.restore();
    }
  });

  it.each([
    ['cn-north-1', 'aws-cn'],
    ['us-gov-west-1', 'aws-us-gov'],
  ])("for a config in %s, every ARN is in the %s partition, never a literal arn:aws:", async (region, partition) => {
    const x = harness({ config: { ...BASE_CONFIG, region } });
    try {
      const printed = (await x.ok('permissions', '--config', x.configPath)).stdout;
      const arns = [...printed.matchAll(/"(arn:[^"]*)"/g)].map((m) => m[1]!);
      expect(arns.length).toBeGreaterThan(5);
      expect(arns.filter((arn) => !arn.startsWith(`arn:${partition}:`))).toEqual([]);
    } finally {
      x.restore();
    }
  });

  it('with --all, is the union of every choice, and each config policy is part of it', () => {
    const all = actionsOf(requiredPolicy());
    for (const variant of ALL_VARIANTS) for (const a of actionsOf(requiredPolicy([variant]))) expect(all).toContain(a);
    const union = new Set(ALL_VARIANTS.flatMap((v) => [...actionsOf(requiredPolicy([v]))]));
    expect(union).toEqual(all);
  });

  it('names the config file when it cannot read it', async () => {
    const x = harness({ config: BASE_CONFIG });
    try {
      const result = await x.run('permissions', '--config', path.join(x.dir, 'missing.json'));
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/missing\.json/);
      expect(result.stdout).toBe('');
    } finally {
      x.restore();
    }
  });
});

describe("a config's task role managed policies (issue 13)", () => {
  it('are added to the attach/detach condition, exactly those, and only with that config', () => {
    const config = {
      deploy: { strategy: 'rolling' },
      nat: { mode: 'instance' },
      state: { backend: { type: 'local' } },
      services: { taskRole: { managedPolicyArns: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'] } },
      environments: [{ taskRole: { managedPolicyArns: ['arn:aws:iam::123456789012:policy/app-queue'] } }, {}],
    };
    const condition = (doc: PolicyDocument) => doc.Statement.find((s) => s.Sid === 'ShiplineRolesManagedPolicies')!.Condition;
    expect(condition(requiredPolicy([variantOf(config)]))).toEqual({
      ArnEquals: {
        'iam:PolicyARN': [
          'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy',
          'arn:aws:iam::aws:policy/AWSCodeDeployRoleForECSLimited',
          'arn:aws:iam::123456789012:policy/app-queue',
          'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess',
        ],
      },
    });
    expect(condition(requiredPolicy([variantOf({ ...config, services: {}, environments: [] })]))).toEqual({
      ArnEquals: { 'iam:PolicyARN': ['arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy', 'arn:aws:iam::aws:policy/AWSCodeDeployRoleForECSLimited'] },
    });
  });
});
