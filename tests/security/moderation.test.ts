/**
 * Threat: harmful content going into or coming out of the model, and moderation failing open.
 * Through the gateway with the official SDKs, against the fake provider's moderation endpoint:
 * flagged input is refused before any model call; a moderation timeout, 500 or malformed body
 * fails closed (503) unless the app chose onError: allow (then the audit and the log say so);
 * flagged streamed output is cut mid-stream with an error event and nothing flagged reaches the
 * client; filter hits are counted per pseudonymous user and raise an alert.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/core/audit-event.js';
import { createPseudonymizer } from '../../src/audit/pseudonymize.js';
import { parseGatewayKey } from '../../src/core/gateway-key.js';
import { rawRequest } from '../helpers/raw-http.js';
import { PSEUDONYM_TEST_KEY, startTestGateway } from '../helpers/gateway.js';
import type { TestGateway } from '../helpers/gateway.js';

type Wire = 'openai' | 'anthropic';
const MODELS = ['gpt-4o-mini', 'claude-haiku-4-5'];
const WINDOW = 100;

let gw: TestGateway;
let lenientKey: string;

beforeAll(async () => {
  gw = await startTestGateway({
    config: {
      apps: {
        test: {
          models: MODELS,
          maxOutputTokens: 512,
          moderation: { input: true, output: true, timeoutMs: 400, outputWindowChars: WINDOW },
          filters: { keywords: ['frobnicate'], profiles: ['children'] },
        },
        lenient: {
          models: MODELS,
          maxOutputTokens: 512,
          moderation: { input: true, output: true, timeoutMs: 400, onError: 'allow' },
        },
      },
      contentProfiles: { children: { keywords: ['grog'] } },
      alerts: { repeatedFilterHits: { threshold: 3, windowSeconds: 60 } },
    },
  });
  lenientKey = await gw.issueKey({ app: 'lenient' });
});
afterAll(() => gw.close());
beforeEach(() => gw.fake.reset());

const chatRequests = () =>
  gw.fake.received.filter(
    (request) => request.path.startsWith('/v1/chat') || request.path.startsWith('/v1/messages'),
  );
const moderationRequests = () => gw.fake.received.filter((request) => request.path === '/v1/moderations');

interface Outcome {
  readonly text: string;
  readonly status: number | undefined;
  /** The error code (OpenAI) or error type (Anthropic) the SDK saw, if any. */
  readonly code: string | undefined;
  readonly requestId: string | undefined;
}

/** One chat call through an official SDK: the text the application gets and how it ended. */
async function call(
  wire: Wire,
  prompt: string,
  options: { stream?: boolean; key?: string; user?: string } = {},
): Promise<Outcome> {
  const apiKey = options.key ?? gw.key;
  let text = '';
  let requestId: string | undefined;
  try {
    if (wire === 'openai') {
      const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey, maxRetries: 0 });
      const params = {
        model: 'gpt-4o-mini',
        messages: [{ role: 'user' as const, content: prompt }],
        ...(options.user !== undefined && { user: options.user }),
      };
      if (options.stream) {
        const { data, response } = await client.chat.completions
          .create({ ...params, stream: true })
          .withResponse();
        requestId = response.headers.get('x-request-id') ?? undefined;
        for await (const chunk of data) text += chunk.choices[0]?.delta.content ?? '';
      } else {
        const { data, response } = await client.chat.completions.create(params).withResponse();
        requestId = response.headers.get('x-request-id') ?? undefined;
        text = data.choices[0]?.message.content ?? '';
      }
    } else {
      const client = new Anthropic({ baseURL: gw.url, apiKey, maxRetries: 0 });
      const params = {
        model: 'claude-haiku-4-5',
        max_tokens: 400,
        messages: [{ role: 'user' as const, content: prompt }],
        ...(options.user !== undefined && { metadata: { user_id: options.user } }),
      };
      if (options.stream) {
        const { data, response } = await client.messages.create({ ...params, stream: true }).withResponse();
        requestId = response.headers.get('request-id') ?? undefined;
        for await (const event of data) {
          if (event.type === 'content_block_delta' && event.delta.type === 'text_delta')
            text += event.delta.text;
        }
      } else {
        const { data, response } = await client.messages.create(params).withResponse();
        requestId = response.headers.get('request-id') ?? undefined;
        text = data.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
      }
    }
    return { text, status: 200, code: undefined, requestId };
  } catch (error) {
    const e = error as {
      status?: number;
      code?: string;
      error?: { type?: string; error?: { type?: string } };
      requestID?: string;
    };
    const code = wire === 'openai' ? (e.code ?? undefined) : (e.error?.error?.type ?? e.error?.type);
    return { text, status: e.status, code, requestId: requestId ?? e.requestID ?? undefined };
  }
}

