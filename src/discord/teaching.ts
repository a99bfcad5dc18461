// Moderators teach the bot in place: "Answer with…", "Shouldn't answer" and "Wrong entry" on a
// message, the entry picker they open, and the /kb review queue's buttons. Every taught fact is
// stored (src/store/taught.ts) and counts in the classifier from the next rebuild, which is
// scheduled after the moderator got their reply: seconds, no restart.
//
// Every step checks Manage Messages again at run time (default member permissions are only a
// default a server admin can change), and every read is scoped to the interaction's server.
import {
  ActionRowBuilder,
  ApplicationCommandType,
  ButtonBuilder,
  type ButtonInteraction,
  ButtonStyle,
  type Interaction,
  type Message,
  type MessageContextMenuCommandInteraction,
  type RepliableInteraction,
  StringSelectMenuBuilder,
  type StringSelectMenuInteraction,
} from 'discord.js';
import type { Entry } from '../knowledge/entry.ts';
import { renderAnswer } from '../knowledge/render.ts';
import { withoutQuotes } from '../safety/quoted-text.ts';
import type { TaughtKind } from '../store/taught.ts';
import {
  type Command,
  type CommandContext,
  type CommandRegistry,
  type MessageCommand,
  MODERATOR_PERMISSION,
  privately,
} from './commands.ts';
import { feedbackButtons } from './feedback.ts';
import { toIncoming } from './incoming.ts';
import { NO_MENTIONS } from './mentions.ts';

export const TEACH_PREFIX = 'teach';
/** Discord's limits: 25 options per select menu, 5 rows per message. */
const OPTIONS_PER_MENU = 25;
const MAX_ROWS = 5;
const CANDIDATES_SHOWN = 5;

const quote = (text: string, max = 120) => {
  const line = text.replace(/\s+/g, ' ').trim();
  return `“${line.length > max ? `${line.slice(0, max - 1)}…` : line}”`;
};
const code = (text: string) => `\`${text.replace(/`/g, 'ˋ')}\``;

export const TEACHING_REPLIES = {
  moderatorsOnly: 'Only moderators (members with the Manage Messages permission) can teach the bot.',
  notOnBot: "That is a bot's message. Use Shouldn't answer or Wrong entry on the bot's own answers.",
  onlyBotAnswers: "Use this on one of the bot's answers.",
  noText: 'That message has no text to learn from.',
  messageGone: 'That message is gone (deleted), so there is nothing to answer or learn from.',
  unknownEntry: (id: string) => `No entry ${code(id)} in service any more; pick another.`,
  sameEntry: (id: string) => `The bot already answered with ${code(id)}; pick the right entry instead.`,
  cannotDelete: "I couldn't delete the answer (missing permission?); nothing was taught.",
  pickAnswer: (text: string) => `Answer this message with which entry? ${quote(text)}`,
  pickWrong: (intent: string, text: string) =>
    `The bot answered ${quote(text)} with ${code(intent)}. Which entry is right?`,
  answered: (entry: string, taughtId: number) =>
    `Answered with ${code(entry)} and taught it as example #${taughtId}; it counts within seconds. /kb untrain ${taughtId} undoes it.`,
  replaced: (from: string, to: string, ids: number[]) =>
    `Replaced the ${code(from)} answer with ${code(to)} and taught both (#${ids.join(', #')}). /kb untrain undoes either.`,
  deleted: (intent: string, taughtId: number | undefined) =>
    taughtId === undefined
      ? `Deleted the ${code(intent)} answer. Its question is gone, so nothing was taught.`
      : `Deleted the ${code(intent)} answer and taught (#${taughtId}): this message gets no answer if asked again, and messages like it are kept from ${code(intent)}. /kb untrain ${taughtId} undoes it.`,
  dismissed: 'Taken off the review queue.',
  unknownItem: 'That item is no longer in the review queue.',
  failed: 'Something went wrong; the details are in the bot log. Nothing may have been taught.',
} as const;

// ---------------------------------------------------------------------------------------------
// Custom ids: everything a press needs is in the id, so it works after a restart.

type PickAction = 'answer' | 'wrong';

