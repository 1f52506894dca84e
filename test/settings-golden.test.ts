// The settings shipline decides in pure functions (task definitions, services, listener routes and
// conditions, IAM roles), per config shape, against the expected output kept in test/golden/<shape>/
// (Copilot's testdata/). `UPDATE_GOLDEN=1 npx jest test/settings-golden.test.ts` rewrites the files;
// a reviewer then reads the change of settings as their diff. Every AWS input in them is checked
// against AWS's own model of the operation, every IAM document against the policy grammar.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig, type ConfigInput } from '../src/config';
import { inputProblems } from './helpers/aws-shapes';
import { asGolden, GOLDEN_DIR, missingGolden, readGolden, updating } from './helpers/golden-files';
import { SERVICE_SETTINGS } from './helpers/configs';
import { ACCOUNT, settingsOf } from './helpers/golden-settings';

const BASE: ConfigInput = { stack: 'demo', region: 'eu-west-3', source: { repository: 'my-org/demo-app', branch: 'main' } };
const CERTIFICATE = `arn:aws:acm:eu-west-3:${ACCOUNT}:certificate/8f3d2c1b-4a5e-4f60-9b7a-1c2d3e4f5a6b`;

/** Each config shape that changes a setting decided here. */
const SHAPES: Record<string, ConfigInput> = {
  /** The default two environments: dev on /dev, prod the default route. */
  rolling: BASE,
  'blue-green': { ...BASE, deploy: { strategy: 'blue-green' } },
  'extra-environments': {
    ...BASE,
    environments: [
      { name: 'dev', path: '/dev' },
      { name: 'staging', path: '/staging', cpu: 512, memory: 1024, approval: true },
      { name: 'prod', cpu: 1024, memory: 2048, desiredCount: 2, approval: true },
    ],
  },
  'host-routes': {
    ...BASE,
    environments: [
      { name: 'dev', host: 'dev.example.com' },
      { name: 'api', host: 'api.example.com', path: '/v1' },
      { name: 'prod', cpu: 512, memory: 1024 },
    ],
  },
  /** A certificate: HTTPS forwards, HTTP redirects. */
  https: { ...BASE, alb: { certificateArn: CERTIFICATE } },
  'x86-64': { ...BASE, services: { architecture: 'X86_64', containerPort: 8080 } },
  /** Issue 13's task settings: variables, secrets (SSM name, partial and JSON-key Secrets Manager ARNs, a KMS key), task roles shared and own, ECS Exec. */
  'service-settings': {
    ...SERVICE_SETTINGS,
    services: { ...SERVICE_SETTINGS.services, secretsKmsKeyArn: `arn:aws:kms:eu-west-3:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab` },
    // prod adds a secret by partial ARN (granted as name-??????).
    environments: SERVICE_SETTINGS.environments!.map((env) => (env.name === 'prod' ? { ...env, secrets: { STRIPE_KEY: `arn:aws:secretsmanager:eu-west-3:${ACCOUNT}:secret:prod/stripe` } } : env)),
  },
  /** Issue 13's health check and autoscaling: a shared check, an environment's own, two ranges. */
  autoscaling: {
    ...BASE,
    services: { healthCheck: { path: '/health', intervalSeconds: 5 } },
    environments: [
      { name: 'dev', path: '/dev', autoscaling: { min: 1, max: 3, requestsPerTarget: 200 } },
      {
        name: 'prod', cpu: 512, memory: 1024, desiredCount: 8, approval: true,
        healthCheck: { matcher: '200', healthyThreshold: 3, intervalSeconds: 30, gracePeriodSeconds: 120 },
        autoscaling: { min: 2, max: 6, cpuPercent: 60, memoryPercent: 75, scaleInCooldownSeconds: 600 },
      },
    ],
  },
  'blue-green-extra-environments': {
    ...BASE,
    deploy: { strategy: 'blue-green', deploymentConfig: 'CodeDeployDefault.ECSLinear10PercentEvery1Minutes' },
    alb: { certificateArn: CERTIFICATE },
    environments: [
      { name: 'dev', path: '/dev' },
      { name: 'staging', host: 'staging.example.com', testPort: 9000, approval: true },
      { name: 'prod', cpu: 512, memory: 1024, approval: true },
    ],
  },
};

