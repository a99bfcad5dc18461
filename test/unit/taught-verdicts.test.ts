import { describe, expect, it } from 'vitest';
import { buildClassifier, lessonOf, sameQuestionKey } from '../../src/classifier/classifier.ts';
import { loadKnowledge } from '../../src/knowledge/load.ts';

const { kb } = loadKnowledge('knowledge');
if (!kb) throw new Error('the default knowledge base does not validate');

const CONFIDENT = 'how do I fix error 402 insufficient credits on openrouter?';
const MISSED = 'is there a way to make the bot read its replies out loud';

describe("a moderator's word on a message and the same question in other words", () => {
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

  it('answers the same question in other words with the taught entry, however the model scores it', () => {
    // bob asks what alice asked, with other filler words: he gets the answer the moderator chose for
    // hers, even when the model alone would put it just under the threshold.
    const taught = buildClassifier(kb.entries, { taught: [{ text: MISSED, intent: 'tts' }] });
    expect(taught.classify('any way to make the bot read replies out loud?')).toMatchObject({
      rule: 'answer',
      intent: 'tts',
      confidence: 1,
    });
  });

  it('does not carry a verdict to a message that says the opposite, adds a word, or is too short', () => {
    // "doesn't work" and "works" share their content words; a fix report adds one; "help with
    // 402" has too few words to call it the same question. The model decides those.
    expect(sameQuestionKey('my api key doesnt work on openrouter')).not.toBe(
      sameQuestionKey('my api key works on openrouter'),
    );
    expect(sameQuestionKey('thanks, found a way to make the bot read replies out loud')).not.toBe(
      sameQuestionKey(MISSED),
    );
    expect(sameQuestionKey('help with 402')).not.toBe(sameQuestionKey('402 help'));
    const taught = buildClassifier(kb.entries, { taught: [{ text: CONFIDENT, intent: 'none' }] });
    expect(taught.classify("can't fix error 402 insufficient credits on openrouter").rule).not.toBe(
      'silent: a moderator said not to answer this',
    );
  });

  it("holds in the moderator's own server only", () => {
    // A moderator of server A silences one message and answers another; in server B both are decided
    // by the model (which learns from every server's lessons, as from the shared files), and B's
    // /kb test shows no moderator's verdict from A.
    const taught = buildClassifier(kb.entries, {
      taught: [
        { text: CONFIDENT, intent: 'none', notIntent: 'error-402-credits', guildId: 'A' },
        { text: MISSED, intent: 'tts', guildId: 'A' },
      ],
    });
    expect(taught.classify(CONFIDENT, 'A').rule).toBe('silent: a moderator said not to answer this');
    expect(taught.classify(MISSED, 'A')).toMatchObject({ rule: 'answer', intent: 'tts', confidence: 1 });
    expect(taught.classify(CONFIDENT, 'B').rule).not.toBe('silent: a moderator said not to answer this');
    expect(taught.classify(MISSED, 'B').confidence).toBeLessThan(1);
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

describe('what a negative teaches (knowledge files and "Shouldn\'t answer" alike)', () => {
  it('teaches "no answer" for a message that is no request for help', () => {
    // Thanks after an answer: the bot should stay quiet for messages like it, whatever the topic.
    expect(
      lessonOf({ text: 'thanks, that fixed it!', intent: 'none', notIntent: 'error-401-unauthorized' }),
    ).toEqual({ intent: 'none' });
  });

  it('teaches only "not this entry" for one that reads as a question or problem', () => {
    // A helper's reply on the entry's topic: taught as `none`, it would pull the entry's real
    // askers towards silence too.
    expect(
      lessonOf({ text: 'probably an invalid api key', intent: 'none', notIntent: 'error-400-invalid-key' }),
    ).toEqual({ notIntent: 'error-400-invalid-key' });
  });

  it('leaves examples and plain labels as they are', () => {
    expect(lessonOf({ text: 'getting 401', intent: 'error-401-unauthorized' })).toEqual({
      intent: 'error-401-unauthorized',
    });
    expect(lessonOf({ text: 'lol', intent: 'none' })).toEqual({ intent: 'none' });
    expect(lessonOf({ text: 'x', notIntent: 'tts' })).toEqual({ notIntent: 'tts' });
  });
});
