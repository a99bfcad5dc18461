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
import { createBoundedCache } from '../bounded-cache.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { isTextCommand } from '../pipeline/commands.ts';
import type { Pipeline } from '../pipeline/pipeline.ts';
import type { Decision, IncomingMessage } from '../pipeline/types.ts';
import type { Store } from '../store/store.ts';
import { feedbackButtons } from './feedback.ts';
import { toIncoming, withAttachmentText } from './incoming.ts';
import { NO_MENTIONS } from './mentions.ts';
import { createKeyedQueue } from './ordering.ts';
import { attachPayloadTolerance } from './tolerant-payloads.ts';

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
  const client = new Client({
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
  attachPayloadTolerance(client);
  return client;
}

/**
 * Posts a decision's reply in the message's channel (its thread), never pinging anyone. Returns the
 * sent message's id, or undefined when Discord refused: then nothing may be recorded.
 */
async function send(message: Message<true>, decision: Decision, deps: BotDeps): Promise<string | undefined> {
  if (!decision.reply) return undefined;
  const where = { messageId: message.id, kind: decision.kind, intent: decision.intent };
  if (decision.leakedKey) {
    // Two steps, each failure logged as itself: a failed delete still gets the warning as a
    // reply, and a failed warning after a delete is not reported as a failed delete.
    if (await deleteLeakedKeyMessage(message, deps)) {
      try {
        const sent = await message.channel.send({
          content: decision.leakedKey.replyIfDeleted,
          allowedMentions: NO_MENTIONS,
        });
        return sent.id;
      } catch (error) {
        deps.logger.warn(
          { err: error, ...where },
          'deleted a message with a leaked key but could not post the warning',
        );
        return undefined;
      }
    }
  }
  const options: MessageReplyOptions = { content: decision.reply, allowedMentions: NO_MENTIONS };
  if (decision.feedback) options.components = [feedbackButtons(message.id, message.author.id)];
  try {
    const sent = await message.reply(options);
    return sent.id;
  } catch (error) {
    deps.logger.warn({ err: error, ...where }, 'Discord refused the reply; nothing recorded');
    return undefined;
  }
}

/** True when the message is gone; false (logged) when the bot may not or could not delete it. */
async function deleteLeakedKeyMessage(message: Message<true>, deps: BotDeps): Promise<boolean> {
  const me = message.guild.members.me;
  if (!me || !message.channel.permissionsFor(me)?.has(PermissionFlagsBits.ManageMessages)) return false;
  try {
    await message.delete();
    return true;
  } catch (error) {
    deps.logger.warn({ err: error, messageId: message.id }, 'could not delete a message with a leaked key');
    return false;
  }
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
/** Wires the message events; `idle()` settles when every queued message has been handled. */
export function attachHandlers(client: Client, deps: BotDeps): { idle(): Promise<void> } {
  const { pipeline, logger } = deps;
  const queue = createKeyedQueue();
  // A question deleted while its answer is still being sent: the delete event finds no answer
  // message yet, so the answer is removed as soon as it has been sent.
  const deletedQuestions = createBoundedCache<string, true>(1_000);
  const questionDeleted = (id: string) => {
    deletedQuestions.set(id, true);
    removeAnswersTo(client, id, deps).catch((error) =>
      logger.error({ err: error, messageId: id }, 'failed to handle a deleted message'),
    );
  };

  /** Decide, send, then commit: the record, the follow-up state and the limits follow what Discord accepted. */
  async function handle(message: Message<true>, received: IncomingMessage, edited: boolean): Promise<void> {
    // Attachments are read in the user's queue, so a screenshot is decided before their next message.
    const { incoming, report } = edited
      ? { incoming: received, report: [] }
      : await withAttachmentText(received, deps.attachments, deps.config.SUPPORT_CHANNELS);
    // What was read, never the content: names, kinds, outcomes and line counts.
    if (report.length) logger.debug({ messageId: message.id, attachments: report }, 'read attachments');
    let decision = edited ? pipeline.decideEdit(incoming) : await pipeline.decide(incoming);
    // A `!mute` counts even if its acknowledgement cannot be posted.
    if (decision.kind === 'command') pipeline.commit(incoming, decision);
    // The decision may have taken a while (the LLM judge): a mute, pause or reply meanwhile wins.
    const interrupted =
      decision.kind !== 'command' && decision.kind !== 'warning' && decision.reply
        ? pipeline.interruption(incoming)
        : undefined;
    if (interrupted) {
      decision.reservation?.release();
      decision = { kind: 'silent', reason: interrupted, intent: decision.intent };
    }
    logger.debug(
      {
        messageId: message.id,
        kind: decision.kind,
        intent: decision.intent,
        reason: decision.reason,
        rule: decision.rule,
      },
      edited ? 'handled edited message' : 'handled message',
    );
    if (decision.reply) {
      logger.info(
        {
          messageId: message.id,
          channelId: message.channelId,
          kind: decision.kind,
          intent: decision.intent,
          confidence: decision.confidence,
        },
        edited ? 'replying to an edit' : 'replying',
      );
    }
    const sentId = await send(message, decision, deps);
    if (decision.kind === 'command') return;
    const answerId = pipeline.commit(incoming, decision, sentId);
    if (answerId !== undefined && deletedQuestions.has(message.id))
      await removeAnswersTo(client, message.id, deps);
  }

  /** Queues a message behind the same user's earlier ones; commands overtake them. */
  function enqueue(message: Message<true>, edited: boolean): void {
    let incoming: IncomingMessage;
    try {
      incoming = toIncoming(message);
    } catch (error) {
      logger.error({ err: error, messageId: message.id }, 'could not read a message');
      return;
    }
    const lane = isTextCommand(incoming.content) ? 'command' : 'message';
    queue
      .run(`${lane}:${message.guildId}:${incoming.author.id}`, () => handle(message, incoming, edited))
      .catch((error) =>
        logger.error(
          { err: error, messageId: message.id },
          edited ? 'failed to handle an edited message' : 'failed to handle a message',
        ),
      );
  }

  client.on(Events.MessageCreate, (message) => {
    if (message.inGuild()) enqueue(message, false);
  });
  client.on(Events.MessageUpdate, async (_before, edited) => {
    try {
      // Edits of uncached messages arrive partial; the content is needed to look for a key.
      const message = edited.partial ? await edited.fetch() : edited;
      if (message.inGuild()) enqueue(message, true);
    } catch (error) {
      logger.error({ err: error, messageId: edited.id }, 'failed to handle an edited message');
    }
  });
  client.on(Events.MessageDelete, (message) => {
    if (message.inGuild()) questionDeleted(message.id);
  });
  client.on(Events.MessageBulkDelete, (messages) => {
    for (const id of messages.keys()) questionDeleted(id);
  });
  client.on(Events.Error, (error) => logger.error({ err: error }, 'discord client error'));
  client.on(Events.Warn, (warning) => logger.warn({ warning }, 'discord client warning'));
  return { idle: () => queue.idle() };
}
