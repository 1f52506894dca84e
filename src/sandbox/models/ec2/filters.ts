// The Filters of EC2's Describe calls, as AWS applies them: several filters AND, several values of
// one filter OR, values may use `*` (any run of characters) and `?` (one character), `\` escapes
// them. A multi-valued attribute (a group list, a table's associations) matches when any of its
// values does. `tag:<key>`, `tag-key` and `tag-value` work on every resource; any other name must
// be one the call documents, or AWS answers InvalidParameterValue (a typo never passes silently).
import type { Filter } from '@aws-sdk/client-ec2';
import { awsError } from '../../kernel/errors';
import type { Tags } from '../../kernel/tags';

type FilterValue = string | number | boolean | undefined;

/** Per filter name a Describe call accepts: the record's values the filter compares against. */
export type FilterTable<R> = Record<string, (record: R) => FilterValue | readonly FilterValue[]>;

export function wildcardToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const char = pattern.charAt(i);
    if (char === '\\' && i + 1 < pattern.length) {
      i += 1;
      source += escapeRegExp(pattern.charAt(i));
    } else if (char === '*') source += '[\\s\\S]*';
    else if (char === '?') source += '[\\s\\S]';
    else source += escapeRegExp(char);
  }
  return new RegExp(`^${source}$`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function valuesOf<R extends { tags: Tags }>(record: R, name: string, table: FilterTable<R>): string[] {
  let raw: FilterValue | readonly FilterValue[];
  if (name.startsWith('tag:')) raw = record.tags[name.slice('tag:'.length)];
  else if (name === 'tag-key') raw = Object.keys(record.tags);
  else if (name === 'tag-value') raw = Object.values(record.tags);
  else raw = table[name]?.(record);
  const list: readonly FilterValue[] = Array.isArray(raw) ? raw : [raw as FilterValue];
  return list.filter((v): v is string | number | boolean => v !== undefined).map(String);
}

function checkFilterNames<R>(filters: readonly Filter[], table: FilterTable<R>): void {
  for (const filter of filters) {
    const name = filter.Name ?? '';
    const known = name.startsWith('tag:') || name === 'tag-key' || name === 'tag-value' || Object.hasOwn(table, name);
    if (!known) throw awsError('InvalidParameterValue', `The filter '${name}' is invalid`);
  }
}

/** The records that pass every filter (all of them when there are none). */
export function applyFilters<R extends { tags: Tags }>(records: readonly R[], filters: readonly Filter[] | undefined, table: FilterTable<R>): R[] {
  if (!filters || filters.length === 0) return [...records];
  checkFilterNames(filters, table);
  const compiled = filters.map((f) => ({ name: f.Name ?? '', patterns: (f.Values ?? []).map(wildcardToRegExp) }));
  return records.filter((record) =>
    compiled.every(({ name, patterns }) => {
      const values = valuesOf(record, name, table);
      return patterns.some((pattern) => values.some((value) => pattern.test(value)));
    }),
  );
}
