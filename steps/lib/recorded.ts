// What a step reads of the resources earlier steps made: their IDs and attributes in state. A plan
// can run before those resources exist, so there a missing value reads "(known after apply)"; in a
// real run the engine runs a step only after the steps it names in `after`, so a missing value is
// a bug in shipline, reported as such rather than written into a policy or a project.
import { EngineError } from '../../src/errors';
import { isKnown, KNOWN_AFTER_APPLY, type StepContext } from '../../src/step';

/** The ID (or, given, an attribute) of the record under `key`. */
export function recorded(ctx: Pick<StepContext, 'state' | 'dryRun' | 'step'>, key: string, attribute?: string): string {
  const rec = ctx.state.get(key);
  const value = attribute === undefined ? rec?.id : rec?.[attribute];
  if (isKnown(value)) return value;
  if (ctx.dryRun) return KNOWN_AFTER_APPLY;
  throw new EngineError(
    `step ${ctx.step} needs ${attribute === undefined ? 'the ID' : `the ${attribute}`} of ${key} from state, which has none: the step that makes it did not run first`,
  );
}

/** `recorded`, or `derive(id)` when the record has the ID but not that attribute (an older state file). */
export function recordedOr(ctx: Pick<StepContext, 'state' | 'dryRun' | 'step'>, key: string, attribute: string, derive: (id: string) => string): string {
  const value = ctx.state.get(key)?.[attribute];
  if (isKnown(value)) return value;
  const id = recorded(ctx, key);
  return isKnown(id) ? derive(id) : id;
}

/**
 * The environments with a record under any of `prefixes` (`<prefix><env>`), each once, sorted: what a
 * step made for environments the config may no longer have.
 */
export function recordedEnvironments(ctx: Pick<StepContext, 'state'>, ...prefixes: string[]): string[] {
  return [...new Set(prefixes.flatMap((prefix) => ctx.state.keys(prefix).map((key) => key.slice(prefix.length))))].sort();
}
