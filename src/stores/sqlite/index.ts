export { openSqlite, closeSqlite } from './database.js';
export type { Database, OpenSqliteOptions } from './database.js';
export { SCHEMA_VERSION } from './migrations.js';
export { SqliteKeyStore } from './key-store.js';
export { SqliteAuditStore } from './audit-store.js';
export { SqliteLedgerStore } from './ledger-store.js';
export type { SqliteLedgerStoreOptions } from './ledger-store.js';
