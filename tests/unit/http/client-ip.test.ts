import { describe, expect, it } from 'vitest';
import { createClientIpResolver } from '../../../src/http/client-ip.js';

describe('client IP resolution (threat: a client choosing its own IP to dodge per-IP limits)', () => {
  it('ignores forwarding headers when no proxy is trusted', () => {
    const resolve = createClientIpResolver([]);
    expect(resolve('203.0.113.9', '1.2.3.4', 'for=1.2.3.4')).toBe('203.0.113.9');
  });

  it('ignores forwarding headers from an untrusted peer', () => {
    const resolve = createClientIpResolver(['10.0.0.0/8']);
    expect(resolve('203.0.113.9', '1.2.3.4')).toBe('203.0.113.9');
  });

  it('walks X-Forwarded-For right to left past trusted proxies only', () => {
    const resolve = createClientIpResolver(['10.0.0.0/8']);
    // The client prepended a fake hop; the real client is the first untrusted hop from the right.
    expect(resolve('10.0.0.5', '6.6.6.6, 198.51.100.7, 10.0.0.9')).toBe('198.51.100.7');
    expect(resolve('::ffff:10.0.0.5', '198.51.100.7')).toBe('198.51.100.7');
  });

  it('reads RFC 7239 Forwarded, with ports and IPv6 brackets', () => {
    const resolve = createClientIpResolver(['10.0.0.0/8']);
    expect(resolve('10.0.0.5', undefined, 'for=6.6.6.6, for="198.51.100.7:4711";proto=https')).toBe(
      '198.51.100.7',
    );
    expect(resolve('10.0.0.5', undefined, 'for="[2001:db8::1]:4711"')).toBe('2001:db8::1');
  });

  it('falls back to the peer when a hop is malformed or obfuscated', () => {
    const resolve = createClientIpResolver(['10.0.0.0/8']);
    expect(resolve('10.0.0.5', 'not-an-ip')).toBe('10.0.0.5');
    expect(resolve('10.0.0.5', undefined, 'for=_hidden')).toBe('10.0.0.5');
  });
});
