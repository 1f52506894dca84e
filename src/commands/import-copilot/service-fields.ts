// The fields of a Copilot "Load Balanced Web Service" manifest, one pure function each: what
// shipline can carry, and for the rest a refusal that names the field and why. A function that
// refuses today is the one to turn into a carry when shipline gains the setting; variables, secrets
// and exec carry, and healthcheck and count.range with its targets carry into `healthCheck` and
// `autoscaling` (issue 13).
//
// Copilot's own words for these fields:
// - https://aws.github.io/copilot-cli/docs/manifest/lb-web-service/ (http.path, http.alias,
//   http.healthcheck, count.range and its targets, variables, secrets, environments overrides)
// - https://aws.github.io/copilot-cli/docs/include/platform/ (via site/content/docs/include/platform.en.md:
//   "The default is linux/x86_64")
// - deployment.rolling ("default" | "recreate"): site/content/docs/include/deployment.en.md
// - the Go types, for the shapes a field may take: aws/copilot-cli internal/pkg/manifest/
//   lb_web_svc.go, http.go (HTTPOrBool, Alias), svc.go (Count, AdvancedCount, Range),
//   workload_ecs.go (TaskConfig, Secret), workload.go (PlatformArgsOrString)
import { FARGATE_MEMORY } from '../../config';
import { SECRETS_MANAGER_ARN, SSM_PARAMETER_ARN, SSM_PARAMETER_NAME, type HealthCheckInput } from '../../service-config';
import { REASON, refuse, type NotCarried } from './report';
import { asInteger, asRecord, asString, isRecord, shown } from './values';

/** A field's carried value (undefined: nothing to carry) and what of it could not be carried. */
export interface Mapped<T> {
  value: T | undefined;
  notes: NotCarried[];
}

/** A name the container sees (src/service-config.ts takes the same). */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const carry = <T>(value: T | undefined, notes: NotCarried[] = []): Mapped<T> => ({ value, notes });
/** Nothing carried (the field is absent, or refused for the reasons in `notes`). */
const none = (notes: NotCarried[] = []): Mapped<never> => ({ value: undefined, notes });

/** How an environment is reached on the load balancer: undefined path is `/` (every path). */
export interface Route {
  path: string | undefined;
  host: string | undefined;
}

const SHIPLINE_PATH = /^\/[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)*$/;
const SHIPLINE_HOST = /^(\*\.)?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;

/** The `http` section: its path and alias become the route; the rest is refused field by field. */
export function routeFrom(http: unknown, file: string, field = 'http'): Mapped<Route> {
  if (http === false) {
    return carry({ path: undefined, host: undefined }, [refuse(file, field, 'false: Copilot put no Application Load Balancer in front of the service (an NLB only, or none); shipline serves every environment through its ALB')]);
  }
  const section = asRecord(http);
  const notes: NotCarried[] = [];
  const path = pathFrom(section.path, file, `${field}.path`, notes);
  const host = hostFrom(section.alias, file, `${field}.alias`, notes);
  for (const [key, value] of Object.entries(section)) {
    if (key === 'path' || key === 'alias') continue;
    if (key === 'healthcheck') notes.push(...healthCheckFrom(value, file, `${field}.healthcheck`).notes);
    else if (key === 'hosted_zone') notes.push(refuse(file, `${field}.hosted_zone`, hostedZoneReason(value)));
    else notes.push(refuse(file, `${field}.${key}`, HTTP_REFUSALS[key] ?? REASON.unknown));
  }
  return carry({ path, host }, notes);
}

const HTTP_REFUSALS: Record<string, string> = {
  stickiness: 'shipline does not turn on target group stickiness',
  deregistration_delay: 'shipline sets a 30-second deregistration delay on every target group',
  allowed_source_ips: 'shipline opens its load balancer to every address',
  target_container: 'shipline runs one container per task',
  targetContainer: 'shipline runs one container per task',
  target_port: 'shipline sends traffic to services.containerPort',
  version: 'shipline target groups speak HTTP/1.1 (no gRPC or HTTP/2 protocol version)',
  redirect_to_https: 'shipline redirects HTTP to HTTPS whenever alb.certificateArn is set',
  additional_rules: 'shipline routes one path or host per environment',
  alb: 'shipline makes its own load balancer (no imported ALB)',
};

