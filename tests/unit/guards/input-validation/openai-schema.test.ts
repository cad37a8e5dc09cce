import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../../../src/core/types.js';
import { createInputValidationGuard } from '../../../../src/guards/input-validation/index.js';
import { app, chat, ctxFor } from './helpers.js';

const guard = createInputValidationGuard({ maxJsonDepth: 64 });
const roomy = app({ maxInputTokens: 100_000, maxMessages: 50, maxTools: 20, maxChoices: 4 });

const check = async (body: JsonObject) => {
  const decision = await guard.check(ctxFor('openai.chat', body, { app: roomy }));
  return decision.action === 'allow' ? 'allow' : { code: decision.error.code, param: decision.error.param };
};

const RICH: JsonObject = {
  model: 'gpt-4o',
  messages: [
    { role: 'developer', content: 'Be brief.' },
    {
      role: 'system',
      content: [{ type: 'text', text: 'Rules', prompt_cache_breakpoint: { mode: 'explicit' } }],
      name: 'ops',
    },
    {
      role: 'user',
      name: 'alice',
      content: [
        { type: 'text', text: 'What is in these?' },
        { type: 'image_url', image_url: { url: 'https://example.com/cat.png', detail: 'low' } },
        { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
        { type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } },
        { type: 'file', file: { file_id: 'file-abc123' } },
        { type: 'file', file: { file_data: 'JVBERi0=', filename: 'a.pdf' } },
      ],
    },
    {
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
        { id: 'call_2', type: 'custom', custom: { name: 'sql', input: 'select 1' } },
      ],
    },
    { role: 'tool', tool_call_id: 'call_1', content: [{ type: 'text', text: '18C' }] },
    {
      role: 'assistant',
      content: [{ type: 'refusal', refusal: 'no' }],
      refusal: 'no',
      audio: { id: 'audio_1' },
    },
    { role: 'function', name: 'legacy_fn', content: 'ok' },
  ],
  tools: [
    {
      type: 'function',
      function: {
        name: 'get_weather',
        description: 'Weather',
        parameters: { type: 'object', properties: { city: { type: 'string' } } },
        strict: true,
      },
    },
    {
      type: 'custom',
      custom: {
        name: 'sql',
        format: { type: 'grammar', grammar: { definition: 'start: "x"', syntax: 'lark' } },
      },
    },
  ],
  tool_choice: {
    type: 'allowed_tools',
    allowed_tools: { mode: 'auto', tools: [{ type: 'function', function: { name: 'get_weather' } }] },
  },
  parallel_tool_calls: false,
  response_format: {
    type: 'json_schema',
    json_schema: { name: 'answer', schema: { type: 'object' }, strict: true },
  },
  stream: true,
  stream_options: { include_usage: true, include_obfuscation: false },
  logprobs: true,
  top_logprobs: 5,
  stop: ['END', 'STOP'],
  temperature: 0.7,
  top_p: 0.9,
  frequency_penalty: -1,
  presence_penalty: 2,
  logit_bias: { '50256': -100 },
  seed: 42,
  user: 'u1',
  safety_identifier: 'hash-of-user',
  prompt_cache_key: 'k1',
  prompt_cache_options: { ttl: '30m', mode: 'explicit' },
  metadata: { team: 'search' },
  store: false,
  reasoning_effort: 'low',
  verbosity: 'medium',
  service_tier: 'auto',
  modalities: ['text', 'audio'],
  audio: { voice: 'alloy', format: 'mp3' },
  prediction: { type: 'content', content: 'draft' },
  n: 2,
  max_completion_tokens: 100,
};

