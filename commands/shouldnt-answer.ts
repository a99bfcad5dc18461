// "Shouldn't answer" (Apps menu on one of the bot's answers): deletes the answer and teaches its
// question as one the bot must not answer.
import { ApplicationCommandType, ContextMenuCommandBuilder, InteractionContextType } from 'discord.js';
import { type MessageCommand, MODERATOR_PERMISSION } from '../src/discord/commands.ts';
import { shouldntAnswer } from '../src/discord/teaching.ts';

export default {
  data: new ContextMenuCommandBuilder()
    .setName("Shouldn't answer")
    .setType(ApplicationCommandType.Message)
    .setDefaultMemberPermissions(MODERATOR_PERMISSION)
    .setContexts(InteractionContextType.Guild),
  async execute(interaction, context) {
    if (!interaction.inGuild()) return undefined;
    return shouldntAnswer(interaction, context);
  },
} satisfies MessageCommand;