/** `http.path`: `/` (or none) is every path; anything else must be a path shipline accepts. */
function pathFrom(value: unknown, file: string, field: string, notes: NotCarried[]): string | undefined {
  if (value === undefined || value === null) return undefined;
  const raw = asString(value);
  const normalized = raw === undefined ? undefined : `/${raw.trim().replace(/^\/+|\/+$/g, '')}`;
  if (normalized === '/') return undefined;
  if (normalized !== undefined && SHIPLINE_PATH.test(normalized)) return normalized;
  notes.push(refuse(file, field, `${shown(value)}: shipline takes lowercase paths like "/api" (no wildcards, no trailing slash); routed as "/"`));
  return undefined;
}

/**
 * A hosted zone Copilot wrote an alias record in. shipline writes the records of its `domain` (the
 * default environment at the domain itself, the others at their hosts inside it) and gets their
 * certificate: not carried, as that replaces `alb.certificateArn`; the reason says what to write.
 */
function hostedZoneReason(zone: unknown, alias?: string): string {
  const example = `domain: { name: "${alias ?? '<the default environment\'s host>'}", hostedZoneId: ${JSON.stringify(zone)} }`;
  return `${shown(zone)}: shipline writes the DNS records of its domain in the zone, and gets the certificate itself; set ${example} (without alb.certificateArn) to have it do so`;
}

/** `http.alias`: a host name, a list of them, or `{name, hosted_zone}` entries; shipline routes one host. */
function hostFrom(value: unknown, file: string, field: string, notes: NotCarried[]): string | undefined {
  if (value === undefined || value === null) return undefined;
  const entries = Array.isArray(value) ? value : [value];
  const hosts: string[] = [];
  entries.forEach((entry, i) => {
    const at = Array.isArray(value) ? `${field}[${i}]` : field;
    const name = isRecord(entry) ? asString(entry.name) : asString(entry);
    if (isRecord(entry) && entry.hosted_zone !== undefined) {
      notes.push(refuse(file, `${at}.hosted_zone`, hostedZoneReason(entry.hosted_zone, name)));
    }
    if (name !== undefined && SHIPLINE_HOST.test(name)) hosts.push(name);
    else notes.push(refuse(file, at, `${shown(isRecord(entry) ? (entry.name ?? entry) : entry)}: not a host name shipline can route (lowercase, like "api.example.com")`));
  });
  hosts.slice(1).forEach((host) => notes.push(refuse(file, field, `"${host}": shipline routes one host per environment; carried "${hosts[0]}"`)));
  return hosts[0];
}

/** `http.healthcheck`: a path, or a map of the target group's health check and the grace period (`healthCheck`). */
export function healthCheckFrom(value: unknown, file: string, field = 'http.healthcheck'): Mapped<HealthCheckInput> {
  if (value === undefined || value === null) return none();
  const path = asString(value);
  if (path !== undefined) return HEALTH_PATH.test(path) ? carry({ path }) : none([refuse(file, field, `${shown(value)}: expected a path starting with "/"`)]);
  if (!isRecord(value)) return none([refuse(file, field, `${shown(value)}: expected a path or a map`)]);
  const out: HealthCheckInput = {};
  const notes: NotCarried[] = [];
  const bad = (key: string, expected: string) => notes.push(refuse(file, `${field}.${key}`, `${shown(value[key])}: expected ${expected}`));
  for (const [key, v] of Object.entries(value)) {
    if (key === 'path') {
      const p = asString(v);
      if (p !== undefined && HEALTH_PATH.test(p)) out.path = p;
      else bad(key, 'a path starting with "/"');
    } else if (key === 'success_codes') {
      const codes = asString(v) ?? (typeof v === 'number' ? String(v) : undefined);
      if (codes !== undefined && MATCHER.test(codes)) out.matcher = codes;
      else bad(key, 'HTTP codes between 200 and 499 like "200" or "200-399" (what an Application Load Balancer takes)');
    } else if (key === 'healthy_threshold') {
      const n = asInteger(v);
      if (n !== undefined && n >= 2 && n <= 10) out.healthyThreshold = n;
      else bad(key, 'a whole number from 2 to 10');
    } else if (key === 'interval') {
      const seconds = secondsOf(v);
      if (seconds !== undefined && seconds >= 5 && seconds <= 300) out.intervalSeconds = seconds;
      else bad(key, 'a duration from 5s to 300s');
    } else if (key === 'grace_period') {
      const seconds = secondsOf(v);
      if (seconds !== undefined) out.gracePeriodSeconds = seconds;
      else bad(key, 'a duration like "60s"');
    } else {
      notes.push(refuse(file, `${field}.${key}`, HEALTH_REFUSALS[key] ?? REASON.unknown));
    }
  }
  return carry(Object.keys(out).length > 0 ? out : undefined, notes);
}

