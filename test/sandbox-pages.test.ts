// The sandbox's pagination (src/sandbox/kernel/pages.ts): pages no larger than asked or than the
// world's cap, a token that leads on and is refused anywhere else, sizes out of AWS's range refused.
import { pageOf, type PageLimits } from '../src/sandbox/kernel/pages';
import { SandboxWorld } from '../src/sandbox/kernel/world';

class InvalidToken extends Error {
  override readonly name = 'InvalidNextTokenException';
}

const LIMITS: PageLimits = { operation: 'ListThings', awsDefault: 100, awsMax: 100, invalid: (message) => new InvalidToken(message) };
const ITEMS = Array.from({ length: 12 }, (_, i) => i);

function all(world: SandboxWorld, request: { max?: number; scope?: string } = {}): number[][] {
  const pages: number[][] = [];
  let token: string | undefined;
  do {
    const page = pageOf(world, ITEMS, { ...request, token }, LIMITS);
    pages.push(page.items);
    token = page.next;
  } while (token);
  return pages;
}

describe('pageOf', () => {
  it('answers AWS-sized pages when the world sets no cap (the CLI, the bench)', () => {
    expect(all(new SandboxWorld({}))).toEqual([ITEMS]);
    expect(all(new SandboxWorld({}), { max: 5 })).toEqual([[0, 1, 2, 3, 4], [5, 6, 7, 8, 9], [10, 11]]);
  });

  it('caps every page at the world page size, whatever the caller asks', () => {
    expect(all(new SandboxWorld({ pageSize: 5 }), { max: 100 }).map((p) => p.length)).toEqual([5, 5, 2]);
  });

  it('returns everything unpaged where AWS does (no page size asked, an unbounded default)', () => {
    const unbounded = { ...LIMITS, awsDefault: Infinity };
    expect(pageOf(new SandboxWorld({}), ITEMS, {}, unbounded)).toEqual({ items: ITEMS });
  });

  it('answers a call that asks no page size whole where AWS never pages it, even under the world cap', () => {
    const unbounded = { ...LIMITS, awsDefault: Infinity };
    const world = new SandboxWorld({ pageSize: 5 });
    expect(pageOf(world, ITEMS, {}, unbounded)).toEqual({ items: ITEMS });
    // Asking a page size pages it, capped by the world.
    const first = pageOf(world, ITEMS, { max: 100 }, unbounded);
    expect(first.items).toEqual([0, 1, 2, 3, 4]);
    expect(pageOf(world, ITEMS, { max: 100, token: first.next }, unbounded).items).toEqual([5, 6, 7, 8, 9]);
  });

  it('tells the service which part of the request was wrong, for messages that name the value', () => {
    const problems: unknown[] = [];
    const limits: PageLimits = { ...LIMITS, awsMin: 5, invalid: (message, problem) => (problems.push(problem), new InvalidToken(message)) };
    const world = new SandboxWorld({});
    expect(() => pageOf(world, ITEMS, { max: 4 }, limits)).toThrow(InvalidToken);
    expect(() => pageOf(world, ITEMS, { token: 'bm9wZQ==' }, limits)).toThrow(InvalidToken);
    expect(problems).toEqual([{ kind: 'size', size: 4, min: 5, max: 100 }, { kind: 'token', token: 'bm9wZQ==' }]);
  });

  it("refuses a token it did not give, or one replayed with other filters", () => {
    const world = new SandboxWorld({ pageSize: 5 });
    const first = pageOf(world, ITEMS, { scope: 'prefix=a' }, LIMITS);
    expect(() => pageOf(world, ITEMS, { token: 'bm90LWEtdG9rZW4=' }, LIMITS)).toThrow(InvalidToken);
    expect(() => pageOf(world, ITEMS, { token: first.next, scope: 'prefix=b' }, LIMITS)).toThrow(InvalidToken);
    expect(() => pageOf(world, ITEMS, { token: first.next, scope: 'prefix=a' }, { ...LIMITS, operation: 'ListOther' })).toThrow(InvalidToken);
    expect(pageOf(world, ITEMS, { token: first.next, scope: 'prefix=a' }, LIMITS).items).toEqual([5, 6, 7, 8, 9]);
  });

  it('refuses a page size outside what AWS accepts', () => {
    const world = new SandboxWorld({});
    expect(() => pageOf(world, ITEMS, { max: 101 }, LIMITS)).toThrow(/out of range/);
    expect(() => pageOf(world, ITEMS, { max: 4 }, { ...LIMITS, awsMin: 5 })).toThrow(/5 to 100/);
  });
});
