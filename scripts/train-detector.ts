/**
 * Trains the prompt-injection classifier and writes data/detector/model.json.
 *
 *   npm run train:detector                 # (= tsx scripts/train-detector.ts) CV threshold + final model
 *   tsx scripts/train-detector.ts --cv 5   # only print k-fold CV figures; writes nothing
 *   options: --data FILE (default ../shared/data/injection-dev.jsonl), --out FILE, --limit N (first N rows)
 *
 * Reproducible: fixed seeds and no clock, so the same data gives a byte-identical file.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FEATURE_BITS } from '../src/detect/injection/features.js';
import { encodeWeights } from '../src/detect/injection/model.js';
import { DEFAULT_TRAIN_OPTIONS } from '../src/detect/injection/train/logistic.js';
import type { TrainOptions } from '../src/detect/injection/train/logistic.js';
import {
  calibrate,
  crossValidate,
  finalScore,
  pickThreshold,
  readDevSet,
  rocAuc,
  trainOnRows,
} from '../src/detect/injection/train/pipeline.js';
import { DEFAULT_SAMPLE_OPTIONS } from '../src/detect/injection/train/pipeline.js';
import type { DevRow } from '../src/detect/injection/train/pipeline.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_DEV_SET = resolve(repoRoot, '../shared/data/injection-dev.jsonl');
export const DEFAULT_MODEL_OUT = resolve(repoRoot, 'data/detector/model.json');
const MAX_FPR = 0.01;
const FOLDS = 5;

export interface CvFigures {
  readonly folds: number;
  readonly tprAtFpr1: number;
  readonly fpr: number;
  readonly rocAuc: number;
  readonly classifierThreshold: number;
}

export function runCrossValidation(
  rows: readonly DevRow[],
  folds: number,
  options: TrainOptions = DEFAULT_TRAIN_OPTIONS,
): CvFigures {
  const scores = crossValidate(rows, folds, options);
  const point = pickThreshold(scores, MAX_FPR);
  const auc = rocAuc(
    scores.map((score) => score.label),
    scores.map((score) => finalScore(score, point.threshold)),
  );
  return { folds, tprAtFpr1: point.tpr, fpr: point.fpr, rocAuc: auc, classifierThreshold: point.threshold };
}

/**
 * The model file's JSON text: CV picks the threshold, then one model is trained on every row.
 * `options` exists for the determinism test (fewer epochs); the committed model uses the defaults.
 */
export function trainModelFile(
  rows: readonly DevRow[],
  dataSha256: string,
  options: TrainOptions = DEFAULT_TRAIN_OPTIONS,
  folds = FOLDS,
): { json: string; cv: CvFigures } {
  const cv = runCrossValidation(rows, folds, options);
  const trained = trainOnRows(rows, options.seed, options);
  const model = calibrate(trained.weights, trained.bias, cv.classifierThreshold);
  const file = {
    format: 'bastion-injection-lr',
    featureBits: FEATURE_BITS,
    bias: model.bias,
    threshold: model.threshold,
    training: {
      data: { rows: rows.length, sha256: dataSha256 },
      options,
      samples: DEFAULT_SAMPLE_OPTIONS,
      cv: { ...cv, maxFpr: MAX_FPR },
    },
    weights: encodeWeights(model.weights),
  };
  return { json: `${JSON.stringify(file, null, 1)}\n`, cv };
}

function argValue(argv: readonly string[], name: string): string | undefined {
  const index = argv.indexOf(name);
  return index >= 0 ? argv[index + 1] : undefined;
}

function main(argv: readonly string[]): void {
  const dataPath = resolve(argValue(argv, '--data') ?? DEFAULT_DEV_SET);
  const out = resolve(argValue(argv, '--out') ?? DEFAULT_MODEL_OUT);
  const limit = Number(argValue(argv, '--limit') ?? Number.POSITIVE_INFINITY);
  const raw = readFileSync(dataPath);
  const rows = readDevSet(dataPath).slice(0, limit);
  const cvFolds = argValue(argv, '--cv');
  const started = performance.now();
  if (cvFolds !== undefined) {
    const cv = runCrossValidation(rows, Number(cvFolds));
    console.log(
      `${cv.folds}-fold CV on ${rows.length} rows: TPR ${(cv.tprAtFpr1 * 100).toFixed(1)}% at FPR ` +
        `${(cv.fpr * 100).toFixed(2)}% (target <= 1%), ROC-AUC ${cv.rocAuc.toFixed(4)}`,
    );
    return;
  }
  const sha256 = createHash('sha256').update(raw).digest('hex');
  const { json, cv } = trainModelFile(rows, sha256);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, json);
  console.log(
    `wrote ${out} (${(json.length / 1024).toFixed(0)} KiB) in ${((performance.now() - started) / 1000).toFixed(1)} s; ` +
      `CV TPR ${(cv.tprAtFpr1 * 100).toFixed(1)}% at FPR ${(cv.fpr * 100).toFixed(2)}%, ROC-AUC ${cv.rocAuc.toFixed(4)}`,
  );
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2));
}
