// IAM policy evaluation (simulated), for identity-based policies: a role's inline and attached
// managed policies when the sandbox does a service's work on the role's behalf, and the caller's
// policy before each call. As AWS evaluates them
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html,
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_AccessPolicyLanguage_Interplay.html):
// - an explicit Deny in any statement that applies wins; else an Allow that applies allows; else
//   the request is implicitly denied;
// - a statement applies when its Action (or NotAction) matches the action, case-insensitively,
//   with `*` and `?` wildcards; its Resource (or NotResource) matches the resource ARN,
//   case-sensitively, with the same wildcards; and every condition block holds
//   (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html,
//   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html);
// - conditions (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html):
//   operators within a block AND, keys within an operator AND, values of one key OR. String*
//   and Arn* operators, Bool, Null, the `…IfExists` suffix and the `ForAnyValue:` /
//   `ForAllValues:` set prefixes. A key missing from the request makes a positive operator
//   false and a negated one (StringNotEquals, ArnNotLike …) true; `…IfExists` makes it true;
//   ForAllValues with a missing key is true, ForAnyValue false
//   (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html).
//   String operators compare case-sensitively (StringEqualsIgnoreCase aside); condition key
//   names are case-insensitive. An operator the evaluator does not know makes the statement
//   not apply (it can never allow), as AWS treats an unmatched condition.
import type { PolicyDocument, PolicyStatement } from '../../policies';

export type ContextValue = string | boolean | readonly string[];

/** One authorization question: may the principal do `action` on `resource` in this context? */
export interface AuthRequest {
  /** `service:Action`, e.g. `ecs:UpdateService`. */
  action: string;
  /** The resource's ARN, or `*` for actions authorized on no resource. */
  resource: string;
  /** Condition keys the request carries (`iam:PassedToService`, `aws:SecureTransport` …). */
  context?: Readonly<Record<string, ContextValue>>;
}

export type Decision = 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';

/** The decision over every statement of every document. */
export function evaluate(documents: readonly PolicyDocument[], request: AuthRequest): Decision {
  let allowed = false;
  for (const document of documents) {
    for (const statement of statements(document)) {
      if (!applies(statement, request)) continue;
      if (statement.Effect === 'Deny') return 'ExplicitDeny';
      allowed = true;
    }
  }
  return allowed ? 'Allow' : 'ImplicitDeny';
}

/** The first request of `requests` the documents do not allow, with its decision; undefined when all are allowed. */
export function firstDenied(documents: readonly PolicyDocument[], requests: readonly AuthRequest[]): { request: AuthRequest; decision: Decision } | undefined {
  for (const request of requests) {
    const decision = evaluate(documents, request);
    if (decision !== 'Allow') return { request, decision };
  }
  return undefined;
}

/**
 * AWS's access-denied sentence (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html):
 * "User: <principal> is not authorized to perform: <action> on resource: <resource> because no
 * identity-based policy allows the <action> action" (or "with an explicit deny in an
 * identity-based policy").
 */
export function deniedMessage(principalArn: string, request: AuthRequest, decision: Decision): string {
  const why = decision === 'ExplicitDeny' ? 'with an explicit deny in an identity-based policy' : `because no identity-based policy allows the ${request.action} action`;
  return `User: ${principalArn} is not authorized to perform: ${request.action} on resource: ${request.resource} ${why}`;
}

function statements(document: PolicyDocument): PolicyStatement[] {
  const list = (document as { Statement?: PolicyStatement | PolicyStatement[] }).Statement;
  if (list === undefined) return [];
  return Array.isArray(list) ? list : [list];
}

const asList = (value: string | readonly string[] | undefined): readonly string[] => (value === undefined ? [] : typeof value === 'string' ? [value] : value);

function applies(statement: PolicyStatement, request: AuthRequest): boolean {
  if (statement.Action !== undefined && !asList(statement.Action).some((p) => wildcardMatch(p, request.action, true))) return false;
  if (statement.NotAction !== undefined && asList(statement.NotAction).some((p) => wildcardMatch(p, request.action, true))) return false;
  if (statement.Action === undefined && statement.NotAction === undefined) return false;
  if (statement.Resource !== undefined && !asList(statement.Resource).some((p) => wildcardMatch(p, request.resource, false))) return false;
  if (statement.NotResource !== undefined && asList(statement.NotResource).some((p) => wildcardMatch(p, request.resource, false))) return false;
  if (statement.Resource === undefined && statement.NotResource === undefined) return false;
  return conditionsHold(statement.Condition, request.context ?? {});
}

