// The pure half of `shipline logs`: the --since duration, how one event prints, and the record of
// what a follow has already printed. No AWS, no clock: logs.ts gives them the events and the time.
import type { FilteredLogEvent } from '@aws-sdk/client-cloudwatch-logs';

const UNITS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;

/** `30s`, `10m`, `2h`, `1d` → milliseconds; undefined for anything else (one number, one unit, as `aws logs tail` takes). */
export function parseSince(text: string): number | undefined {
  const match = /^(\d+)([smhd])$/.exec(text.trim());
  if (!match) return undefined;
  const amount = Number(match[1]);
  return amount > 0 ? amount * UNITS[match[2] as keyof typeof UNITS] * 1000 : undefined;
}

/**
 * Who wrote a line: a container's awslogs stream is `prefix/container/task-id`, shown as the task's
 * short ID (its last 8 characters); any other stream by its name.
 */
export function writerOf(streamName: string | undefined): string {
  const parts = (streamName ?? '').split('/');
  const taskId = parts.length === 3 ? parts[2]! : undefined;
  return taskId && /^[0-9a-f]{32}$/.test(taskId) ? taskId.slice(-8) : (streamName ?? '?');
}

/** One event as printed: who wrote it, when (UTC, to the millisecond), then the message without its line end. */
export function formatEvent(event: FilteredLogEvent, writer: string): string {
  const when = event.timestamp === undefined ? '-'.padEnd(24) : new Date(event.timestamp).toISOString();
  return `${writer} ${when} ${(event.message ?? '').replace(/\r?\n$/, '')}`;
}

/**
 * What a follow has printed, so that the next poll (from the newest timestamp seen, inclusive, as
 * `aws logs tail --follow` does) prints each event once: the IDs at that newest timestamp.
 */
export class SeenEvents {
  private newest: number | undefined;
  private atNewest = new Set<string>();

  /** The startTime of the next poll: the newest timestamp printed, or `from` before any. */
  nextStart(from: number): number {
    return this.newest === undefined ? from : Math.max(from, this.newest);
  }

  /** The events not printed yet, in time order; remembers them. */
  fresh(events: readonly FilteredLogEvent[]): FilteredLogEvent[] {
    const sorted = [...events].sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0));
    const out: FilteredLogEvent[] = [];
    for (const event of sorted) {
      const at = event.timestamp ?? 0;
      const id = event.eventId ?? `${event.logStreamName ?? ''}\n${at}\n${event.message ?? ''}`;
      if (this.newest !== undefined && at < this.newest) continue;
      if (at === this.newest && this.atNewest.has(id)) continue;
      if (this.newest === undefined || at > this.newest) {
        this.newest = at;
        this.atNewest = new Set();
      }
      this.atNewest.add(id);
      out.push(event);
    }
    return out;
  }
}
