// The step contract. A step owns a few resources: `reconcile` makes AWS match the config,
// `destroy` deletes what it owns. Steps never build clients, loggers or clocks: everything
// comes from the context, so tests and the sandbox can stand in.
import type { Logger } from 'pino';
import type { ResourcePatch, ResourceRecord } from '../state';
import type { AwsClients } from './aws/clients';
import type { Config } from './config';
import type { ResolveNs } from './net/public-dns';
import type { SharedReads } from './shared-reads';
import type { StackTags } from './tags';

/** Completes the sentence "<resource> has been …" (or, in a plan, "would be …"). */
export type Outcome = 'unchanged' | 'created' | 'updated' | 'adopted' | 'deleted' | 'refused';

/** One resource's outcome, as logged and summed at the end of a run. */
export interface ResourceOutcome {
  step: string;
  /** The state key, e.g. network.vpc. */
  resource: string;
  /** Human name, e.g. "VPC" or "route 0.0.0.0/0 (private)". */
  kind: string;
  id: string;
  outcome: Outcome;
  /** The attributes that changed (updated) or would change. */
  changes?: string[];
  /** Why it was refused: the state names a resource that is not the stack's. */
  detail?: string;
}

/** The state as a step sees it: every write is persisted before it resolves. */
export interface StateHandle {
  get(key: string): ResourceRecord | undefined;
  keys(prefix?: string): string[];
  record(key: string, rec: ResourceRecord): Promise<void>;
  update(key: string, patch: ResourcePatch): Promise<void>;
  /** Call only once AWS has confirmed the delete: a forgotten record can't be cleaned up. */
  forget(key: string): Promise<void>;
}

/** How long to poll, and for how long at most, for things AWS does slowly. */
export interface WaitSettings {
  /** Seconds between polls: starts at minDelay, backs off to maxDelay. */
  minDelay: number;
  maxDelay: number;
  /** Multiplies every wait's own bound (tests shrink it; a slow account may grow it). */
  timeoutScale: number;
}

export interface StepContext {
  readonly step: string;
  readonly config: Config;
  readonly aws: AwsClients;
  readonly state: StateHandle;
  readonly log: Logger;
  readonly tags: StackTags;
  readonly signal: AbortSignal;
  readonly dryRun: boolean;
  readonly waits: WaitSettings;
  /** Wait for what settles after the change itself (services becoming stable); `--no-wait` turns it off. */
  readonly wait: boolean;
  /** Destroy leaves the GitHub connection (approving a new one needs a browser again). */
  readonly keepConnection: boolean;
  readonly accountId: string;
  /** The account's partition (`aws`, `aws-cn`, `aws-us-gov`), from the caller identity: ARNs are built with it. */
  readonly partition: string;
  /** The public DNS's NS answers (a domain's delegation); unset: the machine's resolver (src/net/public-dns.ts). */
  readonly resolveNs?: ResolveNs;
  /** Reads made once per run for every step that needs them (see src/shared-reads.ts). */
  readonly shared: SharedReads;
  /** What the step is doing now ("creating subnet public-a", "waiting for …"), for live progress. */
  progress(activity: string): void;
  /** Report a resource's outcome: logged at once, summed at the end. */
  outcome(result: Omit<ResourceOutcome, 'step'>): void;
}

export interface Step {
  readonly name: string;
  /** The steps whose outputs (state records) this one reads; they run first, and are destroyed after. */
  readonly after: readonly string[];
  /**
   * Of `after`, the steps this one needs only to be made: a destroy may delete theirs while this
   * one's are still going (the services need the NAT to pull their first image, not to drain).
   */
  readonly createOnlyAfter?: readonly string[];
  /**
   * Checks a provision (and a plan) runs for every step before any step reconciles: reads only.
   * A refusal thrown here stops the run before anything changed (e.g. a config AWS cannot apply
   * in place).
   */
  preflight?(ctx: StepContext): Promise<void>;
  reconcile(ctx: StepContext): Promise<void>;
  destroy(ctx: StepContext): Promise<void>;
  /** What a user wants to know once it exists (URLs, IDs), read from state only. */
  outputs?(state: Pick<StateHandle, 'get'>, config: Config): Output[];
}

export interface Output {
  /** Stable key for `outputs --json`, e.g. "vpcId", "url.dev" (a dot nests: `{ "url": { "dev": … } }`). */
  key: string;
  label: string;
  /** What `shipline outputs` shows, for a person. */
  value: string;
  /** What `outputs --json` holds, for a script: the plain ID, URL, list or fields; `value` when absent. */
  json?: OutputJson;
}

/** A plain output value: no display text, lists as arrays, several fields as an object. */
export type OutputJson = string | string[] | Record<string, string>;

/** What a dry run shows for an ID that only a real run can know. */
export const KNOWN_AFTER_APPLY = '(known after apply)';

export function isKnown(id: string | undefined): id is string {
  return id !== undefined && id !== KNOWN_AFTER_APPLY;
}
