// `shipline state show | migrate | unlock | forget`: the stack's state where the team keeps it.
//
// migrate moves the state between the local file and the S3 object the config names, holding both
// locks: it copies the exact bytes (create-only at the destination), reads them back, and only
// then retires the source, leaving a note there that says where the state went (so a run with
// the old config stops instead of starting an empty stack). Interrupted at any point, the source
// is still the state; run again, it finishes (a destination that already holds the same bytes is
// the copy an interrupted migrate made).
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { LocalBackend, StateStore, type LockHolder, type StateBackend } from '../../state';
import { since } from '../../state/lock';
import { loadState, parseStored } from '../../state/store';
import { StateBackendError } from '../../state/backend';
import { ShiplineError, UsageError } from '../errors';
import { stateBackend, withBackend, type GlobalOptions, type Io, type Overrides } from '../session';

/** There is no state to show or move. */
export class NoStateError extends ShiplineError {
  readonly code = 'NO_STATE';
}

/** `state show`: the state as stored on stdout; where it is and who holds the lock on stderr. */
export async function showState(options: GlobalOptions, io: Io, overrides: Overrides = {}): Promise<void> {
  await withBackend(options, io, overrides, { dryRun: true }, async ({ config, backend, ui }) => {
    const loaded = await loadState(backend, { stack: config.stack });
    if (!loaded) {
      throw new NoStateError(`stack ${config.stack} has no state in ${backend.location}`, {
        hint: 'provision creates it; if the stack lives in another backend, set state.backend in the config',
      });
    }
    const lock = await backend.readLock();
    const count = Object.keys(loaded.state.resources).length;
    ui.log.info(
      { location: backend.location, version: loaded.version, resources: count, lock: lock ?? null },
      `state of ${config.stack} in ${backend.location}: ${count} resources, account ${loaded.state.accountId ?? '(none yet)'}, ` +
        `updated ${loaded.state.updatedAt}; ${lock ? `locked by ${describeHolder(lock)}` : 'not locked'}`,
    );
    io.stdout.write(loaded.text);
  });
}

/** `state migrate --to s3|local`. */
export async function migrateState(to: 's3' | 'local', options: GlobalOptions, io: Io, overrides: Overrides = {}): Promise<void> {
  await withBackend(options, io, overrides, { dryRun: false }, async ({ config, statePath, aws, ui }) => {
    if (config.state.backend.type !== 's3') {
      throw new UsageError(`state migrate moves the state between ${statePath} and S3, but ${options.config} names no S3 location`, {
        hint: 'set state.backend to { "type": "s3", "bucket": "…", "key": "…" } in the config (the bucket must exist, ideally with versioning), then run it again',
      });
    }
    const local = new LocalBackend(statePath);
    const remote = stateBackend(config, statePath, aws);
    const [from, dest] = to === 's3' ? [local, remote] : [remote, local];
    const command = `state migrate --to ${to}`;
    const fromLock = await from.lock({ command, force: options.forceUnlock });
    try {
      const destLock = await dest.lock({ command, force: options.forceUnlock });
      try {
        // Where a teammate's run is told the state went: a local file is on this machine.
        const movedTo = to === 'local' ? `local file ${resolve(statePath)} on ${hostname()}` : dest.location;
        const moved = await move(from, dest, config.stack, movedTo);
        if (moved === 'already') {
          ui.log.info(`the state of ${config.stack} is already in ${dest.location}; nothing to move`);
        } else {
          ui.log.info({ from: from.location, to: dest.location, bytes: moved.bytes }, `moved the state of ${config.stack} from ${from.location} to ${dest.location} (${moved.resources} resources, the same ${moved.bytes} bytes)`);
        }
        if (to === 'local') {
          io.stderr.write(`next: set state.backend to { "type": "local" } in ${options.config}: until then, runs look for the state in ${from.location} and stop.\n`);
        }
      } finally {
        await destLock.release();
      }
    } finally {
      await fromLock.release();
    }
  });
}

async function move(from: StateBackend, dest: StateBackend, stack: string, movedTo: string): Promise<'already' | { resources: number; bytes: number }> {
  const there = await dest.read();
  const source = await from.read();
  if (!source) {
    // A migrate that finished already (or one interrupted after the source was retired) leaves the note.
    if (there && (await from.elsewhere())) return 'already';
    throw new NoStateError(`stack ${stack} has no state in ${from.location} to move`, {
      hint: there ? `${dest.location} holds a state already: set state.backend to use it` : 'there is nothing to migrate; provision creates the state',
    });
  }
  // Refuse to move a state that is unreadable or another stack's: it would only fail later, elsewhere.
  const parsed = await parseStored(from, source, { stack });
  const resources = Object.keys(parsed.state.resources).length;
  if (there && there.text !== source.text) {
    throw new StateBackendError('STATE_CONFLICT', `${dest.location} already holds a different state of a stack; ${from.location} was not moved`, {
      hint:
        `If ${dest.location} is left over from an earlier migrate, delete it and run this again; if it is the state in use, ` +
        `point state.backend at it instead and delete ${from.location}. \`shipline state show\` prints either.`,
    });
  }
  // Create-only: a state that appeared at the destination meanwhile is never overwritten.
  if (!there) await dest.write(source.text, undefined);
  const copied = await dest.read();
  if (copied?.text !== source.text) {
    throw new StateBackendError('STATE_BACKEND', `the copy in ${dest.location} does not read back as written; ${from.location} was kept`, {
      hint: 'run state migrate again',
    });
  }
  await dest.clearMoved();
  await from.retire(source.version, movedTo);
  return { resources, bytes: Buffer.byteLength(source.text) };
}

