// The buttons under every answer and what happens when the question goes away: real discord.js
// messages and interactions built in-process, REST calls recorded instead of sent.
import {
  type ActionRowBuilder,
  type APIButtonComponentWithCustomId,
  type ButtonBuilder,
  Events,
  Message,
  type MessageReplyOptions,
} from 'discord.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { attachHandlers } from '../../src/discord/client.ts';
import { FEEDBACK_REPLIES, parseFeedbackId } from '../../src/discord/feedback.ts';
import { createPipeline } from '../../src/pipeline/pipeline.ts';
import {
  ASKER_ID,
  addThread,
  GUILD_ID,
  makeMessage,
  SUPPORT_ID,
  snowflake,
} from '../support/discord-payloads.ts';
import {
  createHarness,
  type Harness,
  HELPER_ID,
  isEphemeral,
  MEMBER,
  MOD_ID,
  MODERATOR,
} from '../support/interactions.ts';
import { TEST_CONFIG } from '../support/pipeline.ts';

const QUESTION = 'I get error 401 unauthorized from openrouter, what do I do?';
/** A member who is neither the asker nor staff. */
const WITNESS_ID = '300000000000000009';

let h: Harness;
let handlers: ReturnType<typeof attachHandlers>;
let replies: { questionId: string; answerId: string; options: MessageReplyOptions }[];

beforeEach(async () => {
  h = await createHarness();
  replies = [];
  // biome-ignore lint/suspicious/noExplicitAny: the spy stands in for the REST call that posts the reply.
  vi.spyOn(Message.prototype as any, 'reply').mockImplementation(async function (
    this: Message,
    options: unknown,
  ) {
    const answerId = snowflake();
    replies.push({ questionId: this.id, answerId, options: options as MessageReplyOptions });
    return { id: answerId } as Message;
  });
  const pipeline = createPipeline({
    knowledge: h.knowledge.current,
    store: h.context.store,
    config: { ...TEST_CONFIG, USER_COOLDOWN_SECONDS: 0 },
    now: () => h.clock.now,
  });
  handlers = attachHandlers(h.client, { ...h.context, pipeline, now: () => h.clock.now });
});
afterEach(async () => {
  vi.restoreAllMocks();
  await h.close();
});

/** Posts a message as `authorId` and waits until the bot's handler has finished with it. */
async function post(content: string, { channelId = SUPPORT_ID, authorId = ASKER_ID } = {}) {
  h.clock.now += 60_000;
  const message = makeMessage(h.client, channelId, content, { authorId });
  h.client.emit(Events.MessageCreate, message);
  // Every queued message handled: "no reply" then means the handler finished without one.
  await handlers.idle();
  return { question: message, reply: replies.find((r) => r.questionId === message.id) };
}

function buttonsOf(options: MessageReplyOptions | undefined) {
  const rows = (options?.components ?? []) as ActionRowBuilder<ButtonBuilder>[];
  return rows.flatMap((row) => row.toJSON().components as APIButtonComponentWithCustomId[]);
}

/** Asks the question and returns the answer message with its buttons' custom ids by label. */
async function answered(content = QUESTION) {
  const { question, reply } = await post(content);
  if (!reply) throw new Error('the bot did not answer');
  const ids = Object.fromEntries(buttonsOf(reply.options).map((b) => [b.label, b.custom_id]));
  return { question, answer: { id: reply.answerId, channelId: question.channelId }, ids };
}

const answerRoute = (answer: { id: string; channelId: string }) =>
  `/channels/${answer.channelId}/messages/${answer.id}`;

