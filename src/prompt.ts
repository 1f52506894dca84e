// A question on the terminal. Ctrl-C (a keystroke while readline holds the terminal in raw mode)
// and Ctrl-D (end of input) close the prompt without an answer: that is a cancellation, exit 130,
// never a promise left pending (Node's readline/promises never settles a question on close, so the
// run would end with exit 0, its lock still held).
import { createInterface } from 'node:readline';
import { InterruptedError } from './errors';

export function askOn(input: NodeJS.ReadableStream, output: NodeJS.WritableStream, question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input, output, ...(isTty(input) ? { terminal: true } : {}) });
    let answered = false;
    rl.on('SIGINT', () => rl.close());
    rl.once('close', () => {
      if (answered) return;
      output.write('\n');
      reject(new InterruptedError('no answer: the prompt was closed (Ctrl-C or Ctrl-D); nothing was changed'));
    });
    rl.question(question, (answer) => {
      answered = true;
      rl.close();
      resolve(answer);
    });
  });
}

function isTty(stream: NodeJS.ReadableStream): boolean {
  return (stream as { isTTY?: boolean }).isTTY === true;
}
