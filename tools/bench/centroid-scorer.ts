// The first version's scorer (TF-IDF nearest example + centroid + keyword bonuses, hand-set weights),
// kept only as a baseline for `npm run bench` and tools/compare-classifiers.ts.
// The local classifier: TF-IDF over stemmed words and word pairs, scored against each entry's
// examples (nearest example) and against the entry as a whole (centroid), plus strong evidence
// from the entry's keywords and patterns. Deterministic, no network, built once per knowledge set.

import { type HelpSignals, readHelpRequest } from '../../src/classifier/help-gate.ts';
import { features, normalize, phraseMatcher, tokenize } from '../../src/classifier/text.ts';
import type { Entry } from '../../src/knowledge/entry.ts';

export interface ClassifierSettings {
  /** Least score that may be answered. */
  threshold: number;
  /** Least lead of the best candidate over the runner-up. */
  margin: number;
}

export const DEFAULT_SETTINGS: ClassifierSettings = { threshold: 0.12, margin: 0.02 };

export interface Candidate {
  intent: string;
  /** Combined score, 0..1: the confidence the decision uses. */
  score: number;
  /** Cosine similarity to the nearest example. */
  nearest: number;
  /** Cosine similarity to the entry as a whole. */
  centroid: number;
  /** Cosine similarity to the nearest negative example of this entry. */
  negative: number;
  /** Keywords and patterns that matched. */
  evidence: string[];
}

export type DecisionRule =
  | 'answer'
  | 'silent: not a help request'
  | 'silent: no candidate'
  | 'silent: low confidence'
  | 'silent: too close to the runner-up'
  | 'silent: closer to a negative example';

export interface Classification {
  /** Best first, at most five. */
  candidates: Candidate[];
  helpRequest: HelpSignals;
  rule: DecisionRule;
  /** Set when rule is 'answer'. */
  intent?: string;
  confidence: number;
}

type Vector = Map<number, number>;

interface KeywordMatcher {
  entryIndex: number;
  keyword: string;
  matcher: RegExp;
}

// Weights chosen by measurement with `npm run eval` (see README, "How it decides"). The centroid
// ranks real, long messages better than the nearest example; keywords and patterns add evidence.
const NEAREST_WEIGHT = 0.2;
const KEYWORD_BONUS = 0.15;
const EXTRA_KEYWORD_BONUS = 0.025;
const PATTERN_BONUS = 0.075;
const MAX_BONUS = 0.225;
/** Least similarity to the entry as a whole, unless a keyword or pattern matched. */
const TOPIC_FLOOR = 0.08;
/** The best candidate must score at least this many times the runner-up. */
const LEAD_RATIO = 1.5;
/** Extra score needed when the message does not read clearly as a request for help. */
const UNCLEAR_EXTRA = 0.15;

