/**
 * Fans alerts out to sinks without ever blocking or failing the caller. Each sink has its own
 * bounded queue and worker, so a slow webhook does not delay the log sink; an alert that arrives
 * while a sink's queue is full is dropped for that sink and counted. Each attempt is bounded by the
 * sink's timeout (AbortSignal.timeout), failed attempts are retried with capped exponential backoff
 * and jitter, and `close()` drains what it can before a deadline, then aborts and counts the rest.
 *
 * Alerting is not a security control, so it fails open (the request carries on) but never fails
 * unredacted: if the redactor throws, the alert is dropped.
 */
import { systemClock } from '../../core/clock.js';
import type { Clock } from '../../core/clock.js';
import type { AlertLogger } from './log-sink.js';
import { sanitizeAlert } from './sanitize.js';
import type { Alert, AlertDropReason, AlertSink } from './types.js';

export type AlertInput = Omit<Alert, 'ts'> & { readonly ts?: string };

export interface AlertDispatcherOptions {
  readonly sinks: readonly AlertSink[];
  /** Alerts waiting per sink before new ones are dropped; default 1 000. */
  readonly maxQueue?: number;
  /** The process redactor (knows every loaded secret). Applied to fields and to serialized payloads. */
  readonly redact: (text: string) => string;
  /** Operational log for failures and drops; gets sink names and error kinds, never alert content. */
  readonly logger?: AlertLogger;
  /** Stamps `ts` when an alert has none. */
  readonly clock?: Clock;
  /** First retry delay, doubled per attempt; default 250 ms. */
  readonly retryBaseMs?: number;
  /** Cap on one retry delay; default 10 000 ms. */
  readonly retryMaxMs?: number;
  /** Called for every drop, e.g. `(reason, _sink, n) => metrics.alertDropped(reason, n)`. */
  readonly onDrop?: (reason: AlertDropReason, sink: string, count: number) => void;
}

export interface AlertDispatcherStats {
  readonly delivered: number;
  readonly dropped: number;
  readonly pending: number;
}

interface Lane {
  readonly sink: AlertSink;
  queue: Alert[];
  running: Promise<void> | undefined;
  /** True after a full-queue drop was logged, until the queue drains, so a flood logs once. */
  reportedFull: boolean;
}

class RedactionFailed extends Error {
  override readonly name = 'RedactionFailed';
}

export class AlertDispatcher {
  private readonly lanes: Lane[];
  private readonly maxQueue: number;
  private readonly redact: (text: string) => string;
  private readonly logger: AlertLogger | undefined;
  private readonly clock: Clock;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly onDrop: AlertDispatcherOptions['onDrop'];
  /** Aborted when close() gives up waiting: cancels in-flight attempts and backoff sleeps. */
  private readonly shutdown = new AbortController();
  private closed = false;
  private delivered = 0;
  private dropped = 0;

  constructor(options: AlertDispatcherOptions) {
    this.maxQueue = positiveInteger(options.maxQueue ?? 1_000, 'maxQueue');
    this.retryBaseMs = positiveInteger(options.retryBaseMs ?? 250, 'retryBaseMs');
    this.retryMaxMs = positiveInteger(options.retryMaxMs ?? 10_000, 'retryMaxMs');
    this.redact = options.redact;
    this.logger = options.logger;
    this.clock = options.clock ?? systemClock;
    this.onDrop = options.onDrop;
    this.lanes = options.sinks.map((sink) => ({ sink, queue: [], running: undefined, reportedFull: false }));
  }

  stats(): AlertDispatcherStats {
    const pending = this.lanes.reduce((sum, lane) => sum + lane.queue.length + (lane.running ? 1 : 0), 0);
    return { delivered: this.delivered, dropped: this.dropped, pending };
  }

  /**
   * Queues an alert for every sink. Synchronous, cheap, never throws. Returns false when no sink
   * accepted it (closed, redactor failure, or every queue full).
   */
  emit(input: AlertInput): boolean {
    try {
      if (this.closed) {
        for (const lane of this.lanes) this.drop(lane, 'closed', 1);
        return false;
      }
      let alert: Alert;
      try {
        alert = sanitizeAlert(
          { ...input, ts: input.ts ?? new Date(this.clock.now()).toISOString() },
          this.redact,
        );
      } catch {
        for (const lane of this.lanes) this.drop(lane, 'redact_failed', 1);
        return false;
      }
      let accepted = false;
      for (const lane of this.lanes) {
        if (lane.queue.length >= this.maxQueue) {
          this.drop(lane, 'queue_full', 1);
          continue;
        }
        lane.queue.push(alert);
        accepted = true;
        lane.running ??= this.run(lane);
      }
      return accepted;
    } catch {
      return false;
    }
  }