const settingsByShape = Object.fromEntries(Object.entries(SHAPES).map(([shape, input]) => [shape, settingsOf(parseConfig(input, `the ${shape} shape`))]));

describe.each(Object.keys(SHAPES))('the %s shape', (shape) => {
  const settings = settingsByShape[shape]!;

  it.each(Object.keys(settings))(`decides the settings kept in test/golden/${shape}/%s.json`, (name) => {
    const text = readGolden(shape, name, settings[name]);
    if (text === undefined) throw new Error(missingGolden(shape, name));
    expect(JSON.parse(text)).toEqual(JSON.parse(asGolden(settings[name])));
  });

  it("sends only inputs of the form AWS's API accepts (botocore's model of each operation)", () => {
    const inputs = awsInputs(settings);
    expect(inputs.length).toBeGreaterThan(0);
    expect(inputs.flatMap(([service, operation, input]) => inputProblems(service, operation, input))).toEqual([]);
  });

  it('writes rule conditions within what an Application Load Balancer allows per rule', () => {
    const conditions = awsInputs(settings).flatMap(([, operation, input]) =>
      operation === 'CreateRule' || operation === 'ModifyRule' ? [(input as { Conditions?: RuleCondition[] }).Conditions ?? []] : [],
    );
    expect(conditions.flatMap(ruleConditionProblems)).toEqual([]);
  });

  it('writes IAM documents (roles, the bucket policy) that follow the policy grammar, within IAM’s size limits', () => {
    const iam = settings.iam as { roles: Record<string, Role>; bucketPolicies: Record<string, Document> };
    expect(Object.values(iam.roles).flatMap(roleProblems)).toEqual([]);
    expect(Object.entries(iam.bucketPolicies).flatMap(([key, doc]) => documentProblems(key, doc, 'resource'))).toEqual([]);
  });
});

it('keeps no golden file of a shape or setting that is gone', () => {
  const expected = Object.entries(settingsByShape).flatMap(([shape, s]) => Object.keys(s).map((name) => `${shape}/${name}.json`));
  const found = readdirSync(GOLDEN_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => readdirSync(join(GOLDEN_DIR, d.name)).map((file) => `${d.name}/${file}`));
  if (!updating) expect(found.sort()).toEqual(expected.sort());
});

describe('the checks themselves', () => {
  it("refuse an input AWS's model refuses: a missing required member, an unknown member, a value out of its enum or range", () => {
    expect(inputProblems('ecs', 'RegisterTaskDefinition', { family: 'demo-dev' })).toEqual([
      'RegisterTaskDefinition (input): containerDefinitions is required (RegisterTaskDefinitionRequest)',
    ]);
    expect(inputProblems('elbv2', 'CreateRule', { ListenerArn: 'arn', Priority: 0, Conditions: [], Actions: [{ Type: 'route' }], Colour: 'red' })).toEqual([
      'CreateRule Priority: 0 is under 1',
      'CreateRule Actions[0].Type: "route" is not one of forward, authenticate-oidc, authenticate-cognito, redirect, fixed-response, jwt-validation',
      'CreateRule (input): Colour is not a member of CreateRuleInput',
    ]);
  });

  it('refuse rule conditions past the load balancer limits', () => {
    const path = (...Values: string[]): RuleCondition => ({ Field: 'path-pattern', PathPatternConfig: { Values } });
    expect(ruleConditionProblems([path('/a'), path('/b', '/c', '/d', '/e')])).toEqual(['path-pattern appears 2 times in one rule', 'path-pattern has 4 values, over 3']);
    expect(ruleConditionProblems([{ Field: 'host-header', HostHeaderConfig: { Values: ['a.example.com', 'b.example.com', 'c.example.com'] } }, path('/a', '/b', '/c')])).toEqual([
      'the rule has 6 values, over 5',
    ]);
  });

  it('refuse an IAM document outside the grammar', () => {
    const role: Role = {
      name: 'demo-x',
      path: '/shipline/',
      trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
      managedPolicies: [],
      inlinePolicies: { x: { Version: '2008-10-17', Statement: [{ Sid: 'a-b', Effect: 'Allow', Action: 'GetObject', Resource: 'bucket/*' }] } },
    };
    expect(roleProblems(role)).toEqual([
      'demo-x x: Version must be 2012-10-17',
      'demo-x x: Sid "a-b" is not alphanumeric',
      'demo-x x: action "GetObject" is not service:Action',
      'demo-x x: resource "bucket/*" is not an ARN or "*"',
    ]);
  });
});

