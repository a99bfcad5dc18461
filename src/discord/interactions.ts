// Slash commands, autocomplete and button presses: one dispatcher. Default member permissions hide
// moderator commands from everyone else, but a server admin can change them and Discord is not the
// only client, so the dispatcher checks the member's permissions again before running anything.
import { type Client, Events, type Interaction, type RepliableInteraction } from 'discord.js';
import { type CommandContext, type CommandRegistry, privately, requiredPermissions } from './commands.ts';
import { handleFeedbackButton, isFeedbackButton } from './feedback.ts';
import { asTeachingInteraction, handleTeachingInteraction } from './teaching.ts';

export interface InteractionDeps {
  commands: CommandRegistry;
  context: CommandContext;
}

export const INTERACTION_REPLIES = {
  guildOnly: 'This command works only in a server.',
  moderatorsOnly: (name: string) =>
    `Only moderators (members with the Manage Messages permission) can use /${name}.`,
  unknown: (name: string) => `I don't know /${name} (anymore). A moderator can run npm run deploy-commands.`,
  failed: 'Something went wrong with that command; the details are in the bot log.',
} as const;

/** Answers privately, whether or not the interaction was already answered or deferred. */
async function answerPrivately(interaction: RepliableInteraction, content: string): Promise<void> {
  if (interaction.deferred && !interaction.replied) await interaction.editReply({ content });
  else if (interaction.replied) await interaction.followUp(privately(content));
  else await interaction.reply(privately(content));
}

export async function handleInteraction(interaction: Interaction, deps: InteractionDeps): Promise<void> {
  const { commands, context } = deps;
  const { logger } = context;

  if (interaction.isChatInputCommand()) {
    const name = interaction.commandName;
    const command = commands.get(name);
    const where = { command: name, userId: interaction.user.id, channelId: interaction.channelId };
    try {
      if (!command) {
        logger.warn(where, 'unknown slash command');
        await interaction.reply(privately(INTERACTION_REPLIES.unknown(name)));
        return;
      }
      if (!interaction.inGuild()) {
        await interaction.reply(privately(INTERACTION_REPLIES.guildOnly));
        return;
      }
      const required = requiredPermissions(command);
      if (required !== undefined && !interaction.memberPermissions.has(required)) {
        logger.info(where, 'refused a moderator command');
        await interaction.reply(privately(INTERACTION_REPLIES.moderatorsOnly(name)));
        return;
      }
      logger.info({ ...where, subcommand: interaction.options.getSubcommand(false) }, 'slash command');
      await command.execute(interaction, context);
    } catch (error) {
      logger.error({ err: error, ...where }, 'slash command failed');
      await answerPrivately(interaction, INTERACTION_REPLIES.failed).catch((replyError) =>
        logger.warn({ err: replyError, ...where }, 'could not report a failed command'),
      );
    }
    return;
  }

  if (interaction.isAutocomplete()) {
    const command = commands.get(interaction.commandName);
    try {
      const required = command ? requiredPermissions(command) : undefined;
      const allowed =
        command?.autocomplete &&
        interaction.inGuild() &&
        (required === undefined || interaction.memberPermissions.has(required));
      if (!allowed) await interaction.respond([]);
      else await command.autocomplete?.(interaction, context);
    } catch (error) {
      logger.warn({ err: error, command: interaction.commandName }, 'autocomplete failed');
    }
    return;
  }

  // Message context menus ("Answer with…"), their entry picker and the /kb review buttons.
  const teaching = asTeachingInteraction(interaction);
  if (teaching) {
    await handleTeachingInteraction(teaching, deps);
    return;
  }

  if (isFeedbackButton(interaction)) {
    try {
      await handleFeedbackButton(interaction, context);
    } catch (error) {
      logger.error({ err: error, customId: interaction.customId }, 'feedback button failed');
      await answerPrivately(interaction, INTERACTION_REPLIES.failed).catch(() => undefined);
    }
  }
}

export function attachInteractions(client: Client, deps: InteractionDeps): void {
  client.on(Events.InteractionCreate, (interaction) => {
    // handleInteraction logs its own failures; this catch is for a failure to log.
    handleInteraction(interaction, deps).catch(() => undefined);
  });
}
