/**
 * AWS Signature Version 4, verified from the documented algorithm with node:crypto
 * (canonical request -> string to sign -> HMAC chain of date, region, service, "aws4_request").
 * Used by the fake Secrets Manager to refuse any request whose signature does not match.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export interface SignedRequest {
  readonly method: string;
  /** Path and query as sent, e.g. `/` or `/?Action=ListUsers&Version=2010-05-08`. */
  readonly target: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

export interface Credentials {
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export type Verdict =
  | { readonly ok: true; readonly accessKeyId: string; readonly region: string; readonly service: string }
  | {
      readonly ok: false;
      readonly code:
        | 'IncompleteSignatureException'
        | 'InvalidSignatureException'
        | 'UnrecognizedClientException'
        | 'SignatureDoesNotMatch';
      readonly reason: string;
    };

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer =>
  createHmac('sha256', key).update(data, 'utf8').digest();

/** RFC 3986 encoding as SigV4 wants it (unreserved characters kept, everything else %XX upper-case). */
const encode = (text: string): string =>
  encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

const canonicalQuery = (query: string): string =>
  query === ''
    ? ''
    : query
        .split('&')
        .map((pair) => {
          const eq = pair.indexOf('=');
          const key = decodeURIComponent(eq < 0 ? pair : pair.slice(0, eq));
          const value = decodeURIComponent(eq < 0 ? '' : pair.slice(eq + 1));
          return [encode(key), encode(value)] as const;
        })
        .sort(([a, av], [b, bv]) => (a === b ? (av < bv ? -1 : 1) : a < b ? -1 : 1))
        .map(([key, value]) => `${key}=${value}`)
        .join('&');

const headerValue = (value: string | string[] | undefined): string =>
  (Array.isArray(value) ? value.join(',') : (value ?? '')).trim().replace(/\s+/g, ' ');

/** Derives the signature for a request; exported so tests can check the published example. */
export function signature(
  request: SignedRequest,
  signedHeaders: readonly string[],
  amzDate: string,
  scope: { date: string; region: string; service: string },
  secretAccessKey: string,
): string {
  const [path = '/', query = ''] = request.target.split('?', 2);
  const canonicalHeaders = signedHeaders
    .map((name) => `${name}:${headerValue(request.headers[name])}\n`)
    .join('');
  const payloadHash = headerValue(request.headers['x-amz-content-sha256']) || sha256(request.body);
  const canonicalRequest = [
    request.method,
    // Secrets Manager paths are `/`; other services would need each segment encoded twice.
    path
      .split('/')
      .map((segment) => encode(decodeURIComponent(segment)))
      .join('/'),
    canonicalQuery(query),
    canonicalHeaders,
    signedHeaders.join(';'),
    payloadHash === 'UNSIGNED-PAYLOAD' ? payloadHash : sha256(request.body),
  ].join('\n');
  const credentialScope = `${scope.date}/${scope.region}/${scope.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, credentialScope, sha256(canonicalRequest)].join('\n');
  const kDate = hmac(`AWS4${secretAccessKey}`, scope.date);
  const kRegion = hmac(kDate, scope.region);
  const kService = hmac(kRegion, scope.service);
  const kSigning = hmac(kService, 'aws4_request');
  return hmac(kSigning, stringToSign).toString('hex');
}

const AUTH =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

/**
 * Verifies the Authorization header of a request against known access keys. Also checks that
 * host and x-amz-date are signed, the date matches the scope and is within 15 minutes of `now`,
 * and that a session token, when the key has one, is present and signed.
 */
export function verifySigV4(
  request: SignedRequest,
  keys: ReadonlyMap<string, Credentials>,
  now: number,
): Verdict {
  const header = headerValue(request.headers['authorization']);
  const match = AUTH.exec(header);
  if (match === null)
    return { ok: false, code: 'IncompleteSignatureException', reason: 'malformed Authorization header' };
  const [, accessKeyId = '', date = '', region = '', service = '', signedList = '', presented = ''] = match;
  const credentials = keys.get(accessKeyId);
  if (credentials === undefined)
    return {
      ok: false,
      code: 'UnrecognizedClientException',
      reason: 'The security token included in the request is invalid.',
    };
  const signedHeaders = signedList.split(';');
  if (!signedHeaders.includes('host') || !signedHeaders.includes('x-amz-date'))
    return { ok: false, code: 'IncompleteSignatureException', reason: 'host and x-amz-date must be signed' };
  const amzDate = headerValue(request.headers['x-amz-date']);
  if (!amzDate.startsWith(date))
    return { ok: false, code: 'InvalidSignatureException', reason: 'date does not match the scope' };
  const iso = amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z');
  if (Math.abs(Date.parse(iso) - now) > 15 * 60_000)
    return { ok: false, code: 'InvalidSignatureException', reason: 'Signature expired' };
  if (credentials.sessionToken !== undefined) {
    if (
      headerValue(request.headers['x-amz-security-token']) !== credentials.sessionToken ||
      !signedHeaders.includes('x-amz-security-token')
    )
      return {
        ok: false,
        code: 'UnrecognizedClientException',
        reason: 'The security token included in the request is invalid.',
      };
  }
  const expected = signature(
    request,
    signedHeaders,
    amzDate,
    { date, region, service },
    credentials.secretAccessKey,
  );
  if (!timingSafeEqual(Buffer.from(expected), Buffer.from(presented)))
    return {
      ok: false,
      code: 'InvalidSignatureException',
      reason: 'The request signature we calculated does not match the signature you provided.',
    };
  return { ok: true, accessKeyId, region, service };
}
