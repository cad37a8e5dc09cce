/**
 * Cheap, dependency-free shape checks for JWTs, run before any parsing so that oversized or
 * obviously malformed input never reaches the JOSE library.
 */

/** Longest token accepted (bytes of ASCII); real OIDC ID/access tokens are far smaller. */
export const MAX_JWT_LENGTH = 8 * 1024;

// Compact JWS: header.payload.signature, each base64url without padding. The signature may be
// empty only for `alg: none`, which is never accepted, so it is required here too.
const JWT_PATTERN = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** True when `s` has the shape of a compact JWS (three non-empty base64url segments) and a sane length. */
export function looksLikeJwt(s: unknown): s is string {
  return typeof s === 'string' && s.length > 0 && s.length <= MAX_JWT_LENGTH && JWT_PATTERN.test(s);
}
