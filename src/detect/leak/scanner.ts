/**
 * The leak scan of one request: its canary (in every supported form) and verbatim overlap with its
 * system prompt, plus the hold-back window a stream needs so that nothing the scan would find is
 * released before it is found.
 *
 * Window bound (`windowChars`): max(256, 2 x the longest raw run of n prompt words), at most 4096.
 * 256 covers every canary form (plain 29, URL-encoded 87, `0x62, ` style hex dumps 120, base64 40
 * characters) with room for separators; the overlap term covers an n-word run of the prompt even
 * when the model adds as much markup and spacing again between the words. An occurrence whose raw
 * length is at most the window is always caught before its first character is released (see
 * LeakStream); one spread over more characters than that may escape the stream guarantee.
 */
import { canaryBody } from './canary.js';
import { canaryNeedles, findCanary, type CanaryNeedle, type Span } from './canary-forms.js';
import { indexPrompt, type OverlapIndex } from './overlap.js';

export const DEFAULT_WINDOW_CHARS = 256;
export const MAX_WINDOW_CHARS = 4096;

export type LeakKind = 'canary' | 'overlap';

export interface LeakFinding extends Span {
  readonly kind: LeakKind;
}

/** The per-app part (indexed once): the prompt's n-grams and the window it needs. */
export interface PromptIndex {
  readonly overlap: OverlapIndex;
  readonly windowChars: number;
}

export function indexSystemPrompt(text: string, minOverlapWords: number): PromptIndex {
  const overlap = indexPrompt(text, minOverlapWords);
  const windowChars = Math.min(MAX_WINDOW_CHARS, Math.max(DEFAULT_WINDOW_CHARS, 2 * overlap.longestRunChars));
  return { overlap, windowChars };
}

/** The per-request scanner: the app's prompt index plus this request's canary. */
export class LeakScanner {
  private readonly needles: readonly CanaryNeedle[];

  constructor(
    private readonly index: PromptIndex,
    canary: string,
  ) {
    this.needles = canaryNeedles(canaryBody(canary));
  }

  get windowChars(): number {
    return this.index.windowChars;
  }

  /**
   * Every leak in `text`, sorted by start. `partialFirstWord`: the text starts in the middle of a
   * word whose beginning was already released (it is not a word of its own for overlap matching).
   */
  scan(text: string, partialFirstWord = false): LeakFinding[] {
    const findings: LeakFinding[] = [];
    for (const span of findCanary(text, this.needles)) findings.push({ kind: 'canary', ...span });
    for (const span of this.index.overlap.find(text, { skipFirstWord: partialFirstWord })) {
      findings.push({ kind: 'overlap', ...span });
    }
    return findings.sort((a, b) => a.start - b.start || a.end - b.end);
  }
}
