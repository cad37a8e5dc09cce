import { describe, expect, it } from 'vitest';
import type { Usage } from '../../../src/core/types.js';
import { loadPriceData, parsePriceData } from '../../../src/pricing/price-data.js';
import { createPriceTable, ratesFor } from '../../../src/pricing/price-table.js';

const at = (iso: string): number => Date.parse(iso);
const NOW = at('2026-11-27T12:00:00Z');
const table = createPriceTable({ now: () => NOW });
const usage = (part: Partial<Usage>): Usage => ({
  inputTokens: 0,
  outputTokens: 0,
  cachedInputTokens: 0,
  cacheWriteTokens: 0,
  ...part,
});
const M = 1_000_000;

describe('price table: spot checks against PROTOCOL-NOTES §9 (USD per 1M tokens)', () => {
  const rows: [
    provider: 'openai' | 'anthropic',
    model: string,
    input: number,
    output: number,
    cached?: number,
  ][] = [
    ['openai', 'gpt-4o', 2.5, 10, 1.25],
    ['openai', 'gpt-4o-2024-11-20', 2.5, 10, 1.25],
    ['openai', 'gpt-4o-mini', 0.15, 0.6, 0.075],
    ['openai', 'gpt-4.1', 2, 8, 0.5],
    ['openai', 'gpt-4.1-mini', 0.4, 1.6, 0.1],
    ['openai', 'gpt-4.1-nano', 0.1, 0.4, 0.025],
    ['openai', 'gpt-5', 1.25, 10, 0.125],
    ['openai', 'gpt-5.1', 1.25, 10, 0.125],
    ['openai', 'gpt-5-mini', 0.25, 2, 0.025],
    ['openai', 'gpt-5-nano-2025-08-07', 0.05, 0.4, 0.005],
    ['openai', 'gpt-5.4', 2.5, 15, 0.25],
    ['openai', 'gpt-5.5', 5, 30, 0.5],
    ['openai', 'gpt-6-astra', 10, 50, 1],
    ['openai', 'o3', 2, 8, 0.5],
    ['openai', 'o4-mini', 1.1, 4.4, 0.275],
    ['anthropic', 'claude-haiku-4-5', 1, 5, 0.1],
    ['anthropic', 'claude-haiku-4-5-20251001', 1, 5, 0.1],
    ['anthropic', 'claude-sonnet-4-5-20250929', 3, 15, 0.3],
    ['anthropic', 'claude-sonnet-4-6', 3, 15, 0.3],
    ['anthropic', 'claude-opus-4-5', 5, 25, 0.5],
    ['anthropic', 'claude-opus-5', 5, 25, 0.5],
    ['anthropic', 'claude-sonnet-5', 2, 10, 0.2],
    ['anthropic', 'claude-opus-5-5', 4, 20, 0.2],
    ['anthropic', 'claude-fable-5-1', 10, 50, 0.25],
    ['anthropic', 'claude-3-5-haiku-20241022', 0.8, 4, 0.08],
  ];
  it.each(rows)('%s %s costs %d in / %d out / %d cached', (provider, model, input, output, cached) => {
    const price = table.priceFor(provider, model);
    expect(price).toMatchObject({ inputPerMTok: input, outputPerMTok: output, cachedInputPerMTok: cached });
    // 100k tokens stays below every long-context tier
    expect(table.costMicros(provider, model, usage({ inputTokens: 100_000 }))).toBe(
      Math.round(input * 100_000),
    );
    expect(table.costMicros(provider, model, usage({ outputTokens: 100_000 }))).toBe(
      Math.round(output * 100_000),
    );
  });

  it('carries cache-write rates (Anthropic 5 min / 1 h, newer OpenAI models)', () => {
    expect(table.priceFor('anthropic', 'claude-haiku-4-5')).toMatchObject({
      cacheWritePerMTok: 1.25,
      cacheWrite1hPerMTok: 2,
    });
    expect(table.priceFor('anthropic', 'claude-sonnet-4-5')).toMatchObject({
      cacheWritePerMTok: 3.75,
      cacheWrite1hPerMTok: 6,
    });
    expect(table.priceFor('openai', 'gpt-6-astra')).toMatchObject({ cacheWritePerMTok: 12.5 });
    expect(table.priceFor('openai', 'gpt-4o')?.cacheWritePerMTok).toBeUndefined();
  });
});

