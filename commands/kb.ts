// /kb: moderators look into the knowledge base in service: what it holds, why a message would be
// answered (or not), and whether their last edit made it in.
import path from 'node:path';
import { InteractionContextType, SlashCommandBuilder, TimestampStyles, time } from 'discord.js';
import { type Command, MODERATOR_PERMISSION, privately } from '../src/discord/commands.ts';
import { reviewQueue } from '../src/discord/teaching.ts';
import type { KnowledgeBase } from '../src/knowledge/entry.ts';
import type { KnowledgeStatus } from '../src/knowledge/live.ts';
import { renderAnswer } from '../src/knowledge/render.ts';
import { describeStale, staleEntries } from '../src/knowledge/staleness.ts';
import { fitLines } from '../src/report.ts';
import { withoutQuotes } from '../src/safety/quoted-text.ts';

const LIMIT = 2000;

const when = (date: Date) =>
  `${time(date, TimestampStyles.ShortDateTime)} (${time(date, TimestampStyles.RelativeTime)})`;
const score = (n: number) => n.toFixed(3);
const shorten = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** Inline code that cannot be broken out of by backticks in user text. */
const code = (text: string) => `\`${text.replace(/`/g, 'ˋ')}\``;

function statusLines(status: KnowledgeStatus, kb: KnowledgeBase, now: Date): string[] {
  const lines = [
    `Entries in service: ${status.entries}, loaded ${when(status.loadedAt)}`,
    `Folder: ${code(status.dir)}, ${status.watching ? 'watched: edits are picked up within seconds' : 'not watched: use /kb reload after edits'}`,
  ];
  const last = status.lastReload;
  if (!last) lines.push('Last reload: none since start-up');
  else if (last.ok) lines.push(`Last reload: ${when(last.at)}, succeeded`);
  else {
    lines.push(
      `Last reload: ${when(last.at)}, FAILED: the entries above stay in service until these are fixed:`,
      ...last.problems.map((problem) => `- ${problem}`),
    );
  }
  // Last, so a long list is what gets cut to fit the message.
  lines.push(...describeStale(staleEntries(kb.entries, { now, seenVersions: kb.seenVersions })));
  return lines;
}

