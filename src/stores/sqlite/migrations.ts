import type { Database } from 'better-sqlite3';

/**
 * Ordered schema migrations. Append only: never edit a released entry, add a new one.
 * `schema_version` holds the number of migrations applied.
 */
const MIGRATIONS: readonly string[] = [
  // 1: gateway keys and audit events.
  `
  CREATE TABLE gateway_keys (
    id          TEXT PRIMARY KEY,
    app_id      TEXT NOT NULL,
    hash        TEXT NOT NULL,
    label       TEXT,
    models      TEXT,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER,
    revoked_at  INTEGER
  ) STRICT;
  CREATE INDEX gateway_keys_app ON gateway_keys (app_id);

  CREATE TABLE audit_events (
    seq                  INTEGER PRIMARY KEY AUTOINCREMENT,
    v                    INTEGER NOT NULL,
    request_id           TEXT NOT NULL,
    ts                   TEXT NOT NULL,
    environment          TEXT NOT NULL,
    operation            TEXT NOT NULL,
    route                TEXT NOT NULL,
    app                  TEXT,
    key_id               TEXT,
    user                 TEXT,
    model                TEXT,
    api_version          TEXT,
    stream               INTEGER NOT NULL,
    input_tokens         INTEGER,
    output_tokens        INTEGER,
    cached_input_tokens  INTEGER,
    latency_ms           REAL NOT NULL,
    upstream_ms          REAL,
    provider_key_id      TEXT,
    decision             TEXT NOT NULL,
    status               INTEGER NOT NULL,
    error_code           TEXT,
    triggers             TEXT NOT NULL
  ) STRICT;
  CREATE INDEX audit_events_ts ON audit_events (ts);
  CREATE INDEX audit_events_request ON audit_events (request_id);
  `,
  // 2: the spend ledger (issue 3). Times are epoch ms from the injected clock; money is micro-dollars.
  `
  CREATE TABLE ledger_scope_totals (
    scope_key         TEXT NOT NULL,
    period            TEXT NOT NULL,
    committed_micros  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (scope_key, period)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE ledger_reservations (
    reservation_id  TEXT PRIMARY KEY,
    amount_micros   INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX ledger_reservations_expiry ON ledger_reservations (expires_at);

  CREATE TABLE ledger_reservation_scopes (
    reservation_id  TEXT NOT NULL REFERENCES ledger_reservations (reservation_id) ON DELETE CASCADE,
    scope_key       TEXT NOT NULL,
    period          TEXT NOT NULL,
    cap_micros      INTEGER NOT NULL,
    amount_micros   INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    PRIMARY KEY (reservation_id, scope_key, period)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX ledger_reservation_scopes_active
    ON ledger_reservation_scopes (scope_key, period, expires_at, amount_micros);

  CREATE TABLE ledger_entries (
    reservation_id       TEXT PRIMARY KEY,
    request_id           TEXT NOT NULL,
    ts                   TEXT NOT NULL,
    environment          TEXT NOT NULL,
    app                  TEXT NOT NULL,
    key_id               TEXT,
    user_id              TEXT,
    model                TEXT NOT NULL,
    input_tokens         INTEGER NOT NULL,
    cached_input_tokens  INTEGER NOT NULL,
    output_tokens        INTEGER NOT NULL,
    cost_micros          INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX ledger_entries_ts ON ledger_entries (ts);

  CREATE TABLE ledger_alerts (
    scope_key          TEXT NOT NULL,
    period             TEXT NOT NULL,
    threshold_percent  INTEGER NOT NULL,
    sent_at            INTEGER NOT NULL,
    PRIMARY KEY (scope_key, period, threshold_percent)
  ) STRICT, WITHOUT ROWID;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function migrate(db: Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL) STRICT');
  const apply = db.transaction(() => {
    // Read inside the (immediate) transaction so two processes opening the file cannot both migrate.
    const row = db.prepare('SELECT version FROM schema_version').get() as { version: number } | undefined;
    const current = row?.version ?? 0;
    if (current > MIGRATIONS.length) {
      throw new Error(
        `Database schema version ${current} is newer than this Bastion (${MIGRATIONS.length}).`,
      );
    }
    for (let version = current; version < MIGRATIONS.length; version++) {
      db.exec(MIGRATIONS[version] ?? '');
    }
    if (row === undefined)
      db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(MIGRATIONS.length);
    else db.prepare('UPDATE schema_version SET version = ?').run(MIGRATIONS.length);
  });
  apply.immediate();
}
