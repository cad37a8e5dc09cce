/**
 * The one catalog of coded errors. Every error a client can see comes from here; the http layer
 * renders an entry in the caller's wire format (OpenAI or Anthropic). docs/errors.md is generated
 * from this table and a test keeps the two in sync.
 */

export interface ErrorSpec {
  /** HTTP status sent to the client. */
  readonly status: number;
  /** OpenAI `error.type`. */
  readonly openaiType: string;
  /** Anthropic `error.type`. */
  readonly anthropicType: string;
  /** Public message. Never contains request content, secrets or upstream text. */
  readonly message: string;
  /** Whether a retry of the same request can succeed (drives `x-should-retry`). */
  readonly retryable: boolean;
  /** One line for docs/errors.md: when this error happens and what the caller should do. */
  readonly doc: string;
}

const E = (
  status: number,
  openaiType: string,
  anthropicType: string,
  retryable: boolean,
  message: string,
  doc: string,
): ErrorSpec => ({ status, openaiType, anthropicType, retryable, message, doc });

export const ERROR_CATALOG = {
  // --- client authentication -------------------------------------------------------------
  invalid_api_key: E(
    401,
    'invalid_request_error',
    'authentication_error',
    false,
    'Invalid or missing gateway key.',
    'No key, or a key that is unknown, malformed, expired or revoked. All of these look the same on purpose.',
  ),
  provider_key_rejected: E(
    401,
    'invalid_request_error',
    'authentication_error',
    false,
    'Provider API keys are not accepted here. Authenticate with a Bastion gateway key (bst_...).',
    'The client sent an OpenAI or Anthropic key. It was not forwarded or logged; issue a gateway key with `bastion keys create`.',
  ),
  invalid_user_token: E(
    401,
    'invalid_request_error',
    'authentication_error',
    false,
    'Invalid or missing end-user token.',
    'The end-user JWT failed verification (signature, issuer, audience, expiry), or the app requires a verified end user and none was given.',
  ),
  model_not_allowed: E(
    404,
    'invalid_request_error',
    'not_found_error',
    false,
    'The model does not exist or this key may not use it.',
    'The model is not in the allowlist of the key or of its app, or is not served on this route.',
  ),
  // --- request shape ---------------------------------------------------------------------
  invalid_json: E(
    400,
    'invalid_request_error',
    'invalid_request_error',
    false,
    'The request body is not valid JSON.',
    'The body could not be parsed as JSON, or is not a JSON object.',
  ),
  unsupported_media_type: E(
    415,
    'invalid_request_error',
    'invalid_request_error',
    false,
    'Send the request body as application/json.',
    'The Content-Type is not application/json.',
  ),
  invalid_request: E(
    400,
    'invalid_request_error',
    'invalid_request_error',
    false,
    'The request body does not match the API schema.',
    'A field has the wrong type or value; `param` names the first offending field.',
  ),
  unsupported_field: E(
    400,
    'invalid_request_error',
    'invalid_request_error',
    false,
    'The request contains a field that Bastion does not forward.',
    'Unknown fields and fields that could steer the upstream (base_url, api_base, host, ...) are refused; `param` names it.',
  ),
  non_finite_number: E(
    400,
    'invalid_request_error',
    'invalid_request_error',
    false,
    'Numbers must be finite.',
    'A number in the body is NaN, Infinity or outside the range JSON can represent.',
  ),
  body_too_large: E(
    413,
    'invalid_request_error',
    'request_too_large',
    false,
    'The request body is too large.',
    'The body exceeds `limits.maxBodyBytes`.',
  ),
  json_too_deep: E(
    400,
    'invalid_request_error',
    'invalid_request_error',
    false,
    'The request body is nested too deeply.',
    'JSON nesting exceeds `limits.maxJsonDepth`.',
  ),
  too_many_messages: E(
    400,
    'invalid_request_error',
    'invalid_request_error',
    false,
    'The request has too many messages.',
    'More messages than the app allows (`apps.<app>.maxMessages`).',
  ),
  too_many_tools: E(
    400,
    'invalid_request_error',
    'invalid_request_error',
    false,
    'The request defines too many tools.',
    'More tools than the app allows (`apps.<app>.maxTools`).',
  ),
  too_many_choices: E(
    400,
    'invalid_request_error',
    'invalid_request_error',
    false,
    'The requested number of choices (n) is above the limit.',
    '`n` is above `apps.<app>.maxChoices`.',
  ),
  input_too_long: E(
    400,
    'invalid_request_error',
    'invalid_request_error',
    false,
    'The input is longer than this app allows.',
    'Counted input tokens exceed `apps.<app>.maxInputTokens`.',
  ),
  max_tokens_too_large: E(
    400,
    'invalid_request_error',
    'invalid_request_error',
    false,
    'max_tokens is above the limit for this app.',
    'The requested output cap is above `apps.<app>.maxOutputTokens` and the app policy is `reject` (with `clamp` it is lowered instead).',
  ),
  headers_invalid: E(
    400,
    'invalid_request_error',
    'invalid_request_error',
    false,
    'A request header is duplicated or invalid.',
    'Security-relevant headers (authorization, x-api-key, anthropic-version, content-type) were sent twice or malformed.',
  ),
  headers_too_large: E(
    431,
    'invalid_request_error',
    'request_too_large',
    false,
    'Request headers are too large.',
    'Headers exceed `limits.maxHeaderBytes`.',
  ),
  unsupported_api_version: E(
    400,
    'invalid_request_error',
    'invalid_request_error',
    false,
    'Unsupported anthropic-version.',
    'Bastion accepts anthropic-version 2023-06-01 and 2026-10-21.',
  ),
  route_not_found: E(
    404,
    'invalid_request_error',
    'not_found_error',
    false,
    'Unknown route.',
    'Bastion serves only its documented routes; there is no pass-through.',
  ),
  method_not_allowed: E(
    405,
    'invalid_request_error',
    'invalid_request_error',
    false,
    'Method not allowed on this route.',
    'The route exists but not for this HTTP method.',
  ),
  // --- limits (quota) -------------------------------------------------------------------------
  rate_limited: E(
    429,
    'rate_limit_error',
    'rate_limit_error',
    true,
    'Rate limit reached. Retry after the delay in the retry-after header.',
    'A Bastion rate limit was hit; `retry-after` says when to retry.',
  ),
  prompt_injection_detected: E(
    400,
    'invalid_request_error',
    'invalid_request_error',
    false,
    'The request was refused by the prompt-injection screen.',
    'The injection detector scored a text field of the request above the app threshold and the app action is `block`. The audit event names the detector rule or the classifier, never the text.',
  ),
  system_prompt_not_allowed: E(
    400,
    'invalid_request_error',
    'invalid_request_error',
    false,
    'This app sets its system prompt on the server. Send only user and assistant messages.',
    'The key belongs to an app with a protected system prompt and `systemPrompt.clientMessages: refuse`; the request carried a system or developer message. Remove it, or ask the operator to switch the app to `strip`.',
  ),
  app_not_allowed: E(
    403,
    'permission_error',
    'permission_error',
    false,
    'This key is not allowed to use this app.',
    'An app route (`/v1/apps/{app}/...`) was called with a key issued for another app.',
  ),
  content_flagged: E(
    400,
    'invalid_request_error',
    'invalid_request_error',
    false,
    'The request was refused by the content policy.',
    'Moderation or an app filter (keyword, regex, profile) flagged a text of the request. The audit event names the rule id or category, never the text.',
  ),
  moderation_unavailable: E(
    503,
    'server_error',
    'overloaded_error',
    true,
    'Content moderation is unavailable, so the request was not sent.',
    'The moderation endpoint timed out or failed and the app fails closed (`moderation.onError: block`). Retry later.',
  ),
  insufficient_quota: E(
    429,
    'insufficient_quota',
    'rate_limit_error',
    false,
    'The spend cap for this period is reached. Retrying will not help until the budget resets or is raised.',
    'A monthly budget (app, key, end user or global) cannot fit this request’s worst-case cost. Not retryable (`x-should-retry: false`).',
  ),
  model_not_priced: E(
    400,
    'invalid_request_error',
    'invalid_request_error',
    false,
    'This model has no known price, so its spend cannot be capped.',
    'A budget applies but the price table has no entry for the model; add one under `pricing.overrides`.',
  ),
  // --- upstream -------------------------------------------------------------------------------
  upstream_credentials_rejected: E(
    502,
    'server_error',
    'api_error',
    false,
    'The gateway could not authenticate to the provider. The operator has been alerted.',
    'Every configured provider key was refused by the provider (401/403). Not the caller’s fault; an alert names the key id.',
  ),
  upstream_rate_limited: E(
    429,
    'rate_limit_error',
    'rate_limit_error',
    true,
    'The provider is rate limiting the gateway. Retry later.',
    'The provider answered 429. The provider body (which names the organisation) is not relayed.',
  ),
  upstream_overloaded: E(
    503,
    'server_error',
    'overloaded_error',
    true,
    'The provider is overloaded. Retry later.',
    'The provider answered 503 or 529.',
  ),
  upstream_error: E(
    502,
    'server_error',
    'api_error',
    true,
    'The provider returned an error.',
    'The provider answered with a 5xx or an unexpected response. Its body is never relayed.',
  ),
  upstream_bad_request: E(
    400,
    'invalid_request_error',
    'invalid_request_error',
    false,
    'The provider rejected the request.',
    'The provider answered 400/404/422 to a request Bastion validated. Its body is not relayed (it may echo content).',
  ),
  upstream_timeout: E(
    504,
    'server_error',
    'timeout_error',
    true,
    'The provider did not answer in time.',
    'No response (or no stream progress) within `providers.<name>.timeoutMs`.',
  ),
  upstream_unreachable: E(
    502,
    'server_error',
    'api_error',
    true,
    'The provider could not be reached.',
    'Connection refused, DNS failure or TLS failure to the configured provider URL.',
  ),
  egress_denied: E(
    500,
    'server_error',
    'api_error',
    false,
    'The gateway refused an outbound connection.',
    'An outbound request to a host outside the provider allowlist was blocked (a configuration or code error).',
  ),
  stream_interrupted: E(
    502,
    'server_error',
    'api_error',
    false,
    'The response stream was interrupted.',
    'The upstream stream ended early or sent an error; the client gets an error event, never a fake completion.',
  ),
  output_blocked: E(
    403,
    'permission_error',
    'permission_error',
    false,
    'The response was withheld by an output policy.',
    'An output guard (system-prompt leak, canary, secret or PII leak, moderation of outputs, the app policy hook) blocked the model output. A stream ends with an error event at that point; nothing the guard blocked was sent.',
  ),
  // --- gateway --------------------------------------------------------------------------------
  guard_failed: E(
    500,
    'server_error',
    'api_error',
    false,
    'A security control could not evaluate the request, so it was refused.',
    'A guard threw or timed out. Bastion fails closed; the guard name is in the audit event.',
  ),
  service_unavailable: E(
    503,
    'server_error',
    'overloaded_error',
    true,
    'The gateway is not ready. Retry later.',
    'Bastion is starting, shutting down, or a store it needs is unavailable.',
  ),
  internal_error: E(
    500,
    'server_error',
    'api_error',
    false,
    'Internal gateway error.',
    'An unexpected failure. Details are in the gateway log under the request id.',
  ),
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

export interface GatewayErrorOptions {
  /** OpenAI `param`: the offending field path, e.g. `messages[2].content`. Never a value. */
  param?: string;
  /** Seconds the client should wait (429/503). */
  retryAfterSeconds?: number;
  /** Internal detail for logs only (already redacted by the caller). Never sent to clients. */
  detail?: string;
  /** Name of the guard or component that raised it; goes to the audit event. */
  source?: string;
}

/** A catalog error. `message` is always the catalog's public message. */
export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly spec: ErrorSpec;
  readonly param: string | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly detail: string | undefined;
  readonly source: string | undefined;

  constructor(code: ErrorCode, options: GatewayErrorOptions = {}) {
    const spec = ERROR_CATALOG[code];
    super(spec.message);
    this.name = 'GatewayError';
    this.code = code;
    this.spec = spec;
    this.param = options.param;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.detail = options.detail;
    this.source = options.source;
  }
}

export const isGatewayError = (value: unknown): value is GatewayError => value instanceof GatewayError;
