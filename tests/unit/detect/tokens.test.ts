import { randomBytes } from 'node:crypto';
import o200k from 'gpt-tokenizer/encoding/o200k_base';
import cl100k from 'gpt-tokenizer/encoding/cl100k_base';
import { describe, expect, it } from 'vitest';
import {
  CLAUDE_IMAGE_TOKENS,
  countOpenAIChatInputTokens,
  countTokens,
  estimateAnthropicInputTokens,
  MAX_TOKEN_BYTES,
  minTokensForUtf8Bytes,
  OPENAI_IMAGE_TOKENS_HIGH,
  OPENAI_IMAGE_TOKENS_LOW,
  openAIEncodingFor,
} from '../../../src/detect/tokens.js';

const ENGLISH =
  'The gateway counts tokens before every call so that limits hold. It reserves the worst case, then ' +
  'settles the real usage reported by the provider once the response has been streamed back to the client. ';
const CODE = 'export const add = (a: number, b: number): number => {\n  return a + b; // sum\n};\n';
const CJK = '网关在每次调用之前统计令牌数量，以确保限制始终有效。然后根据提供商报告的实际用量进行结算。';

describe('text token counts (o200k_base / cl100k_base)', () => {
  it('matches known values', () => {
    expect(countTokens('hello world')).toBe(2);
    expect(countTokens('hello world', 'cl100k_base')).toBe(2);
    expect(countTokens('')).toBe(0);
    expect(countTokens(ENGLISH)).toBe(o200k.countTokens(ENGLISH));
  });

  it('counts special-token strings as text instead of throwing', () => {
    expect(countTokens('<|endoftext|>')).toBeGreaterThan(1);
    expect(countTokens('<|im_start|>system', 'cl100k_base')).toBeGreaterThan(2);
  });

  it('picks the encoding by model family', () => {
    for (const model of [
      'gpt-4o',
      'gpt-4o-mini',
      'gpt-4.1',
      'gpt-5',
      'o1',
      'o3-mini',
      'o4-mini',
      'chatgpt-4o-latest',
    ]) {
      expect(openAIEncodingFor(model)).toBe('o200k_base');
    }
    for (const model of ['gpt-4', 'gpt-4-turbo', 'gpt-4-0613', 'gpt-3.5-turbo']) {
      expect(openAIEncodingFor(model)).toBe('cl100k_base');
    }
    expect(openAIEncodingFor('some-future-model')).toBe('o200k_base');
  });

  it('MAX_TOKEN_BYTES is the longest token of both vocabularies (the lower bound holds)', () => {
    for (const enc of [o200k, cl100k]) {
      let max = 0;
      for (let id = 0; id < enc.vocabularySize; id++) {
        let text: string;
        try {
          text = enc.decode([id]);
        } catch {
          continue;
        }
        max = Math.max(max, Buffer.byteLength(text, 'utf8'));
      }
      expect(max).toBe(MAX_TOKEN_BYTES);
    }
    expect(minTokensForUtf8Bytes(129)).toBe(2);
  });

  it('counts a 1 KB text in well under 100 µs on average', () => {
    const text = ENGLISH.repeat(8).slice(0, 1024);
    for (let i = 0; i < 200; i++) countTokens(text); // warm up
    const runs = 2000;
    const start = process.hrtime.bigint();
    for (let i = 0; i < runs; i++) countTokens(text);
    const microsPerRun = Number(process.hrtime.bigint() - start) / 1000 / runs;
    expect(microsPerRun).toBeLessThan(100);
  });

  it('bounds CPU on hostile single-chunk inputs (1 MB of one letter / of spaces)', () => {
    // Plain BPE on one 1 MB chunk takes minutes; piece-wise counting takes well under a second.
    const start = performance.now();
    const letters = countTokens('a'.repeat(1 << 20));
    const spaces = countTokens(' '.repeat(1 << 20));
    expect(performance.now() - start).toBeLessThan(2000);
    expect(letters).toBeGreaterThanOrEqual(minTokensForUtf8Bytes(1 << 20));
    expect(spaces).toBeGreaterThanOrEqual(minTokensForUtf8Bytes(1 << 20));
    // Ordinary text is still counted exactly, also across segment boundaries (long texts).
    const long = ENGLISH.repeat(200);
    expect(countTokens(long)).toBe(o200k.countTokens(long));
  });

  it('stops early past a limit and short-circuits by size', () => {
    const body = { messages: [{ role: 'user', content: 'a'.repeat(1 << 20) }] };
    const start = performance.now();
    expect(countOpenAIChatInputTokens(body, 'gpt-4o', 1000)).toBeGreaterThan(1000);
    const huge = { messages: [{ role: 'user', content: 'word '.repeat(200_000) }] };
    expect(countOpenAIChatInputTokens(huge, 'gpt-4o', 100_000)).toBeGreaterThan(100_000);
    expect(performance.now() - start).toBeLessThan(500);
  });
});

