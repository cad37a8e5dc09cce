import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { DEFAULT_KEY_COOLDOWN_MS, KeyRing } from '../../../src/secrets/keyring.js';

const creds = [
  { id: 'k1', value: 'value-one-111' },
  { id: 'k2', value: 'value-two-222' },
  { id: 'k3', value: 'value-three-333' },
];

describe('KeyRing', () => {
  it('picks the first healthy key, honouring exclusions', () => {
    const ring = new KeyRing('openai', creds, new ManualClock());
    expect(ring.size).toBe(3);
    expect(ring.provider).toBe('openai');
    expect(ring.pick()?.id).toBe('k1');
    expect(ring.pick(new Set(['k1']))?.id).toBe('k2');
    expect(ring.pick(new Set(['k1', 'k2', 'k3']))).toBeUndefined();
  });

  it('fails over past bad keys and returns undefined when all are resting', () => {
    const clock = new ManualClock();
    const ring = new KeyRing('anthropic', creds, clock);
    ring.markBad('k1');
    expect(ring.pick()?.id).toBe('k2');
    ring.markBad('k2');
    ring.markBad('k3');
    expect(ring.pick()).toBeUndefined();
  });

  it('retries a bad key after the cooldown (default 5 minutes)', () => {
    const clock = new ManualClock();
    const ring = new KeyRing('openai', creds, clock);
    const start = clock.now();
    ring.markBad('k1');
    expect(ring.health()).toEqual([
      { id: 'k1', healthy: false, badSince: start },
      { id: 'k2', healthy: true },
      { id: 'k3', healthy: true },
    ]);
    clock.advance(DEFAULT_KEY_COOLDOWN_MS - 1);
    expect(ring.pick()?.id).toBe('k2');
    clock.advance(1);
    expect(ring.pick()?.id).toBe('k1');
    expect(ring.health()[0]).toEqual({ id: 'k1', healthy: true });
  });

  it('restarts the cooldown when a key fails again, and honours a custom cooldown', () => {
    const clock = new ManualClock();
    const ring = new KeyRing('openai', creds, clock, 1000);
    ring.markBad('k1');
    clock.advance(600);
    ring.markBad('k1');
    clock.advance(600);
    expect(ring.pick()?.id).toBe('k2');
    clock.advance(400);
    expect(ring.pick()?.id).toBe('k1');
  });

  it('ignores unknown ids and never exposes values in health()', () => {
    const ring = new KeyRing('openai', creds, new ManualClock());
    ring.markBad('nope');
    expect(ring.pick()?.id).toBe('k1');
    expect(JSON.stringify(ring.health())).not.toContain('value-');
  });

  it('refuses empty rings, duplicate ids and empty values', () => {
    const clock = new ManualClock();
    expect(() => new KeyRing('openai', [], clock)).toThrow(/at least one key/);
    expect(() => new KeyRing('openai', [creds[0]!, { id: 'k1', value: 'other-value' }], clock)).toThrow(
      /duplicate/,
    );
    expect(() => new KeyRing('openai', [{ id: 'k', value: '' }], clock)).toThrow(/empty/);
  });
});
