// ECR lifecycle policies (simulated): the checks PutLifecyclePolicy makes on the policy text, and
// the evaluator that decides which images a policy expires. Pure functions: the ECR model (ecr.ts)
// decides when they run (on its clock) and deletes what they select.
//
// As the ECR user guide states it (LifecyclePolicies.html, lifecycle_policy_parameters.html):
// - rules are evaluated by rulePriority, lowest first; each priority is unique; a rule with
//   tagStatus `any` must have the highest priority (be evaluated last); only one rule may select
//   untagged images; the rules' tag prefixes are unique;
// - `tagged` needs a tagPrefixList or a tagPatternList (not both), `untagged` and `any` take neither;
//   a pattern has at most four `*` wildcards; with several prefixes (or patterns) only images
//   carrying all of them are selected;
// - countType imageCountMoreThan keeps the newest countNumber matching images (by push time) and
//   expires the older ones; sinceImagePushed (countUnit `days`) expires those pushed more than
//   countNumber days ago; countNumber is a positive integer; countUnit only with sinceImagePushed;
// - an image is expired by one rule or none, and an image that matches the tagging requirements of
//   a rule is never expired by a rule of lower priority (which still counts it, "as if it hadn't
//   been expired");
// - the text is 100 to 30720 characters (the API's length constraint).

export type LifecycleTagStatus = 'tagged' | 'untagged' | 'any';

export interface LifecycleRule {
  priority: number;
  tagStatus: LifecycleTagStatus;
  tagPrefixList?: string[];
  tagPatternList?: string[];
  count: { type: 'imageCountMoreThan'; images: number } | { type: 'sinceImagePushed'; days: number };
}

/** What the evaluator needs of an image. */
export interface LifecycleImage {
  digest: string;
  tags: readonly string[];
  /** Epoch milliseconds. */
  pushedAt: number;
}

const MIN_TEXT = 100;
const MAX_TEXT = 30720;
const MAX_WILDCARDS = 4;
const DAY_MS = 86_400_000;

/** The policy's rules, or why ECR refuses it (the text after "Lifecycle policy validation failure: "). */
export function parseLifecyclePolicy(text: string): { rules: LifecycleRule[] } | { problem: string } {
  if (text.length < MIN_TEXT || text.length > MAX_TEXT) {
    return { problem: `the policy text must be ${MIN_TEXT} to ${MAX_TEXT} characters long, not ${text.length}` };
  }
  let policy: unknown;
  try {
    policy = JSON.parse(text);
  } catch {
    return { problem: 'the policy is not valid JSON' };
  }
  const list = (policy as { rules?: unknown } | null)?.rules;
  if (!Array.isArray(list) || list.length === 0) return { problem: 'the policy must have a non-empty "rules" array' };
  const rules: LifecycleRule[] = [];
  for (const raw of list as unknown[]) {
    const rule = parseRule(raw);
    if (typeof rule === 'string') return { problem: rule };
    rules.push(rule);
  }
  const problem = policyProblem(rules);
  return problem ? { problem } : { rules };
}

