import type { Statement } from 'better-sqlite3';
import type { GatewayKeyRecord, KeyStore } from '../ports.js';
import { closeSqlite } from './database.js';
import type { Database } from './database.js';

interface KeyRow {
  id: string;
  app_id: string;
  hash: string;
  label: string | null;
  models: string | null;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
}

const COLUMNS = 'id, app_id, hash, label, models, created_at, expires_at, revoked_at';

function parseModels(text: string | null): readonly string[] | null {
  if (text === null) return null;
  const value: unknown = JSON.parse(text);
  if (!Array.isArray(value) || !value.every((m): m is string => typeof m === 'string')) {
    throw new Error('Corrupt models column in gateway_keys.');
  }
  return Object.freeze(value);
}

const toRecord = (row: KeyRow): GatewayKeyRecord =>
  Object.freeze({
    id: row.id,
    appId: row.app_id,
    hash: row.hash,
    label: row.label,
    models: parseModels(row.models),
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  });

/** KeyStore on the embedded SQLite database (see openSqlite). Only key hashes are stored. */
export class SqliteKeyStore implements KeyStore {
  private readonly insert: Statement<[KeyRow]>;
  private readonly byId: Statement<[string], KeyRow>;
  private readonly all: Statement<[], KeyRow>;
  private readonly byApp: Statement<[string], KeyRow>;
  private readonly markRevoked: Statement<[number, number, string]>;

  constructor(private readonly db: Database) {
    this.insert = db.prepare(
      `INSERT INTO gateway_keys (${COLUMNS})
       VALUES (@id, @app_id, @hash, @label, @models, @created_at, @expires_at, @revoked_at)`,
    );
    this.byId = db.prepare(`SELECT ${COLUMNS} FROM gateway_keys WHERE id = ?`);
    this.all = db.prepare(`SELECT ${COLUMNS} FROM gateway_keys ORDER BY created_at, id`);
    this.byApp = db.prepare(`SELECT ${COLUMNS} FROM gateway_keys WHERE app_id = ? ORDER BY created_at, id`);
    // The earliest revocation time wins: revoking twice does not postpone it, and revoking a key
    // whose revocation is scheduled (a rotation's grace period) brings it forward.
    this.markRevoked = db.prepare(
      'UPDATE gateway_keys SET revoked_at = MIN(COALESCE(revoked_at, ?), ?) WHERE id = ?',
    );
  }

  async create(record: GatewayKeyRecord): Promise<void> {
    try {
      this.insert.run({
        id: record.id,
        app_id: record.appId,
        hash: record.hash,
        label: record.label,
        models: record.models === null ? null : JSON.stringify(record.models),
        created_at: record.createdAt,
        expires_at: record.expiresAt,
        revoked_at: record.revokedAt,
      });
    } catch (error) {
      if (isConstraintError(error)) {
        throw new Error('A gateway key with this id already exists.', { cause: error });
      }
      throw error;
    }
  }

  async get(id: string): Promise<GatewayKeyRecord | undefined> {
    const row = this.byId.get(id);
    return row === undefined ? undefined : toRecord(row);
  }

  async list(appId?: string): Promise<GatewayKeyRecord[]> {
    const rows = appId === undefined ? this.all.all() : this.byApp.all(appId);
    return rows.map(toRecord);
  }

  async revoke(id: string, at: number): Promise<boolean> {
    return this.markRevoked.run(at, at, id).changes > 0;
  }

  /** Closes the shared database (idempotent); close the audit sink before the stores. */
  async close(): Promise<void> {
    closeSqlite(this.db);
  }
}

const isConstraintError = (error: unknown): boolean =>
  error instanceof Error && 'code' in error && String(error.code).startsWith('SQLITE_CONSTRAINT');
