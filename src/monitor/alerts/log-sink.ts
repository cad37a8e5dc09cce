import type { Alert, AlertSink, DeliveryContext } from './types.js';

/** The slice of a pino-style logger the alert code uses. */
export interface AlertLogger {
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface LogAlertSinkOptions {
  /** Default `log`. */
  readonly name?: string;
}

/**
 * Writes each alert as one structured log line: `critical` at error level, the rest at warn (an
 * alert worth raising is worth seeing at the default level). The alert is serialized, redacted as
 * text, and parsed back, so the logger never sees an unredacted field.
 */
export class LogAlertSink implements AlertSink {
  readonly name: string;
  readonly timeoutMs = 1_000;
  readonly retries = 0;

  constructor(
    private readonly logger: AlertLogger,
    options: LogAlertSinkOptions = {},
  ) {
    this.name = options.name ?? 'log';
  }

  async deliver(alert: Alert, context: DeliveryContext): Promise<void> {
    const text = context.redact(JSON.stringify(alert));
    let fields: Record<string, unknown>;
    try {
      fields = { alert: JSON.parse(text) as unknown };
    } catch {
      // A replacement broke the JSON: log the redacted text instead of the original object.
      fields = { alertText: text };
    }
    const message = `alert: ${context.redact(alert.kind)}`;
    if (alert.severity === 'critical') this.logger.error(fields, message);
    else this.logger.warn(fields, message);
  }
}