const HEALTH_PATH = /^\/[\x21-\x7e]{0,1023}$/;
const MATCHER = /^[2-4]\d\d(-[2-4]\d\d)?(,[2-4]\d\d(-[2-4]\d\d)?)*$/;
const HEALTH_REFUSALS: Record<string, string> = {
  port: 'shipline checks the port the container serves on',
  timeout: 'shipline sets the timeout below the interval (6 s, or the interval less one second)',
  unhealthy_threshold: "shipline keeps the load balancer's unhealthy threshold, 2",
};

/** A Copilot duration ("30s", "1m30s", "2m"), in whole seconds. */
function secondsOf(value: unknown): number | undefined {
  const text = asString(value);
  const m = text === undefined ? null : /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text.trim());
  if (!m || text!.trim() === '') return undefined;
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

/** `count`: a number, or `range`'s minimum (the range and its targets are autoscaling: autoscalingOf). */
export function desiredCountFrom(value: unknown, file: string, field = 'count'): Mapped<number> {
  if (value === undefined || value === null) return none();
  const plain = asInteger(value);
  if (plain !== undefined) {
    return plain <= 100 ? carry(plain) : none([refuse(file, field, `${plain}: shipline runs at most 100 tasks per environment`)]);
  }
  if (!isRecord(value)) return none([refuse(file, field, `${shown(value)}: expected a number or a map with "range"`)]);
  const notes: NotCarried[] = [];
  let desired: number | undefined;
  const range = rangeOf(value.range);
  if (range) {
    desired = range.min;
    notes.push(...autoscalingFrom(value, range, file, field).notes);
    if (range.spotFrom !== undefined) notes.push(refuse(file, `${field}.range.spot_from`, `${range.spotFrom}: shipline runs on Fargate, not Fargate Spot`));
  } else if (value.range !== undefined) {
    notes.push(refuse(file, `${field}.range`, `${shown(value.range)}: expected "min-max" like "1-10" or {min, max}`));
  }
  const spot = asInteger(value.spot);
  if (value.spot !== undefined) {
    if (desired === undefined && spot !== undefined) desired = spot;
    notes.push(refuse(file, `${field}.spot`, `${shown(value.spot)}: shipline runs on Fargate, not Fargate Spot${spot !== undefined && desired === spot ? `; desiredCount is ${spot}` : ''}`));
  }
  if (range === undefined) {
    for (const key of AUTOSCALING_TARGETS) if (value[key] !== undefined) notes.push(refuse(file, `${field}.${key}`, `${shown(value[key])}: a target of autoscaling, which needs a range ("1-10")`));
  }
  for (const key of Object.keys(value)) {
    if (key !== 'range' && key !== 'spot' && !AUTOSCALING_TARGETS.includes(key)) notes.push(refuse(file, `${field}.${key}`, REASON.unknown));
  }
  return carry(desired, notes);
}

const AUTOSCALING_TARGETS = ['cpu_percentage', 'memory_percentage', 'requests', 'response_time', 'queue_delay', 'cooldown'];

