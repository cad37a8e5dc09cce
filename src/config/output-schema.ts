/**
 * `apps.<id>.output`: what is done to model output before it reaches the client. Defaults are the
 * safe ones for output that a browser may render: HTML reduced to a small allowlist, images and
 * links only to allowlisted hosts, credentials in output redacted. PII redaction is opt-in (many
 * apps legitimately return contact details).
 */
import { z } from 'zod';

const TAG = /^[a-z][a-z0-9-]{0,31}$/;
const ATTRIBUTE = /^[a-z*][a-z0-9_:-]{0,63}$/;
const DOMAIN = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

const intIn = (min: number, max: number) =>
  z
    .number({ error: 'expected a number' })
    .int({ error: 'expected a whole number' })
    .min(min, { error: `must be at least ${min}` })
    .max(max, { error: `must be at most ${max}` });

/** Tags that can run script or load content whatever their attributes; refused in the allowlist. */
const NEVER_ALLOWED = new Set([
  'script',
  'style',
  'iframe',
  'object',
  'embed',
  'frame',
  'frameset',
  'base',
  'meta',
  'link',
  'svg',
  'math',
  'form',
  'template',
  'noscript',
]);

export const htmlOutputSchema = z
  .strictObject({
    /**
     * `sanitize`: keep allowlisted tags and attributes, drop the rest (and script/style content).
     * `markdown`: the same for prose, but code blocks and code spans pass untouched, because a
     * markdown renderer escapes them itself; only for clients that render output as markdown.
     */
    mode: z
      .enum(['sanitize', 'markdown', 'off'], { error: 'expected sanitize, markdown or off' })
      .default('sanitize'),
    allowedTags: z
      .array(
        z
          .string()
          .regex(TAG, { error: 'expected a lower-case tag name' })
          .refine((tag) => !NEVER_ALLOWED.has(tag), {
            error: 'this tag can run script or load content and cannot be allowed',
          }),
      )
      .max(100)
      .default(['p', 'strong', 'em', 'ul', 'li', 'code']),
    /** Attributes per tag; `on*` handlers and `style` are never allowed. */
    allowedAttributes: z
      .record(
        z.string().regex(/^([a-z][a-z0-9-]{0,31}|\*)$/, { error: 'expected a tag name or *' }),
        z.array(
          z
            .string()
            .regex(ATTRIBUTE)
            .refine((name) => !name.startsWith('on') && name !== 'style' && name !== 'srcdoc', {
              error: 'event handlers, style and srcdoc cannot be allowed',
            }),
        ),
      )
      .default({}),
    allowedSchemes: z
      .array(z.enum(['https', 'http', 'mailto'], { error: 'expected https, http or mailto' }))
      .default(['https', 'mailto']),
    /** Most characters held back while an element is open (then it is sanitized as is). */
    maxHoldChars: intIn(256, 65_536).default(4096),
  })
  .prefault({});

export const linksOutputSchema = z
  .strictObject({
    /** `all`: markdown/HTML images and links; `images`: images only; `off`. */
    mode: z.enum(['all', 'images', 'off'], { error: 'expected all, images or off' }).default('all'),
    /** Hosts (and their subdomains) that images and links may point to. */
    allowedDomains: z
      .array(z.string().toLowerCase().regex(DOMAIN, { error: 'expected a domain such as docs.example.com' }))
      .max(1000)
      .default([]),
  })
  .prefault({});

export const dlpOutputSchema = z
  .strictObject({
    /** Credentials in output (provider keys, cloud keys, tokens, private keys). */
    secrets: z.enum(['redact', 'block', 'off'], { error: 'expected redact, block or off' }).default('redact'),
    /** Personal data in output (the types below). */
    pii: z.enum(['redact', 'block', 'off'], { error: 'expected redact, block or off' }).default('off'),
    piiTypes: z
      .array(z.enum(['email', 'phone', 'credit_card', 'ssn', 'iban']))
      .min(1)
      .default(['email', 'phone', 'credit_card', 'ssn', 'iban']),
    /** Characters held back so a secret or number split across deltas is seen whole. */
    // At least the longest PII value with separators (an IBAN, 42) plus the settle margin.
    holdChars: intIn(64, 4096).default(64),
  })
  .prefault({});

export const outputSchema = z
  .strictObject({
    html: htmlOutputSchema,
    links: linksOutputSchema,
    dlp: dlpOutputSchema,
    /** A module (path relative to the config file) whose default export checks output in code. */
    policyModule: z.string().min(1).optional(),
    policyTimeoutMs: intIn(1, 60_000).default(1000),
  })
  .prefault({});
