/**
 * Input-token counting for the token limits and the budget's worst-case reservation.
 *
 * OpenAI: exact text counts with the model's BPE encoding plus the chat framing overhead from
 * OpenAI's cookbook; images, audio and files use documented fixed or size-based estimates.
 * Claude: its tokenizer is not public, so we use a deliberately conservative estimate (see
 * estimateAnthropicInputTokens). Both take an optional `limit` and stop early once past it,
 * returning some value greater than the limit, so hostile inputs cost bounded CPU.
 *
 * Bodies are expected to be schema-validated already; these functions still never throw on odd
 * shapes (unknown parts count as their JSON text).
 */
import type { JsonObject } from '../core/types.js';
import { countTextTokens, type EncodingName } from './bpe-count.js';

export { minTokensForUtf8Bytes, MAX_TOKEN_BYTES, type EncodingName } from './bpe-count.js';

// --- OpenAI --------------------------------------------------------------------------------------

/** Cookbook: every message is framed as <|start|>{role/name}\n{content}<|end|>\n = 3 tokens. */
const OPENAI_TOKENS_PER_MESSAGE = 3;
/** Cookbook: a `name` costs one token on top of its text. */
const OPENAI_TOKENS_PER_NAME = 1;
/** Cookbook: every reply is primed with <|start|>assistant<|message|>. */
const OPENAI_REPLY_PRIMING_TOKENS = 3;
/**
 * Images: OpenAI bills 85 base tokens plus 170 per 512px tile at high detail. We cannot decode the
 * image here, so high/auto detail is counted as 765 (the documented figure for a 1024x1024 image,
 * 4 tiles) and low detail as the flat 85. Very large images at high detail can cost more; the
 * budget settles on the provider's reported usage.
 */
export const OPENAI_IMAGE_TOKENS_HIGH = 765;
export const OPENAI_IMAGE_TOKENS_LOW = 85;
/**
 * Audio input is billed at roughly 10 tokens per second. One token per 100 base64 characters
 * covers that down to 8 kbit/s audio (1.3k base64 chars per second), so it over-counts every
 * format and bitrate the API accepts in practice.
 */
const OPENAI_AUDIO_BASE64_CHARS_PER_TOKEN = 100;
/** Files by id (size unknown here): a fixed estimate; settled later on reported usage. */
export const FILE_REFERENCE_TOKENS = 2000;
/** Inline files (PDF) are counted as one token per 3 decoded bytes, i.e. per 4 base64 chars. */
const BASE64_CHARS_PER_FILE_TOKEN = 4;

/** o200k_base for current models (gpt-4o*, gpt-4.1*, gpt-5*, o1/o3/o4*, chatgpt-*); cl100k for gpt-4 / gpt-3.5. */
export const openAIEncodingFor = (model: string): EncodingName => {
  if (/^gpt-4o|^gpt-4\.[1-9]|^gpt-5|^o[1-9]|^chatgpt-/.test(model)) return 'o200k_base';
  if (/^gpt-4(?:-|$)|^gpt-3\.5/.test(model)) return 'cl100k_base';
  return 'o200k_base';
};

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Running total with an early exit: `over` turns true once the limit is passed. */
class Tally {
  total = 0;
  constructor(
    protected readonly encoding: EncodingName,
    protected readonly limit: number,
  ) {}
  get over(): boolean {
    return this.total > this.limit;
  }
  add(n: number): void {
    this.total += n;
  }
  text(value: unknown): void {
    if (typeof value === 'string')
      this.total += countTextTokens(this.encoding, value, this.limit - this.total);
  }
  json(value: unknown): void {
    if (value !== undefined) this.text(JSON.stringify(value));
  }
}

const countOpenAIPart = (tally: Tally, part: unknown): void => {
  if (typeof part === 'string') return tally.text(part);
  if (!isRecord(part)) return;
  switch (part.type) {
    case 'text':
      return tally.text(part.text);
    case 'refusal':
      return tally.text(part.refusal);
    case 'image_url': {
      const detail = isRecord(part.image_url) ? part.image_url.detail : undefined;
      return tally.add(detail === 'low' ? OPENAI_IMAGE_TOKENS_LOW : OPENAI_IMAGE_TOKENS_HIGH);
    }
    case 'input_audio': {
      const data = isRecord(part.input_audio) ? part.input_audio.data : undefined;
      const chars = typeof data === 'string' ? data.length : 0;
      return tally.add(Math.ceil(chars / OPENAI_AUDIO_BASE64_CHARS_PER_TOKEN));
    }
    case 'file': {
      const file = isRecord(part.file) ? part.file : {};
      if (typeof file.file_data === 'string') {
        tally.add(Math.ceil(file.file_data.length / BASE64_CHARS_PER_FILE_TOKEN));
      } else tally.add(FILE_REFERENCE_TOKENS);
      return tally.text(file.filename);
    }
    default:
      return tally.json(part);
  }
};

