import { describe, expect, it } from 'vitest';
import { buildClassifier, type LabeledText } from '../../src/classifier/classifier.ts';
import { readCases, trainingTexts } from '../../src/eval/cases.ts';
import { loadKnowledge } from '../../src/knowledge/load.ts';
import { readTrainingCorpus } from '../../src/knowledge/training-corpus.ts';

const { kb } = loadKnowledge('knowledge');
if (!kb) throw new Error('the default knowledge base does not validate');
const corpus = readTrainingCorpus('eval/train.jsonl').texts;

const TAUGHT = 'how do i change the font size of the chat window';
// Messages of the synthetic Discord-style holdout, except the one that asks the taught question in
// other words ("how do i change the font size? …"): that one should move.
const MESSAGES = trainingTexts(readCases('eval/holdout-synthetic.jsonl'))
  .map((c) => c.text)
  .filter((text) => !/font size/i.test(text));

function decisions(taught: LabeledText[]) {
  const classifier = buildClassifier(kb!.entries, { training: corpus, taught });
  return MESSAGES.map((text) => {
    const { rule, intent, candidates } = classifier.classify(text);
    return { rule, intent, top: candidates[0]?.score ?? 0 };
  });
}

describe('training order', () => {
  it("one taught example leaves the bot's answers to unrelated questions (nearly) as they were", () => {
    const before = decisions([]);
    const after = decisions([{ text: TAUGHT, intent: 'none' }]);
    // A moderator who teaches one fact should not see answers elsewhere appear, vanish or change
    // entry. With a shuffle of the whole list, one more text reordered every pass: 20 of the holdout's
    // 156 decisions changed and a probability moved by up to 0.47. Order by text hash: 2, and 0.06;
    // since turned-away corpus messages are left out of training, 1 and 0.04 on these 155 (the
    // paraphrase left out above moves by 0.15, towards silence, as it should).
    const changed = before.filter((was, i) => after[i]!.rule !== was.rule || after[i]!.intent !== was.intent);
    const moved = Math.max(...before.map((was, i) => Math.abs(after[i]!.top - was.top)));
    expect(changed.length).toBeLessThanOrEqual(MESSAGES.length * 0.03);
    expect(moved).toBeLessThan(0.15);
  });
});
