import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { openSqlite, SqliteAuditStore, SqliteKeyStore } from '../../src/stores/sqlite/index.js';
import { auditStoreContract } from './audit-store.contract.js';
import { keyStoreContract } from './key-store.contract.js';

const dir = mkdtempSync(join(tmpdir(), 'bastion-contract-'));
let n = 0;
// A fresh real file per test, in a nested folder so openSqlite must create the parent.
const freshDb = () => openSqlite(join(dir, `db-${++n}`, 'bastion.db'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

keyStoreContract('sqlite', () => new SqliteKeyStore(freshDb()));
auditStoreContract('sqlite', () => new SqliteAuditStore(freshDb()));
