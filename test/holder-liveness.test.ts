// The proof of death a lock takeover rests on, decided from a fake /proc.
import { holderLiveness, parseBootTime, parseProcStat, type ProcessProbe } from '../state/holder-liveness';

const BOOT = 1_700_000_000; // btime, seconds
const LOCKED_AT = new Date((BOOT + 1000) * 1000).toISOString(); // the lock: 1000 s after boot

function errno(code: string): Error {
  return Object.assign(new Error(code), { code });
}

/** A process whose /proc/<pid>/stat says `state` and a start `secondsAfterBoot`. */
function stat(state: string, secondsAfterBoot: number, name = 'node'): string {
  const fields = Array.from({ length: 50 }, () => '0');
  fields[0] = state; // field 3
  fields[19] = String(secondsAfterBoot * 100); // field 22, in ticks of 1/100 s
  return `4242 (${name}) ${fields.join(' ')}\n`;
}

function probe(over: Partial<ProcessProbe> & { procStat?: string | undefined } = {}): ProcessProbe {
  const { procStat: given, ...rest } = over;
  const procStat = 'procStat' in over ? given : stat('S', 900);
  return {
    hostname: () => 'here',
    platform: 'linux',
    signal0: () => undefined,
    readText: (p) => (p === '/proc/stat' ? `cpu 1 2 3\nbtime ${BOOT}\nprocesses 9\n` : p === '/proc/sys/kernel/random/boot_id' ? 'boot-1\n' : procStat),
    clockTicksPerSecond: 100,
    ...rest,
  };
}

const holder = { pid: 4242, host: 'here', startedAt: LOCKED_AT };

describe('holderLiveness', () => {
  it.each<[string, ProcessProbe, ReturnType<typeof holderLiveness>]>([
    ['the pid is gone (ESRCH)', probe({ signal0: () => { throw errno('ESRCH'); } }), { verdict: 'dead', why: 'gone' }],
    ['the pid exited between kill(0) and /proc', probe({ procStat: undefined }), { verdict: 'dead', why: 'gone' }],
    ['a zombie (SIGKILLed, not reaped)', probe({ procStat: stat('Z', 900) }), { verdict: 'dead', why: 'zombie' }],
    ['a process started after the lock (pid reused)', probe({ procStat: stat('S', 1100) }), { verdict: 'dead', why: 'reused' }],
    ['the holder itself, started before its lock', probe(), { verdict: 'alive' }],
    ['another user\'s process (EPERM) started before the lock', probe({ signal0: () => { throw errno('EPERM'); } }), { verdict: 'alive' }],
    ['a start within the clock\'s rounding of the lock time', probe({ procStat: stat('R', 1001) }), { verdict: 'alive' }],
  ])('%s', (_what, p, expected) => {
    expect(holderLiveness(holder, p)).toEqual(expected);
  });

  describe('with the start time and boot the holder recorded of itself', () => {
    const recorded = { ...holder, startTicks: 900 * 100, bootId: 'boot-1' };

    it('the same start: alive, even when the wall clock has jumped since the lock', () => {
      const lockedLongBefore = { ...recorded, startedAt: new Date((BOOT - 3600) * 1000).toISOString() };
      expect(holderLiveness(lockedLongBefore, probe({ procStat: stat('S', 900) }))).toEqual({ verdict: 'alive' });
    });

    it('another start: the pid was reused, even when the wall clock says otherwise', () => {
      expect(holderLiveness(recorded, probe({ procStat: stat('S', 901) }))).toEqual({ verdict: 'dead', why: 'reused' });
    });

    it('another boot: every process of that boot is gone', () => {
      expect(holderLiveness({ ...recorded, bootId: 'boot-0' }, probe())).toEqual({ verdict: 'dead', why: 'rebooted' });
    });

    it('still a zombie first', () => {
      expect(holderLiveness(recorded, probe({ procStat: stat('Z', 900) }))).toEqual({ verdict: 'dead', why: 'zombie' });
    });
  });

  it('cannot know a holder on another host, even with a dead local pid', () => {
    const p = probe({ signal0: () => { throw errno('ESRCH'); } });
    expect(holderLiveness({ ...holder, host: 'ci-runner' }, p)).toMatchObject({ verdict: 'unknown', why: expect.stringContaining('ci-runner') });
  });

  it('off Linux: a gone pid is dead, a present one unknown', () => {
    expect(holderLiveness(holder, probe({ platform: 'darwin', signal0: () => { throw errno('ESRCH'); } }))).toEqual({ verdict: 'dead', why: 'gone' });
    expect(holderLiveness(holder, probe({ platform: 'darwin' }))).toMatchObject({ verdict: 'unknown' });
  });

  it('an unreadable /proc proves nothing', () => {
    const p = probe({ readText: () => { throw errno('EACCES'); } });
    expect(holderLiveness(holder, p)).toMatchObject({ verdict: 'unknown' });
  });

  it('a lock time it cannot read proves nothing', () => {
    expect(holderLiveness({ ...holder, startedAt: 'yesterday' }, probe({ procStat: stat('S', 1100) }))).toMatchObject({ verdict: 'unknown' });
  });
});

describe('parseProcStat', () => {
  it('reads past a process name holding spaces and parentheses', () => {
    expect(parseProcStat(stat('Z', 12, 'a) (b c'))).toEqual({ state: 'Z', startTicks: 1200 });
  });

  it('reads the real file of this process', () => {
    if (process.platform !== 'linux') return;
    const { readFileSync } = require('node:fs') as typeof import('node:fs');
    const own = parseProcStat(readFileSync('/proc/self/stat', 'utf8'));
    const boot = parseBootTime(readFileSync('/proc/stat', 'utf8'));
    expect(own?.state).toBe('R');
    // This process started before now and after boot.
    const startMs = (boot ?? 0) * 1000 + ((own?.startTicks ?? 0) / 100) * 1000;
    expect(startMs).toBeLessThanOrEqual(Date.now() + 2000);
    expect(startMs).toBeGreaterThan(Date.now() - process.uptime() * 1000 - 2000);
  });

  it('is undefined for text that is not a stat line', () => {
    expect(parseProcStat('garbage')).toBeUndefined();
    expect(parseBootTime('cpu 1 2 3\n')).toBeUndefined();
  });
});
