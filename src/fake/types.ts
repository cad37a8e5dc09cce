/** Public contract of the fake OpenAI + Anthropic provider (see README.md). */

export interface FakeProviderOptions {
  /** Port to listen on; default 0 (ephemeral). */
  port?: number;
  /** Interface to bind; default 127.0.0.1. */
  host?: string;
  /** Added before answering (for streams: after the headers, before the first event); default 0. */
  latencyMs?: number;
  /** Pause between stream events; default 0. */
  streamChunkDelayMs?: number;
  /** Accepted API keys; if absent, any non-empty key is accepted. */
  keys?: readonly string[];
  /** Default reply text. */
  replyText?: string;
  /** Keep received requests in `received` (default true; turn off for benchmarks). */
  record?: boolean;
}

export interface RecordedRequest {
  method: string;
  /** Request target as sent, including any query string (e.g. `/v1/messages?beta=true`). */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body; the raw text when it is not JSON; undefined when empty. */
  body: unknown;
}

export type Scenario =
  /** Error response with a realistic provider body. */
  | { kind: 'status'; status: number; retryAfter?: number }
  /** Stream: close the socket after N events, no terminator. Non-stream: drop the connection unanswered. */
  | { kind: 'cut'; afterEvents: number }
  /** Stream: send the provider's in-stream error event after N events. Non-stream: 500 (OpenAI) / 529 (Anthropic). */
  | { kind: 'midstream_error'; afterEvents: number }
  /** Accept the request, never answer (until the client aborts or the fake closes). */
  | { kind: 'stall' }
  /** Reply with `text`; streamed in the given `deltas` when set (they must join to `text`). */
  | { kind: 'reply'; text: string; deltas?: readonly string[] }
  /** Reply with the system prompt text verbatim. */
  | { kind: 'echo_system' }
  /** Reply with the Bastion canary found in the system prompt, encoded, split over several deltas. */
  | { kind: 'leak_canary'; encoding: 'plain' | 'base64' | 'hex' }
  | { kind: 'tool_call'; name: string; arguments: Record<string, unknown> };

/** Scripted failures of `POST /v1/moderations`, consumed one per moderation request (FIFO). */
export type ModerationScenario =
  /** Accept the request, never answer. */
  | { kind: 'stall' }
  /** An error response with OpenAI's body for that status. */
  | { kind: 'status'; status: number }
  /** A 200 a careful client must refuse: truncated JSON (default), no `results`, one result too few, or string scores. */
  | { kind: 'malformed'; shape?: 'not_json' | 'missing_results' | 'wrong_count' | 'bad_scores' };

export interface FakeProvider {
  /** Origin, e.g. http://127.0.0.1:40123 (OpenAI base URL is `${url}/v1`, Anthropic's is `url`). */
  readonly url: string;
  readonly port: number;
  readonly received: RecordedRequest[];
  /** Scenarios consumed one per inference request (chat completions, messages), FIFO. */
  enqueue(...scenarios: Scenario[]): void;
  /** Moderation failures, consumed one per moderation request (FIFO), before any `[[fake:moderation=...]]` directive. */
  enqueueModeration(...scenarios: ModerationScenario[]): void;
  /** Clears received + both queues. */
  reset(): void;
  /** Stops listening and destroys open (also stalled) connections. */
  close(): Promise<void>;
}
