// Multinomial logistic regression (softmax) over sparse features, trained with AdaGrad.
// Each feature keeps weights only for the classes whose training texts contain it, plus `none`:
// scoring a message then touches a few postings per feature, so 2000 entries stay fast. In a large
// knowledge base a feature found in very many classes ("openrouter", "error") says little about which
// entry applies and keeps a weight for `none` only. Deterministic: a seeded order keyed by each text,
// no randomness elsewhere.
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
  /**
   * Where the text falls in each pass's order: a hash of the text, so adding or removing one text
   * (a taught example, a moderator's edit) leaves the order of all the others as it was.
   */
  orderKey?: number;
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

/** The training order the bot ships with. */
export const DEFAULT_SEED = 7;

const DEFAULTS: Required<Omit<TrainingOptions, 'crowdedClasses'>> = {
  epochs: 10,
  learningRate: 0.5,
  l2: 1e-5,
  seed: DEFAULT_SEED,
};

/**
 * Texts × passes that training aims for when no epoch count is given. The default knowledge base
 * with its corpus (~4,700 texts) takes 4 passes at 1.25. With character trigrams a pass costs 40%
 * more than with 4-grams (common trigrams belong to every entry), and 4 passes cross-validate like
 * 5 (2026-12-03, eight seeds: on the same precision/recall curve) while a reload stays as fast as before.
 */
const EPOCH_BUDGET = 16_500;

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
  const { l2, seed } = { ...DEFAULTS, ...options };
  const classCount = classes.length;
  // Up to 64 classes every feature may weigh in on all of its classes (the bias too, so each entry
  // has a prior): cross-validated recall at precision 0.9 rose from 0.21 to 0.26 over a limit of 24
  // (tools/compare-classifiers.ts). Beyond that the limit keeps 2000 entries fast.
  const crowded =
    options.crowdedClasses ??
    (classCount <= 64 ? Number.POSITIVE_INFINITY : Math.max(24, Math.ceil(classCount / 50)));

  const support = createSupport(noneClass, crowded);
  const { featureIds, texts, orderKeys } = readExamples(examples, support);
  const exampleCount = texts.labels.length;

  // Which classes each feature may weigh in on: feature f's postings are [postingStart[f],
  // postingStart[f + 1]).
  const featureCount = featureIds.size;
  const postingStart = new Int32Array(featureCount + 1);
  const postingLists: number[][] = [];
  for (let f = 0; f < featureCount; f++) {
    const list = support.classesOf(f);
    postingLists.push(list);
    postingStart[f + 1] = postingStart[f]! + list.length;
  }
  // A posting's class, weight and AdaGrad sum sit side by side: one cache line, not three arrays.
  const postingCount = postingStart[featureCount]!;
  const training = new Float64Array(postingCount * TRAINING_STRIDE);
  for (let f = 0; f < featureCount; f++) {
    let k = postingStart[f]!;
    for (const cls of postingLists[f]!) {
      training[k * TRAINING_STRIDE] = cls;
      training[k * TRAINING_STRIDE + 2] = 1e-8;
      k++;
    }
  }
  const softmax = createSoftmax(classCount);

  // Fewer passes over a large set, with steps as much larger: 30,000 texts (2000 entries) learn in 2
  // passes at 2.5 what 10 passes at 0.5 teach, and load in seconds. (On 1500 perturbed examples of
  // 2000 synthetic entries, 3 passes at 0.5 put 16% of them above 0.9; 2 passes at 2.5 put 73%.)
  const epochs =
    options.epochs ??
    Math.max(2, Math.min(DEFAULTS.epochs, Math.round(EPOCH_BUDGET / Math.max(1, exampleCount))));
  const learningRate =
    options.learningRate ?? (DEFAULTS.learningRate * DEFAULTS.epochs) / Math.min(epochs, DEFAULTS.epochs);
  for (let epoch = 0; epoch < epochs; epoch++) {
    trainPass(
      postingStart,
      training,
      softmax,
      texts,
      passOrder(orderKeys, seed, epoch),
      noneClass,
      learningRate,
      l2,
    );
  }
  // Scoring needs only the class and the weight of each posting.
  const cells = new Float64Array(postingCount * 2);
  for (let k = 0; k < postingCount; k++) {
    cells[k * 2] = training[k * TRAINING_STRIDE]!;
    cells[k * 2 + 1] = training[k * TRAINING_STRIDE + 1]!;
  }
  const postings: Postings = { start: postingStart, cells, stride: 2 };

  return {
    classes,
    probabilities(features) {
      const ids = new Int32Array(features.size);
      const values = new Float64Array(features.size);
      let count = 0;
      for (const [key, value] of features) {
        const id = featureIds.get(key);
        if (id === undefined) continue;
        ids[count] = id;
        values[count++] = value;
      }
      const rest = scoreClasses(postings, softmax, ids, values, 0, count, noneClass, -1, -1);
      const out = new Float64Array(classCount).fill(rest);
      const { touched, p } = softmax;
      for (let i = 0; i < softmax.touchedCount; i++) out[touched[i]!] = p[touched[i]!]!;
      return out;
    },
  };
}

