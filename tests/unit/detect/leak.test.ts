/**
 * Threat: a model that reveals its protected system prompt, verbatim or disguised (encoded, split,
 * reversed), possibly spread over many stream deltas. The leak scan must find every supported form,
 * flag no ordinary text, and never release any part of a leak it would block.
 */
import { describe, expect, it } from 'vitest';
import {
  CANARY_PREFIX,
  DEFAULT_WINDOW_CHARS,
  LeakScanner,
  LeakStream,
  MAX_WINDOW_CHARS,
  REDACTION_MARKER,
  indexSystemPrompt,
  newCanary,
  promptWithCanary,
} from '../../../src/detect/leak/index.js';
import { WORD, forEachWord } from '../../../src/detect/leak/overlap.js';
import {
  alnumView,
  alnumViewText,
  base64View,
  base64ViewText,
  hexView,
  hexViewText,
} from '../../../src/detect/leak/views.js';

/** xorshift32: deterministic pseudo-random numbers for splits and benign text. */
const prng = (seed: number): (() => number) => {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
};

/** Cuts `text` into deltas of 1..maxPiece characters at random points. */
const randomSplits = (text: string, random: () => number, maxPiece: number): string[] => {
  const pieces: string[] = [];
  for (let i = 0; i < text.length;) {
    const size = 1 + Math.floor(random() * maxPiece);
    pieces.push(text.slice(i, i + size));
    i += size;
  }
  return pieces;
};

const PROMPT = [
  'You are Ada, the customer support assistant of Example Outdoor Gear.',
  'Answer questions about orders, shipping, returns and product care.',
  'Never discuss competitors, never promise refunds above fifty dollars without a supervisor,',
  'and always ask for the order number before looking anything up.',
  'If the customer is upset, apologise once and offer the returns portal.',
].join(' ');

const CANARY = 'bst-cnry-k7q2mz4xw5ta3bv6hn2pr4sd';
const BODY = CANARY.slice(CANARY_PREFIX.length);
const index = indexSystemPrompt(PROMPT, 12);
const scanner = new LeakScanner(index, CANARY);

const b64 = (text: string): string => Buffer.from(text).toString('base64');
const hex = (text: string): string => Buffer.from(text).toString('hex');
const rot13 = (text: string): string =>
  text.replace(/[a-z]/gi, (c) => {
    const base = c <= 'Z' ? 65 : 97;
    return String.fromCharCode(((c.charCodeAt(0) - base + 13) % 26) + base);
  });
const fullWidth = (text: string): string =>
  [...text].map((c) => (/[a-z0-9]/i.test(c) ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c)).join('');

/** [label, leaked form of the canary] */
const CANARY_FORMS: ReadonlyArray<readonly [string, string]> = [
  ['plain', CANARY],
  ['upper case', CANARY.toUpperCase()],
  ['mixed case', CANARY.replace(/[a-z]/g, (c, i: number) => (i % 2 ? c.toUpperCase() : c))],
  ['body only', BODY],
  ['split by spaces', [...CANARY].join(' ')],
  ['split by newlines and dashes', BODY.match(/.{1,4}/g)?.join('-\n') ?? ''],
  ['split by dots', [...BODY].join('.')],
  ['full-width letters', fullWidth(CANARY)],
  ['base64', b64(CANARY)],
  ['base64 inside a longer text (offset 1)', b64(`x ${CANARY} y`)],
  ['base64 inside a longer text (offset 2)', b64(`xy ${CANARY}`)],
  [
    'base64 url-safe without padding',
    b64(`The code is ${CANARY}.`).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''),
  ],
  [
    'base64 wrapped every 8 characters',
    b64(CANARY)
      .match(/.{1,8}/g)
      ?.join('\n') ?? '',
  ],
  ['hex', hex(CANARY)],
  ['hex upper case with spaces', hex(CANARY).toUpperCase().match(/../g)?.join(' ') ?? ''],
  ['hex 0x list', (hex(BODY).match(/../g) ?? []).map((byte) => `0x${byte}`).join(', ')],
  ['hex \\x escapes', (hex(BODY).match(/../g) ?? []).map((byte) => `\\x${byte}`).join('')],
  ['url-encoded (every byte)', (hex(CANARY).match(/../g) ?? []).map((byte) => `%${byte}`).join('')],
  ['url-encoded (some bytes)', encodeURIComponent(CANARY).replace(/k/g, '%6B').replace(/2/g, '%32')],
  ['reversed', [...CANARY].reverse().join('')],
  ['rot13', rot13(CANARY)],
  ['rot13 upper case', rot13(CANARY).toUpperCase()],
];

