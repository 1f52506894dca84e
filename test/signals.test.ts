// SIGTERM and SIGHUP stop a run as Ctrl-C does (nothing new starts, state saved, lock released),
// with exit 143 and 129; Ctrl-C or Ctrl-D at the destroy prompt is a cancellation (exit 130).
import { EventEmitter } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { InterruptedError } from '../src/errors';
import { askOn } from '../src/prompt';
import { interruptedExit, stopOnSignals, type SignalSource, type StopSignal } from '../src/signals';
import { harness, shape, type Harness } from './helpers/harness';

let h: Harness | undefined;
afterEach(() => h?.restore());

function fakeProcess(): SignalSource & { send(signal: StopSignal): void } {
  const emitter = new EventEmitter();
  return {
    on: (name, listener) => emitter.on(name, listener),
    off: (name, listener) => emitter.off(name, listener),
    send: (name) => void emitter.emit(name),
  };
}

describe('stopOnSignals', () => {
  it('aborts on the first signal with its name, and quits on the second with its code', () => {
    const source = fakeProcess();
    const said: string[] = [];
    const quits: number[] = [];
    const stop = stopOnSignals(source, (line) => said.push(line), (code) => quits.push(code));
    source.send('SIGHUP');
    expect(stop.signal.aborted).toBe(true);
    expect(stop.signal.reason).toBe('SIGHUP');
    expect(said.join('')).toContain('stopping (SIGHUP)');
    expect(quits).toEqual([]);
    source.send('SIGTERM');
    expect(quits).toEqual([143]);
    stop.dispose();
    source.send('SIGINT');
    expect(quits).toEqual([143]); // no longer listening
  });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const)('%s stops a provision cleanly: exit %d, state saved, lock released, a re-run converges', async (name, code) => {
    const reference = harness();
    await reference.ok('provision');
    reference.restore();
    const inventory = shape(reference.sandbox);

    const source = fakeProcess();
    const stop = stopOnSignals(source, () => undefined, () => {
      throw new Error('a single signal must not quit');
    });
    h = harness({ signal: stop.signal });
    h.sandbox.faults.on('RunInstances', () => source.send(name));
    const stopped = await h.run('provision');
    stop.dispose();
    expect(stopped.code).toBe(code);
    expect(stopped.stderr).toContain('run the command again to carry on');
    expect(stopped.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(existsSync(`${h.statePath}.lock`)).toBe(false);
    const state = JSON.parse(readFileSync(h.statePath, 'utf8')) as { resources: Record<string, { id?: string }> };
    expect(state.resources['nat.instance']?.id).toMatch(/^i-/);

    h.restore();
    const stoppedState = h.statePath;
    h = harness({ sandbox: h.sandbox });
    await h.ok('provision', '--state', stoppedState);
    expect(shape(h.sandbox)).toEqual(inventory);
  });

  it('a plain abort (no signal name) is Ctrl-C: 130', () => {
    const controller = new AbortController();
    controller.abort();
    expect(interruptedExit(controller.signal)).toBe(130);
    expect(interruptedExit(undefined)).toBe(130);
  });
});

describe('the destroy prompt', () => {
  const question = 'Type the stack name (demo) to confirm: ';

  it('an answer resolves', async () => {
    const input = new PassThrough();
    const answer = askOn(input, new PassThrough(), question);
    input.write('demo\n');
    await expect(answer).resolves.toBe('demo');
  });

  it('Ctrl-D (end of input) rejects as an interruption', async () => {
    const input = new PassThrough();
    const answer = askOn(input, new PassThrough(), question);
    input.end();
    await expect(answer).rejects.toBeInstanceOf(InterruptedError);
  });

  it('Ctrl-C on a terminal rejects as an interruption', async () => {
    const input = Object.assign(new PassThrough(), { isTTY: true });
    const answer = askOn(input, new PassThrough(), question);
    input.write('de\x03');
    await expect(answer).rejects.toBeInstanceOf(InterruptedError);
  });

  it('closed at the destroy prompt: exit 130, no stack trace, nothing deleted, the lock released', async () => {
    h = harness();
    await h.ok('provision');
    const before = h.sandbox.mutatingCalls().length;
    const statePath = h.statePath;
    h.restore();
    h = harness({
      sandbox: h.sandbox,
      interactive: {
        prompt: (q) => {
          const input = new PassThrough();
          const answer = askOn(input, new PassThrough(), q);
          input.end();
          return answer;
        },
      },
    });
    const result = await h.run('destroy', '--state', statePath);
    expect(result.code).toBe(130);
    expect(result.stderr).toContain('the prompt was closed');
    expect(result.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(h.sandbox.mutatingCalls().length).toBe(before);
    expect(existsSync(`${statePath}.lock`)).toBe(false);
  });
});