const countOpenAIContent = (tally: Tally, content: unknown): void => {
  if (Array.isArray(content)) {
    for (const part of content) {
      countOpenAIPart(tally, part);
      if (tally.over) return;
    }
  } else tally.text(content);
};

const countOpenAIMessage = (tally: Tally, message: Record<string, unknown>): void => {
  tally.add(OPENAI_TOKENS_PER_MESSAGE);
  tally.text(message.role);
  if (typeof message.name === 'string') {
    tally.add(OPENAI_TOKENS_PER_NAME);
    tally.text(message.name);
  }
  countOpenAIContent(tally, message.content);
  tally.text(message.refusal);
  tally.text(message.tool_call_id);
  if (Array.isArray(message.tool_calls)) {
    for (const call of message.tool_calls) {
      if (!isRecord(call)) continue;
      tally.text(call.id);
      const fn = isRecord(call.function) ? call.function : isRecord(call.custom) ? call.custom : {};
      tally.text(fn.name);
      tally.text(fn.arguments);
      tally.text(fn.input);
      if (tally.over) return;
    }
  }
  if (isRecord(message.function_call)) {
    tally.text(message.function_call.name);
    tally.text(message.function_call.arguments);
  }
};

/**
 * Input tokens of an OpenAI chat request for `model`, counted like OpenAI's cookbook: 3 per
 * message + role/name/content text (+1 per name) + 3 reply priming. Tool and function definitions,
 * a json_schema response format and predicted output are counted as their JSON/text (the API
 * renders them into the prompt; counting their JSON over-counts slightly).
 */
export const countOpenAIChatInputTokens = (body: JsonObject, model: string, limit = Infinity): number => {
  const tally = new Tally(openAIEncodingFor(model), limit);
  tally.add(OPENAI_REPLY_PRIMING_TOKENS);
  const messages = Array.isArray(body.messages) ? body.messages : [];
  for (const message of messages) {
    if (isRecord(message)) countOpenAIMessage(tally, message);
    if (tally.over) return tally.total;
  }
  if (Array.isArray(body.tools) && body.tools.length > 0) tally.json(body.tools);
  if (Array.isArray(body.functions) && body.functions.length > 0) tally.json(body.functions);
  if (isRecord(body.response_format) && body.response_format.type === 'json_schema') {
    tally.json(body.response_format.json_schema);
  }
  if (isRecord(body.prediction)) countOpenAIContent(tally, body.prediction.content);
  return tally.total;
};

// --- Anthropic -----------------------------------------------------------------------------------

/**
 * Claude text is estimated as max(ceil(utf8Bytes / 3), ceil(1.5 x o200k tokens)).
 *
 * Why this over-counts: Claude's tokenizer is not public. Published comparisons put Claude at
 * roughly 1.1-1.35x the o200k token count for English and code, and newer Claude tokenizers use up
 * to 1.35x more than older ones; 1.5x o200k covers that with margin. The byte floor covers scripts
 * where o200k is unusually efficient compared with smaller vocabularies (about one token per
 * 3-byte CJK character). Dense text such as random base64 (o200k: ~1.4 characters per token) is
 * handled by the o200k term, which a plain bytes-based rule would under-count. Over-counting only
 * makes the input cap and the budget reservation stricter; the budget settles on real usage.
 * Apps that need exact numbers configure `tokenCounting: count_tokens`.
 */
