import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/core/errors.js';
import { decodeSse, SseDecoder, type SseEvent } from '../../../src/providers/shared/sse.js';

const decodeAll = (chunks: (Uint8Array | string)[], maxEventLength?: number): SseEvent[] => {
  const decoder = new SseDecoder(maxEventLength === undefined ? {} : { maxEventLength });
  const events: SseEvent[] = [];
  for (const chunk of chunks) events.push(...decoder.push(chunk));
  events.push(...decoder.end());
  return events;
};

/** Every way of cutting `bytes` into two pieces, plus one-byte-at-a-time. */
const everySplit = (bytes: Uint8Array): Uint8Array[][] => {
  const splits: Uint8Array[][] = [];
  for (let i = 0; i <= bytes.length; i++) splits.push([bytes.subarray(0, i), bytes.subarray(i)]);
  splits.push(Array.from(bytes, (_, i) => bytes.subarray(i, i + 1)));
  return splits;
};

const STREAM =
  ': keep-alive comment\r\n' +
  'event: message_start\r\n' +
  'data: {"type":"message_start","text":"héllo 😀 世界"}\r\n' +
  '\r\n' +
  'id: 7\rretry: 100\rdata:no-space\rdata:  two spaces\r\r' +
  'event: ping\n\n' +
  'data\n' +
  'data: x\n\n' +
  'data: last without blank line';

const EXPECTED: SseEvent[] = [
  { event: 'message_start', data: '{"type":"message_start","text":"héllo 😀 世界"}' },
  { event: undefined, data: 'no-space\n two spaces' },
  { event: 'ping', data: '' },
  { event: undefined, data: '\nx' },
  { event: undefined, data: 'last without blank line' },
];

describe('SseDecoder', () => {
  it('decodes the same events whatever the chunk boundaries (every byte split, CRLF and UTF-8 split)', () => {
    const bytes = new TextEncoder().encode(STREAM);
    for (const chunks of everySplit(bytes)) {
      expect(decodeAll(chunks)).toEqual(EXPECTED);
    }
  });

  it('treats a CRLF split across chunks as one line break, not two', () => {
    expect(decodeAll(['data: a\r', '\ndata: b\r', '\n\r', '\n'])).toEqual([
      { event: undefined, data: 'a\nb' },
    ]);
  });

  it('accepts strings as well as bytes', () => {
    expect(decodeAll(['data: [DONE]\n\n'])).toEqual([{ event: undefined, data: '[DONE]' }]);
  });

  it('refuses an event larger than the bound with upstream_error', () => {
    const decoder = new SseDecoder({ maxEventLength: 100 });
    expect(() => decoder.push(`data: ${'a'.repeat(200)}`)).toThrow(GatewayError);
    const lines = new SseDecoder({ maxEventLength: 100 });
    let thrown: unknown;
    try {
      for (let i = 0; i < 50; i++) lines.push('data: 12345\n');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(GatewayError);
    expect((thrown as GatewayError).code).toBe('upstream_error');
  });

  it('resets the bound per event', () => {
    const events = decodeAll(
      Array.from({ length: 50 }, () => 'data: 1234567890\n\n'),
      100,
    );
    expect(events).toHaveLength(50);
  });

  it('decodeSse flushes the last event when the source ends', async () => {
    async function* source(): AsyncGenerator<Uint8Array> {
      yield new TextEncoder().encode('data: one\n\ndata: t');
      yield new TextEncoder().encode('wo');
    }
    const events: SseEvent[] = [];
    for await (const event of decodeSse(source())) events.push(event);
    expect(events.map((e) => e.data)).toEqual(['one', 'two']);
  });
});
