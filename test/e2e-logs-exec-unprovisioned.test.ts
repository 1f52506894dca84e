// `shipline logs` and `shipline exec` on a stack that was never provisioned: they say so and what
// to run (exit 1), before any other call (the end-to-end suite with a provision is e2e-logs-exec).
import { BASE_CONFIG, harness } from './helpers/harness';
describe('on a stack not provisioned', () => {
  it('logs and exec say so, and what to run (exit 1)', async () => {
    const fresh = harness({ config: { ...BASE_CONFIG, services: { exec: true } } });
    try {
      for (const args of [['logs', 'dev'], ['logs', 'build'], ['exec', 'dev']]) {
        const result = await fresh.run(...args);
        expect(result.code).toBe(1);
        expect(result.stderr).toMatch(/stack demo is not provisioned: the state has no (record of the log group of dev|record of the build project|cluster)/);
        expect(result.stderr).toMatch(/hint: run `shipline provision( --\S+ \S+)*` first/);
      }
    } finally {
      fresh.restore();
    }
  });
});
