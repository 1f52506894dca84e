// ARNs are in the account's partition, read from the caller identity: a stack in China (aws-cn)
// builds no `arn:aws:` ARN, and the sandbox, like AWS, knows no other partition's ARNs there.
import { readFileSync } from 'node:fs';
import { Sandbox } from '../src/sandbox/sandbox';
import { BASE_CONFIG, harness, type Harness } from './helpers/harness';

let h: Harness | undefined;
afterEach(() => h?.restore());

const CHINA = { ...BASE_CONFIG, region: 'cn-north-1' };

describe('a stack in the aws-cn partition', () => {
  it.each([
    ['rolling', CHINA],
    ['blue/green', { ...CHINA, deploy: { strategy: 'blue-green' } }],
  ])('%s: provisions with aws-cn ARNs only, then a re-run changes nothing and destroy empties it', async (_what, config) => {
    h = harness({ sandbox: new Sandbox({ region: 'cn-north-1', partition: 'aws-cn' }), config });
    await h.ok('provision');
    const state = readFileSync(h.statePath, 'utf8');
    expect(state).toContain('"arn:aws-cn:');
    expect(state).not.toContain('arn:aws:');
    const policy = (await h.sandbox.dispatch('s3', 'GetBucketPolicy', { Bucket: 'demo-artifacts-123456789012-cn-north-1' })) as { Policy: string };
    expect(policy.Policy).toContain('arn:aws-cn:s3:::demo-artifacts-123456789012-cn-north-1');

    const before = h.sandbox.mutatingCalls().length;
    await h.ok('provision');
    expect(h.sandbox.mutatingCalls().slice(before)).toEqual([]);
    await h.ok('destroy', '--yes');
    expect(h.sandbox.inventory()).toEqual([]);
  });
});
