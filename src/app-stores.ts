/**
 * Composition of the shared-state stores: rate-limit counters (memory, or Redis shared by replicas
 * with a local fallback) and the spend ledger (embedded SQLite, or PostgreSQL shared by replicas).
 * Part of the composition root; the only other place that knows concrete adapters.
 */
import type { Clock } from './core/clock.js';
import type { Database } from './stores/sqlite/index.js';
import { SqliteLedgerStore } from './stores/sqlite/index.js';
import { MemoryCounterStore } from './stores/memory/index.js';
import { createPostgresLedgerStore } from './stores/postgres/index.js';
import { createRedisCounterStore } from './stores/redis/index.js';
import { ResilientCounterStore } from './stores/resilient-counter-store.js';
import type { DegradedState } from './stores/resilient-counter-store.js';
import type { CounterStore, LedgerStore } from './stores/ports.js';

export interface CounterStoreChoice {
  readonly counters: CounterStore;
  readonly describe: string;
}

/**
 * Redis when configured: limits hold across replicas. If Redis fails, request limits fall back to a
 * local per-replica limiter (documented, counted, alerted) and return to Redis by themselves.
 */
export async function buildCounterStore(options: {
  redisUrl: string | undefined;
  namespace: string;
  clock: Clock;
  onDegraded: (state: DegradedState) => void;
  /** Every request answered by the local limiter while Redis is down (a counted fail-open). */
  onFallback: () => void;
  warn: (message: string) => void;
}): Promise<CounterStoreChoice> {
  if (options.redisUrl === undefined) {
    return { counters: new MemoryCounterStore({ clock: options.clock }), describe: 'memory' };
  }
  // A saturated event loop can make a healthy Redis look slow: a generous command timeout keeps one
  // late reply from switching this replica to local limits.
  const redis = createRedisCounterStore({
    url: options.redisUrl,
    keyPrefix: `${options.namespace}:`,
    commandTimeoutMs: 1_500,
  });
  try {
    await redis.ready(5_000);
  } catch {
    options.warn('Redis is not reachable at startup: rate limits run per replica until it is');
  }
  const counters = new ResilientCounterStore({
    primary: redis,
    fallback: new MemoryCounterStore({ clock: options.clock }),
    onDegraded: options.onDegraded,
    onFallback: options.onFallback,
  });
  return { counters, describe: 'redis' };
}

/** PostgreSQL when configured (fails startup if unreachable: spend caps fail closed), else SQLite. */
export async function buildLedgerStore(options: {
  databaseUrl: string | undefined;
  namespace: string;
  clock: Clock;
  sqlite: Database;
}): Promise<LedgerStore> {
  if (options.databaseUrl === undefined)
    return new SqliteLedgerStore(options.sqlite, { clock: options.clock });
  try {
    return await createPostgresLedgerStore({
      connectionString: options.databaseUrl,
      schema: options.namespace,
      clock: options.clock,
    });
  } catch (error) {
    // The driver's message may quote the connection string (and its password): report the code only.
    const code = (error as { code?: unknown }).code;
    // eslint-disable-next-line preserve-caught-error -- the cause may quote the connection string
    throw new Error(
      `PostgreSQL ledger unreachable (stores.databaseUrl): ${typeof code === 'string' ? code : 'connection failed'}. Spend caps fail closed, so Bastion does not start without it.`,
    );
  }
}
