// IPv4 CIDR arithmetic: just enough to validate a config and carve a VPC into subnets.

export interface Cidr {
  /** The address as written, as an unsigned 32-bit number. */
  base: number;
  /** The address with the host bits cleared. */
  network: number;
  prefix: number;
}

export function parseCidr(value: string): Cidr | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const base = octets.reduce((acc, o) => acc * 256 + o, 0);
  return { base, network: base - (base % 2 ** (32 - prefix)), prefix };
}

export function formatIp(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

function bounds(cidr: string): [number, number] {
  const c = parseCidr(cidr);
  if (!c) throw new TypeError(`not a CIDR: ${cidr}`);
  return [c.network, c.network + 2 ** (32 - c.prefix) - 1];
}

export function cidrContains(outer: string, inner: string): boolean {
  const [oStart, oEnd] = bounds(outer);
  const [iStart, iEnd] = bounds(inner);
  return iStart >= oStart && iEnd <= oEnd;
}

export function cidrsOverlap(a: string, b: string): boolean {
  const [aStart, aEnd] = bounds(a);
  const [bStart, bEnd] = bounds(b);
  return aStart <= bEnd && bStart <= aEnd;
}

/** The first `count` blocks of size /`prefix` inside `cidr`, in address order. */
export function subnetCidrs(cidr: string, prefix: number, count: number): string[] {
  const [start, end] = bounds(cidr);
  const size = 2 ** (32 - prefix);
  const out: string[] = [];
  for (let n = start; n + size - 1 <= end && out.length < count; n += size) out.push(`${formatIp(n)}/${prefix}`);
  return out;
}
