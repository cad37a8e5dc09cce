import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildPrices, OUTPUT_URL, renderPrices, SOURCE_URL } from '../../../scripts/build-prices.js';

const haveSource = existsSync(SOURCE_URL);
if (!haveSource)
  console.warn(`[pricing] SKIPPED data/prices.json sync check: ${SOURCE_URL.pathname} is not present`);

describe.skipIf(!haveSource)('data/prices.json', () => {
  it('is in sync with the shared source (run `npm run prices:build` to regenerate)', () => {
    const committed = readFileSync(OUTPUT_URL, 'utf8');
    expect(committed).toBe(renderPrices(readFileSync(SOURCE_URL, 'utf8')));
  });
});

const source = (models: unknown[]) =>
  JSON.stringify({
    _source: 'test',
    providers: [
      { id: 'openai', models },
      { id: 'anthropic', models: [] },
    ],
  });
const model = (prices: unknown, match: unknown = { equals: 'm' }) => ({ id: 'm', match, prices });
type Built = { providers: { openai: { models: { periods: unknown[]; otherUnits: string[] }[] } } };
const built = (models: unknown[]) => buildPrices(source(models)) as Built;

describe('buildPrices', () => {
  it('turns per-field tiers into whole rate sets per tier start', () => {
    const out = built([
      model({
        input_mtok: { base: 1, tiers: [{ start: 100, price: 2 }] },
        output_mtok: { base: 5, tiers: [{ start: 200, price: 7 }] },
        web_searches_kcount: 10,
      }),
    ]);
    expect(out.providers.openai.models[0]).toEqual({
      id: 'm',
      match: { equals: 'm' },
      periods: [
        {
          from: null,
          input: 1,
          output: 5,
          tiers: [
            { aboveInputTokens: 100, input: 2, output: 5 },
            { aboveInputTokens: 200, input: 2, output: 7 },
          ],
        },
      ],
      otherUnits: ['web_searches_kcount'],
    });
  });

  it('keeps dated periods in order', () => {
    const out = built([
      model([
        { prices: { input_mtok: 2, output_mtok: 4 } },
        {
          constraint: { type: 'start_date', start_date: '2026-01-01' },
          prices: { input_mtok: 1, output_mtok: 2 },
        },
      ]),
    ]);
    expect(out.providers.openai.models[0]?.periods).toEqual([
      { from: null, input: 2, output: 4, tiers: [] },
      { from: '2026-01-01', input: 1, output: 2, tiers: [] },
    ]);
  });

  it('refuses what it cannot represent exactly', () => {
    expect(() => built([model({ input_mtok: 0.0000001 })])).toThrow(/6 decimals/);
    expect(() =>
      built([model([{ prices: {} }, { constraint: { type: 'time_of_day' }, prices: {} }])]),
    ).toThrow(/unsupported constraint/);
    expect(() => built([model({}, { glob: 'm*' })])).toThrow(/unsupported match operator/);
    expect(() => built([model({}, { regex: '(' })])).toThrow();
    expect(() => built([model({}), model({})])).toThrow(/duplicate/);
  });
});
