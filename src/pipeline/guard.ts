import type { Decision } from '../core/types.js';
import type { RequestContext } from './context.js';

/**
 * A request guard: one security control. It inspects (and may transform) the context and returns
 * a decision. It never writes a response and never calls another guard; the runner owns timeouts
 * and turns throws into denials (fail closed).
 */
export interface RequestGuard {
  readonly name: string;
  /** Per-guard timeout override in milliseconds. */
  readonly timeoutMs?: number;
  check(ctx: RequestContext): Decision | Promise<Decision>;
}
