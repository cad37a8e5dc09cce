import { readFileSync } from 'node:fs';

/**
 * `.bastionscanignore`: one entry per line, `#` starts a comment.
 * - a 64-hex fingerprint accepts exactly that finding (rule + path + secret);
 * - anything else is a path glob: `*` and `?` stay inside one path segment, `**` crosses segments, a
 *   pattern without `/` matches a base name anywhere (like .gitignore), a trailing `/` matches a folder.
 */
export interface IgnoreRules {
  readonly fingerprints: ReadonlySet<string>;
  readonly globs: readonly RegExp[];
}

export const EMPTY_IGNORE: IgnoreRules = { fingerprints: new Set(), globs: [] };

const FINGERPRINT = /^[0-9a-f]{64}$/;

export function globToRegExp(glob: string): RegExp {
  let pattern = glob.replace(/^\.\//, '');
  const folder = pattern.endsWith('/');
  if (folder) pattern = pattern.slice(0, -1);
  const anchored = pattern.includes('/');
  if (pattern.startsWith('/')) pattern = pattern.slice(1);
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i] ?? '';
    if (char === '*' && pattern[i + 1] === '*') {
      // `**/` is zero or more whole segments; a bare `**` is anything.
      if (pattern[i + 2] === '/') {
        source += '(?:[^/]*/)*';
        i += 2;
      } else {
        source += '.*';
        i += 1;
      }
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  // A match may be the path itself or a folder that contains it (and archive members after `!`).
  return new RegExp(`${anchored ? '^' : '(?:^|/)'}${source}(?:$|[/!])`);
}

export function parseIgnore(text: string): IgnoreRules {
  const fingerprints = new Set<string>();
  const globs: RegExp[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (line === '') continue;
    if (FINGERPRINT.test(line.toLowerCase())) fingerprints.add(line.toLowerCase());
    else globs.push(globToRegExp(line));
  }
  return { fingerprints, globs };
}

export const loadIgnoreFile = (file: string): IgnoreRules => parseIgnore(readFileSync(file, 'utf8'));

export function mergeIgnore(...rules: IgnoreRules[]): IgnoreRules {
  return {
    fingerprints: new Set(rules.flatMap((rule) => [...rule.fingerprints])),
    globs: rules.flatMap((rule) => rule.globs),
  };
}

export const isPathIgnored = (rules: IgnoreRules, ...paths: string[]): boolean =>
  rules.globs.some((glob) => paths.some((path) => glob.test(path)));