function parseRule(raw: unknown): LifecycleRule | string {
  const rule = (raw ?? {}) as Record<string, unknown>;
  const priority = rule.rulePriority;
  if (typeof priority !== 'number' || !Number.isInteger(priority) || priority < 1) return '"rulePriority" must be a positive integer';
  const at = `rule with priority ${priority}`;
  if ((rule.action as { type?: unknown } | undefined)?.type !== 'expire') return `${at}: "action.type" must be "expire"`;
  const selection = rule.selection as Record<string, unknown> | undefined;
  if (typeof selection !== 'object' || selection === null) return `${at}: "selection" is required`;
  const tagStatus = selection.tagStatus;
  if (tagStatus !== 'tagged' && tagStatus !== 'untagged' && tagStatus !== 'any') return `${at}: "tagStatus" must be "tagged", "untagged" or "any"`;
  const prefixes = stringList(selection.tagPrefixList);
  const patterns = stringList(selection.tagPatternList);
  if (prefixes === null || patterns === null) return `${at}: "tagPrefixList" and "tagPatternList" must be lists of non-empty strings`;
  if (tagStatus === 'tagged') {
    if (!prefixes && !patterns) return `${at}: a "tagged" rule needs a "tagPrefixList" or a "tagPatternList"`;
    if (prefixes && patterns) return `${at}: a rule takes "tagPrefixList" or "tagPatternList", not both`;
  } else if (prefixes || patterns) {
    return `${at}: a "${tagStatus}" rule takes no "tagPrefixList" or "tagPatternList"`;
  }
  if (patterns?.some((p) => p.split('*').length - 1 > MAX_WILDCARDS)) return `${at}: a tag pattern has at most ${MAX_WILDCARDS} wildcards`;
  const countNumber = selection.countNumber;
  if (typeof countNumber !== 'number' || !Number.isInteger(countNumber) || countNumber < 1) return `${at}: "countNumber" must be a positive integer`;
  let count: LifecycleRule['count'];
  if (selection.countType === 'imageCountMoreThan') {
    if (selection.countUnit !== undefined) return `${at}: "countUnit" is only allowed with "countType": "sinceImagePushed"`;
    count = { type: 'imageCountMoreThan', images: countNumber };
  } else if (selection.countType === 'sinceImagePushed') {
    if (selection.countUnit !== 'days') return `${at}: "countUnit" must be "days" with "countType": "sinceImagePushed"`;
    count = { type: 'sinceImagePushed', days: countNumber };
  } else {
    return `${at}: "countType" must be "imageCountMoreThan" or "sinceImagePushed"`;
  }
  return {
    priority,
    tagStatus,
    ...(prefixes ? { tagPrefixList: prefixes } : {}),
    ...(patterns ? { tagPatternList: patterns } : {}),
    count,
  };
}

/** undefined when absent, null when malformed. */
function stringList(value: unknown): string[] | undefined | null {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string' && v.length > 0)) return null;
  return value as string[];
}

function policyProblem(rules: LifecycleRule[]): string | undefined {
  const priorities = new Set<number>();
  for (const rule of rules) {
    if (priorities.has(rule.priority)) return `rulePriority ${rule.priority} is used by more than one rule`;
    priorities.add(rule.priority);
  }
  const highest = Math.max(...priorities);
  const any = rules.find((r) => r.tagStatus === 'any' && r.priority !== highest);
  if (any) return `the rule with priority ${any.priority} has tagStatus "any" and must have the highest rulePriority`;
  if (rules.filter((r) => r.tagStatus === 'untagged').length > 1) return 'only one rule may select untagged images';
  const prefixes = new Set<string>();
  for (const prefix of rules.flatMap((r) => r.tagPrefixList ?? [])) {
    if (prefixes.has(prefix)) return `the tag prefix "${prefix}" is used by more than one rule`;
    prefixes.add(prefix);
  }
  return undefined;
}

/** Whether the image meets the rule's tagging requirements (not yet its count). */
export function matchesTagging(rule: LifecycleRule, image: LifecycleImage): boolean {
  if (rule.tagStatus === 'any') return true;
  if (rule.tagStatus === 'untagged') return image.tags.length === 0;
  if (rule.tagPrefixList) return rule.tagPrefixList.every((prefix) => image.tags.some((tag) => tag.startsWith(prefix)));
  return (rule.tagPatternList ?? []).every((pattern) => image.tags.some((tag) => wildcard(pattern).test(tag)));
}

function wildcard(pattern: string): RegExp {
  return new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}

/**
 * The digests the rules expire at `nowMs`, applied by priority: each rule selects by its tagging
 * requirements and its count among every image it matches, and expires those not matched by a
 * rule of higher priority. `images` is in push order (a later entry is newer on equal times).
 */
export function expiredDigests(rules: readonly LifecycleRule[], images: readonly LifecycleImage[], nowMs: number): Set<string> {
  const newestFirst = images.map((image, order) => ({ image, order })).sort((a, b) => b.image.pushedAt - a.image.pushedAt || b.order - a.order).map((x) => x.image);
  const claimed = new Set<string>();
  const expired = new Set<string>();
  for (const rule of [...rules].sort((a, b) => a.priority - b.priority)) {
    const matched = newestFirst.filter((image) => matchesTagging(rule, image));
    const { count } = rule;
    const selected = count.type === 'imageCountMoreThan'
      ? matched.slice(count.images)
      : matched.filter((image) => nowMs - image.pushedAt > count.days * DAY_MS);
    for (const image of selected) if (!claimed.has(image.digest)) expired.add(image.digest);
    for (const image of matched) claimed.add(image.digest);
  }
  return expired;
}
