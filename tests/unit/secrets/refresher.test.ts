/**
 * Key refresh, failed-refresh fallback, staging and the key-age alert, driven by real files (the
 * file: source) and an injected clock. refresh() is called directly, except in the timer test, which
 * drives start()/stop() with vitest's fake setInterval.
 */
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { ManualClock } from '../../../src/core/clock.js';
import { KeyRing } from '../../../src/secrets/keyring.js';
import { loadProviderKeys } from '../../../src/secrets/load-provider-keys.js';
import { Redactor } from '../../../src/secrets/redactor.js';
import type { SecretAlert } from '../../../src/secrets/refresher.js';

const OLD = 'sk-proj-rotationOld000000000000000000000001';
const NEW = 'sk-proj-rotationNew000000000000000000000002';
const THIRD = 'sk-proj-rotationThird0000000000000000000004';
const DAY = 86_400_000;

/** Real-time waits (setTimeout is never faked here) for a refresh started by the interval to finish. */
const settle = (ms = 100) => new Promise((resolve) => setTimeout(resolve, ms));
async function until(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await settle(10);
  }
}

let dir: string;
let keyFile: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bastion-refresh-'));
  keyFile = join(dir, 'openai');
  writeFileSync(keyFile, `${OLD}\n`, { mode: 0o600 });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const configWith = (secrets = '') =>
  parseConfig(
    `environment: development
providers:
  openai:
    keys:
      - { id: openai-primary, secret: 'file:${keyFile}' }
      - { id: openai-backup, secret: env:BACKUP }
apps: { default: { models: [gpt-4o] } }
${secrets}`,
    'test.yaml',
  );

const load = async (clock = new ManualClock(), secrets = '') => {
  const alerts: SecretAlert[] = [];
  const redactor = new Redactor();
  const keys = await loadProviderKeys(configWith(secrets), {
    env: { BACKUP: 'sk-proj-backupKey0000000000000000000000003' },
    clock,
    redactor,
    alert: (alert) => alerts.push(alert),
  });
  const ring = keys.rings.get('openai') as KeyRing;
  return { ...keys, ring, alerts, redactor, clock };
};

