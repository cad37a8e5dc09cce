/**
 * Training pipeline shared by scripts/train-detector.ts and bench/detector/run.ts: builds training
 * samples (dev rows + generated variants), runs stratified k-fold cross-validation with the full
 * detector (views + rules + classifier), picks the threshold for a target false-positive rate and
 * trains the final model. Reproducible: fixed seeds, no clocks, no Map/Set iteration-order surprises.
 */
import { readFileSync } from 'node:fs';
import { FeatureVector } from '../features.js';
import { createInjectionDetector } from '../model.js';
import type { DetectorModel } from '../model.js';
import { obfuscate, seededRandom } from '../obfuscate.js';
import { buildViews } from '../views.js';
import type { TextView } from '../views.js';
import { generatedAttacks, generatedBenign } from './corpus.js';
import { DEFAULT_TRAIN_OPTIONS, trainLogistic } from './logistic.js';
import type { Sample, TrainOptions } from './logistic.js';

export interface DevRow {
  readonly text: string;
  readonly label: 0 | 1;
}

export function readDevSet(path: string): DevRow[] {
  const rows: DevRow[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const parsed = JSON.parse(line) as { text?: unknown; label?: unknown };
    if (typeof parsed.text !== 'string' || (parsed.label !== 'injection' && parsed.label !== 'benign'))
      throw new Error('dev set: each line needs a string text and label injection|benign');
    rows.push({ text: parsed.text, label: parsed.label === 'injection' ? 1 : 0 });
  }
  return rows;
}

/** English template attacks are many; a fixed-seed sample keeps them from swamping the dev rows. */
const TEMPLATED_ATTACKS_USED = 500;
/** Auxiliary (decoded) views of benign text are weaker evidence than the text itself. */
const AUX_VIEW_WEIGHT = 0.5;

function sampleOf(features: FeatureVector, view: TextView | undefined, label: 0 | 1, weight: number): Sample {
  features.hash(view?.text ?? '', view?.cased);
  return { ...features.toSparse(), label, weight };
}

/**
 * Attacks train on their normalized text plus a leetspeak variant's folded view (folding is lossy:
 * "ru1es" becomes "ruies", so the model must learn those forms). Benign texts train on every view the
 * detector will score at run time (rot13 and leet views of benign text must stay low).
 */
export function buildSamples(rows: readonly DevRow[], seed: number): Sample[] {
  const random = seededRandom(seed);
  const features = new FeatureVector();
  const { templated, curated } = generatedAttacks();
  const pickedAttacks = [...curated];
  for (let i = 0; i < TEMPLATED_ATTACKS_USED; i++) {
    pickedAttacks.push(templated[Math.floor(random() * templated.length)] ?? '');
  }
  const attacks = [...rows.filter((row) => row.label === 1).map((row) => row.text), ...pickedAttacks];
  const benign = [...rows.filter((row) => row.label === 0).map((row) => row.text), ...generatedBenign()];
  // Balance classes: total positive weight equals total benign text weight.
  const positiveWeight = benign.length / Math.max(1, attacks.length);
  const samples: Sample[] = [];
  for (const text of attacks) {
    const views = buildViews(text);
    samples.push(sampleOf(features, views[0], 1, positiveWeight));
    const leet = buildViews(obfuscate(text, 'leet', random)).find((view) => view.kind === 'leet');
    if (leet !== undefined && random() < 0.5) samples.push(sampleOf(features, leet, 1, positiveWeight * 0.5));
  }
  for (const text of benign) {
    for (const view of buildViews(text)) {
      samples.push(sampleOf(features, view, 0, view.kind === 'text' ? 1 : AUX_VIEW_WEIGHT));
    }
  }
  return samples;
}

/** Out-of-fold detector output for one dev row. */
export interface FoldScore {
  readonly label: 0 | 1;
  /** Best classifier probability over views (uncalibrated, before rules). */
  readonly classifier: number;
  readonly ruleHit: boolean;
}

