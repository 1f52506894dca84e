// The config file: a zod schema with defaults for everything but the stack name, the region and
// the source repository, and errors that name the file, the field and what is expected. It also
// rejects early what AWS would only reject halfway through a run (names too long, subnets
// outside the VPC or overlapping, CPU/memory pairs Fargate doesn't offer).
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ConfigError } from './errors';
import { CURATED_BUILD_IMAGES, imageArchitecture } from './build-image';
import { firstJsonError, lineAndColumn } from './json-position';
import { isYamlFile, parseYaml, positionOf, SyntaxProblem } from './config-file';
import { autoscalingSchema, checkServiceSettings, overridableFields, serviceDefaultFields } from './service-config';
import { cidrContains, cidrsOverlap, parseCidr, subnetCidrs } from './net/cidr';
import { checkNatMode, importedNetwork, networkSchema, ownNetwork, type NetworkConfig, type OwnNetwork } from './network-config';
import { checkDomain, domainSchema } from './domain-config';

/** AWS's limit on ALB and target group names, the tightest of the names derived from the stack. */
const MAX_ELB_NAME = 32;
/** The longest suffix shipline appends to `<stack>-<env>` for a target group (blue/green's second). */
const LONGEST_TG_SUFFIX = '-tg-g';

/** The retention periods CloudWatch Logs accepts. */
export const LOG_RETENTION_DAYS: readonly number[] = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/** Fargate's CPU units → the memory sizes (MiB) it accepts with them. */
export const FARGATE_MEMORY: Readonly<Record<number, readonly number[]>> = {
  256: [512, 1024, 2048],
  512: range(1024, 4096, 1024),
  1024: range(2048, 8192, 1024),
  2048: range(4096, 16384, 1024),
  4096: range(8192, 30720, 1024),
  8192: range(16384, 61440, 4096),
  16384: range(32768, 122880, 8192),
};

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let n = from; n <= to; n += step) out.push(n);
  return out;
}

const environment = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9]{0,9}$/, {
    error: 'expected 1-10 lowercase letters or digits, starting with a letter (e.g. "dev")',
  }),
  path: z
    .string()
    .regex(/^\/[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)*$/, {
      error: 'expected a path like "/dev": a leading slash, lowercase segments, no trailing slash',
    })
    .optional(),
  /** Route by host header (`api.example.com`, `*.example.com`), alone or with `path`. */
  host: z
    .string()
    .regex(/^(\*\.)?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/, {
      error: 'expected a lowercase host name like "dev.example.com" (or "*.example.com")',
    })
    .optional(),
  /** Blue/green: the port of this environment's test listener (default 8080 + its position). */
  testPort: z.number().int().min(1).max(65535).optional(),
  cpu: z.number().int().refine((n) => n in FARGATE_MEMORY, {
    error: `expected one of Fargate's CPU sizes: ${Object.keys(FARGATE_MEMORY).join(', ')}`,
  }).default(256),
  memory: z.number().int().positive().default(512),
  desiredCount: z.number().int().min(0).max(100).default(1),
  approval: z.boolean().default(false),
  ...overridableFields,
  /** Application Auto Scaling of this environment's service: the desired count becomes the autoscaler's. */
  autoscaling: autoscalingSchema.optional(),
});
export type EnvironmentConfig = z.infer<typeof environment>;

/** CodeDeploy's predefined deployment configurations for ECS. */
export const CODEDEPLOY_ECS_CONFIGS = [
  'CodeDeployDefault.ECSAllAtOnce',
  'CodeDeployDefault.ECSLinear10PercentEvery1Minutes',
  'CodeDeployDefault.ECSLinear10PercentEvery3Minutes',
  'CodeDeployDefault.ECSCanary10Percent5Minutes',
  'CodeDeployDefault.ECSCanary10Percent15Minutes',
] as const;

/** Blue/green's first test listener port; each environment gets its own, in config order, unless it sets `testPort`. */
export const TEST_PORT_BASE = 8080;

/** The port of an environment's blue/green test listener. */
export function testPort(config: Pick<Config, 'environments'>, env: string): number {
  const index = config.environments.findIndex((e) => e.name === env);
  const found = config.environments[index];
  return found?.testPort ?? TEST_PORT_BASE + Math.max(index, 0);
}

