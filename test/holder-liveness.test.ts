// The proof of death a lock takeover rests on, decided from a fake /proc.
import { describeDeath, holderLiveness, ownIdentity, parseBootTime, parseProcStat, systemProbe, type ProcessProbe } from '../state/holder-liveness';

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

describe('what a takeover says, and the edges of the proof', () => {
  it('describeDeath puts each proof in words', () => {
    expect(describeDeath('gone')).toBe('that process no longer exists');
    expect(describeDeath('zombie')).toBe('that process was killed and is a zombie waiting to be reaped');
    expect(describeDeath('reused')).toBe('that pid now belongs to a process started after the lock was taken');
    expect(describeDeath('rebooted')).toBe('this machine has restarted since the lock was taken');
  });

  it('says why it cannot know: no /proc, an unreadable stat, a start it cannot compare', () => {
    expect(holderLiveness(holder, probe({ platform: 'darwin' }))).toEqual({
      verdict: 'unknown',
      why: 'a process with that pid exists, and this system has no /proc to tell whether it is the same one',
    });
    expect(holderLiveness(holder, probe({ procStat: 'garbage' }))).toEqual({ verdict: 'unknown', why: '/proc/4242/stat cannot be read' });
    const noBoot = probe({ readText: (p) => (p === '/proc/stat' ? 'cpu 1\n' : p.endsWith('boot_id') ? 'boot-1\n' : stat('S', 1100)) });
    expect(holderLiveness(holder, noBoot)).toEqual({ verdict: 'unknown', why: 'the start time of that process cannot be compared with the lock' });
  });

  it('a process being removed (X) is dead like a zombie', () => {
    expect(holderLiveness(holder, probe({ procStat: stat('X', 900) }))).toEqual({ verdict: 'dead', why: 'zombie' });
  });

  it('a start exactly at the slack past the lock time is still the holder', () => {
    expect(holderLiveness(holder, probe({ procStat: stat('S', 1002) }))).toEqual({ verdict: 'alive' });
  });

  it('off Linux, a recorded boot is not compared with anything read', () => {
    const darwin = probe({ platform: 'darwin', readText: (p) => (p.endsWith('boot_id') ? 'boot-2\n' : undefined) });
    expect(holderLiveness({ ...holder, bootId: 'boot-1' }, darwin)).toMatchObject({ verdict: 'unknown' });
  });

  it('a recorded start is trusted only with a recorded boot that is this one; otherwise the lock time decides', () => {
    // Started after the lock by the wall clock, but the recorded start matches: the holder.
    const late = probe({ procStat: stat('S', 1100) });
    expect(holderLiveness({ ...holder, startTicks: 1100 * 100, bootId: 'boot-1' }, late)).toEqual({ verdict: 'alive' });
    // No boot recorded: the recorded start proves nothing, the lock time does.
    expect(holderLiveness({ ...holder, startTicks: 1100 * 100 }, late)).toEqual({ verdict: 'dead', why: 'reused' });
    // A boot recorded, but this one's cannot be read: the same.
    const noBootId = probe({ procStat: stat('S', 1100), readText: (p) => (p === '/proc/stat' ? `btime ${BOOT}\n` : p.endsWith('boot_id') ? undefined : stat('S', 1100)) });
    expect(holderLiveness({ ...holder, startTicks: 1100 * 100, bootId: 'boot-1' }, noBootId)).toEqual({ verdict: 'dead', why: 'reused' });
    // A boot but no start recorded: the lock time decides.
    expect(holderLiveness({ ...holder, bootId: 'boot-1' }, probe({ procStat: stat('S', 900) }))).toEqual({ verdict: 'alive' });
  });
});

describe('ownIdentity', () => {
  it('on Linux: its start and boot, from /proc', () => {
    const p = probe({ procStat: stat('R', 1234) });
    expect(ownIdentity(p)).toEqual({ startTicks: 123400, bootId: 'boot-1' });
  });

  it('only what it could read; nothing off Linux or when /proc fails', () => {
    expect(ownIdentity(probe({ readText: (p) => (p.endsWith('boot_id') ? undefined : stat('R', 5)) }))).toEqual({ startTicks: 500 });
    expect(ownIdentity(probe({ readText: (p) => (p.endsWith('boot_id') ? 'boot-9\n' : undefined) }))).toEqual({ bootId: 'boot-9' });
    expect(ownIdentity(probe({ platform: 'darwin' }))).toEqual({});
    expect(ownIdentity(probe({ readText: () => { throw errno('EACCES'); } }))).toEqual({});
  });

  it('reads this process\'s own /proc entry', () => {
    const read: string[] = [];
    ownIdentity(probe({ readText: (p) => (read.push(p), undefined) }));
    expect(read).toEqual([`/proc/${process.pid}/stat`, '/proc/sys/kernel/random/boot_id']);
  });
});

describe('systemProbe.readText', () => {
  it('is undefined for a file that does not exist, and fails for one it cannot read', () => {
    expect(systemProbe.readText('/proc/0/no-such-file')).toBeUndefined();
    expect(() => systemProbe.readText('/')).toThrow(expect.objectContaining({ code: 'EISDIR' }));
  });
});

describe('parsing /proc', () => {
  it('parseProcStat: fields split on any run of blanks; a line with no name, or cut short, is not a stat', () => {
    expect(parseProcStat('1 (x) S  0\t0 ' + Array.from({ length: 18 }, (_, i) => (i === 16 ? '777' : '0')).join(' '))).toEqual({ state: 'S', startTicks: 777 });
    expect(parseProcStat('1 (x)')).toBeUndefined();
    expect(parseProcStat('1 (x) S 0 0')).toBeUndefined();
  });

  it('parseBootTime: a btime line of its own, digits only', () => {
    expect(parseBootTime('cpu 1\nbtime  1700000000 \nx 1')).toBe(1700000000);
    expect(parseBootTime('cpu 1\nxbtime 17\n')).toBeUndefined();
    expect(parseBootTime('btime 17abc\n')).toBeUndefined();
  });
});

describe('reading the right files', () => {
  it('reads the holder\'s own /proc/<pid>/stat', () => {
    const only = probe({ readText: (p) => (p === '/proc/stat' ? `btime ${BOOT}\n` : p === '/proc/4242/stat' ? stat('Z', 900) : undefined) });
    expect(holderLiveness(holder, only)).toEqual({ verdict: 'dead', why: 'zombie' });
  });

  it('a recorded start without any boot to match (none recorded, none readable): the lock time decides', () => {
    const noBootId = probe({ readText: (p) => (p === '/proc/stat' ? `btime ${BOOT}\n` : p.endsWith('boot_id') ? undefined : stat('S', 1100)) });
    expect(holderLiveness({ ...holder, startTicks: 1100 * 100 }, noBootId)).toEqual({ verdict: 'dead', why: 'reused' });
  });

  it('systemProbe reads text', () => {
    expect(typeof systemProbe.readText(__filename)).toBe('string');
  });

  it('a line without the parenthesised name is not a stat, however many fields it has', () => {
    expect(parseProcStat(`1 x ${Array.from({ length: 30 }, () => '5').join(' ')}`)).toBeUndefined();
  });
});
