import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { trainModelFile, DEFAULT_DEV_SET } from '../../../../scripts/train-detector.js';
import { parseModel } from '../../../../src/detect/injection/model.js';
import { DEFAULT_TRAIN_OPTIONS } from '../../../../src/detect/injection/train/logistic.js';
import { pickThreshold, readDevSet, rocAuc } from '../../../../src/detect/injection/train/pipeline.js';
import type { FoldScore } from '../../../../src/detect/injection/train/pipeline.js';

const haveDevSet = existsSync(DEFAULT_DEV_SET);
if (!haveDevSet)
  console.warn(`[skip] detector training test: ${DEFAULT_DEV_SET} not found (../shared is absent)`);

describe('training', () => {
  it.skipIf(!haveDevSet)(
    'is deterministic: training twice on a subset gives the same file',
    () => {
      const rows = readDevSet(DEFAULT_DEV_SET).slice(0, 200);
      // Few epochs and two folds keep this fast; determinism does not depend on the epoch count.
      const options = { ...DEFAULT_TRAIN_OPTIONS, epochs: 1 };
      const first = trainModelFile(rows, 'subset', options, 2);
      const second = trainModelFile(rows, 'subset', options, 2);
      expect(second.json).toBe(first.json);
      const model = parseModel(first.json);
      expect(model.threshold).toBe(0.5);
      expect(first.cv.rocAuc).toBeGreaterThan(0.5);
    },
    120_000,
  );

  it('ROC-AUC and threshold picking follow their definitions', () => {
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])).toBe(1);
    expect(rocAuc([0, 1], [0.5, 0.5])).toBe(0.5);
    expect(rocAuc([1, 0], [0.1, 0.9])).toBe(0);
    const scores: FoldScore[] = [
      ...Array.from({ length: 100 }, (_, i) => ({ label: 0 as const, classifier: i / 200, ruleHit: false })),
      ...Array.from({ length: 10 }, (_, i) => ({
        label: 1 as const,
        classifier: 0.95 + i / 1000,
        ruleHit: false,
      })),
      { label: 1, classifier: 0.01, ruleHit: true },
    ];
    const point = pickThreshold(scores, 0.01);
    expect(point.fpr).toBeLessThanOrEqual(0.01);
    expect(point.tpr).toBe(1);
    expect(point.threshold).toBeGreaterThan(0.49);
    expect(point.threshold).toBeLessThan(0.495);
  });
});
