import type { AuditEvent } from '../core/audit-event.js';
import type { AuditStore } from '../stores/ports.js';
import { flushLogger } from './logger.js';
import type { Logger } from './logger.js';

export interface AuditSinkOptions {
  readonly store: AuditStore;
  /** Operational log for sink failures and drops. Never receives event content. */
  readonly logger: Logger;
  /** Writes one `{"audit": event}` JSON line per event (stdout or file); omit to use the store only. */
  readonly auditLogger?: Logger;
  /** Longest an event waits in the queue, default 5 ms. */
  readonly flushIntervalMs?: number;
  /** Events per store append (one transaction), default 256; a full batch is flushed at once. */
  readonly batchSize?: number;
  /** Queue bound, default 10 000; events recorded while it is full are dropped and counted. */
  readonly maxQueue?: number;
}

const errorFacts = (error: unknown): Record<string, unknown> => ({
  // Name and code only: a driver message could quote a value from the batch.
  errorName: error instanceof Error ? error.name : typeof error,
  errorCode: error instanceof Error && 'code' in error ? String(error.code) : undefined,
});

/**
 * Off-the-hot-path audit writer. `record()` only pushes to a bounded queue; a timer (or a full
 * batch) drains it into the AuditStore, one `append` (one transaction) per batch, and into the audit
 * log. A failed store write is retried once on the next flush, then dropped and counted.
 * What a hard crash can lose: events still queued (at most `flushIntervalMs` worth, or the queue
 * while the store is failing) and the batch awaiting its retry. `close()` on SIGTERM loses nothing
 * unless the store is down.
 */
export class AuditSink {
  private readonly store: AuditStore;
  private readonly logger: Logger;
  private readonly auditLogger: Logger | undefined;
  private readonly flushIntervalMs: number;
  private readonly batchSize: number;
  private readonly maxQueue: number;

  private queue: AuditEvent[] = [];
  private retryBatch: AuditEvent[] | undefined;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  /** Settles when the last scheduled drain has finished; drains run one at a time, in order. */
  private tail: Promise<void> = Promise.resolve();
  private droppedTotal = 0;
  private droppedUnreported = 0;
  private closed = false;

  constructor(options: AuditSinkOptions) {
    this.store = options.store;
    this.logger = options.logger;
    this.auditLogger = options.auditLogger;
    this.flushIntervalMs = positiveInteger(options.flushIntervalMs ?? 5, 'flushIntervalMs');
    this.batchSize = positiveInteger(options.batchSize ?? 256, 'batchSize');
    this.maxQueue = positiveInteger(options.maxQueue ?? 10_000, 'maxQueue');
  }

  /** Events dropped so far (queue full, sink closed, or store failing twice). */
  get dropped(): number {
    return this.droppedTotal;
  }

  /** Events not yet in the store (queued or awaiting retry). */
  get pending(): number {
    return this.queue.length + (this.retryBatch?.length ?? 0);
  }

  /** Synchronous and cheap; never throws into the request path. */
  record(event: AuditEvent): void {
    if (this.closed || this.queue.length >= this.maxQueue) {
      this.droppedTotal++;
      this.droppedUnreported++;
      if (this.closed) this.reportDrops();
      return;
    }
    this.queue.push(event);
    if (this.queue.length >= this.batchSize) this.scheduleImmediate();
    else this.scheduleTimer();
  }

  /** Drains everything queued so far (and the pending retry) into the store and the audit log. */
  flush(): Promise<void> {
    this.cancelScheduled();
    const run = this.tail.then(() => this.drain());
    this.tail = run;
    return run;
  }

  /** Final flush (SIGTERM): gives a failed batch its one retry, then counts whatever is left as dropped. */
  async close(): Promise<void> {
    if (this.closed) return this.tail;
    this.closed = true;
    await this.flush();
    if (this.pending > 0) await this.flush();
    const lost = this.pending;
    if (lost > 0) {
      this.queue = [];
      this.retryBatch = undefined;
      this.droppedTotal += lost;
      this.logger.error({ events: lost }, 'audit sink closed with unwritten events; they were dropped');
    }
    this.reportDrops();
    await Promise.all([flushLogger(this.logger), this.auditLogger && flushLogger(this.auditLogger)]);
  }

  private async drain(): Promise<void> {
    this.reportDrops();
    const retry = this.retryBatch;
    if (retry !== undefined) {
      this.retryBatch = undefined;
      if (!(await this.append(retry))) {
        this.droppedTotal += retry.length;
        this.logger.error({ events: retry.length }, 'audit store write failed twice; batch dropped');
      }
    }
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.batchSize);
      this.writeLines(batch);
      if (!(await this.append(batch))) {
        // Keep it for one retry and stop: the store is probably down, later batches wait in the queue.
        this.retryBatch = batch;
        if (!this.closed) this.scheduleTimer();
        return;
      }
    }
  }

  private async append(batch: AuditEvent[]): Promise<boolean> {
    try {
      await this.store.append(batch);
      return true;
    } catch (error) {
      this.logger.error({ ...errorFacts(error), events: batch.length }, 'audit store write failed');
      return false;
    }
  }

  private writeLines(batch: readonly AuditEvent[]): void {
    const auditLogger = this.auditLogger;
    if (auditLogger === undefined) return;
    try {
      for (const event of batch) auditLogger.info({ audit: event });
    } catch (error) {
      this.logger.error({ ...errorFacts(error), events: batch.length }, 'audit log write failed');
    }
  }

  private reportDrops(): void {
    if (this.droppedUnreported === 0) return;
    const count = this.droppedUnreported;
    this.droppedUnreported = 0;
    this.logger.error(
      { events: count, droppedTotal: this.droppedTotal },
      this.closed ? 'audit event recorded after close; dropped' : 'audit queue full; events dropped',
    );
  }

  private scheduleTimer(): void {
    if (this.timer !== undefined || this.immediate !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.flushIntervalMs);
    // Never keep the process alive for the sink; close() is the orderly path.
    this.timer.unref();
  }

  private scheduleImmediate(): void {
    if (this.immediate !== undefined) return;
    this.immediate = setImmediate(() => {
      this.immediate = undefined;
      void this.flush();
    });
    this.immediate.unref();
  }

  private cancelScheduled(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer`);
  return value;
}
