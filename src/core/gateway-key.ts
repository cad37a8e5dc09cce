import { createHash, timingSafeEqual } from 'node:crypto';
import { randomBase62 } from './ids.js';

/**
 * Gateway-issued client keys: `bst_<id>_<secret>`.
 * - `id`: 12 base62 chars, public (safe to log), the KeyStore primary key.
 * - `secret`: 43 base62 chars, log2(62^43) ≈ 256 bits of entropy.
 * Only the SHA-256 hash of the whole key is stored.
 */

const PREFIX = 'bst_';
const ID_LENGTH = 12;
const SECRET_LENGTH = 43;
/** `bst_` + id + `_` + secret. */
export const GATEWAY_KEY_LENGTH = PREFIX.length + ID_LENGTH + 1 + SECRET_LENGTH;

// Fixed-width character classes with no alternation or nested quantifiers: linear time, no backtracking.
const GATEWAY_KEY_PATTERN = /^bst_([0-9A-Za-z]{12})_[0-9A-Za-z]{43}$/;
const HASH_PATTERN = /^[0-9a-f]{64}$/;

export interface GeneratedGatewayKey {
  /** The full key, shown to the operator once and never stored. */
  readonly key: string;
  readonly id: string;
  /** Lowercase hex SHA-256 of `key`, what the KeyStore keeps. */
  readonly hash: string;
}

export function generateGatewayKey(): GeneratedGatewayKey {
  const id = randomBase62(ID_LENGTH);
  const key = `${PREFIX}${id}_${randomBase62(SECRET_LENGTH)}`;
  return { key, id, hash: hashGatewayKey(key) };
}

/** Returns the public id of a well-formed gateway key, or undefined. Checks the length before the regex. */
export function parseGatewayKey(s: string): { id: string } | undefined {
  if (typeof s !== 'string' || s.length !== GATEWAY_KEY_LENGTH || !s.startsWith(PREFIX)) return undefined;
  const match = GATEWAY_KEY_PATTERN.exec(s);
  const id = match?.[1];
  return id === undefined ? undefined : { id };
}

/**
 * SHA-256 hex of the full key. A fast hash is fine here (unlike passwords): the secret has 256 bits
 * of entropy, so a leaked hash cannot be brute-forced, and a slow KDF would cost CPU on every request.
 */
export function hashGatewayKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** True when the string is a well-formed hash as produced by `hashGatewayKey`. */
export const isGatewayKeyHash = (s: string): boolean => HASH_PATTERN.test(s);

/**
 * True for strings that look like a provider API key: OpenAI `sk-...` (including `sk-proj-`,
 * `sk-svcacct-`, `sk-admin-`), Anthropic `sk-ant-...`, or anything containing `T3BlbkFJ` (base64 of
 * "OpenAI", embedded in OpenAI keys). Used to refuse such keys loudly instead of forwarding them.
 */
export function looksLikeProviderKey(s: string): boolean {
  if (typeof s !== 'string') return false;
  return s.startsWith('sk-') || s.includes('T3BlbkFJ');
}

/** Constant-time comparison of two hashes (or any two strings). Unequal lengths are unequal. */
export function hashesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  // The length of a hash is not secret; timingSafeEqual requires equal lengths.
  if (left.length !== right.length) return false;
  return timingSafeEqual(left, right);
}
