import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  GATEWAY_KEY_LENGTH,
  generateGatewayKey,
  hashesEqual,
  hashGatewayKey,
  looksLikeProviderKey,
  parseGatewayKey,
} from '../../../src/core/gateway-key.js';

describe('gateway keys', () => {
  it('generates bst_<12>_<43> base62 keys whose hash is the SHA-256 of the key', () => {
    const { key, id, hash } = generateGatewayKey();
    expect(key).toMatch(/^bst_[0-9A-Za-z]{12}_[0-9A-Za-z]{43}$/);
    expect(key).toHaveLength(GATEWAY_KEY_LENGTH);
    expect(key.slice(4, 16)).toBe(id);
    expect(hash).toBe(createHash('sha256').update(key).digest('hex'));
    expect(hashGatewayKey(key)).toBe(hash);
  });

  it('generates distinct keys', () => {
    const keys = new Set(Array.from({ length: 200 }, () => generateGatewayKey().key));
    expect(keys.size).toBe(200);
  });

  it('parses a valid key to its id', () => {
    const { key, id } = generateGatewayKey();
    expect(parseGatewayKey(key)).toEqual({ id });
  });

  it.each([
    ['empty', ''],
    ['wrong prefix', 'bsk_abcdefghijkl_' + 'a'.repeat(43)],
    ['short id', 'bst_abcdefghijk_' + 'a'.repeat(44)],
    ['short secret', 'bst_abcdefghijkl_' + 'a'.repeat(42)],
    ['long secret', 'bst_abcdefghijkl_' + 'a'.repeat(44)],
    ['non-base62', 'bst_abcdefghijk-_' + 'a'.repeat(43)],
    ['trailing newline', 'bst_abcdefghijkl_' + 'a'.repeat(42) + '\n'],
    ['unicode digit', 'bst_abcdefghijk٣_' + 'a'.repeat(43)],
    ['provider key', 'sk-proj-' + 'a'.repeat(52)],
  ])('rejects a malformed key (%s)', (_name, value) => {
    expect(parseGatewayKey(value)).toBeUndefined();
  });

  it('parses hostile input in bounded time', () => {
    const hostile = 'bst_' + 'a'.repeat(100_000);
    const start = performance.now();
    for (let i = 0; i < 1000; i++) parseGatewayKey(hostile);
    expect(performance.now() - start).toBeLessThan(200);
  });

  it.each([
    'sk-abcdefghijklmnopqrstuvwxyz0123456789',
    'sk-proj-abc123',
    'sk-svcacct-abc123',
    'sk-admin-abc123',
    'sk-ant-api03-abc123',
    'abcT3BlbkFJxyz',
  ])('recognises provider key %s', (value) => {
    expect(looksLikeProviderKey(value)).toBe(true);
  });

  it.each(['bst_abc', 'ska-123', 'xsk-123', ''])('does not flag %j as a provider key', (value) => {
    expect(looksLikeProviderKey(value)).toBe(false);
  });

  it('compares hashes exactly, including unequal lengths', () => {
    const hash = hashGatewayKey('x');
    expect(hashesEqual(hash, hashGatewayKey('x'))).toBe(true);
    expect(hashesEqual(hash, hashGatewayKey('y'))).toBe(false);
    expect(hashesEqual(hash, hash.slice(0, -1))).toBe(false);
    expect(hashesEqual(hash, '')).toBe(false);
  });
});
