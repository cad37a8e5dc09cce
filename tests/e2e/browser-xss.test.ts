/**
 * The XSS defence checked where it matters: in a real browser. Payloads that run script when
 * inserted with innerHTML (event handlers, javascript: links, srcdoc, SVG) are returned by the
 * fake provider; what the SDK client receives from Bastion is rendered in Chromium and every link
 * is clicked. The raw payloads, rendered the same way, must trip the detector (so the test can fail).
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { clientText } from '../helpers/sdk-output.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const MARK = 'window.top.__xss=(window.top.__xss||0)+1';

/** Payloads that execute under innerHTML (or a click), each reporting through MARK. */
const LIVE_PAYLOADS = [
  `<img src=x onerror="${MARK}">`,
  `<svg><image href=x onerror="${MARK}"></image></svg>`,
  `<a id=l1 href="javascript:${MARK}">click</a>`,
  `<iframe srcdoc="<script>${MARK}</script>"></iframe>`,
  `<details open ontoggle="${MARK}"><summary>s</summary></details>`,
  `<video><source onerror="${MARK}"></video>`,
  `<p><object data="data:text/html,<script>${MARK}</script>"></object></p>`,
  `<input autofocus onfocus="${MARK}">`,
];

const available = existsSync(CHROMIUM);
if (!available && process.env.CI) throw new Error(`Chromium not found at ${CHROMIUM}; .ci/run installs it`);

let browser: Browser;
let page: Page | undefined;
let gw: TestGateway;

beforeAll(async () => {
  if (!available) return;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  gw = await startTestGateway();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await gw?.close();
});

/** Renders `html` into a fresh document, clicks every link, and returns how many payloads ran. */
async function executions(html: string): Promise<number> {
  // A fresh page each time: setContent keeps the window (and its counter) of the previous document.
  await page?.close();
  page = await browser.newPage();
  await page.setContent('<!doctype html><html><body><div id="out"></div></body></html>');
  // Runs in the page; typed loosely because this project compiles without the DOM library.
  await page.evaluate((markup) => {
    const doc = (globalThis as unknown as { document: { getElementById(id: string): { innerHTML: string } } })
      .document;
    doc.getElementById('out').innerHTML = markup;
  }, html);
  const current = page;
  for (const link of await current.locator('#out a').all())
    await link.click({ timeout: 1_000 }).catch(() => undefined);
  await current.waitForTimeout(300);
  return current.evaluate(() => (globalThis as unknown as { __xss?: number }).__xss ?? 0);
}

describe.skipIf(!available)('XSS through model output, in Chromium', () => {
  it('the raw payloads do run (the detector works)', async () => {
    expect(await executions(LIVE_PAYLOADS.join('\n'))).toBeGreaterThanOrEqual(4);
  });

  it.each(['openai', 'anthropic'] as const)('nothing runs from what the %s client receives', async (wire) => {
    for (const stream of [false, true]) {
      const text = LIVE_PAYLOADS.join('\n');
      gw.fake.enqueue({ kind: 'reply', text, deltas: [...text] });
      const received = await clientText(gw, wire, 'render this', stream);
      expect(received.error).toBeUndefined();
      expect(await executions(received.text)).toBe(0);
    }
  });
});