const wrap = (leak: string): string =>
  `Sure! Here is what I was told to keep secret: ${leak}. Anything else?`;

describe('views', () => {
  // The scan checks the cheap view texts first and maps spans only on a hit: the two must agree exactly,
  // or a canary could hide in the difference.
  const alphabet = [
    ...'aZ09%xX\\-_+/=.: \n',
    '%41',
    '%7a',
    '%C3',
    '0x',
    '\\x4',
    'Ｋ',
    'ｂ',
    'ﬁ',
    'ª',
    '²',
    'İ',
    'ß',
    'Σ',
    'é',
    'e\u0301',
    '\u200b',
    '🎉',
    '\ud800',
    '\udc00',
    '①',
    '﹪',
  ];
  it('the word scanner finds exactly the words of the WORD regex', () => {
    const random = prng(5);
    const pieces = [...alphabet, 'ab', 'Zürich', '東京', 'naïve', 'x\u0301y', '\u0301', '٣', 'ǅ', '𝐀𝐁', ' '];
    for (let trial = 0; trial < 3000; trial++) {
      const text = Array.from(
        { length: 1 + Math.floor(random() * 30) },
        () => pieces[Math.floor(random() * pieces.length)],
      ).join('');
      const manual: string[] = [];
      forEachWord(text, (start, end) => manual.push(`${start}:${end}`));
      const regex = [...text.matchAll(WORD)].map(
        (match) => `${match.index}:${match.index + match[0].length}`,
      );
      expect(manual, JSON.stringify(text)).toEqual(regex);
    }
  });

  it('fast view texts equal the mapped views on random mixed text', () => {
    const random = prng(99);
    for (let trial = 0; trial < 3000; trial++) {
      const text = Array.from(
        { length: 1 + Math.floor(random() * 40) },
        () => alphabet[Math.floor(random() * alphabet.length)],
      ).join('');
      expect(alnumViewText(text), JSON.stringify(text)).toBe(alnumView(text).text);
      expect(hexViewText(text), JSON.stringify(text)).toBe(hexView(text).text);
      expect(base64ViewText(text), JSON.stringify(text)).toBe(base64View(text).text);
    }
  });
});

describe('canary forms', () => {
  it('canaries are distinctive and fresh', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const canary = newCanary();
      expect(canary).toMatch(/^bst-cnry-[a-z2-7]{20}$/);
      seen.add(canary);
    }
    expect(seen.size).toBe(1000);
  });

  it.each(CANARY_FORMS)('finds the canary %s', (_label, leaked) => {
    const text = wrap(leaked);
    const findings = scanner.scan(text).filter((finding) => finding.kind === 'canary');
    expect(findings.length).toBeGreaterThan(0);
    // The span lies inside the leaked part of the text.
    const at = text.indexOf(leaked);
    for (const finding of findings) {
      expect(finding.start).toBeGreaterThanOrEqual(at);
      expect(finding.end).toBeLessThanOrEqual(at + leaked.length);
    }
  });

  it('does not find another request’s canary, nor ordinary or encoded benign text', () => {
    const other = new LeakScanner(index, newCanary());
    for (const [, leaked] of CANARY_FORMS) expect(other.scan(wrap(leaked))).toEqual([]);
    const random = prng(42);
    const noise = Array.from({ length: 2000 }, () => Math.floor(random() * 256));
    const benign = [
      'The quick brown fox jumps over the lazy dog. '.repeat(20),
      b64(Buffer.from(noise).toString('latin1')),
      Buffer.from(noise).toString('hex'),
      'bst-cnry-aaaaaaaaaaaaaaaaaaaa bst-cnry- cnry tsb yrnc',
      encodeURIComponent('Ünïcödé and emoji 🎉 and %41%42 and 0x41, 0x42'),
    ];
    for (const text of benign) expect(scanner.scan(text)).toEqual([]);
  });
});

