// npm run kb:export-taught [-- --dry-run]: writes the examples moderators taught from Discord into
// the knowledge files (see docs/teaching.md), runs the routing check of kb:check, prints what
// changed, and marks them exported: their text leaves the database (it now lives in the files,
// to be committed with the knowledge edits). A folder that no longer validates is restored.

import { exportTaughtExamples, restoreFiles } from '../knowledge/export-taught.ts';
import { checkRouting } from '../knowledge/routing-check.ts';
import { loadKnowledgeState } from '../knowledge/state.ts';
import { openStore } from '../store/store.ts';
import { configOrExit, fail } from './exit.ts';

const dryRun = process.argv.includes('--dry-run');
const config = configOrExit();
let store: ReturnType<typeof openStore>;
try {
  store = openStore(config.DATABASE_PATH);
} catch (error) {
  fail([`Cannot open the database ${config.DATABASE_PATH}: ${(error as Error).message}`]);
}
const dir = config.KNOWLEDGE_DIR;

const pending = store.taught
  .pendingExport()
  .flatMap((row) =>
    row.text === null ? [] : [{ id: row.id, kind: row.kind, entry: row.entry, text: row.text }],
  );
if (pending.length === 0) {
  console.log('Nothing to export: no taught examples waiting.');
  store.close();
  process.exit(0);
}

const result = exportTaughtExamples(dir, pending, { dryRun });
for (const change of result.changes) {
  const what = change.added ? `+ ${change.field}` : `= ${change.field} (already there)`;
  console.log(`${change.file}: ${what}: ${JSON.stringify(change.text)} (#${change.id})`);
}
for (const skipped of result.skipped)
  console.error(`skipped #${skipped.id} (${skipped.entry}): ${skipped.reason}`);
if (dryRun) {
  console.log(`Dry run: ${result.changes.length} example(s) would be exported; nothing was written.`);
  store.close();
  process.exit(0);
}

const { state, problems } = loadKnowledgeState(dir, { trainingFile: config.TRAINING_CORPUS });
if (!state || problems.length > 0) {
  restoreFiles(result.originals);
  store.close();
  fail([
    'After writing the examples the knowledge folder has problems, so the files were restored and nothing was marked exported:',
    ...problems.map((problem) => `  - ${problem}`),
  ]);
}
// The texts are in the files now: the database keeps only the record that they were taught.
const exported = store.taught.markExported(result.changes.map((change) => change.id));
store.close();
const routing = checkRouting(state);
for (const failure of routing.failures) console.error(`  - ${failure}`);
console.log(
  `Exported ${exported} taught example(s) into ${new Set(result.changes.filter((c) => c.added).map((c) => c.file)).size} file(s); ` +
    `routing check: ${routing.failures.length} problem(s). Review with git diff, then commit the files.`,
);
process.exit(routing.failures.length ? 1 : 0);
