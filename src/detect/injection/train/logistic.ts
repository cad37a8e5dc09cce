/**
 * Logistic regression by SGD with L2 regularization on sparse, L2-normalized rows. Uses the
 * weight-scale trick (w = scale · v) so the L2 shrink of all 2^18 weights costs O(1) per step.
 * Deterministic: the only randomness is the seeded shuffle.
 */
import { FEATURE_DIM } from '../features.js';
import { seededRandom } from '../obfuscate.js';

export interface Sample {
  readonly indices: Int32Array;
  readonly values: Float32Array;
  readonly label: 0 | 1;
  /** Loss weight (class balancing, down-weighted auxiliary views). */
  readonly weight: number;
}

export interface TrainOptions {
  readonly epochs: number;
  readonly lambda: number;
  readonly learningRate: number;
  readonly seed: number;
  /** Naive-Bayes log-count-ratio feature scaling (NBSVM); 0 = off, else the smoothing alpha. */
  readonly nbAlpha?: number;
}

export const DEFAULT_TRAIN_OPTIONS: TrainOptions = {
  epochs: 20,
  lambda: 2e-6,
  learningRate: 1,
  seed: 42,
  nbAlpha: 0.003,
};

export interface TrainedWeights {
  readonly weights: Float32Array;
  readonly bias: number;
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

function shuffle(order: Int32Array, random: () => number): void {
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = order[i] ?? 0;
    order[i] = order[j] ?? 0;
    order[j] = tmp;
  }
}

export function trainLogistic(
  samples: readonly Sample[],
  options: TrainOptions = DEFAULT_TRAIN_OPTIONS,
): TrainedWeights {
  const v = new Float64Array(FEATURE_DIM);
  let scale = 1;
  let bias = 0;
  let step = 0;
  const random = seededRandom(options.seed);
  const order = new Int32Array(samples.length).map((_, i) => i);
  const sum = new Float64Array(FEATURE_DIM);
  let biasSum = 0;
  let snapshots = 0;
  const averageFrom = Math.floor(options.epochs / 2);
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    shuffle(order, random);
    for (const position of order) {
      const sample = samples[position];
      if (sample === undefined) continue;
      const eta = options.learningRate / (1 + options.learningRate * options.lambda * step);
      step++;
      let dot = 0;
      for (let k = 0; k < sample.indices.length; k++)
        dot += (v[sample.indices[k] ?? 0] ?? 0) * (sample.values[k] ?? 0);
      const gradient = (sigmoid(scale * dot + bias) - sample.label) * sample.weight;
      scale *= 1 - eta * options.lambda;
      if (gradient !== 0) {
        const delta = (eta * gradient) / scale;
        for (let k = 0; k < sample.indices.length; k++) {
          const index = sample.indices[k] ?? 0;
          v[index] = (v[index] ?? 0) - delta * (sample.values[k] ?? 0);
        }
        bias -= eta * gradient * 0.1;
      }
      if (scale < 1e-6) {
        for (let i = 0; i < v.length; i++) v[i] = (v[i] ?? 0) * scale;
        scale = 1;
      }
    }
    // Average the end-of-epoch weights of the second half: less dependence on the last few shuffled
    // samples, so the model (and the CV figure) varies less with the seed.
    if (epoch >= averageFrom) {
      for (let i = 0; i < v.length; i++) sum[i] = (sum[i] ?? 0) + (v[i] ?? 0) * scale;
      biasSum += bias;
      snapshots++;
    }
  }
  const weights = new Float32Array(FEATURE_DIM);
  for (let i = 0; i < sum.length; i++) weights[i] = (sum[i] ?? 0) / snapshots;
  return { weights, bias: biasSum / snapshots };
}

/** NB log-count ratios per feature from |value| mass per class (smoothing alpha). */
export function nbRatios(samples: readonly Sample[], alpha: number): Float32Array {
  const pos = new Float64Array(FEATURE_DIM).fill(alpha);
  const neg = new Float64Array(FEATURE_DIM).fill(alpha);
  for (const sample of samples) {
    const target = sample.label === 1 ? pos : neg;
    for (let k = 0; k < sample.indices.length; k++) {
      const index = sample.indices[k] ?? 0;
      target[index] = (target[index] ?? 0) + Math.abs(sample.values[k] ?? 0) * sample.weight;
    }
  }
  let posSum = 0;
  let negSum = 0;
  for (let i = 0; i < FEATURE_DIM; i++) {
    posSum += pos[i] ?? 0;
    negSum += neg[i] ?? 0;
  }
  const r = new Float32Array(FEATURE_DIM);
  for (let i = 0; i < FEATURE_DIM; i++)
    r[i] = Math.abs(Math.log((pos[i] ?? 1) / posSum / ((neg[i] ?? 1) / negSum)));
  return r;
}

export function trainModel(
  samples: readonly Sample[],
  options: TrainOptions = DEFAULT_TRAIN_OPTIONS,
): TrainedWeights {
  if (!options.nbAlpha) return trainLogistic(samples, options);
  const r = nbRatios(samples, options.nbAlpha);
  const scaled = samples.map((sample) => ({
    ...sample,
    values: sample.values.map((value, k) => value * (r[sample.indices[k] ?? 0] ?? 0)),
  }));
  const trained = trainLogistic(scaled, options);
  const weights = trained.weights.map((w, i) => w * (r[i] ?? 0));
  return { weights, bias: trained.bias };
}
