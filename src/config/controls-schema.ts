/**
 * Config for the abuse and cost controls: rate limits, budgets, end-user identity (JWT or a trusted
 * header), shared stores, alerts and price overrides. Strict objects; safe defaults (all limits off
 * unless configured, budgets fail closed, no header is trusted unless an app opts in).
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { repeatedFilterHitsSchema } from './moderation-schema.js';

const intIn = (min: number, max: number) =>
  z
    .number({ error: 'expected a number' })
    .int({ error: 'expected a whole number' })
    .min(min, { error: `must be at least ${min}` })
    .max(max, { error: `must be at most ${max}` });

const usd = z
  .number({ error: 'expected an amount in USD' })
  .positive({ error: 'must be more than 0' })
  .max(1e9, { error: 'must be at most 1e9' });

const windowLimitSchema = z.strictObject({
  limit: intIn(1, 1_000_000_000),
  windowSeconds: intIn(1, 31 * 86_400),
});

/** A request-count and/or token limit for one scope. Tokens = counted input + enforced output cap. */
const scopeLimitSchema = z.strictObject({
  requests: windowLimitSchema.optional(),
  tokens: windowLimitSchema.optional(),
});

export const rateLimitsSchema = z
  .strictObject({
    /** Per end user (needs a verified end-user id: JWT, or the trusted header when enabled). */
    perUser: scopeLimitSchema.optional(),
    /** Per client IP (X-Forwarded-For is honoured only from server.trustedProxies). */
    perIp: scopeLimitSchema.optional(),
    /** Per gateway key. */
    perKey: scopeLimitSchema.optional(),
    /** Across the whole app, all replicas together. */
    global: scopeLimitSchema.optional(),
    /** Across the whole app, per model. */
    perModel: z.record(z.string().min(1).max(128), scopeLimitSchema).optional(),
    /** Requests in flight at once per gateway key. */
    maxConcurrentPerKey: intIn(1, 1_000_000).optional(),
  })
  .prefault({});

export const budgetSchema = z
  .strictObject({
    expectedMonthlyUsd: usd,
    /** Hard cap as a percentage of expected spend (committed spend never exceeds it). */
    hardCapPercent: intIn(100, 10_000).default(150),
    /** Alerts, each sent once per period, as percentages of expected spend. */
    alertPercents: z.array(intIn(1, 10_000)).max(10).default([50, 80, 100]),
    /** Optional hard caps per gateway key and per end user (USD per month). */
    perKeyMonthlyUsd: usd.optional(),
    perUserMonthlyUsd: usd.optional(),
  })
  .optional();

const timeZoneSchema = z.string().refine(
  (zone) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  },
  { error: 'expected an IANA time zone such as UTC or Europe/Paris' },
);

export const budgetsSchema = z
  .strictObject({
    /** Budget periods are calendar months in this time zone. */
    timeZone: timeZoneSchema.default('UTC'),
    /** A hard cap for all apps together (USD per month), with alerts at the same percentages. */
    globalMonthlyUsd: usd.optional(),
    /** Reservations of crashed replicas stop counting after this long. */
    reservationTtlSeconds: intIn(10, 86_400).default(900),
  })
  .prefault({});

const cidrSchema = z.string().refine(
  (value) => {
    const [address, bits, extra] = value.split('/');
    if (extra !== undefined || address === undefined || isIP(address) === 0) return false;
    if (bits === undefined) return true;
    const max = isIP(address) === 4 ? 32 : 128;
    return /^\d{1,3}$/.test(bits) && Number(bits) <= max;
  },
  { error: 'expected an IP address or CIDR such as 10.0.0.0/8' },
);

export const trustedProxiesSchema = z.array(cidrSchema).max(256).default([]);

const HEADER_NAME = /^[a-z0-9-]{1,64}$/;

