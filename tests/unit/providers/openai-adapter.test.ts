import { afterEach, describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/core/errors.js';
import type { JsonObject, StreamEvent } from '../../../src/core/types.js';
import { createOpenAIAdapter } from '../../../src/providers/openai/adapter.js';
import { createUpstreamClient } from '../../../src/providers/shared/http-client.js';
import type { ProviderAdapter, UpstreamRequest } from '../../../src/providers/types.js';
import { collect, json, sseHead, startServer, type Handler, type TestServer } from './test-server.js';

const SECRET = 'sk-proj-abcdef123456';
const KEY = 'sk-upstream-key-for-tests';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

const setup = async (
  handler: Handler,
  extraAllowed: string[] = [],
  bodyTimeoutMs = 2000,
): Promise<{ upstream: TestServer; adapter: ProviderAdapter }> => {
  const upstream = await startServer(handler);
  const client = createUpstreamClient({
    allowedOrigins: [upstream.origin, ...extraAllowed],
    connectTimeoutMs: 2000,
    headersTimeoutMs: 2000,
    bodyTimeoutMs,
  });
  const adapter = createOpenAIAdapter({ baseUrl: `${upstream.origin}/v1`, client });
  cleanups.push(
    () => upstream.close(),
    () => adapter.close(),
  );
  return { upstream, adapter };
};

const request = (overrides: Partial<UpstreamRequest> = {}): UpstreamRequest => ({
  requestId: 'req_1',
  operation: 'openai.chat',
  body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
  stream: false,
  anthropicVersion: undefined,
  anthropicBeta: undefined,
  credential: { id: 'openai-primary', value: KEY },
  signal: new AbortController().signal,
  ...overrides,
});

const streamRequest = (body: JsonObject = {}, signal?: AbortSignal): UpstreamRequest =>
  request({
    stream: true,
    body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true, ...body },
    ...(signal ? { signal } : {}),
  });

const chunk = (delta: JsonObject, extra: JsonObject = {}): string =>
  JSON.stringify({
    id: 'c1',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'm',
    choices: [{ index: 0, delta, finish_reason: null }],
    usage: null,
    ...extra,
  });
const USAGE_CHUNK = JSON.stringify({
  id: 'c1',
  object: 'chat.completion.chunk',
  choices: [],
  usage: {
    prompt_tokens: 10,
    completion_tokens: 2,
    total_tokens: 12,
    prompt_tokens_details: { cached_tokens: 4 },
  },
});
const COMPLETION = {
  id: 'chatcmpl-1',
  object: 'chat.completion',
  choices: [
    { index: 0, message: { role: 'assistant', content: 'hello', refusal: null }, finish_reason: 'stop' },
  ],
  usage: { prompt_tokens: 9, completion_tokens: 1, total_tokens: 10 },
};

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

const expectNoLeak = (error: GatewayError): void => {
  const fields = [
    error.message,
    error.detail,
    error.param,
    error.source,
    String(error.stack),
    JSON.stringify(error),
  ];
  for (const field of fields) expect(String(field)).not.toContain(SECRET);
};

