import net from 'node:net';

/**
 * Which IP addresses a fetch of a user-given URL may connect to. Everything that is not the public
 * internet is refused: a URL typed by a user must never reach the server's own loopback, the LAN, the
 * cloud provider's metadata service (169.254.169.254, fd00:ec2::254) or a CGNAT/container network.
 */

// Two lists: a BlockList compares IPv4 addresses against IPv6 rules through their mapped form, so one
// list holding ::ffff:0:0/96 would refuse every IPv4 address.
const blocked4 = new net.BlockList();
const blocked6 = new net.BlockList();
for (const [prefix, bits] of [
  ['0.0.0.0', 8], // "this network"; 0.0.0.0 reaches loopback on Linux
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // CGNAT (also some cloud metadata services)
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, AWS/GCP/Azure metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments (incl. 192.0.0.170 NAT64 discovery)
  ['192.0.2.0', 24],
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved + broadcast
] as const) {
  blocked4.addSubnet(prefix, bits, 'ipv4');
}
for (const [prefix, bits] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['::ffff:0:0', 96], // IPv4-mapped: refused whole, whatever the v4 part
  ['::', 96], // IPv4-compatible (deprecated)
  ['64:ff9b:1::', 48], // local-use NAT64
  ['100::', 64], // discard
  ['2001::', 32], // Teredo (tunnels to arbitrary v4)
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4 (embeds an arbitrary v4 address)
  ['fc00::', 7], // unique local, incl. fd00:ec2::254 (AWS metadata over IPv6)
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const) {
  blocked6.addSubnet(prefix, bits, 'ipv6');
}

/** The IPv4 address embedded in a NAT64 (64:ff9b::/96) address, else null. */
function nat64Embedded(address: string): string | null {
  const lower = address.toLowerCase();
  if (!lower.startsWith('64:ff9b::')) return null;
  const tail = lower.slice('64:ff9b::'.length);
  if (net.isIPv4(tail)) return tail;
  const parts = tail.split(':');
  if (parts.length !== 2) return null;
  const hi = parseInt(parts[0]!, 16);
  const lo = parseInt(parts[1]!, 16);
  if (!Number.isFinite(hi) || !Number.isFinite(lo)) return null;
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** True when `address` (an IP literal, no brackets) is not a public unicast address. Non-IPs are blocked. */
export function isBlockedAddress(address: string): boolean {
  const ip = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const family = net.isIP(ip);
  if (family === 4) return blocked4.check(ip, 'ipv4');
  if (family === 6) {
    // Zone ids (fe80::1%eth0) only make sense for link-local, which is blocked anyway.
    if (ip.includes('%')) return true;
    if (blocked6.check(ip, 'ipv6')) return true;
    const v4 = nat64Embedded(ip);
    return v4 !== null && blocked4.check(v4, 'ipv4');
  }
  return true;
}
