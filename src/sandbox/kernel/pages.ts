// Pagination as AWS does it: a list or describe call answers one page at most, with an opaque
// token for the next. A model states its operation's limits (AWS's default and maximum page, the
// error a bad token or size gets); the world may cap every page lower (`pageSize`: tests use 5,
// as CDK's fake CloudFormation does, so a second page is always reached).
import { createHash } from 'node:crypto';
import type { SandboxWorld } from './world';

export interface PageLimits {
  /** The operation's name: a token is good only for the operation (and filter) that gave it. */
  operation: string;
  /**
   * Items AWS returns when the caller sets no page size. `Infinity`: all of them, unpaged (EC2's
   * describes without MaxResults): such a call is answered whole, under the world's cap too, as AWS
   * never pages it; only a call that asks a page size (or follows a token) is paged.
   */
  awsDefault: number;
  /** The largest page size AWS accepts; a larger one is refused. */
  awsMax: number;
  /** The smallest page size AWS accepts (EC2's describes: 5); a smaller one is refused. Default 1. */
  awsMin?: number;
  /** AWS's error for a token it did not give (or a size out of range), as this service throws it; `problem` says which, for a service whose message names the value. */
  invalid: (message: string, problem: PageProblem) => Error;
}

/** What was wrong with a request: its token, or its page size (with the range AWS accepts). */
export type PageProblem = { kind: 'token'; token: string } | { kind: 'size'; size: number; min: number; max: number };

export interface PageRequest {
  /** The caller's page size (MaxResults, MaxItems, maxResults, PageSize …). */
  max?: number;
  /** The caller's token (NextToken, Marker, nextToken …). */
  token?: string;
  /** What else narrows the call (filters, a prefix): a token may not be replayed with another. */
  scope?: string;
}

export interface Page<T> {
  items: T[];
  /** The token for the next page; absent on the last one. */
  next?: string;
}

/** One page of `items` (already in AWS's order) for `request`, with the token to the next. */
export function pageOf<T>(world: SandboxWorld, items: readonly T[], request: PageRequest, limits: PageLimits): Page<T> {
  const min = limits.awsMin ?? 1;
  if (request.max !== undefined && (request.max < min || request.max > limits.awsMax)) {
    throw limits.invalid(`The page size ${request.max} is out of range: ${limits.operation} takes ${min} to ${limits.awsMax}.`, {
      kind: 'size',
      size: request.max,
      min,
      max: limits.awsMax,
    });
  }
  const start = request.token === undefined ? 0 : offsetOf(request.token, limits, request.scope);
  if (request.max === undefined && request.token === undefined && limits.awsDefault === Infinity) return { items: items.slice(start) };
  const asked = request.max ?? limits.awsDefault;
  const size = Math.min(asked, world.pageSize ?? Infinity);
  if (!Number.isFinite(size)) return { items: items.slice(start) };
  const end = start + size;
  return { items: items.slice(start, end), ...(end < items.length ? { next: tokenFor(end, limits.operation, request.scope) } : {}) };
}

const TOKEN_PREFIX = 'sandbox-page:';

function seal(offset: number, operation: string, scope = ''): string {
  return createHash('sha256').update(`${operation}\n${scope}\n${offset}`).digest('hex').slice(0, 16);
}

function tokenFor(offset: number, operation: string, scope?: string): string {
  return Buffer.from(`${TOKEN_PREFIX}${offset}:${seal(offset, operation, scope)}`).toString('base64');
}

function offsetOf(token: string, limits: PageLimits, scope?: string): number {
  const text = Buffer.from(token, 'base64').toString('utf8');
  const match = /^sandbox-page:(\d+):([0-9a-f]{16})$/.exec(text);
  if (!match || seal(Number(match[1]), limits.operation, scope) !== match[2]) {
    throw limits.invalid(`The pagination token is not valid for ${limits.operation} with these parameters.`, { kind: 'token', token });
  }
  return Number(match[1]);
}
