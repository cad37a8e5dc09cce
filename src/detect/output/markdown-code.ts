/**
 * Splits streamed markdown into code and prose, for apps whose client renders markdown. A markdown
 * renderer escapes the content of fenced code blocks and closed code spans itself, so that text
 * may pass untouched (`if (a < b)` stays readable) while prose still goes through the HTML
 * sanitizer. Unsafe if the client does not render markdown: that is why `html.mode: markdown` is
 * opt-in and `sanitize` the default.
 *
 * Rules (CommonMark): a fence is a line of >= 3 backticks or tildes indented <= 3 spaces; it ends
 * at a line with the same character, at least as many, and nothing else; an unclosed fence runs to
 * the end. A code span is a backtick run closed by a run of the same length before a blank line; an
 * unclosed run is literal text (so it stays prose). Hold-back: the current line while it may still
 * open or close a fence, and an open code span up to maxHoldChars.
 */

export interface Segment {
  readonly code: boolean;
  readonly text: string;
}

const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})/;

type State =
  { readonly kind: 'prose' } | { readonly kind: 'fence'; readonly marker: string; readonly length: number };

export class MarkdownCodeSplitter {
  private held = '';
  private state: State = { kind: 'prose' };
  /** Whether held[0] is at the start of a line. */
  private atLineStart = true;

  constructor(private readonly maxHoldChars: number) {}

  push(text: string): Segment[] {
    this.held += text;
    return this.drain(false);
  }

  end(): Segment[] {
    return this.drain(true);
  }

  private drain(final: boolean): Segment[] {
    const out: Segment[] = [];
    const emit = (code: boolean, text: string): void => {
      if (text.length === 0) return;
      const last = out.at(-1);
      if (last && last.code === code) out[out.length - 1] = { code, text: last.text + text };
      else out.push({ code, text });
    };
    let text = this.held;
    let lineStart = this.atLineStart;
    while (text.length > 0) {
      const newline = text.indexOf('\n');
      const line = newline < 0 ? text : text.slice(0, newline + 1);
      const complete = newline >= 0 || final;
      if (this.state.kind === 'fence') {
        if (lineStart && !complete && this.couldClose(line) && this.held.length <= this.maxHoldChars) break;
        if (lineStart && this.closes(line)) this.state = { kind: 'prose' };
        emit(true, line);
      } else if (lineStart && FENCE_OPEN.test(line) && (complete || this.held.length <= this.maxHoldChars)) {
        if (!complete) break; // the opener's line decides (info string)
        const marker = FENCE_OPEN.exec(line)?.[1] ?? '```';
        // A backtick fence whose info string has a backtick is not a fence (CommonMark 4.5).
        if (marker.startsWith('`') && line.slice(line.indexOf(marker) + marker.length).includes('`')) {
          const taken = this.prose(line, final, emit);
          if (taken < line.length) {
            text = text.slice(taken);
            lineStart = false;
            break;
          }
        } else {
          this.state = { kind: 'fence', marker: marker.charAt(0), length: marker.length };
          emit(true, line);
        }
      } else if (
        lineStart &&
        !complete &&
        /^ {0,3}[`~]{0,2}$/.test(line) &&
        this.held.length <= this.maxHoldChars
      ) {
        break; // may still become a fence opener
      } else {
        const taken = this.prose(line, final, emit);
        if (taken < line.length) {
          text = text.slice(taken);
          lineStart = false;
          this.held = text;
          this.atLineStart = lineStart;
          return out;
        }
      }
      text = text.slice(line.length);
      lineStart = line.endsWith('\n');
    }
    this.held = text;
    this.atLineStart = lineStart;
    return out;
  }

  /**
   * Emits a line of prose with its closed code spans; returns how much of the line was consumed
   * (less than all when a code span may still close in text not yet received).
   */
  private prose(line: string, final: boolean, emit: (code: boolean, text: string) => void): number {
    let i = 0;
    let proseStart = 0;
    while (i < line.length) {
      if (line[i] !== '`') {
        i++;
        continue;
      }
      let run = 1;
      while (line[i + run] === '`') run++;
      // A run that reaches the end of a cut line may continue in the next delta.
      if (i + run === line.length && !line.endsWith('\n') && !final) {
        // Hold the backslashes before it too: they decide whether it is escaped.
        let from = i;
        while (from > proseStart && line[from - 1] === '\\') from--;
        emit(false, line.slice(proseStart, from));
        return from;
      }
      // A backslash-escaped backtick is literal text and opens nothing (the run starts after it).
      let slashes = 0;
      while (i - slashes - 1 >= 0 && line[i - slashes - 1] === '\\') slashes++;
      if (slashes % 2 === 1) {
        i += 1;
        continue;
      }
      const close = this.findClosingRun(line, i + run, run);
      if (close === 'later') {
        // The span may close on a later line of the same paragraph: hold it, within the bound.
        const pending = this.held.length;
        if (!final && pending <= this.maxHoldChars) {
          emit(false, line.slice(proseStart, i));
          return i;
        }
        i += run;
        continue;
      }
      if (close < 0) {
        i += run;
        continue;
      }
      emit(false, line.slice(proseStart, i));
      emit(true, line.slice(i, close + run));
      i = close + run;
      proseStart = i;
    }
    // Trailing backslashes of a cut line may escape a backtick that has not arrived yet.
    let end = line.length;
    if (!final && !line.endsWith('\n')) while (end > proseStart && line[end - 1] === '\\') end--;
    emit(false, line.slice(proseStart, end));
    return end;
  }

  /** Index of a closing backtick run of exactly `run` in this line, -1 if none, 'later' if the line is cut. */
  private findClosingRun(line: string, from: number, run: number): number | 'later' {
    let i = from;
    while (i < line.length) {
      if (line[i] !== '`') {
        i++;
        continue;
      }
      let length = 1;
      while (line[i + length] === '`') length++;
      if (length === run && i + length < line.length) return i;
      if (length === run && line.endsWith('\n')) return i;
      if (length === run) return 'later'; // the run may continue in the next delta
      i += length;
    }
    return line.endsWith('\n') ? -1 : 'later';
  }

  private couldClose(partial: string): boolean {
    if (this.state.kind !== 'fence') return false;
    const marker = this.state.marker;
    return new RegExp(`^ {0,3}(\\${marker}*)\\s*$`).test(partial);
  }

  private closes(line: string): boolean {
    if (this.state.kind !== 'fence') return false;
    const match = /^ {0,3}(`+|~+)[ \t]*\r?\n?$/.exec(line);
    const run = match?.[1];
    return run !== undefined && run.startsWith(this.state.marker) && run.length >= this.state.length;
  }
}