/**
 * The examples as flat arrays, each text one run of (feature id, value) pairs, and the features'
 * dense ids (0…n, in order of first sight; a feature's id indexes its postings). A function of its
 * own so that nothing the trained model keeps shares a scope with these arrays (a closure's scope is
 * kept whole: 16 MB for 2000 entries).
 */
function readExamples(examples: Iterable<TrainingExample>, support: ReturnType<typeof createSupport>) {
  const featureIds = new Map<number, number>();
  // Typed arrays that double when full, and Map.forEach rather than `for…of` destructuring: with 2000
  // entries (1.3 million feature occurrences) plain-array pushes and entry arrays cost ~0.3 s a load.
  let feature = new Int32Array(1 << 16);
  let value = new Float64Array(1 << 16);
  let used = 0;
  const starts: number[] = [0];
  const labels: number[] = [];
  const notLabels: number[] = [];
  const sampleWeights: number[] = [];
  const orderKeys: number[] = [];
  for (const example of examples) {
    const label = example.label ?? -1;
    const notLabel = example.notLabel ?? -1;
    const needed = used + example.features.size;
    if (needed > feature.length) {
      const capacity = Math.max(needed, feature.length * 2);
      feature = grow(feature, new Int32Array(capacity));
      value = grow(value, new Float64Array(capacity));
    }
    example.features.forEach((featureValue, key) => {
      let id = featureIds.get(key);
      if (id === undefined) {
        id = featureIds.size;
        featureIds.set(key, id);
        support.addFeature();
      }
      support.add(id, label);
      support.add(id, notLabel);
      feature[used] = id;
      value[used++] = featureValue;
    });
    starts.push(used);
    labels.push(label);
    notLabels.push(notLabel);
    sampleWeights.push(example.weight ?? 1);
    orderKeys.push(example.orderKey ?? labels.length);
  }
  const texts: Texts = {
    start: Int32Array.from(starts),
    feature: feature.slice(0, used),
    value: value.slice(0, used),
    labels,
    notLabels,
    sampleWeights,
  };
  return { featureIds, texts, orderKeys };
}

function grow<T extends Int32Array | Float64Array>(from: T, into: T): T {
  into.set(from);
  return into;
}

/**
 * A seeded shuffle in which each text's place depends only on its own key: one text more or less
 * does not reorder the rest. (A Fisher-Yates shuffle of a longer list reorders everything: one
 * taught example then changed 20 of the 156 decisions on the synthetic holdout; now 2.)
 */
function passOrder(orderKeys: number[], seed: number, epoch: number): Uint32Array {
  const salt = seededRandom(seed + epoch * 0x9e3779b9)() * 4294967296;
  const ranks = orderKeys.map((key) => mix32(key ^ salt));
  return Uint32Array.from(ranks.keys()).sort((a, b) => ranks[a]! - ranks[b]! || a - b);
}

