/**
 * `bastion keys rotate`, run as a user would (the real CLI in a child process, a real SQLite file),
 * then a real gateway on the same database in front of the fake provider: the new key works, the
 * old key works during the grace period and is flagged in the audit event, `keys list` shows the
 * grace, and `keys revoke` ends it early.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBastion } from '../../src/app.js';
import { loadConfigFile } from '../../src/config/load.js';
import { startFakeProvider, type FakeProvider } from '../../src/fake/index.js';
import { OPENAI_TEST_KEY } from '../helpers/gateway.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const BIN = join(ROOT, 'src/cli/bin.ts');
const TSX = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

let dir: string;
let fake: FakeProvider;
let configFile: string;

const cli = (...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> =>
  new Promise((done) => {
    const child = spawn(process.execPath, ['--import', TSX, BIN, ...args, '--config', configFile], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOME: tmpdir() },
      stdio: 'pipe',
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.once('close', (code) => done({ code, stdout, stderr }));
  });

/** A gateway on the CLI's database; started fresh per phase so no key cache hides a change. */
const withGateway = async <T>(
  run: (call: (key: string) => Promise<number>, audit: () => Promise<string[][]>) => Promise<T>,
) => {
  const config = await loadConfigFile(configFile);
  const bastion = await createBastion({
    config,
    env: { OPENAI_KEY: OPENAI_TEST_KEY },
    logDestination: { file: join(dir, 'gateway.log') },
    auditDestination: null,
  });
  const url = await bastion.listen(0);
  try {
    return await run(
      async (key) =>
        (
          await fetch(`${url}/v1/chat/completions`, {
            method: 'POST',
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
            body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
          })
        ).status,
      async () => {
        await bastion.audit.flush();
        return (await bastion.auditStore.query({ limit: 100 })).reverse().map((event) => [...event.triggers]);
      },
    );
  } finally {
    await bastion.close();
  }
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bastion-rotate-'));
  fake = await startFakeProvider({ keys: [OPENAI_TEST_KEY] });
  configFile = join(dir, 'bastion.yaml');
  writeFileSync(
    configFile,
    `environment: development
providers:
  openai:
    baseUrl: ${fake.url}/v1
    keys: [{ id: openai-primary, secret: env:OPENAI_KEY }]
apps:
  test: { models: [gpt-4o-mini], maxOutputTokens: 64 }
audit: { stdout: false }
storage: { sqlitePath: ${join(dir, 'bastion.db')} }
`,
  );
});

afterAll(async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('bastion keys rotate', () => {
  // Four CLI processes (each compiles the CLI with tsx) and two gateways: allow for a loaded machine.
  it(
    'issues a new key, keeps the old one working (flagged) for the grace period, and revoke ends it',
    { timeout: 120_000 },
    async () => {
      const created = await cli('keys', 'create', '--app', 'test', '--label', 'backend', '--json');
      expect(created.code).toBe(0);
      const oldKey = JSON.parse(created.stdout) as { key: string; id: string };

      const rotated = await cli('keys', 'rotate', oldKey.id, '--grace', '2h', '--json');
      expect(rotated.stderr).toBe('');
      expect(rotated.code).toBe(0);
      const out = JSON.parse(rotated.stdout) as {
        key: string;
        id: string;
        replaces: string;
        label: string;
        oldKeyRevokedAt: string;
      };
      expect(out.replaces).toBe(oldKey.id);
      expect(out.label).toBe('backend');
      expect(out.id).not.toBe(oldKey.id);
      const graceEnd = Date.parse(out.oldKeyRevokedAt);
      expect(graceEnd - Date.now()).toBeGreaterThan(2 * 3_600_000 - 60_000);
      expect(graceEnd - Date.now()).toBeLessThanOrEqual(2 * 3_600_000);

      const listed = JSON.parse((await cli('keys', 'list', '--json')).stdout) as Array<{
        id: string;
        status: string;
      }>;
      expect(listed.map((row) => [row.id, row.status])).toEqual([
        [oldKey.id, 'grace'],
        [out.id, 'active'],
      ]);
      await withGateway(async (call, audit) => {
        expect(await call(out.key)).toBe(200);
        expect(await call(oldKey.key)).toBe(200);
        expect(await audit()).toEqual([[], ['auth.rotated_key_grace']]);
      });

      const revoked = await cli('keys', 'revoke', oldKey.id);
      expect(revoked.code).toBe(0);
      await withGateway(async (call) => {
        expect(await call(oldKey.key)).toBe(401);
        expect(await call(out.key)).toBe(200);
      });
      // Neither key (nor its secret part, after `bst_<id>_`) was ever printed to stderr or the gateway log
      // (both gateway runs append to it; it holds their startup warnings).
      const log = readFileSync(join(dir, 'gateway.log'), 'utf8');
      expect(log).toContain('"msg"');
      const stderr = [created, rotated, revoked].map((run) => run.stderr).join('\n');
      for (const key of [oldKey.key, out.key]) {
        const secretPart = key.slice(key.lastIndexOf('_') + 1);
        expect(secretPart.length).toBeGreaterThanOrEqual(32);
        for (const [sink, text] of [
          ['gateway.log', log],
          ['stderr', stderr],
        ])
          expect(text, sink).not.toContain(secretPart);
      }
      expect(log).not.toContain(OPENAI_TEST_KEY);
    },
  );
});
