// The pre-flight check of the environments' `secrets`: every reference must name a parameter or a
// secret that exists, or provision stops before any step changes anything (a task would otherwise
// fail to start with ResourceInitializationError, long after the run). Only read-only calls that
// return no value: SSM GetParameters without decryption (a SecureString comes back encrypted) and
// Secrets Manager DescribeSecret. On `plan` a missing reference is a warning.
import { DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';
import { GetParametersCommand } from '@aws-sdk/client-ssm';
import { isAwsError } from '../../src/aws/errors';
import { ConfigError } from '../../src/errors';
import { resolveSecrets, type ResolvedSecret } from '../../src/secret-refs';
import { settingsOf } from '../../src/service-config';
import type { StepContext } from '../../src/step';

/** GetParameters takes 1 to 10 names (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameters.html). */
const GET_PARAMETERS_MAX = 10;

interface Reference {
  env: string;
  name: string;
  secret: ResolvedSecret;
}

export async function checkSecretReferences(ctx: StepContext): Promise<void> {
  const place = { partition: ctx.partition, region: ctx.config.region, account: ctx.accountId };
  const references: Reference[] = ctx.config.environments.flatMap((env) =>
    resolveSecrets(place, settingsOf(ctx.config, env).secrets).map(({ name, secret }) => ({ env: env.name, name, secret })),
  );
  if (references.length === 0) return;
  const missing = new Set([...(await missingParameters(ctx, references)), ...(await missingSecrets(ctx, references))]);
  const lines = references
    .filter((r) => missing.has(r.secret.arn))
    .map((r) => `environment ${r.env}: secrets.${r.name} = "${r.secret.reference}" (${r.secret.kind === 'ssm' ? `SSM parameter ${r.secret.arn}` : `Secrets Manager secret ${r.secret.arn}`}) does not exist`);
  if (lines.length === 0) return;
  const hint = 'create the parameter (aws ssm put-parameter) or the secret (aws secretsmanager create-secret) in the stack\'s account and region, or fix the reference in the config';
  if (ctx.dryRun) {
    ctx.log.warn({ missing: lines }, `${lines.join('; ')}: provision would stop here. ${hint}`);
    return;
  }
  throw new ConfigError(`${lines.join('; ')}. Nothing was changed.`, { hint });
}

/** The ARNs of the SSM parameters GetParameters lists as InvalidParameters (it names them as asked). */
async function missingParameters(ctx: StepContext, references: readonly Reference[]): Promise<string[]> {
  const arns = [...new Set(references.flatMap((r) => (r.secret.kind === 'ssm' ? [r.secret.arn] : [])))].sort();
  const missing: string[] = [];
  for (let i = 0; i < arns.length; i += GET_PARAMETERS_MAX) {
    const { InvalidParameters = [] } = await ctx.aws.ssm.send(new GetParametersCommand({ Names: arns.slice(i, i + GET_PARAMETERS_MAX), WithDecryption: false }));
    missing.push(...InvalidParameters);
  }
  return missing;
}

/** The ARNs (without ECS's JSON-key suffix) of the secrets DescribeSecret does not find. */
async function missingSecrets(ctx: StepContext, references: readonly Reference[]): Promise<string[]> {
  const arns = [...new Set(references.flatMap((r) => (r.secret.kind === 'secretsmanager' ? [r.secret.arn] : [])))].sort();
  const missing: string[] = [];
  for (const arn of arns) {
    try {
      const secret = await ctx.aws.secretsmanager.send(new DescribeSecretCommand({ SecretId: arn }));
      // Scheduled for deletion: its value can no longer be read.
      if (secret.DeletedDate !== undefined) missing.push(arn);
    } catch (error) {
      if (!isAwsError(error, 'ResourceNotFoundException')) throw error;
      missing.push(arn);
    }
  }
  return missing;
}
