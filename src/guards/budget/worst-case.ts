/**
 * The price facts the budget guard needs, as a structural interface (guards do not import src/pricing;
 * app.ts passes the real price table), and the reservation amount.
 */
import type { ProviderName, Usage } from '../../core/types.js';

/** Rates in USD per million tokens; a missing cache-write rate means writes bill at the input rate. */
export interface BudgetRates {
  readonly inputPerMTok: number;
  readonly outputPerMTok: number;
  readonly cacheWritePerMTok?: number | undefined;
  readonly cacheWrite1hPerMTok?: number | undefined;
}

export interface BudgetPrice extends BudgetRates {
  /** Long-context tiers, ascending: input above `aboveInputTokens` bills wholly at the tier's rates. */
  readonly tiers: readonly (BudgetRates & { readonly aboveInputTokens: number })[];
}

/** What the guard needs from the price table (src/pricing/price-table.ts satisfies it). */
export interface BudgetPrices {
  worstCaseMicros(
    provider: ProviderName,
    model: string,
    inputTokens: number,
    maxOutputTokens: number,
    atMs?: number,
  ): number | undefined;
  costMicros(provider: ProviderName, model: string, usage: Usage, atMs?: number): number | undefined;
  priceFor?(provider: ProviderName, model: string, atMs?: number): BudgetPrice | undefined;
}

const PICO_PER_MICRO = 1_000_000n;

/** USD per MTok -> whole pico-dollars per token, rounding a finer price up (never under-reserve). */
const toPico = (usdPerMTok: number): bigint => {
  const scaled = usdPerMTok * 1e6;
  const nearest = Math.round(scaled);
  return BigInt(Math.abs(scaled - nearest) < 1e-6 ? nearest : Math.ceil(scaled));
};

const ratesFor = (price: BudgetPrice, inputTokens: number): BudgetRates => {
  let rates: BudgetRates = price;
  for (const tier of price.tiers) if (inputTokens > tier.aboveInputTokens) rates = tier;
  return rates;
};

/**
 * Worst-case cost in micro-dollars, rounded up: every input token at the highest input-side rate (a
 * cache write can cost more than plain input, and the client decides what gets cached) plus the whole
 * output cap, at the tier of the input size. Undefined when the model has no price.
 */
export function worstCaseMicros(
  prices: BudgetPrices,
  provider: ProviderName,
  model: string,
  inputTokens: number,
  maxOutputTokens: number,
  atMs: number,
): number | undefined {
  const tableWorst = prices.worstCaseMicros(provider, model, inputTokens, maxOutputTokens, atMs);
  if (tableWorst === undefined || prices.priceFor === undefined) return tableWorst;
  const price = prices.priceFor(provider, model, atMs);
  if (price === undefined) return tableWorst;
  const rates = ratesFor(price, inputTokens);
  let inputRate = toPico(rates.inputPerMTok);
  for (const rate of [rates.cacheWritePerMTok, rates.cacheWrite1hPerMTok]) {
    if (rate !== undefined && toPico(rate) > inputRate) inputRate = toPico(rate);
  }
  const pico = BigInt(inputTokens) * inputRate + BigInt(maxOutputTokens) * toPico(rates.outputPerMTok);
  const micros = Number((pico + PICO_PER_MICRO - 1n) / PICO_PER_MICRO);
  // Never reserve less than the table's own worst case.
  return Math.max(micros, tableWorst);
}
