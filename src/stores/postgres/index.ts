export { createPostgresLedgerStore, PostgresLedgerStore } from './ledger-store.js';
export type { PostgresLedgerStoreOptions } from './ledger-store.js';
export type { PostgresPoolOptions } from './pool.js';