interface Range {
  min: number;
  max: number;
  spotFrom: number | undefined;
}

/** `range: "1-10"` or `range: {min, max, spot_from}`. */
function rangeOf(value: unknown): Range | undefined {
  const text = asString(value);
  const band = text === undefined ? undefined : /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(text);
  if (band) return { min: Number(band[1]), max: Number(band[2]), spotFrom: undefined };
  if (!isRecord(value)) return undefined;
  const min = asInteger(value.min);
  const max = asInteger(value.max);
  return min === undefined || max === undefined ? undefined : { min, max, spotFrom: asInteger(value.spot_from) };
}

/** An environment's `autoscaling`, as the config takes it. */
export interface AutoscalingInput {
  min: number;
  max: number;
  cpuPercent?: number;
  memoryPercent?: number;
  requestsPerTarget?: number;
  scaleInCooldownSeconds?: number;
  scaleOutCooldownSeconds?: number;
}

/** `count`'s `range` and its targets: the environment's `autoscaling` (undefined without a range and a target shipline takes). */
export function autoscalingOf(value: unknown, file: string, field = 'count'): Mapped<AutoscalingInput> {
  if (!isRecord(value)) return none();
  const range = rangeOf(value.range);
  return range ? autoscalingFrom(value, range, file, field) : none();
}

/** `count.range` and its targets (cpu_percentage, memory_percentage, requests, cooldown): `autoscaling`. */
export function autoscalingFrom(count: Record<string, unknown>, range: Range, file: string, field = 'count'): Mapped<AutoscalingInput> {
  const notes: NotCarried[] = [];
  const out: AutoscalingInput = { min: range.min, max: range.max };
  if (range.max > 1000 || range.min > range.max) return none([refuse(file, `${field}.range`, `${range.min}-${range.max}: expected a range within 0-1000, min at most max`)]);
  const cooldowns: Array<{ in?: number; out?: number }> = [];
  const target = (key: string, set: (n: number) => void, max: number) => {
    const v = count[key];
    if (v === undefined) return;
    const n = isRecord(v) ? asInteger(v.value) : asInteger(v);
    if (n === undefined || n < 1 || n > max) {
      notes.push(refuse(file, `${field}.${key}`, `${shown(v)}: expected a whole number from 1 to ${max}`));
      return;
    }
    set(n);
    if (isRecord(v) && v.cooldown !== undefined) cooldowns.push(cooldownOf(v.cooldown, file, `${field}.${key}.cooldown`, notes));
  };
  target('cpu_percentage', (n) => (out.cpuPercent = n), 100);
  target('memory_percentage', (n) => (out.memoryPercent = n), 100);
  target('requests', (n) => (out.requestsPerTarget = n), 1_000_000);
  if (count.cooldown !== undefined) cooldowns.unshift(cooldownOf(count.cooldown, file, `${field}.cooldown`, notes));
  // One pair of cooldowns for every policy: the first given of each, the section's own first.
  const scaleIn = cooldowns.find((c) => c.in !== undefined)?.in;
  const scaleOut = cooldowns.find((c) => c.out !== undefined)?.out;
  if (scaleIn !== undefined) out.scaleInCooldownSeconds = scaleIn;
  if (scaleOut !== undefined) out.scaleOutCooldownSeconds = scaleOut;
  for (const key of ['response_time', 'queue_delay']) {
    if (count[key] !== undefined) notes.push(refuse(file, `${field}.${key}`, `${shown(count[key])}: shipline scales on CPU, memory and requests per target only`));
  }
  if (out.cpuPercent === undefined && out.memoryPercent === undefined && out.requestsPerTarget === undefined) {
    notes.push(refuse(file, `${field}.range`, `autoscaling ${range.min}-${range.max}: no target shipline scales on (cpu_percentage, memory_percentage, requests); desiredCount is the minimum, ${range.min}`));
    return none(notes);
  }
  return carry(out, notes);
}

