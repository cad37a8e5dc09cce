/**
 * Assertions shared by the security suites: wire-format error envelopes, the one audit event of a
 * request, and secret-window scans.
 */
import { expect } from 'vitest';
import type { AuditEvent } from '../../src/core/audit-event.js';
import { ERROR_CATALOG } from '../../src/core/errors.js';
import type { ErrorCode } from '../../src/core/errors.js';
import type { TestGateway } from './gateway.js';
import { rawRequest } from './raw-http.js';
import type { RawRequest, RawResponse } from './raw-http.js';

export type Wire = 'openai' | 'anthropic';

export const OPENAI_PATH = '/v1/chat/completions';
export const ANTHROPIC_PATH = '/v1/messages';
export const pathFor = (wire: Wire): string => (wire === 'openai' ? OPENAI_PATH : ANTHROPIC_PATH);

/** A valid body for each wire; cases override fields. */
export const validBody = (wire: Wire, text = 'Say hello'): Record<string, unknown> =>
  wire === 'openai'
    ? { model: 'gpt-4o-mini', messages: [{ role: 'user', content: text }] }
    : { model: 'claude-haiku-4-5', max_tokens: 64, messages: [{ role: 'user', content: text }] };

/** The headers a well-behaved client of each wire sends, authenticated with `key`. */
export const clientHeaders = (wire: Wire, key: string): Array<[string, string]> => [
  ['content-type', 'application/json'],
  ['authorization', `Bearer ${key}`],
  ...(wire === 'anthropic' ? ([['anthropic-version', '2023-06-01']] as Array<[string, string]>) : []),
];

/** Posts to the gateway over a raw socket (bytes exactly as given). */
export const post = (
  gw: TestGateway,
  wire: Wire,
  options: Partial<RawRequest> & {
    body?: string | Buffer;
    headers?: ReadonlyArray<readonly [string, string]>;
  },
): Promise<RawResponse> =>
  rawRequest(gw.url, {
    path: pathFor(wire),
    headers: clientHeaders(wire, gw.key),
    ...options,
  });

/** The request id the gateway answered with (both header names must agree). */
export function requestIdOf(response: RawResponse): string {
  const id = response.header('x-request-id');
  expect(id, 'x-request-id header').toMatch(/^req_/);
  expect(response.header('request-id')).toBe(id);
  return id as string;
}

/** Asserts the catalog error `code` rendered in `wire` format with its status. */
export function expectWireError(response: RawResponse, wire: Wire, code: ErrorCode, param?: string): void {
  const spec = ERROR_CATALOG[code];
  expect(response.status, `status for ${code}`).toBe(spec.status);
  expect(response.header('content-type')).toMatch(/^application\/json/);
  const body = response.json() as Record<string, unknown>;
  if (wire === 'openai') {
    const error = body.error as Record<string, unknown>;
    expect(Object.keys(error).sort()).toEqual(['code', 'message', 'param', 'type']);
    expect(error.code).toBe(code);
    expect(error.type).toBe(spec.openaiType);
    expect(error.message).toBe(spec.message);
    if (param !== undefined) expect(error.param).toBe(param);
  } else {
    expect(body.type).toBe('error');
    expect(body).toHaveProperty('error.type', spec.anthropicType);
    expect((body.error as { message: string }).message.startsWith(spec.message)).toBe(true);
    expect(body.request_id).toBe(response.header('request-id'));
  }
}

/** The single stored audit event (and single audit JSON line) of `requestId`. */
export async function oneAuditEvent(gw: TestGateway, requestId: string): Promise<AuditEvent> {
  const events = (await gw.auditEvents()).filter((event) => event.requestId === requestId);
  expect(events, `stored audit events for ${requestId}`).toHaveLength(1);
  const lines = gw.auditLines
    .text()
    .split('\n')
    .filter((line) => line.includes(requestId));
  expect(lines, `audit JSON lines for ${requestId}`).toHaveLength(1);
  return events[0] as AuditEvent;
}

/** Asserts a refusal: wire error, nothing forwarded, one `denied` audit event with the code. */
export async function expectRefused(
  gw: TestGateway,
  response: RawResponse,
  wire: Wire,
  code: ErrorCode,
  param?: string,
): Promise<AuditEvent> {
  expectWireError(response, wire, code, param);
  expect(gw.fake.received, 'requests forwarded to the provider').toHaveLength(0);
  const event = await oneAuditEvent(gw, requestIdOf(response));
  expect(event.decision).toBe('denied');
  expect(event.errorCode).toBe(code);
  expect(event.status).toBe(ERROR_CATALOG[code].status);
  return event;
}

/** Every `size`-character window of a secret: finding any of them in output is a leak. */
export function windows(secret: string, size = 12): string[] {
  const out: string[] = [];
  for (let i = 0; i + size <= secret.length; i++) out.push(secret.slice(i, i + size));
  return out;
}

/** Names of the secrets (and which window) found in `haystack`; empty when clean. */
export function findLeaks(haystack: string, secrets: Readonly<Record<string, string>>, size = 12): string[] {
  const found: string[] = [];
  for (const [name, secret] of Object.entries(secrets)) {
    const hit = secret.length < size ? (haystack.includes(secret) ? secret : undefined) : undefined;
    const windowHit = windows(secret, size).find((window) => haystack.includes(window));
    if (hit !== undefined || windowHit !== undefined) found.push(`${name} (window "${windowHit ?? hit}")`);
  }
  return found;
}
