/**
 * End-user JWT / OIDC verification. The signing keys come from exactly one source: a JWKS URL
 * (fetched lazily, cached, refetched on an unknown `kid` after a cooldown), a JWKS file (read once
 * at startup) or an HS256 shared secret. Issuer, audience, expiry (required) and not-before are
 * checked with a bounded clock skew; the algorithm allowlist never includes `none`, and symmetric
 * algorithms are accepted only with a secret, asymmetric ones only with a JWKS (no alg confusion).
 * Every verification failure is the same public `invalid_user_token`; `detail` holds the JOSE
 * error code only, never the token or its claims.
 */
import { readFile } from 'node:fs/promises';
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify } from 'jose';
import type { JSONWebKeySet, JWTVerifyGetKey } from 'jose';
import { GatewayError } from '../core/errors.js';
import { looksLikeJwt, MAX_JWT_LENGTH } from './jwt-shape.js';

export { looksLikeJwt, MAX_JWT_LENGTH } from './jwt-shape.js';

export interface JwtVerifierOptions {
  /** JWKS endpoint (http or https). Exactly one of jwksUrl, jwksFile and secret must be set. */
  readonly jwksUrl?: string | undefined;
  /** Path of a JWKS JSON file, read once when the verifier is created. */
  readonly jwksFile?: string | undefined;
  /** HS256 shared secret, already resolved from its secret reference (at least 32 bytes). */
  readonly secret?: string | undefined;
  readonly issuer: string;
  readonly audience: string;
  /** Claim whose value becomes the end-user id (e.g. `sub`). */
  readonly userClaim: string;
  readonly clockSkewSeconds: number;
  /** Allowed `alg` values; defaults to HS256 for a secret, the asymmetric algorithms for a JWKS. */
  readonly algorithms?: readonly string[] | undefined;
  /** How long a fetched remote JWKS is used before it is fetched again. */
  readonly jwksCacheSeconds: number;
  /** Timeout of one JWKS fetch, default 5000 ms. */
  readonly jwksTimeoutMs?: number | undefined;
  /** Minimum delay between two fetches triggered by unknown key ids, default 30 s (capped by the cache age). */
  readonly jwksCooldownSeconds?: number | undefined;
}

export interface JwtVerifier {
  /** Resolves to the end-user id named by the configured claim, or throws `invalid_user_token`. */
  verify(token: string): Promise<{ userId: string }>;
}

export const MAX_USER_ID_LENGTH = 256;
export const ASYMMETRIC_ALGORITHMS = Object.freeze([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
]);
export const SYMMETRIC_ALGORITHMS = Object.freeze(['HS256', 'HS384', 'HS512']);
/** RFC 7518 §3.2: an HMAC key must be at least as long as the hash output. */
const MIN_SECRET_BYTES = 32;
const DEFAULT_JWKS_TIMEOUT_MS = 5000;
const DEFAULT_JWKS_COOLDOWN_SECONDS = 30;
const SOURCE = 'identity';
// C0 controls and DEL: an id containing them is not a real user id and would be awkward in any sink.
const hasControlChars = (s: string): boolean => {
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
};

const invalidToken = (detail: string): GatewayError =>
  new GatewayError('invalid_user_token', { detail, source: SOURCE });

/** Misconfiguration is reported at startup (plain Error), never per request. */
function resolveAlgorithms(options: JwtVerifierOptions, symmetric: boolean): string[] {
  const permitted = symmetric ? SYMMETRIC_ALGORITHMS : ASYMMETRIC_ALGORITHMS;
  const algorithms =
    options.algorithms === undefined ? (symmetric ? ['HS256'] : [...permitted]) : [...options.algorithms];
  if (algorithms.length === 0) throw new Error('jwt: algorithms must not be empty');
  for (const alg of algorithms) {
    if (!permitted.includes(alg)) {
      throw new Error(
        `jwt: algorithm ${JSON.stringify(alg)} is not allowed with ${symmetric ? 'a shared secret' : 'a JWKS'}`,
      );
    }
  }
  return algorithms;
}

