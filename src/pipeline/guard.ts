import type { Decision } from '../core/types.js';
import type { RequestContext, SettleInfo } from './context.js';

export type { SettleInfo } from './context.js';

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
  /**
   * Called exactly once when the request ends, for every guard whose `check` allowed it, in reverse
   * pipeline order: commit or refund what was reserved at admission. Errors are logged and counted,
   * never shown to the client (the response is already decided).
   */
  settle?(ctx: RequestContext, info: SettleInfo): void | Promise<void>;
}
