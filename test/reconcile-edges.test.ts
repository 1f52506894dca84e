// The reconcile contract at its edges: specs that leave out an optional part (no lookup by tags, no
// drift, no tokenRefused), several drifted attributes, attributes AWS did not report, a resource
// adopted under the very ID the state names. reconcile.test.ts has the main paths.
import { ensure, remove, type RemovalSpec, type ResourceSpec } from '../src/reconcile';
import type { ResourceRecord } from '../state';
import { testContext } from './helpers/context';

interface Thing {
  id: string;
  arn?: string;
}

const KEY = 'demo.thing';

function setup(state: Record<string, ResourceRecord> = {}) {
  const ctx = testContext('demo', { state });
  const calls: string[] = [];
  const base: ResourceSpec<Thing> = {
    key: KEY,
    kind: 'thing',
    find: async (id) => (calls.push(`find ${id}`), undefined),
    foreign: () => undefined,
    create: async (token) => (calls.push(`create ${token ?? '-'}`), { id: 't-new' }),
    id: (t) => t.id,
    update: async (t, changes) => void calls.push(`update ${t.id} ${changes.join(',')}`),
  };
  return { ctx, calls, base };
}

describe('ensure, at the edges', () => {
  it('no record and no lookup by tags: created', async () => {
    const { ctx, calls, base } = setup();
    expect((await ensure(ctx, base)).outcome).toBe('created');
    expect(calls).toEqual(['create -']);
  });

  it('a spec without drift is never updated, found or created', async () => {
    const found = setup({ [KEY]: { id: 't-1' } });
    expect((await ensure(found.ctx, { ...found.base, find: async () => ({ id: 't-1' }) })).outcome).toBe('unchanged');
    const created = setup();
    await ensure(created.ctx, created.base);
    expect([...found.calls, ...created.calls]).toEqual(['create -']);
  });

  it('several drifted attributes are named together, when updating and when configuring a new one', async () => {
    const found = setup({ [KEY]: { id: 't-1' } });
    await ensure(found.ctx, { ...found.base, find: async () => ({ id: 't-1' }), drift: () => ['size', 'tags'] });
    expect(found.ctx.activities).toEqual(['updating thing t-1: size, tags']);
    const created = setup();
    await ensure(created.ctx, { ...created.base, drift: () => ['size', 'tags'] });
    expect(created.ctx.activities).toEqual(['creating thing', 'configuring thing t-new: size, tags']);
  });

  it('attributes AWS did not report are left out of the record, not written as undefined', async () => {
    const { ctx, base } = setup();
    await ensure(ctx, { ...base, attributes: (t) => ({ arn: t.arn, name: 'thing' }) });
    const record = ctx.records.get(KEY)!;
    expect(Object.keys(record).sort()).toEqual(['id', 'name']);
  });

  it('adopted by its tags under the ID the state already names (a read by ID that missed it): recorded again, with its attributes', async () => {
    const { ctx, base } = setup({ [KEY]: { id: 't-1' } });
    const result = await ensure(ctx, { ...base, findByTags: async () => ({ id: 't-1', arn: 'arn:t-1' }), attributes: (t) => ({ arn: t.arn }) });
    expect(result.outcome).toBe('adopted');
    expect(ctx.records.get(KEY)).toEqual({ id: 't-1', arn: 'arn:t-1' });
  });

  it('a reused token whose create fails, with no tokenRefused: the failure as AWS gave it', async () => {
    const { ctx, base } = setup({ [KEY]: { token: 'tok' } });
    const refusal = Object.assign(new Error('no'), { name: 'IdempotentParameterMismatch' });
    await expect(ensure(ctx, { ...base, clientToken: true, create: async () => Promise.reject(refusal) })).rejects.toBe(refusal);
  });

  it('a fresh token that is refused is not retried, whatever tokenRefused says', async () => {
    const { ctx, calls, base } = setup();
    const refusal = Object.assign(new Error('terminated'), { name: 'IdempotentInstanceTerminated' });
    const failing = ensure(ctx, {
      ...base,
      clientToken: true,
      tokenRefused: () => true,
      create: async () => {
        calls.push('create');
        throw refusal;
      },
    });
    await expect(failing).rejects.toBe(refusal);
    expect(calls).toEqual(['create']);
  });
});

describe('remove, at the edges', () => {
  const removal = (calls: string[], over: Partial<RemovalSpec<Thing>> = {}): RemovalSpec<Thing> => ({
    key: KEY,
    kind: 'thing',
    confirm: { find: async (id) => (calls.push(`find ${id}`), undefined), foreign: () => undefined },
    delete: async (id) => void calls.push(`delete ${id}`),
    ...over,
  });

  it('a token-only record and no lookup by tags: forgotten, nothing read, nothing reported', async () => {
    const { ctx, calls } = setup({ [KEY]: { token: 'tok' } });
    expect(await remove(ctx, removal(calls))).toBe(false);
    expect(calls).toEqual([]);
    expect(ctx.records.has(KEY)).toBe(false);
    expect(ctx.outcomes).toEqual([]);
  });

  it('an ID its parent confirms: reported deleted, never refused', async () => {
    const { ctx, calls } = setup({ [KEY]: { id: 'table:0.0.0.0/0' } });
    expect(await remove(ctx, removal(calls, { confirm: { foreignId: () => undefined } }))).toBe(true);
    expect(ctx.outcomes.map((o) => o.outcome)).toEqual(['deleted']);
  });
});
