/**
 * The injection detector: views (normalized + decoded) → rules + logistic regression over hashed
 * n-grams → one score in [0, 1]. Score = max over views of sigmoid(w·x + b), lifted to at least
 * RULE_SCORE when a rule matches.
 *
 * Weights live in data/detector/model.json (written by scripts/train-detector.ts): Float32 little-endian
 * weights as base64, a bias and the threshold chosen for a 1% false-positive rate in cross-validation.
 */
import { readFileSync } from 'node:fs';
import { FEATURE_BITS, FEATURE_DIM, FeatureVector } from './features.js';
import { matchRulesGated, RULE_ANCHORS, RULE_SCORE } from './rules.js';
import { buildViews } from './views.js';
import type { ViewKind } from './views.js';

/** data/detector/model.json at the repo root; the same relative path works from src/ and dist/. */
export const DEFAULT_MODEL_URL = new URL('../../../data/detector/model.json', import.meta.url);

export interface DetectorModel {
  readonly weights: Float32Array;
  readonly bias: number;
  /** Default decision threshold on the final score. */
  readonly threshold: number;
}

export interface InjectionScore {
  /** 0..1; ≥ threshold means "looks like an injection". */
  readonly score: number;
  /** The first rule that matched (at most one: matching stops there), empty when only the classifier spoke. */
  readonly rules: string[];
  /** Best classifier probability over views, before rules lift it. */
  readonly classifier: number;
  /** Which view scored highest: shows whether the attack was encoded. */
  readonly view: ViewKind;
}

export interface InjectionDetector {
  readonly threshold: number;
  score(text: string): InjectionScore;
}

/** The on-disk shape; extra fields (training metadata) are ignored. */
interface ModelFile {
  readonly format: 'bastion-injection-lr';
  readonly featureBits: number;
  readonly bias: number;
  readonly threshold: number;
  readonly weights: string;
}

export function encodeWeights(weights: Float32Array): string {
  return Buffer.from(weights.buffer, weights.byteOffset, weights.byteLength).toString('base64');
}

/** Validates and decodes a model file's JSON text; throws on anything unexpected (fail closed). */
export function parseModel(json: string): DetectorModel {
  const file = JSON.parse(json) as Partial<ModelFile>;
  if (file.format !== 'bastion-injection-lr' || file.featureBits !== FEATURE_BITS)
    throw new Error('detector model: unsupported format or feature size');
  if (typeof file.bias !== 'number' || !Number.isFinite(file.bias))
    throw new Error('detector model: bad bias');
  if (typeof file.threshold !== 'number' || !(file.threshold > 0 && file.threshold < 1))
    throw new Error('detector model: bad threshold');
  if (typeof file.weights !== 'string') throw new Error('detector model: missing weights');
  const bytes = Buffer.from(file.weights, 'base64');
  if (bytes.byteLength !== FEATURE_DIM * 4) throw new Error('detector model: wrong weight count');
  // Copy into an aligned buffer: Buffer views may start at an unaligned offset.
  const weights = new Float32Array(FEATURE_DIM);
  new Uint8Array(weights.buffer).set(bytes);
  for (const weight of weights)
    if (!Number.isFinite(weight)) throw new Error('detector model: non-finite weight');
  return { weights, bias: file.bias, threshold: file.threshold };
}

export function loadModel(url: URL | string = DEFAULT_MODEL_URL): DetectorModel {
  return parseModel(readFileSync(url, 'utf8'));
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/** Classifier probability for one already-normalized text (no rules, no views). */
export function classifierScore(
  model: DetectorModel,
  features: FeatureVector,
  normalized: string,
  cased?: string,
): number {
  features.hash(normalized, cased);
  return sigmoid(features.dot(model.weights) + model.bias);
}

/**
 * Builds a detector around a loaded model (default: data/detector/model.json, read once). Calls are
 * synchronous; the detector owns one scratch feature vector, so it is safe on Node's single thread.
 */
export function createInjectionDetector(model: DetectorModel = loadModel()): InjectionDetector {
  const features = new FeatureVector(RULE_ANCHORS);
  return {
    threshold: model.threshold,
    score(text: string): InjectionScore {
      const views = buildViews(text);
      let best = 0;
      let view: ViewKind = 'text';
      const rules: string[] = [];
      for (const candidate of views) {
        features.hash(candidate.text, candidate.cased);
        // Rules run on the words this view's hashing saw (anchor gate), not in a second scan.
        if (rules.length === 0) matchRulesGated(candidate.text, features.anchorMask, rules, true);
        const probability = sigmoid(features.dot(model.weights) + model.bias);
        if (probability > best) {
          best = probability;
          view = candidate.kind;
        }
      }
      return { score: rules.length > 0 ? Math.max(best, RULE_SCORE) : best, rules, classifier: best, view };
    },
  };
}
