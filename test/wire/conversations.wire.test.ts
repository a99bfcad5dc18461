// Conversations as they happen on Discord, with the real bot process (`npm start`) against the fake
// Discord server: replies to the bot's answer, people helping people, hand-overs, refused sends,
// ordering against a slow LLM call, and the connection's life in the log.
import { describe, expect, it, vi } from 'vitest';
import { FEEDBACK_REPLIES } from '../../src/discord/feedback.ts';
import { loadKnowledgeState } from '../../src/knowledge/state.ts';
import { MUTE_REPLIES } from '../../src/pipeline/commands.ts';
import { type BotProcess, startBot } from '../../tools/wire/bot-process.ts';
import { type BotMessage, type FakeDiscord, startFakeDiscord } from '../../tools/wire/fake-discord.ts';
import { pick, startFakeOpenAi } from '../llm/fake-openai.ts';
import { realKnowledge } from '../support/pipeline.ts';
import { useFakeDiscord, useSharedBot } from './harness.ts';

const { kb } = realKnowledge();
const sectionStart = (id: string, name: 'why' | 'fix') =>
  (kb.byId.get(id)?.sections[name] ?? '').slice(0, 50);
const PASTED_401 =
  'help, every message fails with this:\n{"error":{"message":"No auth credentials found","code":401}}';
const RATE_LIMITED = 'sillytavern says Rate limit exceeded: free-models-per-day, what now?';
/** Upper bound for one reply or log line; generous because the 2-core CI box may be busy. */
const WAIT = 10_000;

let discord: FakeDiscord;

function launchBot(env: Record<string, string> = {}): Promise<BotProcess> {
  return startBot(discord, { env: { LOG_LEVEL: 'debug', USER_COOLDOWN_SECONDS: '0', ...env } });
}

/** Waits until the bot has decided about a message (a positive marker) and returns its reason. */
async function reasonFor(bot: BotProcess, messageId: string): Promise<string> {
  const line = await bot.waitForLog((l) => l.msg === 'handled message' && l.messageId === messageId, WAIT);
  return String(line.json?.reason);
}

const replyTo = (id: string) => (m: BotMessage) => m.replyTo === id;

