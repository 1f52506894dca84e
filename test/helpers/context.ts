// A StepContext for unit tests of one step: real SDK clients (stub them with aws-sdk-client-mock),
// an in-memory state, a silent logger, and the outcomes and progress the step reported.
import pino from 'pino';
import type { ResourceRecord } from '../../state';
import { AwsClients } from '../../src/aws/clients';
import { parseConfig, type Config } from '../../src/config';
import type { ResourceOutcome, StateHandle, StepContext } from '../../src/step';
import { sharedReads } from '../../src/shared-reads';
import { stackTags } from '../../src/tags';
import { BASE_CONFIG, TEST_WAITS } from './harness';

export interface TestContext extends StepContext {
  records: Map<string, ResourceRecord>;
  outcomes: ResourceOutcome[];
  activities: string[];
}

export function memoryState(records = new Map<string, ResourceRecord>()): StateHandle {
  return {
    get: (key) => records.get(key),
    keys: (prefix = '') => [...records.keys()].filter((k) => k.startsWith(prefix)).sort(),
    record: async (key, rec) => void records.set(key, { ...rec }),
    update: async (key, patch) => void records.set(key, { ...records.get(key), ...patch } as ResourceRecord),
    forget: async (key) => void records.delete(key),
  };
}

export function testContext(
  step: string,
  options: { config?: Partial<Config> | Record<string, unknown>; state?: Record<string, ResourceRecord>; dryRun?: boolean; signal?: AbortSignal; partition?: string } = {},
): TestContext {
  const config = parseConfig({ ...BASE_CONFIG, ...options.config }, 'test config');
  const records = new Map(Object.entries(options.state ?? {}));
  const outcomes: ResourceOutcome[] = [];
  const activities: string[] = [];
  return {
    step,
    config,
    aws: new AwsClients({ region: config.region }),
    state: memoryState(records),
    log: pino({ level: 'silent' }),
    tags: stackTags(config.stack),
    signal: options.signal ?? new AbortController().signal,
    dryRun: options.dryRun ?? false,
    waits: TEST_WAITS,
    wait: true,
    keepConnection: false,
    accountId: '123456789012',
    partition: options.partition ?? 'aws',
    shared: sharedReads(),
    progress: (a) => void activities.push(a),
    outcome: (o) => void outcomes.push({ step, ...o }),
    records,
    outcomes,
    activities,
  };
}
