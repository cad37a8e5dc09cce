import { createHmac } from 'node:crypto';

/** Minimum key length: the pseudonyms are only as private as this key is secret and unguessable. */
const MIN_KEY_LENGTH = 16;

export type Pseudonymizer = (userId: string) => string;

/**
 * Keyed pseudonyms for end-user ids in audit events: `u_` + the first 32 hex chars (128 bits) of
 * HMAC-SHA256(key, userId). Stable for a key, so one user's requests can be correlated, but not
 * reversible or linkable across deployments without the key (a plain hash of an email is neither).
 */
export function createPseudonymizer(key: string): Pseudonymizer {
  if (typeof key !== 'string' || key.length < MIN_KEY_LENGTH) {
    // Fail at startup, never fall back to an unkeyed hash. The key itself is not in the message.
    throw new Error(`The pseudonymization key must be at least ${MIN_KEY_LENGTH} characters.`);
  }
  return (userId: string): string =>
    `u_${createHmac('sha256', key).update(userId, 'utf8').digest('hex').slice(0, 32)}`;
}
