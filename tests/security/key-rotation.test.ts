/**
 * Threat: a revoked or wrong provider key. The ring fails over to the next key and alerts with the
 * key id (never the key); when every key is refused the client gets a 5xx catalog error, never the
 * provider's 401 (which would make SDKs think the *client's* key is wrong).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { OPENAI_TEST_KEY, startTestGateway } from '../helpers/gateway.js';
import type { TestGateway } from '../helpers/gateway.js';
import { expectWireError, findLeaks, oneAuditEvent, post, requestIdOf } from '../helpers/security.js';

/** Real-format OpenAI keys the fake does not accept. */
const STALE_KEY = 'sk-proj-St4leK3yT3BlbkFJr9Wq2Lm8Np5Xc7Vb1Zd4Hf6Jk0Gs3Ty8Ue2Io5PaQ';
const OTHER_STALE_KEY = 'sk-proj-0th3rSt4leT3BlbkFJa1Bb2Cc3Dd4Ee5Ff6Gg7Hh8Ii9Jj0Kk1Ll2MmNn';

let gw: TestGateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

interface LogLine {
  level: number;
  alert?: string;
  providerKeyId?: string;
  msg?: string;
}
const alertLines = (text: string): LogLine[] =>
  text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as LogLine)
    .filter((line) => line.alert === 'provider_key_rejected');

describe('provider key ring failover', () => {
  it('a wrong first key fails over to the second: the request succeeds and one alert names the key id', async () => {
    gw = await startTestGateway({
      openaiKeys: [
        { id: 'openai-stale', value: STALE_KEY },
        { id: 'openai-primary', value: OPENAI_TEST_KEY },
      ],
    });
    const response = await post(gw, 'openai', {
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(200);
    // The stale key was tried (and refused by the fake), then the good one.
    expect(gw.fake.received.map((r) => r.headers.authorization)).toEqual([
      `Bearer ${STALE_KEY}`,
      `Bearer ${OPENAI_TEST_KEY}`,
    ]);
    const event = await oneAuditEvent(gw, requestIdOf(response));
    expect(event.decision).toBe('allowed');
    expect(event.providerKeyId).toBe('openai-primary');

    const alerts = alertLines(gw.logs.text());
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.providerKeyId).toBe('openai-stale');
    expect(alerts[0]?.level).toBeGreaterThanOrEqual(50);

    // The bad key rests: the next request goes straight to the good key, with no new alert.
    gw.fake.reset();
    const again = await post(gw, 'openai', {
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(again.status).toBe(200);
    expect(gw.fake.received).toHaveLength(1);
    expect(alertLines(gw.logs.text())).toHaveLength(1);

    const leaks = findLeaks([gw.logs.text(), gw.auditLines.text(), response.raw, again.raw].join('\n'), {
      STALE_KEY,
      OPENAI_TEST_KEY,
    });
    expect(leaks).toEqual([]);
  });

  it.each([false, true])(
    'every key wrong: 502 upstream_credentials_rejected, never a 401 (stream: %s)',
    async (stream) => {
      gw = await startTestGateway({
        openaiKeys: [
          { id: 'openai-stale', value: STALE_KEY },
          { id: 'openai-stale-2', value: OTHER_STALE_KEY },
        ],
      });
      const response = await post(gw, 'openai', {
        body: JSON.stringify({ model: 'gpt-4o-mini', stream, messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(response.status).not.toBe(401);
      expectWireError(response, 'openai', 'upstream_credentials_rejected');
      expect(response.header('x-should-retry')).toBe('false');
      // The provider's body (which echoes the masked key) is not relayed.
      expect(response.body).not.toMatch(/Incorrect API key|\*\*\*\*/);
      const event = await oneAuditEvent(gw, requestIdOf(response));
      expect(event.decision).toBe('failed');
      expect(event.errorCode).toBe('upstream_credentials_rejected');

      const alerts = alertLines(gw.logs.text());
      expect(alerts.map((line) => line.providerKeyId).sort()).toEqual(['openai-stale', 'openai-stale-2']);
      const leaks = findLeaks([gw.logs.text(), gw.auditLines.text(), response.raw].join('\n'), {
        STALE_KEY,
        OTHER_STALE_KEY,
      });
      expect(leaks).toEqual([]);
    },
  );

  it('Anthropic: a refused key is a 502 in the Anthropic envelope, not a 401', async () => {
    gw = await startTestGateway({ fake: { keys: [OPENAI_TEST_KEY] } });
    const response = await post(gw, 'anthropic', {
      body: JSON.stringify({
        model: 'claude-haiku-4-5',
        max_tokens: 20,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    });
    expectWireError(response, 'anthropic', 'upstream_credentials_rejected');
    expect(alertLines(gw.logs.text()).map((line) => line.providerKeyId)).toEqual(['anthropic-primary']);
  });
});
