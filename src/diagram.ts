// The stack as a picture: a graph built from the config and the state (no AWS call), rendered as a
// Mermaid flowchart or a Graphviz digraph.
//
// "As it stands" draws what the state records, labelled with real names and IDs; "planned" draws
// everything the config describes, with the IDs the state knows and "(known after apply)"
// elsewhere, and marks what does not exist yet (dashed).
import { subnetPlan, testPort, type Config, type EnvironmentConfig } from './config';
import { certificateNames, servesHttps } from './domain-config';
import { KEYS as DOMAIN } from '../steps/domain/names';
import { isKnown } from './step';
import { importedNetwork, ownNetwork, type ImportedNetwork } from './network-config';
import { artifactBucketName, KEYS as ARTIFACTS } from '../steps/artifacts';
import { greenTargetGroupName, KEYS as ALB, targetGroupName } from '../steps/alb';
import { KEYS as BUILD, markProjectName, projectName } from '../steps/build';
import { clusterName, KEYS as CLUSTER } from '../steps/cluster';
import { applicationName, deploymentGroupName, KEYS as CODEDEPLOY } from '../steps/codedeploy';
import { connectionName, KEYS as CONNECTION } from '../steps/connection';
import { KEYS as NAT } from '../steps/nat';
import { KEYS as NETWORK } from '../steps/network';
import { KEYS as PIPELINE, pipelineName, pipelineStructure } from '../steps/pipeline';
import { KEYS as REPOSITORY, repositoryName } from '../steps/repository';
import { KEYS as SERVICES, scalingTargets, serviceName } from '../steps/services';
import { taskRoleChoice } from '../steps/services/task-role';
import { settingsOf } from './service-config';
import type { ResourceRecord } from '../state';

export type Shape = 'box' | 'round' | 'circle' | 'cylinder' | 'hexagon';

export interface DiagramNode {
  id: string;
  /** Lines of text: what it is, then its name / ID / settings. */
  label: string[];
  shape: Shape;
  group?: string;
  /** Described by the config, not (yet) in the state: drawn dashed. */
  planned: boolean;
}

export interface DiagramGroup {
  id: string;
  label: string;
  parent?: string;
}

export interface DiagramEdge {
  from: string;
  to: string;
  label?: string;
  /** solid: traffic and order; dotted: deploys, pulls, artifacts, standby paths. */
  style: 'solid' | 'dotted';
}

export interface Diagram {
  title: string;
  groups: DiagramGroup[];
  nodes: DiagramNode[];
  edges: DiagramEdge[];
}

export type DiagramMode = 'current' | 'planned';

/** What the diagram reads from the state. */
export interface StateView {
  get(key: string): ResourceRecord | undefined;
  readonly accountId: string | null;
}

const UNKNOWN = '(known after apply)';

interface Draft {
  node: DiagramNode;
  /** The state key that makes it exist; none for what is always there (the internet, GitHub). */
  key?: string;
}

interface DraftEdge extends DiagramEdge {
  key?: string;
}

/** The stack's diagram. In `current` mode, `state` is required: only what it records is drawn. */
export function stackDiagram(config: Config, state: StateView | undefined, mode: DiagramMode): Diagram {
  const b = new Builder(config, state, mode);
  b.network();
  b.loadBalancer();
  b.services();
  b.delivery();
  return b.finish();
}

class Builder {
  private readonly groups: DiagramGroup[] = [];
  private readonly drafts: Draft[] = [];
  private readonly edges: DraftEdge[] = [];
  private readonly blueGreen: boolean;

