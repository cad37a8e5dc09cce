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
import type { Family } from './corpus.js';
import { DEFAULT_TRAIN_OPTIONS, trainModel } from './logistic.js';
import type { Sample, TrainedWeights, TrainOptions } from './logistic.js';

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

/** How the training set is assembled from dev rows and generated material. */
export interface SampleOptions {
  /** Loss weight of a generated text relative to a dev row of the same class. */
  readonly generatedWeight: number;
  /** Dev-row concatenations added per run (benign + attack → attack, benign + benign → benign). */
  readonly concatenations: number;
  /** Auxiliary (decoded) views of benign text are weaker evidence than the text itself. */
  readonly auxViewWeight: number;
  /** Weight of the best-scoring segment of a multi-part attack row (second training pass). */
  readonly segmentWeight: number;
  /** Whether to run the second (segment) pass at all. */
  readonly segmentPass: boolean;
}

export const DEFAULT_SAMPLE_OPTIONS: SampleOptions = {
  generatedWeight: 0.5,
  concatenations: 400,
  auxViewWeight: 0.5,
  segmentWeight: 0.3,
  segmentPass: true,
};

function sampleOf(features: FeatureVector, view: TextView | undefined, label: 0 | 1, weight: number): Sample {
  features.hash(view?.text ?? '', view?.cased);
  return { ...features.toSparse(), label, weight };
}

/** A fixed-seed sample of each family (whole families when `take` is unset). */
function drawFamilies(families: readonly Family[], random: () => number): string[] {
  const out: string[] = [];
  for (const family of families) {
    if (family.take === undefined || family.take >= family.texts.length) {
      out.push(...family.texts);
      continue;
    }
    for (let i = 0; i < family.take; i++)
      out.push(family.texts[Math.floor(random() * family.texts.length)] ?? '');
  }
  return out;
}

const pick = (texts: readonly string[], random: () => number): string =>
  texts[Math.floor(random() * texts.length)] ?? '';

/**
 * Training samples for one run. `rows` are the training fold only: every variant made from a dev row
 * (its leetspeak form, its concatenation with another row) is built from training-fold rows, so no
 * variant of a held-out row is ever trained on. Generated families do not derive from dev rows.
 *
 * Attacks train on their normalized text plus a leetspeak variant's folded view (folding is lossy:
 * "ru1es" becomes "ruies", so the model must learn those forms). Benign texts train on every view the
 * detector will score at run time (rot13 and leet views of benign text must stay low).
 */
export function buildSamples(
  rows: readonly DevRow[],
  seed: number,
  options: SampleOptions = DEFAULT_SAMPLE_OPTIONS,
  /** Extra positive texts at full weight (the attack-bearing segments of multi-part attack rows). */
  segments: readonly string[] = [],
): Sample[] {
  const random = seededRandom(seed);
  const features = new FeatureVector();
  const devAttacks = rows.filter((row) => row.label === 1).map((row) => row.text);
  const devBenign = rows.filter((row) => row.label === 0).map((row) => row.text);
  const attacks: { text: string; weight: number }[] = devAttacks.map((text) => ({ text, weight: 1 }));
  const benign: { text: string; weight: number }[] = devBenign.map((text) => ({ text, weight: 1 }));
  for (const text of segments) attacks.push({ text, weight: options.segmentWeight });
  for (const text of drawFamilies(generatedAttacks(), random))
    attacks.push({ text, weight: options.generatedWeight });
  for (const text of drawFamilies(generatedBenign(), random))
    benign.push({ text, weight: options.generatedWeight });
  // An attack inside ordinary text is still an attack; two ordinary texts together are still ordinary.
  if (devAttacks.length > 0 && devBenign.length > 1) {
    for (let i = 0; i < options.concatenations; i++) {
      const context = pick(devBenign, random);
      const attack = pick(devAttacks, random);
      attacks.push({ text: random() < 0.5 ? `${context}\n${attack}` : `${attack}\n${context}`, weight: 0.5 });
      benign.push({ text: `${context}\n${pick(devBenign, random)}`, weight: 0.5 });
    }
  }
  // Balance classes: total positive weight equals total benign text weight.
  const total = (list: readonly { weight: number }[]): number =>
    list.reduce((sum, item) => sum + item.weight, 0);
  const positiveWeight = total(benign) / Math.max(1, total(attacks));
  const samples: Sample[] = [];
  for (const { text, weight } of attacks) {
    const views = buildViews(text);
    samples.push(sampleOf(features, views[0], 1, positiveWeight * weight));
    const leet = buildViews(obfuscate(text, 'leet', random)).find((view) => view.kind === 'leet');
    if (leet !== undefined && random() < 0.5)
      samples.push(sampleOf(features, leet, 1, positiveWeight * weight * 0.5));
  }
  for (const { text, weight } of benign) {
    for (const view of buildViews(text)) {
      samples.push(sampleOf(features, view, 0, weight * (view.kind === 'text' ? 1 : options.auxViewWeight)));
    }
  }
  return samples;
}

/** Sentence-like parts: split after . ! ? and at line breaks; parts under 12 characters join the next. */
export function segmentsOf(text: string): string[] {
  const parts: string[] = [];
  let pending = '';
  for (const part of text.split(/(?<=[.!?])\s+|\n+/)) {
    pending = pending === '' ? part : `${pending} ${part}`;
    if (pending.trim().length >= 12) {
      parts.push(pending.trim());
      pending = '';
    }
  }
  if (pending.trim() !== '') parts.push(pending.trim());
  return parts;
}

/**
 * Trains on `rows` in two passes. Many attack rows are an ordinary question followed by the injection
 * (and the question alone may be a benign row elsewhere): pass one trains on whole rows, then the
 * segment of each multi-part attack row that pass one scores highest is added as a positive sample
 * and the model is trained again, so the weight goes to the injection, not to the innocent prefix.
 * Only training rows are segmented (no held-out row is touched).
 */
export function trainOnRows(
  rows: readonly DevRow[],
  seed: number,
  options: TrainOptions = DEFAULT_TRAIN_OPTIONS,
  sampleOptions: SampleOptions = DEFAULT_SAMPLE_OPTIONS,
): TrainedWeights {
  const first = trainModel(buildSamples(rows, seed, sampleOptions), options);
  if (!sampleOptions.segmentPass) return first;
  const features = new FeatureVector();
  const segments: string[] = [];
  for (const row of rows) {
    if (row.label !== 1) continue;
    const parts = segmentsOf(row.text);
    if (parts.length < 2) continue;
    let best = '';
    let bestScore = Number.NEGATIVE_INFINITY;
    for (const part of parts) {
      const view = buildViews(part)[0];
      features.hash(view?.text ?? '', view?.cased);
      const score = features.dot(first.weights);
      if (score > bestScore) {
        bestScore = score;
        best = part;
      }
    }
    segments.push(best);
  }
  return trainModel(buildSamples(rows, seed, sampleOptions, segments), options);
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
    const trained = trainOnRows(train, options.seed + fold, options);
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
