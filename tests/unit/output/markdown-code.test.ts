import { describe, expect, it } from 'vitest';
import { MarkdownCodeSplitter, type Segment } from '../../../src/detect/output/markdown-code.js';
import { randomSplits } from './xss-corpus.js';

const split = (pieces: readonly string[]): Segment[] => {
  const splitter = new MarkdownCodeSplitter(4096);
  const segments = [...pieces.flatMap((piece) => splitter.push(piece)), ...splitter.end()];
  // Merge neighbours of the same kind: how the text was cut must not matter.
  const merged: Segment[] = [];
  for (const segment of segments) {
    const last = merged.at(-1);
    if (last && last.code === segment.code)
      merged[merged.length - 1] = { code: last.code, text: last.text + segment.text };
    else merged.push(segment);
  }
  return merged;
};

const everyWay = (text: string): Segment[][] => [
  split([text]),
  split([...text]),
  ...[1, 2, 3, 4, 5].map((seed) => split(randomSplits(text, seed, 5))),
];

describe('markdown code splitter', () => {
  it('marks fenced blocks as code, including the fences', () => {
    const text = 'Try:\n```ts\nif (a < b) x = "<b>";\n```\nDone <b>x</b>';
    for (const segments of everyWay(text))
      expect(segments).toEqual([
        { code: false, text: 'Try:\n' },
        { code: true, text: '```ts\nif (a < b) x = "<b>";\n```\n' },
        { code: false, text: 'Done <b>x</b>' },
      ]);
  });

  it('marks closed code spans as code and leaves unclosed backticks as prose', () => {
    const text = 'Use `a<b` here, but ` <img src=x onerror=1> stays prose\n';
    for (const segments of everyWay(text))
      expect(segments).toEqual([
        { code: false, text: 'Use ' },
        { code: true, text: '`a<b`' },
        { code: false, text: ' here, but ` <img src=x onerror=1> stays prose\n' },
      ]);
  });

  it('a backslash-escaped backtick opens no span', () => {
    const text = 'x \\`<img src=x onerror=1>` y\n';
    for (const segments of everyWay(text)) expect(segments.filter((s) => s.code)).toEqual([]);
  });

  it('an unclosed fence runs to the end, a longer closing fence closes it', () => {
    expect(split(['~~~~\ncode\n~~~\nstill code\n~~~~~\nprose'])).toEqual([
      { code: true, text: '~~~~\ncode\n~~~\nstill code\n~~~~~\n' },
      { code: false, text: 'prose' },
    ]);
    expect(split(['```\n<script>x</script>'])).toEqual([{ code: true, text: '```\n<script>x</script>' }]);
  });

  it('a backtick fence with a backtick in its info string is prose', () => {
    expect(split(['``` a`b\n<i>x</i>\n'])).toEqual([{ code: false, text: '``` a`b\n<i>x</i>\n' }]);
  });
});
