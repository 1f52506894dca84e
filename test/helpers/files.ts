import { stat } from 'node:fs/promises';

/** Is there a file (or directory) at `p`? */
export async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}
