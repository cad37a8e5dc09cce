import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  closeSqlite,
  openSqlite,
  SqliteKeyStore,
  SqliteLedgerStore,
} from '../../../src/stores/sqlite/index.js';
import { keyRecord } from '../../contract/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'bastion-sqlite-ledger-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const LEDGER_TABLES = [
  'ledger_alerts',
  'ledger_entries',
  'ledger_reservation_scopes',
  'ledger_reservations',
  'ledger_scope_totals',
];

describe('SQLite ledger migration', () => {
  it('upgrades a version-1 database in place, keeping its keys', async () => {
    const path = join(dir, 'v1.db');
    const db = openSqlite(path);
    await new SqliteKeyStore(db).create(keyRecord());
    // Turn it back into what Bastion before issue 3 wrote: no ledger tables, version 1.
    for (const table of ['ledger_reservation_scopes', ...LEDGER_TABLES])
      db.exec(`DROP TABLE IF EXISTS ${table}`);
    db.prepare('UPDATE schema_version SET version = 1').run();
    closeSqlite(db);

    const upgraded = openSqlite(path);
    const tables = upgraded
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'ledger_%' ORDER BY name")
      .pluck()
      .all();
    expect(tables).toEqual(LEDGER_TABLES);
    expect(await new SqliteKeyStore(upgraded).get(keyRecord().id)).toEqual(keyRecord());
    const ledger = new SqliteLedgerStore(upgraded);
    expect(
      await ledger.reserve('r1', [{ key: 'app:a', period: '2026-01', capMicros: 10 }], 10, 1000),
    ).toEqual({
      ok: true,
    });
    await ledger.close();
  });

  it('holds the cap for two connections to one file (two processes)', async () => {
    const path = join(dir, 'shared.db');
    const one = new SqliteLedgerStore(openSqlite(path));
    const two = new SqliteLedgerStore(openSqlite(path));
    const scopes = [{ key: 'app:a', period: '2026-01', capMicros: 50 }];
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, n) => (n % 2 ? one : two).reserve(`r${n}`, scopes, 10, 60_000)),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(5);
    await one.close();
    await two.close();
  });
});
