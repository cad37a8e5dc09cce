import pg from 'pg';
import type { Pool, PoolClient } from 'pg';

export interface PostgresPoolOptions {
  /** `postgres://user@host:port/db`; never logged. */
  readonly connectionString: string;
  /** Connections in this process's pool, default 10. */
  readonly poolMax?: number;
  /** Limit on connecting, and on waiting in this process's queue for a free pooled connection (pg-pool uses
   * one setting for both), default 3000 ms. */
  readonly connectTimeoutMs?: number;
  /** Server-side limit per statement, lock waits included, default 5000 ms. */
  readonly statementTimeoutMs?: number;
  /** Told about errors on idle connections (the pool replaces them); no request content is involved. */
  readonly onPoolError?: (error: Error) => void;
}

/**
 * A pool that fails fast when the database is away: bounded connect/queue wait, a server statement
 * timeout and a client-side query timeout a little above it (for a silent network), and an idle-error
 * handler, without which one dropped idle connection would crash the process.
 */
export function createPool(options: PostgresPoolOptions): Pool {
  const statementTimeoutMs = options.statementTimeoutMs ?? 5000;
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolMax ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 3000,
    statement_timeout: statementTimeoutMs,
    query_timeout: statementTimeoutMs + 1000,
    idle_in_transaction_session_timeout: statementTimeoutMs * 2,
    keepAlive: true,
    application_name: 'bastion',
  });
  pool.on('error', (error) => options.onPoolError?.(error));
  return pool;
}

/**
 * Runs `work` in one transaction on one pooled connection: COMMIT when it resolves, ROLLBACK when it
 * throws. A connection whose rollback fails is destroyed rather than returned to the pool.
 */
export async function inTransaction<T>(
  pool: Pool,
  work: (client: PoolClient) => Promise<T>,
  begin = 'BEGIN',
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query(begin);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    try {
      await client.query('ROLLBACK');
    } catch (rollbackError) {
      broken = rollbackError instanceof Error ? rollbackError : new Error('rollback failed');
    }
    throw error;
  } finally {
    client.release(broken);
  }
}

/** Postgres returns bigint and numeric as strings; money and counts must come back exact. */
export function toSafeInteger(value: unknown): number {
  const n = typeof value === 'number' ? value : Number(value ?? 0);
  if (!Number.isSafeInteger(n)) throw new Error('Ledger value out of the safe integer range.');
  return n;
}
