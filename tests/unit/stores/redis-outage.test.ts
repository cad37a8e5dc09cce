/**
 * Redis outages: a RedisCounterStore must reject fast (never hang) when Redis is gone or hung, and
 * ResilientCounterStore must fall back to local limits, say so once, and return to Redis by itself.
 * Outages are simulated with a dead port, a silent server and a TCP relay in front of the real
 * Redis that the test cuts and restores; the machine's Redis server itself is never stopped.
 */
import { randomBytes } from 'node:crypto';
import { connect, createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RedisCounterStore } from '../../../src/stores/redis/counter-store.js';
import { ResilientCounterStore } from '../../../src/stores/resilient-counter-store.js';
import type { DegradedState } from '../../../src/stores/resilient-counter-store.js';

const url = process.env.REDIS_URL;
if (!url) console.warn('[skip] Redis recovery tests: REDIS_URL is not set (dead-port tests still run)');

const LONG = 60_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const runPrefix = `bastion-test:outage:${process.pid}:${randomBytes(4).toString('hex')}:`;
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function redisStore(target: string, extra: Partial<ConstructorParameters<typeof RedisCounterStore>[0]> = {}) {
  const store = new RedisCounterStore({
    url: target,
    keyPrefix: runPrefix,
    commandTimeoutMs: 200,
    connectTimeoutMs: 200,
    maxReconnectDelayMs: 50,
    ...extra,
  });
  cleanups.push(() => store.close());
  return store;
}

async function elapsed<T>(work: () => Promise<T>): Promise<{ ms: number; error: unknown }> {
  const started = performance.now();
  let error: unknown;
  try {
    await work();
  } catch (caught) {
    error = caught;
  }
  return { ms: performance.now() - started, error };
}

/** A TCP server that accepts connections and never answers (a hung Redis). */
async function silentServer(): Promise<string> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return `redis://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A relay to Redis that can be cut (connections dropped, port closed), restored, or frozen. */
async function startRelay(target: string) {
  const { hostname, port: targetPort } = new URL(target);
  const sockets = new Set<Socket>();
  let frozen = false;
  const server: Server = createServer((client) => {
    const upstream = connect({ host: hostname, port: Number(targetPort || 6379) });
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      sockets.add(from);
      from.on('data', (chunk) => (frozen ? undefined : to.write(chunk)));
      from.on('error', () => undefined);
      from.on('close', () => {
        sockets.delete(from);
        to.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const cut = async () => {
    for (const socket of sockets) socket.destroy();
    if (server.listening) await new Promise((resolve) => server.close(resolve));
  };
  cleanups.push(cut);
  return {
    url: `redis://127.0.0.1:${port}`,
    cut,
    restore: () => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve)),
    freeze: (value: boolean) => {
      frozen = value;
    },
  };
}

describe('RedisCounterStore when Redis is unreachable', () => {
  it('rejects every operation fast on a dead port and reports unhealthy', async () => {
    const store = redisStore('redis://127.0.0.1:1');
    await sleep(50);
    expect(store.isHealthy()).toBe(false);
    const calls: Array<() => Promise<unknown>> = [
      () => store.consume('k', 1, 5, LONG),
      () => store.refund('k', 1, 5, LONG),
      () => store.acquire('k', 5, LONG),
      () => store.release('k', 'lease'),
    ];
    for (const call of calls) {
      const { ms, error } = await elapsed(call);
      expect(error).toBeInstanceOf(Error);
      expect(ms).toBeLessThan(300);
    }
    await expect(store.ready(100)).rejects.toThrow(/not ready/);
  });

  it('rejects fast when the server accepts but never answers', async () => {
    const store = redisStore(await silentServer());
    const { ms, error } = await elapsed(() => store.consume('k', 1, 5, LONG));
    expect(error).toBeInstanceOf(Error);
    expect(ms).toBeLessThan(300);
    expect(store.isHealthy()).toBe(false);
  });

  it('does not leak the URL (which may hold a password) into errors', async () => {
    const store = redisStore('redis://user:s3cret-pass@127.0.0.1:1');
    const { error } = await elapsed(() => store.consume('k', 1, 5, LONG));
    expect(String((error as Error).message)).not.toContain('s3cret-pass');
  });
});

