// npm run report -- [--days N] [--top N]: what /stats shows, in the terminal, with the most
// frequent unanswered questions as the list of entries to write next.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { statsReport } from '../report.ts';
import { openStore } from '../store/store.ts';

function fail(lines: string[]): never {
  for (const line of lines) console.error(line);
  process.exit(1);
}

const USAGE = 'usage: npm run report -- [--days N] [--top N]   (defaults: 30 days, top 20 questions)';

let values: { days?: string; top?: string; help?: boolean };
try {
  ({ values } = parseArgs({
    options: { days: { type: 'string' }, top: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
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

const loaded = loadConfig();
if (!loaded.ok)
  fail(['The configuration has problems (see .env.example):', ...loaded.problems.map((p) => `  - ${p}`)]);
const { DATABASE_PATH } = loaded.config;
if (DATABASE_PATH !== ':memory:' && !existsSync(DATABASE_PATH)) {
  fail([`No database at ${DATABASE_PATH} yet: the bot records answers there once it runs (npm start).`]);
}

const store = openStore(DATABASE_PATH);
try {
  for (const line of statsReport(store.stats(days), { days, top })) console.log(line);
} finally {
  store.close();
}
