import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BudgetScope, LedgerEntry, LedgerStore } from '../../src/stores/ports.js';

/** One fresh, empty ledger, plus what the suite needs to test time and replicas. */
export interface LedgerFixture {
  readonly store: LedgerStore;
  /** Opens another store on the same data, like a second replica; omitted for in-process stores. */
  readonly replica?: () => Promise<LedgerStore>;
  /** Moves the stores' clock; omitted when expiry runs on the backend's own clock (then the suite waits). */
  readonly advance?: (ms: number) => void;
}

const DOLLAR = 1_000_000;
const CENT = 10_000;
const PERIOD = '2026-01';

const scope = (key: string, capMicros: number, period = PERIOD): BudgetScope => ({ key, period, capMicros });

export const ledgerEntry = (n: number, overrides: Partial<LedgerEntry> = {}): LedgerEntry => ({
  requestId: `req_${String(n).padStart(24, '0')}`,
  ts: '2026-01-15T12:00:00.000Z',
  environment: 'production',
  app: 'support',
  keyId: 'k000000000001',
  user: 'u_0123456789abcdef',
  model: 'gpt-4o-mini',
  inputTokens: 100,
  cachedInputTokens: 10,
  outputTokens: 50,
  costMicros: CENT,
  ...overrides,
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Every LedgerStore adapter must pass this suite. Semantics pinned here:
 * - reserve is all-or-nothing over its scopes; a scope admits when committed + unexpired reserved +
 *   amount <= cap; a refusal names the first failing scope (in the caller's order) and reserves nothing.
 * - commit adds min(cost, reserved) to every scope and records the entry with that charged cost. If the
 *   reservation had already expired, the charge is further limited to the room left under every cap, so
 *   committed spend never exceeds a cap. A commit for an unknown (or released) reservation records the
 *   entry with its cost and changes no totals. A second commit for the same id is a no-op.
 * - release of an unknown id is a no-op; a reservation id can be used only once.
 */
export function ledgerStoreContract(name: string, factory: () => Promise<LedgerFixture>): void {
  describe(`LedgerStore contract: ${name}`, () => {
    let fixture: LedgerFixture;
    let store: LedgerStore;
    const extra: LedgerStore[] = [];
    beforeEach(async () => {
      fixture = await factory();
      store = fixture.store;
    });
    afterEach(async () => {
      for (const other of extra.splice(0)) await other.close();
      await store.close();
    });

    /** Lets `ms` pass for the store: by the injected clock, or really. */
    const pass = async (ms: number): Promise<void> => {
      if (fixture.advance) fixture.advance(ms);
      else await sleep(ms);
    };
    // Real-time backends need short TTLs; clock-driven ones use realistic ones.
    const ttl = (): number => (fixture.advance ? 60_000 : 300);

    it('reports zero totals for an unknown scope', async () => {
      expect(await store.totals('app:none', PERIOD)).toEqual({ committedMicros: 0, reservedMicros: 0 });
    });

    it('reserves, then commits the actual cost and gives back the rest', async () => {
      expect(await store.reserve('r1', [scope('app:support', DOLLAR)], 5 * CENT, 60_000)).toEqual({
        ok: true,
      });
      expect(await store.totals('app:support', PERIOD)).toEqual({
        committedMicros: 0,
        reservedMicros: 5 * CENT,
      });
      await store.commit('r1', ledgerEntry(1, { costMicros: 2 * CENT }));
      expect(await store.totals('app:support', PERIOD)).toEqual({
        committedMicros: 2 * CENT,
        reservedMicros: 0,
      });
    });

    it('admits an exact fit and refuses one micro-dollar more, with the numbers', async () => {
      await store.reserve('r1', [scope('app:a', DOLLAR)], 60 * CENT, 60_000);
      await store.commit('r1', ledgerEntry(1, { costMicros: 30 * CENT }));
      await store.reserve('r2', [scope('app:a', DOLLAR)], 30 * CENT, 60_000);
      expect(await store.reserve('r3', [scope('app:a', DOLLAR)], 40 * CENT + 1, 60_000)).toEqual({
        ok: false,
        scope: 'app:a',
        committedMicros: 30 * CENT,
        reservedMicros: 30 * CENT,
        capMicros: DOLLAR,
      });
      expect(await store.reserve('r4', [scope('app:a', DOLLAR)], 40 * CENT, 60_000)).toEqual({ ok: true });
      expect(await store.totals('app:a', PERIOD)).toEqual({
        committedMicros: 30 * CENT,
        reservedMicros: 70 * CENT,
      });
    });

    it('is all or nothing across scopes and names the first that does not fit', async () => {
      const scopes = [scope('app:a', DOLLAR), scope('key:k1', 50 * CENT), scope('global', 10 * CENT)];
      const result = await store.reserve('r1', scopes, 60 * CENT, 60_000);
      expect(result).toMatchObject({ ok: false, scope: 'key:k1', capMicros: 50 * CENT });
      for (const s of scopes) expect((await store.totals(s.key, PERIOD)).reservedMicros).toBe(0);
      expect(await store.reserve('r2', scopes.slice(0, 2), 50 * CENT, 60_000)).toEqual({ ok: true });
      expect((await store.totals('app:a', PERIOD)).reservedMicros).toBe(50 * CENT);
      expect((await store.totals('key:k1', PERIOD)).reservedMicros).toBe(50 * CENT);
    });

    it('caps a commit at the reserved amount', async () => {
      await store.reserve('r1', [scope('app:a', DOLLAR), scope('user:u', DOLLAR)], 3 * CENT, 60_000);
      await store.commit('r1', ledgerEntry(1, { costMicros: 9 * CENT }));
      expect(await store.totals('app:a', PERIOD)).toEqual({ committedMicros: 3 * CENT, reservedMicros: 0 });
      expect(await store.totals('user:u', PERIOD)).toEqual({ committedMicros: 3 * CENT, reservedMicros: 0 });
      const [row] = await store.usage('2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z', []);
      expect(row?.costMicros).toBe(3 * CENT);
    });

    it('commits once per reservation id, even when called twice at the same time', async () => {
      await store.reserve('r1', [scope('app:a', DOLLAR)], 5 * CENT, 60_000);
      await Promise.all([
        store.commit('r1', ledgerEntry(1, { costMicros: 4 * CENT })),
        store.commit('r1', ledgerEntry(1, { costMicros: 4 * CENT })),
      ]);
      await store.commit('r1', ledgerEntry(1, { costMicros: 4 * CENT }));
      expect(await store.totals('app:a', PERIOD)).toEqual({ committedMicros: 4 * CENT, reservedMicros: 0 });
      const rows = await store.usage('2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z', []);
      expect(rows).toEqual([
        { group: {}, requests: 1, inputTokens: 100, outputTokens: 50, costMicros: 4 * CENT },
      ]);
    });

    it('releases a reservation; releasing an unknown id is a no-op', async () => {
      await store.reserve('r1', [scope('app:a', DOLLAR)], DOLLAR, 60_000);
      expect((await store.reserve('r2', [scope('app:a', DOLLAR)], 1, 60_000)).ok).toBe(false);
      await store.release('r1');
      await store.release('r1');
      await store.release('never-reserved');
      expect(await store.totals('app:a', PERIOD)).toEqual({ committedMicros: 0, reservedMicros: 0 });
      expect(await store.reserve('r3', [scope('app:a', DOLLAR)], DOLLAR, 60_000)).toEqual({ ok: true });
    });

    it('commits a batch with the same semantics as single commits (capped, idempotent, unreserved)', async () => {
      await store.reserve('b1', [scope('app:batch', DOLLAR)], 5 * CENT, 60_000);
      await store.reserve('b2', [scope('app:batch', DOLLAR)], 5 * CENT, 60_000);
      await store.commitMany([
        { reservationId: 'b1', entry: ledgerEntry(1, { costMicros: 2 * CENT }) },
        { reservationId: 'b2', entry: ledgerEntry(2, { costMicros: 9 * CENT }) },
        { reservationId: 'free', entry: ledgerEntry(3, { costMicros: CENT }) },
      ]);
      await store.commitMany([{ reservationId: 'b1', entry: ledgerEntry(1, { costMicros: 2 * CENT }) }]);
      expect(await store.totals('app:batch', PERIOD)).toEqual({
        committedMicros: 7 * CENT,
        reservedMicros: 0,
      });
      const [row] = await store.usage('2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z', []);
      expect(row).toMatchObject({ requests: 3, costMicros: 8 * CENT });
    });

    it('records a commit for an unknown reservation without touching any total', async () => {
      await store.reserve('r1', [scope('app:a', DOLLAR)], CENT, 60_000);
      await store.release('r1');
      await store.commit('r1', ledgerEntry(1, { costMicros: 7 * CENT }));
      await store.commit('ghost', ledgerEntry(2, { costMicros: 2 * CENT }));
      expect(await store.totals('app:a', PERIOD)).toEqual({ committedMicros: 0, reservedMicros: 0 });
      const [row] = await store.usage('2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z', []);
      expect(row).toMatchObject({ requests: 2, costMicros: 9 * CENT });
    });

    it('refuses to reuse a reservation id, pending or settled', async () => {
      await store.reserve('r1', [scope('app:a', DOLLAR)], CENT, 60_000);
      await expect(store.reserve('r1', [scope('app:a', DOLLAR)], CENT, 60_000)).rejects.toThrow();
      await store.commit('r1', ledgerEntry(1));
      await expect(store.reserve('r1', [scope('app:a', DOLLAR)], CENT, 60_000)).rejects.toThrow();
      expect(await store.totals('app:a', PERIOD)).toEqual({ committedMicros: CENT, reservedMicros: 0 });
    });

    it('validates its arguments', async () => {
      const ok = [scope('app:a', DOLLAR)];
      await expect(store.reserve('r', ok, -1, 1000)).rejects.toThrow(RangeError);
      await expect(store.reserve('r', ok, 1.5, 1000)).rejects.toThrow(RangeError);
      await expect(store.reserve('r', ok, 1, 0)).rejects.toThrow(RangeError);
      await expect(store.reserve('', ok, 1, 1000)).rejects.toThrow(RangeError);
      await expect(store.reserve('r', [scope('app:a', -5)], 1, 1000)).rejects.toThrow(RangeError);
      await expect(store.reserve('r', [...ok, ...ok], 1, 1000)).rejects.toThrow(RangeError);
      await expect(store.commit('r', ledgerEntry(1, { costMicros: -1 }))).rejects.toThrow(RangeError);
      await expect(store.commit('r', ledgerEntry(1, { ts: 'yesterday' }))).rejects.toThrow(RangeError);
      await expect(store.markAlertSent('app:a', PERIOD, 0)).rejects.toThrow(RangeError);
      const bad = ['app', 'secret'] as unknown as ['app'];
      await expect(store.usage('2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z', bad)).rejects.toThrow(
        RangeError,
      );
      expect(await store.totals('app:a', PERIOD)).toEqual({ committedMicros: 0, reservedMicros: 0 });
    });

    it('keeps periods separate', async () => {
      await store.reserve('r1', [scope('app:a', DOLLAR, '2026-01')], DOLLAR, 60_000);
      await store.commit('r1', ledgerEntry(1, { costMicros: DOLLAR }));
      expect((await store.reserve('r2', [scope('app:a', DOLLAR, '2026-01')], 1, 60_000)).ok).toBe(false);
      expect(await store.reserve('r3', [scope('app:a', DOLLAR, '2026-02')], DOLLAR, 60_000)).toEqual({
        ok: true,
      });
      expect(await store.totals('app:a', '2026-01')).toEqual({ committedMicros: DOLLAR, reservedMicros: 0 });
      expect(await store.totals('app:a', '2026-02')).toEqual({ committedMicros: 0, reservedMicros: DOLLAR });
    });

    it('stops counting a reservation once its TTL has passed', async () => {
      const life = ttl();
      await store.reserve('r1', [scope('app:a', DOLLAR)], DOLLAR, life);
      expect((await store.reserve('r2', [scope('app:a', DOLLAR)], 1, life)).ok).toBe(false);
      await pass(life + 100);
      expect((await store.totals('app:a', PERIOD)).reservedMicros).toBe(0);
      expect(await store.reserve('r3', [scope('app:a', DOLLAR)], 60 * CENT, 60_000)).toEqual({ ok: true });
    });

    it('charges a late commit only what still fits under the cap', async () => {
      const life = ttl();
      await store.reserve('late', [scope('app:a', DOLLAR)], 50 * CENT, life);
      await pass(life + 100);
      // The expired room is given to someone else, leaving 20 cents.
      await store.reserve('r2', [scope('app:a', DOLLAR)], 80 * CENT, 60_000);
      await store.commit('late', ledgerEntry(1, { costMicros: 30 * CENT }));
      expect(await store.totals('app:a', PERIOD)).toEqual({
        committedMicros: 20 * CENT,
        reservedMicros: 80 * CENT,
      });
      await store.commit('r2', ledgerEntry(2, { costMicros: 80 * CENT }));
      expect((await store.totals('app:a', PERIOD)).committedMicros).toBe(DOLLAR);
    });

    it('admits exactly 100 of 200 concurrent $0.01 reservations under a $1.00 cap', async () => {
      const stores = [store];
      if (fixture.replica) {
        const second = await fixture.replica();
        extra.push(second);
        stores.push(second);
      }
      const caps = [scope('app:a', DOLLAR), scope('global', 10 * DOLLAR)];
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, n) =>
          stores[n % stores.length]!.reserve(`c${n}`, caps, CENT, 60_000),
        ),
      );
      const admitted = results.flatMap((result, n) => (result.ok ? [n] : []));
      expect(admitted).toHaveLength(100);
      expect(await store.totals('app:a', PERIOD)).toEqual({ committedMicros: 0, reservedMicros: DOLLAR });
      // Everyone overspends their estimate; the cap still holds.
      await Promise.all(
        admitted.map((n) =>
          stores[n % stores.length]!.commit(`c${n}`, ledgerEntry(n, { costMicros: 2 * CENT })),
        ),
      );
      expect(await store.totals('app:a', PERIOD)).toEqual({ committedMicros: DOLLAR, reservedMicros: 0 });
      expect(await store.totals('global', PERIOD)).toEqual({ committedMicros: DOLLAR, reservedMicros: 0 });
      expect((await store.reserve('after', caps, 1, 60_000)).ok).toBe(false);
    });

    it('marks an alert sent exactly once, even under concurrency', async () => {
      const results = await Promise.all(
        Array.from({ length: 20 }, () => store.markAlertSent('app:a', PERIOD, 80)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.markAlertSent('app:a', PERIOD, 80)).toBe(false);
      expect(await store.markAlertSent('app:a', PERIOD, 100)).toBe(true);
      expect(await store.markAlertSent('app:a', '2026-02', 80)).toBe(true);
      expect(await store.markAlertSent('app:b', PERIOD, 80)).toBe(true);
      if (fixture.replica) {
        const second = await fixture.replica();
        extra.push(second);
        expect(await second.markAlertSent('app:a', PERIOD, 80)).toBe(false);
        expect(await second.markAlertSent('app:a', PERIOD, 50)).toBe(true);
      }
    });

    it('aggregates usage by the requested fields within [from, to)', async () => {
      const entries: LedgerEntry[] = [
        ledgerEntry(1, { app: 'a', model: 'm1', ts: '2026-01-01T00:00:00.000Z' }),
        ledgerEntry(2, { app: 'a', model: 'm2', keyId: null, user: null, inputTokens: 5, outputTokens: 7 }),
        ledgerEntry(3, { app: 'b', model: 'm1', costMicros: 3, environment: 'staging' }),
        ledgerEntry(4, { app: 'a', model: 'm1', costMicros: 1, ts: '2026-01-31T23:59:59.999+00:00' }),
        ledgerEntry(5, { app: 'a', model: 'm1', ts: '2026-02-01T00:00:00.000Z' }), // excluded: end is open
        ledgerEntry(6, { app: 'a', model: 'm1', ts: '2025-12-31T23:59:59.999Z' }), // excluded: before
      ];
      for (const [n, entry] of entries.entries()) await store.commit(`u${n}`, entry);
      const from = '2026-01-01T00:00:00Z';
      const to = '2026-02-01T01:00:00+01:00'; // the same instant as 2026-02-01T00:00:00Z
      expect(await store.usage(from, to, ['app'])).toEqual([
        { group: { app: 'a' }, requests: 3, inputTokens: 205, outputTokens: 107, costMicros: 2 * CENT + 1 },
        { group: { app: 'b' }, requests: 1, inputTokens: 100, outputTokens: 50, costMicros: 3 },
      ]);
      expect((await store.usage(from, to, ['app', 'model'])).map((r) => [r.group, r.requests])).toEqual([
        [{ app: 'a', model: 'm1' }, 2],
        [{ app: 'a', model: 'm2' }, 1],
        [{ app: 'b', model: 'm1' }, 1],
      ]);
      expect((await store.usage(from, to, ['user', 'keyId'])).map((r) => [r.group, r.requests])).toEqual([
        [{ user: null, keyId: null }, 1],
        [{ user: 'u_0123456789abcdef', keyId: 'k000000000001' }, 3],
      ]);
      expect((await store.usage(from, to, ['environment'])).map((r) => r.group)).toEqual([
        { environment: 'production' },
        { environment: 'staging' },
      ]);
      expect(await store.usage(from, to, [])).toEqual([
        { group: {}, requests: 4, inputTokens: 305, outputTokens: 157, costMicros: 2 * CENT + 4 },
      ]);
      expect(await store.usage('2030-01-01T00:00:00Z', '2030-02-01T00:00:00Z', ['app'])).toEqual([]);
    });
  });
}
