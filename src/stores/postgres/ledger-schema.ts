import type { Pool } from 'pg';
import { inTransaction } from './pool.js';

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Validates a schema name (lowercase identifier) and returns it quoted for SQL. */
export function quoteSchema(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) {
    throw new RangeError('schema must be a lowercase SQL identifier (a-z, 0-9, _; at most 63 characters)');
  }
  return `"${schema}"`;
}

/**
 * The ledger tables, created if missing. Idempotent; runs under a transaction-scoped advisory lock so
 * replicas starting together do not race on CREATE. Later changes must be additive (ADD COLUMN IF NOT
 * EXISTS and the like) so old and new replicas can share a database during a rolling deploy.
 */
export async function migrateLedger(pool: Pool, schema: string): Promise<void> {
  const s = quoteSchema(schema);
  await inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`bastion.ledger.migrate:${schema}`]);
    await client.query(`
      CREATE SCHEMA IF NOT EXISTS ${s};

      CREATE TABLE IF NOT EXISTS ${s}.ledger_scope_totals (
        scope_key         text NOT NULL,
        period            text NOT NULL,
        committed_micros  bigint NOT NULL DEFAULT 0 CHECK (committed_micros >= 0),
        PRIMARY KEY (scope_key, period)
      );

      CREATE TABLE IF NOT EXISTS ${s}.ledger_reservations (
        reservation_id  text PRIMARY KEY,
        amount_micros   bigint NOT NULL,
        expires_at      timestamptz NOT NULL
      );
      CREATE INDEX IF NOT EXISTS ledger_reservations_expiry ON ${s}.ledger_reservations (expires_at);

      CREATE TABLE IF NOT EXISTS ${s}.ledger_reservation_scopes (
        reservation_id  text NOT NULL REFERENCES ${s}.ledger_reservations (reservation_id) ON DELETE CASCADE,
        scope_key       text NOT NULL,
        period          text NOT NULL,
        cap_micros      bigint NOT NULL,
        amount_micros   bigint NOT NULL,
        expires_at      timestamptz NOT NULL,
        PRIMARY KEY (reservation_id, scope_key, period)
      );
      CREATE INDEX IF NOT EXISTS ledger_reservation_scopes_active
        ON ${s}.ledger_reservation_scopes (scope_key, period, expires_at) INCLUDE (amount_micros);

      CREATE TABLE IF NOT EXISTS ${s}.ledger_entries (
        reservation_id       text PRIMARY KEY,
        request_id           text NOT NULL,
        ts                   timestamptz NOT NULL,
        environment          text NOT NULL,
        app                  text NOT NULL,
        key_id               text,
        user_id              text,
        model                text NOT NULL,
        input_tokens         bigint NOT NULL,
        cached_input_tokens  bigint NOT NULL,
        output_tokens        bigint NOT NULL,
        cost_micros          bigint NOT NULL
      );
      CREATE INDEX IF NOT EXISTS ledger_entries_ts ON ${s}.ledger_entries (ts);

      CREATE TABLE IF NOT EXISTS ${s}.ledger_alerts (
        scope_key          text NOT NULL,
        period             text NOT NULL,
        threshold_percent  integer NOT NULL,
        sent_at            timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (scope_key, period, threshold_percent)
      );
    `);
  });
}
