import { describe, expect, it } from 'vitest';
import { newContext } from '../../../src/pipeline/context.js';
import { createOutputSanitizeGuard } from '../../../src/guards/output-sanitize/index.js';
import { appPolicy, defaultOutputPolicy, gatewayRequest } from '../../helpers/fixtures.js';

const sanitize = async (text: string): Promise<string> => {
  const ctx = newContext(gatewayRequest());
  ctx.app = appPolicy({ output: defaultOutputPolicy() });
  const filter = createOutputSanitizeGuard().open(ctx, { id: 'c0', kind: 'text', field: 'content' });
  if (!filter) throw new Error('guard did not apply');
  const first = await filter.push(text);
  const last = await filter.end();
  if ('block' in first || 'block' in last) throw new Error('blocked');
  return first.release + last.release;
};

describe('output-sanitize guard', () => {
  it.each([
    '!<i></i>[x]<i></i>(https://evil.example/p.png)',
    '![x]<!-- -->(https://evil.example/p.png)',
    '<b></b>[r]: https://evil.example/p.png\n![y][r]',
  ])('removing a tag cannot assemble a new image link: %s', async (text) => {
    expect(await sanitize(text)).not.toContain('evil.example');
  });
});
