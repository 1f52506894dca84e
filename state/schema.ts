// The state file's format. Reading validates against this schema, so a hand-edited or
// half-written file is reported instead of silently used.
import { z } from 'zod';

/** The format version this shipline reads and writes; an incompatible change bumps it. */
export const STATE_VERSION = 1;

/** Keys of `resources` are "<step>.<resource>", e.g. "network.vpc" or "alb.targetGroup.dev". */
export const RESOURCE_KEY = /^[A-Za-z0-9_-]+\.\S+$/;

/** What shipline remembers about one AWS resource: its id/arn, the idempotency token, and other strings. */
export const resourceRecordSchema = z
  .object({
    id: z.string().optional(),
    arn: z.string().optional(),
    token: z.string().optional(),
  })
  .catchall(z.string());

export const stateFileSchema = z.object({
  version: z.literal(STATE_VERSION),
  stack: z.string().min(1),
  region: z.string().min(1),
  // null until the first run learns the account from the credentials.
  accountId: z.string().min(1).nullable(),
  resources: z.record(z.string().regex(RESOURCE_KEY, 'resource keys must look like "<step>.<resource>"'), resourceRecordSchema),
  updatedAt: z.iso.datetime(),
});

export type ResourceRecord = z.infer<typeof resourceRecordSchema>;
export type StateFile = z.infer<typeof stateFileSchema>;
