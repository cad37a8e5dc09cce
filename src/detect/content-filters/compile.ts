/**
 * An app's filters compiled once: its keyword list, its regexes and its profiles (built-in lists
 * plus the operator's additions), each a named rule over the filter view. Compiled sets are cached
 * per policy object, so a reloaded config compiles anew and a request never compiles anything.
 */
import { checkFilterRegex } from '../../core/filter-rules.js';
import type { FilterPolicy, FilterRegexRule } from '../../core/policy.js';
import { BUILTIN_PROFILES } from './builtin-profiles.js';
import { compileKeywords } from './keywords.js';

export interface FilterRule {
  /** Rule id used in triggers: `keywords`, `<regex id>`, `profile.<name>.keywords`, `profile.<name>.<regex id>`. */
  readonly id: string;
  /** Global (`g`) regex over the filter view; only used with an explicit lastIndex. */
  readonly regex: RegExp;
  readonly maxLength: number;
}

export interface FilterSet {
  readonly rules: readonly FilterRule[];
  /**
   * View characters a stream must hold back: the longest possible match plus one character of
   * look-ahead (a word boundary after a match depends on the next character).
   */
  readonly hold: number;
  readonly input: boolean;
  readonly output: boolean;
  /**
   * The id of the first rule with a match that starts at or after `from`. Unless `final`, a match
   * that ends exactly at the end of `view` does not count yet: more text could still change it
   * (`\bcat\b` on "cat" before "s" arrives); it stays held until the next scan decides.
   */
  firstMatch(view: string, from: number, final: boolean): string | undefined;
}

const cache = new WeakMap<FilterPolicy, FilterSet>();

function regexRule(id: string, rule: FilterRegexRule): FilterRule {
  const check = checkFilterRegex(rule.pattern, rule.flags);
  // Config validation refuses these at load; a policy built some other way must fail just as loudly.
  if (!check.ok) throw new Error(`filter regex ${id} refused: ${check.reason}`);
  return { id, regex: new RegExp(check.source, `${check.flags}g`), maxLength: check.maxLength };
}

function keywordRule(id: string, keywords: readonly string[]): FilterRule | undefined {
  const compiled = compileKeywords(keywords);
  return compiled && { id, regex: compiled.regex, maxLength: compiled.maxLength };
}

function stableMatch(rule: FilterRule, view: string, from: number, final: boolean): boolean {
  const { regex } = rule;
  let start = from;
  while (start < view.length) {
    regex.lastIndex = start;
    const match = regex.exec(view);
    if (match === null) return false;
    if (final || match.index + match[0].length < view.length) return true;
    // The leftmost match touches the end; a later, shorter one may not.
    start = match.index + 1;
  }
  return false;
}

export function compileFilters(policy: FilterPolicy): FilterSet {
  const cached = cache.get(policy);
  if (cached) return cached;
  const rules: FilterRule[] = [];
  const keywords = keywordRule('keywords', policy.keywords);
  if (keywords) rules.push(keywords);
  for (const rule of policy.regexes) rules.push(regexRule(rule.id, rule));
  for (const profile of policy.profiles) {
    const builtin = Object.hasOwn(BUILTIN_PROFILES, profile.name)
      ? BUILTIN_PROFILES[profile.name as keyof typeof BUILTIN_PROFILES]
      : undefined;
    const prefix = `profile.${profile.name}`;
    const words = keywordRule(`${prefix}.keywords`, [...(builtin?.keywords ?? []), ...profile.keywords]);
    if (words) rules.push(words);
    for (const rule of [...(builtin?.regexes ?? []), ...profile.regexes]) {
      rules.push(regexRule(`${prefix}.${rule.id}`, rule));
    }
  }
  const set: FilterSet = {
    rules,
    hold: rules.length === 0 ? 0 : Math.max(...rules.map((rule) => rule.maxLength)) + 1,
    input: rules.length > 0 && policy.applyTo !== 'output',
    output: rules.length > 0 && policy.applyTo !== 'input',
    firstMatch(view, from, final) {
      for (const rule of rules) if (stableMatch(rule, view, from, final)) return rule.id;
      return undefined;
    },
  };
  cache.set(policy, set);
  return set;
}