describe('one bot for the tests that only talk to it', () => {
  let bot: BotProcess;
  let newMember: () => string;
  useSharedBot({}, (shared) => {
    ({ discord, bot, newMember } = shared);
  });

  describe('people helping people on the wire', { timeout: 60_000 }, () => {
    it('gives no answer to advice between users', async () => {
      // bob helps: his advice, his "did you press connect?" and his reply to alice get no bot answer.
      const [alice, bob] = [newMember(), newMember()];
      const question = discord.postMessage({
        channel: 'sillytavern',
        author: alice,
        content: 'my model list is empty',
      });
      await reasonFor(bot, question.id);
      const advice = [
        discord.postMessage({
          channel: 'sillytavern',
          author: bob,
          content: 'for the 429 just wait a minute, free models are limited',
        }),
        discord.postMessage({
          channel: 'sillytavern',
          author: bob,
          content: 'whoever asked about the 402: top up credits',
        }),
        discord.postMessage({
          channel: 'sillytavern',
          author: bob,
          content: 'did you press connect? the model list loads after that, 401 otherwise',
          replyTo: question.id,
        }),
      ];
      const reasons = [];
      for (const message of advice) reasons.push(await reasonFor(bot, message.id));
      expect(reasons).toEqual([
        'ignored: advice to someone else',
        'ignored: advice to someone else',
        'ignored: reply to someone else',
      ]);
      expect(discord.botMessages.filter((m) => advice.some((a) => m.replyTo === a.id))).toEqual([]);
    });

    it('does not hand over on an unrelated message after an answer, and answers the next known question', async () => {
      // alice's 401 is answered; her unrelated remark is not "still not working"; her 429 question is answered.
      const alice = newMember();
      const first = discord.postMessage({ channel: 'sillytavern', author: alice, content: PASTED_401 });
      await discord.waitForBotMessage(replyTo(first.id), WAIT);
      const unrelated = discord.postMessage({
        channel: 'sillytavern',
        author: alice,
        content: 'my group chat does not switch speakers',
      });
      expect(await reasonFor(bot, unrelated.id)).not.toMatch(/handed over/);
      const next = discord.postMessage({ channel: 'sillytavern', author: alice, content: RATE_LIMITED });
      const answer = await discord.waitForBotMessage(replyTo(next.id), WAIT);
      expect(answer.content).toContain(kb.byId.get('error-429-rate-limit')?.answer.slice(0, 40));
      expect(discord.botMessages.filter((m) => m.replyTo === unrelated.id)).toEqual([]);
    });
  });

  describe('a tolerant edge', { timeout: 60_000 }, () => {
    it('records a Solved press whose payload carries `thread: null`, without an unhandled rejection', async () => {
      // Another Discord implementation sends `thread: null` on the message: the vote still counts.
      const alice = newMember();
      const question = discord.postMessage({ channel: 'sillytavern', author: alice, content: PASTED_401 });
      const answer = await discord.waitForBotMessage(replyTo(question.id), WAIT);
      const rows = answer.components as { components: { label?: string; custom_id?: string }[] }[];
      const solved = rows.flatMap((r) => r.components).find((c) => c.label === 'Solved')?.custom_id ?? '';
      const press = discord.pressButton({
        message: answer.id,
        customId: solved,
        user: alice,
        messageFields: { thread: null },
      });
      const response = await discord.waitForInteractionResponse(press.id, WAIT);
      expect(response.data?.content).toBe(FEEDBACK_REPLIES.recorded.solved);
      expect(bot.lines.filter((l) => l.json?.msg === 'unhandled rejection')).toEqual([]);
    });
  });

  describe('the connection in the log', { timeout: 60_000 }, () => {
    it('logs ready with the servers and support channels it found', async () => {
      // The operator sees at once that the bot is in the server and found #sillytavern.
      const ready = await bot.waitForLog((l) => l.msg === 'ready', WAIT);
      expect(ready.json?.supportChannels).toEqual([
        { id: discord.ids.channels.sillytavern, name: 'sillytavern' },
      ]);
      expect(ready.json?.guilds).toHaveLength(1);
    });

    it('logs a dropped gateway connection, the reconnect and the resume', async () => {
      // The connection drops (close 4000): the log says so, with the code, and says when it is back.
      await bot.waitForLog((l) => l.msg === 'ready', WAIT);
      await discord.dropGateway(4000);
      const closed = await bot.waitForLog((l) => l.msg === 'gateway connection closed', WAIT);
      expect(closed.json?.code).toBe(4000);
      await bot.waitForLog((l) => l.msg === 'reconnecting to the gateway', WAIT);
      await bot.waitForLog((l) => l.msg === 'gateway connection resumed', WAIT);
    });

    it('logs an invalid session', async () => {
      // Discord invalidates the session: the log says so before the bot identifies again.
      await bot.waitForLog((l) => l.msg === 'ready', WAIT);
      discord.invalidateSession(false);
      const invalid = await bot.waitForLog((l) => l.msg === 'gateway session invalidated', WAIT);
      expect(invalid.json?.resumable).toBe(false);
    });
  });
});

