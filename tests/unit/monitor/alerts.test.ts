import { afterEach, describe, expect, it } from 'vitest';
import { AlertDispatcher } from '../../../src/monitor/alerts/dispatcher.js';
import type { AlertInput } from '../../../src/monitor/alerts/dispatcher.js';
import { LogAlertSink } from '../../../src/monitor/alerts/log-sink.js';
import type { AlertLogger } from '../../../src/monitor/alerts/log-sink.js';
import type { AlertDropReason, AlertSink } from '../../../src/monitor/alerts/types.js';
import { WebhookAlertSink } from '../../../src/monitor/alerts/webhook-sink.js';
import { ManualClock } from '../../../src/core/clock.js';
import { Redactor } from '../../../src/secrets/redactor.js';
import { startReceiver } from './webhook-receiver.js';
import type { Receiver } from './webhook-receiver.js';

const SECRET = 'whsec_registered_value_42';
const redactor = new Redactor();
redactor.add(SECRET, 'alert-webhook-token');
const redact = (text: string): string => redactor.redact(text);

const alert = (overrides: Partial<AlertInput> = {}): AlertInput => ({
  kind: 'budget.threshold',
  severity: 'warning',
  environment: 'production',
  subject: { app: 'support', percent: 80, period: '2026-01' },
  message: 'App support reached 80% of its expected monthly spend.',
  ts: '2026-01-15T10:00:00.000Z',
  ...overrides,
});

/** A logger that records what it was given, as JSON text, so tests can search it. */
const recordingLogger = () => {
  const lines: { level: string; text: string }[] = [];
  const logger: AlertLogger = {
    warn: (fields, message) => lines.push({ level: 'warn', text: JSON.stringify({ ...fields, message }) }),
    error: (fields, message) => lines.push({ level: 'error', text: JSON.stringify({ ...fields, message }) }),
  };
  return { logger, lines };
};

const drops = () => {
  const seen: { reason: AlertDropReason; sink: string; count: number }[] = [];
  return {
    seen,
    onDrop: (reason: AlertDropReason, sink: string, count: number) => seen.push({ reason, sink, count }),
  };
};

let receivers: Receiver[] = [];
const receiver = async (...args: Parameters<typeof startReceiver>) => {
  const started = await startReceiver(...args);
  receivers.push(started);
  return started;
};
afterEach(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  receivers = [];
});

