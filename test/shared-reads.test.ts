import { sharedReads } from '../src/shared-reads';

describe('shared reads', () => {
  it('makes each read once per key, also for callers that ask while it is in flight', async () => {
    const shared = sharedReads();
    let calls = 0;
    const read = async () => ++calls;
    const [a, b] = await Promise.all([shared.once('roles', read), shared.once('roles', read)]);
    expect([a, b, await shared.once('roles', read)]).toEqual([1, 1, 1]);
    expect(await shared.once('log-groups', read)).toBe(2);
    expect(calls).toBe(2);
  });

  it('lets the next caller try again after a failed read', async () => {
    const shared = sharedReads();
    let calls = 0;
    const read = async () => {
      calls += 1;
      if (calls === 1) throw new Error('ThrottlingException');
      return 'roles';
    };
    await expect(shared.once('roles', read)).rejects.toThrow('ThrottlingException');
    expect(await shared.once('roles', read)).toBe('roles');
    expect(calls).toBe(2);
  });

  it('peeks at what a step read or offered, never reads, and peeks past a failed read as nothing', async () => {
    const shared = sharedReads();
    expect(shared.peek('services')).toBeUndefined();
    shared.offer('services', ['demo-dev']);
    shared.offer('services', ['ignored: the first answer stays']);
    expect(await shared.peek('services')).toEqual(['demo-dev']);
    expect(await shared.once('services', async () => ['read'])).toEqual(['demo-dev']);
    const failed = shared.once('roles', async () => {
      throw new Error('AccessDenied');
    });
    const peeked = shared.peek('roles');
    await expect(failed).rejects.toThrow('AccessDenied');
    expect(await peeked).toBeUndefined();
    expect(shared.peek('roles')).toBeUndefined();
  });

  it('keeps the reads of two runs apart', async () => {
    const first = sharedReads();
    const second = sharedReads();
    expect(await first.once('k', async () => 'first')).toBe('first');
    expect(await second.once('k', async () => 'second')).toBe('second');
  });
});
