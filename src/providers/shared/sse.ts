/**
 * Incremental server-sent-events decoder, matching what the official SDKs accept (PROTOCOL-NOTES §8):
 * lines end with `\n`, `\r\n` or `\r` (a `\r\n` may be split across chunks), a blank line ends an
 * event, `data:` lines are joined with `\n`, one space after the colon is stripped, comments, `id:`
 * and `retry:` are ignored, and a final event without its blank line is flushed at the end.
 * The decoder is bounded so a hostile upstream cannot make us buffer without limit.
 */
import { GatewayError } from '../../core/errors.js';

export interface SseEvent {
  readonly event: string | undefined;
  readonly data: string;
}

/** Default bound on one event (sum of its lines, in UTF-16 code units, which never exceed UTF-8 bytes). */
export const DEFAULT_MAX_EVENT_LENGTH = 1024 * 1024;

const LINE_BREAK = /[\r\n]/g;

export class SseDecoder {
  private readonly textDecoder = new TextDecoder('utf-8');
  private readonly maxEventLength: number;
  /** Text of the current line not yet terminated. */
  private partialLine = '';
  /** The previous chunk ended with `\r`; a leading `\n` in the next chunk belongs to it. */
  private skipLeadingLineFeed = false;
  private eventName: string | undefined = undefined;
  private dataLines: string[] = [];
  private eventLength = 0;

  constructor(options: { maxEventLength?: number } = {}) {
    this.maxEventLength = options.maxEventLength ?? DEFAULT_MAX_EVENT_LENGTH;
  }

  /** Feeds bytes (decoded as streaming UTF-8, so split characters are fine) or text; returns completed events. */
  push(chunk: Uint8Array | string): SseEvent[] {
    const text = typeof chunk === 'string' ? chunk : this.textDecoder.decode(chunk, { stream: true });
    const events: SseEvent[] = [];
    this.feed(text, events);
    return events;
  }

  /** Ends the input: flushes a trailing line and an event that lacked its blank line. */
  end(): SseEvent[] {
    const events: SseEvent[] = [];
    this.feed(this.textDecoder.decode(), events);
    if (this.partialLine.length > 0) {
      const line = this.partialLine;
      this.partialLine = '';
      this.handleLine(line, events);
    }
    this.dispatch(events);
    return events;
  }

  private feed(text: string, events: SseEvent[]): void {
    let start = 0;
    if (this.skipLeadingLineFeed && text.length > 0) {
      if (text.charCodeAt(0) === 10) start = 1;
      this.skipLeadingLineFeed = false;
    }
    LINE_BREAK.lastIndex = start;
    let match: RegExpExecArray | null;
    while ((match = LINE_BREAK.exec(text)) !== null) {
      const end = match.index;
      const line = this.partialLine + text.slice(start, end);
      this.partialLine = '';
      start = end + 1;
      if (text.charCodeAt(end) === 13) {
        if (start < text.length) {
          if (text.charCodeAt(start) === 10) start += 1;
        } else {
          this.skipLeadingLineFeed = true;
        }
      }
      LINE_BREAK.lastIndex = start;
      this.handleLine(line, events);
    }
    if (start < text.length) {
      this.partialLine += text.slice(start);
      this.checkBound(this.eventLength + this.partialLine.length);
    }
  }

  private handleLine(line: string, events: SseEvent[]): void {
    if (line.length === 0) {
      this.dispatch(events);
      return;
    }
    if (line.charCodeAt(0) === 58 /* ':' comment / keep-alive */) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === 'data') {
      this.eventLength += value.length + 1;
      this.checkBound(this.eventLength);
      this.dataLines.push(value);
    } else if (field === 'event') {
      this.eventLength += value.length;
      this.checkBound(this.eventLength);
      this.eventName = value;
    }
    // `id`, `retry` and unknown fields are ignored, as the SDKs do.
  }

  private dispatch(events: SseEvent[]): void {
    if (this.eventName !== undefined || this.dataLines.length > 0) {
      events.push({ event: this.eventName, data: this.dataLines.join('\n') });
    }
    this.eventName = undefined;
    this.dataLines = [];
    this.eventLength = 0;
  }

  private checkBound(length: number): void {
    if (length > this.maxEventLength) {
      throw new GatewayError('upstream_error', { detail: 'SSE event too large', source: 'sse' });
    }
  }
}

/** Decodes a byte stream into SSE events, flushing the last one when the source ends. */
export async function* decodeSse(
  source: AsyncIterable<Uint8Array | string>,
  options: { maxEventLength?: number } = {},
): AsyncGenerator<SseEvent, void, undefined> {
  const decoder = new SseDecoder(options);
  for await (const chunk of source) {
    yield* decoder.push(chunk);
  }
  yield* decoder.end();
}