/** `cooldown: {in, out}` durations, each within the 0-3600 s the config takes. */
function cooldownOf(value: unknown, file: string, field: string, notes: NotCarried[]): { in?: number; out?: number } {
  const section = asRecord(value);
  const out: { in?: number; out?: number } = {};
  for (const key of ['in', 'out'] as const) {
    if (section[key] === undefined) continue;
    const seconds = secondsOf(section[key]);
    if (seconds !== undefined && seconds <= 3600) out[key] = seconds;
    else notes.push(refuse(file, `${field}.${key}`, `${shown(section[key])}: expected a duration up to 3600s, like "60s"`));
  }
  for (const key of Object.keys(section)) if (key !== 'in' && key !== 'out') notes.push(refuse(file, `${field}.${key}`, REASON.unknown));
  return out;
}

/** `cpu`: one of Fargate's CPU sizes. */
export function cpuFrom(value: unknown, file: string, field = 'cpu'): Mapped<number> {
  if (value === undefined || value === null) return none();
  const cpu = asInteger(value);
  if (cpu !== undefined && cpu in FARGATE_MEMORY) return carry(cpu);
  return none([refuse(file, field, `${shown(value)}: not one of Fargate's CPU sizes (${Object.keys(FARGATE_MEMORY).join(', ')})`)]);
}

/** `memory`: MiB (the config checks it against the CPU). */
export function memoryFrom(value: unknown, file: string, field = 'memory'): Mapped<number> {
  if (value === undefined || value === null) return none();
  const memory = asInteger(value);
  return memory !== undefined && memory > 0 ? carry(memory) : none([refuse(file, field, `${shown(value)}: expected MiB, a positive number`)]);
}

export type Architecture = 'ARM64' | 'X86_64';

/** `platform`: `linux/arm64` → ARM64, `linux/x86_64` or `linux/amd64` → X86_64; none is Copilot's default, linux/x86_64. */
export function architectureFrom(value: unknown, file: string, field = 'platform'): Mapped<Architecture> {
  if (value === undefined || value === null) return carry('X86_64');
  const [os, arch] = isRecord(value) ? [asString(value.osfamily), asString(value.architecture)] : (asString(value)?.split('/') ?? []);
  const osName = (os ?? 'linux').toLowerCase();
  if (osName === 'linux') {
    const a = (arch ?? '').toLowerCase();
    if (a === 'arm64' || a === 'arm') return carry('ARM64');
    if (a === 'x86_64' || a === 'amd64') return carry('X86_64');
  }
  const why = osName.startsWith('windows') ? 'shipline runs Linux tasks only' : 'expected linux/arm64, linux/x86_64 or linux/amd64';
  return none([refuse(file, field, `${shown(value)}: ${why}`)]);
}

/** `image`: its port is the container port; shipline builds ./Dockerfile from the repository itself. */
export function containerPortFrom(value: unknown, file: string, field = 'image'): Mapped<number> {
  const image = asRecord(value);
  const notes: NotCarried[] = [];
  const port = asInteger(image.port);
  if (image.port !== undefined && (port === undefined || port < 1 || port > 65535)) notes.push(refuse(file, `${field}.port`, `${shown(image.port)}: expected a port, 1-65535`));
  for (const [key, v] of Object.entries(image)) {
    if (key === 'port') continue;
    if (key === 'build') notes.push(...buildFrom(v, file, `${field}.build`));
    else notes.push(refuse(file, `${field}.${key}`, IMAGE_REFUSALS[key] ?? REASON.unknown));
  }
  return carry(port !== undefined && port >= 1 && port <= 65535 ? port : undefined, notes);
}

const IMAGE_REFUSALS: Record<string, string> = {
  location: 'shipline builds the image from the repository with CodeBuild; it does not deploy an existing image',
  credentials: 'shipline pulls only from its own ECR repository',
  labels: 'shipline sets no Docker labels',
  depends_on: 'shipline runs one container per task',
  healthcheck: 'shipline has no container health check setting',
};