// ---- what the settings send to AWS ------------------------------------------------------------------

type Service = 'ecs' | 'elbv2';
type Input = [Service, string, unknown];

/** Every AWS input in a shape's settings, with the operation it goes to. */
function awsInputs(settings: Record<string, unknown>): Input[] {
  const inputs: Input[] = [];
  const reportedOf = (v: { reported: Record<string, Record<string, unknown>> }) => Object.values(v.reported);
  for (const td of Object.values(settings['task-definitions'] as Record<string, { register: unknown; reported: Record<string, { newRevision: unknown }> }>)) {
    inputs.push(['ecs', 'RegisterTaskDefinition', td.register]);
    for (const r of Object.values(td.reported)) if (r.newRevision !== null) inputs.push(['ecs', 'RegisterTaskDefinition', r.newRevision]);
  }
  for (const s of Object.values(settings.services as Record<string, { create: unknown; reported: Record<string, Record<string, unknown>> }>)) {
    inputs.push(['ecs', 'CreateService', s.create]);
    for (const r of reportedOf(s)) if (r.update !== null) inputs.push(['ecs', 'UpdateService', r.update]);
  }
  const routes = settings.routes as { listeners: Array<{ create: unknown }>; rules: Array<{ create: unknown }>; reported: Record<string, unknown> };
  for (const l of routes.listeners) inputs.push(['elbv2', 'CreateListener', l.create]);
  for (const r of routes.rules) inputs.push(['elbv2', 'CreateRule', r.create]);
  for (const r of Object.values(routes.reported)) {
    if (Array.isArray(r)) {
      if (r.length > 0) inputs.push(['elbv2', 'SetRulePriorities', { RulePriorities: r }]);
      continue;
    }
    const modify = (r as { modify: Record<string, unknown> | null }).modify;
    if (modify !== null) inputs.push(['elbv2', 'RuleArn' in modify ? 'ModifyRule' : 'ModifyListener', modify]);
  }
  return inputs;
}

// ---- rule conditions -----------------------------------------------------------------------------

interface RuleCondition {
  Field?: string;
  Values?: string[];
  HostHeaderConfig?: { Values?: string[] };
  PathPatternConfig?: { Values?: string[] };
}

/**
 * An Application Load Balancer takes at most one host-header and one path-pattern condition per
 * rule, three values per condition and five per rule (the "Condition basics" of
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-condition-types.html).
 */
function ruleConditionProblems(conditions: readonly RuleCondition[]): string[] {
  const problems: string[] = [];
  const values = (c: RuleCondition) => c.HostHeaderConfig?.Values ?? c.PathPatternConfig?.Values ?? c.Values ?? [];
  for (const field of ['host-header', 'path-pattern']) {
    const count = conditions.filter((c) => c.Field === field).length;
    if (count > 1) problems.push(`${field} appears ${count} times in one rule`);
  }
  for (const c of conditions) if (values(c).length > 3) problems.push(`${c.Field} has ${values(c).length} values, over 3`);
  const total = conditions.reduce((n, c) => n + values(c).length, 0);
  if (total > 5) problems.push(`the rule has ${total} values, over 5`);
  return problems;
}

