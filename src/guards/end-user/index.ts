/**
 * The end-user guard: takes the end-user id an app's backend puts in the body (OpenAI
 * `safety_identifier` / `user`, Anthropic `metadata.user_id`), records it on the principal so the
 * audit event carries its pseudonym, and replaces it in the forwarded body with that same keyed
 * pseudonym: the provider can still tell users apart for abuse monitoring, but never learns who
 * they are. The id is asserted by the calling app (holder of a gateway key), not verified.
 * Runs after input validation, which bounds these fields' types and lengths.
 */
import { ALLOW } from '../../core/types.js';
import type { Decision, JsonObject } from '../../core/types.js';
import type { RequestContext } from '../../pipeline/context.js';
import type { RequestGuard } from '../../pipeline/guard.js';

export interface EndUserGuardOptions {
  /** Keyed pseudonymizer (HMAC-SHA256 under the audit pseudonym key). */
  readonly pseudonymize: (endUserId: string) => string;
}

const OPENAI_FIELDS = ['safety_identifier', 'user'] as const;

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function createEndUserGuard(options: EndUserGuardOptions): RequestGuard {
  return {
    name: 'end-user',
    check(ctx: RequestContext): Decision {
      const { request, principal } = ctx;
      if (principal === undefined) return ALLOW;
      const body = request.body;
      let endUserId: string | undefined;
      let replacement: JsonObject | undefined;
      if (request.wire === 'openai') {
        for (const field of OPENAI_FIELDS) {
          const value = body[field];
          if (typeof value !== 'string' || value === '') continue;
          endUserId ??= value;
          replacement ??= { ...body };
          replacement[field] = options.pseudonymize(value);
        }
      } else if (
        isObject(body.metadata) &&
        typeof body.metadata.user_id === 'string' &&
        body.metadata.user_id !== ''
      ) {
        endUserId = body.metadata.user_id;
        replacement = { ...body, metadata: { ...body.metadata, user_id: options.pseudonymize(endUserId) } };
      }
      if (endUserId === undefined || replacement === undefined) return ALLOW;
      ctx.principal = { ...principal, endUserId };
      request.body = replacement;
      return ALLOW;
    },
  };
}
