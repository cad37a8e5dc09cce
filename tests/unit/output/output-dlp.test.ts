import { describe, expect, it } from 'vitest';
import { newContext } from '../../../src/pipeline/context.js';
import { createOutputDlpGuard } from '../../../src/guards/output-dlp/index.js';
import { appPolicy, defaultOutputPolicy, gatewayRequest } from '../../helpers/fixtures.js';

const streamThrough = async (pieces: readonly string[], holdChars: number): Promise<string> => {
  const ctx = newContext(gatewayRequest());
  const output = defaultOutputPolicy();
  ctx.app = appPolicy({ output: { ...output, dlp: { ...output.dlp, pii: 'redact', holdChars } } });
  const filter = createOutputDlpGuard().open(ctx, { id: 'c0', kind: 'text', field: 'content' });
  if (!filter) throw new Error('guard did not apply');
  let out = '';
  for (const step of [...pieces.map((p) => () => filter.push(p)), () => filter.end()]) {
    const result = await step();
    if ('block' in result) throw new Error('blocked');
    out += result.release;
  }
  return out;
};

describe('output-dlp on streams (review findings)', () => {
  it('a card number or IBAN streamed one character at a time is redacted at the smallest window', async () => {
    for (const value of ['4111 1111 1111 1111', 'DE89 3704 0044 0532 0130 00']) {
      const text = `pay with ${value} today, thanks`;
      const out = await streamThrough([...text], 64);
      expect(out).not.toContain(value.slice(0, 9));
      expect(out).toContain('[redacted:');
    }
  });

  it('a long JWT streamed in small pieces is redacted whole', async () => {
    const jwt = `eyJhbGciOiJIUzI1NiJ9.eyJ${'a'.repeat(3000)}.${'s'.repeat(43)}`;
    const text = `token: ${jwt} end`;
    const pieces = text.match(/.{1,7}/gs) ?? [];
    const out = await streamThrough(pieces, 64);
    expect(out).toBe('token: [redacted:secret] end');
  });
});
