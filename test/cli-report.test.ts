// What the CLI prints for a failure: a file system error on a path is the machine's, said in words
// with the path, never a stack trace; anything else unexpected is still reported as a bug.
import { Writable } from 'node:stream';
import { reportError } from '../src/cli';
import { asLocalIoError, LocalIoError } from '../src/errors';
import type { Io } from '../src/session';

function capture(): { io: Io; text: () => string } {
  let out = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      out += String(chunk);
      done();
    },
  });
  return { io: { stdout: stream, stderr: stream, interactive: false, prompt: async () => '' }, text: () => out };
}

function fsError(code: string, syscall: string, path: string): Error {
  return Object.assign(new Error(`${code}: failed, ${syscall} '${path}'`), { code, syscall, path, errno: -13 });
}

it('EACCES on a sandbox file: exit 1, the path and the words, no stack trace', () => {
  const { io, text } = capture();
  const code = reportError(fsError('EACCES', 'open', '/home/me/.shipline/sandbox/aws.json.123'), io);
  expect(code).toBe(1);
  expect(text()).toContain('error: cannot write /home/me/.shipline/sandbox/aws.json.123: EACCES (permission denied)');
  expect(text()).toContain('hint: check that /home/me/.shipline/sandbox/aws.json.123 is a path this user may write to');
  expect(text()).not.toMatch(/\n\s+at .+:\d+:\d+/);
  expect(text()).not.toContain('bug');
});

it('EPERM creating a directory names it', () => {
  expect(asLocalIoError(fsError('EPERM', 'mkdir', '/sys/demo'))).toBeInstanceOf(LocalIoError);
  expect(asLocalIoError(fsError('EPERM', 'mkdir', '/sys/demo'))?.message).toBe('cannot create the directory /sys/demo: EPERM (operation not permitted)');
});

it('an error without a path is not taken for a file system one: still a bug, with its stack', () => {
  const { io, text } = capture();
  expect(asLocalIoError(Object.assign(new Error('x'), { code: 'EACCES' }))).toBeUndefined();
  expect(reportError(new TypeError('cannot read properties of undefined'), io)).toBe(1);
  expect(text()).toContain('a bug in shipline');
});
