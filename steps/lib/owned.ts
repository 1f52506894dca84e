// Ownership of resources found by name. Services that can't filter by tag (IAM, ECS, ECR,
// CloudWatch Logs) are looked up by the name shipline derives; a resource of that name is adopted
// only when it carries the stack's tag. One without it belongs to someone else: shipline stops
// and says so rather than take it over.
import { ForeignResourceError } from '../../src/errors';
import type { StepContext } from '../../src/step';
import { STACK_TAG, type Tag } from '../../src/tags';

type AnyTags = Parameters<StepContext['tags']['owns']>[0];

/** The error for a same-named resource without the stack's tag: never adopted, changed or deleted. */
export function foreignResource(ctx: Pick<StepContext, 'tags'>, what: string, hint?: string): ForeignResourceError {
  return new ForeignResourceError(
    `${what} already exists but does not carry the tag ${STACK_TAG}=${ctx.tags.stack}: shipline did not create it and will not touch it`,
    { hint: hint ?? 'delete or rename it yourself if it is a leftover of yours, or give this stack another name ("stack" in the config)' },
  );
}

/** The resource found by its derived name, if it carries the stack's tag; throws if it doesn't. */
export function claim<R>(ctx: Pick<StepContext, 'tags'>, kind: string, name: string, resource: R, tags: AnyTags): R {
  if (ctx.tags.owns(tags)) return resource;
  throw foreignResource(ctx, `${kind} ${name}`);
}

/**
 * Why a resource read by its state ID is not the stack's, by its tags: undefined when it carries
 * shipline:stack=<stack>. Completes "<id> …" in a refusal.
 */
export function foreignByTags(ctx: Pick<StepContext, 'tags'>, tags: AnyTags): string | undefined {
  if (ctx.tags.owns(tags)) return undefined;
  const stack = Array.isArray(tags) ? tags.find((t) => t.Key === STACK_TAG)?.Value : (tags as Record<string, string> | undefined)?.[STACK_TAG];
  return stack === undefined ? `does not carry ${STACK_TAG}=${ctx.tags.stack}` : `carries ${STACK_TAG}=${stack}`;
}

/**
 * For what is known by the name shipline derives (a bucket, a project): a lost tag is drift that
 * the update puts back; only another stack's tag says it is not the stack's.
 */
export function foreignByOtherStack(ctx: Pick<StepContext, 'tags'>, tags: AnyTags): string | undefined {
  const stack = Array.isArray(tags) ? tags.find((t) => t.Key === STACK_TAG)?.Value : (tags as Record<string, string> | undefined)?.[STACK_TAG];
  return stack === undefined ? undefined : foreignByTags(ctx, tags);
}

/** Why a resource known by its name is not the stack's: its name is not the one shipline derives. */
export function foreignByName(id: string, name: string): string | undefined {
  return id === name ? undefined : `is not ${name}, the name shipline gives it`;
}

/** Why a resource is not the stack's, by its parent (the VPC, table, cluster … it lives in). */
export function foreignByParent(kind: string, actual: string | undefined, expected: string | undefined): string | undefined {
  return actual !== undefined && actual === expected ? undefined : `is in ${kind} ${actual ?? '(none)'}, not the stack's ${expected ?? '(none recorded)'}`;
}

/** The first reason of several checks, in order. */
export function firstForeign(...reasons: Array<string | undefined>): string | undefined {
  return reasons.find((r) => r !== undefined);
}

/** The stack's tags for a resource whose AWS name is not `<stack>-<part>` (a log group path, the bare stack name). */
export function tagsNamed(ctx: Pick<StepContext, 'tags' | 'step'>, name: string): Tag[] {
  return ctx.tags.list(ctx.step, '').map((t) => (t.Key === 'Name' ? { Key: 'Name', Value: name } : t));
}

/** Do two JSON documents say the same thing? Key order and one-element lists vs. scalars don't matter. */
export function sameJson(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

export function canonicalJson(value: unknown): string {
  const normalize = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.length === 1 ? normalize(v[0]) : v.map(normalize);
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)).map(([k, x]) => [k, normalize(x)]));
    }
    return v;
  };
  return JSON.stringify(normalize(value) ?? null);
}

/** JSON text as AWS returns it (IAM URL-encodes policy documents); undefined when unparsable. */
export function parseJson(text: string | undefined, urlEncoded = false): unknown {
  if (text === undefined) return undefined;
  for (const candidate of urlEncoded ? [safeDecode(text), text] : [text]) {
    try {
      return JSON.parse(candidate);
    } catch {
      // try the next reading
    }
  }
  return undefined;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** ECS spells tags `{ key, value }`. */
export function toEcsTags(tags: readonly Tag[]): Array<{ key: string; value: string }> {
  return tags.map((t) => ({ key: t.Key, value: t.Value }));
}

export function fromEcsTags(tags: ReadonlyArray<{ key?: string; value?: string }> | undefined): Array<{ Key?: string; Value?: string }> {
  return (tags ?? []).map((t) => ({ Key: t.key, Value: t.value }));
}
