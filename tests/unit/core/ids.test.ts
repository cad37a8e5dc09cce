import { describe, expect, it } from 'vitest';
import { newRequestId, randomBase62 } from '../../../src/core/ids.js';

describe('ids', () => {
  it('produces base62 strings of the requested length', () => {
    for (const length of [1, 12, 43, 100])
      expect(randomBase62(length)).toMatch(new RegExp(`^[0-9A-Za-z]{${length}}$`));
  });

  it('does not repeat across many draws (pool refills stay random)', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) seen.add(newRequestId());
    expect(seen.size).toBe(20_000);
  });

  it('uses the whole alphabet roughly uniformly', () => {
    const counts = new Map<string, number>();
    const sample = randomBase62(62_000);
    for (const char of sample) counts.set(char, (counts.get(char) ?? 0) + 1);
    expect(counts.size).toBe(62);
    for (const count of counts.values()) expect(count).toBeGreaterThan(700); // expected 1000 each
  });
});
