/**
 * Startup loading of every secret the config references: provider key rings and the audit
 * pseudonym key. Each value is registered with the redactor before anything else can see it.
 */
import { randomBytes } from 'node:crypto';
import type { BastionConfig } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import type { ProviderName } from '../core/types.js';
import { KeyRing, type SecretCredential } from './keyring.js';
import { MIN_SECRET_LENGTH, type Redactor } from './redactor.js';
import { describeSecretRef, resolveSecret, SecretError, type SecretSources } from './resolve.js';

export interface SecretLoadDeps extends SecretSources {
  readonly redactor: Redactor;
}

export interface KeyRingDeps extends SecretLoadDeps {
  readonly clock: Clock;
  readonly cooldownMs?: number;
}

const PROVIDERS: readonly ProviderName[] = ['openai', 'anthropic'];

/** Shortest accepted pseudonym key: an HMAC key shorter than this is guessable. */
export const MIN_PSEUDONYM_KEY_LENGTH = 16;

export const loadProviderKeyRings = async (
  config: BastionConfig,
  deps: KeyRingDeps,
): Promise<Map<ProviderName, KeyRing>> => {
  const rings = new Map<ProviderName, KeyRing>();
  for (const provider of PROVIDERS) {
    const block = config.providers[provider];
    if (block === undefined) continue;
    const creds: SecretCredential[] = [];
    for (const [index, key] of block.keys.entries()) {
      const where = `providers.${provider}.keys[${index}] (${key.id})`;
      // Checked here as well as in the schema: a config built in code must not bypass the binding.
      if (key.environment !== undefined && key.environment !== config.environment) {
        throw new Error(
          `${where}: key is bound to ${key.environment} but Bastion runs as ${config.environment}; refusing to use it`,
        );
      }
      let value: string;
      try {
        value = await resolveSecret(key.secret, deps);
      } catch (error) {
        if (error instanceof SecretError) throw new SecretError(error.ref, error.reason, where);
        throw error;
      }
      if (value.length < MIN_SECRET_LENGTH) {
        throw new SecretError(
          describeSecretRef(key.secret),
          `the key is shorter than ${MIN_SECRET_LENGTH} characters; check the secret`,
          where,
        );
      }
      deps.redactor.add(value, key.id);
      creds.push({ id: key.id, value });
    }
    rings.set(provider, new KeyRing(provider, creds, deps.clock, deps.cooldownMs));
  }
  return rings;
};

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
