/**
 * The price table: which price is in force for a model at a moment, and what a request costs in integer
 * micro-dollars (1e-6 USD). Costs are computed exactly in pico-dollars (prices are stored with at most
 * six decimals in USD per million tokens, i.e. whole pico-dollars per token) and rounded UP to the
 * micro-dollar, so Bastion never records less than the provider bills for the reported usage.
 */
import type { ProviderName, Usage } from '../core/types.js';
import { compileMatch, type ModelMatcher } from './model-match.js';
import { loadPriceData, type PriceData, type PriceDataPeriod } from './price-data.js';

/** Rates in USD per million tokens. A missing cache rate means those tokens bill at the input rate. */
export interface TokenRates {
  readonly inputPerMTok: number;
  readonly outputPerMTok: number;
  readonly cachedInputPerMTok: number | undefined;
  /** Cache write (Anthropic: 5-minute TTL). */
  readonly cacheWritePerMTok: number | undefined;
  /** Anthropic 1-hour TTL cache write. */
  readonly cacheWrite1hPerMTok: number | undefined;
}

/** Long-context tier: a request whose total input exceeds `aboveInputTokens` bills wholly at these rates. */
export interface PriceTier extends TokenRates {
  readonly aboveInputTokens: number;
}

export interface ModelPrice extends TokenRates {
  readonly provider: ProviderName;
  /** The table entry (or override key) that priced the model. */
  readonly priceId: string;
  readonly source: 'table' | 'override';
  /** First day (UTC) this price is in force; null for the original price. */
  readonly effectiveFrom: string | null;
  /** Ascending by `aboveInputTokens`; empty when the price is flat. */
  readonly tiers: readonly PriceTier[];
  /** Source price units Bastion does not bill (audio/image tokens, web searches…); see docs/pricing.md. */
  readonly otherUnits: readonly string[];
}

export interface PriceOverride {
  readonly inputPerMTok: number;
  readonly outputPerMTok: number;
  readonly cachedInputPerMTok?: number;
  readonly cacheWritePerMTok?: number;
  readonly cacheWrite1hPerMTok?: number;
}

/**
 * Usage to price. `cacheWrite1hTokens` is the part of `cacheWriteTokens` written with a 1-hour TTL;
 * when it is unknown, every cache write bills at the higher of the two cache-write rates.
 */
export type PricedUsage = Usage & { readonly cacheWrite1hTokens?: number };

export interface PriceTableOptions {
  /** Exact model id -> price; replaces the table's price (dates and tiers included) for that model. */
  readonly overrides?: Readonly<Record<string, PriceOverride>>;
  /** Defaults to data/prices.json. */
  readonly data?: PriceData;
  /** Time used when a call omits `atMs`. */
  readonly now?: () => number;
}

export interface PriceTable {
  /** The price in force at `atMs`, or undefined when the model is unknown or not priced per token. */
  priceFor(provider: ProviderName, model: string, atMs?: number): ModelPrice | undefined;
  /** Cost of reported usage, rounded up to whole micro-dollars; undefined for an unknown model. */
  costMicros(provider: ProviderName, model: string, usage: PricedUsage, atMs?: number): number | undefined;
  /** Reservation amount: every input token at the full input rate plus the whole output cap. */
  worstCaseMicros(
    provider: ProviderName,
    model: string,
    inputTokens: number,
    maxOutputTokens: number,
    atMs?: number,
  ): number | undefined;
}

/** The rates that apply to a request with `totalInputTokens` (uncached + cache read + cache write). */
export function ratesFor(price: ModelPrice, totalInputTokens: number): TokenRates {
  let rates: TokenRates = price;
  for (const tier of price.tiers) if (totalInputTokens > tier.aboveInputTokens) rates = tier;
  return rates;
}

/** Longest model id we try to price; longer ids are unknown (bounded matching work). */
const MAX_MODEL_ID = 200;
/** Bound on memoised lookups per provider, so hostile model names cannot grow memory. */
const MEMO_LIMIT = 1024;
const PICO_PER_MICRO = 1_000_000n;