const DEFAULT_ENVIRONMENTS: z.input<typeof environment>[] = [
  { name: 'dev', path: '/dev', cpu: 256, memory: 512, desiredCount: 1 },
  { name: 'prod', cpu: 512, memory: 1024, desiredCount: 1, approval: true },
];

/** S3's bucket naming rules (general purpose buckets), in short. */
const S3_BUCKET = /^(?!\d+\.\d+\.\d+\.\d+$)(?!xn--)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Where the state lives: a local file (default), or an S3 object shared by a team and CI. */
const stateBackend = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('local') }),
  z.strictObject({
    type: z.literal('s3'),
    bucket: z.string().regex(S3_BUCKET, { error: 'expected an S3 bucket name: 3-63 lowercase letters, digits, dots or hyphens' }).refine((b) => !b.includes('..'), {
      error: 'expected an S3 bucket name without ".."',
    }),
    /** Default `shipline/<stack>.json`; the lock is `<key>.lock` beside it. */
    key: z.string().min(1).max(1000).refine((k) => !k.startsWith('/') && !k.endsWith('/'), {
      error: 'expected an object key like "shipline/demo.json" (no leading or trailing slash)',
    }).optional(),
    /** Default: the stack's region. */
    region: z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, { error: 'expected an AWS region like eu-west-3' }).optional(),
  }),
]);
export type StateBackendConfig = z.output<typeof stateBackend>;

export const configSchema = z
  .strictObject({
    stack: z.string().regex(/^[a-z][a-z0-9-]{0,18}[a-z0-9]$/, {
      error: 'expected 2-20 lowercase letters, digits or hyphens, starting with a letter and not ending with a hyphen',
    }),
    region: z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, { error: 'expected an AWS region like eu-west-3' }),
    source: z.strictObject({
      repository: z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, { error: 'expected "owner/name" of a GitHub repository' }),
      branch: z.string().min(1).default('main'),
    }),
    network: networkSchema,
    nat: z
      .strictObject({
        /** "none" with an imported VPC (network.vpcId), whose private subnets have their own way out. */
        mode: z.enum(['instance', 'nat-gateway', 'none']).default('instance'),
        instanceType: z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, { error: 'expected an EC2 instance type like t4g.nano' }).default('t4g.nano'),
        imageId: z.string().regex(/^ami-[0-9a-f]{8,17}$/, { error: 'expected an AMI ID like ami-0123456789abcdef0, or null to look up fck-nat' }).nullable().default(null),
      })
      .prefault({}),
    environments: z.array(environment).min(1, { error: 'expected at least one environment' }).prefault(DEFAULT_ENVIRONMENTS),
    alb: z
      .strictObject({
        /** An ACM certificate: HTTPS on 443, and port 80 redirects to it. */
        certificateArn: z.string().regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/, {
          error: 'expected an ACM certificate ARN like arn:aws:acm:eu-west-3:123456789012:certificate/…, or null for HTTP only',
        }).nullable().default(null),
      })
      .prefault({}),
    /** A domain in a Route 53 public hosted zone: shipline's own certificate and alias records (src/domain-config.ts). */
    domain: domainSchema,
    services: z
      .strictObject({
        architecture: z.enum(['ARM64', 'X86_64']).default('ARM64'),
        /** What services run until the pipeline's first build. */
        placeholderImage: z.string().min(1).default('public.ecr.aws/nginx/nginx:stable'),
        containerPort: z.number().int().min(1).max(65535).default(80),
        logRetentionDays: z.number().refine((n) => LOG_RETENTION_DAYS.includes(n), {
          error: `expected a retention CloudWatch Logs offers: ${LOG_RETENTION_DAYS.join(', ')} days`,
        }).default(14),
        /** How long provision waits for services to become stable (`--no-wait` skips the wait). */
        stableTimeoutSeconds: z.number().int().min(30).max(3600).default(900),
        ...serviceDefaultFields,
      })
      .prefault({}),
    repository: z.strictObject({ keepImages: z.number().int().min(1).max(1000).default(10) }).prefault({}),
    artifacts: z.strictObject({ expireDays: z.number().int().min(1).max(3650).default(30) }).prefault({}),
    build: z
      .strictObject({
        /** By default CodeBuild's curated image for services.architecture (src/build-image.ts); set only to pin another. */
        image: z.string().min(1).optional(),
        computeType: z.enum(['BUILD_GENERAL1_SMALL', 'BUILD_GENERAL1_MEDIUM', 'BUILD_GENERAL1_LARGE']).default('BUILD_GENERAL1_SMALL'),
        timeoutMinutes: z.number().int().min(5).max(480).default(30),
      })
      .prefault({}),
    pipeline: z.strictObject({ detectChanges: z.boolean().default(true) }).prefault({}),
    deploy: z
      .strictObject({
        strategy: z.enum(['rolling', 'blue-green']).default('rolling'),
        /** Blue/green: how traffic moves to the new task set (CodeDeploy's predefined ECS configurations). */
        deploymentConfig: z.enum(CODEDEPLOY_ECS_CONFIGS).default('CodeDeployDefault.ECSAllAtOnce'),
        /** Blue/green: how long the old task set keeps running after traffic moved (a rollback is instant meanwhile). */
        terminationWaitMinutes: z.number().int().min(0).max(2880).default(5),
      })
      .prefault({}),
    state: z.strictObject({ backend: stateBackend.default({ type: 'local' }) }).prefault({}),
    aws: z
      .strictObject({
        profile: z.string().min(1).nullable().default(null),
        endpoint: z.url({ protocol: /^https?$/, error: 'expected a URL like http://localhost:4566 (http or https), or null for AWS itself' }).nullable().default(null),
      })
      .prefault({}),
  })
  .superRefine((config, ctx) => {
    const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    checkStackNames(config.stack, issue);
    checkEnvironments(config.stack, config.environments, issue);
    if (config.deploy.strategy === 'blue-green') checkTestPorts(config, issue);
    if (!importedNetwork(config)) checkSubnets(ownNetwork(config), issue);
    checkNatMode(config, issue);
    checkBuildImage(config, issue);
    checkServiceSettings(config, issue);
    checkDomain(config, issue);
  });