// ---- IAM grammar ---------------------------------------------------------------------------------

interface Statement {
  Sid?: string;
  Effect: string;
  Principal?: '*' | Record<string, string | string[]>;
  Action?: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, unknown>;
}
interface Document {
  Version: string;
  Statement: Statement[];
}
interface Role {
  name: string;
  path: string;
  trustPolicy: Document;
  managedPolicies: string[];
  inlinePolicies: Record<string, Document>;
}

const list = (v: string | string[] | undefined) => (v === undefined ? [] : typeof v === 'string' ? [v] : v);
const ARN = /^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12})?:.+$/;
/** IAM's limit on a role's inline policies, all together, whitespace not counted. */
const INLINE_LIMIT = 10240;

/** Identity policies name no principal; trust policies name one and no resource; resource policies both. */
function documentProblems(where: string, doc: Document, kind: 'identity' | 'trust' | 'resource'): string[] {
  const problems: string[] = [];
  const fail = (why: string) => problems.push(`${where}: ${why}`);
  if (doc.Version !== '2012-10-17') fail('Version must be 2012-10-17');
  if (!Array.isArray(doc.Statement) || doc.Statement.length === 0) fail('Statement must be a non-empty list');
  const sids = new Set<string>();
  for (const s of doc.Statement ?? []) {
    if (s.Sid !== undefined) {
      if (!/^[A-Za-z0-9]+$/.test(s.Sid)) fail(`Sid "${s.Sid}" is not alphanumeric`);
      if (sids.has(s.Sid)) fail(`Sid "${s.Sid}" is used twice`);
      sids.add(s.Sid);
    }
    if (s.Effect !== 'Allow' && s.Effect !== 'Deny') fail(`Effect "${s.Effect}" is not Allow or Deny`);
    for (const action of list(s.Action)) if (!/^[a-z0-9-]+:[A-Za-z0-9*?]+$/.test(action)) fail(`action "${action}" is not service:Action`);
    if (list(s.Action).length === 0) fail('a statement needs an Action');
    if (kind === 'trust') {
      if (s.Principal === undefined || s.Resource !== undefined) fail('a trust policy statement names a Principal and no Resource');
      continue;
    }
    if (kind === 'identity' && s.Principal !== undefined) fail('an identity policy names no Principal');
    if (kind === 'resource' && s.Principal === undefined) fail('a resource policy statement names a Principal');
    if (list(s.Resource).length === 0) fail('a statement needs a Resource');
    for (const resource of list(s.Resource)) if (resource !== '*' && !ARN.test(resource)) fail(`resource "${resource}" is not an ARN or "*"`);
  }
  return problems;
}

function roleProblems(role: Role): string[] {
  const problems = [
    ...documentProblems(`${role.name} trust policy`, role.trustPolicy, 'trust'),
    ...Object.entries(role.inlinePolicies).flatMap(([name, doc]) => documentProblems(`${role.name} ${name}`, doc, 'identity')),
    ...role.managedPolicies.filter((arn) => !/^arn:aws[a-z-]*:iam::(aws|\d{12}):policy\/.+$/.test(arn)).map((arn) => `${role.name}: "${arn}" is not a managed policy ARN`),
  ];
  if (!/^[\w+=,.@-]{1,64}$/.test(role.name)) problems.push(`${role.name}: not a valid role name`);
  const inlineSize = Object.values(role.inlinePolicies).reduce((n, doc) => n + JSON.stringify(doc).replace(/\s/g, '').length, 0);
  if (inlineSize > INLINE_LIMIT) problems.push(`${role.name}: inline policies are ${inlineSize} characters, over IAM's ${INLINE_LIMIT}`);
  return problems;
}
