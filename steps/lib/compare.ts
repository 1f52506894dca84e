// Comparing what AWS reports with what the config wants, where order and repeats don't matter.

/** Do two lists hold the same values, whatever their order and repeats? A missing list is empty. */
export function sameSet<T>(a: readonly T[] | undefined, b: readonly T[] | undefined): boolean {
  const x = new Set(a ?? []);
  const y = new Set(b ?? []);
  return x.size === y.size && [...x].every((v) => y.has(v));
}

/** Do two string maps hold the same entries? A missing map is empty. */
export function sameRecord(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const x = Object.entries(a ?? {});
  return x.length === Object.keys(b ?? {}).length && x.every(([k, v]) => b?.[k] === v);
}
