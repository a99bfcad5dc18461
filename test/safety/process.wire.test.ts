// The real bot process against the fake Discord server: a stray promise rejection is logged and
// the bot keeps answering; a SIGTERM or a crash right after `!mute` acknowledgements loses no mute;
// an event Discord delivers again after a reconnect is not answered twice.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MUTE_REPLIES } from '../../src/pipeline/commands.ts';
import { type BotProcess, startBot, stopAllBots } from '../../tools/wire/bot-process.ts';
import { type BotMessage, type FakeDiscord, startFakeDiscord } from '../../tools/wire/fake-discord.ts';
import { type RejectionTrigger, rejectionTrigger, SIGTERM_EXITS, WIRE } from './wire-support.ts';

const PASTED_401 =
  'help, every message fails with this:\n{"error":{"message":"No auth credentials found","code":401}}';
const USERS = ['alice', 'bob', 'mod'] as const;

let discord: FakeDiscord;
let trigger: RejectionTrigger;

beforeEach(async () => {
  discord = await startFakeDiscord();
  trigger = await rejectionTrigger();
});

afterEach(async () => {
  await stopAllBots();
  await discord.close();
  await trigger.cleanup();
  expect(discord.errors).toEqual([]);
});

/** Debug logging, so each decision ("handled message" with its reason) can be awaited. */
function launch(env: Record<string, string> = {}): Promise<BotProcess> {
  return startBot(discord, {
    env: { LOG_LEVEL: 'debug', USER_COOLDOWN_SECONDS: '0', ...trigger.env, ...env },
    readyTimeoutMs: WIRE.readyTimeoutMs,
  });
}

const replyTo = (id: string) => (m: BotMessage) => m.replyTo === id;

async function reasonFor(bot: BotProcess, messageId: string): Promise<string> {
  const line = await bot.waitForLog(
    (l) => l.msg === 'handled message' && l.messageId === messageId,
    WIRE.replyTimeoutMs,
  );
  return String(line.json?.reason);
}

/** After a restart: each user is still muted (no answer) and `!unmute` brings the answers back. */
async function expectStillMuted(bot: BotProcess, users: readonly (typeof USERS)[number][]): Promise<void> {
  for (const user of users) {
    const ignored = discord.postMessage({ channel: 'sillytavern', author: user, content: PASTED_401 });
    expect(await reasonFor(bot, ignored.id)).toMatch(/muted/);
    const unmute = discord.postMessage({ channel: 'sillytavern', author: user, content: '!unmute' });
    const reply = await discord.waitForBotMessage(replyTo(unmute.id), WIRE.replyTimeoutMs);
    expect(reply.content).toContain('respond to your questions again');
    expect(discord.botMessages.filter(replyTo(ignored.id))).toEqual([]);
  }
}

