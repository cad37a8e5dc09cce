/** Reads SSE events from an upstream body, mapping transport failures and cleaning up on early exit. */
import type { Readable } from 'node:stream';
import { decodeSse, type SseEvent } from './sse.js';
import { toGatewayError } from './transport-errors.js';

/**
 * Yields the SSE events of `body`. A transport failure mid-stream becomes a GatewayError
 * (stream_interrupted, or upstream_timeout when the body timeout fired). When the consumer stops
 * early (client abort, guard denial, terminal event), the upstream body is destroyed, which closes
 * the upstream request so the provider stops generating.
 */
export async function* readUpstreamSse(
  body: Readable,
  signal: AbortSignal | undefined,
  options: { maxEventLength?: number } = {},
): AsyncGenerator<SseEvent, void, undefined> {
  let finished = false;
  try {
    const events = decodeSse(body as AsyncIterable<Uint8Array>, options);
    while (true) {
      let next: IteratorResult<SseEvent, void>;
      try {
        next = await events.next();
      } catch (error) {
        throw toGatewayError(error, signal, 'stream');
      }
      if (next.done === true) break;
      yield next.value;
    }
    finished = true;
  } finally {
    if (!finished) body.destroy();
  }
}
