/**
 * Config for content moderation and app filters:
 * - `apps.<id>.moderation`: OpenAI's moderation endpoint on inputs and/or outputs, per-category
 *   thresholds, a timeout and a fail policy (default: fail closed);
 * - `apps.<id>.filters`: keyword and regex lists and named profiles, checked locally;
 * - top-level `contentProfiles`: new profiles, or additions to the built-in `children`/`workplace`;
 * - `alerts.repeatedFilterHits`: when one user trips filters often enough to raise an alert.
 * Regexes are checked for catastrophic backtracking here, at load (see core/filter-rules.ts).
 */
import { z } from 'zod';
import { BUILTIN_CONTENT_PROFILES, checkFilterRegex } from '../core/filter-rules.js';

/** The 13 categories of OpenAI's moderation models, spelled as the API does. */
export const MODERATION_CATEGORIES = [
  'harassment',
  'harassment/threatening',
  'hate',
  'hate/threatening',
  'illicit',
  'illicit/violent',
  'self-harm',
  'self-harm/intent',
  'self-harm/instructions',
  'sexual',
  'sexual/minors',
  'violence',
  'violence/graphic',
] as const;

const intIn = (min: number, max: number) =>
  z
    .number({ error: 'expected a number' })
    .int({ error: 'expected a whole number' })
    .min(min, { error: `must be at least ${min}` })
    .max(max, { error: `must be at most ${max}` });

const RULE_ID = /^[a-z0-9][a-z0-9_-]{0,39}$/;
/** Regex ids that would collide with the trigger names of keyword lists and profiles. */
const RESERVED_RULE_IDS = new Set(['keywords', 'profile']);

const ruleIdSchema = z
  .string({ error: 'expected a rule id' })
  .regex(RULE_ID, {
    error: 'a rule id is 1-40 characters of a-z, 0-9, "-" or "_", starting with a letter or digit',
  })
  .refine((id) => !RESERVED_RULE_IDS.has(id), { error: 'the ids "keywords" and "profile" are reserved' });

/**
 * A keyword: a word or phrase matched as a whole word, case-insensitively, after Unicode folding;
 * a trailing `*` also matches longer words that start with it (`swear*`).
 */
const keywordSchema = z
  .string({ error: 'expected a keyword' })
  .min(1, { error: 'a keyword must not be empty' })
  .max(100, { error: 'a keyword is at most 100 characters' })
  .refine((word) => /[\p{L}\p{N}]/u.test(word), { error: 'a keyword needs at least one letter or digit' })
  .refine((word) => !/[\p{Cc}\p{Cf}]/u.test(word), { error: 'a keyword must not contain control characters' })
  .refine((word) => word.indexOf('*') === -1 || word.indexOf('*') === word.length - 1, {
    error: 'a keyword may contain "*" only at its end (prefix match)',
  });

const keywordsSchema = z
  .array(keywordSchema, { error: 'expected a list of keywords' })
  .max(2_000)
  .default([]);

const regexRuleSchema = z
  .strictObject({
    id: ruleIdSchema,
    pattern: z.string({ error: 'expected a regular expression' }),
    /** JavaScript flags: i (default), s, u. */
    flags: z.string({ error: 'expected flags such as "i"' }).default('i'),
  })
  .superRefine((rule, ctx) => {
    const check = checkFilterRegex(rule.pattern, rule.flags);
    if (!check.ok) ctx.addIssue({ code: 'custom', path: ['pattern'], message: `refused: ${check.reason}` });
  });

const regexesSchema = z
  .array(regexRuleSchema, { error: 'expected a list of { id, pattern, flags }' })
  .max(200)
  .default([])
  .superRefine((rules, ctx) => {
    const seen = new Set<string>();
    rules.forEach((rule, index) => {
      if (seen.has(rule.id))
        ctx.addIssue({ code: 'custom', path: [index, 'id'], message: `duplicate rule id "${rule.id}"` });
      seen.add(rule.id);
    });
  });

