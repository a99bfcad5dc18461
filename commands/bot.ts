// /bot pause and /bot resume: moderators switch the bot off and on for one channel. In a thread or
// forum post, that is the channel the thread belongs to (the bot treats threads as part of it).
import { InteractionContextType, SlashCommandBuilder } from 'discord.js';
import { type Command, MODERATOR_PERMISSION, privately } from '../src/discord/commands.ts';

export default {
  data: new SlashCommandBuilder()
    .setName('bot')
    .setDescription('Pause or resume the support bot in this channel (moderators)')
    .setDefaultMemberPermissions(MODERATOR_PERMISSION)
    .setContexts(InteractionContextType.Guild)
    .addSubcommand((sub) =>
      sub.setName('pause').setDescription('Stop answering in this channel and its threads until /bot resume'),
    )
    .addSubcommand((sub) => sub.setName('resume').setDescription('Answer in this channel again')),
  async execute(interaction, { store, logger }) {
    if (!interaction.inGuild()) return interaction.reply(privately('This command works only in a server.'));
    const channel = interaction.channel;
    const channelId = (channel?.isThread() ? channel.parentId : undefined) ?? interaction.channelId;
    const where =
      channelId === interaction.channelId
        ? `<#${channelId}> and its threads`
        : `<#${channelId}> (the channel this thread belongs to) and all its threads`;
    const pause = interaction.options.getSubcommand() === 'pause';
    const changed = pause
      ? store.pause(interaction.guildId, channelId)
      : store.resume(interaction.guildId, channelId);
    logger.info(
      { guildId: interaction.guildId, channelId, by: interaction.user.id, paused: pause, changed },
      pause ? 'channel paused' : 'channel resumed',
    );
    if (pause) {
      return interaction.reply(
        privately(
          changed
            ? `Paused: I won't answer in ${where} until someone runs /bot resume.`
            : `I'm already paused in ${where}. Run /bot resume to let me answer again.`,
        ),
      );
    }
    return interaction.reply(
      privately(
        changed
          ? `Resumed: I answer questions in ${where} again.`
          : `I wasn't paused in ${where}: I already answer there.`,
      ),
    );
  },
} satisfies Command;