describe('long-context tiers (the whole request bills at the tier once total input exceeds it)', () => {
  it('claude-sonnet-4-5: ≤200k at 3/15, above at 6/22.5', () => {
    const at200k = usage({ inputTokens: 200_000, outputTokens: 1_000 });
    expect(table.costMicros('anthropic', 'claude-sonnet-4-5', at200k)).toBe(200_000 * 3 + 1_000 * 15);
    const above = usage({ inputTokens: 200_001, outputTokens: 1_000 });
    expect(table.costMicros('anthropic', 'claude-sonnet-4-5', above)).toBe(
      Math.ceil(200_001 * 6 + 1_000 * 22.5),
    );
  });

  it('counts cache reads and writes toward the tier threshold', () => {
    const mixed = usage({ inputTokens: 100_000, cachedInputTokens: 60_000, cacheWriteTokens: 40_001 });
    const price = table.priceFor('anthropic', 'claude-sonnet-4-5');
    expect(price && ratesFor(price, 200_001).inputPerMTok).toBe(6);
    // 100k*6 + 60k*0.6 + 40,001 writes at the (unknown TTL ⇒ 1 h) tier rate 12
    expect(table.costMicros('anthropic', 'claude-sonnet-4-5', mixed)).toBe(600_000 + 36_000 + 480_012);
  });

  it('gpt-5.4: below 272k at 2.50/15, from 272k at ×2 input and ×1.5 output', () => {
    const below = usage({ inputTokens: 271_999, outputTokens: 10 });
    expect(table.costMicros('openai', 'gpt-5.4', below)).toBe(Math.ceil(271_999 * 2.5 + 10 * 15));
    const from = usage({ inputTokens: 272_000, outputTokens: 10 });
    expect(table.costMicros('openai', 'gpt-5.4', from)).toBe(272_000 * 5 + 10 * 22.5);
    expect(table.priceFor('openai', 'gpt-5.4')?.tiers).toEqual([
      expect.objectContaining({
        aboveInputTokens: 271_999,
        inputPerMTok: 5,
        outputPerMTok: 22.5,
        cachedInputPerMTok: 0.5,
      }),
    ]);
  });

  it('worst case picks the tier from the counted input tokens', () => {
    expect(table.worstCaseMicros('anthropic', 'claude-sonnet-4-5', 1_000, 4_096)).toBe(
      1_000 * 3 + 4_096 * 15,
    );
    expect(table.worstCaseMicros('anthropic', 'claude-sonnet-4-5', 250_000, 1_000)).toBe(
      250_000 * 6 + 1_000 * 22.5,
    );
  });
});

describe('dated price changes', () => {
  it('gpt-5.6-sol dropped to 4/20 on 2026-08-21 (00:00 UTC)', () => {
    const before = table.priceFor('openai', 'gpt-5.6-sol', at('2026-08-20T23:59:59.999Z'));
    const after = table.priceFor('openai', 'gpt-5.6-sol', at('2026-08-21T00:00:00Z'));
    expect(before).toMatchObject({ inputPerMTok: 5, outputPerMTok: 30, effectiveFrom: null });
    expect(after).toMatchObject({ inputPerMTok: 4, outputPerMTok: 20, effectiveFrom: '2026-08-21' });
    const tokens = usage({ inputTokens: 100_000 });
    expect(table.costMicros('openai', 'gpt-5.6-sol', tokens, at('2026-08-01T00:00:00Z'))).toBe(500_000);
    expect(table.costMicros('openai', 'gpt-5.6-sol', tokens, at('2026-09-01T00:00:00Z'))).toBe(400_000);
  });

  it('o3 dropped from 10/40 to 2/8 on 2025-06-10; dated ids match by regex', () => {
    expect(table.priceFor('openai', 'o3', at('2025-06-09T12:00:00Z'))).toMatchObject({ inputPerMTok: 10 });
    expect(table.priceFor('openai', 'o3', at('2025-06-10T00:00:00Z'))).toMatchObject({ inputPerMTok: 2 });
    expect(table.priceFor('openai', 'gpt-5.6-luna-2026-08-01')).toMatchObject({ inputPerMTok: 0.2 });
  });

  it('uses the injected clock when no time is given', () => {
    const july = createPriceTable({ now: () => at('2026-07-01T00:00:00Z') });
    expect(july.priceFor('openai', 'gpt-5.6-terra')?.inputPerMTok).toBe(2.5);
    expect(table.priceFor('openai', 'gpt-5.6-terra')?.inputPerMTok).toBe(2);
  });
});

