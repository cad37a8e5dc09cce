import type { Environment } from '../../core/types.js';

export type AlertSeverity = 'info' | 'warning' | 'critical';

/**
 * One operational alert. It names what happened and to which configured thing (app, limit, period)
 * but never carries request content or secrets; every serialized alert also goes through the
 * redactor before it leaves the process.
 */
export interface Alert {
  /** Dotted rule id, e.g. `budget.threshold`, `rate_limit.fallback`, `audit.dropped`. */
  readonly kind: string;
  readonly severity: AlertSeverity;
  readonly environment: Environment;
  /** Bounded facts about the alert: `{ app: 'support', percent: 80, period: '2026-01' }`. */
  readonly subject: Readonly<Record<string, string | number>>;
  /** One human sentence, written by Bastion (not copied from a request or an upstream body). */
  readonly message: string;
  /** ISO-8601 time the alert was raised. */
  readonly ts: string;
}

/** What the dispatcher hands a sink for one delivery attempt. */
export interface DeliveryContext {
  /** Aborted at the sink's timeout or when the dispatcher closes; pass it to any I/O. */
  readonly signal: AbortSignal;
  /** Removes every known secret; sinks run each serialized alert through it before writing. */
  readonly redact: (text: string) => string;
}

export interface AlertSink {
  /** Safe to log: never the webhook URL (it is often a credential) or a header value. */
  readonly name: string;
  /** Longest one delivery attempt may take. */
  readonly timeoutMs: number;
  /** Extra attempts after a failed one (0 = try once). */
  readonly retries: number;
  /** Delivers one alert; rejects on failure (the dispatcher retries). */
  deliver(alert: Alert, context: DeliveryContext): Promise<void>;
}

/** Why an alert did not reach a sink; each is counted. */
export type AlertDropReason = 'queue_full' | 'delivery_failed' | 'closed' | 'redact_failed';
