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

const SOURCE = 'provider:openai';
const DONE = '[DONE]';

const appendString = (parts: string[], value: unknown): void => {
  if (typeof value === 'string' && value.length > 0) parts.push(value);
};

/**
 * Model-produced text in a chunk: content and refusal deltas, plus tool-call argument fragments so
 * output guards (leak scan, moderation) also see what the model passes to tools.
 */
export const chunkText = (chunk: Record<string, unknown>): string => {
  const choices = chunk.choices;
  if (!Array.isArray(choices)) return '';
  const parts: string[] = [];
  for (const choice of choices as unknown[]) {
    const delta = (choice as { delta?: unknown } | null)?.delta as Record<string, unknown> | null | undefined;
    if (typeof delta !== 'object' || delta === null) continue;
    appendString(parts, delta.content);
    appendString(parts, delta.refusal);
    if (Array.isArray(delta.tool_calls)) {
      for (const call of delta.tool_calls as unknown[]) {
        const fn = (call as { function?: { arguments?: unknown } } | null)?.function;
        appendString(parts, fn?.arguments);
        const custom = (call as { custom?: { input?: unknown } } | null)?.custom;
        appendString(parts, custom?.input);
      }
    }
  }
  return parts.join('');
};

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
      yield { event: undefined, data: DONE, textDelta: '', usage: heldUsage };
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
    yield { event: undefined, data: sse.data, textDelta: chunkText(chunk), usage };
  }
  if (done) return;
  throw new GatewayError('stream_interrupted', { detail: 'stream ended without [DONE]', source: SOURCE });
}
