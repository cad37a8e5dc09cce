/**
 * Per-request canary tokens for protected system prompts. A canary is `bst-cnry-` followed by 20
 * random base32 characters (100 bits from the CSPRNG): distinctive enough that seeing it, or an
 * encoding of it, in a model's output means the prompt leaked, and never the same twice, so a
 * leaked canary names the request it came from.
 */
import { randomBytes } from 'node:crypto';

export const CANARY_PREFIX = 'bst-cnry-';
/** Random characters after the prefix; each carries 5 bits. */
export const CANARY_BODY_CHARS = 20;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** A fresh canary, e.g. `bst-cnry-k7q2mz4xw5ta3bv6hn2p`. */
export function newCanary(): string {
  const bytes = randomBytes(CANARY_BODY_CHARS);
  let body = '';
  // 256 is a multiple of 32, so `byte & 31` is uniform.
  for (const byte of bytes) body += BASE32[byte & 31];
  return CANARY_PREFIX + body;
}

/** The random part of a canary (what the leak detector looks for; the prefix is for humans). */
export const canaryBody = (canary: string): string =>
  canary.startsWith(CANARY_PREFIX) ? canary.slice(CANARY_PREFIX.length) : canary;

/**
 * The system prompt as sent upstream: a reference line with the canary, then the app's prompt. The
 * canary comes first because recitations of a prompt usually start at its beginning.
 */
export const promptWithCanary = (prompt: { readonly text: string; readonly canary: string }): string =>
  `Confidential reference: ${prompt.canary}\n\n${prompt.text}`;
