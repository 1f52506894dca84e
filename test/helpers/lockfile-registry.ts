// A stand-in for the npm registry on 127.0.0.1, so that `npm install -g <tarball>` and
// `npx --package=<tarball>` can run as users run them, with npm's own resolution, on a machine
// without network. Its packuments hold exactly the versions package-lock.json pins; its tarballs
// are the ones `npm ci` put in the npm cache, read from cacache's content-addressed files
// (content-v2/<algorithm>/<hex digest>, https://github.com/npm/cacache#readme). npm checks each
// tarball against the lockfile's integrity, so a wrong file fails the install rather than passing.
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

interface LockedPackage {
  name?: string;
  version?: string;
  integrity?: string;
  dev?: boolean;
  link?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, unknown>;
  bin?: Record<string, string>;
  engines?: Record<string, string>;
  os?: string[];
  cpu?: string[];
  license?: string;
}

/** A version as a packument lists it: what npm resolves and installs by. */
type Version = Pick<LockedPackage, 'dependencies' | 'optionalDependencies' | 'peerDependencies' | 'peerDependenciesMeta' | 'bin' | 'engines' | 'os' | 'cpu'> & {
  name: string;
  version: string;
  dist: { tarball: string; integrity: string };
};

export interface LockfileRegistry {
  url: string;
  /** Requests it could not answer (a package or tarball the lockfile and the cache do not hold). */
  misses: string[];
  /** Tarballs it served. */
  served: string[];
  close(): Promise<void>;
}

/** The file cacache keeps a tarball of this integrity in, under the npm cache directory. */
function cachedTarball(npmCache: string, integrity: string): string {
  const [algorithm, base64] = integrity.split(' ')[0]!.split('-', 2) as [string, string];
  const hex = Buffer.from(base64, 'base64').toString('hex');
  return path.join(npmCache, '_cacache', 'content-v2', algorithm, hex.slice(0, 2), hex.slice(2, 4), hex.slice(4));
}

/** The locked packages by name, each with its versions (a name may be locked at several). */
function lockedVersions(lockfile: string, production: boolean): Map<string, Map<string, LockedPackage>> {
  const lock = JSON.parse(readFileSync(lockfile, 'utf8')) as { packages: Record<string, LockedPackage> };
  const byName = new Map<string, Map<string, LockedPackage>>();
  for (const [where, pkg] of Object.entries(lock.packages)) {
    if (where === '' || pkg.link || !pkg.version || !pkg.integrity || (production && pkg.dev)) continue;
    const name = pkg.name ?? where.slice(where.lastIndexOf('node_modules/') + 'node_modules/'.length);
    const versions = byName.get(name) ?? new Map<string, LockedPackage>();
    versions.set(pkg.version, pkg);
    byName.set(name, versions);
  }
  return byName;
}

/** Serve the production dependencies of `lockfile` from the npm cache at `npmCache`. */
export async function startLockfileRegistry(lockfile: string, npmCache: string): Promise<LockfileRegistry> {
  const packages = lockedVersions(lockfile, true);
  const misses: string[] = [];
  const served: string[] = [];
  let base = '';
  const packument = (name: string, versions: Map<string, LockedPackage>) => {
    const entries: Record<string, Version> = {};
    for (const [version, pkg] of versions) {
      entries[version] = {
        name,
        version,
        ...(pkg.dependencies && { dependencies: pkg.dependencies }),
        ...(pkg.optionalDependencies && { optionalDependencies: pkg.optionalDependencies }),
        ...(pkg.peerDependencies && { peerDependencies: pkg.peerDependencies }),
        ...(pkg.peerDependenciesMeta && { peerDependenciesMeta: pkg.peerDependenciesMeta }),
        ...(pkg.bin && { bin: pkg.bin }),
        ...(pkg.engines && { engines: pkg.engines }),
        ...(pkg.os && { os: pkg.os }),
        ...(pkg.cpu && { cpu: pkg.cpu }),
        dist: { tarball: `${base}/-/tarball/${encodeURIComponent(pkg.integrity!)}`, integrity: pkg.integrity! },
      };
    }
    const latest = [...versions.keys()].sort(compareVersions).at(-1)!;
    return { name, 'dist-tags': { latest }, versions: entries };
  };
  const server: Server = createServer((req, res) => {
    const url = decodeURIComponent((req.url ?? '/').split('?')[0]!);
    if (url.startsWith('/-/tarball/')) {
      const file = cachedTarball(npmCache, url.slice('/-/tarball/'.length));
      if (!existsSync(file)) {
        misses.push(url);
        res.writeHead(404).end();
        return;
      }
      served.push(url);
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      createReadStream(file).pipe(res);
      return;
    }
    const name = url.slice(1);
    const versions = packages.get(name);
    if (!versions) {
      misses.push(url);
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"Not found"}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(packument(name, versions)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    misses,
    served,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

/** Semver order for the versions of one package (pre-releases sort before their release). */
function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const [core, pre] = v.split('-', 2) as [string, string | undefined];
    return { parts: core.split('.').map(Number), pre };
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < 3; i++) if (x.parts[i] !== y.parts[i]) return (x.parts[i] ?? 0) - (y.parts[i] ?? 0);
  if (x.pre === y.pre) return 0;
  if (x.pre === undefined) return 1;
  if (y.pre === undefined) return -1;
  return x.pre < y.pre ? -1 : 1;
}
