/**
 * Startup loading of every secret the config references: provider key rings and the audit
 * pseudonym key. Each value is registered with the redactor before anything else can see it.
 * Provider keys come with a refresher that keeps them current (rotation without a restart).
 */
import { randomBytes } from 'node:crypto';
import type { BastionConfig } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import type { ProviderName } from '../core/types.js';
import { checkProviderKey, NEXT_LABEL } from './key-checks.js';
import { KeyRing, type KeyMaterial } from './keyring.js';
import type { Redactor } from './redactor.js';
import { KeyRefresher, type AlertFn, type WatchedKey } from './refresher.js';
import { describeSecretRef, fetchSecret, resolveSecret, SecretError, type SecretSources } from './resolve.js';

export interface SecretLoadDeps extends SecretSources {
  readonly redactor: Redactor;
}

export interface KeyRingDeps extends SecretLoadDeps {
  readonly clock: Clock;
  readonly cooldownMs?: number;
  readonly alert?: AlertFn;
  readonly info?: (fields: object, message: string) => void;
}

const PROVIDERS: readonly ProviderName[] = ['openai', 'anthropic'];

/** Shortest accepted pseudonym key: an HMAC key shorter than this is guessable. */
export const MIN_PSEUDONYM_KEY_LENGTH = 16;

export interface ProviderKeys {
  readonly rings: Map<ProviderName, KeyRing>;
  readonly refresher: KeyRefresher;
}

/**
 * Reads every provider key (current and, where the manager stages one, next). Fails on the first
 * key that cannot be read, is too short, or is bound to another environment, by the config's
 * `environment` field or by the manager's own `environment` tag.
 */
export const loadProviderKeys = async (config: BastionConfig, deps: KeyRingDeps): Promise<ProviderKeys> => {
  const rings = new Map<ProviderName, KeyRing>();
  const watched: Array<Omit<WatchedKey, 'ring'>> = [];
  for (const provider of PROVIDERS) {
    const block = config.providers[provider];
    if (block === undefined) continue;
    const creds: KeyMaterial[] = [];
    for (const [index, key] of block.keys.entries()) {
      const where = `providers.${provider}.keys[${index}] (${key.id})`;
      // Checked here as well as in the schema: a config built in code must not bypass the binding.
      if (key.environment !== undefined && key.environment !== config.environment) {
        throw new Error(
          `${where}: key is bound to ${key.environment} but Bastion runs as ${config.environment}; refusing to use it`,
        );
      }
      let fetched;
      try {
        fetched = await fetchSecret(key.secret, deps);
      } catch (error) {
        if (error instanceof SecretError) throw new SecretError(error.ref, error.reason, where);
        throw error;
      }
      checkProviderKey(fetched, key.secret, where, config.environment);
      deps.redactor.add(fetched.current.value, key.id);
      if (fetched.next !== undefined) deps.redactor.add(fetched.next.value, key.id + NEXT_LABEL);
      creds.push({
        id: key.id,
        ...fetched.current,
        ...(fetched.next !== undefined &&
          fetched.next.value !== fetched.current.value && { next: fetched.next }),
      });
      watched.push({ provider, id: key.id, ref: key.secret });
    }
    rings.set(provider, new KeyRing(provider, creds, deps.clock, deps.cooldownMs));
  }
  const refresher = new KeyRefresher({
    keys: watched.map((key) => ({ ...key, ring: rings.get(key.provider) as KeyRing })),
    // The world-readable warning for a key file was given at startup; refreshes do not repeat it.
    sources: { ...deps, warn: undefined },
    redactor: deps.redactor,
    clock: deps.clock,
    environment: config.environment,
    rotationMs: config.secrets.rotationDays * 86_400_000,
    ...(deps.alert !== undefined && { alert: deps.alert }),
    ...(deps.info !== undefined && { info: deps.info }),
  });
  return { rings, refresher };
};

/** The key rings alone (no refresh). */
export const loadProviderKeyRings = async (
  config: BastionConfig,
  deps: KeyRingDeps,
): Promise<Map<ProviderName, KeyRing>> => (await loadProviderKeys(config, deps)).rings;

export interface PseudonymKey {
  readonly key: string;
  /** True when no key was configured and a random per-process key was generated (development only). */
  readonly ephemeral: boolean;
}

/**
 * The HMAC key for pseudonymizing user ids. Required outside development (the schema also says so);
 * in development a missing key becomes a random per-process key, with a warning, which means
 * pseudonyms change on every restart.
 */
export const loadPseudonymKey = async (
  config: BastionConfig,
  deps: SecretLoadDeps,
): Promise<PseudonymKey> => {
  const ref = config.audit.pseudonymKey;
  if (ref === undefined) {
    if (config.environment !== 'development') {
      throw new Error(`audit.pseudonymKey is required in ${config.environment}`);
    }
    deps.warn?.(
      'audit.pseudonymKey is not set: using a random per-process key, so user pseudonyms change on restart',
    );
    const key = randomBytes(32).toString('hex');
    deps.redactor.add(key, 'pseudonym-key');
    return { key, ephemeral: true };
  }
  let key: string;
  try {
    key = await resolveSecret(ref, deps);
  } catch (error) {
    if (error instanceof SecretError) throw new SecretError(error.ref, error.reason, 'audit.pseudonymKey');
    throw error;
  }
  if (key.length < MIN_PSEUDONYM_KEY_LENGTH) {
    throw new SecretError(
      describeSecretRef(ref),
      `must be at least ${MIN_PSEUDONYM_KEY_LENGTH} characters (use openssl rand -hex 32)`,
      'audit.pseudonymKey',
    );
  }
  deps.redactor.add(key, 'pseudonym-key');
  return { key, ephemeral: false };
};
