import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/audit/logger.js';
import { AuditSink } from '../../../src/audit/sink.js';
import type { AuditEvent } from '../../../src/core/audit-event.js';
import type { AuditQuery, AuditStore } from '../../../src/stores/ports.js';
import { openSqlite, SqliteAuditStore } from '../../../src/stores/sqlite/index.js';
import { deniedEvent, fullEvent } from '../../contract/fixtures.js';

/** The real SQLite store, counting append calls (= transactions) and able to fail on demand. */
class CountingAuditStore implements AuditStore {
  appends = 0;
  failures = 0;
  constructor(readonly inner: AuditStore) {}
  append(events: readonly AuditEvent[]) {
    this.appends++;
    if (this.failures > 0) {
      this.failures--;
      // A driver message that quotes content must still not reach the log.
      return Promise.reject(new Error(`write failed for ${events[0]?.requestId ?? ''}`));
    }
    return this.inner.append(events);
  }
  query(query?: AuditQuery) {
    return this.inner.query(query);
  }
  close() {
    return this.inner.close();
  }
}

const captureLogger = (redact: (line: string) => string = (line) => line) => {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  const logger = createLogger({ level: 'info', destination: stream, redact, base: {} });
  const lines = (): Record<string, unknown>[] =>
    chunks
      .join('')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, lines, text: () => chunks.join('') };
};

const dir = mkdtempSync(join(tmpdir(), 'bastion-sink-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const ts = (i: number): string => new Date(Date.UTC(2026, 0, 1) + i).toISOString();

describe('AuditSink', () => {
  let store: CountingAuditStore;
  let sink: AuditSink | undefined;

  beforeEach(() => {
    store = new CountingAuditStore(new SqliteAuditStore(openSqlite(join(dir, `audit-${++n}.db`))));
  });
  afterEach(async () => {
    await sink?.close();
    sink = undefined;
    await store.close();
  });

  it('writes an event with every field to SQLite and one {"audit": event} line', async () => {
    const ops = captureLogger();
    const audit = captureLogger();
    sink = new AuditSink({ store, logger: ops.logger, auditLogger: audit.logger });
    const event = fullEvent();
    sink.record(event);
    await sink.flush();
    expect(await store.query()).toEqual([event]);
    const lines = audit.lines();
    expect(lines).toHaveLength(1);
    expect(lines[0]?.['audit']).toEqual(event);
    expect(ops.text()).toBe('');
  });

  it('record() is synchronous and writes nothing until a flush', () => {
    sink = new AuditSink({ store, logger: captureLogger().logger });
    sink.record(fullEvent());
    expect(store.appends).toBe(0);
    expect(sink.pending).toBe(1);
  });

  it('flushes on its own within the interval, without a flush() call', async () => {
    sink = new AuditSink({ store, logger: captureLogger().logger, flushIntervalMs: 5 });
    sink.record(fullEvent());
    await expect.poll(() => store.appends, { timeout: 1000, interval: 5 }).toBe(1);
    expect(await store.query()).toHaveLength(1);
  });

  it('turns 1000 events into 1000 rows in a few transactions', async () => {
    sink = new AuditSink({ store, logger: captureLogger().logger, batchSize: 256 });
    for (let i = 0; i < 1000; i++) sink.record(deniedEvent(i, ts(i)));
    await expect.poll(() => sink?.pending, { timeout: 2000, interval: 5 }).toBe(0);
    expect(await store.query({ limit: 5000 })).toHaveLength(1000);
    expect(store.appends).toBeGreaterThanOrEqual(4);
    expect(store.appends).toBeLessThanOrEqual(8);
  });

  it('close() flushes everything still queued', async () => {
    sink = new AuditSink({ store, logger: captureLogger().logger, flushIntervalMs: 60_000 });
    for (let i = 0; i < 10; i++) sink.record(deniedEvent(i, ts(i)));
    await sink.close();
    expect(await store.query()).toHaveLength(10);
    expect(sink.dropped).toBe(0);
  });

  it('drops and counts events beyond maxQueue, logging one line without content', async () => {
    const ops = captureLogger();
    sink = new AuditSink({ store, logger: ops.logger, maxQueue: 3, flushIntervalMs: 60_000, batchSize: 100 });
    for (let i = 0; i < 5; i++) sink.record(deniedEvent(i, ts(i)));
    expect(sink.dropped).toBe(2);
    await sink.flush();
    expect(await store.query()).toHaveLength(3);
    const errors = ops.lines().filter((line) => line['level'] === 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ events: 2 });
    expect(ops.text()).not.toContain('req_');
  });

  it('retries a failed store write once on the next flush', async () => {
    const ops = captureLogger();
    sink = new AuditSink({ store, logger: ops.logger });
    store.failures = 1;
    sink.record(fullEvent());
    await sink.flush();
    expect(await store.query()).toEqual([]);
    expect(sink.pending).toBe(1);
    await sink.flush();
    expect(await store.query()).toEqual([fullEvent()]);
    expect(sink.dropped).toBe(0);
    expect(ops.text()).toContain('audit store write failed');
    expect(ops.text()).not.toContain(fullEvent().requestId);
  });

  it('drops and counts a batch that fails twice, and never throws', async () => {
    const ops = captureLogger();
    sink = new AuditSink({ store, logger: ops.logger });
    store.failures = 2;
    sink.record(fullEvent());
    await sink.flush();
    await sink.flush();
    expect(sink.dropped).toBe(1);
    expect(sink.pending).toBe(0);
    sink.record(fullEvent({ requestId: 'req_after' }));
    await sink.flush();
    expect((await store.query()).map((e) => e.requestId)).toEqual(['req_after']);
    expect(ops.text()).toContain('batch dropped');
  });

  it('counts events recorded after close as dropped', async () => {
    sink = new AuditSink({ store, logger: captureLogger().logger });
    await sink.close();
    sink.record(fullEvent());
    expect(sink.dropped).toBe(1);
    expect(await store.query()).toEqual([]);
  });

  it('sends audit lines through the logger redactor', async () => {
    const audit = captureLogger((line) => line.replaceAll('anthropic-primary', '[REDACTED]'));
    sink = new AuditSink({ store, logger: captureLogger().logger, auditLogger: audit.logger });
    sink.record(fullEvent());
    await sink.flush();
    expect(audit.text()).not.toContain('anthropic-primary');
    expect(audit.text()).toContain('[REDACTED]');
  });

  it('rejects nonsensical options', () => {
    const logger = captureLogger().logger;
    expect(() => new AuditSink({ store, logger, batchSize: 0 })).toThrow(RangeError);
    expect(() => new AuditSink({ store, logger, maxQueue: -1 })).toThrow(RangeError);
  });
});
