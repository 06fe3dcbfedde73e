/** A parsed IPv4 CIDR block: network address as an unsigned 32-bit integer and prefix length. */
export interface Ipv4Block {
  readonly network: number;
  readonly prefixLength: number;
}

const CIDR_PATTERN = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/**
 * Parses `a.b.c.d/n`. Returns undefined for anything malformed, including host bits set
 * (`10.0.0.1/16`): AWS rejects those for VPCs and subnets, so we reject them at synth.
 */
export function parseCidr(cidr: string): Ipv4Block | undefined {
  const match = CIDR_PATTERN.exec(cidr);
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const prefixLength = Number(match[5]);
  if (octets.some((o) => o > 255) || prefixLength > 32) return undefined;
  const address = ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
  const mask = prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
  if ((address & mask) >>> 0 !== address) return undefined;
  return { network: address, prefixLength };
}

export function formatCidr(block: Ipv4Block): string {
  const n = block.network;
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}/${block.prefixLength}`;
}

function size(block: Ipv4Block): number {
  return 2 ** (32 - block.prefixLength);
}

/** True when `inner` lies entirely inside `outer`. */
export function cidrContains(outer: Ipv4Block, inner: Ipv4Block): boolean {
  return (
    inner.prefixLength >= outer.prefixLength &&
    inner.network >= outer.network &&
    inner.network + size(inner) <= outer.network + size(outer)
  );
}

export function cidrsOverlap(a: Ipv4Block, b: Ipv4Block): boolean {
  return a.network < b.network + size(b) && b.network < a.network + size(a);
}

/** The `index`-th subnet of `block` with `newBits` more prefix bits, as Terraform's cidrsubnet(). */
export function cidrSubnet(block: Ipv4Block, newBits: number, index: number): Ipv4Block {
  const prefixLength = block.prefixLength + newBits;
  if (prefixLength > 32 || index < 0 || index >= 2 ** newBits) {
    throw new Error(`cidrSubnet: ${formatCidr(block)} has no subnet #${index} with ${newBits} new bits`);
  }
  return { network: block.network + index * 2 ** (32 - prefixLength), prefixLength };
}
