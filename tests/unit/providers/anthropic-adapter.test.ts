import { afterEach, describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/core/errors.js';
import type { StreamEvent } from '../../../src/core/types.js';
import { createAnthropicAdapter } from '../../../src/providers/anthropic/adapter.js';
import { createUpstreamClient } from '../../../src/providers/shared/http-client.js';
import type { ProviderAdapter, UpstreamRequest } from '../../../src/providers/types.js';
import { collect, json, sseHead, startServer, type Handler, type TestServer } from './test-server.js';

const SECRET = 'sk-proj-abcdef123456';
const KEY = 'sk-ant-upstream-key-for-tests';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

const setup = async (handler: Handler): Promise<{ upstream: TestServer; adapter: ProviderAdapter }> => {
  const upstream = await startServer(handler);
  const client = createUpstreamClient({
    allowedOrigins: [upstream.origin],
    connectTimeoutMs: 2000,
    headersTimeoutMs: 2000,
    bodyTimeoutMs: 2000,
  });
  const adapter = createAnthropicAdapter({ baseUrl: upstream.origin, client });
  cleanups.push(
    () => upstream.close(),
    () => adapter.close(),
  );
  return { upstream, adapter };
};

const request = (overrides: Partial<UpstreamRequest> = {}): UpstreamRequest => ({
  requestId: 'req_1',
  operation: 'anthropic.messages',
  body: { model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] },
  stream: false,
  anthropicVersion: '2026-10-21',
  anthropicBeta: undefined,
  credential: { id: 'anthropic-primary', value: KEY },
  signal: new AbortController().signal,
  ...overrides,
});

const MESSAGE = {
  id: 'msg_1',
  type: 'message',
  role: 'assistant',
  content: [{ type: 'text', text: 'hello' }],
  stop_reason: 'end_turn',
  usage: {
    input_tokens: 12,
    output_tokens: 3,
    cache_read_input_tokens: 100,
    cache_creation_input_tokens: null,
  },
};

