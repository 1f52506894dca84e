// What a production web service needs beyond an image (issue 13): variables, secrets, a task role,
// the health check, ECS Exec and autoscaling. The zod pieces config.ts puts under `services` (the
// default of every environment) and under each environment (its override), and `settingsOf`, which
// merges the two into what one environment gets. Steps read an environment's settings only here.
import { z } from 'zod';
import type { Config, EnvironmentConfig } from './config';

/** A name the container sees in its environment: what a shell, Node and Python all accept. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const envName = z.string().regex(ENV_NAME, { error: 'expected a variable name of letters, digits and underscores, not starting with a digit' });

/** An SSM parameter name (with or without its leading "/"), as Parameter Store allows it. */
export const SSM_PARAMETER_NAME = /^\/?[A-Za-z0-9_.\-/]{1,2047}$/;
/** arn:aws:ssm:<region>:<account>:parameter/<name> (a name with a leading "/" keeps it after "parameter"). */
export const SSM_PARAMETER_ARN = /^arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter\/[A-Za-z0-9_.\-/]{1,2048}$/;
/**
 * arn:aws:secretsmanager:<region>:<account>:secret:<name>[-XXXXXX][:json-key:version-stage:version-id]:
 * the complete ARN ends in the six random characters AWS adds; a partial one does not; the three
 * optional fields after it are ECS's way to pick a JSON key or a version.
 */
export const SECRETS_MANAGER_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]{1,512}(:[^:]*:[^:]*:[^:]*)?$/;

const secretReference = z.string().refine(
  (ref) => SSM_PARAMETER_ARN.test(ref) || SECRETS_MANAGER_ARN.test(ref) || (!ref.startsWith('arn:') && SSM_PARAMETER_NAME.test(ref)),
  { error: 'expected an SSM parameter name ("/demo/db-password"), an SSM parameter ARN, or a Secrets Manager secret ARN (optionally with a JSON key, "…:password::")' },
);

/** An IAM policy statement as the user writes it: checked against IAM's grammar by src/policies.ts at provision. */
const statement = z.strictObject({
  Sid: z.string().regex(/^[A-Za-z0-9]*$/, { error: 'expected a Sid of letters and digits' }).optional(),
  Effect: z.enum(['Allow', 'Deny']),
  Action: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  Resource: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  Condition: z.record(z.string(), z.record(z.string(), z.union([z.string(), z.array(z.string()), z.boolean(), z.number()]))).optional(),
});

const taskRole = z.strictObject({
  managedPolicyArns: z
    .array(z.string().regex(/^arn:aws[a-z-]*:iam::(aws|\d{12}):policy\/[A-Za-z0-9+=,.@_/-]+$/, { error: 'expected a managed policy ARN like arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess' }))
    .max(20, { error: 'IAM attaches at most 20 managed policies to a role (a quota AWS raises on request)' })
    .default([]),
  statements: z.array(statement).default([]),
});
export type TaskRoleConfig = z.output<typeof taskRole>;

/** The target group's health check and the service's grace period; every field optional, filled by defaults. */
const healthCheck = z.strictObject({
  path: z.string().regex(/^\/[\x21-\x7e]{0,1023}$/, { error: 'expected a path starting with "/", like "/health"' }).optional(),
  /** HTTP codes the ALB counts as healthy: "200", "200,204", "200-399" (ALB: 200-499). */
  matcher: z.string().regex(/^[1-5]\d\d(-[1-5]\d\d)?(,[1-5]\d\d(-[1-5]\d\d)?)*$/, { error: 'expected HTTP codes like "200", "200,204" or "200-399"' }).optional(),
  intervalSeconds: z.number().int().min(5).max(300).optional(),
  healthyThreshold: z.number().int().min(2).max(10).optional(),
  gracePeriodSeconds: z.number().int().min(0).max(2147483647).optional(),
});
export type HealthCheckInput = z.output<typeof healthCheck>;

const percent = z.number().min(1).max(100);
const cooldown = z.number().int().min(0).max(3600);
export const autoscalingSchema = z.strictObject({
  min: z.number().int().min(0).max(1000),
  max: z.number().int().min(1).max(1000),
  cpuPercent: percent.nullable().default(null),
  memoryPercent: percent.nullable().default(null),
  requestsPerTarget: z.number().int().min(1).max(1_000_000).nullable().default(null),
  scaleInCooldownSeconds: cooldown.default(300),
  scaleOutCooldownSeconds: cooldown.default(60),
});
export type AutoscalingConfig = z.output<typeof autoscalingSchema>;

/** The fields an environment may override. */
export const overridableFields = {
  variables: z.record(envName, z.string()).optional(),
  secrets: z.record(envName, secretReference).optional(),
  taskRole: taskRole.optional(),
  healthCheck: healthCheck.optional(),
  exec: z.boolean().optional(),
};

