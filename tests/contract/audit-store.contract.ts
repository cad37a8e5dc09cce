import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditStore } from '../../src/stores/ports.js';
import { deniedEvent, fullEvent } from './fixtures.js';

const at = (second: number): string => new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();

/**
 * Every AuditStore adapter must pass this suite. `factory` returns a fresh, empty store.
 * Query semantics: newest first (ties: last appended first); `since` is inclusive; `limit`
 * defaults to 100, is capped at 10 000 and must be a positive integer.
 */
export function auditStoreContract(name: string, factory: () => Promise<AuditStore> | AuditStore): void {
  describe(`AuditStore contract: ${name}`, () => {
    let store: AuditStore;
    beforeEach(async () => {
      store = await factory();
    });
    afterEach(async () => {
      await store.close();
    });

    it('is empty at first', async () => {
      expect(await store.query()).toEqual([]);
    });

    it('round-trips an event with every field set', async () => {
      const event = fullEvent();
      await store.append([event]);
      expect(await store.query()).toEqual([event]);
    });

    it('round-trips an event with every nullable field null', async () => {
      const event = deniedEvent(1, at(1));
      await store.append([event]);
      expect(await store.query()).toEqual([event]);
    });

    it('accepts an empty batch', async () => {
      await store.append([]);
      expect(await store.query()).toEqual([]);
    });

    it('returns newest first, ties in reverse append order', async () => {
      await store.append([deniedEvent(1, at(1)), deniedEvent(3, at(3))]);
      await store.append([deniedEvent(2, at(2)), deniedEvent(4, at(3))]);
      const ids = (await store.query()).map((e) => e.requestId.slice(-1));
      expect(ids).toEqual(['4', '3', '2', '1']);
    });

    it('filters by since (inclusive), requestId and both', async () => {
      await store.append([1, 2, 3, 4].map((n) => deniedEvent(n, at(n))));
      expect((await store.query({ since: at(3) })).map((e) => e.ts)).toEqual([at(4), at(3)]);
      const two = deniedEvent(2, at(2)).requestId;
      expect((await store.query({ requestId: two })).map((e) => e.ts)).toEqual([at(2)]);
      expect(await store.query({ requestId: two, since: at(3) })).toEqual([]);
      expect(await store.query({ requestId: 'req_nope' })).toEqual([]);
    });

    it('applies limit after ordering, with a default of 100', async () => {
      await store.append(Array.from({ length: 150 }, (_, n) => deniedEvent(n, at(n % 60))));
      const two = await store.query({ limit: 2 });
      expect(two.map((e) => e.ts)).toEqual([at(59), at(59)]);
      expect(await store.query()).toHaveLength(100);
      expect(await store.query({ limit: 1000 })).toHaveLength(150);
    });

    it('rejects a non-positive or fractional limit', async () => {
      await expect(store.query({ limit: 0 })).rejects.toThrow(RangeError);
      await expect(store.query({ limit: 1.5 })).rejects.toThrow(RangeError);
    });

    it('keeps stored events independent of the caller’s objects', async () => {
      const triggers = ['a'];
      await store.append([fullEvent({ triggers })]);
      triggers.push('b');
      expect((await store.query())[0]?.triggers).toEqual(['a']);
    });
  });
}
