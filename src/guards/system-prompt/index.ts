/**
 * System-prompt protection: the request guard that keeps an app's system prompt on the server
 * (client system messages refused or stripped, the prompt sent with a per-request canary), and the
 * output guard that scans responses for the canary and for verbatim overlap with the prompt.
 */
export { createSystemPromptGuard, SYSTEM_PROMPT_GUARD, TRIGGER_STRIPPED } from './request-guard.js';
export type { SystemPromptGuard, SystemPromptGuardOptions } from './request-guard.js';
export { createSystemPromptLeakGuard, LEAK_GUARD, leakTrigger } from './leak-guard.js';
export type { LeakGuardOptions, LeakReport } from './leak-guard.js';
