import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestGateway } from '../helpers/gateway.js';
import type { TestGateway } from '../helpers/gateway.js';

let gw: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  gw = await startTestGateway();
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.key, maxRetries: 0 });
});
afterAll(() => gw.close());
beforeEach(() => gw.fake.reset());

const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Say hello' }];

describe('OpenAI SDK through Bastion', () => {
  it('non-streaming chat: the reply, usage and request id come through', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages })
      .withResponse();
    expect(data.object).toBe('chat.completion');
    expect(data.choices[0]?.message.content).toBeTruthy();
    expect(data.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(response.headers.get('x-request-id')).toMatch(/^req_/);
    // Provider-identifying headers are stripped.
    expect(response.headers.get('openai-organization')).toBeNull();
    expect(response.headers.get('set-cookie')).toBeNull();
    // What reached the provider: Bastion's key, the enforced output cap, nothing from the client.
    const forwarded = gw.fake.received.at(-1);
    expect(forwarded?.headers.authorization).not.toContain(gw.key);
    expect((forwarded?.body as { max_completion_tokens?: number }).max_completion_tokens).toBe(256);
  });

  it('streaming chat with the stream helper, including the usage chunk', async () => {
    const stream = client.chat.completions.stream({
      model: 'gpt-4o-mini',
      messages,
      stream_options: { include_usage: true },
    });
    const chunks: string[] = [];
    stream.on('content', (delta) => chunks.push(delta));
    const final = await stream.finalChatCompletion();
    expect(chunks.length).toBeGreaterThan(1);
    expect(final.choices[0]?.message.content).toBe(chunks.join(''));
    expect(final.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('streaming without include_usage still works (no usage chunk leaks to the client)', async () => {
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true });
    let sawUsage = false;
    let text = '';
    for await (const chunk of stream) {
      if (chunk.usage) sawUsage = true;
      text += chunk.choices[0]?.delta.content ?? '';
    }
    expect(text.length).toBeGreaterThan(0);
    expect(sawUsage).toBe(false);
  });

  const tools: OpenAI.Chat.ChatCompletionTool[] = [
    {
      type: 'function',
      function: {
        name: 'get_weather',
        description: 'Weather for a city',
        parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      },
    },
  ];

  it('tool calls, non-streaming and streaming', async () => {
    gw.fake.enqueue({ kind: 'tool_call', name: 'get_weather', arguments: { city: 'Paris' } });
    const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, tools });
    const call = completion.choices[0]?.message.tool_calls?.[0];
    expect(call?.type).toBe('function');
    expect(call && 'function' in call ? JSON.parse(call.function.arguments) : undefined).toEqual({
      city: 'Paris',
    });

    gw.fake.enqueue({ kind: 'tool_call', name: 'get_weather', arguments: { city: 'Oslo' } });
    const stream = client.chat.completions.stream({ model: 'gpt-4o-mini', messages, tools });
    const final = await stream.finalChatCompletion();
    const streamed = final.choices[0]?.message.tool_calls?.[0];
    expect(streamed?.id).toMatch(/^call_/);
    expect(final.choices[0]?.finish_reason).toBe('tool_calls');
    expect(streamed && 'function' in streamed ? JSON.parse(streamed.function.arguments) : undefined).toEqual({
      city: 'Oslo',
    });
  });

  it("Bastion's 401 surfaces as AuthenticationError and nothing is forwarded", async () => {
    const bad = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'bst_000000000000_nope', maxRetries: 0 });
    await expect(bad.chat.completions.create({ model: 'gpt-4o-mini', messages })).rejects.toBeInstanceOf(
      OpenAI.AuthenticationError,
    );
    expect(gw.fake.received).toHaveLength(0);
  });

  it('an upstream 429 surfaces as RateLimitError without the provider body', async () => {
    gw.fake.enqueue({ kind: 'status', status: 429, retryAfter: 3 });
    const error = await client.chat.completions.create({ model: 'gpt-4o-mini', messages }).catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(JSON.stringify(error.error)).not.toContain('org-fake123');
    expect(error.headers.get('retry-after')).toBe('3');
  });

  it('an upstream 5xx surfaces as an APIError carrying none of the provider body', async () => {
    gw.fake.enqueue({ kind: 'status', status: 500 });
    const error = await client.chat.completions.create({ model: 'gpt-4o-mini', messages }).catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(error.status).toBe(502);
    expect(error.code).toBe('upstream_error');
    expect(JSON.stringify(error.error)).not.toMatch(/org-fake|fake provider|The server had an error/i);
  });

  it('a stream cut mid-way raises an error in the SDK instead of a normal end', async () => {
    gw.fake.enqueue({ kind: 'cut', afterEvents: 3 });
    const stream = client.chat.completions.stream({ model: 'gpt-4o-mini', messages });
    await expect(stream.finalChatCompletion()).rejects.toThrow();
  });

  it('lists only the models the key may use', async () => {
    const restricted = await gw.issueKey({ models: ['gpt-4o'] });
    const scoped = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: restricted, maxRetries: 0 });
    const ids: string[] = [];
    for await (const model of scoped.models.list()) ids.push(model.id);
    expect(ids).toEqual(['gpt-4o']);
  });
});
