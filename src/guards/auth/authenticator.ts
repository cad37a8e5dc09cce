import type { Clock } from '../../core/clock.js';
import { GatewayError, isGatewayError } from '../../core/errors.js';
import {
  hashGatewayKey,
  hashesEqual,
  looksLikeProviderKey,
  parseGatewayKey,
} from '../../core/gateway-key.js';
import type { AppPolicy } from '../../core/policy.js';
import type { Principal } from '../../core/types.js';
import type { GatewayKeyRecord, KeyStore } from '../../stores/ports.js';
import { TtlLruCache } from './ttl-lru-cache.js';

export interface AuthOptions {
  readonly keys: KeyStore;
  readonly apps: ReadonlyMap<string, AppPolicy>;
  readonly clock: Clock;
  /**
   * How long a key record (or the absence of one) is cached, default 5000 ms. A revocation, or a
   * key created for an id that was looked up just before, takes effect within this delay on every
   * replica. Expiry is checked on every request against the clock, not cached.
   */
  readonly cacheTtlMs?: number;
  /** Bound of the positive cache (known keys), default 10 000. */
  readonly maxCachedKeys?: number;
  /** Bound of the negative cache (unknown ids), default 10 000; kept apart so floods of random ids cannot evict real keys. */
  readonly maxCachedMisses?: number;
  /**
   * End-user JWT accepted as the only credential (no gateway key). Such requests belong to `app`,
   * have no key restrictions (`models: null`) and carry the verified end-user id. Unset: a
   * JWT-looking credential is `invalid_api_key` like any other malformed key.
   */
  readonly jwt?: JwtAuthOption | undefined;
}

/** Structural: the guard needs only `verify` (src/identity's JwtVerifier satisfies it). */
export interface UserTokenVerifier {
  /** Resolves to the end-user id, or throws (a GatewayError `invalid_user_token` for a bad token). */
  verify(token: string): Promise<{ userId: string }>;
}

export interface JwtAuthOption {
  readonly verifier: UserTokenVerifier;
  /** App that JWT-only requests belong to. */
  readonly app: string;
}

/** Key id recorded for JWT-only requests (there is no gateway key). */
export const JWT_KEY_ID = 'jwt';

export interface Authenticated {
  readonly principal: Principal;
  readonly app: AppPolicy;
  /**
   * Set when the key has been rotated (`bastion keys rotate`) and still works only until its
   * scheduled revocation: epoch ms when it stops. The guard flags such requests in the audit event.
   */
  readonly rotatedKeyGraceUntil?: number;
}

/** Audit trigger of a request made with a rotated key during its grace period. */
export const ROTATED_KEY_GRACE_TRIGGER = 'auth.rotated_key_grace';

export interface Authenticator {
  /** Resolves the presented credential to a principal and its app, or throws a GatewayError. */
  authenticate(credential: string | undefined): Promise<Authenticated>;
  /** Drops cached lookups (one id, or all), e.g. right after a local `keys revoke`. */
  invalidate(keyId?: string): void;
}

export const DEFAULT_KEY_CACHE_TTL_MS = 5000;
const DEFAULT_MAX_CACHED = 10_000;
const SOURCE = 'auth';
const MAX_JWT_LENGTH = 8 * 1024;
// Compact JWS shape (three base64url segments). Kept here, not imported from src/identity, because
// guards may not import it (import rules); the verifier re-checks the shape and bounds anyway.
const JWT_PATTERN = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const looksLikeJwt = (s: string): boolean => s.length <= MAX_JWT_LENGTH && JWT_PATTERN.test(s);

/**
 * Every failure is the same public error; `detail` carries the reason (and the public key id when
 * known) for internal logs only. The credential itself never goes into an error.
 */
const invalidKey = (reason: string, keyId?: string): GatewayError =>
  new GatewayError('invalid_api_key', {
    detail: keyId === undefined ? reason : `${reason} key_id=${keyId}`,
    source: SOURCE,
  });

