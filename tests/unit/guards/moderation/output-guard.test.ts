import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { OutputChannel } from '../../../../src/core/types.js';
import { OVERLAP_CHARS, createModerationOutputGuard } from '../../../../src/guards/moderation/index.js';
import type { OutputFilter } from '../../../../src/pipeline/output.js';
import type { RequestContext } from '../../../../src/pipeline/context.js';
import { context, startHarness, type Harness } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(() => h.reset());

const CHANNEL: OutputChannel = { id: 'c0', kind: 'text', field: 'content' };
const guard = () => createModerationOutputGuard(h.hooks);

/** Pushes pieces, then ends; what was released, and the code of the block (if any). */
async function run(
  ctx: RequestContext,
  pieces: readonly string[],
  onStep?: (released: string) => void,
): Promise<{ released: string; blocked: string | undefined }> {
  const filter = guard().open(ctx, CHANNEL) as OutputFilter;
  let released = '';
  for (const piece of pieces) {
    const step = await filter.push(piece);
    if ('block' in step) return { released, blocked: step.block.code };
    released += step.release;
    onStep?.(released);
  }
  const last = await filter.end();
  if ('block' in last) return { released, blocked: last.block.code };
  return { released: released + last.release, blocked: undefined };
}

const chunks = (text: string, size: number): string[] => {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
};

describe('moderation-output guard', () => {
  it('applies when output moderation is on or filters apply to output', () => {
    expect(guard().appliesTo(context({}))).toBe(false);
    expect(guard().appliesTo(context({ moderation: { output: true } }))).toBe(true);
    expect(guard().appliesTo(context({ filters: { keywords: ['x'] } }))).toBe(true);
    expect(guard().appliesTo(context({ filters: { keywords: ['x'], applyTo: 'input' } }))).toBe(false);
  });

  it('filters: a keyword split across deltas is blocked and none of it was released', async () => {
    const ctx = context({ filters: { keywords: ['frobnicate'] }, endUserId: 'bob' });
    const text = `${'Some harmless text. '.repeat(5)}Now we frobnicate everything.`;
    const result = await run(ctx, chunks(text, 3));
    expect(result.blocked).toBe('output_blocked');
    expect(result.released.toLowerCase()).not.toContain('frob');
    expect(text.startsWith(result.released)).toBe(true);
    expect(ctx.triggers).toEqual(['moderation-output.filter.keywords']);
    expect(h.hits).toEqual([
      {
        app: 'app1',
        subject: { kind: 'user', id: 'u_3bo' },
        direction: 'output',
        rules: ['moderation-output.filter.keywords'],
      },
    ]);
    expect(h.calls).toHaveLength(0);
  });

  it('filters: clean output passes unchanged with a bounded hold-back', async () => {
    const ctx = context({ filters: { keywords: ['frobnicate'] } });
    const text = 'All good here. '.repeat(40);
    let seen = 0;
    const result = await run(ctx, chunks(text, 5), (released) => {
      seen += 5;
      expect(seen - released.length).toBeLessThanOrEqual(2 * 11 + 5);
    });
    expect(result).toEqual({ released: text, blocked: undefined });
  });

  it('moderation: releases text window by window, each window moderated before it leaves', async () => {
    const ctx = context({ moderation: { output: true, outputWindowChars: 100 } });
    const text = 'abcdefghij'.repeat(35); // 350 characters
    const releases: number[] = [];
    const result = await run(ctx, chunks(text, 7), (released) => {
      if (released.length > (releases.at(-1) ?? 0)) releases.push(released.length);
    });
    expect(result).toEqual({ released: text, blocked: undefined });
    expect(releases).toEqual([100, 200, 300]);
    // 3 full windows while streaming, the last 50 characters at the end.
    expect(h.calls.map((inputs) => inputs.length)).toEqual([1, 1, 1, 1]);
    // Each window goes with the tail of the text before it, for context across the boundary.
    const second = h.calls[1]?.[0] ?? '';
    expect(second).toBe(text.slice(100 - Math.min(OVERLAP_CHARS, 100), 200));
  });

  it('moderation: a flagged window ends the output; earlier windows were released, nothing of it was', async () => {
    const ctx = context({ moderation: { output: true, outputWindowChars: 100 } });
    const clean = 'x'.repeat(99) + ' ';
    const text = `${clean}${clean}then [[fake:mod=violence]] happens ${clean}`;
    const result = await run(ctx, chunks(text, 9));
    expect(result.blocked).toBe('output_blocked');
    expect(result.released).toBe(clean + clean);
    expect(ctx.triggers).toEqual(['moderation-output.violence']);
    expect(h.hits[0]?.rules).toEqual(['moderation-output.violence']);
  });

  it('moderation: the last partial window is moderated at the end', async () => {
    const ctx = context({ moderation: { output: true, outputWindowChars: 1_000 } });
    const result = await run(ctx, ['short but ', 'I will kill it']);
    expect(result).toEqual({ released: '', blocked: 'output_blocked' });
    expect(h.calls).toEqual([['short but I will kill it']]);
  });

  it('moderation: a whole response in one push is moderated in one call for all complete windows', async () => {
    const ctx = context({ moderation: { output: true, outputWindowChars: 100 } });
    const text = 'y'.repeat(1_050);
    const result = await run(ctx, [text]);
    expect(result.released).toBe(text);
    expect(h.calls.map((inputs) => inputs.length)).toEqual([10, 1]);
  });

  it.each([
    ['a stall (timeout)', { kind: 'stall' } as const],
    ['a 500', { kind: 'status', status: 500 } as const],
    ['a malformed body', { kind: 'malformed', shape: 'bad_scores' } as const],
  ])(
    'moderation fails closed on %s: moderation_unavailable, nothing of the window released',
    async (_n, scenario) => {
      h.fake.enqueueModeration(scenario);
      const ctx = context({ moderation: { output: true, outputWindowChars: 100, timeoutMs: 200 } });
      const result = await run(ctx, ['z'.repeat(150)]);
      expect(result).toEqual({ released: '', blocked: 'moderation_unavailable' });
      expect(ctx.triggers).toEqual(['moderation-output.unavailable']);
      expect(h.unavailable[0]).toMatchObject({ direction: 'output', allowed: false });
    },
  );

  it('with onError: allow, an outage releases the text and records it once', async () => {
    h.fake.enqueueModeration({ kind: 'status', status: 503 }, { kind: 'status', status: 503 });
    const ctx = context({ moderation: { output: true, outputWindowChars: 100, onError: 'allow' } });
    const text = 'q'.repeat(150);
    const result = await run(ctx, chunks(text, 50));
    expect(result).toEqual({ released: text, blocked: undefined });
    expect(ctx.triggers).toEqual(['moderation-output.unavailable.allowed']);
    expect(h.unavailable).toHaveLength(2);
  });

  it('filters and moderation together: the filter decides first, locally', async () => {
    const ctx = context({
      moderation: { output: true, outputWindowChars: 100 },
      filters: { keywords: ['frobnicate'] },
    });
    const result = await run(ctx, ['frobnicate now. ', 'more text']);
    expect(result.blocked).toBe('output_blocked');
    expect(ctx.triggers).toEqual(['moderation-output.filter.keywords']);
    expect(h.calls).toHaveLength(0);
  });
});
