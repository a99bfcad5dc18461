// What happens to a message with a live-looking API key: the asker is warned (muted or not), the
// message is deleted when the bot may, and the key goes nowhere else: not into the reply, the
// database, the log or the LLM.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import {
  Client,
  ClientUser,
  Events,
  GatewayIntentBits,
  type Guild,
  Message,
  type MessageCreateOptions,
  type MessageReplyOptions,
  PermissionFlagsBits,
  TextChannel,
} from 'discord.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Config } from '../../src/config.ts';
import { attachHandlers, NO_MENTIONS } from '../../src/discord/client.ts';
import type { GrayZoneQuestion } from '../../src/pipeline/pipeline.ts';
import type { IncomingMessage } from '../../src/pipeline/types.ts';
import { KEY_KINDS } from '../../src/safety/leaked-keys.ts';
import { undecided } from '../support/classification.ts';
import {
  ASKER_ID,
  addGuild,
  BOT_ID,
  GENERAL_ID,
  makeMessage,
  SUPPORT_ID,
} from '../support/discord-payloads.ts';
import { realKnowledge, TEST_CONFIG, testPipeline } from '../support/pipeline.ts';
import { capturingLogger, fakeKeys, leakedIn } from './support.ts';

const KEYS = fakeKeys();
const ALL_KEYS = KEYS.map((k) => k.key);
const OPENROUTER_KEY = KEYS[0]!.key;
const _knowledge = realKnowledge();

/** A question the bot answers, so the tests also see normal traffic around the leaks. */
const QUESTION = 'getting 401 unauthorized from openrouter, what do i do';

describe('the warning for a leaked key', () => {
  it.each(KEYS)('warns about $label without repeating any part of it', async ({ key, provider }) => {
    // The asker reads which provider's key leaked and where to revoke it; the key is not shown again.
    const { say } = testPipeline();
    const outcome = await say(`help, 401 with this key: ${key}`);
    expect(outcome).toMatchObject({ kind: 'warning', intent: 'leaked-api-key' });
    const revokeAt = KEY_KINDS.find((k) => k.provider === provider)?.revokeAt ?? '';
    for (const reply of [outcome.reply ?? '', outcome.leakedKey?.replyIfDeleted ?? '']) {
      expect(reply).toContain(provider);
      expect(reply).toContain(revokeAt);
      expect(leakedIn(reply, [key])).toBeUndefined();
      expect(reply.length).toBeLessThanOrEqual(2000);
    }
    expect(outcome.reply).toMatch(/Delete your message/);
    expect(outcome.leakedKey?.replyIfDeleted).toMatch(/I deleted your message/);
  });

  it('still warns a user who muted the bot', async () => {
    // alice typed !mute earlier; when she pastes her key she is warned anyway, because it is about
    // her credits, not about help she opted out of.
    const { say } = testPipeline();
    expect((await say('!mute')).kind).toBe('command');
    expect((await say(QUESTION)).reply).toBeUndefined();
    const outcome = await say(`still 401 with ${OPENROUTER_KEY}`);
    expect(outcome).toMatchObject({ kind: 'warning', intent: 'leaked-api-key' });
    expect(outcome.reply).toContain('https://openrouter.ai/settings/keys');
  });

  it.each<[string, Partial<IncomingMessage>]>([
    ['a staff member', { author: { id: 'mod', displayName: 'Mod', isBot: false, roles: ['staff'] } }],
    ['someone in #general', { channelId: 'c-general', channelName: 'general' }],
    ['someone replying to another user', { replyTo: { messageId: 'm0', authorId: 'someone-else' } }],
  ])('warns %s too, where the bot otherwise stays silent', async (_who, overrides) => {
    // A key is public wherever it is posted: the warning goes out even where no answer would.
    const { say } = testPipeline();
    expect((await say(QUESTION, overrides)).reply).toBeUndefined();
    expect(await say(`here: ${OPENROUTER_KEY}`, overrides)).toMatchObject({ intent: 'leaked-api-key' });
  });

  it('warns in a channel a moderator paused', async () => {
    // /bot pause silences answers, not the warning that a key is public.
    const { say, store } = testPipeline();
    store.pause('g1', 'c-sillytavern');
    expect((await say(QUESTION)).reply).toBeUndefined();
    expect(await say(OPENROUTER_KEY)).toMatchObject({ intent: 'leaked-api-key' });
  });

  it('never warns a bot or a webhook that posts a key', async () => {
    // Two bots cannot loop on each other's key warnings.
    const { say } = testPipeline();
    const bot = { author: { id: 'b', displayName: 'Bot', isBot: true, roles: [] } };
    const hook = {
      author: { id: 'w', displayName: 'Hook', isBot: true, isWebhookOrSystem: true, roles: [] },
    };
    expect((await say(OPENROUTER_KEY, bot)).reply).toBeUndefined();
    expect((await say(OPENROUTER_KEY, hook)).reply).toBeUndefined();
  });
});

