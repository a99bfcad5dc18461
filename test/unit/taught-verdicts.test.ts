import { describe, expect, it } from 'vitest';
import { buildClassifier } from '../../src/classifier/classifier.ts';
import { loadKnowledge } from '../../src/knowledge/load.ts';

const { kb } = loadKnowledge('knowledge');
if (!kb) throw new Error('the default knowledge base does not validate');

const CONFIDENT = 'how do I fix error 402 insufficient credits on openrouter?';
const MISSED = 'is there a way to make the bot read its replies out loud';

describe("a moderator's word on an exact message", () => {
  it('keeps a message silent after "Shouldn\'t answer", however sure the model is', () => {
    const untaught = buildClassifier(kb.entries).classify(CONFIDENT);
    expect(untaught).toMatchObject({ rule: 'answer', intent: 'error-402-credits' });

    const taught = buildClassifier(kb.entries, { taught: [{ text: CONFIDENT, intent: 'none' }] });
    // The same message again, give or take case and punctuation: the asker gets no answer.
    for (const again of [CONFIDENT, 'How do I fix error 402: insufficient credits on OpenRouter']) {
      const decision = taught.classify(again);
      expect(decision.rule).toBe('silent: a moderator said not to answer this');
      expect(decision.intent).toBeUndefined();
    }
  });

  it('answers a message with the entry a moderator chose for it', () => {
    expect(buildClassifier(kb.entries).classify(MISSED).rule).not.toBe('answer');
    const taught = buildClassifier(kb.entries, { taught: [{ text: MISSED, intent: 'tts' }] });
    expect(taught.classify(MISSED)).toMatchObject({ rule: 'answer', intent: 'tts', confidence: 1 });
  });

  it('ignores a taught entry that no longer exists, and "not this entry" facts', () => {
    const taught = buildClassifier(kb.entries, {
      taught: [
        { text: MISSED, intent: 'an-entry-a-moderator-deleted' },
        { text: CONFIDENT, notIntent: 'error-402-credits' },
      ],
    });
    expect(taught.classify(MISSED).intent).not.toBe('an-entry-a-moderator-deleted');
    expect(taught.classify(CONFIDENT).rule).not.toBe('silent: a moderator said not to answer this');
  });
});
