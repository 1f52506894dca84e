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
//
// Ownership: an ID from state is acted on only once the resource it names is confirmed to be the
// stack's (it carries shipline:stack=<stack>, or, where it takes no tags, its derived name and
// parent match). A record naming anything else is refused: nothing is done to that resource, the
// record stays (`shipline state forget KEY` drops it on purpose), and the run exits 1 at the end.
import { randomUUID } from 'node:crypto';
import { InterruptedError, RefusedError } from './errors';
import { isKnown, KNOWN_AFTER_APPLY, type Outcome, type StepContext } from './step';

/**
 * Why a resource read by its state ID is not the stack's, completing "<id> …" ("carries
 * shipline:stack=bravo", "is in VPC vpc-0b, not the stack's vpc-0a"); undefined when it is the stack's.
 */
export type Foreign<R> = (resource: R) => string | undefined;

export interface ResourceSpec<R> {
  /** State key, `<step>.<resource>`. */
  key: string;
  /** Human name for logs and errors: "VPC", "subnet private-a". */
  kind: string;
  /** Describe by ID, with what says whose it is (its tags, or its name and parent); undefined when AWS no longer has it. */
  find(id: string): Promise<R | undefined>;
  /** Checked on what `find` returns, before anything is updated or recorded. */
  foreign: Foreign<R>;
  /** For what is known by its derived name and parent (a route is `<table>:<destination>`): checked on the ID, before `find`. */
  foreignId?(id: string): string | undefined;
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
  /** A create answered with a resource already gone for good (a reused token's dying instance). */
  isGone?(resource: R): boolean;
  /** A create refused because the reused token's resource is gone for good (EC2's IdempotentInstanceTerminated). */
  tokenRefused?(error: unknown): boolean;
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
  const namedElsewhere = isKnown(rec?.id) ? spec.foreignId?.(rec.id) : undefined;
  if (namedElsewhere !== undefined) refuseIfForeign(ctx, { ...spec, foreign: () => namedElsewhere }, rec!.id!, undefined, true);
  let current = isKnown(rec?.id) ? await spec.find(rec.id) : undefined;
  // Neither updated nor replaced: a duplicate under the key, or a rewritten record, would hide it.
  if (current !== undefined && isKnown(rec?.id)) refuseIfForeign(ctx, spec, rec.id, current, true);
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
  // The recorded token goes with the create even when the recorded ID was not found: a describe
  // right after a create may not show it yet (eventual consistency), and the same token gets the
  // same resource back. A token whose resource is gone for good is replaced below.
  return create(ctx, spec, rec?.token);
}

