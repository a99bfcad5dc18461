// Conversations as they happen on Discord: replies to the bot's answer, people helping people,
// hand-overs that close one exchange, and a record that follows what was actually sent.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Classification } from '../../src/classifier/classifier.ts';
import { readHelpRequest } from '../../src/classifier/help-gate.ts';
import { loadKnowledgeState } from '../../src/knowledge/state.ts';
import { openStore } from '../../src/store/store.ts';
import { undecided } from '../support/classification.ts';
import { askersThread, realKnowledge, testPipeline } from '../support/pipeline.ts';

const PASTED_401 =
  'getting this in sillytavern: {"error":{"message":"No auth credentials found","code":401}}';
const RATE_LIMITED = 'sillytavern says Rate limit exceeded: free-models-per-day, what now?';
const { kb } = realKnowledge();
const section = (id: string, name: 'why' | 'fix') => (kb.byId.get(id)?.sections[name] ?? '').slice(0, 60);

/** Decides, "sends" as Discord would (the bot message gets `botMessageId`) and commits. */
async function answerAs(
  h: ReturnType<typeof testPipeline>,
  botMessageId: string,
  content: string,
  overrides = {},
) {
  h.clock.now += 60_000;
  const question = h.message(content, overrides);
  const decision = await h.pipeline.decide(question);
  h.pipeline.commit(question, decision, decision.reply ? botMessageId : undefined);
  return decision;
}

const replyToBot = (messageId: string) => ({ replyTo: { messageId, authorId: 'bot', isBot: true } });

describe("a Discord reply to the bot's answer", () => {
  it('gets the Why section when the asker replies "why does this happen?"', async () => {
    // alice presses Reply on the bot's 401 answer and asks why: she gets the 401 Why section.
    const h = testPipeline();
    await answerAs(h, 'bot-1', PASTED_401);
    const why = await answerAs(h, 'bot-2', 'why does this happen?', replyToBot('bot-1'));
    expect(why).toMatchObject({
      kind: 'followup',
      reason: 'follow-up: why',
      intent: 'error-401-unauthorized',
    });
    expect(why.reply).toContain(section('error-401-unauthorized', 'why'));
  });

  it('still finds the answer an hour later, long after the follow-up window', async () => {
    // A reply to the bot refers to that answer at any age.
    const h = testPipeline();
    await answerAs(h, 'bot-1', PASTED_401);
    h.clock.now += 60 * 60_000;
    const fix = await answerAs(h, 'bot-2', 'how do I fix it?', replyToBot('bot-1'));
    expect(fix).toMatchObject({ kind: 'followup', reason: 'follow-up: fix' });
  });

  it('still finds the answer after a restart, through the record in SQLite', async () => {
    // The bot restarts between the answer and the reply; the Fix steps still come.
    const databaseFile = path.join(mkdtempSync(path.join(tmpdir(), 'conv-')), 'bot.sqlite');
    const before = testPipeline({ databaseFile });
    await answerAs(before, 'bot-1', PASTED_401);
    before.store.close();
    const after = testPipeline({ databaseFile });
    const fix = await answerAs(after, 'bot-2', 'how do I fix it?', replyToBot('bot-1'));
    expect(fix).toMatchObject({
      kind: 'followup',
      reason: 'follow-up: fix',
      intent: 'error-401-unauthorized',
    });
    after.store.close();
  });

  it('ends in silence when the asker replies "thanks"', async () => {
    // Thanks need no answer and are no reason to call humans.
    const h = testPipeline();
    await answerAs(h, 'bot-1', PASTED_401);
    const thanks = await answerAs(h, 'bot-2', 'thanks, that was it!', replyToBot('bot-1'));
    expect(thanks).toMatchObject({ kind: 'silent', reason: 'silent: the asker closed the conversation' });
  });

  it('is ignored when someone other than the asker replies to the answer', async () => {
    // bob replying "why?" to alice's answer is not bob's exchange.
    const h = testPipeline();
    await answerAs(h, 'bot-1', PASTED_401);
    const bobs = await h.pipeline.decide(h.messageFrom('bob', 'why does this happen?', replyToBot('bot-1')));
    expect(bobs).toMatchObject({ kind: 'silent', reason: 'ignored: reply to an answer for someone else' });
  });
});

