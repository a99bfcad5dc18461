// Moderators teach the bot on the wire: the real bot process (`npm start`) against the fake Discord
// server, with "Answer with…" and "Shouldn't answer" arriving as message context-menu interactions
// and the entry picker as a select menu. Taught examples count without a restart, only moderators
// can teach, and `npm run kb:export-taught` moves them from the database into the knowledge files.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { TEACHING_REPLIES } from '../../src/discord/teaching.ts';
import { type BotProcess, REPO_ROOT, startBot, WITH_TRAINING_CORPUS } from '../../tools/wire/bot-process.ts';
import type { BotMessage, FakeDiscord, InteractionResponse } from '../../tools/wire/fake-discord.ts';
import { useFakeDiscord } from './harness.ts';

const WAIT = 15_000;
// Written for this test: the bot misses both before it is taught one of them (checked below).
const MISSED = 'is there a way to make the bot read its replies out loud';
const PARAPHRASE = 'any way to make the bot read replies out loud?';
// Chatter that reads like a 429 question: the bot answers it, and a moderator says it should not have.
const OVER_EAGER = 'anyone else getting 429 rate limit today?';

let discord: FakeDiscord;
useFakeDiscord((started) => {
  discord = started;
});

const tempDirs: string[] = [];
afterEach(() => {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A copy of the knowledge folder, so an export never touches the repository's files. */
function knowledgeCopy(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'teaching-knowledge-'));
  tempDirs.push(dir);
  cpSync(path.join(REPO_ROOT, 'knowledge'), dir, { recursive: true });
  return dir;
}

/** Teaching is about what the model learns, so these bots learn from the corpus too, as in production. */
function launchBot(env: Record<string, string> = {}): Promise<BotProcess> {
  return startBot(discord, { env: { USER_COOLDOWN_SECONDS: '0', ...WITH_TRAINING_CORPUS, ...env } });
}

const replyTo = (id: string) => (m: BotMessage) => m.replyTo === id && !m.deleted;

/** How the bot decided about one posted message (its "handled message" debug line is off at info). */
async function decisionFor(bot: BotProcess, messageId: string) {
  const line = await bot.waitForLog((l) => l.msg === 'handled message' && l.messageId === messageId, WAIT);
  return line.json as { kind: string; intent?: string; reason: string };
}

/** The custom id of the first select menu in an interaction's reply. */
function firstMenu(response: InteractionResponse): string {
  const rows = (response.data?.components ?? []) as { components: { custom_id?: string; type: number }[] }[];
  const menu = rows.flatMap((row) => row.components).find((c) => c.type === 3);
  if (!menu?.custom_id) throw new Error(`no select menu in ${JSON.stringify(response.data)}`);
  return menu.custom_id;
}

function taughtRows(bot: BotProcess) {
  const db = new Database(bot.databasePath, { readonly: true });
  try {
    return db.prepare('SELECT kind, entry, text, exported_at AS exportedAt FROM taught_examples').all() as {
      kind: string;
      entry: string;
      text: string | null;
      exportedAt: number | null;
    }[];
  } finally {
    db.close();
  }
}

/**
 * Resolves once the bot recorded which message carries an answer: it does so right after Discord
 * accepted the reply, a moment after this server already saw the message.
 */
