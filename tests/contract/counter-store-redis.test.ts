import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe } from 'vitest';
import { RedisCounterStore } from '../../src/stores/redis/counter-store.js';
import { counterStoreContract } from './counter-store.contract.js';

const url = process.env.REDIS_URL;
if (!url) console.warn('[skip] CounterStore contract on Redis: REDIS_URL is not set');

/** Deletes every key under `prefix` (each test run has its own). */
async function deletePrefix(admin: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await admin.del(...keys);
  } while (cursor !== '0');
}

describe.skipIf(!url)('redis', () => {
  const runPrefix = `bastion-test:counter:${process.pid}:${randomBytes(4).toString('hex')}:`;
  let n = 0;
  // A set but unreachable REDIS_URL fails the whole suite here, once, instead of skipping.
  beforeAll(async () => {
    const probe = new RedisCounterStore({ url: url as string, keyPrefix: runPrefix });
    try {
      await probe.ready(3000);
    } finally {
      await probe.close();
    }
  });
  afterAll(async () => {
    const admin = new Redis(url as string, { retryStrategy: () => null, maxRetriesPerRequest: 0 });
    admin.on('error', () => undefined);
    await deletePrefix(admin, runPrefix);
    admin.disconnect();
  });

  counterStoreContract('redis', async () => {
    const keyPrefix = `${runPrefix}${++n}:`;
    // Two instances, two connections: the state they share lives in Redis alone.
    const store = new RedisCounterStore({ url: url as string, keyPrefix, commandTimeoutMs: 2000 });
    const peer = new RedisCounterStore({ url: url as string, keyPrefix, commandTimeoutMs: 2000 });
    await Promise.all([store.ready(3000), peer.ready(3000)]);
    return {
      store,
      peer,
      advance: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      driftMs: 100,
      shortWindowMs: 200,
      dispose: async () => {
        await Promise.all([store.close(), peer.close()]);
      },
    };
  });
});
