import { describe, expect, it } from 'vitest';
import { computeMetrics, NONE, precisionAtNoneShare, type TurnResult } from '../../src/eval/evaluate.ts';

/** One turn as the evaluation records it, built by hand so no classifier is involved. */
function turn(
  caseId: string,
  index: number,
  expected: string,
  answered: string,
  correct?: boolean,
): TurnResult {
  return {
    caseId,
    turn: index,
    text: `${caseId} turn ${index}`,
    expected,
    outcome:
      answered === NONE
        ? { kind: 'none', reason: 'silent' }
        : { kind: 'answer', intent: answered, reason: 'x' },
    answered,
    correct: correct ?? answered === expected,
  };
}

// Eight cases; A, B, C are intents.
//   c1 A→A (right)   c2 A→none (missed)   c3 B→A (wrong)   c4 B→B (right)
//   c5 none→none     c6 none→B (false)    c7 none→none     c8 C→none (missed)
// Later turns: c1#1 correct, c1#2 wrong, c4#1 correct.
const RESULTS: TurnResult[] = [
  turn('c1', 0, 'A', 'A'),
  turn('c1', 1, 'A', 'A', true),
  turn('c1', 2, NONE, 'A', false),
  turn('c2', 0, 'A', NONE),
  turn('c3', 0, 'B', 'A'),
  turn('c4', 0, 'B', 'B'),
  turn('c4', 1, 'B', 'B', true),
  turn('c5', 0, NONE, NONE),
  turn('c6', 0, NONE, 'B'),
  turn('c7', 0, NONE, NONE),
  turn('c8', 0, 'C', NONE),
];

describe('computeMetrics', () => {
  const metrics = computeMetrics(RESULTS);

  it('computes answer_recall over labelled first turns', () => {
    // 2 of the 5 labelled questions (c1, c4) got exactly their answer: 2/5.
    expect(metrics.answer_recall).toBe(0.4);
  });

  it('computes precision over the answers given', () => {
    // 4 answers were given (c1, c3, c4, c6), 2 of them right: 2/4.
    expect(metrics.precision).toBe(0.5);
  });

  it('computes false_answer_rate over the none cases, rounded to 3 decimals', () => {
    // 1 of the 3 messages that needed silence (c6) got an answer: 1/3.
    expect(metrics.false_answer_rate).toBe(0.333);
  });

  it('computes wrong_answer_rate over labelled first turns', () => {
    // 1 of the 5 labelled questions (c3) got another entry's answer: 1/5.
    expect(metrics.wrong_answer_rate).toBe(0.2);
  });

  it('computes followup_accuracy over later turns only', () => {
    // 2 of the 3 later turns were handled as labelled: 2/3.
    expect(metrics.followup_accuracy).toBe(0.667);
  });

  it('counts cases, not turns', () => {
    // 11 turns in 8 conversations.
    expect(metrics.cases).toBe(8);
  });

  it('computes recall and precision per intent and leaves out none', () => {
    // A: labelled c1,c2, answered c1,c3, right c1. B: labelled c3,c4, answered c4,c6, right c4. C: never answered.
    expect(metrics.per_intent).toEqual({
      A: { labeled: 2, answered: 2, correct: 1, recall: 0.5, precision: 0.5 },
      B: { labeled: 2, answered: 2, correct: 1, recall: 0.5, precision: 0.5 },
      C: { labeled: 1, answered: 0, correct: 0, recall: 0, precision: 0 },
    });
  });

  it('does not count later turns in the first-turn metrics', () => {
    // Adding more correct follow-ups changes followup_accuracy only.
    const more = computeMetrics([...RESULTS, turn('c8', 1, 'C', 'C', true), turn('c8', 2, 'C', 'C', true)]);
    expect(more).toMatchObject({
      answer_recall: 0.4,
      precision: 0.5,
      false_answer_rate: 0.333,
      wrong_answer_rate: 0.2,
      followup_accuracy: 0.8,
      cases: 8,
    });
    expect(more.per_intent.C).toEqual({ labeled: 1, answered: 0, correct: 0, recall: 0, precision: 0 });
  });

  it('reports zeros, not NaN, when there is nothing to measure', () => {
    // An empty eval file prints 0 for every metric.
    expect(computeMetrics([])).toEqual({
      answer_recall: 0,
      precision: 0,
      false_answer_rate: 0,
      wrong_answer_rate: 0,
      followup_accuracy: 0,
      cases: 0,
      per_intent: {},
    });
  });

  it('reports a perfect run as all ones and no false or wrong answers', () => {
    // A bot that answers every labelled case right and stays silent otherwise scores 1 / 0.
    const perfect = computeMetrics([
      turn('p1', 0, 'A', 'A'),
      turn('p2', 0, NONE, NONE),
      turn('p1', 1, 'A', 'A', true),
    ]);
    expect(perfect).toMatchObject({
      answer_recall: 1,
      precision: 1,
      false_answer_rate: 0,
      wrong_answer_rate: 0,
      followup_accuracy: 1,
      cases: 2,
    });
  });
});

describe('precisionAtNoneShare', () => {
  const metrics = computeMetrics(RESULTS);

  it('gives back the measured precision at the measured mix', () => {
    // 3 of the 8 first turns needed no answer: at 3/8 the formula must reproduce precision 0.5.
    expect(precisionAtNoneShare(metrics, 3 / 8)).toBe(0.5);
  });

  it('rises when fewer messages need no answer and falls when more do', () => {
    // Recall 0.4, wrong 0.2, false 0.333: with no none messages only the wrong answers are left
    // (0.4 / 0.6); with three none messages per question, 0.4 / (0.6 + 0.333 * 3).
    expect(precisionAtNoneShare(metrics, 0)).toBe(0.667);
    expect(precisionAtNoneShare(metrics, 0.75)).toBe(0.25);
  });

  it('is 0, not NaN, when nothing was answered', () => {
    // A build that never answers has no precision to report.
    expect(precisionAtNoneShare({ answer_recall: 0, wrong_answer_rate: 0, false_answer_rate: 0 }, 0.35)).toBe(
      0,
    );
  });
});