describe('WebhookAlertSink through AlertDispatcher', () => {
  it('POSTs the generic JSON payload with the configured headers', async () => {
    const target = await receiver();
    const sink = new WebhookAlertSink({
      url: `${target.url}/hook`,
      format: 'json',
      headers: { authorization: 'Bearer t0k' },
    });
    const dispatcher = new AlertDispatcher({ sinks: [sink], redact });
    expect(dispatcher.emit(alert())).toBe(true);
    await target.waitFor(1);
    const stats = await dispatcher.close(2_000);
    expect(stats).toEqual({ delivered: 1, dropped: 0, pending: 0 });
    const [request] = target.received;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/hook');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers.authorization).toBe('Bearer t0k');
    expect(JSON.parse(request?.body ?? '')).toEqual({
      source: 'bastion',
      v: 1,
      kind: 'budget.threshold',
      severity: 'warning',
      environment: 'production',
      subject: { app: 'support', percent: 80, period: '2026-01' },
      message: 'App support reached 80% of its expected monthly spend.',
      ts: '2026-01-15T10:00:00.000Z',
    });
  });

  it('stamps ts from the clock when the alert has none', async () => {
    const target = await receiver();
    const clock = new ManualClock(Date.UTC(2026, 4, 1, 12));
    const dispatcher = new AlertDispatcher({
      sinks: [new WebhookAlertSink({ url: target.url, format: 'json' })],
      redact,
      clock,
    });
    const { ts: _ts, ...withoutTs } = alert();
    dispatcher.emit(withoutTs);
    await dispatcher.close(2_000);
    expect(JSON.parse(target.received[0]?.body ?? '').ts).toBe('2026-05-01T12:00:00.000Z');
  });

  it('retries after a 500 and delivers on the next attempt', async () => {
    const target = await receiver((index, res) => {
      res.statusCode = index === 0 ? 500 : 204;
      res.end();
    });
    const { seen, onDrop } = drops();
    const sink = new WebhookAlertSink({ url: target.url, format: 'json', retries: 2 });
    const dispatcher = new AlertDispatcher({ sinks: [sink], redact, retryBaseMs: 10, onDrop });
    dispatcher.emit(alert());
    await target.waitFor(2);
    const stats = await dispatcher.close(2_000);
    expect(target.received).toHaveLength(2);
    expect(target.received[1]?.body).toBe(target.received[0]?.body);
    expect(stats.delivered).toBe(1);
    expect(seen).toEqual([]);
  });

  it('gives up after the bounded retries and counts the alert, without logging the URL', async () => {
    const target = await receiver((_, res) => {
      res.statusCode = 503;
      res.end('upstream says sk-proj-should-not-be-logged');
    });
    const { seen, onDrop } = drops();
    const { logger, lines } = recordingLogger();
    const sink = new WebhookAlertSink({
      url: `${target.url}/services/T000/B000/${SECRET}`,
      format: 'slack',
      retries: 2,
    });
    const dispatcher = new AlertDispatcher({ sinks: [sink], redact, retryBaseMs: 5, onDrop, logger });
    dispatcher.emit(alert());
    const stats = await dispatcher.close(2_000);
    expect(target.received).toHaveLength(3);
    expect(stats).toEqual({ delivered: 0, dropped: 1, pending: 0 });
    expect(seen).toEqual([{ reason: 'delivery_failed', sink: sink.name, count: 1 }]);
    expect(lines).toHaveLength(1);
    expect(lines[0]?.text).toContain('"status":503');
    expect(lines[0]?.text).not.toContain(SECRET);
    expect(lines[0]?.text).not.toContain('/services/');
    expect(lines[0]?.text).not.toContain('sk-proj');
  });

  it('does not retry a 4xx that a retry cannot fix', async () => {
    const target = await receiver((_, res) => {
      res.statusCode = 400;
      res.end();
    });
    const dispatcher = new AlertDispatcher({
      sinks: [new WebhookAlertSink({ url: target.url, format: 'json', retries: 3 })],
      redact,
      retryBaseMs: 5,
    });
    dispatcher.emit(alert());
    expect((await dispatcher.close(2_000)).dropped).toBe(1);
    expect(target.received).toHaveLength(1);
  });

  it('times out a receiver that never answers, per attempt, and moves on', async () => {
    const target = await receiver(() => {
      /* never respond */
    });
    const { seen, onDrop } = drops();
    const sink = new WebhookAlertSink({ url: target.url, format: 'json', timeoutMs: 100, retries: 1 });
    const dispatcher = new AlertDispatcher({ sinks: [sink], redact, retryBaseMs: 5, onDrop });
    const started = performance.now();
    dispatcher.emit(alert());
    dispatcher.emit(alert({ kind: 'second.alert' }));
    const stats = await dispatcher.close(5_000);
    const elapsed = performance.now() - started;
    expect(target.received).toHaveLength(4);
    expect(stats).toEqual({ delivered: 0, dropped: 2, pending: 0 });
    expect(seen.map((d) => d.reason)).toEqual(['delivery_failed', 'delivery_failed']);
    expect(elapsed).toBeGreaterThanOrEqual(350);
    expect(elapsed).toBeLessThan(2_000);
  });

  it('refuses redirects instead of following them', async () => {
    const elsewhere = await receiver();
    const target = await receiver((_, res) => {
      res.writeHead(307, { location: `${elsewhere.url}/steal` });
      res.end();
    });
    const dispatcher = new AlertDispatcher({
      sinks: [new WebhookAlertSink({ url: target.url, format: 'json', retries: 0 })],
      redact,
    });
    dispatcher.emit(alert());
    expect((await dispatcher.close(2_000)).dropped).toBe(1);
    expect(elsewhere.received).toHaveLength(0);
  });

  it('sends a Slack-compatible payload with escaped text and subject fields', async () => {
    const target = await receiver();
    const dispatcher = new AlertDispatcher({
      sinks: [new WebhookAlertSink({ url: target.url, format: 'slack' })],
      redact,
    });
    dispatcher.emit(
      alert({ severity: 'critical', message: 'Spend cap reached <!channel> & <https://evil.example|click>' }),
    );
    await dispatcher.close(2_000);
    const payload = JSON.parse(target.received[0]?.body ?? '') as {
      text: string;
      blocks: { type: string; text?: { text: string }; fields?: { text: string }[] }[];
    };
    expect(payload.text).toBe(
      '[CRITICAL] production budget.threshold: Spend cap reached &lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;',
    );
    expect(payload.blocks.map((b) => b.type)).toEqual(['section', 'section', 'context']);
    expect(payload.blocks[0]?.text?.text).toContain('*CRITICAL* `budget.threshold` (production)');
    expect(payload.blocks[1]?.fields?.map((f) => f.text)).toEqual([
      '*app*\nsupport',
      '*percent*\n80',
      '*period*\n2026-01',
    ]);
    expect(target.received[0]?.body).not.toContain('<!channel>');
  });
});