interface CompiledModel {
  readonly id: string;
  readonly matches: ModelMatcher;
  /** Ascending by start; the first starts at -Infinity. */
  readonly periods: readonly { readonly startMs: number; readonly price: ModelPrice | undefined }[];
}

/** USD per MTok -> whole pico-dollars per token, rounding a finer-than-pico price up (never under-charge). */
const toPico = (usdPerMTok: number): bigint => {
  const scaled = usdPerMTok * 1e6;
  const nearest = Math.round(scaled);
  return BigInt(Math.abs(scaled - nearest) < 1e-6 ? nearest : Math.ceil(scaled));
};

const checkTokens = (value: number, name: string): bigint => {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new RangeError(`${name} must be a non-negative integer`);
  return BigInt(value);
};

const picoToMicrosUp = (pico: bigint): number => Number((pico + PICO_PER_MICRO - 1n) / PICO_PER_MICRO);

const toRates = (rates: Omit<PriceDataPeriod, 'from' | 'tiers'>): TokenRates | undefined =>
  rates.input === undefined || rates.output === undefined
    ? undefined
    : {
        inputPerMTok: rates.input,
        outputPerMTok: rates.output,
        cachedInputPerMTok: rates.cachedInput,
        cacheWritePerMTok: rates.cacheWrite,
        cacheWrite1hPerMTok: rates.cacheWrite1h,
      };

function compileProvider(provider: ProviderName, data: PriceData) {
  const section = data.providers[provider];
  const unpriced = section.unpriced.map((entry) => compileMatch(entry.match));
  const models: CompiledModel[] = section.models.map((model) => ({
    id: model.id,
    matches: compileMatch(model.match),
    periods: model.periods.map((period) => {
      const base = toRates(period);
      const tiers = period.tiers.map((tier) => {
        const rates = toRates(tier);
        return rates && { ...rates, aboveInputTokens: tier.aboveInputTokens };
      });
      // A model (or tier) without both input and output token prices cannot be billed per token.
      const priced = base !== undefined && tiers.every((tier) => tier !== undefined);
      const price: ModelPrice | undefined = priced
        ? {
            ...base,
            provider,
            priceId: model.id,
            source: 'table',
            effectiveFrom: period.from,
            tiers: tiers.filter((tier) => tier !== undefined),
            otherUnits: model.otherUnits,
          }
        : undefined;
      const startMs = period.from === null ? -Infinity : Date.parse(`${period.from}T00:00:00Z`);
      return { startMs, price };
    }),
  }));
  return { unpriced, models };
}

const overridePrice = (provider: ProviderName, model: string, o: PriceOverride): ModelPrice => ({
  inputPerMTok: o.inputPerMTok,
  outputPerMTok: o.outputPerMTok,
  cachedInputPerMTok: o.cachedInputPerMTok,
  cacheWritePerMTok: o.cacheWritePerMTok,
  cacheWrite1hPerMTok: o.cacheWrite1hPerMTok,
  provider,
  priceId: model,
  source: 'override',
  effectiveFrom: null,
  tiers: [],
  otherUnits: [],
});

const checkOverride = (model: string, o: PriceOverride): void => {
  for (const [field, value] of Object.entries(o)) {
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1_000_000)
      throw new RangeError(
        `price override for model "${model}": ${field} must be a number from 0 to 1000000`,
      );
  }
  if (typeof o.inputPerMTok !== 'number' || typeof o.outputPerMTok !== 'number')
    throw new RangeError(`price override for model "${model}": inputPerMTok and outputPerMTok are required`);
};

