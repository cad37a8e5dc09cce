/**
 * Issue 3 acceptance: two real Bastion processes (the CLI, `bastion serve`) share a real Redis and a
 * real PostgreSQL. Request limits, spend caps and token limits must hold across both; a Redis outage
 * degrades rate limits to per-replica and recovers by itself; a dead PostgreSQL fails startup closed.
 *
 * Needs REDIS_URL and DATABASE_URL: skipped with a notice when either is unset, failing (not skipped)
 * when set but unreachable. Each run uses its own namespace (Redis key prefix, PostgreSQL schema) and
 * removes it afterwards. The Redis-outage test runs its own redis-server on a free port.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openKeyStore } from '../../src/app.js';
import { validateConfig } from '../../src/config/load.js';
import { generateGatewayKey } from '../../src/core/gateway-key.js';
import { startFakeProvider } from '../../src/fake/index.js';
import type { FakeProvider } from '../../src/fake/index.js';
import { freePort, runCli, spawnGateway, startPrivateRedis, writeTempConfig } from '../helpers/processes.js';
import type { PrivateRedis, SpawnedGateway } from '../helpers/processes.js';

const redisUrl = process.env['REDIS_URL'];
const databaseUrl = process.env['DATABASE_URL'];
if (!redisUrl || !databaseUrl) {
  console.warn('[skip] shared-state integration tests: REDIS_URL and DATABASE_URL must both be set');
}

const PROVIDER_KEY = 'sk-proj-It3xT3BlbkFJ4hN2vW7yK9mP3rL6sD1fG5jC0bV8nX2aQ4wE7tY';
const PSEUDONYM_KEY = 'it-pseudonym-key-0f9e8d7c6b5a4f3e2d1c';
/** gpt-4o-mini costs $100 per million output tokens and nothing for input: 100 output tokens = $0.01. */
const MICROS_PER_OUTPUT_TOKEN = 100;
const REQUEST_TIMEOUT_MS = 15_000;

interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
}

