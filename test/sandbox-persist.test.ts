// The `--sandbox` world file shared by processes (src/sandbox/persist.ts, world-file.ts,
// world-lock.ts): saved after every call that changes it, under its own lock, reloaded when another
// process saved it, and a save that fails is an error. Each "process" here is a handle of its own
// on one file, as two shipline commands are.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { LockError, StateError } from '../src/errors';
import { openSandbox, type SandboxHandle } from '../src/sandbox/persist';
import { Sandbox, type SandboxSnapshot } from '../src/sandbox/sandbox';
import { nodeWorldFs, WorldFile, type WorldFs } from '../src/sandbox/world-file';
import { deadPid } from './helpers/dead-pid';
import { TestClock } from './helpers/test-clock';

const REGION = 'eu-west-3';
let file: string;

beforeEach(() => {
  file = path.join(mkdtempSync(path.join(tmpdir(), 'shipline-world-')), 'sandbox', 'aws.json');
});

const onDisk = (): Sandbox => Sandbox.restore(JSON.parse(readFileSync(file, 'utf8')) as SandboxSnapshot);
const ids = (sandbox: Sandbox, type: string): string[] => sandbox.inventory().filter((i) => i.type === type).map((i) => i.id);

async function createVpc(handle: SandboxHandle, cidr = '10.0.0.0/16'): Promise<string> {
  const out = (await handle.sandbox.dispatch('ec2', 'CreateVpc', { CidrBlock: cidr })) as { Vpc: { VpcId: string } };
  return out.Vpc.VpcId;
}

describe('the world file', () => {
  it('holds each change as soon as the call answers, without waiting for the command to end', async () => {
    const handle = await openSandbox(file, REGION);
    const vpc = await createVpc(handle);
    expect(ids(onDisk(), 'vpc')).toEqual([vpc]);
    await handle.sandbox.dispatch('ec2', 'DeleteVpc', { VpcId: vpc });
    expect(ids(onDisk(), 'vpc')).toEqual([]);
  });

  it('is not written by calls that change nothing', async () => {
    const writes: string[] = [];
    const counting: WorldFs = { ...nodeWorldFs, write: (p, text) => (writes.push(p), nodeWorldFs.write(p, text)) };
    const handle = await openSandbox(file, REGION, { fs: counting });
    await createVpc(handle);
    await handle.sandbox.dispatch('ec2', 'DescribeVpcs', {});
    await handle.sandbox.dispatch('sts', 'GetCallerIdentity', {});
    expect(writes).toEqual([file]);
  });

  it('keeps the resources of two processes that use it at once, with IDs never given twice', async () => {
    const a = await openSandbox(file, REGION);
    const b = await openSandbox(file, REGION);
    const vpcA = await createVpc(a);
    const vpcB = await createVpc(b, '10.1.0.0/16');
    // A carries on from B's save: its subnet goes into its own VPC, which B's save kept.
    await a.sandbox.dispatch('ec2', 'CreateSubnet', { VpcId: vpcA, CidrBlock: '10.0.1.0/24', AvailabilityZone: 'eu-west-3a' });
    const seenByB = (await b.sandbox.dispatch('ec2', 'DescribeVpcs', {})) as { Vpcs: Array<{ VpcId: string }> };
    expect(seenByB.Vpcs.map((v) => v.VpcId).sort()).toEqual([vpcA, vpcB].sort());
    await a.save();
    await b.save(); // last, with nothing of A's own: a whole-file overwrite would drop A's subnet

    const after = await openSandbox(file, REGION);
    expect(ids(after.sandbox, 'vpc').sort()).toEqual([vpcA, vpcB].sort());
    expect(after.sandbox.inventory().filter((i) => i.type === 'subnet')).toHaveLength(1);
    const all = after.sandbox.inventory().map((i) => i.id);
    expect(new Set(all).size).toBe(all.length);
  });

  it('never moves the simulated clock back when one process loads what another saved later', async () => {
    const clocks = [new TestClock(), new TestClock()];
    const [a, b] = clocks.map((clock) => {
      const sandbox = new Sandbox({ region: REGION, msPerSimSecond: 10, clock: clock.now });
      const world = new WorldFile(file, sandbox);
      world.adopt(undefined);
      sandbox.keepIn(world);
      return sandbox;
    }) as [Sandbox, Sandbox];
    clocks[0]!.advance(1_000); // A is 100 simulated seconds ahead of B
    await a.dispatch('ec2', 'CreateVpc', { CidrBlock: '10.0.0.0/16' });
    expect(b.world.now()).toBe(0);
    await b.dispatch('ec2', 'DescribeVpcs', {});
    expect(b.world.now()).toBe(100);
  });

  it.each(['ENOSPC', 'EACCES'])('fails the call and every later one when a save fails with %s, naming the file', async (code) => {
    let failing = false;
    const fs: WorldFs = {
      ...nodeWorldFs,
      write: (p, text) => {
        if (failing) throw Object.assign(new Error(`${code}: injected`), { code });
        nodeWorldFs.write(p, text);
      },
    };
    const handle = await openSandbox(file, REGION, { fs });
    const kept = await createVpc(handle);
    failing = true;
    const error = await createVpc(handle, '10.1.0.0/16').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StateError);
    expect(error).toMatchObject({ code: 'STATE_IO', message: `cannot save the sandbox world ${file}: ${code}` });
    // The world in memory is no longer the file's: reads and the end-of-command save fail alike.
    await expect(handle.sandbox.dispatch('ec2', 'DescribeVpcs', {})).rejects.toBe(error);
    await expect(handle.save()).rejects.toBe(error);
    expect(ids(onDisk(), 'vpc')).toEqual([kept]);
  });
});

