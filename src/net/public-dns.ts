// What the public DNS answers for a domain's name servers: where ACM's validation looks. The
// resolver is injectable so tests (and `--sandbox`) ask the simulated world, never the network.

/** `dns.resolveNs`'s shape: the name servers of exactly `name`, without trailing dots. */
export type ResolveNs = (name: string) => Promise<string[]>;

/** The machine's resolver (node:dns/promises), loaded only when asked. */
export const systemResolveNs: ResolveNs = async (name) => (await import('node:dns/promises')).resolveNs(name);

/** A resolver answering from a world that knows delegations (the sandbox's Route 53): ENOTFOUND where it has none, as the system's does. */
export function resolveNsFrom(world: { publicNameServers(name: string): string[] | undefined }): ResolveNs {
  return async (name) => {
    const found = world.publicNameServers(name);
    if (found) return found;
    throw Object.assign(new Error(`queryNs ENOTFOUND ${name}`), { code: 'ENOTFOUND', hostname: name });
  };
}
