import { describe, expect, it } from 'vitest';
import { checkJsonShape } from '../../../src/detect/json-shape.js';

/** Builds `{"a":{"a":...}}` (or nested arrays) iteratively, `levels` containers deep. */
const nested = (levels: number, kind: 'object' | 'array'): unknown => {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = kind === 'object' ? { a: value } : [value];
  return value;
};

describe('checkJsonShape', () => {
  it('accepts a body exactly at the depth limit and refuses one level more', () => {
    expect(checkJsonShape(nested(5, 'object'), 5)).toBeUndefined();
    expect(checkJsonShape(nested(6, 'object'), 5)).toBe('json_too_deep');
    expect(checkJsonShape(nested(6, 'array'), 5)).toBe('json_too_deep');
  });

  it('refuses 10k and 100k levels without a stack overflow', () => {
    expect(checkJsonShape(nested(10_000, 'object'), 64)).toBe('json_too_deep');
    expect(checkJsonShape(nested(100_000, 'array'), 64)).toBe('json_too_deep');
    // Also when parsed from text, as the http layer does.
    const text = '['.repeat(10_000) + ']'.repeat(10_000);
    expect(checkJsonShape(JSON.parse(text), 64)).toBe('json_too_deep');
  });

  it('refuses 1e999 (Infinity after JSON.parse) anywhere, and NaN', () => {
    expect(checkJsonShape(JSON.parse('{"temperature":1e999}'), 64)).toBe('non_finite_number');
    expect(checkJsonShape(JSON.parse('{"a":[{"b":[-1e999]}]}'), 64)).toBe('non_finite_number');
    expect(checkJsonShape({ a: Number.NaN }, 64)).toBe('non_finite_number');
    expect(checkJsonShape(Number.POSITIVE_INFINITY, 64)).toBe('non_finite_number');
  });

  it('accepts ordinary bodies with large finite numbers, nulls and strings', () => {
    const body = JSON.parse('{"model":"m","n":1e308,"x":null,"m":[{"c":"1e999"},[1,2,{"d":-0.5}]]}');
    expect(checkJsonShape(body, 4)).toBeUndefined();
    expect(checkJsonShape('scalar', 1)).toBeUndefined();
  });
});
