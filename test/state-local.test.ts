// The local backend on its own (the StateStore's tests go through it; these reach what they do not):
// the compare-and-swap's two refusals, the moved note that `state migrate` leaves, retire and
// clearMoved, the lock's place, and the I/O errors with their advice. Found by mutation
// (`npm run mutation -- backends`).
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateError } from '../src/errors';
import { conflictError, movedMessage, parseMovedNote, serializeMovedNote, StateBackendError } from '../state/backend';
import { byWhom, LocalBackend, movedNotePath, versionOf } from '../state/local';
import { exists } from './helpers/files';
import { rejectionOf } from './helpers/rejection';

let dir: string;
let path: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'shipline-local-'));
  path = join(dir, 'demo.json');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});


const CONFLICT_HINT =
  'Another run saved the stack since this one read it: was its lock forced (--force-unlock, state unlock --force) ' +
  "while this run was still going? Let the other run finish, then run again: what this run made carries the stack's tags and is adopted.";

describe('the local backend', () => {
  it('is local, with its lock beside the file', () => {
    const backend = new LocalBackend(path);
    expect(backend.kind).toBe('local');
    expect(backend.location).toBe(path);
    expect(backend.lockLocation).toBe(`${path}.lock`);
    expect(movedNotePath(path)).toBe(`${path}.moved`);
  });

  it('refuses a save over a file deleted since it was read, saying so', async () => {
    await writeFile(path, 'v1');
    const backend = new LocalBackend(path);
    const read = await backend.read();
    await rm(path);
    const error = await rejectionOf(backend.write('v2', read!.version), StateBackendError);
    expect(error.code).toBe('STATE_CONFLICT');
    expect(error.message).toBe(`state ${path} changed underneath this run (the file was deleted); this run's save was refused and nothing was overwritten`);
    expect(error.hint).toBe(CONFLICT_HINT);
    expect(await exists(path)).toBe(false);
  });

  it('refuses a save over a file someone else wrote, and one where none was expected', async () => {
    await writeFile(path, 'v1');
    const backend = new LocalBackend(path);
    const read = await backend.read();
    await writeFile(path, 'theirs');
    expect((await rejectionOf(backend.write('v2', read!.version), StateBackendError)).message).toContain('(the file was written by someone else)');
    expect((await rejectionOf(new LocalBackend(path).write('v2', undefined), StateBackendError)).message).toContain('(the file was written by someone else)');
    expect(await readFile(path, 'utf8')).toBe('theirs');
  });

  it('saves over the version it read, answering the new version', async () => {
    await writeFile(path, 'v1');
    const backend = new LocalBackend(path);
    const read = await backend.read();
    expect(read).toEqual({ text: 'v1', version: versionOf('v1') });
    expect(await backend.write('v2', read!.version)).toBe(versionOf('v2'));
    expect(await readFile(path, 'utf8')).toBe('v2');
    expect(await readFile(`${path}.bak`, 'utf8')).toBe('v1');
  });

  it('names a state that moved: where to, when and by whom, or only that it moved', async () => {
    const backend = new LocalBackend(path);
    expect(await backend.elsewhere()).toBeUndefined();
    await writeFile(movedNotePath(path), serializeMovedNote('s3://bucket/demo.json', 'ann@host (pid 1)'));
    const moved = await backend.elsewhere();
    expect(moved?.message).toMatch(new RegExp(`^the state of ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} was moved to s3://bucket/demo\\.json on \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z \\(by ann@host \\(pid 1\\)\\)$`));
    expect(moved?.hint).toBe(
      'Set state.backend in the config to where it is now ({ "type": "s3", "bucket": …, "key": … }). To bring it back ' +
        'here, run `shipline state migrate --to local` with that backend in the config, then set state.backend to local.',
    );
    await writeFile(movedNotePath(path), 'not a note');
    expect((await backend.elsewhere())?.message).toBe(`the state of ${path} was moved elsewhere by \`shipline state migrate\``);
  });

  it('retires the state it read: a note where it was, the file gone, the .bak kept', async () => {
    await writeFile(path, 'v1');
    await writeFile(`${path}.bak`, 'v0');
    const backend = new LocalBackend(path);
    const read = await backend.read();
    await backend.retire(read!.version, 's3://bucket/demo.json');
    expect(await exists(path)).toBe(false);
    expect(await readFile(`${path}.bak`, 'utf8')).toBe('v0');
    const note = parseMovedNote(await readFile(movedNotePath(path), 'utf8'));
    expect(note).toEqual({ movedTo: 's3://bucket/demo.json', movedAt: expect.stringMatching(/^\d{4}-/), by: byWhom() });
    await backend.clearMoved();
    expect(await exists(movedNotePath(path))).toBe(false);
    await backend.clearMoved(); // nothing left to remove: fine
  });

  it('does not retire a state that changed or vanished since it was read', async () => {
    await writeFile(path, 'v1');
    const backend = new LocalBackend(path);
    const read = await backend.read();
    await writeFile(path, 'v2');
    const changed = await rejectionOf(backend.retire(read!.version, 's3://b/k'), StateBackendError);
    expect(changed.message).toContain('(the file changed during the migration)');
    expect(await readFile(path, 'utf8')).toBe('v2');
    await rm(path);
    expect((await rejectionOf(backend.retire(read!.version, 's3://b/k'), StateBackendError)).code).toBe('STATE_CONFLICT');
    expect(await exists(movedNotePath(path))).toBe(false);
  });

  it('takes, reads and breaks the lock beside the file', async () => {
    const backend = new LocalBackend(path);
    const lock = await backend.lock({ command: 'provision' });
    expect(await exists(`${path}.lock`)).toBe(true);
    expect(await backend.readLock()).toMatchObject({ pid: process.pid, command: 'provision' });
    expect(await backend.breakLock()).toMatchObject({ pid: process.pid });
    expect(await backend.readLock()).toBeUndefined();
    await lock.release();
  });

  it('names the file, the OS error and what to check when the state cannot be read', async () => {
    await mkdir(path);
    const error = await rejectionOf(new LocalBackend(path).read(), StateError);
    expect(error.code).toBe('STATE_IO');
    expect(error.message).toBe(`cannot read state file ${path}: EISDIR`);
    expect(error.hint).toBe('Check that the file is readable by you (and is a file, not a directory).');
  });

  it('names the directory, the OS error and what to do when the state cannot be saved', async () => {
    await writeFile(join(dir, 'file'), 'x');
    const inside = join(dir, 'file', 'demo.json');
    const error = await rejectionOf(new LocalBackend(inside).write('v1', undefined), StateError);
    expect(error.code).toBe('STATE_IO');
    expect(error.message).toBe(`cannot create the directory of ${join(dir, 'file')}: EEXIST`);
    expect(error.hint).toBe(`Check that ${join(dir, 'file')} is writable and the disk is not full, then run again (resources created so far carry their tags, so the next run adopts them).`);
  });

  it('says a save could not read the file first, with the save advice', async () => {
    await mkdir(path);
    const error = await rejectionOf(new LocalBackend(path).write('v1', undefined), StateError);
    expect(error.message).toBe(`cannot save state file ${path}: EISDIR`);
    expect(error.hint).toBe(`Check that ${dir} is writable and the disk is not full, then run again (resources created so far carry their tags, so the next run adopts them).`);
  });

  it('names the moved note it cannot read, and the state file retire cannot read', async () => {
    await mkdir(movedNotePath(path));
    expect((await rejectionOf(new LocalBackend(path).elsewhere(), StateError)).message).toBe(`cannot read ${movedNotePath(path)}: EISDIR`);
    await mkdir(path);
    expect((await rejectionOf(new LocalBackend(path).retire('v', 's3://b/k'), StateError)).message).toBe(`cannot read state file ${path}: EISDIR`);
  });
});

