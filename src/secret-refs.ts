// The references of a config's `secrets`, resolved to what ECS and IAM take: pure functions, no
// calls. ECS's `valueFrom` takes an SSM parameter's name or ARN (the name only in the task's region)
// and a Secrets Manager secret's ARN, optionally followed by `:json-key:version-stage:version-id`
// (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-ssm-paramstore.html,
// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-secrets-manager.html).
// shipline always writes the ARN, which every region accepts.
import type { Place, PolicyStatement } from './policies';
import { SECRETS_MANAGER_ARN, SSM_PARAMETER_ARN } from './service-config';

export interface SsmSecret {
  kind: 'ssm';
  /** What the config says. */
  reference: string;
  /** The parameter's ARN: ECS's valueFrom, IAM's resource, a name GetParameters takes. */
  arn: string;
  valueFrom: string;
}

export interface SecretsManagerSecret {
  kind: 'secretsmanager';
  reference: string;
  /** The secret's ARN without ECS's `:json-key:version-stage:version-id`: a SecretId DescribeSecret takes. */
  arn: string;
  /** What IAM grants: the ARN, or for a partial ARN (no `-XXXXXX` suffix) the ARN with `-??????`. */
  grant: string;
  /** Whether `arn` lacks the six characters Secrets Manager adds to a secret's name. */
  partial: boolean;
  valueFrom: string;
}

export type ResolvedSecret = SsmSecret | SecretsManagerSecret;

/** The ARN part of a secret's name and the fields ECS reads after it. */
const SECRET_ARN_PARTS = /^(arn:[^:]+:secretsmanager:[^:]+:\d{12}:secret:[^:]+)(:[^:]*:[^:]*:[^:]*)?$/;
/**
 * A complete ARN ends in a hyphen and the six characters AWS adds; a name that itself ends so is
 * taken for a complete ARN by Secrets Manager too
 * (https://docs.aws.amazon.com/secretsmanager/latest/userguide/troubleshoot.html#ARN_secretnamehyphen).
 */
const RANDOM_SUFFIX = /-[A-Za-z0-9]{6}$/;

/** An SSM parameter's ARN: the name's own leading "/" dropped (`/demo/x` → `parameter/demo/x`). */
export function ssmParameterArn(place: Place, name: string): string {
  return `arn:${place.partition}:ssm:${place.region}:${place.account}:parameter/${name.replace(/^\//, '')}`;
}

/** One reference, as the config's schema accepted it. */
export function resolveSecret(place: Place, reference: string): ResolvedSecret {
  const secret = SECRETS_MANAGER_ARN.test(reference) ? SECRET_ARN_PARTS.exec(reference) : null;
  if (secret) {
    const arn = secret[1]!;
    const partial = !RANDOM_SUFFIX.test(arn);
    return { kind: 'secretsmanager', reference, arn, partial, grant: partial ? `${arn}-??????` : arn, valueFrom: reference };
  }
  const arn = SSM_PARAMETER_ARN.test(reference) ? reference : ssmParameterArn(place, reference);
  return { kind: 'ssm', reference, arn, valueFrom: arn };
}

/** Name → resolved reference, sorted by name (so the task definition is stable). */
export function resolveSecrets(place: Place, secrets: Readonly<Record<string, string>>): Array<{ name: string; secret: ResolvedSecret }> {
  return Object.keys(secrets)
    .sort()
    .map((name) => ({ name, secret: resolveSecret(place, secrets[name]!) }));
}

/**
 * What the execution role needs to read `secrets` when a task starts: `ssm:GetParameters` on exactly
 * those parameters, `secretsmanager:GetSecretValue` on exactly those secrets, `kms:Decrypt` only on
 * the customer managed key, when there is one. No statement for what there is none of.
 */
export function secretReadStatements(secrets: readonly ResolvedSecret[], kmsKeyArn: string | null): PolicyStatement[] {
  const unique = (values: string[]) => [...new Set(values)].sort();
  const parameters = unique(secrets.flatMap((s) => (s.kind === 'ssm' ? [s.arn] : [])));
  const secretArns = unique(secrets.flatMap((s) => (s.kind === 'secretsmanager' ? [s.grant] : [])));
  const statements: PolicyStatement[] = [];
  if (parameters.length > 0) statements.push({ Sid: 'ReadSsmParameters', Effect: 'Allow', Action: ['ssm:GetParameters'], Resource: parameters });
  if (secretArns.length > 0) statements.push({ Sid: 'ReadSecrets', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: secretArns });
  if (statements.length > 0 && kmsKeyArn) statements.push({ Sid: 'DecryptSecrets', Effect: 'Allow', Action: ['kms:Decrypt'], Resource: [kmsKeyArn] });
  return statements;
}
