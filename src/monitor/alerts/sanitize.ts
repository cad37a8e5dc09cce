/**
 * Bounds and redacts an alert before it is queued: every string field goes through the redactor
 * (field by field, so a secret that JSON would escape is still caught), lengths and the number of
 * subject entries are capped, and non-finite numbers are dropped. Sinks redact the serialized
 * payload once more.
 */
import type { Alert } from './types.js';

const MAX_KIND = 100;
const MAX_MESSAGE = 2_000;
const MAX_SUBJECT_ENTRIES = 20;
const MAX_SUBJECT_KEY = 64;
const MAX_SUBJECT_VALUE = 256;

const SEVERITIES = new Set<string>(['info', 'warning', 'critical']);

const clip = (text: string, max: number): string =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`;

/** Throws whatever `redact` throws: the caller must then drop the alert, never send it unredacted. */
export function sanitizeAlert(alert: Alert, redact: (text: string) => string): Alert {
  const subject: Record<string, string | number> = {};
  let entries = 0;
  for (const [key, value] of Object.entries(alert.subject)) {
    if (entries >= MAX_SUBJECT_ENTRIES) break;
    const safeKey = clip(redact(key), MAX_SUBJECT_KEY);
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) continue;
      subject[safeKey] = value;
    } else {
      subject[safeKey] = clip(redact(String(value)), MAX_SUBJECT_VALUE);
    }
    entries++;
  }
  return {
    kind: clip(redact(String(alert.kind)), MAX_KIND),
    severity: SEVERITIES.has(alert.severity) ? alert.severity : 'warning',
    environment: alert.environment,
    subject,
    message: clip(redact(String(alert.message)), MAX_MESSAGE),
    ts: String(alert.ts),
  };
}
