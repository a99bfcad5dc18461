// Multinomial logistic regression (softmax) over sparse features, trained with AdaGrad.
// Each feature keeps weights only for the classes whose training texts contain it, plus `none`:
// scoring a message then touches a few postings per feature, so 2000 entries stay fast. In a large
// knowledge base a feature found in very many classes ("openrouter", "error") says little about which
// entry applies and keeps a weight for `none` only. Deterministic: a seeded shuffle, no randomness elsewhere.
import type { SparseFeatures } from './features.ts';

export interface TrainingExample {
  features: SparseFeatures;
  /** Index into the model's classes: the class this text belongs to. */
  label?: number;
  /** Or only the class it does NOT belong to ("not this entry"), when the right one is unknown. */
  notLabel?: number;
  weight?: number;
}

export interface TrainingOptions {
  epochs?: number;
  learningRate?: number;
  /** L2 penalty per update, scaled by the learning rate. */
  l2?: number;
  seed?: number;
  /** A feature seen in more classes than this keeps a weight for `none` only. */
  crowdedClasses?: number;
}

export interface LinearModel {
  classes: string[];
  /** Class probabilities, in the order of `classes`. */
  probabilities(features: SparseFeatures): Float64Array;
}

const DEFAULTS: Required<Omit<TrainingOptions, 'crowdedClasses'>> = {
  epochs: 10,
  learningRate: 0.5,
  l2: 1e-5,
  seed: 7,
};

/** Texts × passes that training aims for when no epoch count is given. */
const EPOCH_BUDGET = 60_000;

/** mulberry32: a small seeded PRNG, so training order (and the model) is the same every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Encoded {
  ids: Int32Array;
  values: Float64Array;
  label: number;
  notLabel: number;
  weight: number;
}

export function trainLinearModel(
  classes: string[],
  noneClass: number,
  examples: TrainingExample[],
  options: TrainingOptions = {},
): LinearModel {
  const { learningRate, l2, seed } = { ...DEFAULTS, ...options };
  // Fewer passes over a large set: 30,000 texts (2000 entries) learn enough in 3, and load in seconds.
  const epochs =
    options.epochs ??
    Math.max(3, Math.min(DEFAULTS.epochs, Math.round(EPOCH_BUDGET / Math.max(1, examples.length))));
  const classCount = classes.length;

  // Feature names become numbers once, so the training loop does no string hashing.
  const featureIds = new Map<string, number>();
  const supportSets: Set<number>[] = [];
  const encoded: Encoded[] = examples.map((example) => {
    const ids = new Int32Array(example.features.size);
    const values = new Float64Array(example.features.size);
    let i = 0;
    for (const [name, value] of example.features) {
      let id = featureIds.get(name);
      if (id === undefined) {
        id = featureIds.size;
        featureIds.set(name, id);
        supportSets.push(new Set([noneClass]));
      }
      if (example.label !== undefined) supportSets[id]!.add(example.label);
      if (example.notLabel !== undefined) supportSets[id]!.add(example.notLabel);
      ids[i] = id;
      values[i++] = value;
    }
    return {
      ids,
      values,
      label: example.label ?? -1,
      notLabel: example.notLabel ?? -1,
      weight: example.weight ?? 1,
    };
  });

  // Which classes each feature may weigh in on. Up to 64 classes every feature may weigh in on all
  // of its classes (the bias too, so each entry has a prior): cross-validated recall at precision 0.9
  // rose from 0.21 to 0.26 over a limit of 24 (tools/compare-classifiers.ts). Beyond that the limit
  // keeps 2000 entries fast.
  const crowded = options.crowdedClasses ?? Math.max(64, Math.ceil(classCount / 50));
  const postingClasses: Int32Array[] = supportSets.map((set) =>
    set.size > crowded ? Int32Array.of(noneClass) : Int32Array.from([...set].sort((a, b) => a - b)),
  );
  const weights = postingClasses.map((ids) => new Float64Array(ids.length));
  const gradSquares = postingClasses.map((ids) => new Float64Array(ids.length).fill(1e-8));

  // Sparse softmax: only the classes some feature of the text weighs in on get a score; all the
  // others score 0 and share one term of the denominator. 2000 entries cost no more per text than 20.
  const scores = new Float64Array(classCount);
  const p = new Float64Array(classCount);
  const stamp = new Int32Array(classCount).fill(-1);
  const touched = new Int32Array(classCount);
  let touchedCount = 0;
  let mark = 0;
  const touch = (c: number) => {
    if (stamp[c] === mark) return;
    stamp[c] = mark;
    scores[c] = 0;
    touched[touchedCount++] = c;
  };
  /** Scores the text's classes; returns the probability every untouched class has. */
  const score = (ids: ArrayLike<number>, values: ArrayLike<number>, extra: number[]): number => {
    mark++;
    touchedCount = 0;
    for (const c of extra) if (c >= 0) touch(c);
    for (let f = 0; f < ids.length; f++) {
      const cls = postingClasses[ids[f]!]!;
      const w = weights[ids[f]!]!;
      for (let k = 0; k < cls.length; k++) {
        touch(cls[k]!);
        scores[cls[k]!]! += w[k]! * values[f]!;
      }
    }
    const untouched = classCount - touchedCount;
    let max = untouched > 0 ? 0 : -Infinity;
    for (let i = 0; i < touchedCount; i++) max = Math.max(max, scores[touched[i]!]!);
    let sum = untouched * Math.exp(-max);
    for (let i = 0; i < touchedCount; i++) {
      const c = touched[i]!;
      p[c] = Math.exp(scores[c]! - max);
      sum += p[c]!;
    }
    for (let i = 0; i < touchedCount; i++) p[touched[i]!]! /= sum;
    return Math.exp(-max) / sum;
  };

  const random = seededRandom(seed);
  const order = encoded.map((_, i) => i);
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const index of order) {
      const { ids, values, label, notLabel, weight } = encoded[index]!;
      score(ids, values, [label, notLabel, noneClass]);
      // Cross-entropy for a known class; for "not this class", -log(1 - p[notLabel]).
      const notShare = notLabel >= 0 ? p[notLabel]! / Math.max(1e-9, 1 - p[notLabel]!) : 0;
      for (let f = 0; f < ids.length; f++) {
        const cls = postingClasses[ids[f]!]!;
        const w = weights[ids[f]!]!;
        const g2 = gradSquares[ids[f]!]!;
        for (let k = 0; k < cls.length; k++) {
          const c = cls[k]!;
          const error =
            label >= 0 ? p[c]! - (c === label ? 1 : 0) : c === notLabel ? p[c]! : -p[c]! * notShare;
          const gradient = weight * error * values[f]! + l2 * w[k]!;
          if (gradient === 0) continue;
          g2[k]! += gradient * gradient;
          w[k]! -= (learningRate * gradient) / Math.sqrt(g2[k]!);
        }
      }
    }
  }

  return {
    classes,
    probabilities(features) {
      const ids: number[] = [];
      const values: number[] = [];
      for (const [name, value] of features) {
        const id = featureIds.get(name);
        if (id === undefined) continue;
        ids.push(id);
        values.push(value);
      }
      const rest = score(ids, values, [noneClass]);
      const out = new Float64Array(classCount).fill(rest);
      for (let i = 0; i < touchedCount; i++) out[touched[i]!] = p[touched[i]!]!;
      return out;
    },
  };
}
