// Names and tags. AWS names are `<stack>-<part>`; every resource that takes tags carries
// `shipline:stack`, `shipline:step` and `Name`. Only what carries the stack's tag is ever adopted.

export const STACK_TAG = 'shipline:stack';
export const STEP_TAG = 'shipline:step';

export interface Tag {
  Key: string;
  Value: string;
}

export interface StackTags {
  readonly stack: string;
  /** The resource's AWS name: `<stack>-<part>`. */
  name(part: string): string;
  /** Tags for a resource a step creates, as `[{ Key, Value }]`. */
  list(step: string, part: string): Tag[];
  /** The same as a record (ECS, ECR, CloudWatch Logs take `{ key: value }` or their own shape). */
  record(step: string, part: string): Record<string, string>;
  /** EC2 filters selecting the stack's resources (and, given, one Name). */
  filters(part?: string): Array<{ Name: string; Values: string[] }>;
  /** Does a resource with these tags belong to this stack? */
  owns(tags: ReadonlyArray<{ Key?: string; Value?: string }> | Record<string, string> | undefined): boolean;
}

export function stackTags(stack: string): StackTags {
  const name = (part: string) => `${stack}-${part}`;
  const record = (step: string, part: string) => ({ [STACK_TAG]: stack, [STEP_TAG]: step, Name: name(part) });
  return {
    stack,
    name,
    record,
    list: (step, part) => Object.entries(record(step, part)).map(([Key, Value]) => ({ Key, Value })),
    filters: (part) => [
      { Name: `tag:${STACK_TAG}`, Values: [stack] },
      ...(part === undefined ? [] : [{ Name: 'tag:Name', Values: [name(part)] }]),
    ],
    owns: (tags) => {
      if (!tags) return false;
      if (Array.isArray(tags)) return tags.some((t) => t.Key === STACK_TAG && t.Value === stack);
      return (tags as Record<string, string>)[STACK_TAG] === stack;
    },
  };
}
