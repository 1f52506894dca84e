// The reconcile contract (src/reconcile.ts) on its own, against a fake cloud: what a step gets from
// `ensure` and `remove` in each case the header names, what is written to state and when (the
// client token before the create, the record after the delete), and what is refused.
import { ensure, ignoringGone, remove, type RemovalSpec, type ResourceSpec } from '../src/reconcile';
import { InterruptedError, RefusedError } from '../src/errors';
import { KNOWN_AFTER_APPLY } from '../src/step';
import type { ResourceRecord } from '../state';
import { testContext, type TestContext } from './helpers/context';

interface Thing {
  id: string;
  stack: string;
  size: number;
  arn?: string;
}

const KEY = 'demo.thing';

/** A cloud of things, the calls made on it, and the state records at the moment of each create. */
class FakeCloud {
  things = new Map<string, Thing>();
  calls: string[] = [];
  /** The record under KEY when each create was called. */
  recordAtCreate: Array<ResourceRecord | undefined> = [];
  /** By token: the thing a create with that token made (a reused token answers with it). */
  byToken = new Map<string, Thing>();
  next = 1;

  add(thing: Partial<Thing> = {}): Thing {
    const made = { id: `t-${this.next++}`, stack: 'demo', size: 1, ...thing };
    this.things.set(made.id, made);
    return made;
  }
}

function spec(cloud: FakeCloud, ctx: TestContext, overrides: Partial<ResourceSpec<Thing>> = {}): ResourceSpec<Thing> {
  return {
    key: KEY,
    kind: 'thing',
    find: async (id) => {
      cloud.calls.push(`find ${id}`);
      return cloud.things.get(id);
    },
    foreign: (t) => (t.stack === 'demo' ? undefined : `carries shipline:stack=${t.stack}`),
    findByTags: async () => {
      cloud.calls.push('findByTags');
      return [...cloud.things.values()].find((t) => t.stack === 'demo');
    },
    create: async (token) => {
      cloud.calls.push(`create ${token ?? '-'}`);
      cloud.recordAtCreate.push(ctx.records.get(KEY));
      const known = token === undefined ? undefined : cloud.byToken.get(token);
      if (known) return known;
      const made = cloud.add({ size: 1 });
      if (token !== undefined) cloud.byToken.set(token, made);
      return made;
    },
    id: (t) => t.id,
    attributes: (t) => ({ arn: t.arn, size: String(t.size) }),
    drift: (t) => (t.size === 2 ? [] : ['size']),
    update: async (t, changes) => {
      cloud.calls.push(`update ${t.id} ${changes.join(',')}`);
      cloud.things.get(t.id)!.size = 2;
    },
    ...overrides,
  };
}

function setup(state: Record<string, ResourceRecord> = {}, options: { dryRun?: boolean } = {}) {
  const ctx = testContext('demo', { state, ...options });
  return { ctx, cloud: new FakeCloud() };
}

