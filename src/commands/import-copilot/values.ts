// Reading the plain values a manifest's YAML gives (records, strings, numbers, lists) without `any`:
// a Copilot manifest is checked field by field, and what is not of the expected shape is reported.

export type YamlRecord = Record<string, unknown>;

export const isRecord = (value: unknown): value is YamlRecord => typeof value === 'object' && value !== null && !Array.isArray(value);

export const asRecord = (value: unknown): YamlRecord => (isRecord(value) ? value : {});

export const asString = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** A number, or a string of digits (YAML authors quote numbers often: `cpu: '256'`). */
export function asInteger(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^\d+$/.test(value.trim())) return Number(value.trim());
  return undefined;
}

/**
 * An environment's effective manifest: Copilot merges `environments.<env>` over the service's own
 * fields (maps key by key, anything else replaced whole).
 */
export function mergeOverride(base: unknown, override: unknown): unknown {
  if (override === undefined || override === null) return base;
  if (!isRecord(base) || !isRecord(override)) return override;
  const merged: YamlRecord = { ...base };
  for (const [key, value] of Object.entries(override)) merged[key] = mergeOverride(base[key], value);
  return merged;
}

/** A value as it reads in a message: short, on one line. */
export function shown(value: unknown): string {
  const text = typeof value === 'string' ? `"${value}"` : JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}