describe('the bot process', () => {
  it(
    'logs an unhandled promise rejection and keeps running and answering',
    async () => {
      // Something inside the bot rejects a promise nobody awaits: the operator sees an error line,
      // and alice's question right after still gets its answer.
      const bot = await launch();
      await trigger.fire();
      const logged = await bot.waitForLog((l) => l.msg === 'unhandled rejection', WIRE.replyTimeoutMs);
      expect(logged.json?.level).toBe(50);
      expect(logged.text).toContain('stray rejection for the test');

      const question = discord.postMessage({ channel: 'sillytavern', author: 'alice', content: PASTED_401 });
      await discord.waitForBotMessage(replyTo(question.id), WIRE.replyTimeoutMs);
      // Still running afterwards: only the SIGTERM below ends it, through its own shutdown (a bot
      // that had crashed would report its crash's exit code here instead).
      expect(SIGTERM_EXITS).toContainEqual(await bot.stop(15_000));
    },
    WIRE.testTimeoutMs,
  );

  it(
    'keeps every acknowledged !mute across a SIGTERM and a restart',
    async () => {
      // alice, bob and mod each type !mute and see the acknowledgement; the service manager stops
      // the bot; after it comes back none of them gets an answer until they type !unmute.
      const bot = await launch();
      for (const user of USERS) {
        const mute = discord.postMessage({ channel: 'sillytavern', author: user, content: '!mute' });
        expect((await discord.waitForBotMessage(replyTo(mute.id), WIRE.replyTimeoutMs)).content).toContain(
          MUTE_REPLIES.muted,
        );
      }
      expect(SIGTERM_EXITS).toContainEqual(await bot.stop(15_000));
      await expectStillMuted(await bot.restart({ readyTimeoutMs: WIRE.readyTimeoutMs }), USERS);
    },
    WIRE.testTimeoutMs,
  );

  it(
    'keeps every acknowledged !mute when the process is killed right after the acknowledgements',
    async () => {
      // The three !mute messages arrive at once; the moment the acknowledgements are out the
      // machine loses power (SIGKILL: no shutdown code runs). All three are still muted.
      const bot = await launch();
      const mutes = USERS.map((user) =>
        discord.postMessage({ channel: 'sillytavern', author: user, content: '!mute' }),
      );
      for (const mute of mutes) await discord.waitForBotMessage(replyTo(mute.id), WIRE.replyTimeoutMs);
      expect((await bot.kill()).signal).toBe('SIGKILL');
      await expectStillMuted(await bot.restart({ readyTimeoutMs: WIRE.readyTimeoutMs }), USERS);
    },
    WIRE.testTimeoutMs,
  );

  it(
    'loses no acknowledged !mute when SIGTERM arrives while mutes are still being written',
    async () => {
      // SIGTERM lands right after the first acknowledgement, while the other mutes may still be in
      // flight: everyone who saw "I won't respond" is muted after the restart.
      const bot = await launch();
      const mutes = USERS.map((user) => ({
        user,
        message: discord.postMessage({ channel: 'sillytavern', author: user, content: '!mute' }),
      }));
      await discord.waitForBotMessage(replyTo(mutes[0]!.message.id), WIRE.replyTimeoutMs);
      const stopped = bot.stop(15_000);
      expect(SIGTERM_EXITS).toContainEqual(await stopped);
      const acknowledged = mutes
        .filter(({ message }) => discord.botMessages.some(replyTo(message.id)))
        .map(({ user }) => user);
      expect(acknowledged.length).toBeGreaterThanOrEqual(1);
      await expectStillMuted(await bot.restart({ readyTimeoutMs: WIRE.readyTimeoutMs }), acknowledged);
    },
    WIRE.testTimeoutMs,
  );

  it(
    'answers a question once when Discord delivers it again after a reconnect, cached or not',
    async () => {
      // The gateway drops and resumes, and the event with alice's question arrives again, once
      // while discord.js still caches the message and once after 30 newer messages pushed it out
      // of that cache: she still sees one answer, and bob's next question is answered normally.
      const bot = await launch();
      const question = discord.postMessage({ channel: 'sillytavern', author: 'alice', content: PASTED_401 });
      await discord.waitForBotMessage(replyTo(question.id), WIRE.replyTimeoutMs);

      const mark = discord.gatewayLog.length;
      await discord.dropGateway();
      await discord.waitForGateway('resumed', WIRE.replyTimeoutMs, mark);
      // The fake server has no public call for a redelivery; this internal one is what it uses for
      // every MESSAGE_CREATE.
      const redeliver = () =>
        (discord as unknown as { dispatchMessageCreate(message: unknown): void }).dispatchMessageCreate(
          discord.message(question.id),
        );
      /** Posts chatter and waits until the bot handled it: everything dispatched before was handled too. */
      const chatter = async (text: string) => {
        const message = discord.postMessage({ channel: 'sillytavern', author: 'bob', content: text });
        await reasonFor(bot, message.id);
      };

      // Still in discord.js's message cache: discord.js drops the duplicate itself.
      redeliver();
      await chatter('ok');
      // Out of the cache (25 messages per channel): the pipeline's memory of handled ids drops it.
      for (let i = 0; i < 30; i++) await chatter(`lol ${i}`);
      redeliver();
      const again = await bot.waitForLog(
        (l) =>
          l.msg === 'handled message' &&
          l.messageId === question.id &&
          /already handled/.test(String(l.reason)),
        WIRE.replyTimeoutMs,
      );
      expect(again).toBeTruthy();

      const next = discord.postMessage({ channel: 'sillytavern', author: 'bob', content: PASTED_401 });
      await discord.waitForBotMessage(replyTo(next.id), WIRE.replyTimeoutMs);
      await discord.expectNoBotMessage(() => true, 500);
      expect(discord.botMessages.filter(replyTo(question.id))).toHaveLength(1);
    },
    WIRE.testTimeoutMs,
  );
});
