/**
 * The shape of data/prices.json (written by scripts/build-prices.ts) and its loader. The file is read
 * once at startup and validated, so a damaged or hand-edited table stops the gateway instead of
 * mispricing requests.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { ProviderName } from '../core/types.js';

export type MatchRule =
  | { readonly or: readonly MatchRule[] }
  | { readonly and: readonly MatchRule[] }
  | { readonly equals: string }
  | { readonly starts_with: string }
  | { readonly ends_with: string }
  | { readonly contains: string }
  | { readonly regex: string };

const text = z.string().min(1).max(200);
const matchRule: z.ZodType<MatchRule> = z.lazy(() =>
  z.union([
    z.strictObject({ or: z.array(matchRule).min(1) }),
    z.strictObject({ and: z.array(matchRule).min(1) }),
    z.strictObject({ equals: text }),
    z.strictObject({ starts_with: text }),
    z.strictObject({ ends_with: text }),
    z.strictObject({ contains: text }),
    z.strictObject({ regex: text }),
  ]),
);

/** USD per million tokens. Bounded so a typo (or a unit mix-up) cannot produce absurd charges silently. */
const rate = z.number().finite().min(0).max(1_000_000);
const rates = {
  input: rate.optional(),
  cachedInput: rate.optional(),
  cacheWrite: rate.optional(),
  cacheWrite1h: rate.optional(),
  output: rate.optional(),
};

const period = z.strictObject({
  from: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .nullable(),
  ...rates,
  tiers: z.array(z.strictObject({ aboveInputTokens: z.number().int().min(0), ...rates })),
});

const model = z.strictObject({
  id: text,
  match: matchRule,
  periods: z.array(period).min(1),
  otherUnits: z.array(z.string()),
});

const provider = z.strictObject({
  unpriced: z.array(z.strictObject({ match: matchRule, reason: z.string() })),
  models: z.array(model),
});

const priceData = z.object({
  schemaVersion: z.literal(1),
  source: z.object({ package: z.string(), version: z.string(), sha256: z.string() }).loose(),
  license: z.string(),
  providers: z.strictObject({ openai: provider, anthropic: provider }),
});

export type PriceData = z.infer<typeof priceData>;
export type PriceDataModel = z.infer<typeof model>;
export type PriceDataPeriod = z.infer<typeof period>;
export type PriceDataProvider = PriceData['providers'][ProviderName];

/** data/prices.json at the repo root; the same relative path works from src/pricing and dist/pricing. */
export const DEFAULT_PRICES_URL = new URL('../../data/prices.json', import.meta.url);

/** Validates parsed price data; throws with the offending path (never request content) when invalid. */
export function parsePriceData(raw: unknown): PriceData {
  const result = priceData.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(`price table invalid at ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'unknown'}`);
  }
  return result.data;
}

/** Reads and validates the price table (synchronous: startup only, never on the request path). */
export function loadPriceData(url: URL = DEFAULT_PRICES_URL): PriceData {
  return parsePriceData(JSON.parse(readFileSync(url, 'utf8')));
}
