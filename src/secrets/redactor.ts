/**
 * Knows every secret value the process loaded and removes them (and anything shaped like a provider
 * key, and the masked forms providers echo in error messages, e.g. `sk-...abcd` or
 * `sk-proj-****abcd`, for every registered secret) from text bound for logs, audit events, alerts
 * or error details.
 *
 * Speed: one precompiled regex, rebuilt only when a secret is added (startup), so the common case
 * (nothing to redact) is a single linear scan with no allocation.
 */

/** Shortest secret registered; shorter values would redact ordinary words. Loaders refuse them. */
export const MIN_SECRET_LENGTH = 8;

// Generic key shapes. The lookbehind stops `task-...` matching; `*` covers masked echoes such as
// `sk-proj-****abcd` (OpenAI's "Incorrect API key provided" message). Each branch is linear.
const ANTHROPIC_SHAPE = '(?<![A-Za-z0-9])sk-ant-[A-Za-z0-9_*-]{4,}';
const OPENAI_SHAPE = '(?<![A-Za-z0-9])sk-[A-Za-z0-9_*-]{8,}';
const OPENAI_MARKER = '(?<![A-Za-z0-9_-])[A-Za-z0-9_-]*T3BlbkFJ[A-Za-z0-9_*-]*';
const GENERIC_SOURCE = `${ANTHROPIC_SHAPE}|${OPENAI_SHAPE}|${OPENAI_MARKER}`;

const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const MASK_TAIL = /(?:\*+|\.{3}|\u2026)([A-Za-z0-9_-]{4,})$/;

/** Prefixes providers keep visible when they echo a masked key; longest first. */
const KEY_PREFIXES = [
  'sk-ant-admin01-',
  'sk-ant-api03-',
  'sk-svcacct-',
  'sk-admin-',
  'sk-proj-',
  'sk-ant-',
  'sk-',
];
/** Only keys at least this long get masked forms: a shorter tail would be too generic to match on. */
const MIN_MASKED_LENGTH = 16;

/**
 * The masked echoes of one secret: its visible prefix (a known key prefix, else its first three
 * characters, or both), a run of `*`, `...` or `…`, then its last four characters, e.g. `sk-...abcd`,
 * `sk-proj-****abcd`, `AbC...wxyz`. Linear: a literal, one bounded alternation, a literal.
 */
const maskedForm = (secret: string): string | undefined => {
  if (secret.length < MIN_MASKED_LENGTH) return undefined;
  const known = KEY_PREFIXES.find((candidate) => secret.startsWith(candidate));
  // OpenAI's older echo keeps only `sk-` even for `sk-proj-` keys, so both spellings are covered.
  const prefixes = [...new Set([known ?? secret.slice(0, 3), secret.slice(0, 3)])].map(escapeRegex);
  const tail = secret.slice(-4);
  return `(?<![A-Za-z0-9])(?:${prefixes.join('|')})(?:\\*{2,64}|\\.{3}|\u2026)${escapeRegex(tail)}(?![A-Za-z0-9])`;
};

export class Redactor {
  /** secret value -> label */
  private readonly labels = new Map<string, string>();
  private pattern = new RegExp(GENERIC_SOURCE, 'g');

  /** Registers a secret. Values shorter than MIN_SECRET_LENGTH are ignored (see loaders). */
  add(secret: string, label: string): void {
    if (secret.length < MIN_SECRET_LENGTH || this.labels.has(secret)) return;
    this.labels.set(secret, label);
    // Longest first, so a secret that contains another is removed whole; then each secret's masked
    // echoes (registered with the secret, so providers' error messages naming it are caught too).
    const secrets = [...this.labels.keys()].sort((a, b) => b.length - a.length);
    const masks = secrets.map(maskedForm).filter((form): form is string => form !== undefined);
    this.pattern = new RegExp([...secrets.map(escapeRegex), ...masks, GENERIC_SOURCE].join('|'), 'g');
  }

  /** Number of registered secrets. */
  get size(): number {
    return this.labels.size;
  }

  redact(text: string): string {
    this.pattern.lastIndex = 0;
    if (!this.pattern.test(text)) return text;
    return text.replace(this.pattern, (match) => `[REDACTED:${this.labelFor(match)}]`);
  }

  has(text: string): boolean {
    this.pattern.lastIndex = 0;
    return this.pattern.test(text);
  }

  private labelFor(match: string): string {
    const known = this.labels.get(match);
    if (known !== undefined) return known;
    // A masked echo whose visible tail matches a registered key names that key, so operators know which one leaked.
    const tail = MASK_TAIL.exec(match)?.[1];
    if (tail !== undefined) {
      for (const [secret, label] of this.labels) if (secret.endsWith(tail)) return label;
    }
    return match.startsWith('sk-ant-') ? 'anthropic-key' : 'openai-key';
  }
}
