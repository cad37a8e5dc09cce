import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CounterStore } from '../../src/stores/ports.js';

/** One fresh, empty store (or two views of the same shared state) plus a way to let time pass. */
export interface CounterStoreHarness {
  readonly store: CounterStore;
  /** A second instance sharing `store`'s state (its own connection for Redis; may be `store`). */
  readonly peer: CounterStore;
  /** Lets `ms` of store time pass (moves a manual clock, or really waits). */
  advance(ms: number): Promise<void>;
  /** How much store time may pass between two calls made back to back (0 with a manual clock). */
  readonly driftMs: number;
  /** A window short enough to wait out in a test (real-time stores). */
  readonly shortWindowMs: number;
  dispose(): Promise<void>;
}

const LONG = 60_000;

/**
 * Every CounterStore adapter must pass this suite. GCRA semantics: `limit` units per `windowMs`,
 * bursts up to `limit`, refill at one unit per windowMs/limit; a refused call consumes nothing;
 * `resetMs` / `retryAfterMs` are whole milliseconds rounded up.
 */
export function counterStoreContract(name: string, factory: () => Promise<CounterStoreHarness>): void {
  describe(`CounterStore contract: ${name}`, () => {
    let h: CounterStoreHarness;
    beforeEach(async () => {
      h = await factory();
    });
    afterEach(async () => {
      await h.dispose();
    });

    it('admits a burst of exactly `limit` and reports what is left', async () => {
      const first = await h.store.consume('k', 1, 3, LONG);
      expect(first).toMatchObject({ allowed: true, limit: 3, remaining: 2, retryAfterMs: 0 });
      expect(first.resetMs).toBeGreaterThanOrEqual(20_000 - h.driftMs);
      expect(first.resetMs).toBeLessThanOrEqual(20_000);
      expect(await h.store.consume('k', 1, 3, LONG)).toMatchObject({ allowed: true, remaining: 1 });
      expect(await h.store.consume('k', 1, 3, LONG)).toMatchObject({ allowed: true, remaining: 0 });
      const refused = await h.store.consume('k', 1, 3, LONG);
      expect(refused).toMatchObject({ allowed: false, limit: 3, remaining: 0 });
      // One unit comes back after one emission interval (20 s); the bucket is empty for 60 s.
      expect(refused.retryAfterMs).toBeGreaterThanOrEqual(20_000 - h.driftMs);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(20_000);
      expect(refused.resetMs).toBeGreaterThanOrEqual(LONG - h.driftMs);
      expect(refused.resetMs).toBeLessThanOrEqual(LONG);
    });

    it('keeps keys independent', async () => {
      expect((await h.store.consume('a', 1, 1, LONG)).allowed).toBe(true);
      expect((await h.store.consume('a', 1, 1, LONG)).allowed).toBe(false);
      expect((await h.store.consume('b', 1, 1, LONG)).allowed).toBe(true);
    });

    it('never consumes on rejection', async () => {
      expect(await h.store.consume('k', 2, 3, LONG)).toMatchObject({ allowed: true, remaining: 1 });
      expect((await h.store.consume('k', 2, 3, LONG)).allowed).toBe(false);
      expect((await h.store.consume('k', 2, 3, LONG)).allowed).toBe(false);
      // The refused calls took nothing: the last unit is still there, and then nothing is.
      expect(await h.store.consume('k', 1, 3, LONG)).toMatchObject({ allowed: true, remaining: 0 });
      expect((await h.store.consume('k', 1, 3, LONG)).allowed).toBe(false);
    });

    it('refuses a cost larger than the limit without consuming', async () => {
      expect((await h.store.consume('k', 11, 10, LONG)).allowed).toBe(false);
      expect(await h.store.consume('k', 10, 10, LONG)).toMatchObject({ allowed: true, remaining: 0 });
    });

    it('handles weighted costs (token limits)', async () => {
      expect(await h.store.consume('t', 700, 1000, LONG)).toMatchObject({ allowed: true, remaining: 300 });
      const refused = await h.store.consume('t', 400, 1000, LONG);
      expect(refused.allowed).toBe(false);
      // 100 more tokens are needed: 100 * 60 ms.
      expect(refused.retryAfterMs).toBeGreaterThanOrEqual(6000 - h.driftMs);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(6000);
      expect(await h.store.consume('t', 300, 1000, LONG)).toMatchObject({ allowed: true, remaining: 0 });
    });

    it('refunds, but never beyond an unused bucket', async () => {
      for (let i = 0; i < 3; i++) expect((await h.store.consume('k', 1, 3, LONG)).allowed).toBe(true);
      expect((await h.store.consume('k', 1, 3, LONG)).allowed).toBe(false);
      await h.store.refund('k', 2, 3, LONG);
      expect((await h.store.consume('k', 2, 3, LONG)).allowed).toBe(true);
      expect((await h.store.consume('k', 1, 3, LONG)).allowed).toBe(false);

      await h.store.refund('fresh', 100, 3, LONG);
      await h.store.refund('k', 100, 3, LONG);
      for (const key of ['fresh', 'k']) {
        const results = [];
        for (let i = 0; i < 4; i++) results.push((await h.store.consume(key, 1, 3, LONG)).allowed);
        expect(results).toEqual([true, true, true, false]);
      }
    });

    it('admits exactly `limit` of many concurrent calls, across instances', async () => {
      const calls = Array.from({ length: 300 }, (_, i) =>
        (i % 2 === 0 ? h.store : h.peer).consume('hot', 1, 50, LONG),
      );
      const results = await Promise.all(calls);
      expect(results.filter((r) => r.allowed)).toHaveLength(50);
      const remaining = results.filter((r) => r.allowed).map((r) => r.remaining);
      expect(new Set(remaining).size).toBe(50); // every admitted call saw a distinct count
      expect(Math.min(...remaining)).toBe(0);
    });

    it('admits exactly a large limit whose emission interval is fractional', async () => {
      // 2 999 per 7 days: T = 201 667.2... ms, so refill during the test is nil; any rounding drift in
      // the stored state would refuse the last unit or admit one more.
      const week = 7 * 24 * 3600 * 1000;
      const results = await Promise.all(
        Array.from({ length: 3_100 }, (_, i) =>
          (i % 2 === 0 ? h.store : h.peer).consume('big', 1, 2_999, week),
        ),
      );
      expect(results.filter((r) => r.allowed)).toHaveLength(2_999);
    });

    it('refills over the window', async () => {
      const w = h.shortWindowMs;
      expect((await h.store.consume('r', 2, 2, w)).allowed).toBe(true);
      const refused = await h.store.consume('r', 1, 2, w);
      expect(refused.allowed).toBe(false);
      await h.advance(refused.retryAfterMs + 1);
      expect((await h.store.consume('r', 1, 2, w)).allowed).toBe(true);
      expect((await h.store.consume('r', 1, 2, w)).allowed).toBe(false);
      await h.advance(w + 1);
      expect(await h.store.consume('r', 1, 2, w)).toMatchObject({ allowed: true, remaining: 1 });
    });

    it('rejects nonsensical arguments', async () => {
      await expect(h.store.consume('k', 1, 0, LONG)).rejects.toThrow(RangeError);
      await expect(h.store.consume('k', 1, 1.5, LONG)).rejects.toThrow(RangeError);
      await expect(h.store.consume('k', -1, 1, LONG)).rejects.toThrow(RangeError);
      await expect(h.store.consume('k', Number.NaN, 1, LONG)).rejects.toThrow(RangeError);
      await expect(h.store.consume('k', 1, 1, 0)).rejects.toThrow(RangeError);
      await expect(h.store.refund('k', Number.POSITIVE_INFINITY, 1, LONG)).rejects.toThrow(RangeError);
      await expect(h.store.acquire('k', 0, 1000)).rejects.toThrow(RangeError);
      await expect(h.store.acquire('k', 1, 0)).rejects.toThrow(RangeError);
    });

    describe('concurrency slots', () => {
      it('holds `limit` slots until released', async () => {
        const a = await h.store.acquire('c', 2, LONG);
        const b = await h.peer.acquire('c', 2, LONG);
        expect([a.allowed, b.allowed]).toEqual([true, true]);
        expect(a.leaseId).not.toBe(b.leaseId);
        expect((await h.store.acquire('c', 2, LONG)).allowed).toBe(false);
        await h.peer.release('c', a.leaseId);
        expect((await h.store.acquire('c', 2, LONG)).allowed).toBe(true);
        expect((await h.store.acquire('c', 2, LONG)).allowed).toBe(false);
      });

      it('ignores unknown or repeated releases', async () => {
        const a = await h.store.acquire('c', 1, LONG);
        await h.store.release('c', 'no-such-lease');
        await h.store.release('other', a.leaseId);
        expect((await h.store.acquire('c', 1, LONG)).allowed).toBe(false);
        await h.store.release('c', a.leaseId);
        await h.store.release('c', a.leaseId);
        expect((await h.store.acquire('c', 1, LONG)).allowed).toBe(true);
      });

      it('frees a slot when its lease expires', async () => {
        const lease = h.shortWindowMs / 2;
        expect((await h.store.acquire('c', 1, lease)).allowed).toBe(true);
        expect((await h.store.acquire('c', 1, LONG)).allowed).toBe(false);
        await h.advance(lease + 1);
        expect((await h.store.acquire('c', 1, LONG)).allowed).toBe(true);
      });

      it('admits exactly `limit` of many concurrent acquires, across instances', async () => {
        const results = await Promise.all(
          Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? h.store : h.peer).acquire('cc', 7, LONG)),
        );
        expect(results.filter((r) => r.allowed)).toHaveLength(7);
      });

      it('keeps slots apart from rate buckets of the same key', async () => {
        expect((await h.store.consume('same', 1, 1, LONG)).allowed).toBe(true);
        expect((await h.store.acquire('same', 1, LONG)).allowed).toBe(true);
        expect((await h.store.consume('same', 1, 1, LONG)).allowed).toBe(false);
      });
    });
  });
}
