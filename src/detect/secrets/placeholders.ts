/**
 * Placeholder detection for credentials written inside URLs (secretlint's `basicauth` and
 * `database-connection-string` rules). Documentation, READMEs and test fixtures are full of
 * `http://user:pass@example.com` and `postgres://<user>:<password>@<host>/db`; secretlint's own
 * placeholder lists miss many of them (it compares whole words, and basicauth ignores the host), so a
 * scan of an ordinary node_modules reported such URLs as leaked credentials.
 *
 * A URL credential is a placeholder when its password is one (a word like `password`, `pass`,
 * `secret`, optionally prefixed `some`/`my`/`your`..., a template such as `${DB_PASS}`, `<password>`,
 * `{{pw}}`, `%PASS%`, `$PASS`, or a run of one character like `xxx` or `***`), when the host is a
 * reserved example name that can never resolve to a real server (RFC 2606 / RFC 6761:
 * example.com/.net/.org and their subdomains, `.example`, `.test`, `.invalid`), or when the user is
 * `anonymous` (the RFC 1635 convention for public access, as in MDN's URL examples).
 *
 * Known gaps, on purpose: a real password that happens to be a bare placeholder word is not reported
 * (it protects nothing either), and a real credential for user `anonymous` is missed.
 */

/** `scheme://user:password@host`, with the character classes of secretlint's own URL patterns. */
const CREDENTIAL_URL =
  /^(?:jdbc:)?[a-z][a-z0-9+.-]{0,20}:\/\/(?<user>[^:@/\s]{0,256}):(?<password>[^@/\s]{1,256})@(?<host>[^/\s?#]{0,256})/i;

const PLACEHOLDER_WORD =
  /^(?:(?:some|my|your|the|example|sample|dummy|fake|test)[-_]?)?(?:password|passwd|pass|pwd|pw|secret)$/i;
const OTHER_PLACEHOLDERS = new Set(['changeme', 'changeit', 'redacted', 'placeholder', 'hidden', 'dummy']);
const TEMPLATE =
  /^(?:<[^<>]{1,60}>|\[[^[\]]{1,60}\]|\$\{[^}]{1,60}\}|\{\{[^}]{1,60}\}\}|\{[^{}]{1,60}\}|%[A-Za-z_]{1,30}%|\$[A-Za-z_][A-Za-z0-9_]{0,30}|\$\([^)]{1,60}\))$/;
const ONE_CHARACTER_RUN = /^(.)\1*$/;

const EXAMPLE_DOMAINS = ['example.com', 'example.net', 'example.org'];
const EXAMPLE_TLDS = ['example', 'test', 'invalid'];

export function isPlaceholderPassword(password: string): boolean {
  const value = password.replace(/^['"`]|['"`]$/g, '');
  if (value.length === 0) return true;
  if (PLACEHOLDER_WORD.test(value) || OTHER_PLACEHOLDERS.has(value.toLowerCase())) return true;
  if (TEMPLATE.test(value)) return true;
  // `x`, `xxx`, `****`, `...`: one character repeated.
  return ONE_CHARACTER_RUN.test(value) && /^[x*.#_-]/i.test(value);
}

export function isExampleHost(host: string): boolean {
  // Drop a port and a trailing dot; IPv6 literals are never example names.
  const name = host
    .replace(/:\d{1,5}$/, '')
    .replace(/\.$/, '')
    .toLowerCase();
  if (EXAMPLE_DOMAINS.some((domain) => name === domain || name.endsWith(`.${domain}`))) return true;
  const tld = name.slice(name.lastIndexOf('.') + 1);
  return name.includes('.') && EXAMPLE_TLDS.includes(tld);
}

/** True when `url` (the text a URL-credential rule matched) holds a placeholder, not a credential. */
export function isPlaceholderCredentialUrl(url: string): boolean {
  const groups = CREDENTIAL_URL.exec(url)?.groups;
  if (groups === undefined) return false;
  const { user = '', password = '', host = '' } = groups;
  return isPlaceholderPassword(password) || isExampleHost(host) || user.toLowerCase() === 'anonymous';
}
