// A real-time clock for the sandbox that a test holds still or lets run. A test that expects to see
// a resource in passing (pending, provisioning, in progress) holds the clock, so a busy machine
// cannot skip the state; it advances the clock by hand, or lets it run for an SDK waiter.

export class TestClock {
  private base = 0;
  private runningSince: number | undefined;

  /** Milliseconds, for `SandboxOptions.clock`. */
  readonly now = (): number => (this.runningSince === undefined ? this.base : this.base + Date.now() - this.runningSince);

  /** Stops time where it is. */
  hold(): void {
    this.base = this.now();
    this.runningSince = undefined;
  }

  /** Lets time pass at the real rate from where it stands. */
  run(): void {
    if (this.runningSince === undefined) this.runningSince = Date.now();
  }

  /** Moves a held clock forward. */
  advance(ms: number): void {
    if (this.runningSince !== undefined) throw new Error('TestClock.advance needs a held clock');
    this.base += ms;
  }

  /** Advances a held clock in steps until `check` holds; throws after `limitMs` of clock time. */
  async advanceUntil(check: () => Promise<boolean>, stepMs = 5, limitMs = 60_000): Promise<void> {
    for (let elapsed = 0; !(await check()); elapsed += stepMs) {
      if (elapsed >= limitMs) throw new Error(`condition not met within ${limitMs} ms of clock time`);
      this.advance(stepMs);
    }
  }
}
