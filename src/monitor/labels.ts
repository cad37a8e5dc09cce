/**
 * Bounded label values. Every Prometheus label value is a new time series, so a value that comes
 * from data (a trigger id, a limit name, an app id) goes through one of these before it reaches
 * prom-client: it must be a known value or look like a code identifier, and each label keeps at most
 * `maxDistinct` values; anything else becomes `other`. This also keeps secret-shaped strings out of
 * /metrics should one ever end up where a rule id was expected.
 */

export const OTHER = 'other';

/** Lower-case ids, optionally dotted: `max_tokens.clamped`, `rate_limit.per_user`, `my-app`. */
const IDENTIFIER = /^[a-z0-9][a-z0-9_-]*(?:\.[a-z0-9_-]+){0,4}$/;
/** A run of 12+ letters/digits mixing both looks like a key, token or id, not like a rule name. */
const SECRET_LIKE = /(?=[a-z0-9]*\d)(?=[a-z0-9]*[a-z])[a-z0-9]{12,}/i;
const MAX_VALUE_LENGTH = 64;

/** True when `value` is safe and meaningful as a label value on its own (before the distinct cap). */
export const isIdentifierLabel = (value: string): boolean =>
  value.length <= MAX_VALUE_LENGTH && IDENTIFIER.test(value) && !SECRET_LIKE.test(value);

/**
 * One label's value set. With `allowed`, only those values pass (configured models, apps); without,
 * identifier-shaped values pass until `maxDistinct` have been seen.
 */
export class BoundedLabel {
  private readonly seen = new Set<string>();
  private readonly allowed: ReadonlySet<string> | undefined;

  constructor(
    private readonly maxDistinct: number,
    allowed?: Iterable<string>,
  ) {
    this.allowed = allowed === undefined ? undefined : new Set(allowed);
  }

  map(value: string | null | undefined): string {
    if (value === null || value === undefined || value === '') return OTHER;
    if (this.allowed !== undefined) return this.allowed.has(value) ? value : OTHER;
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.maxDistinct || !isIdentifierLabel(value)) return OTHER;
    this.seen.add(value);
    return value;
  }
}

/** HTTP status as a label: a real status code, else `other` (at most ~500 values, in practice a dozen). */
export const statusLabel = (status: number): string =>
  Number.isInteger(status) && status >= 100 && status <= 599 ? String(status) : OTHER;
