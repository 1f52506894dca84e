// ECS (simulated): what every resource family shares: AWS's errors, tags in ECS's shape, names.
import {
  ClientException,
  InvalidParameterException,
  type CapacityProviderStrategyItem,
  type LaunchType,
  type Tag,
} from '@aws-sdk/client-ecs';
import type { Tags } from '../../kernel/tags';

export function clientError(message: string): ClientException {
  return new ClientException({ message, $metadata: {} });
}

export function invalidParameter(message: string): InvalidParameterException {
  return new InvalidParameterException({ message, $metadata: {} });
}

/** An error the SDK or a sandbox model raised on AWS's behalf (not a bug in the sandbox). */
export function isAwsError(error: unknown): error is Error & { $fault: string } {
  return error instanceof Error && typeof (error as { $fault?: unknown }).$fault === 'string';
}

export function tagsFromEcs(list: ReadonlyArray<Tag> | undefined): Tags {
  const tags: Tags = {};
  for (const tag of list ?? []) if (tag.key !== undefined) tags[tag.key] = tag.value ?? '';
  return tags;
}

export function tagsToEcs(tags: Tags): Tag[] {
  return Object.entries(tags).map(([key, value]) => ({ key, value }));
}

export function isFargate(launchType: LaunchType | undefined, strategy: CapacityProviderStrategyItem[] | undefined): boolean {
  if (launchType) return launchType === 'FARGATE';
  return (strategy ?? []).some((s) => s.capacityProvider === 'FARGATE' || s.capacityProvider === 'FARGATE_SPOT');
}

/** The service name in a name or a service ARN (`…:service/<cluster>/<name>` or `…:service/<name>`). */
export function serviceNameOf(ref: string): string {
  return ref.startsWith('arn:') ? ref.slice(ref.lastIndexOf('/') + 1) : ref;
}
