/**
 * A hold-back window for pattern scanners on streamed text. The last `holdChars` characters (moved
 * back to the start of the word they cut, up to `maxTokenChars`) stay held; everything before them
 * has been scanned together with them. A match no longer than the held part is therefore always
 * entirely inside the scanned text before its first character is released.
 */
const isSpace = (code: number): boolean => code === 32 || (code >= 9 && code <= 13) || code === 0xa0;

export class ScanWindow {
  private held = '';

  constructor(
    private readonly holdChars: number,
    private readonly maxTokenChars: number,
  ) {}

  /** Appends text; returns the text to scan now (everything held). */
  add(text: string): string {
    this.held += text;
    return this.held;
  }

  /** Replaces the held text (after a redaction) without changing what is held back. */
  replace(text: string): void {
    this.held = text;
  }

  /**
   * Releases what lies before the hold-back part; `final` releases everything. `limit` caps the cut
   * (e.g. at the start of a match that may still grow).
   */
  take(final: boolean, limit = Number.POSITIVE_INFINITY): string {
    if (final) {
      const all = this.held;
      this.held = '';
      return all;
    }
    const target = this.held.length - this.holdChars;
    if (target <= 0) return '';
    // Do not split a word: secrets and identifiers are words, and half of one is not scannable.
    // A word longer than maxTokenChars is cut anyway, so the window stays bounded.
    const floor = Math.max(0, target - this.maxTokenChars);
    let cut = target;
    while (cut > floor && !isSpace(this.held.charCodeAt(cut - 1))) cut--;
    if (cut === floor && floor > 0 && !isSpace(this.held.charCodeAt(cut - 1))) cut = target;
    cut = Math.min(cut, limit);
    if (cut <= 0) return '';
    const out = this.held.slice(0, cut);
    this.held = this.held.slice(cut);
    return out;
  }
}
