/**
 * Turns an Anthropic messages SSE body into StreamEvents, forwarding each event's name and data
 * verbatim. Usage starts from `message_start.message.usage` and is updated by the cumulative
 * `message_delta.usage`. `event: error` and a stream that ends before `message_stop` are interruptions.
 */
import type { Readable } from 'node:stream';
import { GatewayError } from '../../core/errors.js';
import type { StreamEvent, Usage } from '../../core/types.js';
import { parseStreamJson, safeErrorType } from '../shared/exchange.js';
import { readUpstreamSse } from '../shared/upstream-stream.js';
import { anthropicUsage, mergeAnthropicUsage } from '../shared/usage.js';
import { eventCloses, eventParts } from './output-codec.js';

const SOURCE = 'provider:anthropic';

const record = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;

export async function* anthropicStreamEvents(
  body: Readable,
  signal: AbortSignal | undefined,
): AsyncGenerator<StreamEvent, void, undefined> {
  let usage: Usage | undefined;
  let stopped = false;
  for await (const sse of readUpstreamSse(body, signal)) {
    // After message_stop only the end of the body may follow. Reading to that end (instead of
    // destroying the body) keeps the upstream keep-alive connection; anything else ends it.
    if (stopped) return;
    if (sse.data.length === 0 && sse.event !== 'error') continue;
    const payload = parseStreamJson(sse.data, SOURCE);
    // The SDK drops events without an `event:` line (§0.3); name them after their `type` if needed.
    const name = sse.event ?? (typeof payload.type === 'string' ? payload.type : undefined);
    if (name === 'error' || payload.type === 'error') {
      const type = safeErrorType(payload.error);
      throw new GatewayError(type === 'overloaded_error' ? 'upstream_overloaded' : 'stream_interrupted', {
        detail: `upstream stream error ${type}`,
        source: SOURCE,
      });
    }
    let eventUsage: Usage | undefined;
    if (name === 'message_start') {
      usage = anthropicUsage(record(payload.message)?.usage) ?? usage;
      eventUsage = usage;
    } else if (name === 'message_delta') {
      usage = mergeAnthropicUsage(usage, payload.usage);
      eventUsage = usage;
    }
    // Parts cover visible text, thinking and tool-input JSON, so output guards see all model output.
    const parts =
      name === 'content_block_delta' || name === 'content_block_start' ? eventParts(payload) : undefined;
    const textDelta =
      parts === undefined || parts.length === 0 ? '' : parts.map((part) => part.text).join('');
    yield {
      event: name,
      data: sse.data,
      textDelta,
      usage: eventUsage,
      parts,
      closes: eventCloses(name, payload),
    };
    if (name === 'message_stop') stopped = true;
  }
  if (stopped) return;
  throw new GatewayError('stream_interrupted', {
    detail: 'stream ended without message_stop',
    source: SOURCE,
  });
}