export default {
  data: new SlashCommandBuilder()
    .setName('kb')
    .setDescription('Inspect, test and reload the knowledge base (moderators)')
    .setDefaultMemberPermissions(MODERATOR_PERMISSION)
    .setContexts(InteractionContextType.Guild)
    .addSubcommand((sub) => sub.setName('list').setDescription('List the entries in service'))
    .addSubcommand((sub) =>
      sub
        .setName('show')
        .setDescription('Show one entry')
        .addStringOption((option) =>
          option.setName('id').setDescription('Entry id (file name)').setRequired(true).setAutocomplete(true),
        ),
    )
    .addSubcommand((sub) =>
      sub
        .setName('test')
        .setDescription('Which entry would answer this text, and why')
        .addStringOption((option) =>
          option.setName('text').setDescription('A question as a user would write it').setRequired(true),
        ),
    )
    .addSubcommand((sub) => sub.setName('reload').setDescription('Reload the knowledge folder now'))
    .addSubcommand((sub) =>
      sub
        .setName('status')
        .setDescription('Entries loaded, last reload, files that failed validation and entries to re-verify'),
    )
    .addSubcommand((sub) =>
      sub
        .setName('taught')
        .setDescription("This server's taught examples, newest first")
        .addStringOption((option) =>
          option.setName('entry').setDescription('Only this entry').setAutocomplete(true),
        ),
    )
    .addSubcommand((sub) =>
      sub
        .setName('untrain')
        .setDescription('Forget a taught example (its text leaves the database)')
        .addIntegerOption((option) =>
          option.setName('id').setDescription('The number /kb taught shows').setRequired(true).setMinValue(1),
        ),
    )
    .addSubcommand((sub) =>
      sub
        .setName('review')
        .setDescription('Unanswered help requests and "Not helpful" answers, with Answer with… / Dismiss'),
    ),

  async execute(interaction, context) {
    const { knowledge, store } = context;
    const { kb, classifier } = knowledge.current();
    switch (interaction.options.getSubcommand()) {
      case 'list': {
        const lines = [
          `${kb.entries.length} entries in service:`,
          ...kb.entries.map((entry) => `- ${code(entry.id)}: ${shorten(entry.title, 60)}`),
        ];
        return interaction.reply(privately(fitLines(lines, LIMIT, ' (/kb show autocompletes every id)')));
      }
      case 'show': {
        const id = interaction.options.getString('id', true).trim();
        const entry = kb.byId.get(id);
        if (!entry) {
          return interaction.reply(
            privately(
              `No entry ${code(id)} in service. /kb list shows the ids; disabled entries are not listed.`,
            ),
          );
        }
        const summary = shorten(entry.summary, 200);
        const header = [
          `${code(entry.id)}: ${entry.title}`,
          summary,
          `${entry.examples.length} examples · ${entry.keywords.length} keywords · ${entry.patterns.length} patterns · sections: ${Object.keys(entry.sections).join(', ')} · verified ${entry.lastVerified}`,
          'Answer as posted (without the footer):',
        ].join('\n');
        const rendered = renderAnswer(entry, kb.footer, { vars: { asker: interaction.user.displayName } });
        const answer = rendered.endsWith(kb.footer)
          ? rendered.slice(0, -kb.footer.length).trimEnd()
          : rendered;
        const room = LIMIT - header.length - 1;
        const cut = `… (cut here: the whole text is in ${path.basename(entry.file)})`;
        const body = answer.length > room ? `${answer.slice(0, room - cut.length)}${cut}` : answer;
        return interaction.reply(privately(`${header}\n${body}`));
      }
      case 'test': {
        const text = interaction.options.getString('text', true);
        const result = classifier.classify(withoutQuotes(text), interaction.guildId ?? undefined);
        const decided = result.rule === 'answer' && result.intent ? kb.byId.get(result.intent) : undefined;
        const lines = [
          decided
            ? `Would answer with ${code(decided.id)}: ${decided.title} (confidence ${score(result.confidence)})`
            : 'Would stay silent.',
          `Rule that decided: ${result.rule} (threshold ${classifier.settings.threshold}, margin ${classifier.settings.margin}; needs no answer: ${score(result.noneScore)})`,
          `Help request: ${result.helpRequest.verdict} (${result.helpRequest.reason})`,
          result.candidates.length
            ? 'Top candidates:'
            : 'No candidates: no entry shares words with this text.',
          ...result.candidates.map(
            (c, i) =>
              `${i + 1}. ${code(c.intent)} probability ${score(c.score)}${c.evidence.length ? `; ${c.evidence.join(', ')}` : ''}`,
          ),
          '-# Only the classifier: mutes, pauses, follow-ups, cooldowns and the optional LLM judge are not applied here.',
        ];
        return interaction.reply(privately(fitLines(lines, LIMIT)));
      }
      case 'reload': {
        const result = knowledge.reload(`/kb reload by ${interaction.user.id}`);
        const lines = result.ok
          ? [`Reloaded: ${result.entries} entries in service.`]
          : [
              `Reload failed: the previous ${result.entries} entries stay in service. Fix these and reload again:`,
              ...result.problems.map((problem) => `- ${problem}`),
            ];
        return interaction.reply(privately(fitLines(lines, LIMIT)));
      }
      case 'status':
        return interaction.reply(
          privately(
            fitLines(statusLines(knowledge.status(), kb, new Date()), LIMIT, ' (npm run kb:stale lists all)'),
          ),
        );
      case 'taught': {
        if (!interaction.inGuild()) return interaction.reply(privately('This works only in a server.'));
        const entry = interaction.options.getString('entry')?.trim() || undefined;
        const rows = store.taught.list(interaction.guildId, entry);
        if (rows.length === 0) {
          return interaction.reply(
            privately(`No taught examples${entry ? ` for ${code(entry)}` : ''} in this server yet.`),
          );
        }
        const lines = [
          `Taught examples${entry ? ` for ${code(entry)}` : ''} (newest first; /kb untrain <id> forgets one):`,
          ...rows.map((row) => {
            const what =
              row.kind === 'example'
                ? `answer with ${code(row.entry)}`
                : row.kind === 'negative'
                  ? `no answer (was ${code(row.entry)})`
                  : `not ${code(row.entry)}`;
            const text =
              row.text === null ? '(exported to the knowledge files)' : `“${shorten(row.text, 120)}”`;
            return `#${row.id} ${what}: ${text} by <@${row.moderatorId}> ${time(new Date(row.createdAt), TimestampStyles.RelativeTime)}${row.sourceLink ? ` ${row.sourceLink}` : ''}`;
          }),
        ];
        return interaction.reply(privately(fitLines(lines, LIMIT)));
      }
      case 'untrain': {
        if (!interaction.inGuild()) return interaction.reply(privately('This works only in a server.'));
        const id = interaction.options.getInteger('id', true);
        if (!store.taught.untrain(interaction.guildId, id)) {
          return interaction.reply(privately(`No taught example #${id} in this server (see /kb taught).`));
        }
        await interaction.reply(
          privately(`Forgot taught example #${id}; the classifier drops it within seconds.`),
        );
        knowledge.reloadSoon(`untrained by ${interaction.user.id}`);
        return undefined;
      }
      case 'review': {
        if (!interaction.inGuild()) return interaction.reply(privately('This works only in a server.'));
        const { content, components } = reviewQueue(context, interaction.guildId);
        return interaction.reply({ ...privately(content), components });
      }
      default:
        return interaction.reply(privately('Unknown subcommand.'));
    }
  },

  async autocomplete(interaction, { knowledge }) {
    const typed = interaction.options.getFocused().trim().toLowerCase();
    const { kb } = knowledge.current();
    const matches = kb.entries
      .map((entry) => {
        const id = entry.id.toLowerCase();
        const title = entry.title.toLowerCase();
        const rank = !typed
          ? 1
          : id.startsWith(typed)
            ? 0
            : id.includes(typed) || title.includes(typed)
              ? 1
              : -1;
        return { entry, rank };
      })
      .filter((m) => m.rank >= 0)
      .sort((a, b) => a.rank - b.rank || a.entry.id.localeCompare(b.entry.id))
      .slice(0, 25); // Discord's limit for autocomplete choices
    return interaction.respond(
      matches.map(({ entry }) => ({ name: `${entry.id} — ${entry.title}`.slice(0, 100), value: entry.id })),
    );
  },
} satisfies Command;
