// Is the process that wrote a lock still the one running under its pid? A lock may be taken over
// only when the answer is a proof of death on this host: the pid is gone, it is a zombie (killed,
// not yet reaped by its parent), or the pid now belongs to a process started after the lock was
// written (pid reuse). Anything else, including "cannot tell", keeps the lock.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { errnoCode } from './util';

export type DeathProof = 'gone' | 'zombie' | 'reused' | 'rebooted';

export type Liveness =
  | { verdict: 'dead'; why: DeathProof }
  | { verdict: 'alive' }
  | { verdict: 'unknown'; why: string };

/** What the check reads from the system; tests put their own in its place. */
export interface ProcessProbe {
  hostname(): string;
  platform: NodeJS.Platform;
  /** `process.kill(pid, 0)`: throws ESRCH when no such process exists, EPERM when it isn't ours. */
  signal0(pid: number): void;
  /** A file's text (/proc/<pid>/stat, /proc/stat); undefined when it does not exist. */
  readText(path: string): string | undefined;
  /** USER_HZ, the unit of /proc/<pid>/stat's start time: 100 on every Linux architecture node runs on. */
  clockTicksPerSecond: number;
}

export const systemProbe: ProcessProbe = {
  hostname,
  platform: process.platform,
  signal0: (pid) => void process.kill(pid, 0),
  readText: (path) => {
    try {
      return readFileSync(path, 'utf8');
    } catch (error) {
      if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ESRCH') return undefined;
      throw error;
    }
  },
  clockTicksPerSecond: 100,
};

/**
 * /proc/stat's btime is whole seconds and the start time is in ticks: a process is "started after
 * the lock" only when it started this much later than the lock's time, so a rounding error can
 * never turn a live holder into a dead one.
 */
const START_TIME_SLACK_MS = 2_000;

/**
 * What a lock records of its holder beyond pid and time, on Linux: the start time of its process
 * (in ticks after boot) and the boot it ran in. They prove pid reuse and reboots without trusting
 * the wall clock, which NTP may have stepped since.
 */
export interface ProcessIdentity {
  startTicks?: number;
  bootId?: string;
}

const BOOT_ID = '/proc/sys/kernel/random/boot_id';

/** This process's identity, as a lock records it; empty off Linux or when /proc cannot be read. */
export function ownIdentity(probe: ProcessProbe = systemProbe): ProcessIdentity {
  if (probe.platform !== 'linux') return {};
  try {
    const stat = parseProcStat(probe.readText(`/proc/${process.pid}/stat`) ?? '');
    const bootId = probe.readText(BOOT_ID)?.trim();
    return { ...(stat ? { startTicks: stat.startTicks } : {}), ...(bootId ? { bootId } : {}) };
  } catch {
    return {};
  }
}

export function holderLiveness(
  holder: { pid: number; host: string; startedAt: string } & ProcessIdentity,
  probe: ProcessProbe = systemProbe,
): Liveness {
  if (holder.host !== probe.hostname()) return { verdict: 'unknown', why: `it runs on another host (${holder.host})` };
  const bootId = probe.platform === 'linux' ? safeRead(probe, BOOT_ID)?.trim() : undefined;
  // Every process of an earlier boot is gone, whatever now runs under its pid.
  if (holder.bootId && bootId && holder.bootId !== bootId) return { verdict: 'dead', why: 'rebooted' };
  try {
    probe.signal0(holder.pid);
  } catch (error) {
    if (errnoCode(error) === 'ESRCH') return { verdict: 'dead', why: 'gone' };
    // EPERM: a process of another user has the pid; the checks below still apply.
  }
  if (probe.platform !== 'linux') return { verdict: 'unknown', why: 'a process with that pid exists, and this system has no /proc to tell whether it is the same one' };
  let stat: ProcStat | undefined;
  let bootSeconds: number | undefined;
  try {
    const text = probe.readText(`/proc/${holder.pid}/stat`);
    if (text === undefined) return { verdict: 'dead', why: 'gone' }; // exited between the two looks
    stat = parseProcStat(text);
    bootSeconds = parseBootTime(probe.readText('/proc/stat') ?? '');
  } catch {
    // Unreadable /proc (hardened mounts): no proof either way.
  }
  if (!stat) return { verdict: 'unknown', why: `/proc/${holder.pid}/stat cannot be read` };
  // Z: killed or exited, waiting for its parent to reap it. X: dead, being removed.
  if (stat.state === 'Z' || stat.state === 'X') return { verdict: 'dead', why: 'zombie' };
  // The start time the holder recorded of itself: another one is another process.
  if (holder.startTicks !== undefined && holder.bootId !== undefined && holder.bootId === bootId) {
    return stat.startTicks === holder.startTicks ? { verdict: 'alive' } : { verdict: 'dead', why: 'reused' };
  }
  // A lock that recorded no start time (another system, an older shipline): compare with the lock's time.
  const lockedAt = Date.parse(holder.startedAt);
  if (bootSeconds === undefined || !Number.isFinite(lockedAt)) return { verdict: 'unknown', why: 'the start time of that process cannot be compared with the lock' };
  const processStartMs = bootSeconds * 1000 + (stat.startTicks / probe.clockTicksPerSecond) * 1000;
  if (processStartMs > lockedAt + START_TIME_SLACK_MS) return { verdict: 'dead', why: 'reused' };
  return { verdict: 'alive' };
}

export interface ProcStat {
  /** R, S, D, Z, T … */
  state: string;
  /** Field 22: the start time, in clock ticks after boot. */
  startTicks: number;
}

/** Fields of /proc/<pid>/stat. The name (field 2) is in parentheses and may hold spaces or ")". */
export function parseProcStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  // Fields 3 onwards, so field N is at index N - 3.
  const rest = text.slice(close + 1).trim().split(/\s+/);
  const state = rest[0];
  const startTicks = Number(rest[22 - 3]);
  if (!state || !Number.isFinite(startTicks)) return undefined;
  return { state, startTicks };
}

/** `btime` of /proc/stat: the boot time, in seconds since the epoch. */
export function parseBootTime(text: string): number | undefined {
  const match = /^btime\s+(\d+)\s*$/m.exec(text);
  return match ? Number(match[1]) : undefined;
}

function safeRead(probe: ProcessProbe, path: string): string | undefined {
  try {
    return probe.readText(path);
  } catch {
    return undefined;
  }
}

/** "its process is gone" — the reason a takeover gives, in words. */
export function describeDeath(why: DeathProof): string {
  switch (why) {
    case 'gone':
      return 'that process no longer exists';
    case 'zombie':
      return 'that process was killed and is a zombie waiting to be reaped';
    case 'reused':
      return 'that pid now belongs to a process started after the lock was taken';
    case 'rebooted':
      return 'this machine has restarted since the lock was taken';
  }
}
