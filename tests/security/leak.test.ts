/**
 * Threat: secrets or prompt content leaking into logs, audit, responses or metrics. Canary secrets
 * (provider keys in real formats, the HMAC pseudonym key, provider keys presented by a client) and
 * canary prompt text are driven through every path; then every sink is scanned for the canaries and
 * for any 12-character window of any key.
 */
import { existsSync, readFileSync } from 'node:fs';
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

const SECRETS = {
  OPENAI_TEST_KEY,
  ANTHROPIC_TEST_KEY,
  PSEUDONYM_TEST_KEY,
  CLIENT_OPENAI_KEY,
  CLIENT_ANTHROPIC_KEY,
};
const PROMPTS = { USER_CANARY, SYSTEM_CANARY, END_USER_CANARY };
const WIRES: Wire[] = ['openai', 'anthropic'];

let gw: TestGateway;
/** Its fake accepts neither configured key: every upstream call is a provider 401 echoing a masked key. */
let refused: TestGateway;
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
}, 30_000);

afterAll(async () => {
  await Promise.all([gw?.close(), refused?.close()]);
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
  });

  it('the rejecting upstream really echoes a masked key (so a relay of its body would be caught)', async () => {
    expect(refused.fake.received.length).toBeGreaterThan(0);
    const direct = await fetch(`${refused.fake.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${OPENAI_TEST_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(direct.status).toBe(401);
    expect(await direct.text()).toMatch(/Incorrect API key provided: sk-proj-\*+/);
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
  const both = (read: (target: TestGateway) => string): string => `${read(gw)}\n${read(refused)}`;

  it('operational logs', () => {
    const logs = both((target) => target.logs.text());
    expect(logs.length).toBeGreaterThan(0);
    expect(findLeaks(logs, { ...SECRETS, GATEWAY_KEY_SECRET: gw.key.slice(17) })).toEqual([]);
    expect(findLeaks(logs, PROMPTS)).toEqual([]);
  });

  it('audit JSON lines', () => {
    const lines = both((target) => target.auditLines.text());
    expect(lines.split('\n').length).toBeGreaterThan(20);
    expect(findLeaks(lines, { ...SECRETS, GATEWAY_KEY_SECRET: gw.key.slice(17) })).toEqual([]);
    expect(findLeaks(lines, PROMPTS)).toEqual([]);
  });

  it('stored audit rows, and the SQLite files themselves', async () => {
    const rows = JSON.stringify([...(await gw.auditEvents()), ...(await refused.auditEvents())]);
    expect(findLeaks(rows, { ...SECRETS, GATEWAY_KEY_SECRET: gw.key.slice(17) })).toEqual([]);
    expect(findLeaks(rows, PROMPTS)).toEqual([]);
    const files = [gw, refused].flatMap((target) => {
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