describe('feedback buttons', () => {
  it('puts Solved, Not helpful and Dismiss under every answer', async () => {
    const { reply } = await post(QUESTION);
    expect(buttonsOf(reply?.options).map((b) => b.label)).toEqual(['Solved', 'Not helpful', 'Dismiss']);
  });

  it('carries the action, the recorded answer and the asker in each custom id', async () => {
    const { ids } = await answered();
    for (const [label, action] of [
      ['Solved', 'solved'],
      ['Not helpful', 'not-helpful'],
      ['Dismiss', 'dismiss'],
    ]) {
      expect(parseFeedbackId(ids[label ?? ''] ?? '')).toMatchObject({ action, askerId: ASKER_ID });
    }
  });

  it('puts them under follow-up answers too', async () => {
    await answered();
    const { reply } = await post('why does this happen?');
    expect(reply?.options.content).toBeDefined();
    expect(buttonsOf(reply?.options).map((b) => b.label)).toEqual(['Solved', 'Not helpful', 'Dismiss']);
  });

  it('leaves them off a hand-over to humans, command replies and leaked-key warnings', async () => {
    await answered();
    const handover = await post('still not working');
    expect(handover.reply?.options.content).toMatch(/human/i);
    expect(buttonsOf(handover.reply?.options)).toEqual([]);
    const mute = await post('!mute', { authorId: HELPER_ID });
    expect(mute.reply).toBeDefined();
    expect(buttonsOf(mute.reply?.options)).toEqual([]);
    const key = `sk-or-v1-${'0123456789abcdef'.repeat(4)}`;
    const leaked = await post(`my key ${key} gives 401`, { authorId: MOD_ID });
    expect(leaked.reply).toBeDefined();
    expect(buttonsOf(leaked.reply?.options)).toEqual([]);
  });
});

describe('votes', () => {
  it('thanks the voter privately and records the vote', async () => {
    const { answer, ids } = await answered();
    const thanks = await h.press(answer, ids.Solved ?? '');
    expect(isEphemeral(thanks)).toBe(true);
    expect(thanks.content).toBe(FEEDBACK_REPLIES.recorded.solved);
    expect(h.context.store.stats(GUILD_ID, 1).feedback).toEqual([
      { intent: 'error-401-unauthorized', vote: 'solved', count: 1 },
    ]);
  });

  it('stores one vote per user per answer: pressing again changes nothing, the other button changes it', async () => {
    const { answer, ids } = await answered();
    await h.press(answer, ids.Solved ?? '');
    expect((await h.press(answer, ids.Solved ?? '')).content).toBe(FEEDBACK_REPLIES.unchanged.solved);
    expect((await h.press(answer, ids['Not helpful'] ?? '')).content).toBe(
      FEEDBACK_REPLIES.changed['not-helpful'],
    );
    expect(h.context.store.stats(GUILD_ID, 1).feedback).toEqual([
      { intent: 'error-401-unauthorized', vote: 'not-helpful', count: 1 },
    ]);
  });

  it('counts the votes of different users separately', async () => {
    const { answer, ids } = await answered();
    await h.press(answer, ids.Solved ?? '', { user: ASKER_ID });
    await h.press(answer, ids.Solved ?? '', { user: HELPER_ID });
    expect(h.context.store.stats(GUILD_ID, 1).feedback).toEqual([
      { intent: 'error-401-unauthorized', vote: 'solved', count: 2 },
    ]);
  });
});

describe('dismiss', () => {
  it('deletes the answer when the asker presses it', async () => {
    const { answer, ids } = await answered();
    const reply = await h.press(answer, ids.Dismiss ?? '', { user: ASKER_ID, permissions: MEMBER });
    expect(h.deleted()).toEqual([answerRoute(answer)]);
    expect(isEphemeral(reply)).toBe(true);
    expect(reply.content).toBe(FEEDBACK_REPLIES.dismissed);
    expect(h.context.store.stats(GUILD_ID, 1).removed).toEqual([
      { intent: 'error-401-unauthorized', reason: 'dismissed', count: 1 },
    ]);
  });

  it('deletes the answer when a moderator presses it', async () => {
    const { answer, ids } = await answered();
    const reply = await h.press(answer, ids.Dismiss ?? '', { user: MOD_ID, permissions: MODERATOR });
    expect(h.deleted()).toEqual([answerRoute(answer)]);
    expect(reply.content).toBe(FEEDBACK_REPLIES.dismissed);
  });

  it('refuses anyone else privately and leaves the answer', async () => {
    const { answer, ids } = await answered();
    const reply = await h.press(answer, ids.Dismiss ?? '', { user: HELPER_ID, permissions: MEMBER });
    expect(isEphemeral(reply)).toBe(true);
    expect(reply.content).toBe('Only the asker can dismiss this.');
    expect(h.deleted()).toEqual([]);
    expect(h.context.store.stats(GUILD_ID, 1).removed).toEqual([]);
  });

  it('goes by the recorded asker, not by whoever the custom id names', async () => {
    // A custom id from an older message format (or a forged one) cannot make someone else the asker.
    const { answer, ids } = await answered();
    const forged = (ids.Dismiss ?? '').replace(ASKER_ID, HELPER_ID);
    const reply = await h.press(answer, forged, { user: HELPER_ID, permissions: MEMBER });
    expect(reply.content).toBe(FEEDBACK_REPLIES.onlyAsker);
    expect(h.deleted()).toEqual([]);
  });

  it('says so privately when the answer cannot be deleted', async () => {
    const { answer, ids } = await answered();
    vi.mocked(h.client.rest.delete).mockRejectedValueOnce(new Error('Missing Access'));
    const reply = await h.press(answer, ids.Dismiss ?? '');
    expect(reply.content).toBe(FEEDBACK_REPLIES.cannotDelete);
  });
});

