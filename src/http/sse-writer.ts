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
): Promise<void> {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    ...requestIdHeaders(requestId),
  });
  let step = first;
  try {
    while (!step.done) {
      if (res.destroyed) {
        await iterator.return?.();
        return;
      }
      if (!res.write(encodeEvent(step.value))) await drained(res);
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