describe('cost arithmetic', () => {
  it('rounds up to whole micro-dollars and never under-charges', () => {
    expect(table.costMicros('openai', 'gpt-4o', usage({ inputTokens: 1 }))).toBe(3); // 2.5 µ$
    expect(table.costMicros('openai', 'gpt-4o', usage({ inputTokens: 4 }))).toBe(10); // exact stays exact
    expect(table.costMicros('openai', 'gpt-5-nano', usage({ cachedInputTokens: 1 }))).toBe(1); // 0.005 µ$
    expect(table.costMicros('openai', 'gpt-4o', usage({}))).toBe(0);
  });

  it('is exact where floating point is not (4.4 × 25 = 110.00000000000001 in doubles)', () => {
    expect(Math.ceil(4.4 * 25)).toBe(111);
    expect(table.costMicros('openai', 'o4-mini', usage({ outputTokens: 25 }))).toBe(110);
    expect(table.costMicros('openai', 'o4-mini', usage({ inputTokens: 50 }))).toBe(55); // 1.1 × 50
    expect(table.costMicros('openai', 'gpt-4o-mini', usage({ cachedInputTokens: 1000 }))).toBe(75);
  });

  it('bills cached tokens apart from inputTokens (which excludes them)', () => {
    const u = usage({ inputTokens: 1_000, cachedInputTokens: 1_000, outputTokens: 100 });
    expect(table.costMicros('openai', 'gpt-4o', u)).toBe(2_500 + 1_250 + 1_000);
  });

  it('bills cache reads and writes at the input rate when the model has no cache rate', () => {
    const u = usage({ cachedInputTokens: 1_000, cacheWriteTokens: 1_000 });
    expect(table.costMicros('openai', 'gpt-4o-2024-05-13', u)).toBe(5_000 + 5_000);
  });

  it('prices cache writes of unknown TTL at the 1 h rate, and splits them when told', () => {
    const writes = usage({ cacheWriteTokens: M });
    expect(table.costMicros('anthropic', 'claude-haiku-4-5', writes)).toBe(2 * M);
    expect(table.costMicros('anthropic', 'claude-haiku-4-5', { ...writes, cacheWrite1hTokens: 0 })).toBe(
      1.25 * M,
    );
    expect(table.costMicros('anthropic', 'claude-haiku-4-5', { ...writes, cacheWrite1hTokens: M / 2 })).toBe(
      1.625 * M,
    );
    expect(() =>
      table.costMicros('anthropic', 'claude-haiku-4-5', { ...writes, cacheWrite1hTokens: M + 1 }),
    ).toThrow(RangeError);
  });

  it('reserves all input at the full input rate plus the whole output cap', () => {
    expect(table.worstCaseMicros('openai', 'gpt-4o-mini', 1_000, 500)).toBe(150 + 300);
    expect(table.worstCaseMicros('openai', 'gpt-4o', 3, 1)).toBe(Math.ceil(7.5 + 10));
    expect(table.worstCaseMicros('openai', 'gpt-4o', 0, 0)).toBe(0);
  });

  it('stays exact for very large counts', () => {
    const huge = usage({ inputTokens: 2 ** 40, outputTokens: 2 ** 40 });
    expect(table.costMicros('openai', 'o1-pro', huge)).toBe(750 * 2 ** 40);
  });

  it('rejects token counts that are not non-negative integers', () => {
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => table.costMicros('openai', 'gpt-4o', usage({ outputTokens: bad }))).toThrow(RangeError);
      expect(() => table.worstCaseMicros('openai', 'gpt-4o', bad, 1)).toThrow(RangeError);
    }
    expect(() => table.priceFor('openai', 'gpt-4o', Number.NaN)).toThrow(RangeError);
  });
});