describe('ensure', () => {
  it('a recorded resource that matches: unchanged, nothing written, nothing called but its read', async () => {
    const { ctx, cloud } = setup();
    const thing = cloud.add({ size: 2 });
    ctx.records.set(KEY, { id: thing.id, size: '2' });
    const result = await ensure(ctx, spec(cloud, ctx));
    expect(result).toEqual({ id: thing.id, resource: thing, outcome: 'unchanged' });
    expect(cloud.calls).toEqual([`find ${thing.id}`]);
    expect(ctx.records.get(KEY)).toEqual({ id: thing.id, size: '2' });
    expect(ctx.outcomes).toEqual([{ step: 'demo', resource: KEY, kind: 'thing', id: thing.id, outcome: 'unchanged' }]);
  });

  it('a recorded resource that drifted: updated, naming what changed, the record left as it was', async () => {
    const { ctx, cloud } = setup();
    const thing = cloud.add({ size: 1 });
    ctx.records.set(KEY, { id: thing.id });
    const result = await ensure(ctx, spec(cloud, ctx));
    expect(result.outcome).toBe('updated');
    expect(cloud.calls).toEqual([`find ${thing.id}`, `update ${thing.id} size`]);
    expect(ctx.records.get(KEY)).toEqual({ id: thing.id });
    expect(ctx.outcomes).toEqual([{ step: 'demo', resource: KEY, kind: 'thing', id: thing.id, outcome: 'updated', changes: ['size'] }]);
    expect(ctx.activities).toEqual([`updating thing ${thing.id}: size`]);
  });

  it('drift without an update function: reported unchanged, nothing called', async () => {
    const { ctx, cloud } = setup();
    const thing = cloud.add({ size: 1 });
    ctx.records.set(KEY, { id: thing.id });
    const { update: _update, ...withoutUpdate } = spec(cloud, ctx);
    expect((await ensure(ctx, withoutUpdate)).outcome).toBe('unchanged');
    expect(cloud.calls).toEqual([`find ${thing.id}`]);
  });

  it('a record whose resource is gone, one found by the tags: adopted, recorded with its attributes and the record\'s token, repaired', async () => {
    const { ctx, cloud } = setup({ [KEY]: { id: 't-gone', token: 'tok-old' } });
    const thing = cloud.add({ size: 1, arn: 'arn:thing' });
    const result = await ensure(ctx, spec(cloud, ctx));
    expect(result).toMatchObject({ id: thing.id, outcome: 'adopted' });
    expect(cloud.calls).toEqual(['find t-gone', 'findByTags', `update ${thing.id} size`]);
    expect(ctx.records.get(KEY)).toEqual({ id: thing.id, token: 'tok-old', arn: 'arn:thing', size: '1' });
    expect(ctx.outcomes).toEqual([{ step: 'demo', resource: KEY, kind: 'thing', id: thing.id, outcome: 'adopted', changes: ['size'] }]);
  });

  it('no record, found by its tags and matching: adopted and recorded, no update', async () => {
    const { ctx, cloud } = setup();
    const thing = cloud.add({ size: 2 });
    const result = await ensure(ctx, spec(cloud, ctx));
    expect(result.outcome).toBe('adopted');
    expect(cloud.calls).toEqual(['findByTags']);
    expect(ctx.records.get(KEY)).toEqual({ id: thing.id, size: '2' });
  });

  it('a resource read by its ID that comes back under another ID (a name read as an ARN): recorded under the new one', async () => {
    const { ctx, cloud } = setup({ [KEY]: { id: 'by-name' } });
    const thing = cloud.add({ size: 2 });
    const result = await ensure(ctx, spec(cloud, ctx, { find: async () => thing }));
    expect(result.outcome).toBe('unchanged');
    expect(ctx.records.get(KEY)).toEqual({ id: thing.id, size: '2' });
  });

  it('nothing anywhere: created, recorded with its attributes, then configured; the outcome is created', async () => {
    const { ctx, cloud } = setup();
    const result = await ensure(ctx, spec(cloud, ctx));
    expect(result).toMatchObject({ id: 't-1', outcome: 'created' });
    expect(cloud.calls).toEqual(['findByTags', 'create -', 'update t-1 size']);
    expect(ctx.records.get(KEY)).toEqual({ id: 't-1', size: '1' });
    expect(ctx.outcomes).toEqual([{ step: 'demo', resource: KEY, kind: 'thing', id: 't-1', outcome: 'created' }]);
    expect(ctx.activities).toEqual(['creating thing', 'configuring thing t-1: size']);
  });

  it('created with nothing left to configure: no update call', async () => {
    const { ctx, cloud } = setup();
    await ensure(ctx, spec(cloud, ctx, { drift: () => [] }));
    expect(cloud.calls).toEqual(['findByTags', 'create -']);
  });

  it('without a lookup by tags, a record that is gone is created again', async () => {
    const { ctx, cloud } = setup({ [KEY]: { id: 't-gone' } });
    const { findByTags: _findByTags, ...noTags } = spec(cloud, ctx);
    const result = await ensure(ctx, noTags);
    expect(result.outcome).toBe('created');
    expect(cloud.calls).toEqual(['find t-gone', 'create -', 'update t-1 size']);
  });

  describe('client tokens', () => {
    it('the token is in state before the create is sent, and stays with the ID', async () => {
      const { ctx, cloud } = setup();
      await ensure(ctx, spec(cloud, ctx, { clientToken: true }));
      const token = ctx.records.get(KEY)!.token!;
      expect(token).toMatch(/^[0-9a-f-]{36}$/);
      expect(cloud.recordAtCreate).toEqual([{ token }]);
      expect(cloud.calls).toEqual(['findByTags', `create ${token}`, 'update t-1 size']);
      expect(ctx.records.get(KEY)).toEqual({ id: 't-1', token, size: '1' });
    });

    it('a token left by a crashed run (no ID) is sent again, not rewritten, and gets the same resource back', async () => {
      const { ctx, cloud } = setup({ [KEY]: { token: 'tok-crashed' } });
      const made = cloud.add({ stack: 'not-yet-visible' });
      cloud.byToken.set('tok-crashed', made);
      const result = await ensure(ctx, spec(cloud, ctx, { clientToken: true }));
      expect(result).toMatchObject({ id: made.id, outcome: 'created' });
      expect(cloud.calls.filter((c) => c.startsWith('create'))).toEqual(['create tok-crashed']);
      expect(cloud.recordAtCreate).toEqual([{ token: 'tok-crashed' }]);
      expect(cloud.things.size).toBe(1);
      expect(ctx.records.get(KEY)).toMatchObject({ id: made.id, token: 'tok-crashed' });
    });

    it('a recorded resource that its describe does not show yet is asked for with its recorded token: the same one comes back, no duplicate', async () => {
      const { ctx, cloud } = setup({ [KEY]: { id: 't-hidden', token: 'tok-made' } });
      // Made by the run that recorded it; the describe by ID (eventually consistent) misses it.
      const made = { id: 't-hidden', stack: 'demo', size: 2 };
      cloud.byToken.set('tok-made', made);
      const result = await ensure(ctx, spec(cloud, ctx, { clientToken: true, findByTags: async () => undefined }));
      expect(cloud.calls.filter((c) => c.startsWith('create'))).toEqual(['create tok-made']);
      expect(result.id).toBe('t-hidden');
      expect(cloud.things.size).toBe(0); // nothing new was made
      expect(ctx.records.get(KEY)).toMatchObject({ id: 't-hidden', token: 'tok-made' });
    });

    it('a recorded resource gone for good: its token answers with the dead one, so a fresh token is recorded before the new create', async () => {
      const { ctx, cloud } = setup({ [KEY]: { id: 't-gone', token: 'tok-old' } });
      cloud.byToken.set('tok-old', { id: 't-gone', stack: 'demo', size: -1 });
      await ensure(ctx, spec(cloud, ctx, { clientToken: true, findByTags: async () => undefined, isGone: (t) => t.size < 0 }));
      const token = ctx.records.get(KEY)!.token!;
      expect(token).not.toBe('tok-old');
      expect(cloud.calls.filter((c) => c.startsWith('create'))).toEqual(['create tok-old', `create ${token}`]);
      expect(cloud.recordAtCreate.at(-1)).toEqual({ token });
    });

    it('a reused token answered with a resource gone for good: created again with a fresh token, recorded first', async () => {
      const { ctx, cloud } = setup({ [KEY]: { token: 'tok-crashed' } });
      const dead = cloud.add({ size: -1 });
      cloud.byToken.set('tok-crashed', dead);
      const result = await ensure(ctx, spec(cloud, ctx, { clientToken: true, findByTags: async () => undefined, isGone: (t) => t.size < 0 }));
      const fresh = ctx.records.get(KEY)!.token!;
      expect(fresh).not.toBe('tok-crashed');
      expect(cloud.calls.filter((c) => c.startsWith('create'))).toEqual(['create tok-crashed', `create ${fresh}`]);
      expect(cloud.recordAtCreate).toEqual([{ token: 'tok-crashed' }, { token: fresh }]);
      expect(result.id).not.toBe(dead.id);
      expect(ctx.records.get(KEY)).toMatchObject({ id: result.id, token: fresh });
    });

    it('a fresh token is never replaced, even when the create answers with something gone', async () => {
      const { ctx, cloud } = setup();
      await ensure(ctx, spec(cloud, ctx, { clientToken: true, findByTags: async () => undefined, isGone: () => true }));
      expect(cloud.calls.filter((c) => c.startsWith('create'))).toHaveLength(1);
    });

    it('a reused token refused (IdempotentInstanceTerminated): created with a fresh token, recorded first', async () => {
      const { ctx, cloud } = setup({ [KEY]: { token: 'tok-dead' } });
      const base = spec(cloud, ctx, { clientToken: true, findByTags: async () => undefined });
      const refused = Object.assign(new Error('terminated'), { name: 'IdempotentInstanceTerminated' });
      const result = await ensure(ctx, {
        ...base,
        tokenRefused: (e) => (e as Error).name === 'IdempotentInstanceTerminated',
        create: async (token) => {
          if (token === 'tok-dead') throw refused;
          return base.create(token);
        },
      });
      const fresh = ctx.records.get(KEY)!.token!;
      expect(fresh).not.toBe('tok-dead');
      expect(result.outcome).toBe('created');
      expect(cloud.recordAtCreate).toEqual([{ token: fresh }]);
      expect(ctx.records.get(KEY)).toMatchObject({ id: result.id, token: fresh });
    });

    it('any other refusal of a reused token, or a refusal of a fresh one, fails the ensure', async () => {
      const other = Object.assign(new Error('bad'), { name: 'InvalidParameterValue' });
      const reused = setup({ [KEY]: { token: 'tok-dead' } });
      const failing = (ctx: TestContext, cloud: FakeCloud) => ({
        ...spec(cloud, ctx, { clientToken: true, findByTags: async () => undefined }),
        tokenRefused: (e: unknown) => (e as Error).name === 'IdempotentInstanceTerminated',
        create: async () => {
          cloud.calls.push('create');
          throw other;
        },
      });
      await expect(ensure(reused.ctx, failing(reused.ctx, reused.cloud))).rejects.toBe(other);
      expect(reused.cloud.calls).toEqual(['create']);
      const fresh = setup();
      const refusedFresh = Object.assign(new Error('terminated'), { name: 'IdempotentInstanceTerminated' });
      await expect(
        ensure(fresh.ctx, { ...failing(fresh.ctx, fresh.cloud), create: async () => Promise.reject(refusedFresh) }),
      ).rejects.toBe(refusedFresh);
    });

    it('a spec without client tokens sends none and records none', async () => {
      const { ctx, cloud } = setup({ [KEY]: { token: 'tok-stray' } });
      await ensure(ctx, spec(cloud, ctx, { findByTags: async () => undefined }));
      expect(cloud.calls).toContain('create -');
      expect(cloud.recordAtCreate).toEqual([{ token: 'tok-stray' }]);
      expect(ctx.records.get(KEY)).toEqual({ id: 't-1', size: '1' });
    });
  });

  describe('ownership', () => {
    it('a recorded resource that is another stack\'s is refused: not updated, the record kept, a RefusedError naming the key and the fix', async () => {
      const { ctx, cloud } = setup();
      const theirs = cloud.add({ stack: 'bravo', size: 1 });
      ctx.records.set(KEY, { id: theirs.id });
      const failure = await ensure(ctx, spec(cloud, ctx)).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(RefusedError);
      expect((failure as RefusedError).message).toBe(`state says ${KEY} is ${theirs.id}, but ${theirs.id} carries shipline:stack=bravo; left alone`);
      expect((failure as RefusedError).hint).toContain(`shipline state forget ${KEY}`);
      expect(cloud.calls).toEqual([`find ${theirs.id}`]);
      expect(ctx.records.get(KEY)).toEqual({ id: theirs.id });
      expect(ctx.outcomes).toEqual([
        { step: 'demo', resource: KEY, kind: 'thing', id: theirs.id, outcome: 'refused', detail: `state says ${KEY} is ${theirs.id}, but ${theirs.id} carries shipline:stack=bravo; left alone` },
      ]);
    });

    it('an ID that names another parent is refused before it is read', async () => {
      const { ctx, cloud } = setup({ [KEY]: { id: 'other-table:0.0.0.0/0' } });
      const failure = ensure(ctx, spec(cloud, ctx, { foreignId: (id) => (id.startsWith('other-') ? 'is in another table' : undefined) }));
      await expect(failure).rejects.toBeInstanceOf(RefusedError);
      expect(cloud.calls).toEqual([]);
      expect(ctx.outcomes.map((o) => o.outcome)).toEqual(['refused']);
    });

    it('an ID the foreignId check accepts is read as usual', async () => {
      const { ctx, cloud } = setup();
      const thing = cloud.add({ size: 2 });
      ctx.records.set(KEY, { id: thing.id });
      const result = await ensure(ctx, spec(cloud, ctx, { foreignId: () => undefined }));
      expect(result.outcome).toBe('unchanged');
    });
  });

  describe('plan (dry run)', () => {
    it('what would be created: no create, no state write, reported created with an ID known after apply', async () => {
      const { ctx, cloud } = setup({}, { dryRun: true });
      const result = await ensure(ctx, spec(cloud, ctx, { clientToken: true }));
      expect(result).toEqual({ id: KNOWN_AFTER_APPLY, resource: undefined, outcome: 'created' });
      expect(cloud.calls).toEqual(['findByTags']);
      expect(ctx.records.size).toBe(0);
      expect(ctx.outcomes).toEqual([{ step: 'demo', resource: KEY, kind: 'thing', id: KNOWN_AFTER_APPLY, outcome: 'created' }]);
    });

    it('built from something not made yet: "would create" without any lookup', async () => {
      const { ctx, cloud } = setup({}, { dryRun: true });
      const result = await ensure(ctx, spec(cloud, ctx, { needs: ['vpc-1', KNOWN_AFTER_APPLY] }));
      expect(result.outcome).toBe('created');
      expect(cloud.calls).toEqual([]);
    });

    it('built from what exists: looked up as usual', async () => {
      const { ctx, cloud } = setup({}, { dryRun: true });
      cloud.add({ size: 2 });
      expect((await ensure(ctx, spec(cloud, ctx, { needs: ['vpc-1'] }))).outcome).toBe('adopted');
      expect(ctx.records.size).toBe(0);
    });

    it('drift: reported as an update, with the changes, nothing updated', async () => {
      const { ctx, cloud } = setup({}, { dryRun: true });
      const thing = cloud.add({ size: 1 });
      ctx.records.set(KEY, { id: thing.id });
      const result = await ensure(ctx, spec(cloud, ctx));
      expect(result.outcome).toBe('updated');
      expect(cloud.calls).toEqual([`find ${thing.id}`]);
      expect(ctx.outcomes).toEqual([{ step: 'demo', resource: KEY, kind: 'thing', id: thing.id, outcome: 'updated', changes: ['size'] }]);
      expect(ctx.activities).toEqual([]);
    });

    it('adoption: reported, not recorded', async () => {
      const { ctx, cloud } = setup({}, { dryRun: true });
      cloud.add({ size: 1 });
      expect((await ensure(ctx, spec(cloud, ctx))).outcome).toBe('adopted');
      expect(ctx.records.size).toBe(0);
      expect(cloud.calls).toEqual(['findByTags']);
    });
  });

  it('stops before any call once the run is interrupted', async () => {
    const abort = new AbortController();
    abort.abort();
    const ctx = testContext('demo', { signal: abort.signal });
    const cloud = new FakeCloud();
    const failure = await ensure(ctx, spec(cloud, ctx)).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(InterruptedError);
    expect((failure as Error).message).toBe('interrupted during step demo; state is saved, run the command again to carry on');
    expect(cloud.calls).toEqual([]);
  });
});

