/**
 * Checks every provider key value must pass, at startup and at each refresh: long enough to be a
 * real key, and not bound (by the manager's own `environment` tag, label or custom metadata) to an
 * environment other than the one Bastion runs as. Errors name the reference, never the value.
 */
import { formatSecretRef, type SecretRef } from '../config/secret-ref.js';
import { NEXT_KEY_SUFFIX } from './keyring.js';
import { MIN_SECRET_LENGTH } from './redactor.js';
import { SecretError } from './resolve.js';
import type { FetchedSecret } from './sources/types.js';

/** Redactor label suffix of a staged key. */
export const NEXT_LABEL = NEXT_KEY_SUFFIX;

export function checkProviderKey(
  fetched: FetchedSecret,
  ref: SecretRef,
  where: string,
  environment: string,
): void {
  const label = formatSecretRef(ref);
  if (fetched.environment !== undefined && fetched.environment !== environment) {
    throw new SecretError(
      label,
      `the secrets manager binds this secret to ${fetched.environment} but Bastion runs as ${environment}; refusing to use it`,
      where,
    );
  }
  for (const [which, version] of [
    ['the key', fetched.current],
    ['the staged next key', fetched.next],
  ] as const) {
    if (version !== undefined && version.value.length < MIN_SECRET_LENGTH) {
      throw new SecretError(
        label,
        `${which} is shorter than ${MIN_SECRET_LENGTH} characters; check the secret`,
        where,
      );
    }
  }
}
