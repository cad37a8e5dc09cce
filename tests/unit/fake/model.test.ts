import { describe, expect, it } from 'vitest';
import { countTokens, splitTokens } from '../../../src/fake/tokens.js';
import { parseDirective } from '../../../src/fake/scenario.js';
import { argumentsFromSchema, planReply, splitFragments } from '../../../src/fake/plan.js';

describe('fake token model', () => {
  it('counts words and punctuation, allocation-free and deterministic', () => {
    expect(countTokens('')).toBe(0);
    expect(countTokens('   ')).toBe(0);
    expect(countTokens('Hello, world!')).toBe(4);
    expect(countTokens('snake_case x2')).toBe(2);
  });

  it('splits into pieces that join back to the text and match the count', () => {
    for (const text of ['Hello, world!', '  lead and trail  ', 'a', 'one-two three.', '']) {
      const pieces = splitTokens(text);
      expect(pieces.join('')).toBe(text);
      expect(pieces.filter((piece) => countTokens(piece) > 0)).toHaveLength(countTokens(text));
    }
  });

  it('truncates a reply to exactly the cap and reports it', () => {
    const base = {
      scenario: undefined,
      systemText: () => '',
      forcedTool: undefined,
      toolSchema: () => undefined,
    };
    const plan = planReply({ ...base, defaultText: 'one two three four five', maxTokens: 3 });
    expect(plan).toMatchObject({ text: 'one two three', truncated: true, outputTokens: 3 });
    const full = planReply({ ...base, defaultText: 'one two', maxTokens: 2 });
    expect(full).toMatchObject({ text: 'one two', truncated: false, outputTokens: 2 });
  });
});

describe('prompt directives', () => {
  it('parses the documented directives', () => {
    expect(parseDirective('x [[fake:status=500]] y')).toEqual({ kind: 'status', status: 500 });
    expect(parseDirective('[[fake:cut=3]]')).toEqual({ kind: 'cut', afterEvents: 3 });
    expect(parseDirective('[[fake:error=2]]')).toEqual({ kind: 'midstream_error', afterEvents: 2 });
    expect(parseDirective('[[fake:stall]]')).toEqual({ kind: 'stall' });
    expect(parseDirective('[[fake:tool=get_weather]]')).toEqual({ kind: 'tool_named', name: 'get_weather' });
    expect(parseDirective('[[fake:echo_system]]')).toEqual({ kind: 'echo_system' });
  });

  it('ignores unknown or malformed directives', () => {
    expect(parseDirective('plain text')).toBeUndefined();
    expect(parseDirective('[[fake:status=200]]')).toBeUndefined();
    expect(parseDirective('[[fake:cut=abc]]')).toBeUndefined();
    expect(parseDirective('[[fake:bogus]]')).toBeUndefined();
  });
});

describe('tool arguments', () => {
  it('fills required properties with placeholders', () => {
    const schema = {
      type: 'object',
      properties: {
        city: { type: 'string' },
        days: { type: 'integer' },
        unit: { enum: ['c', 'f'] },
        note: {},
      },
      required: ['city', 'days', 'unit'],
    };
    expect(argumentsFromSchema(schema)).toEqual({ city: 'fake', days: 1, unit: 'c' });
    expect(argumentsFromSchema(undefined)).toEqual({});
  });

  it('splits arguments into at least two fragments', () => {
    expect(splitFragments('{}')).toEqual(['{', '}']);
    const long = JSON.stringify({ city: 'a'.repeat(60) });
    const fragments = splitFragments(long);
    expect(fragments.length).toBeGreaterThan(2);
    expect(fragments.join('')).toBe(long);
  });
});
