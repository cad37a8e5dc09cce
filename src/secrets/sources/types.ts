/**
 * One interface for every secrets manager. A source fetches the secret a reference names and
 * reports its version, creation time, a staged next version where the manager has that notion
 * (AWSPENDING, a newer Vault version behind the `bastion_current_version` pointer) and the
 * environment the manager's own metadata binds it to. Nothing here logs or echoes a value.
 */
import type { RemoteSecretRef, RemoteSecretScheme } from '../../config/secret-ref.js';

export interface SecretVersion {
  /** The secret value after `#field` selection. Never log it. */
  readonly value: string;
  /** Manager's version id (Vault version number, AWS VersionId, Azure version, GCP version number). */
  readonly version?: string;
  /** Epoch ms the version was created, when the manager says; drives the key-age alert. */
  readonly createdAt?: number;
}

export interface FetchedSecret {
  readonly current: SecretVersion;
  /** A staged version the key ring holds as `next` (failover during a rotation), if any. */
  readonly next?: SecretVersion;
  /** `environment` tag / label / custom metadata of the secret, when set. */
  readonly environment?: string;
}

export interface SecretSource {
  readonly scheme: RemoteSecretScheme;
  fetch(ref: RemoteSecretRef): Promise<FetchedSecret>;
  close(): Promise<void>;
}

/** Resolves the source for a scheme; throws SourceError when the scheme has no `secrets.*` block. */
export interface SecretManagers {
  get(scheme: RemoteSecretScheme): SecretSource;
}

/**
 * A failure to read from a manager. `reason` is safe to log: it holds a status code, an error name
 * or a description, never a value, a token or a response body.
 */
export class SourceError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'SourceError';
  }
}

/** Metadata key (Vault custom metadata, AWS tag, Azure tag, GCP label) that binds a secret to an environment. */
export const ENVIRONMENT_TAG = 'environment';
