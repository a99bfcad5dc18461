import { describe, expect, it } from 'vitest';
import { createMemory, detectFollowUp } from '../../src/pipeline/follow-ups.ts';

const MINUTE = 60_000;
const T = 1_000_000_000;

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
  ])('reads %j as a "fix" follow-up', (text) => {
    // The asker gets the entry's ## Fix steps.
    expect(detectFollowUp(text)).toBe('fix');
  });

  it.each([
    'still not working',
    'still getting the same error',
    "didn't help",
    'did not work',
    'no luck',
    'nothing changed',
    'same error again',
  ])('reads %j as a "still" follow-up', (text) => {
    // The bot hands the asker over to humans instead of repeating itself.
    expect(detectFollowUp(text)).toBe('still');
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

  it.each(['thanks!', 'getting 429 too many requests', 'which model is best for roleplay', '', '   '])(
    'does not read %j as a follow-up',
    (text) => {
      // Thanks, new errors and unrelated questions are not treated as referring to the last answer.
      expect(detectFollowUp(text)).toBeUndefined();
    },
  );
});

describe('createMemory', () => {
  const remembered = { intent: 'error-401-unauthorized', answeredAt: T, handedOver: false };

  it('remembers the last answer inside the window', () => {
    // "why?" nine minutes after the answer is understood as about that answer.
    const memory = createMemory(10 * MINUTE, 60 * MINUTE);
    memory.set('thread-1', 'u1', remembered);
    expect(memory.get('thread-1', 'u1', T + 10 * MINUTE)).toEqual(remembered);
  });

  it('forgets the last answer after the window', () => {
    // "why?" an hour later is not answered from a conversation the asker has moved on from.
    const memory = createMemory(10 * MINUTE, 60 * MINUTE);
    memory.set('thread-1', 'u1', remembered);
    expect(memory.get('thread-1', 'u1', T + 10 * MINUTE + 1)).toBeUndefined();
    expect(memory.size).toBe(0);
  });

  it('keeps a hand-over for longer than an ordinary answer', () => {
    // After "a human will help you", the bot stays out of that conversation well past 10 minutes.
    const memory = createMemory(10 * MINUTE, 60 * MINUTE);
    memory.set('thread-1', 'u1', { ...remembered, handedOver: true });
    expect(memory.get('thread-1', 'u1', T + 30 * MINUTE)?.handedOver).toBe(true);
  });

  it('forgets a hand-over after its own longer window', () => {
    // The next day the asker can get automatic answers in that channel again.
    const memory = createMemory(10 * MINUTE, 60 * MINUTE);
    memory.set('thread-1', 'u1', { ...remembered, handedOver: true });
    expect(memory.get('thread-1', 'u1', T + 60 * MINUTE + 1)).toBeUndefined();
  });

  it('keeps memory per conversation and per user', () => {
    // Another member's "why?" in the same thread is not taken as a follow-up to Mira's answer.
    const memory = createMemory(10 * MINUTE, 60 * MINUTE);
    memory.set('thread-1', 'u1', remembered);
    expect(memory.get('thread-1', 'u2', T)).toBeUndefined();
    expect(memory.get('thread-2', 'u1', T)).toBeUndefined();
  });

  it('replaces the memory with the latest answer', () => {
    // After a second answer, "why?" refers to the newer one.
    const memory = createMemory(10 * MINUTE, 60 * MINUTE);
    memory.set('thread-1', 'u1', remembered);
    memory.set('thread-1', 'u1', {
      intent: 'error-429-rate-limit',
      answeredAt: T + MINUTE,
      handedOver: false,
    });
    expect(memory.get('thread-1', 'u1', T + MINUTE)?.intent).toBe('error-429-rate-limit');
    expect(memory.size).toBe(1);
  });

  it('prunes only expired entries', () => {
    // In a long run memory stays bounded without forgetting live conversations.
    const memory = createMemory(10 * MINUTE, 60 * MINUTE);
    memory.set('thread-1', 'old', remembered);
    memory.set('thread-1', 'handed', { ...remembered, handedOver: true });
    memory.set('thread-1', 'fresh', { ...remembered, answeredAt: T + 15 * MINUTE });
    memory.prune(T + 20 * MINUTE);
    expect(memory.size).toBe(2);
    expect(memory.get('thread-1', 'old', T + 20 * MINUTE)).toBeUndefined();
  });
});
