// The real bot (`tsx src/cli/start.ts`, as `npm start` runs it) against the fake Discord server,
// over real sockets on 127.0.0.1: gateway handshake, intents, REST payloads, rate limits,
// reconnects, threads and forum posts. Tests that only talk to the bot share one bot (the real
// knowledge and training corpus, as in production), each asking as members of its own; tests that
// restart, kill or fail the bot start their own server and bot process.
import { describe, expect, it } from 'vitest';
import { MUTE_REPLIES } from '../../src/pipeline/commands.ts';
import { type BotProcess, startBot, WITH_TRAINING_CORPUS } from '../../tools/wire/bot-process.ts';
import type { BotMessage, FakeDiscord } from '../../tools/wire/fake-discord.ts';
import { realKnowledge } from '../support/pipeline.ts';
import { SEED_TURNS } from '../support/seed.ts';
import { useFakeDiscord, useSharedBot } from './harness.ts';

const { kb } = realKnowledge();
const entry = (id: string) => {
  const found = kb.byId.get(id);
  if (!found) throw new Error(`no knowledge entry ${id}`);
  return found;
};
const PASTED_401 =
  'help, every message fails with this:\n{"error":{"message":"No auth credentials found","code":401}}';

let discord: FakeDiscord;

/** The bot with a test .env; debug logging makes "handled message" lines available. */
function launchBot(env: Record<string, string> = {}): Promise<BotProcess> {
  return startBot(discord, { env: { LOG_LEVEL: 'debug', ...env } });
}

/** Waits until the bot has handled a message and returns the pipeline's reason (e.g. why it stayed silent). */
async function reasonFor(bot: BotProcess, messageId: string): Promise<string> {
  const line = await bot.waitForLog((l) => l.msg === 'handled message' && l.messageId === messageId, WAIT);
  return String(line.json?.reason);
}

const replyTo = (id: string) => (m: BotMessage) => m.replyTo === id;

/**
 * A positive marker instead of waiting a while for nothing to happen: mod asks a known question in
 * #sillytavern and is answered. Messages are read in the order they arrive and replies to one
 * channel are sent in order, so whatever the bot was going to post there before has been posted.
 */
async function settled(): Promise<BotMessage> {
  const sentinel = discord.postMessage({
    channel: 'sillytavern',
    author: discord.addMember('sentinel'),
    content: 'sillytavern says Rate limit exceeded: free-models-per-day, what now?',
  });
  return discord.waitForBotMessage(replyTo(sentinel.id), WAIT);
}
/** Upper bound for one reply or log line; generous because the 2-core CI box may be busy. */
const WAIT = 10_000;
const NOBODY = { everyone: false, users: [], roles: [], repliedUser: false };

