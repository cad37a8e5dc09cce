import type { OutputCodec } from '../core/output-codec.js';
import type {
  AnthropicVersion,
  JsonObject,
  Operation,
  ProviderName,
  StreamEvent,
  Usage,
} from '../core/types.js';

/** A provider API key taken from a key ring. `value` never leaves the provider adapter. */
export interface ProviderCredential {
  /** Public id from config (safe to log), e.g. `openai-primary`. */
  readonly id: string;
  readonly value: string;
}

export interface UpstreamRequest {
  readonly requestId: string;
  readonly operation: Operation;
  /** Validated body to forward, serialised once by the adapter. */
  readonly body: JsonObject;
  readonly stream: boolean;
  readonly anthropicVersion: AnthropicVersion | undefined;
  readonly anthropicBeta: string | undefined;
  readonly credential: ProviderCredential;
  readonly signal: AbortSignal;
}

export type UpstreamResult =
  | {
      readonly kind: 'json';
      /** Response body to send to the client, in the client's wire format. */
      readonly body: JsonObject;
      readonly usage: Usage | undefined;
      /** Milliseconds until the upstream response was complete. */
      readonly upstreamMs: number;
    }
  | {
      readonly kind: 'stream';
      /** Events in the client's wire format; throws GatewayError on a mid-stream failure. */
      readonly events: AsyncIterable<StreamEvent>;
      /** Milliseconds until the upstream response headers arrived. */
      readonly upstreamMs: number;
    };

/**
 * Translates between a GatewayRequest and one provider's HTTP API. Errors are thrown as
 * GatewayError from the catalog; an upstream 401/403 is `upstream_credentials_rejected` so the
 * engine can rotate the key. Upstream bodies and headers are never passed on.
 */
export interface ProviderAdapter {
  readonly name: ProviderName;
  /** Reads and rewrites model text in this provider's wire format, for output guards. */
  readonly output: OutputCodec;
  send(request: UpstreamRequest): Promise<UpstreamResult>;
  close(): Promise<void>;
}
