// Small output shapes every CodePipeline family uses.
import type { Tag } from '@aws-sdk/client-codepipeline';
import type { Tags } from '../../kernel/tags';
import type { CommitRecord } from './records';

export function tagsOut(tags: Tags): Tag[] {
  return Object.entries(tags).map(([key, value]) => ({ key, value }));
}

export function dateAt(simSeconds: number): Date {
  return new Date(Date.UTC(2026, 0, 1) + simSeconds * 1000);
}

export function commitUrl(commit: CommitRecord): string {
  return `https://github.com/${commit.repository}/commit/${commit.id}`;
}

export function revisionSummary(commit: CommitRecord): string {
  return JSON.stringify({ ProviderType: 'GitHub', CommitMessage: commit.message });
}

/**
 * A CodeBuild action's EnvironmentVariables: a JSON list of `{ name, value, type? }` laid over the
 * project's. A malformed one fails the action. Returns the list, or why it is refused.
 */
export function actionVariables(text: string | undefined): Array<{ name: string; value: string; type?: 'PLAINTEXT' | 'PARAMETER_STORE' | 'SECRETS_MANAGER' }> | string {
  if (text === undefined || text === '') return [];
  let list: unknown;
  try {
    list = JSON.parse(text);
  } catch {
    list = undefined;
  }
  const types = ['PLAINTEXT', 'PARAMETER_STORE', 'SECRETS_MANAGER', undefined];
  const valid = Array.isArray(list) && list.every((v: unknown) => {
    const item = v as { name?: unknown; value?: unknown; type?: unknown } | null;
    return typeof item?.name === 'string' && item.name !== '' && typeof item.value === 'string' && types.includes(item.type as string | undefined);
  });
  if (!valid) return `Invalid EnvironmentVariables in the action configuration: expected a JSON list of { "name", "value", "type" }`;
  return list as Array<{ name: string; value: string; type?: 'PLAINTEXT' | 'PARAMETER_STORE' | 'SECRETS_MANAGER' }>;
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