/** One bounded chat completion; the body is read completely (streams included). */
async function chat(baseUrl: string, key: string, body: Record<string, unknown>): Promise<Reply> {
  const response = await fetch(`${baseUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'Say hello.' }], ...body }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

const errorOf = (reply: Reply): { type?: string; code?: string } =>
  (JSON.parse(reply.body) as { error: { type?: string; code?: string } }).error;

/** `count` concurrent requests, alternating between the gateways. */
const burst = (gateways: readonly SpawnedGateway[], count: number, send: (url: string) => Promise<Reply>) =>
  Promise.all(
    Array.from({ length: count }, (_, i) => send((gateways[i % gateways.length] as SpawnedGateway).url)),
  );

/** The usage chunk of an OpenAI SSE stream (sent because the client asked with include_usage). */
function streamUsage(sse: string): {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
} {
  const chunks = sse
    .split('\n')
    .filter((line) => line.startsWith('data: ') && line !== 'data: [DONE]')
    .map(
      (line) =>
        JSON.parse(line.slice(6)) as {
          usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null;
        },
    );
  const usage = chunks.find((chunk) => chunk.usage)?.usage;
  if (!usage) throw new Error('stream carried no usage chunk');
  return usage;
}

/** `bastion_fail_open_total{component="rate_limit_store"}` from a gateway's /metrics (0 when absent). */
async function failOpenCount(gateway: SpawnedGateway): Promise<number> {
  const response = await fetch(`${gateway.url}/metrics`, { signal: AbortSignal.timeout(5000) });
  expect(response.status).toBe(200);
  const line = (await response.text())
    .split('\n')
    .find((l) => l.startsWith('bastion_fail_open_total{') && l.includes('component="rate_limit_store"'));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

/** Warms a fresh process up (JIT, pools) with requests no limit counts, as a running replica would be. */
async function warmUp(gateways: readonly SpawnedGateway[], key: string): Promise<void> {
  for (let round = 0; round < 3; round++) {
    await Promise.all(
      gateways.flatMap((g) => Array.from({ length: 10 }, () => chat(g.url, key, { model: 'gpt-4o' }))),
    );
  }
}

/** Distinct "guard failed" reasons in a gateway's log, for failure messages. */
const guardFailures = (gateway: SpawnedGateway): string[] => [
  ...new Set(
    gateway
      .stdout()
      .split('\n')
      .filter((line) => line.includes('guard failed'))
      .map((line) => {
        const entry = JSON.parse(line) as { guard?: string; reason?: string };
        return `${entry.guard}:${entry.reason}`;
      }),
  ),
];

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

async function dropNamespace(namespace: string): Promise<void> {
  if (redisUrl) {
    const admin = new Redis(redisUrl, { retryStrategy: () => null, maxRetriesPerRequest: 0 });
    admin.on('error', () => undefined);
    try {
      let cursor = '0';
      do {
        const [next, keys] = await admin.scan(cursor, 'MATCH', `${namespace}:*`, 'COUNT', 500);
        cursor = next;
        if (keys.length > 0) await admin.del(...keys);
      } while (cursor !== '0');
    } finally {
      admin.disconnect();
    }
  }
  if (databaseUrl) {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      await client.query(`DROP SCHEMA IF EXISTS "${namespace}" CASCADE`);
    } finally {
      await client.end();
    }
  }
}

/** A deployment: config for N replicas sharing one SQLite key file, one Redis and one PostgreSQL schema. */
function deploymentConfig(options: {
  fakeUrl: string;
  sqlitePath: string;
  namespace: string;
  apps: Record<string, unknown>;
}): Record<string, unknown> {
  return {
    environment: 'development',
    server: { host: '127.0.0.1', port: 0 },
    providers: {
      openai: {
        baseUrl: `${options.fakeUrl}/v1`,
        timeoutMs: 10_000,
        keys: [{ id: 'primary', secret: 'env:IT_OPENAI_KEY' }],
      },
    },
    apps: options.apps,
    audit: { stdout: false, pseudonymKey: 'env:IT_PSEUDONYM_KEY' },
    stores: {
      redisUrl: 'env:IT_REDIS_URL',
      databaseUrl: 'env:IT_DATABASE_URL',
      namespace: options.namespace,
    },
    alerts: { log: true },
    pricing: { overrides: { 'gpt-4o-mini': { inputPerMTok: 0, outputPerMTok: MICROS_PER_OUTPUT_TOKEN } } },
    storage: { sqlitePath: options.sqlitePath },
  };
}

/** Issues one key per app name into the shared SQLite file (before the replicas start). */
async function issueKeys(config: Record<string, unknown>, apps: readonly string[]): Promise<string[]> {
  const { keys, close } = openKeyStore(validateConfig(config, 'integration config'));
  try {
    const issued: string[] = [];
    for (const app of apps) {
      const generated = generateGatewayKey();
      await keys.create({
        id: generated.id,
        appId: app,
        hash: generated.hash,
        label: null,
        models: null,
        createdAt: Date.now(),
        expiresAt: null,
        revokedAt: null,
      });
      issued.push(generated.key);
    }
    return issued;
  } finally {
    await close();
  }
}

describe.skipIf(!redisUrl || !databaseUrl)('shared state across two Bastion processes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bastion-it-'));
  const namespace = `it_${randomBytes(5).toString('hex')}`;
  const outageNamespace = `it_${randomBytes(5).toString('hex')}`;
  const children: SpawnedGateway[] = [];
  let fake: FakeProvider | undefined;
  let privateRedis: PrivateRedis | undefined;
  let pgClient: pg.Client | undefined;

  const committedMicros = async (
    schema: string,
    app: string,
  ): Promise<{ total: number; entries: number }> => {
    const result = await (pgClient as pg.Client).query<{ total: string; entries: string }>(
      `SELECT coalesce(sum(cost_micros), 0) AS total, count(*) AS entries FROM "${schema}".ledger_entries WHERE app = $1`,
      [app],
    );
    return { total: Number(result.rows[0]?.total), entries: Number(result.rows[0]?.entries) };
  };

  /** Settlement runs after the response is written: waits (bounded) until `entries` commits landed. */
  const settledLedger = async (schema: string, app: string, entries: number) => {
    let ledger = await committedMicros(schema, app);
    for (const until = Date.now() + 10_000; ledger.entries < entries && Date.now() < until;) {
      await sleep(100);
      ledger = await committedMicros(schema, app);
    }
    return ledger;
  };

  beforeAll(async () => {
    // A set but unreachable URL fails here instead of skipping.
    const probe = new Redis(redisUrl as string, {
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
      lazyConnect: true,
    });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      expect(await probe.ping()).toBe('PONG');
    } finally {
      probe.disconnect();
    }
    pgClient = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
    await pgClient.connect();
    fake = await startFakeProvider({ keys: [PROVIDER_KEY], record: false });
  }, 20_000);

  afterAll(async () => {
    await Promise.allSettled(children.map((child) => child.stop()));
    await privateRedis?.stop();
    await fake?.close();
    await pgClient?.end().catch(() => undefined);
    await dropNamespace(namespace);
    await dropNamespace(outageNamespace).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  describe('limits hold across replicas', () => {
    let a: SpawnedGateway;
    let b: SpawnedGateway;
    let rlKey = '';
    let budgetKey = '';
    let tokensKey = '';

    beforeAll(async () => {
      const config = deploymentConfig({
        fakeUrl: (fake as FakeProvider).url,
        sqlitePath: join(dir, 'shared.db'),
        namespace,
        apps: {
          warm: { models: ['gpt-4o'] },
          // 50 per hour: GCRA refills one request every 72 s, so a burst of a few seconds admits exactly 50.
          rl: {
            models: ['gpt-4o'],
            rateLimits: { perKey: { requests: { limit: 50, windowSeconds: 3600 } } },
          },
          budget: {
            models: ['gpt-4o-mini'],
            maxOutputTokens: 100,
            budget: { expectedMonthlyUsd: 1, hardCapPercent: 100, alertPercents: [100] },
          },
          tokens: {
            models: ['gpt-4o'],
            // The largest admissible request (400 + 600) must fit the 1000-token limit (config rule).
            maxInputTokens: 400,
            maxOutputTokens: 600,
            rateLimits: { perKey: { tokens: { limit: 1000, windowSeconds: 3600 } } },
          },
        },
      });
      const issued = await issueKeys(config, ['rl', 'budget', 'tokens', 'warm']);
      [rlKey = '', budgetKey = '', tokensKey = ''] = issued;
      const warmKey = issued[3] ?? '';
      const env = {
        IT_OPENAI_KEY: PROVIDER_KEY,
        IT_PSEUDONYM_KEY: PSEUDONYM_KEY,
        IT_REDIS_URL: redisUrl as string,
        IT_DATABASE_URL: databaseUrl as string,
      };
      const started = await Promise.all([spawnGateway({ config, env }), spawnGateway({ config, env })]);
      children.push(...started);
      [a, b] = started as [SpawnedGateway, SpawnedGateway];
      await warmUp(started, warmKey);
    }, 40_000);

    it('admits exactly 50 of 300 concurrent requests against a per-key limit of 50', async () => {
      const started = Date.now();
      const replies = await burst([a, b], 300, (url) => chat(url, rlKey, { model: 'gpt-4o' }));
      expect(Date.now() - started).toBeLessThan(72_000); // shorter than one refill interval
      const admitted = replies.filter((r) => r.status === 200);
      const refused = replies.filter((r) => r.status === 429);
      // Shared state held: no replica fell back to its local limiter during the burst.
      expect(await failOpenCount(a)).toBe(0);
      expect(await failOpenCount(b)).toBe(0);
      expect(admitted).toHaveLength(50);
      expect(refused).toHaveLength(300 - admitted.length);
      for (const reply of refused) {
        expect(errorOf(reply)).toMatchObject({ type: 'rate_limit_error', code: 'rate_limited' });
        expect(Number(reply.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        expect(reply.headers.get('retry-after-ms')).toMatch(/^\d+$/);
        expect(reply.headers.get('x-should-retry')).toBe('true');
        expect(reply.headers.get('x-ratelimit-limit-requests')).toBe('50');
        expect(reply.headers.get('x-ratelimit-remaining-requests')).toBe('0');
        expect(reply.headers.get('x-ratelimit-reset-requests')).toMatch(/^[\d.hms]+$/);
      }
    }, 30_000);

    it('never commits more than a $1.00 budget under 200 concurrent requests', async () => {
      const replies = await burst([a, b], 200, (url) =>
        chat(url, budgetKey, { model: 'gpt-4o-mini', max_tokens: 100 }),
      );
      const admitted = replies.filter((r) => r.status === 200);
      const refused = replies.filter((r) => r.status === 429);
      const unexpected = replies.filter((r) => r.status !== 200 && r.status !== 429);
      if (unexpected.length > 0) await sleep(500); // let the replicas' logs arrive for the message
      expect(
        unexpected.map((r) => `${r.status} ${errorOf(r).code}`),
        `guard failures: ${[a, b].flatMap(guardFailures).join(', ')}`,
      ).toEqual([]);
      expect(admitted.length + refused.length).toBe(200);
      expect(admitted.length).toBeGreaterThanOrEqual(1);
      expect(refused.length).toBeGreaterThanOrEqual(1);
      for (const reply of refused) {
        expect(errorOf(reply)).toMatchObject({ type: 'insufficient_quota', code: 'insufficient_quota' });
        expect(reply.headers.get('x-should-retry')).toBe('false');
        expect(reply.headers.get('retry-after')).toBeNull();
      }
      const ledger = await settledLedger(namespace, 'budget', admitted.length);
      expect(ledger.total).toBeLessThanOrEqual(1_000_000);
      expect(ledger.entries).toBe(admitted.length);
      // The ledger holds exactly what the fake reported: output tokens at $100 per million.
      const reportedOutput = admitted
        .map((r) => (JSON.parse(r.body) as { usage: { completion_tokens: number } }).usage.completion_tokens)
        .reduce((sum, n) => sum + n, 0);
      expect(ledger.total).toBe(reportedOutput * MICROS_PER_OUTPUT_TOKEN);
    }, 40_000);

    it('settles a streamed request’s token reservation to the usage the fake reported', async () => {
      const body = {
        model: 'gpt-4o',
        max_tokens: 600,
        stream: true,
        stream_options: { include_usage: true },
      };
      const first = await chat(a.url, tokensKey, body);
      expect(first.status).toBe(200);
      const usage = streamUsage(first.body);
      // Reserved at admission: counted input + the 600-token output cap.
      const remainingAfterReserve = Number(first.headers.get('x-ratelimit-remaining-tokens'));
      const reserved = 1000 - remainingAfterReserve;
      expect(reserved).toBeGreaterThan(600);
      // Without the refund the bucket cannot hold a second reservation of the same size.
      expect(remainingAfterReserve).toBeLessThan(reserved);
      expect(usage.total_tokens).toBeLessThan(1000 - reserved);

      // Settlement runs as the stream ends; give it a moment, through the OTHER replica.
      let second: Reply | undefined;
      const deadline = Date.now() + 5_000;
      while (Date.now() < deadline) {
        second = await chat(b.url, tokensKey, body);
        if (second.status === 200) break;
        expect(second.status).toBe(429);
        await sleep(100);
      }
      expect(second?.status).toBe(200);
      // The bucket now holds the first request's reported usage plus the second's reservation
      // (a 1000-per-hour bucket refills about 0.3 token per second; allow 2 tokens of it).
      const expected = 1000 - usage.total_tokens - reserved;
      const remaining = Number(second?.headers.get('x-ratelimit-remaining-tokens'));
      expect(remaining).toBeGreaterThanOrEqual(expected);
      expect(remaining).toBeLessThanOrEqual(expected + 2);
    }, 30_000);
  });

  describe('store outages', () => {
    it('degrades rate limits to per replica while Redis is down, keeps budgets, and recovers', async () => {
      privateRedis = await startPrivateRedis();
      const config = deploymentConfig({
        fakeUrl: (fake as FakeProvider).url,
        sqlitePath: join(dir, 'outage.db'),
        namespace: outageNamespace,
        apps: {
          outage: {
            models: ['gpt-4o-mini'],
            maxOutputTokens: 50,
            rateLimits: { perKey: { requests: { limit: 6, windowSeconds: 60 } } },
            budget: { expectedMonthlyUsd: 100 },
          },
        },
      });
      const [before = '', during = '', probe = '', after = ''] = await issueKeys(config, [
        'outage',
        'outage',
        'outage',
        'outage',
      ]);
      const env = {
        IT_OPENAI_KEY: PROVIDER_KEY,
        IT_PSEUDONYM_KEY: PSEUDONYM_KEY,
        IT_REDIS_URL: privateRedis.url,
        IT_DATABASE_URL: databaseUrl as string,
      };
      const started = await Promise.all([spawnGateway({ config, env }), spawnGateway({ config, env })]);
      children.push(...started);
      const [c, d] = started as [SpawnedGateway, SpawnedGateway];
      const send = (key: string) => (url: string) => chat(url, key, { model: 'gpt-4o-mini' });
      const admittedOf = (replies: readonly Reply[]): number =>
        replies.filter((r) => r.status === 200).length;

      // Redis up: 12 requests, one shared limit of 6.
      expect(admittedOf(await burst([c, d], 12, send(before)))).toBe(6);

      // Redis down: every request is answered, within its timeout, by the local per-replica limiter.
      await privateRedis.kill();
      const logOffsets = [c, d].map((g) => g.stdout().length);
      const ledgerBefore = await settledLedger(outageNamespace, 'outage', 6);
      const degraded = await burst([c, d], 16, send(during));
      expect(degraded.map((r) => r.status).filter((s) => s !== 200 && s !== 429)).toEqual([]);
      const admittedDuring = admittedOf(degraded);
      // Each replica enforces 6 on its own: more than the shared 6, never more than 6 per replica.
      expect(admittedDuring).toBeGreaterThan(6);
      expect(admittedDuring).toBeLessThanOrEqual(12);
      // Budgets kept working: every admitted request was reserved and committed in PostgreSQL.
      const ledgerDuring = await settledLedger(
        outageNamespace,
        'outage',
        ledgerBefore.entries + admittedDuring,
      );
      expect(ledgerDuring.entries - ledgerBefore.entries).toBe(admittedDuring);
      // Counted and alerted on both replicas.
      expect(await failOpenCount(c)).toBeGreaterThanOrEqual(1);
      expect(await failOpenCount(d)).toBeGreaterThanOrEqual(1);
      await Promise.all(
        [c, d].map((g, i) => g.waitForStdout(/rate_limit_store\.degraded/, 5_000, logOffsets[i])),
      );

      // Redis back (empty, same port): both replicas return to it by themselves.
      const recoveryOffsets = [c, d].map((g) => g.stdout().length);
      await privateRedis.start();
      const recovered = Promise.all(
        [c, d].map((g, i) => g.waitForStdout(/rate_limit_store\.recovered/, 15_000, recoveryOffsets[i])),
      );
      let done = false;
      void recovered.then(
        () => (done = true),
        () => (done = true),
      );
      const deadline = Date.now() + 15_000;
      while (!done && Date.now() < deadline) {
        await Promise.all([
          chat(c.url, probe, { model: 'gpt-4o-mini' }),
          chat(d.url, probe, { model: 'gpt-4o-mini' }),
        ]);
        await sleep(250);
      }
      await recovered;
      expect(admittedOf(await burst([c, d], 12, send(after)))).toBe(6);
    }, 60_000);

    it('refuses to start (fails closed) when PostgreSQL is unreachable', async () => {
      const deadPort = await freePort();
      const config = writeTempConfig(
        deploymentConfig({
          fakeUrl: (fake as FakeProvider).url,
          sqlitePath: join(dir, 'dead-pg.db'),
          namespace: outageNamespace,
          apps: { x: { models: ['gpt-4o-mini'], budget: { expectedMonthlyUsd: 1 } } },
        }),
      );
      try {
        const result = await runCli(
          ['serve', '--config', config.file],
          {
            IT_OPENAI_KEY: PROVIDER_KEY,
            IT_PSEUDONYM_KEY: PSEUDONYM_KEY,
            IT_REDIS_URL: redisUrl as string,
            IT_DATABASE_URL: `postgres://postgres@127.0.0.1:${deadPort}/test`,
          },
          10_000,
        );
        // 'SIGKILL' here means the process did not exit by itself after failing startup.
        expect(result.code).toBe(1);
        expect(result.stderr).toMatch(/^bastion: .*(ECONNREFUSED|PostgreSQL|database)/im);
        expect(result.stderr).not.toMatch(/listening on/);
        expect(result.stderr).not.toContain(PROVIDER_KEY);
      } finally {
        config.remove();
      }
    }, 30_000);
  });
});
