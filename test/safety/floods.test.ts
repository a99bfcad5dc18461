// Floods and loops through the real pipeline with a hand-driven clock: a troll (or fifty) cannot
// make the bot post more than the per-user cooldown and the per-channel cap allow, bots and
// webhooks are never answered, and a message delivered twice is answered once.
import { beforeAll, describe, expect, it } from 'vitest';
import type { GrayZoneJudge } from '../../src/pipeline/pipeline.ts';
import type { IncomingMessage, Outcome } from '../../src/pipeline/types.ts';
import { realKnowledge, TEST_CONFIG, testPipeline } from '../support/pipeline.ts';
import { seeded } from './support.ts';

const knowledge = realKnowledge();
const CAP = TEST_CONFIG.CHANNEL_MAX_ANSWERS_PER_MINUTE;
const COOLDOWN_MS = TEST_CONFIG.USER_COOLDOWN_SECONDS * 1000;
const START = Date.UTC(2026, 10, 28, 12);

// Examples the bot answers on their own (a few sit just under the threshold).
const QUESTIONS = knowledge.kb.entries
  .flatMap((entry) => entry.examples)
  .filter((text) => knowledge.classifier.classify(text).rule === 'answer');
const FOLLOW_UPS = ['why does this happen?', 'how do i fix it?', 'still not working', 'why?', 'any fix?'];
const CHATTER = [
  'lol',
  'gm everyone',
  'thanks!!',
  'anyone here?',
  'same',
  'what model do you all use for rp',
  '+1',
  'nvm fixed it',
  'ok',
  'bump',
];

interface Delivered {
  message: IncomingMessage;
  at: number;
  /** A second delivery of a message already delivered (a gateway replay). */
  duplicate: boolean;
  outcome?: Outcome;
}

/** A pipeline on the real knowledge base with a hand clock and, optionally, a gray-zone judge. */
function floodPipeline(judge?: GrayZoneJudge) {
  const { pipeline, store, clock, messageFrom } = testPipeline({ judge });
  const message = (content: string, userId: string, overrides: Partial<IncomingMessage> = {}) =>
    messageFrom(userId, content, overrides);
  /** Hands a message to the pipeline at `at` without waiting: the burst overlaps like real traffic. */
  const deliver = (message: IncomingMessage, at: number): Promise<Outcome> => {
    clock.now = at;
    return pipeline.handle(message);
  };
  return { pipeline, store, clock, message, deliver };
}

const replied = (d: Delivered) => Boolean(d.outcome?.reply);

/** The largest number of replies in any 60-second window. */
function mostRepliesInAMinute(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (const [i, t] of sorted.entries()) {
    most = Math.max(most, sorted.filter((u, j) => j >= i && u - t < 60_000).length);
  }
  return most;
}

describe('a burst of 1000 messages from 50 users in one channel within a minute', () => {
  const delivered: Delivered[] = [];
  let after: Outcome;
  let judgeCalls = 0;

  beforeAll(async () => {
    const random = seeded(2026);
    const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)] as T;
    // A judge that says yes to the top candidate, a little later: more answers are possible and
    // the handling of different messages interleaves, as with a real LLM.
    const judge: GrayZoneJudge = async (question) => {
      judgeCalls++;
      await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 3)));
      return question.candidates[0]?.intent;
    };
    const { message, deliver } = floodPipeline(judge);
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < 1000; i++) {
      const at = START + Math.floor((i * 59_000) / 1000);
      const user = `user${Math.floor(random() * 50)}`;
      const roll = random();
      let entry: Delivered;
      if (roll < 0.05 && delivered.length > 0) {
        // The gateway delivers an earlier event again.
        entry = { message: pick(delivered).message, at, duplicate: true };
      } else if (roll < 0.1) {
        entry = {
          message: message(pick(QUESTIONS), 'other-bot', {
            author: { id: 'other-bot', displayName: 'OtherBot', isBot: true, roles: [] },
          }),
          at,
          duplicate: false,
        };
      } else if (roll < 0.15) {
        entry = {
          message: message(pick(QUESTIONS), 'hook', {
            author: { id: 'hook', displayName: 'GitHub', isBot: true, isWebhookOrSystem: true, roles: [] },
          }),
          at,
          duplicate: false,
        };
      } else if (roll < 0.55) {
        entry = { message: message(pick(QUESTIONS), user), at, duplicate: false };
      } else if (roll < 0.65) {
        entry = { message: message(pick(FOLLOW_UPS), user), at, duplicate: false };
      } else {
        entry = { message: message(pick(CHATTER), user), at, duplicate: false };
      }
      delivered.push(entry);
      pending.push(
        deliver(entry.message, at).then((outcome) => {
          entry.outcome = outcome;
        }),
      );
    }
    await Promise.all(pending);
    // Two minutes later a newcomer asks a known question.
    after = await deliver(message(QUESTIONS[0] ?? '', 'newcomer'), START + 120_000);
  });

  it('handles every one of the 1000 messages without an error', () => {
    // The flood does not stall or crash the bot: each message gets a decision.
    expect(delivered).toHaveLength(1000);
    expect(delivered.every((d) => d.outcome !== undefined)).toBe(true);
  });

  it('posts no more replies in any minute than the channel cap', () => {
    // The channel sees at most CHANNEL_MAX_ANSWERS_PER_MINUTE bot replies, not a wall of them.
    const times = delivered.filter(replied).map((d) => d.at);
    expect(times.length).toBeGreaterThan(0);
    expect(mostRepliesInAMinute(times)).toBeLessThanOrEqual(CAP);
  });

  it('replies to each user at most once per cooldown', () => {
    // Nobody gets two bot replies within USER_COOLDOWN_SECONDS, however fast they type.
    const byUser = new Map<string, number[]>();
    for (const d of delivered.filter(replied)) {
      byUser.set(d.message.author.id, [...(byUser.get(d.message.author.id) ?? []), d.at]);
    }
    for (const times of byUser.values()) {
      for (let i = 1; i < times.length; i++) {
        expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(COOLDOWN_MS);
      }
    }
  });

  it('never answers the bot or the webhook that post real questions into the burst', () => {
    // Two bots cannot talk each other into a loop: OtherBot and the GitHub webhook get nothing.
    const fromBots = delivered.filter((d) => d.message.author.isBot);
    expect(fromBots.length).toBeGreaterThan(50);
    expect(fromBots.filter(replied)).toEqual([]);
    expect(fromBots.every((d) => d.outcome?.reason.includes('bot'))).toBe(true);
  });

  it('answers a message that the gateway delivers twice at most once', () => {
    // A replayed event does not produce a second copy of the answer.
    const duplicates = delivered.filter((d) => d.duplicate);
    expect(duplicates.length).toBeGreaterThan(10);
    expect(duplicates.filter(replied)).toEqual([]);
    const repliesPerId = new Map<string, number>();
    for (const d of delivered.filter(replied))
      repliesPerId.set(d.message.id, (repliesPerId.get(d.message.id) ?? 0) + 1);
    expect([...repliesPerId.values()].every((n) => n === 1)).toBe(true);
  });

  it('stops asking the LLM judge when the cap leaves no room for an answer', () => {
    // A flood cannot spend the hourly LLM budget: only messages that could still be answered are judged.
    expect(judgeCalls).toBeLessThanOrEqual(CAP * 2);
  });

  it('answers the next real question once the flood minute is over', () => {
    // The bot is still responsive afterwards: a newcomer's question gets its answer.
    expect(after.kind).toBe('answer');
    expect(after.reply).toBeTruthy();
  });
});