export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

type Issue = (path: PropertyKey[], message: string) => void;

/**
 * Prefixes AWS refuses in names shipline derives as `<stack>-<part>`: a load balancer's
 * (CreateLoadBalancer `Name`) and a security group's (CreateSecurityGroup `GroupName`).
 */
function checkStackNames(stack: string, issue: Issue): void {
  const lb = `${stack}-alb`;
  if (lb.startsWith('internal-')) {
    issue(['stack'], `the load balancer name "${lb}" would begin with "internal-", which AWS refuses; choose another stack name`);
  }
  // EC2 compares group names without case; the stack is lowercase anyway.
  if (lb.toLowerCase().startsWith('sg-')) {
    issue(['stack'], `the security group names ("${lb}" …) would begin with "sg-", which AWS refuses; choose another stack name`);
  }
}

/** Environment names that would collide with the names of shipline's other resources. */
const RESERVED_NAMES = ['build', 'pipeline'];

function checkEnvironments(stack: string, environments: EnvironmentConfig[], issue: Issue): void {
  const seenNames = new Set<string>();
  const seenRoutes = new Set<string>();
  const defaults = environments.filter((e) => e.path === undefined && e.host === undefined).map((e) => e.name);
  if (defaults.length !== 1) {
    issue(['environments'], defaults.length === 0
      ? 'expected exactly one environment without "path" or "host" (it receives every request no other route matches); none has one'
      : `expected exactly one environment without "path" or "host" (the default route); ${defaults.join(' and ')} both have none`);
  }
  environments.forEach((env, i) => {
    if (seenNames.has(env.name)) issue(['environments', i, 'name'], `"${env.name}" is used twice; environment names must be unique`);
    if (RESERVED_NAMES.includes(env.name)) issue(['environments', i, 'name'], `"${env.name}" is reserved: the build's own resources use that name (log group /shipline/<stack>/build)`);
    seenNames.add(env.name);
    if (env.path !== undefined || env.host !== undefined) {
      const route = `${env.host ?? ''}${env.path ?? ''}`;
      if (seenRoutes.has(route)) {
        issue(['environments', i, env.path !== undefined ? 'path' : 'host'], `"${route}" is used twice; each path (or host) routes to one environment`);
      }
      seenRoutes.add(route);
    }
    const allowed = FARGATE_MEMORY[env.cpu];
    if (allowed && !allowed.includes(env.memory)) {
      issue(['environments', i, 'memory'], `Fargate does not offer ${env.memory} MiB with ${env.cpu} CPU units; expected one of ${allowed.join(', ')}`);
    }
    const longest = `${stack}-${env.name}${LONGEST_TG_SUFFIX}`;
    if (longest.length > MAX_ELB_NAME) {
      issue(['environments', i, 'name'], `the derived target group name "${longest}" is ${longest.length} characters, over AWS's ${MAX_ELB_NAME}; shorten the stack or environment name`);
    }
  });
}

