/**
 * Keeps provider keys current while the gateway runs. Every `refreshSeconds` each key is re-read
 * from its source (file, Vault, AWS, Azure, Google); a new value is registered with the redactor
 * and swapped into its key ring (requests in flight keep the key they started with), a staged
 * version becomes the ring's next key. A failed read keeps the last good value and raises an
 * alert; the first good read after failures raises a recovery alert. Key age is checked after
 * every refresh: a key older than the rotation period raises an alert once a day.
 *
 * Alerts and logs carry key ids, references, versions and reasons, never values.
 */
import { formatSecretRef, type SecretRef } from '../config/secret-ref.js';
import type { Clock } from '../core/clock.js';
import type { ProviderName } from '../core/types.js';
import type { KeyRing, KeyUpdate } from './keyring.js';
import type { Redactor } from './redactor.js';
import { checkProviderKey, NEXT_LABEL } from './key-checks.js';
import { fetchSecret, SecretError, type SecretSources } from './resolve.js';

export interface SecretAlert {
  readonly kind: string;
  readonly severity: 'info' | 'warning' | 'critical';
  readonly subject: Record<string, string | number>;
  readonly message: string;
}

export type AlertFn = (alert: SecretAlert) => void;

export interface WatchedKey {
  readonly provider: ProviderName;
  readonly ring: KeyRing;
  readonly id: string;
  readonly ref: SecretRef;
}

export interface RefresherOptions {
  readonly keys: readonly WatchedKey[];
  readonly sources: SecretSources;
  readonly redactor: Redactor;
  readonly clock: Clock;
  readonly environment: string;
  /** Age after which a key raises `provider_key.age_exceeded`; default 90 days. */
  readonly rotationMs?: number;
  readonly alert?: AlertFn;
  readonly info?: (fields: object, message: string) => void;
}

export interface KeyRefreshResult {
  readonly provider: ProviderName;
  readonly id: string;
  readonly outcome: KeyUpdate | 'failed';
  /** Safe reason when failed (names the reference, never the value). */
  readonly reason?: string;
}

export const DEFAULT_ROTATION_MS = 90 * 86_400_000;
const DAY_MS = 86_400_000;

export class KeyRefresher {
  private alertFn: AlertFn | undefined;
  private readonly failing = new Map<string, number>();
  /** `${slot}@${version}` -> epoch ms of the last age alert. */
  private readonly ageAlerted = new Map<string, number>();
  private running: Promise<KeyRefreshResult[]> | undefined;
  private timer: NodeJS.Timeout | undefined;
  readonly rotationMs: number;

  constructor(private readonly options: RefresherOptions) {
    this.alertFn = options.alert;
    this.rotationMs = options.rotationMs ?? DEFAULT_ROTATION_MS;
  }

  /** The alert dispatcher exists only after the keys are loaded, so it is attached afterwards. */
  setAlert(alert: AlertFn): void {
    this.alertFn = alert;
  }

  /** Consecutive failed refreshes per key id (0 when healthy). */
  failures(id: string): number {
    return this.failing.get(id) ?? 0;
  }

