import type { JsonObject, OutputChannel, StreamEvent, TextPart } from './types.js';

/**
 * Reads and rewrites the model text of responses in one wire format, so output guards can work on
 * plain text while the bytes that reach the client stay in the provider's exact shape. Each
 * provider adapter supplies one; the engine applies the output guards through it.
 */
export interface OutputCodec {
  /** Text parts of a complete (non-streamed) response body, in a stable order. */
  jsonParts(body: JsonObject): readonly TextPart[];
  /**
   * The body with each part's text replaced by `texts[i]` (same order as jsonParts). Throws a
   * GatewayError when a replacement cannot be encoded (e.g. tool input that is no longer JSON).
   */
  jsonWithTexts(body: JsonObject, texts: readonly string[]): JsonObject;
  /** The stream event with each of its parts' text replaced by `texts[i]` (same order as event.parts). */
  eventWithTexts(event: StreamEvent, texts: readonly string[]): StreamEvent;
  /**
   * A delta event carrying `text` on `channel`, used to release text a guard held until its channel
   * ended. `template` is the last event of the stream that carried JSON (for ids and model names).
   */
  deltaEvent(channel: OutputChannel, text: string, template: StreamEvent | undefined): StreamEvent;
}
