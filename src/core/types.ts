/** Domain types shared by every layer. This module imports nothing from outside src/core. */
import type { GatewayError } from './errors.js';

export type Environment = 'production' | 'staging' | 'development';

/** The wire format a client speaks; errors and streams are rendered in it. */
export type WireFormat = 'openai' | 'anthropic';

/** Provider kinds Bastion can call. Each has one adapter. */
export type ProviderName = 'openai' | 'anthropic';

/** Inference operations. Every one of them goes through the same engine and guard pipeline. */
export type Operation = 'openai.chat' | 'anthropic.messages' | 'anthropic.count_tokens';

export const OPERATION_WIRE: Record<Operation, WireFormat> = {
  'openai.chat': 'openai',
  'anthropic.messages': 'anthropic',
  'anthropic.count_tokens': 'anthropic',
};

export const OPERATION_PROVIDER: Record<Operation, ProviderName> = {
  'openai.chat': 'openai',
  'anthropic.messages': 'anthropic',
  'anthropic.count_tokens': 'anthropic',
};

export type AnthropicVersion = '2023-06-01' | '2026-10-21';
export const ANTHROPIC_VERSIONS: readonly AnthropicVersion[] = ['2023-06-01', '2026-10-21'];

/** A JSON object as parsed from a client body. */
export type JsonObject = Record<string, unknown>;

/**
 * One inference request, normalised by the http layer. `body` is the parsed client JSON; guards
 * validate it and may replace it (e.g. to inject max_tokens). The provider forwards `body` as is.
 */
export interface GatewayRequest {
  /** Bastion request id (also sent back as x-request-id / request-id). */
  readonly id: string;
  readonly operation: Operation;
  readonly wire: WireFormat;
  /** Epoch milliseconds when the request arrived. */
  readonly receivedAt: number;
  /** Parsed body. Replaced (not mutated in place) by guards that transform it. */
  body: JsonObject;
  /** Convenience copies of body.model / body.stream, set once validated. */
  model: string;
  stream: boolean;
  /** Anthropic only: the API version the client asked for (defaults to 2023-06-01). */
  readonly anthropicVersion: AnthropicVersion | undefined;
  /** Anthropic only: anthropic-beta header value, validated. */
  readonly anthropicBeta: string | undefined;
  /** The credential the client presented (Bearer or x-api-key). Never logged or forwarded. */
  readonly credential: string | undefined;
  /** An end user's JWT sent on top of a gateway key (x-bastion-user-token). Never logged or forwarded. */
  readonly userToken: string | undefined;
  /** Value of the x-bastion-end-user header, trusted only for apps that enable it. */
  readonly endUserHeader: string | undefined;
  /** Client IP: the socket peer, or the X-Forwarded-For entry left of the last trusted proxy. */
  readonly clientIp: string;
  /** The app named by an app route (`/v1/apps/{app}/...`); the key must belong to it. */
  readonly routeApp: string | undefined;
  /** The route template that received the request (for the audit event); default: the operation's route. */
  readonly route?: string;
  /** Aborted when the client disconnects; cancels the upstream call. */
  readonly signal: AbortSignal;
}

/** Token usage in provider-neutral form. `inputTokens` excludes cache reads and cache writes. */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  /** Tokens read from the provider's prompt cache (OpenAI: subset of prompt_tokens, reported apart here). */
  cachedInputTokens: number;
  /** Tokens written to the prompt cache (Anthropic cache_creation_input_tokens). */
  cacheWriteTokens: number;
}

export const emptyUsage = (): Usage => ({
  inputTokens: 0,
  outputTokens: 0,
  cachedInputTokens: 0,
  cacheWriteTokens: 0,
});

/** Who is calling: resolved from a gateway key by the auth guard. */
export interface Principal {
  readonly keyId: string;
  readonly appId: string;
  /** Models this key is restricted to (in addition to the app's allowlist); null = app's list. */
  readonly models: readonly string[] | null;
  /** End-user id, if one was established (raw; pseudonymized before any audit write). */
  readonly endUserId: string | undefined;
  /** True when endUserId comes from a verified source (JWT, or the app's trusted header), so it may key limits. */
  readonly endUserVerified?: boolean;
}

/**
 * One server-sent event, as forwarded to the client in the client's wire format.
 * `data` is the exact JSON text (or `[DONE]`) to put after `data: `.
 */
export interface StreamEvent {
  /** SSE `event:` name (Anthropic streams always have one; OpenAI streams none). */
  readonly event: string | undefined;
  readonly data: string;
  /** Text produced by the model in this event, for response guards (may be empty). */
  readonly textDelta: string;
  /** Cumulative usage known after this event, when the event carries usage. */
  readonly usage: Usage | undefined;
  /** The model text of this event per output channel, for output guards (absent: none). */
  readonly parts?: readonly TextPart[] | undefined;
  /**
   * Channels this event ends, as ids or id prefixes (`c0` ends `c0`, `c0.tool1`...), or `all`.
   * Output guards flush what they hold for a channel before the event that ends it.
   */
  readonly closes?: readonly string[] | 'all' | undefined;
}

/** What a channel of model output carries: sanitizers touch `text` only; leak scanners see both. */
export type ChannelKind = 'text' | 'tool_input';

/**
 * One stream of model output inside a response: a choice's content, a tool call's arguments, an
 * Anthropic content block. Output guards keep state per channel (text is contiguous within one).
 */
export interface OutputChannel {
  /** Unique within a response, e.g. `c0`, `c0.tool1`, `b2`. */
  readonly id: string;
  readonly kind: ChannelKind;
  /** The wire field that carries the text (e.g. `content`, `text_delta`), for re-encoding. */
  readonly field: string;
}

export interface TextPart {
  readonly channel: OutputChannel;
  readonly text: string;
}

/** Result of a guard. Guards never write responses; the engine acts on decisions. */
export type Decision =
  { readonly action: 'allow' } | { readonly action: 'deny'; readonly error: GatewayError };

export const ALLOW: Decision = Object.freeze({ action: 'allow' });
