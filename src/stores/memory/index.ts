export { MemoryKeyStore } from './key-store.js';
export { MemoryAuditStore } from './audit-store.js';
export { MemoryCounterStore } from './counter-store.js';
export type { MemoryCounterStoreOptions } from './counter-store.js';
export { MemoryLedgerStore } from './ledger-store.js';
export type { MemoryLedgerStoreOptions } from './ledger-store.js';
