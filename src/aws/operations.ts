// Which AWS operations change something. One classifier for the dry-run guard, the sandbox's call
// log, fault injection ("fail at the N-th mutating call") and the bench's read/mutation split.

const READ_PREFIXES = ['Describe', 'Get', 'List', 'Lookup', 'BatchGet', 'Head', 'Search', 'Check'];

/** Operation name without the SDK's "Command" suffix: DescribeVpcsCommand → DescribeVpcs. */
export function operationName(commandName: string): string {
  return commandName.endsWith('Command') ? commandName.slice(0, -'Command'.length) : commandName;
}

export function isMutating(commandOrOperation: string): boolean {
  const op = operationName(commandOrOperation);
  return !READ_PREFIXES.some((prefix) => op.startsWith(prefix));
}
