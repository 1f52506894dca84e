// A terminal for command tests: stdout kept, stderr dropped; with answers it is interactive and
// answers each question in turn (an empty answer once they run out), recording the questions.
import { Writable } from 'node:stream';
import type { Io } from '../../src/session';

export function fakeTerminal(answers: string[] | undefined): Io & { out: () => string; questions: string[] } {
  let out = '';
  const questions: string[] = [];
  const sink = new Writable({ write: (chunk, _enc, done) => ((out += String(chunk)), done()) });
  return {
    stdout: sink,
    stderr: new Writable({ write: (_c, _e, done) => done() }),
    interactive: answers !== undefined,
    prompt: async (question) => {
      questions.push(question);
      return answers!.shift() ?? '';
    },
    out: () => out,
    questions,
  };
}
