import { MemoryAuditStore, MemoryKeyStore } from '../../src/stores/memory/index.js';
import { auditStoreContract } from './audit-store.contract.js';
import { keyStoreContract } from './key-store.contract.js';

keyStoreContract('memory', () => new MemoryKeyStore());
auditStoreContract('memory', () => new MemoryAuditStore());
