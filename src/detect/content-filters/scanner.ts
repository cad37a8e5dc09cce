/**
 * Runs a FilterSet over text that arrives in pieces (a stream channel) and decides what may leave.
 *
 * A match is at most `hold - 1` view characters long, so text further back than `hold` view
 * characters from the end can never become part of a match, however the text continues: that part
 * is released, the rest is held. Scans are batched (one scan per `hold` new characters), so the
 * text held at any time is at most about 2 x hold view characters plus the invisible characters
 * between them (runs of those are cut to MAX_INVISIBLE_RUN + 1). A whole text (a JSON response)
 * goes through the same path: one push, then end.
 */
import type { FilterSet } from './compile.js';
import { filterView, filterViewWithOffsets, shortenInvisibleRuns } from './view.js';

/** View characters of released text kept as look-behind for word boundaries. */
const CONTEXT_CHARS = 2;

export type ScanStep = { readonly release: string } | { readonly hit: string };

export class FilterScanner {
  private held = '';
  /** Tail of released text: a match never starts in it, but a boundary before a match looks at it. */
  private context = '';
  private contextView = '';
  private invisibleRun = 0;

  constructor(private readonly filters: FilterSet) {}

  push(text: string): ScanStep {
    const shortened = shortenInvisibleRuns(text, this.invisibleRun);
    this.invisibleRun = shortened.carry;
    this.held += shortened.text;
    if (this.held.length < 2 * this.filters.hold) return { release: '' };
    return this.scan(false);
  }

  end(): ScanStep {
    return this.scan(true);
  }

  private scan(final: boolean): ScanStep {
    const { view, offset } = final
      ? { view: filterView(this.held), offset: undefined }
      : filterViewWithOffsets(this.held);
    const hit = this.filters.firstMatch(this.contextView + view, this.contextView.length, final);
    if (hit !== undefined) return { hit };
    if (offset === undefined) {
      const all = this.held;
      this.held = '';
      return { release: all };
    }
    const cutView = view.length - this.filters.hold;
    if (cutView <= 0) return { release: '' };
    const cut = offset(cutView);
    const released = this.held.slice(0, cut);
    this.held = this.held.slice(cut);
    this.keepContext(released);
    return { release: released };
  }

  private keepContext(released: string): void {
    const source = this.context + released;
    const { view, offset } = filterViewWithOffsets(source);
    const from = view.length > CONTEXT_CHARS ? offset(view.length - CONTEXT_CHARS) : 0;
    this.context = source.slice(from);
    this.contextView = filterView(this.context);
  }
}