describe('people helping people', () => {
  it.each([
    'for the 429 just wait a minute, free models are limited',
    '@x did you press connect? the model list loads after that',
    'whoever asked about the 402: top up credits',
  ])('never answers advice to someone else: %j', async (advice) => {
    // A helper's advice gets no automated answer on top of it.
    const { say } = testPipeline();
    expect(await say(advice)).toMatchObject({ kind: 'silent', reason: 'ignored: advice to someone else' });
  });

  it("hands over when the asker's own report on the answer sounds like advice", async () => {
    // "set a new key … like it said, still no connection" starts like an instruction to someone else,
    // but it is alice telling the bot its answer did not help: she is handed over, not ignored.
    const { say } = testPipeline();
    await say(PASTED_401);
    const report = await say('set a new key in the api connection like it said, still no connection');
    expect(report).toMatchObject({ kind: 'handover', intent: 'error-401-unauthorized' });
  });

  it('still ignores the same words from a helper who has no exchange of their own', async () => {
    // bob helps alice in the open channel; he asked nothing, so his "still" is advice, not a report.
    const h = testPipeline();
    await h.say(PASTED_401);
    const helper = h.messageFrom(
      'bob',
      'try a new key and paste it again, if it still fails check for spaces',
    );
    expect(await h.pipeline.decide(helper)).toMatchObject({
      kind: 'silent',
      reason: 'ignored: advice to someone else',
    });
  });

  it('never answers a message that mentions another member', async () => {
    // "<@123> you need a new key, the 401 means it was revoked" is addressed to that member.
    const { say } = testPipeline();
    const outcome = await say('the 401 means your key was revoked, make a new one', { mentionsOthers: true });
    expect(outcome.reason).toBe('ignored: advice to someone else');
  });
});

describe('hand-overs', () => {
  it('needs an explicit "still not working": an unrelated problem after an answer is not a hand-over', async () => {
    // A different, unknown problem right after the 401 answer gets silence, not "a human will help".
    const { say } = testPipeline();
    await say(PASTED_401);
    const unrelated = await say('my custom css theme does not load anymore');
    expect(unrelated.kind).not.toBe('handover');
    expect(unrelated.reply).toBeUndefined();
    // ...and the user's next known question is answered.
    expect(await say(RATE_LIMITED)).toMatchObject({ kind: 'answer', intent: 'error-429-rate-limit' });
  });

  it('closes only that exchange: a new, different known question is answered', async () => {
    // After the hand-over for the 401, the same user's rate-limit question still gets its answer.
    const { say } = testPipeline();
    await say(PASTED_401);
    expect((await say('still not working')).kind).toBe('handover');
    expect(await say(RATE_LIMITED)).toMatchObject({ kind: 'answer', intent: 'error-429-rate-limit' });
  });

  it('hands over when a thank-you is followed by "it didn\'t work", and stays quiet when it says "fixed"', async () => {
    // Askers are polite: "Thank you! I tried, but it didn't work." means the answer did not solve it.
    const polite = testPipeline();
    await polite.say(PASTED_401);
    expect(
      (await polite.say("Thank you for the quick reply! I tried, but unfortunately it didn't work.")).kind,
    ).toBe('handover');
    const solved = testPipeline();
    await solved.say(PASTED_401);
    const closing = await solved.say('thanks, fixed it, although it still fails now and then');
    expect(closing.kind).toBe('silent');
    expect(closing.reply).toBeUndefined();
  });

  it('hands over when the asker, in their thread, pastes the same kind of error after the answer', async () => {
    // "Did that, now it says 401 again": the answer did not solve it. Before, the bot stayed silent
    // ("already answered") and the asker was left with nobody.
    const { say } = testPipeline();
    const thread = askersThread('t2');
    expect(await say(PASTED_401, thread)).toMatchObject({ kind: 'answer', intent: 'error-401-unauthorized' });
    const after = await say('made a new key like it said, error: 401 No auth credentials found', thread);
    expect(after.kind).toBe('handover');
  });

  it('hands over on a new error report inside the exchange, but not on the same words in the open channel', async () => {
    // In alice's thread, "now it crashes with an exception" after the answer means it did not solve it; in the
    // busy channel the same words may be about anything, so only "still not working" counts there.
    const inThread = testPipeline();
    const thread = askersThread('t1');
    await inThread.say(PASTED_401, thread);
    expect((await inThread.say('tried all of that, now it crashes with an exception', thread)).kind).toBe(
      'handover',
    );

    const inChannel = testPipeline();
    await inChannel.say(PASTED_401);
    expect((await inChannel.say('tried all of that, now it crashes with an exception')).kind).not.toBe(
      'handover',
    );
  });

  it.each([
    'Problem resolved, although the replies are slow now',
    'sorry to have bothered you',
    'nevermind',
    'help me',
  ])('is not triggered by %j', async (text) => {
    // Resolved, apologies and a bare "help me" never call the humans.
    const { say } = testPipeline();
    await say(PASTED_401);
    const next = await say(text);
    expect(next.kind).toBe('silent');
  });
});

