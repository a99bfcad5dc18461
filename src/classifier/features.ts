// What the learned model sees of a message: stemmed words and word pairs, character n-grams (typos,
// "unauthorised" vs "unauthorized", pasted identifiers) and each entry's keyword and pattern hits.
// Every group is scaled to unit length, so a long pasted log does not outweigh a short question.
import type { Entry } from '../knowledge/entry.ts';
import {
  normalize,
  phraseMatcher,
  plainPhraseMatcher,
  tokenize,
  type WordRuns,
  features as wordFeatures,
  wordRuns,
} from './text.ts';

/** A sparse vector: feature name → value. */
export type SparseFeatures = Map<string, number>;

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

function addGroup(into: SparseFeatures, terms: string[], prefix: string, weight: number): void {
  if (terms.length === 0) return;
  const counts = new Map<string, number>();
  for (const term of terms) counts.set(term, (counts.get(term) ?? 0) + 1);
  let norm = 0;
  for (const count of counts.values()) norm += (1 + Math.log(count)) ** 2;
  const scale = weight / Math.sqrt(norm);
  for (const [term, count] of counts) into.set(prefix + term, (1 + Math.log(count)) * scale);
}

export function charNgrams(normalized: string): string[] {
  const text = normalized.length > CHAR_TEXT_LIMIT ? normalized.slice(-CHAR_TEXT_LIMIT) : normalized;
  const grams: string[] = [];
  for (const word of text.match(/[a-z0-9]+/g) ?? []) {
    const padded = `_${word}_`;
    if (padded.length <= CHAR_NGRAM) {
      grams.push(padded);
      continue;
    }
    for (let i = 0; i + CHAR_NGRAM <= padded.length; i++) grams.push(padded.slice(i, i + CHAR_NGRAM));
  }
  return grams;
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
  if (length > 0) for (let i = 0; i < sum.length; i++) into.set(`v:${i}`, sum[i]! / length);
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
  addGroup(features, wordFeatures(tokenize(normalized)), 'w:', weights.words);
  addGroup(features, charNgrams(normalized), 'c:', weights.chars);
  if (weights.style > 0) addGroup(features, styleFeatures(text, normalized), 's:', weights.style);
  if (vectors) addMeanVector(features, normalized, vectors);
  const hits = evidence.evidenceIn(normalized);
  for (const [id, what] of hits) {
    if (what.some((w) => w.startsWith('keyword'))) features.set(`k:${id}`, 1);
    if (what.some((w) => w.startsWith('pattern'))) features.set(`p:${id}`, 1);
  }
  features.set('bias', 1);
  return { features, evidence: hits };
}