/** `teach:pick:<answer|wrong>:<channelId>:<messageId>:<row>` (row: ids must differ within a message). */
const pickId = (action: PickAction, channelId: string, messageId: string, row: number) =>
  `${TEACH_PREFIX}:pick:${action}:${channelId}:${messageId}:${row}`;

/** `teach:review:<answer|dismiss>:<u|a>:<rowId>`: an unanswered question or a "Not helpful" answer. */
const reviewId = (action: 'answer' | 'dismiss', item: 'u' | 'a', rowId: number) =>
  `${TEACH_PREFIX}:review:${action}:${item}:${rowId}`;

const SNOWFLAKE = /^\d{5,20}$/;

export type TeachingInteraction =
  | MessageContextMenuCommandInteraction
  | ButtonInteraction
  | StringSelectMenuInteraction;

/** The interaction, if it is one of ours (a message context menu, a `teach:` menu or button). */
export function asTeachingInteraction(interaction: Interaction): TeachingInteraction | undefined {
  if (interaction.isMessageContextMenuCommand()) return interaction;
  if (
    (interaction.isButton() || interaction.isStringSelectMenu()) &&
    interaction.customId.startsWith(`${TEACH_PREFIX}:`)
  ) {
    return interaction;
  }
  return undefined;
}

function isModerator(
  interaction: RepliableInteraction,
): interaction is RepliableInteraction<'cached' | 'raw'> {
  return interaction.inGuild() && interaction.memberPermissions.has(MODERATOR_PERMISSION);
}

function asMessageCommand(command: Command | undefined): MessageCommand | undefined {
  const json = command?.data.toJSON() as { type?: number } | undefined;
  // The loader types every module as a slash command; a Message-type one is a MessageCommand.
  return json?.type === ApplicationCommandType.Message ? (command as unknown as MessageCommand) : undefined;
}

