import { ManualClock } from '../../src/core/clock.js';
import { MemoryLedgerStore } from '../../src/stores/memory/ledger-store.js';
import { ledgerStoreContract } from './ledger-store.contract.js';

ledgerStoreContract('memory', async () => {
  const clock = new ManualClock();
  return { store: new MemoryLedgerStore({ clock }), advance: (ms) => clock.advance(ms) };
});
