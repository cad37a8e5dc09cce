/**
 * Knows every secret value the process loaded and removes them (and anything shaped like a provider
 * key, including the masked forms providers echo in error messages) from text bound for logs,
 * audit events or error details.
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

const MASK_TAIL = /\*+([A-Za-z0-9_-]{4,})$/;

export class Redactor {
  /** secret value -> label */
  private readonly labels = new Map<string, string>();
  private pattern = new RegExp(GENERIC_SOURCE, 'g');

  /** Registers a secret. Values shorter than MIN_SECRET_LENGTH are ignored (see loaders). */
  add(secret: string, label: string): void {
    if (secret.length < MIN_SECRET_LENGTH || this.labels.has(secret)) return;
    this.labels.set(secret, label);
    // Longest first, so a secret that contains another is removed whole.
    const literals = [...this.labels.keys()].sort((a, b) => b.length - a.length).map(escapeRegex);
    this.pattern = new RegExp(`${literals.join('|')}|${GENERIC_SOURCE}`, 'g');
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
