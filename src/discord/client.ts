// The thin Discord edge: a discord.js client whose messages go through the pipeline and whose
// replies can never ping anyone.
import {
  Client,
  Events,
  GatewayIntentBits,
  type Message,
  type MessageCreateOptions,
  Options,
  PermissionFlagsBits,
} from 'discord.js';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { Pipeline } from '../pipeline/pipeline.ts';
import type { Outcome } from '../pipeline/types.ts';
import type { Store } from '../store/store.ts';
import { toIncoming } from './incoming.ts';

/** No @everyone, no roles, no users, and not even the asker: the reply reference is enough. */
export const NO_MENTIONS = { parse: [], repliedUser: false } as const;

export interface BotDeps {
  config: Config;
  logger: Logger;
  store: Store;
  pipeline: Pipeline;
}

export function createClient(config: Config): Client {
  return new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent],
    allowedMentions: NO_MENTIONS,
    rest: config.DISCORD_API_URL ? { api: config.DISCORD_API_URL } : {},
    // A long-running bot only needs recent messages; caps and sweepers keep memory flat.
    makeCache: Options.cacheWithLimits({
      ...Options.DefaultMakeCacheSettings,
      MessageManager: 25,
      ReactionManager: 0,
      GuildMemberManager: { maxSize: 500, keepOverLimit: (member) => member.id === member.client.user.id },
      UserManager: { maxSize: 500, keepOverLimit: (user) => user.id === user.client.user.id },
      PresenceManager: 0,
      VoiceStateManager: 0,
      GuildEmojiManager: 0,
      GuildStickerManager: 0,
    }),
    sweepers: {
      ...Options.DefaultSweeperSettings,
      messages: { interval: 300, lifetime: 900 },
      users: { interval: 3600, filter: () => (user) => user.id !== user.client.user.id },
    },
  });
}

async function deliver(message: Message<true>, outcome: Outcome, deps: BotDeps): Promise<void> {
  if (!outcome.reply) return;
  if (outcome.leakedKey) {
    const me = message.guild.members.me;
    const canDelete = me && message.channel.permissionsFor(me)?.has(PermissionFlagsBits.ManageMessages);
    if (canDelete) {
      try {
        await message.delete();
        await message.channel.send({
          content: outcome.leakedKey.replyIfDeleted,
          allowedMentions: NO_MENTIONS,
        });
        return;
      } catch (error) {
        deps.logger.warn(
          { err: error, messageId: message.id },
          'could not delete a message with a leaked key',
        );
      }
    }
  }
  const options: MessageCreateOptions = { content: outcome.reply, allowedMentions: NO_MENTIONS };
  const sent = await message.reply(options);
  if (outcome.answerId !== undefined) deps.store.setAnswerMessage(outcome.answerId, sent.id);
}

/** Wires message handling; a failure with one message is logged and never posted. */
export function attachHandlers(client: Client, deps: BotDeps): void {
  client.on(Events.MessageCreate, async (message) => {
    if (!message.inGuild()) return;
    try {
      const outcome = await deps.pipeline.handle(toIncoming(message));
      deps.logger.debug(
        { messageId: message.id, kind: outcome.kind, intent: outcome.intent, reason: outcome.reason },
        'handled message',
      );
      if (outcome.reply) {
        deps.logger.info(
          {
            messageId: message.id,
            channelId: message.channelId,
            kind: outcome.kind,
            intent: outcome.intent,
            confidence: outcome.confidence,
          },
          'replying',
        );
      }
      await deliver(message, outcome, deps);
    } catch (error) {
      deps.logger.error({ err: error, messageId: message.id }, 'failed to handle a message');
    }
  });
  client.on(Events.ClientReady, (ready) => {
    deps.logger.info({ user: ready.user.tag, guilds: ready.guilds.cache.size }, 'ready');
  });
  client.on(Events.Error, (error) => deps.logger.error({ err: error }, 'discord client error'));
  client.on(Events.Warn, (warning) => deps.logger.warn({ warning }, 'discord client warning'));
  client.rest.on('rateLimited', (info) =>
    deps.logger.warn(
      { route: info.route, retryAfter: info.retryAfter, global: info.global },
      'rate limited by Discord',
    ),
  );
}
