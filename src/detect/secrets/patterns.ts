/**
 * Bastion's own secret rules, for the credentials secretlint misses or matches weakly.
 *
 * Every regex is precompiled, uses bounded repetition and no nested quantifiers, so a scan is linear
 * in the input even on hostile text (a unit test feeds each rule 100 KB of adversarial input).
 * Classification that would need alternation-heavy regexes (OpenAI vs Anthropic `sk-` prefixes) is
 * done in code on a single bounded token match instead.
 */

export type Severity = 'high' | 'medium';

/** A raw match: `index`/`length` locate the secret value inside the scanned text. */
export interface PatternMatch {
  readonly ruleId: string;
  readonly severity: Severity;
  readonly index: number;
  readonly length: number;
  readonly secret: string;
}

export interface RuleInfo {
  readonly id: string;
  readonly description: string;
}

/** Every rule id this module can report, with a human description (used in SARIF). */
export const OWN_RULES: readonly RuleInfo[] = [
  { id: 'openai-api-key', description: 'OpenAI API key (sk-, sk-proj-, sk-svcacct-, sk-admin-)' },
  { id: 'openai-key-marker', description: 'Token containing the OpenAI key marker T3BlbkFJ' },
  { id: 'anthropic-api-key', description: 'Anthropic API key (sk-ant-api03-)' },
  { id: 'anthropic-admin-key', description: 'Anthropic admin key (sk-ant-admin01-)' },
  {
    id: 'azure-openai-key',
    description: 'Azure OpenAI key (32 hex chars in an api-key or Azure/OpenAI assignment)',
  },
  { id: 'aws-access-key-id', description: 'AWS access key id (AKIA/ASIA...)' },
  { id: 'aws-secret-access-key', description: 'AWS secret access key in an assignment' },
  { id: 'gcp-service-account', description: 'Google Cloud service-account JSON with a private key' },
  { id: 'google-api-key', description: 'Google API key (AIza...)' },
  { id: 'huggingface-token', description: 'Hugging Face access token (hf_...)' },
  { id: 'bastion-gateway-key', description: 'Bastion gateway-issued client key (bst_...)' },
];

const OPENAI_MARKER = 'T3BlbkFJ';
/** Longest provider key we expect (sk-proj- keys are ~164 chars); caps work per match start. */
const MAX_TOKEN = 300;

// `sk-` tokens that start at a token boundary. Bounded length keeps "sk-sk-sk-..." input linear.
const SK_TOKEN = /(?<![A-Za-z0-9_-])sk-[A-Za-z0-9_-]{20,300}/g;
const AWS_KEY_ID = /(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}(?![A-Z0-9])/g;
const AWS_SECRET =
  /(?:aws_?secret_?access_?key|aws_?secret_?key|secret_?access_?key)["']?\s{0,5}[:=]{1,2}\s{0,5}["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/gi;
const GOOGLE_API_KEY = /(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])/g;
const HF_TOKEN = /(?<![A-Za-z0-9_])hf_[A-Za-z0-9]{34,40}(?![A-Za-z0-9_])/g;
const BASTION_KEY = /(?<![A-Za-z0-9_])bst_[0-9A-Za-z]{12}_[0-9A-Za-z]{43}(?![0-9A-Za-z])/g;
// A key-ish word, an assignment, then 32 hex chars. Anchored on the word (not on the identifier before
// it, which is recovered in code) so the regex engine does not try a bounded run at every offset.
const HEX32_ASSIGNMENT =
  /(?:key|secret|token)["']?\s{0,5}[:=]{1,2}\s{0,5}["']?([0-9a-fA-F]{32})(?![0-9a-zA-Z])/gi;
const IDENTIFIER_CHAR = /[A-Za-z0-9_.-]/;
const MAX_IDENTIFIER = 60;
const GCP_TYPE = /"type"\s{0,10}:\s{0,10}"service_account"/;
const GCP_PRIVATE_KEY =
  /"private_key"\s{0,10}:\s{0,10}"(-----BEGIN [A-Z ]{0,20}PRIVATE KEY-----[^"]{20,8192})"/g;
const AZURE_CONTEXT = /azure|openai|aoai|cognitiveservices/i;
/** How far before an assignment we look for Azure/OpenAI context. */
const CONTEXT_WINDOW = 300;

const isTokenChar = (code: number): boolean =>
  (code >= 48 && code <= 57) ||
  (code >= 65 && code <= 90) ||
  (code >= 97 && code <= 122) ||
  code === 45 ||
  code === 95;

/** Real keys mix letters and digits; this filters identifiers like `sk-some-long-variable-name-here`. */
const looksRandom = (s: string): boolean => /[0-9]/.test(s) && /[A-Za-z]/.test(s) && !/(.)\1{7}/.test(s);

