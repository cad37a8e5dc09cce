/**
 * Secrets and personal data in model output. Secrets reuse the scanner's rules (provider keys,
 * cloud keys, gateway keys) plus token shapes that only matter in output (private-key blocks, JWTs,
 * GitHub, Slack and Stripe tokens). PII types are checked with validators where one exists (Luhn
 * for card numbers, mod-97 for IBANs), so ordinary numbers are not redacted.
 * Every regex has bounded repetition and no nested quantifiers: linear on hostile text.
 */
import { findPatternSecrets } from '../secrets/patterns.js';

export const PII_TYPES = ['email', 'phone', 'credit_card', 'ssn', 'iban'] as const;
export type PiiType = (typeof PII_TYPES)[number];

export interface LeakMatch {
  /** `secret.<rule>` or `pii.<type>`: what fired, for triggers and audit (never the value). */
  readonly rule: string;
  readonly index: number;
  readonly length: number;
}

const OUTPUT_SECRETS: ReadonlyArray<{ rule: string; pattern: RegExp }> = [
  { rule: 'secret.private-key', pattern: /-----BEGIN [A-Z ]{0,40}PRIVATE KEY-----/g },
  {
    rule: 'secret.jwt',
    pattern: /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,2000}\.eyJ[A-Za-z0-9_-]{8,4000}\.[A-Za-z0-9_-]{16,1000}/g,
  },
  { rule: 'secret.github-token', pattern: /(?<![A-Za-z0-9_])gh[pousr]_[A-Za-z0-9]{36,255}(?![A-Za-z0-9_])/g },
  { rule: 'secret.slack-token', pattern: /(?<![A-Za-z0-9-])xox[abposr]-[A-Za-z0-9-]{10,200}/g },
  { rule: 'secret.stripe-key', pattern: /(?<![A-Za-z0-9_])(?:sk|rk)_live_[A-Za-z0-9]{16,200}/g },
];

const PII_PATTERNS: Readonly<Record<PiiType, RegExp>> = {
  email:
    /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}(?![A-Za-z0-9-])/g,
  // E.164 (+ and 8-15 digits, optional single separators) or North American (415) 555-0100 forms.
  phone: /(?<![\w+])(?:\+[1-9](?:[ .-]?\d){7,14}|\(?\b[2-9]\d{2}\)?[ .-]?[2-9]\d{2}[ .-]?\d{4})(?![\w])/g,
  credit_card: /(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])/g,
  ssn: /(?<!\d)(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?!\d)/g,
  iban: /(?<![A-Z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}(?![A-Z0-9])/g,
};

const luhn = (digits: string): boolean => {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
};

const ibanValid = (raw: string): boolean => {
  const iban = raw.replace(/ /g, '');
  if (iban.length < 15 || iban.length > 34) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const ch of rearranged) {
    const value = ch >= 'A' && ch <= 'Z' ? ch.charCodeAt(0) - 55 : ch.charCodeAt(0) - 48;
    remainder = value > 9 ? (remainder * 100 + value) % 97 : (remainder * 10 + value) % 97;
  }
  return remainder === 1;
};

const VALIDATORS: Partial<Record<PiiType, (match: string) => boolean>> = {
  credit_card: (match) => {
    const digits = match.replace(/[ -]/g, '');
    return digits.length >= 13 && digits.length <= 19 && luhn(digits);
  },
  iban: ibanValid,
};

const collect = (
  text: string,
  pattern: RegExp,
  rule: string,
  out: LeakMatch[],
  valid?: (m: string) => boolean,
): void => {
  pattern.lastIndex = 0;
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
    if (valid === undefined || valid(m[0])) out.push({ rule, index: m.index, length: m[0].length });
  }
};

/**
 * A literal every secret rule needs (its prefix, marker or assignment word). Most output holds none
 * of them, and one pass of this regex is cheaper than running every rule; a test checks each rule's
 * sample still reaches the full scan. Case-insensitive on purpose: false hits only cost a scan.
 */
const SECRET_HINT =
  /sk-|T3BlbkFJ|key|secret|token|AKIA|ASIA|ABIA|ACCA|service_account|AIza|hf_|bst_|BEGIN|eyJ|gh[pousr]_|xox|_live_/i;
const PII_HINT: Readonly<Record<PiiType, RegExp>> = {
  email: /@/,
  phone: /\d/,
  credit_card: /\d/,
  ssn: /\d/,
  iban: /\d/,
};

export interface LeakScanOptions {
  readonly secrets: boolean;
  readonly pii: readonly PiiType[];
}

/** Every leak in `text`, sorted by position, overlaps merged into the earliest match. */
export function findLeaks(text: string, options: LeakScanOptions): LeakMatch[] {
  const found: LeakMatch[] = [];
  if (options.secrets && SECRET_HINT.test(text)) {
    for (const match of findPatternSecrets(text))
      found.push({ rule: `secret.${match.ruleId}`, index: match.index, length: match.length });
    for (const { rule, pattern } of OUTPUT_SECRETS) collect(text, pattern, rule, found);
  }
  for (const type of options.pii)
    if (PII_HINT[type].test(text)) collect(text, PII_PATTERNS[type], `pii.${type}`, found, VALIDATORS[type]);
  found.sort((a, b) => a.index - b.index || b.length - a.length);
  const merged: LeakMatch[] = [];
  for (const match of found) {
    const last = merged.at(-1);
    if (last && match.index < last.index + last.length) {
      const end = Math.max(last.index + last.length, match.index + match.length);
      merged[merged.length - 1] = { ...last, length: end - last.index };
    } else merged.push(match);
  }
  return merged;
}
