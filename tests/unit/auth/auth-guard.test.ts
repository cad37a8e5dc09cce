import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { GatewayError, ERROR_CATALOG } from '../../../src/core/errors.js';
import { generateGatewayKey } from '../../../src/core/gateway-key.js';
import type { AppPolicy } from '../../../src/core/policy.js';
import type { GatewayRequest } from '../../../src/core/types.js';
import { createAuthGuard } from '../../../src/guards/auth/index.js';
import type { AuthGuard } from '../../../src/guards/auth/index.js';
import { newContext } from '../../../src/pipeline/context.js';
import type { RequestContext } from '../../../src/pipeline/context.js';
import type { GatewayKeyRecord, KeyStore } from '../../../src/stores/ports.js';
import { openSqlite, SqliteKeyStore } from '../../../src/stores/sqlite/index.js';
import { appPolicy, gatewayRequest } from '../../helpers/fixtures.js';

/** A real SqliteKeyStore that counts reads, to observe the cache. Not a mock: every call hits SQLite. */
class CountingKeyStore implements KeyStore {
  reads = 0;
  failNext = false;
  constructor(readonly inner: KeyStore) {}
  create(record: GatewayKeyRecord) {
    return this.inner.create(record);
  }
  get(id: string) {
    this.reads++;
    if (this.failNext) {
      this.failNext = false;
      return Promise.reject(new Error('disk I/O error'));
    }
    return this.inner.get(id);
  }
  list(appId?: string) {
    return this.inner.list(appId);
  }
  revoke(id: string, at: number) {
    return this.inner.revoke(id, at);
  }
  close() {
    return this.inner.close();
  }
}

const app = (id: string): AppPolicy => appPolicy({ id, maxOutputTokens: 1000, maxTools: 0 });

const contextWith = (credential: string | undefined): RequestContext => {
  const request: GatewayRequest = gatewayRequest({ credential });
  return newContext(request);
};

