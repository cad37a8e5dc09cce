import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { MemoryCounterStore } from '../../src/stores/memory/counter-store.js';
import { counterStoreContract } from './counter-store.contract.js';

counterStoreContract('memory', async () => {
  const clock = new ManualClock();
  const store = new MemoryCounterStore({ clock });
  return {
    store,
    peer: store,
    advance: async (ms) => clock.advance(ms),
    driftMs: 0,
    shortWindowMs: 1000,
    dispose: () => store.close(),
  };
});

describe('MemoryCounterStore specifics', () => {
  it('computes exact GCRA figures at window boundaries', async () => {
    const clock = new ManualClock();
    const store = new MemoryCounterStore({ clock });
    // 3 per 1000 ms: the emission interval (333.33 ms) is not a whole number of ms.
    for (let i = 0; i < 3; i++) expect((await store.consume('k', 1, 3, 1000)).allowed).toBe(true);
    const refused = await store.consume('k', 1, 3, 1000);
    expect(refused).toEqual({ allowed: false, limit: 3, remaining: 0, resetMs: 1000, retryAfterMs: 334 });
    clock.advance(333);
    expect((await store.consume('k', 1, 3, 1000)).allowed).toBe(false);
    clock.advance(1);
    expect(await store.consume('k', 1, 3, 1000)).toEqual({
      allowed: true,
      limit: 3,
      remaining: 0,
      resetMs: 1000,
      retryAfterMs: 0,
    });
  });

  it('admits exactly the limit when it is large and the interval is fractional', async () => {
    const store = new MemoryCounterStore({ clock: new ManualClock(Date.UTC(2031, 5, 7, 3, 4, 5, 678)) });
    let admitted = 0;
    for (let i = 0; i < 10_100; i++) if ((await store.consume('k', 1, 9_999, 7_000)).allowed) admitted++;
    expect(admitted).toBe(9_999);
  });

  it('forgets expired state lazily and stays within its size bound', async () => {
    const clock = new ManualClock();
    const store = new MemoryCounterStore({ clock, maxKeys: 3 });
    for (const key of ['a', 'b', 'c']) await store.consume(key, 1, 1, 1000);
    expect(store.size).toBe(3);
    await store.consume('d', 1, 1, 1000); // evicts the least recently used bucket, 'a'
    expect(store.size).toBe(3);
    expect((await store.consume('b', 1, 1, 1000)).allowed).toBe(false);
    clock.advance(5000);
    await store.acquire('slot', 1, 1000); // all buckets expired: swept, not evicted
    expect(store.size).toBe(1);
  });

  it('bounds keys under a flood of distinct keys', async () => {
    const store = new MemoryCounterStore({ clock: new ManualClock(), maxKeys: 100 });
    for (let i = 0; i < 1000; i++) await store.consume(`ip:${i}`, 1, 5, 60_000);
    expect(store.size).toBe(100);
  });
});
