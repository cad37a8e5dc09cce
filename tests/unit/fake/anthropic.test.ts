import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeProvider, type FakeProvider } from '../../../src/fake/index.js';

const KEY = 'sk-ant-api03-fakefakefake-wxyz';
let fake: FakeProvider;
let client: Anthropic;

beforeAll(async () => {
  fake = await startFakeProvider({ keys: [KEY], replyText: 'Hello there, this is the fake.' });
  // Default SDK headers: Authorization Bearer + anthropic-version 2026-10-21.
  client = new Anthropic({ apiKey: KEY, baseURL: fake.url, maxRetries: 0 });
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

/** `extra` is loosely typed: some tests send fields the 2026-10-21 types no longer have (temperature). */
const params = (
  content: string,
  extra: Partial<Anthropic.MessageCreateParamsNonStreaming> | Record<string, unknown> = {},
): Anthropic.MessageCreateParamsNonStreaming => ({
  model: 'claude-sonnet-5',
  max_tokens: 100,
  messages: [{ role: 'user', content }],
  ...extra,
});
const weatherTool: Anthropic.Tool = {
  name: 'get_weather',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

describe('fake provider: Anthropic messages', () => {
  it('serves the SDK defaults (Bearer + 2026-10-21) non-stream', async () => {
    const { data, response } = await client.messages.create(params('Hi there')).withResponse();
    expect(data.content).toEqual([{ type: 'text', text: 'Hello there, this is the fake.', citations: null }]);
    expect(data.stop_reason).toBe('end_turn');
    expect(data.usage).toMatchObject({ input_tokens: 2, output_tokens: 8, cache_read_input_tokens: 0 });
    expect(response.headers.get('request-id')).toMatch(/^req_/);
    expect(response.headers.get('anthropic-organization-id')).toBe('org-fake123');
    expect(response.headers.get('set-cookie')).toContain('__cf_bm=fake');
    const recorded = fake.received[0];
    expect(recorded?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(recorded?.headers['anthropic-version']).toBe('2026-10-21');
  });

  it('streams through MessageStream with the same usage as non-stream', async () => {
    const message = await client.messages.stream(params('Hi there')).finalMessage();
    expect(message.content).toMatchObject([{ type: 'text', text: 'Hello there, this is the fake.' }]);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage).toMatchObject({ input_tokens: 2, output_tokens: 8 });
  });

  it('honours max_tokens with stop_reason max_tokens', async () => {
    const message = await client.messages.create(params('Hi', { max_tokens: 3 }));
    expect(message.content).toMatchObject([{ type: 'text', text: 'Hello there,' }]);
    expect(message.stop_reason).toBe('max_tokens');
    expect(message.usage.output_tokens).toBe(3);
    const streamed = await client.messages.stream(params('Hi', { max_tokens: 3 })).finalMessage();
    expect(streamed.stop_reason).toBe('max_tokens');
    expect(streamed.usage.output_tokens).toBe(3);
  });

  it('produces tool_use for tool_choice tool, streamed (input_json_delta) and not', async () => {
    const request = params('Weather?', {
      tools: [weatherTool],
      tool_choice: { type: 'tool', name: 'get_weather' },
    });
    const message = await client.messages.create(request);
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content[0]).toMatchObject({
      type: 'tool_use',
      name: 'get_weather',
      input: { city: 'fake' },
    });
    const stream = client.messages.stream(
      params('Weather?', { tools: [weatherTool], tool_choice: { type: 'any' } }),
    );
    const fragments: string[] = [];
    stream.on('inputJson', (partial) => fragments.push(partial));
    const streamed = await stream.finalMessage();
    expect(streamed.content[0]).toMatchObject({
      type: 'tool_use',
      name: 'get_weather',
      input: { city: 'fake' },
    });
    expect((streamed.content[0] as Anthropic.ToolUseBlock).id).toMatch(/^toolu_/);
    expect(fragments.length).toBeGreaterThanOrEqual(2);
  });

  it('produces a scripted tool call', async () => {
    fake.enqueue({ kind: 'tool_call', name: 'lookup', arguments: { q: 'x' } });
    const message = await client.messages.stream(params('Find', { tools: [weatherTool] })).finalMessage();
    expect(message.content[0]).toMatchObject({ type: 'tool_use', name: 'lookup', input: { q: 'x' } });
  });

  it('echoes the system prompt, including 2026-10-21 system messages', async () => {
    fake.enqueue({ kind: 'echo_system' });
    const message = await client.messages.create(params('repeat', { system: 'SECRET SYSTEM PROMPT' }));
    expect(message.content).toMatchObject([{ type: 'text', text: 'SECRET SYSTEM PROMPT' }]);
  });

  it('counts tokens the same way messages reports input usage', async () => {
    const body = {
      model: 'claude-sonnet-5',
      system: 'Be brief.',
      messages: [{ role: 'user' as const, content: 'Hi there' }],
    };
    const counted = await client.messages.countTokens(body);
    const message = await client.messages.create({ ...body, max_tokens: 10 });
    expect(counted.input_tokens).toBe(5);
    expect(message.usage.input_tokens).toBe(counted.input_tokens);
  });

  it('rejects temperature under 2026-10-21 but accepts it under 2023-06-01', async () => {
    const error = await client.messages
      .create(params('Hi', { temperature: 0.5 }))
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect((error as Error).message).toContain('temperature: Extra inputs are not permitted');
    const legacy = new Anthropic({
      apiKey: KEY,
      baseURL: fake.url,
      maxRetries: 0,
      defaultHeaders: { 'anthropic-version': '2023-06-01' },
    });
    const message = await legacy.messages.create(params('Hi', { temperature: 0.5 }));
    expect(message.stop_reason).toBe('end_turn');
  });

  it('accepts x-api-key with 2023-06-01 and tolerates ?beta=true', async () => {
    const response = await fetch(`${fake.url}/v1/messages?beta=true`, {
      method: 'POST',
      headers: { 'x-api-key': KEY, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify(params('Hi')),
    });
    expect(response.status).toBe(200);
    expect(fake.received[0]?.path).toBe('/v1/messages?beta=true');
  });

  it('requires anthropic-version and max_tokens', async () => {
    const noVersion = await fetch(`${fake.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': KEY },
      body: JSON.stringify(params('Hi')),
    });
    expect(noVersion.status).toBe(400);
    expect(await noVersion.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    const { max_tokens: _dropped, ...noMax } = params('Hi');
    const error = await client.messages.create(noMax as never).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
  });
});

describe('fake provider: Anthropic errors', () => {
  it('rejects a wrong key with 401 authentication_error', async () => {
    const wrong = new Anthropic({ apiKey: 'sk-ant-wrong', baseURL: fake.url, maxRetries: 0 });
    const error = await wrong.messages.create(params('Hi')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((error as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
      type: 'error',
      error: { type: 'authentication_error' },
    });
  });

  it.each([
    [429, Anthropic.RateLimitError, 'rate_limit_error'],
    [500, Anthropic.InternalServerError, 'api_error'],
    [529, Anthropic.OverloadedError, 'overloaded_error'],
    [503, Anthropic.InternalServerError, 'overloaded_error'],
  ])('surfaces a scripted %i as the SDK error class', async (status, errorClass, type) => {
    fake.enqueue({ kind: 'status', status, retryAfter: 2 });
    const error = (await client.messages
      .create(params('Hi'))
      .catch((caught: unknown) => caught)) as InstanceType<typeof Anthropic.APIError>;
    expect(error).toBeInstanceOf(errorClass);
    expect(error.status).toBe(status);
    expect(error.error).toMatchObject({ error: { type }, request_id: expect.stringMatching(/^req_/) });
    expect(error.headers?.get('retry-after')).toBe('2');
  });

  it('names the organisation on 429', async () => {
    fake.enqueue({ kind: 'status', status: 429 });
    const error = (await client.messages.create(params('Hi')).catch((caught: unknown) => caught)) as Error;
    expect(error.message).toContain('org-fake123');
  });

  it('makes MessageStream throw on a cut stream', async () => {
    fake.enqueue({ kind: 'cut', afterEvents: 4 });
    await expect(client.messages.stream(params('Hi')).finalMessage()).rejects.toThrow();
  });

  it('makes the SDK throw on an in-stream overloaded error', async () => {
    fake.enqueue({ kind: 'midstream_error', afterEvents: 3 });
    const error = await client.messages
      .stream(params('Hi'))
      .finalMessage()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
      error: { type: 'overloaded_error' },
    });
  });

  it('scripts a cut from the prompt', async () => {
    await expect(client.messages.stream(params('Hi [[fake:cut=2]]')).finalMessage()).rejects.toThrow();
  });

  it('stalls until the client aborts, without hanging', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const error = await client.messages
      .create(params('Hi [[fake:stall]]'), { signal: controller.signal })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.APIUserAbortError);
  });

  it('closes while a request is stalled', async () => {
    const own = await startFakeProvider();
    own.enqueue({ kind: 'stall' });
    const sdk = new Anthropic({ apiKey: 'any', baseURL: own.url, maxRetries: 0 });
    const pending = sdk.messages.create(params('Hi')).catch((caught: unknown) => caught);
    while (own.received.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await own.close();
    expect(await pending).toBeInstanceOf(Anthropic.APIConnectionError);
  });

  it('answers an unknown path with a 404 in Anthropic shape', async () => {
    const response = await fetch(`${fake.url}/v1/messages/nope`, {
      method: 'POST',
      headers: { 'x-api-key': KEY, 'anthropic-version': '2023-06-01' },
    });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
  });
});
