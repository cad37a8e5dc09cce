/** System-prompt leak detection: canaries, their encoded and split forms, verbatim prompt overlap, streams. */
export { CANARY_PREFIX, CANARY_BODY_CHARS, canaryBody, newCanary, promptWithCanary } from './canary.js';
export { canaryNeedles, findCanary } from './canary-forms.js';
export type { CanaryNeedle, Span } from './canary-forms.js';
export { indexPrompt, MIN_OVERLAP_PROMPT_WORDS } from './overlap.js';
export type { OverlapIndex } from './overlap.js';
export { DEFAULT_WINDOW_CHARS, MAX_WINDOW_CHARS, LeakScanner, indexSystemPrompt } from './scanner.js';
export type { LeakFinding, LeakKind, PromptIndex } from './scanner.js';
export { LeakStream, REDACTION_MARKER } from './stream.js';
export type { LeakStep } from './stream.js';
