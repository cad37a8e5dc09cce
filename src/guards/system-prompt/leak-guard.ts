/**
 * Output guard `system-prompt-leak`: every channel of every response of a protected app (text and
 * tool input alike) is scanned for this request's canary, in plain, split and encoded forms, and
 * for verbatim overlap with the app's system prompt. A leak blocks the response (`output_blocked`)
 * or, with `leak.action: redact`, is replaced by `[redacted]`; either way the audit event gets
 * `system_prompt.leak.canary` / `system_prompt.leak.overlap` and an alert is raised (app and request
 * id only, never text). Tool input is always blocked, never redacted: a redaction could break the
 * JSON a client's tool code parses.
 *
 * Streams keep the scanner's bounded hold-back window (see detect/leak/scanner.ts for the bound and
 * detect/leak/stream.ts for why nothing the scan would find is released before it is found).
 */
import { GatewayError } from '../../core/errors.js';
import type { SystemPromptPolicy } from '../../core/policy.js';
import type { OutputChannel } from '../../core/types.js';
import {
  indexSystemPrompt,
  LeakScanner,
  LeakStream,
  type LeakKind,
  type LeakStep,
  type PromptIndex,
} from '../../detect/leak/index.js';
import type { RequestContext } from '../../pipeline/context.js';
import {
  block,
  release,
  type FilterStep,
  type OutputFilter,
  type OutputGuard,
} from '../../pipeline/output.js';

export const LEAK_GUARD = 'system-prompt-leak';
export const leakTrigger = (kind: LeakKind): string => `system_prompt.leak.${kind}`;

/** What the alert carries: ids and kinds, never text. */
export interface LeakReport {
  readonly appId: string;
  readonly requestId: string;
  readonly kind: LeakKind;
  readonly action: 'block' | 'redact';
}

export interface LeakGuardOptions {
  /** Called once per request with a leak (alerting); must not throw. */
  readonly onLeak?: (report: LeakReport) => void;
}

/** Prompt indexes are built once per app policy (policies are frozen and live as long as the config). */
const indexes = new WeakMap<SystemPromptPolicy, PromptIndex>();
const indexFor = (policy: SystemPromptPolicy): PromptIndex => {
  let index = indexes.get(policy);
  if (index === undefined) {
    index = indexSystemPrompt(policy.text, policy.leak.minOverlapWords);
    indexes.set(policy, index);
  }
  return index;
};

class LeakFilter implements OutputFilter {
  private readonly stream: LeakStream;

  constructor(
    private readonly ctx: RequestContext,
    scanner: LeakScanner,
    private readonly action: 'block' | 'redact',
    private readonly onLeak: LeakGuardOptions['onLeak'],
  ) {
    this.stream = new LeakStream(scanner, action);
  }

  push(text: string): FilterStep {
    return this.handle(this.stream.push(text));
  }

  end(): FilterStep {
    return this.handle(this.stream.end());
  }

  private handle(step: LeakStep): FilterStep {
    if (step.findings.length > 0) {
      this.report(step.findings.map((finding) => finding.kind));
      if (this.action === 'block') {
        return block(
          new GatewayError('output_blocked', { source: LEAK_GUARD, detail: step.findings[0]?.kind }),
        );
      }
    }
    return release(step.release);
  }

  private report(kinds: readonly LeakKind[]): void {
    const { ctx } = this;
    const firstLeak = !ctx.triggers.some((trigger) => trigger.startsWith('system_prompt.leak.'));
    for (const kind of new Set(kinds)) {
      const trigger = leakTrigger(kind);
      if (!ctx.triggers.includes(trigger)) ctx.triggers.push(trigger);
    }
    if (firstLeak && ctx.app !== undefined && kinds[0] !== undefined) {
      try {
        this.onLeak?.({ appId: ctx.app.id, requestId: ctx.request.id, kind: kinds[0], action: this.action });
      } catch {
        // Alerting fails open; the block or redaction above does not depend on it.
      }
    }
  }
}

export function createSystemPromptLeakGuard(options: LeakGuardOptions = {}): OutputGuard {
  const scanners = new WeakMap<RequestContext, LeakScanner>();
  return {
    name: LEAK_GUARD,
    appliesTo: (ctx) => ctx.systemPrompt !== undefined && ctx.app?.systemPrompt !== undefined,
    open(ctx: RequestContext, channel: OutputChannel): OutputFilter | undefined {
      const policy = ctx.app?.systemPrompt;
      const prompt = ctx.systemPrompt;
      // appliesTo vouched for both; without them there is nothing to compare against.
      if (policy === undefined || prompt === undefined) return undefined;
      let scanner = scanners.get(ctx);
      if (scanner === undefined) {
        scanner = new LeakScanner(indexFor(policy), prompt.canary);
        scanners.set(ctx, scanner);
      }
      const action = channel.kind === 'tool_input' ? 'block' : policy.leak.action;
      return new LeakFilter(ctx, scanner, action, options.onLeak);
    },
  };
}
