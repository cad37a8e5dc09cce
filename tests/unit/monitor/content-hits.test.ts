import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { ContentHitCounter } from '../../../src/monitor/content-hits.js';
import type { ContentHitAlert, ContentHitEvent } from '../../../src/monitor/content-hits.js';

const setup = (options: { threshold?: number; windowMs?: number; maxSubjects?: number } = {}) => {
  const clock = new ManualClock();
  const registry = new Registry();
  const alerts: ContentHitAlert[] = [];
  const counter = new ContentHitCounter({
    registry,
    clock,
    threshold: options.threshold ?? 3,
    windowMs: options.windowMs ?? 60_000,
    alert: (alert) => alerts.push(alert),
    allowedApps: ['chat'],
    ...(options.maxSubjects !== undefined && { maxSubjects: options.maxSubjects }),
  });
  return { clock, registry, alerts, counter };
};

const hit = (user: string, rules: string[] = ['filter.keywords'], app = 'chat'): ContentHitEvent => ({
  app,
  subject: { kind: 'user', id: user },
  direction: 'input',
  rules,
});

describe('content hit counter', () => {
  it('counts every rule by app, direction and rule; no user or key id in any label', async () => {
    const { registry, counter } = setup();
    counter.record(hit('u_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', ['filter.keywords', 'moderation.violence']));
    counter.record({ ...hit('u_b'), direction: 'output', rules: ['moderation-output.violence'] });
    counter.record(hit('u_c', ['filter.x'], 'not-configured'));
    const text = await registry.metrics();
    expect(text).toContain(
      'bastion_content_hits_total{app="chat",direction="input",rule="filter.keywords"} 1',
    );
    expect(text).toContain(
      'bastion_content_hits_total{app="chat",direction="input",rule="moderation.violence"} 1',
    );
    expect(text).toContain(
      'bastion_content_hits_total{app="chat",direction="output",rule="moderation-output.violence"} 1',
    );
    expect(text).toContain('bastion_content_hits_total{app="other",direction="input",rule="filter.x"} 1');
    expect(text).not.toMatch(/u_[abc]/);
  });

  it('raises repeated_filter_hits when one user reaches the threshold within the window, once per window', () => {
    const { clock, alerts, counter } = setup({ threshold: 3, windowMs: 60_000 });
    counter.record(hit('u_1'));
    clock.advance(10_000);
    counter.record(hit('u_1'));
    counter.record(hit('u_2')); // another user does not add up
    expect(alerts).toHaveLength(0);
    clock.advance(10_000);
    counter.record(hit('u_1'));
    expect(alerts).toEqual([
      {
        kind: 'repeated_filter_hits',
        severity: 'warning',
        subject: { app: 'chat', user: 'u_1', hits: 3, windowSeconds: 60 },
        message: 'One end user tripped content filters or moderation 3 times within 60 seconds.',
      },
    ]);
    // More hits in the same window: no new alert.
    counter.record(hit('u_1'));
    counter.record(hit('u_1'));
    expect(alerts).toHaveLength(1);
    // A window later, a new burst alerts again.
    clock.advance(61_000);
    for (let i = 0; i < 3; i++) counter.record(hit('u_1'));
    expect(alerts).toHaveLength(2);
  });

  it('hits spread wider than the window do not alert', () => {
    const { clock, alerts, counter } = setup({ threshold: 3, windowMs: 60_000 });
    for (let i = 0; i < 10; i++) {
      counter.record(hit('u_1'));
      clock.advance(30_001);
    }
    expect(alerts).toHaveLength(0);
  });

  it('counts a key when there is no end user, and names the key id in the alert', () => {
    const { alerts, counter } = setup({ threshold: 1 });
    counter.record({
      app: 'chat',
      subject: { kind: 'key', id: 'key_abc' },
      direction: 'output',
      rules: ['x'],
    });
    expect(alerts[0]?.subject).toEqual({ app: 'chat', keyId: 'key_abc', hits: 1, windowSeconds: 60 });
    expect(alerts[0]?.message).toMatch(/gateway key/);
  });

  it('keeps at most maxSubjects users in memory, dropping the least recently seen', () => {
    const { alerts, counter } = setup({ threshold: 2, maxSubjects: 100 });
    counter.record(hit('u_first'));
    for (let i = 0; i < 1_000; i++) counter.record(hit(`u_${i}`));
    expect(counter.trackedSubjects).toBe(100);
    // u_first was evicted: its next hit starts again from one.
    counter.record(hit('u_first'));
    expect(alerts).toHaveLength(0);
  });

  it('refuses a nonsensical configuration', () => {
    expect(() => setup({ threshold: 0 })).toThrow(/threshold/);
    expect(() => setup({ windowMs: 0 })).toThrow(/windowMs/);
  });
});
