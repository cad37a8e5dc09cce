/**
 * `rotateKey` in process (the e2e test runs the real CLI once): refusals and the grace options.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openKeyStore } from '../../../src/app.js';
import { validateConfig } from '../../../src/config/load.js';
import { CliError } from '../../../src/cli/exit-codes.js';
import type { CliIO } from '../../../src/cli/io.js';
import { createKey, listKeys, revokeKey, rotateKey } from '../../../src/cli/keys.js';

const dir = mkdtempSync(join(tmpdir(), 'bastion-rotate-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const config = validateConfig(
  {
    environment: 'development',
    providers: { openai: { keys: [{ id: 'p', secret: 'env:OPENAI_KEY' }] } },
    apps: { test: { models: ['gpt-4o-mini'] } },
    storage: { sqlitePath: join(dir, 'keys.db') },
  },
  'test',
);

const io = (): CliIO & { lines: string[] } => {
  const lines: string[] = [];
  return { lines, out: (text) => lines.push(text), err: (text) => lines.push(text), env: {}, cwd: dir };
};

const failure = async (run: Promise<unknown>): Promise<CliError> => {
  const error = await run.catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(CliError);
  return error as CliError;
};

const idOf = (key: string): string => key.slice(4, 16);

describe('rotateKey', () => {
  it('keeps app, models, label and expiry; the old key is revoked at the end of the grace period', async () => {
    const old = await createKey(io(), config, {
      app: 'test',
      models: 'gpt-4o-mini',
      label: 'svc',
      expires: '30d',
    });
    const before = Date.now();
    const output = io();
    const fresh = await rotateKey(output, config, old, { grace: '7d' });
    const store = openKeyStore(config);
    try {
      const oldRecord = await store.keys.get(idOf(old));
      const newRecord = await store.keys.get(idOf(fresh));
      expect(newRecord).toMatchObject({
        appId: 'test',
        models: ['gpt-4o-mini'],
        label: 'svc',
        expiresAt: oldRecord?.expiresAt,
        revokedAt: null,
      });
      expect(oldRecord?.revokedAt).toBeGreaterThanOrEqual(before + 7 * 86_400_000);
      expect(oldRecord?.revokedAt).toBeLessThanOrEqual(Date.now() + 7 * 86_400_000);
    } finally {
      await store.close();
    }
    expect(output.lines.join('\n')).toMatch(/keeps working until .*auth\.rotated_key_grace/s);
    expect(output.lines.join('\n')).not.toContain(old);
    // Already on its way out: a second rotation is refused.
    expect((await failure(rotateKey(io(), config, idOf(old)))).message).toMatch(/already rotated/);
  });

  it('revokes the old key at once with --grace 0, and refuses revoked, unknown and bad input', async () => {
    const old = await createKey(io(), config, { app: 'test' });
    await rotateKey(io(), config, idOf(old), { grace: '0' });
    expect((await failure(rotateKey(io(), config, idOf(old)))).message).toMatch(/is revoked/);
    expect((await failure(rotateKey(io(), config, 'k000000000000'))).message).toBe(
      'No key with id "k000000000000".',
    );
    const bad = await failure(rotateKey(io(), config, idOf(old), { grace: 'forever' }));
    expect(bad.exitCode).toBe(2);
    expect((await failure(rotateKey(io(), config, idOf(old), { grace: '91d' }))).message).toBe(
      '--grace: at most 90d',
    );
  });

  it('lists a rotated key as grace, its successor as active, and as revoked once revoked', async () => {
    const old = await createKey(io(), config, { app: 'test', label: 'list-check' });
    const fresh = await rotateKey(io(), config, idOf(old));
    const statuses = async () => {
      const output = io();
      await listKeys(output, config, { json: true });
      const rows = JSON.parse(output.lines.join('')) as Array<{
        id: string;
        status: string;
        graceUntil?: string;
      }>;
      return Object.fromEntries(
        rows.filter((row) => [idOf(old), idOf(fresh)].includes(row.id)).map((row) => [row.id, row.status]),
      );
    };
    expect(await statuses()).toEqual({ [idOf(old)]: 'grace', [idOf(fresh)]: 'active' });
    await revokeKey(io(), config, idOf(old));
    expect(await statuses()).toEqual({ [idOf(old)]: 'revoked', [idOf(fresh)]: 'active' });
  });
});
