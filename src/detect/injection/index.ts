/** Prompt-injection detector: normalization + decoded views, rules, hashed n-gram logistic regression. */
export { createInjectionDetector, loadModel, parseModel, DEFAULT_MODEL_URL } from './model.js';
export type { DetectorModel, InjectionDetector, InjectionScore } from './model.js';
export { INJECTION_RULES, RULE_SCORE, matchRules } from './rules.js';
export type { InjectionRule } from './rules.js';
export { buildViews } from './views.js';
export type { TextView, ViewKind } from './views.js';
export { normalizeText, MAX_VIEW_CHARS } from './normalize.js';
