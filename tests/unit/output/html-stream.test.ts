import sanitizeHtml from 'sanitize-html';
import { Parser } from 'htmlparser2';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ALLOWED_TAGS,
  HtmlFragmentSanitizer,
  StreamingHtmlSanitizer,
  type HtmlPolicy,
} from '../../../src/detect/output/html-stream.js';
import { HostAllowlist } from '../../../src/detect/output/url-policy.js';
import { XSS_PAYLOADS, randomSplits } from './xss-corpus.js';

const policy: HtmlPolicy = {
  allowedTags: [...DEFAULT_ALLOWED_TAGS, 'a'],
  allowedAttributes: { a: ['href'] },
  allowedSchemes: ['https', 'mailto'],
  linkHosts: new HostAllowlist(['docs.example.com']),
};

const stream = (pieces: readonly string[], maxHold = 4096): string => {
  const sanitizer = new StreamingHtmlSanitizer(new HtmlFragmentSanitizer(policy), policy, maxHold);
  return pieces.map((piece) => sanitizer.push(piece)).join('') + sanitizer.end();
};

/** What a browser's parser would build from the output: every tag and attribute. */
const markupOf = (html: string): { tags: string[]; attributes: Array<[string, string]> } => {
  const tags: string[] = [];
  const attributes: Array<[string, string]> = [];
  const parser = new Parser({
    onopentag: (name, attribs) => {
      tags.push(name);
      for (const [key, value] of Object.entries(attribs)) attributes.push([key, value]);
    },
  });
  parser.write(html);
  parser.end();
  return { tags, attributes };
};

const assertSafe = (html: string): void => {
  const { tags, attributes } = markupOf(html);
  for (const tag of tags) expect(policy.allowedTags).toContain(tag);
  for (const [name, value] of attributes) {
    expect(name).toBe('href');
    // eslint-disable-next-line no-control-regex -- browsers skip control characters in URL schemes
    expect(value.replace(/[\s\u0000-\u001f]/g, '').toLowerCase()).not.toMatch(/^(javascript|data|vbscript):/);
    expect(new URL(value).hostname).toMatch(/(^|\.)docs\.example\.com$/);
  }
  expect(html.toLowerCase()).not.toContain('<script');
};

describe('streaming HTML sanitizer', () => {
  it.each(XSS_PAYLOADS)('sanitizes %s whole exactly like sanitize-html', (payload) => {
    const whole = stream([payload]);
    expect(whole).toBe(new HtmlFragmentSanitizer(policy).sanitize(payload));
    assertSafe(whole);
  });

  it.each(XSS_PAYLOADS)('never lets %s through when split across deltas at any point', (payload) => {
    const text = `Here you go: ${payload} and more text`;
    for (let seed = 1; seed <= 40; seed++) assertSafe(stream(randomSplits(text, seed, 1 + (seed % 6))));
    // one character per delta, the hardest split
    assertSafe(stream([...text]));
  });

  it('keeps allowed formatting intact across deltas', () => {
    const text = '<p>Use <strong>strong</strong> and <em>em</em>:</p><ul><li>one</li><li>two</li></ul>';
    for (let seed = 1; seed <= 20; seed++) expect(stream(randomSplits(text, seed))).toBe(text);
  });

  it('passes plain text untouched, entities and brackets included', () => {
    const text = 'Tom & Jerry say 3 > 2 and [not a link] &amp; done';
    expect(stream(randomSplits(text, 7))).toBe(text);
  });

  it('escapes a bare < in text that also has markup', () => {
    expect(stream(['a < b <strong>c</strong>'])).toBe('a &lt; b <strong>c</strong>');
  });

  it('holds an open element at most maxHoldChars, then sanitizes what it has', () => {
    const sanitizer = new StreamingHtmlSanitizer(new HtmlFragmentSanitizer(policy), policy, 300);
    let released = sanitizer.push('<p>');
    for (let i = 0; i < 100; i++) released += sanitizer.push('word ');
    expect(released.length).toBeGreaterThan(0);
    released += sanitizer.end();
    assertSafe(released);
    expect(released).toContain('word word');
  });

  it('drops links to hosts off the allowlist but keeps the text', () => {
    const out = stream([
      '<a href="https://evil.example/?q=secret">x</a> <a href="https://docs.example.com/a">y</a>',
    ]);
    expect(out).toBe('<a>x</a> <a href="https://docs.example.com/a">y</a>');
  });

  it('agrees with sanitize-html on well-formed fragments cut at every position', () => {
    const text = '<p>a <em>b</em></p><script>x()</script><p>c</p>';
    const expected = sanitizeHtml(text, {
      allowedTags: [...policy.allowedTags],
      allowedAttributes: { a: ['href'] },
    });
    for (let cut = 1; cut < text.length; cut++)
      expect(stream([text.slice(0, cut), text.slice(cut)])).toBe(expected);
  });
});

describe('streaming HTML sanitizer: implied closes (review findings)', () => {
  it('never cuts inside a tag whose name implied a close', () => {
    expect(stream(['<p>Items:<ul>', '<li>one</li></ul>'])).toBe(stream(['<p>Items:<ul><li>one</li></ul>']));
    const out = stream(['<p>a<ul ', 'onclick=alert(1)><li>b</li></ul>']);
    assertSafe(out);
    expect(out).not.toContain('onclick');
  });
});