describe('countOpenAIChatInputTokens', () => {
  it('adds the cookbook framing: 3 per message + role + content, +1 per name, +3 priming', () => {
    const one = { messages: [{ role: 'user', content: 'hello world' }] };
    expect(countOpenAIChatInputTokens(one, 'gpt-4o')).toBe(3 + 1 + 2 + 3);
    const named = { messages: [{ role: 'user', name: 'alice', content: 'hello world' }] };
    expect(countOpenAIChatInputTokens(named, 'gpt-4o')).toBe(9 + 1 + countTokens('alice'));
  });

  it('counts images by detail, tools as JSON, tool calls and tool results', () => {
    const img = (detail?: string) => ({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image_url', image_url: { url: 'https://x.test/a.png', ...(detail ? { detail } : {}) } },
          ],
        },
      ],
    });
    const base = 3 + 1 + 3;
    expect(countOpenAIChatInputTokens(img('low'), 'gpt-4o')).toBe(base + OPENAI_IMAGE_TOKENS_LOW);
    expect(countOpenAIChatInputTokens(img(), 'gpt-4o')).toBe(base + OPENAI_IMAGE_TOKENS_HIGH);
    const tools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }];
    const withTools = { messages: [{ role: 'user', content: 'hi' }], tools };
    const without = { messages: [{ role: 'user', content: 'hi' }] };
    expect(
      countOpenAIChatInputTokens(withTools, 'gpt-4o') - countOpenAIChatInputTokens(without, 'gpt-4o'),
    ).toBe(countTokens(JSON.stringify(tools)));
    const toolTurn = {
      messages: [
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
        },
        { role: 'tool', tool_call_id: 'c1', content: 'result text' },
      ],
    };
    expect(countOpenAIChatInputTokens(toolTurn, 'gpt-4o')).toBeGreaterThan(
      3 + 6 + countTokens('result text'),
    );
  });
});

describe('estimateAnthropicInputTokens (conservative)', () => {
  const RANDOM = randomBytes(768).toString('base64');
  const samples = { ENGLISH, CODE, CJK, RANDOM };

  it.each(Object.entries(samples))('over-counts %s relative to o200k, within reason', (_name, text) => {
    const est = estimateAnthropicInputTokens({ messages: [{ role: 'user', content: text }] });
    const o200kCount = o200k.countTokens(text);
    // Measured ratios (est / o200k): English ~1.5, code ~1.5, CJK ~1.5-2, random base64 ~1.5.
    expect(est).toBeGreaterThanOrEqual(Math.ceil(o200kCount * 1.5));
    expect(est).toBeLessThan(o200kCount * 3 + 20);
    expect(est).toBeGreaterThanOrEqual(Math.ceil(Buffer.byteLength(text) / 3));
  });

  it('counts images, tools and system prompts', () => {
    const msg = {
      role: 'user',
      content: [{ type: 'image', source: { type: 'url', url: 'https://x.test/a.png' } }],
    };
    const base = estimateAnthropicInputTokens({ messages: [{ role: 'user', content: [] }] });
    expect(estimateAnthropicInputTokens({ messages: [msg] })).toBe(base + CLAUDE_IMAGE_TOKENS);
    const tools = [{ name: 'get_weather', input_schema: { type: 'object' } }];
    expect(estimateAnthropicInputTokens({ messages: [msg], tools })).toBeGreaterThan(
      base + CLAUDE_IMAGE_TOKENS + 500,
    );
    expect(estimateAnthropicInputTokens({ messages: [], system: ENGLISH })).toBeGreaterThan(
      o200k.countTokens(ENGLISH),
    );
  });

  it('stops early past a limit', () => {
    const body = { messages: [{ role: 'user', content: 'b'.repeat(1 << 20) }] };
    const start = performance.now();
    expect(estimateAnthropicInputTokens(body, 10_000)).toBeGreaterThan(10_000);
    expect(performance.now() - start).toBeLessThan(500);
  });
});
