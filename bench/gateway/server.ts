/**
 * Bastion under benchmark, in its own process:
 *   node --import tsx bench/gateway/server.ts <fakeProviderUrl>
 * Builds a config in code with every default control on (gateway-key auth, input validation with
 * input-token counting, audit to the SQLite store plus a JSON-lines file), issues one key and prints
 * `READY <url> <key>` on stdout. Serves until SIGTERM/SIGINT or until its parent goes away.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBastion } from '../../src/app.js';
import { validateConfig } from '../../src/config/load.js';
import { generateGatewayKey } from '../../src/core/gateway-key.js';
import { BENCH_PROVIDER_KEY } from './workload.js';

const fakeUrl = process.argv[2];
if (!fakeUrl?.startsWith('http://127.0.0.1:')) throw new Error('usage: server.ts http://127.0.0.1:<port>');

const CONTROLS = (process.env.BENCH_CONTROLS ?? 'default') as 'none' | 'default' | 'all';
const APP_CONTROLS: Record<typeof CONTROLS, Record<string, unknown>> = {
  none: {
    injection: { action: 'off' },
    output: { html: { mode: 'off' }, links: { mode: 'off' }, dlp: { secrets: 'off' } },
  },
  default: {},
  all: {
    injection: { action: 'block' },
    moderation: { input: true, output: true },
    filters: { profiles: ['workplace'] },
    systemPrompt: {
      text: 'You are the support assistant of Example Corp. Answer briefly and politely.',
      clientMessages: 'strip',
    },
    output: { dlp: { pii: 'redact' } },
  },
};
if (!(CONTROLS in APP_CONTROLS)) throw new Error('BENCH_CONTROLS must be none, default or all');

const dir = mkdtempSync(join(tmpdir(), 'bastion-bench-'));
const env: NodeJS.ProcessEnv = {
  BENCH_OPENAI_KEY: BENCH_PROVIDER_KEY,
  BENCH_PSEUDONYM_KEY: 'bench-pseudonym-key-0123456789abcdef',
};
const config = validateConfig(
  {
    environment: 'production',
    server: { host: '127.0.0.1', port: 0 },
    providers: {
      openai: {
        baseUrl: `${fakeUrl}/v1`,
        timeoutMs: 30_000,
        keys: [{ id: 'openai-bench', secret: 'env:BENCH_OPENAI_KEY' }],
      },
    },
    // BENCH_CONTROLS picks the app's content controls (the core controls are always on):
    //   none     output guards off, injection off: the gateway-core pipeline alone
    //   default  the app defaults (injection flag, output sanitize + link allowlist + secret redaction)
    //   all      + injection block, moderation of input and output (fake endpoint), keyword profile,
    //            a protected system prompt with its leak scan, PII redaction
    apps: { bench: { models: ['gpt-4o-mini'], ...APP_CONTROLS[CONTROLS] } },
    audit: { stdout: false, pseudonymKey: 'env:BENCH_PSEUDONYM_KEY' },
    storage: { sqlitePath: join(dir, 'bastion.db') },
  },
  'bench config',
);

const bastion = await createBastion({
  config,
  env,
  logDestination: { file: join(dir, 'bastion.log') },
  auditDestination: { file: join(dir, 'audit.jsonl') },
  logLevel: 'info',
});
const generated = generateGatewayKey();
await bastion.keys.create({
  id: generated.id,
  appId: 'bench',
  hash: generated.hash,
  label: 'bench',
  models: null,
  createdAt: Date.now(),
  expiresAt: null,
  revokedAt: null,
});
const url = await bastion.listen(0);
process.stdout.write(`READY ${url} ${generated.key}\n`);

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  void bastion
    .close()
    .catch(() => undefined)
    .finally(() => {
      rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    });
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop).resume();

// Memory breakdown on demand (kill -USR2 <pid>), for investigating peak RSS.
process.on('SIGUSR2', () => {
  void import('node:v8').then((v8) => {
    const spaces = v8
      .getHeapSpaceStatistics()
      .map((s) => `${s.space_name}=${Math.round(s.space_size / 1e6)}MB`);
    process.stderr.write(`MEMORY ${JSON.stringify(process.memoryUsage())} ${spaces.join(' ')}\n`);
  });
});
