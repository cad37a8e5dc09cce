import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { CryptoKey, JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/core/errors.js';
import { createJwtVerifier, looksLikeJwt, MAX_JWT_LENGTH } from '../../../src/identity/index.js';
import type { JwtVerifier } from '../../../src/identity/index.js';

const ISSUER = 'https://idp.example.test/';
const AUDIENCE = 'bastion-test';
const SECRET = 'an-hs256-shared-secret-of-32-bytes-or-more!';
const now = () => Math.floor(Date.now() / 1000);

const base = {
  issuer: ISSUER,
  audience: AUDIENCE,
  userClaim: 'sub',
  clockSkewSeconds: 30,
  jwksCacheSeconds: 600,
};

let rsa: { privateKey: CryptoKey; publicKey: CryptoKey };
let other: { privateKey: CryptoKey; publicKey: CryptoKey };
let publicJwk: JWK;
const dir = mkdtempSync(join(tmpdir(), 'bastion-jwt-'));
let jwksFile: string;

beforeAll(async () => {
  rsa = await generateKeyPair('RS256');
  other = await generateKeyPair('RS256');
  publicJwk = { ...(await exportJWK(rsa.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  jwksFile = join(dir, 'jwks.json');
  writeFileSync(jwksFile, JSON.stringify({ keys: [publicJwk] }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface TokenOptions {
  claims?: Record<string, unknown>;
  iss?: string;
  aud?: string;
  exp?: number | null;
  nbf?: number;
  kid?: string;
  key?: CryptoKey | Uint8Array;
  alg?: string;
}

async function token(o: TokenOptions = {}): Promise<string> {
  const alg = o.alg ?? 'RS256';
  const jwt = new SignJWT({ sub: 'user-1', ...o.claims })
    .setProtectedHeader({ alg, kid: o.kid ?? 'k1' })
    .setIssuer(o.iss ?? ISSUER)
    .setAudience(o.aud ?? AUDIENCE)
    .setIssuedAt();
  if (o.exp !== null) jwt.setExpirationTime(o.exp ?? now() + 300);
  if (o.nbf !== undefined) jwt.setNotBefore(o.nbf);
  return jwt.sign(o.key ?? rsa.privateKey);
}

/** The verifier's rejection, as a GatewayError (fails the test if it resolves). */
async function rejection(verifier: JwtVerifier, jwt: string): Promise<GatewayError> {
  const error: unknown = await verifier.verify(jwt).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GatewayError);
  const gatewayError = error as GatewayError;
  expect(gatewayError.code).toBe('invalid_user_token');
  expect(gatewayError.spec.status).toBe(401);
  // Never the token (or any part of it) in the error.
  expect(`${gatewayError.message} ${gatewayError.detail ?? ''}`).not.toContain(jwt.split('.')[1]);
  return gatewayError;
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('looksLikeJwt', () => {
  it('accepts three base64url segments only', () => {
    expect(looksLikeJwt('aaa.bbb.ccc')).toBe(true);
    expect(looksLikeJwt('aaa.bbb.')).toBe(false);
    expect(looksLikeJwt('aaa.bbb')).toBe(false);
    expect(looksLikeJwt('a.b.c.d')).toBe(false);
    expect(looksLikeJwt('a+a.bbb.ccc')).toBe(false);
    expect(looksLikeJwt('bst_abc')).toBe(false);
    expect(looksLikeJwt(`a.b.${'c'.repeat(MAX_JWT_LENGTH)}`)).toBe(false);
    expect(looksLikeJwt(42)).toBe(false);
  });
});

describe('JWT verifier with a JWKS file (RS256)', () => {
  let verifier: JwtVerifier;
  beforeAll(async () => {
    verifier = await createJwtVerifier({ ...base, jwksFile });
  });

  it('returns the configured claim of a valid token', async () => {
    expect(await verifier.verify(await token())).toEqual({ userId: 'user-1' });
    const byEmail = await createJwtVerifier({ ...base, jwksFile, userClaim: 'email' });
    expect(await byEmail.verify(await token({ claims: { email: 'a@b.test' } }))).toEqual({
      userId: 'a@b.test',
    });
  });

  it('rejects a token signed by another key', async () => {
    expect((await rejection(verifier, await token({ key: other.privateKey }))).detail).toBe(
      'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
    );
  });

  it('rejects a wrong issuer or audience', async () => {
    expect((await rejection(verifier, await token({ iss: 'https://evil.test/' }))).detail).toBe(
      'ERR_JWT_CLAIM_VALIDATION_FAILED',
    );
    expect((await rejection(verifier, await token({ aud: 'someone-else' }))).detail).toBe(
      'ERR_JWT_CLAIM_VALIDATION_FAILED',
    );
  });

  it('honours the clock skew for expiry and not-before, and rejects beyond it', async () => {
    expect(await verifier.verify(await token({ exp: now() - 10 }))).toEqual({ userId: 'user-1' });
    expect((await rejection(verifier, await token({ exp: now() - 60 }))).detail).toBe('ERR_JWT_EXPIRED');
    expect(await verifier.verify(await token({ nbf: now() + 10 }))).toEqual({ userId: 'user-1' });
    expect((await rejection(verifier, await token({ nbf: now() + 120 }))).detail).toBe(
      'ERR_JWT_CLAIM_VALIDATION_FAILED',
    );
  });

  it('requires an expiry', async () => {
    await rejection(verifier, await token({ exp: null }));
  });

  it('rejects a missing, empty, non-string or oversized user claim', async () => {
    expect((await rejection(verifier, await token({ claims: { sub: undefined } }))).detail).toBe(
      'claim_missing',
    );
    expect((await rejection(verifier, await token({ claims: { sub: '' } }))).detail).toBe('claim_missing');
    expect((await rejection(verifier, await token({ claims: { sub: 42 } }))).detail).toBe('claim_missing');
    expect((await rejection(verifier, await token({ claims: { sub: 'x'.repeat(257) } }))).detail).toBe(
      'claim_invalid',
    );
    expect((await rejection(verifier, await token({ claims: { sub: 'a\nb' } }))).detail).toBe(
      'claim_invalid',
    );
    expect(await verifier.verify(await token({ claims: { sub: 'x'.repeat(256) } }))).toEqual({
      userId: 'x'.repeat(256),
    });
  });

  it('rejects alg none, HS256 (alg confusion) and algorithms outside the allowlist', async () => {
    const payload = b64({ sub: 'user-1', iss: ISSUER, aud: AUDIENCE, exp: now() + 300 });
    expect((await rejection(verifier, `${b64({ alg: 'none' })}.${payload}.`)).detail).toBe('malformed');
    await rejection(verifier, `${b64({ alg: 'none' })}.${payload}.c2ln`);
    const hs = await token({ alg: 'HS256', key: new TextEncoder().encode(SECRET) });
    expect((await rejection(verifier, hs)).detail).toBe('ERR_JOSE_ALG_NOT_ALLOWED');
    const rs256Only = await createJwtVerifier({ ...base, jwksFile, algorithms: ['RS256'] });
    const ps = await generateKeyPair('PS256');
    expect((await rejection(rs256Only, await token({ alg: 'PS256', key: ps.privateKey }))).detail).toBe(
      'ERR_JOSE_ALG_NOT_ALLOWED',
    );
  });

  it('bounds the token length before parsing, and rejects garbage', async () => {
    const big = await token({ claims: { pad: 'x'.repeat(MAX_JWT_LENGTH) } });
    expect(big.length).toBeGreaterThan(MAX_JWT_LENGTH);
    expect((await rejection(verifier, big)).detail).toBe('token_too_long');
    expect((await rejection(verifier, 'not a token')).detail).toBe('malformed');
    await rejection(verifier, 'aaa.bbb.ccc');
  });
});

describe('JWT verifier with an HS256 secret', () => {
  it('verifies HS256 and refuses RS256 tokens', async () => {
    const verifier = await createJwtVerifier({ ...base, secret: SECRET });
    const key = new TextEncoder().encode(SECRET);
    expect(await verifier.verify(await token({ alg: 'HS256', key }))).toEqual({ userId: 'user-1' });
    const wrong = new TextEncoder().encode(`${SECRET}-but-different`);
    expect((await rejection(verifier, await token({ alg: 'HS256', key: wrong }))).detail).toBe(
      'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
    );
    expect((await rejection(verifier, await token())).detail).toBe('ERR_JOSE_ALG_NOT_ALLOWED');
  });
});

describe('JWT verifier configuration (fails at startup)', () => {
  it('refuses unsafe or inconsistent settings', async () => {
    await expect(createJwtVerifier({ ...base, secret: 'short' })).rejects.toThrow(/at least 32 bytes/);
    await expect(createJwtVerifier({ ...base, secret: SECRET, algorithms: ['RS256'] })).rejects.toThrow(
      /not allowed/,
    );
    await expect(createJwtVerifier({ ...base, jwksFile, algorithms: ['HS256'] })).rejects.toThrow(
      /not allowed/,
    );
    await expect(createJwtVerifier({ ...base, jwksFile, algorithms: ['none'] })).rejects.toThrow(
      /not allowed/,
    );
    await expect(createJwtVerifier({ ...base, jwksFile, secret: SECRET })).rejects.toThrow(/exactly one/);
    await expect(createJwtVerifier({ ...base })).rejects.toThrow(/exactly one/);
    await expect(createJwtVerifier({ ...base, jwksFile: join(dir, 'missing.json') })).rejects.toThrow(
      /cannot read/,
    );
    const privateFile = join(dir, 'private.json');
    writeFileSync(privateFile, JSON.stringify({ keys: [{ ...publicJwk, d: 'c2VjcmV0' }] }));
    await expect(createJwtVerifier({ ...base, jwksFile: privateFile })).rejects.toThrow(/public keys only/);
  });
});

describe('JWT verifier with a JWKS URL', () => {
  let server: Server;
  let url: string;
  let fetches = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      fetches++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [publicJwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('fetches the key set once for many verifications, and does not refetch on every unknown kid', async () => {
    fetches = 0;
    const verifier = await createJwtVerifier({ ...base, jwksUrl: url });
    expect(fetches).toBe(0); // lazy: nothing fetched at startup
    const tokens = await Promise.all(
      Array.from({ length: 10 }, (_, i) => token({ claims: { sub: `user-${i}` } })),
    );
    const results = await Promise.all(tokens.map((t) => verifier.verify(t)));
    expect(results.map((r) => r.userId)).toEqual(tokens.map((_, i) => `user-${i}`));
    for (const t of tokens) await verifier.verify(t);
    expect(fetches).toBe(1);
    // An unknown kid may trigger a refetch only after the cooldown: a flood of them costs nothing.
    for (let i = 0; i < 5; i++) {
      expect((await rejection(verifier, await token({ kid: `unknown-${i}` }))).detail).toBe(
        'ERR_JWKS_NO_MATCHING_KEY',
      );
    }
    expect(fetches).toBe(1);
  });

  it('fails closed when the JWKS endpoint is unreachable', async () => {
    const dead = createServer();
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    const port = (dead.address() as AddressInfo).port;
    await new Promise<void>((resolve) => dead.close(() => resolve()));
    const verifier = await createJwtVerifier({
      ...base,
      jwksUrl: `http://127.0.0.1:${port}/jwks`,
      jwksTimeoutMs: 1000,
    });
    await rejection(verifier, await token());
  });
});