describe('a deleted question', () => {
  /** Discord's MESSAGE_DELETE for `id`, through discord.js's gateway handling. */
  function deleteOnDiscord(id: string, channelId: string): void {
    // biome-ignore lint/suspicious/noExplicitAny: `actions` is how discord.js handles gateway events.
    (h.client as any).actions.MessageDelete.handle({ id, channel_id: channelId, guild_id: GUILD_ID });
  }

  /** Waits until the bot has deleted exactly these answers. */
  async function deletedAnswers(routes: string[]) {
    await vi.waitFor(() => expect(h.deleted()).toEqual(routes));
  }

  /**
   * Deletes `question` on Discord and checks that its answer stays. A witness (another user's
   * answered question, deleted right after) must go: once it has, the bot has dealt with both.
   */
  async function deleteAndExpectNoAnswerRemoved(question: { id: string; channelId: string }) {
    deleteOnDiscord(question.id, question.channelId);
    const witness = await post(QUESTION, { authorId: WITNESS_ID });
    if (!witness.reply) throw new Error('the witness question was not answered');
    deleteOnDiscord(witness.question.id, witness.question.channelId);
    await deletedAnswers([`/channels/${witness.question.channelId}/messages/${witness.reply.answerId}`]);
  }

  it('takes its answer with it when deleted within the follow-up window', async () => {
    const { question, answer } = await answered();
    h.clock.now += 5 * 60_000;
    deleteOnDiscord(question.id, question.channelId);
    await deletedAnswers([answerRoute(answer)]);
    expect(h.context.store.stats(GUILD_ID, 1).removed).toEqual([
      { intent: 'error-401-unauthorized', reason: 'question deleted', count: 1 },
    ]);
  });

  it('also when the question is no longer in the message cache', async () => {
    const { question, answer } = await answered();
    question.channel.messages.cache.delete(question.id);
    deleteOnDiscord(question.id, question.channelId);
    await deletedAnswers([answerRoute(answer)]);
  });

  it('deletes the answer in the thread the question was asked in', async () => {
    const thread = addThread(h.client, SUPPORT_ID, 'my setup');
    const { question, reply } = await post(QUESTION, { channelId: thread.id });
    deleteOnDiscord(question.id, thread.id);
    await deletedAnswers([`/channels/${thread.id}/messages/${reply?.answerId}`]);
  });

  it('deletes the answer when the question is deleted while the answer is still being sent', async () => {
    const send = vi.mocked(Message.prototype.reply);
    const original = send.getMockImplementation();
    send.mockImplementationOnce(async function (this: Message, options) {
      deleteOnDiscord(this.id, this.channelId); // arrives before the send has returned
      return original?.call(this, options) as ReturnType<Message['reply']>;
    });
    const { question } = await post(QUESTION);
    const reply = replies.find((r) => r.questionId === question.id);
    expect(reply).toBeDefined();
    await deletedAnswers([`/channels/${SUPPORT_ID}/messages/${reply?.answerId}`]);
  });

  it('leaves the answer once the follow-up window is over', async () => {
    const { question } = await answered();
    h.clock.now += (TEST_CONFIG.FOLLOWUP_WINDOW_MINUTES + 1) * 60_000;
    await deleteAndExpectNoAnswerRemoved(question);
  });

  it('deletes nothing for a question the bot did not answer', async () => {
    const { question, reply } = await post('thanks everyone, that worked!');
    expect(reply).toBeUndefined();
    await deleteAndExpectNoAnswerRemoved(question);
  });
});