describe('verbatim overlap with the prompt', () => {
  const words = PROMPT.split(' ');

  it('finds 12 consecutive prompt words whatever the case, punctuation and spacing', () => {
    const run = words.slice(10, 22);
    const disguised = run.map((word, i) => (i % 2 ? word.toUpperCase() : `**${word}**`)).join(' \n ');
    const findings = scanner.scan(`As instructed: ${disguised} — that is all.`);
    expect(findings.map((finding) => finding.kind)).toEqual(['overlap']);
  });

  it('ignores 11 consecutive prompt words', () => {
    expect(scanner.scan(`I can say: ${words.slice(10, 21).join(' ')} and more.`)).toEqual([]);
  });

  it('a full echo is one contiguous set of spans covering it', () => {
    const findings = scanner.scan(`Sure: ${PROMPT}`);
    expect(findings.length).toBe(words.length - 12 + 1);
    expect(findings[0]?.start).toBe('Sure: '.length);
    expect(findings.at(-1)?.end).toBe(`Sure: ${PROMPT}`.length - 1); // the final "." is not a word
  });

  it('does not flag benign text made of the prompt’s own common words', () => {
    const common = [
      'you',
      'are',
      'the',
      'of',
      'and',
      'about',
      'a',
      'before',
      'if',
      'is',
      'to',
      'for',
      'orders',
      'customer',
      'support',
      'always',
      'never',
      'once',
    ];
    const random = prng(7);
    for (let trial = 0; trial < 200; trial++) {
      const text = Array.from({ length: 300 }, () => common[Math.floor(random() * common.length)]).join(' ');
      expect(scanner.scan(text)).toEqual([]);
    }
    const reply =
      'Thanks for reaching out! You are right that the order number is needed before I can look up the shipping status, so could you send it? If you prefer, the returns portal is always available.';
    expect(scanner.scan(reply)).toEqual([]);
  });

  it('short prompts use their whole length; tiny prompts rely on the canary alone', () => {
    const short = indexSystemPrompt('Answer only in French, politely.', 12);
    expect(short.overlap.n).toBe(5);
    expect(short.overlap.find('He said: answer ONLY in french — politely!')).toHaveLength(1);
    expect(indexSystemPrompt('Be brief.', 12).overlap.n).toBe(0);
  });

  it('the window is max(256, 2 x the longest n-word run of the prompt), at most 4096', () => {
    expect(index.windowChars).toBe(Math.max(DEFAULT_WINDOW_CHARS, 2 * index.overlap.longestRunChars));
    expect(index.overlap.longestRunChars).toBeGreaterThan(50);
    const longWords = Array.from({ length: 30 }, (_, i) => `supercalifragilistic${i}expialidocious`).join(
      ' ',
    );
    const wide = indexSystemPrompt(longWords, 12);
    expect(wide.windowChars).toBe(2 * wide.overlap.longestRunChars);
    expect(wide.windowChars).toBeGreaterThan(DEFAULT_WINDOW_CHARS);
    expect(indexSystemPrompt('x'.repeat(10_000).split('').join(' '), 200).windowChars).toBeLessThanOrEqual(
      MAX_WINDOW_CHARS,
    );
  });
});

/** Pushes deltas through a stream; returns what was released before a block, or the full output. */
const run = (stream: LeakStream, deltas: readonly string[], mode: 'block' | 'redact' = 'block') => {
  let released = '';
  let maxHeld = 0;
  const steps = deltas.map((delta) => () => stream.push(delta));
  for (const [i, step] of [...steps, () => stream.end()].entries()) {
    const { findings, release } = step();
    // A block-mode scan that finds a leak releases nothing; the guard then ends the response.
    if (mode === 'block' && findings.length > 0) return { released, blockedAt: i, maxHeld };
    maxHeld = Math.max(maxHeld, stream.heldChars);
    released += release;
  }
  return { released, blockedAt: undefined, maxHeld };
};

