// /stats [days]: what the bot did lately in this server, for its moderators: answers per intent with
// their feedback, unanswered help requests, and the questions to write entries for next. Only this
// server's data: a moderator of one server never reads another server's questions.
// `npm run report -- --guild ID` prints the same in a terminal.
import { InteractionContextType, SlashCommandBuilder } from 'discord.js';
import { type Command, MODERATOR_PERMISSION, privately } from '../src/discord/commands.ts';
import { fitLines, statsReport } from '../src/report.ts';

const DEFAULT_DAYS = 7;

export default {
  data: new SlashCommandBuilder()
    .setName('stats')
    .setDescription('Answers, feedback and unanswered help requests (moderators)')
    .setDefaultMemberPermissions(MODERATOR_PERMISSION)
    .setContexts(InteractionContextType.Guild)
    .addIntegerOption((option) =>
      option
        .setName('days')
        .setDescription(`How many days back to look (default ${DEFAULT_DAYS})`)
        .setMinValue(1)
        .setMaxValue(365),
    ),
  async execute(interaction, { store }) {
    if (!interaction.inGuild()) return interaction.reply(privately('This command works only in a server.'));
    const days = interaction.options.getInteger('days') ?? DEFAULT_DAYS;
    const lines = statsReport(store.stats(interaction.guildId, days), { days, top: 5 });
    return interaction.reply(privately(fitLines(lines, 2000, ' (npm run report shows everything)')));
  },
} satisfies Command;