/** The fields under `services` that set every environment's default. */
export const serviceDefaultFields = {
  containerInsights: z.boolean().default(false),
  exec: z.boolean().default(false),
  variables: z.record(envName, z.string()).default({}),
  secrets: z.record(envName, secretReference).default({}),
  /** The customer managed KMS key the secrets are encrypted with: the execution role may decrypt with it, and only with it. */
  secretsKmsKeyArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/, { error: 'expected a KMS key ARN like arn:aws:kms:eu-west-3:123456789012:key/…, or null' })
    .nullable()
    .default(null),
  taskRole: taskRole.nullable().default(null),
  healthCheck: healthCheck.default({}),
};

/** What shipline sets when the config does not: short intervals and a low threshold, so a deploy is live fast. */
export const HEALTH_CHECK_DEFAULTS = {
  /** Any answer but a server error means the container is up: apps need not serve 200 on `/`. */
  path: '/',
  matcher: '200-499',
  intervalSeconds: 10,
  healthyThreshold: 2,
  gracePeriodSeconds: 30,
} as const;

export interface HealthCheckSettings {
  path: string;
  matcher: string;
  intervalSeconds: number;
  healthyThreshold: number;
  gracePeriodSeconds: number;
}

/** One environment's settings: the service defaults with the environment's overrides merged in. */
export interface EnvironmentSettings {
  variables: Record<string, string>;
  /** Name → reference, as written in the config (resolved to ARNs by the services step). */
  secrets: Record<string, string>;
  /** The role the tasks run as, or null for none (no statements, no policies, no exec). */
  taskRole: TaskRoleConfig | null;
  /** Whether the environment has a task role of its own (its `taskRole` overrides the shared one). */
  ownTaskRole: boolean;
  healthCheck: HealthCheckSettings;
  exec: boolean;
  autoscaling: AutoscalingConfig | null;
}

/** The merged settings of `env`: `variables` and `secrets` merge by key, the rest is replaced (the health check field by field). */
export function settingsOf(config: Pick<Config, 'services'>, env: EnvironmentConfig): EnvironmentSettings {
  const s = config.services;
  return {
    variables: { ...s.variables, ...env.variables },
    secrets: { ...s.secrets, ...env.secrets },
    taskRole: env.taskRole ?? s.taskRole,
    ownTaskRole: env.taskRole !== undefined,
    healthCheck: { ...HEALTH_CHECK_DEFAULTS, ...definedOnly(s.healthCheck), ...definedOnly(env.healthCheck ?? {}) },
    exec: env.exec ?? s.exec,
    autoscaling: env.autoscaling ?? null,
  };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * The desired count provision asks for: the config's, kept inside the autoscaling range, so that
 * the first deploy starts within what the autoscaler will hold.
 */
export function initialDesiredCount(env: EnvironmentConfig, settings: Pick<EnvironmentSettings, 'autoscaling'>): number {
  const range = settings.autoscaling;
  if (!range) return env.desiredCount;
  return Math.min(Math.max(env.desiredCount, range.min), range.max);
}

type Issue = (path: PropertyKey[], message: string) => void;

/** Cross-field rules of the service settings, for config.ts's superRefine. */
export function checkServiceSettings(config: Config, issue: Issue): void {
  const clash = (variables: Record<string, string> | undefined, secrets: Record<string, string> | undefined, path: PropertyKey[]) => {
    for (const name of Object.keys(secrets ?? {})) {
      if (variables && name in variables) issue([...path, 'secrets', name], `"${name}" is both a variable and a secret; the container can see only one of them`);
    }
  };
  clash(config.services.variables, config.services.secrets, ['services']);
  config.environments.forEach((env, i) => {
    const merged = settingsOf(config, env);
    clash(merged.variables, env.secrets, ['environments', i]);
    const scaling = env.autoscaling;
    if (scaling) {
      const at = (field: string) => ['environments', i, 'autoscaling', field];
      if (scaling.min > scaling.max) issue(at('min'), `min ${scaling.min} is above max ${scaling.max}`);
      if (scaling.cpuPercent === null && scaling.memoryPercent === null && scaling.requestsPerTarget === null) {
        issue(['environments', i, 'autoscaling'], 'expected at least one target to scale on: cpuPercent, memoryPercent or requestsPerTarget');
      }
      // ALBRequestCountPerTarget names one target group, and blue/green moves the traffic to the other with every deployment.
      if (scaling.requestsPerTarget !== null && config.deploy.strategy === 'blue-green') {
        issue(at('requestsPerTarget'), 'cannot scale on requests per target with deploy.strategy "blue-green": the metric names one target group, and every deployment moves the traffic to the other; scale on cpuPercent or memoryPercent');
      }
    }
  });
}