/** Stratified fold index per row, fixed by the seed. */
export function assignFolds(rows: readonly DevRow[], folds: number, seed: number): number[] {
  const random = seededRandom(seed);
  const assignment = new Array<number>(rows.length).fill(0);
  for (const label of [0, 1] as const) {
    const members = rows.flatMap((row, index) => (row.label === label ? [index] : []));
    for (let i = members.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [members[i], members[j]] = [members[j] ?? 0, members[i] ?? 0];
    }
    members.forEach((index, position) => (assignment[index] = position % folds));
  }
  return assignment;
}

export function crossValidate(
  rows: readonly DevRow[],
  folds: number,
  options: TrainOptions = DEFAULT_TRAIN_OPTIONS,
): FoldScore[] {
  const assignment = assignFolds(rows, folds, options.seed);
  const scores: FoldScore[] = new Array<FoldScore>(rows.length);
  for (let fold = 0; fold < folds; fold++) {
    const train = rows.filter((_, index) => assignment[index] !== fold);
    const trained = trainLogistic(buildSamples(train, options.seed + fold), options);
    const detector = createInjectionDetector({ ...trained, threshold: 0.5 });
    rows.forEach((row, index) => {
      if (assignment[index] !== fold) return;
      const result = detector.score(row.text);
      scores[index] = { label: row.label, classifier: result.classifier, ruleHit: result.rules.length > 0 };
    });
  }
  return scores;
}

export interface OperatingPoint {
  /** Classifier probability at or above which a text is flagged (rules flag regardless). */
  readonly threshold: number;
  readonly tpr: number;
  readonly fpr: number;
}

/**
 * The lowest classifier threshold whose false-positive rate (rule hits on benign rows included) stays
 * at or under `maxFpr`.
 */
export function pickThreshold(scores: readonly FoldScore[], maxFpr: number): OperatingPoint {
  const benign = scores.filter((score) => score.label === 0);
  const attacks = scores.filter((score) => score.label === 1);
  const allowed = Math.floor(maxFpr * benign.length) - benign.filter((score) => score.ruleHit).length;
  const candidates = benign
    .filter((score) => !score.ruleHit)
    .map((score) => score.classifier)
    .sort((a, b) => b - a);
  // Flag strictly above the (allowed+1)-th highest benign score.
  const boundary = allowed < 0 ? 1 : (candidates[allowed] ?? 0);
  const threshold = Math.min(0.999999, boundary + 1e-9);
  const flagged = (score: FoldScore): boolean => score.ruleHit || score.classifier >= threshold;
  return {
    threshold,
    tpr: attacks.filter(flagged).length / Math.max(1, attacks.length),
    fpr: benign.filter(flagged).length / Math.max(1, benign.length),
  };
}

/** Shifts the bias so the chosen threshold maps to 0.5: callers then flag at score ≥ 0.5. */
export function calibrate(weights: Float32Array, bias: number, threshold: number): DetectorModel {
  const logit = Math.log(threshold / (1 - threshold));
  return { weights, bias: bias - logit, threshold: 0.5 };
}

/** Final calibrated score the detector would report, for ROC-AUC. */
export function finalScore(score: FoldScore, threshold: number): number {
  const logit = Math.log(threshold / (1 - threshold));
  const p = Math.min(1 - 1e-12, Math.max(1e-12, score.classifier));
  const calibrated = 1 / (1 + Math.exp(-(Math.log(p / (1 - p)) - logit)));
  return score.ruleHit ? Math.max(calibrated, 0.95) : calibrated;
}

/** ROC-AUC by the rank statistic (ties count half). */
export function rocAuc(labels: readonly (0 | 1)[], scores: readonly number[]): number {
  const order = scores
    .map((score, index) => ({ score, label: labels[index] ?? 0 }))
    .sort((a, b) => a.score - b.score);
  let rankSum = 0;
  let positives = 0;
  let i = 0;
  while (i < order.length) {
    let j = i;
    while (j < order.length && order[j]?.score === order[i]?.score) j++;
    const averageRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) {
      if (order[k]?.label === 1) {
        rankSum += averageRank;
        positives++;
      }
    }
    i = j;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
