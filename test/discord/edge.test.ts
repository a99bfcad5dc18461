// The Discord edge in-process: real discord.js Message objects built from API payloads, handed
// to the same handler the bot uses. Replies are captured instead of sent (the wire suite sends them).
import { Client, Events, GatewayIntentBits, Message, type MessageReplyOptions } from 'discord.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Config } from '../../src/config.ts';
import { attachHandlers } from '../../src/discord/client.ts';
import { toIncoming } from '../../src/discord/incoming.ts';
import { silentLogger } from '../../src/logger.ts';
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

beforeEach(() => {
  client = new Client({ intents: [GatewayIntentBits.Guilds] });
  addGuild(client);
  replies = [];
  // biome-ignore lint/suspicious/noExplicitAny: the spy stands in for a REST call.
  vi.spyOn(Message.prototype as any, 'reply').mockImplementation(async function (
    this: Message,
    options: unknown,
  ) {
    replies.push({ messageId: this.id, options: options as MessageReplyOptions });
    return { id: `reply-${this.id}` } as Message;
  });
});
afterEach(async () => {
  vi.restoreAllMocks();
  await client.destroy();
});

function wire() {
  const { pipeline, store, clock } = testPipeline();
  attachHandlers(client, { config: {} as Config, logger: silentLogger(), store, pipeline });
  return { store, clock };
}

/** The handler is async; wait until it has replied (or clearly will not). */
async function emit(message: Message<true>) {
  client.emit(Events.MessageCreate, message);
  await new Promise((resolve) => setTimeout(resolve, 20));
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
    const { store } = testPipeline();
    const failing = {
      handle: async () => {
        throw new Error('boom');
      },
      handleEdit: () => {
        throw new Error('boom');
      },
    };
    const lines: string[] = [];
    const { createLogger } = await import('../../src/logger.ts');
    const logger = createLogger({
      destination: { write: (l: string) => lines.push(l) } as unknown as NodeJS.WritableStream,
    });
    attachHandlers(client, { config: {} as Config, logger, store, pipeline: failing });
    await emit(makeMessage(client, SUPPORT_ID, 'error 401 unauthorized from openrouter'));
    expect(replies).toHaveLength(0);
    expect(lines.join('')).toContain('failed to handle a message');
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
