/**
 * What must never sit in a system prompt: credentials, connection strings and private network
 * addresses. A system prompt is sent to the model provider on every request and is the first thing
 * prompt-extraction attacks go after, so anything in it should be treated as published. The
 * gateway holds credentials; the prompt must not.
 *
 * Results name the kind of problem (and the secret rule id), never the offending text. Every regex
 * is bounded (no nested quantifiers), so a large prompt file is scanned in linear time.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { findPatternSecrets } from '../detect/secrets/patterns.js';
import { looksLikeProviderKey } from './secret-ref.js';

/** A URL-ish token: scheme://then everything up to whitespace or a quote (bounded). */
const URL_TOKEN = /\b([a-z][a-z0-9+.-]{1,24}):\/\/([^\s"'<>`]{1,2048})/gi;
/** Schemes whose URLs are database or broker connection strings. */
const DATABASE_SCHEMES = new Set([
  'postgres',
  'postgresql',
  'mysql',
  'mariadb',
  'mongodb',
  'mongodb+srv',
  'redis',
  'rediss',
  'amqp',
  'amqps',
  'mssql',
  'sqlserver',
  'clickhouse',
  'cockroachdb',
]);
/** `?password=...` / `;password=...` inside a URL. */
const URL_PASSWORD_PARAM = /[?&;](?:password|passwd|pwd|sslpassword|secret|access_?key)=[^&;\s]/i;
/**
 * ADO.NET / JDBC / Azure storage style settings (`Password=...;`, `AccountKey=...`): the key word at a
 * boundary, `=`, then a value that is not blank.
 */
const KEY_VALUE_SECRET =
  /(?:^|[\s;"'{(,])(?:password|pwd|accountkey|account_key|sharedaccesskey|sharedaccesssignature|sharedsecret|clientsecret|client_secret)\s{0,3}=\s{0,3}[^\s;"',)]/gi;
/** Dotted quads at a boundary; octet ranges are checked in code. */
const IPV4 = /(?<![\d.])(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?![\d]|\.\d)/g;
/** Candidate IPv6 literals (at least two colons); validated with node:net. */
const IPV6 = /(?<![0-9a-z:.])[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}(?![0-9a-z:])/gi;

export type PromptProblem =
  | { readonly kind: 'credential'; readonly rule: string }
  | { readonly kind: 'connection_string' }
  | { readonly kind: 'private_ip' };

const isPrivateIPv4 = (octets: readonly number[]): boolean => {
  const [a = 0, b = 0] = octets;
  return (
    a === 10 ||
    a === 127 ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 169 && b === 254)
  );
};

/** fc00::/7 (unique local) and fe80::/10 (link local), from the first hextet of a valid IPv6 literal. */
const isPrivateIPv6 = (literal: string): boolean => {
  if (!isIPv6(literal)) return false;
  const first = literal.startsWith('::') ? 0 : Number.parseInt(literal.split(':')[0] ?? '0', 16);
  return (first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80;
};

const hasConnectionString = (text: string): boolean => {
  for (const match of text.matchAll(URL_TOKEN)) {
    const scheme = (match[1] ?? '').toLowerCase();
    const rest = match[2] ?? '';
    const authority = rest.split(/[/?#]/, 1)[0] ?? '';
    // user:password@host for any scheme (https://user:pass@... is a credential too).
    const at = authority.lastIndexOf('@');
    if (at > 0 && authority.slice(0, at).includes(':')) return true;
    if (DATABASE_SCHEMES.has(scheme) && URL_PASSWORD_PARAM.test(rest)) return true;
  }
  // `jdbc:mysql://...` matches from `mysql://`, so JDBC URLs are covered by the same checks.
  KEY_VALUE_SECRET.lastIndex = 0;
  return KEY_VALUE_SECRET.test(text);
};

const hasPrivateIp = (text: string): boolean => {
  for (const match of text.matchAll(IPV4)) {
    const octets = match.slice(1, 5).map(Number);
    if (octets.every((octet) => octet <= 255) && isIPv4(octets.join('.')) && isPrivateIPv4(octets)) {
      return true;
    }
  }
  for (const match of text.matchAll(IPV6)) {
    if (isPrivateIPv6(match[0])) return true;
  }
  return false;
};

/**
 * Every kind of problem found in a system prompt (at most one entry per kind, one per secret rule).
 * Empty when the prompt is fine.
 */
export function findPromptProblems(text: string): PromptProblem[] {
  const problems: PromptProblem[] = [];
  const rules = new Set(findPatternSecrets(text).map((match) => match.ruleId));
  if (rules.size === 0 && looksLikeProviderKey(text)) rules.add('provider-api-key');
  for (const rule of rules) problems.push({ kind: 'credential', rule });
  if (hasConnectionString(text)) problems.push({ kind: 'connection_string' });
  if (hasPrivateIp(text)) problems.push({ kind: 'private_ip' });
  return problems;
}

/** The operator-facing sentence for a problem; names the kind, never the text. */
export const describePromptProblem = (problem: PromptProblem): string => {
  const why =
    'system prompts are sent to the model provider and are the first target of extraction attacks; keep it out of the prompt';
  switch (problem.kind) {
    case 'credential':
      return `contains a credential (${problem.rule}); ${why}`;
    case 'connection_string':
      return `contains a connection string with a password or key; ${why}`;
    case 'private_ip':
      return `contains a private network address (10/8, 172.16/12, 192.168/16, 127/8, 169.254/16, fc00::/7 or fe80::/10); ${why}`;
  }
};
