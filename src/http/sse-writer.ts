import type { ServerResponse } from 'node:http';
import { GatewayError, isGatewayError } from '../core/errors.js';
import type { StreamEvent, WireFormat } from '../core/types.js';
import { errorBody, requestIdHeaders } from './render.js';

const encodeEvent = (event: StreamEvent): string =>
  event.event === undefined ? `data: ${event.data}\n\n` : `event: ${event.event}\ndata: ${event.data}\n\n`;

/** An in-stream error in the client's wire format (PROTOCOL-NOTES 0.11): never a fake normal end. */
const encodeError = (wire: WireFormat, error: GatewayError, requestId: string): string =>
  wire === 'openai'
    ? `data: ${errorBody(wire, error, requestId)}\n\n`
    : `event: error\ndata: ${errorBody(wire, error, requestId)}\n\n`;

export interface StreamWriteResult {
  /** The error that ended the stream early, if any. */
  readonly error: GatewayError | undefined;
}

/**
 * Writes events as they arrive, honouring backpressure. The status line is sent with the first
 * event, so a failure before any output can still be answered by the caller as a plain HTTP error.
 * Returns `false` from `start` when the stream failed before producing anything.
 */
export async function pumpFirstEvent(
  iterator: AsyncIterator<StreamEvent>,
): Promise<{ first: IteratorResult<StreamEvent> } | { error: GatewayError }> {
  try {
    return { first: await iterator.next() };
  } catch (error) {
    return {
      error: isGatewayError(error) ? error : new GatewayError('stream_interrupted', { source: 'http' }),
    };
  }
}

export async function writeStream(
  res: ServerResponse,
  wire: WireFormat,
  requestId: string,
  iterator: AsyncIterator<StreamEvent>,
  first: IteratorResult<StreamEvent>,
  extraHeaders: Readonly<Record<string, string>> = {},
): Promise<void> {
  res.writeHead(200, {
    ...extraHeaders,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    ...requestIdHeaders(requestId),
  });
  let step = first;
  const write = coalescingWriter(res);
  try {
    while (!step.done) {
      if (res.destroyed) {
        await iterator.return?.();
        return;
      }
      if (!write(encodeEvent(step.value))) await drained(res);
      step = await iterator.next();
    }
  } catch (error) {
    const failure = isGatewayError(error)
      ? error
      : new GatewayError('stream_interrupted', { source: 'http' });
    if (!res.destroyed) res.write(encodeError(wire, failure, requestId));
  }
  res.end();
}

/**
 * Events that arrive together (one upstream TCP read often holds many) leave in one socket write:
 * the response is corked on the first write of a turn and uncorked on the next turn of the event
 * loop. Backpressure still applies: the caller waits for 'drain' when write() says so.
 */
function coalescingWriter(res: ServerResponse): (chunk: string) => boolean {
  let corked = false;
  const uncork = (): void => {
    corked = false;
    res.uncork();
  };
  return (chunk) => {
    if (!corked) {
      corked = true;
      res.cork();
      setImmediate(uncork);
    }
    return res.write(chunk);
  };
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
