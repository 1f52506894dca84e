// The reconcile contract, written once. Every step describes each resource it owns as a
// ResourceSpec and calls `ensure` (make it exist and match) or `remove` (make it gone):
//
//   1. the ID in state → describe it; present: compare what the config sets, update what drifted;
//   2. missing → look it up by the stack's tags (adopts what a crash or a lost state left behind);
//   3. still missing → create it tagged, and record its ID at once. Where the API takes a client
//      token, the token is written to state *before* the call, so a re-run after a crash sends the
//      same token and gets the same resource back; a resource gone for good gets a fresh token.
//      Settings the create call can't take (DNS hostnames, rules …) are then applied by the same
//      drift → update path that repairs them later, so a crash in between is just drift.
import { randomUUID } from 'node:crypto';
import { InterruptedError } from './errors';
import { isKnown, KNOWN_AFTER_APPLY, type Outcome, type StepContext } from './step';

export interface ResourceSpec<R> {
  /** State key, `<step>.<resource>`. */
  key: string;
  /** Human name for logs and errors: "VPC", "subnet private-a". */
  kind: string;
  /** Describe by ID; undefined when AWS no longer has it (deleted, terminated). */
  find(id: string): Promise<R | undefined>;
  /** Look it up by the stack's tags, or by its derived name where it takes no tags. */
  findByTags?(): Promise<R | undefined>;
  /**
   * Create it, tagged, in one call, and return it as AWS now has it: the settings the create
   * call does not take then show up as drift and go through `update`.
   */
  create(clientToken: string | undefined): Promise<R>;
  id(resource: R): string;
  /** Further attributes worth keeping in state (ARN, DNS name …). */
  attributes?(resource: R): Record<string, string | undefined>;
  /** The attributes the config sets whose value on AWS differs (names, for logs and plans). */
  drift?(resource: R): string[];
  /** Bring those attributes back to what the config says. */
  update?(resource: R, changes: string[]): Promise<void>;
  /** The API takes an idempotency token (RunInstances, CreateNatGateway, CreateService …). */
  clientToken?: boolean;
  /** A create answered with a resource already gone for good (a reused token's dead instance). */
  isGone?(resource: R): boolean;
  /** IDs this resource is built from; in a plan, an unknown one means "would create" without lookup. */
  needs?: ReadonlyArray<string | undefined>;
}

export interface Ensured<R> {
  /** The resource's ID, or KNOWN_AFTER_APPLY in a plan. */
  id: string;
  /** What AWS reported (before any update), when it exists. */
  resource: R | undefined;
  outcome: Outcome;
}

export async function ensure<R>(ctx: StepContext, spec: ResourceSpec<R>): Promise<Ensured<R>> {
  checkNotAborted(ctx);
  if (ctx.dryRun && spec.needs?.some((id) => !isKnown(id))) return planCreate(ctx, spec);

  const rec = ctx.state.get(spec.key);
  let current = isKnown(rec?.id) ? await spec.find(rec.id) : undefined;
  let outcome: Outcome = 'unchanged';
  if (current === undefined && spec.findByTags) {
    current = await spec.findByTags();
    if (current !== undefined) {
      outcome = 'adopted';
      ctx.log.debug({ resource: spec.key, id: spec.id(current) }, `adopting ${spec.kind} found by its tags`);
    }
  } else if (current === undefined && isKnown(rec?.id)) {
    ctx.log.debug({ resource: spec.key, id: rec.id }, `${spec.kind} in state is gone from AWS`);
  }

  if (current !== undefined) {
    const id = spec.id(current);
    const changes = spec.drift?.(current) ?? [];
    if (!ctx.dryRun && (outcome === 'adopted' || rec?.id !== id)) await save(ctx, spec, current, rec?.token);
    if (changes.length > 0 && spec.update) {
      if (!ctx.dryRun) {
        ctx.progress(`updating ${spec.kind} ${id}: ${changes.join(', ')}`);
        await spec.update(current, changes);
      }
      outcome = outcome === 'adopted' ? 'adopted' : 'updated';
    } else if (outcome === 'unchanged') {
      ctx.log.debug({ resource: spec.key, id }, `${spec.kind} matches the config`);
    }
    ctx.outcome({ resource: spec.key, kind: spec.kind, id, outcome, ...(changes.length ? { changes } : {}) });
    return { id, resource: current, outcome };
  }

  if (ctx.dryRun) return planCreate(ctx, spec);
  return create(ctx, spec, rec?.id === undefined ? rec?.token : undefined);
}

