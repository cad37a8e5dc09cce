/**
 * Threat: the model leaking credentials or personal data, or saying what the app's own rules
 * forbid. Secrets and PII in output are redacted (or the response blocked) even when split across
 * stream deltas; the app's policy module decides in code; a block mid-stream ends the stream with
 * an error event in the client's wire format, and the audit event names the rule, never the text.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { clientText, type Wire } from '../helpers/sdk-output.js';
import { randomSplits } from '../unit/output/xss-corpus.js';
import { clientHeaders, post, validBody } from '../helpers/security.js';

const policy = (name: string): string =>
  fileURLToPath(new URL(`../fixtures/policies/${name}.mjs`, import.meta.url));
const LEAKED_KEY = `sk-proj-${'Q7w8E9r0T1'.repeat(4)}T3BlbkFJ${'y2U3i4O5p6'.repeat(4)}`;

let redacting: TestGateway;
let blocking: TestGateway;
let slow: TestGateway;

beforeAll(async () => {
  redacting = await startTestGateway({
    app: {
      output: {
        dlp: { pii: 'redact', piiTypes: ['email', 'credit_card'] },
        policyModule: policy('no-refund-promises'),
      },
    },
  });
  blocking = await startTestGateway({ app: { output: { dlp: { secrets: 'block' } } } });
  slow = await startTestGateway({ app: { output: { policyModule: policy('slow'), policyTimeoutMs: 100 } } });
});
afterAll(async () => {
  await Promise.all([redacting.close(), blocking.close(), slow.close()]);
});
beforeEach(() => {
  for (const gw of [redacting, blocking, slow]) gw.fake.reset();
});

describe.each(['openai', 'anthropic'] as const)('output leak guards (%s)', (wire: Wire) => {
  it('redacts a provider key and PII however the stream splits them', async () => {
    const text = `Here is the key ${LEAKED_KEY} and mail jane.doe@example.com, card 4111 1111 1111 1111. Bye.`;
    for (const stream of [false, true]) {
      for (const seed of [1, 2, 3]) {
        redacting.fake.enqueue({
          kind: 'reply',
          text,
          deltas: seed === 1 ? [...text] : randomSplits(text, seed, 6),
        });
        const { text: received, error } = await clientText(redacting, wire, 'x', stream);
        expect(error).toBeUndefined();
        expect(received).toBe(
          'Here is the key [redacted:secret] and mail [redacted:email], card [redacted:credit_card]. Bye.',
        );
      }
    }
    const events = await redacting.auditEvents();
    expect(events.at(-1)?.triggers).toEqual(
      expect.arrayContaining(['output_dlp.pii.email', 'output_dlp.pii.credit_card']),
    );
    expect(JSON.stringify(events)).not.toContain('jane.doe');
    expect(redacting.logs.text()).not.toContain(LEAKED_KEY.slice(8, 30));
  });

  it('blocks a leaked key: JSON gets an error, a stream ends with an error event and no key bytes', async () => {
    const text = `${'Plenty of harmless words here. '.repeat(8)}Now the key: ${LEAKED_KEY} end.`;
    blocking.fake.enqueue({ kind: 'reply', text });
    const json = await clientText(blocking, wire, 'x', false);
    expect(json.error?.status).toBe(403);
    blocking.fake.enqueue({ kind: 'reply', text, deltas: randomSplits(text, 5, 4) });
    const streamed = await clientText(blocking, wire, 'x', true);
    expect(streamed.error).toBeDefined();
    expect(streamed.text.length).toBeGreaterThan(0); // the harmless start did stream
    expect(streamed.text).not.toContain('sk-proj');
    expect(text.startsWith(streamed.text)).toBe(true);
    const events = await blocking.auditEvents();
    expect(events.at(-1)).toMatchObject({ decision: 'denied', errorCode: 'output_blocked' });
    expect(events.at(-1)?.triggers).toContain('output_dlp.secret.openai-api-key');
  });

  it('a mid-stream block is an error event in the wire format, never a normal end', async () => {
    const text = `${'Harmless words. '.repeat(10)}${LEAKED_KEY} and the rest.`;
    blocking.fake.enqueue({ kind: 'reply', text, deltas: randomSplits(text, 8, 5) });
    const response = await post(blocking, wire, {
      headers: clientHeaders(wire, blocking.key),
      body: JSON.stringify({ ...validBody(wire), stream: true }),
    });
    const body = response.body;
    expect(response.status).toBe(200);
    const delivered = body
      .split('\n')
      .filter((line) => line.startsWith('data: {'))
      .map(
        (line) =>
          JSON.parse(line.slice(6)) as {
            choices?: Array<{ delta?: { content?: string } }>;
            delta?: { text?: string };
          },
      )
      .map((event) => event.choices?.[0]?.delta?.content ?? event.delta?.text ?? '')
      .join('');
    expect(delivered.startsWith('Harmless words. Harmless words.')).toBe(true);
    expect(text.startsWith(delivered)).toBe(true);
    expect(body).not.toContain('sk-proj');
    expect(body).not.toContain('finish_reason":"stop');
    if (wire === 'openai') {
      expect(body).not.toContain('[DONE]');
      expect(body.trimEnd().split('\n\n').at(-1)).toMatch(/^data: \{"error":\{.*"code":"output_blocked"/s);
    } else {
      expect(body).not.toContain('message_stop');
      expect(body.trimEnd().split('\n\n').at(-1)).toMatch(
        /^event: error\ndata: \{"type":"error","error":\{"type":"permission_error"/s,
      );
    }
  });

  it('the app policy module blocks or rewrites in code, streaming or not', async () => {
    for (const stream of [false, true]) {
      redacting.fake.enqueue({ kind: 'reply', text: 'See INTERNAL-TICKET-4411 for details.\nThanks.' });
      expect((await clientText(redacting, wire, 'x', stream)).text).toBe(
        'See [ticket] for details.\nThanks.',
      );
      redacting.fake.enqueue({ kind: 'reply', text: 'Good news.\nYour refund is approved!\n' });
      const blocked = await clientText(redacting, wire, 'x', stream);
      expect(blocked.error).toBeDefined();
      expect(blocked.text).not.toContain('refund');
    }
    const events = await redacting.auditEvents();
    expect(events.at(-1)?.triggers).toContain('code_policy.no-refund-promises');
  });

  it('a policy module that never answers blocks the response instead of hanging it', async () => {
    for (const stream of [false, true]) {
      slow.fake.enqueue({ kind: 'reply', text: 'line one\nline two\n' });
      const result = await clientText(slow, wire, 'x', stream);
      expect(result.error).toBeDefined();
      expect(result.text).toBe('');
    }
  });
});
