import type { AuditEvent } from '../../core/audit-event.js';
import type { AuditQuery, AuditStore } from '../ports.js';

/** Same query bounds as every AuditStore adapter (see the contract suite). */
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 10_000;

function normalizeLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer');
  return Math.min(limit, MAX_LIMIT);
}

const freezeEvent = (event: AuditEvent): AuditEvent =>
  Object.freeze({ ...event, triggers: Object.freeze([...event.triggers]) });

/** In-process AuditStore for tests and embedded use. Keeps every event (no retention). */
export class MemoryAuditStore implements AuditStore {
  private readonly events: AuditEvent[] = [];
  private closed = false;

  async append(events: readonly AuditEvent[]): Promise<void> {
    this.assertOpen();
    // Copy first, then push all: the batch lands entirely or not at all.
    const copies = events.map(freezeEvent);
    this.events.push(...copies);
  }

  async query(query: AuditQuery = {}): Promise<AuditEvent[]> {
    this.assertOpen();
    const limit = normalizeLimit(query.limit);
    const { since, requestId } = query;
    const out: AuditEvent[] = [];
    // Newest first: by timestamp, then by insertion order for equal timestamps.
    const ordered = this.events
      .map((event, seq) => ({ event, seq }))
      .filter(
        ({ event }) =>
          (since === undefined || event.ts >= since) &&
          (requestId === undefined || event.requestId === requestId),
      )
      .sort((a, b) => (a.event.ts < b.event.ts ? 1 : a.event.ts > b.event.ts ? -1 : b.seq - a.seq));
    for (const { event } of ordered) {
      if (out.length >= limit) break;
      out.push(event);
    }
    return out;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('Audit store is closed.');
  }
}