describe('one user trying to make the bot loop', () => {
  it('gets at most the answer and one Why and one Fix when alternating "why?" and "how do I fix it?" every second', async () => {
    // Each follow-up section is sent once per conversation: spamming follow-ups yields the answer,
    // one Why and one Fix, then silence, however long the spam goes on.
    const { message, deliver } = floodPipeline();
    const first = await deliver(message(QUESTIONS[0] ?? '', 'troll'), START);
    expect(first.kind).toBe('answer');
    const kinds: string[] = [];
    for (let s = 1; s <= 60; s++) {
      const text = s % 2 ? 'why does this happen?' : 'how do i fix it?';
      const outcome = await deliver(message(text, 'troll'), START + s * 1000);
      if (outcome.reply) kinds.push(outcome.reason);
    }
    expect(kinds).toEqual(['follow-up: why', 'follow-up: fix']);
  });

  it('gets the answer and at most one hand-over when posting the same question 200 times', async () => {
    // Copy-pasting the question again means the answer did not help: one hand-over to humans,
    // after which the bot stays out of the conversation (never the same answer twice).
    const { message, deliver } = floodPipeline();
    const replies: string[] = [];
    for (let i = 0; i < 200; i++) {
      const outcome = await deliver(message(QUESTIONS[0] ?? '', 'spammer'), START + i * 100);
      if (outcome.reply) replies.push(outcome.kind);
    }
    expect(replies[0]).toBe('answer');
    expect(replies.length).toBeLessThanOrEqual(2);
    expect(replies.filter((kind) => kind === 'answer')).toHaveLength(1);
  });

  it('gets no reply at all when two bots quote each other in a loop', async () => {
    // OtherBot and a webhook relay keep re-posting each other's messages: the bot stays out of it.
    const { message, deliver } = floodPipeline();
    for (let i = 0; i < 100; i++) {
      const author =
        i % 2
          ? { id: 'bot-a', displayName: 'A', isBot: true, roles: [] }
          : { id: 'relay', displayName: 'Relay', isBot: true, isWebhookOrSystem: true, roles: [] };
      const outcome = await deliver(
        message(QUESTIONS[i % QUESTIONS.length] ?? '', author.id, { author }),
        START + i,
      );
      expect(outcome.reply).toBeUndefined();
    }
  });
});

describe('a flood spread over threads', () => {
  it('shares the channel cap between all threads and forum posts under the support channel', async () => {
    // Twenty people open twenty threads under #sillytavern within two seconds: the channel as a
    // whole still gets at most CHANNEL_MAX_ANSWERS_PER_MINUTE answers.
    const { message, deliver } = floodPipeline();
    let answers = 0;
    for (let t = 0; t < 20; t++) {
      const thread = {
        channelId: `thread${t}`,
        threadId: `thread${t}`,
        threadOwnerId: `user${t}`,
        parentChannelId: 'c-sillytavern',
        parentChannelName: 'sillytavern',
      };
      const outcome = await deliver(message(QUESTIONS[0] ?? '', `user${t}`, thread), START + t * 100);
      if (outcome.reply) answers++;
    }
    expect(answers).toBe(CAP);
  });
});