describe('the bot on the wire, answering', { timeout: 45_000 }, () => {
  let bot: BotProcess;
  let newMember: () => string;
  useSharedBot(
    {
      env: {
        SUPPORT_CHANNELS: 'sillytavern,help-forum',
        ...WITH_TRAINING_CORPUS,
      },
    },
    (shared) => {
      ({ discord, bot, newMember } = shared);
    },
  );
  /** What the bot sent since `mark` (a count of botMessages taken at the test's start). */
  const sentSince = (mark: number) => discord.botMessages.slice(mark);

  it('answers a pasted 401 error in #sillytavern as a reply, with the follow-up question and the footer', async () => {
    // alice pastes the error; she sees the 401 answer as a reply to her message, and nobody is pinged.
    const [alice, mark] = [newMember(), discord.botMessages.length];
    const question = discord.postMessage({ channel: 'sillytavern', author: alice, content: PASTED_401 });

    const answer = await discord.waitForBotMessage(replyTo(question.id), WAIT);
    expect(answer.channelId).toBe(discord.ids.channels.sillytavern);
    expect(answer.content).toContain(entry('error-401-unauthorized').followUp);
    expect(answer.content.endsWith(kb.footer)).toBe(true);
    expect(answer.allowedMentions?.parse).toEqual([]);
    expect(answer.allowedMentions?.replied_user).toBe(false);
    expect(discord.pingsOf(answer)).toEqual(NOBODY);
    const replying = await bot.waitForLog((l) => l.msg === 'replying' && l.messageId === question.id, WAIT);
    expect(replying.json?.intent).toBe('error-401-unauthorized');
    const marker = await settled();
    expect(sentSince(mark)).toEqual([answer, marker]);
  });

  it('warns about an API key pasted into an edit, over the wire, and deletes the message', async () => {
    // bob edits his question to include his key: he sees one leaked-key warning.
    const key = `sk-or-v1-${'0123456789abcdef'.repeat(4).split('').reverse().join('')}`;
    const [bob, mark] = [newMember(), discord.botMessages.length];
    const question = discord.postMessage({
      channel: 'sillytavern',
      author: bob,
      content: 'is my key format right?',
    });
    expect(await reasonFor(bot, question.id)).not.toBe('leaked API key');
    discord.editMessage(question.id, `is my key format right? ${key}`);
    const warning = await discord.waitForBotMessage(
      (m) => sentSince(mark).includes(m) && m.content.includes('API key'),
      WAIT,
    );
    expect(warning.content).not.toContain(key);
    expect(discord.pingsOf(warning)).toEqual(NOBODY);
    // The bot may delete messages here, so the edited message is gone and the warning says so.
    expect(warning.content).toContain('I deleted your message');
    expect(discord.message(question.id)).toBeUndefined();
    const marker = await settled();
    expect(sentSince(mark)).toEqual([warning, marker]);
  });

  it('stays silent when the same error is pasted in #general', async () => {
    // #general is not a support channel: alice sees no reply there.
    const mark = discord.botMessages.length;
    const question = discord.postMessage({ channel: 'general', author: newMember(), content: PASTED_401 });
    expect(await reasonFor(bot, question.id)).toMatch(/not a support channel/);
    // A silent decision posts nothing after it is logged.
    expect(sentSince(mark)).toEqual([]);
  });

  it('stays silent when another bot or a webhook posts the error in #sillytavern', async () => {
    // Bots do not answer bots: no reply to OtherBot or the GitHub webhook.
    const mark = discord.botMessages.length;
    const fromBot = discord.postMessage({ channel: 'sillytavern', author: 'otherBot', content: PASTED_401 });
    const fromWebhook = discord.postMessage({
      channel: 'sillytavern',
      author: 'webhook',
      content: PASTED_401,
    });
    expect(await reasonFor(bot, fromBot.id)).toMatch(/bot/);
    expect(await reasonFor(bot, fromWebhook.id)).toMatch(/webhook/);
    expect(sentSince(mark)).toEqual([]);
  });

  it('answers a forum post whose title is the question inside the post', async () => {
    // alice opens a #help-forum post titled with her error; the answer appears in that post.
    const post = discord.createForumPost({
      title: 'getting 401 unauthorized from openrouter, what do i do',
      content: 'it worked yesterday',
      author: newMember(),
    });

    const answer = await discord.waitForBotMessage(replyTo(post.messageId), WAIT);
    expect(answer.channelId).toBe(post.threadId);
    expect(answer.content).toContain(entry('error-401-unauthorized').followUp);
    expect(discord.pingsOf(answer)).toEqual(NOBODY);
  });

  it('answers a question in a thread under #sillytavern inside the thread', async () => {
    // alice asks in her thread; the answer is in the thread, and "alice started a thread" gets nothing.
    const [alice, mark] = [newMember(), discord.botMessages.length];
    const thread = discord.createThread({ parent: 'sillytavern', name: 'my setup', owner: alice });
    const question = discord.postMessage({ channel: thread.id, author: alice, content: PASTED_401 });

    const answer = await discord.waitForBotMessage(replyTo(question.id), WAIT);
    expect(answer.channelId).toBe(thread.id);
    // The "alice started a thread" notice went to #sillytavern before the marker.
    const marker = await settled();
    expect(sentSince(mark)).toEqual([answer, marker]);
  });

  it('replays the seed conversation in one forum post: 401 answer, 400 answer, then why it happens', async () => {
    // The conversation the product was modelled on: three replies in the post, the last one from the
    // 400 entry's "Why" section.
    const [first, second, third] = SEED_TURNS;
    const alice = newMember();
    const post = discord.createForumPost({ title: first.text, content: '', author: alice });
    const answers = [await discord.waitForBotMessage(replyTo(post.messageId), WAIT)];
    for (const turn of [second, third]) {
      const message = discord.postMessage({ channel: post.threadId, author: alice, content: turn.text });
      answers.push(await discord.waitForBotMessage(replyTo(message.id), WAIT));
    }

    for (const [i, turn] of SEED_TURNS.entries()) {
      const answer = answers[i];
      expect(answer?.channelId).toBe(post.threadId);
      expect(answer?.content.endsWith(kb.footer)).toBe(true);
      const log = await bot.waitForLog((l) => l.msg === 'replying' && l.messageId === answer?.replyTo);
      expect(log.json).toMatchObject({ intent: turn.intent, kind: turn.kind });
    }
    const why = entry('error-400-invalid-key').sections.why ?? '';
    expect(answers[2]?.content).toContain(why.slice(0, 80));
  });
});