/** A 32-bit integer hash (murmur3's finalizer): nearby keys land far apart. */
export function mix32(value: number): number {
  let h = value >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** While training, a posting is [class, weight, sum of squared gradients]. */
const TRAINING_STRIDE = 3;

/**
 * Feature f's postings are k in [start[f], start[f + 1]), like a CSR matrix's rows; posting k's
 * class is cells[k * stride] and its weight cells[k * stride + 1].
 */
interface Postings {
  start: Int32Array;
  cells: Float64Array;
  stride: number;
}

/** Text t's features and values are at [start[t], start[t + 1]). */
interface Texts {
  start: Int32Array;
  feature: Int32Array;
  value: Float64Array;
  labels: number[];
  notLabels: number[];
  sampleWeights: number[];
}

/** Scratch space of the sparse softmax, reused for every text: the loop allocates nothing. */
interface Softmax {
  classCount: number;
  scores: Float64Array;
  p: Float64Array;
  weightedError: Float64Array;
  /** stamp[c] === mark: class c has a score for the current text. */
  stamp: Int32Array;
  mark: number;
  touched: Int32Array;
  touchedCount: number;
}

function createSoftmax(classCount: number): Softmax {
  return {
    classCount,
    scores: new Float64Array(classCount),
    p: new Float64Array(classCount),
    weightedError: new Float64Array(classCount),
    stamp: new Int32Array(classCount).fill(-1),
    mark: 0,
    touched: new Int32Array(classCount),
    touchedCount: 0,
  };
}

/**
 * Sparse softmax: only the classes some feature of the text weighs in on (and up to three given
 * ones, -1 for none) get a score; all the others score 0 and share one term of the denominator, so
 * 2000 entries cost no more per text than 20. Leaves the probabilities of the scored classes in
 * `softmax.p` and returns the probability every other class has.
 */
function scoreClasses(
  postings: Postings,
  softmax: Softmax,
  features: Int32Array,
  values: Float64Array,
  from: number,
  to: number,
  first: number,
  second: number,
  third: number,
): number {
  const { start, cells, stride } = postings;
  const { scores, p, stamp, touched, classCount } = softmax;
  const mark = ++softmax.mark;
  let touchedCount = 0;
  for (let j = 0; j < 3; j++) {
    const c = j === 0 ? first : j === 1 ? second : third;
    if (c < 0 || stamp[c] === mark) continue;
    stamp[c] = mark;
    scores[c] = 0;
    touched[touchedCount++] = c;
  }
  for (let i = from; i < to; i++) {
    const feature = features[i]!;
    const value = values[i]!;
    const end = start[feature + 1]!;
    for (let k = start[feature]! * stride; k < end * stride; k += stride) {
      const c = cells[k]!;
      if (stamp[c] !== mark) {
        stamp[c] = mark;
        scores[c] = 0;
        touched[touchedCount++] = c;
      }
      scores[c]! += cells[k + 1]! * value;
    }
  }
  softmax.touchedCount = touchedCount;
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
}

/** One pass of AdaGrad over the texts in `order`. */
function trainPass(
  postingStart: Int32Array,
  cells: Float64Array,
  softmax: Softmax,
  texts: Texts,
  order: Uint32Array,
  noneClass: number,
  learningRate: number,
  l2: number,
): void {
  const postings: Postings = { start: postingStart, cells, stride: TRAINING_STRIDE };
  const { p, weightedError, touched } = softmax;
  for (const index of order) {
    const from = texts.start[index]!;
    const to = texts.start[index + 1]!;
    const label = texts.labels[index]!;
    const notLabel = texts.notLabels[index]!;
    const weight = texts.sampleWeights[index]!;
    scoreClasses(postings, softmax, texts.feature, texts.value, from, to, label, notLabel, noneClass);
    // Cross-entropy for a known class; for "not this class", -log(1 - p[notLabel]). The error
    // times the text's weight depends only on the class: computed once per scored class.
    const notShare = notLabel >= 0 ? p[notLabel]! / Math.max(1e-9, 1 - p[notLabel]!) : 0;
    for (let i = 0; i < softmax.touchedCount; i++) {
      const c = touched[i]!;
      const error = label >= 0 ? p[c]! - (c === label ? 1 : 0) : c === notLabel ? p[c]! : -p[c]! * notShare;
      weightedError[c] = weight * error;
    }
    for (let i = from; i < to; i++) {
      const feature = texts.feature[i]!;
      const value = texts.value[i]!;
      const end = postingStart[feature + 1]! * TRAINING_STRIDE;
      for (let k = postingStart[feature]! * TRAINING_STRIDE; k < end; k += TRAINING_STRIDE) {
        const gradient = weightedError[cells[k]!]! * value + l2 * cells[k + 1]!;
        if (gradient === 0) continue;
        cells[k + 2]! += gradient * gradient;
        cells[k + 1]! -= (learningRate * gradient) / Math.sqrt(cells[k + 2]!);
      }
    }
  }
}