  /**
   * Stops accepting alerts and waits for the queues to drain, at most `deadlineMs`; then aborts
   * in-flight deliveries and drops (and counts) whatever is left.
   */
  async close(deadlineMs = 5_000): Promise<AlertDispatcherStats> {
    this.closed = true;
    const drained = Promise.all(this.lanes.map((lane) => lane.running));
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, deadlineMs));
    });
    await Promise.race([drained, expired]);
    clearTimeout(timer);
    this.shutdown.abort();
    await drained;
    return this.stats();
  }

  private async run(lane: Lane): Promise<void> {
    // Start on a later tick: emit() stays synchronous and cheap for the caller.
    await Promise.resolve();
    for (let alert = lane.queue.shift(); alert !== undefined; alert = lane.queue.shift()) {
      if (this.shutdown.signal.aborted) {
        this.drop(lane, 'closed', 1 + lane.queue.length);
        lane.queue = [];
        break;
      }
      await this.deliverWithRetries(lane.sink, alert, lane);
    }
    lane.reportedFull = false;
    lane.running = undefined;
  }

  private async deliverWithRetries(sink: AlertSink, alert: Alert, lane: Lane): Promise<void> {
    const attempts = 1 + Math.max(0, Math.floor(sink.retries));
    for (let attempt = 1; ; attempt++) {
      const signal = AbortSignal.any([AbortSignal.timeout(sink.timeoutMs), this.shutdown.signal]);
      try {
        await untilAborted(
          Promise.resolve().then(() => sink.deliver(alert, { signal, redact: this.strictRedact })),
          signal,
        );
        this.delivered++;
        return;
      } catch (error) {
        const redactFailed = error instanceof RedactionFailed;
        const final =
          redactFailed || attempt >= attempts || this.shutdown.signal.aborted || !isRetryable(error);
        if (final) {
          this.logger?.warn(
            { sink: sink.name, attempts: attempt, ...errorFacts(error) },
            'alert delivery failed',
          );
          const reason = redactFailed
            ? 'redact_failed'
            : this.shutdown.signal.aborted
              ? 'closed'
              : 'delivery_failed';
          this.drop(lane, reason, 1);
          return;
        }
        await sleep(this.backoffMs(attempt), this.shutdown.signal);
      }
    }
  }

  /** Capped exponential backoff with jitter (50-100 % of the step), so retries from replicas spread. */
  private backoffMs(attempt: number): number {
    const step = Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** (attempt - 1));
    return Math.round(step * (0.5 + Math.random() * 0.5));
  }

  private readonly strictRedact = (text: string): string => {
    try {
      return this.redact(text);
    } catch {
      throw new RedactionFailed('redactor failed');
    }
  };

  private drop(lane: Lane, reason: AlertDropReason, count: number): void {
    if (count <= 0) return;
    this.dropped += count;
    if (reason === 'queue_full') {
      if (!lane.reportedFull)
        this.logger?.warn({ sink: lane.sink.name }, 'alert queue full; dropping alerts');
      lane.reportedFull = true;
    }
    try {
      this.onDrop?.(reason, lane.sink.name, count);
    } catch {
      // A metrics hook must not break alerting.
    }
  }
}

const positiveInteger = (value: number, what: string): number => {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${what} must be a positive integer`);
  return value;
};

const isRetryable = (error: unknown): boolean =>
  !(typeof error === 'object' && error !== null && 'retryable' in error && error.retryable === false);

/** Error kind only: a message could quote a URL (a credential for Slack) or an upstream body. */
const errorFacts = (error: unknown): Record<string, unknown> => ({
  errorName: error instanceof Error ? error.name : typeof error,
  status: typeof error === 'object' && error !== null && 'status' in error ? error.status : undefined,
  errorCode:
    error instanceof Error && error.cause instanceof Error && 'code' in error.cause
      ? String(error.cause.code)
      : undefined,
});

/** Settles with `work`, or rejects when `signal` aborts first (a sink that ignores its signal cannot hang a lane). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error('sink failed'));
      },
    );
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
