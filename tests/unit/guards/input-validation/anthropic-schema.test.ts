import { describe, expect, it } from 'vitest';
import type { AnthropicVersion, JsonObject, Operation } from '../../../../src/core/types.js';
import { createInputValidationGuard } from '../../../../src/guards/input-validation/index.js';
import { app, claude, ctxFor } from './helpers.js';

const guard = createInputValidationGuard({ maxJsonDepth: 64 });
const roomy = app({ maxInputTokens: 100_000, maxMessages: 50, maxTools: 20 });

const check = async (
  body: JsonObject,
  version: AnthropicVersion = '2023-06-01',
  op: Operation = 'anthropic.messages',
) => {
  const decision = await guard.check(ctxFor(op, body, { app: roomy, version }));
  return decision.action === 'allow' ? 'allow' : { code: decision.error.code, param: decision.error.param };
};

const RICH: JsonObject = {
  model: 'claude-sonnet-4-5',
  max_tokens: 512,
  system: [{ type: 'text', text: 'You are terse.', cache_control: { type: 'ephemeral', ttl: '1h' } }],
  messages: [
    {
      role: 'user',
      content: [
        { type: 'text', text: 'Look', cache_control: { type: 'ephemeral' } },
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
        { type: 'image', source: { type: 'url', url: 'https://example.com/a.jpg' } },
        {
          type: 'document',
          source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' },
          title: 'Doc',
        },
        {
          type: 'document',
          source: { type: 'text', media_type: 'text/plain', data: 'plain' },
          citations: { enabled: true },
        },
        {
          type: 'search_result',
          source: 'https://example.com',
          title: 'Result',
          content: [{ type: 'text', text: 'snippet' }],
        },
      ],
    },
    {
      role: 'assistant',
      content: [
        { type: 'thinking', thinking: 'hmm', signature: 'sig==' },
        { type: 'redacted_thinking', data: 'opaque' },
        { type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: { city: 'Paris' } },
        { type: 'server_tool_use', id: 'srvtoolu_01', name: 'web_search', input: { query: 'x' } },
        { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_01', content: [] },
      ],
    },
    {
      role: 'user',
      content: [
        {
          type: 'tool_result',
          tool_use_id: 'toolu_01',
          content: [{ type: 'text', text: '18C' }],
          is_error: false,
        },
        { type: 'tool_result', tool_use_id: 'toolu_02', content: 'plain result' },
      ],
    },
  ],
  tools: [
    {
      name: 'get_weather',
      description: 'Weather',
      input_schema: { type: 'object', properties: {} },
      cache_control: { type: 'ephemeral' },
    },
    { type: 'web_search_20260209', name: 'web_search', max_uses: 3, allowed_domains: ['example.com'] },
    { type: 'bash_20250124', name: 'bash' },
  ],
  tool_choice: { type: 'auto', disable_parallel_tool_use: true },
  thinking: { type: 'enabled', budget_tokens: 1024 },
  metadata: { user_id: 'opaque-1' },
  stop_sequences: ['\n\nHuman:'],
  stream: true,
  service_tier: 'auto',
  output_config: { effort: 'high', format: { type: 'json_schema', schema: { type: 'object' } } },
  cache_control: { type: 'ephemeral' },
};

describe('Anthropic messages schema', () => {
  it('accepts a rich 2023-06-01 body with sampling fields', async () => {
    expect(await check({ ...RICH, temperature: 0.5, top_p: 0.9, top_k: 40 })).toBe('allow');
  });

  it('2026-10-21 refuses temperature/top_p/top_k and accepts system turns', async () => {
    expect(await check(RICH, '2026-10-21')).toBe('allow');
    for (const field of ['temperature', 'top_p', 'top_k']) {
      expect(await check(claude({ [field]: 1 }), '2026-10-21')).toEqual({
        code: 'invalid_request',
        param: field,
      });
    }
    const systemTurn = claude({
      messages: [
        { role: 'system', content: 'rules' },
        { role: 'user', content: 'hi' },
      ],
    });
    expect(await check(systemTurn, '2026-10-21')).toBe('allow');
    expect(await check(systemTurn, '2023-06-01')).toEqual({
      code: 'invalid_request',
      param: 'messages[0].role',
    });
  });

  it('refuses features that fetch URLs or reuse state on our account', async () => {
    expect(
      await check(claude({ mcp_servers: [{ type: 'url', url: 'https://evil.test', name: 'x' }] })),
    ).toEqual({
      code: 'unsupported_field',
      param: 'mcp_servers',
    });
    expect(await check(claude({ container: 'container_123' }))).toEqual({
      code: 'unsupported_field',
      param: 'container',
    });
    expect(await check(claude({ tools: [{ type: 'web_fetch_20250910', name: 'web_fetch' }] }))).toEqual({
      code: 'unsupported_field',
      param: 'tools[0].type',
    });
    expect(await check(claude({ tools: [{ type: 'mcp_toolset', mcp_server_name: 'x' }] }))).toEqual({
      code: 'unsupported_field',
      param: 'tools[0].type',
    });
    const replay = claude({
      messages: [
        {
          role: 'assistant',
          content: [{ type: 'mcp_tool_use', id: 'x', name: 'y', server_name: 'z', input: {} }],
        },
      ],
    });
    expect(await check(replay)).toEqual({ code: 'unsupported_field', param: 'messages[0].content[0].type' });
    expect(await check(claude({ base_url: 'https://evil.test' }))).toEqual({
      code: 'unsupported_field',
      param: 'base_url',
    });
    expect(await check(claude({ inference_geo: 'us' }))).toEqual({
      code: 'unsupported_field',
      param: 'inference_geo',
    });
  });

  it('refuses unknown fields inside blocks and tools, with paths', async () => {
    const block = claude({
      messages: [{ role: 'user', content: [{ type: 'text', text: 'x', evil: true }] }],
    });
    expect(await check(block)).toEqual({ code: 'unsupported_field', param: 'messages[0].content[0].evil' });
    const customTool = claude({ tools: [{ name: 't', input_schema: { type: 'object' }, api_base: 'x' }] });
    expect(await check(customTool)).toEqual({ code: 'unsupported_field', param: 'tools[0].api_base' });
    const serverTool = claude({ tools: [{ type: 'bash_20250124', name: 'bash', shell: '/bin/zsh' }] });
    expect(await check(serverTool)).toEqual({ code: 'unsupported_field', param: 'tools[0].shell' });
  });

  it('refuses wrong values with invalid_request', async () => {
    expect(await check(claude({ temperature: 1.5 }))).toEqual({
      code: 'invalid_request',
      param: 'temperature',
    });
    expect(await check(claude({ thinking: { type: 'enabled', budget_tokens: 10 } }))).toEqual({
      code: 'invalid_request',
      param: 'thinking.budget_tokens',
    });
    expect(await check(claude({ metadata: { user_id: 'x'.repeat(300) } }))).toEqual({
      code: 'invalid_request',
      param: 'metadata.user_id',
    });
    const badImage = claude({
      messages: [
        {
          role: 'user',
          content: [{ type: 'image', source: { type: 'base64', media_type: 'image/bmp', data: 'x' } }],
        },
      ],
    });
    expect(await check(badImage)).toEqual({
      code: 'invalid_request',
      param: 'messages[0].content[0].source.media_type',
    });
    expect(await check(claude({ tools: [{ type: 'teleport_20990101', name: 'x' }] }))).toMatchObject({
      code: 'invalid_request',
    });
    expect(await check(claude({ model: 'claude sonnet' }))).toEqual({
      code: 'invalid_request',
      param: 'model',
    });
  });
});

describe('Anthropic count_tokens schema', () => {
  const body = {
    model: 'claude-sonnet-4-5',
    messages: [{ role: 'user', content: 'hi' }],
    system: 'x',
    tools: [],
  };
  it('accepts the documented fields and refuses generation-only ones', async () => {
    expect(await check(body, '2023-06-01', 'anthropic.count_tokens')).toBe('allow');
    expect(await check({ ...body, stream: true }, '2023-06-01', 'anthropic.count_tokens')).toEqual({
      code: 'unsupported_field',
      param: 'stream',
    });
    expect(await check({ ...body, mcp_servers: [] }, '2023-06-01', 'anthropic.count_tokens')).toEqual({
      code: 'unsupported_field',
      param: 'mcp_servers',
    });
  });
});