/** `image.build`: shipline's buildspec runs `docker build .` at the repository's root. */
function buildFrom(value: unknown, file: string, field: string): NotCarried[] {
  const args = asRecord(value);
  const dockerfile = (asString(value) ?? asString(args.dockerfile) ?? 'Dockerfile').replace(/^\.\//, '');
  const context = (asString(args.context) ?? (asString(value) !== undefined ? dockerfile.replace(/\/?[^/]*$/, '') : '.')).replace(/^\.\/?/, '') || '.';
  const extra = Object.keys(args).filter((k) => k !== 'dockerfile' && k !== 'context');
  if (dockerfile === 'Dockerfile' && context === '.' && extra.length === 0) return [];
  return [refuse(file, field, `${shown(value)}: shipline's buildspec builds ./Dockerfile at the repository root; edit the buildspec.yml \`shipline init-app\` writes to build this one`)];
}

/** `deployment.rolling`: ECS's rolling update; Copilot's "recreate" (stop all first) has no equal. */
export function strategyFrom(value: unknown, file: string, field = 'deployment'): Mapped<'rolling'> {
  const deployment = asRecord(value);
  const notes: NotCarried[] = [];
  for (const [key, v] of Object.entries(deployment)) {
    if (key === 'rolling' && (v === 'default' || v === undefined)) continue;
    if (key === 'rolling') notes.push(refuse(file, `${field}.rolling`, `${shown(v)}: shipline starts new tasks before it stops the old ones (ECS's default rolling update)`));
    else if (key === 'rollback_alarms') notes.push(refuse(file, `${field}.rollback_alarms`, 'shipline rolls back on the ECS deployment circuit breaker, not on alarms'));
    else notes.push(refuse(file, `${field}.${key}`, REASON.unknown));
  }
  return carry('rolling', notes);
}

/** `variables`: the service's environment variables, as `variables` (names shipline takes, string values). */
export function variablesFrom(value: unknown, file: string, field = 'variables'): Mapped<Record<string, string>> {
  const notes: NotCarried[] = [];
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(asRecord(value))) {
    if (!ENV_NAME.test(key)) notes.push(refuse(file, `${field}.${key}`, 'not a variable name shipline takes (letters, digits and underscores, not starting with a digit)'));
    else if (isRecord(v)) notes.push(refuse(file, `${field}.${key}`, `${shown(v)}: shipline carries plain values, not CloudFormation imports; set the value by hand`));
    else if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[key] = String(v);
    else notes.push(refuse(file, `${field}.${key}`, `${shown(v)}: ${REASON.unknown}`));
  }
  return carry(Object.keys(out).length > 0 ? out : undefined, notes);
}

/**
 * `secrets`: an SSM parameter name or ARN carries as it is; a Secrets Manager secret by ARN (with
 * its JSON key, `:key::`, if any); a secret by name or a CloudFormation import does not (shipline
 * names secrets by ARN and reads no stack outputs).
 */
export function secretsFrom(value: unknown, file: string, field = 'secrets'): Mapped<Record<string, string>> {
  const notes: NotCarried[] = [];
  const out: Record<string, string> = {};
  for (const [key, secret] of Object.entries(asRecord(value))) {
    const at = `${field}.${key}`;
    if (!ENV_NAME.test(key)) {
      notes.push(refuse(file, at, 'not a variable name shipline takes (letters, digits and underscores, not starting with a digit)'));
      continue;
    }
    const record = asRecord(secret);
    const reference = asString(record.secretsmanager) ?? asString(secret);
    if (record.from_cfn !== undefined) notes.push(refuse(file, at, `${secretSource(secret)}: shipline reads no CloudFormation exports; give the parameter's name or the secret's ARN`));
    else if (record.secretsmanager !== undefined && reference !== undefined && !SECRETS_MANAGER_ARN.test(reference)) {
      notes.push(refuse(file, at, `${secretSource(secret)}: shipline names a Secrets Manager secret by its ARN; write the ARN (with the JSON key, "…:key::", if any)`));
    } else if (reference !== undefined && (SECRETS_MANAGER_ARN.test(reference) || SSM_PARAMETER_ARN.test(reference) || (!reference.startsWith('arn:') && SSM_PARAMETER_NAME.test(reference)))) {
      out[key] = reference;
    } else notes.push(refuse(file, at, `${secretSource(secret)}: not an SSM parameter name or ARN, nor a Secrets Manager ARN`));
  }
  return carry(Object.keys(out).length > 0 ? out : undefined, notes);
}