describe('OpenAI adapter, non-streaming', () => {
  it('sends only the allowlisted headers, the right auth and the body once serialised', async () => {
    const { upstream, adapter } = await setup((_req, res) => json(res, 200, COMPLETION));
    const req = request();
    const result = await adapter.send(req);
    const received = upstream.requests[0]!;
    expect(received.method).toBe('POST');
    expect(received.url).toBe('/v1/chat/completions');
    expect(new Set(received.headerNames)).toEqual(
      new Set([
        'host',
        'connection',
        'content-length',
        'authorization',
        'content-type',
        'accept',
        'user-agent',
      ]),
    );
    expect(received.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(received.headers.accept).toBe('application/json');
    expect(received.headers['user-agent']).toBe('bastion/0.1');
    expect(received.body).toBe(JSON.stringify(req.body));
    expect(result).toMatchObject({ kind: 'json', body: COMPLETION });
    if (result.kind !== 'json') throw new Error('unreachable');
    expect(result.usage).toEqual({
      inputTokens: 9,
      outputTokens: 1,
      cachedInputTokens: 0,
      cacheWriteTokens: 0,
    });
    expect(result.upstreamMs).toBeGreaterThanOrEqual(0);
  });

  it('refuses a 200 that is not JSON', async () => {
    const { adapter } = await setup((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<html>${SECRET}</html>`);
    });
    const error = await rejection(adapter.send(request()));
    expect(error.code).toBe('upstream_error');
    expectNoLeak(error);
  });

  it.each([
    [400, 'upstream_bad_request', undefined],
    [401, 'upstream_credentials_rejected', undefined],
    [403, 'upstream_credentials_rejected', undefined],
    [429, 'upstream_rate_limited', 7],
    [500, 'upstream_error', undefined],
    [503, 'upstream_overloaded', 7],
    [504, 'upstream_timeout', undefined],
  ] as const)('maps status %i to %s without keeping the body', async (status, code, retryAfter) => {
    const { adapter } = await setup((_req, res) =>
      json(
        res,
        status,
        {
          error: {
            message: `Incorrect API key provided: ${SECRET}`,
            type: 'invalid_request_error',
            code: 'x',
          },
        },
        { 'retry-after': '7', 'x-request-id': 'req_up_1' },
      ),
    );
    const error = await rejection(adapter.send(request()));
    expect(error.code).toBe(code);
    expect(error.retryAfterSeconds).toBe(retryAfter);
    expect(error.detail).toBe(`upstream status ${status} request_id req_up_1`);
    expectNoLeak(error);
  });

  it('treats a redirect as upstream_error and never contacts the target', async () => {
    const target = await startServer((_req, res) => json(res, 200, COMPLETION));
    cleanups.push(() => target.close());
    const { adapter } = await setup(
      (_req, res) => {
        res.writeHead(302, { location: `${target.origin}/v1/chat/completions` });
        res.end();
      },
      [target.origin],
    );
    const error = await rejection(adapter.send(request()));
    expect(error.code).toBe('upstream_error');
    expect(target.connections()).toBe(0);
    expect(target.requests).toHaveLength(0);
  });
});

describe('OpenAI adapter, streaming', () => {
  const goodStream: Handler = (_req, res) => {
    sseHead(res);
    res.write(`data: ${chunk({ role: 'assistant', content: '' })}\n\n`);
    res.write(`data: ${chunk({ content: 'Hel' })}\n\n`);
    res.write(`data: ${chunk({ content: 'lo' })}\n\n`);
    res.write(`data: ${chunk({}, { choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`);
    res.write(`data: ${USAGE_CHUNK}\n\n`);
    res.end('data: [DONE]\n\n');
  };

  it('always asks upstream for usage, hides the usage chunk from a client that did not ask, and reports it on [DONE]', async () => {
    const { upstream, adapter } = await setup(goodStream);
    const { items, error } = await collect(await streamOf(adapter, streamRequest()));
    expect(error).toBeUndefined();
    const sent = JSON.parse(upstream.requests[0]!.body) as JsonObject;
    expect(sent.stream_options).toEqual({ include_usage: true });
    expect(upstream.requests[0]!.headers.accept).toBe('text/event-stream');
    expect(items.map((e) => e.data)).not.toContain(USAGE_CHUNK);
    expect(items.map((e) => e.textDelta).join('')).toBe('Hello');
    const last = items.at(-1)!;
    expect(last.data).toBe('[DONE]');
    expect(last.usage).toEqual({
      inputTokens: 6,
      outputTokens: 2,
      cachedInputTokens: 4,
      cacheWriteTokens: 0,
    });
    expect(items.every((e) => e.event === undefined)).toBe(true);
  });

  it('forwards the usage chunk verbatim when the client asked for it', async () => {
    const { upstream, adapter } = await setup(goodStream);
    const { items } = await collect(
      await streamOf(adapter, streamRequest({ stream_options: { include_usage: true } })),
    );
    expect(JSON.parse(upstream.requests[0]!.body)).toMatchObject({ stream_options: { include_usage: true } });
    const usageEvent = items.find((e) => e.data === USAGE_CHUNK);
    expect(usageEvent?.usage).toEqual({
      inputTokens: 6,
      outputTokens: 2,
      cachedInputTokens: 4,
      cacheWriteTokens: 0,
    });
    expect(items.at(-1)).toEqual({
      event: undefined,
      data: '[DONE]',
      textDelta: '',
      usage: undefined,
      closes: 'all',
    });
  });

  it('forwards data text verbatim, including odd spacing, and collects refusal and tool arguments as text', async () => {
    const odd =
      '{"id":"c1",  "object":"chat.completion.chunk","choices":[{"index":0,"delta":{"refusal":"no "}}]}';
    const tool = chunk({
      tool_calls: [
        { index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } },
      ],
    });
    const { adapter } = await setup((_req, res) => {
      sseHead(res);
      res.write(`: keep-alive\r\ndata: ${odd}\r\n\r\n`);
      res.write(`data: ${tool}\n\n`);
      res.end('data: [DONE]\n\n');
    });
    const { items, error } = await collect(await streamOf(adapter, streamRequest()));
    expect(error).toBeUndefined();
    expect(items[0]).toMatchObject({ event: undefined, data: odd, textDelta: 'no ', usage: undefined });
    expect(items[0]?.parts).toEqual([
      { channel: { id: 'c0.refusal', kind: 'text', field: 'refusal' }, text: 'no ' },
    ]);
    expect(items[1]?.textDelta).toBe('{"a":1}');
    expect(items[1]?.parts?.[0]?.channel).toEqual({ id: 'c0.tool0', kind: 'tool_input', field: 'arguments' });
  });

  it.each([
    [
      'ends without [DONE]',
      (res: Parameters<Handler>[1]) => res.end(`data: ${chunk({ content: 'x' })}\n\n`),
      'stream_interrupted',
    ],
    [
      'is cut mid-event',
      (res: Parameters<Handler>[1]) => {
        res.write(`data: ${chunk({ content: 'x' })}\n\ndata: {"id":`);
        setTimeout(() => res.socket?.destroy(), 20);
      },
      'stream_interrupted',
    ],
    [
      'sends malformed JSON',
      (res: Parameters<Handler>[1]) => res.end('data: {not json}\n\ndata: [DONE]\n\n'),
      'stream_interrupted',
    ],
    [
      'sends an error chunk',
      (res: Parameters<Handler>[1]) =>
        res.end(`data: {"error":{"message":"${SECRET}","type":"server_error"}}\n\n`),
      'stream_interrupted',
    ],
    [
      'sends an overloaded error chunk',
      (res: Parameters<Handler>[1]) =>
        res.end('data: {"error":{"message":"busy","type":"overloaded_error"}}\n\n'),
      'upstream_overloaded',
    ],
  ] as const)('throws when the stream %s', async (_name, write, code) => {
    const { adapter } = await setup((_req, res) => {
      sseHead(res);
      write(res);
    });
    const { error } = await collect(await streamOf(adapter, streamRequest()));
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).code).toBe(code);
    expectNoLeak(error as GatewayError);
  });

  it('refuses a stream response that is not text/event-stream', async () => {
    const { adapter } = await setup((_req, res) => json(res, 200, COMPLETION));
    expect((await rejection(adapter.send(streamRequest()))).code).toBe('upstream_error');
  });

  it('cancels the upstream request when the client aborts mid-stream', async () => {
    const { upstream, adapter } = await setup((_req, res) => {
      sseHead(res);
      res.write(`data: ${chunk({ content: 'first' })}\n\n`);
      // ...and then never finishes.
    });
    const controller = new AbortController();
    const events = await streamOf(adapter, streamRequest({}, controller.signal));
    const iterator = events[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.value?.textDelta).toBe('first');
    const pendingNext = iterator.next();
    controller.abort();
    const error = await rejection(pendingNext);
    expect(error.code).toBe('stream_interrupted');
    await upstream.socketClosed(0);
  });

  it('closes the upstream socket when the consumer stops early', async () => {
    const { upstream, adapter } = await setup((_req, res) => {
      sseHead(res);
      res.write(`data: ${chunk({ content: 'first' })}\n\n`);
    });
    for await (const event of await streamOf(adapter, streamRequest())) {
      expect(event.textDelta).toBe('first');
      break;
    }
    await upstream.socketClosed(0);
  });

  it('maps a stalled stream to upstream_timeout', async () => {
    const { adapter } = await setup(
      (_req, res) => {
        sseHead(res);
        res.write(`data: ${chunk({ content: 'first' })}\n\n`);
      },
      [],
      150,
    );
    const { items, error } = await collect(await streamOf(adapter, streamRequest()));
    expect(items).toHaveLength(1);
    expect((error as GatewayError).code).toBe('upstream_timeout');
  });
});