describe('a bare call for help', () => {
  it.each(['help', 'help me', 'pls help!'])('is never answered: %j', async (text) => {
    // "help" says nothing about the problem yet; the next message will.
    const { say } = testPipeline();
    expect((await say(text)).reply).toBeUndefined();
  });
});

describe('one question in several messages', () => {
  const OPENER = 'hey guys quick question about openrouter';
  const QUESTION = 'where do I put my key in sillytavern?';

  it('answers the second message read together with the first, with the real classifier', async () => {
    // Discord askers split a question over messages; neither alone is clear enough, together they are.
    const { say } = testPipeline();
    expect((await say(OPENER)).reply).toBeUndefined();
    expect(await say(QUESTION)).toMatchObject({ kind: 'answer', intent: 'connect-openrouter' });
  });

  // Decided only when the text names both OpenRouter and a key: what each test feeds it is clear.
  const classify = (text: string): Classification =>
    /openrouter/i.test(text) && /\bkey\b/i.test(text)
      ? {
          candidates: [{ intent: 'connect-openrouter', score: 0.95, evidence: [] }],
          noneScore: 0.01,
          helpRequest: readHelpRequest(text),
          rule: 'answer',
          intent: 'connect-openrouter',
          confidence: 0.95,
        }
      : { ...undecided(['connect-openrouter']), helpRequest: readHelpRequest(text) };

  it("does not read one person's message together with another's", async () => {
    // Someone else's half-question never completes mine: the second asker gets silence.
    const { pipeline, messageFrom, clock } = testPipeline({ classify });
    await pipeline.handle(messageFrom('first', OPENER));
    clock.now += 60_000;
    expect((await pipeline.handle(messageFrom('second', QUESTION))).reply).toBeUndefined();
  });

  it('does not reach back past the follow-up window', async () => {
    // An hour later the earlier message is another conversation: silence, as for the message alone.
    const { say, clock } = testPipeline({ classify });
    await say(OPENER);
    clock.now += 60 * 60_000;
    expect((await say(QUESTION)).reply).toBeUndefined();
  });

  it("takes the first part off the moderators' review queue once both are answered", async () => {
    // The first message read alone was an unanswered help request; answered together, it is not.
    const { say, store } = testPipeline({ classify });
    const first = await say('my openrouter setup is broken');
    expect(first.unanswered).toBeDefined();
    expect(store.taught.review('g1', 5).unanswered).toHaveLength(1);
    expect((await say('where do I put the key?')).kind).toBe('answer');
    expect(store.taught.review('g1', 5).unanswered).toHaveLength(0);
  });

  it('does not answer thanks or a fix report because of what came before', async () => {
    // "thanks, got it" after an unanswered question closes it; the bot does not answer it late.
    const { say } = testPipeline({ classify });
    expect((await say('openrouter keeps failing for me')).reply).toBeUndefined();
    expect((await say('thanks, the key was wrong')).reply).toBeUndefined();
  });
});

describe('decide, send, then commit', () => {
  it('records nothing while deciding: the same message decided twice gets the same answer', async () => {
    // decide() is pure: no answer row, no cooldown, no follow-up state until commit.
    const h = testPipeline();
    const question = h.message(PASTED_401);
    const first = await h.pipeline.decide(question);
    first.reservation?.release();
    const second = await h.pipeline.decide(question);
    expect(second).toMatchObject({ kind: 'answer', intent: first.intent });
    expect(h.store.stats('g1', 1).answers).toEqual([]);
  });

  it('leaves no trace of a reply Discord refused: no record, no follow-up, no cooldown', async () => {
    // The 403 on send means nobody saw the answer; "why?" then has nothing to refer to.
    const h = testPipeline();
    h.clock.now += 60_000;
    const question = h.message(PASTED_401);
    h.pipeline.commit(question, await h.pipeline.decide(question), undefined);
    expect(h.store.stats('g1', 1).answers).toEqual([]);
    expect((await h.say('why does this happen?')).reply).toBeUndefined();
    // Seconds later the same user asks again and is not held back by a cooldown.
    expect(await h.say(PASTED_401)).toMatchObject({ kind: 'answer' });
  });

  it('records the answer with the message id Discord gave it', async () => {
    // /stats counts what was sent, and the sent message leads back to its exchange.
    const h = testPipeline();
    await answerAs(h, 'bot-1', PASTED_401);
    expect(h.store.stats('g1', 1).answers).toEqual([
      { intent: 'error-401-unauthorized', kind: 'answer', count: 1 },
    ]);
    expect(h.store.exchangeOfMessage('g1', 'bot-1')).toMatchObject({ userId: 'asker' });
  });

  it('lets a !mute that arrived while the answer was being decided win', async () => {
    // The answer was decided, then alice typed !mute before it was posted: nothing is posted.
    const h = testPipeline();
    h.clock.now += 60_000;
    const question = h.message(PASTED_401);
    const decision = await h.pipeline.decide(question);
    expect(decision.kind).toBe('answer');
    await h.pipeline.handle(h.message('!mute'));
    expect(h.pipeline.interruption(question)).toBe('ignored: user muted the bot');
  });

  it('lets a reply by a person to the asker win over a pending answer', async () => {
    // A staff member answered alice first: the bot's answer is no longer wanted.
    const h = testPipeline();
    const question = h.message(PASTED_401);
    await h.pipeline.decide(question);
    await h.pipeline.handle(
      h.messageFrom('mod', 'regenerate your key on openrouter', {
        replyTo: { messageId: question.id, authorId: 'asker' },
        author: { id: 'mod', displayName: 'mod', isBot: false, roles: ['staff'] },
      }),
    );
    expect(h.pipeline.interruption(question)).toBe('ignored: someone replied to the asker');
  });
});

