// Multinomial logistic regression (softmax) over sparse features, trained with AdaGrad.
// Each feature keeps weights only for the classes whose training texts contain it, plus `none`:
// scoring a message then touches a few postings per feature, so 2000 entries stay fast. A feature
// found in very many classes ("openrouter", "error") says little about which entry applies and keeps
// a weight for `none` only. Deterministic: a seeded shuffle, no randomness elsewhere.
//
// Speed: 2000 entries mean ~32,000 texts and ~20 million (feature, class) updates per pass, so the
// model lives in flat typed arrays (one run of postings per feature, like a CSR matrix) and the
// training loop allocates nothing.
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

/** The classes each feature was seen with; a feature past the crowding limit stops counting. */
function createSupport(noneClass: number, crowded: number) {
  // Most features belong to one entry: a second class is the exception, so the Set comes lazily.
  const firstClass: number[] = [];
  const moreClasses: (Set<number> | undefined)[] = [];
  const isCrowded: boolean[] = [];
  const add = (feature: number, cls: number) => {
    if (cls < 0 || cls === noneClass || isCrowded[feature]) return;
    const first = firstClass[feature]!;
    if (first === -1) firstClass[feature] = cls;
    else if (first !== cls) {
      const more = moreClasses[feature] ?? new Set<number>();
      moreClasses[feature] = more;
      more.add(cls);
      // `none` + the first class + the others
      if (more.size + 2 > crowded) {
        isCrowded[feature] = true;
        moreClasses[feature] = undefined;
      }
    }
  };
  const addFeature = () => {
    firstClass.push(-1);
    moreClasses.push(undefined);
    isCrowded.push(false);
  };
  /** The feature's classes, ascending: `none` alone when crowded. */
  const classesOf = (feature: number): number[] => {
    if (isCrowded[feature]) return [noneClass];
    const first = firstClass[feature]!;
    if (first === -1) return [noneClass];
    return [noneClass, first, ...(moreClasses[feature] ?? [])].sort((a, b) => a - b);
  };
  return { add, addFeature, classesOf };
}