describe('ResilientCounterStore over a dead Redis', () => {
  it('answers from local limits, counts fallbacks and reports degraded once', async () => {
    const states: DegradedState[] = [];
    const store = new ResilientCounterStore({
      primary: redisStore('redis://127.0.0.1:1'),
      onDegraded: (state) => states.push(state),
    });
    const allowed = [];
    for (let i = 0; i < 4; i++) allowed.push((await store.consume('k', 1, 3, LONG)).allowed);
    expect(allowed).toEqual([true, true, true, false]);
    expect(store.fallbackCount).toBe(4);
    expect(store.isDegraded()).toBe(true);
    expect(states).toEqual(['degraded']);

    const lease = await store.acquire('c', 1, LONG);
    expect(lease.allowed).toBe(true);
    expect((await store.acquire('c', 1, LONG)).allowed).toBe(false);
    await store.release('c', lease.leaseId);
    expect((await store.acquire('c', 1, LONG)).allowed).toBe(true);
    await store.refund('k', 1, 3, LONG);
    expect((await store.consume('k', 1, 3, LONG)).allowed).toBe(true);
    expect(states).toEqual(['degraded']);
  });

  it('still fails closed on bad arguments', async () => {
    const store = new ResilientCounterStore({ primary: redisStore('redis://127.0.0.1:1') });
    await expect(store.consume('k', 1, 0, LONG)).rejects.toThrow(RangeError);
  });
});

describe.skipIf(!url)('ResilientCounterStore with a real Redis behind a relay', () => {
  afterAll(async () => {
    const admin = new Redis(url as string, { retryStrategy: () => null, maxRetriesPerRequest: 0 });
    admin.on('error', () => undefined);
    const keys = await admin.keys(`${runPrefix}*`);
    if (keys.length > 0) await admin.del(...keys);
    admin.disconnect();
  });

  it('degrades when Redis goes away and recovers by itself when it is back', async () => {
    const relay = await startRelay(url as string);
    const health: boolean[] = [];
    const primary = redisStore(relay.url, { onHealthChange: (healthy) => health.push(healthy) });
    await primary.ready(3000); // a set but unreachable REDIS_URL fails here
    const states: DegradedState[] = [];
    const store = new ResilientCounterStore({
      primary,
      probeIntervalMs: 20,
      onDegraded: (state) => states.push(state),
    });
    const key = `k${randomBytes(4).toString('hex')}`;
    // A direct store shows which calls really reached Redis.
    const direct = redisStore(url as string);
    await direct.ready(3000);

    expect((await store.consume(key, 1, 10, LONG)).allowed).toBe(true);
    expect(store.fallbackCount).toBe(0);

    await relay.cut();
    for (let i = 0; i < 5; i++) {
      const { ms, error } = await elapsed(() => store.consume(key, 1, 10, LONG));
      expect(error).toBeUndefined();
      expect(ms).toBeLessThan(300);
    }
    expect(store.fallbackCount).toBe(5);
    expect(states).toEqual(['degraded']);
    expect(health).toContain(false);

    await relay.restore();
    await primary.ready(3000);
    await sleep(25); // past the probe interval
    expect((await store.consume(key, 1, 10, LONG)).allowed).toBe(true);
    expect(states).toEqual(['degraded', 'recovered']);
    expect(health.at(-1)).toBe(true);
    const fallbacks = store.fallbackCount;
    expect((await store.consume(key, 1, 10, LONG)).allowed).toBe(true);
    expect(store.fallbackCount).toBe(fallbacks);
    // Redis saw the first call and the two after recovery, not the five made while it was away.
    expect(await direct.consume(key, 0, 10, LONG)).toMatchObject({ allowed: true, remaining: 7 });
  });

  it('times out on a hung Redis, then probes it only once per interval', async () => {
    const relay = await startRelay(url as string);
    const primary = redisStore(relay.url);
    await primary.ready(3000);
    const states: DegradedState[] = [];
    const store = new ResilientCounterStore({
      primary,
      probeIntervalMs: 60_000,
      onDegraded: (state) => states.push(state),
    });

    relay.freeze(true);
    const first = await elapsed(() => store.consume('hung', 1, 10, LONG));
    expect(first.error).toBeUndefined();
    expect(first.ms).toBeGreaterThanOrEqual(150); // waited for the command timeout (200 ms)
    expect(first.ms).toBeLessThan(600);
    expect(states).toEqual(['degraded']);
    // Within the probe interval nobody waits on the hung server again.
    const next = await elapsed(() => store.consume('hung', 1, 10, LONG));
    expect(next.ms).toBeLessThan(50);
    expect(store.fallbackCount).toBe(2);
  });
});
