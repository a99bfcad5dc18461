import type { Classification } from '../../src/classifier/classifier.ts';

/** A classifier result in the gray zone: plausible candidates, none decided (for judge tests). */
export function undecided(intents: string[]): Classification {
  return {
    candidates: intents.map((intent, i) => ({
      intent,
      score: 0.4 - i * 0.1,
      evidence: [],
    })),
    noneScore: 0.1,
    helpRequest: { verdict: 'yes', reason: 'question' },
    rule: 'silent: low confidence',
    confidence: 0.4,
  };
}