async function create<R>(ctx: StepContext, spec: ResourceSpec<R>, pendingToken: string | undefined): Promise<Ensured<R>> {
  let token: string | undefined;
  if (spec.clientToken) {
    // Write-ahead: a crash after the call reached AWS leaves the token behind for the re-run.
    token = pendingToken ?? randomUUID();
    if (token !== pendingToken) await ctx.state.record(spec.key, { token });
  }
  ctx.progress(`creating ${spec.kind}`);
  let created = await spec.create(token);
  if (token !== undefined && token === pendingToken && spec.isGone?.(created)) {
    // The reused token named a resource that has since died; AWS would keep answering with it.
    token = randomUUID();
    await ctx.state.record(spec.key, { token });
    created = await spec.create(token);
  }
  await save(ctx, spec, created, token);
  const id = spec.id(created);
  const changes = spec.drift?.(created) ?? [];
  if (changes.length > 0 && spec.update) {
    ctx.progress(`configuring ${spec.kind} ${id}: ${changes.join(', ')}`);
    await spec.update(created, changes);
  }
  ctx.outcome({ resource: spec.key, kind: spec.kind, id, outcome: 'created' });
  return { id, resource: created, outcome: 'created' };
}

async function save<R>(ctx: StepContext, spec: ResourceSpec<R>, resource: R, token: string | undefined): Promise<void> {
  const attributes = Object.fromEntries(
    Object.entries(spec.attributes?.(resource) ?? {}).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  await ctx.state.record(spec.key, { id: spec.id(resource), ...(token ? { token } : {}), ...attributes });
}

function planCreate<R>(ctx: StepContext, spec: ResourceSpec<R>): Ensured<R> {
  ctx.outcome({ resource: spec.key, kind: spec.kind, id: KNOWN_AFTER_APPLY, outcome: 'created' });
  return { id: KNOWN_AFTER_APPLY, resource: undefined, outcome: 'created' };
}

export interface RemovalSpec<R> {
  key: string;
  kind: string;
  /** Used when the state has no ID (a lost state file): only what carries the stack's tags. */
  findByTags?(): Promise<R | undefined>;
  id?(resource: R): string;
  /** Delete it and wait until AWS confirms; "already gone" is success. */
  delete(id: string): Promise<void>;
}

/** Make a resource gone: delete it, then forget it — the record goes last so a re-run can finish. */
export async function remove<R>(ctx: StepContext, spec: RemovalSpec<R>): Promise<boolean> {
  checkNotAborted(ctx);
  const rec = ctx.state.get(spec.key);
  let id = rec?.id;
  if (!isKnown(id) && spec.findByTags) {
    const found = await spec.findByTags();
    if (found !== undefined && spec.id) id = spec.id(found);
  }
  if (!isKnown(id)) {
    if (rec && !ctx.dryRun) await ctx.state.forget(spec.key); // a token of a create that never happened
    return false;
  }
  if (!ctx.dryRun) {
    ctx.progress(`deleting ${spec.kind} ${id}`);
    await spec.delete(id);
    await ctx.state.forget(spec.key);
  }
  ctx.outcome({ resource: spec.key, kind: spec.kind, id, outcome: 'deleted' });
  return true;
}

export function checkNotAborted(ctx: Pick<StepContext, 'signal' | 'step'>): void {
  if (ctx.signal.aborted) throw new InterruptedError(`interrupted during step ${ctx.step}; state is saved, run the command again to carry on`);
}

/** Run `fn` and treat the listed AWS error codes as "already gone". */
export async function ignoringGone(fn: () => Promise<unknown>, isGone: (error: unknown) => boolean): Promise<void> {
  try {
    await fn();
  } catch (error) {
    if (!isGone(error)) throw error;
  }
}