async function create<R>(ctx: StepContext, spec: ResourceSpec<R>, pendingToken: string | undefined): Promise<Ensured<R>> {
  let token: string | undefined;
  if (spec.clientToken) {
    // Write-ahead: a crash after the call reached AWS leaves the token behind for the re-run.
    token = pendingToken ?? randomUUID();
    if (token !== pendingToken) await ctx.state.record(spec.key, { token });
  }
  ctx.progress(`creating ${spec.kind}`);
  const reused = token !== undefined && token === pendingToken;
  // The reused token named a resource that has since died: AWS answers with it, or refuses the
  // token (RunInstances); either way only a fresh token makes a new one.
  const withFreshToken = async () => {
    token = randomUUID();
    await ctx.state.record(spec.key, { token });
    return spec.create(token);
  };
  let created: R;
  try {
    created = await spec.create(token);
  } catch (error) {
    if (!reused || !spec.tokenRefused?.(error)) throw error;
    created = await withFreshToken();
  }
  if (reused && token === pendingToken && spec.isGone?.(created)) created = await withFreshToken();
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

/**
 * How an ID from state is confirmed to be the stack's before it is deleted: read it (tags come with
 * most describes) and check it, or, for what is known by its derived name and parent alone (a
 * route is `<table>:<destination>`), check the ID itself.
 */
export type Confirm<R> = { find(id: string): Promise<R | undefined>; foreign: Foreign<R> } | { foreignId(id: string): string | undefined };

export interface RemovalSpec<R, C = R> {
  key: string;
  kind: string;
  /** Used when the state has no ID (a lost state file): only what carries the stack's tags. */
  findByTags?(): Promise<R | undefined>;
  id?(resource: R): string;
  /** Checked before the delete of an ID from state. A resource `find` no longer sees is forgotten, not deleted. */
  confirm: Confirm<C>;
  /** Delete it and wait until AWS confirms; "already gone" is success. */
  delete(id: string): Promise<void>;
}

/** Make a resource gone: delete it, then forget it — the record goes last so a re-run can finish. */
export async function remove<R, C = R>(ctx: StepContext, spec: RemovalSpec<R, C>): Promise<boolean> {
  checkNotAborted(ctx);
  const rec = ctx.state.get(spec.key);
  let id = rec?.id;
  if (!isKnown(id) && spec.findByTags) {
    const found = await spec.findByTags();
    if (found !== undefined && spec.id) id = spec.id(found);
  } else if (isKnown(id)) {
    const confirmed = await confirmOwned(ctx, spec, id);
    if (confirmed === 'refused') return removeOwnInstead(ctx, spec, id);
    if (confirmed === 'gone') {
      ctx.log.debug({ resource: spec.key, id }, `${spec.kind} in state is already gone from AWS`);
      if (!ctx.dryRun) await ctx.state.forget(spec.key);
      ctx.outcome({ resource: spec.key, kind: spec.kind, id, outcome: 'deleted' });
      return true;
    }
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

/**
 * The record names what is not the stack's: that stays, and so does the record (the user drops it
 * with `state forget`). The stack's own resource, found by its tags, is still deleted, so that what
 * depends on it (a subnet, the VPC) can go too.
 */
async function removeOwnInstead<R, C>(ctx: StepContext, spec: RemovalSpec<R, C>, refusedId: string): Promise<boolean> {
  const found = spec.findByTags && spec.id ? await spec.findByTags() : undefined;
  const id = found === undefined ? undefined : spec.id!(found);
  if (!isKnown(id) || id === refusedId) return false;
  if (!ctx.dryRun) {
    ctx.progress(`deleting ${spec.kind} ${id} (found by the stack's tags)`);
    await spec.delete(id);
  }
  ctx.outcome({ resource: spec.key, kind: spec.kind, id, outcome: 'deleted' });
  return true;
}

/** Is the resource the state names under `spec.key` the stack's? A refusal is reported, not thrown. */
async function confirmOwned<R, C>(ctx: StepContext, spec: RemovalSpec<R, C>, id: string): Promise<'owned' | 'gone' | 'refused'> {
  if ('foreignId' in spec.confirm) {
    const reason = spec.confirm.foreignId(id);
    if (reason !== undefined) refuse(ctx, spec, id, reason);
    return reason === undefined ? 'owned' : 'refused';
  }
  const found = await spec.confirm.find(id);
  if (found === undefined) return 'gone';
  return refuseIfForeign(ctx, { ...spec, foreign: spec.confirm.foreign }, id, found, false) ? 'refused' : 'owned';
}

/** Report (and, `fatal`, throw) a refusal when `resource`, named by the state under `spec.key`, is not the stack's. */
function refuseIfForeign<R>(ctx: StepContext, spec: { key: string; kind: string; foreign: Foreign<R> }, id: string, resource: R, fatal: boolean): boolean {
  const reason = spec.foreign(resource);
  if (reason === undefined) return false;
  const message = refuse(ctx, spec, id, reason);
  if (fatal) {
    throw new RefusedError(message, {
      hint: `what needs ${spec.kind} cannot be made until the record is right: \`shipline state forget ${spec.key}\` drops it, and the next provision finds or creates the stack's own`,
    });
  }
  return true;
}

function refuse(ctx: StepContext, spec: { key: string; kind: string }, id: string, reason: string): string {
  const detail = `state says ${spec.key} is ${id}, but ${id} ${reason}; left alone`;
  ctx.outcome({ resource: spec.key, kind: spec.kind, id, outcome: 'refused', detail });
  return detail;
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