describe('a bot per test', () => {
  useFakeDiscord((started) => {
    discord = started;
  });

  describe('replies to the bot on the wire', { timeout: 60_000 }, () => {
    it('answers a reply to its answer with the Why, and after a restart with the Fix', async () => {
      // alice presses Reply on the 401 answer: "why?" gets the Why section; the bot restarts; her
      // reply "how do I fix it?" to the same answer gets the Fix steps.
      const bot = await launchBot();
      const question = discord.postMessage({ channel: 'sillytavern', author: 'alice', content: PASTED_401 });
      const answer = await discord.waitForBotMessage(replyTo(question.id), WAIT);

      const why = discord.postMessage({
        channel: 'sillytavern',
        author: 'alice',
        content: 'why does this happen?',
        replyTo: answer.id,
      });
      const whyReply = await discord.waitForBotMessage(replyTo(why.id), WAIT);
      expect(whyReply.content).toContain(sectionStart('error-401-unauthorized', 'why'));

      await bot.stop();
      const again = await bot.restart();
      const fix = discord.postMessage({
        channel: 'sillytavern',
        author: 'alice',
        content: 'how do I fix it?',
        replyTo: answer.id,
      });
      const fixReply = await discord.waitForBotMessage(replyTo(fix.id), WAIT);
      expect(fixReply.content).toContain(sectionStart('error-401-unauthorized', 'fix'));
      expect(await reasonFor(again, fix.id)).toBe('follow-up: fix');
    });

    it('sends no follow-up to an answer Discord refused', async () => {
      // The reply is refused (403 Missing Permissions): nothing is recorded, so "why?" refers to nothing.
      const bot = await launchBot();
      discord.failNext('POST /channels/:channelId/messages', { status: 403 });
      const question = discord.postMessage({ channel: 'sillytavern', author: 'alice', content: PASTED_401 });
      const refused = await bot.waitForLog(
        (l) => l.msg === 'Discord refused the reply; nothing recorded' && l.messageId === question.id,
        WAIT,
      );
      expect(refused.json?.intent).toBe('error-401-unauthorized');
      const why = discord.postMessage({
        channel: 'sillytavern',
        author: 'alice',
        content: 'why does this happen?',
      });
      expect(await reasonFor(bot, why.id)).not.toMatch(/follow-up/);
      expect(discord.botMessages).toEqual([]);
    });
  });

  describe('one decision at a time per user, on the wire', { timeout: 60_000 }, () => {
    it('lets a !mute typed while the LLM judge is thinking win over the answer', async () => {
      // alice's borderline question goes to the (slow) judge; she types !mute meanwhile: she gets the
      // mute acknowledgement and never the answer.
      // The wire bot learns from the knowledge files only: the question must stay in its gray zone
      // (plausible, not sure), or the judge is never asked. Checked here so a shifted model says so.
      const borderline = 'my own key or theirs, which is better?';
      const { classifier } = loadKnowledgeState('knowledge').state!;
      const seen = classifier.classify(borderline);
      expect(seen.rule).not.toBe('answer');
      expect(seen.candidates[0]?.intent).toBe('byok-provider-keys');
      expect(seen.confidence).toBeGreaterThanOrEqual(classifier.settings.grayZoneFloor);
      const llm = await startFakeOpenAi();
      try {
        llm.answer({ ...pick('byok-provider-keys'), delayMs: 2_500 });
        const bot = await launchBot({
          LLM_API_KEY: 'sk-test-judge',
          LLM_BASE_URL: llm.baseURL,
          LLM_TIMEOUT_MS: '10000',
        });
        const question = discord.postMessage({
          channel: 'sillytavern',
          author: 'alice',
          content: borderline,
        });
        await vi.waitFor(() => expect(llm.requests.length).toBeGreaterThan(0), { timeout: WAIT });
        const mute = discord.postMessage({ channel: 'sillytavern', author: 'alice', content: '!mute' });
        const ack = await discord.waitForBotMessage(replyTo(mute.id), WAIT);
        expect(ack.content).toBe(MUTE_REPLIES.muted);
        expect(await reasonFor(bot, question.id)).toBe('ignored: user muted the bot');
        expect(discord.botMessages.filter((m) => m.replyTo === question.id)).toEqual([]);
      } finally {
        await llm.close();
      }
    });
  });

  describe('the connection in the log, at start-up', { timeout: 60_000 }, () => {
    it('stops within 30 s with one plain line naming DISCORD_TOKEN when the token is rejected', async () => {
      // A wrong token: the operator reads which setting is wrong and where to reset it.
      const started = Date.now();
      const bot = await startBot(discord, { env: { DISCORD_TOKEN: 'not-the-token' }, waitForReady: false });
      const exit = await bot.exited;
      expect(Date.now() - started).toBeLessThan(30_000);
      expect(exit.code).toBe(1);
      const plain = bot.lines.filter((l) => l.json === null && l.text.trim());
      expect(plain).toHaveLength(1);
      expect(plain[0]?.text).toContain('DISCORD_TOKEN');
      expect(plain[0]?.text).toContain('Developer Portal');
      expect(bot.lines.map((l) => l.text).join('\n')).not.toContain('not-the-token');
    });

    it('names the Message Content intent switch when Discord refuses it (close 4014)', async () => {
      // The application's Message Content Intent is off: the bot says exactly which switch to turn on.
      const strict = await startFakeDiscord({ messageContentIntentAllowed: false });
      try {
        const bot = await startBot(strict, { waitForReady: false });
        const exit = await bot.exited;
        expect(exit.code).toBe(1);
        const plain = bot.lines.filter((l) => l.json === null && l.text.trim()).map((l) => l.text);
        expect(plain).toEqual([expect.stringContaining('Message Content Intent')]);
      } finally {
        await strict.close();
      }
    });
  });
});
