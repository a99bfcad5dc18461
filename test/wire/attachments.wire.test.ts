// Issue 13 over the wire: the real bot reads message.txt logs and screenshots posted to the fake
// Discord server, which serves the files from its own host (the host of DISCORD_API_URL).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { BotProcess } from '../../tools/wire/bot-process.ts';
import type { BotMessage, FakeDiscord } from '../../tools/wire/fake-discord.ts';
import { fakeKeys } from '../safety/support.ts';
import { realKnowledge } from '../support/pipeline.ts';
import { useSharedBot } from './harness.ts';

const { kb } = realKnowledge();
const answerOf = (id: string) => {
  const entry = kb.byId.get(id);
  if (!entry) throw new Error(`no knowledge entry ${id}`);
  return entry.answer.slice(0, 60);
};
const fixture = (name: string) => readFileSync(new URL(`../../eval/attachments/${name}`, import.meta.url));
const replyTo = (id: string) => (m: BotMessage) => m.replyTo === id;
/** Generous: OCR on a busy 2-core CI box. */
const WAIT = 20_000;

let discord: FakeDiscord;
let bot: BotProcess;
let newMember: () => string;
/**
 * One bot with its OCR workers for the whole file (they take seconds to start), with debug logs
 * ("read attachments" lines). The per-image limit is raised from 3 s so that a loaded CI machine
 * cannot turn a slow read into a miss; the limit has its own unit test. Each test asks as members
 * of its own, so no cooldown or conversation carries over from one test to the next.
 */
useSharedBot(
  {
    env: {
      OCR_WORKERS: '2',
      OCR_TIMEOUT_MS: '20000',
    },
    readyTimeoutMs: 40_000,
  },
  (shared) => {
    ({ discord, bot, newMember } = shared);
  },
);

async function attachmentReport(messageId: string) {
  const line = await bot.waitForLog((l) => l.msg === 'read attachments' && l.messageId === messageId, WAIT);
  return line.json?.attachments as { name: string; kind: string; outcome: string; lines: number }[];
}

