import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { openSqlite, SqliteLedgerStore } from '../../src/stores/sqlite/index.js';
import { ledgerStoreContract } from './ledger-store.contract.js';

const dir = mkdtempSync(join(tmpdir(), 'bastion-ledger-'));
let n = 0;

afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A fresh real file per test; the replica is a second connection to the same file, like a second process.
ledgerStoreContract('sqlite', async () => {
  const path = join(dir, `ledger-${++n}.db`);
  const clock = new ManualClock();
  return {
    store: new SqliteLedgerStore(openSqlite(path), { clock }),
    replica: async () => new SqliteLedgerStore(openSqlite(path), { clock }),
    advance: (ms) => clock.advance(ms),
  };
});
