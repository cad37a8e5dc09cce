import type { LedgerEntry, LedgerStore } from '../../stores/ports.js';

interface Pending {
  readonly reservationId: string;
  readonly entry: LedgerEntry;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Settlements leave the request path in batches: one `commitMany` (one transaction on SQLite) every
 * `flushMs` or every `maxBatch` entries. Until its batch lands, a reservation keeps counting against
 * its caps, so batching can only make admission more conservative, never overshoot. `push` resolves
 * when the entry is stored, so the engine's shutdown drain waits for it.
 */
export class SettlementQueue {
  private queue: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ledger: LedgerStore,
    private readonly flushMs = 10,
    private readonly maxBatch = 256,
  ) {}

  push(reservationId: string, entry: LedgerEntry): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ reservationId, entry, resolve, reject });
      if (this.queue.length >= this.maxBatch) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.flushMs).unref();
    });
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    this.ledger.commitMany(batch.map(({ reservationId, entry }) => ({ reservationId, entry }))).then(
      () => batch.forEach((item) => item.resolve()),
      (error: unknown) => batch.forEach((item) => item.reject(error)),
    );
  }
}
