// The CodeConnections (formerly CodeStar Connections) link to GitHub the pipeline pulls the source
// through. AWS creates it PENDING and leaves it so until a person approves it once in the console
// (the GitHub app handshake): shipline can't do that step, so it says so and where, every run
// until it is done. `destroy --keep-connection` leaves it (and its record) for the next provision.
import {
  CreateConnectionCommand,
  DeleteConnectionCommand,
  GetConnectionCommand,
  paginateListConnections,
  ListTagsForResourceCommand,
  type Connection,
} from '@aws-sdk/client-codestar-connections';
import { GONE, isGone } from '../src/aws/gone';
import { unlessNotFound } from '../src/aws/errors';
import { ensure, ignoringGone, remove } from '../src/reconcile';
import type { Step, StepContext } from '../src/step';
import { foreignByTags, foreignResource } from './lib/owned';

export const KEYS = { github: 'connection.github' };

const PART = 'github';

/** `<stack>-github`: the config keeps the stack within 20 characters, AWS's limit is 32. */
export const connectionName = (stack: string) => `${stack}-${PART}`;

/** Where a person approves a pending connection (and sees its status). */
export const connectionConsoleUrl = (region: string) => `https://console.aws.amazon.com/codesuite/settings/connections?region=${region}`;

export const connection: Step = {
  name: 'connection',
  after: [],

  async reconcile(ctx) {
    const github = await ensureConnection(ctx);
    if (github) await reportStatus(ctx, github);
  },

  outputs(state, config) {
    const rec = state.get(KEYS.github);
    if (!rec?.id) return [];
    const status = rec.status ?? 'unknown';
    return [
      { key: 'connection', label: 'GitHub connection', value: `${rec.id} (${status})`, json: { arn: rec.id, status } },
      ...(status === 'PENDING' ? [{ key: 'connectionApproval', label: 'approve the GitHub connection', value: connectionConsoleUrl(config.region) }] : []),
    ];
  },

  async destroy(ctx) {
    if (ctx.keepConnection) return keepConnection(ctx);
    await deleteConnection(ctx);
  },
};

// ---- reading -------------------------------------------------------------------------------------

async function getConnection(ctx: StepContext, arn: string): Promise<Connection | undefined> {
  const out = await unlessNotFound(ctx.aws.connections.send(new GetConnectionCommand({ ConnectionArn: arn })), ...GONE.connections.connection);
  return out?.Connection;
}

/** The GitHub connections named like the stack's, each with whether it carries the stack's tag. */
async function findNamed(ctx: StepContext, name: string): Promise<Array<{ connection: Connection; owned: boolean }>> {
  const client = ctx.aws.connections;
  const named: Connection[] = [];
  for await (const page of paginateListConnections({ client }, { ProviderTypeFilter: 'GitHub' })) {
    named.push(...(page.Connections ?? []).filter((c) => c.ConnectionName === name));
  }
  return Promise.all(
    named.map(async (c) => {
      const { Tags } = await client.send(new ListTagsForResourceCommand({ ResourceArn: c.ConnectionArn }));
      return { connection: c, owned: ctx.tags.owns(Tags) };
    }),
  );
}

/** Of the stack's connections (names need not be unique), the one a person already approved, if any. */
function pick(found: Array<{ connection: Connection; owned: boolean }>): Connection | undefined {
  const ours = found.filter((f) => f.owned).map((f) => f.connection);
  return ours.find((c) => c.ConnectionStatus === 'AVAILABLE') ?? ours[0];
}

// ---- the connection ------------------------------------------------------------------------------