describe('KeyRefresher', () => {
  it('picks up a rotated value on refresh, registers it with the redactor and announces the promotion', async () => {
    const { ring, refresher, alerts, redactor } = await load();
    const before = ring.pick();
    expect(before?.value).toBe(OLD);
    writeFileSync(keyFile, NEW);
    const results = await refresher.refresh();
    expect(results.find((r) => r.id === 'openai-primary')?.outcome).toBe('promoted');
    expect(results.find((r) => r.id === 'openai-backup')?.outcome).toBe('unchanged');
    expect(ring.pick()).toEqual({ id: 'openai-primary', value: NEW });
    // The credential a request in flight holds is untouched.
    expect(before).toEqual({ id: 'openai-primary', value: OLD });
    expect(redactor.redact(`${OLD} ${NEW}`)).toBe('[REDACTED:openai-primary] [REDACTED:openai-primary]');
    expect(alerts.map((a) => a.kind)).toEqual(['provider_key.promoted']);
    expect(JSON.stringify(alerts)).not.toContain(NEW);
  });

  it('keeps the last good value when a refresh fails, alerts once per streak, and alerts on recovery', async () => {
    const { ring, refresher, alerts } = await load();
    rmSync(keyFile);
    const first = await refresher.refresh();
    expect(first.find((r) => r.id === 'openai-primary')).toMatchObject({ outcome: 'failed' });
    expect(ring.pick()?.value).toBe(OLD);
    await refresher.refresh();
    expect(refresher.failures('openai-primary')).toBe(2);
    writeFileSync(keyFile, 'short');
    await refresher.refresh(); // too short: also a failure, the old value stays
    expect(ring.pick()?.value).toBe(OLD);
    expect(alerts.map((a) => a.kind)).toEqual(['secret.refresh_failed']);
    expect(alerts[0]?.subject).toMatchObject({ key: 'openai-primary', ref: `file:${keyFile}`, failures: 1 });
    expect(alerts[0]?.message).toMatch(/cannot read the secret file \(ENOENT\); keeping the last good value/);
    writeFileSync(keyFile, NEW);
    await refresher.refresh();
    expect(ring.pick()?.value).toBe(NEW);
    expect(refresher.failures('openai-primary')).toBe(0);
    expect(alerts.map((a) => a.kind)).toEqual([
      'secret.refresh_failed',
      'secret.refresh_recovered',
      'provider_key.promoted',
    ]);
    expect(JSON.stringify(alerts)).not.toContain(OLD);
  });

  it('alerts when a key is older than the rotation period (default 90 days), once a day', async () => {
    const clock = new ManualClock(Date.UTC(2026, 5, 1));
    // The file's mtime is the key's age.
    const created = clock.now() - 89 * DAY;
    utimesSync(keyFile, created / 1000, created / 1000);
    const { refresher, alerts } = await load(clock);
    expect(refresher.checkAges()).toEqual([]);
    clock.advance(DAY);
    expect(refresher.checkAges()).toEqual([{ provider: 'openai', id: 'openai-primary', ageDays: 90 }]);
    expect(alerts).toEqual([
      {
        kind: 'provider_key.age_exceeded',
        severity: 'warning',
        subject: { provider: 'openai', key: 'openai-primary', ageDays: 90 },
        message: 'provider key openai-primary is 90 days old, past the 90-day rotation period; rotate it',
      },
    ]);
    clock.advance(DAY / 2);
    refresher.checkAges();
    expect(alerts).toHaveLength(1);
    clock.advance(DAY / 2);
    refresher.checkAges();
    expect(alerts).toHaveLength(2);
    // A rotation resets the age: the new file is fresh.
    writeFileSync(keyFile, NEW);
    utimesSync(keyFile, clock.now() / 1000, clock.now() / 1000);
    await refresher.refresh();
    expect(refresher.checkAges()).toEqual([]);
  });

  it('honours secrets.rotationDays', async () => {
    const clock = new ManualClock(Date.UTC(2026, 5, 1));
    const created = clock.now() - 31 * DAY;
    utimesSync(keyFile, created / 1000, created / 1000);
    const { refresher } = await load(clock, 'secrets: { rotationDays: 30 }');
    expect(refresher.rotationMs).toBe(30 * DAY);
    expect(refresher.checkAges().map((old) => old.id)).toEqual(['openai-primary']);
  });

  it('start(ms) refreshes on its interval and picks up a changed secret; stop() ends it', async () => {
    const { ring, refresher, alerts } = await load();
    // Only the interval is faked: file reads and the polling below run on the real event loop.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      refresher.start(60_000);
      refresher.start(60_000); // a restart replaces the timer, never adds a second one
      expect(vi.getTimerCount()).toBe(1);
      writeFileSync(keyFile, NEW);
      vi.advanceTimersByTime(59_999);
      await settle();
      expect(ring.pick()?.value).toBe(OLD);
      vi.advanceTimersByTime(1);
      await until(() => ring.pick()?.value === NEW);
      expect(alerts.map((a) => a.kind)).toEqual(['provider_key.promoted']);

      // The next tick keeps going: a second rotation lands one interval later.
      writeFileSync(keyFile, THIRD);
      vi.advanceTimersByTime(60_000);
      await until(() => ring.pick()?.value === THIRD);

      refresher.stop();
      expect(vi.getTimerCount()).toBe(0);
      writeFileSync(keyFile, OLD);
      vi.advanceTimersByTime(10 * 60_000);
      await settle();
      expect(ring.pick()?.value).toBe(THIRD);
      expect(alerts.map((a) => a.kind)).toEqual(['provider_key.promoted', 'provider_key.promoted']);
    } finally {
      refresher.stop();
      vi.useRealTimers();
    }
  });

  it('shares one run between concurrent refresh calls', async () => {
    const { refresher } = await load();
    const [a, b] = [refresher.refresh(), refresher.refresh()];
    expect(a).toBe(b);
    await a;
  });
});

describe('KeyRing staging', () => {
  const clock = new ManualClock();
  it('serves next only after the current key was refused or tried, and promotes in place', () => {
    const ring = new KeyRing(
      'openai',
      [{ id: 'k', value: 'current-value-1', next: { value: 'next-value-22' } }],
      clock,
    );
    expect(ring.pick()).toEqual({ id: 'k', value: 'current-value-1' });
    expect(ring.pick(new Set(['k']))).toEqual({ id: 'k+next', value: 'next-value-22' });
    ring.markBad('k');
    expect(ring.pick()).toEqual({ id: 'k+next', value: 'next-value-22' });
    expect(ring.health()).toEqual([
      { id: 'k', healthy: false, badSince: clock.now() },
      { id: 'k+next', healthy: true },
    ]);
    // The manager promotes the staged version: it becomes current, healthy, and nothing is staged.
    expect(ring.update('k', { value: 'next-value-22', version: '2' })).toBe('promoted');
    expect(ring.pick()).toEqual({ id: 'k', value: 'next-value-22' });
    expect(ring.describe()).toEqual([{ id: 'k', version: '2' }]);
    expect(
      ring.update('k', { value: 'next-value-22', version: '2' }, { value: 'third-value-3', version: '3' }),
    ).toBe('staged');
    expect(ring.describe()).toEqual([{ id: 'k', version: '2', next: { id: 'k+next', version: '3' } }]);
    expect(ring.update('k', { value: 'next-value-22', version: '2' })).toBe('unstaged');
    expect(() => ring.update('nope', { value: 'x-value-000' })).toThrow(/no key "nope"/);
  });
});