export const jwtSchema = <S extends z.ZodType>(secretRefSchema: S) =>
  z
    .strictObject({
      /** Where the signing keys come from: one of jwksUrl, jwksFile or secret (HS256). */
      jwksUrl: z
        .url({ protocol: /^https?$/, error: 'expected an http(s) URL' })
        .refine(
          (url) => url.startsWith('https://') || /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/.test(url),
          {
            error: 'the JWKS URL must use https (plain http only for 127.0.0.1, localhost or [::1])',
          },
        )
        .optional(),
      jwksFile: z.string().min(1).optional(),
      secret: secretRefSchema.optional(),
      issuer: z.string().min(1),
      audience: z.string().min(1),
      /** Claim that becomes the end-user id. */
      userClaim: z.string().min(1).max(64).default('sub'),
      clockSkewSeconds: intIn(0, 600).default(30),
      algorithms: z
        .array(z.enum(['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA', 'HS256']))
        .min(1)
        .optional(),
      /** App of requests that authenticate with a JWT alone (no gateway key). Unset: a gateway key is required. */
      app: z
        .string()
        .regex(/^[a-z0-9_-]{1,64}$/)
        .optional(),
      /** How long fetched JWKS are cached. */
      jwksCacheSeconds: intIn(10, 86_400).default(600),
    })
    .refine((jwt) => [jwt.jwksUrl, jwt.jwksFile, jwt.secret].filter((v) => v !== undefined).length === 1, {
      error: 'set exactly one of jwksUrl, jwksFile or secret',
    });

/** Header an app's own backend may set (with its gateway key) to name the end user, when the app enables it. */
export const END_USER_HEADER = 'x-bastion-end-user';
/** Header that carries an end user's JWT on top of a gateway key. */
export const USER_TOKEN_HEADER = 'x-bastion-user-token';

export const endUserSchema = z
  .strictObject({
    /** Trust END_USER_HEADER from this app's gateway keys (off by default). */
    trustHeader: z.boolean().default(false),
    /** Refuse requests that carry no verified end-user id. */
    required: z.boolean().default(false),
  })
  .prefault({});

export const alertsSchema = <S extends z.ZodType>(secretRefSchema: S) =>
  z
    .strictObject({
      log: z.boolean().default(true),
      webhooks: z
        .array(
          z.strictObject({
            /** The webhook URL is a secret (Slack URLs are credentials): a secret reference. */
            url: secretRefSchema,
            format: z.enum(['json', 'slack']).default('json'),
            timeoutMs: intIn(100, 60_000).default(5_000),
            retries: intIn(0, 10).default(2),
          }),
        )
        .max(10)
        .default([]),
      /** Alert when one user trips content filters or moderation this often (see docs/monitoring.md). */
      repeatedFilterHits: repeatedFilterHitsSchema,
    })
    .prefault({});

export const storesSchema = <S extends z.ZodType>(secretRefSchema: S) =>
  z
    .strictObject({
      /** Redis for rate-limit counters shared by replicas (a secret reference: URLs carry passwords). */
      redisUrl: secretRefSchema.optional(),
      /** PostgreSQL for the spend ledger shared by replicas. Without it, the embedded SQLite file is used. */
      databaseUrl: secretRefSchema.optional(),
      /** Key prefix / schema that namespaces this deployment in the shared stores. */
      namespace: z
        .string()
        .regex(/^[a-z0-9_]{1,32}$/)
        .default('bastion'),
    })
    .prefault({});

export const pricingSchema = z
  .strictObject({
    overrides: z
      .record(
        z.string().min(1).max(128),
        z.strictObject({
          inputPerMTok: z.number().nonnegative(),
          outputPerMTok: z.number().nonnegative(),
          cachedInputPerMTok: z.number().nonnegative().optional(),
          cacheWritePerMTok: z.number().nonnegative().optional(),
        }),
      )
      .default({}),
  })
  .prefault({});

/** Prompt-injection screening per app: block, flag (audit only) or off, at a score threshold (0-1). */
export const injectionSchema = z
  .strictObject({
    action: z.enum(['block', 'flag', 'off']).default('flag'),
    /** The detector's operating point (FPR <= 1% in cross-validation) is 0.5. */
    threshold: z.number().min(0).max(1).default(0.5),
  })
  .prefault({});

export const headerNameSchema = z.string().regex(HEADER_NAME);
