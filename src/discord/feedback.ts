// The buttons under every answer: "Solved", "Not helpful" and "Dismiss". A custom id carries the
// action, the question's message id and the asker, so a press can be handled without any memory of
// the message (and after a restart). The answer is recorded only after Discord accepted it, so the
// buttons cannot carry its record id; votes are kept by the answer's message id.
import {
  ActionRowBuilder,
  ButtonBuilder,
  type ButtonInteraction,
  ButtonStyle,
  type Interaction,
  type Message,
} from 'discord.js';
import type { Logger } from '../logger.ts';
import type { Store, Vote } from '../store/store.ts';
import { MODERATOR_PERMISSION, privately } from './commands.ts';

export const FEEDBACK_PREFIX = 'feedback';
export const FEEDBACK_ACTIONS = ['solved', 'not-helpful', 'dismiss'] as const;
export type FeedbackAction = (typeof FEEDBACK_ACTIONS)[number];

export const FEEDBACK_REPLIES = {
  onlyAsker: 'Only the asker can dismiss this.',
  dismissed: 'Dismissed: the answer is gone.',
  cannotDelete: "I couldn't delete the answer. A moderator can remove it.",
  recorded: {
    solved: 'Thanks! Marked as solved.',
    'not-helpful': 'Thanks for telling us: noted as not helpful.',
  },
  changed: {
    solved: 'Thanks! Changed your feedback to solved.',
    'not-helpful': 'Thanks! Changed your feedback to not helpful.',
  },
  unchanged: {
    solved: 'You already marked this answer as solved.',
    'not-helpful': 'You already marked this answer as not helpful.',
  },
} as const;

export interface FeedbackId {
  action: FeedbackAction;
  questionId: string;
  askerId: string;
}

export function feedbackCustomId({ action, questionId, askerId }: FeedbackId): string {
  return `${FEEDBACK_PREFIX}:${action}:${questionId}:${askerId}`;
}

export function parseFeedbackId(customId: string): FeedbackId | undefined {
  const [prefix, action, questionId, askerId] = customId.split(':');
  if (prefix !== FEEDBACK_PREFIX || !FEEDBACK_ACTIONS.includes(action as FeedbackAction)) return undefined;
  if (!questionId || !/^\d+$/.test(questionId) || !askerId || !/^\d+$/.test(askerId)) return undefined;
  return { action: action as FeedbackAction, questionId, askerId };
}

/** The row of buttons under the answer to `askerId`'s question. */
export function feedbackButtons(questionId: string, askerId: string): ActionRowBuilder<ButtonBuilder> {
  const button = (action: FeedbackAction, label: string, style: ButtonStyle) =>
    new ButtonBuilder()
      .setCustomId(feedbackCustomId({ action, questionId, askerId }))
      .setLabel(label)
      .setStyle(style);
  return new ActionRowBuilder<ButtonBuilder>().addComponents(
    button('solved', 'Solved', ButtonStyle.Success),
    button('not-helpful', 'Not helpful', ButtonStyle.Secondary),
    button('dismiss', 'Dismiss', ButtonStyle.Secondary),
  );
}

export function isFeedbackButton(interaction: Interaction): interaction is ButtonInteraction {
  return interaction.isButton() && interaction.customId.startsWith(`${FEEDBACK_PREFIX}:`);
}

/** Handles a press on one of the feedback buttons; every reply is private. */
export async function handleFeedbackButton(
  interaction: ButtonInteraction,
  { store, logger }: { store: Store; logger: Logger },
): Promise<void> {
  const parsed = parseFeedbackId(interaction.customId);
  if (!parsed) {
    await interaction.reply(privately('This button is no longer supported.'));
    return;
  }
  const message: Message = interaction.message;
  const userId = interaction.user.id;

  if (parsed.action === 'dismiss') {
    // The record says whom the answer was for; the custom id is the fallback for a lost record.
    const askerId = store.answerForMessage(message.id)?.userId ?? parsed.askerId;
    const isModerator = Boolean(interaction.memberPermissions?.has(MODERATOR_PERMISSION));
    if (userId !== askerId && !isModerator) {
      logger.info({ messageId: message.id, userId }, 'refused a dismiss by someone other than the asker');
      await interaction.reply(privately(FEEDBACK_REPLIES.onlyAsker));
      return;
    }
    try {
      await message.delete();
    } catch (error) {
      logger.warn({ err: error, messageId: message.id }, 'could not delete a dismissed answer');
      await interaction.reply(privately(FEEDBACK_REPLIES.cannotDelete));
      return;
    }
    store.markRemoved(message.id, 'dismissed');
    logger.info(
      { messageId: message.id, userId, by: userId === askerId ? 'asker' : 'moderator' },
      'answer dismissed',
    );
    await interaction.reply(privately(FEEDBACK_REPLIES.dismissed));
    return;
  }

  const vote: Vote = parsed.action;
  const result = store.vote(message.id, userId, vote);
  logger.info({ messageId: message.id, userId, vote, result }, 'feedback');
  await interaction.reply(privately(FEEDBACK_REPLIES[result][vote]));
}