describe('the world lock', () => {
  const lockFile = () => {
    mkdirSync(path.dirname(file), { recursive: true });
    return `${file}.lock`;
  };
  const holder = (pid: number) => ({ pid, user: null, host: hostname(), command: 'sandbox call', startedAt: new Date().toISOString() });

  /** A process that has exited and that nobody reaps (its parent is `sleep`): a zombie, as a SIGKILLed CLI is until its parent waits. */
  async function zombie(): Promise<{ pid: number; reap(): void }> {
    const shell = spawn('sh', ['-c', 'node -e "" & echo $!; exec sleep 60'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = await new Promise<number>((resolve) => shell.stdout.once('data', (chunk: Buffer) => resolve(Number(String(chunk).trim()))));
    for (let i = 0; i < 1000 && !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8')); i++) await new Promise((r) => setTimeout(r, 10));
    return { pid, reap: () => void shell.kill('SIGKILL') };
  }

  it('is taken over from a process that died holding it', async () => {
    const handle = await openSandbox(file, REGION);
    writeFileSync(lockFile(), JSON.stringify(holder(await deadPid())));
    await createVpc(handle);
    expect(existsSync(lockFile())).toBe(false);
    expect(ids(onDisk(), 'vpc')).toHaveLength(1);
  });

  it('is taken over from a SIGKILLed process its parent has not reaped yet (a zombie)', async () => {
    const held = await zombie();
    try {
      expect(readFileSync(`/proc/${held.pid}/stat`, 'utf8')).toMatch(/\) Z /);
      const handle = await openSandbox(file, REGION, { lock: { timeoutMs: 200 } });
      writeFileSync(lockFile(), JSON.stringify(holder(held.pid)));
      await createVpc(handle);
      expect(existsSync(lockFile())).toBe(false);
      expect(ids(onDisk(), 'vpc')).toHaveLength(1);
    } finally {
      held.reap();
    }
  });

  it('is waited for while a live process holds it, then reported with its holder', async () => {
    const handle = await openSandbox(file, REGION, { lock: { timeoutMs: 30 } });
    writeFileSync(lockFile(), JSON.stringify(holder(process.pid)));
    const error = await createVpc(handle).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockError);
    expect((error as LockError).message).toContain(`stayed locked by pid ${process.pid}`);
    expect(existsSync(file)).toBe(false);
  });
});
