import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPseudonymizer } from '../../../../src/audit/pseudonymize.js';
import type { EndUserPolicy } from '../../../../src/core/policy.js';
import type { AppPolicy } from '../../../../src/core/policy.js';
import type { GatewayRequest, JsonObject, Principal } from '../../../../src/core/types.js';
import { createEndUserGuard, UNTRUSTED_HEADER_TRIGGER } from '../../../../src/guards/end-user/index.js';
import type { EndUserGuardOptions } from '../../../../src/guards/end-user/index.js';
import { createJwtVerifier } from '../../../../src/identity/index.js';
import type { JwtVerifier } from '../../../../src/identity/index.js';
import { newContext } from '../../../../src/pipeline/context.js';
import type { RequestContext } from '../../../../src/pipeline/context.js';
import { appPolicy, gatewayRequest } from '../../../helpers/fixtures.js';

const ISSUER = 'https://idp.example.test/';
const AUDIENCE = 'bastion-test';
const SECRET = 'an-hs256-shared-secret-of-32-bytes-or-more!';
const pseudonymize = createPseudonymizer('a-test-key-of-enough-length');

const sign = (sub: string, secret = SECRET) =>
  new SignJWT({ sub })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(secret));

const appWith = (endUser: EndUserPolicy): AppPolicy =>
  appPolicy({ maxOutputTokens: 1000, maxTools: 0, endUser });

interface Setup {
  body?: JsonObject;
  userToken?: string;
  endUserHeader?: string;
  trustHeader?: boolean;
  required?: boolean;
  principal?: Partial<Principal>;
  wire?: 'openai' | 'anthropic';
}

const contextFor = (s: Setup): RequestContext => {
  const wire = s.wire ?? 'openai';
  const request: GatewayRequest = gatewayRequest({
    id: 'req_x',
    operation: wire === 'openai' ? 'openai.chat' : 'anthropic.messages',
    body: s.body ?? { model: 'gpt-4o-mini', messages: [], user: 'body-user' },
    userToken: s.userToken,
    endUserHeader: s.endUserHeader,
  });
  const ctx = newContext(request);
  ctx.principal = { keyId: 'k', appId: 'a', models: null, endUserId: undefined, ...s.principal };
  ctx.app = appWith({ trustHeader: s.trustHeader ?? false, required: s.required ?? false });
  return ctx;
};

