// What the learned model sees of a message: stemmed words and word pairs, character n-grams (typos,
// "unauthorised" vs "unauthorized", pasted identifiers) and each entry's keyword and pattern hits.
// Every group is scaled to unit length, so a long pasted log does not outweigh a short question.
import type { Entry } from '../knowledge/entry.ts';
import {
  hashChar,
  hashText,
  normalize,
  phraseMatcher,
  plainPhraseMatcher,
  tokenize,
  type WordRuns,
  wordRuns,
} from './text.ts';

/**
 * A sparse vector: feature key → value. A feature's key is a 30-bit hash of its name ("w:key",
 * "c:_ke", "k:error-401-unauthorized"), computed from the text's characters: no string is built for
 * each character n-gram, and the model looks up small integers, not strings (a 2000-entry base loads
 * 10–25% faster; the model is the same). Among the ~98,000 names of such a base about five pairs
 * share a key (none among the default base's 46,000): such a pair shares a weight.
 */
export type SparseFeatures = Map<number, number>;

// The key of a name is the hash of its characters (hashText), whether or not the name was ever built
// as a string: "w:" + a word is hashText(word, WORD).
/** Keys stay below 2^30, V8's small integers: a Map holds them without a heap number each. */
const KEY_MASK = 0x3fffffff;
const UNDERSCORE = 95;

/** The key of a feature name: what featurize computes for "w:key" without building the string. */
export function featureKey(name: string): number {
  return hashText(name) & KEY_MASK;
}

const WORD = hashText('w:');
const CHAR = hashText('c:');
const STYLE = hashText('s:');
const BIAS = featureKey('bias');

export interface EvidenceMatcher {
  /** The entries whose keywords or patterns match, with what matched (for "why did it answer?"). */
  evidenceIn(normalized: string): Map<string, string[]>;
}

/**
 * Character n-grams inside word boundaries ("_un", "una", "nau"). Trigrams over 4-grams (2026-12-03):
 * at the same cross-validated precision, about 0.02 more recall; 3- and 4-grams together and 5-grams
 * did less. They cost training time: common trigrams belong to every entry (see EPOCH_BUDGET).
 */
const CHAR_NGRAM = 3;
/** Longer texts (pasted logs) are cut for char n-grams: the error line is usually near the end. */
const CHAR_TEXT_LIMIT = 1500;

function addGroup(into: SparseFeatures, counts: Map<number, number>, weight: number): void {
  if (counts.size === 0) return;
  let norm = 0;
  for (const count of counts.values()) norm += (1 + Math.log(count)) ** 2;
  const scale = weight / Math.sqrt(norm);
  for (const [key, count] of counts) into.set(key, (1 + Math.log(count)) * scale);
}

const countKey = (counts: Map<number, number>, key: number) => counts.set(key, (counts.get(key) ?? 0) + 1);

/** Stemmed words and adjacent pairs ("rate limit" is "w:rate_limit"), by key. */
function wordCounts(tokens: string[]): Map<number, number> {
  const counts = new Map<number, number>();
  const hashes = tokens.map((token) => hashText(token, WORD));
  for (const hash of hashes) countKey(counts, hash & KEY_MASK);
  for (let i = 1; i < tokens.length; i++)
    countKey(counts, hashText(tokens[i]!, hashChar(hashes[i - 1]!, UNDERSCORE)) & KEY_MASK);
  return counts;
}

/** The character at `i` of `_word_`. */
function padded(word: string, i: number): number {
  return i === 0 || i === word.length + 1 ? UNDERSCORE : word.charCodeAt(i - 1);
}

/** Character n-grams of `_word_` ("_un", "una", "nau"), by key; a word of one letter is "_a_". */
function charNgramCounts(normalized: string): Map<number, number> {
  const text = normalized.length > CHAR_TEXT_LIMIT ? normalized.slice(-CHAR_TEXT_LIMIT) : normalized;
  const counts = new Map<number, number>();
  for (const word of text.match(/[a-z0-9]+/g) ?? []) {
    for (let start = 0; start + CHAR_NGRAM <= word.length + 2; start++) {
      let hash = CHAR;
      for (let i = start; i < start + CHAR_NGRAM; i++) hash = hashChar(hash, padded(word, i));
      countKey(counts, hash & KEY_MASK);
    }
  }
  return counts;
}

