/**
 * The encodings and obfuscations the detector is built to see through. Used to generate training
 * variants, by the metamorphic tests and by the benchmark. Deterministic given the random source.
 */
import { rot13 } from './views.js';

export type Obfuscation =
  'base64' | 'hex' | 'rot13' | 'url' | 'leet' | 'zero-width' | 'homoglyph' | 'bidi' | 'tags';

export const OBFUSCATIONS: readonly Obfuscation[] = [
  'base64',
  'hex',
  'rot13',
  'url',
  'leet',
  'zero-width',
  'homoglyph',
  'bidi',
  'tags',
];

/** A seeded PRNG (mulberry32): training and tests must be reproducible. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LEET: Readonly<Record<string, string>> = { a: '4', e: '3', i: '1', o: '0', s: '5', t: '7', l: '1' };
const HOMOGLYPH: Readonly<Record<string, string>> = {
  a: 'а',
  e: 'е',
  o: 'о',
  p: 'р',
  c: 'с',
  y: 'у',
  x: 'х',
  i: 'і',
  s: 'ѕ',
  j: 'ј',
};
const ZERO_WIDTH = ['\u200b', '\u200c', '\u200d', '\u2060', '\ufeff'];

function mapLetters(
  text: string,
  random: () => number,
  rate: number,
  table: Readonly<Record<string, string>>,
): string {
  let out = '';
  for (const char of text) {
    const replacement = table[char.toLowerCase()];
    out += replacement !== undefined && random() < rate ? replacement : char;
  }
  return out;
}

/** Applies one obfuscation to the whole text. */
export function obfuscate(text: string, kind: Obfuscation, random: () => number = seededRandom(1)): string {
  switch (kind) {
    case 'base64':
      return Buffer.from(text, 'utf8').toString('base64');
    case 'hex':
      return Buffer.from(text, 'utf8').toString('hex');
    case 'rot13':
      return rot13(text);
    case 'url':
      return encodeURIComponent(text);
    case 'leet':
      return mapLetters(text, random, 0.8, LEET);
    case 'homoglyph':
      return mapLetters(text, random, 0.6, HOMOGLYPH);
    case 'zero-width': {
      let out = '';
      for (const char of text)
        out += char + (random() < 0.5 ? (ZERO_WIDTH[Math.floor(random() * ZERO_WIDTH.length)] ?? '') : '');
      return out;
    }
    case 'bidi':
      // Right-to-left override + pop around each word: renders reversed, reads the same to a model.
      return text.replace(/\S+/g, (word) => `\u202e${word}\u202c`);
    case 'tags': {
      // ASCII smuggled as invisible Unicode tag characters after a harmless visible sentence.
      let hidden = '';
      for (const char of text) {
        const code = char.charCodeAt(0);
        if (code >= 0x20 && code <= 0x7e) hidden += String.fromCodePoint(0xe0000 + code);
      }
      return `Please summarise this.${hidden}`;
    }
  }
}
