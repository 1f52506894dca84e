// Failures that come from the machine's setup rather than from AWS: a named profile that exists
// in no file, an endpoint that cannot be reached, AWS_REGION set to another region than the config's.
// Each gets words that say what to check, instead of the SDK's "Could not load credentials from any
// providers" or a bare ECONNREFUSED.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { AwsCallError, ConfigError, UsageError } from '../errors';

export type Env = Readonly<Record<string, string | undefined>>;

/** The connection errors of Node and the SDK (after its retries) that mean "AWS was not reached". */
const NETWORK_CODES = ['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE'];

/** Services whose endpoint host does not start with the client's name. */
const ENDPOINT_PREFIX: Readonly<Record<string, string>> = {
  elbv2: 'elasticloadbalancing',
  ecr: 'api.ecr',
  connections: 'codestar-connections',
};

/**
 * The endpoint could not be reached (DNS, refused, timed out): an error naming the endpoint and
 * what to check; undefined for any other failure.
 */
export function networkFailure(
  service: string,
  operation: string,
  error: unknown,
  where: { region: string; endpoint?: string | null | undefined },
): AwsCallError | undefined {
  // Duck-typed: an error of another realm (a test runner's) fails `instanceof Error`, and the SDK
  // then wraps it as "AWS SDK error wrapper for Error: connect ECONNREFUSED …", keeping only the words.
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { code?: unknown; name?: unknown; message?: unknown; hostname?: string; address?: string; port?: number };
  const message = typeof e.message === 'string' ? e.message : '';
  const code =
    typeof e.code === 'string' && NETWORK_CODES.includes(e.code)
      ? e.code
      : e.name === 'TimeoutError'
        ? 'TimeoutError'
        : NETWORK_CODES.find((c) => new RegExp(`\\b${c}\\b`).test(message));
  if (!code) return undefined;
  const endpoint =
    where.endpoint ??
    (service === 'iam' ? 'https://iam.amazonaws.com' : `https://${ENDPOINT_PREFIX[service] ?? service}.${where.region}.amazonaws.com`);
  const reached = e.hostname ?? (e.address ? `${e.address}${e.port ? `:${e.port}` : ''}` : undefined);
  const wrapped = new AwsCallError(`${service}:${operation}`, code, `cannot reach ${endpoint}${reached ? ` (${reached})` : ''}: ${message}`, {
    cause: error,
    hint: where.endpoint
      ? `check that the endpoint in aws.endpoint (${where.endpoint}) is running and reachable from here`
      : 'check the network (DNS, proxy, VPN, firewall), or aws.endpoint in the config if you meant an emulator',
  });
  wrapped.name = code;
  return wrapped;
}

/** Where the SDK reads named profiles from, as it resolves them. */
export function profileFiles(env: Env): { config: string; credentials: string } {
  const home = env.HOME ?? env.USERPROFILE ?? homedir();
  return {
    config: env.AWS_CONFIG_FILE ?? path.join(home, '.aws', 'config'),
    credentials: env.AWS_SHARED_CREDENTIALS_FILE ?? path.join(home, '.aws', 'credentials'),
  };
}

/**
 * When credentials could not be loaded and a named profile is in use that no profile file holds:
 * an error naming the profile, where it was set, and the files it was looked for in.
 */
export function missingProfile(
  configured: string | null | undefined,
  env: Env,
  configPath: string | undefined,
  read: (file: string) => string | undefined = readIfExists,
): ConfigError | UsageError | undefined {
  const profile = configured ?? env.AWS_PROFILE;
  if (!profile) return undefined;
  const files = profileFiles(env);
  const configText = read(files.config) ?? '';
  const credentialsText = read(files.credentials) ?? '';
  const sections = (text: string) => [...text.matchAll(/^\s*\[\s*([^\]]+?)\s*\]/gm)].map((m) => m[1]!);
  const inConfig = sections(configText).some((s) => s === `profile ${profile}` || (profile === 'default' && s === 'default'));
  const inCredentials = sections(credentialsText).includes(profile);
  if (inConfig || inCredentials) return undefined;
  const where = configured ? `aws.profile in ${configPath ?? 'the config'}` : 'the environment variable AWS_PROFILE';
  const message = `AWS profile "${profile}" (set by ${where}) does not exist: it is in neither ${files.config} nor ${files.credentials}`;
  const hint =
    `profiles are read from ${files.config} ([profile ${profile}]) and ${files.credentials} ([${profile}]); ` +
    `AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE move them. Create it with \`aws configure --profile ${profile}\` ` +
    `(or \`aws configure sso\`), or fix the name${configured ? '' : ' (or unset AWS_PROFILE)'}`;
  return configured ? new ConfigError(message, { hint }) : new UsageError(message, { hint });
}

/** Said once per run when AWS_REGION names another region: shipline always uses the config's. */
export function regionNotice(configRegion: string, env: Env): string | undefined {
  const fromEnv = env.AWS_REGION;
  if (!fromEnv || fromEnv === configRegion) return undefined;
  return `AWS_REGION is ${fromEnv}, but the config's region ${configRegion} is used (shipline takes the region from the config only)`;
}

function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** A failed call's error in words about the machine's setup, when that is what failed; else undefined. */
export function environmentFailure(
  service: string,
  operation: string,
  error: unknown,
  options: { region: string; endpoint?: string | null | undefined; profile?: string | null | undefined },
  env: Env = process.env,
): Error | undefined {
  if (typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'CredentialsProviderError') {
    return missingProfile(options.profile, env, undefined);
  }
  return networkFailure(service, operation, error, options);
}
