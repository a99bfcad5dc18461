import { describe, expect, it } from 'vitest';
import { detectFollowUp, reportsFailure } from '../../src/pipeline/follow-ups.ts';

describe('detectFollowUp', () => {
  it.each([
    'why does this happen?',
    'Why?',
    'but why',
    'ok why is that',
    'what causes this?',
    "what's the reason",
    'how come',
    'what does that mean?',
  ])('reads %j as a "why" follow-up', (text) => {
    // The asker gets the entry's ## Why section instead of the same answer again.
    expect(detectFollowUp(text)).toBe('why');
  });

  it.each([
    'how do i fix it?',
    'How can I solve this',
    'how to fix that',
    'what should i do now',
    'is there a fix?',
    'any fix?',
    'how do I do that?',
    'how exactly can I change that',
    'how would I find it on android?',
    'what do i actually run',
  ])('reads %j as a "fix" follow-up', (text) => {
    // The asker gets the entry's ## Fix steps.
    expect(detectFollowUp(text)).toBe('fix');
  });

  it.each([
    'still not working',
    'still getting the same error',
    'added $5 like you said and it still says insufficient credits',
    'ticked enabled and hit apply, still silent',
    'restarted it, still forbidden',
    'this is just my second request, still throwing up error',
    "didn't help",
    'did not work',
    'no luck',
    'nothing changed',
    'same error again',
    'it happened again',
    "still doesn't work after that",
    'I tried that but it did not get fixed.',
    "I tried what you said, but it doesn't seem to work.",
    'Nope, still trying to find how',
    '我设置了18000都还是没有用。', // "I set 18000 and it still did no good"
  ])('reads %j as a "still" follow-up', (text) => {
    // The bot hands the asker over to humans instead of repeating itself.
    expect(detectFollowUp(text)).toBe('still');
  });

  it.each(['that fixed nothing, same thing', 'is this fixed in 1.13?'])(
    'does not read %j as closing the exchange',
    (text) => {
      // "this/that" closes only with "is / was / has been … fixed": a question or a failure keeps it open.
      expect(detectFollowUp(text)).not.toBe('closing');
    },
  );

  it('does not read Node Version Manager as "nvm" (nevermind)', () => {
    // "works in nvm 17, fails in nvm 18 with an error" is still a problem, not the asker closing.
    expect(
      detectFollowUp(
        'successfully start in nvm version 17, but on nvm use 18 it fails: still the same error',
      ),
    ).toBe('still');
    expect(detectFollowUp('nvm, found it')).toBe('closing');
  });

  it('reads curly apostrophes and capitals like plain text', () => {
    // "Didn’t help" typed on a phone is understood.
    expect(detectFollowUp('Didn\u2019t HELP')).toBe('still');
  });

  it('does not read a long new question that starts with "why" as a follow-up', () => {
    // A fresh, detailed question is classified on its own, not answered from the last entry.
    const text =
      'why does sillytavern show a payment required error on openrouter when my account has plenty of credits left on it';
    expect(text.split(' ').length).toBeGreaterThan(14);
    expect(detectFollowUp(text)).toBeUndefined();
  });

  it.each([
    'thanks!',
    'Problem resolved, although the replies are still slow',
    'sorry to have bothered you',
    'nevermind, my bad',
    'ok thanks it works',
    'resolved',
    'turned out the model was down, this is solved for me now',
    "ok that's fixed",
  ])('reads %j as closing the exchange', (text) => {
    // Thanks, "resolved" and apologies end the conversation: no hand-over, no further answer.
    expect(detectFollowUp(text)).toBe('closing');
  });

  it.each([
    "Thank you for your quick reply! I tried, but unfortunately it didn't work.",
    'thanks, but still getting 401',
    'ok thanks, same error though',
  ])('reads %j, thanks and then an explicit failure, as "still"', (text) => {
    // Politeness first, then "it didn't work": the asker is handed over to humans, not ignored.
    expect(detectFollowUp(text)).toBe('still');
  });

  it.each([
    'thanks, fixed it, although it still fails now and then',
    'thanks! it works now, still having some lag',
    'thank you, never mind, same error was my typo',
  ])('reads %j, thanks and a resolution, as closing even with "still" after it', (text) => {
    expect(detectFollowUp(text)).toBe('closing');
  });

  it.each(['still new to ST, how do I add my key?', 'again?', 'is this still the right way to set it up?'])(
    'does not read %j, with a "still" or "again" but no failure, as a hand-over',
    (text) => {
      // Only an explicit "still not working" hands the asker over to humans.
      expect(detectFollowUp(text)).not.toBe('still');
    },
  );

  it.each(['getting 429 too many requests', 'which model is best for roleplay', '', '   '])(
    'does not read %j as a follow-up',
    (text) => {
      // Thanks, new errors and unrelated questions are not treated as referring to the last answer.
      expect(detectFollowUp(text)).toBeUndefined();
    },
  );
});

describe('reportsFailure', () => {
  it.each([
    'now it crashes with an exception',
    'getting 401 again',
    'error: connection refused',
    'it fails on start',
  ])('reads %j as a failure report', (text) => {
    // Inside the asker's exchange, this after an answer means the answer did not solve it.
    expect(reportsFailure(text)).toBe(true);
  });

  it.each([
    'retried after a few minutes and it ran, no 401 present',
    'works without errors now',
    "it didn't crash this time",
  ])('does not read %j, which reports the opposite, as a failure', (text) => {
    // Good news that mentions the old error is not handed over to humans.
    expect(reportsFailure(text)).toBe(false);
  });
});