describe('the store behind follow-ups', () => {
  it('keeps a hand-over in its exchange, not on the user', () => {
    // A hand-over marks the exchange it closes; the user's other exchanges stay open.
    const store = openStore(':memory:');
    const base = { guildId: 'g', channelId: 'c', conversationId: 'c', userId: 'u', questionMessageId: 'q' };
    const first = store.recordAnswer({
      ...base,
      intent: 'a',
      kind: 'answer',
      decidedBy: 't',
      answerMessageId: 'b1',
    });
    store.recordAnswer({
      ...base,
      intent: 'a',
      kind: 'handover',
      decidedBy: 't',
      exchangeId: first,
      answerMessageId: 'b2',
    });
    store.recordAnswer({ ...base, intent: 'b', kind: 'answer', decidedBy: 't', answerMessageId: 'b3' });
    expect(store.exchangeOfMessage('g', 'b2')).toMatchObject({ id: first, handedOver: true });
    expect(store.latestExchange('g', 'c', 'u')).toMatchObject({ intent: 'b', handedOver: false });
    store.close();
  });
});

describe("moderators' verdicts", () => {
  it("silence a message in the moderator's own server only", async () => {
    // Server A's moderator said the 402 question needs no answer; in server B the asker still gets it.
    const question = 'how do I fix error 402 insufficient credits on openrouter?';
    const { state } = loadKnowledgeState('knowledge', {
      taught: [{ text: question, intent: 'none', notIntent: 'error-402-credits', guildId: 'server-a' }],
    });
    if (!state) throw new Error('the default knowledge base does not validate');
    const inA = testPipeline({ knowledge: state });
    const silenced = await inA.say(question, { guildId: 'server-a' });
    expect(silenced).toMatchObject({ kind: 'silent', rule: 'silent: a moderator said not to answer this' });
    // Decided by a moderator, so it does not come back on A's review queue as unanswered.
    expect(silenced.unanswered).toBeUndefined();
    const inB = testPipeline({ knowledge: state });
    const answered = await inB.say(question, { guildId: 'server-b' });
    expect(answered.rule).not.toBe('silent: a moderator said not to answer this');
  });

  it("are not undone by the asker's next message", async () => {
    // "any ideas?" after a message a moderator silenced is not read together with it. (The stand-in
    // classifier answers the silenced question whenever it comes with more text, as a model may.)
    const question = 'how do I fix error 402 insufficient credits on openrouter?';
    const classify = (text: string): Classification => {
      const helpRequest = readHelpRequest(text);
      if (text === question)
        return {
          ...undecided(['error-402-credits']),
          helpRequest,
          rule: 'silent: a moderator said not to answer this',
        };
      if (!text.includes(question)) return { ...undecided(['error-402-credits']), helpRequest };
      const best = { intent: 'error-402-credits', score: 0.99, evidence: [] };
      return {
        candidates: [best],
        noneScore: 0,
        helpRequest,
        rule: 'answer',
        intent: best.intent,
        confidence: 0.99,
      };
    };
    const { say } = testPipeline({ classify });
    expect((await say(question)).rule).toBe('silent: a moderator said not to answer this');
    expect((await say('any ideas? still stuck')).reply).toBeUndefined();
  });
});
