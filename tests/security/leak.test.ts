/**
 * Threat: secrets or prompt content leaking into logs, audit, responses or metrics. Canary secrets
 * (provider keys in real formats, the HMAC pseudonym key, provider keys presented by a client) and
 * canary prompt text are driven through every path; then every sink is scanned for the canaries, for
 * any 12-character window of any key, and for the masked forms of keys (`sk-proj-****abcd`, `sk-...abcd`)
 * that providers echo in error bodies. A third gateway holds its OpenAI key in a file and rotates it, so
 * real alerts (refresh failed / recovered, key promoted) go through the alert sinks, a webhook included.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ANTHROPIC_TEST_KEY,
  OPENAI_TEST_KEY,
  PSEUDONYM_TEST_KEY,
  startTestGateway,
} from '../helpers/gateway.js';
import type { TestGateway } from '../helpers/gateway.js';
import { rawRequest } from '../helpers/raw-http.js';
import type { RawResponse } from '../helpers/raw-http.js';
import { clientHeaders, findLeaks, pathFor } from '../helpers/security.js';
import type { Wire } from '../helpers/security.js';

/** Provider keys a careless client sends instead of its gateway key. */
const CLIENT_OPENAI_KEY = 'sk-proj-Cl1entfuwsQIT3BlbkFJxx5PrOtTQvqEMNTQ4UHgGX1c0VgHEOyywvQKNMxA';
const CLIENT_ANTHROPIC_KEY =
  'sk-ant-api03-Cl1ent7GIQYmzVW58oEZ6UAMNr7nmAYkJIBcr9LqNZr9vRbwiqX2WvsLTEuGzsmZMRlwBcYHlKcB-l4PHlSAA';
/** Prompt content: must never reach logs or audit. */
const USER_CANARY = 'CANARY-USER-PROMPT-5d1e9a7c3b';
const SYSTEM_CANARY = 'CANARY-SYSTEM-PROMPT-8b2f6e0d4a';
const END_USER_CANARY = 'CANARY-END-USER-3c7a1f9e2d';
/** The operator's key for the rejecting upstream (the fake accepts only this unrelated one). */
const UPSTREAM_ONLY_KEY = 'sk-proj-UpstreamOnlyT3BlbkFJz9Yx8Wv7Ut6Sr5Qp4On3Ml2Kj1Ih0GfEdCb';

/** The `rotating` gateway's next OpenAI key (built from parts: no key-shaped literal in the repo). */
const ROTATED_KEY = ['sk-proj-', 'Rotat3dXw9', 'T3Blb', 'kFJ', 'q2Lm4Nb6Vc8Xz0As1Df3Gh5Jk7Lp9Qw2Er4'].join(
  '',
);

const SECRETS = {
  OPENAI_TEST_KEY,
  ANTHROPIC_TEST_KEY,
  PSEUDONYM_TEST_KEY,
  CLIENT_OPENAI_KEY,
  CLIENT_ANTHROPIC_KEY,
  ROTATED_KEY,
};

const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const KEY_PREFIXES = [
  'sk-ant-admin01-',
  'sk-ant-api03-',
  'sk-svcacct-',
  'sk-admin-',
  'sk-proj-',
  'sk-ant-',
  'sk-',
];
/**
 * Masked forms, written independently of the redactor: any `sk-` prefix followed by a run of `*`
 * (OpenAI's 401 message), a short `ab****yz` mask, and per secret its visible prefix (known key prefix
 * or first 3 characters), `**...`, `...` or `…`, then its last four characters.
 */
const MASKED_SHAPES: Array<[string, RegExp]> = [
  ['sk- prefix then ****', /sk-[a-z]*-?\*{4}/i],
  ['sk- token then a mask run', /sk-[a-z0-9-]*(?:\*{2,}|\.{3}|\u2026)[A-Za-z0-9_-]{4}/i],
  ['short ab****yz mask', /[A-Za-z0-9]\*{4,}[A-Za-z0-9]/],
  ...Object.entries(SECRETS).map(([name, secret]): [string, RegExp] => {
    const prefixes = [KEY_PREFIXES.find((prefix) => secret.startsWith(prefix)) ?? '', secret.slice(0, 3)]
      .filter((prefix) => prefix !== '')
      .map(escapeRegex);
    return [
      `masked ${name}`,
      new RegExp(`(?:${prefixes.join('|')})(?:\\*{2,}|\\.{3}|\u2026)${escapeRegex(secret.slice(-4))}`),
    ];
  }),
];
const findMasked = (text: string): string[] =>
  MASKED_SHAPES.filter(([, shape]) => shape.test(text)).map(([name]) => name);