describe('where a leaked key must never end up', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'support-bot-keys-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every key out of every table and file of a real SQLite database', async () => {
    // A moderator browsing the database (answers, unanswered questions, mutes…) never finds a key.
    const file = path.join(dir, 'bot.sqlite');
    const { pipeline, store, clock, messageFrom } = testPipeline({ databaseFile: file });
    const send = (content: string, userId: string, overrides: Partial<IncomingMessage> = {}) => {
      clock.now += 60_000;
      return pipeline.handle(messageFrom(userId, content, overrides));
    };
    const replies: string[] = [];
    for (const [i, { key }] of KEYS.entries()) {
      const user = `user${i}`;
      // An unanswerable help request (recorded for moderators), the same with the key, an answered
      // question, the key in the other shapes a help request takes, and a mute.
      for (const content of [
        'my sillytavern crashes when I open the extensions menu, any idea why?',
        `my sillytavern crashes when I open the extensions menu, any idea why? key is ${key}`,
        QUESTION,
        `why does this still fail?? ${key}`,
        `> ${key}\nis this the right format?`,
        '!mute',
        `muted but: ${key}`,
      ]) {
        const outcome = await send(content, user);
        if (outcome.reply) replies.push(outcome.reply);
      }
      await send(`in #general: ${key}`, user, { channelId: 'c-general', channelName: 'general' });
    }
    store.close();

    expect(leakedIn(replies.join('\n'), ALL_KEYS)).toBeUndefined();
    const db = new Database(file, { readonly: true });
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
      .all()
      .map((row) => (row as { name: string }).name);
    const rows = Object.fromEntries(tables.map((t) => [t, db.prepare(`SELECT * FROM "${t}"`).all()]));
    db.close();
    // The scan is not vacuous: answers, unanswered help requests and mutes were recorded.
    expect(rows.answers?.length).toBeGreaterThan(0);
    expect(rows.unanswered?.length).toBeGreaterThan(0);
    expect(rows.mutes?.length).toBe(KEYS.length);
    expect(leakedIn(JSON.stringify(rows), ALL_KEYS)).toBeUndefined();
    // Nor in the bytes on disk (database, WAL, shared memory), where a deleted row could linger.
    for (const name of readdirSync(dir)) {
      const bytes = readFileSync(path.join(dir, name)).toString('latin1');
      expect(leakedIn(bytes, ALL_KEYS), name).toBeUndefined();
    }
  });

  it('never hands a message with a key to the gray-zone judge, which does see other messages', async () => {
    // The LLM provider never receives anyone's key, even when the local classifier is unsure.
    const asked: GrayZoneQuestion[] = [];
    const gray = () => undecided(['error-402-credits', 'error-5xx-provider', 'model-refusal']);
    const { say } = testPipeline({
      classify: gray,
      judge: async (question) => {
        asked.push(question);
        return undefined;
      },
    });
    let n = 0;
    // A new asker each time, so no conversation memory or cooldown is involved.
    const send = (content: string) =>
      say(content, {
        author: { id: `u${++n}`, displayName: 'Asker', isBot: false, roles: [] },
        attachments: [{ name: 'screenshot.png', contentType: 'image/png', url: 'https://cdn.example/1.png' }],
      });
    for (const { key } of KEYS) {
      for (const content of [
        `openrouter says something about my balance, what now? ${key}`,
        `> ${key}\nopenrouter says something about my balance, what now?`,
        `\`\`\`\nAPI_KEY=${key}\n\`\`\`\nwhy is my balance wrong`,
      ]) {
        expect((await send(content)).intent).toBe('leaked-api-key');
      }
    }
    expect(asked).toEqual([]);
    // Control: the same question without a key does reach the judge.
    await send('openrouter says something about my balance, what now?');
    expect(asked).toHaveLength(1);
    expect(leakedIn(JSON.stringify(asked), ALL_KEYS)).toBeUndefined();
  });
});