function classifySk(token: string): { ruleId: string } | undefined {
  if (token.startsWith('sk-ant-api03-'))
    return token.length >= 13 + 80 ? { ruleId: 'anthropic-api-key' } : undefined;
  if (token.startsWith('sk-ant-admin01-'))
    return token.length >= 15 + 80 ? { ruleId: 'anthropic-admin-key' } : undefined;
  if (token.startsWith('sk-ant-')) return undefined;
  if (token.includes(OPENAI_MARKER)) return { ruleId: 'openai-api-key' };
  for (const prefix of ['sk-proj-', 'sk-svcacct-', 'sk-admin-']) {
    if (token.startsWith(prefix) && token.length - prefix.length >= 40) return { ruleId: 'openai-api-key' };
  }
  return undefined;
}

function push(
  out: PatternMatch[],
  ruleId: string,
  index: number,
  secret: string,
  severity: Severity = 'high',
): void {
  out.push({ ruleId, severity, index, length: secret.length, secret });
}

function scanSkTokens(text: string, out: PatternMatch[]): void {
  for (const match of text.matchAll(SK_TOKEN)) {
    const token = match[0];
    const rule = classifySk(token);
    if (rule && looksRandom(token)) push(out, rule.ruleId, match.index, token);
  }
}

/** T3BlbkFJ inside a token that no `sk-` rule claimed (prefix stripped, split keys, other wrappers). */
function scanOpenAiMarker(text: string, out: PatternMatch[]): void {
  const claimed = out.filter((m) => m.ruleId === 'openai-api-key');
  let from = 0;
  let coveredUntil = -1;
  for (;;) {
    const at = text.indexOf(OPENAI_MARKER, from);
    if (at < 0) return;
    from = at + OPENAI_MARKER.length;
    if (at < coveredUntil || claimed.some((m) => at >= m.index && at < m.index + m.length)) continue;
    let start = at;
    while (start > 0 && at - start < MAX_TOKEN && isTokenChar(text.charCodeAt(start - 1))) start--;
    let end = from;
    while (end < text.length && end - from < MAX_TOKEN && isTokenChar(text.charCodeAt(end))) end++;
    coveredUntil = end;
    const token = text.slice(start, end);
    if (token.length >= 30 && looksRandom(token)) push(out, 'openai-key-marker', start, token);
  }
}

function scanSimple(text: string, regex: RegExp, ruleId: string, out: PatternMatch[], group = 0): void {
  for (const match of text.matchAll(regex)) {
    const secret = match[group];
    if (secret === undefined || /EXAMPLE/i.test(secret)) continue;
    const index = match.index + match[0].lastIndexOf(secret);
    push(out, ruleId, index, secret);
  }
}

function scanAzure(text: string, out: PatternMatch[]): void {
  for (const match of text.matchAll(HEX32_ASSIGNMENT)) {
    const secret = match[1];
    if (secret === undefined) continue;
    let start = match.index;
    while (start > 0 && match.index - start < MAX_IDENTIFIER && IDENTIFIER_CHAR.test(text[start - 1] ?? ''))
      start--;
    const wordEnd = match.index + (/^(?:key|secret|token)/i.exec(match[0])?.[0].length ?? 0);
    const name = text.slice(start, wordEnd);
    const isHeader = /(?:^|[^A-Za-z0-9])api-key$/i.test(name) || name.toLowerCase() === 'api-key';
    const context = text.slice(Math.max(0, start - CONTEXT_WINDOW), wordEnd);
    if (!isHeader && !AZURE_CONTEXT.test(context)) continue;
    if (!/[0-9]/.test(secret) || !/[a-fA-F]/.test(secret)) continue;
    push(out, 'azure-openai-key', match.index + match[0].lastIndexOf(secret), secret);
  }
}

function scanGcp(text: string, out: PatternMatch[]): void {
  if (!text.includes('service_account') || !GCP_TYPE.test(text)) return;
  scanSimple(text, GCP_PRIVATE_KEY, 'gcp-service-account', out, 1);
}

/** Runs every own rule over `text`. Matches are sorted by position. */
export function findPatternSecrets(text: string): PatternMatch[] {
  const out: PatternMatch[] = [];
  scanSkTokens(text, out);
  scanOpenAiMarker(text, out);
  scanAzure(text, out);
  scanSimple(text, AWS_KEY_ID, 'aws-access-key-id', out);
  scanSimple(text, AWS_SECRET, 'aws-secret-access-key', out, 1);
  scanGcp(text, out);
  scanSimple(text, GOOGLE_API_KEY, 'google-api-key', out);
  scanSimple(text, HF_TOKEN, 'huggingface-token', out);
  scanSimple(text, BASTION_KEY, 'bastion-gateway-key', out);
  return out.sort((a, b) => a.index - b.index);
}
