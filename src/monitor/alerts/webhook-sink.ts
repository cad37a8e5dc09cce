import { jsonPayload, slackPayload } from './format.js';
import type { WebhookFormat } from './format.js';
import type { Alert, AlertSink, DeliveryContext } from './types.js';

export interface WebhookAlertSinkOptions {
  /** http(s) URL. Treated as a secret (Slack webhook URLs are credentials): never logged. */
  readonly url: string;
  readonly format: WebhookFormat;
  /** Per attempt; default 5 000. */
  readonly timeoutMs?: number;
  /** Extra attempts after a failure; default 2, at most 10. */
  readonly retries?: number;
  /** Extra request headers, e.g. an Authorization token. Values are never logged. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Name in logs and metrics; default `webhook:<host>`. */
  readonly name?: string;
}

/** A failed delivery. Carries the HTTP status only: an upstream body could echo anything. */
export class WebhookDeliveryError extends Error {
  override readonly name = 'WebhookDeliveryError';
  constructor(
    readonly status: number,
    /** False for answers a retry cannot change (4xx other than 408 and 429). */
    readonly retryable: boolean,
  ) {
    super(`webhook answered HTTP ${status}`);
  }
}

const MAX_RETRIES = 10;

const boundedInteger = (value: number, min: number, max: number, what: string): number => {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new RangeError(`${what} must be an integer from ${min} to ${max}`);
  return value;
};

/**
 * POSTs each alert as JSON (generic or Slack-compatible) with the global fetch. Redirects are
 * refused rather than followed, so an alert goes only to the configured endpoint.
 */
export class WebhookAlertSink implements AlertSink {
  readonly name: string;
  readonly timeoutMs: number;
  readonly retries: number;
  private readonly url: URL;
  private readonly format: WebhookFormat;
  private readonly headers: Record<string, string>;

  constructor(options: WebhookAlertSinkOptions) {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw new TypeError('webhook url is not a valid URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      throw new TypeError('webhook url must use http or https');
    this.url = url;
    this.format = options.format;
    this.timeoutMs = boundedInteger(options.timeoutMs ?? 5_000, 1, 120_000, 'webhook timeoutMs');
    this.retries = boundedInteger(options.retries ?? 2, 0, MAX_RETRIES, 'webhook retries');
    this.headers = { ...options.headers, 'content-type': 'application/json' };
    this.name = options.name ?? `webhook:${url.host}`;
  }

  async deliver(alert: Alert, context: DeliveryContext): Promise<void> {
    const payload = this.format === 'slack' ? slackPayload(alert) : jsonPayload(alert);
    const body = context.redact(JSON.stringify(payload));
    const response = await fetch(this.url, {
      method: 'POST',
      headers: this.headers,
      body,
      redirect: 'error',
      signal: context.signal,
    });
    // The body is never read (it could echo the payload); cancelling frees the connection.
    await response.body?.cancel().catch(() => undefined);
    if (!response.ok) {
      const status = response.status;
      const retryable = status >= 500 || status === 408 || status === 429 || status < 200;
      throw new WebhookDeliveryError(status, retryable);
    }
  }
}
