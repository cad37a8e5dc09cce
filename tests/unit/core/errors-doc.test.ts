import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderErrorsDoc } from '../../../scripts/errors-doc.js';
import { ERROR_CATALOG } from '../../../src/core/errors.js';

describe('docs/errors.md', () => {
  it('is in sync with the error catalog (run `npm run docs:errors` to regenerate)', () => {
    const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
    expect(doc).toBe(renderErrorsDoc());
    for (const code of Object.keys(ERROR_CATALOG)) expect(doc).toContain(`\`${code}\``);
  });
});
