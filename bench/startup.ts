// How fast the CLI starts, as a user sees it: a fresh `node` process each time.
//   - `shipline --help`, until the process exits;
//   - `shipline provision` on a stack with nothing to do, until its first AWS call reaches the
//     wire. The "AWS" is a local HTTP endpoint (`aws.endpoint`) that notes the time of the first
//     request and ends the run there: what is measured is the real start-up path (config, state,
//     lock, SDK client), not the sandbox.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

export interface StartupResult {
  /** Median wall time of `node -e 0`: what any Node program pays. */
  nodeMs: number;
  /** Median wall time of `shipline --help`. */
  helpMs: number;
  /** Median time from spawning `shipline provision` to its first AWS request. */
  firstCallMs: number;
  /** The first request's target (e.g. sts GetCallerIdentity). */
  firstCall: string;
  samples: number;
}

const CLI = path.join(__dirname, '..', 'src', 'cli.js');

/** A clean environment: credentials that need no lookup, no profile files, no instance metadata. */
function cleanEnv(): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'SYSTEMROOT'];
  const env: NodeJS.ProcessEnv = Object.fromEntries(keep.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]]));
  return {
    ...env,
    AWS_ACCESS_KEY_ID: 'AKIABENCH',
    AWS_SECRET_ACCESS_KEY: 'bench-secret',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: path.join(tmpdir(), 'shipline-bench-no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(tmpdir(), 'shipline-bench-no-aws-credentials'),
  };
}

function timeProcess(args: string[], cwd: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { cwd, env: cleanEnv(), stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`node ${args.join(' ')} exited ${code}`))));
  });
}

/** Spawn `provision` against a local endpoint; resolve at its first request, then stop it. */
function timeFirstCall(server: Server, cwd: string): Promise<{ ms: number; target: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [CLI, 'provision', '--config', 'shipline.json', '--log-format', 'json'], { cwd, env: cleanEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    let answered = false;
    server.removeAllListeners('request');
    server.on('request', (req, res) => {
      const ms = performance.now() - started;
      const target = `${req.headers['x-amz-target'] ?? ''}${req.url ?? ''}`;
      let body = '';
      req.on('data', (chunk) => (body += String(chunk)));
      req.on('end', () => {
        res.writeHead(500).end();
        if (answered) return;
        answered = true;
        child.kill();
        const action = /Action=([A-Za-z]+)/.exec(body)?.[1];
        resolve({ ms, target: action ?? target });
      });
    });
    child.on('exit', () => {
      if (!answered) reject(new Error(`provision exited before any AWS call:\n${stderr}`));
    });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * `state` is the state file of a provisioned stack (the no-op case); the killed run's lock is
 * removed before each start.
 */
export async function measureStartup(state: string | undefined, samples = 7): Promise<StartupResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'shipline-bench-start-'));
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  writeFileSync(
    path.join(dir, 'shipline.json'),
    JSON.stringify({ stack: 'bench', region: 'eu-west-3', source: { repository: 'my-org/demo-app' }, aws: { endpoint } }),
  );
  try {
    const node: number[] = [];
    const help: number[] = [];
    const first: number[] = [];
    let firstCall = '';
    // One untimed round first: the file system cache is warm for every timed one.
    await timeProcess([CLI, '--help'], dir);
    for (let i = 0; i < samples; i++) {
      node.push(await timeProcess(['-e', '0'], dir));
      help.push(await timeProcess([CLI, '--help'], dir));
      rmSync(path.join(dir, '.shipline'), { recursive: true, force: true });
      if (state !== undefined) {
        mkdirSync(path.join(dir, '.shipline'));
        writeFileSync(path.join(dir, '.shipline', 'bench.json'), state);
      }
      const call = await timeFirstCall(server, dir);
      first.push(call.ms);
      firstCall = call.target;
    }
    return { nodeMs: median(node), helpMs: median(help), firstCallMs: median(first), firstCall, samples };
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  }
}