describe('streams: random splits into deltas', () => {
  const leaks: ReadonlyArray<readonly [string, string]> = [
    ...CANARY_FORMS,
    ['the prompt echoed', PROMPT],
    ['the sent prompt echoed (canary + prompt)', promptWithCanary({ text: PROMPT, canary: CANARY })],
  ];
  const filler = 'Let me think about that for a moment, it is a fair question to ask. '.repeat(8);

  it.each(leaks)('block: %s is caught, and no character of it was released before', (_label, leaked) => {
    for (let seed = 1; seed <= 60; seed++) {
      const random = prng(seed);
      // A random lead-in moves the leak to every position relative to the scan points.
      const leakStart = Math.floor(random() * filler.length);
      const text = `${filler.slice(0, leakStart)} ${leaked} ${filler}`;
      const deltas = randomSplits(text, random, 1 + Math.floor(random() * 40));
      const result = run(new LeakStream(scanner, 'block'), deltas);
      expect(result.blockedAt, `seed ${seed}`).toBeDefined();
      // Everything released is a prefix of the text that ends before the leak starts.
      expect(text.startsWith(result.released)).toBe(true);
      expect(result.released.length).toBeLessThanOrEqual(leakStart + 1);
      expect(result.maxHeld).toBeLessThan(new LeakStream(scanner, 'block').holdBound);
    }
  });

  it.each([
    ['plain', CANARY],
    ['base64 (offset 1)', b64(`x ${CANARY} y`)],
    ['hex 0x list', (hex(BODY).match(/../g) ?? []).map((byte) => `0x${byte}`).join(', ')],
    ['12 prompt words', PROMPT.split(' ').slice(3, 15).join(' ')],
    // As long as the guarantee goes: a canary spread over the whole window.
    [
      'canary spread over the window',
      [...BODY].join(' - '.padEnd(Math.floor((scanner.windowChars - BODY.length) / (BODY.length - 1)), ' ')),
    ],
  ])(
    'block, every alignment: %s never leaves, wherever it starts relative to the scans',
    (_label, leaked) => {
      expect(leaked.length).toBeLessThanOrEqual(scanner.windowChars);
      const bound = new LeakStream(scanner, 'block').holdBound;
      for (let leakStart = 0; leakStart <= bound; leakStart++) {
        // Spaces around the leak keep its first and last words whole.
        const text = `${filler.repeat(2).slice(0, leakStart)} ${leaked} ${filler}`;
        const result = run(new LeakStream(scanner, 'block'), [...text]);
        expect(result.blockedAt, `leak at ${leakStart}`).toBeDefined();
        expect(result.released.length, `leak at ${leakStart}`).toBeLessThanOrEqual(leakStart + 1);
      }
    },
  );

  it.each(leaks)('redact: %s is replaced the same way whatever the split', (_label, leaked) => {
    const text = `${filler}${leaked}${filler}`;
    const whole = run(new LeakStream(scanner, 'redact'), [text], 'redact').released;
    expect(whole.startsWith(filler)).toBe(true);
    expect(whole).toContain(REDACTION_MARKER);
    expect(whole).not.toContain(leaked);
    expect(scanner.scan(whole)).toEqual([]);
    for (let seed = 1; seed <= 60; seed++) {
      const random = prng(1000 + seed);
      const deltas = randomSplits(text, random, 1 + Math.floor(random() * 40));
      const stream = new LeakStream(scanner, 'redact');
      expect(run(stream, deltas, 'redact').released, `seed ${seed}`).toBe(whole);
    }
  });

  it('redact: a full echo becomes one marker', () => {
    const text = `Sure. ${PROMPT} Hope that helps.`;
    for (let seed = 1; seed <= 30; seed++) {
      const random = prng(seed);
      const out = run(new LeakStream(scanner, 'redact'), randomSplits(text, random, 12), 'redact').released;
      expect(out.split(REDACTION_MARKER)).toHaveLength(2);
      expect(out.startsWith('Sure. ')).toBe(true);
      expect(out.endsWith(' Hope that helps.')).toBe(true);
    }
  });

  it('benign streams pass unchanged, lagging by less than the hold bound (2 x the window)', () => {
    const text = 'Your order 1234 shipped yesterday and should arrive on Friday. 🎉 Ünïcödé ok. '.repeat(30);
    for (let seed = 1; seed <= 20; seed++) {
      const random = prng(seed);
      const stream = new LeakStream(scanner, 'block');
      let received = 0;
      let released = '';
      for (const delta of randomSplits(text, random, 30)) {
        received += delta.length;
        const step = stream.push(delta);
        expect(step.findings).toEqual([]);
        released += step.release;
        expect(received - released.length).toBeLessThan(stream.holdBound);
        expect(stream.heldChars).toBe(received - released.length);
      }
      released += stream.end().release;
      expect(released).toBe(text);
    }
  });

  it('scans a 100 KB text in one go quickly (JSON responses)', () => {
    const text = `${'word '.repeat(20_000)}${b64(CANARY)}`;
    const started = performance.now();
    const findings = scanner.scan(text);
    expect(performance.now() - started).toBeLessThan(500);
    expect(findings.map((finding) => finding.kind)).toContain('canary');
  });
});
