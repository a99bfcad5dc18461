import { describe, expect, it } from 'vitest';
import { buildClassifier, type LabeledText } from '../../src/classifier/classifier.ts';
import { readCases, trainingTexts } from '../../src/eval/cases.ts';
import { loadKnowledge } from '../../src/knowledge/load.ts';
import { readTrainingCorpus } from '../../src/knowledge/training-corpus.ts';

const { kb } = loadKnowledge('knowledge');
if (!kb) throw new Error('the default knowledge base does not validate');
const corpus = readTrainingCorpus('eval/train.jsonl').texts;

// Messages of the synthetic Discord-style holdout: none is about the taught message's topic.
const MESSAGES = trainingTexts(readCases('eval/holdout-synthetic.jsonl')).map((c) => c.text);

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
    const after = decisions([{ text: 'how do i change the font size of the chat window', intent: 'none' }]);
    // A moderator who teaches one fact should not see answers elsewhere appear, vanish or change
    // entry. With a shuffle of the whole list, one more text reordered every pass: 20 of these 156
    // decisions changed and a probability moved by up to 0.47. Order by text hash: 2, and 0.06.
    const changed = before.filter((was, i) => after[i]!.rule !== was.rule || after[i]!.intent !== was.intent);
    const moved = Math.max(...before.map((was, i) => Math.abs(after[i]!.top - was.top)));
    expect(changed.length).toBeLessThanOrEqual(MESSAGES.length * 0.03);
    expect(moved).toBeLessThan(0.15);
  });
});