// ------------------------------------------------------------------------------------------------
// The Discord edge in-process: real discord.js objects; REST calls are spied on, not sent.

const BOT_ROLE_ID = '500000000000000001';
let client: Client;
let calls: {
  kind: 'delete' | 'send' | 'reply';
  messageId?: string;
  channelId?: string;
  content?: string;
  options?: unknown;
}[];
/** The channel refuses the bot's message (e.g. Send Messages revoked meanwhile). */
let sendFails: boolean;
let deleteFails: boolean;

/** A guild in which the bot's role has or lacks Manage Messages in #sillytavern. */
function setUpGuild(canManageMessages: boolean): Guild {
  const guild = addGuild(client) as Guild;
  // biome-ignore lint/suspicious/noExplicitAny: ClientUser's constructor is internal; READY sets it on Discord.
  (client as any).user = new (ClientUser as any)(client, {
    id: BOT_ID,
    username: 'SupportBot',
    discriminator: '0',
    avatar: null,
    bot: true,
  });
  const permissions =
    PermissionFlagsBits.ViewChannel |
    PermissionFlagsBits.SendMessages |
    PermissionFlagsBits.ReadMessageHistory |
    (canManageMessages ? PermissionFlagsBits.ManageMessages : 0n);
  // biome-ignore lint/suspicious/noExplicitAny: _add is discord.js's internal cache entry point.
  (guild.roles as any)._add({
    id: BOT_ROLE_ID,
    name: 'SupportBot',
    permissions: permissions.toString(),
    position: 1,
    color: 0,
    hoist: false,
    managed: true,
    mentionable: false,
  });
  // biome-ignore lint/suspicious/noExplicitAny: as above.
  (guild.members as any)._add({
    user: { id: BOT_ID, username: 'SupportBot', discriminator: '0', avatar: null, bot: true },
    roles: [BOT_ROLE_ID],
    joined_at: new Date(0).toISOString(),
    deaf: false,
    mute: false,
    flags: 0,
  });
  return guild;
}

function wire(logger = capturingLogger().logger) {
  const { pipeline, store, clock } = testPipeline();
  attachHandlers(client, { config: { ...TEST_CONFIG } as Config, logger, store, pipeline });
  return { store, clock };
}