describe('AlertDispatcher', () => {
  it('redacts a registered secret from every field before any sink sees it', async () => {
    const target = await receiver();
    const { logger, lines } = recordingLogger();
    const dispatcher = new AlertDispatcher({
      sinks: [new WebhookAlertSink({ url: target.url, format: 'json' }), new LogAlertSink(logger)],
      redact,
    });
    dispatcher.emit(
      alert({
        kind: `leak.${SECRET}`,
        message: `key ${SECRET} and sk-proj-abcdefghijklmnop showed up`,
        subject: { [SECRET]: 'k', value: `x${SECRET}x`, quoted: `"${SECRET}"` },
      }),
    );
    await dispatcher.close(2_000);
    const body = target.received[0]?.body ?? '';
    expect(body).toContain('[REDACTED:alert-webhook-token]');
    expect(body).not.toContain(SECRET);
    expect(body).not.toContain('sk-proj-abcdefghijklmnop');
    expect(lines).toHaveLength(1);
    expect(lines[0]?.text).not.toContain(SECRET);
    expect(lines[0]?.text).toContain('[REDACTED:alert-webhook-token]');
  });

  it('drops, never sends, an alert when the redactor fails', async () => {
    const target = await receiver();
    const { seen, onDrop } = drops();
    const dispatcher = new AlertDispatcher({
      sinks: [new WebhookAlertSink({ url: target.url, format: 'json' })],
      redact: () => {
        throw new Error('redactor broken');
      },
      onDrop,
    });
    expect(dispatcher.emit(alert({ message: SECRET }))).toBe(false);
    await dispatcher.close(500);
    expect(target.received).toHaveLength(0);
    expect(seen).toEqual([
      { reason: 'redact_failed', sink: `webhook:${new URL(target.url).host}`, count: 1 },
    ]);
  });

  it('bounds the queue: drops and counts alerts beyond maxQueue, logs the overflow once', async () => {
    const held: (() => void)[] = [];
    const target = await receiver((_, res) => held.push(() => res.end()));
    const { seen, onDrop } = drops();
    const { logger, lines } = recordingLogger();
    const dispatcher = new AlertDispatcher({
      sinks: [new WebhookAlertSink({ url: target.url, format: 'json', timeoutMs: 5_000 })],
      redact,
      maxQueue: 2,
      onDrop,
      logger,
    });
    const accepted = Array.from({ length: 6 }, (_, i) => dispatcher.emit(alert({ subject: { n: i } })));
    expect(accepted).toEqual([true, true, false, false, false, false]);
    expect(seen.every((d) => d.reason === 'queue_full')).toBe(true);
    expect(seen).toHaveLength(4);
    expect(lines.filter((l) => l.text.includes('queue full'))).toHaveLength(1);
    // One in flight frees a slot: the next emit is accepted again.
    await target.waitFor(1);
    expect(dispatcher.emit(alert({ subject: { n: 6 } }))).toBe(true);
    const releaser = setInterval(() => held.splice(0).forEach((release) => release()), 5);
    const stats = await dispatcher.close(3_000);
    clearInterval(releaser);
    expect(stats).toEqual({ delivered: 3, dropped: 4, pending: 0 });
    expect(target.received.map((r) => JSON.parse(r.body).subject.n)).toEqual([0, 1, 6]);
  });

  it('keeps sinks independent: a hung webhook does not delay the log sink', async () => {
    const target = await receiver(() => {
      /* never respond */
    });
    const { logger, lines } = recordingLogger();
    const dispatcher = new AlertDispatcher({
      sinks: [
        new WebhookAlertSink({ url: target.url, format: 'json', timeoutMs: 10_000 }),
        new LogAlertSink(logger),
      ],
      redact,
    });
    dispatcher.emit(alert({ severity: 'critical' }));
    dispatcher.emit(alert({ severity: 'info' }));
    await target.waitFor(1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(lines.map((l) => l.level)).toEqual(['error', 'warn']);
    await dispatcher.close(50);
  });

  it('close() drains with a deadline, aborts what is left and refuses later alerts', async () => {
    const target = await receiver(() => {
      /* never respond */
    });
    const { seen, onDrop } = drops();
    const dispatcher = new AlertDispatcher({
      sinks: [new WebhookAlertSink({ url: target.url, format: 'json', timeoutMs: 10_000, retries: 3 })],
      redact,
      onDrop,
    });
    for (let i = 0; i < 3; i++) dispatcher.emit(alert());
    await target.waitFor(1);
    const started = performance.now();
    const stats = await dispatcher.close(150);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(elapsed).toBeLessThan(1_000);
    expect(stats).toEqual({ delivered: 0, dropped: 3, pending: 0 });
    expect(target.received).toHaveLength(1);
    expect(seen.reduce((sum, d) => sum + d.count, 0)).toBe(3);
    expect(seen.every((d) => d.reason === 'closed')).toBe(true);
    expect(dispatcher.emit(alert())).toBe(false);
    expect(dispatcher.stats().dropped).toBe(4);
  });

  it('survives sinks that throw synchronously or ignore their abort signal', async () => {
    const throwing: AlertSink = {
      name: 'throwing',
      timeoutMs: 50,
      retries: 1,
      deliver: () => {
        throw new Error('sync boom');
      },
    };
    const ignoring: AlertSink = {
      name: 'ignoring',
      timeoutMs: 50,
      retries: 0,
      deliver: () => new Promise(() => undefined),
    };
    const { seen, onDrop } = drops();
    const dispatcher = new AlertDispatcher({ sinks: [throwing, ignoring], redact, retryBaseMs: 5, onDrop });
    expect(dispatcher.emit(alert())).toBe(true);
    const stats = await dispatcher.close(1_000);
    expect(stats).toEqual({ delivered: 0, dropped: 2, pending: 0 });
    expect(seen.map((d) => `${d.sink}:${d.reason}`).sort()).toEqual([
      'ignoring:delivery_failed',
      'throwing:delivery_failed',
    ]);
  });

  it('bounds alert size and drops non-finite numbers', async () => {
    const delivered: unknown[] = [];
    const capture: AlertSink = {
      name: 'capture',
      timeoutMs: 100,
      retries: 0,
      deliver: async (a, context) => void delivered.push(JSON.parse(context.redact(JSON.stringify(a)))),
    };
    const dispatcher = new AlertDispatcher({ sinks: [capture], redact });
    const subject = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, i]));
    dispatcher.emit(alert({ message: 'm'.repeat(10_000), subject: { ...subject, bad: Number.NaN } }));
    await dispatcher.close(1_000);
    const [first] = delivered as { message: string; subject: Record<string, unknown> }[];
    expect(first?.message.length).toBeLessThanOrEqual(2_000);
    expect(Object.keys(first?.subject ?? {})).toHaveLength(20);
  });
});

