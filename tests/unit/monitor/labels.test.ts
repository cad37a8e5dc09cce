import { describe, expect, it } from 'vitest';
import { BoundedLabel, isIdentifierLabel, OTHER, statusLabel } from '../../../src/monitor/labels.js';

describe('label bounds', () => {
  it('accepts rule-id shapes and refuses free text and secret shapes', () => {
    for (const ok of [
      'max_tokens.clamped',
      'rate_limit.per_user',
      'my-app',
      'budget',
      'app2',
      'http.route_not_found',
    ])
      expect(isIdentifierLabel(ok), ok).toBe(true);
    for (const bad of [
      '',
      'Hello world',
      'sk-proj-AbC123',
      'x'.repeat(65),
      'a1b2c3d4e5f6',
      'has"quote',
      'a.b.c.d.e.f.g',
      '.x',
    ])
      expect(isIdentifierLabel(bad), bad).toBe(false);
  });

  it('keeps at most maxDistinct values, then maps new ones to other', () => {
    const label = new BoundedLabel(2);
    expect(label.map('a')).toBe('a');
    expect(label.map('b')).toBe('b');
    expect(label.map('c')).toBe(OTHER);
    expect(label.map('a')).toBe('a');
    expect(label.map(null)).toBe(OTHER);
  });

  it('with an allowlist, passes only listed values', () => {
    const label = new BoundedLabel(100, ['gpt-4o-mini']);
    expect(label.map('gpt-4o-mini')).toBe('gpt-4o-mini');
    expect(label.map('gpt-4o')).toBe(OTHER);
  });

  it('maps statuses outside 100-599 to other', () => {
    expect(statusLabel(429)).toBe('429');
    expect(statusLabel(0)).toBe(OTHER);
    expect(statusLabel(200.5)).toBe(OTHER);
  });
});
