/**
 * Output guard `code-policy`: runs the app's own policy module on its output. Streams are passed
 * to the hook a line at a time (or MAX_SEGMENT_CHARS, whichever comes first), so the hold-back is
 * one line. A verdict that is not one of the documented shapes blocks (fail closed), and so does a
 * hook that throws or exceeds output.policyTimeoutMs (enforced by the output chain).
 */
import { z } from 'zod';
import { GatewayError } from '../../core/errors.js';
import { withTimeout } from '../../pipeline/timeout.js';
import type { OutputChannel } from '../../core/types.js';
import type { RequestContext } from '../../pipeline/context.js';
import {
  block,
  release,
  type FilterStep,
  type OutputFilter,
  type OutputGuard,
} from '../../pipeline/output.js';
import type { OutputPolicyContext, OutputPolicyHook } from './types.js';

export type { OutputPolicyHook, OutputPolicyVerdict, OutputSegment, OutputPolicyContext } from './types.js';

const MAX_SEGMENT_CHARS = 2000;
/** What a hook may return; a rule id must be safe to put in an audit trigger. */
const VERDICT = z.discriminatedUnion('action', [
  z.object({ action: z.literal('allow') }),
  z.object({ action: z.literal('replace'), text: z.string() }),
  z.object({
    action: z.literal('block'),
    rule: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/)
      .optional(),
  }),
]);

class PolicyFilter implements OutputFilter {
  private held = '';

  constructor(
    private readonly hook: OutputPolicyHook,
    private readonly ctx: RequestContext,
    private readonly channel: OutputChannel,
    private readonly context: OutputPolicyContext,
    private readonly timeoutMs: number,
  ) {}

  push(text: string): FilterStep | Promise<FilterStep> {
    this.held += text;
    const newline = this.held.lastIndexOf('\n');
    const cut = newline >= 0 ? newline + 1 : this.held.length > MAX_SEGMENT_CHARS ? this.held.length : 0;
    if (cut === 0) return release(''); // no complete line yet: answered without a promise
    const segment = this.held.slice(0, cut);
    this.held = this.held.slice(cut);
    return this.check(segment, false);
  }

  async end(): Promise<FilterStep> {
    const segment = this.held;
    this.held = '';
    return this.check(segment, true);
  }

  private async check(text: string, final: boolean): Promise<FilterStep> {
    const returned: unknown = await withTimeout(
      Promise.resolve(this.hook({ text, final, channel: this.channel.kind }, this.context)),
      this.timeoutMs,
      // A hook that stalls blocks the response (the chain turns the rejection into guard_failed).
      () => new Error('policy hook timeout'),
    );
    const verdict = VERDICT.safeParse(returned);
    if (verdict.success && verdict.data.action === 'allow') return release(text);
    if (verdict.success && verdict.data.action === 'replace') return release(verdict.data.text);
    // A block, or anything that is not a documented verdict (fail closed).
    const rule =
      verdict.success && verdict.data.action === 'block' ? (verdict.data.rule ?? 'block') : 'invalid_verdict';
    const trigger = `code_policy.${rule}`;
    if (!this.ctx.triggers.includes(trigger)) this.ctx.triggers.push(trigger);
    return block(new GatewayError('output_blocked', { source: 'code-policy' }));
  }
}

/** @param hooks the loaded policy module of each app that configures one (by app id). */
export function createCodePolicyGuard(hooks: ReadonlyMap<string, OutputPolicyHook>): OutputGuard {
  return {
    name: 'code-policy',
    appliesTo: (ctx) => ctx.app !== undefined && hooks.has(ctx.app.id),
    open: (ctx, channel) => {
      const hook = ctx.app && hooks.get(ctx.app.id);
      if (!hook || !ctx.app) return undefined;
      const { request } = ctx;
      return new PolicyFilter(
        hook,
        ctx,
        channel,
        {
          app: ctx.app.id,
          model: request.model,
          requestId: request.id,
          stream: request.stream,
          wire: request.wire,
        },
        ctx.app.output.policyTimeoutMs,
      );
    },
  };
}