/** Runs a context-menu command, a picker choice or a review button; failures are logged and told privately. */
export async function handleTeachingInteraction(
  interaction: TeachingInteraction,
  { commands, context }: { commands: CommandRegistry; context: CommandContext },
): Promise<void> {
  const where = {
    userId: interaction.user.id,
    guildId: interaction.guildId,
    what: interaction.isMessageContextMenuCommand() ? interaction.commandName : interaction.customId,
  };
  try {
    if (!isModerator(interaction)) {
      context.logger.info(where, 'refused teaching to a non-moderator');
      await interaction.reply(privately(TEACHING_REPLIES.moderatorsOnly));
      return;
    }
    context.logger.info(where, 'teaching interaction');
    if (interaction.isMessageContextMenuCommand()) {
      const command = asMessageCommand(commands.get(interaction.commandName));
      if (!command) {
        await interaction.reply(privately(`I don't know “${interaction.commandName}” (anymore).`));
        return;
      }
      await command.execute(interaction, context);
    } else if (interaction.isStringSelectMenu()) {
      await handlePick(interaction, context);
    } else {
      await handleReviewButton(interaction, context);
    }
  } catch (error) {
    context.logger.error({ err: error, ...where }, 'teaching failed');
    const failed = privately(TEACHING_REPLIES.failed);
    await (interaction.replied || interaction.deferred
      ? interaction.followUp(failed)
      : interaction.reply(failed)
    ).catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------
// The entry picker

/** Select menus: the classifier's best candidates first, then every entry in id order. */
export function entryPicker(
  action: PickAction,
  channelId: string,
  messageId: string,
  entries: readonly Entry[],
  candidates: readonly string[],
  exclude?: string,
): ActionRowBuilder<StringSelectMenuBuilder>[] {
  const usable = entries.filter((entry) => entry.id !== exclude);
  const option = (entry: Entry) => ({
    label: entry.id.slice(0, 100),
    value: entry.id,
    description: entry.title.slice(0, 100),
  });
  const menus: { placeholder: string; entries: Entry[] }[] = [];
  const best = candidates
    .filter((id) => id !== exclude)
    .slice(0, CANDIDATES_SHOWN)
    .flatMap((id) => usable.filter((entry) => entry.id === id));
  if (best.length) menus.push({ placeholder: 'Best matches', entries: best });
  const sorted = [...usable].sort((a, b) => a.id.localeCompare(b.id));
  for (let i = 0; i < sorted.length && menus.length < MAX_ROWS; i += OPTIONS_PER_MENU) {
    const chunk = sorted.slice(i, i + OPTIONS_PER_MENU);
    const range = `${chunk[0]?.id.slice(0, 12)} … ${chunk.at(-1)?.id.slice(0, 12)}`;
    menus.push({ placeholder: `All entries: ${range}`.slice(0, 150), entries: chunk });
  }
  return menus.map((menu, row) =>
    new ActionRowBuilder<StringSelectMenuBuilder>().addComponents(
      new StringSelectMenuBuilder()
        .setCustomId(pickId(action, channelId, messageId, row))
        .setPlaceholder(menu.placeholder)
        .addOptions(menu.entries.map(option)),
    ),
  );
}

/** The text the classifier would read for a message (quotes removed, forum title included). */
function questionText(message: Message<true>): string {
  return withoutQuotes(toIncoming(message).content);
}

async function fetchMessage(
  interaction: RepliableInteraction<'cached' | 'raw'>,
  channelId: string,
  messageId: string,
): Promise<Message<true> | undefined> {
  try {
    const channel = await interaction.client.channels.fetch(channelId);
    if (!channel?.isTextBased() || channel.isDMBased() || channel.guildId !== interaction.guildId) {
      return undefined;
    }
    return await channel.messages.fetch(messageId);
  } catch {
    return undefined; // deleted, or a channel the bot cannot read
  }
}

/** Opens the picker for "Answer with…" on a user's message. */
export async function openAnswerPicker(
  interaction: RepliableInteraction<'cached' | 'raw'>,
  message: Message<true>,
  { knowledge }: CommandContext,
): Promise<unknown> {
  if (message.author.bot || message.webhookId) return interaction.reply(privately(TEACHING_REPLIES.notOnBot));
  const text = questionText(message);
  if (!text) return interaction.reply(privately(TEACHING_REPLIES.noText));
  const { kb, classifier } = knowledge.current();
  const candidates = classifier.score(text).candidates.map((c) => c.intent);
  return interaction.reply({
    ...privately(TEACHING_REPLIES.pickAnswer(text)),
    components: entryPicker('answer', message.channelId, message.id, kb.entries, candidates),
  });
}

/** The bot's answer a moderator pointed at, its record and its question (if still there). */
async function botAnswer(
  interaction: RepliableInteraction<'cached' | 'raw'>,
  answer: Message,
  { store }: CommandContext,
) {
  if (answer.author.id !== interaction.client.user.id) return undefined;
  const record = store.answerForMessage(answer.id);
  if (!record) return undefined;
  const question = await fetchMessage(interaction, answer.channelId, record.questionMessageId);
  return { record, question, text: question ? questionText(question) : '' };
}

/** Opens the picker for "Wrong entry" on one of the bot's answers. */
export async function openWrongEntryPicker(
  interaction: RepliableInteraction<'cached' | 'raw'>,
  answer: Message,
  context: CommandContext,
): Promise<unknown> {
  const found = await botAnswer(interaction, answer, context);
  if (!found) return interaction.reply(privately(TEACHING_REPLIES.onlyBotAnswers));
  if (!found.question) return interaction.reply(privately(TEACHING_REPLIES.messageGone));
  const { kb, classifier } = context.knowledge.current();
  const candidates = found.text ? classifier.score(found.text).candidates.map((c) => c.intent) : [];
  return interaction.reply({
    ...privately(TEACHING_REPLIES.pickWrong(found.record.intent, found.text)),
    components: entryPicker(
      'wrong',
      answer.channelId,
      answer.id,
      kb.entries,
      candidates,
      found.record.intent,
    ),
  });
}

/** "Shouldn't answer": deletes the answer and teaches its question as one that needs no answer. */
export async function shouldntAnswer(
  interaction: MessageContextMenuCommandInteraction<'cached' | 'raw'>,
  context: CommandContext,
): Promise<unknown> {
  const answer = interaction.targetMessage;
  const found = await botAnswer(interaction, answer, context);
  if (!found) return interaction.reply(privately(TEACHING_REPLIES.onlyBotAnswers));
  try {
    await answer.delete();
  } catch (error) {
    context.logger.warn(
      { err: error, messageId: answer.id },
      'could not delete an answer a moderator refused',
    );
    return interaction.reply(privately(TEACHING_REPLIES.cannotDelete));
  }
  context.store.markRemoved(answer.id, 'dismissed');
  context.store.taught.markAnswerReviewed(interaction.guildId, found.record.id);
  const taughtId =
    found.question && found.text
      ? teach(interaction, context, 'negative', found.record.intent, found.question)
      : undefined;
  await interaction.reply(privately(TEACHING_REPLIES.deleted(found.record.intent, taughtId)));
  if (taughtId !== undefined) context.knowledge.reloadSoon(`taught by ${interaction.user.id}`);
  return undefined;
}

function teach(
  interaction: RepliableInteraction<'cached' | 'raw'>,
  { store, logger }: CommandContext,
  kind: TaughtKind,
  entry: string,
  question: Message<true>,
): number {
  const id = store.taught.teach({
    guildId: interaction.guildId,
    kind,
    entry,
    text: questionText(question),
    moderatorId: interaction.user.id,
    sourceMessageId: question.id,
    sourceLink: question.url,
  });
  logger.info({ taughtId: id, kind, entry, moderatorId: interaction.user.id }, 'taught an example');
  return id;
}

/** Posts `entry`'s answer as a reply to the question, recorded as decided by a moderator. */
async function postAnswer(question: Message<true>, entry: Entry, context: CommandContext): Promise<void> {
  const { kb } = context.knowledge.current();
  const incoming = toIncoming(question);
  const answerId = context.store.recordAnswer({
    guildId: question.guildId,
    channelId: question.channelId,
    conversationId: incoming.threadId ?? incoming.channelId,
    userId: question.author.id,
    questionMessageId: question.id,
    intent: entry.id,
    kind: 'answer',
    decidedBy: 'moderator',
  });
  const sent = await question.reply({
    content: renderAnswer(entry, kb.footer, {
      vars: { asker: incoming.author.displayName },
      question: withoutQuotes(incoming.content),
    }),
    components: [feedbackButtons(question.id, question.author.id)],
    allowedMentions: NO_MENTIONS,
  });
  context.store.setAnswerMessage(answerId, sent.id);
}

async function handlePick(
  interaction: StringSelectMenuInteraction<'cached' | 'raw'>,
  context: CommandContext,
) {
  const [, , action, channelId = '', messageId = ''] = interaction.customId.split(':');
  if (
    (action !== 'answer' && action !== 'wrong') ||
    !SNOWFLAKE.test(channelId) ||
    !SNOWFLAKE.test(messageId)
  ) {
    return interaction.reply(privately('This menu is no longer supported.'));
  }
  const chosen = interaction.values[0] ?? '';
  const entry = context.knowledge.current().kb.byId.get(chosen);
  if (!entry) return interaction.reply(privately(TEACHING_REPLIES.unknownEntry(chosen)));
  const { store, knowledge } = context;
  const guildId = interaction.guildId;

  if (action === 'answer') {
    const question = await fetchMessage(interaction, channelId, messageId);
    if (!question) return interaction.update({ content: TEACHING_REPLIES.messageGone, components: [] });
    if (!questionText(question))
      return interaction.update({ content: TEACHING_REPLIES.noText, components: [] });
    await postAnswer(question, entry, context);
    const taughtId = teach(interaction, context, 'example', entry.id, question);
    store.taught.markUnansweredReviewed(guildId, question.id);
    await interaction.update({ content: TEACHING_REPLIES.answered(entry.id, taughtId), components: [] });
    knowledge.reloadSoon(`taught by ${interaction.user.id}`);
    return undefined;
  }

  const answer = await fetchMessage(interaction, channelId, messageId);
  if (!answer) return interaction.update({ content: TEACHING_REPLIES.messageGone, components: [] });
  const found = await botAnswer(interaction, answer, context);
  if (!found?.question || !found.text) {
    return interaction.update({ content: TEACHING_REPLIES.messageGone, components: [] });
  }
  if (found.record.intent === entry.id)
    return interaction.reply(privately(TEACHING_REPLIES.sameEntry(entry.id)));
  await answer.delete();
  store.markRemoved(answer.id, 'dismissed');
  store.taught.markAnswerReviewed(guildId, found.record.id);
  await postAnswer(found.question, entry, context);
  const ids = [
    teach(interaction, context, 'not-entry', found.record.intent, found.question),
    teach(interaction, context, 'example', entry.id, found.question),
  ];
  await interaction.update({
    content: TEACHING_REPLIES.replaced(found.record.intent, entry.id, ids),
    components: [],
  });
  knowledge.reloadSoon(`taught by ${interaction.user.id}`);
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// The review queue

/** `/kb review`: the most frequent unanswered help requests and the "Not helpful" answers, with buttons. */
export function reviewQueue(context: CommandContext, guildId: string) {
  // Two items per kind at most would waste rows: up to 5 rows (one per item), unanswered first.
  const { unanswered, notHelpful } = context.store.taught.review(guildId, MAX_ROWS);
  const items = [
    ...unanswered.map((u) => ({
      kind: 'u' as const,
      id: u.id,
      line: `${u.count}× unanswered: ${quote(u.text, 150)}`,
    })),
    ...notHelpful.map((a) => ({
      kind: 'a' as const,
      id: a.id,
      line: `${a.votes}× "Not helpful" on ${code(a.intent)}: https://discord.com/channels/${guildId}/${a.channelId}/${a.answerMessageId}`,
    })),
  ].slice(0, MAX_ROWS);
  if (items.length === 0) {
    return {
      content: 'The review queue is empty: no unanswered help requests or "Not helpful" answers.',
      components: [],
    };
  }
  const lines = items.map((item, i) => `${i + 1}. ${item.line}`);
  const components = items.map((item, i) =>
    new ActionRowBuilder<ButtonBuilder>().addComponents(
      new ButtonBuilder()
        .setCustomId(reviewId('answer', item.kind, item.id))
        .setLabel(`${i + 1}: ${item.kind === 'u' ? 'Answer with…' : 'Wrong entry…'}`)
        .setStyle(ButtonStyle.Primary),
      new ButtonBuilder()
        .setCustomId(reviewId('dismiss', item.kind, item.id))
        .setLabel(`${i + 1}: Dismiss`)
        .setStyle(ButtonStyle.Secondary),
    ),
  );
  return { content: ['Review queue (this server):', ...lines].join('\n').slice(0, 2000), components };
}

async function handleReviewButton(interaction: ButtonInteraction<'cached' | 'raw'>, context: CommandContext) {
  const [, kind, action, item, rawId = ''] = interaction.customId.split(':');
  const rowId = Number(rawId);
  const guildId = interaction.guildId;
  const taught = context.store.taught;
  if (kind !== 'review' || !/^\d+$/.test(rawId) || (item !== 'u' && item !== 'a')) {
    return interaction.reply(privately('This button is no longer supported.'));
  }
  if (item === 'u') {
    const row = taught.unansweredById(guildId, rowId);
    if (!row) return interaction.reply(privately(TEACHING_REPLIES.unknownItem));
    if (action === 'dismiss') {
      taught.markUnansweredReviewed(guildId, row.messageId);
      return interaction.reply(privately(TEACHING_REPLIES.dismissed));
    }
    const message = await fetchMessage(interaction, row.channelId, row.messageId);
    if (!message) return interaction.reply(privately(TEACHING_REPLIES.messageGone));
    return openAnswerPicker(interaction, message, context);
  }
  const row = taught.answerById(guildId, rowId);
  if (!row?.answerMessageId) return interaction.reply(privately(TEACHING_REPLIES.unknownItem));
  if (action === 'dismiss') {
    taught.markAnswerReviewed(guildId, row.id);
    return interaction.reply(privately(TEACHING_REPLIES.dismissed));
  }
  const answer = await fetchMessage(interaction, row.channelId, row.answerMessageId);
  if (!answer) return interaction.reply(privately(TEACHING_REPLIES.messageGone));
  return openWrongEntryPicker(interaction, answer, context);
}
