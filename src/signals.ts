// How a run is told to stop: Ctrl-C (SIGINT), a terminal closing (SIGHUP) or a supervisor ending
// it (SIGTERM, as docker stop, systemd and CI runners send). Each stops the run the same way: nothing
// new starts, the calls in flight finish, state is saved, the lock released; the exit code is
// 128 + the signal's number, as shells report a process the signal ended. A second signal quits at once.
import { EXIT, type ExitCode } from './errors';

export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

const EXIT_FOR: Record<StopSignal, ExitCode> = { SIGINT: EXIT.interrupted, SIGTERM: EXIT.terminated, SIGHUP: EXIT.hangup };

/** Where signals come from: `process`, or an EventEmitter in tests. */
export interface SignalSource {
  on(signal: StopSignal, listener: () => void): unknown;
  off(signal: StopSignal, listener: () => void): unknown;
}

export interface StopOnSignals {
  /** Aborted by the first signal; its reason is the signal's name. */
  signal: AbortSignal;
  /** Stops listening. */
  dispose(): void;
}

/**
 * Turns the first stop signal into an abort of the run, and a second one into `quit` (the process
 * exits at once, with the code of that signal).
 */
export function stopOnSignals(source: SignalSource, say: (line: string) => void, quit: (code: ExitCode) => void): StopOnSignals {
  const controller = new AbortController();
  const listeners = STOP_SIGNALS.map((name) => {
    const listener = () => {
      if (controller.signal.aborted) return quit(EXIT_FOR[name]);
      say(`\nstopping (${name}): finishing the calls in flight and saving state (Ctrl-C again to quit at once)\n`);
      controller.abort(name);
    };
    source.on(name, listener);
    return { name, listener };
  });
  return {
    signal: controller.signal,
    dispose: () => {
      for (const { name, listener } of listeners) source.off(name, listener);
    },
  };
}

/** The exit code of an interrupted run: that of the signal that stopped it (130 for a plain abort). */
export function interruptedExit(signal: AbortSignal | undefined): ExitCode {
  const reason: unknown = signal?.reason;
  return typeof reason === 'string' && reason in EXIT_FOR ? EXIT_FOR[reason as StopSignal] : EXIT.interrupted;
}