describe('moved notes and conflicts', () => {
  it('reads a note back, with "?" for a missing or odd author, and nothing from what is not a note', () => {
    expect(parseMovedNote(JSON.stringify({ movedTo: 'a', movedAt: 't', by: 'me' }))).toEqual({ movedTo: 'a', movedAt: 't', by: 'me' });
    expect(parseMovedNote(JSON.stringify({ movedTo: 'a', movedAt: 't' }))).toEqual({ movedTo: 'a', movedAt: 't', by: '?' });
    expect(parseMovedNote(JSON.stringify({ movedTo: 'a', movedAt: 't', by: 7 }))).toEqual({ movedTo: 'a', movedAt: 't', by: '?' });
    expect(parseMovedNote(JSON.stringify({ movedTo: 5, movedAt: 't' }))).toBeUndefined();
    expect(parseMovedNote(JSON.stringify({ movedTo: 'a', movedAt: 5 }))).toBeUndefined();
    expect(parseMovedNote('{')).toBeUndefined();
  });

  it('writes a note as indented JSON with a newline, dated now', () => {
    const before = Date.now();
    const text = serializeMovedNote('s3://b/k', 'me');
    expect(text).toMatch(/^\{\n {2}"movedTo": "s3:\/\/b\/k",\n/);
    expect(text.endsWith('}\n')).toBe(true);
    expect(Date.parse(parseMovedNote(text)!.movedAt)).toBeGreaterThanOrEqual(before - 1);
    expect(movedMessage('x.json', undefined)).toBe('the state of x.json was moved elsewhere by `shipline state migrate`');
  });

  it('keeps the cause of a conflict it is given', () => {
    const cause = new Error('412 Precondition Failed');
    expect(conflictError('s3://b/k', 'ETag changed', cause).cause).toBe(cause);
  });

  it('names who holds a run: user@host (pid)', () => {
    expect(byWhom()).toMatch(new RegExp(`^[^@]+@${hostname().replace(/\./g, '\\.')} \\(pid ${process.pid}\\)$`));
  });
});