const compiled = new Map<string, RegExp>();

/** `*` matches any run of characters, `?` any one; everything else literally. */
export function wildcardMatch(pattern: string, value: string, ignoreCase: boolean): boolean {
  if (!/[*?]/.test(pattern)) return ignoreCase ? pattern.toLowerCase() === value.toLowerCase() : pattern === value;
  const key = `${ignoreCase ? 'i' : 's'}${pattern}`;
  let regex = compiled.get(key);
  if (!regex) {
    const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    regex = new RegExp(`^${source}$`, ignoreCase ? 'is' : 's');
    compiled.set(key, regex);
  }
  return regex.test(value);
}

type Condition = NonNullable<PolicyStatement['Condition']>;

function conditionsHold(condition: Condition | undefined, context: Readonly<Record<string, ContextValue>>): boolean {
  if (condition === undefined) return true;
  const byLowerKey = new Map(Object.entries(context).map(([k, v]) => [k.toLowerCase(), v]));
  for (const [operator, keys] of Object.entries(condition)) {
    for (const [key, expected] of Object.entries(keys)) {
      if (!operatorHolds(operator, byLowerKey.get(key.toLowerCase()), expected)) return false;
    }
  }
  return true;
}

type Compare = (actual: string, expected: string) => boolean;

const COMPARES: Record<string, { compare: Compare; negated: boolean }> = {
  StringEquals: { compare: (a, e) => a === e, negated: false },
  StringNotEquals: { compare: (a, e) => a === e, negated: true },
  StringEqualsIgnoreCase: { compare: (a, e) => a.toLowerCase() === e.toLowerCase(), negated: false },
  StringNotEqualsIgnoreCase: { compare: (a, e) => a.toLowerCase() === e.toLowerCase(), negated: true },
  StringLike: { compare: (a, e) => wildcardMatch(e, a, false), negated: false },
  StringNotLike: { compare: (a, e) => wildcardMatch(e, a, false), negated: true },
  ArnEquals: { compare: (a, e) => arnLike(e, a), negated: false },
  ArnLike: { compare: (a, e) => arnLike(e, a), negated: false },
  ArnNotEquals: { compare: (a, e) => arnLike(e, a), negated: true },
  ArnNotLike: { compare: (a, e) => arnLike(e, a), negated: true },
  Bool: { compare: (a, e) => a.toLowerCase() === e.toLowerCase(), negated: false },
};

/** ARN operators compare each of the six colon-separated fields with wildcards. */
function arnLike(pattern: string, arn: string): boolean {
  const p = pattern.split(':');
  const a = arn.split(':');
  if (p.length < 6 || a.length < 6) return false;
  const head = (parts: string[]) => [...parts.slice(0, 5), parts.slice(5).join(':')];
  const [hp, ha] = [head(p), head(a)];
  return hp.every((field, i) => wildcardMatch(field, ha[i] ?? '', false));
}

function operatorHolds(operator: string, actual: ContextValue | undefined, expectedRaw: string | string[] | boolean): boolean {
  const expected = (Array.isArray(expectedRaw) ? expectedRaw : [expectedRaw]).map(String);
  if (operator === 'Null') {
    const wantsMissing = expected.some((e) => e.toLowerCase() === 'true');
    return (actual === undefined) === wantsMissing;
  }
  const set = /^(ForAnyValue|ForAllValues):(.+)$/.exec(operator);
  const base = set ? set[2]! : operator;
  const ifExists = base.endsWith('IfExists');
  const name = ifExists ? base.slice(0, -'IfExists'.length) : base;
  const known = COMPARES[name];
  if (!known) return false;
  const values = actual === undefined ? undefined : (typeof actual === 'string' || typeof actual === 'boolean' ? [String(actual)] : [...actual]);
  if (values === undefined) {
    if (ifExists) return true;
    if (set?.[1] === 'ForAllValues') return true;
    if (set?.[1] === 'ForAnyValue') return false;
    return known.negated;
  }
  const matches = (value: string) => expected.some((e) => known.compare(value, e));
  // A negated operator holds when no value matches any expected value.
  if (set?.[1] === 'ForAllValues') return values.every((v) => (known.negated ? !matches(v) : matches(v)));
  if (known.negated) return !values.some(matches);
  return values.some(matches);
}
