import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KeyStore } from '../../src/stores/ports.js';
import { keyRecord } from './fixtures.js';

/** Every KeyStore adapter must pass this suite. `factory` returns a fresh, empty store. */
export function keyStoreContract(name: string, factory: () => Promise<KeyStore> | KeyStore): void {
  describe(`KeyStore contract: ${name}`, () => {
    let store: KeyStore;
    beforeEach(async () => {
      store = await factory();
    });
    afterEach(async () => {
      await store.close();
    });

    it('returns undefined for an unknown id', async () => {
      expect(await store.get('k_unknown')).toBeUndefined();
    });

    it('round-trips every field of a record', async () => {
      const record = keyRecord({
        label: 'ci runner',
        models: ['gpt-4o-mini', 'claude-haiku-4-5'],
        expiresAt: Date.UTC(2027, 0, 1),
      });
      await store.create(record);
      expect(await store.get(record.id)).toEqual(record);
    });

    it('round-trips null label, models, expiry and revocation', async () => {
      const record = keyRecord();
      await store.create(record);
      expect(await store.get(record.id)).toEqual(record);
    });

    it('keeps an empty model list distinct from null', async () => {
      await store.create(keyRecord({ models: [] }));
      expect((await store.get('k000000000001'))?.models).toEqual([]);
    });

    it('refuses a second record with the same id and keeps the first', async () => {
      await store.create(keyRecord({ appId: 'first' }));
      await expect(store.create(keyRecord({ appId: 'second' }))).rejects.toThrow();
      expect((await store.get('k000000000001'))?.appId).toBe('first');
    });

    it('is not affected by mutating the record after create', async () => {
      const models = ['gpt-4o'];
      await store.create(keyRecord({ models }));
      models.push('gpt-5');
      expect((await store.get('k000000000001'))?.models).toEqual(['gpt-4o']);
    });

    it('lists all keys or one app’s keys, oldest first', async () => {
      await store.create(keyRecord({ id: 'k3', appId: 'b', createdAt: 3 }));
      await store.create(keyRecord({ id: 'k1', appId: 'a', createdAt: 1 }));
      await store.create(keyRecord({ id: 'k2', appId: 'a', createdAt: 2 }));
      expect((await store.list()).map((r) => r.id)).toEqual(['k1', 'k2', 'k3']);
      expect((await store.list('a')).map((r) => r.id)).toEqual(['k1', 'k2']);
      expect(await store.list('nobody')).toEqual([]);
    });

    it('revokes an existing key and reports unknown ids', async () => {
      await store.create(keyRecord());
      expect(await store.revoke('k000000000001', 1000)).toBe(true);
      expect((await store.get('k000000000001'))?.revokedAt).toBe(1000);
      expect(await store.revoke('k_missing', 1000)).toBe(false);
      expect(await store.get('k_missing')).toBeUndefined();
    });

    it('keeps the first revocation time when revoked twice', async () => {
      await store.create(keyRecord());
      await store.revoke('k000000000001', 1000);
      expect(await store.revoke('k000000000001', 5000)).toBe(true);
      expect((await store.get('k000000000001'))?.revokedAt).toBe(1000);
    });

    it('brings a scheduled revocation (rotation grace period) forward, never back', async () => {
      await store.create(keyRecord());
      await store.revoke('k000000000001', 9000);
      expect((await store.get('k000000000001'))?.revokedAt).toBe(9000);
      await store.revoke('k000000000001', 2000);
      expect((await store.get('k000000000001'))?.revokedAt).toBe(2000);
    });

    it('revoking one key leaves the others alone', async () => {
      await store.create(keyRecord({ id: 'k1' }));
      await store.create(keyRecord({ id: 'k2' }));
      await store.revoke('k1', 7);
      expect((await store.get('k2'))?.revokedAt).toBeNull();
    });
  });
}
