// npm run kb:stale [-- --days N] [FOLDER]: lists the entries to re-verify (see knowledge/README.md).
// A report, not a check: it exits 0 whatever it lists, and 1 only when the folder cannot be loaded.
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { loadKnowledge } from '../knowledge/load.ts';
import { describeStale, STALE_AFTER_DAYS, staleEntries } from '../knowledge/staleness.ts';

const { values, positionals } = parseArgs({
  options: { days: { type: 'string', default: String(STALE_AFTER_DAYS) } },
  allowPositionals: true,
});
const days = Number(values.days);
if (!Number.isInteger(days) || days < 0) {
  console.error(`--days must be a whole number of days, got "${values.days}"`);
  process.exit(2);
}
const config = loadConfig();
const dir = positionals[0] ?? (config.ok ? config.config.KNOWLEDGE_DIR : 'knowledge');
const { kb, problems } = loadKnowledge(dir);
if (!kb) {
  console.error(
    `${dir}: cannot list stale entries, the folder has ${problems.length} problem(s); run npm run kb:check`,
  );
  process.exit(1);
}
const stale = staleEntries(kb.entries, { now: new Date(), maxAgeDays: days, seenVersions: kb.seenVersions });
const newest = kb.seenVersions.length
  ? `; versions in use: ${kb.seenVersions.join(', ')}`
  : '; no _versions.md';
console.log(`${dir}: ${kb.entries.length} entries, stale after ${days} days${newest}`);
for (const line of describeStale(stale, days)) console.log(line);
