import { Writable } from 'node:stream';
import pino from 'pino';
import { LogProgress, TerminalProgress } from '../src/progress';

/** A terminal progress writing into a string, with the live lines' escape codes stripped. */
function terminal(): { progress: TerminalProgress; text: () => string } {
  let out = '';
  const sink = new Writable({
    write(chunk, _enc, done) {
      out += String(chunk);
      done();
    },
  });
  return { progress: new TerminalProgress(sink), text: () => out.replace(/\x1b\[[0-9;?]*[a-zA-Z]/g, '') };
}

describe('terminal progress', () => {
  it('says what a step that only waited waited for, and "nothing to do" for one that did nothing', () => {
    const { progress, text } = terminal();
    progress.stepStarted('alb-active');
    progress.stepActivity('alb-active', 'waiting for load balancer demo-alb to be active');
    progress.stepFinished('alb-active', { status: 'done', ms: 1300, outcomes: [] });
    progress.stepStarted('codedeploy');
    progress.stepFinished('codedeploy', { status: 'done', ms: 10, outcomes: [] });
    expect(text()).toContain('✔ alb-active waited for load balancer demo-alb to be active  (1.3s)');
    expect(text()).toContain('✔ codedeploy nothing to do  (0.0s)');
  });

  it('sums a step by its outcomes, even when it waited last', () => {
    const { progress, text } = terminal();
    progress.stepStarted('services');
    progress.stepActivity('services', 'waiting for services demo-dev, demo-prod to be stable');
    progress.stepFinished('services', {
      status: 'done',
      ms: 61000,
      outcomes: [{ step: 'services', resource: 'services.service.dev', kind: 'ECS service', id: 'demo-dev', outcome: 'created' }],
    });
    expect(text()).toContain('✔ services   1 created  (61.0s)');
  });
});

describe('log progress (CI, pipes)', () => {
  function logged(): { progress: LogProgress; lines: () => Array<{ level: number; msg: string; step?: string }> } {
    let out = '';
    const sink = new Writable({
      write(chunk, _enc, done) {
        out += String(chunk);
        done();
      },
    });
    const log = pino({ level: 'debug' }, sink);
    return { progress: new LogProgress(log), lines: () => out.trim().split('\n').map((l) => JSON.parse(l) as { level: number; msg: string; step?: string }) };
  }

  it('says each state of a wait once at info, however often the wait polls it (the rest at debug)', () => {
    const { progress, lines } = logged();
    const left = (n: number) => `waiting for network interfaces using security group sg-1 to be released: ${n} left`;
    for (let i = 0; i < 100; i++) progress.stepActivity('alb', left(2));
    progress.stepActivity('alb', left(1));
    progress.stepActivity('alb', left(1));
    progress.stepActivity('network', left(2)); // another step's wait is its own
    const info = lines().filter((l) => l.level === 30).map((l) => `${l.step}: ${l.msg}`);
    expect(info).toEqual([`alb: ${left(2)}`, `alb: ${left(1)}`, `network: ${left(2)}`]);
    expect(lines().filter((l) => l.level === 20)).toHaveLength(100);
  });
});
