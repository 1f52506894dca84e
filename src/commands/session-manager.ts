// The Session Manager plugin, which turns an ECS ExecuteCommand session into a terminal: found on
// the PATH and run with the arguments the AWS CLI gives it (aws/aws-cli
// awscli/customizations/ecs/executecommand.py): the session as JSON, the region, `StartSession`,
// the profile (or ''), `{"Target": "ecs:<cluster>_<task-id>_<container-runtime-id>"}` as JSON, and
// the ECS endpoint. Both halves are injectable (Overrides.sessionManager), so tests need neither.
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import type { Session } from '@aws-sdk/client-ecs';

export const PLUGIN_NAME = 'session-manager-plugin';
/** Where AWS says how to install it, per operating system. */
export const PLUGIN_INSTALL_URL = 'https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-working-with-install-plugin.html';

export interface SessionManagerPlugin {
  /** The plugin's path, or undefined when it is not installed. */
  find(): string | undefined;
  /** Runs it on this terminal; resolves to its exit code. */
  run(pluginPath: string, args: readonly string[]): Promise<number>;
}

/** What the plugin needs to open the session. */
export interface PluginSession {
  session: Session;
  region: string;
  profile: string | undefined;
  cluster: string;
  taskId: string;
  runtimeId: string;
  endpoint: string;
}

/** The plugin's arguments, in the AWS CLI's order. */
export function pluginArgs(s: PluginSession): string[] {
  return [JSON.stringify(s.session), s.region, 'StartSession', s.profile ?? '', JSON.stringify({ Target: `ecs:${s.cluster}_${s.taskId}_${s.runtimeId}` }), s.endpoint];
}

/** ECS's endpoint in the region (`aws.endpoint` replaces it, as it replaces every call's). */
export function ecsEndpoint(region: string, partition: string, configured: string | null | undefined): string {
  if (configured) return configured;
  return `https://ecs.${region}.${partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com'}`;
}

/** The real plugin: the first executable `session-manager-plugin` on the PATH, run with this terminal. */
export const systemPlugin: SessionManagerPlugin = {
  find: () => findOnPath(PLUGIN_NAME, process.env.PATH ?? '', process.platform === 'win32'),
  run: (pluginPath, args) =>
    ignoringTerminalSignals(
      process,
      () =>
        new Promise((resolve, reject) => {
          const child = spawn(pluginPath, [...args], { stdio: 'inherit' });
          child.on('error', reject);
          child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
        }),
    ),
};

/** The keys a person presses in a session: they are the session's (the plugin forwards them), not shipline's. */
export const TERMINAL_SIGNALS = ['SIGINT', 'SIGQUIT', 'SIGTSTP'] as const;

/** Where the signals come from: `process`, or an EventEmitter in tests. */
export type SignalEmitter = Pick<NodeJS.EventEmitter, 'listeners' | 'removeAllListeners' | 'on'>;

/**
 * Runs `body` with Ctrl-C, Ctrl-\\ and Ctrl-Z ignored by shipline (its own stop-on-Ctrl-C included),
 * as the AWS CLI does while the plugin runs (aws-cli's ignore_user_entered_signals): the keys reach
 * the plugin, which hands them to the session; shipline's listeners come back afterwards.
 */
export async function ignoringTerminalSignals<T>(source: SignalEmitter, body: () => Promise<T>): Promise<T> {
  const saved = TERMINAL_SIGNALS.map((signal) => ({ signal, listeners: source.listeners(signal) }));
  const ignore = () => undefined;
  for (const { signal } of saved) {
    source.removeAllListeners(signal);
    source.on(signal, ignore);
  }
  try {
    return await body();
  } finally {
    for (const { signal, listeners } of saved) {
      source.removeAllListeners(signal);
      for (const listener of listeners) source.on(signal, listener as (...args: unknown[]) => void);
    }
  }
}

export function findOnPath(name: string, pathList: string, windows: boolean): string | undefined {
  const names = windows ? [`${name}.exe`, name] : [name];
  for (const dir of pathList.split(path.delimiter).filter(Boolean)) {
    for (const file of names) {
      const candidate = path.join(dir, file);
      try {
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        // Not here: the next directory.
      }
    }
  }
  return undefined;
}
