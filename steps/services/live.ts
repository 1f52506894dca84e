// What the step reads of the cluster's services: one DescribeServices for every environment, shared
// with the codedeploy step, and which of them are the stack's.
import { DescribeServicesCommand, type Service } from '@aws-sdk/client-ecs';
import { GONE } from '../../src/aws/gone';
import { unlessNotFound } from '../../src/aws/errors';
import { isKnown, type StepContext } from '../../src/step';
import { KEYS as CLUSTER } from '../cluster';
import { claim, fromEcsTags } from '../lib/owned';
import { DESCRIBE_LIMIT, KEYS, serviceName, type LiveServices } from './names';

export const clusterRef = (ctx: Pick<StepContext, 'state'>): string | undefined => ctx.state.get(CLUSTER.cluster)?.id;

/** One DescribeServices (per 10 environments) for every service of the step. */
export async function describeServices(ctx: StepContext, cluster: string | undefined, envs: readonly string[]): Promise<LiveServices> {
  const live: LiveServices = new Map();
  if (!isKnown(cluster)) return live;
  const names = envs.map((env) => serviceName(ctx.tags.stack, env));
  for (let i = 0; i < names.length; i += DESCRIBE_LIMIT) {
    const out = await unlessNotFound(
      ctx.aws.ecs.send(new DescribeServicesCommand({ cluster, services: names.slice(i, i + DESCRIBE_LIMIT), include: ['TAGS'] })),
      ...GONE.ecs.cluster,
    );
    for (const s of out?.services ?? []) live.set(s.serviceName!, s);
  }
  return live;
}

/**
 * The key under which the step shares its read of the config's services with later steps of the
 * run (the codedeploy step): a snapshot from before this step changed anything, see src/shared-reads.ts.
 */
export function servicesReadKey(ctx: Pick<StepContext, 'config' | 'state' | 'tags'>): string {
  const names = ctx.config.environments.map((e) => serviceName(ctx.tags.stack, e.name));
  return `ecs:DescribeServices:${clusterRef(ctx) ?? ''}:${names.join(',')}`;
}

/** `describeServices`, made once on first use. */
export function lazyServices(ctx: StepContext, cluster: string | undefined, envs: readonly string[]): () => Promise<LiveServices> {
  let read: Promise<LiveServices> | undefined;
  return () => (read ??= describeServices(ctx, cluster, envs));
}

/** The environment's ACTIVE service if it is the stack's (recorded, or tagged); a foreign one is refused. */
export function ourService(ctx: StepContext, env: string, live: LiveServices): Service | undefined {
  const name = serviceName(ctx.tags.stack, env);
  const found = live.get(name);
  if (found?.status !== 'ACTIVE') return undefined;
  if (ctx.state.get(KEYS.service(env))?.id === found.serviceArn) return found;
  return claim(ctx, 'ECS service', name, found, fromEcsTags(found.tags));
}