const profileNameSchema = z.string({ error: 'expected a profile name' }).regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, {
  error: 'a profile name is 1-32 characters of a-z, 0-9, "-" or "_"',
});

export const moderationSchema = z
  .strictObject({
    /** Moderate every client text before the model is called. */
    input: z.boolean({ error: 'expected true or false' }).default(false),
    /** Moderate model output in windows before it is released. */
    output: z.boolean({ error: 'expected true or false' }).default(false),
    model: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, { error: 'expected a moderation model name' })
      .default('omni-moderation-latest'),
    timeoutMs: intIn(50, 60_000).default(2_000),
    /** `block` (default) refuses when moderation times out or fails; `allow` lets the text through and records it. */
    onError: z.enum(['block', 'allow'], { error: 'expected block or allow' }).default('block'),
    /** Score (0-1) from which a category counts as flagged; unlisted categories use the provider's own booleans. */
    thresholds: z
      .partialRecord(
        z.enum(MODERATION_CATEGORIES, {
          error: `expected a moderation category: ${MODERATION_CATEGORIES.join(', ')}`,
        }),
        z.number({ error: 'expected a score between 0 and 1' }).min(0).max(1),
      )
      .default({}),
    /** Output is held and moderated in windows of this many characters. */
    outputWindowChars: intIn(100, 100_000).default(1_000),
  })
  .prefault({});

export const filtersSchema = z
  .strictObject({
    keywords: keywordsSchema,
    regexes: regexesSchema,
    /** Built-in (`children`, `workplace`) or `contentProfiles` names. */
    profiles: z
      .array(profileNameSchema)
      .max(20)
      .default([])
      .refine((names) => new Set(names).size === names.length, { error: 'a profile is listed twice' }),
    applyTo: z.enum(['input', 'output', 'both'], { error: 'expected input, output or both' }).default('both'),
  })
  .prefault({});

/** Top-level `contentProfiles`: new profiles, or rules added to a built-in one of the same name. */
export const contentProfilesSchema = z
  .record(profileNameSchema, z.strictObject({ keywords: keywordsSchema, regexes: regexesSchema }), {
    error: 'expected a map of profile name to { keywords, regexes }',
  })
  .default({});

/** `alerts.repeatedFilterHits`: one user tripping filters or moderation `threshold` times within the window. */
export const repeatedFilterHitsSchema = z
  .strictObject({
    threshold: intIn(1, 1_000_000).default(5),
    windowSeconds: intIn(10, 7 * 86_400).default(600),
  })
  .prefault({});

/** The parts of the whole config the cross-field check needs (kept structural to avoid an import cycle). */
interface ContentControlsView {
  readonly providers: { readonly openai?: unknown };
  readonly contentProfiles: Readonly<Record<string, unknown>>;
  readonly apps: Readonly<
    Record<
      string,
      {
        readonly moderation: { readonly input: boolean; readonly output: boolean };
        readonly filters: { readonly profiles: readonly string[] };
      }
    >
  >;
}

const BUILTIN = new Set<string>(BUILTIN_CONTENT_PROFILES);

/** Cross-field rules: moderation needs the OpenAI provider; profiles must exist. */
export function checkContentControls(config: ContentControlsView, ctx: z.RefinementCtx): void {
  for (const [appId, app] of Object.entries(config.apps)) {
    if ((app.moderation.input || app.moderation.output) && config.providers.openai === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['apps', appId, 'moderation'],
        message:
          "moderation calls OpenAI's moderation endpoint: configure providers.openai (its keys are used), or set moderation.input and moderation.output to false",
      });
    }
    app.filters.profiles.forEach((name, index) => {
      if (!BUILTIN.has(name) && !Object.hasOwn(config.contentProfiles, name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['apps', appId, 'filters', 'profiles', index],
          message: `unknown profile "${name}": built-in profiles are ${BUILTIN_CONTENT_PROFILES.join(', ')}; define others under contentProfiles`,
        });
      }
    });
  }
}