/** Emits a message and waits until the handler has replied or sent (or 2 s passed). */
async function emit(message: Message<true>, expectedCalls = 1) {
  const posted = () => calls.filter((c) => c.kind !== 'delete').length;
  const before = posted();
  client.emit(Events.MessageCreate, message);
  const until = Date.now() + 2000;
  while (posted() - before < expectedCalls && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await new Promise((resolve) => setTimeout(resolve, 20));
}

describe('the Discord edge with a leaked key', () => {
  beforeEach(() => {
    client = new Client({ intents: [GatewayIntentBits.Guilds] });
    calls = [];
    deleteFails = false;
    sendFails = false;
    // biome-ignore lint/suspicious/noExplicitAny: the spy stands in for a REST call.
    vi.spyOn(Message.prototype as any, 'delete').mockImplementation(async function (this: Message) {
      if (deleteFails) throw new Error('Missing Permissions');
      calls.push({ kind: 'delete', messageId: this.id, channelId: this.channelId });
      return this;
    });
    vi.spyOn(TextChannel.prototype, 'send').mockImplementation(async function (
      this: TextChannel,
      options: unknown,
    ) {
      if (sendFails) throw new Error('Missing Permissions');
      const content = (options as MessageCreateOptions).content;
      calls.push({ kind: 'send', channelId: this.id, content, options });
      return { id: `sent-${calls.length}` } as Message<true>;
    });
    // biome-ignore lint/suspicious/noExplicitAny: the spy stands in for a REST call.
    vi.spyOn(Message.prototype as any, 'reply').mockImplementation(async function (
      this: Message,
      options: unknown,
    ) {
      const content = (options as MessageReplyOptions).content ?? undefined;
      calls.push({ kind: 'reply', messageId: this.id, content, options });
      return { id: `reply-${this.id}` } as Message;
    });
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await client.destroy();
  });

  it('deletes the message and says so in the channel when the bot has Manage Messages', async () => {
    // alice's message with her key disappears; in its place the channel reads "I deleted your
    // message" with the revoke link, and nobody is pinged.
    setUpGuild(true);
    wire();
    const leak = makeMessage(client, SUPPORT_ID, `why 401?? ${OPENROUTER_KEY}`);
    await emit(leak);
    expect(calls.map((c) => c.kind)).toEqual(['delete', 'send']);
    expect(calls[0]).toMatchObject({ messageId: leak.id });
    expect(calls[1]).toMatchObject({ channelId: SUPPORT_ID });
    expect(calls[1]?.content).toMatch(/I deleted your message/);
    expect(calls[1]?.content).toContain('https://openrouter.ai/settings/keys');
    expect((calls[1]?.options as MessageCreateOptions | undefined)?.allowedMentions).toEqual(NO_MENTIONS);
    expect(leakedIn(JSON.stringify(calls), ALL_KEYS)).toBeUndefined();
  });

  it('replies asking the asker to delete the message when the bot lacks Manage Messages', async () => {
    // The message stays (the bot cannot remove it); the reply under it says to delete it and revoke the key.
    setUpGuild(false);
    wire();
    const leak = makeMessage(client, SUPPORT_ID, `why 401?? ${OPENROUTER_KEY}`);
    await emit(leak);
    expect(calls.map((c) => c.kind)).toEqual(['reply']);
    expect(calls[0]).toMatchObject({ messageId: leak.id });
    expect(calls[0]?.content).toMatch(/Delete your message/);
    expect(calls[0]?.content).not.toMatch(/I deleted/);
    expect((calls[0]?.options as MessageReplyOptions | undefined)?.allowedMentions).toEqual(NO_MENTIONS);
  });

  it('falls back to asking when deleting fails although the permission looked granted', async () => {
    // A channel override or a race removed the permission: the asker still gets the warning as a reply.
    setUpGuild(true);
    wire();
    deleteFails = true;
    await emit(makeMessage(client, SUPPORT_ID, OPENROUTER_KEY));
    expect(calls.map((c) => c.kind)).toEqual(['reply']);
    expect(calls[0]?.content).toMatch(/Delete your message/);
  });

  it('logs a failed warning after a successful delete as a failed warning, not as a failed delete', async () => {
    // The key is gone; the operator reads that the warning could not be posted, which is what happened.
    setUpGuild(true);
    const captured = capturingLogger();
    wire(captured.logger);
    sendFails = true;
    client.emit(Events.MessageCreate, makeMessage(client, SUPPORT_ID, OPENROUTER_KEY));
    await vi.waitFor(() => expect(captured.lines.join('\n')).toContain('could not post the warning'));
    expect(calls.map((c) => c.kind)).toEqual(['delete']);
    expect(captured.lines.join('\n')).not.toContain('could not delete');
  });

  it('deletes a key posted in a channel that is not a support channel too', async () => {
    // A key pasted in #general is just as public: it is removed there as well.
    setUpGuild(true);
    wire();
    const leak = makeMessage(client, GENERAL_ID, `test ${OPENROUTER_KEY}`);
    await emit(leak);
    expect(calls.map((c) => c.kind)).toEqual(['delete', 'send']);
    expect(calls[1]).toMatchObject({ channelId: GENERAL_ID });
  });

  it('writes no key into any log line, at trace level, whatever happens to the message', async () => {
    // Someone reading the bot's log (or a log service) never sees a user's key, not even when a
    // delete fails and the error is logged.
    setUpGuild(true);
    const captured = capturingLogger('trace');
    wire(captured.logger);
    for (const [i, { key }] of KEYS.entries()) {
      deleteFails = i % 2 === 1;
      await emit(makeMessage(client, SUPPORT_ID, `${QUESTION} ${key}`, { authorId: ASKER_ID }));
    }
    const log = await captured.written();
    expect(captured.lines.length).toBeGreaterThanOrEqual(KEYS.length);
    expect(log).toContain('could not delete a message with a leaked key');
    expect(leakedIn(log, ALL_KEYS)).toBeUndefined();
  });
});
