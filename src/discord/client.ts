// The thin Discord edge: a discord.js client whose messages go through the pipeline and whose
// replies can never ping anyone.
import {
  Client,
  Events,
  GatewayIntentBits,
  type Message,
  type MessageReplyOptions,
  Options,
  Partials,
  PermissionFlagsBits,
} from 'discord.js';
import type { AttachmentReader } from '../attachments/read.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { Pipeline } from '../pipeline/pipeline.ts';
import type { Outcome } from '../pipeline/types.ts';
import type { Store } from '../store/store.ts';
import { feedbackButtons } from './feedback.ts';
import { toIncoming, withAttachmentText } from './incoming.ts';
import { NO_MENTIONS } from './mentions.ts';

export { NO_MENTIONS };

export interface BotDeps {
  config: Config;
  logger: Logger;
  store: Store;
  pipeline: Pipeline;
  /** The clock answers were recorded with (the follow-up window for deleted questions). */
  now?: () => number;
  /** Reads text attachments and screenshots before the pipeline; without it they are ignored. */
  attachments?: AttachmentReader;
}

export function createClient(config: Config): Client {
  return new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent],
    allowedMentions: NO_MENTIONS,
    // A deleted question is often no longer cached (sweepers, restarts): without the Message
    // partial, discord.js drops those delete events and the answer would stay.
    partials: [Partials.Message],
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
  const options: MessageReplyOptions = { content: outcome.reply, allowedMentions: NO_MENTIONS };
  // Answers and follow-ups get feedback buttons; commands, hand-overs and key warnings do not.
  if (outcome.answerId !== undefined && !outcome.handover && !outcome.leakedKey) {
    options.components = [feedbackButtons(outcome.answerId, message.author.id)];
  }
  const sent = await message.reply(options);
  if (outcome.answerId !== undefined) deps.store.setAnswerMessage(outcome.answerId, sent.id);
}

/** The asker deleted their question within the follow-up window: the answer goes too. */
async function removeAnswersTo(client: Client, questionId: string, deps: BotDeps): Promise<void> {
  const answers = deps.store.answersForQuestion(questionId);
  if (answers.length === 0) return;
  const now = (deps.now ?? Date.now)();
  const windowMs = deps.config.FOLLOWUP_WINDOW_MINUTES * 60_000;
  for (const answer of answers) {
    if (now - answer.createdAt > windowMs) continue;
    const channel = client.channels.cache.get(answer.channelId);
    if (!channel?.isTextBased()) continue;
    try {
      await channel.messages.delete(answer.answerMessageId);
      deps.store.markRemoved(answer.answerMessageId, 'question deleted');
      deps.logger.info(
        { questionId, answerMessageId: answer.answerMessageId },
        'question deleted; deleted its answer',
      );
    } catch (error) {
      // Already gone (dismissed, or removed by a moderator) is the usual reason.
      deps.logger.debug(
        { err: error, answerMessageId: answer.answerMessageId },
        'could not delete an answer',
      );
    }
  }
}

/** Wires message handling; a failure with one message is logged and never posted. */
export function attachHandlers(client: Client, deps: BotDeps): void {
  // A question deleted while its answer is still being sent: the delete event finds no answer
  // message yet, so the answer is removed as soon as it has been sent.
  const deletedQuestions = new Set<string>();
  const questionDeleted = (id: string) => {
    deletedQuestions.add(id);
    if (deletedQuestions.size > 1000)
      deletedQuestions.delete(deletedQuestions.values().next().value as string);
    removeAnswersTo(client, id, deps).catch((error) =>
      deps.logger.error({ err: error, messageId: id }, 'failed to handle a deleted message'),
    );
  };

  client.on(Events.MessageCreate, async (message) => {
    if (!message.inGuild()) return;
    try {
      const { incoming, report } = await withAttachmentText(
        toIncoming(message),
        deps.attachments,
        deps.config.SUPPORT_CHANNELS,
      );
      // What was read, never the content: names, kinds, outcomes and line counts.
      if (report.length)
        deps.logger.debug({ messageId: message.id, attachments: report }, 'read attachments');
      const outcome = await deps.pipeline.handle(incoming);
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
      if (outcome.answerId !== undefined && deletedQuestions.has(message.id)) {
        await removeAnswersTo(client, message.id, deps);
      }
    } catch (error) {
      deps.logger.error({ err: error, messageId: message.id }, 'failed to handle a message');
    }
  });
  client.on(Events.MessageUpdate, async (_before, edited) => {
    try {
      // Edits of uncached messages arrive partial; the content is needed to look for a key.
      const message = edited.partial ? await edited.fetch() : edited;
      if (!message.inGuild()) return;
      const outcome = deps.pipeline.handleEdit(toIncoming(message));
      if (outcome.reply)
        deps.logger.info({ messageId: message.id, intent: outcome.intent }, 'replying to an edit');
      await deliver(message, outcome, deps);
    } catch (error) {
      deps.logger.error({ err: error, messageId: edited.id }, 'failed to handle an edited message');
    }
  });
  client.on(Events.MessageDelete, (message) => {
    if (message.inGuild()) questionDeleted(message.id);
  });
  client.on(Events.MessageBulkDelete, (messages) => {
    for (const id of messages.keys()) questionDeleted(id);
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
