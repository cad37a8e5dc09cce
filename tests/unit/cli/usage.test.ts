import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import type { CliIO } from '../../../src/cli/io.js';
import { formatUsd, monthRange } from '../../../src/cli/usage.js';
import type { OpenLedgerStore } from '../../../src/cli/usage.js';
import type { LedgerEntry } from '../../../src/stores/ports.js';
import { SqliteLedgerStore, openSqlite } from '../../../src/stores/sqlite/index.js';

const dir = mkdtempSync(join(tmpdir(), 'bastion-usage-'));
const dbPath = join(dir, 'ledger.db');
const configPath = join(dir, 'bastion.yaml');

const entry = (requestId: string, ts: string, fields: Partial<LedgerEntry>): LedgerEntry => ({
  requestId,
  ts,
  environment: 'development',
  app: 'support',
  keyId: 'k1',
  user: null,
  model: 'gpt-4o-mini',
  inputTokens: 100,
  cachedInputTokens: 0,
  outputTokens: 10,
  costMicros: 1234,
  ...fields,
});

/** A real SQLite ledger on a temp file, opened fresh for each command as app.ts would. */
const openLedgerStore: OpenLedgerStore = async (config) => {
  expect(config.budgets.timeZone).toBe('America/New_York');
  const db = openSqlite(dbPath);
  const ledger = new SqliteLedgerStore(db);
  return { ledger, close: () => ledger.close() };
};

const run = async (...args: string[]) => {
  let out = '';
  let err = '';
  const io: CliIO = {
    out: (t) => void (out += `${t}\n`),
    err: (t) => void (err += `${t}\n`),
    env: {},
    cwd: dir,
  };
  const code = await main(['node', 'bastion', 'usage', '--config', configPath, ...args], io, {
    openLedgerStore,
  });
  return { code, out, err };
};

beforeAll(async () => {
  writeFileSync(
    configPath,
    [
      'environment: development',
      'providers: { openai: { keys: [{ id: o, secret: env:OPENAI_KEY }] } }',
      'apps: { support: { models: [gpt-4o-mini] }, search: { models: [gpt-4o-mini] } }',
      'budgets: { timeZone: America/New_York }',
      '',
    ].join('\n'),
  );
  const db = openSqlite(dbPath);
  const ledger = new SqliteLedgerStore(db);
  const entries = [
    // 31 Jan 23:30 in New York: January there, February in UTC.
    entry('r1', '2026-02-01T04:30:00Z', {}),
    entry('r2', '2026-01-10T12:00:00Z', {
      user: 'u_abc',
      costMicros: 5000,
      inputTokens: 50,
      outputTokens: 5,
    }),
    entry('r3', '2026-01-11T12:00:00Z', { app: 'search', keyId: 'k2', model: 'claude-x', costMicros: 99 }),
    // 1 Feb 00:30 in New York: February.
    entry('r4', '2026-02-01T05:30:00Z', { costMicros: 7 }),
  ];
  for (const e of entries) {
    await ledger.reserve(e.requestId, [], e.costMicros, 60_000);
    await ledger.commit(e.requestId, e);
  }
  await ledger.close();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bastion usage', () => {
  it('prints a table per app for a month in the budget time zone, with totals', async () => {
    const { code, out, err } = await run('--month', '2026-01');
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toContain(
      'Usage from 2026-01-01T05:00:00.000Z to 2026-02-01T05:00:00.000Z (America/New_York)',
    );
    const lines = out.trim().split('\n');
    expect(lines[1]).toMatch(/^app\s+requests\s+input_tokens\s+output_tokens\s+usd$/);
    expect(lines.find((l) => l.startsWith('support'))).toMatch(/^support\s+2\s+150\s+15\s+0\.0062$/);
    expect(lines.find((l) => l.startsWith('search'))).toMatch(/^search\s+1\s+100\s+10\s+0\.0001$/);
    expect(lines.at(-1)).toMatch(/^TOTAL\s+3\s+250\s+25\s+0\.0063$/);
  });

  it('groups by several fields and prints JSON', async () => {
    const { code, out } = await run(
      '--from',
      '2026-01-01T00:00:00Z',
      '--to',
      '2026-03-01T00:00:00Z',
      '--by',
      'app,user,model',
      '--json',
    );
    expect(code).toBe(0);
    const report = JSON.parse(out);
    expect(report.groupBy).toEqual(['app', 'user', 'model']);
    expect(report.rows).toContainEqual({
      app: 'support',
      user: 'u_abc',
      model: 'gpt-4o-mini',
      requests: 1,
      inputTokens: 50,
      outputTokens: 5,
      costMicros: 5000,
      costUsd: 0.005,
    });
    expect(report.rows).toHaveLength(3);
    expect(report.totals).toMatchObject({ requests: 4, costMicros: 6340 });
  });

  it('refuses bad arguments with a usage error', async () => {
    expect((await run('--month', '2026-13')).code).toBe(2);
    expect((await run('--by', 'prompt')).err).toContain('unknown field "prompt"');
    expect(
      (await run('--month', '2026-01', '--from', '2026-01-01T00:00:00Z', '--to', '2026-02-01T00:00:00Z'))
        .code,
    ).toBe(2);
    expect((await run('--from', '2026-02-01T00:00:00Z', '--to', '2026-01-01T00:00:00Z')).err).toContain(
      'before',
    );
  });
});

describe('usage helpers', () => {
  it('computes month ranges across DST and zones', () => {
    expect(monthRange('2026-03', 'Europe/Paris')).toEqual({
      from: '2026-02-28T23:00:00.000Z',
      to: '2026-03-31T22:00:00.000Z',
    });
    expect(monthRange('2026-12', 'UTC')).toEqual({
      from: '2026-12-01T00:00:00.000Z',
      to: '2027-01-01T00:00:00.000Z',
    });
    expect(monthRange('2026-01', 'Asia/Kolkata').from).toBe('2025-12-31T18:30:00.000Z');
  });

  it('formats micro-dollars with 4 decimals, rounding half up', () => {
    expect(formatUsd(0)).toBe('0.0000');
    expect(formatUsd(6234)).toBe('0.0062');
    expect(formatUsd(6250)).toBe('0.0063');
    expect(formatUsd(1_234_567_890)).toBe('1234.5679');
  });
});
