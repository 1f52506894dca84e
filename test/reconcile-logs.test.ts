// What ensure and remove say at debug level when they skip work (STYLE: "the code that decides to
// skip work logs each reason"), and what they write to state: a `--log-level debug` run is how a
// user finds out why a resource was adopted, left alone or forgotten.
import { Writable } from 'node:stream';
import pino from 'pino';
import { ensure, remove, type ResourceSpec } from '../src/reconcile';
import type { ResourceRecord } from '../state';
import { testContext, type TestContext } from './helpers/context';

interface Thing {
  id: string;
}

const KEY = 'demo.thing';

/** A context whose debug lines are kept, and whose state writes are counted. */
function setup(state: Record<string, ResourceRecord> = {}): { ctx: TestContext; lines: Array<Record<string, unknown>>; writes: string[] } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  const base = testContext('demo', { state });
  const writes: string[] = [];
  const counted = {
    ...base.state,
    record: async (key: string, rec: ResourceRecord) => {
      writes.push(`record ${key} ${JSON.stringify(rec)}`);
      return base.state.record(key, rec);
    },
    forget: async (key: string) => {
      writes.push(`forget ${key}`);
      return base.state.forget(key);
    },
  };
  return { ctx: { ...base, state: counted, log: pino({ level: 'debug' }, sink) }, lines, writes };
}

const debug = (lines: Array<Record<string, unknown>>) => lines.filter((l) => l.level === 20).map(({ resource, id, msg }) => ({ resource, id, msg }));

function spec(things: Map<string, Thing>, overrides: Partial<ResourceSpec<Thing>> = {}): ResourceSpec<Thing> {
  return {
    key: KEY,
    kind: 'thing',
    find: async (id) => things.get(id),
    foreign: () => undefined,
    findByTags: async () => [...things.values()][0],
    create: async () => ({ id: 't-new' }),
    id: (t) => t.id,
    ...overrides,
  };
}

describe('ensure at debug level', () => {
  it('a recorded resource that matches: "matches the config", nothing written', async () => {
    const { ctx, lines, writes } = setup({ [KEY]: { id: 't-1' } });
    await ensure(ctx, spec(new Map([['t-1', { id: 't-1' }]])));
    expect(debug(lines)).toEqual([{ resource: KEY, id: 't-1', msg: 'thing matches the config' }]);
    expect(writes).toEqual([]);
  });

  it('a recorded resource gone, another found by its tags: says both, records the one adopted', async () => {
    const { ctx, lines, writes } = setup({ [KEY]: { id: 't-gone' } });
    const things = new Map([['t-2', { id: 't-2' }]]);
    await ensure(ctx, spec(things, { find: async () => undefined }));
    expect(debug(lines)).toEqual([{ resource: KEY, id: 't-2', msg: 'adopting thing found by its tags' }]);
    expect(writes).toEqual([`record ${KEY} {"id":"t-2"}`]);
  });

  it('a recorded resource gone, with no lookup by tags: says it is gone, then creates', async () => {
    const { ctx, lines } = setup({ [KEY]: { id: 't-gone' } });
    const { findByTags: _findByTags, ...noTags } = spec(new Map());
    await ensure(ctx, noTags);
    expect(debug(lines)).toEqual([{ resource: KEY, id: 't-gone', msg: 'thing in state is gone from AWS' }]);
  });

  it('a token left by a crashed run is sent as it is: the only write is the record of what it made', async () => {
    const { ctx, writes } = setup({ [KEY]: { token: 'tok-crashed' } });
    const tokens: Array<string | undefined> = [];
    await ensure(ctx, spec(new Map(), { clientToken: true, create: async (token) => (tokens.push(token), { id: 't-new' }) }));
    expect(tokens).toEqual(['tok-crashed']);
    expect(writes).toEqual([`record ${KEY} {"id":"t-new","token":"tok-crashed"}`]);
  });

  it('without client tokens, an answer that looks gone is kept: no second create', async () => {
    const { ctx } = setup();
    let creates = 0;
    await ensure(ctx, spec(new Map(), { isGone: () => true, create: async () => (creates++, { id: 't-new' }) }));
    expect(creates).toBe(1);
  });

  it('a reused token refused, then a fresh one answered with something gone: one retry, not a loop', async () => {
    const { ctx } = setup({ [KEY]: { token: 'tok-dead' } });
    const tokens: Array<string | undefined> = [];
    const result = await ensure(
      ctx,
      spec(new Map(), {
        clientToken: true,
        tokenRefused: () => true,
        isGone: () => true,
        create: async (token) => {
          tokens.push(token);
          if (token === 'tok-dead') throw new Error('IdempotentInstanceTerminated');
          return { id: 't-new' };
        },
      }),
    );
    expect(tokens).toHaveLength(2);
    expect(result.id).toBe('t-new');
  });
});

describe('remove at debug level', () => {
  it('a recorded resource already gone: says so, then forgets it', async () => {
    const { ctx, lines, writes } = setup({ [KEY]: { id: 't-gone' } });
    await remove(ctx, { key: KEY, kind: 'thing', confirm: { find: async () => undefined, foreign: () => undefined }, delete: async () => undefined });
    expect(debug(lines)).toEqual([{ resource: KEY, id: 't-gone', msg: 'thing in state is already gone from AWS' }]);
    expect(writes).toEqual([`forget ${KEY}`]);
  });
});
