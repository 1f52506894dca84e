// The stack's CloudWatch log groups: one per environment (cluster step) and the build's (build
// step), all under /shipline/<stack>/, tagged, kept for services.logRetentionDays. CloudWatch Logs
// can't filter by tag: a group is found by its name and adopted only if it carries the stack's tag.
//
// A no-op run reads them all at once: the first step to ask lists the stack's prefix for the run
// (ctx.shared). That listing is a snapshot, so it only confirms a recorded group whose retention is
// as configured; a group it lacks or shows drifted is read again directly before anything changes.
import {
  CreateLogGroupCommand,
  DeleteLogGroupCommand,
  paginateDescribeLogGroups,
  ListTagsForResourceCommand,
  PutRetentionPolicyCommand,
  type LogGroup,
} from '@aws-sdk/client-cloudwatch-logs';
import { GONE, isGone } from '../../src/aws/gone';
import { arns } from '../../src/policies';
import { ensure, ignoringGone, remove } from '../../src/reconcile';
import type { StepContext } from '../../src/step';
import { claim, foreignByName, foreignByTags, tagsNamed } from './owned';

export const logGroupPrefix = (stack: string) => `/shipline/${stack}/`;

/** A group a step owns: its state key and its name. */
export interface LogGroupRef {
  key: string;
  name: string;
}

/** Looks a group up by name; undefined when AWS has none of that name. */
export type LogGroupReader = (name: string) => Promise<LogGroup | undefined>;

/** Every log group whose name starts with `prefix`, all pages. */
async function describeLogGroups(ctx: StepContext, prefix: string): Promise<LogGroup[]> {
  const groups: LogGroup[] = [];
  for await (const page of paginateDescribeLogGroups({ client: ctx.aws.logs }, { logGroupNamePrefix: prefix })) groups.push(...(page.logGroups ?? []));
  return groups;
}

/**
 * The direct read: the groups under `prefix` (one environment's name or the stack's whole prefix),
 * listed when first asked and kept for the rest of the calling step.
 */
export function directLogGroups(ctx: StepContext, prefix: string): LogGroupReader {
  let listed: Promise<LogGroup[]> | undefined;
  return async (name) => (await (listed ??= describeLogGroups(ctx, prefix))).find((g) => g.logGroupName === name);
}

/** The run's snapshot of the stack's log groups, listed once for every step that owns one. */
function sharedLogGroups(ctx: StepContext): Promise<LogGroup[]> {
  const prefix = logGroupPrefix(ctx.tags.stack);
  return ctx.shared.once(`logs:log-groups:${prefix}`, () => describeLogGroups(ctx, prefix));
}

/** The recorded group as the snapshot shows it, only when that needs no change (retention as configured). */
async function confirmedBySnapshot(ctx: StepContext, name: string): Promise<LogGroup | undefined> {
  const listed = (await sharedLogGroups(ctx)).find((g) => g.logGroupName === name);
  return listed?.retentionInDays === ctx.config.services.logRetentionDays ? listed : undefined;
}

const arnOf = (ctx: StepContext, name: string) => arns.logGroup({ partition: ctx.partition, region: ctx.config.region, account: ctx.accountId }, name);

/** The group of that name if it carries the stack's tag; one without it throws, or with `refuseForeign` false reads as absent. */
async function ownedLogGroup(ctx: StepContext, name: string, read: LogGroupReader, refuseForeign: boolean): Promise<LogGroup | undefined> {
  const found = await read(name);
  if (!found) return undefined;
  const { tags = {} } = await ctx.aws.logs.send(new ListTagsForResourceCommand({ resourceArn: arnOf(ctx, name) }));
  if (refuseForeign) return claim(ctx, 'log group', name, found, tags);
  return ctx.tags.owns(tags) ? found : undefined;
}

/** Make the group `name` exist, tagged, with the configured retention; `read` is the step's direct read. */
export async function ensureLogGroup(ctx: StepContext, { key, name }: LogGroupRef, read: LogGroupReader): Promise<void> {
  const retention = ctx.config.services.logRetentionDays;
  await ensure<LogGroup>(ctx, {
    key,
    kind: `log group ${name}`,
    // Known by its name, which holds the stack's: one the state names otherwise is not this group.
    foreignId: (id) => foreignByName(id, name),
    foreign: () => undefined,
    find: async (id) => (await confirmedBySnapshot(ctx, id)) ?? read(id),
    findByTags: () => ownedLogGroup(ctx, name, read, true),
    create: async () => {
      const tags = Object.fromEntries(tagsNamed(ctx, name).map((t) => [t.Key, t.Value]));
      await ctx.aws.logs.send(new CreateLogGroupCommand({ logGroupName: name, tags }));
      // A new group keeps its events forever: the retention comes as drift.
      return { logGroupName: name };
    },
    id: (g) => g.logGroupName!,
    attributes: (g) => ({ arn: arnOf(ctx, g.logGroupName!) }),
    drift: (g) => (g.retentionInDays === retention ? [] : ['retention']),
    update: async (g) => {
      await ctx.aws.logs.send(new PutRetentionPolicyCommand({ logGroupName: g.logGroupName, retentionInDays: retention }));
    },
  });
}

/** Delete the group recorded under `key`; with a lost state, only one of that name that carries the stack's tag. */
export async function deleteLogGroup(ctx: StepContext, { key, name }: LogGroupRef, read: LogGroupReader): Promise<void> {
  await remove(ctx, {
    key,
    kind: `log group ${name}`,
    findByTags: () => ownedLogGroup(ctx, name, read, false),
    id: (g) => g.logGroupName!,
    // Its name, and the stack's tag (CloudWatch Logs lists no tags: one ListTagsForResource).
    confirm: {
      find: async (id) => {
        if (foreignByName(id, name) !== undefined) return { logGroupName: id, tags: {} };
        const found = await read(id);
        return found && { logGroupName: id, tags: (await ctx.aws.logs.send(new ListTagsForResourceCommand({ resourceArn: arnOf(ctx, id) }))).tags ?? {} };
      },
      foreign: (g: { logGroupName: string; tags: Record<string, string> }) => foreignByName(g.logGroupName, name) ?? foreignByTags(ctx, g.tags),
    },
    delete: (id) =>
      ignoringGone(() => ctx.aws.logs.send(new DeleteLogGroupCommand({ logGroupName: id })), isGone(GONE.logs.logGroup)),
  });
}
