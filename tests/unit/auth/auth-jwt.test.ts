import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import type { GatewayError } from '../../../src/core/errors.js';
import { generateGatewayKey } from '../../../src/core/gateway-key.js';
import type { AppPolicy } from '../../../src/core/policy.js';
import type { GatewayRequest } from '../../../src/core/types.js';
import { createAuthGuard } from '../../../src/guards/auth/index.js';
import type { AuthOptions } from '../../../src/guards/auth/index.js';
import { createJwtVerifier } from '../../../src/identity/index.js';
import type { JwtVerifier } from '../../../src/identity/index.js';
import { newContext } from '../../../src/pipeline/context.js';
import { MemoryKeyStore } from '../../../src/stores/memory/index.js';
import { appPolicy, gatewayRequest } from '../../helpers/fixtures.js';

const ISSUER = 'https://idp.example.test/';
const AUDIENCE = 'bastion-test';
const SECRET = 'an-hs256-shared-secret-of-32-bytes-or-more!';
const key = new TextEncoder().encode(SECRET);

const app = (id: string): AppPolicy => appPolicy({ id, maxOutputTokens: 1000, maxTools: 0 });

const contextWith = (credential: string | undefined) => {
  const request: GatewayRequest = gatewayRequest({ credential });
  return newContext(request);
};

const sign = (sub: string, iss = ISSUER) =>
  new SignJWT({ sub })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(iss)
    .setAudience(AUDIENCE)
    .setExpirationTime('5m')
    .sign(key);

describe('auth guard with end-user JWTs as the only credential', () => {
  let verifier: JwtVerifier;
  const apps = new Map([['app-jwt', app('app-jwt')]]);
  const options = (extra: Partial<AuthOptions> = {}): AuthOptions => ({
    keys: new MemoryKeyStore(),
    apps,
    clock: new ManualClock(),
    ...extra,
  });

  beforeAll(async () => {
    verifier = await createJwtVerifier({
      secret: SECRET,
      issuer: ISSUER,
      audience: AUDIENCE,
      userClaim: 'sub',
      clockSkewSeconds: 30,
      jwksCacheSeconds: 600,
    });
  });

  const denial = async (
    guard: ReturnType<typeof createAuthGuard>,
    credential: string,
  ): Promise<GatewayError> => {
    const ctx = contextWith(credential);
    const decision = await guard.check(ctx);
    if (decision.action !== 'deny') throw new Error('expected a denial');
    expect(ctx.principal).toBeUndefined();
    expect(`${decision.error.message} ${decision.error.detail ?? ''}`).not.toContain(credential);
    return decision.error;
  };

  it('authenticates a valid JWT into the configured app with a verified end user', async () => {
    const guard = createAuthGuard(options({ jwt: { verifier, app: 'app-jwt' } }));
    const ctx = contextWith(await sign('alice'));
    expect(await guard.check(ctx)).toEqual({ action: 'allow' });
    expect(ctx.principal).toEqual({
      keyId: 'jwt',
      appId: 'app-jwt',
      models: null,
      endUserId: 'alice',
      endUserVerified: true,
    });
    expect(ctx.app?.id).toBe('app-jwt');
  });

  it('denies an invalid JWT with invalid_user_token', async () => {
    const guard = createAuthGuard(options({ jwt: { verifier, app: 'app-jwt' } }));
    const error = await denial(guard, await sign('alice', 'https://evil.test/'));
    expect(error.code).toBe('invalid_user_token');
  });

  it('treats a JWT as a malformed key when JWT auth is not configured', async () => {
    const guard = createAuthGuard(options());
    const error = await denial(guard, await sign('alice'));
    expect(error.code).toBe('invalid_api_key');
    expect(error.detail).toBe('malformed');
  });

  it('denies with invalid_api_key when the JWT app does not exist', async () => {
    const guard = createAuthGuard(options({ jwt: { verifier, app: 'gone' } }));
    expect((await denial(guard, await sign('alice'))).code).toBe('invalid_api_key');
  });

  it('maps an unexpected verifier failure to invalid_user_token', async () => {
    const broken = { verify: () => Promise.reject(new Error('boom')) };
    const guard = createAuthGuard(options({ jwt: { verifier: broken, app: 'app-jwt' } }));
    const error = await denial(guard, await sign('alice'));
    expect(error.code).toBe('invalid_user_token');
  });

  it('still authenticates gateway keys (and rejects junk) when JWT auth is configured', async () => {
    const keys = new MemoryKeyStore();
    const { key: gatewayKey, id, hash } = generateGatewayKey();
    await keys.create({
      id,
      hash,
      appId: 'app-jwt',
      label: null,
      models: null,
      createdAt: 0,
      expiresAt: null,
      revokedAt: null,
    });
    let verifications = 0;
    const counting = {
      verify: (t: string) => {
        verifications++;
        return verifier.verify(t);
      },
    };
    const guard = createAuthGuard(options({ keys, jwt: { verifier: counting, app: 'app-jwt' } }));
    const ctx = contextWith(gatewayKey);
    expect(await guard.check(ctx)).toEqual({ action: 'allow' });
    expect(ctx.principal?.keyId).toBe(id);
    expect(ctx.principal?.endUserVerified).toBeUndefined();
    expect((await denial(guard, 'not-a-key')).code).toBe('invalid_api_key');
    expect((await denial(guard, 'sk-proj-abcdefghijklmnopqrstuvwxyz0123456789')).code).toBe(
      'provider_key_rejected',
    );
    expect(verifications).toBe(0);
  });
});
