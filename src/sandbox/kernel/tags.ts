// Tags as the models keep them (a record) and as EC2, ELB and most APIs carry them (a list).

export type Tags = Record<string, string>;

/** EC2/ELB style `[{ Key, Value }]` → a record, and back. */
export function tagsFromList(list: ReadonlyArray<{ Key?: string; Value?: string }> | undefined): Tags {
  const tags: Tags = {};
  for (const t of list ?? []) if (t.Key !== undefined) tags[t.Key] = t.Value ?? '';
  return tags;
}

export function tagsToList(tags: Tags): Array<{ Key: string; Value: string }> {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

