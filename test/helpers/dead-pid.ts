// A process id that no process runs under: a child that has already exited (barring pid reuse).
import { spawn } from 'node:child_process';

export async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not spawn node');
  await new Promise((resolve) => child.once('exit', resolve));
  return pid;
}
