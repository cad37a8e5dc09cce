/**
 * The provider keys of one provider, in config order. The engine takes the first healthy key and
 * marks a key bad when the provider refuses it (401/403); a bad key rests for a cooldown and is
 * then tried again, so a transient refusal does not retire a key for good.
 */
import type { Clock } from '../core/clock.js';
import type { ProviderName } from '../core/types.js';

/**
 * Structurally identical to ProviderCredential in src/providers/types.ts (re-declared because the
 * import rules keep secrets from depending on providers). `value` must never be logged.
 */
export interface SecretCredential {
  readonly id: string;
  readonly value: string;
}

export interface KeyHealth {
  readonly id: string;
  readonly healthy: boolean;
  /** Epoch ms when the key was last marked bad; present only while it is resting. */
  readonly badSince?: number;
}

export const DEFAULT_KEY_COOLDOWN_MS = 5 * 60 * 1000;

export class KeyRing {
  readonly provider: ProviderName;
  private readonly creds: readonly SecretCredential[];
  /** key id -> epoch ms it was marked bad */
  private readonly badSince = new Map<string, number>();

  constructor(
    provider: ProviderName,
    creds: readonly SecretCredential[],
    private readonly clock: Clock,
    private readonly cooldownMs = DEFAULT_KEY_COOLDOWN_MS,
  ) {
    if (creds.length === 0) throw new Error(`key ring for ${provider} needs at least one key`);
    const ids = new Set(creds.map((cred) => cred.id));
    if (ids.size !== creds.length) throw new Error(`key ring for ${provider} has duplicate key ids`);
    if (creds.some((cred) => cred.value === '')) throw new Error(`key ring for ${provider} has an empty key`);
    this.provider = provider;
    this.creds = Object.freeze(creds.map((cred) => Object.freeze({ id: cred.id, value: cred.value })));
  }

  get size(): number {
    return this.creds.length;
  }

  /** First healthy key not in `exclude` (ids already tried for this request), or undefined. */
  pick(exclude?: ReadonlySet<string>): SecretCredential | undefined {
    for (const cred of this.creds) {
      if (exclude?.has(cred.id) === true) continue;
      if (this.isHealthy(cred.id)) return cred;
    }
    return undefined;
  }

  /** Rests the key for the cooldown, counted from now. Unknown ids are ignored (callers are on error paths). */
  markBad(id: string): void {
    if (this.creds.some((cred) => cred.id === id)) this.badSince.set(id, this.clock.now());
  }

  health(): KeyHealth[] {
    return this.creds.map((cred) => {
      const healthy = this.isHealthy(cred.id);
      const since = this.badSince.get(cred.id);
      return healthy || since === undefined
        ? { id: cred.id, healthy }
        : { id: cred.id, healthy, badSince: since };
    });
  }

  private isHealthy(id: string): boolean {
    const since = this.badSince.get(id);
    if (since === undefined) return true;
    if (this.clock.now() - since >= this.cooldownMs) {
      this.badSince.delete(id);
      return true;
    }
    return false;
  }
}
