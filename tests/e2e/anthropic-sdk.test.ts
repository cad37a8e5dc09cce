import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestGateway } from '../helpers/gateway.js';
import type { TestGateway } from '../helpers/gateway.js';

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(() => gw.close());
beforeEach(() => gw.fake.reset());

const MODEL = 'claude-haiku-4-5';
const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'Say hello' }];

/** SDK 1.x default: Bearer auth + anthropic-version 2026-10-21. */
const modern = (): Anthropic => new Anthropic({ baseURL: gw.url, apiKey: gw.key, maxRetries: 0 });
/** Older clients / curl users: x-api-key + 2023-06-01. */
const legacy = (): Anthropic =>
  new Anthropic({
    baseURL: gw.url,
    authToken: null,
    apiKey: null,
    maxRetries: 0,
    defaultHeaders: { 'x-api-key': gw.key, 'anthropic-version': '2023-06-01' },
  });

describe('Anthropic SDK through Bastion', () => {
  it.each([
    ['2026-10-21 + Bearer', modern],
    ['2023-06-01 + x-api-key', legacy],
  ])('non-streaming messages (%s)', async (_label, make) => {
    const { data, response } = await make()
      .messages.create({ model: MODEL, max_tokens: 100, messages })
      .withResponse();
    expect(data.type).toBe('message');
    expect(data.content[0]?.type).toBe('text');
    expect(data.usage.output_tokens).toBeGreaterThan(0);
    expect(response.headers.get('request-id')).toMatch(/^req_/);
    expect(response.headers.get('anthropic-organization-id')).toBeNull();
    const forwarded = gw.fake.received.at(-1);
    expect(forwarded?.headers['x-api-key']).toBeDefined();
    expect(forwarded?.headers.authorization).toBeUndefined();
  });

  it('passes the client API version through', async () => {
    await legacy().messages.create({ model: MODEL, max_tokens: 50, messages });
    expect(gw.fake.received.at(-1)?.headers['anthropic-version']).toBe('2023-06-01');
    await modern().messages.create({ model: MODEL, max_tokens: 50, messages });
    expect(gw.fake.received.at(-1)?.headers['anthropic-version']).toBe('2026-10-21');
  });

  it('streaming with the stream helper; usage is cumulative', async () => {
    const stream = modern().messages.stream({ model: MODEL, max_tokens: 200, messages });
    const deltas: string[] = [];
    stream.on('text', (text) => deltas.push(text));
    const final = await stream.finalMessage();
    expect(deltas.length).toBeGreaterThan(1);
    expect(final.content[0]?.type === 'text' && final.content[0].text).toBe(deltas.join(''));
    expect(final.usage.output_tokens).toBeGreaterThan(1);
  });

  const tools: Anthropic.Tool[] = [
    {
      name: 'get_weather',
      description: 'Weather for a city',
      input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  ];

  it('tool use, non-streaming and streaming', async () => {
    gw.fake.enqueue({ kind: 'tool_call', name: 'get_weather', arguments: { city: 'Paris' } });
    const message = await modern().messages.create({ model: MODEL, max_tokens: 100, messages, tools });
    const block = message.content.find((b) => b.type === 'tool_use');
    expect(block?.type === 'tool_use' && block.input).toEqual({ city: 'Paris' });

    gw.fake.enqueue({ kind: 'tool_call', name: 'get_weather', arguments: { city: 'Oslo' } });
    const final = await modern()
      .messages.stream({ model: MODEL, max_tokens: 100, messages, tools })
      .finalMessage();
    const streamed = final.content.find((b) => b.type === 'tool_use');
    expect(streamed?.type === 'tool_use' && streamed.input).toEqual({ city: 'Oslo' });
    expect(final.stop_reason).toBe('tool_use');
  });

  it('count_tokens goes through the pipeline', async () => {
    const counted = await modern().messages.countTokens({ model: MODEL, messages });
    expect(counted.input_tokens).toBeGreaterThan(0);
  });

  it("Bastion's 401 surfaces as AuthenticationError", async () => {
    const bad = new Anthropic({ baseURL: gw.url, apiKey: 'bst_000000000000_nope', maxRetries: 0 });
    await expect(bad.messages.create({ model: MODEL, max_tokens: 10, messages })).rejects.toBeInstanceOf(
      Anthropic.AuthenticationError,
    );
    expect(gw.fake.received).toHaveLength(0);
  });

  it('an upstream 529 surfaces as an overloaded APIError without the provider body', async () => {
    gw.fake.enqueue({ kind: 'status', status: 529 });
    const error = await modern()
      .messages.create({ model: MODEL, max_tokens: 10, messages })
      .catch((e) => e);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect(error.status).toBe(503);
    expect(error.error?.error?.type).toBe('overloaded_error');
  });

  it('a mid-stream provider error ends the stream with an error event', async () => {
    gw.fake.enqueue({ kind: 'midstream_error', afterEvents: 3 });
    await expect(
      modern().messages.stream({ model: MODEL, max_tokens: 100, messages }).finalMessage(),
    ).rejects.toThrow();
  });
});
