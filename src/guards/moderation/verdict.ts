/**
 * Shared by the input and output moderation guards: deciding a verdict under the app's thresholds,
 * naming triggers, calling the port under the app's deadline, and who the hit is counted against.
 */
import { GatewayError, isGatewayError } from '../../core/errors.js';
import type { ModerationPolicy } from '../../core/policy.js';
import type { RequestContext } from '../../pipeline/context.js';
import type { HitSubject, ModerationPort, ModerationVerdict } from './port.js';

/**
 * Flagged categories of one verdict: a category with a threshold counts when its score reaches the
 * threshold; the others count when the provider flagged them. A verdict flagged overall without any
 * category (not seen from OpenAI, but not excluded by the spec) counts as `flagged`.
 */
export function flaggedCategories(
  verdict: ModerationVerdict,
  thresholds: ModerationPolicy['thresholds'],
): string[] {
  const out: string[] = [];
  for (const [category, threshold] of Object.entries(thresholds)) {
    if (threshold !== undefined && (verdict.scores[category] ?? 0) >= threshold) out.push(category);
  }
  let anyCategory = false;
  for (const [category, flagged] of Object.entries(verdict.categories)) {
    if (!flagged) continue;
    anyCategory = true;
    if (thresholds[category] === undefined) out.push(category);
  }
  if (verdict.flagged && !anyCategory && out.length === 0) out.push('flagged');
  return out;
}

/** `harassment/threatening` -> `harassment.threatening`: trigger ids are dotted identifiers. */
export const categoryTrigger = (prefix: string, category: string): string =>
  `${prefix}.${category.replace(/\//g, '.')}`;

/** The end user's pseudonym when there is one, else the gateway key id (public, safe to record). */
export function hitSubject(ctx: RequestContext, pseudonymize: (id: string) => string): HitSubject {
  const endUser = ctx.principal?.endUserId;
  if (endUser !== undefined && endUser !== '') return { kind: 'user', id: pseudonymize(endUser) };
  return { kind: 'key', id: ctx.principal?.keyId ?? 'unknown' };
}

/** Why moderation failed, as a short code for logs and triggers (never an upstream message). */
export const failureReason = (error: unknown, deadline: AbortSignal): string =>
  deadline.aborted ? 'timeout' : isGatewayError(error) ? error.code : 'error';

/**
 * Calls the port with the app's model under the app's deadline (and the client's abort signal).
 * Rejects on failure, timeout included; the caller applies onError.
 */
export async function moderateWithDeadline(
  port: ModerationPort | undefined,
  inputs: readonly string[],
  policy: ModerationPolicy,
  clientSignal: AbortSignal,
): Promise<{ verdicts: readonly ModerationVerdict[] } | { failed: string }> {
  const deadline = AbortSignal.timeout(policy.timeoutMs);
  if (port === undefined) return { failed: 'not_configured' };
  const signal = AbortSignal.any([deadline, clientSignal]);
  if (signal.aborted) return { failed: failureReason(undefined, deadline) };
  let onAbort: (() => void) | undefined;
  try {
    // The deadline holds even against a port that ignores its signal.
    const stopped = new Promise<never>((_, reject) => {
      onAbort = () => reject(new Error('moderation deadline'));
      signal.addEventListener('abort', onAbort, { once: true });
    });
    const verdicts = await Promise.race([port.moderate(inputs, { model: policy.model, signal }), stopped]);
    if (verdicts.length !== inputs.length) return { failed: 'upstream_error' };
    return { verdicts };
  } catch (error) {
    return { failed: failureReason(error, deadline) };
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

/** The error a request or stream ends with when moderation is unavailable and the app fails closed. */
export const unavailableError = (source: string, reason: string): GatewayError =>
  new GatewayError('moderation_unavailable', { source, detail: reason });