const PROMPTS = { USER_CANARY, SYSTEM_CANARY, END_USER_CANARY };
const WIRES: Wire[] = ['openai', 'anthropic'];

let gw: TestGateway;
/** Its fake accepts neither configured key: every upstream call is a provider 401 echoing a masked key. */
let refused: TestGateway;
/** Its OpenAI key is `file:` held and rotated during the run; alerts also go to a captured webhook. */
let rotating: TestGateway;
let keyDir: string;
let webhook: Server;
const alertPayloads: string[] = [];
const responses: Array<{ path: string; response: RawResponse }> = [];

const canaryBody = (wire: Wire, extra: Record<string, unknown> = {}): Record<string, unknown> =>
  wire === 'openai'
    ? {
        model: 'gpt-4o-mini',
        user: END_USER_CANARY,
        messages: [
          { role: 'system', content: `You are helpful. ${SYSTEM_CANARY}` },
          { role: 'user', content: `Hello ${USER_CANARY}` },
        ],
        ...extra,
      }
    : {
        model: 'claude-haiku-4-5',
        max_tokens: 64,
        system: `You are helpful. ${SYSTEM_CANARY}`,
        metadata: { user_id: END_USER_CANARY },
        messages: [{ role: 'user', content: `Hello ${USER_CANARY}` }],
        ...extra,
      };

async function send(
  target: TestGateway,
  label: string,
  wire: Wire,
  body: string,
  headers = clientHeaders(wire, target.key),
  path = pathFor(wire),
): Promise<RawResponse> {
  const response = await rawRequest(target.url, { path, headers, body });
  responses.push({ path: `${label} ${wire}`, response });
  return response;
}

const statuses: Record<string, number> = {};

