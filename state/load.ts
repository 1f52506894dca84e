// Reading a stored state and turning every way it can be unusable into a StateError that names
// where it is, says what is wrong, and what to do about it.
import { readFile } from 'node:fs/promises';
import { messageOf, StateError } from '../src/errors';
import { STATE_VERSION, stateFileSchema, type StateFile } from './schema';
import { formatIssuePath, shellQuote } from './util';

/**
 * Validates the text of a state stored at `path` (a file, or s3://bucket/key); `hint` says what to
 * do when it is unusable (restore the .bak, an earlier object version …).
 */
export async function parseState(path: string, text: string, hint: () => Promise<string>): Promise<StateFile> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new StateError(
      'STATE_CORRUPT',
      `state file ${path} is not valid JSON (${messageOf(error)}); it was probably cut short or edited by hand`,
      { cause: error, hint: await hint() },
    );
  }
  checkVersion(path, json);
  const result = stateFileSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    // A bad record key nests the useful message (what keys must look like) one level down.
    const detail = issue?.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue?.message;
    const where = issue ? `${formatIssuePath(issue.path)}: ${detail}` : result.error.message;
    throw new StateError('STATE_CORRUPT', `state file ${path} is invalid at ${where}`, {
      cause: result.error,
      hint: await hint(),
    });
  }
  return result.data;
}

/** A numeric version we don't read gets its own error: the fix is another shipline, not editing the file. */
function checkVersion(path: string, json: unknown): void {
  if (typeof json !== 'object' || json === null || !('version' in json)) return;
  const found = json.version;
  if (typeof found !== 'number' || found === STATE_VERSION) return;
  throw new StateError(
    'STATE_VERSION',
    `state file ${path} has format version ${found}, but this shipline reads version ${STATE_VERSION}`,
    {
      hint:
        found > STATE_VERSION
          ? `It was written by a newer shipline: upgrade shipline to one that reads version ${found}.`
          : `Use the shipline release that wrote it, or delete ${path} and run provision again: it adopts the existing resources by their tags.`,
    },
  );
}

/** Offers the .bak when it is usable (with the exact command), else deleting the file and adopting by tags. */
export async function corruptHint(path: string): Promise<string> {
  const bak = `${path}.bak`;
  if (await isValidState(bak)) {
    return (
      `${bak} holds a valid state from before the last run; restore it with:\n` +
      `  cp ${shellQuote(bak)} ${shellQuote(path)}\n` +
      'then run again (resources created since that backup are adopted by their tags).'
    );
  }
  return `Delete ${path} and run provision again: it adopts the existing resources by their tags.`;
}

async function isValidState(path: string): Promise<boolean> {
  try {
    return stateFileSchema.safeParse(JSON.parse(await readFile(path, 'utf8'))).success;
  } catch {
    return false;
  }
}
