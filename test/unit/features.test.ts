import { describe, expect, it } from 'vitest';
import { createEvidenceMatcher, featureKey, featurize } from '../../src/classifier/features.ts';
import type { Entry } from '../../src/knowledge/entry.ts';

const ENTRY: Entry = {
  id: 'error-429-rate-limit',
  file: 'error-429-rate-limit.md',
  title: 'Rate limited',
  summary: 'Too many requests.',
  examples: ['why am I rate limited'],
  keywords: ['rate limit'],
  patterns: [],
  negativeExamples: [],
} as unknown as Entry;

describe('featurize', () => {
  const evidence = createEvidenceMatcher([ENTRY]);
  const { features } = featurize('Rate limit again', evidence);

  it('keys every feature by the hash of its name, without building the names', () => {
    // Stemmed words and pairs, character trigrams of `_word_`, the entry's keyword, and the bias:
    // what the model learns for "rate limit again" is the same whichever way the keys are made.
    for (const name of [
      'w:rate',
      'w:limit',
      'w:rate_limit',
      'c:_ra',
      'c:rat',
      'c:te_',
      'k:error-429-rate-limit',
      'bias',
    ])
      expect(features.has(featureKey(name)), name).toBe(true);
  });

  it('keeps stop words and other names out', () => {
    // "again" is a stop word; no pattern matched; a one-letter word would be `_a_`, not `a`.
    for (const name of ['w:again', 'p:error-429-rate-limit', 'c:ra', 'w:rate limit'])
      expect(features.has(featureKey(name)), name).toBe(false);
  });

  it('scales each group to unit length', () => {
    // Three word features of one count each: 1/√3 apiece (the words' weight is 1).
    expect(features.get(featureKey('w:rate'))).toBeCloseTo(1 / Math.sqrt(3), 12);
    expect(features.get(featureKey('bias'))).toBe(1);
  });

  it('gives a one-letter word its padded trigram', () => {
    // "x" alone is the trigram "_x_", as with the name-based n-grams before.
    const { features: single } = featurize('x', evidence);
    expect(single.has(featureKey('c:_x_'))).toBe(true);
  });
});
