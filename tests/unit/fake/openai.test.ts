import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeProvider, type FakeProvider } from '../../../src/fake/index.js';

const KEY = 'sk-proj-abcdefghijklmnop1234';
let fake: FakeProvider;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeProvider({ keys: [KEY], replyText: 'Hello there, this is the fake.' });
  client = new OpenAI({ apiKey: KEY, baseURL: `${fake.url}/v1`, maxRetries: 0 });
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

const user = (content: string): OpenAI.ChatCompletionMessageParam[] => [{ role: 'user', content }];
const weatherTool: OpenAI.ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

describe('fake provider: OpenAI chat completions', () => {
  it('answers a non-stream request with the full completion shape', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'gpt-4o', messages: user('Hi there') })
      .withResponse();
    const choice = data.choices[0];
    expect(choice?.message).toMatchObject({
      role: 'assistant',
      content: 'Hello there, this is the fake.',
      refusal: null,
    });
    expect(choice?.finish_reason).toBe('stop');
    expect(choice?.logprobs).toBeNull();
    expect(data.usage).toMatchObject({ prompt_tokens: 2, completion_tokens: 8, total_tokens: 10 });
    expect(data.usage?.prompt_tokens_details?.cached_tokens).toBe(0);
    expect(response.headers.get('openai-organization')).toBe('org-fake123');
    expect(response.headers.get('x-request-id')).toMatch(/^req_/);
    expect(response.headers.get('set-cookie')).toContain('__cf_bm=fake');
    expect(fake.received[0]).toMatchObject({
      method: 'POST',
      path: '/v1/chat/completions',
      body: { model: 'gpt-4o' },
    });
    expect(fake.received[0]?.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('streams through the SDK helper with the same usage as non-stream', async () => {
    const completion = await client.chat.completions
      .stream({ model: 'gpt-4o', messages: user('Hi there'), stream_options: { include_usage: true } })
      .finalChatCompletion();
    expect(completion.choices[0]?.message.content).toBe('Hello there, this is the fake.');
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage).toMatchObject({ prompt_tokens: 2, completion_tokens: 8, total_tokens: 10 });
  });

  it('sends the include_usage chunk last with choices: [] and usage null before it', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: user('Hi'),
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    const last = chunks[chunks.length - 1];
    expect(last?.choices).toEqual([]);
    expect(last?.usage?.completion_tokens).toBe(8);
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
  });

  it('omits the usage chunk without include_usage', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: user('Hi'),
      stream: true,
    });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.every((chunk) => chunk.choices.length === 1)).toBe(true);
  });

  it('truncates to max_completion_tokens with finish_reason length', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: user('Hi'),
      max_completion_tokens: 3,
    });
    expect(completion.choices[0]?.message.content).toBe('Hello there,');
    expect(completion.choices[0]?.finish_reason).toBe('length');
    expect(completion.usage?.completion_tokens).toBe(3);
    const streamed = await client.chat.completions
      .stream({ model: 'gpt-4o', messages: user('Hi'), max_tokens: 3 })
      .finalChatCompletion();
    expect(streamed.choices[0]?.finish_reason).toBe('length');
    expect(streamed.choices[0]?.message.content).toBe('Hello there,');
  });

  it('honours n, streamed and not', async () => {
    const completion = await client.chat.completions.create({ model: 'gpt-4o', messages: user('Hi'), n: 3 });
    expect(completion.choices.map((choice) => choice.index)).toEqual([0, 1, 2]);
    expect(completion.usage?.completion_tokens).toBe(24);
    const streamed = await client.chat.completions
      .stream({ model: 'gpt-4o', messages: user('Hi'), n: 2 })
      .finalChatCompletion();
    expect(streamed.choices.map((choice) => choice.message.content)).toEqual([
      'Hello there, this is the fake.',
      'Hello there, this is the fake.',
    ]);
  });

  it('produces a tool call forced by tool_choice, with a correlatable id, streamed and not', async () => {
    const params: OpenAI.ChatCompletionCreateParamsNonStreaming = {
      model: 'gpt-4o',
      messages: user('Weather?'),
      tools: [weatherTool],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
    };
    const completion = await client.chat.completions.create(params);
    const call = completion.choices[0]?.message.tool_calls?.[0];
    expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
    expect(completion.choices[0]?.message.content).toBeNull();
    expect(call).toMatchObject({
      type: 'function',
      function: { name: 'get_weather', arguments: '{"city":"fake"}' },
    });
    expect(call?.id).toMatch(/^call_/);

    const streamed = await client.chat.completions.stream({ ...params, stream: true }).finalChatCompletion();
    const streamedCall = streamed.choices[0]?.message.tool_calls?.[0];
    expect(streamedCall?.id).toMatch(/^call_/);
    expect(streamedCall).toMatchObject({ function: { name: 'get_weather', arguments: '{"city":"fake"}' } });
    expect(streamed.choices[0]?.finish_reason).toBe('tool_calls');
  });

  it('streams tool-call arguments as at least two fragments, id/type/name only on the first', async () => {
    fake.enqueue({ kind: 'tool_call', name: 'lookup', arguments: { q: 'x' } });
    const stream = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: user('Find'),
      tools: [weatherTool],
      stream: true,
    });
    const deltas: OpenAI.ChatCompletionChunk.Choice.Delta.ToolCall[] = [];
    for await (const chunk of stream) deltas.push(...(chunk.choices[0]?.delta.tool_calls ?? []));
    expect(deltas[0]).toMatchObject({ index: 0, type: 'function', function: { name: 'lookup' } });
    expect(deltas[0]?.id).toMatch(/^call_/);
    const fragments = deltas.map((delta) => delta.function?.arguments ?? '').filter((text) => text !== '');
    expect(fragments.length).toBeGreaterThanOrEqual(2);
    expect(fragments.join('')).toBe('{"q":"x"}');
    expect(deltas.slice(1).every((delta) => delta.id === undefined)).toBe(true);
  });

  it('replies with a scripted text and echoes the system prompt', async () => {
    fake.enqueue({ kind: 'reply', text: 'Scripted.' }, { kind: 'echo_system' });
    const first = await client.chat.completions.create({ model: 'gpt-4o', messages: user('Hi') });
    expect(first.choices[0]?.message.content).toBe('Scripted.');
    const second = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [
        { role: 'system', content: 'SECRET SYSTEM PROMPT' },
        { role: 'user', content: 'repeat' },
      ],
    });
    expect(second.choices[0]?.message.content).toBe('SECRET SYSTEM PROMPT');
  });
});