  constructor(
    private readonly config: Config,
    private readonly state: StateView | undefined,
    private readonly mode: DiagramMode,
  ) {
    this.blueGreen = config.deploy.strategy === 'blue-green';
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private rec(key: string): ResourceRecord | undefined {
    return this.state?.get(key);
  }

  private id(key: string): string {
    const id = this.rec(key)?.id;
    return isKnown(id) ? id : UNKNOWN;
  }

  private exists(key: string): boolean {
    return isKnown(this.rec(key)?.id);
  }

  private group(id: string, label: string, parent?: string): void {
    this.groups.push({ id, label, ...(parent ? { parent } : {}) });
  }

  private add(id: string, shape: Shape, label: string[], opts: { group?: string; key?: string } = {}): void {
    const planned = opts.key !== undefined && !this.exists(opts.key);
    this.drafts.push({
      node: { id, label, shape, planned, ...(opts.group ? { group: opts.group } : {}) },
      ...(opts.key ? { key: opts.key } : {}),
    });
  }

  private link(from: string, to: string, label: string | undefined, style: 'solid' | 'dotted' = 'solid', opts: { key?: string } = {}): void {
    this.edges.push({ from, to, style, ...(label ? { label } : {}), ...opts });
  }

  // ---- the network -----------------------------------------------------------------------------

  network(): void {
    const imported = importedNetwork(this.config);
    if (imported) return this.importedNetwork(imported);
    const config = { ...this.config, network: ownNetwork(this.config) };
    const vpc = this.rec(NETWORK.vpc);
    this.group('vpc', `VPC ${this.id(NETWORK.vpc)} · ${vpc?.cidr ?? config.network.cidr}`);
    this.add('internet', 'circle', ['Internet']);
    this.add('igw', 'box', ['internet gateway', this.id(NETWORK.internetGateway)], { group: 'vpc', key: NETWORK.internetGateway });
    this.link('internet', 'igw', undefined);

    const plan = subnetPlan(config.network);
    for (const tier of ['public', 'private'] as const) {
      const table = NETWORK.routeTable(tier);
      this.group(tier, `${tier} subnets · route table ${this.id(table)}`, 'vpc');
      plan[tier].forEach((cidr, i) => {
        const part = `${tier}-${'abcdef'[i]}`;
        const key = NETWORK.subnet(tier, i);
        const rec = this.rec(key);
        const where = [rec?.cidr ?? cidr, ...(rec?.az ? [rec.az] : [])].join(' · ');
        this.add(nodeId('subnet', part), 'box', [`subnet ${part}`, this.id(key), where], { group: tier, key });
      });
    }
    // Each subnet's default route, as its route table says.
    plan.public.forEach((_, i) => this.link(nodeId('subnet', `public-${'abcdef'[i]}`), 'igw', '0.0.0.0/0', 'solid', { key: NETWORK.publicRoute }));

    const nat = config.nat.mode === 'instance';
    const natKey = nat ? NAT.instance : NAT.gateway;
    const natLabel = nat
      ? ['NAT instance (fck-nat)', this.id(NAT.instance), `${config.nat.instanceType} · in public-a`]
      : ['NAT gateway', this.id(NAT.gateway), `Elastic IP ${this.rec(NAT.address)?.publicIp ?? UNKNOWN} · in public-a`];
    this.add('nat', 'box', natLabel, { group: 'public', key: natKey });
    this.link('nat', 'igw', 'egress');
    plan.private.forEach((_, i) => this.link(nodeId('subnet', `private-${'abcdef'[i]}`), 'nat', '0.0.0.0/0', 'solid', { key: NAT.route }));
  }

  /** The user's VPC: drawn as imported, never as planned or made (no state key makes it exist). */
  private importedNetwork(network: ImportedNetwork): void {
    this.group('vpc', `VPC ${network.vpcId} · imported (yours: shipline changes nothing of it)`);
    this.add('internet', 'circle', ['Internet']);
    this.add('igw', 'box', ['internet gateway', 'imported'], { group: 'vpc' });
    this.link('internet', 'igw', undefined);
    for (const tier of ['public', 'private'] as const) {
      this.group(tier, `${tier} subnets · imported · your route tables`, 'vpc');
      (tier === 'public' ? network.publicSubnetIds : network.privateSubnetIds).forEach((id, i) => {
        this.add(nodeId('subnet', `${tier}-${'abcdef'[i] ?? i}`), 'box', [`${tier} subnet`, id, 'imported'], { group: tier });
      });
    }
    network.publicSubnetIds.forEach((_, i) => this.link(nodeId('subnet', `public-${'abcdef'[i] ?? i}`), 'igw', '0.0.0.0/0'));
    this.add('egress', 'box', ['your way out', 'NAT or VPC endpoints', 'imported'], { group: 'vpc' });
    network.privateSubnetIds.forEach((_, i) => this.link(nodeId('subnet', `private-${'abcdef'[i] ?? i}`), 'egress', 'egress'));
  }

  // ---- the load balancer -----------------------------------------------------------------------

  loadBalancer(): void {
    const { config } = this;
    const stack = config.stack;
    const lb = this.rec(ALB.loadBalancer);
    const https = servesHttps(config);
    this.add('alb', 'box', [`load balancer ${stack}-alb`, shortArn(this.id(ALB.loadBalancer)), lb?.dnsName ?? UNKNOWN], { group: 'public', key: ALB.loadBalancer });
    this.link('igw', 'alb', https ? 'HTTPS :443 · HTTP :80 → redirect' : 'HTTP :80');
    if (config.domain) {
      // The domain: shipline's certificate on the HTTPS listener, its alias records in the user's zone.
      const names = certificateNames(config);
      this.add('certificate', 'box', ['ACM certificate', shortArn(this.id(DOMAIN.certificate)), names.join(', ')], { key: DOMAIN.certificate });
      this.link('certificate', 'alb', 'HTTPS :443');
      this.add('dns', 'box', [`Route 53 zone ${config.domain.name} (yours)`, `alias A: ${names.join(', ')}`], { key: DOMAIN.alias(config.domain.name) });
      this.link('dns', 'alb', 'alias');
    }

    const listener = https ? ALB.listener('https') : ALB.listener('http');
    for (const env of this.environments()) {
      const tg = nodeId('tg', env.name);
      const name = targetGroupName(stack, env.name);
      this.add(tg, 'box', [`target group ${name}${this.blueGreen ? ' (blue)' : ''}`, shortArn(this.id(ALB.targetGroup(env.name))), 'HTTP :80 · ip targets'], {
        group: 'vpc',
        key: ALB.targetGroup(env.name),
      });
      if (env.path !== undefined || env.host !== undefined) {
        const paths = env.path !== undefined ? `${env.path}, ${env.path}/*` : '';
        this.link('alb', tg, env.host !== undefined ? `${env.host}${paths ? ` ${paths}` : ''}` : paths, 'solid', { key: ALB.rule(env.name) });
      } else {
        this.link('alb', tg, 'default', 'solid', { key: listener });
      }
      if (this.blueGreen) {
        // The pair as provision first wires it: production → blue, test listener → green. CodeDeploy
        // swaps them at each deployment; the state does not say which one is live now.
        const green = nodeId('tg', `${env.name}_green`);
        const key = ALB.greenTargetGroup(env.name);
        this.add(green, 'box', [`target group ${greenTargetGroupName(stack, env.name)} (green)`, shortArn(this.id(key)), 'HTTP :80 · ip targets'], { group: 'vpc', key });
        this.link('alb', green, `test listener :${testPort(config, env.name)}`, 'dotted', { key: ALB.testListener(env.name) });
      }
    }
  }

  // ---- the services ----------------------------------------------------------------------------

  services(): void {
    const { config } = this;
    const stack = config.stack;
    this.group('cluster', `ECS cluster ${this.rec(CLUSTER.cluster)?.id ?? clusterName(stack)} (Fargate)`, 'private');
    this.add('repo', 'cylinder', [`ECR repository ${repositoryName(stack)}`, this.rec(REPOSITORY.repository)?.uri ?? UNKNOWN], { key: REPOSITORY.repository });
    for (const env of this.environments()) {
      const svc = nodeId('svc', env.name);
      const td = this.rec(SERVICES.taskDefinition(env.name));
      const taskDef = td?.family && td.revision ? `task definition ${td.family}:${td.revision}` : `task definition ${stack}-${env.name}`;
      this.add(
        svc,
        'round',
        [`ECS service ${serviceName(stack, env.name)}`, `${env.cpu} CPU · ${env.memory} MiB · ${env.desiredCount} task${env.desiredCount === 1 ? '' : 's'}`, taskDef],
        { group: 'cluster', key: SERVICES.service(env.name) },
      );
      this.link(nodeId('tg', env.name), svc, `:${config.services.containerPort}`, 'solid', { key: SERVICES.service(env.name) });
      if (this.blueGreen) this.link(nodeId('tg', `${env.name}_green`), svc, 'replacement task set', 'dotted', { key: SERVICES.service(env.name) });
      this.link(svc, 'repo', 'pulls image', 'dotted', { key: SERVICES.service(env.name) });
      this.taskRole(env, svc);
      const scaling = env.autoscaling;
      if (scaling) {
        const node = nodeId('scaling', env.name);
        this.add(node, 'hexagon', [`autoscaling ${scaling.min}–${scaling.max} tasks`, scalingTargets(scaling)], { group: 'cluster', key: SERVICES.scalableTarget(env.name) });
        this.link(node, svc, 'desired count', 'dotted', { key: SERVICES.scalableTarget(env.name) });
      }
    }
  }

  /** The role the environment's tasks run as (issue 13's taskRole / exec), drawn once when shared. */
  private taskRole(env: EnvironmentConfig, svc: string): void {
    const choice = taskRoleChoice(this.config, env);
    if (choice.kind === 'none') return;
    const id = nodeId('role', choice.kind === 'shared' ? 'shared' : env.name);
    if (!this.drafts.some((d) => d.node.id === id)) {
      const settings = settingsOf(this.config, env);
      const what = [settings.taskRole ? 'app permissions' : undefined, settings.exec ? 'ECS Exec' : undefined].filter(Boolean).join(' · ');
      this.add(id, 'hexagon', [`IAM task role ${this.rec(choice.key)?.id ?? `${this.config.stack}-${choice.part}`}`, what], { key: choice.key });
    }
    this.link(svc, id, 'runs as', 'dotted', { key: SERVICES.service(env.name) });
  }

  // ---- the delivery pipeline -------------------------------------------------------------------

  delivery(): void {
    const { config } = this;
    const stack = config.stack;
    const account = this.state?.accountId ?? '<account>';
    const bucket = this.rec(ARTIFACTS.bucket)?.id ?? artifactBucketName(stack, account, config.region);
    const connection = this.rec(CONNECTION.github);
    const pipelineKey = PIPELINE.pipeline;
    const declared = pipelineStructure(config, {
      roleArn: this.rec(PIPELINE.role)?.arn ?? UNKNOWN,
      bucket,
      connectionArn: connection?.id ?? UNKNOWN,
      projectName: this.rec(BUILD.project)?.id ?? projectName(stack),
      markProjectName: this.rec(BUILD.markProject)?.id ?? markProjectName(stack),
      clusterName: this.rec(CLUSTER.cluster)?.id ?? clusterName(stack),
    });

    this.group('pipeline', `CodePipeline ${this.rec(pipelineKey)?.id ?? pipelineName(stack)}`);
    this.add('github', 'round', [`GitHub ${config.source.repository}`, `branch ${config.source.branch}`]);
    this.add('artifacts', 'cylinder', [`S3 bucket ${bucket}`, 'pipeline artifacts'], { key: ARTIFACTS.bucket });

    const markProject = this.rec(BUILD.markProject)?.id ?? markProjectName(stack);
    let previous: string | undefined;
    (declared.stages ?? []).forEach((stage, s) => {
      const stageGroup = nodeId('stage', stage.name ?? String(s));
      this.group(stageGroup, `stage ${stage.name ?? s + 1}`, 'pipeline');
      const actions = [...(stage.actions ?? [])].sort((a, b) => (a.runOrder ?? 1) - (b.runOrder ?? 1));
      for (const action of actions) {
        const id = nodeId('action', action.name ?? `${s}`);
        const provider = action.actionTypeId?.provider ?? '?';
        const category = action.actionTypeId?.category ?? '?';
        const cfg = action.configuration ?? {};
        if (category === 'Source') {
          this.add(id, 'box', [`source ${action.name}`, `${provider} · ${config.source.repository}@${config.source.branch}`], { group: stageGroup, key: pipelineKey });
          const status = connection?.status ? ` (${connection.status})` : '';
          this.link('github', id, `connection ${connectionName(stack)}${status}`, 'solid', { key: CONNECTION.github });
          this.link(id, 'artifacts', 'SourceOutput', 'dotted', { key: pipelineKey });
        } else if (category === 'Build' && cfg.ProjectName === markProject) {
          // A mark action: moves a tag the ECR lifecycle policy keeps (steps/lib/live-tags.ts).
          const tag = action.name?.replace(/^Tag-/, '') ?? '?';
          this.add(id, 'box', [`tag ${tag}`, `CodeBuild project ${markProject}`], { group: stageGroup, key: pipelineKey });
          this.link(id, 'repo', `tags ${tag}`, 'dotted', { key: BUILD.markProject });
        } else if (category === 'Build') {
          this.add(id, 'box', [`build ${action.name}`, `CodeBuild project ${cfg.ProjectName ?? projectName(stack)}`], { group: stageGroup, key: pipelineKey });
          this.link(id, 'repo', 'pushes image', 'dotted', { key: BUILD.project });
          this.link(id, 'artifacts', this.blueGreen ? 'BuildOutput' : 'imagespec.json', 'dotted', { key: pipelineKey });
        } else if (category === 'Approval') {
          this.add(id, 'hexagon', [`manual approval ${action.name}`], { group: stageGroup, key: pipelineKey });
        } else if (category === 'Deploy') {
          this.deployAction(id, action.name ?? id, provider, cfg, stageGroup);
        } else {
          this.add(id, 'box', [`${category} ${action.name}`, provider], { group: stageGroup, key: pipelineKey });
        }
        if (previous) this.link(previous, id, undefined, 'solid', { key: pipelineKey });
        previous = id;
      }
    });
  }

  /** An ECS deploy action, or (blue/green) CodeDeploy's, with the deployment group between it and the service. */
  private deployAction(id: string, name: string, provider: string, cfg: Record<string, string>, stageGroup: string): void {
    const stack = this.config.stack;
    const env = this.environments().find((e) => serviceName(stack, e.name) === cfg.ServiceName || name === `Deploy-${e.name}`);
    const envName = env?.name ?? name.replace(/^Deploy-/, '');
    const svc = nodeId('svc', envName);
    if (provider === 'ECS') {
      this.add(id, 'box', [`deploy ${name}`, `ECS · ${cfg.ServiceName ?? serviceName(stack, envName)}`], { group: stageGroup, key: PIPELINE.pipeline });
      this.link(id, svc, cfg.FileName ?? 'imagespec.json', 'dotted', { key: PIPELINE.pipeline });
      return;
    }
    const application = cfg.ApplicationName ?? applicationName(stack);
    const deploymentGroup = cfg.DeploymentGroupName ?? deploymentGroupName(stack, envName);
    const dg = nodeId('codedeploy', envName);
    const dgKey = CODEDEPLOY.deploymentGroup(envName);
    if (!this.groups.some((g) => g.id === 'codedeploy')) this.group('codedeploy', `CodeDeploy application ${this.rec(CODEDEPLOY.application)?.id ?? application} (blue/green)`);
    const files = [cfg.TaskDefinitionTemplatePath ?? 'taskdef.json', cfg.AppSpecTemplatePath ?? 'appspec.yml'].join(', ');
    this.add(id, 'box', [`deploy ${name}`, `CodeDeployToECS · ${application}/${deploymentGroup}`], { group: stageGroup, key: PIPELINE.pipeline });
    this.add(dg, 'box', [`CodeDeploy deployment group ${deploymentGroup}`, this.config.deploy.deploymentConfig], { group: 'codedeploy', key: dgKey });
    this.link(id, dg, files, 'dotted', { key: PIPELINE.pipeline });
    this.link(dg, svc, 'new task set', 'dotted', { key: dgKey });
    this.link(dg, nodeId('tg', `${envName}_green`), 'shifts traffic', 'dotted', { key: dgKey });
  }

  private environments(): EnvironmentConfig[] {
    return this.config.environments;
  }

  // ---- the result ------------------------------------------------------------------------------

  finish(): Diagram {
    const current = this.mode === 'current';
    const keep = (d: { key?: string }) => !current || d.key === undefined || this.exists(d.key);
    let nodes = this.drafts.filter(keep).map((d) => (current ? { ...d.node, planned: false } : d.node));
    let ids = new Set(nodes.map((n) => n.id));
    const edges = this.edges.filter((e) => keep(e) && ids.has(e.from) && ids.has(e.to)).map(({ key: _k, ...edge }) => edge);
    // What is always there (the internet, GitHub) is drawn only when something connects to it.
    const linked = new Set(edges.flatMap((e) => [e.from, e.to]));
    nodes = nodes.filter((n) => linked.has(n.id) || this.drafts.find((d) => d.node.id === n.id)?.key !== undefined);
    ids = new Set(nodes.map((n) => n.id));
    // Groups with nothing in them (a pipeline not created yet) are left out.
    const used = new Set<string>();
    for (const node of nodes) {
      for (let g = node.group; g !== undefined; g = this.groups.find((x) => x.id === g)?.parent) used.add(g);
    }
    // No ": " in it: Mermaid reads the title as a YAML plain scalar.
    const where = this.mode === 'planned' ? 'the plan from the config, not what exists' : 'as it stands';
    return {
      title: `shipline stack ${this.config.stack} (${this.config.region}), ${where}`,
      groups: this.groups.filter((g) => used.has(g.id)),
      nodes,
      edges: edges.filter((e) => ids.has(e.from) && ids.has(e.to)),
    };
  }
}

/** A Mermaid/dot-safe node ID: letters, digits, underscores. */
function nodeId(kind: string, name: string): string {
  return `${kind}_${name.replace(/[^A-Za-z0-9]/g, '_')}`;
}

/** "targetgroup/demo-dev-tg/0000000000000024" from a load balancer's or target group's ARN: the part that says which. */
function shortArn(arn: string): string {
  const m = /:((?:targetgroup|loadbalancer)\/.+)$/.exec(arn);
  return m?.[1] ?? arn;
}

// ---- renderers ------------------------------------------------------------------------------------

const MERMAID_SHAPES: Record<Shape, [string, string]> = {
  box: ['[', ']'],
  round: ['(', ')'],
  circle: ['((', '))'],
  cylinder: ['[(', ')]'],
  hexagon: ['{{', '}}'],
};

/** A Mermaid `flowchart`: groups as nested subgraphs, planned resources dashed. */
export function toMermaid(d: Diagram): string {
  const out: string[] = ['---', `title: ${d.title}`, '---', 'flowchart TB'];
  const text = (s: string) => s.replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;');
  const node = (n: DiagramNode, indent: string) => {
    const [open, close] = MERMAID_SHAPES[n.shape];
    out.push(`${indent}${n.id}${open}"${n.label.map(text).join('<br/>')}"${close}`);
  };
  const emit = (parent: string | undefined, indent: string) => {
    for (const n of d.nodes.filter((x) => x.group === parent)) node(n, indent);
    for (const g of d.groups.filter((x) => x.parent === parent)) {
      out.push(`${indent}subgraph ${g.id}["${text(g.label)}"]`);
      emit(g.id, `${indent}  `);
      out.push(`${indent}end`);
    }
  };
  emit(undefined, '  ');
  for (const e of d.edges) {
    const arrow = e.style === 'dotted' ? '-.->' : '-->';
    out.push(`  ${e.from} ${arrow}${e.label ? `|"${text(e.label)}"|` : ''} ${e.to}`);
  }
  const planned = d.nodes.filter((n) => n.planned).map((n) => n.id);
  if (planned.length > 0) {
    out.push('  classDef planned stroke-dasharray: 5 5');
    out.push(`  class ${planned.join(',')} planned`);
  }
  return `${out.join('\n')}\n`;
}

const DOT_SHAPES: Record<Shape, string> = { box: 'box', round: 'box', circle: 'circle', cylinder: 'cylinder', hexagon: 'hexagon' };

/** A Graphviz digraph: groups as nested clusters, planned resources dashed. */
export function toDot(d: Diagram): string {
  const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  const q = (s: string) => `"${esc(s)}"`;
  const out: string[] = [`// ${d.title}`, `digraph ${q(d.title)} {`, '  rankdir=TB;', '  compound=true;', `  graph [label=${q(d.title)}, labelloc=t, fontname="Helvetica", fontsize=12];`, '  node [fontname="Helvetica", fontsize=10];', '  edge [fontname="Helvetica", fontsize=9];'];
  const node = (n: DiagramNode, indent: string) => {
    const styles = [...(n.shape === 'round' ? ['rounded'] : []), ...(n.planned ? ['dashed'] : [])];
    const style = styles.length ? `, style=${q(styles.join(','))}` : '';
    // \n in a dot string: a line break.
    out.push(`${indent}${q(n.id)} [label="${n.label.map(esc).join('\\n')}", shape=${DOT_SHAPES[n.shape]}${style}];`);
  };
  const emit = (parent: string | undefined, indent: string) => {
    for (const n of d.nodes.filter((x) => x.group === parent)) node(n, indent);
    for (const g of d.groups.filter((x) => x.parent === parent)) {
      out.push(`${indent}subgraph ${q(`cluster_${g.id}`)} {`);
      out.push(`${indent}  label=${q(g.label)};`);
      emit(g.id, `${indent}  `);
      out.push(`${indent}}`);
    }
  };
  emit(undefined, '  ');
  for (const e of d.edges) {
    const attrs = [...(e.label ? [`label=${q(e.label)}`] : []), ...(e.style === 'dotted' ? ['style="dashed"'] : [])];
    out.push(`  ${q(e.from)} -> ${q(e.to)}${attrs.length ? ` [${attrs.join(', ')}]` : ''};`);
  }
  out.push('}');
  return `${out.join('\n')}\n`;
}

