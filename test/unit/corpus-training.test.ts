import { describe, expect, it } from 'vitest';
import { buildClassifier, type LabeledText } from '../../src/classifier/classifier.ts';
import { readHelpRequest } from '../../src/classifier/help-gate.ts';
import { loadKnowledge } from '../../src/knowledge/load.ts';

const { kb } = loadKnowledge('knowledge');
if (!kb) throw new Error('the default knowledge base does not validate');

const QUESTIONS = [
  'lorebook not working?',
  'where do I attach a lorebook',
  'are lorebooks per chat or per character?',
];
const scoresOf = (training: LabeledText[]) => {
  const classifier = buildClassifier(kb.entries, { training });
  return QUESTIONS.map((question) => classifier.score(question));
};

// Corpus messages about lorebooks that need no answer, the way GitHub threads are full of them.
const TURNED_AWAY: LabeledText[] = [
  { text: 'Feature request: please add folders for lorebook entries, the list gets long', intent: 'none' },
  { text: 'Thanks, that fixed it! the lorebook entries trigger now', intent: 'none' },
  { text: 'It would be nice to have regex keys for lorebook entries', intent: 'none' },
];
const LET_THROUGH: LabeledText[] = [
  { text: 'my lorebook entries trigger twice in the prompt since the update?', intent: 'none' },
  { text: 'is there a lorebook for the witcher setting somewhere?', intent: 'none' },
  { text: 'how do lorebook entries get sorted when the budget is full?', intent: 'none' },
];

describe('what the training corpus teaches', () => {
  it('the messages in it are read by the help gate as the test expects', () => {
    expect(TURNED_AWAY.map((t) => readHelpRequest(t.text).verdict)).toEqual(['no', 'no', 'no']);
    expect(LET_THROUGH.map((t) => readHelpRequest(t.text).verdict)).not.toContain('no');
  });

  it('a corpus message the help gate turns away teaches the model nothing', () => {
    // Such a message is never answered whatever the model says. Learned as `none`, it taught the model
    // that "lorebook" means silence, and askers of questions like these lost their answer.
    expect(scoresOf(TURNED_AWAY)).toEqual(scoresOf([]));
  });

  it('a `none` the gate lets through and a positive the gate misreads are still learned', () => {
    // The test above would pass if the corpus taught nothing at all: these two change the model.
    const without = scoresOf([]);
    expect(scoresOf(LET_THROUGH)).not.toEqual(without);
    // A labeled question the gate misreads as thanks still says what the entry is about.
    const misread: LabeledText = {
      text: 'Thanks! but my lorebook keys never activate at all',
      intent: 'world-info-lorebooks',
    };
    expect(readHelpRequest(misread.text).verdict).toBe('no');
    expect(scoresOf([misread])).not.toEqual(without);
  });
});
