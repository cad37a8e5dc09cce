/**
 * Turns an OpenAI chat SSE body into StreamEvents. Each event's data text is forwarded verbatim
 * (never re-serialised); `[DONE]` is forwarded last. A stream that ends without `[DONE]`, sends an
 * `error` chunk or malformed JSON is an interruption, never a quiet completion.
 */
import type { Readable } from 'node:stream';
import { GatewayError } from '../../core/errors.js';
import type { StreamEvent, Usage } from '../../core/types.js';
import { parseStreamJson, safeErrorType } from '../shared/exchange.js';
import { readUpstreamSse } from '../shared/upstream-stream.js';
import { openAIUsage } from '../shared/usage.js';
import { chunkCloses, chunkParts } from './output-codec.js';

const SOURCE = 'provider:openai';
const DONE = '[DONE]';

const streamError = (error: unknown): GatewayError => {
  const type = safeErrorType(error);
  const overloaded = type.includes('overloaded');
  return new GatewayError(overloaded ? 'upstream_overloaded' : 'stream_interrupted', {
    detail: `upstream stream error ${type}`,
    source: SOURCE,
  });
};

/**
 * @param clientWantsUsage whether the client set `stream_options.include_usage`; if not, the usage
 *   chunk Bastion requested for itself is not forwarded and its usage rides on the `[DONE]` event.
 */
export async function* openAIStreamEvents(
  body: Readable,
  signal: AbortSignal | undefined,
  clientWantsUsage: boolean,
): AsyncGenerator<StreamEvent, void, undefined> {
  /** Usage from a chunk we did not forward; reported on `[DONE]` instead. */
  let heldUsage: Usage | undefined;
  let done = false;
  for await (const sse of readUpstreamSse(body, signal)) {
    // After [DONE] only the end of the body may follow. Reading to that end (instead of destroying
    // the body) keeps the upstream keep-alive connection; anything else ends it.
    if (done) return;
    if (sse.data.length === 0) continue; // e.g. a stray `event:` line without data; the SDK skips it too
    if (sse.data === DONE) {
      yield { event: undefined, data: DONE, textDelta: '', usage: heldUsage, closes: 'all' };
      done = true;
      continue;
    }
    const chunk = parseStreamJson(sse.data, SOURCE);
    if (chunk.error !== undefined && chunk.error !== null && chunk.error !== false)
      throw streamError(chunk.error);
    const usage = chunk.usage === null || chunk.usage === undefined ? undefined : openAIUsage(chunk.usage);
    const usageOnly = usage !== undefined && Array.isArray(chunk.choices) && chunk.choices.length === 0;
    if (usageOnly && !clientWantsUsage) {
      heldUsage = usage;
      continue;
    }
    // Parts cover content and refusal deltas and tool-call argument fragments, so output guards
    // (leak scans, moderation, sanitizers) also see what the model passes to tools.
    const parts = chunkParts(chunk);
    const textDelta = parts.length === 1 ? (parts[0]?.text ?? '') : parts.map((part) => part.text).join('');
    yield { event: undefined, data: sse.data, textDelta, usage, parts, closes: chunkCloses(chunk) };
  }
  if (done) return;
  throw new GatewayError('stream_interrupted', { detail: 'stream ended without [DONE]', source: SOURCE });
}
