export { createJwtVerifier, looksLikeJwt, MAX_JWT_LENGTH, MAX_USER_ID_LENGTH } from './jwt.js';
export type { JwtVerifier, JwtVerifierOptions } from './jwt.js';