describe('the bot process on the wire', { timeout: 45_000 }, () => {
  useFakeDiscord((started) => {
    discord = started;
  });

  it('keeps a user muted across a SIGKILL and a restart, and !unmute brings the answers back', async () => {
    // alice types !mute and is told so; the bot crashes and comes back; it still ignores her
    // until she types !unmute.
    const bot = await launchBot({ USER_COOLDOWN_SECONDS: '0' });
    const mute = discord.postMessage({ channel: 'sillytavern', author: 'alice', content: '!mute' });
    expect((await discord.waitForBotMessage(replyTo(mute.id), WAIT)).content).toContain(MUTE_REPLIES.muted);

    const killed = await bot.kill();
    expect(killed.signal).toBe('SIGKILL');
    const again = await bot.restart();

    const ignored = discord.postMessage({ channel: 'sillytavern', author: 'alice', content: PASTED_401 });
    expect(await reasonFor(again, ignored.id)).toMatch(/muted/);
    const unmute = discord.postMessage({ channel: 'sillytavern', author: 'alice', content: '!unmute' });
    expect((await discord.waitForBotMessage(replyTo(unmute.id), WAIT)).content).toContain(
      MUTE_REPLIES.unmuted,
    );
    const asked = discord.postMessage({ channel: 'sillytavern', author: 'alice', content: PASTED_401 });
    await discord.waitForBotMessage(replyTo(asked.id), WAIT);
    expect(discord.botMessages.filter((m) => m.replyTo === ignored.id)).toEqual([]);
  });

  it('waits out a 429 on the reply route and the reply arrives once, not twice', async () => {
    // Discord rate-limits the bot once; alice gets one answer about a second later.
    const bot = await launchBot();
    discord.failNext('POST /channels/:channelId/messages', { status: 429, retryAfter: 1 });
    const question = discord.postMessage({ channel: 'sillytavern', author: 'alice', content: PASTED_401 });

    await discord.waitForBotMessage(replyTo(question.id), WAIT);
    const attempts = discord.requests.filter((r) => r.route === 'POST /channels/:channelId/messages');
    expect(attempts.map((r) => r.status)).toEqual([429, 200]);
    await bot.waitForLog((l) => l.msg === 'rate limited by Discord', WAIT);
    await settled();
    expect(discord.botMessages.filter(replyTo(question.id))).toHaveLength(1);
  });

  it('resumes a dropped gateway connection and answers both the missed and the next question', async () => {
    // The connection drops; what alice asked meanwhile and what bob asks afterwards both get one answer.
    await launchBot();
    const mark = discord.gatewayLog.length;
    await discord.dropGateway();
    const missed = discord.postMessage({ channel: 'sillytavern', author: 'alice', content: PASTED_401 });
    await discord.waitForGateway('resumed', WAIT, mark);
    const next = discord.postMessage({ channel: 'sillytavern', author: 'bob', content: PASTED_401 });

    await discord.waitForBotMessage(replyTo(missed.id), WAIT);
    await discord.waitForBotMessage(replyTo(next.id), WAIT);
    expect(discord.gatewayLog.slice(mark).some((e) => e.kind === 'identify')).toBe(false);
    await settled();
    expect(discord.botMessages.filter((m) => m.replyTo === missed.id || m.replyTo === next.id)).toHaveLength(
      2,
    );
  });

  it('posts nothing to any channel when sending an answer fails, and keeps answering others', async () => {
    // Sending alice's answer fails with server errors: she sees no error message anywhere, the
    // log says the reply was refused, and bob's question right after is answered normally.
    const bot = await launchBot();
    // @discordjs/rest retries a 5xx three times, so four attempts fail and the send is refused.
    discord.failNext((r) => r.route === 'POST /channels/:channelId/messages' && isReply(r.body), {
      status: 500,
      times: 4,
    });
    const failing = discord.postMessage({ channel: 'sillytavern', author: 'alice', content: PASTED_401 });
    const refused = await bot.waitForLog(
      (l) => l.msg === 'Discord refused the reply; nothing recorded',
      WAIT,
    );
    expect(refused.json?.messageId).toBe(failing.id);
    expect(discord.botMessages).toEqual([]);

    const next = discord.postMessage({ channel: 'sillytavern', author: 'bob', content: PASTED_401 });
    await discord.waitForBotMessage(replyTo(next.id), WAIT);
  });

  it('logs in with the configured token and shuts down cleanly on SIGTERM', async () => {
    // A service manager stops the bot: it leaves the gateway normally and exits 0.
    const bot = await launchBot();
    expect(discord.connectedSessions).toBe(1);
    expect(await bot.stop()).toEqual({ code: 0, signal: null });
    const close = await discord.waitForGateway('close', WAIT);
    expect(close.code).toBe(1000);
  });
});

function isReply(body: unknown): boolean {
  return typeof body === 'object' && body !== null && 'message_reference' in body;
}
