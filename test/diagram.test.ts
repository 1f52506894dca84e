// `shipline diagram`: checked by structure, not by text. Both renderers' output is parsed back
// into nodes (with their group and label), groups and edges, and compared with what the stack holds.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseConfig, type ConfigInput } from '../src/config';
import { stackDiagram, toDot, toMermaid } from '../src/diagram';
import type { ResourceRecord } from '../state';
import { BASE_CONFIG, harness, type Harness } from './helpers/harness';

interface Parsed {
  nodes: Map<string, { label: string; group: string | undefined; planned: boolean }>;
  groups: Map<string, { label: string; parent: string | undefined }>;
  edges: Array<{ from: string; to: string; label: string; dotted: boolean }>;
}

function parseMermaid(text: string): Parsed {
  const out: Parsed = { nodes: new Map(), groups: new Map(), edges: [] };
  const stack: string[] = [];
  const lines = text.split('\n');
  expect(lines[0]).toBe('---');
  const body = lines.slice(lines.indexOf('---', 1) + 1);
  expect(body[0]).toBe('flowchart TB');
  const decode = (s: string) => s.replace(/<br\/>/g, '\n').replace(/#quot;/g, '"').replace(/#lt;/g, '<').replace(/#gt;/g, '>');
  const planned = new Set<string>();
  for (const line of body.slice(1)) {
    let m: RegExpExecArray | null;
    if (line.trim() === '') continue;
    if ((m = /^\s*subgraph (\w+)\["(.*)"\]$/.exec(line))) {
      out.groups.set(m[1]!, { label: decode(m[2]!), parent: stack.at(-1) });
      stack.push(m[1]!);
    } else if (/^\s*end$/.test(line)) {
      expect(stack.pop()).toBeDefined();
    } else if ((m = /^\s*(\w+) (-->|-\.->)(?:\|"([^"]*)"\|)? (\w+)$/.exec(line))) {
      out.edges.push({ from: m[1]!, to: m[4]!, label: decode(m[3] ?? ''), dotted: m[2] === '-.->' });
    } else if ((m = /^\s*(\w+)(\(\(|\[\(|\{\{|\(|\[)"([^"]*)"(\)\)|\)\]|\}\}|\)|\])$/.exec(line))) {
      out.nodes.set(m[1]!, { label: decode(m[3]!), group: stack.at(-1), planned: false });
    } else if ((m = /^\s*class ([\w,]+) planned$/.exec(line))) {
      for (const id of m[1]!.split(',')) planned.add(id);
    } else if (!/^\s*classDef planned /.test(line)) {
      throw new Error(`unexpected Mermaid line: ${line}`);
    }
  }
  expect(stack).toEqual([]);
  for (const id of planned) out.nodes.get(id)!.planned = true;
  return out;
}

function parseDot(text: string): Parsed {
  const out: Parsed = { nodes: new Map(), groups: new Map(), edges: [] };
  const stack: string[] = [];
  const lines = text.split('\n');
  expect(lines[1]).toMatch(/^digraph ".*" \{$/);
  const decode = (s: string) => s.replace(/\\n/g, '\n').replace(/\\"/g, '"');
  for (const line of lines.slice(2)) {
    let m: RegExpExecArray | null;
    if (line.trim() === '' || /^\s*(rankdir|compound|graph|node|edge) ?[=[]/.test(line)) continue;
    if ((m = /^\s*subgraph "cluster_(\w+)" \{$/.exec(line))) {
      out.groups.set(m[1]!, { label: '', parent: stack.at(-1) });
      stack.push(m[1]!);
    } else if ((m = /^\s*label="(.*)";$/.exec(line))) {
      out.groups.get(stack.at(-1)!)!.label = decode(m[1]!);
    } else if (/^\s*\}$/.test(line)) {
      stack.pop();
    } else if ((m = /^\s*"(\w+)" -> "(\w+)"(?: \[(.*)\])?;$/.exec(line))) {
      const attrs = m[3] ?? '';
      out.edges.push({ from: m[1]!, to: m[2]!, label: decode(/label="((?:[^"\\]|\\.)*)"/.exec(attrs)?.[1] ?? ''), dotted: attrs.includes('style="dashed"') });
    } else if ((m = /^\s*"(\w+)" \[label="((?:[^"\\]|\\.)*)", shape=\w+(?:, style="([^"]*)")?\];$/.exec(line))) {
      out.nodes.set(m[1]!, { label: decode(m[2]!), group: stack.at(-1), planned: (m[3] ?? '').includes('dashed') });
    } else {
      throw new Error(`unexpected dot line: ${line}`);
    }
  }
  return out;
}

const edgeSet = (p: Parsed) => p.edges.map((e) => `${e.from} -> ${e.to}${e.label ? ` [${e.label}]` : ''}${e.dotted ? ' (dotted)' : ''}`).sort();

/** Both renderers agree on every node (label, group, dashed), group and edge. */
function expectSameStructure(mermaid: Parsed, dot: Parsed): void {
  expect(Object.fromEntries(dot.nodes)).toEqual(Object.fromEntries(mermaid.nodes));
  expect(Object.fromEntries(dot.groups)).toEqual(Object.fromEntries(mermaid.groups));
  expect(edgeSet(dot)).toEqual(edgeSet(mermaid));
}

let h: Harness;
afterEach(() => h?.restore());

type State = { accountId: string; resources: Record<string, ResourceRecord> };

describe('the default stack, as it stands', () => {
  let mermaid: Parsed;
  let state: State;

  beforeEach(async () => {
    h = harness();
    await h.ok('provision');
    state = JSON.parse(readFileSync(h.statePath, 'utf8')) as State;
    const before = h.sandbox.calls.length;
    mermaid = parseMermaid((await h.ok('diagram')).stdout);
    expect(h.sandbox.calls.length).toBe(before); // drawn from the state alone
    expectSameStructure(mermaid, parseDot((await h.ok('diagram', '--format', 'dot')).stdout));
  });

  const id = (key: string) => state.resources[key]!.id!;

  it('has every resource, labelled with its real name and ID, in its place', () => {
    const expected: Record<string, [string | undefined, string[]]> = {
      internet: [undefined, ['Internet']],
      igw: ['vpc', [id('network.internetGateway')]],
      subnet_public_a: ['public', [id('network.subnet.public-a'), '10.0.0.0/20', 'eu-west-3a']],
      subnet_public_b: ['public', [id('network.subnet.public-b'), '10.0.16.0/20']],
      subnet_private_a: ['private', [id('network.subnet.private-a'), '10.0.128.0/20']],
      subnet_private_b: ['private', [id('network.subnet.private-b'), '10.0.144.0/20']],
      nat: ['public', ['NAT instance (fck-nat)', id('nat.instance'), 't4g.nano']],
      alb: ['public', ['demo-alb', state.resources['alb.loadBalancer']!.dnsName!]],
      tg_dev: ['vpc', ['demo-dev-tg']],
      tg_prod: ['vpc', ['demo-prod-tg']],
      svc_dev: ['cluster', ['ECS service demo-dev', '256 CPU', 'demo-dev:1']],
      svc_prod: ['cluster', ['ECS service demo-prod', '512 CPU', 'demo-prod:1']],
      repo: [undefined, ['ECR repository demo', state.resources['repository.repository']!.uri!]],
      artifacts: [undefined, [id('artifacts.bucket')]],
      github: [undefined, ['GitHub my-org/demo-app', 'branch main']],
      action_Source: ['stage_Source', ['CodeStarSourceConnection']],
      action_Build: ['stage_Build', ['CodeBuild project demo-build']],
      action_Deploy_dev: ['stage_Deploy', ['ECS · demo-dev']],
      action_Approve_prod: ['stage_Acceptance', ['manual approval Approve-prod']],
      action_Deploy_prod: ['stage_Acceptance', ['ECS · demo-prod']],
      action_Tag_live_dev: ['stage_Deploy', ['tag live-dev', 'CodeBuild project demo-mark']],
      action_Tag_next_prod: ['stage_Acceptance', ['tag next-prod', 'CodeBuild project demo-mark']],
      action_Tag_live_prod: ['stage_Acceptance', ['tag live-prod', 'CodeBuild project demo-mark']],
    };
    expect([...mermaid.nodes.keys()].sort()).toEqual(Object.keys(expected).sort());
    for (const [node, [group, fragments]] of Object.entries(expected)) {
      const found = mermaid.nodes.get(node)!;
      expect({ node, group: found.group }).toEqual({ node, group });
      for (const fragment of fragments) expect(found.label).toContain(fragment);
      expect(found.planned).toBe(false);
    }
    expect(mermaid.groups.get('vpc')!.label).toContain(id('network.vpc'));
    expect(mermaid.groups.get('public')!.label).toContain(id('network.routeTable.public'));
    expect(mermaid.groups.get('cluster')).toEqual({ label: 'ECS cluster demo (Fargate)', parent: 'private' });
    expect(mermaid.groups.get('pipeline')!.label).toBe(`CodePipeline ${id('pipeline.pipeline')}`);
    expect([...mermaid.groups.keys()].filter((g) => g.startsWith('stage_'))).toEqual(['stage_Source', 'stage_Build', 'stage_Deploy', 'stage_Acceptance']);
  });

  it('has every edge: traffic, routes, image pulls, and the pipeline with its approval gate', () => {
    expect(edgeSet(mermaid)).toEqual(
      [
        'internet -> igw',
        'igw -> alb [HTTP :80]',
        'subnet_public_a -> igw [0.0.0.0/0]',
        'subnet_public_b -> igw [0.0.0.0/0]',
        'subnet_private_a -> nat [0.0.0.0/0]',
        'subnet_private_b -> nat [0.0.0.0/0]',
        'nat -> igw [egress]',
        'alb -> tg_dev [/dev, /dev/*]',
        'alb -> tg_prod [default]',
        'tg_dev -> svc_dev [:80]',
        'tg_prod -> svc_prod [:80]',
        'svc_dev -> repo [pulls image] (dotted)',
        'svc_prod -> repo [pulls image] (dotted)',
        'github -> action_Source [connection demo-github (PENDING)]',
        'action_Source -> artifacts [SourceOutput] (dotted)',
        'action_Build -> artifacts [imagespec.json] (dotted)',
        'action_Build -> repo [pushes image] (dotted)',
        'action_Source -> action_Build',
        'action_Build -> action_Deploy_dev',
        'action_Deploy_dev -> action_Tag_live_dev',
        'action_Tag_live_dev -> action_Approve_prod',
        'action_Approve_prod -> action_Tag_next_prod',
        'action_Tag_next_prod -> action_Deploy_prod',
        'action_Deploy_prod -> action_Tag_live_prod',
        'action_Tag_live_dev -> repo [tags live-dev] (dotted)',
        'action_Tag_next_prod -> repo [tags next-prod] (dotted)',
        'action_Tag_live_prod -> repo [tags live-prod] (dotted)',
        'action_Deploy_dev -> svc_dev [imagespec.json] (dotted)',
        'action_Deploy_prod -> svc_prod [imagespec.json] (dotted)',
      ].sort(),
    );
  });

  it('is the diagram the README shows (same nodes, groups and edges)', () => {
    const readme = readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
    const block = /```mermaid\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    const shown = parseMermaid(block!);
    expect([...shown.nodes.keys()].sort()).toEqual([...mermaid.nodes.keys()].sort());
    expect([...shown.groups.keys()].sort()).toEqual([...mermaid.groups.keys()].sort());
    expect(edgeSet(shown)).toEqual(edgeSet(mermaid));
  });
});

describe('a 3-environment blue-green stack, as planned', () => {
  const config: ConfigInput = {
    ...BASE_CONFIG,
    deploy: { strategy: 'blue-green' },
    alb: { certificateArn: 'arn:aws:acm:eu-west-3:123456789012:certificate/abc-123' },
    environments: [
      { name: 'dev', path: '/dev' },
      { name: 'staging', path: '/staging', approval: true },
      { name: 'prod', cpu: 512, memory: 1024, desiredCount: 2, approval: true },
    ],
  };

  it('from the config alone (no state): every resource, dashed, with placeholders', async () => {
    h = harness({ config });
    const result = await h.ok('diagram');
    expect(result.stderr).toContain('the plan from the config');
    const mermaid = parseMermaid(result.stdout);
    expectSameStructure(mermaid, parseDot((await h.ok('diagram', '--format', 'dot')).stdout));
    const envs = ['dev', 'staging', 'prod'];

    for (const env of envs) {
      expect(mermaid.nodes.get(`svc_${env}`)).toMatchObject({ group: 'cluster', planned: true });
      expect(mermaid.nodes.get(`tg_${env}`)!.label).toContain(`demo-${env}-tg (blue)`);
      expect(mermaid.nodes.get(`tg_${env}_green`)!.label).toContain(`demo-${env}-tg-g (green)`);
      expect(mermaid.nodes.get(`codedeploy_${env}`)).toMatchObject({ group: 'codedeploy', planned: true });
      expect(mermaid.nodes.get(`codedeploy_${env}`)!.label).toContain(`CodeDeploy deployment group demo-${env}`);
      expect(mermaid.nodes.get(`action_Deploy_${env}`)).toMatchObject({ group: `stage_Deploy_${env}` });
      expect(mermaid.nodes.get(`action_Deploy_${env}`)!.label).toContain(`CodeDeployToECS · demo/demo-${env}`);
    }
    expect(mermaid.nodes.get('svc_prod')!.label).toContain('512 CPU · 1024 MiB · 2 tasks');
    expect(mermaid.nodes.get('vpc')).toBeUndefined();
    expect(mermaid.groups.get('vpc')!.label).toBe('VPC (known after apply) · 10.0.0.0/16');
    expect(mermaid.nodes.get('artifacts')!.label).toContain('demo-artifacts-<account>-eu-west-3');
    expect([...mermaid.nodes.values()].every((n) => n.planned || n.label === 'Internet' || n.label.startsWith('GitHub'))).toBe(true);
    // Approval gates only where the config asks for them.
    expect([...mermaid.nodes.keys()].filter((n) => n.startsWith('action_Approve_')).sort()).toEqual(['action_Approve_prod', 'action_Approve_staging']);

    const edges = edgeSet(mermaid);
    const expected = [
      'igw -> alb [HTTPS :443 · HTTP :80 → redirect]',
      'alb -> tg_dev [/dev, /dev/*]',
      'alb -> tg_staging [/staging, /staging/*]',
      'alb -> tg_prod [default]',
      'alb -> tg_dev_green [test listener :8080] (dotted)',
      'alb -> tg_staging_green [test listener :8081] (dotted)',
      'alb -> tg_prod_green [test listener :8082] (dotted)',
      'action_Source -> action_Build',
      'action_Build -> action_Deploy_dev',
      'action_Deploy_dev -> action_Tag_live_dev',
      'action_Tag_live_dev -> action_Approve_staging',
      'action_Approve_staging -> action_Tag_next_staging',
      'action_Tag_next_staging -> action_Deploy_staging',
      'action_Deploy_staging -> action_Tag_live_staging',
      'action_Tag_live_staging -> action_Approve_prod',
      'action_Approve_prod -> action_Tag_next_prod',
      'action_Tag_next_prod -> action_Deploy_prod',
      'action_Build -> artifacts [BuildOutput] (dotted)',
      ...envs.flatMap((env) => [
        `tg_${env} -> svc_${env} [:80]`,
        `tg_${env}_green -> svc_${env} [replacement task set] (dotted)`,
        `action_Deploy_${env} -> codedeploy_${env} [taskdef-${env}.json, appspec.yml] (dotted)`,
        `codedeploy_${env} -> svc_${env} [new task set] (dotted)`,
        `codedeploy_${env} -> tg_${env}_green [shifts traffic] (dotted)`,
      ]),
    ];
    for (const edge of expected) expect(edges).toContain(edge);
    // No ECS deploy action: blue/green deploys through CodeDeploy only.
    expect(edges.filter((e) => /^action_Deploy_\w+ -> svc_/.test(e))).toEqual([]);
    // Every edge joins two drawn nodes.
    for (const e of mermaid.edges) expect([mermaid.nodes.has(e.from), mermaid.nodes.has(e.to)]).toEqual([true, true]);
  });

  it('once provisioned, as it stands: the same structure, nothing dashed, real IDs', async () => {
    h = harness({ config });
    // The certificate the config names exists and is issued (made elsewhere, as alb.certificateArn's is).
    h.sandbox.acm.addIssued('arn:aws:acm:eu-west-3:123456789012:certificate/abc-123', ['example.com']);
    const planned = parseMermaid((await h.ok('diagram')).stdout);
    await h.ok('provision');
    const state = JSON.parse(readFileSync(h.statePath, 'utf8')) as State;
    const mermaid = parseMermaid((await h.ok('diagram')).stdout);
    expectSameStructure(mermaid, parseDot((await h.ok('diagram', '--format', 'dot')).stdout));
    expect([...mermaid.nodes.keys()].sort()).toEqual([...planned.nodes.keys()].sort());
    expect(Object.fromEntries([...mermaid.groups].map(([g, v]) => [g, v.parent]))).toEqual(Object.fromEntries([...planned.groups].map(([g, v]) => [g, v.parent])));
    // The connection's status (PENDING) joins the label once it exists: compare the edges without labels there.
    const bare = (p: Parsed) => edgeSet(p).map((e) => e.replace(/ \(PENDING\)/, ''));
    expect(bare(mermaid)).toEqual(bare(planned));
    expect([...mermaid.nodes.values()].filter((n) => n.planned)).toEqual([]);
    for (const env of ['dev', 'staging', 'prod']) {
      const green = state.resources[`alb.greenTargetGroup.${env}`]!.id!;
      expect(mermaid.nodes.get(`tg_${env}_green`)!.label).toContain(green.slice(green.indexOf('targetgroup/')));
      expect(mermaid.nodes.get(`codedeploy_${env}`)!.label).toContain(`CodeDeploy deployment group ${state.resources[`codedeploy.deploymentGroup.${env}`]!.id!}`);
    }
  });

  it('as it stands, shows only what exists: no blue/green parts, no pipeline before it is made', () => {
    const parsed = parseConfig(config, 'test');
    const resources: Record<string, ResourceRecord> = {
      'network.vpc': { id: 'vpc-1', cidr: '10.0.0.0/16' },
      'network.internetGateway': { id: 'igw-1' },
      'network.subnet.public-a': { id: 'subnet-a' },
      'network.subnet.public-b': { id: 'subnet-b' },
      'network.route.public': { id: 'rtb-1:0.0.0.0/0' },
    };
    const view = { accountId: '123456789012', get: (key: string) => resources[key] };
    const mermaid = parseMermaid(toMermaid(stackDiagram(parsed, view, 'current')));
    expectSameStructure(mermaid, parseDot(toDot(stackDiagram(parsed, view, 'current'))));
    expect([...mermaid.nodes.keys()].sort()).toEqual(['igw', 'internet', 'subnet_public_a', 'subnet_public_b']);
    expect([...mermaid.groups.keys()].sort()).toEqual(['public', 'vpc']);
    expect(edgeSet(mermaid)).toEqual(['internet -> igw', 'subnet_public_a -> igw [0.0.0.0/0]', 'subnet_public_b -> igw [0.0.0.0/0]']);
  });
});

describe('task roles (issue 13)', () => {
  it('draws the role each environment runs as: the shared one once, an own one apart, none without taskRole or exec', async () => {
    h = harness({
      config: {
        ...BASE_CONFIG,
        services: { taskRole: { statements: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' }] } },
        environments: [
          { name: 'dev', path: '/dev' },
          { name: 'qa', path: '/qa' },
          { name: 'prod', exec: true, taskRole: { managedPolicyArns: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'] } },
        ],
      },
    });
    const mermaid = parseMermaid((await h.ok('diagram')).stdout);
    expectSameStructure(mermaid, parseDot((await h.ok('diagram', '--format', 'dot')).stdout));
    expect(mermaid.nodes.get('role_shared')).toMatchObject({ label: 'IAM task role demo-task\napp permissions', planned: true });
    expect(mermaid.nodes.get('role_prod')).toMatchObject({ label: 'IAM task role demo-prod-task\napp permissions · ECS Exec', planned: true });
    expect(edgeSet(mermaid).filter((e) => e.includes('runs as'))).toEqual([
      'svc_dev -> role_shared [runs as] (dotted)',
      'svc_prod -> role_prod [runs as] (dotted)',
      'svc_qa -> role_shared [runs as] (dotted)',
    ]);
  });
});
