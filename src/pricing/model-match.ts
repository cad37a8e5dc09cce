/**
 * Compiles the price table's model match rules (the genai-prices operators) into predicates once at
 * startup. Matching is exact and case-sensitive, like the source: an id the table does not know is
 * unknown, and the caller fails closed.
 */
import type { MatchRule } from './price-data.js';

export type ModelMatcher = (modelId: string) => boolean;

export function compileMatch(rule: MatchRule): ModelMatcher {
  if ('or' in rule) {
    const parts = rule.or.map(compileMatch);
    return (id) => parts.some((part) => part(id));
  }
  if ('and' in rule) {
    const parts = rule.and.map(compileMatch);
    return (id) => parts.every((part) => part(id));
  }
  if ('equals' in rule) return (id) => id === rule.equals;
  if ('starts_with' in rule) return (id) => id.startsWith(rule.starts_with);
  if ('ends_with' in rule) return (id) => id.endsWith(rule.ends_with);
  if ('contains' in rule) return (id) => id.includes(rule.contains);
  // The patterns come from our own committed data (simple anchored date suffixes), and model ids are
  // length-bounded before matching, so backtracking cannot blow up.
  const pattern = new RegExp(rule.regex);
  return (id) => pattern.test(id);
}
