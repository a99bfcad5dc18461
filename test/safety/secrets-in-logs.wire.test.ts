// Secrets in the log of the real bot process (`tsx src/cli/start.ts`, as `npm start` runs it)
// against the fake Discord server and a fake LLM endpoint: the Discord token, the LLM key and any
// key a user pastes never appear in any line it writes (stdout or stderr), at any level, even when
// an error quotes them; and above debug level the log holds no message text at all.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MUTE_REPLIES } from '../../src/pipeline/commands.ts';
import { type BotProcess, startBot, stopAllBots } from '../../tools/wire/bot-process.ts';
import { type BotMessage, type FakeDiscord, startFakeDiscord } from '../../tools/wire/fake-discord.ts';
import { startFakeOpenAi } from '../llm/fake-openai.ts';
import { fakeKeys, leakedIn, seeded } from './support.ts';
import { type RejectionTrigger, rejectionTrigger, SIGTERM_EXITS, WIRE } from './wire-support.ts';

const random = seeded(99);
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const draw = (n: number) =>
  Array.from({ length: n }, () => BASE64URL[Math.floor(random() * BASE64URL.length)]).join('');
/** Shaped like a real bot token: base64(bot user id).timestamp.hmac. */
const DISCORD_TOKEN = `${Buffer.from('1198765432109876543').toString('base64url')}.${draw(6)}.${draw(38)}`;
/** A key for a self-hosted OpenAI-compatible proxy: no known prefix, only the secrets list catches it. */
const LLM_KEY = `proxy-${draw(40)}`;
const KEYS = fakeKeys(11);
const byProvider = (provider: string) => KEYS.find((k) => k.provider === provider)?.key ?? '';
const PASTED = [byProvider('OpenRouter'), byProvider('Anthropic'), byProvider('Groq'), byProvider('Discord')];
const SECRETS = [DISCORD_TOKEN, LLM_KEY, ...PASTED];
const PASTED_401 =
  'help, every message fails with this:\n{"error":{"message":"No auth credentials found","code":401}}';

let discord: FakeDiscord;
let llm: Awaited<ReturnType<typeof startFakeOpenAi>>;
let trigger: RejectionTrigger;

beforeEach(async () => {
  discord = await startFakeDiscord({ token: DISCORD_TOKEN });
  llm = await startFakeOpenAi();
  trigger = await rejectionTrigger();
});

afterEach(async () => {
  await stopAllBots();
  await discord.close();
  await llm.close();
  await trigger.cleanup();
});

function launch(level: 'debug' | 'info', env: Record<string, string> = {}): Promise<BotProcess> {
  return startBot(discord, {
    env: {
      LOG_LEVEL: level,
      LLM_API_KEY: LLM_KEY,
      LLM_BASE_URL: llm.baseURL,
      LLM_MODEL: 'fake-model',
      USER_COOLDOWN_SECONDS: '0',
      ...trigger.env,
      ...env,
    },
    readyTimeoutMs: WIRE.readyTimeoutMs,
  });
}

const replyTo = (id: string) => (m: BotMessage) => m.replyTo === id;
const everything = (bot: BotProcess) => bot.lines.map((l) => `${l.stream}: ${l.text}`).join('\n');

