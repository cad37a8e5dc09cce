import { randomBytes } from 'node:crypto';
import { connect, createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresLedgerStore } from '../../../src/stores/postgres/index.js';
import type { BudgetScope } from '../../../src/stores/ports.js';

const url = process.env['DATABASE_URL'];
if (!url) console.warn('[skip] PostgreSQL ledger tests: DATABASE_URL is not set.');

const prefix = `bastion_test_${randomBytes(4).toString('hex')}`;
const schemas: string[] = [];
const freshSchema = (): string => {
  const schema = `${prefix}_u${schemas.length + 1}`;
  schemas.push(schema);
  return schema;
};

afterAll(async () => {
  if (!url || schemas.length === 0) return;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await admin.end();
  }
});

/** A TCP relay to PostgreSQL that can go silent (a network partition) and come back. */
async function startRelay(target: URL): Promise<{ url: string; silent: boolean; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const state = { silent: false };
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    if (state.silent) return; // Accept and never answer.
    const upstream = connect({ host: target.hostname, port: Number(target.port || 5432) });
    sockets.add(upstream);
    upstream.on('error', () => client.destroy());
    client.on('data', (chunk) => {
      if (!state.silent) upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (!state.silent) client.write(chunk);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const relayed = new URL(target.href);
  relayed.hostname = '127.0.0.1';
  relayed.port = String((server.address() as AddressInfo).port);
  return {
    url: relayed.href,
    get silent() {
      return state.silent;
    },
    set silent(value: boolean) {
      state.silent = value;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const entry = {
  requestId: 'req_000000000000000000000001',
  ts: '2026-01-15T00:00:00.000Z',
  environment: 'production',
  app: 'a',
  keyId: null,
  user: null,
  model: 'm',
  inputTokens: 1,
  cachedInputTokens: 0,
  outputTokens: 1,
  costMicros: 5,
};

describe('createPostgresLedgerStore', () => {
  it('refuses a schema name that is not a plain identifier, before connecting', async () => {
    for (const schema of ['Bastion', 'a-b', 'x"; DROP TABLE y; --', '', '1abc']) {
      await expect(
        createPostgresLedgerStore({ connectionString: 'postgres://nobody@127.0.0.1:1/none', schema }),
      ).rejects.toThrow(RangeError);
    }
  });

  it('rejects fast when nothing listens', async () => {
    const started = Date.now();
    await expect(
      createPostgresLedgerStore({ connectionString: 'postgres://postgres@127.0.0.1:1/test', schema: 'x' }),
    ).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

describe.skipIf(!url)('PostgresLedgerStore on a real server', () => {
  it('migrates idempotently when replicas start together', async () => {
    const schema = freshSchema();
    const stores = await Promise.all(
      [1, 2, 3].map(() => createPostgresLedgerStore({ connectionString: url ?? '', schema })),
    );
    const again = await createPostgresLedgerStore({ connectionString: url ?? '', schema });
    stores.push(again);
    expect(await again.totals('app:a', '2026-01')).toEqual({ committedMicros: 0, reservedMicros: 0 });
    for (const store of stores) await store.close();
  });

  it('never deadlocks when overlapping scopes are listed in different orders by two replicas', async () => {
    const schema = freshSchema();
    const options = { connectionString: url ?? '', schema, connectTimeoutMs: 15_000 };
    const [one, two] = await Promise.all([
      createPostgresLedgerStore(options),
      createPostgresLedgerStore(options),
    ]);
    const names = ['app:a', 'key:k', 'user:u', 'global'];
    const scopes = (n: number): BudgetScope[] =>
      names.map((_, i) => ({ key: names[(i + n) % names.length]!, period: '2026-01', capMicros: 1_000_000 }));
    const results = await Promise.all(
      Array.from({ length: 120 }, (_, n) =>
        (n % 2 ? one! : two!).reserve(`d${n}`, scopes(n), 10_000, 60_000),
      ),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(100);
    for (const key of names) expect((await one!.totals(key, '2026-01')).reservedMicros).toBe(1_000_000);
    await Promise.all([one!.close(), two!.close()]);
  });

  it('fails fast during a network partition and recovers by itself', async () => {
    const relay = await startRelay(new URL(url ?? ''));
    const store = await createPostgresLedgerStore({
      connectionString: relay.url,
      schema: freshSchema(),
      connectTimeoutMs: 500,
      statementTimeoutMs: 500,
    });
    const scopes = [{ key: 'app:a', period: '2026-01', capMicros: 1_000_000 }];
    try {
      expect(await store.reserve('before', scopes, 10, 60_000)).toEqual({ ok: true });
      relay.silent = true;
      const started = Date.now();
      const outcomes = await Promise.allSettled([
        store.reserve('during-1', scopes, 10, 60_000),
        store.reserve('during-2', scopes, 10, 60_000),
        store.commit('before', entry),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
      expect(Date.now() - started).toBeLessThan(5000);
      relay.silent = false;
      // The broken connections were dropped; new ones work without any restart.
      let recovered = false;
      for (let attempt = 0; attempt < 20 && !recovered; attempt++) {
        recovered = await store.reserve(`after-${attempt}`, scopes, 10, 60_000).then(
          (r) => r.ok,
          () => false,
        );
        if (!recovered) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(recovered).toBe(true);
      await store.commit('before', entry);
      expect((await store.totals('app:a', '2026-01')).committedMicros).toBe(5);
    } finally {
      await store.close();
      await relay.close();
    }
  });

  it('with durableReservations off still admits exactly up to the cap', async () => {
    const schema = freshSchema();
    const options = {
      connectionString: url ?? '',
      schema,
      durableReservations: false,
      connectTimeoutMs: 15_000,
    };
    const store = await createPostgresLedgerStore(options);
    const scopes = [{ key: 'app:a', period: '2026-01', capMicros: 100 }];
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, n) => store.reserve(`a${n}`, scopes, 10, 60_000)),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(10);
    await store.close();
  });
});