/** `state unlock [--force]`: show the lock; with --force remove it, after the person confirms. */
export async function unlockState(options: GlobalOptions & { force: boolean }, io: Io, overrides: Overrides = {}): Promise<void> {
  await withBackend(options, io, overrides, { dryRun: !options.force }, async ({ config, backend, ui }) => {
    const stack = config.stack;
    let holder: LockHolder | 'garbled' | undefined;
    try {
      holder = await backend.readLock();
    } catch (error) {
      if (!(error instanceof ShiplineError && error.code === 'LOCK_HELD')) throw error;
      holder = 'garbled';
    }
    if (holder === undefined) {
      io.stdout.write(`stack ${stack} is not locked (${backend.lockLocation})\n`);
      return;
    }
    const who = holder === 'garbled' ? 'a lock that names no holder' : describeHolder(holder);
    if (!options.force) {
      throw new UsageError(`stack ${stack} is locked by ${who} (${backend.lockLocation}); state unlock removes it only with --force`, {
        hint:
          'Make sure that run is dead first (its process, machine or CI job gone). A run that loses its lock cannot overwrite ' +
          'the state (every save is checked against the version it read), but it would still be changing AWS.',
      });
    }
    if (!options.yes) {
      if (!io.interactive) {
        throw new UsageError(`removing the lock of stack ${stack} needs confirmation, and there is no terminal to ask on`, {
          hint: 'pass --yes to remove it without asking',
        });
      }
      io.stderr.write(`Stack ${stack} is locked by ${who}\n(${backend.lockLocation}).\n`);
      const answer = (await io.prompt(`Type the stack name (${stack}) to remove this lock: `)).trim();
      if (answer !== stack) throw new UsageError(`unlock cancelled: "${answer}" is not "${stack}"`);
    }
    const removed = await backend.breakLock(holder === 'garbled' ? undefined : holder);
    ui.log.warn({ previous: removed ?? null }, `removed the lock of stack ${stack} held by ${who} (${backend.lockLocation})`);
    io.stdout.write(`removed the lock of stack ${stack} (${who})\n`);
  });
}

/**
 * `state forget KEY`: drop one record, under the lock, touching nothing in AWS. For a record that
 * names what is not the stack's (a copied state, a bad restore), which every run refuses to act on:
 * once it is gone, the next run finds the stack's own resource by its tags, or creates it.
 */
export async function forgetRecord(key: string, options: GlobalOptions, io: Io, overrides: Overrides = {}): Promise<void> {
  await withBackend(options, io, overrides, { dryRun: false }, async ({ config, backend, ui }) => {
    const lock = await backend.lock({ command: `state forget ${key}`, force: options.forceUnlock });
    try {
      if (!(await loadState(backend, { stack: config.stack }))) {
        throw new NoStateError(`stack ${config.stack} has no state in ${backend.location}`, { hint: 'there is nothing to forget' });
      }
      const state = await StateStore.openIn(backend, { stack: config.stack, region: config.region });
      const record = state.get(key);
      if (record === undefined) {
        const close = closeKeys(key, state.keys());
        throw new UsageError(`the state of ${config.stack} (${backend.location}) has no record ${key}`, {
          hint: close.length ? `did you mean ${close.join(', ')}? (\`shipline state show\` lists every record)` : '`shipline state show` lists every record',
        });
      }
      await state.forget(key);
      ui.log.warn({ key, record }, `forgot ${key} (${record.id ?? 'no ID'}) from the state of ${config.stack}; nothing in AWS was changed`);
      io.stdout.write(
        `forgot ${key} (${record.id ?? 'no ID'}) from the state of ${config.stack}\n` +
          `the next provision finds the stack's own ${key} by its tags or creates it; destroy deletes only what carries shipline:stack=${config.stack}\n`,
      );
    } finally {
      await lock.release();
    }
  });
}

/** The keys most like `key`: the same step, or a small edit away (at most five). */
function closeKeys(key: string, keys: readonly string[]): string[] {
  const step = key.split('.')[0];
  const near = keys
    .map((k) => ({ k, d: editDistance(k, key) }))
    .filter(({ k, d }) => d <= Math.max(3, Math.floor(key.length / 4)) || k.split('.')[0] === step)
    .sort((a, b) => a.d - b.d);
  return near.slice(0, 5).map(({ k }) => k);
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

export function describeHolder(h: LockHolder): string {
  return `pid ${h.pid} (${h.user ?? '?'}@${h.host}, "${h.command}", since ${since(h.startedAt)})`;
}
