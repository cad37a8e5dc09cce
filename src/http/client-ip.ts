import { BlockList, isIP } from 'node:net';

type HeaderValue = string | string[] | undefined;

/**
 * Derives the client IP. `Forwarded` (RFC 7239) or X-Forwarded-For is believed only when the
 * connection comes from a trusted proxy, and then only up to the first hop that is not itself
 * trusted (walking right to left), so a client cannot choose its own IP by sending the header.
 */
export function createClientIpResolver(
  trustedProxies: readonly string[],
): (socketIp: string | undefined, forwardedFor: HeaderValue, forwarded?: HeaderValue) => string {
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
  return (socketIp, forwardedFor, forwarded) => {
    const peer = normalize(socketIp ?? 'unknown');
    if (!isTrusted(peer)) return peer;
    // RFC 7239 `Forwarded` wins when present (it is the standard); else X-Forwarded-For.
    const hops =
      forwarded !== undefined
        ? forwardedHops(forwarded)
        : forwardedFor !== undefined
          ? (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
              .split(',')
              .map((hop) => normalize(hop.trim()))
              .filter((hop) => hop !== '')
          : [];
    if (hops.length === 0) return peer;
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i] as string;
      if (isIP(hop) === 0) return peer; // a malformed hop: trust nothing the header says
      if (!isTrusted(hop)) return hop;
    }
    return hops[0] ?? peer;
  };
}

/**
 * The `for=` addresses of a `Forwarded` header, in order: `for=192.0.2.60`, `for="[2001:db8::1]:4711"`,
 * `for="192.0.2.43:47011"`. Obfuscated identifiers (`for=_hidden`, `for=unknown`) come back as-is and
 * make the resolver fall back to the peer address.
 */
function forwardedHops(header: string | string[]): string[] {
  const hops: string[] = [];
  for (const element of (Array.isArray(header) ? header.join(',') : header).split(',')) {
    for (const pair of element.split(';')) {
      const [name, rawValue] = pair.split('=', 2);
      if (name?.trim().toLowerCase() !== 'for' || rawValue === undefined) continue;
      let value = rawValue.trim().replace(/^"(.*)"$/, '$1');
      if (value.startsWith('['))
        value = value.slice(1, value.indexOf(']') === -1 ? undefined : value.indexOf(']'));
      else if (/^\d{1,3}(\.\d{1,3}){3}:\d+$/.test(value)) value = value.slice(0, value.lastIndexOf(':'));
      hops.push(normalize(value));
    }
  }
  return hops;
}

/** `::ffff:1.2.3.4` (IPv4-mapped) -> `1.2.3.4`, so limits key the same client the same way. */
const normalize = (ip: string): string =>
  ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