function secretSource(secret: unknown): string {
  const record = asRecord(secret);
  // In full, not shortened: the list is what the user recreates the secrets from.
  if (record.secretsmanager !== undefined) return `Secrets Manager secret ${JSON.stringify(record.secretsmanager)}`;
  if (record.from_cfn !== undefined) return `the CloudFormation export ${JSON.stringify(record.from_cfn)}`;
  const name = asString(secret) ?? '';
  if (name.startsWith('arn:') && name.includes(':secretsmanager:')) return `Secrets Manager secret ${JSON.stringify(name)}`;
  return `SSM parameter ${JSON.stringify(name)}`;
}

/** `exec`: ECS Exec, a boolean. */
export function execFrom(value: unknown, file: string, field = 'exec'): Mapped<boolean> {
  return typeof value === 'boolean' ? carry(value) : none([refuse(file, field, `${shown(value)}: shipline takes exec as true or false`)]);
}

/** `sidecars`: one line per sidecar. */
export function sidecarsFrom(value: unknown, file: string, field = 'sidecars'): NotCarried[] {
  return Object.keys(asRecord(value)).map((name) => refuse(file, `${field}.${name}`, 'shipline runs one container per task (no sidecars)'));
}

/** `storage`: volumes, ephemeral storage, a read-only root. */
export function storageFrom(value: unknown, file: string, field = 'storage'): NotCarried[] {
  const storage = asRecord(value);
  return Object.entries(storage).flatMap(([key, v]) =>
    key === 'volumes'
      ? Object.keys(asRecord(v)).map((name) => refuse(file, `${field}.volumes.${name}`, 'shipline mounts no volumes (no EFS)'))
      : [refuse(file, `${field}.${key}`, STORAGE_REFUSALS[key] ?? REASON.unknown)],
  );
}

const STORAGE_REFUSALS: Record<string, string> = {
  ephemeral: "shipline keeps Fargate's default ephemeral storage (20 GiB)",
  readonly_fs: "shipline leaves the container's root file system writable",
};

/** `network`: tasks run in private subnets in shipline; public placement, own groups and Service Connect do not carry. */
export function networkFrom(value: unknown, file: string, field = 'network'): NotCarried[] {
  const network = asRecord(value);
  const notes: NotCarried[] = [];
  for (const [key, v] of Object.entries(network)) {
    if (key === 'connect') notes.push(refuse(file, `${field}.connect`, `${shown(v)}: shipline sets up no Service Connect (it runs one service)`));
    else if (key !== 'vpc') notes.push(refuse(file, `${field}.${key}`, REASON.unknown));
  }
  for (const [key, v] of Object.entries(asRecord(network.vpc))) {
    if (key === 'placement' && v === 'private') continue; // shipline's tasks run in private subnets, behind its NAT
    if (key === 'placement') notes.push(refuse(file, `${field}.vpc.placement`, `${shown(v)}: shipline runs tasks in private subnets, behind its NAT`));
    else if (key === 'security_groups') notes.push(refuse(file, `${field}.vpc.security_groups`, 'shipline gives the tasks its own security group only'));
    else notes.push(refuse(file, `${field}.vpc.${key}`, REASON.unknown));
  }
  return notes;
}

/** Whole sections shipline has no counterpart for, with why. */
export const SECTION_REFUSALS: Record<string, string> = {
  env_file: 'shipline passes no environment file: put its entries in `variables` (or `secrets`)',
  logging: 'shipline sends logs to CloudWatch Logs with awslogs (no FireLens)',
  observability: 'shipline sets up no tracing',
  publish: 'shipline makes no SNS topics',
  taskdef_overrides: "shipline's task definition takes no overrides",
  nlb: 'shipline makes no Network Load Balancer',
  entrypoint: "shipline runs the image's own entrypoint",
  command: "shipline runs the image's own command",
};