  /** Re-reads every key once; concurrent calls share the run in progress. */
  refresh(): Promise<KeyRefreshResult[]> {
    this.running ??= this.refreshAll().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Starts the periodic refresh. The timer does not keep the process alive. */
  start(intervalMs: number): void {
    this.stop();
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Raises `provider_key.age_exceeded` for each key (current or staged) older than the rotation period. */
  checkAges(): Array<{ provider: ProviderName; id: string; version?: string; ageDays: number }> {
    const now = this.options.clock.now();
    const old: Array<{ provider: ProviderName; id: string; version?: string; ageDays: number }> = [];
    const seenRings = new Set<KeyRing>();
    for (const { ring, provider } of this.options.keys) {
      if (seenRings.has(ring)) continue;
      seenRings.add(ring);
      for (const key of ring.describe()) {
        if (key.createdAt === undefined || now - key.createdAt < this.rotationMs) continue;
        const ageDays = Math.floor((now - key.createdAt) / DAY_MS);
        old.push({
          provider,
          id: key.id,
          ...(key.version !== undefined && { version: key.version }),
          ageDays,
        });
        const dedupe = `${provider}/${key.id}@${key.version ?? key.createdAt}`;
        const last = this.ageAlerted.get(dedupe);
        if (last !== undefined && now - last < DAY_MS) continue;
        this.ageAlerted.set(dedupe, now);
        this.alertFn?.({
          kind: 'provider_key.age_exceeded',
          severity: 'warning',
          subject: {
            provider,
            key: key.id,
            ageDays,
            ...(key.version !== undefined && { version: key.version }),
          },
          message: `provider key ${key.id} is ${ageDays} days old, past the ${Math.round(this.rotationMs / DAY_MS)}-day rotation period; rotate it`,
        });
      }
    }
    return old;
  }

  private async refreshAll(): Promise<KeyRefreshResult[]> {
    const results: KeyRefreshResult[] = [];
    for (const key of this.options.keys) results.push(await this.refreshOne(key));
    this.checkAges();
    return results;
  }

  private async refreshOne(key: WatchedKey): Promise<KeyRefreshResult> {
    const { provider, id, ref, ring } = key;
    const where = `providers.${provider}.keys (${id})`;
    const subject = { provider, key: id, ref: formatSecretRef(ref) };
    try {
      const fetched = await fetchSecret(ref, this.options.sources);
      checkProviderKey(fetched, ref, where, this.options.environment);
      this.options.redactor.add(fetched.current.value, id);
      if (fetched.next !== undefined) this.options.redactor.add(fetched.next.value, id + NEXT_LABEL);
      const outcome = ring.update(id, fetched.current, fetched.next);
      const failures = this.failing.get(id);
      if (failures !== undefined) {
        this.failing.delete(id);
        this.alertFn?.({
          kind: 'secret.refresh_recovered',
          severity: 'info',
          subject,
          message: `provider key ${id} refreshed again after ${failures} failed attempt(s)`,
        });
      }
      this.announce(outcome, key, fetched.current.version, fetched.next?.version);
      return { provider, id, outcome };
    } catch (error) {
      const reason =
        error instanceof SecretError ? error.message : 'unexpected error while reading the secret';
      const failures = (this.failing.get(id) ?? 0) + 1;
      this.failing.set(id, failures);
      // First failure of a streak is critical news; later ones repeat at most hourly via the dispatcher's sinks.
      if (failures === 1 || failures % 12 === 0) {
        this.alertFn?.({
          kind: 'secret.refresh_failed',
          severity: 'warning',
          subject: { ...subject, failures },
          message: `${reason}; keeping the last good value`,
        });
      }
      return { provider, id, outcome: 'failed', reason };
    }
  }

  private announce(outcome: KeyUpdate, key: WatchedKey, version?: string, nextVersion?: string): void {
    if (outcome === 'unchanged') return;
    const subject = {
      provider: key.provider,
      key: key.id,
      ...(version !== undefined && { version }),
      ...(nextVersion !== undefined && { nextVersion }),
    };
    if (outcome === 'promoted' || outcome === 'promoted_and_staged') {
      this.alertFn?.({
        kind: 'provider_key.promoted',
        severity: 'info',
        subject,
        message: `provider key ${key.id} now uses a new version; requests in flight finish on the old one`,
      });
    }
    if (outcome === 'staged' || outcome === 'promoted_and_staged') {
      this.alertFn?.({
        kind: 'provider_key.staged',
        severity: 'info',
        subject,
        message: `a new version of provider key ${key.id} is staged as next (used if the current key is refused)`,
      });
    }
    this.options.info?.({ component: 'secrets', ...subject, outcome }, 'provider key refreshed');
  }
}
