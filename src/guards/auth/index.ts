import { GatewayError, isGatewayError } from '../../core/errors.js';
import { ALLOW } from '../../core/types.js';
import type { Decision } from '../../core/types.js';
import type { RequestContext } from '../../pipeline/context.js';
import type { RequestGuard } from '../../pipeline/guard.js';
import { createAuthenticator, ROTATED_KEY_GRACE_TRIGGER } from './authenticator.js';
import type { AuthOptions, Authenticator } from './authenticator.js';

export {
  createAuthenticator,
  DEFAULT_KEY_CACHE_TTL_MS,
  JWT_KEY_ID,
  ROTATED_KEY_GRACE_TRIGGER,
} from './authenticator.js';
export type {
  AuthOptions,
  Authenticated,
  Authenticator,
  JwtAuthOption,
  UserTokenVerifier,
} from './authenticator.js';

/** The auth guard, plus its authenticator (shared cache) for routes outside the pipeline such as `/v1/models`. */
export interface AuthGuard extends RequestGuard, Authenticator {}

/**
 * First request guard: resolves `ctx.request.credential` to a principal and app. Unknown,
 * malformed, expired, revoked keys and keys of removed apps are all `invalid_api_key`; provider
 * keys are `provider_key_rejected`. A key store failure denies with `service_unavailable` (fail closed,
 * retryable); anything unexpected is rethrown for the runner to turn into a denial.
 */
export function createAuthGuard(options: AuthOptions): AuthGuard {
  const authenticator = createAuthenticator(options);
  return {
    name: 'auth',
    authenticate: authenticator.authenticate,
    invalidate: authenticator.invalidate,
    async check(ctx: RequestContext): Promise<Decision> {
      try {
        const { principal, app, rotatedKeyGraceUntil } = await authenticator.authenticate(
          ctx.request.credential,
        );
        ctx.principal = principal;
        ctx.app = app;
        // The old key of a rotation still works until its grace period ends; audit says so, so
        // owners can find the callers that have not switched yet.
        if (rotatedKeyGraceUntil !== undefined) ctx.triggers.push(ROTATED_KEY_GRACE_TRIGGER);
        // An app route serves one app only; a key of another app (or of an unknown one) gets the same answer.
        const routeApp = ctx.request.routeApp;
        if (routeApp !== undefined && routeApp !== principal.appId) {
          return { action: 'deny', error: new GatewayError('app_not_allowed', { source: 'auth' }) };
        }
        return ALLOW;
      } catch (error) {
        // The engine records the denial as trigger `auth.<code>` in the audit event.
        if (!isGatewayError(error)) throw error;
        return { action: 'deny', error };
      }
    },
  };
}