describe('attachments on the wire', { timeout: 90_000 }, () => {
  it('answers a message.txt console log whose error is a 401 with the 401 answer, quoting the error line', async () => {
    const alice = newMember();
    const question = discord.postMessage({
      channel: 'sillytavern',
      author: alice,
      content: 'it keeps doing this',
      attachments: [{ filename: 'message.txt', content: fixture('message-401.txt') }],
    });
    const answer = await discord.waitForBotMessage(replyTo(question.id), WAIT);
    expect(answer.content).toContain(answerOf('error-401-unauthorized'));
    expect(answer.content).toContain(
      'From your message.txt: `Chat completion request error: Unauthorized {"error":{"message":"No auth credentials found","code":401}}`',
    );
  });

  it('answers a screenshot of the "Insufficient credits" toast with the credits answer', async () => {
    const alice = newMember();
    const question = discord.postMessage({
      channel: 'sillytavern',
      author: alice,
      content: 'what does this mean??',
      attachments: [{ filename: 'image.png', content: fixture('credits-toast.png') }],
    });
    const answer = await discord.waitForBotMessage(replyTo(question.id), WAIT);
    expect(answer.content).toContain(answerOf('error-402-credits'));
    expect(answer.content).toMatch(/^From your screenshot: `Insufficient credits/);
  });

  it('answers "help" with a screenshot of the terminal showing the 401 JSON with the 401 answer', async () => {
    const bob = newMember();
    const question = discord.postMessage({
      channel: 'sillytavern',
      author: bob,
      content: 'help',
      attachments: [{ filename: 'Screenshot 2026-12-01 214501.png', content: fixture('401-terminal.png') }],
    });
    const answer = await discord.waitForBotMessage(replyTo(question.id), WAIT);
    expect(answer.content).toContain(answerOf('error-401-unauthorized'));
    expect(answer.content).toMatch(
      /^From your screenshot: `\{"error":\{"message": ?"No auth credentials found"/,
    );
  });

  it('stays silent about a photo without text, after reading it', async () => {
    const alice = newMember();
    const question = discord.postMessage({
      channel: 'sillytavern',
      author: alice,
      content: 'the view from my hike today',
      attachments: [{ filename: 'IMG_2041.jpg', content: fixture('photo-no-text.jpg') }],
    });
    expect(await attachmentReport(question.id)).toEqual([
      { name: 'IMG_2041.jpg', kind: 'image', outcome: 'read', lines: 0 },
    ]);
    // The decision is logged before anything is sent: a silent one sends nothing.
    const handled = await bot.waitForLog(
      (l) => l.msg === 'handled message' && l.messageId === question.id,
      WAIT,
    );
    expect(handled.json?.kind).toBe('silent');
    expect(discord.botMessages.filter(replyTo(question.id))).toEqual([]);
  });

  it('neither crashes nor stalls on 8 MB attachments, and answers the next question', async () => {
    const [alice, bob, mod] = [newMember(), newMember(), newMember()];
    // A huge log is read from its end, where the error is; a huge image is not downloaded at all.
    const hugeLog = Buffer.concat([
      Buffer.alloc(8 * 1024 * 1024, 'Generating with OpenRouter...\n'),
      fixture('message-401.txt'),
    ]);
    const log = discord.postMessage({
      channel: 'sillytavern',
      author: alice,
      content: '',
      attachments: [{ filename: 'message.txt', content: hugeLog }],
    });
    const hugeImage = Buffer.concat([fixture('401-terminal.png'), Buffer.alloc(8 * 1024 * 1024)]);
    const screenshot = discord.postMessage({
      channel: 'sillytavern',
      author: bob,
      content: 'help',
      attachments: [{ filename: 'huge.png', content: hugeImage }],
    });
    const logAnswer = await discord.waitForBotMessage(replyTo(log.id), WAIT);
    expect(logAnswer.content).toContain(answerOf('error-401-unauthorized'));
    expect(await attachmentReport(screenshot.id)).toEqual([
      { name: 'huge.png', kind: 'image', outcome: 'too large', lines: 0 },
    ]);
    expect(discord.attachmentDownloads).not.toContain('huge.png');

    const next = discord.postMessage({
      channel: 'sillytavern',
      author: mod,
      content: 'getting 402 payment required on every message, why?',
    });
    const nextAnswer = await discord.waitForBotMessage(replyTo(next.id), WAIT);
    expect(nextAnswer.content).toContain(answerOf('error-402-credits'));
  });

  it('answers other messages while a screenshot is being read', async () => {
    const [alice, bob] = [newMember(), newMember()];
    const screenshots = discord.postMessage({
      channel: 'sillytavern',
      author: alice,
      content: 'help',
      attachments: [
        { filename: 'one.png', content: fixture('401-terminal.png') },
        { filename: 'two.png', content: fixture('chat-no-error.png') },
      ],
    });
    // Reading two screenshots one after the other takes far longer than this pause.
    await new Promise((resolve) => setTimeout(resolve, 150));
    const question = discord.postMessage({
      channel: 'sillytavern',
      author: bob,
      content: 'getting 429 rate limit exceeded on a free model, what do i do?',
    });
    const quick = await discord.waitForBotMessage(replyTo(question.id), WAIT);
    const slow = await discord.waitForBotMessage(replyTo(screenshots.id), WAIT);
    expect(quick.content).toContain(answerOf('error-429-rate-limit'));
    expect(slow.content).toContain(answerOf('error-401-unauthorized'));
    expect(quick.createdAt).toBeLessThan(slow.createdAt);
  });

  it('warns about a key inside a message.txt and keeps it out of the reply and the log', async () => {
    const alice = newMember();
    const key = fakeKeys()[0]!.key;
    const log = `${fixture('message-401.txt')}\nRequest headers: { Authorization: 'Bearer ${key}' }\n`;
    const question = discord.postMessage({
      channel: 'sillytavern',
      author: alice,
      content: 'why 401?',
      attachments: [{ filename: 'message.txt', content: log }],
    });
    const warning = await discord.waitForBotMessage((m) => m.content.includes('OpenRouter API key'), WAIT);
    expect(warning.content).toContain('I deleted your message');
    expect(discord.message(question.id)).toBeUndefined();
    expect(warning.content).not.toContain(key);
    await bot.waitForLog((l) => l.msg === 'read attachments' && l.messageId === question.id, WAIT);
    expect(bot.lines.some((l) => l.text.includes(key.slice(9, 30)))).toBe(false);
  });
});
