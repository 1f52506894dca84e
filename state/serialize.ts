// The on-disk text of a state: fixed field order, sorted resource keys, 2-space indent and a
// trailing newline, so two saves of the same state are byte-identical and diffs stay readable.
import type { StateFile } from './schema';

export function serializeState(state: StateFile): string {
  const resources = Object.fromEntries(
    // Keys are unique: no two compare equal. Code-unit order, not the locale's, so every machine writes the same bytes.
    Object.entries(state.resources).sort(([a], [b]) => (a < b ? -1 : 1)),
  );
  const ordered: StateFile = {
    version: state.version,
    stack: state.stack,
    region: state.region,
    accountId: state.accountId,
    resources,
    updatedAt: state.updatedAt,
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}