async function answerRecorded(bot: BotProcess, answer: BotMessage): Promise<void> {
  const deadline = Date.now() + WAIT;
  while (Date.now() < deadline) {
    const db = new Database(bot.databasePath, { readonly: true });
    try {
      if (db.prepare('SELECT 1 FROM answers WHERE answer_message_id = ?').get(answer.id)) return;
    } finally {
      db.close();
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the bot never recorded answer ${answer.id}`);
}

/** Posts as `author` and resolves with the bot's decision about it. */
async function ask(bot: BotProcess, author: 'alice' | 'bob', content: string) {
  const message = discord.postMessage({ channel: 'sillytavern', author, content });
  return { message, decision: await decisionFor(bot, message.id) };
}

describe('Answer with… on the wire', () => {
  it('answers a missed question with the chosen entry, and a paraphrase is answered without a restart; kb:export-taught writes it into the file', async () => {
    const knowledgeDir = knowledgeCopy();
    const bot = await launchBot({ LOG_LEVEL: 'debug', KNOWLEDGE_DIR: knowledgeDir });

    const missed = await ask(bot, 'alice', MISSED);
    expect(missed.decision.kind).toBe('silent');
    const before = await ask(bot, 'bob', PARAPHRASE);
    expect(before.decision.kind).toBe('silent');

    const menu = discord.messageCommand({ name: 'Answer with…', target: missed.message.id, user: 'mod' });
    const picker = await discord.waitForInteractionResponse(menu.id, WAIT);
    expect(picker.ephemeral).toBe(true);
    const choice = discord.chooseFromMenu({
      message: discord.botMessages.find((m) => m.interactionId === menu.id)?.id ?? '',
      customId: firstMenu(picker),
      values: ['tts'],
      user: 'mod',
    });

    const answer = await discord.waitForBotMessage(replyTo(missed.message.id), WAIT);
    expect(answer.ephemeral).toBe(false);
    expect(answer.content).toContain('This is an automated response');
    expect(discord.pingsOf(answer)).toEqual({ everyone: false, users: [], roles: [], repliedUser: false });
    const done = await discord.waitForInteractionResponse(choice.id, WAIT);
    expect(done.data?.content).toMatch(/^Answered with `tts` and taught it as example #1/);

    await bot.waitForLog(
      (l) => l.msg === 'knowledge reloaded' && String(l.trigger).startsWith('taught'),
      WAIT,
    );
    const after = await ask(bot, 'bob', PARAPHRASE);
    expect(after.decision).toMatchObject({ kind: 'answer', intent: 'tts' });
    await discord.waitForBotMessage(replyTo(after.message.id), WAIT);
    expect(taughtRows(bot)).toEqual([{ kind: 'example', entry: 'tts', text: MISSED, exportedAt: null }]);

    // Back into the files, with the bot stopped as a moderator would before committing.
    await bot.stop();
    const exported = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/kb-export-taught.ts'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...bot.env, PATH: process.env.PATH ?? '/usr/bin:/bin' },
      timeout: 60_000,
    });
    expect(exported.stdout).toContain(`tts.md: + examples: ${JSON.stringify(MISSED)}`);
    expect(readFileSync(path.join(knowledgeDir, 'tts.md'), 'utf8')).toContain(`  - ${MISSED}\n`);
    expect(taughtRows(bot)).toEqual([
      { kind: 'example', entry: 'tts', text: null, exportedAt: expect.any(Number) },
    ]);
  });

  it('refuses a member without Manage Messages privately, and nothing changes', async () => {
    const bot = await launchBot({ LOG_LEVEL: 'debug' });
    const missed = await ask(bot, 'alice', MISSED);

    const menu = discord.messageCommand({ name: 'Answer with…', target: missed.message.id, user: 'bob' });
    const refused = await discord.waitForInteractionResponse(menu.id, WAIT);
    expect(refused.ephemeral).toBe(true);
    expect(refused.data?.content).toBe(TEACHING_REPLIES.moderatorsOnly);
    expect(refused.data?.components ?? []).toEqual([]);

    // A picker id copied from a moderator's menu does not help either (pressed on any bot message).
    const refusal = discord.botMessages.find((m) => m.interactionId === menu.id);
    const forged = discord.chooseFromMenu({
      message: refusal?.id ?? '',
      customId: `teach:pick:answer:${discord.ids.channels.sillytavern}:${missed.message.id}:0`,
      values: ['tts'],
      user: 'bob',
    });
    const refusedAgain = await discord.waitForInteractionResponse(forged.id, WAIT);
    expect(refusedAgain.data?.content).toBe(TEACHING_REPLIES.moderatorsOnly);

    // Refused before anything else happens: no public message, nothing taught.
    expect(discord.botMessages.filter((m) => !m.ephemeral)).toEqual([]);
    expect(taughtRows(bot)).toEqual([]);
  });
});

describe("Shouldn't answer on the wire", () => {
  it('deletes the wrong answer, and the same question asked again gets no answer', async () => {
    const bot = await launchBot({ LOG_LEVEL: 'debug' });
    const first = await ask(bot, 'alice', OVER_EAGER);
    expect(first.decision).toMatchObject({ kind: 'answer', intent: 'error-429-rate-limit' });
    const answer = await discord.waitForBotMessage(replyTo(first.message.id), WAIT);
    await answerRecorded(bot, answer);

    const menu = discord.messageCommand({ name: "Shouldn't answer", target: answer.id, user: 'mod' });
    const done = await discord.waitForInteractionResponse(menu.id, WAIT);
    expect(done.ephemeral).toBe(true);
    expect(done.data?.content).toMatch(/^Deleted the `error-429-rate-limit` answer and taught/);
    expect(answer.deleted).toBe(true);

    await bot.waitForLog(
      (l) => l.msg === 'knowledge reloaded' && String(l.trigger).startsWith('taught'),
      WAIT,
    );
    const again = await ask(bot, 'bob', OVER_EAGER);
    expect(again.decision.kind).toBe('silent');
    expect(again.decision.reason).toMatch(/^silent: /);
    // The decision is logged before anything is sent: a silent one sends nothing.
    expect(discord.botMessages.filter(replyTo(again.message.id))).toEqual([]);
    expect(taughtRows(bot)).toEqual([
      { kind: 'negative', entry: 'error-429-rate-limit', text: OVER_EAGER, exportedAt: null },
    ]);
  });

  it("tells a moderator to use it on the bot's answers when pointed at a user's message", async () => {
    const bot = await launchBot({ LOG_LEVEL: 'debug' });
    const { message } = await ask(bot, 'alice', MISSED);
    const menu = discord.messageCommand({ name: "Shouldn't answer", target: message.id, user: 'mod' });
    const response = await discord.waitForInteractionResponse(menu.id, WAIT);
    expect(response.data?.content).toBe(TEACHING_REPLIES.onlyBotAnswers);
    expect(discord.deletions).toEqual([]);
    expect(taughtRows(bot)).toEqual([]);
  });
});

describe('Wrong entry and the review queue on the wire', () => {
  it("replaces the answer with the chosen entry's and stores both facts", async () => {
    const bot = await launchBot({ LOG_LEVEL: 'debug' });
    const first = await ask(bot, 'alice', OVER_EAGER);
    const wrong = await discord.waitForBotMessage(replyTo(first.message.id), WAIT);
    await answerRecorded(bot, wrong);

    const menu = discord.messageCommand({ name: 'Wrong entry', target: wrong.id, user: 'mod' });
    const picker = await discord.waitForInteractionResponse(menu.id, WAIT);
    expect(picker.ephemeral).toBe(true);
    const choice = discord.chooseFromMenu({
      message: discord.botMessages.find((m) => m.interactionId === menu.id)?.id ?? '',
      customId: firstMenu(picker),
      values: ['error-5xx-provider'],
      user: 'mod',
    });
    const replacement = await discord.waitForBotMessage(
      (m) => replyTo(first.message.id)(m) && m.id !== wrong.id,
      WAIT,
    );
    expect(wrong.deleted).toBe(true);
    expect(discord.pingsOf(replacement).repliedUser).toBe(false);
    const done = await discord.waitForInteractionResponse(choice.id, WAIT);
    expect(done.data?.content).toMatch(
      /^Replaced the `error-429-rate-limit` answer with `error-5xx-provider`/,
    );
    expect(taughtRows(bot)).toEqual([
      { kind: 'not-entry', entry: 'error-429-rate-limit', text: OVER_EAGER, exportedAt: null },
      { kind: 'example', entry: 'error-5xx-provider', text: OVER_EAGER, exportedAt: null },
    ]);
  });

  it('lets a moderator answer a missed question from /kb review', async () => {
    const bot = await launchBot({ LOG_LEVEL: 'debug' });
    const missed = await ask(bot, 'alice', MISSED);
    expect(missed.decision.kind).toBe('silent');

    const review = discord.slashCommand({ name: 'kb', user: 'mod', options: [{ name: 'review', type: 1 }] });
    const queue = await discord.waitForInteractionResponse(review.id, WAIT);
    expect(queue.ephemeral).toBe(true);
    expect(queue.data?.content).toContain(`1× unanswered: “${MISSED}”`);
    const rows = (queue.data?.components ?? []) as { components: { label?: string; custom_id?: string }[] }[];
    const answerButton = rows.flatMap((row) => row.components).find((c) => c.label === '1: Answer with…');

    const press = discord.pressButton({
      message: discord.botMessages.find((m) => m.interactionId === review.id)?.id ?? '',
      customId: answerButton?.custom_id ?? '',
      user: 'mod',
    });
    const picker = await discord.waitForInteractionResponse(press.id, WAIT);
    const choice = discord.chooseFromMenu({
      message: discord.botMessages.find((m) => m.interactionId === press.id)?.id ?? '',
      customId: firstMenu(picker),
      values: ['tts'],
      user: 'mod',
    });
    await discord.waitForBotMessage(replyTo(missed.message.id), WAIT);
    await discord.waitForInteractionResponse(choice.id, WAIT);

    // Answered: off the queue.
    const again = discord.slashCommand({ name: 'kb', user: 'mod', options: [{ name: 'review', type: 1 }] });
    const empty = await discord.waitForInteractionResponse(again.id, WAIT);
    expect(empty.data?.content).toMatch(/^The review queue is empty/);
  });
});