/** An image built on one architecture does not run on the other ("exec format error"): refuse a build image for another one. */
function checkBuildImage(config: Pick<Config, 'build' | 'services'>, issue: Issue): void {
  const image = config.build.image;
  const built = image === undefined ? undefined : imageArchitecture(image);
  const runs = config.services.architecture;
  if (built === undefined || built === runs) return;
  issue(['build', 'image'], `"${image}" builds ${built} images, but services.architecture is ${runs}: the tasks could not run them; leave build.image out to build on ${CURATED_BUILD_IMAGES[runs]}, or set services.architecture to ${built}`);
}

/** Each environment's test listener on a port of its own, apart from the production listeners'. */
function checkTestPorts(config: Pick<Config, 'environments'>, issue: Issue): void {
  const seen = new Map<number, string>();
  config.environments.forEach((env, i) => {
    const port = testPort(config, env.name);
    const which = env.testPort === undefined ? `test port ${port} (the default, ${TEST_PORT_BASE} + ${i})` : `test port ${port}`;
    if (port === 80 || port === 443) issue(['environments', i, 'testPort'], `${which} is a production listener's port; set another "testPort"`);
    const other = seen.get(port);
    if (other !== undefined) issue(['environments', i, 'testPort'], `${which} is also ${other}'s; each environment needs its own test port`);
    seen.set(port, env.name);
  });
}

function checkSubnets(network: OwnNetwork, issue: Issue): void {
  const vpc = parseCidr(network.cidr);
  if (!vpc) return; // already reported by the field's own check
  if (vpc.prefix < 16 || vpc.prefix > 24) {
    issue(['network', 'cidr'], `expected a prefix between /16 and /24 (AWS allows /16 to /28 for a VPC, and shipline cuts it into subnets), got /${vpc.prefix}`);
    return;
  }
  if (vpc.base !== vpc.network) {
    issue(['network', 'cidr'], `expected a network address: ${network.cidr} has host bits set (did you mean ${subnetCidrs(network.cidr, vpc.prefix, 1)[0]}?)`);
    return;
  }
  const all: Array<{ path: PropertyKey[]; value: string }> = [];
  for (const side of ['publicSubnets', 'privateSubnets'] as const) {
    const list = network[side];
    if (list === undefined) continue;
    if (list.length !== network.azs) issue(['network', side], `expected ${network.azs} CIDRs, one per availability zone (network.azs), got ${list.length}`);
    // Only well-formed CIDRs: a malformed one is already reported by the field's own check.
    list.forEach((value, i) => {
      if (parseCidr(value)) all.push({ path: ['network', side, i], value });
    });
  }
  for (const [i, subnet] of all.entries()) {
    const parsed = parseCidr(subnet.value)!;
    if (parsed.prefix > 28) issue(subnet.path, `${subnet.value} is smaller than /28, the smallest subnet AWS allows`);
    if (!cidrContains(network.cidr, subnet.value)) issue(subnet.path, `${subnet.value} is not inside the VPC's ${network.cidr}`);
    for (const other of all.slice(0, i)) {
      if (cidrsOverlap(subnet.value, other.value)) issue(subnet.path, `${subnet.value} overlaps ${other.value} (${fieldPath(other.path)})`);
    }
  }
}

/** "environments[1].name" rather than "environments.1.name". */
export function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part)), '');
}

