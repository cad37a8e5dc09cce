import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { closeSqlite, openSqlite, SCHEMA_VERSION, SqliteKeyStore } from '../../../src/stores/sqlite/index.js';
import { keyRecord } from '../../contract/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'bastion-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('openSqlite', () => {
  it('creates parent folders and sets WAL, busy_timeout and synchronous=NORMAL', () => {
    const db = openSqlite(join(dir, 'a', 'b', 'c.db'));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(db.pragma('synchronous', { simple: true })).toBe(1); // 1 = NORMAL
    closeSqlite(db);
    closeSqlite(db); // idempotent
    expect(db.open).toBe(false);
  });

  it('records the schema version and migrates only once across reopens', async () => {
    const path = join(dir, 'reopen.db');
    const first = openSqlite(path);
    expect(first.prepare('SELECT version FROM schema_version').all()).toEqual([{ version: SCHEMA_VERSION }]);
    await new SqliteKeyStore(first).create(keyRecord());
    closeSqlite(first);

    const second = openSqlite(path);
    expect(second.prepare('SELECT version FROM schema_version').all()).toEqual([{ version: SCHEMA_VERSION }]);
    const store = new SqliteKeyStore(second);
    expect(await store.get(keyRecord().id)).toEqual(keyRecord());
    await store.close();
  });

  it('refuses a database written by a newer schema', () => {
    const path = join(dir, 'newer.db');
    const db = openSqlite(path);
    db.prepare('UPDATE schema_version SET version = ?').run(SCHEMA_VERSION + 1);
    closeSqlite(db);
    expect(() => openSqlite(path)).toThrow(/newer/);
  });

  it('stores only the hash, never anything resembling the key', async () => {
    const db = openSqlite(join(dir, 'columns.db'));
    const columns = db.prepare("SELECT name FROM pragma_table_info('gateway_keys')").all() as {
      name: string;
    }[];
    expect(columns.map((c) => c.name)).not.toContain('key');
    expect(columns.map((c) => c.name)).not.toContain('secret');
    closeSqlite(db);
  });
});
