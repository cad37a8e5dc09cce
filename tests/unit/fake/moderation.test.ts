/** The fake's moderation endpoint: deterministic scores from markers, and scripted failures. */
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeProvider, type FakeProvider } from '../../../src/fake/index.js';

const KEY = 'sk-proj-moderationfaketests1234';
let fake: FakeProvider;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeProvider({ keys: [KEY] });
  client = new OpenAI({ apiKey: KEY, baseURL: `${fake.url}/v1`, maxRetries: 0, timeout: 2_000 });
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

describe('fake moderation scoring', () => {
  it('scores marked categories deterministically; the same text always scores the same', async () => {
    const input = [
      'fine',
      'x [[fake:mod=self-harm/intent]]',
      'y [[fake:mod=hate:0.3]]',
      'z [[fake:mod=sexual:0.7]] [[fake:mod=violence/graphic:1]]',
      'w [[fake:mod=no-such-category]]',
    ];
    const first = await client.moderations.create({ input });
    const again = await client.moderations.create({ input });
    expect(again.results).toEqual(first.results);
    const [fine, intent, hate, two, unknown] = first.results;
    expect(fine?.flagged).toBe(false);
    expect(intent).toMatchObject({
      flagged: true,
      categories: { 'self-harm/intent': true, violence: false },
    });
    expect(intent?.category_scores['self-harm/intent']).toBe(0.95);
    // Below the fake's 0.4 cut-off: scored, not flagged (a threshold of 0.25 would flag it).
    expect(hate).toMatchObject({ flagged: false, categories: { hate: false } });
    expect(hate?.category_scores.hate).toBe(0.3);
    expect(two?.categories).toMatchObject({ sexual: true, 'violence/graphic': true });
    expect(unknown?.flagged).toBe(false);
  });
});

describe('fake moderation failures', () => {
  const call = () => client.moderations.create({ input: ['hello'] });

  it('queued: status, malformed shapes and stall, one per request, before normal answers', async () => {
    fake.enqueueModeration(
      { kind: 'status', status: 500 },
      { kind: 'malformed' },
      { kind: 'malformed', shape: 'missing_results' },
    );
    await expect(call()).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    await expect(call()).rejects.toThrow(); // truncated JSON
    expect(await call()).not.toHaveProperty('results');
    expect((await call()).results).toHaveLength(1);

    fake.enqueueModeration({ kind: 'stall' });
    const started = Date.now();
    await expect(
      client.moderations.create({ input: 'x' }, { timeout: 300, maxRetries: 0 }),
    ).rejects.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('by directive in any input: [[fake:moderation=503]], =malformed, =stall', async () => {
    await expect(
      client.moderations.create({ input: ['ok', 'x [[fake:moderation=503]]'] }),
    ).rejects.toMatchObject({
      status: 503,
    });
    await expect(client.moderations.create({ input: '[[fake:moderation=malformed]]' })).rejects.toThrow();
    await expect(
      client.moderations.create({ input: '[[fake:moderation=stall]]' }, { timeout: 300 }),
    ).rejects.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    expect(fake.received.filter((request) => request.path === '/v1/moderations')).toHaveLength(3);
  });

  it('wrong_count and bad_scores answer 200 with a body that does not fit the request', async () => {
    fake.enqueueModeration(
      { kind: 'malformed', shape: 'wrong_count' },
      { kind: 'malformed', shape: 'bad_scores' },
    );
    expect((await client.moderations.create({ input: ['a', 'b'] })).results).toHaveLength(1);
    const bad = await client.moderations.create({ input: ['a'] });
    expect(bad.results[0]?.category_scores).toBe('high');
  });
});