beforeAll(async () => {
  [gw, refused] = await Promise.all([
    startTestGateway(),
    startTestGateway({ fake: { keys: [UPSTREAM_ONLY_KEY] } }),
  ]);
  webhook = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      alertPayloads.push(Buffer.concat(chunks).toString('utf8'));
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
  const address = webhook.address();
  const webhookUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/alerts`;
  keyDir = mkdtempSync(join(tmpdir(), 'bastion-leak-'));
  const keyFile = join(keyDir, 'openai');
  writeFileSync(keyFile, OPENAI_TEST_KEY, { mode: 0o600 });
  rotating = await startTestGateway({
    env: { ALERT_WEBHOOK: webhookUrl },
    config: {
      // gw's fake accepts OPENAI_TEST_KEY and refuses ROTATED_KEY (401 echoing it masked).
      providers: {
        openai: {
          baseUrl: `${gw.fake.url}/v1`,
          timeoutMs: 5_000,
          keys: [{ id: 'openai-primary', secret: `file:${keyFile}` }],
        },
        anthropic: {
          baseUrl: gw.fake.url,
          timeoutMs: 5_000,
          keys: [{ id: 'anthropic-primary', secret: 'env:ANTHROPIC_KEY' }],
        },
      },
      alerts: { webhooks: [{ url: 'env:ALERT_WEBHOOK', retries: 0 }] },
    },
  });
  for (const wire of WIRES) {
    const record = (label: string, response: RawResponse): void => {
      statuses[`${label} ${wire}`] = response.status;
    };
    const json = (extra?: Record<string, unknown>): string => JSON.stringify(canaryBody(wire, extra));

    record('success', await send(gw, 'success', wire, json()));
    record('stream', await send(gw, 'stream', wire, json({ stream: true })));
    if (wire === 'anthropic') {
      // count_tokens takes neither max_tokens nor metadata.
      const { max_tokens: _maxTokens, metadata: _metadata, ...countBody } = canaryBody(wire);
      record(
        'count_tokens',
        await send(
          gw,
          'count_tokens',
          wire,
          JSON.stringify(countBody),
          undefined,
          '/v1/messages/count_tokens',
        ),
      );
    }
    for (const stream of [false, true]) {
      record(`upstream 401 stream=${stream}`, await send(refused, 'upstream 401', wire, json({ stream })));
    }
    for (const [label, scenario] of [
      ['429', { kind: 'status', status: 429, retryAfter: 2 }],
      ['500', { kind: 'status', status: 500 }],
      ['stream cut', { kind: 'cut', afterEvents: 2 }],
      ['stream error', { kind: 'midstream_error', afterEvents: 2 }],
    ] as const) {
      gw.fake.enqueue(scenario);
      record(label, await send(gw, label, wire, json({ stream: label.startsWith('stream') })));
    }
    for (const presented of [CLIENT_OPENAI_KEY, CLIENT_ANTHROPIC_KEY]) {
      for (const header of [
        ['authorization', `Bearer ${presented}`],
        ['x-api-key', presented],
      ] as const) {
        const headers: Array<[string, string]> = [
          ['content-type', 'application/json'],
          [header[0], header[1]],
          ...(wire === 'anthropic' ? ([['anthropic-version', '2023-06-01']] as Array<[string, string]>) : []),
        ];
        record(
          `provider key as client key ${header[0]}`,
          await send(gw, 'provider key', wire, json(), headers),
        );
      }
    }
    // Bad input carrying canaries in the places an error message might quote.
    record('malformed JSON', await send(gw, 'bad', wire, `{"model":"${USER_CANARY}","messages":[`));
    record('unknown field', await send(gw, 'bad', wire, json({ [SYSTEM_CANARY]: USER_CANARY })));
    record('bad model', await send(gw, 'bad', wire, json({ model: `${USER_CANARY}/../x` })));
    record('wrong type', await send(gw, 'bad', wire, json({ messages: USER_CANARY })));
    record('key in body', await send(gw, 'bad', wire, json({ api_key: CLIENT_OPENAI_KEY })));
  }

  // Rotation on the `rotating` gateway: a good request, a refresh that fails (value too short), a
  // refresh to a new key (recovered + promoted), then a request the provider refuses with a masked echo.
  const openaiJson = JSON.stringify(canaryBody('openai'));
  statuses['rotating before'] = (await send(rotating, 'rotating before', 'openai', openaiJson)).status;
  writeFileSync(keyFile, 'short');
  await rotating.bastion.refreshSecrets();
  writeFileSync(keyFile, ROTATED_KEY);
  await rotating.bastion.refreshSecrets();
  statuses['rotating after'] = (await send(rotating, 'rotating after', 'openai', openaiJson)).status;
  // Alerts are delivered off the caller's path: wait for the three the rotation raised.
  for (let waited = 0; alertPayloads.length < 3 && waited < 5_000; waited += 20)
    await new Promise((resolve) => setTimeout(resolve, 20));
}, 30_000);

afterAll(async () => {
  await Promise.all([gw?.close(), refused?.close(), rotating?.close()]);
  await new Promise((resolve) => webhook?.close(resolve));
  if (keyDir) rmSync(keyDir, { recursive: true, force: true });
});

describe('canaries went through every path', () => {
  it('each path produced the expected kind of answer', () => {
    for (const wire of WIRES) {
      expect(statuses[`success ${wire}`]).toBe(200);
      expect(statuses[`stream ${wire}`]).toBe(200);
      expect(statuses[`upstream 401 stream=false ${wire}`]).toBe(502);
      expect(statuses[`upstream 401 stream=true ${wire}`]).toBe(502);
      expect(statuses[`429 ${wire}`]).toBe(429);
      expect(statuses[`500 ${wire}`]).toBe(502);
      expect(statuses[`provider key as client key authorization ${wire}`]).toBe(401);
      expect(statuses[`provider key as client key x-api-key ${wire}`]).toBe(401);
      for (const bad of ['malformed JSON', 'unknown field', 'bad model', 'wrong type', 'key in body'])
        expect(statuses[`${bad} ${wire}`], bad).toBeGreaterThanOrEqual(400);
    }
    expect(statuses['count_tokens anthropic']).toBe(200);
    expect(statuses['rotating before']).toBe(200);
    expect(statuses['rotating after']).toBe(502);
  });

  it('the rejecting upstream really echoes a masked key (so a relay of its body would be caught)', async () => {
    expect(refused.fake.received.length).toBeGreaterThan(0);
    const direct = await fetch(`${refused.fake.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${OPENAI_TEST_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(direct.status).toBe(401);
    const body = await direct.text();
    expect(body).toMatch(/Incorrect API key provided: sk-proj-\*+/);
    // The masked shapes the sinks are checked for catch this echo and the other spellings.
    expect(findMasked(body)).toEqual(
      expect.arrayContaining(['sk- prefix then ****', 'masked OPENAI_TEST_KEY']),
    );
    expect(findMasked(`key sk-...${ROTATED_KEY.slice(-4)}`)).toContain('masked ROTATED_KEY');
    expect(findMasked(`sk-ant-api03-\u2026${ANTHROPIC_TEST_KEY.slice(-4)}`)).toContain(
      'masked ANTHROPIC_TEST_KEY',
    );
    expect(findMasked(`hma...${PSEUDONYM_TEST_KEY.slice(-4)}`)).toEqual(['masked PSEUDONYM_TEST_KEY']);
  });

  it('provider keys presented by clients were never forwarded', () => {
    const forwarded = JSON.stringify([...gw.fake.received, ...refused.fake.received]);
    // Only the parts after the well-known prefixes: the operator's own keys share `sk-ant-api03-`.
    expect(
      findLeaks(forwarded, {
        CLIENT_OPENAI_KEY: CLIENT_OPENAI_KEY.slice('sk-proj-'.length),
        CLIENT_ANTHROPIC_KEY: CLIENT_ANTHROPIC_KEY.slice('sk-ant-api03-'.length),
      }),
    ).toEqual([]);
  });
});

describe('no canary in any sink', () => {
  const all = (read: (target: TestGateway) => string): string => [gw, refused, rotating].map(read).join('\n');

  it('operational logs (alert log lines included)', () => {
    const logs = all((target) => target.logs.text());
    expect(logs.length).toBeGreaterThan(0);
    expect(logs).toContain('"alert":"provider_key_rejected"');
    expect(logs).toContain('"kind":"secret.refresh_failed"');
    expect(findLeaks(logs, { ...SECRETS, GATEWAY_KEY_SECRET: gw.key.slice(17) })).toEqual([]);
    expect(findLeaks(logs, PROMPTS)).toEqual([]);
    expect(findMasked(logs)).toEqual([]);
  });

  it('audit JSON lines', () => {
    const lines = all((target) => target.auditLines.text());
    expect(lines.split('\n').length).toBeGreaterThan(20);
    expect(findLeaks(lines, { ...SECRETS, GATEWAY_KEY_SECRET: gw.key.slice(17) })).toEqual([]);
    expect(findLeaks(lines, PROMPTS)).toEqual([]);
    expect(findMasked(lines)).toEqual([]);
  });

  it('alerts delivered to a webhook', () => {
    const kinds = alertPayloads.map((payload) => (JSON.parse(payload) as { kind: string }).kind);
    expect(kinds).toEqual(
      expect.arrayContaining(['secret.refresh_failed', 'secret.refresh_recovered', 'provider_key.promoted']),
    );
    const text = alertPayloads.join('\n');
    expect(findLeaks(text, SECRETS)).toEqual([]);
    expect(findLeaks(text, PROMPTS)).toEqual([]);
    expect(findMasked(text)).toEqual([]);
  });

  it('stored audit rows, and the SQLite files themselves', async () => {
    const rows = JSON.stringify([
      ...(await gw.auditEvents()),
      ...(await refused.auditEvents()),
      ...(await rotating.auditEvents()),
    ]);
    expect(findLeaks(rows, { ...SECRETS, GATEWAY_KEY_SECRET: gw.key.slice(17) })).toEqual([]);
    expect(findLeaks(rows, PROMPTS)).toEqual([]);
    expect(findMasked(rows)).toEqual([]);
    const files = [gw, refused, rotating].flatMap((target) => {
      const base = target.bastion.config.storage.sqlitePath;
      return [base, `${base}-wal`].filter((file) => existsSync(file));
    });
    const bytes = files.map((file) => readFileSync(file).toString('latin1')).join('\n');
    expect(findLeaks(bytes, SECRETS)).toEqual([]);
    expect(findLeaks(bytes, PROMPTS)).toEqual([]);
  });

  it('every response the clients received (status line, headers and body)', () => {
    expect(responses.length).toBeGreaterThan(30);
    for (const { path, response } of responses) {
      expect(findLeaks(response.raw, SECRETS), path).toEqual([]);
      // The providers' identifying details and masked-key echoes are not relayed either.
      expect(response.raw, path).not.toMatch(/org-fake|\*\*\*\*|Incorrect API key|set-cookie/i);
    }
  });

  it('/metrics carries the traffic above but none of its secrets or prompt text', async () => {
    const response = await rawRequest(gw.url, { method: 'GET', path: '/metrics' });
    expect(response.status).toBe(200);
    expect(response.raw.toString()).toMatch(/bastion_requests_total\{[^}]*environment="development"/);
    expect(findLeaks(response.raw, SECRETS)).toEqual([]);
    expect(findLeaks(response.raw, PROMPTS)).toEqual([]);
  });
});