async function ensureConnection(ctx: StepContext): Promise<{ arn: string; status: string } | undefined> {
  const name = connectionName(ctx.tags.stack);
  const { id, resource } = await ensure<Connection>(ctx, {
    key: KEYS.github,
    kind: `GitHub connection ${name}`,
    find: (arn) => getConnection(ctx, arn),
    // Nothing is ever changed on it; its name (in GetConnection's answer) is enough to refuse another's.
    foreign: (c) => (c.ConnectionName === name ? undefined : `is connection ${c.ConnectionName ?? '(unnamed)'}, not ${name}`),
    findByTags: async () => {
      const found = await findNamed(ctx, name);
      const ours = pick(found);
      if (!ours && found.length > 0) throw foreignResource(ctx, `GitHub connection ${name}`);
      return ours;
    },
    create: async () => {
      const { ConnectionArn } = await ctx.aws.connections.send(
        new CreateConnectionCommand({ ProviderType: 'GitHub', ConnectionName: name, Tags: ctx.tags.list(ctx.step, PART) }),
      );
      // AWS makes every new connection PENDING.
      return { ConnectionArn, ConnectionName: name, ProviderType: 'GitHub', ConnectionStatus: 'PENDING' };
    },
    id: (c) => c.ConnectionArn!,
    attributes: (c) => ({ status: c.ConnectionStatus }),
  });
  if (resource === undefined) {
    // A plan: the connection would be created, and would wait for its approval.
    ctx.log.info({ resource: KEYS.github }, `a new GitHub connection stays PENDING until a person approves it once in the AWS console (${connectionConsoleUrl(ctx.config.region)})`);
    return undefined;
  }
  return { arn: id, status: resource.ConnectionStatus ?? 'unknown' };
}

/** Keep the status in state (outputs read it), written only when it changed, and say what it means. */
async function reportStatus(ctx: StepContext, github: { arn: string; status: string }): Promise<void> {
  const { arn, status } = github;
  if (!ctx.dryRun && ctx.state.get(KEYS.github)?.status !== status) await ctx.state.update(KEYS.github, { status });
  const url = connectionConsoleUrl(ctx.config.region);
  const fields = { resource: KEYS.github, id: arn, status };
  switch (status) {
    case 'AVAILABLE':
      ctx.log.debug(fields, 'GitHub connection is available');
      return;
    case 'PENDING':
      ctx.log.warn(
        fields,
        `GitHub connection ${arn} is PENDING: AWS leaves a new connection so until a person approves it once in the console. ` +
          `Open ${url}, choose the connection, "Update pending connection", and install or pick the GitHub app. ` +
          'Until then the pipeline cannot pull the repository.',
      );
      return;
    case 'ERROR':
      ctx.log.warn(
        fields,
        `GitHub connection ${arn} is in ERROR (its GitHub app was removed, or the handshake failed): the pipeline cannot pull the repository. ` +
          `Delete the connection in the console (${url}), then run provision again: it creates a new one to approve.`,
      );
      return;
    default:
      ctx.log.warn(fields, `GitHub connection ${arn} is ${status}; see ${url}`);
  }
}

async function keepConnection(ctx: StepContext): Promise<void> {
  const rec = ctx.state.get(KEYS.github);
  if (!rec?.id) return;
  // The record stays too: the next provision finds the connection again by its ARN.
  ctx.log.info({ resource: KEYS.github, id: rec.id }, `keeping GitHub connection ${rec.id} (--keep-connection); the next provision uses it again`);
  ctx.outcome({ resource: KEYS.github, kind: `GitHub connection ${connectionName(ctx.tags.stack)}`, id: rec.id, outcome: 'unchanged' });
}

async function deleteConnection(ctx: StepContext): Promise<void> {
  const name = connectionName(ctx.tags.stack);
  await remove(ctx, {
    key: KEYS.github,
    kind: `GitHub connection ${name}`,
    // A lost state: only a connection that carries the stack's tag.
    findByTags: async () => pick(await findNamed(ctx, name)),
    id: (c) => c.ConnectionArn!,
    // Its tags say whose it is (names need not be unique); a connection gone answers ResourceNotFoundException.
    confirm: {
      find: async (arn) => {
        const out = await unlessNotFound(ctx.aws.connections.send(new ListTagsForResourceCommand({ ResourceArn: arn })), ...GONE.connections.connection);
        return out && (out.Tags ?? []);
      },
      foreign: (tags) => foreignByTags(ctx, tags),
    },
    delete: (arn) =>
      ignoringGone(
        () => ctx.aws.connections.send(new DeleteConnectionCommand({ ConnectionArn: arn })),
        isGone(GONE.connections.connection),
      ),
  });
}
