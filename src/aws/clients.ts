// One SDK client per service per run, built on first use so that `shipline --help` loads no SDK.
// Every client gets: the region, the default credential chain (or a named profile), the SDK's
// adaptive retry, an optional emulator endpoint (path-style S3), a dry-run guard and error context.
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { CodeBuildClient } from '@aws-sdk/client-codebuild';
import type { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import type { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import type { CodeStarConnectionsClient } from '@aws-sdk/client-codestar-connections';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { ECRClient } from '@aws-sdk/client-ecr';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { S3Client } from '@aws-sdk/client-s3';
import type { STSClient } from '@aws-sdk/client-sts';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import type { ACMClient } from '@aws-sdk/client-acm';
import type { Route53Client } from '@aws-sdk/client-route-53';
import { AdaptiveRetryStrategy, type AdaptiveRetryStrategyOptions } from '@smithy/core/retry';
import type { InitializeMiddleware, MiddlewareStack, Pluggable, RetryStrategyV2 } from '@smithy/types';
import { AwsCallError, EngineError, messageOf } from '../errors';
import { awsErrorCode, hintFor } from './errors';
import { isMutating, operationName } from './operations';

export interface ServiceClients {
  ec2: EC2Client;
  sts: STSClient;
  elbv2: ElasticLoadBalancingV2Client;
  ecs: ECSClient;
  ecr: ECRClient;
  iam: IAMClient;
  logs: CloudWatchLogsClient;
  s3: S3Client;
  codebuild: CodeBuildClient;
  codepipeline: CodePipelineClient;
  connections: CodeStarConnectionsClient;
  codedeploy: CodeDeployClient;
  ssm: SSMClient;
  secretsmanager: SecretsManagerClient;
  appautoscaling: ApplicationAutoScalingClient;
  acm: ACMClient;
  route53: Route53Client;
}
export type ServiceName = keyof ServiceClients;
export const SERVICE_NAMES: readonly ServiceName[] = [
  'ec2', 'sts', 'elbv2', 'ecs', 'ecr', 'iam', 'logs', 's3', 'codebuild', 'codepipeline', 'connections', 'codedeploy',
  'ssm', 'secretsmanager', 'appautoscaling',
  'acm', 'route53',
];

/** The part of every SDK client's config shipline sets. */
export interface SdkClientConfig {
  region: string;
  profile?: string;
  endpoint?: string;
  forcePathStyle?: boolean;
  maxAttempts: number;
  retryMode: 'adaptive' | 'standard';
  /** The SDK's adaptive strategy with these attempts (built here so tests can shorten only its delays). */
  retryStrategy: RetryStrategyV2;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

type ClientConstructor<C> = new (config: SdkClientConfig) => C;

// `require` inside the loader keeps each SDK package unloaded until its client is first used.
const LOADERS: { [K in ServiceName]: () => ClientConstructor<ServiceClients[K]> } = {
  ec2: () => require('@aws-sdk/client-ec2').EC2Client,
  sts: () => require('@aws-sdk/client-sts').STSClient,
  elbv2: () => require('@aws-sdk/client-elastic-load-balancing-v2').ElasticLoadBalancingV2Client,
  ecs: () => require('@aws-sdk/client-ecs').ECSClient,
  ecr: () => require('@aws-sdk/client-ecr').ECRClient,
  iam: () => require('@aws-sdk/client-iam').IAMClient,
  logs: () => require('@aws-sdk/client-cloudwatch-logs').CloudWatchLogsClient,
  s3: () => require('@aws-sdk/client-s3').S3Client,
  codebuild: () => require('@aws-sdk/client-codebuild').CodeBuildClient,
  codepipeline: () => require('@aws-sdk/client-codepipeline').CodePipelineClient,
  connections: () => require('@aws-sdk/client-codestar-connections').CodeStarConnectionsClient,
  codedeploy: () => require('@aws-sdk/client-codedeploy').CodeDeployClient,
  ssm: () => require('@aws-sdk/client-ssm').SSMClient,
  secretsmanager: () => require('@aws-sdk/client-secrets-manager').SecretsManagerClient,
  appautoscaling: () => require('@aws-sdk/client-application-auto-scaling').ApplicationAutoScalingClient,
  acm: () => require('@aws-sdk/client-acm').ACMClient,
  route53: () => require('@aws-sdk/client-route-53').Route53Client,
};

/** Attempts per call (the first and up to 7 retries) of the SDK's adaptive retry, unless set. */
export const DEFAULT_MAX_ATTEMPTS = 8;

export interface ClientOptions {
  region: string;
  profile?: string | null;
  /** An AWS emulator (LocalStack …). The SDK also reads AWS_ENDPOINT_URL by itself. */
  endpoint?: string | null;
  /** Bounded attempts of the SDK's adaptive retry (throttling, 5xx, network). */
  maxAttempts?: number;
  /**
   * Tests only: the waits between attempts (the backoff, and the adaptive rate limiter's), so a
   * throttled run takes seconds, not minutes. The attempts and the adaptive mode stay production's.
   * Called once per client: a rate limiter keeps one client's sending rate.
   */
  retryDelays?: () => Pick<AdaptiveRetryStrategyOptions, 'backoff' | 'rateLimiter'>;
  /** Refuse mutating calls: a plan must never change anything, even through a bug in a step. */
  dryRun?: boolean;
  /** Extra middleware for every client (the sandbox's dispatcher, call counters). */
  plugins?: ReadonlyArray<(service: ServiceName) => Pluggable<object, object> | undefined>;
  /** Fixed credentials (the sandbox); otherwise the SDK's default chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Debug log of each call: service, operation, duration (never inputs: they may hold secrets). */
  onCall?: (call: { service: ServiceName; operation: string; ms: number; error?: string }) => void;
}

export class AwsClients {
  private readonly built = new Map<ServiceName, unknown>();

  constructor(private readonly options: ClientOptions) {}

  get region(): string {
    return this.options.region;
  }

  get ec2(): EC2Client { return this.client('ec2'); }
  get sts(): STSClient { return this.client('sts'); }
  get elbv2(): ElasticLoadBalancingV2Client { return this.client('elbv2'); }
  get ecs(): ECSClient { return this.client('ecs'); }
  get ecr(): ECRClient { return this.client('ecr'); }
  get iam(): IAMClient { return this.client('iam'); }
  get logs(): CloudWatchLogsClient { return this.client('logs'); }
  get s3(): S3Client { return this.client('s3'); }
  get codebuild(): CodeBuildClient { return this.client('codebuild'); }
  get codepipeline(): CodePipelineClient { return this.client('codepipeline'); }
  get connections(): CodeStarConnectionsClient { return this.client('connections'); }
  get codedeploy(): CodeDeployClient { return this.client('codedeploy'); }
  get ssm(): SSMClient { return this.client('ssm'); }
  get secretsmanager(): SecretsManagerClient { return this.client('secretsmanager'); }
  get appautoscaling(): ApplicationAutoScalingClient { return this.client('appautoscaling'); }
  get acm(): ACMClient { return this.client('acm'); }
  get route53(): Route53Client { return this.client('route53'); }

  client<K extends ServiceName>(service: K): ServiceClients[K] {
    const existing = this.built.get(service);
    if (existing) return existing as ServiceClients[K];
    const Client = LOADERS[service]();
    const o = this.options;
    const maxAttempts = o.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    const client = new Client({
      region: o.region,
      ...(o.profile ? { profile: o.profile } : {}),
      ...(o.endpoint ? { endpoint: o.endpoint } : {}),
      ...(service === 's3' && o.endpoint ? { forcePathStyle: true } : {}),
      ...(o.credentials ? { credentials: o.credentials } : {}),
      maxAttempts,
      retryMode: 'adaptive',
      retryStrategy: o.retryDelays ? new AdaptiveRetryStrategy(maxAttempts, o.retryDelays()) : new AdaptiveRetryStrategy(maxAttempts),
    });
    const stack = (client as unknown as { middlewareStack: MiddlewareStack<object, object> }).middlewareStack;
    stack.add(contextMiddleware(service, o), { step: 'initialize', name: 'shiplineContext', priority: 'high' });
    for (const plugin of o.plugins ?? []) {
      const p = plugin(service);
      if (p) stack.use(p);
    }
    this.built.set(service, client);
    return client;
  }

  /** Close sockets so the process can exit promptly. */
  destroy(): void {
    for (const client of this.built.values()) (client as { destroy(): void }).destroy();
    this.built.clear();
  }
}

/** Outermost middleware: the dry-run guard, the call log, and errors that say which call failed. */
function contextMiddleware(service: ServiceName, options: ClientOptions): InitializeMiddleware<object, object> {
  return (next, context) =>
    async (args) => {
      const operation = operationName(context.commandName ?? 'UnknownCommand');
      if (options.dryRun && isMutating(operation)) {
        throw new EngineError(`dry run attempted ${service}:${operation}; a plan must not change anything (a bug in shipline)`);
      }
      const started = Date.now();
      try {
        const result = await next(args);
        options.onCall?.({ service, operation, ms: Date.now() - started });
        return result;
      } catch (error) {
        const code = awsErrorCode(error);
        options.onCall?.({ service, operation, ms: Date.now() - started, error: code ?? messageOf(error) });
        // A profile that exists nowhere, an endpoint out of reach: say what to check on this machine.
        const { environmentFailure } = require('./environment') as typeof import('./environment');
        const environment = environmentFailure(service, operation, error, options);
        if (environment) throw environment;
        if (code === undefined || error instanceof AwsCallError) throw error;
        throw wrapAwsError(service, operation, args.input, code, error);
      }
    };
}

/** Keeps AWS's code as the error's name too, so `isAwsError` and SDK-style checks both work. */
function wrapAwsError(service: string, operation: string, input: object, code: string, error: unknown): AwsCallError {
  const target = describeTarget(input);
  const hint = hintFor(service, operation, code);
  const wrapped = new AwsCallError(`${service}:${operation}${target ? ` ${target}` : ''}`, code, messageOf(error), {
    cause: error,
    ...(hint ? { hint } : {}),
  });
  // The SDK's waiters decide by `name` (LoadBalancerNotFoundException …): keep AWS's.
  wrapped.name = code;
  return wrapped;
}

// The identifiers worth naming in an error: the first *Id/*Arn/*Name field of the input.
function describeTarget(input: object): string | undefined {
  for (const [key, value] of Object.entries(input)) {
    if (typeof value === 'string' && /(Id|Arn|Name)$/.test(key) && !/Token|Secret|Password/i.test(key)) {
      return `${key}=${value}`;
    }
  }
  return undefined;
}