describe('sinks on their own', () => {
  it('redact the serialized payload with the context redactor', async () => {
    const target = await receiver();
    const sink = new WebhookAlertSink({ url: target.url, format: 'slack' });
    const context = { signal: AbortSignal.timeout(2_000), redact };
    await sink.deliver({ ...alert(), ts: 'now', message: `token ${SECRET}` }, context);
    expect(target.received[0]?.body).not.toContain(SECRET);
    expect(target.received[0]?.body).toContain('[REDACTED:alert-webhook-token]');
    const { logger, lines } = recordingLogger();
    await new LogAlertSink(logger).deliver({ ...alert(), ts: 'now', subject: { s: SECRET } }, context);
    expect(lines[0]?.text).not.toContain(SECRET);
  });
});

describe('sink construction', () => {
  it('refuses non-http URLs without echoing the URL', () => {
    expect(() => new WebhookAlertSink({ url: `ftp://host/${SECRET}`, format: 'json' })).toThrow(
      /http or https/,
    );
    try {
      new WebhookAlertSink({ url: `not a url ${SECRET}`, format: 'json' });
      expect.unreachable();
    } catch (error) {
      expect(String(error)).not.toContain(SECRET);
    }
    expect(() => new WebhookAlertSink({ url: 'https://x.example', format: 'json', retries: 1_000 })).toThrow(
      RangeError,
    );
  });

  it('names a webhook sink by host only', () => {
    const sink = new WebhookAlertSink({
      url: `https://hooks.slack.com/services/T0/B0/${SECRET}`,
      format: 'slack',
    });
    expect(sink.name).toBe('webhook:hooks.slack.com');
  });
});
