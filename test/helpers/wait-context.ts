// The part of a StepContext that the waits of src/aws read (waits, signal, step, log, progress),
// with what they reported: the progress lines and the log lines (debug and up), parsed.
import pino from 'pino';
import type { WaitSettings } from '../../src/step';
import { TEST_WAITS } from './harness';

export function waitContext(waits: WaitSettings = TEST_WAITS, signal: AbortSignal = new AbortController().signal) {
  const progress: string[] = [];
  const logs: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
  return { ctx: { waits, signal, step: 'network', log, progress: (a: string) => void progress.push(a) }, progress, logs };
}
