// The local backend when a write fails after the checks passed (a full disk, a file system gone
// read-only): each names what it was writing. write-file-atomic stands in for the disk here, as
// running as root ignores file permissions.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateError } from '../src/errors';
import { LocalBackend } from '../state/local';
import { rejectionOf } from './helpers/rejection';

const failing = new Set<string>();
jest.mock('write-file-atomic', () => {
  const real = jest.requireActual<(path: string, data: string, options: object) => Promise<void>>('write-file-atomic');
  return (path: string, data: string, options: object) => {
    if (failing.has(path)) return Promise.reject(Object.assign(new Error(`ENOSPC: no space left on device, write '${path}'`), { code: 'ENOSPC' }));
    return real(path, data, options);
  };
});

let dir: string;
let path: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shipline-local-io-'));
  path = join(dir, 'demo.json');
  failing.clear();
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const stateError = (promise: Promise<unknown>) => rejectionOf(promise, StateError);

describe('the local backend on a full disk', () => {
  it('names the backup it could not write', async () => {
    await writeFile(path, 'v1');
    const backend = new LocalBackend(path);
    const read = await backend.read();
    failing.add(`${path}.bak`);
    expect((await stateError(backend.write('v2', read!.version))).message).toBe(`cannot write the backup ${path}.bak: ENOSPC`);
  });

  it('names the state file it could not save', async () => {
    failing.add(path);
    expect((await stateError(new LocalBackend(path).write('v1', undefined))).message).toBe(`cannot save state file ${path}: ENOSPC`);
  });

  it('names the moved note it could not write, and keeps the state', async () => {
    await writeFile(path, 'v1');
    const backend = new LocalBackend(path);
    const read = await backend.read();
    failing.add(`${path}.moved`);
    expect((await stateError(backend.retire(read!.version, 's3://b/k'))).message).toBe(`cannot write ${path}.moved: ENOSPC`);
    expect((await backend.read())?.text).toBe('v1');
  });
});
