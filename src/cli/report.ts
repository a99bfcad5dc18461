// npm run report -- [--guild ID] [--days N] [--top N]: what /stats shows, in the terminal, with the
// most frequent unanswered questions as the list of entries to write next. Each server gets its own
// report (never one mixed total); --guild picks one. The database is opened read-only and never
// migrated, so the report can run beside the bot.
import { parseArgs } from 'node:util';
import { statsReport } from '../report.ts';
import { openStatsReader, type StatsReader } from '../store/store.ts';
import { configOrExit, fail } from './exit.ts';

const USAGE =
  'usage: npm run report -- [--guild ID] [--days N] [--top N]   (defaults: every server, 30 days, top 20 questions)';

let values: { guild?: string; days?: string; top?: string; help?: boolean };
try {
  ({ values } = parseArgs({
    options: {
      guild: { type: 'string' },
      days: { type: 'string' },
      top: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (error) {
  fail([(error as Error).message, USAGE]);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const positive = (value: string | undefined, fallback: number, name: string): number => {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) fail([`--${name} must be a whole number of at least 1`, USAGE]);
  return n;
};
const days = positive(values.days, 30, 'days');
const top = positive(values.top, 20, 'top');
const guild = values.guild?.trim();
if (values.guild !== undefined && !guild) fail(['--guild needs a server id', USAGE]);

const config = configOrExit();

let reader: StatsReader;
try {
  reader = openStatsReader(config.DATABASE_PATH);
} catch (error) {
  fail([(error as Error).message]);
}
try {
  const guilds = guild ? [guild] : reader.guildsWithActivity(days);
  if (!guilds.length) console.log(`No answers or unanswered help requests in the last ${days} days.`);
  for (const [index, guildId] of guilds.entries()) {
    if (index > 0) console.log('');
    console.log(`Server ${guildId}`);
    for (const line of statsReport(reader.stats(guildId, days), { days, top })) console.log(line);
  }
} finally {
  reader.close();
}