/** Parse an already-read value: errors name `source` (a file path) and each field. */
export function parseConfig(value: unknown, source: string, text?: string): Config {
  const result = configSchema.safeParse(value);
  if (result.success) return result.data;
  const where = (path: PropertyKey[]) => {
    const at = text === undefined ? undefined : positionOf(text, path);
    return at ? ` (line ${at.line}, column ${at.column})` : '';
  };
  const lines = result.error.issues.map((i) => `  ${fieldPath(i.path) || '(top level)'}${where(i.path)}: ${i.message}`);
  throw new ConfigError(`${source} is not a valid shipline config:\n${lines.join('\n')}`, {
    hint: 'config.example.json shows every field with its default',
  });
}

/** Read and check the config file: JSON, or YAML when its name ends in .yml or .yaml. */
export async function loadConfig(path: string): Promise<Config> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw unreadableConfig(path, error);
  }
  // Editors on Windows save UTF-8 with a byte-order mark, which JSON.parse refuses.
  if (text.startsWith('\uFEFF')) text = text.slice(1);
  return parseConfig(isYamlFile(path) ? readYaml(path, text) : readJson(path, text), path, text);
}

function readJson(path: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw invalidJson(path, text, error);
  }
}

function readYaml(path: string, text: string): unknown {
  try {
    return parseYaml(text);
  } catch (error) {
    if (!(error instanceof SyntaxProblem)) throw error;
    if (!error.at) throw new ConfigError(`${path} is not valid YAML: ${error.reason}`, { cause: error });
    throw new ConfigError(`${path} is not valid YAML at ${excerpt(text, error.at.line, error.at.column, error.reason)}`, { cause: error });
  }
}

function unreadableConfig(path: string, error: unknown): ConfigError {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return new ConfigError(`config file ${path} not found`, { hint: `\`shipline init\` writes one (shipline.yml); or copy config.example.json to ${path} and edit it, or pass --config PATH`, cause: error });
    case 'EISDIR':
      return new ConfigError(`config path ${path} is a directory, not a file`, { hint: 'pass --config with the path of the JSON file itself, e.g. --config shipline.json', cause: error });
    default:
      return new ConfigError(`cannot read config file ${path}: ${code ?? String(error)}`, { cause: error });
  }
}

/** "shipline.json is not valid JSON at line 3, column 14: Expected ',' …", with the line and a caret under the place. */
function invalidJson(path: string, text: string, error: unknown): ConfigError {
  // V8's words without its offset (Node 22 adds a line and column after it) or its quote of the
  // text, whole or a part between "...", which may span lines: we show the line.
  const reason = (error as Error).message
    .replace(/, (\.\.\.)?".*"(\.\.\.)? is not valid JSON$/s, '')
    .replace(/\s*(in JSON )?at position \d+.*$/s, '')
    .replace(/[\u0000-\u001f]/g, (c) => JSON.stringify(c).slice(1, -1));
  const at = firstJsonError(text);
  if (at === undefined) return new ConfigError(`${path} is not valid JSON: ${reason}`, { cause: error });
  const { line, column } = lineAndColumn(text, at);
  return new ConfigError(`${path} is not valid JSON at ${excerpt(text, line, column, reason)}`, { cause: error });
}

/** "line 3, column 14: <reason>", then the line and a caret under the place. */
function excerpt(text: string, line: number, column: number, reason: string): string {
  const source = text.split('\n')[line - 1]?.replace(/\r$/, '') ?? '';
  return `line ${line}, column ${column}: ${reason}\n  ${source}\n  ${' '.repeat(Math.max(0, column - 1))}^`;
}

/** The subnet CIDRs a config asks for: explicit ones, or equal blocks carved from the VPC. */
export function subnetPlan(config: NetworkConfig): { public: string[]; private: string[] } {
  const network = ownNetwork({ network: config });
  const vpc = parseCidr(network.cidr)!;
  const blocks = subnetCidrs(network.cidr, Math.min(vpc.prefix + 4, 28), 16);
  return {
    public: network.publicSubnets ?? blocks.slice(0, network.azs),
    private: network.privateSubnets ?? blocks.slice(8, 8 + network.azs),
  };
}
