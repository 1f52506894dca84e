// The project's error classes. Every expected failure is one of these: the CLI prints its
// message (and hint) without a stack trace and exits with its exit code. Anything else is a bug.

/** Exit codes of the CLI. A run stopped by a signal exits 128 + its number: SIGHUP 129, SIGINT 130, SIGTERM 143. */
export const EXIT = { ok: 0, failed: 1, usage: 2, hangup: 129, interrupted: 130, terminated: 143 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export abstract class ShiplineError extends Error {
  /** A stable string code, e.g. STATE_CORRUPT; tests and JSON output use it. */
  abstract readonly code: string;
  get exitCode(): ExitCode {
    return EXIT.failed;
  }
  /** What the user can do about it, printed under the message. */
  readonly hint: string | undefined;

  constructor(message: string, options: { cause?: unknown; hint?: string } = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
  }
}

/** The config file is missing, unreadable or invalid. */
export class ConfigError extends ShiplineError {
  readonly code = 'CONFIG_INVALID';
  override get exitCode(): ExitCode {
    return EXIT.usage;
  }
}

/** The command line is wrong (unknown flag, missing confirmation without a terminal …). */
export class UsageError extends ShiplineError {
  readonly code = 'USAGE';
  override get exitCode(): ExitCode {
    return EXIT.usage;
  }
}

export type StateErrorCode =
  | 'STATE_CORRUPT'
  | 'STATE_VERSION'
  | 'STATE_STACK_MISMATCH'
  | 'STATE_ACCOUNT_MISMATCH'
  | 'STATE_REGION_MISMATCH'
  | 'STATE_IO';

/** The state file cannot be used as it is. Nothing in AWS has been changed when this is thrown. */
export class StateError extends ShiplineError {
  constructor(
    readonly code: StateErrorCode,
    message: string,
    options: { cause?: unknown; hint?: string } = {},
  ) {
    super(message, options);
  }
}

export type LockErrorCode = 'LOCK_HELD' | 'LOCK_STALE';

/** Another run holds (or a dead run left) the stack's lock. */
export class LockError extends ShiplineError {
  constructor(
    readonly code: LockErrorCode,
    message: string,
    options: { cause?: unknown; hint?: string } = {},
  ) {
    super(message, options);
  }
}

/** An AWS call failed in a way retrying will not fix; says which call, on what, and AWS's code. */
export class AwsCallError extends ShiplineError {
  readonly code = 'AWS_CALL_FAILED';
  constructor(
    /** What shipline was doing, e.g. "delete security group sg-0abc (nat)". */
    readonly action: string,
    /** AWS's error name, e.g. DependencyViolation. */
    readonly awsCode: string,
    detail: string,
    options: { cause?: unknown; hint?: string } = {},
  ) {
    super(`${action}: ${awsCode}${detail ? ` — ${detail}` : ''}`, options);
  }
}

/**
 * A resource with the name shipline would use exists but does not carry the stack's tag:
 * someone else's. shipline never adopts, changes or deletes it.
 */
export class ForeignResourceError extends ShiplineError {
  readonly code = 'FOREIGN_RESOURCE';
}

/**
 * The state names a resource that is not the stack's (another stack's tag, another parent, another
 * name): it was left alone. The rest of the run went on; the command exits 1.
 */
export class RefusedError extends ShiplineError {
  readonly code = 'REFUSED';
}

/** A bounded wait ran out. A re-run carries on from where this one stopped. */
export class WaitTimeoutError extends ShiplineError {
  readonly code = 'WAIT_TIMEOUT';
}

/** The run was interrupted (Ctrl-C, SIGTERM, SIGHUP, or a prompt closed). State is saved; a re-run carries on. */
export class InterruptedError extends ShiplineError {
  readonly code = 'INTERRUPTED';
  override get exitCode(): ExitCode {
    return EXIT.interrupted;
  }
}

/** A step's contract was broken (unknown dependency, cycle …): a bug in shipline, not in the input. */
export class EngineError extends ShiplineError {
  readonly code = 'ENGINE';
}

/** Several steps failed in one run; each keeps its own error. */
export class StepsFailedError extends ShiplineError {
  readonly code = 'STEPS_FAILED';
  constructor(readonly failures: ReadonlyArray<{ step: string; error: unknown }>) {
    super(
      failures.length === 1
        ? `step ${failures[0]!.step} failed: ${messageOf(failures[0]!.error)}`
        : `${failures.length} steps failed:\n${failures.map((f) => `  - ${f.step}: ${messageOf(f.error)}`).join('\n')}`,
      { hint: failures.map((f) => (f.error instanceof ShiplineError ? f.error.hint : undefined)).find(Boolean) },
    );
  }

  override get exitCode(): ExitCode {
    return this.failures.every((f) => f.error instanceof InterruptedError) ? EXIT.interrupted : EXIT.failed;
  }
}

/**
 * A file or directory of this machine cannot be used (a state or sandbox directory that is not
 * writable, a path that is a file where a directory is needed, a full disk).
 */
export class LocalIoError extends ShiplineError {
  readonly code = 'LOCAL_IO';
}

const ERRNO_WORDS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EISDIR: 'it is a directory',
  EEXIST: 'something is already there (a file where a directory is needed?)',
  ENOENT: 'no such file or directory',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the name is too long',
  EMFILE: 'too many open files',
};

/** "EACCES (permission denied)": an errno code with words for people who don't read errno codes. */
export function describeErrno(code: string): string {
  const words = ERRNO_WORDS[code];
  return words ? `${code} (${words})` : code;
}

/**
 * Node's own error for a failed file system call (it has an errno code, the call and the path) as
 * a LocalIoError naming the path; undefined for anything else.
 */
export function asLocalIoError(error: unknown): LocalIoError | undefined {
  if (!(error instanceof Error)) return undefined;
  const { code, syscall, path } = error as NodeJS.ErrnoException;
  if (typeof code !== 'string' || typeof syscall !== 'string' || typeof path !== 'string' || !(code in ERRNO_WORDS)) return undefined;
  const verb = syscall === 'mkdir' ? 'create the directory' : syscall === 'open' || syscall === 'write' || syscall === 'rename' ? 'write' : syscall;
  return new LocalIoError(`cannot ${verb} ${path}: ${describeErrno(code)}`, {
    cause: error,
    hint: `check that ${path} is a path this user may write to (its directory exists, is a directory, and is writable), and that the disk is not full`,
  });
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