describe('secrets in the log of the real bot process', () => {
  it(
    'redacts the Discord token, the LLM key and every pasted key from every line at debug level',
    async () => {
      // An operator who shares the bot's debug log in a bug report leaks nothing: not the bot's
      // token, not the LLM key, not the keys users pasted (whose messages the bot deleted).
      const bot = await launch('debug');

      // Keys pasted in #sillytavern and in #general: deleted, and a warning says so.
      const leak = discord.postMessage({
        channel: 'sillytavern',
        author: 'alice',
        content: `401 again?? ${PASTED[0]}`,
      });
      const elsewhere = discord.postMessage({
        channel: 'general',
        author: 'bob',
        content: `oops ${PASTED[1]}`,
      });
      for (const id of [leak.id, elsewhere.id]) {
        await discord.waitForRequest(
          (r) => r.method === 'DELETE' && r.path.endsWith(`/messages/${id}`),
          WIRE.replyTimeoutMs,
        );
      }
      await discord.waitForBotMessage((m) => /I deleted your message/.test(m.content), WIRE.replyTimeoutMs);

      // A muted user pastes a key: still warned. The bot's own token pasted by someone: warned too.
      const mute = discord.postMessage({ channel: 'sillytavern', author: 'mod', content: '!mute' });
      expect((await discord.waitForBotMessage(replyTo(mute.id), WIRE.replyTimeoutMs)).content).toContain(
        MUTE_REPLIES.muted,
      );
      discord.postMessage({ channel: 'sillytavern', author: 'mod', content: `is this right: ${PASTED[2]}` });
      discord.postMessage({ channel: 'sillytavern', author: 'bob', content: `my other bot: ${PASTED[3]}` });

      // Ordinary traffic: an answer, and a reply that fails with server errors (an error is logged).
      const question = discord.postMessage({ channel: 'sillytavern', author: 'bob', content: PASTED_401 });
      await discord.waitForBotMessage(replyTo(question.id), WIRE.replyTimeoutMs);
      discord.failNext(
        (r) => r.route === 'POST /channels/:channelId/messages' && 'message_reference' in (r.body as object),
        {
          status: 500,
          times: 4,
        },
      );
      const failing = discord.postMessage({ channel: 'sillytavern', author: 'alice', content: PASTED_401 });
      await bot.waitForLog(
        (l) => l.msg === 'Discord refused the reply; nothing recorded' && l.messageId === failing.id,
        WIRE.replyTimeoutMs,
      );

      // A stray rejection whose error message quotes the token and the LLM key.
      await trigger.fire();
      const rejection = await bot.waitForLog((l) => l.msg === 'unhandled rejection', WIRE.replyTimeoutMs);
      expect(rejection.text).toContain('stray rejection for the test');
      expect(rejection.text).toContain('[REDACTED]');

      // Every message was handled (debug logs each decision), then the bot shuts down.
      await bot.waitForLog(
        (l) => l.msg === 'handled message' && l.reason === 'leaked API key',
        WIRE.replyTimeoutMs,
      );
      const warnings = discord.botMessages.filter((m) => /looks like a/.test(m.content));
      expect(warnings.length).toBeGreaterThanOrEqual(2);
      expect(SIGTERM_EXITS).toContainEqual(await bot.stop(15_000));

      const log = everything(bot);
      expect(bot.lines.filter((l) => l.json?.msg === 'handled message').length).toBeGreaterThan(5);
      expect(bot.lines.length).toBeGreaterThan(10);
      expect(leakedIn(log, SECRETS)).toBeUndefined();
      // The keys reached no one else either: not the LLM endpoint, not a message the bot posted.
      expect(leakedIn(JSON.stringify(llm.requests.map((r) => r.body)), SECRETS)).toBeUndefined();
      expect(leakedIn(JSON.stringify(discord.botMessages), SECRETS)).toBeUndefined();
    },
    WIRE.testTimeoutMs,
  );

  it(
    'writes no message text into the log at info level',
    async () => {
      // Users' words stay out of the operator's log: a marker in every kind of message never shows up.
      const marker = `zebra${Math.floor(random() * 1e9)}marker`;
      const bot = await launch('info', { SUPPORT_CHANNELS: 'sillytavern,help-forum' });
      const say = (
        author: 'alice' | 'bob' | 'mod' | 'otherBot' | 'webhook',
        content: string,
        channel = 'sillytavern',
      ) => discord.postMessage({ channel, author, content });

      const answered = say('alice', `${PASTED_401}\n${marker}`);
      say('bob', `lol ${marker}`);
      say('bob', `openrouter says something about my balance, what now? ${marker}`);
      say('alice', `${marker} ${PASTED[0]}`);
      say('bob', `${marker} in general`, 'general');
      say('otherBot', `${PASTED_401} ${marker}`);
      say('webhook', `${PASTED_401} ${marker}`);
      const mute = say('mod', '!mute');
      await discord.waitForBotMessage(replyTo(mute.id), WIRE.replyTimeoutMs);
      say('mod', `${PASTED_401} ${marker}`);
      const thread = discord.createThread({ parent: 'sillytavern', name: `help ${marker}`, owner: 'bob' });
      say('bob', `${PASTED_401} ${marker}`, thread.id);
      const post = discord.createForumPost({
        title: `401 ${marker}`,
        content: `${PASTED_401} ${marker}`,
        author: 'alice',
      });
      await discord.waitForBotMessage(replyTo(answered.id), WIRE.replyTimeoutMs);
      await discord.waitForBotMessage(replyTo(post.messageId), WIRE.replyTimeoutMs);
      const last = say('bob', PASTED_401);
      await discord.waitForBotMessage(replyTo(last.id), WIRE.replyTimeoutMs);
      expect(SIGTERM_EXITS).toContainEqual(await bot.stop(15_000));

      expect(bot.lines.some((l) => l.json?.msg === 'replying')).toBe(true);
      expect(bot.lines.some((l) => l.json !== null && Number(l.json.level) < 30)).toBe(false);
      expect(everything(bot)).not.toContain(marker);
    },
    WIRE.testTimeoutMs,
  );
});