export function trainLinearModel(
  classes: string[],
  noneClass: number,
  examples: Iterable<TrainingExample>,
  options: TrainingOptions = {},
): LinearModel {
  const { learningRate, l2, seed } = { ...DEFAULTS, ...options };
  const classCount = classes.length;
  const crowded = options.crowdedClasses ?? Math.max(24, Math.ceil(classCount / 50));

  // Feature names become numbers once, so the training loop does no string hashing; each text is
  // stored as one run of (feature, value) pairs in flat arrays.
  const featureIds = new Map<string, number>();
  const support = createSupport(noneClass, crowded);
  const exampleFeatures: number[] = [];
  const exampleValues: number[] = [];
  const exampleStarts: number[] = [0];
  const labels: number[] = [];
  const notLabels: number[] = [];
  const sampleWeights: number[] = [];
  for (const example of examples) {
    const label = example.label ?? -1;
    const notLabel = example.notLabel ?? -1;
    for (const [name, value] of example.features) {
      let id = featureIds.get(name);
      if (id === undefined) {
        id = featureIds.size;
        featureIds.set(name, id);
        support.addFeature();
      }
      support.add(id, label);
      support.add(id, notLabel);
      exampleFeatures.push(id);
      exampleValues.push(value);
    }
    exampleStarts.push(exampleFeatures.length);
    labels.push(label);
    notLabels.push(notLabel);
    sampleWeights.push(example.weight ?? 1);
  }
  const exampleCount = labels.length;
  const textFeature = Int32Array.from(exampleFeatures);
  const textValue = Float64Array.from(exampleValues);
  const textStart = Int32Array.from(exampleStarts);

  // Which classes each feature may weigh in on: feature f's postings are [postingStart[f],
  // postingStart[f + 1]). The bias is in every text, so it is crowded too: only `none` has a prior
  // of its own, and every entry starts from the same place.
  const featureCount = featureIds.size;
  const postingStart = new Int32Array(featureCount + 1);
  const postingLists: number[][] = [];
  for (let f = 0; f < featureCount; f++) {
    const list = support.classesOf(f);
    postingLists.push(list);
    postingStart[f + 1] = postingStart[f]! + list.length;
  }
  const postingClass = new Int32Array(postingStart[featureCount]!);
  for (let f = 0; f < featureCount; f++) postingClass.set(postingLists[f]!, postingStart[f]!);
  const weights = new Float64Array(postingClass.length);
  const gradSquares = new Float64Array(postingClass.length).fill(1e-8);

  // Sparse softmax: only the classes some feature of the text weighs in on get a score; all the
  // others score 0 and share one term of the denominator. 2000 entries cost no more per text than 20.
  const scores = new Float64Array(classCount);
  const p = new Float64Array(classCount);
  const weightedError = new Float64Array(classCount);
  const stamp = new Int32Array(classCount).fill(-1);
  const touched = new Int32Array(classCount);
  let touchedCount = 0;
  let mark = 0;
  const touch = (c: number) => {
    if (c < 0 || stamp[c] === mark) return;
    stamp[c] = mark;
    scores[c] = 0;
    touched[touchedCount++] = c;
  };
  /**
   * Scores the classes of features[from, to) plus up to three given ones (-1 for none); returns the
   * probability every untouched class has.
   */
  const score = (
    features: Int32Array,
    values: Float64Array,
    from: number,
    to: number,
    first: number,
    second: number,
    third: number,
  ): number => {
    mark++;
    touchedCount = 0;
    touch(first);
    touch(second);
    touch(third);
    for (let i = from; i < to; i++) {
      const feature = features[i]!;
      const value = values[i]!;
      const end = postingStart[feature + 1]!;
      for (let k = postingStart[feature]!; k < end; k++) {
        const c = postingClass[k]!;
        if (stamp[c] !== mark) {
          stamp[c] = mark;
          scores[c] = 0;
          touched[touchedCount++] = c;
        }
        scores[c]! += weights[k]! * value;
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

  // Fewer passes over a large set: 30,000 texts (2000 entries) learn enough in 3, and load in seconds.
  const epochs =
    options.epochs ??
    Math.max(3, Math.min(DEFAULTS.epochs, Math.round(EPOCH_BUDGET / Math.max(1, exampleCount))));
  const random = seededRandom(seed);
  const order = Array.from({ length: exampleCount }, (_, i) => i);
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const index of order) {
      const from = textStart[index]!;
      const to = textStart[index + 1]!;
      const label = labels[index]!;
      const notLabel = notLabels[index]!;
      const weight = sampleWeights[index]!;
      score(textFeature, textValue, from, to, label, notLabel, noneClass);
      // Cross-entropy for a known class; for "not this class", -log(1 - p[notLabel]). The error
      // times the text's weight depends only on the class: computed once per touched class.
      const notShare = notLabel >= 0 ? p[notLabel]! / Math.max(1e-9, 1 - p[notLabel]!) : 0;
      for (let i = 0; i < touchedCount; i++) {
        const c = touched[i]!;
        const error = label >= 0 ? p[c]! - (c === label ? 1 : 0) : c === notLabel ? p[c]! : -p[c]! * notShare;
        weightedError[c] = weight * error;
      }
      for (let i = from; i < to; i++) {
        const feature = textFeature[i]!;
        const value = textValue[i]!;
        const end = postingStart[feature + 1]!;
        for (let k = postingStart[feature]!; k < end; k++) {
          const gradient = weightedError[postingClass[k]!]! * value + l2 * weights[k]!;
          if (gradient === 0) continue;
          gradSquares[k]! += gradient * gradient;
          weights[k]! -= (learningRate * gradient) / Math.sqrt(gradSquares[k]!);
        }
      }
    }
  }

  return {
    classes,
    probabilities(features) {
      const ids = new Int32Array(features.size);
      const values = new Float64Array(features.size);
      let count = 0;
      for (const [name, value] of features) {
        const id = featureIds.get(name);
        if (id === undefined) continue;
        ids[count] = id;
        values[count++] = value;
      }
      const rest = score(ids, values, 0, count, noneClass, -1, -1);
      const out = new Float64Array(classCount).fill(rest);
      for (let i = 0; i < touchedCount; i++) out[touched[i]!] = p[touched[i]!]!;
      return out;
    },
  };
}
