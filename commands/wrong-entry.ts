// "Wrong entry" (Apps menu on one of the bot's answers): a moderator picks the right entry; the
// answer is replaced and both facts are taught (not the old entry, but the new one).
import { ApplicationCommandType, ContextMenuCommandBuilder, InteractionContextType } from 'discord.js';
import { type MessageCommand, MODERATOR_PERMISSION } from '../src/discord/commands.ts';
import { openWrongEntryPicker } from '../src/discord/teaching.ts';

export default {
  data: new ContextMenuCommandBuilder()
    .setName('Wrong entry')
    .setType(ApplicationCommandType.Message)
    .setDefaultMemberPermissions(MODERATOR_PERMISSION)
    .setContexts(InteractionContextType.Guild),
  async execute(interaction, context) {
    if (!interaction.inGuild()) return undefined;
    return openWrongEntryPicker(interaction, interaction.targetMessage, context);
  },
} satisfies MessageCommand;