describe('end-user guard: resolution of the verified end-user id', () => {
  let verifier: JwtVerifier;
  let guard: ReturnType<typeof createEndUserGuard>;
  beforeAll(async () => {
    verifier = await createJwtVerifier({
      secret: SECRET,
      issuer: ISSUER,
      audience: AUDIENCE,
      userClaim: 'sub',
      clockSkewSeconds: 30,
      jwksCacheSeconds: 600,
    });
    guard = createEndUserGuard({ pseudonymize, verifier });
  });

  const run = async (s: Setup, options?: EndUserGuardOptions) => {
    const ctx = contextFor(s);
    const decision = await (options ? createEndUserGuard(options) : guard).check(ctx);
    return { ctx, decision };
  };

  it('(a) keeps the id of a JWT-only principal, ahead of token, header and body', async () => {
    const { ctx, decision } = await run({
      principal: { endUserId: 'jwt-user', endUserVerified: true },
      userToken: 'garbage.that.would-fail',
      endUserHeader: 'header-user',
      trustHeader: true,
      required: true,
    });
    expect(decision).toEqual({ action: 'allow' });
    expect(ctx.principal).toMatchObject({ endUserId: 'jwt-user', endUserVerified: true });
    expect(ctx.request.body.user).toBe(pseudonymize('body-user'));
  });

  it('(b) verifies x-bastion-user-token, ahead of the trusted header', async () => {
    const { ctx, decision } = await run({
      userToken: await sign('token-user'),
      endUserHeader: 'h',
      trustHeader: true,
    });
    expect(decision).toEqual({ action: 'allow' });
    expect(ctx.principal).toMatchObject({ endUserId: 'token-user', endUserVerified: true });
    expect(ctx.request.body.user).toBe(pseudonymize('body-user'));
  });

  it('(b) denies an invalid user token, even when other sources exist', async () => {
    const { ctx, decision } = await run({
      userToken: await sign('token-user', `${SECRET}-other`),
      endUserHeader: 'h',
      trustHeader: true,
    });
    expect(decision.action).toBe('deny');
    if (decision.action === 'deny') expect(decision.error.code).toBe('invalid_user_token');
    expect(ctx.principal?.endUserId).toBeUndefined();
  });

  it('(b) denies a user token when no verifier is configured (never silently ignored)', async () => {
    const { decision } = await run({ userToken: await sign('token-user') }, { pseudonymize });
    expect(decision.action).toBe('deny');
    if (decision.action === 'deny') {
      expect(decision.error.code).toBe('invalid_user_token');
      expect(decision.error.detail).toBe('no_verifier');
    }
  });

  it('(c) trusts the header for apps that enable it', async () => {
    const { ctx, decision } = await run({ endUserHeader: 'header-user', trustHeader: true });
    expect(decision).toEqual({ action: 'allow' });
    expect(ctx.principal).toMatchObject({ endUserId: 'header-user', endUserVerified: true });
    expect(ctx.triggers).toEqual([]);
    expect(ctx.request.body.user).toBe(pseudonymize('body-user'));
  });

  it('(c) refuses a trusted header value that is empty, too long or has control characters', async () => {
    for (const endUserHeader of ['', 'x'.repeat(257), 'a\tb']) {
      const { decision } = await run({ endUserHeader, trustHeader: true });
      expect(decision.action).toBe('deny');
      if (decision.action === 'deny') expect(decision.error.detail).toBe('bad_end_user_header');
    }
  });

  it('(c) ignores the header for apps that do not trust it, and records the trigger', async () => {
    const { ctx, decision } = await run({ endUserHeader: 'spoofed' });
    expect(decision).toEqual({ action: 'allow' });
    expect(ctx.principal).toMatchObject({ endUserId: 'body-user', endUserVerified: false });
    expect(ctx.triggers).toEqual([UNTRUSTED_HEADER_TRIGGER]);
  });

  it('(d) falls back to the body id, unverified, and pseudonymizes it (Anthropic too)', async () => {
    const { ctx } = await run({
      wire: 'anthropic',
      body: { model: 'c', messages: [], metadata: { user_id: 'bob' } },
    });
    expect(ctx.principal).toMatchObject({ endUserId: 'bob', endUserVerified: false });
    expect(ctx.request.body.metadata).toEqual({ user_id: pseudonymize('bob') });
  });

  it('required: denies without a verified id (body ids and untrusted headers do not count)', async () => {
    for (const s of [{ required: true }, { required: true, endUserHeader: 'spoofed' }]) {
      const { ctx, decision } = await run(s);
      expect(decision.action).toBe('deny');
      if (decision.action === 'deny') {
        expect(decision.error.code).toBe('invalid_user_token');
        expect(decision.error.detail).toBe('end_user_required');
      }
      expect(ctx.principal?.endUserId).toBeUndefined();
    }
    const ok = await run({ required: true, userToken: await sign('u') });
    expect(ok.decision).toEqual({ action: 'allow' });
    const viaHeader = await run({ required: true, trustHeader: true, endUserHeader: 'h' });
    expect(viaHeader.decision).toEqual({ action: 'allow' });
  });

  it('no id anywhere: allowed, unverified, body untouched', async () => {
    const body = { model: 'gpt-4o-mini', messages: [] };
    const { ctx, decision } = await run({ body });
    expect(decision).toEqual({ action: 'allow' });
    expect(ctx.request.body).toBe(body);
    expect(ctx.principal).toMatchObject({ endUserId: undefined, endUserVerified: false });
  });
});
