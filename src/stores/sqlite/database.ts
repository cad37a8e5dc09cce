import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { migrate } from './migrations.js';

export type Database = BetterSqlite3.Database;

export interface OpenSqliteOptions {
  /** Milliseconds a writer waits for a lock held by another connection, default 5000. */
  readonly busyTimeoutMs?: number;
}

/**
 * Opens (creating if needed) the embedded database and brings its schema up to date.
 * WAL lets readers run beside the single writer; `synchronous=NORMAL` in WAL mode never corrupts the
 * database but a power loss (not a process crash) can lose the last committed transactions.
 */
export function openSqlite(path: string, options: OpenSqliteOptions = {}): Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new BetterSqlite3(path);
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000))}`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Closes the database once; stores sharing it may each call this from their own close(). */
export function closeSqlite(db: Database): void {
  if (db.open) db.close();
}
