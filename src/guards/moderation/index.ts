/** Moderation and app content filters: the `moderation` request guard and the `moderation-output` output guard. */
export { createModerationGuard, MAX_INPUT_CHARS, MAX_INPUTS_PER_CALL } from './request-guard.js';
export type { ModerationGuardOptions } from './request-guard.js';
export { createModerationOutputGuard, OVERLAP_CHARS } from './output-guard.js';
export type { ModerationOutputGuardOptions } from './output-guard.js';
export type {
  ContentHit,
  HitSubject,
  ModerationPort,
  ModerationUnavailable,
  ModerationVerdict,
} from './port.js';
