// The pure parts of `logs` and `exec`: the --since duration, how a line prints, what a follow has
// printed already, and the Session Manager plugin's arguments and lookup.
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { formatEvent, parseSince, SeenEvents, writerOf } from '../src/commands/log-lines';
import { EventEmitter } from 'node:events';
import { commandLine } from '../src/commands/exec';
import { ecsEndpoint, findOnPath, ignoringTerminalSignals, pluginArgs } from '../src/commands/session-manager';

describe('parseSince', () => {
  it.each([
    ['30s', 30_000],
    ['10m', 600_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
  ])('%s is %d ms', (text, ms) => expect(parseSince(text)).toBe(ms));

  it.each(['', '10', 'm', '10x', '1h30m', '-5m', '0m', '1.5h', '10 m ago'])('refuses %j', (text) => expect(parseSince(text)).toBeUndefined());
});

describe('writerOf', () => {
  it("shows a container's awslogs stream as its task's short ID", () => {
    expect(writerOf('web/web/0123456789abcdef0123456789abcdef')).toBe('89abcdef');
  });
  it('shows any other stream by its name', () => {
    expect(writerOf('demo-build/1b2c')).toBe('demo-build/1b2c');
    expect(writerOf(undefined)).toBe('?');
  });
});

describe('formatEvent', () => {
  it('prints the writer, the UTC time to the millisecond, and the message without its line end', () => {
    expect(formatEvent({ timestamp: Date.UTC(2026, 0, 1, 0, 1, 2, 3), message: 'hello\n' }, '89abcdef')).toBe('89abcdef 2026-01-01T00:01:02.003Z hello');
  });
});

describe('SeenEvents', () => {
  const event = (eventId: string, timestamp: number) => ({ eventId, timestamp, message: eventId });

  it('starts the next poll at the newest timestamp printed, and drops what was printed there', () => {
    const seen = new SeenEvents();
    expect(seen.nextStart(100)).toBe(100);
    expect(seen.fresh([event('b', 120), event('a', 110)]).map((e) => e.eventId)).toEqual(['a', 'b']);
    expect(seen.nextStart(100)).toBe(120);
    // The next poll, from 120 inclusive, sees b again and c, d new (c at the same millisecond as b).
    expect(seen.fresh([event('b', 120), event('c', 120), event('d', 130)]).map((e) => e.eventId)).toEqual(['c', 'd']);
    expect(seen.fresh([event('d', 130)])).toEqual([]);
    expect(seen.nextStart(100)).toBe(130);
  });
});

describe('the Session Manager plugin', () => {
  it("gets the AWS CLI's six arguments: session, region, StartSession, profile, target, endpoint", () => {
    const session = { sessionId: 'ecs-execute-command-1', streamUrl: 'wss://x', tokenValue: 't' };
    const args = pluginArgs({ session, region: 'eu-west-3', profile: undefined, cluster: 'demo', taskId: 'abc', runtimeId: 'abc-1', endpoint: 'https://ecs.eu-west-3.amazonaws.com' });
    expect(args).toEqual([JSON.stringify(session), 'eu-west-3', 'StartSession', '', '{"Target":"ecs:demo_abc_abc-1"}', 'https://ecs.eu-west-3.amazonaws.com']);
  });

  it("talks to the region's ECS endpoint, or to aws.endpoint when the config sets one", () => {
    expect(ecsEndpoint('eu-west-3', 'aws', null)).toBe('https://ecs.eu-west-3.amazonaws.com');
    expect(ecsEndpoint('cn-north-1', 'aws-cn', null)).toBe('https://ecs.cn-north-1.amazonaws.com.cn');
    expect(ecsEndpoint('eu-west-3', 'aws', 'http://localhost:4566')).toBe('http://localhost:4566');
  });

  it('gets the words after -- as one command, quoting those a shell would split or expand', () => {
    expect(commandLine(['ls', '-la', '/usr/share/nginx/html'])).toBe('ls -la /usr/share/nginx/html');
    expect(commandLine(['sh', '-c', 'echo $HOME; ls'])).toBe("sh -c 'echo $HOME; ls'");
    expect(commandLine(['echo', "it's", ''])).toBe("echo 'it'\\''s' ''");
  });

  it('is found on the PATH only where it is executable', () => {
    const [empty, other, bin] = [0, 1, 2].map(() => mkdtempSync(path.join(tmpdir(), 'shipline-path-')));
    writeFileSync(path.join(other!, 'session-manager-plugin'), '');
    const plugin = path.join(bin!, 'session-manager-plugin');
    writeFileSync(plugin, '#!/bin/sh\n');
    chmodSync(plugin, 0o755);
    expect(findOnPath('session-manager-plugin', [empty, bin].join(path.delimiter), false)).toBe(plugin);
    expect(findOnPath('session-manager-plugin', [empty, other].join(path.delimiter), false)).toBeUndefined();
  });

  it("leaves Ctrl-C to the session while it runs (shipline's own stop listener is off), and gives it back after", async () => {
    const source = new EventEmitter();
    const stops: string[] = [];
    source.on('SIGINT', () => stops.push('SIGINT'));
    const inside = await ignoringTerminalSignals(source, async () => {
      source.emit('SIGINT');
      source.emit('SIGTSTP');
      return source.listenerCount('SIGINT');
    });
    expect(inside).toBe(1);
    expect(stops).toEqual([]);
    source.emit('SIGINT');
    expect(stops).toEqual(['SIGINT']);
    expect(source.listenerCount('SIGTSTP')).toBe(0);
  });
});
