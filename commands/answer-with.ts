// "Answer with…" (Apps menu on a user's message): a moderator picks the entry; the bot posts its
// answer as a reply and learns the message as an example of that entry.
import { ApplicationCommandType, ContextMenuCommandBuilder, InteractionContextType } from 'discord.js';
import { type MessageCommand, MODERATOR_PERMISSION } from '../src/discord/commands.ts';
import { openAnswerPicker } from '../src/discord/teaching.ts';

export default {
  data: new ContextMenuCommandBuilder()
    .setName('Answer with…')
    .setType(ApplicationCommandType.Message)
    .setDefaultMemberPermissions(MODERATOR_PERMISSION)
    .setContexts(InteractionContextType.Guild),
  async execute(interaction, context) {
    if (!interaction.inGuild() || !interaction.targetMessage.inGuild()) return undefined;
    return openAnswerPicker(interaction, interaction.targetMessage, context);
  },
} satisfies MessageCommand;