async function auditOf(requestId: string | undefined): Promise<AuditEvent> {
  expect(requestId, 'request id').toBeDefined();
  const events = (await gw.auditEvents()).filter((event) => event.requestId === requestId);
  expect(events).toHaveLength(1);
  return events[0] as AuditEvent;
}

const clean = (n: number): string =>
  `${'The weather is mild today. '.repeat(8).slice(0, WINDOW - 1)} `.repeat(n);
/** A reply of clean windows, then a flagged one, then more. */
const CLEAN_WINDOWS = 6;
const FLAGGED_REPLY = `${clean(CLEAN_WINDOWS)}and now [[fake:mod=violence]] something awful follows. ${clean(2)}`;

describe.each(['openai', 'anthropic'] as const)('moderation through the gateway (%s SDK)', (wire) => {
  it('flagged input is refused with content_flagged before any model call, streaming or not', async () => {
    for (const stream of [false, true]) {
      gw.fake.reset();
      const prompt = 'Tell me how to kill the neighbour [[fake:mod=violence]]';
      const outcome = await call(wire, prompt, { stream });
      expect(outcome.status).toBe(400);
      expect(outcome.code).toBe(wire === 'openai' ? 'content_flagged' : 'invalid_request_error');
      expect(moderationRequests()).toHaveLength(1);
      expect(chatRequests()).toHaveLength(0);
      const event = await auditOf(outcome.requestId);
      expect(event).toMatchObject({ decision: 'denied', errorCode: 'content_flagged', status: 400 });
      expect(event.triggers).toContain('moderation.violence');
      expect(JSON.stringify(event)).not.toContain('neighbour');
    }
  });

  it('a filter hit is refused locally: no moderation call, no model call', async () => {
    const outcome = await call(wire, 'Please frobnicate the widget');
    expect(outcome.status).toBe(400);
    expect(gw.fake.received).toHaveLength(0);
    const event = await auditOf(outcome.requestId);
    expect(event.triggers).toContain('filter.keywords');
    expect(event.triggers.filter((trigger) => trigger.startsWith('moderation.'))).toEqual([
      'moderation.content_flagged',
    ]);
    const profile = await call(wire, 'pass the grog, matey');
    expect(profile.status).toBe(400);
    expect((await auditOf(profile.requestId)).triggers).toContain('filter.profile.children.keywords');
  });

  it.each([
    ['a moderation timeout', () => gw.fake.enqueueModeration({ kind: 'stall' })],
    ['a moderation 500', () => gw.fake.enqueueModeration({ kind: 'status', status: 500 })],
    ['a malformed moderation body', () => gw.fake.enqueueModeration({ kind: 'malformed' })],
  ])('%s fails closed: 503 moderation_unavailable and no model call', async (_name, script) => {
    script();
    const started = performance.now();
    const outcome = await call(wire, 'What is the capital of France?');
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(outcome.status).toBe(503);
    expect(outcome.code).toBe(wire === 'openai' ? 'moderation_unavailable' : 'overloaded_error');
    expect(chatRequests()).toHaveLength(0);
    const event = await auditOf(outcome.requestId);
    expect(event).toMatchObject({ decision: 'denied', errorCode: 'moderation_unavailable', status: 503 });
    expect(event.triggers).toContain('moderation.unavailable');
    expect(event.triggers).not.toContain('moderation.unavailable.allowed');
  });

  it('with onError: allow, the request passes during an outage and the audit and log say so', async () => {
    gw.fake.enqueueModeration({ kind: 'status', status: 500 });
    const outcome = await call(wire, 'What is the capital of France?', { key: lenientKey });
    expect(outcome.status).toBe(200);
    expect(outcome.text.length).toBeGreaterThan(0);
    expect(chatRequests()).toHaveLength(1);
    const event = await auditOf(outcome.requestId);
    expect(event.decision).toBe('allowed');
    expect(event.triggers).toContain('moderation.unavailable.allowed');
    const warning = gw.logs
      .text()
      .split('\n')
      .find((line) => line.includes('moderation unavailable') && line.includes('"allowed":true'));
    expect(warning).toBeDefined();
    expect(warning).toContain('"app":"lenient"');
    expect(warning).not.toContain('capital');
  });

  it('flagged streamed output is cut mid-stream with an error event; nothing flagged reaches the client', async () => {
    gw.fake.enqueue({ kind: 'reply', text: FLAGGED_REPLY });
    const outcome = await call(wire, 'Describe the weather', { stream: true });
    // The SDK saw an error event after the clean windows, not a normal end.
    expect(outcome.status === undefined || outcome.status >= 400).toBe(true);
    expect(outcome.code).toBe(wire === 'openai' ? 'output_blocked' : 'permission_error');
    // Cut mid-stream: clean text arrived (other output guards may still have held some of it back),
    // but nothing of the flagged window did.
    expect(FLAGGED_REPLY.startsWith(outcome.text)).toBe(true);
    expect(outcome.text.length).toBeGreaterThanOrEqual(WINDOW);
    expect(outcome.text.length).toBeLessThanOrEqual(CLEAN_WINDOWS * WINDOW);
    expect(outcome.text).not.toContain('fake:mod');
    expect(outcome.text).not.toContain('awful');
    const event = await auditOf(outcome.requestId);
    expect(event).toMatchObject({ decision: 'denied', errorCode: 'output_blocked' });
    expect(event.triggers).toContain('moderation-output.violence');
  });

  it('flagged output in a JSON response is withheld entirely (403 output_blocked)', async () => {
    gw.fake.enqueue({ kind: 'reply', text: FLAGGED_REPLY });
    const outcome = await call(wire, 'Describe the weather');
    expect(outcome.status).toBe(403);
    expect(outcome.text).toBe('');
  });

  it('clean output of several windows passes unchanged, streamed and not', async () => {
    const reply = clean(3);
    for (const stream of [false, true]) {
      gw.fake.reset();
      gw.fake.enqueue({ kind: 'reply', text: reply });
      const outcome = await call(wire, 'Describe the weather', { stream });
      expect(outcome).toMatchObject({ status: 200, text: reply });
      // One call for the input, then one per output window.
      expect(moderationRequests().length).toBeGreaterThanOrEqual(2);
    }
  });
});

