/**
 * The provider keys of one provider, in config order. Each configured key is a slot holding its
 * current value and, during a rotation, a staged next value (AWSPENDING, a newer Vault version).
 *
 * The engine takes the first healthy credential: a slot's current key, or its next key once the
 * current one has been refused (401/403) or already tried for this request, so a provider that
 * revokes the old key before the manager promotes the new one costs no request. A bad key rests
 * for a cooldown and is then tried again, so a transient refusal does not retire it for good.
 *
 * Rotation: `update()` swaps a slot's values in place. Credentials are immutable objects, so a
 * request in flight keeps the key it started with; only later picks see the new one.
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

/** A key value with what the secrets manager says about it. */
export interface KeyVersion {
  readonly value: string;
  readonly version?: string;
  /** Epoch ms the version was created (manager metadata, or a file's mtime); unknown for env vars. */
  readonly createdAt?: number;
}

export interface KeyMaterial extends SecretCredential {
  readonly version?: string;
  readonly createdAt?: number;
  readonly next?: KeyVersion;
}

export interface KeyHealth {
  readonly id: string;
  readonly healthy: boolean;
  /** Epoch ms when the key was last marked bad; present only while it is resting. */
  readonly badSince?: number;
}

/** Safe to log: ids, versions and times, never values. */
export interface KeyDescription {
  readonly id: string;
  readonly version?: string;
  readonly createdAt?: number;
  readonly next?: { readonly id: string; readonly version?: string; readonly createdAt?: number };
}

export type KeyUpdate = 'unchanged' | 'promoted' | 'staged' | 'promoted_and_staged' | 'unstaged';

export const DEFAULT_KEY_COOLDOWN_MS = 5 * 60 * 1000;
/** Suffix of the credential id of a slot's staged key, e.g. `openai-primary+next` in audit events. */
export const NEXT_KEY_SUFFIX = '+next';

interface Slot {
  readonly id: string;
  current: SecretCredential;
  currentMeta: { version?: string; createdAt?: number };
  next: SecretCredential | undefined;
  nextMeta: { version?: string; createdAt?: number };
}

const meta = (source: {
  version?: string;
  createdAt?: number;
}): { version?: string; createdAt?: number } => ({
  ...(source.version !== undefined && { version: source.version }),
  ...(source.createdAt !== undefined && { createdAt: source.createdAt }),
});

const credential = (id: string, value: string): SecretCredential => Object.freeze({ id, value });

export class KeyRing {
  readonly provider: ProviderName;
  private readonly slots: Slot[];
  /** credential id -> epoch ms it was marked bad */
  private readonly badSince = new Map<string, number>();

  constructor(
    provider: ProviderName,
    creds: readonly KeyMaterial[],
    private readonly clock: Clock,
    private readonly cooldownMs = DEFAULT_KEY_COOLDOWN_MS,
  ) {
    if (creds.length === 0) throw new Error(`key ring for ${provider} needs at least one key`);
    const ids = new Set(creds.map((cred) => cred.id));
    if (ids.size !== creds.length) throw new Error(`key ring for ${provider} has duplicate key ids`);
    if (creds.some((cred) => cred.value === '' || cred.next?.value === ''))
      throw new Error(`key ring for ${provider} has an empty key`);
    this.provider = provider;
    this.slots = creds.map((cred) => ({
      id: cred.id,
      current: credential(cred.id, cred.value),
      currentMeta: meta(cred),
      next: cred.next === undefined ? undefined : credential(cred.id + NEXT_KEY_SUFFIX, cred.next.value),
      nextMeta: cred.next === undefined ? {} : meta(cred.next),
    }));
  }

  get size(): number {
    return this.slots.length;
  }

  /** First healthy credential not in `exclude` (ids already tried for this request), or undefined. */
  pick(exclude?: ReadonlySet<string>): SecretCredential | undefined {
    for (const slot of this.slots) {
      if (exclude?.has(slot.current.id) !== true && this.isHealthy(slot.current.id)) return slot.current;
      const next = slot.next;
      if (next !== undefined && exclude?.has(next.id) !== true && this.isHealthy(next.id)) return next;
    }
    return undefined;
  }

  /** Rests the key for the cooldown, counted from now. Unknown ids are ignored (callers are on error paths). */
  markBad(id: string): void {
    if (this.slots.some((slot) => slot.current.id === id || slot.next?.id === id))
      this.badSince.set(id, this.clock.now());
  }

  /**
   * Replaces a slot's current and next values after a refresh. A new current value is a promotion:
   * its resting state is cleared (it is a different key). Returns what changed; throws for an
   * unknown id or an empty value.
   */
  update(id: string, current: KeyVersion, next?: KeyVersion): KeyUpdate {
    const slot = this.slots.find((candidate) => candidate.id === id);
    if (slot === undefined) throw new Error(`key ring for ${this.provider} has no key "${id}"`);
    if (current.value === '' || next?.value === '')
      throw new Error(`key ring for ${this.provider} got an empty key`);
    const promoted = current.value !== slot.current.value;
    const stagedValue = next !== undefined && next.value !== current.value ? next : undefined;
    const staged = stagedValue !== undefined && stagedValue.value !== slot.next?.value;
    const unstaged = stagedValue === undefined && slot.next !== undefined;
    if (promoted) {
      slot.current = credential(id, current.value);
      this.badSince.delete(id);
    }
    slot.currentMeta = meta(current);
    if (staged || unstaged) this.badSince.delete(id + NEXT_KEY_SUFFIX);
    slot.next =
      stagedValue === undefined
        ? undefined
        : staged
          ? credential(id + NEXT_KEY_SUFFIX, stagedValue.value)
          : slot.next;
    slot.nextMeta = stagedValue === undefined ? {} : meta(stagedValue);
    if (promoted && staged) return 'promoted_and_staged';
    if (promoted) return 'promoted';
    if (staged) return 'staged';
    return unstaged ? 'unstaged' : 'unchanged';
  }

  health(): KeyHealth[] {
    const out: KeyHealth[] = [];
    for (const slot of this.slots) {
      out.push(this.healthOf(slot.current.id));
      if (slot.next !== undefined) out.push(this.healthOf(slot.next.id));
    }
    return out;
  }

  describe(): KeyDescription[] {
    return this.slots.map((slot) => ({
      id: slot.id,
      ...slot.currentMeta,
      ...(slot.next !== undefined && { next: { id: slot.next.id, ...slot.nextMeta } }),
    }));
  }

  private healthOf(id: string): KeyHealth {
    const healthy = this.isHealthy(id);
    const since = this.badSince.get(id);
    return healthy || since === undefined ? { id, healthy } : { id, healthy, badSince: since };
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