export function createPriceTable(options: PriceTableOptions = {}): PriceTable {
  const data = options.data ?? loadPriceData();
  const now = options.now ?? Date.now;
  const overrides = new Map<string, PriceOverride>();
  for (const [model, override] of Object.entries(options.overrides ?? {})) {
    checkOverride(model, override);
    overrides.set(model, override);
  }
  const providers = {
    openai: compileProvider('openai', data),
    anthropic: compileProvider('anthropic', data),
  };
  const memo = { openai: new Map<string, CompiledModel | null>(), anthropic: new Map() };

  const findModel = (provider: ProviderName, model: string): CompiledModel | undefined => {
    const cache = memo[provider];
    const known = cache.get(model);
    if (known !== undefined) return known ?? undefined;
    const { unpriced, models } = providers[provider];
    const found = unpriced.some((matches) => matches(model))
      ? undefined
      : models.find((candidate) => candidate.matches(model));
    if (cache.size >= MEMO_LIMIT) cache.clear();
    cache.set(model, found ?? null);
    return found;
  };

  const priceFor = (provider: ProviderName, model: string, atMs: number = now()): ModelPrice | undefined => {
    if (!Number.isFinite(atMs)) throw new RangeError('atMs must be a finite epoch-millisecond time');
    if (typeof model !== 'string' || model.length === 0 || model.length > MAX_MODEL_ID) return undefined;
    const override = overrides.get(model);
    if (override !== undefined) return overridePrice(provider, model, override);
    const compiled = providers[provider] && findModel(provider, model);
    if (compiled === undefined) return undefined;
    // The last period that has started wins (the genai-prices rule); the first is always in force.
    let price = compiled.periods[0]?.price;
    for (const period of compiled.periods) if (period.startMs <= atMs) price = period.price;
    return price;
  };

  const costMicros = (
    provider: ProviderName,
    model: string,
    usage: PricedUsage,
    atMs?: number,
  ): number | undefined => {
    const input = checkTokens(usage.inputTokens, 'inputTokens');
    const cached = checkTokens(usage.cachedInputTokens, 'cachedInputTokens');
    const writes = checkTokens(usage.cacheWriteTokens, 'cacheWriteTokens');
    const output = checkTokens(usage.outputTokens, 'outputTokens');
    const writes1h =
      usage.cacheWrite1hTokens === undefined
        ? undefined
        : checkTokens(usage.cacheWrite1hTokens, 'cacheWrite1hTokens');
    if (writes1h !== undefined && writes1h > writes)
      throw new RangeError('cacheWrite1hTokens cannot exceed cacheWriteTokens');
    const price = priceFor(provider, model, atMs);
    if (price === undefined) return undefined;
    const rates = ratesFor(price, usage.inputTokens + usage.cachedInputTokens + usage.cacheWriteTokens);
    const inputRate = toPico(rates.inputPerMTok);
    const write5mRate = toPico(rates.cacheWritePerMTok ?? rates.inputPerMTok);
    const write1hRate = toPico(rates.cacheWrite1hPerMTok ?? rates.cacheWritePerMTok ?? rates.inputPerMTok);
    const writeCost =
      writes1h === undefined
        ? writes * (write1hRate > write5mRate ? write1hRate : write5mRate)
        : (writes - writes1h) * write5mRate + writes1h * write1hRate;
    const pico =
      input * inputRate +
      cached * toPico(rates.cachedInputPerMTok ?? rates.inputPerMTok) +
      writeCost +
      output * toPico(rates.outputPerMTok);
    return picoToMicrosUp(pico);
  };

  const worstCaseMicros = (
    provider: ProviderName,
    model: string,
    inputTokens: number,
    maxOutputTokens: number,
    atMs?: number,
  ): number | undefined => {
    const input = checkTokens(inputTokens, 'inputTokens');
    const output = checkTokens(maxOutputTokens, 'maxOutputTokens');
    const price = priceFor(provider, model, atMs);
    if (price === undefined) return undefined;
    const rates = ratesFor(price, inputTokens);
    return picoToMicrosUp(input * toPico(rates.inputPerMTok) + output * toPico(rates.outputPerMTok));
  };

  return { priceFor, costMicros, worstCaseMicros };
}
