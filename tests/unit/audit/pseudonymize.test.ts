import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createPseudonymizer } from '../../../src/audit/pseudonymize.js';

const KEY = 'k'.repeat(32);

describe('createPseudonymizer', () => {
  it('is the keyed HMAC-SHA256, u_ + 32 hex chars', () => {
    const pseudonym = createPseudonymizer(KEY)('alice@example.com');
    expect(pseudonym).toMatch(/^u_[0-9a-f]{32}$/);
    const expected = createHmac('sha256', KEY).update('alice@example.com').digest('hex').slice(0, 32);
    expect(pseudonym).toBe(`u_${expected}`);
  });

  it('is stable for one key and differs across users and keys', () => {
    const a = createPseudonymizer(KEY);
    const b = createPseudonymizer('another-key-of-enough-length');
    expect(a('alice')).toBe(createPseudonymizer(KEY)('alice'));
    expect(a('alice')).not.toBe(a('bob'));
    expect(a('alice')).not.toBe(b('alice'));
  });

  it('never contains the raw id', () => {
    expect(createPseudonymizer(KEY)('abc')).not.toContain('abc');
  });

  it('refuses a short key', () => {
    expect(() => createPseudonymizer('')).toThrow();
    expect(() => createPseudonymizer('short')).toThrow();
  });
});
