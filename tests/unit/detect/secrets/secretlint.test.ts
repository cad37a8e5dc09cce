import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { secretlintMatches } from '../../../../src/detect/secrets/secretlint.js';

describe('secretlint adapter', () => {
  it('leaves no profiler marks behind, so a scan of many files stays linear', async () => {
    // @secretlint/profiler 11.x marks every rule of every file and its observer scans all earlier
    // entries per mark (secretlint#1633): 32k files took minutes and the process did not exit.
    for (let i = 0; i < 20; i++) await secretlintMatches(`const a${i} = 1;\n`, `f${i}.js`);
    const marks = performance.getEntriesByType('mark').filter((m) => m.name.startsWith('@core>'));
    expect(marks).toHaveLength(0);
  });
});
