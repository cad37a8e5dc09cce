/**
 * The end-user guard: establishes who the end user is, and keeps their id away from the provider.
 *
 * A verified end-user id (one that may key per-user limits and budgets) comes from, in order:
 *   (a) the auth guard, when the request authenticated with an end-user JWT alone;
 *   (b) an end-user JWT sent on top of a gateway key (x-bastion-user-token), which must verify;
 *   (c) the x-bastion-end-user header, only for apps that set `endUser.trustHeader` (their own
 *       backend sets it with their gateway key). For other apps it is ignored, never trusted.
 * Otherwise (d) the id the app puts in the body (OpenAI `safety_identifier` / `user`, Anthropic
 * `metadata.user_id`) is recorded for the audit event but stays unverified.
 *
 * In every case the body ids are replaced in the forwarded body with their keyed pseudonyms: the
 * provider can still tell users apart for abuse monitoring, but never learns who they are.
 * Runs after input validation, which bounds the body fields' types and lengths.
 */
import { GatewayError, isGatewayError } from '../../core/errors.js';
import { ALLOW } from '../../core/types.js';
import type { Decision, JsonObject, WireFormat } from '../../core/types.js';
import type { RequestContext } from '../../pipeline/context.js';
import type { RequestGuard } from '../../pipeline/guard.js';

/** Structural: src/identity's JwtVerifier satisfies it. */
export interface EndUserTokenVerifier {
  /** Resolves to the end-user id, or throws (a GatewayError `invalid_user_token` for a bad token). */
  verify(token: string): Promise<{ userId: string }>;
}

export interface EndUserGuardOptions {
  /** Keyed pseudonymizer (HMAC-SHA256 under the audit pseudonym key). */
  readonly pseudonymize: (endUserId: string) => string;
  /** Verifies x-bastion-user-token. Unset: any such token is refused (never silently ignored). */
  readonly verifier?: EndUserTokenVerifier | undefined;
}

/** Trigger recorded when an app that does not trust the end-user header receives it. */
export const UNTRUSTED_HEADER_TRIGGER = 'end_user.untrusted_header_ignored';
export const MAX_END_USER_HEADER_LENGTH = 256;

const SOURCE = 'end-user';
const OPENAI_FIELDS = ['safety_identifier', 'user'] as const;
// C0 controls and DEL never belong in a user id.
const hasControlChars = (s: string): boolean => {
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
};

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const deny = (detail: string): Decision => ({
  action: 'deny',
  error: new GatewayError('invalid_user_token', { detail, source: SOURCE }),
});

/** The first body end-user id, and the body with every such id pseudonymized (undefined if none). */
function pseudonymizeBody(
  wire: WireFormat,
  body: JsonObject,
  pseudonymize: (id: string) => string,
): { bodyUserId: string | undefined; replacement: JsonObject | undefined } {
  let bodyUserId: string | undefined;
  let replacement: JsonObject | undefined;
  if (wire === 'openai') {
    for (const field of OPENAI_FIELDS) {
      const value = body[field];
      if (typeof value !== 'string' || value === '') continue;
      bodyUserId ??= value;
      replacement ??= { ...body };
      replacement[field] = pseudonymize(value);
    }
  } else if (
    isObject(body.metadata) &&
    typeof body.metadata.user_id === 'string' &&
    body.metadata.user_id !== ''
  ) {
    bodyUserId = body.metadata.user_id;
    replacement = { ...body, metadata: { ...body.metadata, user_id: pseudonymize(bodyUserId) } };
  }
  return { bodyUserId, replacement };
}

async function verifyUserToken(verifier: EndUserTokenVerifier | undefined, token: string): Promise<string> {
  if (verifier === undefined)
    throw new GatewayError('invalid_user_token', { detail: 'no_verifier', source: SOURCE });
  try {
    return (await verifier.verify(token)).userId;
  } catch (error) {
    if (isGatewayError(error)) throw error;
    throw new GatewayError('invalid_user_token', { detail: 'verification_failed', source: SOURCE });
  }
}

export function createEndUserGuard(options: EndUserGuardOptions): RequestGuard {
  return {
    name: 'end-user',
    async check(ctx: RequestContext): Promise<Decision> {
      const { request, principal, app } = ctx;
      if (principal === undefined) return ALLOW;
      const trustHeader = app?.endUser.trustHeader === true;
      const header = request.endUserHeader;
      if (header !== undefined && !trustHeader) ctx.triggers.push(UNTRUSTED_HEADER_TRIGGER);

      let verifiedId: string | undefined;
      if (principal.endUserVerified === true && principal.endUserId !== undefined) {
        verifiedId = principal.endUserId;
      } else if (request.userToken !== undefined) {
        try {
          verifiedId = await verifyUserToken(options.verifier, request.userToken);
        } catch (error) {
          if (!isGatewayError(error)) throw error;
          return { action: 'deny', error };
        }
      } else if (header !== undefined && trustHeader) {
        // The app vouches for this value; still bound it like a JWT claim so it is a sane limit key.
        if (header === '' || header.length > MAX_END_USER_HEADER_LENGTH || hasControlChars(header)) {
          return deny('bad_end_user_header');
        }
        verifiedId = header;
      }
      if (verifiedId === undefined && app?.endUser.required === true) return deny('end_user_required');

      const { bodyUserId, replacement } = pseudonymizeBody(request.wire, request.body, options.pseudonymize);
      if (replacement !== undefined) request.body = replacement;
      const endUserId = verifiedId ?? bodyUserId;
      ctx.principal = { ...principal, endUserId, endUserVerified: verifiedId !== undefined };
      return ALLOW;
    },
  };
}
