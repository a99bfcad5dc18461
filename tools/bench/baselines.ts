// The classifiers a bot author would reach for instead of ours, built over the same knowledge
// entries: BM25 search (MiniSearch), fuzzy matching (Fuse.js) and keyword substrings. Each one only
// ranks; whether it answers is decided by a threshold on its top hit, swept in measure.ts.
import Fuse from 'fuse.js';
import MiniSearch from 'minisearch';
import type { Entry } from '../../src/knowledge/entry.ts';
import { buildClassifier as buildCentroidScorer } from './centroid-scorer.ts';

/** A baseline's best guess for a message: higher score = more confident. */
export interface Hit {
  intent: string;
  score: number;
}

export interface Baseline {
  name: 'first-version' | 'minisearch' | 'fuse' | 'keyword';
  /** How it is set up, for the report. */
  setup: string;
  top(text: string): Hit | undefined;
}

/**
 * MiniSearch (BM25+) with one document per entry, its examples, title and keywords as fields, and
 * the library's default tokenizer and scoring: what its README shows.
 */
export function minisearchBaseline(entries: Entry[]): Baseline {
  const index = new MiniSearch<{ id: string; title: string; examples: string; keywords: string }>({
    fields: ['title', 'examples', 'keywords'],
  });
  index.addAll(
    entries.map((entry) => ({
      id: entry.id,
      title: entry.title,
      examples: entry.examples.join('\n'),
      keywords: entry.keywords.join('\n'),
    })),
  );
  return {
    name: 'minisearch',
    setup: 'BM25+, one document per entry (fields title, examples, keywords), default options',
    top(text) {
      const best = index.search(text)[0];
      return best ? { intent: String(best.id), score: best.score } : undefined;
    },
  };
}

/**
 * Fuse.js fuzzy matching (bitap) over the entries' title, examples and keywords, with
 * ignoreLocation so a match may sit anywhere in an example, and Fuse's default cut-off (0.6).
 * Fuse's score is 0 for a perfect match; the hit score is 1 - that. (Fuse 7's token search was
 * tried too: also 100+ ms a message here, and worse on every quality figure.)
 */
export function fuseBaseline(entries: Entry[]): Baseline {
  const index = new Fuse(entries, {
    keys: ['title', 'examples', 'keywords'],
    ignoreLocation: true,
    includeScore: true,
    threshold: 0.6,
  });
  return {
    name: 'fuse',
    setup:
      'bitap fuzzy match, keys title/examples/keywords, ignoreLocation, cut-off 0.6; score = 1 - Fuse score',
    top(text) {
      const best = index.search(text, { limit: 1 })[0];
      return best ? { intent: best.item.id, score: 1 - (best.score ?? 1) } : undefined;
    },
  };
}

/**
 * The classic auto-responder: an entry fires when its keywords occur in the message (lowercase
 * substring, no word boundaries). Score = number of the entry's keywords found; ties go to the
 * entry whose matched keywords are longer, then to the first entry.
 */
export function keywordBaseline(entries: Entry[]): Baseline {
  const lists = entries.map((entry) => ({
    intent: entry.id,
    keywords: entry.keywords.map((k) => k.toLowerCase()).filter(Boolean),
  }));
  return {
    name: 'keyword',
    setup: 'entry keywords as lowercase substrings; score = keywords found (ties: longer matches)',
    top(text) {
      const lower = text.toLowerCase();
      let best: Hit | undefined;
      let bestLength = 0;
      for (const { intent, keywords } of lists) {
        let hits = 0;
        let length = 0;
        for (const keyword of keywords) {
          if (lower.includes(keyword)) {
            hits += 1;
            length += keyword.length;
          }
        }
        if (hits === 0) continue;
        if (!best || hits > best.score || (hits === best.score && length > bestLength)) {
          best = { intent, score: hits };
          bestLength = length;
        }
      }
      return best;
    },
  };
}

/** The first version's scorer: hand-set weights over TF-IDF centroids, learns nothing from the corpus. */
export function firstVersionBaseline(entries: Entry[]): Baseline {
  const scorer = buildCentroidScorer(entries);
  return {
    name: 'first-version',
    setup: 'the first version: TF-IDF nearest example + centroid + keyword bonuses, help gate',
    top(text) {
      const result = scorer.classify(text);
      const best = result.candidates[0];
      return best && result.helpRequest.verdict !== 'no'
        ? { intent: best.intent, score: best.score }
        : undefined;
    },
  };
}

export function buildBaselines(entries: Entry[]): Baseline[] {
  return [
    firstVersionBaseline(entries),
    minisearchBaseline(entries),
    fuseBaseline(entries),
    keywordBaseline(entries),
  ];
}
