// Strict aws-sdk-client-mock stubs for a step's unit tests: before each test every stub is reset
// and answers anything not set up with an error, so an unexpected call fails loudly; after the
// file they are restored. `calls()` lists the commands sent to any of them, in the order sent.
import { isMutating } from '../../src/aws/operations';

interface Stub {
  reset(): unknown;
  restore(): void;
  onAnyCommand(): { rejects(error: Error): unknown };
  calls(): ReadonlyArray<{ args: readonly unknown[] }>;
}

/** Sinon numbers every call across stubs (its typings leave the field out). */
const callId = (call: object) => (call as { callId: number }).callId;

export interface StrictMocks {
  /** Every command sent to any of the stubs, in the order sent. */
  commands(): Array<{ constructor: { name: string }; input: Record<string, unknown> }>;
  /** Their names: `CreateVpcCommand` … */
  calls(): string[];
  mutatingCommands(): string[];
}

/** Call at the top level of a test file. */
export function strictMocks(...stubs: Stub[]): StrictMocks {
  beforeEach(() => {
    for (const stub of stubs) stub.reset();
    for (const stub of stubs) stub.onAnyCommand().rejects(new Error('unexpected call'));
  });
  afterAll(() => {
    for (const stub of stubs) stub.restore();
  });
  const commands = () =>
    stubs
      .flatMap((stub) => stub.calls())
      .sort((a, b) => callId(a) - callId(b))
      .map((c) => c.args[0] as { constructor: { name: string }; input: Record<string, unknown> });
  const calls = () => commands().map((c) => c.constructor.name);
  return { commands, calls, mutatingCommands: () => calls().filter(isMutating) };
}