export function buildClassifier(entries: Entry[], settings: ClassifierSettings = DEFAULT_SETTINGS) {
  const termIds = new Map<string, number>();
  const documentFrequency: number[] = [];
  const termId = (term: string) => {
    let id = termIds.get(term);
    if (id === undefined) {
      id = termIds.size;
      termIds.set(term, id);
      documentFrequency.push(0);
    }
    return id;
  };

  // Pass 1: document frequencies over every example (positive and negative) of every entry.
  const positives: { entryIndex: number; terms: string[] }[] = [];
  const negatives: { entryIndex: number; terms: string[] }[] = [];
  entries.forEach((entry, entryIndex) => {
    const texts = [...entry.examples, entry.title, ...entry.keywords];
    for (const text of texts) positives.push({ entryIndex, terms: features(tokenize(normalize(text))) });
    for (const text of entry.negativeExamples)
      negatives.push({ entryIndex, terms: features(tokenize(normalize(text))) });
  });
  const allDocs = [...positives, ...negatives];
  for (const doc of allDocs) for (const term of new Set(doc.terms)) documentFrequency[termId(term)]! += 1;
  // Class frequency: in how many entries' examples a term occurs. A word every entry uses
  // ("openrouter", "key") says little about which entry applies, however rare it is overall.
  const entriesWithTerm = documentFrequency.map(() => new Set<number>());
  for (const doc of positives)
    for (const term of doc.terms) entriesWithTerm[termId(term)]!.add(doc.entryIndex);
  const entryCount = Math.max(entries.length, 2);
  const idf = documentFrequency.map((df, id) => {
    const specificity =
      Math.log(1 + entryCount / Math.max(1, entriesWithTerm[id]!.size)) / Math.log(1 + entryCount);
    return Math.log(1 + allDocs.length / df) * specificity;
  });

  const vectorize = (terms: string[], known: boolean): Vector => {
    const counts = new Map<number, number>();
    for (const term of terms) {
      const id = known ? termIds.get(term) : termId(term);
      if (id === undefined) continue;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    const vector: Vector = new Map();
    let norm = 0;
    for (const [id, count] of counts) {
      const weight = (1 + Math.log(count)) * (idf[id] ?? 0);
      vector.set(id, weight);
      norm += weight * weight;
    }
    norm = Math.sqrt(norm) || 1;
    for (const [id, weight] of vector) vector.set(id, weight / norm);
    return vector;
  };

  // Inverted indexes: term -> (document, weight), so a message only touches documents it shares terms with.
  const buildIndex = (docs: { entryIndex: number; terms: string[] }[]) => {
    const postings = new Map<number, { doc: number; weight: number }[]>();
    docs.forEach((doc, docIndex) => {
      for (const [id, weight] of vectorize(doc.terms, true)) {
        const list = postings.get(id) ?? [];
        if (list.length === 0) postings.set(id, list);
        list.push({ doc: docIndex, weight });
      }
    });
    return postings;
  };
  const positiveIndex = buildIndex(positives);
  const negativeIndex = buildIndex(negatives);

  // Each entry as a whole: the normalised sum of its examples' vectors, indexed by term too.
  const centroids: Vector[] = entries.map(() => new Map());
  for (const doc of positives) {
    const sum = centroids[doc.entryIndex]!;
    for (const [id, weight] of vectorize(doc.terms, true)) sum.set(id, (sum.get(id) ?? 0) + weight);
  }
  const centroidIndex = new Map<number, { entryIndex: number; weight: number }[]>();
  centroids.forEach((sum, entryIndex) => {
    const norm = Math.sqrt([...sum.values()].reduce((acc, w) => acc + w * w, 0)) || 1;
    for (const [id, weight] of sum) {
      const list = centroidIndex.get(id) ?? [];
      if (list.length === 0) centroidIndex.set(id, list);
      list.push({ entryIndex, weight: weight / norm });
    }
  });

  // Keywords indexed by their rarest-looking (longest) word: a message only tests the keywords whose
  // word it contains, so a large knowledge base does not run every regex on every message.
  const keywordsByWord = new Map<string, KeywordMatcher[]>();
  entries.forEach((entry, entryIndex) => {
    for (const keyword of entry.keywords) {
      const words = normalize(keyword).match(/[a-z0-9]+/g) ?? [];
      const key = words.reduce((a, b) => (b.length > a.length ? b : a), '');
      if (!key) continue;
      const list = keywordsByWord.get(key) ?? [];
      if (list.length === 0) keywordsByWord.set(key, list);
      list.push({ entryIndex, keyword, matcher: phraseMatcher(keyword) });
    }
  });
  const keywordHitsIn = (normalized: string): Map<number, string[]> => {
    const hits = new Map<number, string[]>();
    for (const word of new Set(normalized.match(/[a-z0-9]+/g) ?? [])) {
      for (const { entryIndex, keyword, matcher } of keywordsByWord.get(word) ?? []) {
        if (!matcher.test(normalized)) continue;
        const list = hits.get(entryIndex) ?? [];
        if (list.length === 0) hits.set(entryIndex, list);
        list.push(`keyword "${keyword}"`);
      }
    }
    return hits;
  };

  /** Per entry, the cosine of the query with its nearest document (typed arrays: this is the hot path). */
  const nearestPerEntry = (
    query: Vector,
    postings: Map<number, { doc: number; weight: number }[]>,
    docs: { entryIndex: number }[],
  ): Float64Array => {
    const dots = new Float64Array(docs.length);
    for (const [id, weight] of query) {
      for (const posting of postings.get(id) ?? []) dots[posting.doc]! += weight * posting.weight;
    }
    const best = new Float64Array(entries.length);
    dots.forEach((dot, doc) => {
      const entryIndex = docs[doc]!.entryIndex;
      if (dot > best[entryIndex]!) best[entryIndex] = dot;
    });
    return best;
  };

  function classify(text: string): Classification {
    const normalized = normalize(text);
    const helpRequest = readHelpRequest(text);
    const query = vectorize(features(tokenize(normalized)), true);
    const nearest = nearestPerEntry(query, positiveIndex, positives);
    const nearestNegative = nearestPerEntry(query, negativeIndex, negatives);

    const candidates: Candidate[] = [];
    const keywordHits = keywordHitsIn(normalized);
    const centroidSimilarity = new Float64Array(entries.length);
    for (const [id, weight] of query) {
      for (const posting of centroidIndex.get(id) ?? [])
        centroidSimilarity[posting.entryIndex]! += weight * posting.weight;
    }
    entries.forEach((entry, entryIndex) => {
      const evidence = keywordHits.get(entryIndex) ?? [];
      const keywordCount = evidence.length;
      for (const pattern of entry.patterns)
        if (pattern.test(normalized)) evidence.push(`pattern /${pattern.source}/`);
      const patternHits = evidence.length - keywordCount;
      const near = nearest[entryIndex]!;
      if (near === 0 && evidence.length === 0) return;
      const centroid = centroidSimilarity[entryIndex]!;
      const bonus = Math.min(
        MAX_BONUS,
        (keywordCount ? KEYWORD_BONUS + EXTRA_KEYWORD_BONUS * (keywordCount - 1) : 0) +
          (patternHits ? PATTERN_BONUS : 0),
      );
      const score = Math.min(1, NEAREST_WEIGHT * near + (1 - NEAREST_WEIGHT) * centroid + bonus);
      candidates.push({
        intent: entry.id,
        score: round(score),
        nearest: round(near),
        centroid: round(centroid),
        negative: round(nearestNegative[entryIndex]!),
        evidence,
      });
    });
    candidates.sort((a, b) => b.score - a.score || a.intent.localeCompare(b.intent));
    const top = candidates.slice(0, 5);
    const best = top[0];
    const runnerUp = top[1]?.score ?? 0;
    const result = (rule: DecisionRule): Classification => ({
      candidates: top,
      helpRequest,
      rule,
      intent: rule === 'answer' ? best?.intent : undefined,
      confidence: best?.score ?? 0,
    });
    if (!best) return result('silent: no candidate');
    if (helpRequest.verdict === 'no') return result('silent: not a help request');
    // A bare statement ("text appears all at once") is answered only on strong evidence.
    const needed =
      helpRequest.verdict === 'yes' || best.evidence.length > 0
        ? settings.threshold
        : settings.threshold + UNCLEAR_EXTRA;
    if (best.score < needed) return result('silent: low confidence');
    // A close example alone is not enough: the message must share the entry's topic as a whole
    // ("is there a way to …" resembles many examples of many entries).
    if (best.centroid < TOPIC_FLOOR && best.evidence.length === 0) return result('silent: low confidence');
    if (best.score - runnerUp < settings.margin) return result('silent: too close to the runner-up');
    if (best.score < LEAD_RATIO * runnerUp) return result('silent: too close to the runner-up');
    // Closer to a "must not answer" example than to any real one: only an exact error string overrides.
    const hasKeyword = best.evidence.some((e) => e.startsWith('keyword'));
    if (best.negative > best.nearest && !hasKeyword) return result('silent: closer to a negative example');
    return result('answer');
  }

  return { classify, settings, entries };
}

export type Classifier = ReturnType<typeof buildClassifier>;

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
