/**
 * The leak scan over a stream of text deltas (one channel), with a bounded hold-back window.
 *
 * Scans are batched: text is held until `windowChars + batchChars` characters are waiting (or the
 * channel ends), then everything held is scanned as one text and all but the last `windowChars`
 * characters are released. So after every push fewer than `holdBound = windowChars + batchChars`
 * characters are held (one more when a cut would split a surrogate pair), and each character is
 * scanned about (window + batch) / batch = 2 times instead of once per delta.
 *
 * Why nothing the scan would find is released early: let W be the window and `end` the number of
 * characters received when a scan runs. The scan covers the whole held text [h0, end) and is
 * followed by releasing up to r = end - W. Take an occurrence [p, e) of raw length e - p <= W whose
 * first character is released by this step, so h0 <= p < r. Then e <= p + W < r + W = end: the
 * occurrence was received in full and lies inside [h0, end), the text just scanned, so it was
 * found (and blocked or redacted) before any of it left. Occurrences that start before h0 had their
 * first character released by an earlier step and were covered by the same argument then. Text is
 * only ever released right after a scan that covered it, and in `redact` mode every found span is
 * replaced before it is released.
 */
import type { LeakFinding, LeakScanner } from './scanner.js';

export const REDACTION_MARKER = '[redacted]';

const WORD_CHAR = /[\p{L}\p{N}\p{M}]/u;

interface Interval {
  start: number;
  end: number;
}

export interface LeakStep {
  /** Leaks found in the held text by this step (found again while they stay held). */
  readonly findings: readonly LeakFinding[];
  /** Text that may leave now ('' when a `block` scan found something: the caller blocks). */
  readonly release: string;
}

/** Characters collected between scans, as a fraction of the window (half of the hold-back). */
const BATCH_FRACTION = 1;

export class LeakStream {
  /** At most this many characters are held after any push (see the module comment). */
  readonly holdBound: number;
  private readonly batchChars: number;
  private held = '';
  /** Spans of `held` to replace, sorted and merged. */
  private redactions: Interval[] = [];
  /** The last released character was inside a redaction (a span continuing into `held` adds no second marker). */
  private inRedaction = false;
  private lastReleased = '';

  constructor(
    private readonly scanner: LeakScanner,
    private readonly mode: 'block' | 'redact',
  ) {
    this.batchChars = Math.max(32, Math.floor(scanner.windowChars * BATCH_FRACTION));
    this.holdBound = scanner.windowChars + this.batchChars;
  }

  /** Characters currently held back (below holdBound after every push, +1 for a surrogate pair). */
  get heldChars(): number {
    return this.held.length;
  }

  push(text: string): LeakStep {
    this.held += text;
    if (this.held.length < this.holdBound) return { findings: [], release: '' };
    return this.scanAndRelease(this.held.length - this.scanner.windowChars);
  }

  /** The channel ended: a last scan of what is held, then all of it leaves (redactions applied). */
  end(): LeakStep {
    return this.held.length === 0 ? { findings: [], release: '' } : this.scanAndRelease(this.held.length);
  }

  private scanAndRelease(count: number): LeakStep {
    const partialFirstWord =
      this.lastReleased !== '' && WORD_CHAR.test(this.lastReleased) && WORD_CHAR.test(this.held[0] ?? '');
    const findings = this.scanner.scan(this.held, partialFirstWord);
    if (findings.length > 0) {
      if (this.mode === 'block') return { findings, release: '' };
      for (const finding of findings) this.redact(finding.start, finding.end);
    }
    return { findings, release: this.take(count) };
  }

  private redact(start: number, end: number): void {
    const merged: Interval[] = [];
    let next: Interval = { start, end };
    let placed = false;
    for (const interval of this.redactions) {
      if (interval.end < next.start) merged.push(interval);
      else if (next.end < interval.start) {
        if (!placed) merged.push(next);
        placed = true;
        merged.push(interval);
      } else next = { start: Math.min(next.start, interval.start), end: Math.max(next.end, interval.end) };
    }
    if (!placed) merged.push(next);
    this.redactions = merged;
  }

  /** Releases the first `count` held characters (never half a surrogate pair), redactions applied. */
  private take(count: number): string {
    let k = Math.max(0, Math.min(count, this.held.length));
    if (k > 0 && k < this.held.length) {
      const code = this.held.charCodeAt(k - 1);
      if (code >= 0xd800 && code <= 0xdbff) k -= 1;
    }
    if (k === 0) return '';
    let out = '';
    let pos = 0;
    for (const interval of this.redactions) {
      if (interval.start >= k) break;
      out += this.held.slice(pos, interval.start);
      if (!(interval.start === 0 && this.inRedaction)) out += REDACTION_MARKER;
      pos = Math.min(interval.end, k);
    }
    if (pos < k) out += this.held.slice(pos, k);
    this.inRedaction = this.redactions.some((interval) => interval.start < k && k - 1 < interval.end);
    this.redactions = this.redactions
      .filter((interval) => interval.end > k)
      .map((interval) => ({ start: Math.max(0, interval.start - k), end: interval.end - k }));
    this.lastReleased = this.held[k - 1] ?? '';
    this.held = this.held.slice(k);
    return out;
  }
}
