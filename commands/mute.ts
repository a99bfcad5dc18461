// /mute: the slash form of `!mute`. Anyone may use it; it only changes how the bot treats the caller.
import { InteractionContextType, SlashCommandBuilder } from 'discord.js';
import { type Command, privately } from '../src/discord/commands.ts';
import { setMuted } from '../src/pipeline/commands.ts';

export default {
  data: new SlashCommandBuilder()
    .setName('mute')
    .setDescription('Stop the support bot from answering your messages (until /unmute)')
    .setContexts(InteractionContextType.Guild),
  async execute(interaction, { store }) {
    if (!interaction.inGuild()) return interaction.reply(privately('This command works only in a server.'));
    return interaction.reply(privately(setMuted(store, interaction.guildId, interaction.user.id, true)));
  },
} satisfies Command;
