// The Discord edge in-process: real discord.js Message objects built from API payloads, handed
// to the same handler the bot uses. Replies are captured instead of sent (the wire suite sends them).
import { Client, Events, GatewayIntentBits, Message, type MessageReplyOptions } from 'discord.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Config } from '../../src/config.ts';
import { attachHandlers } from '../../src/discord/client.ts';
import { toIncoming } from '../../src/discord/incoming.ts';
import { createLogger } from '../../src/logger.ts';
import {
  addGuild,
  addThread,
  FORUM_ID,
  GENERAL_ID,
  makeMessage,
  SUPPORT_ID,
} from '../support/discord-payloads.ts';
import { testPipeline } from '../support/pipeline.ts';
import { SEED_TURNS } from '../support/seed.ts';

let client: Client;
let replies: { messageId: string; options: MessageReplyOptions }[];
/** Sends in flight; `emit` waits for them. */
const pending = new Set<Promise<unknown>>();
/** When set, the next reply is refused the way Discord refuses it (403 Missing Permissions). */
let refuseNextReply = false;

beforeEach(() => {
  client = new Client({ intents: [GatewayIntentBits.Guilds] });
  addGuild(client);
  replies = [];
  refuseNextReply = false;
  // biome-ignore lint/suspicious/noExplicitAny: the spy stands in for a REST call.
  vi.spyOn(Message.prototype as any, 'reply').mockImplementation(function (this: Message, options: unknown) {
    const sending = (async () => {
      if (refuseNextReply) {
        refuseNextReply = false;
        throw Object.assign(new Error('Missing Permissions'), { status: 403, code: 50013 });
      }
      replies.push({ messageId: this.id, options: options as MessageReplyOptions });
      return { id: `reply-${this.id}` } as Message;
    })();
    pending.add(sending);
    void sending.catch(() => undefined).finally(() => pending.delete(sending));
    return sending;
  });
});
afterEach(async () => {
  vi.restoreAllMocks();
  await client.destroy();
});

/** The bot's log, parsed: the edge logs "handled message" once a message is decided, sent and committed. */
let logLines: Record<string, unknown>[];

function captureLogger() {
  logLines = [];
  return createLogger({
    level: 'debug',
    destination: { write: (l: string) => logLines.push(JSON.parse(l)) } as unknown as NodeJS.WritableStream,
  });
}

function wire() {
  const { pipeline, store, clock } = testPipeline();
  attachHandlers(client, { config: {} as Config, logger: captureLogger(), store, pipeline });
  return { store, clock };
}

/** Emits a message and waits until the edge has finished with it (logged its outcome or failure). */
async function emit(message: Message<true>) {
  client.emit(Events.MessageCreate, message);
  await vi.waitFor(() => {
    if (
      !logLines.some(
        (l) => l.messageId === message.id && /handled message|failed to handle/.test(String(l.msg)),
      )
    )
      throw new Error(`message ${message.id} not handled yet`);
  });
  // The log line comes before the send; let the send and the commit finish.
  await vi.waitFor(() => {
    if (pending.size > 0) throw new Error('a send is still pending');
  });
}

describe('the Discord edge', () => {
  it('turns a forum post into a question made of its title and starter message', () => {
    // A forum post titled with the error is answered even when its body is only "help".
    const thread = addThread(client, FORUM_ID, '401 unauthorized from openrouter');
    const starter = makeMessage(client, thread.id, 'help', { id: thread.id });
    const incoming = toIncoming(starter);
    expect(incoming.content).toBe('401 unauthorized from openrouter\nhelp');
    expect(incoming).toMatchObject({
      threadId: thread.id,
      parentChannelId: FORUM_ID,
      parentChannelName: 'help-forum',
    });
  });

  it('replays the seed conversation in a thread under #sillytavern, replying to each message', async () => {
    // The asker sees three replies in the thread, each a reply to their message.
    const { clock } = wire();
    const thread = addThread(client, SUPPORT_ID, 'help');
    const messages = SEED_TURNS.map((turn) => makeMessage(client, thread.id, turn.text));
    for (const message of messages) {
      clock.now += 60_000; // a person types for a minute between messages
      await emit(message);
    }
    expect(replies.map((r) => r.messageId)).toEqual(messages.map((m) => m.id));
    expect(replies[0]?.options.content).toContain('401');
  });

  it('sends every reply with mentions switched off', async () => {
    // Nobody is pinged, not even the asker.
    wire();
    await emit(makeMessage(client, SUPPORT_ID, 'error 401 unauthorized from openrouter @everyone'));
    expect(replies).toHaveLength(1);
    expect(replies[0]?.options.allowedMentions).toEqual({ parse: [], repliedUser: false });
  });

  it('ignores #general, other bots and webhooks', async () => {
    wire();
    await emit(makeMessage(client, GENERAL_ID, 'error 401 unauthorized from openrouter'));
    await emit(
      makeMessage(client, SUPPORT_ID, 'error 401 unauthorized from openrouter', { bot: true, authorId: '9' }),
    );
    await emit(
      makeMessage(client, SUPPORT_ID, 'error 401 unauthorized from openrouter', { webhookId: '77' }),
    );
    expect(replies).toHaveLength(0);
  });

  it('logs a failure while handling a message and posts nothing about it', async () => {
    // The channel never sees a stack trace; the bot goes on with the next message.
    const { store, pipeline } = testPipeline();
    const failing = {
      ...pipeline,
      decide: async () => {
        throw new Error('boom');
      },
    };
    attachHandlers(client, { config: {} as Config, logger: captureLogger(), store, pipeline: failing });
    const message = makeMessage(client, SUPPORT_ID, 'error 401 unauthorized from openrouter');
    await emit(message);
    expect(replies).toHaveLength(0);
    expect(logLines.find((l) => l.msg === 'failed to handle a message')).toMatchObject({
      messageId: message.id,
    });
  });

  it('records nothing when Discord refuses the reply, and logs a warning', async () => {
    // A 403 on send: /stats counts no answer, and "why?" has no answer to follow up on.
    const { store } = wire();
    refuseNextReply = true;
    const question = makeMessage(client, SUPPORT_ID, 'error 401 unauthorized from openrouter');
    await emit(question);
    expect(logLines.find((l) => l.msg === 'Discord refused the reply; nothing recorded')).toMatchObject({
      messageId: question.id,
    });
    expect(store.stats(question.guildId, 1).answers).toEqual([]);
    await emit(makeMessage(client, SUPPORT_ID, 'why does this happen?'));
    expect(replies).toHaveLength(0);
  });

  it('records the answer under the message id Discord gave the reply', async () => {
    // The sent reply leads back to its exchange, so a Discord reply to it is a follow-up.
    const { store } = wire();
    const question = makeMessage(client, SUPPORT_ID, 'error 401 unauthorized from openrouter');
    await emit(question);
    expect(store.exchangeOfMessage(question.guildId, `reply-${question.id}`)).toMatchObject({
      intent: 'error-401-unauthorized',
    });
  });
});

describe('a question that mentions the bot', () => {
  it('reads "@Bot I get a 401" as the question after the mention', () => {
    // Asking the bot by name works like asking the channel.
    const botId = '300000000000000099';
    Object.defineProperty(client, 'user', { value: { id: botId }, configurable: true });
    const incoming = toIncoming(makeMessage(client, SUPPORT_ID, `<@${botId}> I get a 401 from openrouter`));
    expect(incoming.content).toBe('I get a 401 from openrouter');
  });
});