describe('OpenAI chat schema', () => {
  it('accepts a rich body with every documented field family', async () => {
    expect(await check(RICH)).toBe('allow');
  });

  it('accepts the deprecated functions / function_call and string tool_choice forms', async () => {
    expect(
      await check(
        chat({ functions: [{ name: 'f', parameters: { type: 'object' } }], function_call: { name: 'f' } }),
      ),
    ).toBe('allow');
    expect(
      await check(chat({ tool_choice: 'required', tools: [{ type: 'function', function: { name: 'f' } }] })),
    ).toBe('allow');
    expect(await check(chat({ tool_choice: { type: 'function', function: { name: 'f' } } }))).toBe('allow');
    expect(await check(chat({ response_format: { type: 'json_object' }, stop: 'x', max_tokens: 5 }))).toBe(
      'allow',
    );
  });

  it('refuses unknown fields with their path, including steering keys', async () => {
    expect(await check(chat({ base_url: 'https://evil.test' }))).toEqual({
      code: 'unsupported_field',
      param: 'base_url',
    });
    expect(await check(chat({ api_key: 'sk-x' }))).toEqual({ code: 'unsupported_field', param: 'api_key' });
    expect(await check(chat({ host: 'evil.test' }))).toEqual({ code: 'unsupported_field', param: 'host' });
    expect(await check(chat({ frobnicate: 1 }))).toEqual({ code: 'unsupported_field', param: 'frobnicate' });
    const nested = chat({ messages: [{ role: 'user', content: [{ type: 'text', text: 'x', extra: 1 }] }] });
    expect(await check(nested)).toEqual({ code: 'unsupported_field', param: 'messages[0].content[0].extra' });
    const inTool = chat({ tools: [{ type: 'function', function: { name: 'f', endpoint: 'x' } }] });
    expect(await check(inTool)).toEqual({ code: 'unsupported_field', param: 'tools[0].function.endpoint' });
  });

  it('refuses wrong types and values with invalid_request and a param', async () => {
    expect(await check(chat({ temperature: 2.5 }))).toEqual({
      code: 'invalid_request',
      param: 'temperature',
    });
    expect(await check(chat({ top_logprobs: 21, logprobs: true }))).toEqual({
      code: 'invalid_request',
      param: 'top_logprobs',
    });
    expect(await check(chat({ top_logprobs: 2 }))).toEqual({
      code: 'invalid_request',
      param: 'top_logprobs',
    });
    expect(await check(chat({ stream_options: { include_usage: true } }))).toEqual({
      code: 'invalid_request',
      param: 'stream_options',
    });
    expect(await check(chat({ stop: ['a', 'b', 'c', 'd', 'e'] }))).toEqual({
      code: 'invalid_request',
      param: 'stop',
    });
    expect(await check(chat({ messages: [{ role: 'robot', content: 'x' }] }))).toEqual({
      code: 'invalid_request',
      param: 'messages[0].role',
    });
    expect(await check(chat({ messages: [{ role: 'user', content: 42 }] }))).toEqual({
      code: 'invalid_request',
      param: 'messages[0].content',
    });
    expect(await check(chat({ messages: [{ role: 'tool', content: 'x' }] }))).toEqual({
      code: 'invalid_request',
      param: 'messages[0].tool_call_id',
    });
    expect(await check(chat({ messages: [] }))).toEqual({ code: 'invalid_request', param: 'messages' });
    expect(await check(chat({ tools: [{ type: 'function', function: { name: 'bad name!' } }] }))).toEqual({
      code: 'invalid_request',
      param: 'tools[0].function.name',
    });
    const tooMany = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v']));
    expect(await check(chat({ metadata: tooMany }))).toEqual({ code: 'invalid_request', param: 'metadata' });
    expect(await check(chat({ safety_identifier: 'x'.repeat(65) }))).toEqual({
      code: 'invalid_request',
      param: 'safety_identifier',
    });
    expect(
      await check(
        chat({
          messages: [
            { role: 'user', content: [{ type: 'image_url', image_url: { url: 'file:///etc/passwd' } }] },
          ],
        }),
      ),
    ).toEqual({
      code: 'invalid_request',
      param: 'messages[0].content[0].image_url.url',
    });
    expect(await check(chat({ n: 0 }))).toEqual({ code: 'invalid_request', param: 'n' });
    expect(await check(chat({ max_completion_tokens: -1 }))).toEqual({
      code: 'invalid_request',
      param: 'max_completion_tokens',
    });
  });
});