describe('unknown models are undefined (the caller fails closed)', () => {
  const unknown: [provider: 'openai' | 'anthropic', model: string][] = [
    ['openai', 'gpt-6.2-sol'],
    ['openai', 'GPT-4O'],
    ['openai', 'whisper-1'], // priced per audio hour, not per token
    ['openai', 'text-embedding-3-small'], // input-only price
    ['openai', 'omni-moderation-latest'],
    ['anthropic', 'claude-sonnet-5-5'], // would otherwise hit the claude-sonnet-5 prefix rule
    ['anthropic', 'claude-sonnet-5-5-20261101'],
    ['anthropic', 'claude-haiku-5-5'],
    ['anthropic', 'claude-mythos-1'],
    ['anthropic', 'claude-fable-5-2'],
    ['anthropic', 'gpt-4o'], // wrong provider
    ['openai', 'claude-haiku-4-5'],
    ['openai', ''],
    ['openai', `gpt-4o${'x'.repeat(300)}`],
  ];
  it.each(unknown)('%s %s', (provider, model) => {
    expect(table.priceFor(provider, model)).toBeUndefined();
    expect(table.costMicros(provider, model, usage({ inputTokens: 1 }))).toBeUndefined();
    expect(table.worstCaseMicros(provider, model, 1, 1)).toBeUndefined();
  });

  it('keeps answering correctly after many distinct unknown lookups (bounded memo)', () => {
    for (let i = 0; i < 3_000; i++) expect(table.priceFor('openai', `nope-${i}`)).toBeUndefined();
    expect(table.priceFor('openai', 'gpt-4o')?.inputPerMTok).toBe(2.5);
  });
});

describe('overrides', () => {
  const custom = createPriceTable({
    now: () => NOW,
    overrides: {
      'gpt-4o': { inputPerMTok: 1, outputPerMTok: 2, cachedInputPerMTok: 0.5 },
      'my-finetune': { inputPerMTok: 0.3, outputPerMTok: 1.2 },
      'claude-sonnet-5-5': { inputPerMTok: 3, outputPerMTok: 15, cacheWritePerMTok: 3.75 },
      'odd-price': { inputPerMTok: 0.0000001, outputPerMTok: 1 },
    },
  });

  it('replace the table price (dates and tiers included) for that exact model id', () => {
    expect(custom.priceFor('openai', 'gpt-4o')).toMatchObject({
      inputPerMTok: 1,
      source: 'override',
      tiers: [],
    });
    expect(custom.costMicros('openai', 'gpt-4o', usage({ inputTokens: M, cachedInputTokens: M }))).toBe(
      1.5 * M,
    );
    expect(custom.priceFor('openai', 'gpt-4o-2024-11-20')).toMatchObject({
      inputPerMTok: 2.5,
      source: 'table',
    });
  });

  it('price models the table does not know, even ones it marks unpriced', () => {
    expect(custom.worstCaseMicros('openai', 'my-finetune', 1_000, 1_000)).toBe(300 + 1_200);
    expect(custom.priceFor('anthropic', 'claude-sonnet-5-5')?.inputPerMTok).toBe(3);
  });

  it('bill missing cache rates at the input rate and round sub-pico prices up', () => {
    expect(custom.costMicros('openai', 'my-finetune', usage({ cachedInputTokens: M }))).toBe(0.3 * M);
    expect(custom.costMicros('openai', 'odd-price', usage({ inputTokens: 1 }))).toBe(1);
  });

  it('are validated at creation', () => {
    const bad = (o: Record<string, unknown>) => () => createPriceTable({ overrides: { m: o as never } });
    expect(bad({ inputPerMTok: -1, outputPerMTok: 1 })).toThrow(/"m": inputPerMTok/);
    expect(bad({ inputPerMTok: 1, outputPerMTok: Number.NaN })).toThrow(RangeError);
    expect(bad({ inputPerMTok: 1 })).toThrow(/required/);
    expect(bad({ inputPerMTok: 1, outputPerMTok: 1, cachedInputPerMTok: '1' })).toThrow(RangeError);
  });
});

describe('price data validation', () => {
  it('loads the committed data/prices.json', () => {
    const data = loadPriceData();
    expect(data.license).toBe('MIT');
    expect(data.providers.openai.models.length).toBeGreaterThan(50);
  });

  it('rejects a damaged table instead of mispricing', () => {
    const data = structuredClone(loadPriceData()) as unknown as {
      providers: { openai: { models: { periods: { input?: unknown }[] }[] } };
    };
    const period = data.providers.openai.models[0]?.periods[0];
    if (period) period.input = -3;
    expect(() => parsePriceData(data)).toThrow(/price table invalid at providers\.openai\.models\.0/);
    expect(() => parsePriceData({ schemaVersion: 2 })).toThrow(/price table invalid/);
  });
});
