// ELBv2 (simulated): the errors and the checks every resource family shares (names, ports, ARNs).
import { type Action } from '@aws-sdk/client-elastic-load-balancing-v2';
import { awsError } from '../../kernel/errors';
import type { PageLimits } from '../../kernel/pages';

export type ArnKind = 'loadbalancer' | 'targetgroup' | 'listener' | 'listener-rule';

export const ARN_PATTERNS: Record<ArnKind, RegExp> = {
  loadbalancer: /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:loadbalancer\/app\/[A-Za-z0-9-]+\/[0-9a-f]+$/,
  targetgroup: /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:targetgroup\/[A-Za-z0-9-]+\/[0-9a-f]+$/,
  listener: /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:listener\/app\/[A-Za-z0-9-]+\/[0-9a-f]+\/[0-9a-f]+$/,
  'listener-rule': /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:listener-rule\/app\/[A-Za-z0-9-]+\/[0-9a-f]+\/[0-9a-f]+\/[0-9a-f]+$/,
};

export const ARN_KIND_NAMES: Record<ArnKind, string> = {
  loadbalancer: 'load balancer',
  targetgroup: 'target group',
  listener: 'listener',
  'listener-rule': 'rule',
};

// ---- Errors --------------------------------------------------------------------------------------

/** The SDK's ELBv2 exception classes all take the same options. */
export type ElbErrorClass = new (options: { message: string; Message?: string; $metadata: Record<string, never> }) => Error;

export function elbError(ErrorClass: ElbErrorClass, message: string): Error {
  return new ErrorClass({ message, Message: message, $metadata: {} });
}

export function validationError(message: string): Error {
  return awsError('ValidationError', message);
}

/**
 * ELBv2's describe calls page with Marker / PageSize / NextMarker: PageSize 1 to 400, and 400 when
 * unset. A marker ELBv2 did not give, or a size out of range, is a ValidationError.
 */
export function elbPages(operation: string): PageLimits {
  return { operation, awsDefault: 400, awsMax: 400, invalid: validationError };
}

/** At most 20 load balancers or target groups named by ARN or name in one describe call. */
export const MAX_DESCRIBED = 20;

// ---- Checks ------------------------------------------------------------------------------------

/** Runs an EC2 lookup; its `….NotFound` / malformed-ID errors read as "not there". */
export function ignoreNotFound<T>(lookup: () => T): T | undefined {
  try {
    return lookup();
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    if (name.endsWith('.NotFound') || name.endsWith('.Malformed')) return undefined;
    throw error;
  }
}

export function checkName(name: string, what: 'Load balancer' | 'Target group'): void {
  if (name.length === 0) throw validationError(`${what} name cannot be empty`);
  if (name.length > 32) throw validationError(`${what} name '${name}' cannot be longer than '32' characters`);
  if (!/^[A-Za-z0-9-]+$/.test(name)) {
    throw validationError(`${what} name '${name}' can only contain characters that are alphanumeric characters or hyphens(-)`);
  }
  if (name.startsWith('-') || name.endsWith('-')) throw validationError(`${what} name '${name}' cannot begin or end with '-' character`);
}

export function checkPort(port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw validationError(`Port '${port}' must be between 1 and 65535`);
}

export function checkArn(arn: string | undefined, kind: ArnKind): void {
  if (!arn || !ARN_PATTERNS[kind].test(arn)) throw validationError(`'${arn ?? ''}' is not a valid ${ARN_KIND_NAMES[kind]} ARN`);
}

export function arnKind(arn: string): ArnKind | undefined {
  return (Object.keys(ARN_PATTERNS) as ArnKind[]).find((kind) => ARN_PATTERNS[kind].test(arn));
}

export function forwardedTargetGroups(actions: readonly Action[]): string[] {
  return actions
    .filter((a) => a.Type === 'forward')
    .flatMap((a) => [a.TargetGroupArn, ...(a.ForwardConfig?.TargetGroups ?? []).map((t) => t.TargetGroupArn)])
    .filter((arn): arn is string => arn !== undefined);
}
