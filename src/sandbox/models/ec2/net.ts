// IPv4 arithmetic for the EC2 sandbox: CIDR blocks, containment and overlap, and handing out
// addresses the way a VPC subnet does (the first four and the last address are reserved).

export interface Cidr {
  /** The network address as an unsigned 32-bit number. */
  base: number;
  prefix: number;
}

export function ipToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

export function intToIp(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/** A well-formed IPv4 CIDR whose host bits are zero, or undefined. */
export function parseCidr(text: string): Cidr | undefined {
  const match = /^([\d.]+)\/(\d{1,2})$/.exec(text);
  if (!match?.[1] || !match[2]) return undefined;
  const base = ipToInt(match[1]);
  const prefix = Number(match[2]);
  if (base === undefined || prefix > 32) return undefined;
  if (base % cidrSize({ base, prefix }) !== 0) return undefined;
  return { base, prefix };
}

export function cidrSize(cidr: Cidr): number {
  return 2 ** (32 - cidr.prefix);
}

/** `inner` lies entirely within `outer`. */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  return inner.prefix >= outer.prefix && inner.base >= outer.base && inner.base + cidrSize(inner) <= outer.base + cidrSize(outer);
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.base < b.base + cidrSize(b) && b.base < a.base + cidrSize(a);
}

/** Addresses AWS keeps in every subnet: network, router, DNS, future use, and the last one. */
export const RESERVED_PER_SUBNET = 5;

/** The lowest free host address of a subnet, skipping AWS's reserved ones; undefined when full. */
export function nextFreeAddress(subnet: Cidr, used: ReadonlySet<string>): string | undefined {
  const last = subnet.base + cidrSize(subnet) - 2;
  for (let candidate = subnet.base + 4; candidate <= last; candidate += 1) {
    const ip = intToIp(candidate);
    if (!used.has(ip)) return ip;
  }
  return undefined;
}