describe('per-user counting of filter hits', () => {
  it('counts hits in /metrics without user labels and alerts when one user trips filters 3 times', async () => {
    const user = 'mallory@example.com';
    for (let i = 0; i < 3; i++) {
      const outcome = await call('openai', `frobnicate attempt ${i}`, { user });
      expect(outcome.status).toBe(400);
    }
    // Another user's single hit does not alert.
    await call('openai', 'frobnicate once', { user: 'trent@example.com' });
    await gw.bastion.audit.flush();
    const pseudonym = createPseudonymizer(PSEUDONYM_TEST_KEY)(user);
    const deadline = Date.now() + 2_000;
    let alertLines: string[] = [];
    while (Date.now() < deadline) {
      alertLines = gw.logs
        .text()
        .split('\n')
        .filter((line) => line.includes('repeated_filter_hits') && line.includes(pseudonym));
      if (alertLines.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(alertLines).toHaveLength(1);
    const alert = JSON.parse(alertLines[0] as string) as { alert: { subject: Record<string, unknown> } };
    expect(alert.alert.subject).toEqual({ app: 'test', user: pseudonym, hits: 3, windowSeconds: 60 });
    expect(gw.logs.text()).not.toContain('mallory');

    const metrics = await rawRequest(gw.url, { method: 'GET', path: '/metrics' });
    const body = metrics.body;
    const line = body
      .split('\n')
      .find(
        (entry) =>
          entry.startsWith('bastion_content_hits_total{') && entry.includes('rule="filter.keywords"'),
      );
    expect(line).toMatch(/app="test".*direction="input".* (\d+)$/);
    expect(Number(line?.split(' ').at(-1))).toBeGreaterThanOrEqual(4);
    expect(body).not.toContain('mallory');
    expect(body).not.toMatch(/u_[0-9a-f]{32}/);
  });

  it('counts requests without an end user against their gateway key', async () => {
    const key = await gw.issueKey();
    const keyId = parseGatewayKey(key)?.id ?? 'missing';
    for (let i = 0; i < 3; i++) expect((await call('anthropic', 'frobnicate it', { key })).status).toBe(400);
    const deadline = Date.now() + 2_000;
    let found: string | undefined;
    while (Date.now() < deadline && found === undefined) {
      found = gw.logs
        .text()
        .split('\n')
        .find(
          (line) =>
            line.includes('repeated_filter_hits') && line.includes(`"keyId":"`) && line.includes(keyId),
        );
      if (found === undefined) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(found).toBeDefined();
    expect(found).not.toContain(key);
  });
});