const sse = (event: string, data: object | string): string =>
  `event: ${event}\ndata: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;

const STREAM = [
  sse('message_start', {
    type: 'message_start',
    message: {
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      content: [],
      usage: { input_tokens: 12, output_tokens: 1, cache_creation_input_tokens: 7 },
    },
  }),
  sse('content_block_start', {
    type: 'content_block_start',
    index: 0,
    content_block: { type: 'text', text: '' },
  }),
  sse('ping', { type: 'ping' }),
  sse(
    'content_block_delta',
    '{"type":"content_block_delta", "index":0,"delta":{"type":"text_delta","text":"Hel"}}',
  ),
  sse('content_block_delta', {
    type: 'content_block_delta',
    index: 0,
    delta: { type: 'thinking_delta', thinking: 'hmm' },
  }),
  sse('content_block_delta', {
    type: 'content_block_delta',
    index: 0,
    delta: { type: 'text_delta', text: 'lo' },
  }),
  sse('content_block_delta', {
    type: 'content_block_delta',
    index: 1,
    delta: { type: 'input_json_delta', partial_json: '{"q":' },
  }),
  sse('future_event', { type: 'future_event' }),
  sse('message_delta', { type: 'message_delta', delta: { stop_reason: null }, usage: { output_tokens: 10 } }),
  sse('message_delta', {
    type: 'message_delta',
    delta: { stop_reason: 'end_turn' },
    usage: { output_tokens: 15 },
  }),
  sse('message_stop', { type: 'message_stop' }),
];

const streamOf = async (
  adapter: ProviderAdapter,
  req: UpstreamRequest,
): Promise<AsyncIterable<StreamEvent>> => {
  const result = await adapter.send(req);
  if (result.kind !== 'stream') throw new Error('expected a stream');
  return result.events;
};

const rejection = async (promise: Promise<unknown>): Promise<GatewayError> => {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError);
    return error as GatewayError;
  }
  throw new Error('expected a rejection');
};

describe('Anthropic adapter', () => {
  it('sends x-api-key and the client anthropic-version, nothing else', async () => {
    const { upstream, adapter } = await setup((_req, res) => json(res, 200, MESSAGE));
    const result = await adapter.send(request());
    const received = upstream.requests[0]!;
    expect(received.url).toBe('/v1/messages');
    expect(new Set(received.headerNames)).toEqual(
      new Set([
        'host',
        'connection',
        'content-length',
        'x-api-key',
        'anthropic-version',
        'content-type',
        'accept',
        'user-agent',
      ]),
    );
    expect(received.headers['x-api-key']).toBe(KEY);
    expect(received.headers['anthropic-version']).toBe('2026-10-21');
    expect(received.headers.authorization).toBeUndefined();
    expect(result).toMatchObject({
      kind: 'json',
      body: MESSAGE,
      usage: { inputTokens: 12, outputTokens: 3, cachedInputTokens: 100, cacheWriteTokens: 0 },
    });
  });

  it('defaults anthropic-version to 2023-06-01 and sends anthropic-beta only when set', async () => {
    const { upstream, adapter } = await setup((_req, res) => json(res, 200, MESSAGE));
    await adapter.send(request({ anthropicVersion: undefined, anthropicBeta: 'prompt-caching-2024-07-31' }));
    expect(upstream.requests[0]!.headers['anthropic-version']).toBe('2023-06-01');
    expect(upstream.requests[0]!.headers['anthropic-beta']).toBe('prompt-caching-2024-07-31');
  });

  it('counts tokens on /v1/messages/count_tokens without usage', async () => {
    const { upstream, adapter } = await setup((_req, res) =>
      json(res, 200, { input_tokens: 42, extra: 'dropped' }),
    );
    const result = await adapter.send(request({ operation: 'anthropic.count_tokens', stream: true }));
    expect(upstream.requests[0]!.url).toBe('/v1/messages/count_tokens');
    expect(upstream.requests[0]!.headers.accept).toBe('application/json');
    expect(result).toMatchObject({ kind: 'json', body: { input_tokens: 42 }, usage: undefined });
  });

  it('refuses a count_tokens answer without input_tokens', async () => {
    const { adapter } = await setup((_req, res) => json(res, 200, { tokens: 1 }));
    expect((await rejection(adapter.send(request({ operation: 'anthropic.count_tokens' })))).code).toBe(
      'upstream_error',
    );
  });

  it('maps 401 and 529 without keeping the body', async () => {
    let status = 401;
    const { adapter } = await setup((_req, res) =>
      json(
        res,
        status,
        { type: 'error', error: { type: 'authentication_error', message: SECRET } },
        { 'request-id': 'req_a', 'retry-after': '3' },
      ),
    );
    const rejected = await rejection(adapter.send(request()));
    expect(rejected.code).toBe('upstream_credentials_rejected');
    expect(rejected.detail).toBe('upstream status 401 request_id req_a');
    status = 529;
    const overloaded = await rejection(adapter.send(request()));
    expect(overloaded.code).toBe('upstream_overloaded');
    expect(overloaded.retryAfterSeconds).toBe(3);
    for (const error of [rejected, overloaded]) {
      expect(JSON.stringify([error.message, error.detail, String(error.stack), error])).not.toContain(SECRET);
    }
  });

  it('forwards every event verbatim with its name, text and tool-input deltas, and cumulative usage', async () => {
    const { upstream, adapter } = await setup((_req, res) => {
      sseHead(res);
      for (const event of STREAM) res.write(event);
      res.end();
    });
    const { items, error } = await collect(
      await streamOf(adapter, request({ stream: true, body: { stream: true } })),
    );
    expect(error).toBeUndefined();
    expect(upstream.requests[0]!.headers.accept).toBe('text/event-stream');
    expect(items.map((e) => `event: ${e.event}\ndata: ${e.data}\n\n`)).toEqual(STREAM);
    // Thinking deltas are model output too: output guards see them.
    expect(items.map((e) => e.textDelta).join('')).toBe('Helhmmlo{"q":');
    expect(items[0]?.usage).toEqual({
      inputTokens: 12,
      outputTokens: 1,
      cachedInputTokens: 0,
      cacheWriteTokens: 7,
    });
    const usages = items.filter((e) => e.usage !== undefined).map((e) => e.usage?.outputTokens);
    expect(usages).toEqual([1, 10, 15]);
    expect(items.at(-2)?.usage).toEqual({
      inputTokens: 12,
      outputTokens: 15,
      cachedInputTokens: 0,
      cacheWriteTokens: 7,
    });
  });

  it.each([
    ['overloaded_error', 'upstream_overloaded'],
    ['api_error', 'stream_interrupted'],
  ] as const)('turns event: error %s into %s', async (type, code) => {
    const { adapter } = await setup((_req, res) => {
      sseHead(res);
      res.write(STREAM[0]!);
      res.end(sse('error', { type: 'error', error: { type, message: SECRET } }));
    });
    const { items, error } = await collect(await streamOf(adapter, request({ stream: true })));
    expect(items).toHaveLength(1);
    expect((error as GatewayError).code).toBe(code);
    expect(JSON.stringify([(error as GatewayError).detail, error])).not.toContain(SECRET);
  });

  it('throws stream_interrupted when the stream ends without message_stop', async () => {
    const { adapter } = await setup((_req, res) => {
      sseHead(res);
      for (const event of STREAM.slice(0, -1)) res.write(event);
      res.end();
    });
    const { items, error } = await collect(await streamOf(adapter, request({ stream: true })));
    expect(items).toHaveLength(STREAM.length - 1);
    expect((error as GatewayError).code).toBe('stream_interrupted');
  });

  it('cancels the upstream request on abort', async () => {
    const { upstream, adapter } = await setup((_req, res) => {
      sseHead(res);
      res.write(STREAM[0]!);
    });
    const controller = new AbortController();
    const iterator = (await streamOf(adapter, request({ stream: true, signal: controller.signal })))[
      Symbol.asyncIterator
    ]();
    expect((await iterator.next()).value?.event).toBe('message_start');
    const pending = iterator.next();
    controller.abort();
    expect((await rejection(pending)).code).toBe('stream_interrupted');
    await upstream.socketClosed(0);
  });
});