async function loadJwksFile(path: string): Promise<JWTVerifyGetKey> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new Error(`jwt: cannot read JWKS file ${path}: ${(error as Error).message}`, { cause: error });
  }
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    !Array.isArray((parsed as { keys?: unknown }).keys) ||
    (parsed as { keys: unknown[] }).keys.length === 0
  ) {
    throw new Error(`jwt: JWKS file ${path} has no "keys" array`);
  }
  const jwks = parsed as JSONWebKeySet;
  // Private key material in a verification key set is a deployment mistake worth refusing loudly.
  if (jwks.keys.some((key) => 'd' in key || 'k' in key)) {
    throw new Error(`jwt: JWKS file ${path} must contain public keys only`);
  }
  return createLocalJWKSet(jwks);
}

function keySource(options: JwtVerifierOptions): 'url' | 'file' | 'secret' {
  const set = (['jwksUrl', 'jwksFile', 'secret'] as const).filter((k) => options[k] !== undefined);
  if (set.length !== 1) throw new Error('jwt: set exactly one of jwksUrl, jwksFile or secret');
  return set[0] === 'jwksUrl' ? 'url' : set[0] === 'jwksFile' ? 'file' : 'secret';
}

export async function createJwtVerifier(options: JwtVerifierOptions): Promise<JwtVerifier> {
  const source = keySource(options);
  if (options.issuer === '' || options.audience === '' || options.userClaim === '') {
    throw new Error('jwt: issuer, audience and userClaim must be non-empty');
  }
  if (!Number.isFinite(options.clockSkewSeconds) || options.clockSkewSeconds < 0) {
    throw new Error('jwt: clockSkewSeconds must be >= 0');
  }
  const algorithms = resolveAlgorithms(options, source === 'secret');

  let key: Uint8Array | JWTVerifyGetKey;
  if (source === 'secret') {
    const secret = new TextEncoder().encode(options.secret ?? '');
    if (secret.byteLength < MIN_SECRET_BYTES)
      throw new Error(`jwt: secret must be at least ${MIN_SECRET_BYTES} bytes`);
    key = secret;
  } else if (source === 'file') {
    key = await loadJwksFile(options.jwksFile ?? '');
  } else {
    const url = new URL(options.jwksUrl ?? '');
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      throw new Error('jwt: jwksUrl must be http(s)');
    const cacheMaxAge = options.jwksCacheSeconds * 1000;
    if (!Number.isFinite(cacheMaxAge) || cacheMaxAge <= 0)
      throw new Error('jwt: jwksCacheSeconds must be > 0');
    key = createRemoteJWKSet(url, {
      cacheMaxAge,
      cooldownDuration: Math.min(
        (options.jwksCooldownSeconds ?? DEFAULT_JWKS_COOLDOWN_SECONDS) * 1000,
        cacheMaxAge,
      ),
      timeoutDuration: options.jwksTimeoutMs ?? DEFAULT_JWKS_TIMEOUT_MS,
    });
  }

  const verifyOptions = {
    issuer: options.issuer,
    audience: options.audience,
    algorithms,
    clockTolerance: options.clockSkewSeconds,
    // A token without an expiry would be valid forever.
    requiredClaims: ['exp'],
  };
  const { userClaim } = options;

  return {
    async verify(token: string): Promise<{ userId: string }> {
      if (typeof token !== 'string' || token.length > MAX_JWT_LENGTH) throw invalidToken('token_too_long');
      if (!looksLikeJwt(token)) throw invalidToken('malformed');
      let payload: Record<string, unknown>;
      try {
        // Both overloads of jwtVerify; TypeScript cannot pick one for the union.
        const result =
          key instanceof Uint8Array
            ? await jwtVerify(token, key, verifyOptions)
            : await jwtVerify(token, key, verifyOptions);
        payload = result.payload;
      } catch (error) {
        // JOSE codes (ERR_JWT_EXPIRED, ERR_JWS_SIGNATURE_VERIFICATION_FAILED, ERR_JWKS_TIMEOUT, ...) name
        // the reason without echoing any part of the token. Anything else (network) gets a fixed word.
        throw invalidToken(error instanceof errors.JOSEError ? error.code : 'verification_failed');
      }
      const userId = payload[userClaim];
      if (typeof userId !== 'string' || userId === '') throw invalidToken('claim_missing');
      if (userId.length > MAX_USER_ID_LENGTH || hasControlChars(userId)) throw invalidToken('claim_invalid');
      return { userId };
    },
  };
}