export function createAuthenticator(options: AuthOptions): Authenticator {
  const { keys, apps, clock } = options;
  const ttlMs = options.cacheTtlMs ?? DEFAULT_KEY_CACHE_TTL_MS;
  const known = new TtlLruCache<GatewayKeyRecord>(options.maxCachedKeys ?? DEFAULT_MAX_CACHED, ttlMs, clock);
  const missing = new TtlLruCache<true>(options.maxCachedMisses ?? DEFAULT_MAX_CACHED, ttlMs, clock);
  // Concurrent requests for the same uncached id share one store read.
  const inFlight = new Map<string, Promise<GatewayKeyRecord | undefined>>();

  async function fetchRecord(id: string): Promise<GatewayKeyRecord | undefined> {
    let record: GatewayKeyRecord | undefined;
    try {
      record = await keys.get(id);
    } catch {
      // Not cached: the next request retries the store. Fail closed with a retryable error.
      throw new GatewayError('service_unavailable', { detail: 'key store lookup failed', source: SOURCE });
    }
    if (record === undefined) missing.set(id, true);
    else known.set(id, record);
    return record;
  }

  function lookup(id: string): Promise<GatewayKeyRecord | undefined> | GatewayKeyRecord | undefined {
    const hit = known.get(id);
    if (hit !== undefined) return hit.value;
    if (missing.get(id) !== undefined) return undefined;
    let pending = inFlight.get(id);
    if (pending === undefined) {
      pending = fetchRecord(id).finally(() => inFlight.delete(id));
      inFlight.set(id, pending);
    }
    return pending;
  }

  async function authenticateJwt(token: string, jwt: JwtAuthOption): Promise<Authenticated> {
    let userId: string;
    try {
      ({ userId } = await jwt.verifier.verify(token));
    } catch (error) {
      if (isGatewayError(error)) throw error;
      throw new GatewayError('invalid_user_token', { detail: 'verification_failed', source: SOURCE });
    }
    const app = apps.get(jwt.app);
    if (app === undefined) throw invalidKey('jwt_app_missing');
    const principal: Principal = Object.freeze({
      keyId: JWT_KEY_ID,
      appId: app.id,
      models: null,
      endUserId: userId,
      endUserVerified: true,
    });
    return { principal, app };
  }

  async function authenticate(credential: string | undefined): Promise<Authenticated> {
    if (credential === undefined || credential === '') throw invalidKey('missing');
    const parsed = parseGatewayKey(credential);
    if (parsed === undefined && options.jwt !== undefined && looksLikeJwt(credential)) {
      return authenticateJwt(credential, options.jwt);
    }
    if (parsed === undefined) {
      if (looksLikeProviderKey(credential)) {
        throw new GatewayError('provider_key_rejected', { detail: 'provider key presented', source: SOURCE });
      }
      throw invalidKey('malformed');
    }
    const { id } = parsed;
    const record = await lookup(id);
    if (record === undefined) throw invalidKey('unknown_key', id);
    // The hash check comes first so that someone who only knows an id learns nothing about its state.
    if (!hashesEqual(hashGatewayKey(credential), record.hash)) throw invalidKey('hash_mismatch', id);
    // A revocation in the future is a rotation's grace period: the key works until then, flagged.
    if (record.revokedAt !== null && clock.now() >= record.revokedAt) throw invalidKey('revoked', id);
    if (record.expiresAt !== null && clock.now() >= record.expiresAt) throw invalidKey('expired', id);
    const app = apps.get(record.appId);
    if (app === undefined) throw invalidKey('app_missing', id);
    const principal: Principal = Object.freeze({
      keyId: record.id,
      appId: record.appId,
      models: record.models,
      endUserId: undefined,
    });
    return record.revokedAt === null
      ? { principal, app }
      : { principal, app, rotatedKeyGraceUntil: record.revokedAt };
  }

  return {
    authenticate,
    invalidate(keyId?: string): void {
      if (keyId === undefined) {
        known.clear();
        missing.clear();
      } else {
        known.delete(keyId);
        missing.delete(keyId);
      }
    },
  };
}
