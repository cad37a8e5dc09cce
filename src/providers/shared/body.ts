/** Bounded reading and safe disposal of upstream response bodies. */
import type { Readable } from 'node:stream';
import { GatewayError } from '../../core/errors.js';
import { toGatewayError } from './transport-errors.js';

/** How much of an unwanted body we read to keep the connection reusable, before destroying it instead. */
const DISCARD_LIMIT_BYTES = 64 * 1024;

interface Dumpable {
  dump?(opts?: { limit: number }): Promise<void>;
}

/**
 * Gets rid of a body we will not use (error bodies may echo keys or name the organisation, so they
 * are never kept). Small bodies are drained so the keep-alive socket survives; large ones are cut.
 */
export const discardBody = async (body: Readable): Promise<void> => {
  const dump = (body as Readable & Dumpable).dump;
  try {
    if (typeof dump === 'function') await dump.call(body, { limit: DISCARD_LIMIT_BYTES });
    else body.destroy();
  } catch {
    body.destroy();
  }
};

/** Reads a whole body as UTF-8 text, refusing (upstream_error) one larger than `maxBytes`. */
export const readBodyText = async (
  body: Readable,
  maxBytes: number,
  signal?: AbortSignal,
): Promise<string> => {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer | string>) {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += buffer.length;
      if (size > maxBytes) {
        body.destroy();
        throw new GatewayError('upstream_error', { detail: 'response body too large', source: 'provider' });
      }
      chunks.push(buffer);
    }
  } catch (error) {
    body.destroy();
    throw toGatewayError(error, signal, 'body');
  }
  return Buffer.concat(chunks, size).toString('utf8');
};

/** True for `application/json` and `application/*+json` (what the SDKs parse as JSON). */
export const isJsonContentType = (value: string | string[] | undefined): boolean => {
  const type = (Array.isArray(value) ? value[0] : value)?.split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
};

export const isEventStreamContentType = (value: string | string[] | undefined): boolean =>
  (Array.isArray(value) ? value[0] : value)?.split(';')[0]?.trim().toLowerCase() === 'text/event-stream';
