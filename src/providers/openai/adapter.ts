/**
 * OpenAI Chat Completions adapter: POST {baseUrl}/chat/completions with only Bastion's own headers.
 * Nothing from the client's request headers is forwarded; the body is the validated object.
 */
import { systemClock, type Clock } from '../../core/clock.js';
import { GatewayError } from '../../core/errors.js';
import type { JsonObject } from '../../core/types.js';
import type { ProviderAdapter, UpstreamRequest, UpstreamResult } from '../types.js';
import {
  DEFAULT_MAX_RESPONSE_BYTES,
  ensureEventStream,
  ensureSuccess,
  parseBaseUrl,
  readJsonObject,
} from '../shared/exchange.js';
import type { UpstreamClient } from '../shared/http-client.js';
import { openAIUsage } from '../shared/usage.js';
import { openAIStreamEvents } from './stream.js';
import { openAIOutputCodec } from './output-codec.js';

export const USER_AGENT = 'bastion/0.1';
const SOURCE = 'provider:openai';
const REQUEST_ID_HEADER = 'x-request-id';

export interface OpenAIAdapterOptions {
  /** e.g. `https://api.openai.com/v1` (the `/v1` belongs to the base URL). */
  readonly baseUrl: string;
  /** Shared upstream client whose allowlist includes the base URL's origin. */
  readonly client: UpstreamClient;
  readonly clock?: Clock;
  readonly maxResponseBytes?: number;
}

const record = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;

/** Whether the client itself asked for the final usage chunk. */
export const clientWantsUsage = (body: JsonObject): boolean =>
  record(body.stream_options)?.include_usage === true;

/** The body sent upstream: streams always ask for usage, since Bastion settles budgets with it. */
export const upstreamChatBody = (body: JsonObject, stream: boolean): JsonObject =>
  stream
    ? { ...body, stream: true, stream_options: { ...record(body.stream_options), include_usage: true } }
    : body;

export const createOpenAIAdapter = (options: OpenAIAdapterOptions): ProviderAdapter => {
  const endpoint = parseBaseUrl(options.baseUrl);
  const path = `${endpoint.pathPrefix}/chat/completions`;
  const clock = options.clock ?? systemClock;
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;

  const send = async (request: UpstreamRequest): Promise<UpstreamResult> => {
    if (request.operation !== 'openai.chat') {
      throw new GatewayError('internal_error', {
        detail: `operation ${request.operation} not served`,
        source: SOURCE,
      });
    }
    const started = clock.monotonic();
    const response = await options.client.request({
      origin: endpoint.origin,
      path,
      method: 'POST',
      headers: {
        authorization: `Bearer ${request.credential.value}`,
        'content-type': 'application/json',
        accept: request.stream ? 'text/event-stream' : 'application/json',
        'user-agent': USER_AGENT,
      },
      body: JSON.stringify(upstreamChatBody(request.body, request.stream)),
      signal: request.signal,
    });
    await ensureSuccess(response, REQUEST_ID_HEADER, SOURCE);

    if (request.stream) {
      await ensureEventStream(response, SOURCE);
      return {
        kind: 'stream',
        upstreamMs: clock.monotonic() - started,
        events: openAIStreamEvents(response.body, request.signal, clientWantsUsage(request.body)),
      };
    }
    const body = await readJsonObject(response, {
      maxBytes: maxResponseBytes,
      signal: request.signal,
      source: SOURCE,
    });
    return { kind: 'json', body, usage: openAIUsage(body.usage), upstreamMs: clock.monotonic() - started };
  };

  return { name: 'openai', output: openAIOutputCodec, send, close: () => options.client.close() };
};
