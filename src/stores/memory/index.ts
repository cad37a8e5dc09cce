export { MemoryKeyStore } from './key-store.js';
export { MemoryAuditStore } from './audit-store.js';
