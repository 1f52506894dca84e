// `shipline plan --json`: the planned changes as a stable, versioned document for CI and pull
// requests. The schema below is the contract (documented in the README, checked by a test):
// fields are only ever added within a format_version; anything else bumps it.
import { z } from 'zod';
import type { RunSummary } from './engine';
import { EXIT, type ExitCode } from './errors';
import { isKnown, type Outcome, type ResourceOutcome } from './step';

export const PLAN_FORMAT_VERSION = '1';

/** What provision would do to a resource. */
export const PLAN_ACTIONS = ['create', 'update', 'delete', 'replace', 'adopt', 'no-op'] as const;
export type PlanAction = (typeof PLAN_ACTIONS)[number];

export const planChangeSchema = z.strictObject({
  /** The state key, `<step>.<resource>`, e.g. "network.vpc". */
  resource: z.string().regex(/^[A-Za-z0-9_-]+\.\S+$/),
  /** The step that owns it. */
  step: z.string().min(1),
  /** What it is, in words: "VPC", "target group demo-dev-tg". */
  kind: z.string().min(1),
  /** Its AWS ID or ARN; null while only a provision can know it (a resource to create). */
  id: z.string().min(1).nullable(),
  action: z.enum(PLAN_ACTIONS),
  /** The attributes that differ from the config (update, adopt with drift), e.g. ["desiredCount"]; else []. */
  attributes: z.array(z.string()),
});

export const planDocumentSchema = z.strictObject({
  format_version: z.literal(PLAN_FORMAT_VERSION),
  stack: z.string(),
  region: z.string(),
  /** The account the credentials belong to. */
  account: z.string(),
  /** Every resource the stack owns, in the order provision reaches them (step order, then resource key). */
  changes: z.array(planChangeSchema),
  summary: z.strictObject({
    create: z.number().int().min(0),
    update: z.number().int().min(0),
    delete: z.number().int().min(0),
    replace: z.number().int().min(0),
    adopt: z.number().int().min(0),
    'no-op': z.number().int().min(0),
    /** True when provision would change anything (AWS or the state): `--detailed-exitcode` exits 2. */
    changes_pending: z.boolean(),
  }),
});

export type PlanChange = z.infer<typeof planChangeSchema>;
export type PlanDocument = z.infer<typeof planDocumentSchema>;

const ACTION_OF: Record<Outcome, PlanAction> = {
  created: 'create',
  updated: 'update',
  deleted: 'delete',
  adopted: 'adopt',
  unchanged: 'no-op',
  // Never in a finished plan: a refusal fails the plan (the state names what is not the stack's).
  refused: 'no-op',
};

/**
 * The document for a plan's outcomes. A resource a plan both deletes and creates (one AWS cannot
 * change in place) is one `replace`. `stepOrder`: the steps in the order provision runs them.
 */
export function planDocument(
  summary: Pick<RunSummary, 'outcomes'>,
  where: { stack: string; region: string; account: string },
  stepOrder: readonly string[],
): PlanDocument {
  const byResource = new Map<string, PlanChange>();
  const changes: PlanChange[] = [];
  for (const o of summary.outcomes) {
    const change = toChange(o);
    const earlier = byResource.get(o.resource);
    if (earlier && isReplacement(earlier.action, change.action)) {
      earlier.action = 'replace';
      earlier.id = change.id ?? earlier.id;
      earlier.attributes = [...new Set([...earlier.attributes, ...change.attributes])];
      continue;
    }
    byResource.set(o.resource, change);
    changes.push(change);
  }
  const rank = (step: string) => {
    const i = stepOrder.indexOf(step);
    return i === -1 ? stepOrder.length : i;
  };
  changes.sort((a, b) => rank(a.step) - rank(b.step) || compare(a.resource, b.resource) || compare(a.action, b.action));

  const count = (action: PlanAction) => changes.filter((c) => c.action === action).length;
  const counts = Object.fromEntries(PLAN_ACTIONS.map((a) => [a, count(a)])) as Record<PlanAction, number>;
  return {
    format_version: PLAN_FORMAT_VERSION,
    stack: where.stack,
    region: where.region,
    account: where.account,
    changes,
    summary: { ...counts, changes_pending: changesPending(summary) },
  };
}

/** Would provision change anything (in AWS, or only in the state, as an adoption does)? */
export function changesPending(summary: Pick<RunSummary, 'outcomes'>): boolean {
  return summary.outcomes.some((o) => o.outcome !== 'unchanged');
}

/** `plan --detailed-exitcode`: 0 when nothing would change, 2 when something would; any error is 1. */
export function detailedExitCode(summary: Pick<RunSummary, 'outcomes'>): ExitCode {
  return changesPending(summary) ? 2 : EXIT.ok;
}

export function formatPlanDocument(document: PlanDocument): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}

function toChange(o: ResourceOutcome): PlanChange {
  return {
    resource: o.resource,
    step: o.step,
    kind: o.kind,
    id: isKnown(o.id) ? o.id : null,
    action: ACTION_OF[o.outcome],
    attributes: [...(o.changes ?? [])],
  };
}

function isReplacement(a: PlanAction, b: PlanAction): boolean {
  return (a === 'delete' && b === 'create') || (a === 'create' && b === 'delete');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
