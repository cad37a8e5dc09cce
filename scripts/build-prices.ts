/**
 * Builds data/prices.json (the committed price table) from the genai-prices snapshot in
 * ../shared/specs/pricing. Run `npm run prices:build`; a test fails when the committed file is stale.
 *
 * The output keeps the source's semantics exactly: models in source order (first match wins), the
 * source's match rules, dated price periods and cliff tiers (a request whose total input tokens exceed
 * a tier's `aboveInputTokens` is billed wholly at that tier). Only token prices the gateway can bill
 * from its Usage type are kept; other units are listed per model so nothing is silently dropped.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';

export const SOURCE_FILE = 'genai-prices-npm-0.1.8.openai-anthropic.json';
export const SOURCE_URL = new URL(`../../shared/specs/pricing/${SOURCE_FILE}`, import.meta.url);
export const OUTPUT_URL = new URL('../data/prices.json', import.meta.url);

const PROVIDERS = ['anthropic', 'openai'] as const;

/** Source price field -> our rate name, in the order they are written. */
const RATE_FIELDS = [
  ['input_mtok', 'input'],
  ['cache_read_mtok', 'cachedInput'],
  ['cache_write_mtok', 'cacheWrite'],
  ['cache_write_1h_mtok', 'cacheWrite1h'],
  ['output_mtok', 'output'],
] as const;
type RateName = (typeof RATE_FIELDS)[number][1];
type Rates = Partial<Record<RateName, number>>;

/**
 * Model ids that a broad source prefix rule would price at another model's rates although no source
 * prices them (PROTOCOL-NOTES §9). They resolve to "unknown" so the caller fails closed.
 */
const UNPRICED: Record<(typeof PROVIDERS)[number], { match: MatchRule; reason: string }[]> = {
  anthropic: [
    {
      match: { or: [{ starts_with: 'claude-sonnet-5-5' }, { starts_with: 'claude-sonnet-5.5' }] },
      reason: 'Not priced in any source; the claude-sonnet-5 prefix rule would bill it at Sonnet 5 rates.',
    },
  ],
  openai: [],
};

const MIT_TEXT = [
  'Permission is hereby granted, free of charge, to any person obtaining a copy of this software and',
  'associated documentation files (the "Software"), to deal in the Software without restriction, including',
  'without limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell',
  'copies of the Software, and to permit persons to whom the Software is furnished to do so, subject to the',
  'following conditions: The above copyright notice and this permission notice shall be included in all',
  'copies or substantial portions of the Software. THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY',
  'KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A',
  'PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR',
  'ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,',
  'OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.',
].join(' ');

export type MatchRule =
  | { or: MatchRule[] }
  | { and: MatchRule[] }
  | { equals: string }
  | { starts_with: string }
  | { ends_with: string }
  | { contains: string }
  | { regex: string };

type Tiered = { base: number; tiers: { start: number; price: number }[] };
type SourcePrices = Record<string, number | Tiered | undefined>;
interface SourceModel {
  id: string;
  match: MatchRule;
  prices: SourcePrices | { constraint?: { type: string; start_date?: string }; prices: SourcePrices }[];
}
interface SourceProvider {
  id: string;
  models: SourceModel[];
}

const fail = (message: string): never => {
  throw new Error(`build-prices: ${message}`);
};

/** Prices must be exact in pico-dollars per token (≤ 6 decimals in USD/MTok) so costs are exact integers. */
const checkPrice = (value: unknown, where: string): number => {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) fail(`${where}: bad price ${value}`);
  const scaled = (value as number) * 1e6;
  if (Math.abs(scaled - Math.round(scaled)) > 1e-6) fail(`${where}: more than 6 decimals: ${value}`);
  return value as number;
};

const checkMatch = (rule: unknown, where: string): MatchRule => {
  if (typeof rule !== 'object' || rule === null) return fail(`${where}: bad match rule`);
  const entries = Object.entries(rule);
  const [key, value] = entries[0] ?? [];
  if (entries.length !== 1) return fail(`${where}: match rule needs exactly one key`);
  if (key === 'or' || key === 'and') {
    if (!Array.isArray(value) || value.length === 0) return fail(`${where}: empty ${key}`);
    value.forEach((inner, i) => checkMatch(inner, `${where}.${key}[${i}]`));
  } else if (['equals', 'starts_with', 'ends_with', 'contains', 'regex'].includes(key ?? '')) {
    if (typeof value !== 'string' || value === '') return fail(`${where}: ${key} needs a string`);
    if (key === 'regex') new RegExp(value); // throws on an invalid pattern
  } else fail(`${where}: unsupported match operator ${key}`);
  return rule as MatchRule;
};

