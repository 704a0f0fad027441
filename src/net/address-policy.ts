/**
 * `AddressPolicy`: which IP addresses a fetch of a client-supplied URL may connect to. By
 * default only public unicast addresses: loopback, private (RFC 1918, unique-local), link-local
 * (and with it the cloud metadata address 169.254.169.254), carrier-grade NAT, multicast,
 * reserved, documentation and unspecified ranges are refused, and so are IPv6 forms that embed
 * one of those IPv4 addresses (IPv4-mapped, NAT64). An operator who must reach an internal
 * image store lists its ranges in `allowedCidrs`; `deniedCidrs` refuses more.
 */
import { BlockList, isIP } from 'node:net';

const refusedV4 = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const;

const refusedV6 = [
  ['::', 128],
  ['::1', 128],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const;

export interface AddressPolicyOptions {
  /** CIDRs (`10.1.2.0/24`, `fd00::/8`) allowed even though they are private; checked first. */
  readonly allowedCidrs?: readonly string[];
  /** CIDRs refused besides the built-in ranges. */
  readonly deniedCidrs?: readonly string[];
}

function addCidr(list: BlockList, cidr: string): void {
  const [address, prefixText] = cidr.split('/');
  const family = isIP(address);
  const prefix = Number(prefixText ?? (family === 6 ? 128 : 32));
  if (family === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 6 ? 128 : 32)) throw new Error(`invalid CIDR: ${cidr}`);
  list.addSubnet(address, prefix, family === 6 ? 'ipv6' : 'ipv4');
}

/** The IPv4 address an IPv6 address carries (IPv4-mapped `::ffff:a.b.c.d`, NAT64 `64:ff9b::/96`), if any. */
function embeddedV4(address: string): string | null {
  const lower = address.toLowerCase();
  const dotted = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1];
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (!hex) return null;
  const high = parseInt(hex[1], 16);
  const low = parseInt(hex[2], 16);
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}

export class AddressPolicy {
  readonly #refused = new BlockList();
  readonly #allowed = new BlockList();

  constructor(options: AddressPolicyOptions = {}) {
    for (const [address, prefix] of refusedV4) this.#refused.addSubnet(address, prefix, 'ipv4');
    for (const [address, prefix] of refusedV6) this.#refused.addSubnet(address, prefix, 'ipv6');
    for (const cidr of options.deniedCidrs ?? []) addCidr(this.#refused, cidr);
    for (const cidr of options.allowedCidrs ?? []) addCidr(this.#allowed, cidr);
  }

  /** Whether a connection to `address` (an IP literal) may be made. */
  allows(address: string): boolean {
    const family = isIP(address);
    if (family === 0) return false;
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (this.#allowed.check(address, type)) return true;
    if (family === 6) {
      const v4 = embeddedV4(address);
      if (v4 !== null) return this.allows(v4);
    }
    return !this.#refused.check(address, type);
  }
}
