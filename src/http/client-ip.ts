import { BlockList, isIP } from 'node:net';

/**
 * Derives the client IP. X-Forwarded-For is believed only when the connection comes from a trusted
 * proxy, and then only up to the first hop that is not itself trusted (walking right to left), so a
 * client cannot choose its own IP by sending the header.
 */
export function createClientIpResolver(
  trustedProxies: readonly string[],
): (socketIp: string | undefined, forwardedFor: string | string[] | undefined) => string {
  if (trustedProxies.length === 0) return (socketIp) => normalize(socketIp ?? 'unknown');
  const trusted = new BlockList();
  for (const entry of trustedProxies) {
    const [address = '', bits] = entry.split('/');
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) trusted.addAddress(address, type);
    else trusted.addSubnet(address, Number(bits), type);
  }
  const isTrusted = (ip: string): boolean => {
    const type = isIP(ip);
    return type !== 0 && trusted.check(ip, type === 6 ? 'ipv6' : 'ipv4');
  };
  return (socketIp, forwardedFor) => {
    const peer = normalize(socketIp ?? 'unknown');
    if (!isTrusted(peer) || forwardedFor === undefined) return peer;
    const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
      .split(',')
      .map((hop) => normalize(hop.trim()))
      .filter((hop) => hop !== '');
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i] as string;
      if (isIP(hop) === 0) return peer; // a malformed hop: trust nothing the header says
      if (!isTrusted(hop)) return hop;
    }
    return hops[0] ?? peer;
  };
}

/** `::ffff:1.2.3.4` (IPv4-mapped) -> `1.2.3.4`, so limits key the same client the same way. */
const normalize = (ip: string): string =>
  ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