/** Splits per-field tiers into whole rate sets: base rates, then one set per distinct tier start. */
const convertPeriod = (prices: SourcePrices, where: string) => {
  const rates: Rates = {};
  const starts = new Set<number>();
  for (const [field, name] of RATE_FIELDS) {
    const value = prices[field];
    if (value === undefined) continue;
    if (typeof value === 'number') rates[name] = checkPrice(value, `${where}.${field}`);
    else {
      rates[name] = checkPrice(value.base, `${where}.${field}.base`);
      for (const tier of value.tiers) {
        if (!Number.isSafeInteger(tier.start) || tier.start < 0) fail(`${where}: bad tier start`);
        checkPrice(tier.price, `${where}.${field}.tier`);
        starts.add(tier.start);
      }
    }
  }
  const rateAbove = (value: number | Tiered, start: number): number => {
    if (typeof value === 'number') return value;
    let price = value.base;
    for (const tier of value.tiers) if (start + 1 > tier.start) price = tier.price;
    return price;
  };
  const tiers = [...starts]
    .sort((a, b) => a - b)
    .map((start) => {
      const tierRates: Rates = {};
      for (const [field, name] of RATE_FIELDS) {
        const value = prices[field];
        if (value !== undefined) tierRates[name] = rateAbove(value, start);
      }
      return { aboveInputTokens: start, ...tierRates };
    });
  const known = new Set<string>(RATE_FIELDS.map(([field]) => field));
  const otherUnits = Object.keys(prices).filter((field) => !known.has(field));
  return { rates, tiers, otherUnits };
};

const convertModel = (model: SourceModel, provider: string) => {
  const where = `${provider}/${model.id}`;
  const sourcePeriods = Array.isArray(model.prices) ? model.prices : [{ prices: model.prices }];
  const otherUnits = new Set<string>();
  const periods = sourcePeriods.map((period, i) => {
    const constraint = 'constraint' in period ? period.constraint : undefined;
    if (constraint !== undefined && constraint.type !== 'start_date')
      fail(`${where}: unsupported constraint`);
    const from = constraint?.start_date ?? null;
    if (from !== null && !/^\d{4}-\d{2}-\d{2}$/.test(from)) fail(`${where}: bad start_date ${from}`);
    if ((i === 0) !== (from === null)) fail(`${where}: only the first period may be undated`);
    const { rates, tiers, otherUnits: other } = convertPeriod(period.prices, `${where}[${i}]`);
    other.forEach((unit) => otherUnits.add(unit));
    return { from, ...rates, tiers };
  });
  for (let i = 2; i < periods.length; i++)
    if ((periods[i]?.from ?? '') <= (periods[i - 1]?.from ?? '')) fail(`${where}: start dates not ascending`);
  return {
    id: model.id,
    match: checkMatch(model.match, where),
    periods,
    otherUnits: [...otherUnits].sort(),
  };
};

/** Pure: source JSON text -> the price table object written to data/prices.json. */
export function buildPrices(sourceText: string): unknown {
  const source = JSON.parse(sourceText) as { _source?: unknown; providers?: SourceProvider[] };
  if (typeof source._source !== 'string' || !Array.isArray(source.providers)) fail('unexpected source shape');
  const providers: Record<string, unknown> = {};
  for (const id of PROVIDERS) {
    const provider = source.providers?.find((p) => p.id === id) ?? fail(`provider ${id} missing`);
    const ids = new Set<string>();
    for (const model of provider.models) {
      if (ids.has(model.id)) fail(`${id}: duplicate model ${model.id}`);
      ids.add(model.id);
    }
    providers[id] = {
      unpriced: UNPRICED[id],
      models: provider.models.map((model) => convertModel(model, id)),
    };
  }
  return {
    schemaVersion: 1,
    generatedBy: 'scripts/build-prices.ts (npm run prices:build)',
    source: {
      package: '@pydantic/genai-prices',
      version: '0.1.8',
      published: '2026-09-23',
      repository: 'https://github.com/pydantic/genai-prices',
      file: `../shared/specs/pricing/${SOURCE_FILE}`,
      sha256: createHash('sha256').update(sourceText).digest('hex'),
      description: source._source,
    },
    license: 'MIT',
    copyright: 'Copyright (c) Pydantic Services Inc.',
    licenseText: MIT_TEXT,
    unit: 'USD per 1M tokens',
    semantics: [
      'Models are tried in order; the first whose match rule accepts the exact model id wins. Ids matched by a provider "unpriced" rule are unknown.',
      'periods: the last period whose "from" date (00:00 UTC) is at or before the request time applies; the first period is undated.',
      'tiers: when total input tokens (uncached + cache read + cache write) exceed aboveInputTokens, the whole request is billed at the tier rates.',
      'A missing cachedInput or cacheWrite rate means those tokens are billed at the input rate. otherUnits lists source prices not billed by Bastion.',
    ],
    providers,
  };
}

export const renderPrices = (sourceText: string): string =>
  `${JSON.stringify(buildPrices(sourceText), null, 2)}\n`;

if (import.meta.url === `file://${process.argv[1]}`) {
  mkdirSync(new URL('.', OUTPUT_URL), { recursive: true });
  writeFileSync(OUTPUT_URL, renderPrices(readFileSync(SOURCE_URL, 'utf8')));
  process.stdout.write(`wrote ${OUTPUT_URL.pathname}\n`);
}