export function createEvidenceMatcher(entries: Entry[]): EvidenceMatcher {
  // Keywords indexed by their longest word: a message only tests the keywords whose word it
  // contains, so a large knowledge base does not run every regex on every message.
  const keywordsByWord = new Map<
    string,
    { id: string; keyword: string; matches: (normalized: string, runs: WordRuns) => boolean }[]
  >();
  for (const entry of entries) {
    for (const keyword of entry.keywords) {
      const words = normalize(keyword).match(/[a-z0-9]+/g) ?? [];
      const key = words.reduce((a, b) => (b.length > a.length ? b : a), '');
      if (!key) continue;
      const list = keywordsByWord.get(key) ?? [];
      if (list.length === 0) keywordsByWord.set(key, list);
      const plain = plainPhraseMatcher(keyword);
      let regex: RegExp | undefined;
      const matches = plain
        ? (_: string, runs: WordRuns) => plain(runs)
        : (normalized: string) => {
            regex ??= phraseMatcher(keyword);
            return regex.test(normalized);
          };
      list.push({ id: entry.id, keyword, matches });
    }
  }
  const withPatterns = entries.filter((e) => e.patterns.length > 0);
  return {
    evidenceIn(normalized) {
      const hits = new Map<string, string[]>();
      const add = (id: string, what: string) => {
        const list = hits.get(id) ?? [];
        if (list.length === 0) hits.set(id, list);
        list.push(what);
      };
      const runs = wordRuns(normalized);
      for (const word of new Set(runs.words)) {
        for (const { id, keyword, matches } of keywordsByWord.get(word) ?? [])
          if (matches(normalized, runs)) add(id, `keyword "${keyword}"`);
      }
      for (const entry of withPatterns)
        for (const pattern of entry.patterns)
          if (pattern.test(normalized)) add(entry.id, `pattern /${pattern.source}/`);
      return hits;
    },
  };
}

export interface Featurized {
  features: SparseFeatures;
  evidence: Map<string, string[]>;
}

export interface FeatureWeights {
  words: number;
  chars: number;
  style: number;
}

export const DEFAULT_FEATURE_WEIGHTS: FeatureWeights = { words: 1, chars: 0.6, style: 1.5 };

/**
 * How a message is written, whatever its topic: the marks of a pull request, a bug report for
 * developers, a feature request, advice to someone else, or a short question of one's own.
 */
export function styleFeatures(text: string, normalized: string): string[] {
  // No length band: in the GitHub-heavy corpus short texts are mostly thanks and "+1", so a length
  // feature taught "short means none" and cost recall on Discord, where every question is short
  // ("getting 401 from openrouter": 0.58 with it, 0.92 without). Cross-validated figures are the same.
  const out: string[] = [];
  if (text.includes('?')) out.push('question-mark');
  if (/```|`[^`\n]+`/.test(text)) out.push('code');
  if (/^#{1,4} |\n#{1,4} /.test(text)) out.push('markdown-heading');
  if (/^\s*(?:fix|feat|chore|docs|refactor|perf|test)(?:\([^)]*\))?!?:/i.test(text)) out.push('commit-title');
  if (/\b(?:i|i'm|im|my|me)\b/.test(normalized)) out.push('first-person');
  if (/\b(?:you|your|you're|u)\b/.test(normalized)) out.push('second-person');
  if (/\b(?:we|our|us)\b/.test(normalized)) out.push('first-person-plural');
  if (/https?:\/\//.test(normalized)) out.push('link');
  if (text.split('\n').length > 6) out.push('many-lines');
  return out;
}

/**
 * Pre-trained English word vectors (word → vector). Not used by the bot: only
 * tools/compare-classifiers.ts tries them (docs/classifier.md says what they were worth).
 */
export type WordVectors = Map<string, Float32Array>;

/** The mean vector of the text's words, at unit length: what the words mean rather than which they are. */
function addMeanVector(into: SparseFeatures, normalized: string, vectors: WordVectors): void {
  let sum: Float64Array | undefined;
  for (const word of normalized.match(/[a-z0-9']+/g) ?? []) {
    const vector = vectors.get(word);
    if (!vector) continue;
    sum ??= new Float64Array(vector.length);
    for (let i = 0; i < vector.length; i++) sum[i]! += vector[i]!;
  }
  if (!sum) return;
  const length = Math.hypot(...sum);
  if (length > 0) for (let i = 0; i < sum.length; i++) into.set(featureKey(`v:${i}`), sum[i]! / length);
}

/** Words weigh most; char n-grams back them up; an entry's keyword or pattern is one feature each. */
export function featurize(
  text: string,
  evidence: EvidenceMatcher,
  weights: FeatureWeights = DEFAULT_FEATURE_WEIGHTS,
  vectors?: WordVectors,
): Featurized {
  const normalized = normalize(text);
  const features: SparseFeatures = new Map();
  addGroup(features, wordCounts(tokenize(normalized)), weights.words);
  addGroup(features, charNgramCounts(normalized), weights.chars);
  if (weights.style > 0) {
    const style = new Map<number, number>();
    for (const name of styleFeatures(text, normalized)) countKey(style, hashText(name, STYLE) & KEY_MASK);
    addGroup(features, style, weights.style);
  }
  if (vectors) addMeanVector(features, normalized, vectors);
  const hits = evidence.evidenceIn(normalized);
  for (const [id, what] of hits) {
    if (what.some((w) => w.startsWith('keyword'))) features.set(featureKey(`k:${id}`), 1);
    if (what.some((w) => w.startsWith('pattern'))) features.set(featureKey(`p:${id}`), 1);
  }
  features.set(BIAS, 1);
  return { features, evidence: hits };
}
