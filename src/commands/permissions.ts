// `shipline permissions`: the IAM policy the caller needs, as JSON on stdout. For the config's
// deploy strategy, NAT mode and state backend; with --all, the union over every choice (the
// README's "Permissions" block is that output). No AWS call.
import { loadConfig } from '../config';
import { partitionOfRegion } from '../aws/partition';
import { ALL_VARIANTS, renderPolicy, variantOf } from '../permissions';
import type { Io } from '../session';

export interface PermissionsOptions {
  config: string;
  all: boolean;
}

export async function printPermissions(options: PermissionsOptions, io: Io): Promise<string> {
  // --all is the README's block, in the `aws` partition; a config's policy is in its region's.
  const config = options.all ? undefined : await loadConfig(options.config);
  const text = `${config ? renderPolicy([variantOf(config)], partitionOfRegion(config.region)) : renderPolicy(ALL_VARIANTS)}\n`;
  io.stdout.write(text);
  return text;
}
