// The per-file setup of the sandbox tests: a fresh sandbox behind the mocked AWS clients before each
// test, the stubs undone after it. Call `useSandbox()` at the top level of a test file.
import { Sandbox, type SandboxSnapshot } from '../../src/sandbox/sandbox';
import type { SandboxOptions } from '../../src/sandbox/kernel/world';
import { mockAwsWithSandbox, type SandboxMocks } from './sandbox-mock';

export const REGION = 'eu-west-3';
export const ACCOUNT = '123456789012';
/** Every list call of a test sandbox answers pages this small, so a caller that stops at page one fails (CDK's fake uses 5). */
export const TEST_PAGE_SIZE = 5;

export interface SandboxFixture {
  /** The sandbox the mocked clients talk to in the current test. */
  readonly sandbox: Sandbox;
  /** Replace the sandbox with a fresh one made with other options (clock, latencies, region). */
  restart(options?: SandboxOptions): Sandbox;
  /** Replace the sandbox with one restored from a snapshot. */
  restoreFrom(snapshot: SandboxSnapshot, overrides?: SandboxOptions): Sandbox;
  /** Undo the client stubs (safe to call twice), e.g. before talking to a sandbox another way. */
  restoreMocks(): void;
}

export function useSandbox(): SandboxFixture {
  let current: Sandbox | undefined;
  let mocks: SandboxMocks | undefined;

  const restoreMocks = (): void => {
    mocks?.restore();
    mocks = undefined;
  };
  const serve = (sandbox: Sandbox): Sandbox => {
    restoreMocks();
    current = sandbox;
    mocks = mockAwsWithSandbox(sandbox);
    return sandbox;
  };
  const restart = (options: SandboxOptions = {}): Sandbox => serve(new Sandbox({ region: REGION, account: ACCOUNT, pageSize: TEST_PAGE_SIZE, ...options }));

  beforeEach(() => {
    restart();
  });
  afterEach(() => restoreMocks());

  return {
    get sandbox(): Sandbox {
      if (!current) throw new Error('useSandbox: no sandbox outside a test');
      return current;
    },
    restart,
    restoreFrom: (snapshot, overrides) => serve(Sandbox.restore(snapshot, overrides)),
    restoreMocks,
  };
}