export const CLAUDE_PER_O200K_TOKEN = 1.5;
const CLAUDE_BYTES_PER_TOKEN_FLOOR = 3;
/** Role/turn framing per message (observed 3-5 with count_tokens; we take the high end). */
const CLAUDE_TOKENS_PER_MESSAGE = 5;
/** Fixed framing of every request. */
const CLAUDE_BASE_TOKENS = 10;
/** Anthropic adds a tool-use system prompt of ~300-350 tokens when tools are present. */
const CLAUDE_TOOL_PROMPT_TOKENS = 500;
/** Claude images are ~(width x height)/750 tokens, scaled down to ~1.15 MP: at most ~1600. */
export const CLAUDE_IMAGE_TOKENS = 1600;
/** Documents by URL or file id (size unknown here): fixed estimate, settled on real usage. */
export const CLAUDE_DOCUMENT_REFERENCE_TOKENS = 5000;
/** Nesting we follow inside blocks (tool_result > document > content); deeper counts as JSON. */
const MAX_BLOCK_NESTING = 4;

class ClaudeTally extends Tally {
  constructor(limit: number) {
    super('o200k_base', limit);
  }
  override text(value: unknown): void {
    if (typeof value !== 'string' || value.length === 0) return;
    const remaining = this.limit - this.total;
    const o200kCount = countTextTokens('o200k_base', value, remaining / CLAUDE_PER_O200K_TOKEN);
    const byBytes = Math.ceil(Buffer.byteLength(value, 'utf8') / CLAUDE_BYTES_PER_TOKEN_FLOOR);
    this.add(Math.max(byBytes, Math.ceil(o200kCount * CLAUDE_PER_O200K_TOKEN)));
  }
}

const countClaudeBlocks = (tally: ClaudeTally, content: unknown, nesting: number): void => {
  if (!Array.isArray(content)) return tally.text(content);
  for (const block of content) {
    countClaudeBlock(tally, block, nesting);
    if (tally.over) return;
  }
};

const countClaudeSource = (tally: ClaudeTally, source: unknown, nesting: number): void => {
  if (!isRecord(source)) return;
  if (source.type === 'text') return tally.text(source.data);
  if (source.type === 'content') return countClaudeBlocks(tally, source.content, nesting + 1);
  if (source.type === 'base64' && typeof source.data === 'string') {
    return tally.add(Math.ceil(source.data.length / BASE64_CHARS_PER_FILE_TOKEN));
  }
  tally.add(CLAUDE_DOCUMENT_REFERENCE_TOKENS);
};

const countClaudeBlock = (tally: ClaudeTally, block: unknown, nesting: number): void => {
  if (!isRecord(block) || nesting > MAX_BLOCK_NESTING) return tally.json(block);
  switch (block.type) {
    case 'text':
      return tally.text(block.text);
    case 'image':
      return tally.add(CLAUDE_IMAGE_TOKENS);
    case 'document':
      tally.text(block.title);
      tally.text(block.context);
      return countClaudeSource(tally, block.source, nesting);
    case 'tool_use':
    case 'server_tool_use':
      tally.text(block.name);
      return tally.json(block.input);
    case 'tool_result':
      return countClaudeBlocks(tally, block.content, nesting + 1);
    case 'thinking':
      return tally.text(block.thinking);
    case 'redacted_thinking':
      return tally.text(block.data);
    case 'search_result':
      tally.text(block.title);
      tally.text(block.source);
      return countClaudeBlocks(tally, block.content, nesting + 1);
    default:
      return tally.json(block);
  }
};

/**
 * Conservative estimate of Claude input tokens for a messages or count_tokens body (see
 * CLAUDE_PER_O200K_TOKEN for why it over-counts): text estimate + 5 per message + 10 base;
 * system text; tools as JSON text + 500 for the tool-use prompt; images 1600 each.
 */
export const estimateAnthropicInputTokens = (body: JsonObject, limit = Infinity): number => {
  const tally = new ClaudeTally(limit);
  tally.add(CLAUDE_BASE_TOKENS);
  countClaudeBlocks(tally, body.system, 0);
  const messages = Array.isArray(body.messages) ? body.messages : [];
  for (const message of messages) {
    tally.add(CLAUDE_TOKENS_PER_MESSAGE);
    if (isRecord(message)) countClaudeBlocks(tally, message.content, 0);
    if (tally.over) return tally.total;
  }
  if (Array.isArray(body.tools) && body.tools.length > 0) {
    tally.add(CLAUDE_TOOL_PROMPT_TOKENS);
    tally.json(body.tools);
  }
  if (isRecord(body.output_config)) tally.json(body.output_config.format);
  return tally.total;
};

/** Tokens of a bare string (o200k by default); exported for tests and the CLI. */
export const countTokens = (text: string, encoding: EncodingName = 'o200k_base'): number =>
  countTextTokens(encoding, text);
