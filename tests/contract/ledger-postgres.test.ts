import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe } from 'vitest';
import { createPostgresLedgerStore } from '../../src/stores/postgres/index.js';
import { ledgerStoreContract } from './ledger-store.contract.js';

const url = process.env['DATABASE_URL'];
if (!url) console.warn('[skip] PostgreSQL LedgerStore contract: DATABASE_URL is not set.');

// One schema per test, all under a prefix unique to this run, dropped at the end.
const prefix = `bastion_test_${randomBytes(4).toString('hex')}`;
const schemas: string[] = [];

afterAll(async () => {
  if (!url || schemas.length === 0) return;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await admin.end();
  }
});

describe.skipIf(!url)('postgres', () => {
  // Unreachable-but-set DATABASE_URL makes every test fail here (connect timeout), never skip.
  ledgerStoreContract('postgres', async () => {
    const schema = `${prefix}_${schemas.length + 1}`;
    schemas.push(schema);
    // A generous queue wait: 200 transactions serialize on one row lock, and CI machines can be busy.
    const options = { connectionString: url ?? '', schema, connectTimeoutMs: 15_000 };
    const store = await createPostgresLedgerStore(options);
    // A second pool on the same schema, like a second replica.
    return { store, replica: () => createPostgresLedgerStore(options) };
  });
});