describe('fake provider: OpenAI errors', () => {
  it('rejects a wrong key with 401 echoing the masked key', async () => {
    const wrong = new OpenAI({
      apiKey: 'sk-proj-WRONGWRONGWRONGabcd',
      baseURL: `${fake.url}/v1`,
      maxRetries: 0,
    });
    const error = await wrong.models.list().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((error as InstanceType<typeof OpenAI.AuthenticationError>).message).toContain('sk-proj-****abcd');
    expect((error as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe('invalid_api_key');
  });

  it('rejects a missing key with 401', async () => {
    const response = await fetch(`${fake.url}/v1/chat/completions`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({
      error: { type: 'invalid_request_error', param: null, code: null },
    });
  });

  it.each([
    [429, OpenAI.RateLimitError],
    [500, OpenAI.InternalServerError],
    [503, OpenAI.InternalServerError],
    [400, OpenAI.BadRequestError],
    [404, OpenAI.NotFoundError],
  ])('surfaces a scripted %i as the SDK error class', async (status, errorClass) => {
    fake.enqueue({ kind: 'status', status });
    const error = await client.chat.completions
      .create({ model: 'gpt-4o', messages: user('Hi') })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(errorClass);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(status);
  });

  it('names the organisation and sends retry-after on 429', async () => {
    fake.enqueue({ kind: 'status', status: 429, retryAfter: 7 });
    const error = (await client.chat.completions
      .create({ model: 'gpt-4o', messages: user('Hi') })
      .catch((caught: unknown) => caught)) as InstanceType<typeof OpenAI.RateLimitError>;
    expect(error.message).toContain('org-fake123');
    expect(error.headers?.get('retry-after')).toBe('7');
    expect(error.code).toBe('rate_limit_exceeded');
  });

  it('takes a scenario from a prompt directive', async () => {
    const error = await client.chat.completions
      .create({ model: 'gpt-4o', messages: user('please fail [[fake:status=500]]') })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    const tool = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: user('[[fake:tool=get_weather]]'),
      tools: [weatherTool],
    });
    expect(tool.choices[0]?.message.tool_calls?.[0]).toMatchObject({
      function: { arguments: '{"city":"fake"}' },
    });
  });

  it('makes the SDK throw on a cut stream', async () => {
    fake.enqueue({ kind: 'cut', afterEvents: 3 });
    const run = client.chat.completions
      .stream({ model: 'gpt-4o', messages: user('Hi') })
      .finalChatCompletion();
    await expect(run).rejects.toThrow();
  });

  it('makes the SDK throw on a mid-stream error event', async () => {
    fake.enqueue({ kind: 'midstream_error', afterEvents: 2 });
    const stream = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: user('Hi'),
      stream: true,
    });
    const seen: string[] = [];
    const run = (async () => {
      for await (const chunk of stream) seen.push(chunk.choices[0]?.delta.content ?? '');
    })();
    await expect(run).rejects.toBeInstanceOf(OpenAI.APIError);
    expect(seen).toHaveLength(2);
  });

  it('drops the connection on a non-stream cut', async () => {
    fake.enqueue({ kind: 'cut', afterEvents: 0 });
    const error = await client.chat.completions
      .create({ model: 'gpt-4o', messages: user('Hi') })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.APIConnectionError);
  });

  it('stalls until the client aborts, without hanging', async () => {
    fake.enqueue({ kind: 'stall' });
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 100);
    const error = await client.chat.completions
      .create({ model: 'gpt-4o', messages: user('Hi') }, { signal: controller.signal })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.APIUserAbortError);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('fake provider: OpenAI moderations and models', () => {
  it('returns the 13 categories and flags "kill" or [[fake:flag]]', async () => {
    const result = await client.moderations.create({
      model: 'omni-moderation-latest',
      input: ['a nice day', 'I will kill the process', 'ok [[fake:flag]]'],
    });
    expect(result.results.map((entry) => entry.flagged)).toEqual([false, true, true]);
    const first = result.results[0];
    expect(Object.keys(first?.categories ?? {}).sort()).toEqual(
      [
        'harassment',
        'harassment/threatening',
        'hate',
        'hate/threatening',
        'illicit',
        'illicit/violent',
        'self-harm',
        'self-harm/intent',
        'self-harm/instructions',
        'sexual',
        'sexual/minors',
        'violence',
        'violence/graphic',
      ].sort(),
    );
    expect(Object.keys(first?.category_scores ?? {})).toHaveLength(13);
    expect(result.results[1]?.categories.violence).toBe(true);
    const again = await client.moderations.create({ input: 'I will kill the process' });
    expect(again.results[0]?.category_scores).toEqual(result.results[1]?.category_scores);
  });

  it('lists models', async () => {
    const page = await client.models.list();
    expect(page.data.map((model) => model.id)).toContain('gpt-4o');
  });

  it('answers an unknown path with a 404 in OpenAI shape', async () => {
    const response = await fetch(`${fake.url}/v1/nope`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { type: 'invalid_request_error', code: null } });
  });
});
