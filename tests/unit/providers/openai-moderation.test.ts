import { afterEach, describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/core/errors.js';
import { createOpenAIModeration } from '../../../src/providers/openai/moderation.js';
import type { ModerationCall } from '../../../src/providers/openai/moderation.js';
import { createUpstreamClient } from '../../../src/providers/shared/http-client.js';
import { json, startServer, type Handler } from './test-server.js';

const KEY = 'sk-moderation-test-key';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

const setup = async (handler: Handler, allowed?: string[]) => {
  const upstream = await startServer(handler);
  const client = createUpstreamClient({
    allowedOrigins: allowed ?? [upstream.origin],
    connectTimeoutMs: 2000,
    headersTimeoutMs: 2000,
    bodyTimeoutMs: 2000,
  });
  cleanups.push(
    () => upstream.close(),
    () => client.close(),
  );
  return { upstream, moderation: createOpenAIModeration({ baseUrl: `${upstream.origin}/v1`, client }) };
};

const call = (inputs: string[], signal = new AbortController().signal): ModerationCall => ({
  inputs,
  model: 'omni-moderation-latest',
  credential: { id: 'openai-primary', value: KEY },
  signal,
});

const result = (flagged: boolean, violence = 0.01) => ({
  flagged,
  categories: { violence: flagged, hate: false, illicit: null },
  category_scores: { violence, hate: 0.001, illicit: 0 },
  category_applied_input_types: { violence: ['text'] },
});

const expectError = async (promise: Promise<unknown>, code: string): Promise<GatewayError> => {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(GatewayError);
  expect((error as GatewayError).code).toBe(code);
  return error as GatewayError;
};

describe('OpenAI moderation call', () => {
  it('posts model and the input array to {baseUrl}/moderations and returns one verdict per input', async () => {
    const { upstream, moderation } = await setup((_req, res) =>
      json(res, 200, { id: 'modr-1', model: 'omni', results: [result(false), result(true, 0.93)] }),
    );
    const verdicts = await moderation.moderate(call(['hello', 'bad']));
    expect(verdicts).toEqual([
      {
        flagged: false,
        categories: { violence: false, hate: false, illicit: false },
        scores: expect.any(Object),
      },
      {
        flagged: true,
        categories: { violence: true, hate: false, illicit: false },
        scores: expect.any(Object),
      },
    ]);
    expect(verdicts[1]?.scores.violence).toBe(0.93);
    const sent = upstream.requests[0];
    expect(sent?.method).toBe('POST');
    expect(sent?.url).toBe('/v1/moderations');
    expect(sent?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(JSON.parse(sent?.body ?? '')).toEqual({
      model: 'omni-moderation-latest',
      input: ['hello', 'bad'],
    });
  });

  it('makes no call for no inputs', async () => {
    const { upstream, moderation } = await setup((_req, res) => json(res, 200, { results: [] }));
    expect(await moderation.moderate(call([]))).toEqual([]);
    expect(upstream.requests).toHaveLength(0);
  });

  it.each([
    ['no results', { id: 'x' }],
    ['too few results', { results: [result(false)] }],
    ['a result without flagged', { results: [{ categories: {}, category_scores: {} }, result(false)] }],
    ['a score outside 0..1', { results: [result(false, 7), result(false)] }],
    [
      'a string score',
      { results: [{ ...result(false), category_scores: { violence: '0.1' } }, result(false)] },
    ],
    ['no scores', { results: [{ ...result(false), category_scores: {} }, result(false)] }],
  ])('refuses a malformed body (%s) as upstream_error', async (_name, body) => {
    const { moderation } = await setup((_req, res) => json(res, 200, body));
    const error = await expectError(moderation.moderate(call(['a', 'b'])), 'upstream_error');
    expect(error.detail).toMatch(/^moderation response /);
  });

  it('refuses a non-JSON body and maps upstream statuses like chat does', async () => {
    const { moderation } = await setup((req, res) => {
      if (req.body.includes('html')) {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html>');
      } else json(res, req.body.includes('401') ? 401 : 500, { error: { message: 'sk-proj-****abcd' } });
    });
    await expectError(moderation.moderate(call(['html'])), 'upstream_error');
    await expectError(moderation.moderate(call(['401'])), 'upstream_credentials_rejected');
    const error = await expectError(moderation.moderate(call(['500'])), 'upstream_error');
    expect(JSON.stringify(error)).not.toContain('sk-proj');
  });

  it('honours the caller signal (timeouts are the caller deadline)', async () => {
    const { moderation } = await setup(() => undefined); // never answers
    const started = performance.now();
    await expect(moderation.moderate(call(['x'], AbortSignal.timeout(150)))).rejects.toBeInstanceOf(
      GatewayError,
    );
    expect(performance.now() - started).toBeLessThan(1500);
  });

  it('goes through the egress allowlist of the shared client', async () => {
    const { upstream, moderation } = await setup(
      (_req, res) => json(res, 200, { results: [result(false)] }),
      ['https://api.openai.com'],
    );
    await expectError(moderation.moderate(call(['x'])), 'egress_denied');
    expect(upstream.requests).toHaveLength(0);
  });
});