describe('remove', () => {
  function removal(cloud: FakeCloud, ctx: TestContext, overrides: Partial<RemovalSpec<Thing>> = {}): RemovalSpec<Thing> {
    return {
      key: KEY,
      kind: 'thing',
      findByTags: async () => {
        cloud.calls.push('findByTags');
        return [...cloud.things.values()].find((t) => t.stack === 'demo');
      },
      id: (t) => t.id,
      confirm: {
        find: async (id) => {
          cloud.calls.push(`find ${id}`);
          return cloud.things.get(id);
        },
        foreign: (t) => (t.stack === 'demo' ? undefined : `carries shipline:stack=${t.stack}`),
      },
      delete: async (id) => {
        cloud.calls.push(`delete ${id} (record ${ctx.records.has(KEY) ? 'kept' : 'gone'})`);
        cloud.things.delete(id);
      },
      ...overrides,
    };
  }

  it('a recorded resource of the stack: deleted, then its record forgotten (the record last)', async () => {
    const { ctx, cloud } = setup();
    const thing = cloud.add();
    ctx.records.set(KEY, { id: thing.id });
    expect(await remove(ctx, removal(cloud, ctx))).toBe(true);
    expect(cloud.calls).toEqual([`find ${thing.id}`, `delete ${thing.id} (record kept)`]);
    expect(ctx.records.has(KEY)).toBe(false);
    expect(ctx.outcomes).toEqual([{ step: 'demo', resource: KEY, kind: 'thing', id: thing.id, outcome: 'deleted' }]);
    expect(ctx.activities).toEqual([`deleting thing ${thing.id}`]);
  });

  it('a delete that fails keeps the record, so a re-run can finish', async () => {
    const { ctx, cloud } = setup();
    const thing = cloud.add();
    ctx.records.set(KEY, { id: thing.id });
    const failure = new Error('DependencyViolation');
    await expect(remove(ctx, removal(cloud, ctx, { delete: async () => Promise.reject(failure) }))).rejects.toBe(failure);
    expect(ctx.records.get(KEY)).toEqual({ id: thing.id });
  });

  it('a recorded resource already gone: forgotten without a delete, reported deleted', async () => {
    const { ctx, cloud } = setup({ [KEY]: { id: 't-gone' } });
    expect(await remove(ctx, removal(cloud, ctx))).toBe(true);
    expect(cloud.calls).toEqual(['find t-gone']);
    expect(ctx.records.has(KEY)).toBe(false);
    expect(ctx.outcomes.map((o) => o.outcome)).toEqual(['deleted']);
  });

  it('a recorded resource that is another stack\'s: left alone with its record, refused; the stack\'s own, found by tags, deleted', async () => {
    const { ctx, cloud } = setup();
    const theirs = cloud.add({ stack: 'bravo' });
    const ours = cloud.add();
    ctx.records.set(KEY, { id: theirs.id });
    expect(await remove(ctx, removal(cloud, ctx))).toBe(true);
    expect(cloud.calls).toEqual([`find ${theirs.id}`, 'findByTags', `delete ${ours.id} (record kept)`]);
    expect(cloud.things.has(theirs.id)).toBe(true);
    expect(ctx.records.get(KEY)).toEqual({ id: theirs.id });
    expect(ctx.outcomes).toEqual([
      { step: 'demo', resource: KEY, kind: 'thing', id: theirs.id, outcome: 'refused', detail: `state says ${KEY} is ${theirs.id}, but ${theirs.id} carries shipline:stack=bravo; left alone` },
      { step: 'demo', resource: KEY, kind: 'thing', id: ours.id, outcome: 'deleted' },
    ]);
    expect(ctx.activities).toEqual([`deleting thing ${ours.id} (found by the stack's tags)`]);
  });

  it('refused, and nothing of the stack\'s found by tags (or the tags find the refused one): nothing deleted, false', async () => {
    const { ctx, cloud } = setup();
    const theirs = cloud.add({ stack: 'bravo' });
    ctx.records.set(KEY, { id: theirs.id });
    expect(await remove(ctx, removal(cloud, ctx))).toBe(false);
    expect(await remove(ctx, removal(cloud, ctx, { findByTags: async () => theirs }))).toBe(false);
    const { findByTags: _findByTags, ...noTags } = removal(cloud, ctx);
    expect(await remove(ctx, noTags)).toBe(false);
    expect(cloud.calls.filter((c) => c.startsWith('delete'))).toEqual([]);
    expect(ctx.records.get(KEY)).toEqual({ id: theirs.id });
  });

  it('refused in a dry run: the stack\'s own is reported deleted, not deleted', async () => {
    const { ctx, cloud } = setup({}, { dryRun: true });
    const theirs = cloud.add({ stack: 'bravo' });
    const ours = cloud.add();
    ctx.records.set(KEY, { id: theirs.id });
    expect(await remove(ctx, removal(cloud, ctx))).toBe(true);
    expect(cloud.things.has(ours.id)).toBe(true);
    expect(ctx.outcomes.map((o) => `${o.id} ${o.outcome}`)).toEqual([`${theirs.id} refused`, `${ours.id} deleted`]);
  });

  it('an ID refused by its parent (foreignId): not read, not deleted', async () => {
    const { ctx, cloud } = setup({ [KEY]: { id: 'other-table:0.0.0.0/0' } });
    const result = await remove(ctx, removal(cloud, ctx, { findByTags: undefined, confirm: { foreignId: () => 'is in another table' } }));
    expect(result).toBe(false);
    expect(cloud.calls).toEqual([]);
    expect(ctx.records.has(KEY)).toBe(true);
    expect(ctx.outcomes.map((o) => o.outcome)).toEqual(['refused']);
  });

  it('an ID its parent confirms (foreignId): deleted without a read', async () => {
    const { ctx, cloud } = setup({ [KEY]: { id: 'our-table:0.0.0.0/0' } });
    expect(await remove(ctx, removal(cloud, ctx, { confirm: { foreignId: () => undefined } }))).toBe(true);
    expect(cloud.calls).toEqual(['delete our-table:0.0.0.0/0 (record kept)']);
    expect(ctx.records.has(KEY)).toBe(false);
  });

  it('no record (a lost state): what carries the stack\'s tags is deleted', async () => {
    const { ctx, cloud } = setup();
    const ours = cloud.add();
    expect(await remove(ctx, removal(cloud, ctx))).toBe(true);
    expect(cloud.calls).toEqual(['findByTags', `delete ${ours.id} (record gone)`]);
    expect(ctx.outcomes.map((o) => `${o.id} ${o.outcome}`)).toEqual([`${ours.id} deleted`]);
  });

  it('no record and nothing found: false, nothing deleted; a token-only record (a create that never happened) is forgotten', async () => {
    const bare = setup();
    expect(await remove(bare.ctx, removal(bare.cloud, bare.ctx))).toBe(false);
    expect(bare.ctx.outcomes).toEqual([]);
    const pending = setup({ [KEY]: { token: 'tok' } });
    expect(await remove(pending.ctx, removal(pending.cloud, pending.ctx))).toBe(false);
    expect(pending.ctx.records.has(KEY)).toBe(false);
    expect(pending.cloud.calls).toEqual(['findByTags']);
  });

  it('a found resource without a way to name it is not deleted', async () => {
    const { ctx, cloud } = setup();
    cloud.add();
    const { id: _id, ...noId } = removal(cloud, ctx);
    expect(await remove(ctx, noId)).toBe(false);
    expect(cloud.calls).toEqual(['findByTags']);
  });

  it('a dry run deletes and forgets nothing, and reports what it would delete', async () => {
    const { ctx, cloud } = setup({}, { dryRun: true });
    const thing = cloud.add();
    ctx.records.set(KEY, { id: thing.id });
    expect(await remove(ctx, removal(cloud, ctx))).toBe(true);
    const gone = setup({ [KEY]: { id: 't-gone' } }, { dryRun: true });
    expect(await remove(gone.ctx, removal(gone.cloud, gone.ctx))).toBe(true);
    const pending = setup({ [KEY]: { token: 'tok' } }, { dryRun: true });
    expect(await remove(pending.ctx, removal(pending.cloud, pending.ctx))).toBe(false);
    expect(cloud.calls).toEqual([`find ${thing.id}`]);
    expect(ctx.records.get(KEY)).toEqual({ id: thing.id });
    expect(gone.ctx.records.get(KEY)).toEqual({ id: 't-gone' });
    expect(pending.ctx.records.get(KEY)).toEqual({ token: 'tok' });
    expect(ctx.outcomes.map((o) => o.outcome)).toEqual(['deleted']);
    expect(ctx.activities).toEqual([]);
  });

  it('stops before any call once the run is interrupted', async () => {
    const abort = new AbortController();
    abort.abort();
    const ctx = testContext('demo', { signal: abort.signal, state: { [KEY]: { id: 't-1' } } });
    const cloud = new FakeCloud();
    await expect(remove(ctx, removal(cloud, ctx))).rejects.toBeInstanceOf(InterruptedError);
    expect(cloud.calls).toEqual([]);
  });
});

describe('ignoringGone', () => {
  it('an "already gone" error is success; any other error is thrown', async () => {
    const gone = Object.assign(new Error('gone'), { name: 'NotFound' });
    const other = Object.assign(new Error('no'), { name: 'AccessDenied' });
    const isGone = (e: unknown) => (e as Error).name === 'NotFound';
    await expect(ignoringGone(async () => Promise.reject(gone), isGone)).resolves.toBeUndefined();
    await expect(ignoringGone(async () => Promise.reject(other), isGone)).rejects.toBe(other);
    let ran = false;
    await ignoringGone(async () => {
      ran = true;
    }, isGone);
    expect(ran).toBe(true);
  });
});
