import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeProvider, type FakeProvider } from '../../../src/fake/index.js';

let fake: FakeProvider;

beforeAll(async () => {
  fake = await startFakeProvider({ replyText: 'One two three.' });
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

const openaiStream = (extra: Record<string, unknown> = {}): Promise<Response> =>
  fetch(`${fake.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: 'Bearer sk-any', 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
      ...extra,
    }),
  });

const anthropicStream = (extra: Record<string, unknown> = {}): Promise<Response> =>
  fetch(`${fake.url}/v1/messages`, {
    method: 'POST',
    headers: {
      'x-api-key': 'sk-ant-any',
      'anthropic-version': '2023-06-01',
      'content-type': 'application/json',
    },
    body: JSON.stringify({
      model: 'claude-sonnet-5',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
      ...extra,
    }),
  });

/** Reads the body until the server ends or cuts it; returns the text and whether the read failed. */
async function drain(response: Response): Promise<{ text: string; failed: boolean }> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { text, failed: false };
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    return { text, failed: true };
  }
}

const frames = (text: string): string[] => text.split('\n\n').filter((frame) => frame !== '');

describe('raw SSE framing', () => {
  it('OpenAI: data-only frames, a blank line after each, [DONE] last', async () => {
    const response = await openaiStream({ stream_options: { include_usage: true } });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const { text, failed } = await drain(response);
    expect(failed).toBe(false);
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    const all = frames(text);
    for (const frame of all) expect(frame).toMatch(/^data: [^\n]+$/);
    const chunks = all.slice(0, -1).map((frame) => JSON.parse(frame.slice(6)) as Record<string, unknown>);
    expect(chunks.every((chunk) => chunk.object === 'chat.completion.chunk' && !('error' in chunk))).toBe(
      true,
    );
    // role chunk, 4 token deltas, finish chunk, usage chunk
    expect(chunks).toHaveLength(7);
  });

  it('Anthropic: every event has an event line matching its data type, one ping, no [DONE]', async () => {
    const response = await anthropicStream();
    const { text, failed } = await drain(response);
    expect(failed).toBe(false);
    const all = frames(text);
    const types = all.map((frame) => {
      const match = /^event: (\w+)\ndata: (.+)$/.exec(frame);
      expect(match).not.toBeNull();
      const data = JSON.parse(match![2]!) as { type: string };
      expect(data.type).toBe(match![1]);
      return data.type;
    });
    expect(types).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(text).not.toContain('[DONE]');
  });

  it('cut: exactly N events, then the connection breaks without a terminator', async () => {
    fake.enqueue({ kind: 'cut', afterEvents: 2 });
    const openai = await drain(await openaiStream());
    expect(openai.failed).toBe(true);
    expect(frames(openai.text)).toHaveLength(2);
    expect(openai.text).not.toContain('[DONE]');

    fake.enqueue({ kind: 'cut', afterEvents: 3 });
    const anthropic = await drain(await anthropicStream());
    expect(anthropic.failed).toBe(true);
    expect(frames(anthropic.text)).toHaveLength(3);
    expect(anthropic.text).not.toContain('message_stop');
  });

  it('midstream_error: the provider error event after N events, stream ends cleanly', async () => {
    fake.enqueue({ kind: 'midstream_error', afterEvents: 1 });
    const openai = await drain(await openaiStream());
    const openaiFrames = frames(openai.text);
    expect(openaiFrames).toHaveLength(2);
    expect(JSON.parse(openaiFrames[1]!.slice(6))).toMatchObject({
      error: { type: 'server_error', param: null },
    });

    fake.enqueue({ kind: 'midstream_error', afterEvents: 1 });
    const anthropic = await drain(await anthropicStream());
    const last = frames(anthropic.text).pop();
    expect(last).toBe(
      'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}',
    );
  });

  it('tool_use stream carries input_json_delta fragments', async () => {
    const response = await anthropicStream({
      tools: [{ name: 'noop', input_schema: { type: 'object' } }],
      tool_choice: { type: 'any' },
    });
    const { text } = await drain(response);
    const partials = frames(text)
      .filter((frame) => frame.startsWith('event: content_block_delta'))
      .map(
        (frame) =>
          (JSON.parse(frame.split('\ndata: ')[1]!) as { delta: { partial_json: string } }).delta.partial_json,
      );
    expect(partials).toEqual(['{', '}']);
    expect(text).toContain('"stop_reason":"tool_use"');
  });
});

describe('options', () => {
  it('spaces stream events by streamChunkDelayMs and delays by latencyMs', async () => {
    const slow = await startFakeProvider({ replyText: 'a b', latencyMs: 60, streamChunkDelayMs: 30 });
    try {
      const started = Date.now();
      const response = await fetch(`${slow.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: 'Bearer k' },
        body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }], stream: true }),
      });
      const { text } = await drain(response);
      // latency + 3 gaps between the 4 events + 1 before [DONE]
      expect(Date.now() - started).toBeGreaterThanOrEqual(60 + 4 * 30 - 10);
      expect(frames(text)).toHaveLength(5);
    } finally {
      await slow.close();
    }
  });

  it('does not record when record is false, and checks keys when given', async () => {
    const quiet = await startFakeProvider({ record: false, keys: ['right'] });
    try {
      const call = (key: string): Promise<Response> =>
        fetch(`${quiet.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
      expect((await call('right')).status).toBe(200);
      expect((await call('wrong')).status).toBe(401);
      expect(quiet.received).toHaveLength(0);
    } finally {
      await quiet.close();
    }
  });

  it('serves Anthropic-shaped models when anthropic-version is sent', async () => {
    const response = await fetch(`${fake.url}/v1/models`, {
      headers: { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
    });
    const body = (await response.json()) as { data: { type: string }[]; has_more: boolean };
    expect(body.has_more).toBe(false);
    expect(body.data[0]?.type).toBe('model');
  });
});
