/**
 * Counts content-filter and moderation hits for alerting. Two views of the same events:
 *
 * - `bastion_content_hits_total{app, direction, rule}`: every rule that fired. Labels are bounded
 *   (configured apps only, identifier-shaped rule ids capped at `maxLabelValues`); no user or key
 *   id is ever a label;
 * - a sliding-window counter per subject (a pseudonymous end user, else a gateway key id) that
 *   raises `repeated_filter_hits` when one subject trips filters `threshold` times within the
 *   window, then stays quiet for that subject for one window (one alert per burst, not per hit).
 *
 * In memory and per replica: subjects are kept in insertion order and the oldest is dropped past
 * `maxSubjects`, so memory stays bounded under a flood of distinct users. Alerting is not a
 * security control; recording never throws.
 */
import { Counter } from 'prom-client';
import type { Registry } from 'prom-client';
import type { Clock } from '../core/clock.js';
import { BoundedLabel } from './labels.js';

export interface ContentHitEvent {
  readonly app: string;
  readonly subject: { readonly kind: 'user' | 'key'; readonly id: string };
  readonly direction: 'input' | 'output';
  readonly rules: readonly string[];
}

export interface ContentHitAlert {
  readonly kind: 'repeated_filter_hits';
  readonly severity: 'warning';
  readonly subject: Record<string, string | number>;
  readonly message: string;
}

export interface ContentHitCounterOptions {
  readonly registry: Registry;
  readonly clock: Clock;
  /** Hits by one subject within the window that raise the alert. */
  readonly threshold: number;
  readonly windowMs: number;
  readonly alert: (alert: ContentHitAlert) => void;
  /** Apps that may appear as a label (the configured ones); others become `other`. */
  readonly allowedApps?: Iterable<string>;
  readonly maxLabelValues?: number;
  /** Subjects tracked at once; default 10 000. */
  readonly maxSubjects?: number;
}

interface Track {
  /** Times of the most recent hits (at most `threshold`), oldest first. */
  readonly times: number[];
  /** When this subject's last alert was raised. */
  alertedAt: number | undefined;
}

export class ContentHitCounter {
  private readonly hits: Counter<'app' | 'direction' | 'rule'>;
  private readonly apps: BoundedLabel;
  private readonly rules: BoundedLabel;
  private readonly tracks = new Map<string, Track>();
  private readonly maxSubjects: number;

  constructor(private readonly options: ContentHitCounterOptions) {
    if (!Number.isInteger(options.threshold) || options.threshold < 1)
      throw new Error('threshold must be >= 1');
    if (!(options.windowMs > 0)) throw new Error('windowMs must be > 0');
    this.maxSubjects = options.maxSubjects ?? 10_000;
    this.apps = new BoundedLabel(options.maxLabelValues ?? 100, options.allowedApps);
    this.rules = new BoundedLabel(options.maxLabelValues ?? 100);
    this.hits = new Counter({
      name: 'bastion_content_hits_total',
      help: 'Content filter and moderation rules that fired, by app, direction and rule (no user labels).',
      labelNames: ['app', 'direction', 'rule'] as const,
      registers: [options.registry],
    });
  }

  /** Subjects currently tracked (for tests and memory checks). */
  get trackedSubjects(): number {
    return this.tracks.size;
  }

  record(event: ContentHitEvent): void {
    try {
      const app = this.apps.map(event.app);
      for (const rule of event.rules) {
        this.hits.inc({ app, direction: event.direction, rule: this.rules.map(rule) });
      }
      this.count(event);
    } catch {
      // Counting must never break the request path.
    }
  }

  private count(event: ContentHitEvent): void {
    const now = this.options.clock.now();
    const { threshold, windowMs } = this.options;
    const key = `${event.app}\u0000${event.subject.kind}\u0000${event.subject.id}`;
    const track = this.tracks.get(key) ?? { times: [], alertedAt: undefined };
    // Re-insert so the map stays in least-recently-hit order.
    this.tracks.delete(key);
    this.tracks.set(key, track);
    if (this.tracks.size > this.maxSubjects) {
      const oldest = this.tracks.keys().next().value;
      if (oldest !== undefined) this.tracks.delete(oldest);
    }
    track.times.push(now);
    while (track.times.length > threshold) track.times.shift();
    while (track.times.length > 0 && (track.times[0] as number) <= now - windowMs) track.times.shift();
    if (track.times.length < threshold) return;
    if (track.alertedAt !== undefined && now - track.alertedAt < windowMs) return;
    track.alertedAt = now;
    const who: Record<string, string> =
      event.subject.kind === 'user' ? { user: event.subject.id } : { keyId: event.subject.id };
    this.options.alert({
      kind: 'repeated_filter_hits',
      severity: 'warning',
      subject: {
        app: event.app,
        ...who,
        hits: track.times.length,
        windowSeconds: Math.round(windowMs / 1000),
      },
      message: `One ${event.subject.kind === 'user' ? 'end user' : 'gateway key'} tripped content filters or moderation ${track.times.length} times within ${Math.round(windowMs / 1000)} seconds.`,
    });
  }
}