const dir = mkdtempSync(join(tmpdir(), 'bastion-auth-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let dbCount = 0;

const TTL = 5000;

describe('auth guard', () => {
  let clock: ManualClock;
  let store: CountingKeyStore;
  let guard: AuthGuard;
  const apps = new Map([['app-a', app('app-a')]]);

  const issue = async (overrides: Partial<GatewayKeyRecord> = {}): Promise<string> => {
    const { key, id, hash } = generateGatewayKey();
    await store.create({
      id,
      hash,
      appId: 'app-a',
      label: null,
      models: null,
      createdAt: clock.now(),
      expiresAt: null,
      revokedAt: null,
      ...overrides,
    });
    return key;
  };

  const denial = async (credential: string | undefined): Promise<GatewayError> => {
    const ctx = contextWith(credential);
    const decision = await guard.check(ctx);
    if (decision.action !== 'deny') throw new Error('expected a denial');
    expect(ctx.principal).toBeUndefined();
    expect(ctx.app).toBeUndefined();
    return decision.error;
  };

  const expectInvalid = async (credential: string | undefined, reason: string): Promise<void> => {
    const error = await denial(credential);
    expect(error.code).toBe('invalid_api_key');
    expect(error.message).toBe(ERROR_CATALOG.invalid_api_key.message);
    expect(error.detail).toContain(reason);
    if (credential) {
      expect(error.detail).not.toContain(credential);
      expect(error.message).not.toContain(credential);
    }
  };

  beforeEach(() => {
    clock = new ManualClock();
    store = new CountingKeyStore(new SqliteKeyStore(openSqlite(join(dir, `keys-${++dbCount}.db`))));
    guard = createAuthGuard({ keys: store, apps, clock, cacheTtlMs: TTL });
  });
  afterEach(async () => {
    await store.close();
  });

  it('accepts a valid key and sets principal and app', async () => {
    const key = await issue({ models: ['gpt-4o-mini'] });
    const ctx = contextWith(key);
    expect(await guard.check(ctx)).toEqual({ action: 'allow' });
    expect(ctx.principal).toEqual({
      keyId: key.slice(4, 16),
      appId: 'app-a',
      models: ['gpt-4o-mini'],
      endUserId: undefined,
    });
    expect(ctx.app).toBe(apps.get('app-a'));
    expect(ctx.triggers).toEqual([]);
  });

  it('authenticate() serves routes outside the pipeline', async () => {
    const key = await issue();
    const { principal, app: resolved } = await guard.authenticate(key);
    expect(principal.appId).toBe('app-a');
    expect(resolved.id).toBe('app-a');
    await expect(guard.authenticate(undefined)).rejects.toBeInstanceOf(GatewayError);
  });

  it('refuses a missing or empty credential', async () => {
    await expectInvalid(undefined, 'missing');
    await expectInvalid('', 'missing');
  });

  it('refuses a malformed credential', async () => {
    await expectInvalid('Bearer bst_nope', 'malformed');
    await expectInvalid('bst_' + 'a'.repeat(56), 'malformed');
  });

  it('refuses an unknown id', async () => {
    const { key } = generateGatewayKey();
    await expectInvalid(key, 'unknown_key');
  });

  it('refuses the right id with the wrong secret', async () => {
    const key = await issue();
    const forged = key.slice(0, 17) + (key[17] === 'a' ? 'b' : 'a') + key.slice(18);
    await expectInvalid(forged, 'hash_mismatch');
  });

  it('refuses an expired key from its expiry instant', async () => {
    const key = await issue({ expiresAt: clock.now() + 1000 });
    expect((await guard.check(contextWith(key))).action).toBe('allow');
    clock.advance(1000);
    await expectInvalid(key, 'expired');
  });

  it('refuses a key already revoked', async () => {
    const key = await issue({ revokedAt: clock.now() });
    await expectInvalid(key, 'revoked');
  });

  it('applies a revocation once the cache TTL has passed', async () => {
    const key = await issue();
    expect((await guard.check(contextWith(key))).action).toBe('allow');
    await store.revoke(key.slice(4, 16), clock.now());
    clock.advance(TTL - 1);
    expect((await guard.check(contextWith(key))).action).toBe('allow'); // documented window
    clock.advance(1);
    await expectInvalid(key, 'revoked');
  });

  it('invalidate() applies a local revocation at once', async () => {
    const key = await issue();
    await guard.check(contextWith(key));
    await store.revoke(key.slice(4, 16), clock.now());
    guard.invalidate(key.slice(4, 16));
    await expectInvalid(key, 'revoked');
  });

  it('refuses a key whose app no longer exists', async () => {
    const key = await issue({ appId: 'app-gone' });
    await expectInvalid(key, 'app_missing');
  });

  it('gives every invalid-key case the same code and public message', async () => {
    const valid = await issue();
    const expired = await issue({ expiresAt: clock.now() - 1 });
    const revoked = await issue({ revokedAt: clock.now() });
    const orphan = await issue({ appId: 'app-gone' });
    const cases = [
      undefined,
      'garbage',
      generateGatewayKey().key,
      valid.slice(0, -1) + (valid.endsWith('a') ? 'b' : 'a'),
      expired,
      revoked,
      orphan,
    ];
    const errors = await Promise.all(cases.map(denial));
    const publicShapes = new Set(errors.map((e) => JSON.stringify([e.code, e.message, e.spec, e.param])));
    expect(publicShapes.size).toBe(1);
    expect(new Set(errors.map((e) => e.detail?.split(' ')[0])).size).toBe(cases.length);
  });

  it.each(['sk-proj-' + 'A'.repeat(60), 'sk-ant-api03-' + 'b'.repeat(80), 'sk-' + 'c'.repeat(48)])(
    'rejects provider key %s as provider_key_rejected',
    async (providerKey) => {
      const error = await denial(providerKey);
      expect(error.code).toBe('provider_key_rejected');
      expect(error.detail).not.toContain(providerKey);
      expect(error.message).not.toContain(providerKey);
    },
  );

  it('leaves trigger recording to the engine (one trigger per denial, named after the code)', async () => {
    const ctx = contextWith('sk-ant-api03-x');
    const decision = await guard.check(ctx);
    expect(decision.action === 'deny' && decision.error.code).toBe('provider_key_rejected');
    expect(ctx.triggers).toEqual([]);
  });

  it('caches a key lookup so a second request does not read the store', async () => {
    const key = await issue();
    await guard.check(contextWith(key));
    await guard.check(contextWith(key));
    expect(store.reads).toBe(1);
    clock.advance(TTL);
    await guard.check(contextWith(key));
    expect(store.reads).toBe(2);
  });

  it('caches unknown ids too, and shares one read between concurrent requests', async () => {
    const { key } = generateGatewayKey();
    await Promise.all([denial(key), denial(key), denial(key)]);
    await denial(key);
    expect(store.reads).toBe(1);
  });

  it('does not read the store for malformed or provider keys', async () => {
    await denial('garbage');
    await denial('sk-proj-abc');
    expect(store.reads).toBe(0);
  });

  it('fails closed with a retryable error when the store fails, and does not cache the failure', async () => {
    const key = await issue();
    store.failNext = true;
    const error = await denial(key);
    expect(error.code).toBe('service_unavailable');
    expect((await guard.check(contextWith(key))).action).toBe('allow');
  });

  it('keeps the cache bounded', async () => {
    const small = createAuthGuard({ keys: store, apps, clock, cacheTtlMs: TTL, maxCachedMisses: 2 });
    const keys = [generateGatewayKey().key, generateGatewayKey().key, generateGatewayKey().key];
    for (const key of keys) await expect(small.authenticate(key)).rejects.toThrow();
    expect(store.reads).toBe(3);
    await expect(small.authenticate(keys[0])).rejects.toThrow(); // evicted: read again
    await expect(small.authenticate(keys[2])).rejects.toThrow(); // still cached
    expect(store.reads).toBe(4);
  });
});
